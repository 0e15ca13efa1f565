/*
 * test_bsd.c - the BSD backend's own paths: aligned and exact reservations
 * without a trace when they fail or trim, and lazy release with MADV_FREE
 * falling back to a fresh mapping where the kernel refuses it.  On Linux
 * (PAL_BACKEND=bsd) these are the generic paths: no MAP_ALIGNED, MAP_EXCL
 * or MAP_GUARD there.
 */
#include <sys/mman.h>

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

static void reserve_at_taken_leaves_nothing(void)
{
    size_t n = 4 * pal_mem_page_size(), before, f0 = fallbacks();
    void *v;

    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    before = th_mapped_bytes();
    CHECK_EQ(pal_mem_reserve_at(v, n), PAL_EEXIST);
    CHECK_EQ(th_mapped_bytes(), before);
    /* the hint-and-check path counts as a fallback; MAP_EXCL does not */
    if (!(pal_mem_features() & PAL_FEAT_FIXED_NOREPLACE))
        CHECK_EQ(fallbacks() - f0, 1);
    CHECK_OK(pal_mem_free(v, n));
}

static void lazy_release_is_madv_free(void)
{
    unsigned old = pal_mem_policy();
    size_t n = 4 * pal_mem_page_size(), f0;
    void *v;

    if (!(pal_mem_features() & PAL_FEAT_MADV_FREE))
        SKIP("no MADV_FREE here");
    CHECK_OK(pal_mem_set_policy(old & ~PAL_POLICY_DONTNEED));
    CHECK_EQ(pal_mem_unused_zeroes(), 0);
    CHECK_OK(pal_mem_alloc(n, &v));
    th_memset(v, 9, n);
    f0 = fallbacks();
    CHECK_OK(pal_mem_unused(v, n));
    CHECK_EQ(fallbacks(), f0);
    CHECK_OK(pal_mem_used(v, n));
    CHECK_OK(pal_mem_free(v, n));
    CHECK_OK(pal_mem_set_policy(old));
    CHECK_EQ(pal_mem_unused_zeroes(), 1);
}

/* In a child (the refusal is remembered for the rest of the process):
 * Linux refuses MADV_FREE on locked pages with EINVAL, the answer of a
 * kernel without MADV_FREE.  0 passed, 2 not refused here, 1 failed. */
static int refused_child(void *arg)
{
    size_t n = 2 * pal_mem_page_size(), f0;
    unsigned char *p;
    void *v;

    (void)arg;
    if (pal_mem_set_policy(pal_mem_policy() & ~PAL_POLICY_DONTNEED) != PAL_OK ||
        pal_mem_alloc(n, &v) != PAL_OK)
        return 1;
    p = v;
    th_memset(p, 0x5c, n);
    if (mlock(p, n) != 0)
        return 2;
    f0 = fallbacks();
    if (pal_mem_unused(p, n) != PAL_OK)
        return 1;
    if (fallbacks() == f0)
        return 2;
    /* fell back to a fresh mapping: zeroes, and from now on every time */
    if (pal_mem_used(p, n) != PAL_OK || !th_all_bytes(p, n, 0) ||
        pal_mem_unused_zeroes() != 1)
        return 1;
    return 0;
}

static void madv_free_refused_falls_back(void)
{
    int st = th_child(refused_child, NULL);

    if (st == TH_CHILD_NONE)
        SKIP("no child processes here");
    if (st == TH_CHILD_EXIT(2))
        SKIP("this kernel does not refuse MADV_FREE on locked pages");
    CHECK_EQ(st, TH_CHILD_EXIT(0));
}

const struct th_test th_tests[] = {
    TH(aligned_leaves_no_slop),
    TH(reserve_at_taken_leaves_nothing),
    TH(lazy_release_is_madv_free),
    TH(madv_free_refused_falls_back),
    TH_END,
};
