/*
 * test_bsd.c - the BSD backend's own paths: an exact reservation refused
 * without a trace (a fallback only where the kernel has no exclusive
 * placement), a map that fails leaving the reservation in place, and lazy
 * release with MADV_FREE falling back to a fresh mapping where the kernel
 * refuses it.  (Aligned and exact placement as /proc/self/maps shows it is
 * test_maps.c's, shared with linux and aix.)  On Linux (PAL_BACKEND=bsd) these are the generic
 * paths: no MAP_ALIGNED, MAP_EXCL, __MAP_NOREPLACE, MAP_TRYFIXED or
 * MAP_GUARD there; what a BSD kernel answers and Linux does not (OpenBSD's
 * W^X refusal) is made up with seccomp.
 */
#include <sys/mman.h>

#include "maps.h"
#include "pal_test.h"

#if defined(__linux__) && defined(__LP64__)
#include <sys/sysinfo.h>
#endif
#include "ranges_one_by_one.h"
#include "refuse_call.h"

static void reserve_at_taken_leaves_nothing(void)
{
    size_t n = 4 * pal_mem_page_size(), before, f0 = th_fallbacks();
    void *v;

    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    before = th_mapped_bytes();
    CHECK_EQ(pal_mem_reserve_at(v, n), PAL_EEXIST);
    CHECK_EQ(th_mapped_bytes(), before);
    /* the hint-and-check path counts as a fallback; MAP_EXCL does not */
    if (!(pal_mem_features() & PAL_FEAT_FIXED_NOREPLACE))
        CHECK_EQ(th_fallbacks() - f0, 1);
    CHECK_OK(pal_mem_free(v, n));
}

/* map replaces the reservation with mmap(MAP_FIXED); when that fails, the
 * reservation must still be there (FreeBSD removes it before it finds it
 * cannot map, as Linux did before 6.12).  A read-write mapping larger than
 * memory and swap is refused by Linux's heuristic overcommit. */
static void failed_map_keeps_the_reservation(void)
{
#if defined(__linux__) && defined(__LP64__)
    struct sysinfo si;
    size_t n, before;
    void *v;
    int err;

    if (th_mapped_bytes() == 0)
        SKIP("no /proc/self/maps to count mappings with");
    if (sysinfo(&si) != 0)
        SKIP("no sysinfo");
    n = 2 * ((size_t)si.totalram + (size_t)si.totalswap) * si.mem_unit;
    n = (n + (1u << 30)) & ~(((size_t)1 << 30) - 1);
    if (pal_mem_reserve(NULL, n, &v) != PAL_OK)
        SKIP("no room for a %zu MiB reservation", n >> 20);
    before = th_mapped_bytes();
    err = pal_mem_map(v, n);
    if (err == PAL_OK) {
        CHECK_OK(pal_mem_free(v, n));
        SKIP("this kernel maps more than memory and swap (overcommit 1)");
    }
    CHECK_EQ(err, PAL_ENOMEM);
    CHECK_EQ(th_mapped_bytes(), before);
    CHECK_EQ(pal_mem_reserve_at(v, pal_mem_page_size()), PAL_EEXIST);
    CHECK_OK(pal_mem_free(v, n));
#else
    SKIP("needs Linux's overcommit heuristic to make map fail");
#endif
}

#if defined(__linux__) && defined(__LP64__)
/* OpenBSD's W^X: mprotect(PROT_WRITE | PROT_EXEC) fails with ENOTSUP.
 * 0 passed, 1 failed, 2 no seccomp here. */
static int wx_child(void *arg)
{
    size_t n = pal_mem_page_size();
    void *v;

    (void)arg;
    if (pal_mem_alloc(n, &v) != PAL_OK)
        return 1;
    if (refuse_call(SYS_mprotect, 2, PROT_EXEC, ENOTSUP) != 0)
        return 2;
    if (pal_mem_protect(v, n, PAL_PROT_READ | PAL_PROT_WRITE | PAL_PROT_EXEC) != PAL_EACCES)
        return 1;
    return pal_mem_protect(v, n, PAL_PROT_READ) == PAL_OK ? 0 : 1;
}
#endif

