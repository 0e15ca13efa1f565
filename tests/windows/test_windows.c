/*
 * test_windows.c - the Windows backend against what VirtualQuery reports:
 * the state (MEM_RESERVE, MEM_COMMIT, MEM_FREE) and protection of every
 * page after each transition, reservations made on the allocation
 * granularity, frees of whole regions only, and commits that must be split
 * because the range spans two reservations.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include "pal_test.h"

#define GRANULARITY ((size_t)64 * 1024)

static MEMORY_BASIC_INFORMATION query(const void *p)
{
    MEMORY_BASIC_INFORMATION mbi;

    th_memset(&mbi, 0, sizeof mbi);
    VirtualQuery(p, &mbi, sizeof mbi);
    return mbi;
}

/* Whether every page of [p, p+n) is in state (and, if protect != 0, has
 * that protection), as VirtualQuery's runs say. */
static int all_in(const void *p, size_t n, DWORD state, DWORD protect)
{
    uintptr_t a = (uintptr_t)p, end = a + n;

    while (a < end) {
        MEMORY_BASIC_INFORMATION mbi = query((void *)a);

        if (mbi.RegionSize == 0 || mbi.State != state ||
            (protect != 0 && mbi.Protect != protect))
            return 0;
        a = (uintptr_t)mbi.BaseAddress + mbi.RegionSize;
    }
    return 1;
}

/* Private address space this process holds, reserved or committed: the
 * sum over every VirtualQuery run of the user address space. */
static size_t private_bytes(void)
{
    SYSTEM_INFO si;
    uintptr_t a, end;
    size_t total = 0;

    GetSystemInfo(&si);
    a = (uintptr_t)si.lpMinimumApplicationAddress;
    end = (uintptr_t)si.lpMaximumApplicationAddress;
    while (a < end) {
        MEMORY_BASIC_INFORMATION mbi = query((void *)a);

        if (mbi.RegionSize == 0)
            break;
        if (mbi.State != MEM_FREE && mbi.Type == MEM_PRIVATE)
            total += mbi.RegionSize;
        a = (uintptr_t)mbi.BaseAddress + mbi.RegionSize;
    }
    return total;
}

static size_t fallbacks(void)
{
    struct pal_mem_stats s;

    pal_mem_get_stats(&s);
    return s.fallbacks;
}

static void facts(void)
{
    CHECK_EQ(pal_mem_page_size(), 4096);
    CHECK_EQ(pal_mem_huge_page_size(), 0);
    CHECK(pal_mem_features() & PAL_FEAT_FIXED_NOREPLACE);
    CHECK_EQ(pal_mem_features() & (PAL_FEAT_THP | PAL_FEAT_THP_COLLAPSE |
                                   PAL_FEAT_SEAL | PAL_FEAT_VMA_NAME), 0);
    CHECK_EQ(pal_mem_unused_zeroes(), 1);
}

static void states_follow_transitions(void)
{
    size_t ps = pal_mem_page_size(), n = 8 * ps;
    MEMORY_BASIC_INFORMATION mbi;
    char *p;
    void *v;

    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    mbi = query(p);
    CHECK(mbi.AllocationBase == p);
    CHECK_EQ((uintptr_t)p % GRANULARITY, 0);
    CHECK(all_in(p, n, MEM_RESERVE, 0));
    CHECK_EQ(th_faults(p, 0), 1);

    CHECK_OK(pal_mem_map(p, n));
    CHECK(all_in(p, n, MEM_COMMIT, PAGE_READWRITE));
    CHECK_OK(pal_mem_used(p, n));
    CHECK(all_in(p, n, MEM_COMMIT, PAGE_READWRITE));
    th_memset(p, 0x5a, n);

    /* unused on half: those pages are reserved again, and read zero after */
    CHECK_OK(pal_mem_unused(p, n / 2));
    CHECK(all_in(p, n / 2, MEM_RESERVE, 0));
    CHECK(all_in(p + n / 2, n / 2, MEM_COMMIT, PAGE_READWRITE));
    CHECK_EQ(th_faults(p, 0), 1);
    /* used over a mix of Prepared and Ready */
    CHECK_OK(pal_mem_used(p, n));
    CHECK(all_in(p, n, MEM_COMMIT, PAGE_READWRITE));
    CHECK(th_all_bytes(p, n / 2, 0));
    CHECK(th_all_bytes(p + n / 2, n / 2, 0x5a));

    CHECK_OK(pal_mem_protect(p, ps, PAL_PROT_READ));
    CHECK(all_in(p, ps, MEM_COMMIT, PAGE_READONLY));
    CHECK_EQ(th_faults(p, 0), 0);
    CHECK_EQ(th_faults(p, 1), 1);
    CHECK_OK(pal_mem_protect(p, ps, PAL_PROT_READ | PAL_PROT_WRITE));
    CHECK_EQ(th_faults(p, 1), 0);

    CHECK_OK(pal_mem_guard(p + ps, ps));
    CHECK(all_in(p + ps, ps, MEM_COMMIT, PAGE_NOACCESS));
    CHECK_EQ(th_faults(p + ps, 0), 1);
    /* every access faults, not only the first (PAGE_GUARD would pass it) */
    CHECK_EQ(th_faults(p + ps, 0), 1);

    CHECK_OK(pal_mem_fault(p, n));
    CHECK(all_in(p, n, MEM_RESERVE, 0));
    CHECK_EQ(th_faults(p + 2 * ps, 0), 1);
    CHECK_OK(pal_mem_map(p, n));
    CHECK_OK(pal_mem_used(p, n));
    CHECK(th_all_bytes(p, n, 0));

    CHECK_OK(pal_mem_free(p, n));
    CHECK_EQ(query(p).State, MEM_FREE);
}

