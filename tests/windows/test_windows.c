/*
 * test_windows.c - the Windows backend against what VirtualQuery reports:
 * the state (MEM_RESERVE, MEM_COMMIT, MEM_FREE) and protection of every
 * page after each transition, reservations made on the allocation
 * granularity, frees of whole regions only, ranges that span reservations
 * (split one call per reservation), and calls that fail having changed
 * nothing: a range running into a free hole, a commit beyond the commit
 * limit.  Where Windows makes placeholders (10 1803+; under wine 8 only
 * in the placeholder variant, PAL_TEST_PLACEHOLDERS, whose calls go
 * through placeholders/ph_emu.c), frees of any page-aligned part and
 * reservations off the granularity instead.  And the optional calls: lazy
 * release with MEM_RESET, large pages, NUMA, populate.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include "pal_test.h"

#define GRANULARITY ((size_t)64 * 1024)

/* Whether this Windows makes placeholders, asked as the backend asks:
 * VirtualAlloc2 from kernelbase.dll with MEM_RESERVE_PLACEHOLDER. */
static int have_placeholders(void)
{
    typedef void *(WINAPI *va2_fn)(HANDLE, void *, SIZE_T, ULONG, ULONG, void *, ULONG);
    HMODULE k = GetModuleHandleW(L"kernelbase.dll");
    va2_fn f = k != NULL ? (va2_fn)(void *)GetProcAddress(k, "VirtualAlloc2") : NULL;
    void *p = NULL;

    if (f != NULL)
        p = f(GetCurrentProcess(), NULL, GRANULARITY, MEM_RESERVE | 0x00040000,
              PAGE_NOACCESS, NULL, 0);
    if (p != NULL)
        VirtualFree(p, 0, MEM_RELEASE);
    return p != NULL;
}

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

/* th_faults where it can tell.  Where it cannot (-1: the probes exist on
 * x86-64 only) the check is left out, the test goes on with the rest and
 * ends skipped (SKIP_IF_FAULTS_UNKNOWN) rather than passed. */
static int faults_unknown;

#define CHECK_FAULTS(p, write, want)                                          \
    do {                                                                      \
        int f_ = th_faults((p), (write));                                     \
        if (f_ < 0)                                                           \
            faults_unknown = 1;                                               \
        else                                                                  \
            CHECK_EQ(f_, (want));                                             \
    } while (0)

#define SKIP_IF_FAULTS_UNKNOWN()                                              \
    do {                                                                      \
        if (faults_unknown)                                                   \
            SKIP("th_faults cannot tell here (not x86-64): access checks "    \
                 "left out");                                                 \
    } while (0)

/* The VirtualQuery runs over [p, p+n): what a call that fails must leave
 * exactly as it found. */
#define MAX_RUNS 256

struct snapshot {
    size_t count;
    MEMORY_BASIC_INFORMATION run[MAX_RUNS];
};

static void snap(const void *p, size_t n, struct snapshot *s)
{
    uintptr_t a = (uintptr_t)p, end = a + n;

    s->count = 0;
    while (a < end && s->count < MAX_RUNS) {
        MEMORY_BASIC_INFORMATION mbi = query((void *)a);

        if (mbi.RegionSize == 0)
            break;
        s->run[s->count++] = mbi;
        a = (uintptr_t)mbi.BaseAddress + mbi.RegionSize;
    }
}

static int same_snap(const struct snapshot *a, const struct snapshot *b)
{
    size_t i;

    if (a->count != b->count)
        return 0;
    for (i = 0; i < a->count; i++) {
        const MEMORY_BASIC_INFORMATION *x = &a->run[i], *y = &b->run[i];

        if (x->BaseAddress != y->BaseAddress || x->RegionSize != y->RegionSize ||
            x->State != y->State || x->Protect != y->Protect ||
            x->AllocationBase != y->AllocationBase || x->Type != y->Type)
            return 0;
    }
    return 1;
}

/* Two reservations side by side, of a and b bytes (multiples of the
 * granularity); NULL if they could not be placed. */
static char *adjacent(size_t a, size_t b)
{
    void *v;
    char *p;

    if (pal_mem_reserve(NULL, a + b, &v) != PAL_OK)
        return NULL;
    p = v;
    if (pal_mem_free(p, a + b) != PAL_OK || pal_mem_reserve_at(p, a) != PAL_OK)
        return NULL;
    if (pal_mem_reserve_at(p + a, b) != PAL_OK) {
        pal_mem_free(p, a);
        return NULL;
    }
    return p;
}

/* One reservation of a granule with the granule after it free. */
static char *reservation_then_hole(void)
{
    void *v;
    char *p;

    if (pal_mem_reserve(NULL, 2 * GRANULARITY, &v) != PAL_OK)
        return NULL;
    p = v;
    if (pal_mem_free(p, 2 * GRANULARITY) != PAL_OK ||
        pal_mem_reserve_at(p, GRANULARITY) != PAL_OK)
        return NULL;
    return p;
}

/* A size no commit can have: twice the commit limit (RAM plus page file),
 * rounded up to the granularity.  0 where this OS commits that much at
 * once anyway (wine over a Linux that always overcommits): there is no
 * limit to run into here. */
static size_t beyond_commit_limit(void)
{
    MEMORYSTATUSEX ms;
    size_t n;
    void *v;
    int refused;

    ms.dwLength = sizeof ms;
    if (!GlobalMemoryStatusEx(&ms))
        return 0;
    n = ((size_t)ms.ullTotalPageFile * 2 + GRANULARITY - 1) & ~(GRANULARITY - 1);
    v = VirtualAlloc(NULL, n, MEM_RESERVE, PAGE_NOACCESS);
    if (v == NULL)
        return 0;
    refused = VirtualAlloc(v, n, MEM_COMMIT, PAGE_READWRITE) == NULL;
    VirtualFree(v, 0, MEM_RELEASE);
    return refused ? n : 0;
}

#define NO_COMMIT_LIMIT "this OS commits twice its commit limit at once: " \
                        "no limit to run into"

