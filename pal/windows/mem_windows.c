/*
 * mem_windows.c - the Windows backend: VirtualAlloc, VirtualFree,
 * VirtualProtect and VirtualQuery from kernel32, after the Go runtime's
 * mem_windows.go.  No C runtime: every call here is a kernel32 export.
 *
 * The states map onto Windows' own: Reserved is MEM_RESERVE, Prepared and
 * Ready are MEM_COMMIT (map commits, as Go's sysMap does, so that the commit
 * charge is taken when the caller plans for it), and unused and fault
 * decommit (MEM_DECOMMIT), which hands back both the pages and the commit
 * charge and leaves the range reserved: it faults until committed again,
 * and a fresh commit reads as zero.
 *
 * Two Windows rules shape the rest:
 *   - Reservations start on the allocation granularity (64 KiB), not the
 *     page size: reserve_at refuses any other address with PAL_EINVAL.
 *   - VirtualFree(MEM_RELEASE) releases exactly one whole reservation, and
 *     commit/decommit cannot span two.  free checks the region with
 *     VirtualQuery first; used and unused split a range that spans
 *     reservations (or that a large call failed on) into pieces.
 *
 * State is a few words written with atomics; no locks.  There are no
 * signals on Windows, so async-signal-safety asks nothing more.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include "pal_os.h"

static size_t page_size;
static size_t granularity; /* dwAllocationGranularity: where reservations start */

/* Feature bits: known = probed, have = probed and present. */
static unsigned feat_known;
static unsigned feat_have;

/* VirtualAlloc2 (Windows 10 1803+), looked up in kernelbase.dll on first
 * use so the library still loads on older Windows.  Its extended parameter
 * types are declared here, not taken from the SDK, for the same reason. */
struct ext_param {
    DWORD64 type; /* low 8 bits: the type; the rest reserved, zero */
    union {
        DWORD64 u64;
        void *pointer;
    } arg;
} __attribute__((aligned(8)));

struct address_requirements {
    void *lowest_start;
    void *highest_end;
    SIZE_T alignment;
};

#define EXT_ADDRESS_REQUIREMENTS 1

typedef void *(WINAPI *virtual_alloc2_fn)(HANDLE, void *, SIZE_T, ULONG, ULONG,
                                          struct ext_param *, ULONG);

/* 0: not looked up yet; NO_VA2: absent, or refused an alignment request. */
#define NO_VA2 ((uintptr_t)1)
static uintptr_t virtual_alloc2;

/* Working-set query for pal_mem_resident (kernel32 since Windows 7). */
struct ws_ex_info {
    void *address;
    ULONG_PTR attributes; /* bit 0: Valid, the page is in the working set */
};

WINBASEAPI BOOL WINAPI K32QueryWorkingSetEx(HANDLE process, PVOID info, DWORD size);

/* ---- errors ----------------------------------------------------------- */

/* GetLastError() after a failed call, as a PAL code.  ERROR_INVALID_ADDRESS
 * means "that range is not (or not wholly) in the state the call needs";
 * reserve_at turns it into PAL_EEXIST itself. */
static int last_error(void)
{
    switch (GetLastError()) {
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
    case ERROR_COMMITMENT_LIMIT:
    case ERROR_COMMITMENT_MINIMUM:
    case ERROR_NO_SYSTEM_RESOURCES:
    case ERROR_INVALID_ADDRESS:
        return PAL_ENOMEM;
    case ERROR_PAGEFILE_QUOTA:
    case ERROR_WORKING_SET_QUOTA:
        return PAL_EAGAIN;
    case ERROR_ACCESS_DENIED:
    case ERROR_NOACCESS:
        return PAL_EACCES;
    case ERROR_INVALID_PARAMETER:
        return PAL_EINVAL;
    case ERROR_NOT_SUPPORTED:
    case ERROR_CALL_NOT_IMPLEMENTED:
    case ERROR_PROC_NOT_FOUND:
        return PAL_ENOSYS;
    default:
        return PAL_EOS;
    }
}

