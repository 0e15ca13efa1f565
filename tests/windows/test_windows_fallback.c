/*
 * test_windows_fallback.c - the paths the Windows backend takes where
 * VirtualAlloc2 is missing or refuses an alignment, forced; when it looks
 * VirtualAlloc2 up; and how it reads Windows' error codes.
 *
 * White box: this file compiles the library's own sources (the common
 * layer and the Windows backend) so that it can replace the VirtualAlloc2
 * the backend looked up, and put a VirtualAlloc of its own in front of
 * kernel32's, to give the answers wine does not (large pages granted or
 * refused for want of the privilege, MEM_RESET refused).  Every pal_*
 * symbol is then defined here, so the linker takes nothing from
 * libpal.a.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

/* What VirtualAlloc answers MEM_LARGE_PAGES: 0 wine's own; GRANT an
 * ordinary allocation in its place; else that error. */
#define GRANT 1
static DWORD large_pages_answer;
static int reset_refused;
/* A commit at exactly this address refused as beyond the commit limit. */
static uintptr_t commit_refused_at;

static void *WINAPI fb_VirtualAlloc(void *v, SIZE_T n, DWORD type, DWORD protect)
{
    if ((type & MEM_LARGE_PAGES) && large_pages_answer == GRANT)
        return VirtualAlloc(v, n, type & ~MEM_LARGE_PAGES, protect);
    if ((type & MEM_LARGE_PAGES) && large_pages_answer != 0) {
        SetLastError(large_pages_answer);
        return NULL;
    }
    if (type == MEM_RESET && reset_refused) {
        SetLastError(ERROR_INVALID_ADDRESS);
        return NULL;
    }
    if (type == MEM_COMMIT && v != NULL && (uintptr_t)v == commit_refused_at) {
        SetLastError(ERROR_COMMITMENT_LIMIT);
        return NULL;
    }
    return VirtualAlloc(v, n, type, protect);
}
#define VirtualAlloc fb_VirtualAlloc

#include "pal_mem.c"
#include "windows/mem_windows.c"

#include "pal_test.h"

#define MIB ((size_t)1 << 20)

/* Reserved or committed private bytes of the whole user address space. */
static size_t private_bytes(void)
{
    MEMORY_BASIC_INFORMATION mbi;
    SYSTEM_INFO si;
    uintptr_t a, end;
    size_t total = 0;

    GetSystemInfo(&si);
    a = (uintptr_t)si.lpMinimumApplicationAddress;
    end = (uintptr_t)si.lpMaximumApplicationAddress;
    while (a < end && VirtualQuery((void *)a, &mbi, sizeof mbi) != 0) {
        if (mbi.State != MEM_FREE && mbi.Type == MEM_PRIVATE)
            total += mbi.RegionSize;
        a = (uintptr_t)mbi.BaseAddress + mbi.RegionSize;
    }
    return total;
}

/* Reserve n at align through whatever path is set up; check the result
 * is aligned, exactly one region of n, and nothing else was left held. */
static int reserve_checked(size_t n, size_t align)
{
    MEMORY_BASIC_INFORMATION mbi;
    size_t before = private_bytes();
    void *v;
    int err = pal_mem_reserve_aligned(n, align, &v);

    if (err != PAL_OK)
        return err;
    if ((uintptr_t)v % align != 0 || private_bytes() - before != n ||
        VirtualQuery(v, &mbi, sizeof mbi) == 0 || mbi.AllocationBase != v ||
        mbi.State != MEM_RESERVE || mbi.RegionSize != n)
        return -1;
    return pal_mem_free(v, n) == PAL_OK && private_bytes() == before ? PAL_OK : -1;
}

static size_t os_calls(void)
{
    struct pal_mem_stats s;

    pal_mem_get_stats(&s);
    return s.os_calls;
}

/* VirtualAlloc2 is looked up by pal_os_init, once: GetModuleHandleW and
 * GetProcAddress take the loader lock, which no transition may take.
 * Whether it makes placeholders is learnt on the first reservation, by a
 * scratch one (one or two calls, once); an aligned reservation is then
 * the one call it needs.  (First in this file: nothing has reserved
 * before it.) */
