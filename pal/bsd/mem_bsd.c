/*
 * mem_bsd.c - the backend for FreeBSD, NetBSD, OpenBSD and DragonFly, after
 * the Go runtime's mem_bsd.go: mmap, munmap, mprotect, madvise and mincore
 * from libc.
 *
 * What differs between the four is chosen by the flags their headers
 * define, not by the OS's name, so one unit serves all of them:
 *   MAP_GUARD (FreeBSD 11.2+)  reservations and faulted ranges are guards:
 *                              no VM object, no swap charge, any access
 *                              faults; mmap(MAP_FIXED) later replaces them
 *   MAP_EXCL (FreeBSD)         reserve_at with MAP_FIXED refuses a taken
 *                              range instead of replacing it
 *   MAP_ALIGNED(n) (FreeBSD, NetBSD)  reserve_aligned in one call
 *   mimmutable (OpenBSD 7.3+)  seal
 * Without them: a hint checked after the fact (reserve_at) and an
 * over-reservation trimmed on both sides (reserve_aligned).  These calls
 * all exist on Linux too, where none of those flags do: a build with
 * PAL_BACKEND=bsd runs the generic paths of this file through the test
 * suite on a Linux kernel.  That tests the logic, not a BSD kernel.
 *
 * The BSDs' MADV_DONTNEED only lowers the pages' priority and keeps their
 * contents, so releasing memory so that it reads back zero needs a fresh
 * mapping (mmap MAP_FIXED over the range); lazy release is MADV_FREE.
 *
 * State is a few words changed with atomics; no locks.  errno is read only
 * right after the call that failed.
 */
#if defined(__OpenBSD__)
#include <sys/param.h> /* the OpenBSD release, for mimmutable */
#endif
#include <sys/mman.h>
#include <errno.h>
#include <unistd.h>

#include "pal_os.h"

#ifndef MAP_ANON
#define MAP_ANON MAP_ANONYMOUS
#endif
#define MAP_ANON_PRIVATE (MAP_ANON | MAP_PRIVATE)
#define PROT_RW (PROT_READ | PROT_WRITE)

#if defined(__OpenBSD__) && defined(OpenBSD) && OpenBSD >= 202304
#define HAVE_MIMMUTABLE 1
#endif

static size_t page_size;
static size_t huge_page_size;

/* 1 while MADV_FREE is taken; 0 once it was refused (an old kernel, or a
 * libc header newer than the kernel): then unused remaps instead. */
static int madv_free_works = 1;

/* Feature bits: known = probed, have = probed and present. */
static unsigned feat_known;
static unsigned feat_have;

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

static int do_mincore(const void *v, size_t n, unsigned char *vec)
{
    pal_os_count_call();
    /* the vector is char * on the BSDs, unsigned char * on Linux */
    return mincore((void *)(uintptr_t)v, n, (void *)vec);
}

/* ---- set-up ----------------------------------------------------------- */

int pal_os_init(size_t *ps, size_t *hps)
{
    long p;
    size_t h = 0;

    pal_os_count_call();
    p = sysconf(_SC_PAGESIZE);
    if (p <= 0 || (p & (p - 1)) != 0)
        return PAL_EOS;
#if defined(__FreeBSD__)
    {
        /* Superpages are transparent on FreeBSD (vm.pmap.pg_ps_enabled);
         * the sizes beyond the base page are listed when they are on. */
        size_t sizes[4];
        int k;

        pal_os_count_call();
        k = getpagesizes(sizes, 4);
        if (k > 1)
            h = sizes[1];
    }
#endif
    __atomic_store_n(&page_size, (size_t)p, __ATOMIC_RELAXED);
    __atomic_store_n(&huge_page_size, h, __ATOMIC_RELAXED);
    *ps = (size_t)p;
    *hps = h;
    return PAL_OK;
}

/* ---- features --------------------------------------------------------- */

/* mincore must see a touched page as resident and an untouched one as not. */
static int probe_resident(void *scratch2)
{
    unsigned char vec[2] = { 0xff, 0xff };

    ((volatile char *)scratch2)[page_size] = 1;
    return do_mincore(scratch2, 2 * page_size, vec) == 0 &&
           (vec[0] & 1) == 0 && (vec[1] & 1) == 1;
}

