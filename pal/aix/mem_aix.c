/*
 * mem_aix.c - the AIX backend, after the Go runtime's mem_aix.go: mmap,
 * munmap, mprotect, madvise and mincore from libc.
 *
 * AIX will not mmap(MAP_FIXED) over a range that is already mapped, so
 * nothing here does: reserve makes a PROT_NONE mapping, and every later
 * change of access to it is an mprotect (map and used make it read-write,
 * fault and hard decommit take the access away again).  Pages go back
 * (unused, and fault) with disclaim64(DISCLAIM_ZEROMEM), which frees them
 * and leaves zeroes but needs write access to the range.  AIX's madvise is
 * no way to do that: it is accepted and does nothing ("supported for
 * compatibility only").  Exact placement is a hint checked after the
 * fact: AIX has nothing like MAP_FIXED_NOREPLACE.
 *
 * These calls exist on Linux too, but disclaim does not: a build with
 * PAL_BACKEND=aix on Linux releases with madvise(MADV_DONTNEED) instead,
 * which does free the pages there, and runs this file through the test
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
#include <stdlib.h> /* getenv: PSALLOC */

#include "pal_os.h"
#include "posix/mem_posix.h"

/* PAL_FEAT_* bits, each probed on first use. */
static struct pal_os_feature_cache feats;

#if !defined(DISCLAIM_ZEROMEM)
/* Whether pages released with MADV_DONTNEED read back as zero here:
 * 0 unknown, 1 yes, 2 no.  Probed once, on a scratch page. */
static int dontneed_zeroes;
#endif

/* ---- set-up ----------------------------------------------------------- */

int pal_os_init(size_t *ps, size_t *hps)
{
    /* AIX's large (16 MiB) pages are set up per process, not transparent. */
    *hps = 0;
    return pal_posix_init_page_size(ps);
}

/* ---- features --------------------------------------------------------- */

static int release(void *v, size_t n);

static unsigned probe(unsigned want)
{
    unsigned have = 0;
    void *s;

    want = pal_os_unprobed(&feats, want);
    if (want == 0)
        return pal_os_have(&feats);
    if (want & (PAL_FEAT_RESIDENT | PAL_FEAT_MADV_DONTNEED)) {
        s = pal_posix_scratch();
        if (s == NULL) /* probe again next time */
            return pal_os_have(&feats);
        have |= pal_posix_probe_resident(s, want);
        /* immediate release is whatever release() uses, not madvise,
         * which AIX accepts and ignores */
        if ((want & PAL_FEAT_MADV_DONTNEED) && release(s, os_page_size()) == PAL_OK)
            have |= PAL_FEAT_MADV_DONTNEED;
        pal_posix_scratch_free(s);
    }
    return pal_os_probed(&feats, want, have);
}

unsigned pal_os_features(void)
{
    return probe(~0u) | PAL_FEAT_PROTECT;
}

/* ---- release ---------------------------------------------------------- */

#if !defined(DISCLAIM_ZEROMEM)
/* Once: write a scratch page, advise MADV_DONTNEED, read it back (where
 * disclaim64 is there, it zeroes by definition and this is not needed). */
static int dontneed_gives_zeroes(void)
{
    int z = __atomic_load_n(&dontneed_zeroes, __ATOMIC_RELAXED);
    volatile char *m;

    if (z == 0) {
        m = pal_posix_mmap(NULL, os_page_size(), PROT_RW, MAP_ANON_PRIVATE);
        if (m == MAP_FAILED)
            return 0; /* cannot tell now; ask again next time */
        *m = 1;
        z = pal_posix_madvise((void *)m, os_page_size(), MADV_DONTNEED) == 0 &&
            *m == 0 ? 1 : 2;
        pal_posix_munmap((void *)m, os_page_size());
        __atomic_store_n(&dontneed_zeroes, z, __ATOMIC_RELAXED);
    }
    return z == 1;
}
#endif