/* ---- counted kernel32 calls ------------------------------------------- */

static void *valloc(void *v, size_t n, DWORD type, DWORD protect)
{
    pal_os_count_call();
    return VirtualAlloc(v, n, type, protect);
}

static BOOL vfree(void *v, size_t n, DWORD type)
{
    pal_os_count_call();
    return VirtualFree(v, n, type);
}

static SIZE_T vquery(const void *v, MEMORY_BASIC_INFORMATION *mbi)
{
    pal_os_count_call();
    return VirtualQuery(v, mbi, sizeof *mbi);
}

/* ---- set-up ----------------------------------------------------------- */

int pal_os_init(size_t *ps, size_t *hps)
{
    SYSTEM_INFO si;

    pal_os_count_call();
    GetSystemInfo(&si);
    if (si.dwPageSize == 0 || (si.dwPageSize & (si.dwPageSize - 1)) != 0 ||
        si.dwAllocationGranularity < si.dwPageSize ||
        (si.dwAllocationGranularity & (si.dwAllocationGranularity - 1)) != 0)
        return PAL_EOS;
    __atomic_store_n(&page_size, si.dwPageSize, __ATOMIC_RELAXED);
    __atomic_store_n(&granularity, si.dwAllocationGranularity, __ATOMIC_RELAXED);
    *ps = si.dwPageSize;
    /* Large pages need SeLockMemoryPrivilege and are never transparent. */
    *hps = 0;
    return PAL_OK;
}

/* ---- features --------------------------------------------------------- */

/* The working-set query must see a touched page as valid and an untouched
 * one as not (an emulator may answer without knowing). */