static void virtual_alloc2_resolved_at_init(void)
{
    size_t calls;
    uintptr_t f;
    void *v = NULL;

    CHECK_OK(pal_mem_init());
    f = __atomic_load_n(&virtual_alloc2, __ATOMIC_RELAXED);
    CHECK(f != 0);
    if (f == NO_VA2)
        SKIP("no VirtualAlloc2 here");
    CHECK_EQ(__atomic_load_n(&placeholder_word, __ATOMIC_RELAXED), PH_UNKNOWN);
    calls = os_calls();
    CHECK_OK(pal_mem_reserve(NULL, MIB, &v));
    CHECK(__atomic_load_n(&placeholder_word, __ATOMIC_RELAXED) != PH_UNKNOWN);
    th_note("placeholders: %s", placeholders() ? "yes" : "no");
    /* the probe (one call if refused, two if made and released) */
    CHECK_EQ(os_calls() - calls, placeholders() ? 3 : 2);
    CHECK_OK(pal_mem_free(v, MIB));
    calls = os_calls();
    CHECK_OK(pal_mem_reserve_aligned(MIB, 4 * MIB, &v));
    if (__atomic_load_n(&virtual_alloc2, __ATOMIC_RELAXED) == NO_VA2)
        SKIP("no VirtualAlloc2 that takes an alignment here");
    CHECK_EQ(os_calls() - calls, 1);
    CHECK_OK(pal_mem_free(v, MIB));
}

/* GetLastError() after a failed call, as the backend reads it. */
static int mapped(DWORD err)
{
    SetLastError(err);
    return last_error();
}

/* pal_mem.c has checked every argument, so an invalid parameter from
 * Windows is the range's state, not the caller's input: as an invalid
 * address, PAL_ENOMEM. */
static void invalid_parameter_is_enomem(void)
{
    CHECK_EQ(mapped(ERROR_INVALID_PARAMETER), PAL_ENOMEM);
    CHECK_EQ(mapped(ERROR_INVALID_ADDRESS), PAL_ENOMEM);
}

/* The page-file quota is commit charge (PAL_ENOMEM, not transient); ACG's
 * refusal of executable pages is an access mode denied. */
static void quota_and_code_guard_codes(void)
{
    CHECK_EQ(mapped(ERROR_PAGEFILE_QUOTA), PAL_ENOMEM);
    CHECK_EQ(mapped(1655 /* ERROR_DYNAMIC_CODE_BLOCKED */), PAL_EACCES);
    /* the rest as they were */
    CHECK_EQ(mapped(ERROR_NOT_ENOUGH_MEMORY), PAL_ENOMEM);
    CHECK_EQ(mapped(ERROR_COMMITMENT_LIMIT), PAL_ENOMEM);
    CHECK_EQ(mapped(ERROR_WORKING_SET_QUOTA), PAL_EAGAIN);
    CHECK_EQ(mapped(ERROR_ACCESS_DENIED), PAL_EACCES);
    CHECK_EQ(mapped(ERROR_NOT_SUPPORTED), PAL_ENOSYS);
    CHECK_EQ(mapped(ERROR_GEN_FAILURE), PAL_EOS);
}

/* A part of a region is still PAL_EINVAL for free (said explicitly, not
 * read from Windows' ERROR_INVALID_PARAMETER), and nothing goes. */
static void free_of_part_is_einval(void)
{
    void *v = NULL;
    char *p;

    CHECK_OK(pal_mem_reserve(NULL, 2 * 65536, &v));
    p = v;
    CHECK_EQ(pal_mem_free(p + 65536, 65536), PAL_EINVAL);
    CHECK_EQ(pal_mem_free(p, 65536), PAL_EINVAL);
    CHECK_OK(pal_mem_free(p, 2 * 65536));
}

/* The VirtualQuery runs of [p, p+n), at most max, into runs[]: how many. */
static size_t runs_of(const char *p, size_t n, MEMORY_BASIC_INFORMATION *runs, size_t max)
{
    uintptr_t a = (uintptr_t)p, end = a + n;
    size_t count = 0;

    while (a < end && count < max && VirtualQuery((void *)a, &runs[count], sizeof runs[0]) != 0) {
        a = (uintptr_t)runs[count].BaseAddress + runs[count].RegionSize;
        count++;
    }
    return count;
}