static void alloc_is_committed(void)
{
    size_t n = 3 * pal_mem_page_size();
    void *v;

    CHECK_OK(pal_mem_alloc(n, &v));
    CHECK(all_in(v, n, MEM_COMMIT, PAGE_READWRITE));
    CHECK(th_all_bytes(v, n, 0));
    CHECK_OK(pal_mem_free(v, n));
    CHECK_EQ(query(v).State, MEM_FREE);
}

/* VirtualFree(MEM_RELEASE) would release the whole reservation whatever
 * the size: anything but the exact region is refused, and nothing goes. */
static void free_needs_whole_region(void)
{
    size_t ps = pal_mem_page_size(), n = 4 * ps;
    char *p;
    void *v;

    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    CHECK_EQ(pal_mem_free(p, 2 * ps), PAL_EINVAL);
    CHECK_EQ(pal_mem_free(p + ps, 3 * ps), PAL_EINVAL);
    CHECK_EQ(pal_mem_free(p, 8 * ps), PAL_EINVAL);
    CHECK(all_in(p, n, MEM_RESERVE, 0));
    /* committed in part: still one region */
    CHECK_OK(pal_mem_map(p + ps, ps));
    CHECK_EQ(pal_mem_free(p + ps, ps), PAL_EINVAL);
    CHECK(all_in(p + ps, ps, MEM_COMMIT, PAGE_READWRITE));
    CHECK_OK(pal_mem_free(p, n));
    CHECK(all_in(p, n, MEM_FREE, 0));
}

static void reserve_at_granularity(void)
{
    size_t ps = pal_mem_page_size();
    char *p;
    void *v;

    /* find a free, granule-aligned spot */
    CHECK_OK(pal_mem_reserve(NULL, 2 * GRANULARITY, &v));
    p = v;
    CHECK_OK(pal_mem_free(p, 2 * GRANULARITY));

    CHECK_OK(pal_mem_reserve_at(p, GRANULARITY));
    CHECK(query(p).AllocationBase == p);
    CHECK(all_in(p, GRANULARITY, MEM_RESERVE, 0));
    /* taken */
    CHECK_EQ(pal_mem_reserve_at(p, ps), PAL_EEXIST);
    CHECK_EQ(pal_mem_reserve_at(p + ps, ps), PAL_EEXIST);
    /* free, but not on the granularity: no reservation can start there */
    CHECK_EQ(pal_mem_reserve_at(p + GRANULARITY + ps, ps), PAL_EINVAL);
    CHECK_EQ(query(p + GRANULARITY + ps).State, MEM_FREE);
    /* straddling the taken granule and a free one */
    CHECK_EQ(query(p + GRANULARITY).State, MEM_FREE);
    CHECK_OK(pal_mem_free(p, GRANULARITY));
    CHECK_OK(pal_mem_reserve_at(p + GRANULARITY, GRANULARITY));
    CHECK_EQ(pal_mem_reserve_at(p, 2 * GRANULARITY), PAL_EEXIST);
    CHECK_EQ(query(p).State, MEM_FREE);
    CHECK_OK(pal_mem_free(p + GRANULARITY, GRANULARITY));
}

static void reserve_aligned_leaves_no_slop(void)
{
    static const size_t aligns[] = { 4096, 65536, (size_t)1 << 20, (size_t)1 << 22 };
    size_t n = 3 * GRANULARITY, i, before, after, f0 = fallbacks();
    void *v;

    for (i = 0; i < sizeof aligns / sizeof aligns[0]; i++) {
        before = private_bytes();
        CHECK_OK(pal_mem_reserve_aligned(n, aligns[i], &v));
        after = private_bytes();
        CHECK_EQ((uintptr_t)v % aligns[i], 0);
        if (aligns[i] == ((size_t)1 << 22))
            th_note("VirtualAlloc2 with an alignment: %s",
                    fallbacks() == f0 ? "used" : "not available, retried by hand");
        CHECK(query(v).AllocationBase == v);
        CHECK(all_in(v, n, MEM_RESERVE, 0));
        /* exactly n more held: nothing reserved around it */
        CHECK_EQ(after - before, n);
        CHECK_OK(pal_mem_free(v, n));
        CHECK_EQ(private_bytes(), before);
    }
}

