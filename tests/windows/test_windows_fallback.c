/*
 * test_windows_fallback.c - the paths the Windows backend takes where
 * VirtualAlloc2 is missing or refuses an alignment, forced.
 *
 * White box: this file compiles the library's own sources (the common
 * layer and the Windows backend) so that it can replace the VirtualAlloc2
 * the backend looked up.  Every pal_* symbol is then defined here, so the
 * linker takes nothing from libpal.a.
 */
#include "pal_mem.c"
#include "windows/mem_windows.c"

#include "pal_test.h"

#define MIB ((size_t)1 << 20)

static size_t fallbacks(void)
{
    struct pal_mem_stats s;

    pal_mem_get_stats(&s);
    return s.fallbacks;
}

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

static void retry_loop_without_virtual_alloc2(void)
{
    size_t f0;

    CHECK_OK(pal_mem_init());
    __atomic_store_n(&virtual_alloc2, NO_VA2, __ATOMIC_RELAXED);
    f0 = fallbacks();
    CHECK_EQ(reserve_checked(3 * 65536, MIB), PAL_OK);
    CHECK_EQ(reserve_checked(MIB, 16 * MIB), PAL_OK);
    CHECK_EQ(fallbacks() - f0, 2);
    /* at the granularity no alignment work is needed at all */
    CHECK_EQ(reserve_checked(65536, 65536), PAL_OK);
    CHECK_EQ(fallbacks() - f0, 2);
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
    f0 = fallbacks();
    CHECK_EQ(reserve_checked(MIB, 4 * MIB), PAL_OK);
    CHECK_EQ(reserve_checked(MIB, 4 * MIB), PAL_OK);
    CHECK_EQ(refusals, 1);
    CHECK_EQ(fallbacks() - f0, 2);
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
    f0 = fallbacks();
    CHECK_EQ(pal_mem_reserve_aligned(MIB, 4 * MIB, &v), PAL_ENOMEM);
    CHECK_EQ(fallbacks(), f0);
    CHECK_EQ(__atomic_load_n(&virtual_alloc2, __ATOMIC_RELAXED), (uintptr_t)out_of_memory);
}

/* The real one, looked up afresh: no fallback where it takes alignments. */
static void virtual_alloc2_looked_up(void)
{
    size_t f0;

    CHECK_OK(pal_mem_init());
    __atomic_store_n(&virtual_alloc2, 0, __ATOMIC_RELAXED);
    f0 = fallbacks();
    CHECK_EQ(reserve_checked(MIB, 8 * MIB), PAL_OK);
    if (__atomic_load_n(&virtual_alloc2, __ATOMIC_RELAXED) == NO_VA2)
        SKIP("no VirtualAlloc2 that takes an alignment here");
    CHECK_EQ(fallbacks(), f0);
}

const struct th_test th_tests[] = {
    TH(retry_loop_without_virtual_alloc2),
    TH(virtual_alloc2_refusing_alignment),
    TH(virtual_alloc2_out_of_memory),
    TH(virtual_alloc2_looked_up),
    TH_END,
};