static unsigned probe(unsigned want)
{
    unsigned known = __atomic_load_n(&feat_known, __ATOMIC_ACQUIRE);
    /* Release at once is a fresh mapping, which always works. */
    unsigned have = PAL_FEAT_MADV_DONTNEED;
    void *s;

    want &= ~known;
    if (want == 0)
        return __atomic_load_n(&feat_have, __ATOMIC_RELAXED);
    if (huge_page_size != 0)
        have |= PAL_FEAT_THP;
#ifdef MAP_EXCL
    have |= PAL_FEAT_FIXED_NOREPLACE;
#endif
#ifdef HAVE_MIMMUTABLE
    have |= PAL_FEAT_SEAL;
#endif
    if (want & (PAL_FEAT_RESIDENT | PAL_FEAT_MADV_FREE)) {
        s = do_mmap(NULL, 2 * page_size, PROT_RW, MAP_ANON_PRIVATE);
        if (s == MAP_FAILED) /* probe again next time */
            return __atomic_load_n(&feat_have, __ATOMIC_RELAXED);
        if ((want & PAL_FEAT_RESIDENT) && probe_resident(s))
            have |= PAL_FEAT_RESIDENT;
        if ((want & PAL_FEAT_MADV_FREE) && do_madvise(s, page_size, MADV_FREE) == 0)
            have |= PAL_FEAT_MADV_FREE;
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

/* A fresh anonymous mapping over [v, v+n): the old pages go back at once
 * and the range reads zero. */
static int remap(void *v, size_t n, int prot)
{
    return do_mmap(v, n, prot, MAP_ANON_PRIVATE | MAP_FIXED) == MAP_FAILED ?
           os_error(errno) : PAL_OK;
}

/* Back to Reserved: a guard where there are guards, else PROT_NONE memory
 * with no pages behind it (Go's sysFaultOS). */
static int unmap_to_reserved(void *v, size_t n)
{
#ifdef MAP_GUARD
    return do_mmap(v, n, PROT_NONE, MAP_GUARD | MAP_FIXED) == MAP_FAILED ?
           os_error(errno) : PAL_OK;
#else
    return remap(v, n, PROT_NONE);
#endif
}

int pal_os_unused_zeroes(unsigned policy)
{
    if (policy & (PAL_POLICY_DONTNEED | PAL_POLICY_HARD_DECOMMIT))
        return 1;
    /* MADV_FREE leaves the contents until the kernel wants the pages */
    return !__atomic_load_n(&madv_free_works, __ATOMIC_RELAXED);
}

/* ---- transitions ------------------------------------------------------ */

static int reserve_flags(void)
{
#ifdef MAP_GUARD
    return MAP_GUARD;
#else
    return MAP_ANON_PRIVATE;
#endif
}

int pal_os_reserve(void *hint, size_t n, void **out)
{
    void *p = do_mmap(hint, n, PROT_NONE, reserve_flags());

    if (p == MAP_FAILED)
        return os_error(errno);
    *out = p;
    return PAL_OK;
}

int pal_os_reserve_at(void *addr, size_t n)
{
    void *p;

#ifdef MAP_EXCL
    /* FreeBSD: MAP_FIXED without the replacing.  A taken range is
     * KERN_NO_SPACE in the kernel, ENOMEM here. */
    p = do_mmap(addr, n, PROT_NONE, reserve_flags() | MAP_FIXED | MAP_EXCL);
    if (p == MAP_FAILED)
        return errno == ENOMEM ? PAL_EEXIST : os_error(errno);
    return PAL_OK;
#else
    /* The address as a hint: the kernel takes it if the whole range is
     * free, and places the mapping elsewhere if not.  Then undo that. */
    p = do_mmap(addr, n, PROT_NONE, reserve_flags());
    if (p == MAP_FAILED)
        return os_error(errno);
    if (p != addr) {
        do_munmap(p, n);
        pal_os_count_fallback();
        return PAL_EEXIST;
    }
    return PAL_OK;
#endif
}

#ifdef MAP_ALIGNED
static unsigned log2_of(size_t x)
{
    unsigned k = 0;

    while (((size_t)1 << k) < x)
        k++;
    return k;
}
#endif

int pal_os_reserve_aligned(size_t n, size_t align, void **out)
{
    size_t total = n + (align - page_size);
    uintptr_t base, start;
    void *p;

    if (align == page_size)
        return pal_os_reserve(NULL, n, out);
#ifdef MAP_ALIGNED
    /* The kernel finds an aligned range itself: nothing to trim. */
    p = do_mmap(NULL, n, PROT_NONE, reserve_flags() | MAP_ALIGNED(log2_of(align)));
    if (p != MAP_FAILED) {
        *out = p;
        return PAL_OK;
    }
    if (errno != EINVAL) /* EINVAL: an alignment this kernel does not do */
        return os_error(errno);
#endif
    /* Reserve align - page more than asked and unmap the slop on either
     * side of the aligned part: nothing stays reserved beyond n. */
    pal_os_count_fallback();
    if (total < n)
        return PAL_ENOMEM;
    p = do_mmap(NULL, total, PROT_NONE, reserve_flags());
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

/* A new read-write mapping over the reservation, as Go's sysMapOS: a
 * guard cannot be mprotect'ed into memory, only replaced. */
int pal_os_map(void *v, size_t n, unsigned policy)
{
    (void)policy;
    return remap(v, n, PROT_RW);
}

int pal_os_used(void *v, size_t n, unsigned policy)
{
    if ((policy & PAL_POLICY_HARD_DECOMMIT) && do_mprotect(v, n, PROT_RW) != 0)
        return os_error(errno);
    return PAL_OK;
}

int pal_os_unused(void *v, size_t n, unsigned policy)
{
    /* Hard decommit: one fresh PROT_NONE mapping both releases the pages
     * and takes the access away. */
    if (policy & PAL_POLICY_HARD_DECOMMIT)
        return remap(v, n, PROT_NONE);
    if (!(policy & PAL_POLICY_DONTNEED) &&
        __atomic_load_n(&madv_free_works, __ATOMIC_RELAXED)) {
        if (do_madvise(v, n, MADV_FREE) == 0)
            return PAL_OK;
        if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
            return os_error(errno);
        __atomic_store_n(&madv_free_works, 0, __ATOMIC_RELAXED);
    }
    if (!(policy & PAL_POLICY_DONTNEED))
        pal_os_count_fallback();
    return remap(v, n, PROT_RW);
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

int pal_os_fault(void *v, size_t n)
{
    return unmap_to_reserved(v, n);
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

/* ---- hints: superpages, where there are any, need no advice ----------- */

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

/* FreeBSD: a guard in place of the pages (freed, and no object behind the
 * range); elsewhere PROT_NONE.  Either is one more map entry, so this is
 * not PAL_FEAT_GUARD. */
int pal_os_guard(void *v, size_t n)
{
#ifdef MAP_GUARD
    return unmap_to_reserved(v, n);
#else
    return do_mprotect(v, n, PROT_NONE) == 0 ? PAL_OK : os_error(errno);
#endif
}

#ifdef HAVE_MIMMUTABLE
/* OpenBSD: no later mmap, munmap or mprotect of the range succeeds (EPERM). */
int pal_os_seal(void *v, size_t n)
{
    pal_os_count_call();
    return mimmutable(v, n) == 0 ? PAL_OK : os_error(errno);
}
#else
int pal_os_seal(void *v, size_t n)
{
    (void)v;
    (void)n;
    return PAL_ENOSYS;
}
#endif

/* None of the BSDs names anonymous mappings. */
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
        if (do_mincore((const void *)p, chunk, vec) != 0)
            return os_error(errno);
        for (i = 0; i < chunk / page_size; i++)
            total += vec[i] & 1;
        p += chunk;
        n -= chunk;
    }
    *bytes = total * page_size;
    return PAL_OK;
}