static int same_runs(const MEMORY_BASIC_INFORMATION *x, const MEMORY_BASIC_INFORMATION *y,
                     size_t count)
{
    size_t i;

    for (i = 0; i < count; i++)
        if (x[i].BaseAddress != y[i].BaseAddress || x[i].RegionSize != y[i].RegionSize ||
            x[i].State != y[i].State || x[i].Protect != y[i].Protect)
            return 0;
    return 1;
}

/* A commit across reservations notes the reserved stretches it commits,
 * to decommit them again should a later one fail; it notes as many as the
 * range has, more than it keeps room for on its stack too.  Here a
 * reservation of 2 * RESERVED pages, every other one committed (RESERVED
 * reserved stretches, well over the stack's room), then a reserved
 * granule beside it: a commit of it all refused at that last granule
 * leaves every stretch as it was; then the lot is committed. */
enum { RESERVED = 3 * RUNS_ON_STACK };

static void commit_over_many_stretches(void)
{
    enum { RUNS = 2 * RESERVED + 2 };
    static MEMORY_BASIC_INFORMATION before[RUNS], after[RUNS];
    size_t ps, a, n, k, count;
    char *p = NULL;
    void *v = NULL;
    int rc;

    CHECK_OK(pal_mem_init());
    ps = pal_mem_page_size();
    a = 2 * RESERVED * ps;
    n = a + 65536;
    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    CHECK_OK(pal_mem_free(p, n));
    CHECK_OK(pal_mem_reserve_at(p, a));
    CHECK_OK(pal_mem_reserve_at(p + a, n - a));
    for (k = 1; k < 2 * RESERVED; k += 2) {
        CHECK_OK(pal_mem_map(p + k * ps, ps));
        CHECK_OK(pal_mem_used(p + k * ps, ps));
        th_memset(p + k * ps, 0x4b, ps);
    }
    count = runs_of(p, n, before, RUNS);
    CHECK_EQ(count, 2 * RESERVED + 1);

    /* the last stretch refused: all the others decommitted again */
    commit_refused_at = (uintptr_t)(p + a);
    rc = pal_mem_map(p, n);
    commit_refused_at = 0;
    CHECK_EQ(rc, PAL_ENOMEM);
    CHECK_EQ(runs_of(p, n, after, RUNS), count);
    CHECK(same_runs(before, after, count));
    commit_refused_at = (uintptr_t)(p + a);
    rc = pal_mem_used(p, n);
    commit_refused_at = 0;
    CHECK_EQ(rc, PAL_ENOMEM);
    CHECK_EQ(runs_of(p, n, after, RUNS), count);
    CHECK(same_runs(before, after, count));

    /* nothing refused: committed, the lot, the Ready pages as they were */
    rc = pal_mem_map(p, n);
    CHECK_EQ(rc, PAL_OK);
    CHECK_EQ(runs_of(p, n, after, RUNS), 2);
    CHECK(after[0].State == MEM_COMMIT && after[0].RegionSize == a);
    CHECK(after[1].State == MEM_COMMIT && after[1].RegionSize == n - a);
    for (k = 0; k < 2 * RESERVED; k++)
        CHECK(th_all_bytes(p + k * ps, ps, k % 2 ? 0x4b : 0));
    for (k = 0; k < 2 * RESERVED; k += 2)
        CHECK_OK(pal_mem_unused(p + k * ps, ps));
    CHECK_OK(pal_mem_unused(p + a, n - a));
    CHECK_EQ(runs_of(p, n, after, RUNS), count);
    rc = pal_mem_used(p, n);
    CHECK_EQ(rc, PAL_OK);
    CHECK_EQ(runs_of(p, n, after, RUNS), 2);
    CHECK_OK(pal_mem_free(p, a));
    CHECK_OK(pal_mem_free(p + a, n - a));
}