static void write_and_execute_refused_is_eacces(void)
{
#if defined(__linux__) && defined(__LP64__)
    int st = th_child(wx_child, NULL);

    if (st == TH_CHILD_NONE)
        SKIP("no child processes here");
    if (st == TH_CHILD_EXIT(2))
        SKIP("no seccomp here");
    CHECK_EQ(st, TH_CHILD_EXIT(0));
#else
    SKIP("needs seccomp to stand in for W^X");
#endif
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
    f0 = th_fallbacks();
    CHECK_OK(pal_mem_unused(v, n));
    CHECK_EQ(th_fallbacks(), f0);
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
    f0 = th_fallbacks();
    if (pal_mem_unused(p, n) != PAL_OK)
        return 1;
    if (th_fallbacks() == f0)
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

/* populate touches each page: resident afterwards, contents kept. */
static void populate_touches(void)
{
    size_t ps = pal_mem_page_size(), n = 8 * ps, res = 0;
    unsigned char *p;
    void *v;

    CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    p[ps + 3] = 0x66;
    CHECK_OK(pal_mem_populate(p, n));
    CHECK_EQ(p[ps + 3], 0x66);
    CHECK(th_all_bytes(p + 2 * ps, n - 2 * ps, 0));
    if (pal_mem_features() & PAL_FEAT_RESIDENT) {
        CHECK_OK(pal_mem_resident(p, n, &res));
        CHECK_EQ(res, n);
    }
    CHECK_EQ(pal_mem_features() & PAL_FEAT_POPULATE, 0);
    CHECK_OK(pal_mem_free(p, n));
}

/* Where the backend's build has no largepage shm (every BSD but FreeBSD
 * 13+, and this Linux host): no sizes, PAL_ENOSYS.  One NUMA node: node
 * 0, binding node 0 is PAL_OK (there is nothing to bind to). */
static void no_huge_pages_one_node(void)
{
    size_t ps = pal_mem_page_size(), sizes[2];
    unsigned node = 9;
    void *v;

    CHECK_EQ(pal_mem_huge_page_sizes(sizes, 2), 0);
    CHECK_EQ(pal_mem_features() & (PAL_FEAT_HUGETLB | PAL_FEAT_NUMA |
                                   PAL_FEAT_MTE | PAL_FEAT_BTI), 0);
    CHECK_EQ(pal_mem_alloc_huge(2 * 1024 * 1024, 0, &v), PAL_ENOSYS);
    CHECK_EQ(pal_mem_numa_nodes(), 1);
    CHECK_OK(pal_mem_current_node(&node));
    CHECK_EQ(node, 0);
    CHECK_OK(pal_mem_alloc(ps, &v));
    CHECK_OK(pal_mem_bind_node(v, ps, 0));
    CHECK_EQ(pal_mem_bind_node(v, ps, 1), PAL_EINVAL);
    CHECK_EQ(pal_mem_protect(v, ps, PAL_PROT_READ | PAL_PROT_WRITE | PAL_PROT_MTE),
             PAL_ENOSYS);
    CHECK_EQ(pal_mem_protect(v, ps, PAL_PROT_READ | PAL_PROT_EXEC | PAL_PROT_BTI),
             PAL_ENOSYS);
    CHECK_OK(pal_mem_free(v, ps));
}

const struct th_test th_tests[] = {
    TH(reserve_at_taken_leaves_nothing),
    TH(failed_map_keeps_the_reservation),
    TH(write_and_execute_refused_is_eacces),
    TH(lazy_release_is_madv_free),
    TH(madv_free_refused_falls_back),
    TH(populate_touches),
    TH(unused_ranges_one_by_one),
    TH(no_huge_pages_one_node),
    TH_END,
};