static int probe_resident(void)
{
    struct ws_ex_info info[2];
    char *m = valloc(NULL, 2 * page_size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    int ok;

    if (m == NULL)
        return -1;
    ((volatile char *)m)[page_size] = 1;
    info[0].address = m;
    info[1].address = m + page_size;
    info[0].attributes = info[1].attributes = 0;
    pal_os_count_call();
    ok = K32QueryWorkingSetEx(GetCurrentProcess(), info, sizeof info) &&
         (info[0].attributes & 1) == 0 && (info[1].attributes & 1) == 1;
    vfree(m, 0, MEM_RELEASE);
    return ok;
}

/* Probe the features in want that are not known yet; return feat_have. */
static unsigned probe(unsigned want)
{
    unsigned known = __atomic_load_n(&feat_known, __ATOMIC_ACQUIRE);
    /* VirtualAlloc never replaces what is there, and decommit releases at
     * once: both always present. */
    unsigned have = PAL_FEAT_FIXED_NOREPLACE | PAL_FEAT_MADV_DONTNEED;

    want &= ~known;
    if (want == 0)
        return __atomic_load_n(&feat_have, __ATOMIC_RELAXED);
    if (want & PAL_FEAT_RESIDENT) {
        int r = probe_resident();

        if (r < 0) /* out of memory: probe again next time */
            want &= ~PAL_FEAT_RESIDENT;
        else if (r)
            have |= PAL_FEAT_RESIDENT;
    }
    __atomic_fetch_or(&feat_have, have & want, __ATOMIC_RELAXED);
    __atomic_fetch_or(&feat_known, want, __ATOMIC_RELEASE);
    return __atomic_load_n(&feat_have, __ATOMIC_RELAXED);
}

unsigned pal_os_features(void)
{
    return probe(~0u) | PAL_FEAT_PROTECT;
}

/* Decommitted memory is always zero when committed again. */
int pal_os_unused_zeroes(unsigned policy)
{
    (void)policy;
    return 1;
}

/* ---- commit and decommit, in pieces when one call will not do --------- */

/* Commit [v, v+n) read-write.  One call usually does it.  It fails when the
 * range spans two reservations (Windows commits within one only) or when
 * the commit charge cannot take it all at once; then, as Go's sysUsedOS,
 * commit the largest piece from v that succeeds, halving down to a page,
 * and go on from its end: O(n log n) calls at worst, on a path that is
 * rare.  A piece that fails at one page is the error.  Pieces committed
 * before it stay committed: that is still Prepared memory, as the caller
 * holds it after an error. */
static int commit(void *v, size_t n)
{
    uintptr_t p = (uintptr_t)v;
    size_t piece;

    if (valloc(v, n, MEM_COMMIT, PAGE_READWRITE) != NULL)
        return PAL_OK;
    pal_os_count_fallback();
    while (n > 0) {
        piece = n;
        while (valloc((void *)p, piece, MEM_COMMIT, PAGE_READWRITE) == NULL) {
            if (piece == page_size)
                return last_error();
            piece = pal_align_down(piece / 2, page_size);
            if (piece < page_size)
                piece = page_size;
        }
        p += piece;
        n -= piece;
    }
    return PAL_OK;
}

/* Decommit [v, v+n): the same piecewise retry for ranges that span
 * reservations (Go's sysUnusedOS). */
static int decommit(void *v, size_t n)
{
    uintptr_t p = (uintptr_t)v;
    size_t piece;

    if (vfree(v, n, MEM_DECOMMIT))
        return PAL_OK;
    pal_os_count_fallback();
    while (n > 0) {
        piece = n;
        while (!vfree((void *)p, piece, MEM_DECOMMIT)) {
            if (piece == page_size)
                return last_error();
            piece = pal_align_down(piece / 2, page_size);
            if (piece < page_size)
                piece = page_size;
        }
        p += piece;
        n -= piece;
    }
    return PAL_OK;
}

/* ---- transitions ------------------------------------------------------ */

int pal_os_reserve(void *hint, size_t n, void **out)
{
    void *p = NULL;

    /* VirtualAlloc would round a hint down to the granularity, below what
     * the caller asked for: round it up instead.  Like Go's sysReserveOS,
     * a hint that cannot be had is retried anywhere. */
    if (hint != NULL) {
        uintptr_t h = pal_align_up((uintptr_t)hint, granularity);

        if (h != 0)
            p = valloc((void *)h, n, MEM_RESERVE, PAGE_NOACCESS);
    }
    if (p == NULL)
        p = valloc(NULL, n, MEM_RESERVE, PAGE_NOACCESS);
    if (p == NULL)
        return last_error();
    *out = p;
    return PAL_OK;
}

/* Whether any page of [v, v+n) is reserved or committed. */
static int any_taken(void *v, size_t n)
{
    MEMORY_BASIC_INFORMATION mbi;
    uintptr_t p = (uintptr_t)v, end = p + n;

    while (p < end) {
        if (vquery((void *)p, &mbi) == 0)
            return 0;
        if (mbi.State != MEM_FREE)
            return 1;
        p = (uintptr_t)mbi.BaseAddress + mbi.RegionSize;
    }
    return 0;
}

/* A reservation can only start on the granularity.  Elsewhere the answer
 * is still PAL_EEXIST if part of the range is taken (the caller learns the
 * range is in use, which is true wherever it starts), else PAL_EINVAL: a
 * free range that Windows cannot place a reservation at. */
int pal_os_reserve_at(void *addr, size_t n)
{
    if (((uintptr_t)addr & (granularity - 1)) != 0)
        return any_taken(addr, n) ? PAL_EEXIST : PAL_EINVAL;
    if (valloc(addr, n, MEM_RESERVE, PAGE_NOACCESS) != NULL)
        return PAL_OK;
    /* Some of the range is already reserved or committed. */
    if (GetLastError() == ERROR_INVALID_ADDRESS)
        return PAL_EEXIST;
    return last_error();
}

static virtual_alloc2_fn find_virtual_alloc2(void)
{
    uintptr_t f = __atomic_load_n(&virtual_alloc2, __ATOMIC_ACQUIRE);
    HMODULE kernelbase;

    if (f == 0) {
        /* kernelbase.dll is loaded in every process since Windows 7 */
        pal_os_count_call();
        kernelbase = GetModuleHandleW(L"kernelbase.dll");
        if (kernelbase != NULL) {
            pal_os_count_call();
            f = (uintptr_t)GetProcAddress(kernelbase, "VirtualAlloc2");
        }
        if (f == 0)
            f = NO_VA2;
        __atomic_store_n(&virtual_alloc2, f, __ATOMIC_RELEASE);
    }
    return f == NO_VA2 ? NULL : (virtual_alloc2_fn)f;
}

/* Without VirtualAlloc2: reserve enough to hold an aligned range, release
 * it, and reserve again at the aligned address inside.  Another thread may
 * take that address in between; then start over.  Nothing extra stays
 * reserved. */
static int reserve_aligned_retry(size_t n, size_t align, void **out)
{
    size_t total = n + (align - granularity);
    int tries;
    void *p;
    uintptr_t a;

    if (total < n)
        return PAL_ENOMEM;
    for (tries = 0; tries < 64; tries++) {
        p = valloc(NULL, total, MEM_RESERVE, PAGE_NOACCESS);
        if (p == NULL)
            return last_error();
        a = pal_align_up((uintptr_t)p, align);
        vfree(p, 0, MEM_RELEASE);
        if (valloc((void *)a, n, MEM_RESERVE, PAGE_NOACCESS) != NULL) {
            *out = (void *)a;
            return PAL_OK;
        }
        if (GetLastError() != ERROR_INVALID_ADDRESS)
            return last_error();
    }
    return PAL_ENOMEM;
}

int pal_os_reserve_aligned(size_t n, size_t align, void **out)
{
    struct address_requirements req;
    struct ext_param param;
    virtual_alloc2_fn va2;
    void *p;

    /* every reservation starts on the granularity already */
    if (align <= granularity)
        return pal_os_reserve(NULL, n, out);
    va2 = find_virtual_alloc2();
    if (va2 != NULL) {
        req.lowest_start = NULL;
        req.highest_end = NULL;
        req.alignment = align;
        param.type = EXT_ADDRESS_REQUIREMENTS;
        param.arg.pointer = &req;
        pal_os_count_call();
        p = va2(GetCurrentProcess(), NULL, n, MEM_RESERVE, PAGE_NOACCESS, &param, 1);
        if (p != NULL) {
            *out = p;
            return PAL_OK;
        }
        /* An implementation that does not take the alignment parameter
         * (older Windows 10 builds, emulators) will not take it later. */
        if (GetLastError() == ERROR_INVALID_PARAMETER ||
            GetLastError() == ERROR_NOT_SUPPORTED)
            __atomic_store_n(&virtual_alloc2, NO_VA2, __ATOMIC_RELEASE);
        else
            return last_error();
    }
    pal_os_count_fallback();
    return reserve_aligned_retry(n, align, out);
}

int pal_os_map(void *v, size_t n, unsigned policy)
{
    (void)policy;
    return commit(v, n);
}

int pal_os_used(void *v, size_t n, unsigned policy)
{
    (void)policy;
    return commit(v, n);
}

/* Windows has no lazy free that also returns the commit charge (MEM_RESET
 * keeps it), so every policy decommits: released at once, zero after. */
int pal_os_unused(void *v, size_t n, unsigned policy)
{
    (void)policy;
    return decommit(v, n);
}

int pal_os_alloc(size_t n, unsigned policy, void **out)
{
    void *p = valloc(NULL, n, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);

    (void)policy;
    if (p == NULL)
        return last_error();
    *out = p;
    return PAL_OK;
}

/* Sum the sizes of the consecutive VirtualQuery runs that belong to the
 * reservation starting at base, looking no further than limit bytes. */
static size_t region_size(void *base, size_t limit)
{
    MEMORY_BASIC_INFORMATION mbi;
    uintptr_t p = (uintptr_t)base;
    size_t total = 0;

    while (total <= limit) {
        if (vquery((void *)p, &mbi) == 0 || mbi.State == MEM_FREE ||
            mbi.AllocationBase != base)
            break;
        total += mbi.RegionSize;
        p += mbi.RegionSize;
    }
    return total;
}

/* MEM_RELEASE takes the base of a reservation and releases all of it, so a
 * part would silently become the whole: refuse anything but exactly one
 * reservation, before releasing anything. */
int pal_os_free(void *v, size_t n)
{
    if (region_size(v, n) != n)
        return PAL_EINVAL;
    if (!vfree(v, 0, MEM_RELEASE))
        return last_error();
    return PAL_OK;
}

/* Decommitted memory faults on access and is back to MEM_RESERVE. */
int pal_os_fault(void *v, size_t n)
{
    return decommit(v, n);
}

static DWORD page_protection(unsigned prot)
{
    /* Windows has no write-only or execute-write pages: write brings read. */
    switch (prot) {
    case PAL_PROT_NONE: return PAGE_NOACCESS;
    case PAL_PROT_READ: return PAGE_READONLY;
    case PAL_PROT_WRITE:
    case PAL_PROT_READ | PAL_PROT_WRITE: return PAGE_READWRITE;
    case PAL_PROT_EXEC: return PAGE_EXECUTE;
    case PAL_PROT_EXEC | PAL_PROT_READ: return PAGE_EXECUTE_READ;
    default: return PAGE_EXECUTE_READWRITE;
    }
}

static int vprotect(void *v, size_t n, DWORD protect)
{
    DWORD old;

    pal_os_count_call();
    return VirtualProtect(v, n, protect, &old) ? PAL_OK : last_error();
}

int pal_os_protect(void *v, size_t n, unsigned prot)
{
    return vprotect(v, n, page_protection(prot));
}

/* ---- hints: Windows has no transparent huge pages --------------------- */

int pal_os_hugepage(void *v, size_t n)
{
    (void)v;
    (void)n;
    return PAL_OK;
}

int pal_os_nohugepage(void *v, size_t n)
{
    (void)v;
    (void)n;
    return PAL_OK;
}

int pal_os_collapse(void *v, size_t n)
{
    (void)v;
    (void)n;
    return PAL_ENOSYS;
}

/* ---- beyond the Go runtime -------------------------------------------- */

/* PAGE_NOACCESS, not PAGE_GUARD: a PAGE_GUARD page raises one
 * STATUS_GUARD_PAGE_VIOLATION and then becomes an ordinary page (it exists
 * to grow stacks), while a guard must fault on every access.  Protection
 * lives in the page tables, so it splits no reservation. */
int pal_os_guard(void *v, size_t n)
{
    return vprotect(v, n, PAGE_NOACCESS);
}

/* Windows has no way to forbid later VirtualFree/VirtualProtect calls. */
int pal_os_seal(void *v, size_t n)
{
    (void)v;
    (void)n;
    return PAL_ENOSYS;
}

/* Private memory has no name a debugger or the OS would show. */
int pal_os_name(void *v, size_t n, const char *name)
{
    (void)v;
    (void)n;
    (void)name;
    return PAL_ENOSYS;
}

/* The working-set query, a batch of pages at a time from a stack array. */
int pal_os_resident(const void *v, size_t n, size_t *bytes)
{
    struct ws_ex_info info[64];
    uintptr_t p = (uintptr_t)v;
    size_t pages = n / page_size, total = 0, batch, i;

    if ((probe(PAL_FEAT_RESIDENT) & PAL_FEAT_RESIDENT) == 0)
        return PAL_ENOSYS;
    while (pages > 0) {
        batch = pages < 64 ? pages : 64;
        for (i = 0; i < batch; i++) {
            info[i].address = (void *)(p + i * page_size);
            info[i].attributes = 0;
        }
        pal_os_count_call();
        if (!K32QueryWorkingSetEx(GetCurrentProcess(), info,
                                  (DWORD)(batch * sizeof info[0])))
            return last_error();
        for (i = 0; i < batch; i++)
            total += info[i].attributes & 1;
        p += batch * page_size;
        pages -= batch;
    }
    *bytes = total * page_size;
    return PAL_OK;
}