static void retry_loop_without_virtual_alloc2(void)
{
    size_t f0;

    CHECK_OK(pal_mem_init());
    __atomic_store_n(&virtual_alloc2, NO_VA2, __ATOMIC_RELAXED);
    f0 = th_fallbacks();
    CHECK_EQ(reserve_checked(3 * 65536, MIB), PAL_OK);
    CHECK_EQ(reserve_checked(MIB, 16 * MIB), PAL_OK);
    CHECK_EQ(th_fallbacks() - f0, 2);
    /* at the granularity no alignment work is needed at all */
    CHECK_EQ(reserve_checked(65536, 65536), PAL_OK);
    CHECK_EQ(th_fallbacks() - f0, 2);
}

static int refusals;

static void *WINAPI refuses_alignment(HANDLE process, void *base, SIZE_T n,
                                      ULONG type, ULONG protect,
                                      struct ext_param *params, ULONG count)
{
    (void)process, (void)base, (void)n, (void)type, (void)protect;
    (void)params, (void)count;
    refusals++;
    SetLastError(ERROR_INVALID_PARAMETER);
    return NULL;
}

/* A VirtualAlloc2 that does not know the alignment parameter is asked
 * once; the retry loop does the work, then and from then on. */
static void virtual_alloc2_refusing_alignment(void)
{
    size_t f0;

    CHECK_OK(pal_mem_init());
    __atomic_store_n(&virtual_alloc2, (uintptr_t)refuses_alignment, __ATOMIC_RELAXED);
    refusals = 0;
    f0 = th_fallbacks();
    CHECK_EQ(reserve_checked(MIB, 4 * MIB), PAL_OK);
    CHECK_EQ(reserve_checked(MIB, 4 * MIB), PAL_OK);
    CHECK_EQ(refusals, 1);
    CHECK_EQ(th_fallbacks() - f0, 2);
    CHECK_EQ(__atomic_load_n(&virtual_alloc2, __ATOMIC_RELAXED), NO_VA2);
}

static void *WINAPI out_of_memory(HANDLE process, void *base, SIZE_T n,
                                  ULONG type, ULONG protect,
                                  struct ext_param *params, ULONG count)
{
    (void)process, (void)base, (void)n, (void)type, (void)protect;
    (void)params, (void)count;
    SetLastError(ERROR_NOT_ENOUGH_MEMORY);
    return NULL;
}

/* Out of address space is the answer, not a reason to try another way. */
static void virtual_alloc2_out_of_memory(void)
{
    size_t f0;
    void *v;

    CHECK_OK(pal_mem_init());
    __atomic_store_n(&virtual_alloc2, (uintptr_t)out_of_memory, __ATOMIC_RELAXED);
    f0 = th_fallbacks();
    CHECK_EQ(pal_mem_reserve_aligned(MIB, 4 * MIB, &v), PAL_ENOMEM);
    CHECK_EQ(th_fallbacks(), f0);
    CHECK_EQ(__atomic_load_n(&virtual_alloc2, __ATOMIC_RELAXED), (uintptr_t)out_of_memory);
}

/* The real one, looked up afresh by pal_os_init: no fallback where it
 * takes alignments. */
static void virtual_alloc2_looked_up(void)
{
    size_t f0, ps, hps;

    CHECK_OK(pal_mem_init());
    __atomic_store_n(&virtual_alloc2, 0, __ATOMIC_RELAXED);
    CHECK_OK(pal_os_init(&ps, &hps));
    f0 = th_fallbacks();
    CHECK_EQ(reserve_checked(MIB, 8 * MIB), PAL_OK);
    if (__atomic_load_n(&virtual_alloc2, __ATOMIC_RELAXED) == NO_VA2)
        SKIP("no VirtualAlloc2 that takes an alignment here");
    CHECK_EQ(th_fallbacks(), f0);
}

/* Large pages: granted (an ordinary allocation standing in), refused for
 * want of SeLockMemoryPrivilege (PAL_EPERM), or for want of large pages
 * (PAL_ENOMEM); nothing left held after a refusal. */
