/*
 * mem_aix.c - the AIX backend, after the Go runtime's mem_aix.go: mmap,
 * munmap, mprotect, madvise and mincore from libc.
 *
 * AIX will not mmap(MAP_FIXED) over a range that is already mapped, so
 * nothing here does: reserve makes a PROT_NONE mapping, and every later
 * change of access to it is an mprotect (map and used make it read-write,
 * fault and hard decommit take the access away again).  Pages go back
 * with disclaim64(DISCLAIM_ZEROMEM), which frees them and leaves zeroes,
 * where the headers have it, else with madvise(MADV_DONTNEED).  Exact
 * placement is a hint checked after the fact: AIX has nothing like
 * MAP_FIXED_NOREPLACE.
 *
 * These calls exist on Linux too (disclaim does not): a build with
 * PAL_BACKEND=aix runs this file, on its madvise path, through the test
 * suite on a Linux kernel.  That tests the logic, not AIX.
 *
 * State is a few words changed with atomics; no locks.  errno is read only
 * right after the call that failed.
 */
#include <sys/mman.h>
#if defined(_AIX)
#include <sys/shm.h> /* disclaim64 */
#endif
#include <errno.h>
#include <unistd.h>

#include "pal_os.h"

#ifndef MAP_ANONYMOUS
#define MAP_ANONYMOUS MAP_ANON
#endif
#define MAP_ANON_PRIVATE (MAP_ANONYMOUS | MAP_PRIVATE)
#define PROT_RW (PROT_READ | PROT_WRITE)

static size_t page_size;

/* Feature bits: known = probed, have = probed and present. */
static unsigned feat_known;
static unsigned feat_have;

/* Whether pages released with MADV_DONTNEED read back as zero here:
 * 0 unknown, 1 yes, 2 no.  Probed once, on a scratch page. */
static int dontneed_zeroes;

/* ---- errors and counted calls ----------------------------------------- */

static int os_error(int e)
{
    switch (e) {
    case ENOMEM: return PAL_ENOMEM;
    case EINVAL: return PAL_EINVAL;
    case EACCES: return PAL_EACCES;
    case EAGAIN: return PAL_EAGAIN;
    case ENOSYS: return PAL_ENOSYS;
    case EEXIST: return PAL_EEXIST;
    case EPERM: return PAL_EPERM;
    default: return PAL_EOS;
    }
}

static void *do_mmap(void *v, size_t n, int prot, int flags)
{
    pal_os_count_call();
    return mmap(v, n, prot, flags, -1, 0);
}

static int do_munmap(void *v, size_t n)
{
    pal_os_count_call();
    return munmap(v, n);
}

static int do_mprotect(void *v, size_t n, int prot)
{
    pal_os_count_call();
    return mprotect(v, n, prot);
}

static int do_madvise(void *v, size_t n, int advice)
{
    pal_os_count_call();
    return madvise(v, n, advice);
}

/* ---- set-up ----------------------------------------------------------- */

int pal_os_init(size_t *ps, size_t *hps)
{
    long p;

    pal_os_count_call();
    p = sysconf(_SC_PAGESIZE);
    if (p <= 0 || (p & (p - 1)) != 0)
        return PAL_EOS;
    __atomic_store_n(&page_size, (size_t)p, __ATOMIC_RELAXED);
    *ps = (size_t)p;
    /* AIX's large (16 MiB) pages are set up per process, not transparent. */
    *hps = 0;
    return PAL_OK;
}

/* ---- features --------------------------------------------------------- */

/* mincore must see a touched page as resident and an untouched one as not. */
static int probe_resident(void *scratch2)
{
    unsigned char vec[2] = { 0xff, 0xff };

    ((volatile char *)scratch2)[page_size] = 1;
    pal_os_count_call();
    return mincore(scratch2, 2 * page_size, (void *)vec) == 0 &&
           (vec[0] & 1) == 0 && (vec[1] & 1) == 1;
}

