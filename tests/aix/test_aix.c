/*
 * test_aix.c - the AIX backend's own paths: reservations that mprotect,
 * never remap; exact placement by hint and check, counted as a fallback;
 * release at once under every policy, fault included.  (Placement as
 * /proc/self/maps shows it is test_maps.c's, shared with linux and bsd.)  On Linux
 * (PAL_BACKEND=aix) release is madvise(MADV_DONTNEED), whose zeroes the
 * backend probes, and what AIX refuses and Linux does not (MAP_FIXED over a
 * mapping, disclaim without write access) is made up with seccomp.
 */
#include <sys/mman.h>

#include "maps.h"
#include "pal_test.h"
#include "ranges_one_by_one.h"

#include "refuse_call.h"

static void reserve_at_by_hint(void)
{
    size_t n = 4 * pal_mem_page_size(), before, f0;
    void *v;

    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    before = th_mapped_bytes();
    f0 = th_fallbacks();
    CHECK_EQ(pal_mem_reserve_at(v, n), PAL_EEXIST);
    CHECK_EQ(th_fallbacks() - f0, 1);
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

/* fault gives the pages back: after fault, map and used the memory reads
 * zero again (the contract's promise), though it was written before. */
static void fault_then_map_reads_zero(void)
{
    size_t n = 4 * pal_mem_page_size();
    void *v;

    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    CHECK_OK(pal_mem_map(v, n));
    CHECK_OK(pal_mem_used(v, n));
    th_memset(v, 0x5a, n);
    CHECK_OK(pal_mem_fault(v, n));
    CHECK_EQ(th_faults(v, 0), 1);
    CHECK_OK(pal_mem_map(v, n));
    CHECK_OK(pal_mem_used(v, n));
    CHECK(th_all_bytes(v, n, 0));
    CHECK_OK(pal_mem_free(v, n));
}

/* One round of every access change on a fresh reservation: what mprotect
 * keeps (the pages written and not released) and what the releases zero.
 * The line that failed, or 0. */
static int access_round(unsigned policy)
{
    size_t ps = pal_mem_page_size(), n = 4 * ps;
    unsigned char *v;
    void *p;

    if (pal_mem_set_policy(policy) != PAL_OK || pal_mem_reserve(NULL, n, &p) != PAL_OK)
        return __LINE__;
    v = p;
    if (pal_mem_map(v, n) != PAL_OK || pal_mem_used(v, n) != PAL_OK ||
        !th_all_bytes(v, n, 0))
        return __LINE__;
    th_memset(v, 0x5a, n);
    /* unused and used on the middle pages only: the outer pages, written
     * and never released, keep their contents through both */
    if (pal_mem_unused(v + ps, 2 * ps) != PAL_OK || pal_mem_used(v, n) != PAL_OK ||
        !th_all_bytes(v, ps, 0x5a) || !th_all_bytes(v + 3 * ps, ps, 0x5a))
        return __LINE__;
    if (pal_mem_unused_zeroes() && !th_all_bytes(v + ps, 2 * ps, 0))
        return __LINE__;
    th_memset(v, 0x5b, n);
    if (pal_mem_fault(v, n) != PAL_OK || pal_mem_map(v, n) != PAL_OK ||
        pal_mem_used(v, n) != PAL_OK || !th_all_bytes(v, n, 0))
        return __LINE__;
    return pal_mem_free(v, n) == PAL_OK ? 0 : __LINE__;
}

#if defined(__linux__) && defined(__LP64__)
/* Under AIX's rule, no mmap(MAP_FIXED) at all: 0 passed, 1 failed, 2 no
 * seccomp here. */
static int no_map_fixed_child(void *arg)
{
    unsigned policy = *(unsigned *)arg;

    if (refuse_call(SYS_mmap, 3, MAP_FIXED, EINVAL) != 0)
        return 2;
    return access_round(policy) == 0 ? 0 : 1;
}
#endif

/* map is mprotect on the reservation: the mapping is the same one, so the
 * process maps no more bytes than before, and AIX, which will not
 * mmap(MAP_FIXED) over a mapping, is never asked to.  Under the default
 * policy and under hard decommit (unused and fault remove access, and
 * disclaim needs it back for a moment). */
static void map_keeps_the_mapping(void)
{
    unsigned old = pal_mem_policy(), policies[2];
    size_t n = 4 * pal_mem_page_size(), before;
    int k, line;
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

    policies[0] = old;
    policies[1] = old | PAL_POLICY_HARD_DECOMMIT;
    for (k = 0; k < 2; k++) {
        line = access_round(policies[k]);
        CHECK_OK(pal_mem_set_policy(old));
        if (line != 0) {
            th_fail_at(__FILE__, line, "access_round(0x%x)", policies[k]);
            return;
        }
#if defined(__linux__) && defined(__LP64__)
        {
            int st = th_child(no_map_fixed_child, &policies[k]);

            if (st != TH_CHILD_NONE && st != TH_CHILD_EXIT(2))
                CHECK_EQ(st, TH_CHILD_EXIT(0));
            else
                th_note("without MAP_FIXED: not checked (no seccomp here)");
        }
#endif
    }
}

#if defined(__linux__) && defined(__LP64__)
/* AIX's disclaim fails with EFAULT on memory the caller may not write; on
 * Linux the release is madvise, refused the same way here.  0 passed, 1
 * failed, 2 no seccomp here. */
static int no_write_child(void *arg)
{
    size_t n = pal_mem_page_size();
    void *v;

    (void)arg;
    if (pal_mem_alloc(n, &v) != PAL_OK)
        return 1;
    if (refuse_call(SYS_madvise, 2, MADV_DONTNEED, EFAULT) != 0)
        return 2;
    return pal_mem_unused(v, n) == PAL_EACCES ? 0 : 1;
}
#endif

static void release_without_write_access_is_eacces(void)
{
#if defined(__linux__) && defined(__LP64__)
    int st = th_child(no_write_child, NULL);

    if (st == TH_CHILD_NONE)
        SKIP("no child processes here");
    if (st == TH_CHILD_EXIT(2))
        SKIP("no seccomp here");
    CHECK_EQ(st, TH_CHILD_EXIT(0));
#else
    SKIP("needs seccomp to stand in for disclaim's EFAULT");
#endif
}

/* The optional calls where the OS has no native way: populate touches each
 * page (resident after, contents kept), no explicit huge pages, one NUMA
 * node (node 0), no MTE or BTI; unused_ranges: ranges_one_by_one.h. */
static void features_without_native_ways(void)
{
    size_t ps = pal_mem_page_size(), n = 6 * ps, sizes[2], res = 0;
    unsigned node = 7;
    unsigned char *p;
    void *v;

    CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    th_memset(p, 0x67, n);
    CHECK_OK(pal_mem_populate(p, n));
    CHECK(th_all_bytes(p, n, 0x67));
    if (pal_mem_features() & PAL_FEAT_RESIDENT) {
        CHECK_OK(pal_mem_resident(p, n, &res));
        CHECK_EQ(res, n);
    }
    CHECK_EQ(pal_mem_features() & (PAL_FEAT_BATCH | PAL_FEAT_POPULATE | PAL_FEAT_HUGETLB |
                                   PAL_FEAT_NUMA | PAL_FEAT_MTE | PAL_FEAT_BTI), 0);
    CHECK_EQ(pal_mem_huge_page_sizes(sizes, 2), 0);
    CHECK_EQ(pal_mem_alloc_huge(2 * 1024 * 1024, 0, &v), PAL_ENOSYS);
    CHECK_EQ(pal_mem_numa_nodes(), 1);
    /* one node here (the backend uses no SRADs), so node 0 */
    CHECK_OK(pal_mem_current_node(&node));
    CHECK_EQ(node, 0);
    CHECK_OK(pal_mem_bind_node(p, ps, 0));
    CHECK_EQ(pal_mem_bind_node(p, ps, 1), PAL_EINVAL);
    CHECK_EQ(pal_mem_protect(p, ps, PAL_PROT_READ | PAL_PROT_WRITE | PAL_PROT_MTE),
             PAL_ENOSYS);
    CHECK_OK(pal_mem_free(p, n));
}

const struct th_test th_tests[] = {
    TH(reserve_at_by_hint),
    TH(release_at_once_every_policy),
    TH(fault_then_map_reads_zero),
    TH(map_keeps_the_mapping),
    TH(release_without_write_access_is_eacces),
    TH(features_without_native_ways),
    TH(unused_ranges_one_by_one),
    TH_END,
};
