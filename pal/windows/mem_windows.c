/*
 * mem_windows.c - the Windows backend: VirtualAlloc, VirtualFree,
 * VirtualProtect and VirtualQuery from kernel32, after the Go runtime's
 * mem_windows.go.  No C runtime: every call here is a kernel32 export,
 * except VirtualAlloc2, which kernelbase.dll exports (looked up once, at
 * init).
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
 *     page size: reserve_at refuses a free address off the granularity
 *     with PAL_EINVAL, and answers PAL_EEXIST, wherever the range starts,
 *     when any of it is taken.
 *   - VirtualFree(MEM_RELEASE) releases exactly one whole reservation, and
 *     commit, decommit and VirtualProtect act within one.  free checks the
 *     region with VirtualQuery first; the other transitions take a range
 *     that spans reservations one reservation at a time, having checked
 *     all of it first (see "ranges").
 *
 * State is a few words written with atomics; no locks.  There are no
 * signals on Windows, so async-signal-safety asks nothing more.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include "pal_os.h"

/* Stored by every racing initialiser and read by every call, so atomic
 * both ways (a plain read beside a store is a data race in C11, whatever
 * the value); relaxed loads cost what plain ones do. */
static size_t page_size_word;

static inline size_t os_page_size(void)
{
    return __atomic_load_n(&page_size_word, __ATOMIC_RELAXED);
}
static size_t granularity; /* dwAllocationGranularity: where reservations start */

/* Feature bits: known = probed, have = probed and present. */
static unsigned feat_known;
static unsigned feat_have;

/* VirtualAlloc2 (Windows 10 1803+), looked up in kernelbase.dll by
 * pal_os_init so the library still loads on older Windows.  Its extended
 * parameter types are declared here, not taken from the SDK, for the same
 * reason. */
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

/* 0: pal_os_init has not run; NO_VA2: absent, or refused an alignment
 * request. */
#define NO_VA2 ((uintptr_t)1)
static uintptr_t virtual_alloc2;

/* Working-set query for pal_mem_resident (kernel32 since Windows 7). */
struct ws_ex_info {
    void *address;
    ULONG_PTR attributes; /* bit 0: Valid, the page is in the working set */
};

WINBASEAPI BOOL WINAPI K32QueryWorkingSetEx(HANDLE process, PVOID info, DWORD size);

/* Arbitrary Code Guard refused executable memory (older SDKs lack it). */
#ifndef ERROR_DYNAMIC_CODE_BLOCKED
#define ERROR_DYNAMIC_CODE_BLOCKED 1655L
#endif

/* ---- errors ----------------------------------------------------------- */

/* A Windows error code as a PAL code.  pal_mem.c has checked every
 * argument, so ERROR_INVALID_ADDRESS and ERROR_INVALID_PARAMETER from the
 * OS both mean "that range is not (or not wholly) in the state the call
 * needs": PAL_ENOMEM, as Linux says of a range not all mapped.  Where
 * PAL_EINVAL or PAL_EEXIST is the answer, the caller says so itself: free
 * for a part of a region, reserve_at for a range already taken. */
static int os_error(DWORD err)
{
    switch (err) {
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
    case ERROR_COMMITMENT_LIMIT:
    case ERROR_COMMITMENT_MINIMUM:
    case ERROR_NO_SYSTEM_RESOURCES:
    case ERROR_PAGEFILE_QUOTA: /* the job's or process's commit quota */
    case ERROR_INVALID_ADDRESS:
    case ERROR_INVALID_PARAMETER:
        return PAL_ENOMEM;
    case ERROR_WORKING_SET_QUOTA:
        return PAL_EAGAIN;
    case ERROR_ACCESS_DENIED:
    case ERROR_NOACCESS:
    case ERROR_DYNAMIC_CODE_BLOCKED:
        return PAL_EACCES;
    case ERROR_NOT_SUPPORTED:
    case ERROR_CALL_NOT_IMPLEMENTED:
    case ERROR_PROC_NOT_FOUND:
        return PAL_ENOSYS;
    default:
        return PAL_EOS;
    }
}

/* GetLastError() after a failed call, as a PAL code. */
static int last_error(void)
{
    return os_error(GetLastError());
}

/* The error of a failed read-write commit of private memory.  Windows
 * says ERROR_COMMITMENT_LIMIT or ERROR_NOT_ENOUGH_MEMORY; wine says
 * ERROR_ACCESS_DENIED (its mprotect failed with ENOMEM).  Read-write is
 * never an access mode refused here, so that is out of memory too. */