/* Give the pages of [v, v+n) back: they read zero when next touched.
 * disclaim needs the range writable; the stand-in's madvise does not. */
static int release(void *v, size_t n)
{
#if defined(DISCLAIM_ZEROMEM)
    pal_os_count_call();
    if (disclaim64(v, n, DISCLAIM_ZEROMEM) != 0)
        return pal_posix_error(errno);
    return PAL_OK;
#else
    if (pal_posix_madvise(v, n, MADV_DONTNEED) != 0)
        return pal_posix_error(errno);
    return PAL_OK;
#endif
}

#if defined(DISCLAIM_ZEROMEM)
/* release() of a range that may be without access (faulted, or Prepared
 * under hard decommit): write access for disclaim, then none again.  The
 * access goes also when disclaim fails: what hard decommit and fault are
 * for is that such memory faults, and a call that could not release it
 * must not leave it usable with its old contents. */
static int release_to_none(void *v, size_t n)
{
    int err;

    if (pal_posix_mprotect(v, n, PROT_RW) != 0)
        return pal_posix_error(errno);
    err = release(v, n);
    if (pal_posix_mprotect(v, n, PROT_NONE) != 0 && err == PAL_OK)
        err = pal_posix_error(errno);
    return err;
}
#endif

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
    return pal_posix_reserve(hint, n, MAP_ANON_PRIVATE, out);
}

/* AIX has nothing like MAP_FIXED_NOREPLACE: the address is a hint. */
int pal_os_reserve_at(void *addr, size_t n)
{
    return pal_posix_reserve_at_hint(addr, n, MAP_ANON_PRIVATE);
}

/* Nor an aligned mmap: an over-reservation, trimmed. */
int pal_os_reserve_aligned(size_t n, size_t align, void **out)
{
    if (align == os_page_size())
        return pal_os_reserve(NULL, n, out);
    return pal_posix_reserve_trim(n, align, os_page_size(), MAP_ANON_PRIVATE, out);
}

/* mprotect, not a new mapping: AIX refuses MAP_FIXED over the reservation. */
int pal_os_map(void *v, size_t n, unsigned policy)
{
    (void)policy;
    if (pal_posix_mprotect(v, n, PROT_RW) != 0)
        return pal_posix_error(errno);
    return PAL_OK;
}

int pal_os_used(void *v, size_t n, unsigned policy)
{
    return pal_posix_used_access(v, n, policy);
}

/* Every policy releases at once: AIX has no lazy release (no MADV_FREE). */
int pal_os_unused(void *v, size_t n, unsigned policy)
{
    int err;

#if defined(DISCLAIM_ZEROMEM)
    /* Under hard decommit a Prepared part of the range is PROT_NONE. */
    if (policy & PAL_POLICY_HARD_DECOMMIT)
        return release_to_none(v, n);
#endif
    err = release(v, n);
    if (err != PAL_OK)
        return err;
    if ((policy & PAL_POLICY_HARD_DECOMMIT) &&
        pal_posix_mprotect(v, n, PROT_NONE) != 0)
        return pal_posix_error(errno);
    return PAL_OK;
}

int pal_os_alloc(size_t n, unsigned policy, void **out)
{
    (void)policy;
    return pal_posix_alloc(n, out);
}

int pal_os_free(void *v, size_t n)
{
    return pal_posix_free(v, n);
}

/* No access, and the pages go back: after fault, map and used the range
 * must read zero. */
int pal_os_fault(void *v, size_t n)
{
#if defined(DISCLAIM_ZEROMEM)
    return release_to_none(v, n);
#else
    /* Linux's madvise works on PROT_NONE memory: access first */
    if (pal_posix_mprotect(v, n, PROT_NONE) != 0)
        return pal_posix_error(errno);
    return release(v, n);
#endif
}

int pal_os_protect(void *v, size_t n, unsigned prot)
{
    return pal_posix_protect(v, n, prot, pal_posix_error);
}