static void facts(void)
{
    CHECK_EQ(pal_mem_page_size(), 4096);
    CHECK_EQ(pal_mem_huge_page_size(), 0);
    CHECK(pal_mem_features() & PAL_FEAT_FIXED_NOREPLACE);
    CHECK_EQ(pal_mem_features() & (PAL_FEAT_THP | PAL_FEAT_THP_COLLAPSE |
                                   PAL_FEAT_SEAL | PAL_FEAT_VMA_NAME |
                                   PAL_FEAT_BATCH | PAL_FEAT_POPULATE |
                                   PAL_FEAT_NUMA |
                                   PAL_FEAT_MTE | PAL_FEAT_BTI), 0);
    CHECK_EQ(pal_mem_unused_zeroes(), 1);
#ifdef PAL_TEST_PLACEHOLDERS
    CHECK(have_placeholders());
#endif
    th_note("placeholders: %s", have_placeholders() ? "yes" : "no (old rules)");
}

static void states_follow_transitions(void)
{
    size_t ps = pal_mem_page_size(), n = 8 * ps;
    MEMORY_BASIC_INFORMATION mbi;
    char *p;
    void *v;

    faults_unknown = 0;
    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    mbi = query(p);
    CHECK(mbi.AllocationBase == p);
    CHECK_EQ((uintptr_t)p % GRANULARITY, 0);
    CHECK(all_in(p, n, MEM_RESERVE, 0));
    CHECK_FAULTS(p, 0, 1);

    CHECK_OK(pal_mem_map(p, n));
    CHECK(all_in(p, n, MEM_COMMIT, PAGE_READWRITE));
    CHECK_OK(pal_mem_used(p, n));
    CHECK(all_in(p, n, MEM_COMMIT, PAGE_READWRITE));
    th_memset(p, 0x5a, n);

    /* unused on half: those pages are reserved again, and read zero after */
    CHECK_OK(pal_mem_unused(p, n / 2));
    CHECK(all_in(p, n / 2, MEM_RESERVE, 0));
    CHECK(all_in(p + n / 2, n / 2, MEM_COMMIT, PAGE_READWRITE));
    CHECK_FAULTS(p, 0, 1);
    /* used over a mix of Prepared and Ready */
    CHECK_OK(pal_mem_used(p, n));
    CHECK(all_in(p, n, MEM_COMMIT, PAGE_READWRITE));
    CHECK(th_all_bytes(p, n / 2, 0));
    CHECK(th_all_bytes(p + n / 2, n / 2, 0x5a));

    CHECK_OK(pal_mem_protect(p, ps, PAL_PROT_READ));
    CHECK(all_in(p, ps, MEM_COMMIT, PAGE_READONLY));
    CHECK_FAULTS(p, 0, 0);
    CHECK_FAULTS(p, 1, 1);
    CHECK_OK(pal_mem_protect(p, ps, PAL_PROT_READ | PAL_PROT_WRITE));
    CHECK_FAULTS(p, 1, 0);

    CHECK_OK(pal_mem_guard(p + ps, ps));
    CHECK(all_in(p + ps, ps, MEM_COMMIT, PAGE_NOACCESS));
    CHECK_FAULTS(p + ps, 0, 1);
    /* every access faults, not only the first (PAGE_GUARD would pass it) */
    CHECK_FAULTS(p + ps, 0, 1);

    CHECK_OK(pal_mem_fault(p, n));
    CHECK(all_in(p, n, MEM_RESERVE, 0));
    CHECK_FAULTS(p + 2 * ps, 0, 1);
    CHECK_OK(pal_mem_map(p, n));
    CHECK_OK(pal_mem_used(p, n));
    CHECK(th_all_bytes(p, n, 0));

    CHECK_OK(pal_mem_free(p, n));
    CHECK_EQ(query(p).State, MEM_FREE);
    SKIP_IF_FAULTS_UNKNOWN();
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
 * the size: without placeholders, anything but the exact region is
 * refused, and nothing goes. */
static void free_needs_whole_region(void)
{
    size_t ps = pal_mem_page_size(), n = 4 * ps;
    char *p;
    void *v;

    if (have_placeholders())
        SKIP("placeholders here: free_cuts_placeholders has the rules");
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

/* With placeholders: free of any page-aligned part of what reserve made,
 * in any state that holds no memory the range would cut (a range one map
 * made usable is one allocation, which Windows cannot cut); the parts
 * left are still reservations, and a refused free changes nothing. */
static void free_cuts_placeholders(void)
{
    size_t ps = pal_mem_page_size(), n = 4 * ps;
    struct snapshot before, after;
    char *p;
    void *v;

    if (!have_placeholders())
        SKIP("no placeholders here (wine 8, Windows before 10 1803): "
             "free_needs_whole_region has the rules");
    /* head, tail, middle of a Reserved range */
    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    CHECK_OK(pal_mem_free(p, ps));
    CHECK(all_in(p, ps, MEM_FREE, 0));
    CHECK(all_in(p + ps, 3 * ps, MEM_RESERVE, 0));
    CHECK_OK(pal_mem_free(p + 3 * ps, ps));
    CHECK(all_in(p + 3 * ps, ps, MEM_FREE, 0));
    CHECK_OK(pal_mem_map(p + 2 * ps, ps));
    CHECK_OK(pal_mem_used(p + 2 * ps, ps));
    th_memset(p + 2 * ps, 0x71, ps);
    CHECK_OK(pal_mem_free(p + ps, ps));
    CHECK(all_in(p + ps, ps, MEM_FREE, 0));
    CHECK(all_in(p + 2 * ps, ps, MEM_COMMIT, PAGE_READWRITE));
    CHECK(th_all_bytes(p + 2 * ps, ps, 0x71));
    CHECK_OK(pal_mem_free(p + 2 * ps, ps));
    CHECK(all_in(p, n, MEM_FREE, 0));

    /* a hole inside, or a page not ours: refused, nothing changed */
    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    CHECK_OK(pal_mem_free(p + ps, ps));
    snap(p, n, &before);
    CHECK_EQ(pal_mem_free(p, n), PAL_EINVAL);
    snap(p, n, &after);
    CHECK(same_snap(&before, &after));
    CHECK_OK(pal_mem_free(p, ps));
    CHECK_OK(pal_mem_free(p + 2 * ps, 2 * ps));

    /* one map's range is one allocation: not cut while it holds memory;
     * cut once fault gave it all back (a placeholder again) */
    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    CHECK_OK(pal_mem_map(p, n));
    CHECK_OK(pal_mem_used(p, n));
    th_memset(p, 0x72, n);
    snap(p, n, &before);
    CHECK_EQ(pal_mem_free(p + ps, ps), PAL_EINVAL);
    CHECK_EQ(pal_mem_free(p, 3 * ps), PAL_EINVAL);
    snap(p, n, &after);
    CHECK(same_snap(&before, &after));
    CHECK(th_all_bytes(p, n, 0x72));
    /* fault of a part keeps the allocation (decommitted there) */
    CHECK_OK(pal_mem_fault(p + ps, ps));
    CHECK(all_in(p + ps, ps, MEM_RESERVE, 0));
    CHECK_EQ(pal_mem_free(p + ps, ps), PAL_EINVAL);
    CHECK_OK(pal_mem_fault(p, n));
    CHECK(query(p).AllocationProtect == PAGE_NOACCESS);
    CHECK_OK(pal_mem_free(p + ps, ps));
    CHECK(all_in(p + ps, ps, MEM_FREE, 0));
    CHECK(all_in(p, ps, MEM_RESERVE, 0));
    CHECK(all_in(p + 2 * ps, 2 * ps, MEM_RESERVE, 0));
    /* the parts left are Reserved: map, use, free them */
    CHECK_OK(pal_mem_map(p + 2 * ps, 2 * ps));
    CHECK_OK(pal_mem_used(p + 2 * ps, 2 * ps));
    CHECK(th_all_bytes(p + 2 * ps, 2 * ps, 0));
    CHECK_OK(pal_mem_free(p + 2 * ps, 2 * ps));
    CHECK_OK(pal_mem_free(p, ps));
    CHECK(all_in(p, n, MEM_FREE, 0));

    /* a range over placeholders and a whole allocation: all of it goes */
    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    CHECK_OK(pal_mem_map(p + ps, ps));
    CHECK_OK(pal_mem_used(p + ps, ps));
    CHECK(query(p + ps).AllocationBase == p + ps);
    CHECK_OK(pal_mem_free(p, n));
    CHECK(all_in(p, n, MEM_FREE, 0));

    /* alloc's memory is one allocation too */
    CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    CHECK_EQ(pal_mem_free(p, 2 * ps), PAL_EINVAL);
    CHECK(all_in(p, n, MEM_COMMIT, PAGE_READWRITE));
    CHECK_OK(pal_mem_free(p, n));
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
    /* free, but not on the granularity: no reservation can start there,
     * unless a placeholder from the granule below is cut there */
    if (have_placeholders()) {
        CHECK_OK(pal_mem_reserve_at(p + GRANULARITY + ps, ps));
        CHECK(query(p + GRANULARITY + ps).AllocationBase == p + GRANULARITY + ps);
        CHECK(all_in(p + GRANULARITY + ps, ps, MEM_RESERVE, 0));
        CHECK(all_in(p + GRANULARITY, ps, MEM_FREE, 0));
        CHECK(all_in(p + GRANULARITY + 2 * ps, GRANULARITY - 2 * ps, MEM_FREE, 0));
        /* the granule below is partly taken now: a free range there cannot
         * be had (PAL_EINVAL), a taken one is PAL_EEXIST */
        CHECK_EQ(pal_mem_reserve_at(p + GRANULARITY + 3 * ps, ps), PAL_EINVAL);
        CHECK_EQ(pal_mem_reserve_at(p + GRANULARITY + ps, ps), PAL_EEXIST);
        CHECK_OK(pal_mem_free(p + GRANULARITY + ps, ps));
    } else {
        CHECK_EQ(pal_mem_reserve_at(p + GRANULARITY + ps, ps), PAL_EINVAL);
    }
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
    size_t n = 3 * GRANULARITY, i, before, after, f0 = th_fallbacks();
    void *v;

    for (i = 0; i < sizeof aligns / sizeof aligns[0]; i++) {
        before = private_bytes();
        CHECK_OK(pal_mem_reserve_aligned(n, aligns[i], &v));
        after = private_bytes();
        CHECK_EQ((uintptr_t)v % aligns[i], 0);
        if (aligns[i] == ((size_t)1 << 22))
            th_note("VirtualAlloc2 with an alignment: %s",
                    th_fallbacks() == f0 ? "used" : "not available, retried by hand");
        CHECK(query(v).AllocationBase == v);
        CHECK(all_in(v, n, MEM_RESERVE, 0));
        /* exactly n more held: nothing reserved around it */
        CHECK_EQ(after - before, n);
        CHECK_OK(pal_mem_free(v, n));
        CHECK_EQ(private_bytes(), before);
    }
}

/* Two reservations side by side: one VirtualAlloc(MEM_COMMIT) cannot span
 * them, so map, used and unused go one reservation at a time, and say so
 * in the stats (a fallback: the one call failed). */
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

    /* map on placeholders looks first: no one call to fall back from */
    f0 = th_fallbacks();
    CHECK_OK(pal_mem_map(p, 2 * GRANULARITY));
    CHECK(have_placeholders() ? th_fallbacks() == f0 : th_fallbacks() > f0);
    CHECK(all_in(p, 2 * GRANULARITY, MEM_COMMIT, PAGE_READWRITE));
    CHECK_OK(pal_mem_used(p, 2 * GRANULARITY));
    th_memset(p, 0x33, 2 * GRANULARITY);

    f0 = th_fallbacks();
    CHECK_OK(pal_mem_unused(p, 2 * GRANULARITY));
    CHECK(th_fallbacks() > f0);
    CHECK(all_in(p, 2 * GRANULARITY, MEM_RESERVE, 0));
    CHECK_OK(pal_mem_used(p + GRANULARITY / 2, GRANULARITY));
    CHECK(all_in(p + GRANULARITY / 2, GRANULARITY, MEM_COMMIT, PAGE_READWRITE));
    CHECK(th_all_bytes(p + GRANULARITY / 2, GRANULARITY, 0));

    /* and free takes one region at a time, or, with placeholders, whole
     * allocations together */
    if (have_placeholders()) {
        CHECK_OK(pal_mem_free(p, 2 * GRANULARITY));
    } else {
        CHECK_EQ(pal_mem_free(p, 2 * GRANULARITY), PAL_EINVAL);
        CHECK_OK(pal_mem_free(p, GRANULARITY));
        CHECK_OK(pal_mem_free(p + GRANULARITY, GRANULARITY));
    }
    CHECK(all_in(p, 2 * GRANULARITY, MEM_FREE, 0));
}

/* A commit charge that cannot be had is an error code, not a crash: 1 TiB
 * committed at once is beyond any commit limit here.  (Running out of
 * address space instead is not tried: wine keeps a byte per page of every
 * reservation, so 128 TiB of reservations exhaust its memory first.)
 * map of one reservation beyond the limit is refused by its one commit:
 * committing it in pieces would never lower the charge, and where the OS
 * weighs each piece alone (wine over Linux) would take it all. */
static void commit_limit_is_enomem(void)
{
    size_t n;
    void *v;
    int rc, reserved;

    CHECK_EQ(pal_mem_alloc((size_t)1 << 40, &v), PAL_ENOMEM);

    n = beyond_commit_limit();
    if (n == 0)
        SKIP(NO_COMMIT_LIMIT);
    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    rc = pal_mem_map(v, n);
    reserved = all_in(v, n, MEM_RESERVE, 0);
    CHECK_OK(pal_mem_free(v, n)); /* first: whatever went wrong, let it go */
    CHECK_EQ(rc, PAL_ENOMEM);
    CHECK(reserved); /* nothing committed, not even in part */
}

/* map across two reservations, the second beyond the commit limit: the
 * first, already committed by then, is decommitted again (Reserved memory
 * holds no charge and faults), and the call says PAL_ENOMEM. */
static void map_beyond_limit_undone(void)
{
    size_t big = beyond_commit_limit();
    struct snapshot before, after;
    char *p;
    int rc;

    if (big == 0)
        SKIP(NO_COMMIT_LIMIT);
    p = adjacent(GRANULARITY, big);
    CHECK(p != NULL);
    snap(p, GRANULARITY + big, &before);
    rc = pal_mem_map(p, GRANULARITY + big);
    snap(p, GRANULARITY + big, &after);
    CHECK_OK(pal_mem_free(p, GRANULARITY));
    CHECK_OK(pal_mem_free(p + GRANULARITY, big));
    CHECK_EQ(rc, PAL_ENOMEM);
    CHECK_EQ(before.count, 2);
    CHECK(same_snap(&before, &after));
}

/* used across a reservation that is part Ready, part Prepared (decommitted)
 * and one beyond the commit limit: the Prepared part committed on the way
 * is decommitted again, the Ready part keeps its pages and contents. */
static void used_beyond_limit_keeps_ready(void)
{
    size_t big = beyond_commit_limit(), a = 3 * GRANULARITY;
    struct snapshot before, after;
    int rc, kept;
    char *p;

    if (big == 0)
        SKIP(NO_COMMIT_LIMIT);
    p = adjacent(a, big);
    CHECK(p != NULL);
    CHECK_OK(pal_mem_map(p, a));
    CHECK_OK(pal_mem_used(p, a));
    th_memset(p, 0x5c, a);
    CHECK_OK(pal_mem_unused(p + GRANULARITY, a - GRANULARITY));
    snap(p, a + big, &before);
    rc = pal_mem_used(p, a + big);
    snap(p, a + big, &after);
    kept = all_in(p, GRANULARITY, MEM_COMMIT, PAGE_READWRITE) &&
           th_all_bytes(p, GRANULARITY, 0x5c);
    CHECK_OK(pal_mem_free(p, a));
    CHECK_OK(pal_mem_free(p + a, big));
    CHECK_EQ(rc, PAL_ENOMEM);
    CHECK_EQ(before.count, 3);
    CHECK(same_snap(&before, &after));
    CHECK(kept);
}

/* A range running from a reservation into a free granule is refused with
 * PAL_ENOMEM (Linux: part of the range is not mapped) before anything is
 * done: not committed, decommitted or reprotected in part. */
static void map_into_hole_changes_nothing(void)
{
    struct snapshot before, after;
    char *p = reservation_then_hole();
    int rc;

    CHECK(p != NULL);
    snap(p, 2 * GRANULARITY, &before);
    rc = pal_mem_map(p, 2 * GRANULARITY);
    snap(p, 2 * GRANULARITY, &after);
    CHECK_OK(pal_mem_free(p, GRANULARITY));
    CHECK_EQ(rc, PAL_ENOMEM);
    CHECK(same_snap(&before, &after));
}

/* The reservation of reservation_then_hole, Ready and filled with c. */
static char *ready_then_hole(int c)
{
    char *p = reservation_then_hole();

    if (p == NULL)
        return NULL;
    if (pal_mem_map(p, GRANULARITY) != PAL_OK || pal_mem_used(p, GRANULARITY) != PAL_OK) {
        pal_mem_free(p, GRANULARITY);
        return NULL;
    }
    th_memset(p, c, GRANULARITY);
    return p;
}

/* call(p, 2 granules) on ready_then_hole: PAL_ENOMEM, and the runs and the
 * contents as they were. */
static void ready_into_hole(int (*call)(void *, size_t))
{
    struct snapshot before, after;
    char *p = ready_then_hole(0x6b);
    int rc, kept;

    CHECK(p != NULL);
    snap(p, 2 * GRANULARITY, &before);
    rc = call(p, 2 * GRANULARITY);
    snap(p, 2 * GRANULARITY, &after);
    kept = same_snap(&before, &after) && th_all_bytes(p, GRANULARITY, 0x6b);
    CHECK_OK(pal_mem_free(p, GRANULARITY));
    CHECK(kept);
    CHECK_EQ(rc, PAL_ENOMEM);
}

static int protect_read(void *v, size_t n)
{
    return pal_mem_protect(v, n, PAL_PROT_READ);
}

static void unused_into_hole_changes_nothing(void)
{
    ready_into_hole(pal_mem_unused);
}

static void fault_into_hole_changes_nothing(void)
{
    ready_into_hole(pal_mem_fault);
}

static void protect_into_hole_changes_nothing(void)
{
    ready_into_hole(protect_read);
    if (th_failed())
        return;
    ready_into_hole(pal_mem_guard);
}

/* protect and guard across two reservations: one VirtualProtect cannot
 * span them, so they go one reservation at a time, as used and unused do. */
static void protect_spans_reservations(void)
{
    size_t f0;
    char *p;

    faults_unknown = 0;
    p = adjacent(GRANULARITY, GRANULARITY);
    CHECK(p != NULL);
    CHECK_OK(pal_mem_map(p, 2 * GRANULARITY));
    CHECK_OK(pal_mem_used(p, 2 * GRANULARITY));
    th_memset(p, 0x2e, 2 * GRANULARITY);

    f0 = th_fallbacks();
    CHECK_OK(pal_mem_protect(p, 2 * GRANULARITY, PAL_PROT_READ));
    CHECK(th_fallbacks() > f0);
    CHECK(all_in(p, 2 * GRANULARITY, MEM_COMMIT, PAGE_READONLY));
    CHECK_FAULTS(p + GRANULARITY, 1, 1);
    CHECK_OK(pal_mem_guard(p, 2 * GRANULARITY));
    CHECK(all_in(p, 2 * GRANULARITY, MEM_COMMIT, PAGE_NOACCESS));
    CHECK_FAULTS(p, 0, 1);
    CHECK_OK(pal_mem_protect(p, 2 * GRANULARITY, PAL_PROT_READ | PAL_PROT_WRITE));
    CHECK(all_in(p, 2 * GRANULARITY, MEM_COMMIT, PAGE_READWRITE));
    CHECK(th_all_bytes(p, 2 * GRANULARITY, 0x2e));
    /* a Reserved page inside: refused whole */
    CHECK_OK(pal_mem_fault(p + GRANULARITY, GRANULARITY / 2));
    CHECK_EQ(pal_mem_protect(p, 2 * GRANULARITY, PAL_PROT_READ), PAL_ENOMEM);
    CHECK(all_in(p, GRANULARITY, MEM_COMMIT, PAGE_READWRITE));
    CHECK(all_in(p + GRANULARITY + GRANULARITY / 2, GRANULARITY / 2, MEM_COMMIT,
                 PAGE_READWRITE));
    CHECK_OK(pal_mem_free(p, GRANULARITY));
    CHECK_OK(pal_mem_free(p + GRANULARITY, GRANULARITY));
    SKIP_IF_FAULTS_UNKNOWN();
}

/* Reservations of unequal sizes (3 granules, then 1), one range of 4
 * granules over both: each reservation gets its own call, whatever their
 * sizes, and a mix of Ready and Prepared across the boundary is fine. */
static void used_across_unequal_reservations(void)
{
    size_t n = 4 * GRANULARITY;
    char *p = adjacent(3 * GRANULARITY, GRANULARITY);

    CHECK(p != NULL);
    CHECK_OK(pal_mem_map(p, n));
    CHECK(all_in(p, n, MEM_COMMIT, PAGE_READWRITE));
    CHECK_OK(pal_mem_used(p, n));
    CHECK(th_all_bytes(p, n, 0));
    th_memset(p, 0x44, n);
    /* Prepared from the middle of the big one to the end of the small one */
    CHECK_OK(pal_mem_unused(p + 2 * GRANULARITY, 2 * GRANULARITY));
    CHECK(all_in(p, 2 * GRANULARITY, MEM_COMMIT, PAGE_READWRITE));
    CHECK(all_in(p + 2 * GRANULARITY, 2 * GRANULARITY, MEM_RESERVE, 0));
    CHECK_OK(pal_mem_used(p, n));
    CHECK(all_in(p, n, MEM_COMMIT, PAGE_READWRITE));
    CHECK(th_all_bytes(p, 2 * GRANULARITY, 0x44));
    CHECK(th_all_bytes(p + 2 * GRANULARITY, 2 * GRANULARITY, 0));
    CHECK_OK(pal_mem_fault(p, n));
    CHECK(all_in(p, n, MEM_RESERVE, 0));
    CHECK_OK(pal_mem_free(p, 3 * GRANULARITY));
    CHECK_OK(pal_mem_free(p + 3 * GRANULARITY, GRANULARITY));
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

/* madvdontneed=0: unused is MEM_RESET, which keeps the pages committed
 * (and their charge) and may keep their contents; unused_zeroes says so.
 * Under the other policies, decommit. */
static void lazy_release_is_mem_reset(void)
{
    unsigned old = pal_mem_policy();
    size_t n = 4 * pal_mem_page_size(), f0;
    char *p;
    void *v;

    CHECK_EQ(pal_mem_unused_zeroes(), 1);
    CHECK(pal_mem_features() & PAL_FEAT_MADV_FREE);
    CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    th_memset(p, 0x4d, n);
    CHECK_OK(pal_mem_set_policy(old & ~PAL_POLICY_DONTNEED));
    CHECK_EQ(pal_mem_unused_zeroes(), 0);
    f0 = th_fallbacks();
    CHECK_OK(pal_mem_unused(p, n));
    CHECK_EQ(th_fallbacks(), f0);
    CHECK(all_in(p, n, MEM_COMMIT, PAGE_READWRITE));
    CHECK_OK(pal_mem_used(p, n));
    th_memset(p, 0x4e, n);
    CHECK(th_all_bytes(p, n, 0x4e));
    /* harddecommit takes access away: decommit, whatever madvdontneed */
    CHECK_OK(pal_mem_set_policy((old & ~PAL_POLICY_DONTNEED) | PAL_POLICY_HARD_DECOMMIT));
    CHECK_EQ(pal_mem_unused_zeroes(), 1);
    CHECK_OK(pal_mem_unused(p, n));
    CHECK(all_in(p, n, MEM_RESERVE, 0));
    CHECK_OK(pal_mem_set_policy(old));
    CHECK_OK(pal_mem_used(p, n));
    CHECK(th_all_bytes(p, n, 0));
    CHECK_OK(pal_mem_unused(p, n));
    CHECK(all_in(p, n, MEM_RESERVE, 0));
    CHECK_OK(pal_mem_free(p, n));
}

/* The large page size is GetLargePageMinimum's; an allocation is
 * committed at once, zero and writable where the privilege is held,
 * PAL_EPERM where it is not, PAL_ENOSYS where Windows takes no large
 * pages at all (wine 8), and nothing else. */
static void large_pages(void)
{
    size_t sizes[4] = { 0 }, lp = GetLargePageMinimum(), count;
    void *v;
    int rc;

    count = pal_mem_huge_page_sizes(sizes, 4);
    CHECK_EQ(count, lp != 0);
    CHECK_EQ(!!(pal_mem_features() & PAL_FEAT_HUGETLB), count);
    if (count == 0)
        SKIP("no large pages on this Windows");
    CHECK_EQ(sizes[0], lp);
    CHECK_EQ(pal_mem_huge_page_sizes(NULL, 0), 1);
    CHECK_EQ(pal_mem_alloc_huge(lp / 2, 0, &v), PAL_EINVAL);
    CHECK_EQ(pal_mem_alloc_huge(lp, 2 * lp, &v), PAL_EINVAL);
    rc = pal_mem_alloc_huge(lp, 0, &v);
    if (rc == PAL_EPERM)
        SKIP("SeLockMemoryPrivilege not held here: PAL_EPERM, as it should be");
    if (rc == PAL_ENOSYS) {
        /* and says so from then on */
        CHECK_EQ(pal_mem_huge_page_sizes(sizes, 4), 0);
        CHECK_EQ(pal_mem_features() & PAL_FEAT_HUGETLB, 0);
        CHECK_EQ(pal_mem_alloc_huge(lp, 0, &v), PAL_ENOSYS);
        SKIP("this Windows takes no MEM_LARGE_PAGES (wine 8: ERROR_INVALID_PARAMETER)");
    }
    CHECK_OK(rc);
    CHECK_EQ((uintptr_t)v % lp, 0);
    CHECK(all_in(v, lp, MEM_COMMIT, 0));
    CHECK(th_all_bytes(v, lp, 0));
    th_memset(v, 0x13, lp);
    CHECK_OK(pal_mem_free(v, lp));
}

/* One node where Windows shows one (the node is then known without a
 * call); binding needs a node that exists, and is PAL_OK with one. */
static void numa_nodes(void)
{
    ULONG highest = 0;
    unsigned node = 99, nodes;
    size_t n = pal_mem_page_size();
    void *v;

    nodes = pal_mem_numa_nodes();
    CHECK(GetNumaHighestNodeNumber(&highest));
    CHECK_EQ(nodes, highest + 1);
    CHECK_EQ(pal_mem_features() & PAL_FEAT_NUMA, 0);
    CHECK_OK(pal_mem_alloc(n, &v));
    CHECK_EQ(pal_mem_bind_node(v, n, nodes), PAL_EINVAL);
    if (nodes == 1) {
        CHECK_OK(pal_mem_current_node(&node));
        CHECK_EQ(node, 0);
        CHECK_OK(pal_mem_bind_node(v, n, 0));
    } else {
        int rc = pal_mem_current_node(&node);

        CHECK(rc == PAL_ENOSYS || (rc == PAL_OK && node < nodes));
        CHECK_EQ(pal_mem_bind_node(v, n, 1), PAL_ENOSYS);
    }
    CHECK_OK(pal_mem_free(v, n));
}

/* populate makes writable Ready memory resident, contents unchanged, and
 * answers PAL_EACCES, touching nothing, where VirtualQuery shows a page
 * that is not committed and writable. */
static void populate_checks_then_touches(void)
{
    size_t ps = pal_mem_page_size(), n = 8 * ps, res = 0;
    char *p;
    void *v;

    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    CHECK_EQ(pal_mem_populate(p, n), PAL_EACCES); /* Reserved */
    CHECK_OK(pal_mem_map(p, n));
    CHECK_OK(pal_mem_used(p, n));
    p[0] = 0x21;
    p[5 * ps + 7] = 0x22;
    CHECK_OK(pal_mem_protect(p + 7 * ps, ps, PAL_PROT_READ));
    CHECK_EQ(pal_mem_populate(p, n), PAL_EACCES);
    if (pal_mem_features() & PAL_FEAT_RESIDENT) {
        CHECK_OK(pal_mem_resident(p, 7 * ps, &res));
        CHECK_EQ(res, 2 * ps); /* nothing touched */
    }
    CHECK_OK(pal_mem_guard(p + 6 * ps, ps));
    CHECK_EQ(pal_mem_populate(p + 6 * ps, ps), PAL_EACCES);
    CHECK_OK(pal_mem_populate(p, 6 * ps));
    if (pal_mem_features() & PAL_FEAT_RESIDENT) {
        CHECK_OK(pal_mem_resident(p, 6 * ps, &res));
        CHECK_EQ(res, 6 * ps);
    }
    CHECK_EQ(p[0], 0x21);
    CHECK_EQ(p[5 * ps + 7], 0x22);
    CHECK(th_all_bytes(p + ps, 4 * ps, 0));
    CHECK_EQ(pal_mem_features() & PAL_FEAT_POPULATE, 0);
    CHECK_OK(pal_mem_free(p, n));
}

/* map and used over more reserved runs than any fixed table would hold:
 * a heap of many reservations (without placeholders) or of many maps'
 * allocations (with them, every map is an allocation of its own), part
 * released, is committed again whole, however many runs it has; only the
 * commit charge may refuse it.  RUNS reservations of a granule side by
 * side, then a second half of each released, then used over all. */
#define RUNS 80

static void used_over_many_runs(void)
{
    size_t g = GRANULARITY, n = RUNS * g, i;
    char *p;
    void *v;
    int rc;

    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    CHECK_OK(pal_mem_free(p, n));
    for (i = 0; i < RUNS; i++)
        CHECK_OK(pal_mem_reserve_at(p + i * g, g));
    rc = pal_mem_map(p, n);
    CHECK_EQ(rc, PAL_OK);
    CHECK(all_in(p, n, MEM_COMMIT, PAGE_READWRITE));
    CHECK_OK(pal_mem_used(p, n));
    th_memset(p, 0x3c, n);
    for (i = 0; i < RUNS; i++)
        CHECK_OK(pal_mem_unused(p + i * g + g / 2, g / 2));
    rc = pal_mem_used(p, n);
    CHECK_EQ(rc, PAL_OK);
    CHECK(all_in(p, n, MEM_COMMIT, PAGE_READWRITE));
    for (i = 0; i < RUNS; i++) {
        CHECK(th_all_bytes(p + i * g, g / 2, 0x3c));
        CHECK(th_all_bytes(p + i * g + g / 2, g / 2, 0));
    }
    for (i = 0; i < RUNS; i++)
        CHECK_OK(pal_mem_free(p + i * g, g));

    /* one reservation, a map (an allocation, with placeholders) per page */
    n = RUNS * 2 * pal_mem_page_size();
    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    for (i = 0; i < n; i += pal_mem_page_size())
        CHECK_OK(pal_mem_map(p + i, pal_mem_page_size()));
    CHECK_OK(pal_mem_used(p, n));
    th_memset(p, 0x3d, n);
    CHECK_OK(pal_mem_unused(p, n));
    CHECK(all_in(p, n, MEM_RESERVE, 0));
    rc = pal_mem_used(p, n);
    CHECK_EQ(rc, PAL_OK);
    CHECK(all_in(p, n, MEM_COMMIT, PAGE_READWRITE));
    CHECK(th_all_bytes(p, n, 0));
    CHECK_OK(pal_mem_free(p, n));
}

#ifdef PAL_TEST_PLACEHOLDERS
/* Where a commit over many runs fails at the last (the emulation refuses
 * the fill of the last placeholder, or the commit of the last decommitted
 * run, as Windows refuses a commit beyond the limit), everything the call
 * had done before is undone, however many runs: the placeholders it
 * filled are placeholders again, the runs it committed reserved again, and
 * Ready memory keeps its contents. */
static void many_runs_undone(void)
{
    static struct snapshot before, after;
    size_t g = GRANULARITY, n = RUNS * g, i;
    char *p;
    void *v;
    int rc;

    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    CHECK_OK(pal_mem_free(p, n));
    for (i = 0; i < RUNS; i++)
        CHECK_OK(pal_mem_reserve_at(p + i * g, g));
    snap(p, n, &before);
    CHECK_EQ(before.count, RUNS);
    ph_refuse(PH_REFUSE_FILL, (uintptr_t)(p + n - g), ERROR_COMMITMENT_LIMIT);
    rc = pal_mem_map(p, n);
    ph_refuse(PH_REFUSE_FILL, 0, 0);
    snap(p, n, &after);
    CHECK_EQ(rc, PAL_ENOMEM);
    CHECK(same_snap(&before, &after));

    CHECK_OK(pal_mem_map(p, n));
    CHECK_OK(pal_mem_used(p, n));
    th_memset(p, 0x3e, n);
    for (i = 0; i < RUNS; i++)
        CHECK_OK(pal_mem_unused(p + i * g + g / 2, g / 2));
    snap(p, n, &before);
    CHECK_EQ(before.count, 2 * RUNS);
    ph_refuse(PH_REFUSE_COMMIT, (uintptr_t)(p + n - g / 2), ERROR_COMMITMENT_LIMIT);
    rc = pal_mem_used(p, n);
    ph_refuse(PH_REFUSE_COMMIT, 0, 0);
    snap(p, n, &after);
    CHECK_EQ(rc, PAL_ENOMEM);
    CHECK(same_snap(&before, &after));
    for (i = 0; i < RUNS; i++)
        CHECK(th_all_bytes(p + i * g, g / 2, 0x3e));
    for (i = 0; i < RUNS; i++)
        CHECK_OK(pal_mem_free(p + i * g, g));
}

/* reserve_at off the granularity makes a placeholder from the granule
 * below and cuts the head off.  Where Windows refuses that split, the call
 * fails and nothing stays reserved; where it refuses to release the head
 * once cut, the call fails too and gives back the caller's range (the
 * head, which Windows would not release, the test releases itself). */
static void reserve_at_cut_refused(void)
{
    size_t ps = pal_mem_page_size();
    int rc, left_free;
    char *p;
    void *v;

    CHECK_OK(pal_mem_reserve(NULL, 2 * GRANULARITY, &v));
    p = v;
    CHECK_OK(pal_mem_free(p, 2 * GRANULARITY));

    ph_refuse(PH_REFUSE_SPLIT, (uintptr_t)p, ERROR_NOT_ENOUGH_MEMORY);
    rc = pal_mem_reserve_at(p + ps, GRANULARITY);
    ph_refuse(PH_REFUSE_SPLIT, 0, 0);
    left_free = all_in(p, 2 * GRANULARITY, MEM_FREE, 0);
    CHECK_EQ(rc, PAL_ENOMEM);
    CHECK(left_free);

    ph_refuse(PH_REFUSE_RELEASE, (uintptr_t)p, ERROR_NOT_ENOUGH_MEMORY);
    rc = pal_mem_reserve_at(p + ps, GRANULARITY);
    ph_refuse(PH_REFUSE_RELEASE, 0, 0);
    left_free = all_in(p + ps, 2 * GRANULARITY - ps, MEM_FREE, 0);
    if (query(p).State != MEM_FREE)
        CHECK(VirtualFree(p, 0, MEM_RELEASE));
    CHECK_EQ(rc, PAL_ENOMEM);
    CHECK(left_free);

    /* and with nothing refused, the cut works */
    CHECK_OK(pal_mem_reserve_at(p + ps, GRANULARITY));
    CHECK(query(p + ps).AllocationBase == p + ps);
    CHECK(all_in(p, ps, MEM_FREE, 0));
    CHECK_OK(pal_mem_free(p + ps, GRANULARITY));
}

/* Where VirtualAlloc2 takes no alignment, an aligned range is cut out of a
 * bigger placeholder: two splits, then the slop either side released.  A
 * split refused after the other was made, or a slop that Windows will not
 * release, fails the call with nothing else left reserved.  The emulation
 * places reservations first fit, so a reservation of the cut's size made
 * and released just before goes where the cut's will: one granule held
 * below moves it until both splits are needed. */
static void reserve_aligned_cut_refused(void)
{
    size_t align = (size_t)1 << 20, n = GRANULARITY, total = n + align - GRANULARITY;
    size_t bytes, i, held = 0;
    uintptr_t q = 0, a;
    char *below[32];
    int rc, left_free;
    void *v;

    ph_refuse(PH_REFUSE_ALIGNED, 0, ERROR_INVALID_PARAMETER);
    CHECK_OK(pal_mem_reserve_aligned(n, align, &v));
    CHECK_EQ((uintptr_t)v % align, 0);
    CHECK_OK(pal_mem_free(v, n));
    for (;;) {
        CHECK_OK(pal_mem_reserve(NULL, total, &v));
        q = (uintptr_t)v;
        CHECK_OK(pal_mem_free(v, total));
        if (q % align > GRANULARITY)
            break;
        CHECK(held < sizeof below / sizeof below[0]);
        below[held] = v;
        CHECK_OK(pal_mem_reserve_at(below[held++], GRANULARITY));
    }
    a = (q + align - 1) & ~(uintptr_t)(align - 1);

    /* the second split, [a, a + n) off [a, q + total), refused */
    bytes = private_bytes();
    ph_refuse(PH_REFUSE_SPLIT, a, ERROR_NOT_ENOUGH_MEMORY);
    rc = pal_mem_reserve_aligned(n, align, &v);
    ph_refuse(PH_REFUSE_SPLIT, 0, 0);
    left_free = all_in((void *)q, total, MEM_FREE, 0);
    if (rc == PAL_OK)
        CHECK_OK(pal_mem_free(v, n));
    CHECK_EQ(rc, PAL_ENOMEM);
    CHECK(left_free);
    CHECK_EQ(private_bytes(), bytes);

    /* the slop after the range not released */
    ph_refuse(PH_REFUSE_RELEASE, a + n, ERROR_NOT_ENOUGH_MEMORY);
    rc = pal_mem_reserve_aligned(n, align, &v);
    ph_refuse(PH_REFUSE_RELEASE, 0, 0);
    left_free = all_in((void *)q, a + n - q, MEM_FREE, 0);
    if (query((void *)(a + n)).State != MEM_FREE)
        CHECK(VirtualFree((void *)(a + n), 0, MEM_RELEASE));
    CHECK_EQ(rc, PAL_ENOMEM);
    CHECK(left_free);
    CHECK_EQ(private_bytes(), bytes);

    /* nothing refused: the range, and nothing more */
    CHECK_OK(pal_mem_reserve_aligned(n, align, &v));
    CHECK_EQ((uintptr_t)v, a);
    CHECK_EQ(private_bytes(), bytes + n);
    CHECK_OK(pal_mem_free(v, n));
    ph_refuse(PH_REFUSE_ALIGNED, 0, 0);
    for (i = 0; i < held; i++)
        CHECK_OK(pal_mem_free(below[i], GRANULARITY));
}
#endif

/* Threads on their own halves of one fresh reservation, again and
 * again: with placeholders, each map cuts the one placeholder that the
 * other thread is cutting too; neither may fail for the other's work. */
struct half {
    char *p;
    size_t n;
    HANDLE go;
    int failures;
};

static DWORD WINAPI half_worker(void *arg)
{
    struct half *h = arg;

    WaitForSingleObject(h->go, INFINITE);
    if (pal_mem_map(h->p, h->n) != PAL_OK || pal_mem_used(h->p, h->n) != PAL_OK) {
        h->failures++;
        return 0;
    }
    th_memset(h->p, 0x5a, h->n);
    if (!th_all_bytes(h->p, h->n, 0x5a) || pal_mem_fault(h->p, h->n) != PAL_OK)
        h->failures++;
    return 0;
}

static void threads_on_halves(void)
{
    size_t n = 4 * pal_mem_page_size();
    struct half h[2];
    HANDLE t[2], go;
    int i, round, failures = 0;
    void *v;

    go = CreateEventW(NULL, TRUE, FALSE, NULL);
    CHECK(go != NULL);
    for (round = 0; round < 200; round++) {
        CHECK_OK(pal_mem_reserve(NULL, 2 * n, &v));
        ResetEvent(go);
        for (i = 0; i < 2; i++) {
            h[i].p = (char *)v + i * n;
            h[i].n = n;
            h[i].go = go;
            h[i].failures = 0;
            t[i] = CreateThread(NULL, 0, half_worker, &h[i], 0, NULL);
            CHECK(t[i] != NULL);
        }
        SetEvent(go);
        WaitForMultipleObjects(2, t, TRUE, INFINITE);
        CloseHandle(t[0]);
        CloseHandle(t[1]);
        failures += h[0].failures + h[1].failures;
        CHECK(all_in(v, 2 * n, MEM_RESERVE, 0));
        CHECK_OK(pal_mem_free(v, 2 * n));
    }
    CloseHandle(go);
    CHECK_EQ(failures, 0);
}

const struct th_test th_tests[] = {
    TH(facts),
    TH(states_follow_transitions),
    TH(alloc_is_committed),
    TH(free_needs_whole_region),
    TH(free_cuts_placeholders),
    TH(reserve_at_granularity),
    TH(reserve_aligned_leaves_no_slop),
    TH(used_spans_reservations),
    TH(commit_limit_is_enomem),
    TH(map_beyond_limit_undone),
    TH(used_beyond_limit_keeps_ready),
    TH(map_into_hole_changes_nothing),
    TH(unused_into_hole_changes_nothing),
    TH(fault_into_hole_changes_nothing),
    TH(protect_into_hole_changes_nothing),
    TH(protect_spans_reservations),
    TH(used_across_unequal_reservations),
    TH(resident_follows_working_set),
    TH(what_windows_lacks),
    TH(lazy_release_is_mem_reset),
    TH(large_pages),
    TH(numa_nodes),
    TH(populate_checks_then_touches),
    TH(threads_on_halves),
    TH(used_over_many_runs),
#ifdef PAL_TEST_PLACEHOLDERS
    TH(many_runs_undone),
    TH(reserve_at_cut_refused),
    TH(reserve_aligned_cut_refused),
#endif
    TH_END,
};
