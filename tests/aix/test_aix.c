/*
 * test_aix.c - the AIX backend's own paths: reservations that mprotect,
 * never remap; exact placement by hint and check; aligned reservations
 * trimmed; release at once under every policy.  On Linux (PAL_BACKEND=aix)
 * release is madvise(MADV_DONTNEED), whose zeroes the backend probes.
 */
#include "maps.h"
#include "pal_test.h"

static size_t fallbacks(void)
{
    struct pal_mem_stats s;

    pal_mem_get_stats(&s);
    return s.fallbacks;
}

static void aligned_leaves_no_slop(void)
{
    static const size_t aligns[] = { (size_t)1 << 16, (size_t)1 << 21, (size_t)1 << 24 };
    size_t n = 5 * pal_mem_page_size(), i, before, after;
    void *v;

    if (th_mapped_bytes() == 0)
        SKIP("no /proc/self/maps to count mappings with");
    for (i = 0; i < sizeof aligns / sizeof aligns[0]; i++) {
        before = th_mapped_bytes();
        CHECK_OK(pal_mem_reserve_aligned(n, aligns[i], &v));
        after = th_mapped_bytes();
        CHECK_EQ((uintptr_t)v % aligns[i], 0);
        CHECK_EQ(after - before, n);
        CHECK_OK(pal_mem_free(v, n));
    }
}

static void reserve_at_by_hint(void)
{
    size_t n = 4 * pal_mem_page_size(), before, f0;
    void *v;

    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    before = th_mapped_bytes();
    f0 = fallbacks();
    CHECK_EQ(pal_mem_reserve_at(v, n), PAL_EEXIST);
    CHECK_EQ(fallbacks() - f0, 1);
    CHECK_EQ(th_mapped_bytes(), before);
    CHECK_OK(pal_mem_free(v, n));
    CHECK_OK(pal_mem_reserve_at(v, n));
    CHECK_EQ(th_faults(v, 0), 1);
    CHECK_OK(pal_mem_free(v, n));
}

/* No lazy release on AIX: every policy gives the pages back at once, and
 * unused_zeroes says whether they come back zero. */
static void release_at_once_every_policy(void)
{
    unsigned old = pal_mem_policy();
    size_t n = 4 * pal_mem_page_size();
    int k;
    void *v;

    CHECK(pal_mem_features() & PAL_FEAT_MADV_DONTNEED);
    CHECK_EQ(pal_mem_features() & PAL_FEAT_MADV_FREE, 0);
    for (k = 0; k < 2; k++) {
        CHECK_OK(pal_mem_set_policy(k ? old & ~PAL_POLICY_DONTNEED : old));
        CHECK_OK(pal_mem_alloc(n, &v));
        th_memset(v, 0x21, n);
        CHECK_OK(pal_mem_unused(v, n));
        CHECK_OK(pal_mem_used(v, n));
        if (pal_mem_unused_zeroes())
            CHECK(th_all_bytes(v, n, 0));
        CHECK_OK(pal_mem_free(v, n));
    }
    CHECK_OK(pal_mem_set_policy(old));
}

/* map is mprotect on the reservation: the mapping is the same one, so the
 * process maps no more bytes than before. */
static void map_keeps_the_mapping(void)
{
    size_t n = 4 * pal_mem_page_size(), before;
    void *v;

    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    before = th_mapped_bytes();
    CHECK_OK(pal_mem_map(v, n));
    CHECK_OK(pal_mem_used(v, n));
    CHECK_EQ(th_mapped_bytes(), before);
    CHECK(th_all_bytes(v, n, 0));
    CHECK_OK(pal_mem_fault(v, n));
    CHECK_EQ(th_faults(v, 0), 1);
    CHECK_OK(pal_mem_free(v, n));
}

const struct th_test th_tests[] = {
    TH(aligned_leaves_no_slop),
    TH(reserve_at_by_hint),
    TH(release_at_once_every_policy),
    TH(map_keeps_the_mapping),
    TH_END,
};