/* ---- hints: no transparent huge pages --------------------------------- */

/* AIX's large pages come only when asked for, by a program's loader
 * settings or through shmget (below): none are transparent. */
PAL_OS_NO_THP_ADVICE()

/* ---- guard regions, sealing, names, residency -------------------------- */

int pal_os_guard(void *v, size_t n)
{
    if (pal_posix_mprotect(v, n, PROT_NONE) != 0)
        return pal_posix_error(errno);
    return PAL_OK;
}

/* AIX has no call that seals a mapping or names one. */
PAL_OS_NO_SEAL()
PAL_OS_NO_NAMES()

int pal_os_resident(const void *v, size_t n, size_t *bytes)
{
    if ((probe(PAL_FEAT_RESIDENT) & PAL_FEAT_RESIDENT) == 0)
        return PAL_ENOSYS;
    return pal_posix_resident(v, n, bytes);
}

/* ---- batched release, purge, prefault, huge pages, NUMA ---------------- */

/* AIX has no lazy release, and disclaim64(DISCLAIM_ZEROMEM) frees the
 * pages, leaves zeros and keeps the mapping and its access: both ZERO and
 * LAZY (which allows zeros) are release().  It needs the range writable.
 * The Linux stand-in's MADV_DONTNEED, where it keeps the contents
 * (qemu-user before 7.1), is replaced by written zeros for ZERO, a
 * counted fallback; LAZY is then content with it. */
int pal_os_purge(void *v, size_t n, unsigned how, unsigned policy)
{
    (void)policy;
#if !defined(DISCLAIM_ZEROMEM)
    if (how == PAL_PURGE_ZERO && !dontneed_gives_zeroes()) {
        pal_os_count_fallback();
        pal_os_write_zeros(v, n);
        return PAL_OK;
    }
#else
    (void)how;
#endif
    return release(v, n);
}

/* disclaim64 takes one range per call. */
PAL_OS_RANGES_ONE_BY_ONE()

/* No prefault call here. */
PAL_OS_POPULATE_BY_TOUCH()

/* AIX's large pages (16 MiB, 16 GiB) come only through shmget with
 * SHM_LGPAGE | SHM_PIN and a privilege (CAP_BYPASS_RAC_VMM), or for a
 * whole program's data by its loader settings; mmap cannot ask for them.
 * Not offered here. */
PAL_OS_NO_HUGE_PAGES()

/* AIX's memory domains (SRADs, through the rset calls) are not used by
 * this backend: one node, node 0, and nothing to bind to. */
PAL_OS_ONE_NODE()

/* ---- acquire, core dumps, facts --------------------------------------- */

/* reserve, then the mprotects of map and used (AIX maps nothing over a
 * mapping), one after the other (pal_os.h). */
int pal_os_acquire(const struct pal_mem_spec *spec, unsigned policy, void **out)
{
    return pal_os_acquire_steps(spec, policy, os_page_size(), out);
}

/* AIX's madvise accepts and ignores advice; there is none for core files. */
PAL_OS_NO_DUMP_CHOICE()

/* No write tracking: AIX gives a process no way to read or clear the
 * modified bits of its pages (no pagemap, no write watch), and the one way
 * left, mprotect and a SIGSEGV handler, is the caller's barrier. */
PAL_OS_NO_WRITE_TRACKING()

/* Paging space is allocated early (charged at mmap, STRICT) when the
 * environment says PSALLOC=early, else late, when touched, which is read
 * as nothing known; no transparent huge pages, no no-reserve flag. */
void pal_os_info(struct pal_mem_info *out)
{
    const char *ps = getenv("PSALLOC");

    if (ps != NULL && ps[0] == 'e' && ps[1] == 'a' && ps[2] == 'r' && ps[3] == 'l' &&
        ps[4] == 'y' && ps[5] == '\0')
        out->overcommit = PAL_OVERCOMMIT_STRICT;
}
