/*
 * mem_windows_setup.h - the Windows backend's state words and the
 * declarations the SDK lacks, Windows' errors and protections, the
 * counted kernel32 calls, pal_os_init (with the VirtualAlloc2 it looks
 * up), and the feature bits and large page size learnt on first use.
 *
 * Part of mem_windows.c, which includes it (after windows.h, pal_os.h and
 * the headers before it: setup, placeholders, ranges, reserve, track);
 * not a header of its own.
 */
#ifndef PAL_MEM_WINDOWS_SETUP_H
#define PAL_MEM_WINDOWS_SETUP_H

static size_t granularity; /* dwAllocationGranularity: where reservations start */

/* The feature bits probed so far (pal_os.h). */
static struct pal_os_feature_cache feats;

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

/* Placeholder flags (Windows 10 1803+), which Debian's mingw headers lack;
 * the values are the SDK's. */
#define MEM_RESERVE_PLACEHOLDER_FLAG 0x00040000
#define MEM_REPLACE_PLACEHOLDER_FLAG 0x00004000
#define MEM_PRESERVE_PLACEHOLDER_FLAG 0x00000002

/* Large pages without SeLockMemoryPrivilege enabled in the token. */
#ifndef ERROR_PRIVILEGE_NOT_HELD
#define ERROR_PRIVILEGE_NOT_HELD 1314L
#endif

typedef void *(WINAPI *virtual_alloc2_fn)(HANDLE, void *, SIZE_T, ULONG, ULONG,
                                          struct ext_param *, ULONG);

/* 0: pal_os_init has not run; NO_VA2: absent, or refused an alignment
 * request. */
#define NO_VA2 ((uintptr_t)1)
static uintptr_t virtual_alloc2;

/* Whether VirtualAlloc2 makes placeholders: probed on the first
 * reservation (PH_UNKNOWN until then), kept apart from virtual_alloc2
 * because an implementation may take one request and not the other. */
enum { PH_UNKNOWN, PH_YES, PH_NO };
static int placeholder_word;

/* Set once VirtualAlloc2 refused an alignment where it makes
 * placeholders: aligned reservations are cut by hand from then on. */
static int align_refused;

/* GetLargePageMinimum, learnt on first use: 0 unknown, 1 none. */
static size_t large_page_word;

/* GetNumaHighestNodeNumber + 1, learnt on first use: 0 unknown. */
static unsigned numa_nodes_word;

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
    case ERROR_PRIVILEGE_NOT_HELD:
        return PAL_EPERM;
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

/* ---- page protections ------------------------------------------------- */

/* A PAL_PROT_* access as a Windows page protection. */
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

/* VirtualAlloc2 on this process; NULL (ERROR_PROC_NOT_FOUND) where
 * kernelbase.dll has none. */
static void *valloc2(void *v, size_t n, DWORD type, DWORD protect,
                     struct ext_param *params, ULONG count)
{
    uintptr_t f = __atomic_load_n(&virtual_alloc2, __ATOMIC_ACQUIRE);

    if (f == 0 || f == NO_VA2) {
        SetLastError(ERROR_PROC_NOT_FOUND);
        return NULL;
    }
    pal_os_count_call();
    return ((virtual_alloc2_fn)f)(GetCurrentProcess(), v, n, type, protect,
                                  params, count);
}

/* VirtualAlloc at a hint rounded up to the granularity, as reserve takes
 * one (VirtualAlloc would round it down, below what the caller asked
 * for); retried anywhere when it cannot be had. */
static void *valloc_near(void *hint, size_t n, DWORD type, DWORD protect)
{
    void *p = NULL;

    if (hint != NULL) {
        uintptr_t h = pal_align_up((uintptr_t)hint, granularity);

        if (h != 0)
            p = valloc((void *)h, n, type, protect);
    }
    if (p == NULL)
        p = valloc(NULL, n, type, protect);
    return p;
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
    os_page_size_set(si.dwPageSize);
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

/* Probe the features in want that are not known yet; return all found. */
static unsigned probe(unsigned want)
{
    /* VirtualAlloc never replaces what is there, decommit releases at
     * once, and MEM_RESET lazily (Windows' MADV_FREE), and write watch
     * (MEM_WRITE_WATCH, since Windows 2000): always present. */
    unsigned have = PAL_FEAT_FIXED_NOREPLACE | PAL_FEAT_MADV_DONTNEED |
                    PAL_FEAT_MADV_FREE | PAL_FEAT_TRACK;

    want = pal_os_unprobed(&feats, want);
    if (want == 0)
        return pal_os_have(&feats);
    if (want & PAL_FEAT_RESIDENT) {
        int r = probe_resident();

        if (r < 0) /* out of memory: probe again next time */
            want &= ~PAL_FEAT_RESIDENT;
        else if (r)
            have |= PAL_FEAT_RESIDENT;
    }
    return pal_os_probed(&feats, want, have);
}

/* The large page size, asked once (no call at init: only a caller of
 * huge pages or of the feature bits pays for it); 0 where there are none,
 * where Windows gives a size that is no power-of-two multiple of the
 * page, or once an allocation showed that Windows does not take large
 * pages at all (wine 8 gives a size and refuses the flag). */
static size_t large_page(void)
{
    size_t lp = __atomic_load_n(&large_page_word, __ATOMIC_RELAXED);

    if (lp == 0) {
        pal_os_count_call();
        lp = GetLargePageMinimum();
        if (lp < os_page_size() || (lp & (lp - 1)) != 0)
            lp = 1;
        __atomic_store_n(&large_page_word, lp, __ATOMIC_RELAXED);
    }
    return lp == 1 ? 0 : lp;
}

unsigned pal_os_features(void)
{
    return probe(~0u) | PAL_FEAT_PROTECT | (large_page() != 0 ? PAL_FEAT_HUGETLB : 0);
}

/* Decommitted memory is zero when committed again; memory that
 * MEM_RESET let go (madvdontneed=0) keeps its contents until Windows
 * wants the pages. */
int pal_os_unused_zeroes(unsigned policy)
{
    return (policy & (PAL_POLICY_DONTNEED | PAL_POLICY_HARD_DECOMMIT)) != 0;
}

#endif /* PAL_MEM_WINDOWS_SETUP_H */
