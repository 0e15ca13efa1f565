/*
 * backend_interface.c - every function of the internal interface
 * (pal_os.h) exists in the backend this build uses.
 *
 * The check is the link: the table below takes the address of each
 * pal_os_* function, so a backend that lacks one fails to build, not at
 * run time.  A backend whose definition disagrees with a prototype fails
 * earlier, when it is compiled against pal_os.h.  The run only confirms
 * that the table is whole.
 */
#include "pal_test.h"
#include "pal_os.h"

#define FN(f) { #f, (void (*)(void))(uintptr_t)f }

static const struct {
    const char *name;
    void (*fn)(void);
} interface[] = {
    FN(pal_os_init),
    FN(pal_os_features),
    FN(pal_os_unused_zeroes),
    FN(pal_os_reserve),
    FN(pal_os_reserve_at),
    FN(pal_os_reserve_aligned),
    FN(pal_os_map),
    FN(pal_os_used),
    FN(pal_os_unused),
    FN(pal_os_alloc),
    FN(pal_os_free),
    FN(pal_os_fault),
    FN(pal_os_protect),
    FN(pal_os_hugepage),
    FN(pal_os_nohugepage),
    FN(pal_os_collapse),
    FN(pal_os_guard),
    FN(pal_os_seal),
    FN(pal_os_name),
    FN(pal_os_resident),
    FN(pal_os_unused_ranges),
    FN(pal_os_populate),
    FN(pal_os_purge),
    FN(pal_os_purge_ranges),
    FN(pal_os_huge_page_sizes),
    FN(pal_os_alloc_huge),
    FN(pal_os_numa_nodes),
    FN(pal_os_current_node),
    FN(pal_os_bind_node),
    FN(pal_os_acquire),
    FN(pal_os_dump),
    FN(pal_os_info),
    FN(pal_os_track_writes),
    FN(pal_os_written),
};

/* Each entry names a distinct function: a copy-paste slip in the table
 * would otherwise leave one unchecked. */
static void every_function_linked(void)
{
    size_t i, j, n = sizeof interface / sizeof interface[0];

    CHECK_EQ(n, 34);
    for (i = 0; i < n; i++) {
        CHECK(interface[i].fn != NULL);
        for (j = 0; j < i; j++)
            CHECK(interface[i].fn != interface[j].fn);
    }
}

/* The counters the backend counts into are the ones the API reports:
 * whichever stripe a count lands in, the sum shows it. */
static void counters_shared(void)
{
    struct pal_mem_stats a, b;

    pal_mem_get_stats(&a);
    pal_os_count_call();
    pal_os_count_fallback();
    pal_os_stripes[PAL_STRIPES - 1].calls += 2; /* one thread here: no race */
    pal_mem_get_stats(&b);
    CHECK_EQ(b.os_calls, a.os_calls + 3);
    CHECK_EQ(b.fallbacks, a.fallbacks + 1);
}

/* Every stripe on its own cache line(s), so that threads counting into
 * different stripes never write the same line. */
static void stripes_apart(void)
{
    CHECK_EQ(sizeof pal_os_stripes[0], PAL_STRIPE_BYTES);
    CHECK_EQ((uintptr_t)&pal_os_stripes[0] % PAL_STRIPE_BYTES, 0);
}

const struct th_test th_tests[] = {
    TH(every_function_linked),
    TH(counters_shared),
    TH(stripes_apart),
    TH_END,
};
