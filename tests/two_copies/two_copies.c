/*
 * two_copies.c - two copies of libpal, built with different prefixes
 * (copya_, copyb_), in one process: each keeps its own policy, its own
 * counters and its own answers, and neither disturbs the library the
 * harness links (a third copy, with the build's own prefix).
 *
 * Built twice: linked with both copies as static libraries (two_copies),
 * and with TWO_COPIES_DLOPEN, loading each copy inside a shared library
 * of its own (two_copies_dlopen), RTLD_GLOBAL so that a name the two
 * shared libraries had in common would bind one to the other.
 */
#include "pal_test.h"
#include "side.h"

#ifdef TWO_COPIES_DLOPEN
#include <dlfcn.h>
#else
const struct side *side_a(void);
const struct side *side_b(void);
#endif

static const struct side *a, *b;

static void load_sides(void)
{
#ifdef TWO_COPIES_DLOPEN
    static const char *const paths[2] = {SIDE_A_PATH, SIDE_B_PATH};
    const struct side *got[2];
    int i;

    for (i = 0; i < 2; i++) {
        void *h = dlopen(paths[i], RTLD_NOW | RTLD_GLOBAL);
        const struct side *(*entry)(void);

        if (h == NULL) {
            th_fail_at(__FILE__, __LINE__, "dlopen %s: %s", paths[i], dlerror());
            return;
        }
        entry = (const struct side *(*)(void))(uintptr_t)dlsym(h, "side_entry");
        if (entry == NULL) {
            th_fail_at(__FILE__, __LINE__, "dlsym side_entry in %s: %s", paths[i], dlerror());
            return;
        }
        got[i] = entry();
    }
    a = got[0];
    b = got[1];
#else
    a = side_a();
    b = side_b();
#endif
    /* two copies, not one reached twice */
    CHECK(a != b);
    CHECK(a->policy != b->policy);
    CHECK(a->churn != b->churn);
}

static size_t calls_of(const struct side *s)
{
    struct pal_mem_stats st;

    s->get_stats(&st);
    return st.os_calls;
}

/* One copy's policy is not the other's, nor the harness's. */
static void policy_apart(void)
{
    unsigned own = pal_mem_policy();

    CHECK(a && b);
    CHECK_OK(a->set_policy(PAL_POLICY_DONTNEED | PAL_POLICY_HARD_DECOMMIT));
    CHECK_OK(b->set_policy(PAL_POLICY_NO_THP));
    CHECK_EQ(a->policy(), PAL_POLICY_DONTNEED | PAL_POLICY_HARD_DECOMMIT);
    CHECK_EQ(b->policy(), PAL_POLICY_NO_THP);
    CHECK_EQ(pal_mem_policy(), own);
    CHECK_OK(a->set_policy(PAL_POLICY_DEFAULT));
    CHECK_EQ(b->policy(), PAL_POLICY_NO_THP);
    CHECK_OK(b->set_policy(PAL_POLICY_DEFAULT));
}

/* The OS calls one copy issues are counted by that copy alone. */
static void counters_apart(void)
{
    size_t a0, b0, own0, a1, b1, own1;
    struct pal_mem_stats st;

    CHECK(a && b);
    pal_mem_get_stats(&st);
    own0 = st.os_calls;
    a0 = calls_of(a);
    b0 = calls_of(b);
    CHECK_OK(a->churn());
    CHECK_OK(a->churn());
    a1 = calls_of(a);
    b1 = calls_of(b);
    CHECK(a1 >= a0 + 2);
    CHECK_EQ(b1, b0);
    CHECK_OK(b->churn());
    CHECK(calls_of(b) > b1);
    CHECK_EQ(calls_of(a), a1);
    pal_mem_get_stats(&st);
    own1 = st.os_calls;
    CHECK_EQ(own1, own0);
}

/* What a copy answers follows its own policy: whether unused memory
 * reads back zero, asked of each under opposite policies, then with the
 * policies swapped, gives the same answers swapped. */
static void answers_apart(void)
{
    int za, zb;

    CHECK(a && b);
    CHECK_OK(a->set_policy(PAL_POLICY_DONTNEED));
    CHECK_OK(b->set_policy(0));
    za = a->unused_zeroes();
    zb = b->unused_zeroes();
    CHECK_OK(a->set_policy(0));
    CHECK_OK(b->set_policy(PAL_POLICY_DONTNEED));
    CHECK_EQ(a->unused_zeroes(), zb);
    CHECK_EQ(b->unused_zeroes(), za);
    CHECK_OK(a->set_policy(PAL_POLICY_DEFAULT));
    CHECK_OK(b->set_policy(PAL_POLICY_DEFAULT));
}

const struct th_test th_tests[] = {
    TH(load_sides),
    TH(policy_apart),
    TH(counters_apart),
    TH(answers_apart),
    TH_END,
};