/* Two reservations side by side: one VirtualAlloc(MEM_COMMIT) cannot span
 * them, so used and unused go piece by piece, and say so in the stats. */
static void used_spans_reservations(void)
{
    size_t f0;
    char *p;
    void *v;

    CHECK_OK(pal_mem_reserve(NULL, 2 * GRANULARITY, &v));
    p = v;
    CHECK_OK(pal_mem_free(p, 2 * GRANULARITY));
    CHECK_OK(pal_mem_reserve_at(p, GRANULARITY));
    CHECK_OK(pal_mem_reserve_at(p + GRANULARITY, GRANULARITY));
    CHECK(query(p + GRANULARITY).AllocationBase == p + GRANULARITY);

    f0 = fallbacks();
    CHECK_OK(pal_mem_map(p, 2 * GRANULARITY));
    CHECK(fallbacks() > f0);
    CHECK(all_in(p, 2 * GRANULARITY, MEM_COMMIT, PAGE_READWRITE));
    CHECK_OK(pal_mem_used(p, 2 * GRANULARITY));
    th_memset(p, 0x33, 2 * GRANULARITY);

    f0 = fallbacks();
    CHECK_OK(pal_mem_unused(p, 2 * GRANULARITY));
    CHECK(fallbacks() > f0);
    CHECK(all_in(p, 2 * GRANULARITY, MEM_RESERVE, 0));
    CHECK_OK(pal_mem_used(p + GRANULARITY / 2, GRANULARITY));
    CHECK(all_in(p + GRANULARITY / 2, GRANULARITY, MEM_COMMIT, PAGE_READWRITE));
    CHECK(th_all_bytes(p + GRANULARITY / 2, GRANULARITY, 0));

    /* and free still takes one region at a time */
    CHECK_EQ(pal_mem_free(p, 2 * GRANULARITY), PAL_EINVAL);
    CHECK_OK(pal_mem_free(p, GRANULARITY));
    CHECK_OK(pal_mem_free(p + GRANULARITY, GRANULARITY));
}

/* A commit charge that cannot be had is an error code, not a crash: 1 TiB
 * committed at once is beyond any commit limit here.  (Running out of
 * address space instead is not tried: wine keeps a byte per page of every
 * reservation, so 128 TiB of reservations exhaust its memory first.) */
static void commit_limit_is_enomem(void)
{
    void *v;

    CHECK_EQ(pal_mem_alloc((size_t)1 << 40, &v), PAL_ENOMEM);
}

static void resident_follows_working_set(void)
{
    size_t ps = pal_mem_page_size(), n = 8 * ps, res = 1;
    char *p;
    void *v;

    if (!(pal_mem_features() & PAL_FEAT_RESIDENT))
        SKIP("QueryWorkingSetEx gives no per-page answer here");
    CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    CHECK_OK(pal_mem_resident(p, n, &res));
    CHECK_EQ(res, 0);
    p[0] = 1;
    p[3 * ps] = 1;
    CHECK_OK(pal_mem_resident(p, n, &res));
    CHECK_EQ(res, 2 * ps);
    CHECK_OK(pal_mem_unused(p, n));
    CHECK_OK(pal_mem_resident(p, n, &res));
    CHECK_EQ(res, 0);
    CHECK_OK(pal_mem_free(p, n));
}

static void what_windows_lacks(void)
{
    void *v;
    size_t n = 2 * pal_mem_page_size();

    CHECK_OK(pal_mem_alloc(n, &v));
    CHECK_OK(pal_mem_hugepage(v, n));
    CHECK_OK(pal_mem_nohugepage(v, n));
    CHECK_EQ(pal_mem_collapse(v, n), PAL_ENOSYS);
    CHECK_EQ(pal_mem_seal(v, n), PAL_ENOSYS);
    CHECK_EQ(pal_mem_name(v, n, "pal"), PAL_ENOSYS);
    CHECK_OK(pal_mem_free(v, n));
}

const struct th_test th_tests[] = {
    TH(facts),
    TH(states_follow_transitions),
    TH(alloc_is_committed),
    TH(free_needs_whole_region),
    TH(reserve_at_granularity),
    TH(reserve_aligned_leaves_no_slop),
    TH(used_spans_reservations),
    TH(commit_limit_is_enomem),
    TH(resident_follows_working_set),
    TH(what_windows_lacks),
    TH_END,
};