static int commit_error(DWORD err)
{
    return err == ERROR_ACCESS_DENIED ? PAL_ENOMEM : os_error(err);
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

static BOOL vprotect(void *v, size_t n, DWORD protect)
{
    DWORD old;

    pal_os_count_call();
    return VirtualProtect(v, n, protect, &old);
}

/* ---- set-up ----------------------------------------------------------- */

/* GetModuleHandleW and GetProcAddress take the loader lock: done once
 * here, no transition takes it.  One export looked up is not a feature
 * probe.  Racing initialisers find the same; a refusal that
 * reserve_aligned recorded since is kept. */
static void find_virtual_alloc2(void)
{
    uintptr_t f = 0, unset = 0;
    HMODULE kernelbase;

    if (__atomic_load_n(&virtual_alloc2, __ATOMIC_ACQUIRE) != 0)
        return;
    /* kernelbase.dll is loaded in every process since Windows 7 */
    pal_os_count_call();
    kernelbase = GetModuleHandleW(L"kernelbase.dll");
    if (kernelbase != NULL) {
        pal_os_count_call();
        f = (uintptr_t)GetProcAddress(kernelbase, "VirtualAlloc2");
    }
    __atomic_compare_exchange_n(&virtual_alloc2, &unset, f != 0 ? f : NO_VA2, 0,
                                __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

int pal_os_init(size_t *ps, size_t *hps)
{
    SYSTEM_INFO si;

    pal_os_count_call();
    GetSystemInfo(&si);
    if (si.dwPageSize == 0 || (si.dwPageSize & (si.dwPageSize - 1)) != 0 ||
        si.dwAllocationGranularity < si.dwPageSize ||
        (si.dwAllocationGranularity & (si.dwAllocationGranularity - 1)) != 0)
        return PAL_EOS;
    __atomic_store_n(&page_size_word, si.dwPageSize, __ATOMIC_RELAXED);
    __atomic_store_n(&granularity, si.dwAllocationGranularity, __ATOMIC_RELAXED);
    find_virtual_alloc2();
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
    char *m = valloc(NULL, 2 * os_page_size(), MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    int ok;

    if (m == NULL)
        return -1;
    ((volatile char *)m)[os_page_size()] = 1;
    info[0].address = m;
    info[1].address = m + os_page_size();
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

/* ---- ranges: one reservation at a time -------------------------------- */

/*
 * VirtualAlloc(MEM_COMMIT), VirtualFree(MEM_DECOMMIT) and VirtualProtect
 * act within one reservation, and do all of their range or none of it.
 * So each of commit, decommit and protect first makes one call: the usual
 * range lies in one reservation and Windows checks it.  Only when Windows
 * answers that the range is not one it can act on (ERROR_INVALID_ADDRESS,
 * ERROR_INVALID_PARAMETER) does the backend look, with VirtualQuery, at
 * all of the range before changing any of it; if any page is free, not
 * private or not in a state the transition takes, the answer is
 * PAL_ENOMEM and nothing has changed.  Else, if it spans reservations, one
 * call per reservation.  Any other error, the commit charge above all, is
 * the answer at once: splitting a commit never lowers its charge.
 *
 * Taking a range apart counts as a fallback: the one call failed and a
 * slower way (a VirtualQuery per run, a call per reservation) was taken.
 * The counter is how a caller learns that its ranges straddle
 * reservations.
 */

/* A commit that fails part way must decommit exactly what it committed:
 * the stretches that were MEM_RESERVE before, never a page committed
 * before (it may be Ready, with contents).  They are noted here, on the
 * stack; a range with more is refused whole rather than committed with no
 * way back.  Map's input, all Reserved, is one stretch. */
#define MAX_STRETCHES 64

struct stretches {
    size_t count;
    struct {
        uintptr_t lo, hi;
    } s[MAX_STRETCHES];
};

/* Whether Windows refused the range rather than the request. */
static int range_refused(DWORD err)
{
    return err == ERROR_INVALID_ADDRESS || err == ERROR_INVALID_PARAMETER;
}

/* Before changing anything: PAL_OK if every page of [p, end) is private
 * memory whose state (MEM_RESERVE, MEM_COMMIT) is in states, and then
 * *spans says whether the range has more than one reservation; else
 * PAL_ENOMEM.  With rs, note the MEM_RESERVE stretches (merged across
 * reservations). */
static int check(uintptr_t p, uintptr_t end, DWORD states, struct stretches *rs,
                 int *spans)
{
    MEMORY_BASIC_INFORMATION mbi;
    void *base = NULL;
    uintptr_t hi;

    *spans = 0;
    if (rs != NULL)
        rs->count = 0;
    while (p < end) {
        /* free memory has no type: MEM_FREE fails both tests */
        if (vquery((void *)p, &mbi) == 0 || mbi.Type != MEM_PRIVATE ||
            (mbi.State & states) == 0)
            return PAL_ENOMEM;
        if (base != NULL && mbi.AllocationBase != base)
            *spans = 1;
        base = mbi.AllocationBase;
        hi = (uintptr_t)mbi.BaseAddress + mbi.RegionSize;
        if (hi > end)
            hi = end;
        if (rs != NULL && mbi.State == MEM_RESERVE) {
            if (rs->count > 0 && rs->s[rs->count - 1].hi == p) {
                rs->s[rs->count - 1].hi = hi;
            } else {
                if (rs->count == MAX_STRETCHES)
                    return PAL_ENOMEM;
                rs->s[rs->count].lo = p;
                rs->s[rs->count].hi = hi;
                rs->count++;
            }
        }
        p = hi;
    }
    return PAL_OK;
}

/* Where the reservation holding p ends, or end if that comes first. */
static uintptr_t reservation_end(uintptr_t p, uintptr_t end)
{
    MEMORY_BASIC_INFORMATION mbi;
    void *base;

    if (vquery((void *)p, &mbi) == 0)
        return p;
    base = mbi.AllocationBase;
    do
        p = (uintptr_t)mbi.BaseAddress + mbi.RegionSize;
    while (p < end && vquery((void *)p, &mbi) != 0 && mbi.AllocationBase == base);
    return p < end ? p : end;
}

/* The three calls, each on [p, p+n) within one reservation. */
typedef BOOL range_call(uintptr_t p, size_t n, DWORD protect);

static BOOL commit_call(uintptr_t p, size_t n, DWORD protect)
{
    return valloc((void *)p, n, MEM_COMMIT, protect) != NULL;
}

static BOOL decommit_call(uintptr_t p, size_t n, DWORD protect)
{
    (void)protect;
    return vfree((void *)p, n, MEM_DECOMMIT);
}

static BOOL protect_call(uintptr_t p, size_t n, DWORD protect)
{
    return vprotect((void *)p, n, protect);
}

/* call on [p, end), one reservation at a time.  Returns end, or where a
 * call failed (GetLastError() tells why). */
static uintptr_t per_reservation(uintptr_t p, uintptr_t end, range_call *call,
                                 DWORD protect)
{
    uintptr_t q;

    for (; p < end; p = q) {
        q = reservation_end(p, end);
        if (q == p || !call(p, q - p, protect))
            return p;
    }
    return end;
}

/* Commit [v, v+n) read-write (map, used).  Split, only the MEM_RESERVE
 * stretches are committed: a page committed already needs nothing (and
 * committing it again would reset its protection).  If one fails (the
 * charge), what this call committed before it is decommitted again (which
 * cannot fail: it was just committed): it was Reserved or Prepared
 * (decommitted) memory, and is so again; Ready memory is never touched. */
static int commit(void *v, size_t n)
{
    struct stretches rs;
    uintptr_t p = (uintptr_t)v, done;
    size_t i, j;
    int spans;
    DWORD err;

    if (commit_call(p, n, PAGE_READWRITE))
        return PAL_OK;
    err = GetLastError();
    if (!range_refused(err))
        return commit_error(err);
    if (check(p, p + n, MEM_RESERVE | MEM_COMMIT, &rs, &spans) != PAL_OK || !spans)
        return PAL_ENOMEM;
    pal_os_count_fallback();
    for (i = 0; i < rs.count; i++) {
        done = per_reservation(rs.s[i].lo, rs.s[i].hi, commit_call, PAGE_READWRITE);
        if (done != rs.s[i].hi) {
            err = GetLastError();
            rs.s[i].hi = done;
            for (j = 0; j <= i; j++)
                per_reservation(rs.s[j].lo, rs.s[j].hi, decommit_call, 0);
            return commit_error(err);
        }
    }
    return PAL_OK;
}

/* Decommit [v, v+n) (unused, fault): pages and charge go back, the range
 * stays reserved.  Decommitting a page that is not committed does nothing,
 * so the range may mix both.  Once checked, a reservation's call fails
 * only if another thread changed the range meanwhile. */
static int decommit(void *v, size_t n)
{
    uintptr_t p = (uintptr_t)v;
    int spans;
    DWORD err;

    if (decommit_call(p, n, 0))
        return PAL_OK;
    err = GetLastError();
    if (!range_refused(err))
        return os_error(err);
    if (check(p, p + n, MEM_RESERVE | MEM_COMMIT, NULL, &spans) != PAL_OK || !spans)
        return PAL_ENOMEM;
    pal_os_count_fallback();
    if (per_reservation(p, p + n, decommit_call, 0) != p + n)
        return last_error();
    return PAL_OK;
}

/* Set the protection of committed [v, v+n) (protect, guard).  Once the
 * range is checked, a reservation's call can fail only for the protection
 * itself (ACG refusing executable pages), and then the first one fails,
 * before any has changed. */
static int protect(void *v, size_t n, DWORD protection)
{
    uintptr_t p = (uintptr_t)v;
    int spans;
    DWORD err;

    if (protect_call(p, n, protection))
        return PAL_OK;
    err = GetLastError();
    if (!range_refused(err))
        return os_error(err);
    if (check(p, p + n, MEM_COMMIT, NULL, &spans) != PAL_OK || !spans)
        return PAL_ENOMEM;
    pal_os_count_fallback();
    if (per_reservation(p, p + n, protect_call, protection) != p + n)
        return last_error();
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
    uintptr_t f = __atomic_load_n(&virtual_alloc2, __ATOMIC_ACQUIRE);
    virtual_alloc2_fn va2;
    void *p;

    /* every reservation starts on the granularity already */
    if (align <= granularity)
        return pal_os_reserve(NULL, n, out);
    if (f != 0 && f != NO_VA2) {
        va2 = (virtual_alloc2_fn)f;
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
 * reservation, before releasing anything, with PAL_EINVAL (the contract's
 * answer, said here: from Windows, ERROR_INVALID_PARAMETER is PAL_ENOMEM). */
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

int pal_os_protect(void *v, size_t n, unsigned prot)
{
    /* memory tagging and branch protection are arm64 Linux's only */
    if (prot & (PAL_PROT_MTE | PAL_PROT_BTI))
        return PAL_ENOSYS;
    return protect(v, n, page_protection(prot));
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
    return protect(v, n, PAGE_NOACCESS);
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
    size_t pages = n / os_page_size(), total = 0, batch, i;

    if ((probe(PAL_FEAT_RESIDENT) & PAL_FEAT_RESIDENT) == 0)
        return PAL_ENOSYS;
    while (pages > 0) {
        batch = pages < 64 ? pages : 64;
        for (i = 0; i < batch; i++) {
            info[i].address = (void *)(p + i * os_page_size());
            info[i].attributes = 0;
        }
        pal_os_count_call();
        if (!K32QueryWorkingSetEx(GetCurrentProcess(), info,
                                  (DWORD)(batch * sizeof info[0])))
            return last_error();
        for (i = 0; i < batch; i++)
            total += info[i].attributes & 1;
        p += batch * os_page_size();
        pages -= batch;
    }
    *bytes = total * os_page_size();
    return PAL_OK;
}

/* ---- additions: batched release, prefault, huge pages, NUMA ----------- */

int pal_os_unused_ranges(const struct pal_mem_range *r, size_t count,
                         unsigned policy, size_t *done)
{
    return pal_os_unused_each(r, count, policy, done);
}

/* No prefault call here: touch each page. */
int pal_os_populate(void *v, size_t n)
{
    pal_os_touch(v, n, os_page_size());
    return PAL_OK;
}

/* Explicit huge pages are not offered by this backend yet. */
size_t pal_os_huge_page_sizes(size_t *sizes, size_t max)
{
    (void)sizes;
    (void)max;
    return 0;
}

int pal_os_alloc_huge(size_t n, size_t page, void **out)
{
    (void)n;
    (void)page;
    (void)out;
    return PAL_ENOSYS;
}

/* One node as far as this backend knows. */
unsigned pal_os_numa_nodes(void)
{
    return 1;
}

int pal_os_current_node(unsigned *node)
{
    (void)node;
    return PAL_ENOSYS;
}

int pal_os_bind_node(void *v, size_t n, unsigned node)
{
    (void)v;
    (void)n;
    (void)node;
    return PAL_ENOSYS;
}