static unsigned probe(unsigned want)
{
    unsigned known = __atomic_load_n(&feat_known, __ATOMIC_ACQUIRE);
    unsigned have = 0;
    void *s;

    want &= ~known;
    if (want == 0)
        return __atomic_load_n(&feat_have, __ATOMIC_RELAXED);
    if (want & (PAL_FEAT_RESIDENT | PAL_FEAT_MADV_DONTNEED)) {
        s = do_mmap(NULL, 2 * page_size, PROT_RW, MAP_ANON_PRIVATE);
        if (s == MAP_FAILED) /* probe again next time */
            return __atomic_load_n(&feat_have, __ATOMIC_RELAXED);
        if ((want & PAL_FEAT_RESIDENT) && probe_resident(s))
            have |= PAL_FEAT_RESIDENT;
        if ((want & PAL_FEAT_MADV_DONTNEED) && do_madvise(s, page_size, MADV_DONTNEED) == 0)
            have |= PAL_FEAT_MADV_DONTNEED;
        do_munmap(s, 2 * page_size);
    }
    __atomic_fetch_or(&feat_have, have & want, __ATOMIC_RELAXED);
    __atomic_fetch_or(&feat_known, want, __ATOMIC_RELEASE);
    return __atomic_load_n(&feat_have, __ATOMIC_RELAXED);
}

unsigned pal_os_features(void)
{
    return probe(~0u) | PAL_FEAT_PROTECT;
}

/* ---- release ---------------------------------------------------------- */

/* Once: write a scratch page, advise MADV_DONTNEED, read it back. */
static int dontneed_gives_zeroes(void)
{
    int z = __atomic_load_n(&dontneed_zeroes, __ATOMIC_RELAXED);
    volatile char *m;

    if (z == 0) {
        m = do_mmap(NULL, page_size, PROT_RW, MAP_ANON_PRIVATE);
        if (m == MAP_FAILED)
            return 0; /* cannot tell now; ask again next time */
        *m = 1;
        z = do_madvise((void *)m, page_size, MADV_DONTNEED) == 0 && *m == 0 ? 1 : 2;
        do_munmap((void *)m, page_size);
        __atomic_store_n(&dontneed_zeroes, z, __ATOMIC_RELAXED);
    }
    return z == 1;
}

/* Give the pages of [v, v+n) back.  The range must be writable. */
static int release(void *v, size_t n)
{
#if defined(DISCLAIM_ZEROMEM)
    pal_os_count_call();
    return disclaim64(v, n, DISCLAIM_ZEROMEM) == 0 ? PAL_OK : os_error(errno);
#else
    return do_madvise(v, n, MADV_DONTNEED) == 0 ? PAL_OK : os_error(errno);
#endif
}

int pal_os_unused_zeroes(unsigned policy)
{
    (void)policy;
#if defined(DISCLAIM_ZEROMEM)
    return 1;
#else
    return dontneed_gives_zeroes();
#endif
}

/* ---- transitions ------------------------------------------------------ */

int pal_os_reserve(void *hint, size_t n, void **out)
{
    void *p = do_mmap(hint, n, PROT_NONE, MAP_ANON_PRIVATE);

    if (p == MAP_FAILED)
        return os_error(errno);
    *out = p;
    return PAL_OK;
}

/* The address as a hint: taken if the whole range is free, else the
 * mapping lands elsewhere and is undone. */
int pal_os_reserve_at(void *addr, size_t n)
{
    void *p = do_mmap(addr, n, PROT_NONE, MAP_ANON_PRIVATE);

    if (p == MAP_FAILED)
        return os_error(errno);
    if (p != addr) {
        do_munmap(p, n);
        pal_os_count_fallback();
        return PAL_EEXIST;
    }
    return PAL_OK;
}

/* Reserve align - page more than asked, then unmap the slop either side of
 * the aligned part: nothing stays reserved beyond n. */
int pal_os_reserve_aligned(size_t n, size_t align, void **out)
{
    size_t total = n + (align - page_size);
    uintptr_t base, start;
    void *p;

    if (align == page_size)
        return pal_os_reserve(NULL, n, out);
    if (total < n)
        return PAL_ENOMEM;
    p = do_mmap(NULL, total, PROT_NONE, MAP_ANON_PRIVATE);
    if (p == MAP_FAILED)
        return os_error(errno);
    base = (uintptr_t)p;
    start = pal_align_up(base, align);
    if (start > base)
        do_munmap(p, start - base);
    if (start + n < base + total)
        do_munmap((void *)(start + n), base + total - (start + n));
    *out = (void *)start;
    return PAL_OK;
}

