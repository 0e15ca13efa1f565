/*
 * mem_posix.h - what the BSD, Darwin and AIX backends share: the libc
 * calls they make (mmap, munmap, mprotect, madvise, mincore), each counted,
 * and the pieces of logic that are the same wherever they are used.  What
 * an OS does differently stays in its backend.
 *
 * Included by one of those backends, into the unit that also holds
 * pal_mem.c: the functions here are static and named pal_posix_* (POSIX
 * reserves the bare posix_ prefix for itself, and posix_madvise exists).
 *
 * The call wrappers return what libc returns, with errno set, for the
 * backend to read; everything else here returns PAL_* codes, through
 * pal_posix_error.
 */
#ifndef PAL_MEM_POSIX_H
#define PAL_MEM_POSIX_H

#include <sys/mman.h>
#include <errno.h>
#include <unistd.h>

#include "pal_os.h"

#if defined(MAP_ANONYMOUS)
#define MAP_ANON_PRIVATE (MAP_ANONYMOUS | MAP_PRIVATE)
#else
#define MAP_ANON_PRIVATE (MAP_ANON | MAP_PRIVATE)
#endif
#define PROT_RW (PROT_READ | PROT_WRITE)

/* The bit of a mincore vector entry that says resident: other bits may
 * say more (referenced, modified) where the header names this one. */
#ifdef MINCORE_INCORE
#define PAL_POSIX_INCORE MINCORE_INCORE
#else
#define PAL_POSIX_INCORE 1
#endif

/* ---- errors and counted calls ----------------------------------------- */

static inline int pal_posix_error(int e)
{
    switch (e) {
    case ENOMEM: return PAL_ENOMEM;
    case EINVAL: return PAL_EINVAL;
    case EACCES: return PAL_EACCES;
    /* AIX's disclaim on memory the caller may not write.  No other call
     * here is given a pointer the kernel could fault on but the mincore
     * vector, which is ours. */
    case EFAULT: return PAL_EACCES;
    case EAGAIN: return PAL_EAGAIN;
    case ENOSYS: return PAL_ENOSYS;
    case EEXIST: return PAL_EEXIST;
    case EPERM: return PAL_EPERM;
#if defined(__APPLE__)
    /* XNU refuses what it does not implement with ENOTSUP as well (a
     * value apart from EOPNOTSUPP there; on Linux the two are one). */
    case ENOTSUP: return PAL_ENOSYS;
#endif
    default: return PAL_EOS;
    }
}

/* Errors of a call that sets a protection the caller chose (mprotect):
 * OpenBSD refuses write together with execute (W^X) with ENOTSUP, which is
 * the OS denying the access mode.  Elsewhere ENOTSUP means what
 * pal_posix_error says. */
static inline int pal_posix_prot_error(int e)
{
    if (e == ENOTSUP || e == EOPNOTSUPP)
        return PAL_EACCES;
    return pal_posix_error(e);
}

static inline void *pal_posix_mmap(void *v, size_t n, int prot, int flags)
{
    pal_os_count_call();
    return mmap(v, n, prot, flags, -1, 0);
}

static inline int pal_posix_munmap(void *v, size_t n)
{
    pal_os_count_call();
    return munmap(v, n);
}

static inline int pal_posix_mprotect(void *v, size_t n, int prot)
{
    pal_os_count_call();
    return mprotect(v, n, prot);
}

static inline int pal_posix_madvise(void *v, size_t n, int advice)
{
    pal_os_count_call();
    return madvise(v, n, advice);
}

static inline int pal_posix_mincore(const void *v, size_t n, unsigned char *vec)
{
#if defined(__OpenBSD__)
    /* OpenBSD removed mincore (its headers no longer declare it):
     * resident is PAL_ENOSYS there, as the feature probe finds. */
    (void)v;
    (void)n;
    (void)vec;
    errno = ENOSYS;
    return -1;
#else
    pal_os_count_call();
    /* the vector is char * on the BSDs, Darwin and AIX, unsigned char * on
     * Linux */
    return mincore((void *)(uintptr_t)v, n, (void *)vec);
#endif
}

/* PAL_PROT_* as PROT_*. */
static inline int pal_posix_prot(unsigned prot)
{
    int p = PROT_NONE;

    if (prot & PAL_PROT_READ)
        p |= PROT_READ;
    if (prot & PAL_PROT_WRITE)
        p |= PROT_WRITE;
    if (prot & PAL_PROT_EXEC)
        p |= PROT_EXEC;
    return p;
}

/* ---- set-up and features ---------------------------------------------- */

/* pal_os_init's page size: sysconf's, kept (os_page_size) and put in *ps.
 * PAL_EOS where sysconf gives none or one that is not a power of two. */
static inline int pal_posix_init_page_size(size_t *ps)
{
    long p;

    pal_os_count_call();
    p = sysconf(_SC_PAGESIZE);
    if (p <= 0 || (p & (p - 1)) != 0)
        return PAL_EOS;
    os_page_size_set((size_t)p);
    *ps = (size_t)p;
    return PAL_OK;
}

/* Two fresh read-write pages for the feature probes, or NULL (then probe
 * again next time).  Given back with pal_posix_scratch_free. */
static inline void *pal_posix_scratch(void)
{
    void *s = pal_posix_mmap(NULL, 2 * os_page_size(), PROT_RW, MAP_ANON_PRIVATE);

    return s == MAP_FAILED ? NULL : s;
}

static inline void pal_posix_scratch_free(void *scratch)
{
    pal_posix_munmap(scratch, 2 * os_page_size());
}