static void large_page_answers(void)
{
    size_t lp, sizes[2];
    void *v = NULL;

    CHECK_OK(pal_mem_init());
    __atomic_store_n(&large_page_word, 2 * MIB, __ATOMIC_RELAXED);
    CHECK_EQ(pal_mem_huge_page_sizes(sizes, 2), 1);
    lp = sizes[0];
    CHECK_EQ(lp, 2 * MIB);
    large_pages_answer = GRANT;
    CHECK_OK(pal_mem_alloc_huge(2 * lp, 0, &v));
    CHECK(th_all_bytes(v, 2 * lp, 0));
    th_memset(v, 0x1f, 2 * lp);
    CHECK_EQ(pal_mem_free(v, lp), PAL_EINVAL); /* one region, as alloc's */
    CHECK_OK(pal_mem_free(v, 2 * lp));
    large_pages_answer = ERROR_PRIVILEGE_NOT_HELD;
    CHECK_EQ(pal_mem_alloc_huge(lp, lp, &v), PAL_EPERM);
    large_pages_answer = ERROR_NO_SYSTEM_RESOURCES;
    CHECK_EQ(pal_mem_alloc_huge(lp, lp, &v), PAL_ENOMEM);
    large_pages_answer = ERROR_COMMITMENT_LIMIT;
    CHECK_EQ(pal_mem_alloc_huge(lp, lp, &v), PAL_ENOMEM);
    CHECK_EQ(pal_mem_huge_page_sizes(sizes, 2), 1);
    large_pages_answer = ERROR_INVALID_PARAMETER; /* no large pages at all */
    CHECK_EQ(pal_mem_alloc_huge(lp, lp, &v), PAL_ENOSYS);
    CHECK_EQ(pal_mem_huge_page_sizes(sizes, 2), 0);
    large_pages_answer = 0;
}

/* MEM_RESET refused (a range Windows will not reset): decommit instead,
 * counted as a fallback; the range is released all the same. */
static void mem_reset_refused_decommits(void)
{
    unsigned old = pal_mem_policy();
    size_t n = 2 * 4096, f0;
    void *v;

    CHECK_OK(pal_mem_alloc(n, &v));
    th_memset(v, 0x3a, n);
    CHECK_OK(pal_mem_set_policy(old & ~PAL_POLICY_DONTNEED));
    reset_refused = 1;
    f0 = th_fallbacks();
    CHECK_OK(pal_mem_unused(v, n));
    reset_refused = 0;
    CHECK_EQ(th_fallbacks() - f0, 1);
    CHECK_OK(pal_mem_set_policy(old));
    CHECK_OK(pal_mem_used(v, n));
    CHECK(th_all_bytes(v, n, 0));
    CHECK_OK(pal_mem_free(v, n));
}

/* More than one node: the caller's node is asked of Windows (wine 8 has
 * no GetNumaProcessorNodeEx: PAL_ENOSYS), and binding is PAL_ENOSYS
 * (Windows takes a node only where a reservation is made). */
static void numa_with_two_nodes(void)
{
    unsigned node = 99;
    int rc;
    void *v;

    CHECK_OK(pal_mem_init());
    __atomic_store_n(&numa_nodes_word, 2, __ATOMIC_RELAXED);
    CHECK_EQ(pal_mem_numa_nodes(), 2);
    rc = pal_mem_current_node(&node);
    th_note("current node: %s (%u)", pal_strerror(rc), node);
    CHECK(rc == PAL_ENOSYS || (rc == PAL_OK && node < 2));
    CHECK_OK(pal_mem_alloc(4096, &v));
    CHECK_EQ(pal_mem_bind_node(v, 4096, 1), PAL_ENOSYS);
    CHECK_EQ(pal_mem_bind_node(v, 4096, 2), PAL_EINVAL);
    CHECK_OK(pal_mem_free(v, 4096));
    __atomic_store_n(&numa_nodes_word, 0, __ATOMIC_RELAXED);
    CHECK_EQ(pal_mem_numa_nodes(), 1);
}

const struct th_test th_tests[] = {
    TH(virtual_alloc2_resolved_at_init),
    TH(invalid_parameter_is_enomem),
    TH(quota_and_code_guard_codes),
    TH(free_of_part_is_einval),
    TH(commit_over_many_stretches),
    TH(retry_loop_without_virtual_alloc2),
    TH(virtual_alloc2_refusing_alignment),
    TH(virtual_alloc2_out_of_memory),
    TH(virtual_alloc2_looked_up),
    TH(large_page_answers),
    TH(mem_reset_refused_decommits),
    TH(numa_with_two_nodes),
    TH_END,
};