/* mprotect, not a new mapping: AIX refuses MAP_FIXED over the reservation. */
int pal_os_map(void *v, size_t n, unsigned policy)
{
    (void)policy;
    return do_mprotect(v, n, PROT_RW) == 0 ? PAL_OK : os_error(errno);
}

int pal_os_used(void *v, size_t n, unsigned policy)
{
    if ((policy & PAL_POLICY_HARD_DECOMMIT) && do_mprotect(v, n, PROT_RW) != 0)
        return os_error(errno);
    return PAL_OK;
}

/* Every policy releases at once: AIX has no lazy release (no MADV_FREE). */
int pal_os_unused(void *v, size_t n, unsigned policy)
{
    int err;

#if defined(DISCLAIM_ZEROMEM)
    /* Under hard decommit a Prepared part of the range is PROT_NONE, and
     * disclaim needs write access: give it back first. */
    if ((policy & PAL_POLICY_HARD_DECOMMIT) && do_mprotect(v, n, PROT_RW) != 0)
        return os_error(errno);
#endif
    err = release(v, n);
    if (err != PAL_OK)
        return err;
    if ((policy & PAL_POLICY_HARD_DECOMMIT) && do_mprotect(v, n, PROT_NONE) != 0)
        return os_error(errno);
    return PAL_OK;
}

int pal_os_alloc(size_t n, unsigned policy, void **out)
{
    void *p = do_mmap(NULL, n, PROT_RW, MAP_ANON_PRIVATE);

    (void)policy;
    if (p == MAP_FAILED)
        return os_error(errno);
    *out = p;
    return PAL_OK;
}

int pal_os_free(void *v, size_t n)
{
    return do_munmap(v, n) == 0 ? PAL_OK : os_error(errno);
}

/* Access first, then the pages (MADV_DONTNEED works on PROT_NONE memory;
 * disclaim would not). */
int pal_os_fault(void *v, size_t n)
{
    if (do_mprotect(v, n, PROT_NONE) != 0)
        return os_error(errno);
    (void)do_madvise(v, n, MADV_DONTNEED);
    return PAL_OK;
}

int pal_os_protect(void *v, size_t n, unsigned prot)
{
    int p = PROT_NONE;

    if (prot & PAL_PROT_READ)
        p |= PROT_READ;
    if (prot & PAL_PROT_WRITE)
        p |= PROT_WRITE;
    if (prot & PAL_PROT_EXEC)
        p |= PROT_EXEC;
    return do_mprotect(v, n, p) == 0 ? PAL_OK : os_error(errno);
}

/* ---- hints: no transparent huge pages --------------------------------- */

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

int pal_os_guard(void *v, size_t n)
{
    return do_mprotect(v, n, PROT_NONE) == 0 ? PAL_OK : os_error(errno);
}

int pal_os_seal(void *v, size_t n)
{
    (void)v;
    (void)n;
    return PAL_ENOSYS;
}

int pal_os_name(void *v, size_t n, const char *name)
{
    (void)v;
    (void)n;
    (void)name;
    return PAL_ENOSYS;
}

/* mincore in chunks through a small stack vector (no allocation). */
int pal_os_resident(const void *v, size_t n, size_t *bytes)
{
    unsigned char vec[256];
    const size_t chunk_max = sizeof vec * page_size;
    uintptr_t p = (uintptr_t)v;
    size_t total = 0, chunk, i;

    if ((probe(PAL_FEAT_RESIDENT) & PAL_FEAT_RESIDENT) == 0)
        return PAL_ENOSYS;
    while (n > 0) {
        chunk = n < chunk_max ? n : chunk_max;
        pal_os_count_call();
        if (mincore((void *)p, chunk, (void *)vec) != 0)
            return os_error(errno);
        for (i = 0; i < chunk / page_size; i++)
            total += vec[i] & 1;
        p += chunk;
        n -= chunk;
    }
    *bytes = total * page_size;
    return PAL_OK;
}