/* PAL_FEAT_RESIDENT where want has it and mincore sees, on the scratch
 * pages, a touched page as resident and an untouched one as not. */
static inline unsigned pal_posix_probe_resident(void *scratch, unsigned want)
{
    size_t page_size = os_page_size();
    unsigned char vec[2] = { 0xff, 0xff };

    if (!(want & PAL_FEAT_RESIDENT))
        return 0;
    ((volatile char *)scratch)[page_size] = 1;
    if (pal_posix_mincore(scratch, 2 * page_size, vec) != 0 ||
        (vec[0] & PAL_POSIX_INCORE) != 0 || (vec[1] & PAL_POSIX_INCORE) == 0)
        return 0;
    return PAL_FEAT_RESIDENT;
}

/* ---- transitions the backends make alike ------------------------------ */

/* reserve: a mapping without access (flags: the backend's kind of it). */
static inline int pal_posix_reserve(void *hint, size_t n, int flags, void **out)
{
    void *p = pal_posix_mmap(hint, n, PROT_NONE, flags);

    if (p == MAP_FAILED)
        return pal_posix_error(errno);
    *out = p;
    return PAL_OK;
}

/* alloc: a fresh read-write mapping. */
static inline int pal_posix_alloc(size_t n, void **out)
{
    void *p = pal_posix_mmap(NULL, n, PROT_RW, MAP_ANON_PRIVATE);

    if (p == MAP_FAILED)
        return pal_posix_error(errno);
    *out = p;
    return PAL_OK;
}

static inline int pal_posix_free(void *v, size_t n)
{
    return pal_posix_munmap(v, n) == 0 ? PAL_OK : pal_posix_error(errno);
}

/* used after an unused that took the access away (hard decommit): read
 * and write again.  Otherwise the pages come back when touched. */
static inline int pal_posix_used_access(void *v, size_t n, unsigned policy)
{
    if ((policy & PAL_POLICY_HARD_DECOMMIT) &&
        pal_posix_mprotect(v, n, PROT_RW) != 0)
        return pal_posix_error(errno);
    return PAL_OK;
}

/* protect; error reads mprotect's errno as the OS means it
 * (pal_posix_error, or pal_posix_prot_error where W^X answers ENOTSUP). */
static inline int pal_posix_protect(void *v, size_t n, unsigned prot, int (*error)(int))
{
    /* memory tagging and branch protection are arm64 Linux's only */
    if (prot & (PAL_PROT_MTE | PAL_PROT_BTI))
        return PAL_ENOSYS;
    if (pal_posix_mprotect(v, n, pal_posix_prot(prot)) != 0)
        return error(errno);
    return PAL_OK;
}

/* ---- placement without a kernel shortcut (BSD, AIX) ------------------- */

/* The address as a hint, checked after the fact: a mapping placed
 * elsewhere is undone and answered PAL_EEXIST.  That answer is right only
 * where the kernel takes a hint whose whole range is free, as Linux does
 * (outside a stack's guard gap).  Not every kernel does: NetBSD moves
 * hints out of the heap's way unless MAP_TRYFIXED is given, FreeBSD moves
 * them above the largest data segment, and OpenBSD may pick an address of
 * its own.  So the BSD backend first passes flags that ask for exact
 * placement where its headers have them (the check then costs nothing),
 * and uses a plain hint only without them, or to tell a taken range from a
 * lack of memory where such a flag answers ENOMEM for both. */
static inline int pal_posix_reserve_at_hint(void *addr, size_t n, int flags)
{
    void *p = pal_posix_mmap(addr, n, PROT_NONE, flags);

    if (p == MAP_FAILED)
        return pal_posix_error(errno);
    if (p != addr) {
        pal_posix_munmap(p, n);
        pal_os_count_fallback();
        return PAL_EEXIST;
    }
    return PAL_OK;
}

/* Reserve align - page more than asked and unmap the slop on either side
 * of the aligned part: nothing stays reserved beyond n.  For align above
 * the page size. */
static inline int pal_posix_reserve_trim(size_t n, size_t align,
                                         size_t page_size, int flags,
                                         void **out)
{
    size_t total = n + (align - page_size);
    uintptr_t base, start;
    void *p;

    if (total < n)
        return PAL_ENOMEM;
    p = pal_posix_mmap(NULL, total, PROT_NONE, flags);
    if (p == MAP_FAILED)
        return pal_posix_error(errno);
    base = (uintptr_t)p;
    start = pal_align_up(base, align);
    if (start > base)
        pal_posix_munmap(p, start - base);
    if (start + n < base + total)
        pal_posix_munmap((void *)(start + n), base + total - (start + n));
    *out = (void *)start;
    return PAL_OK;
}

/* ---- queries ---------------------------------------------------------- */

/* The resident bytes of [v, v+n) into *bytes: mincore in chunks through a
 * small stack vector (no allocation). */
static inline int pal_posix_resident(const void *v, size_t n, size_t *bytes)
{
    size_t page_size = os_page_size();
    unsigned char vec[256];
    const size_t chunk_max = sizeof vec * page_size;
    uintptr_t p = (uintptr_t)v;
    size_t total = 0, chunk, i;

    while (n > 0) {
        chunk = n < chunk_max ? n : chunk_max;
        if (pal_posix_mincore((const void *)p, chunk, vec) != 0)
            return pal_posix_error(errno);
        for (i = 0; i < chunk / page_size; i++)
            total += (vec[i] & PAL_POSIX_INCORE) != 0;
        p += chunk;
        n -= chunk;
    }
    *bytes = total * page_size;
    return PAL_OK;
}

#endif /* PAL_MEM_POSIX_H */
