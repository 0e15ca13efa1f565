/*
 * mem_bsd.c - the backend for FreeBSD, NetBSD, OpenBSD and DragonFly, after
 * the Go runtime's mem_bsd.go: mmap, munmap, mprotect, madvise and mincore
 * (not on OpenBSD, which removed it) from libc.
 *
 * What differs between the four is chosen by the flags their headers
 * define, not by the OS's name, so one unit serves all of them:
 *   MAP_GUARD (FreeBSD 11.2+)  reservations and faulted ranges are guards:
 *                              no VM object, no swap charge, any access
 *                              faults; mmap(MAP_FIXED) later replaces them
 *   MAP_EXCL (FreeBSD)         reserve_at with MAP_FIXED refuses a taken
 *                              range instead of replacing it
 *   __MAP_NOREPLACE (OpenBSD)  the same, with MAP_FIXED
 *   MAP_TRYFIXED (NetBSD, DragonFly)  reserve_at's address is used even
 *                              where the heap may grow; a taken range gets
 *                              another address (NetBSD) or fails (DragonFly)
 *   MAP_ALIGNED(n) (FreeBSD, NetBSD)  reserve_aligned in one call
 *   mimmutable (OpenBSD 7.3+)  seal
 *   shm_create_largepage (FreeBSD 13+: SHM_LARGEPAGE_ALLOC_DEFAULT)
 *                              explicit huge pages
 *   PROT_MPROTECT (NetBSD)     a hard decommit's mapping may be made
 *                              writable again under PaX MPROTECT
 * Without them: a plain hint checked after the fact (reserve_at) and an
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
#if defined(__FreeBSD__)
#include <sys/sysctl.h> /* vm.ndomains */
#include <fcntl.h>      /* O_RDWR for the largepage shm */
#endif
#include <errno.h>

#include "pal_os.h"
#include "posix/mem_posix.h"

#if defined(__OpenBSD__) && defined(OpenBSD) && OpenBSD >= 202304
#define HAVE_MIMMUTABLE 1
#endif

/* The flags that ask reserve_at's mmap for exactly its address, and
 * whether they promise that address or nothing (PAL_FEAT_FIXED_NOREPLACE):
 * NetBSD's MAP_TRYFIXED may still place elsewhere. */
#if defined(MAP_EXCL)
#define EXACT_FLAGS (MAP_FIXED | MAP_EXCL)
#define EXACT_NOREPLACE 1
#elif defined(__MAP_NOREPLACE)
#define EXACT_FLAGS (MAP_FIXED | __MAP_NOREPLACE)
#define EXACT_NOREPLACE 1
#elif defined(MAP_TRYFIXED)
#define EXACT_FLAGS MAP_TRYFIXED
#define EXACT_NOREPLACE 0
#endif

/* NetBSD's PaX MPROTECT (on by default) refuses to mprotect a mapping to
 * any access it was not created with, unless mmap raised that ceiling
 * with PROT_MPROTECT.  Of the PROT_NONE mappings made here, only a hard
 * decommit's is later made writable by mprotect (used); reservations and
 * faulted ranges are replaced by a new mapping (map), and guard and
 * protect change mappings created read-write.  Where the headers have no
 * PROT_MPROTECT there is no such ceiling. */
#ifdef PROT_MPROTECT
#define PROT_NONE_UNTIL_USED (PROT_NONE | PROT_MPROTECT(PROT_READ | PROT_WRITE))
#else
#define PROT_NONE_UNTIL_USED PROT_NONE
#endif

static size_t huge_page_size_word;

#if defined(SHM_LARGEPAGE_ALLOC_DEFAULT)
#define HAVE_LARGEPAGE_SHM 1
/* getpagesizes' answer at init: [0] the base page, then the superpage
 * sizes, each a size a largepage shm object can be made of (its index
 * is the object's psind). */
#define MAX_PAGE_SIZES 4
static size_t page_sizes_word[MAX_PAGE_SIZES];
static unsigned page_sizes_count;
#endif

#if defined(__FreeBSD__)
/* vm.ndomains, learnt on first use: 0 unknown. */
static unsigned numa_nodes_word;
#endif

static inline size_t os_huge_page_size(void)
{
    return __atomic_load_n(&huge_page_size_word, __ATOMIC_RELAXED);
}

/* 1 while MADV_FREE is taken; 0 once it was refused (an old kernel, or a
 * libc header newer than the kernel): then unused remaps instead. */
static int madv_free_works = 1;

/* PAL_FEAT_* bits, each probed on first use. */
static struct pal_os_feature_cache feats;

/* ---- set-up ----------------------------------------------------------- */

int pal_os_init(size_t *ps, size_t *hps)
{
    size_t h = 0;
    int err = pal_posix_init_page_size(ps);

    if (err != PAL_OK)
        return err;
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
#ifdef HAVE_LARGEPAGE_SHM
        {
            unsigned i;

            for (i = 0; k > 0 && i < (unsigned)k && i < MAX_PAGE_SIZES; i++)
                __atomic_store_n(&page_sizes_word[i], sizes[i], __ATOMIC_RELAXED);
            __atomic_store_n(&page_sizes_count, i, __ATOMIC_RELEASE);
        }
#endif
    }
#endif
    __atomic_store_n(&huge_page_size_word, h, __ATOMIC_RELAXED);
    *hps = h;
    return PAL_OK;
}

/* ---- features --------------------------------------------------------- */

static unsigned probe(unsigned want)
{
    /* Release at once is a fresh mapping, which always works. */
    unsigned have = PAL_FEAT_MADV_DONTNEED;
    void *s;

    want = pal_os_unprobed(&feats, want);
    if (want == 0)
        return pal_os_have(&feats);
    if (os_huge_page_size() != 0)
        have |= PAL_FEAT_THP;
#if defined(EXACT_FLAGS) && EXACT_NOREPLACE
    have |= PAL_FEAT_FIXED_NOREPLACE;
#endif
#ifdef HAVE_MIMMUTABLE
    have |= PAL_FEAT_SEAL;
#endif
    if (want & (PAL_FEAT_RESIDENT | PAL_FEAT_MADV_FREE)) {
        s = pal_posix_scratch();
        if (s == NULL) /* probe again next time */
            return pal_os_have(&feats);
        have |= pal_posix_probe_resident(s, want);
        if ((want & PAL_FEAT_MADV_FREE) &&
            pal_posix_madvise(s, os_page_size(), MADV_FREE) == 0)
            have |= PAL_FEAT_MADV_FREE;
        pal_posix_scratch_free(s);
    }
    return pal_os_probed(&feats, want, have);
}

unsigned pal_os_features(void)
{
    return probe(~0u) | PAL_FEAT_PROTECT;
}

/* ---- release ---------------------------------------------------------- */

static int reserve_flags(void)
{
#ifdef MAP_GUARD
    return MAP_GUARD;
#else
    return MAP_ANON_PRIVATE;
#endif
}

/* Back to Reserved: a guard where there are guards, else PROT_NONE memory
 * with no pages behind it (Go's sysFaultOS). */
static int unmap_to_reserved(void *v, size_t n)
{
    if (pal_posix_mmap(v, n, PROT_NONE, reserve_flags() | MAP_FIXED) == MAP_FAILED)
        return pal_posix_error(errno);
    return PAL_OK;
}

/* A fresh anonymous mapping over [v, v+n): the old pages go back at once
 * and the range reads zero.  If it fails, the old mapping may be gone
 * already (FreeBSD's vm_map_fixed deletes, then inserts; the other BSDs
 * and Linux before 6.12 also unmap first): a reservation is put back, so
 * that the range is not left free for the next mmap, anyone's, to take
 * and a later map or free of the caller's to clobber. */
static int remap(void *v, size_t n, int prot)
{
    int err;

    if (pal_posix_mmap(v, n, prot, MAP_ANON_PRIVATE | MAP_FIXED) != MAP_FAILED)
        return PAL_OK;
    err = pal_posix_error(errno);
    (void)unmap_to_reserved(v, n);
    return err;
}

int pal_os_unused_zeroes(unsigned policy)
{
    if (policy & (PAL_POLICY_DONTNEED | PAL_POLICY_HARD_DECOMMIT))
        return 1;
    /* MADV_FREE leaves the contents until the kernel wants the pages */
    return !__atomic_load_n(&madv_free_works, __ATOMIC_RELAXED);
}

/* ---- transitions ------------------------------------------------------ */

int pal_os_reserve(void *hint, size_t n, void **out)
{
    return pal_posix_reserve(hint, n, reserve_flags(), out);
}

int pal_os_reserve_at(void *addr, size_t n)
{
#ifdef EXACT_FLAGS
    /* A taken range is ENOMEM with MAP_EXCL (KERN_NO_SPACE in FreeBSD's
     * kernel), with __MAP_NOREPLACE (OpenBSD; EEXIST is taken too) and with
     * DragonFly's MAP_TRYFIXED; NetBSD's MAP_TRYFIXED places elsewhere,
     * which the check undoes.  But ENOMEM is also out of memory or over
     * RLIMIT_VMEM: a plain hint tells the two apart (a taken range gets
     * another address, a lack of memory fails again). */
    int err = pal_posix_reserve_at_hint(addr, n, reserve_flags() | EXACT_FLAGS);

    if (err != PAL_ENOMEM)
        return err;
#endif
    return pal_posix_reserve_at_hint(addr, n, reserve_flags());
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
    if (align == os_page_size())
        return pal_os_reserve(NULL, n, out);
#ifdef MAP_ALIGNED
    {
        /* The kernel finds an aligned range itself: nothing to trim. */
        void *p = pal_posix_mmap(NULL, n, PROT_NONE,
                                 reserve_flags() | MAP_ALIGNED(log2_of(align)));

        if (p != MAP_FAILED) {
            *out = p;
            return PAL_OK;
        }
        if (errno != EINVAL) /* EINVAL: an alignment this kernel does not do */
            return pal_posix_error(errno);
    }
#endif
    /* No aligned mmap here, or none for this alignment. */
    pal_os_count_fallback();
    return pal_posix_reserve_trim(n, align, os_page_size(), reserve_flags(), out);
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
    return pal_posix_used_access(v, n, policy);
}

int pal_os_unused(void *v, size_t n, unsigned policy)
{
    /* Hard decommit: one fresh PROT_NONE mapping both releases the pages
     * and takes the access away; used gives it back with mprotect. */
    if (policy & PAL_POLICY_HARD_DECOMMIT)
        return remap(v, n, PROT_NONE_UNTIL_USED);
    if (!(policy & PAL_POLICY_DONTNEED) &&
        __atomic_load_n(&madv_free_works, __ATOMIC_RELAXED)) {
        if (pal_posix_madvise(v, n, MADV_FREE) == 0)
            return PAL_OK;
        if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
            return pal_posix_error(errno);
        __atomic_store_n(&madv_free_works, 0, __ATOMIC_RELAXED);
    }
    if (!(policy & PAL_POLICY_DONTNEED))
        pal_os_count_fallback();
    return remap(v, n, PROT_RW);
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

int pal_os_fault(void *v, size_t n)
{
    return unmap_to_reserved(v, n);
}

/* OpenBSD's W^X refuses with ENOTSUP (pal_posix_prot_error). */
int pal_os_protect(void *v, size_t n, unsigned prot)
{
    return pal_posix_protect(v, n, prot, pal_posix_prot_error);
}

/* ---- hints: superpages, where there are any, need no advice ----------- */

/* FreeBSD promotes to superpages wherever they fit (vm.pmap.pg_ps_enabled)
 * and takes no advice about them; the other BSDs have none. */
PAL_OS_NO_THP_ADVICE()

/* ---- guard regions, sealing, names, residency -------------------------- */

/* FreeBSD: a guard in place of the pages (freed, and no object behind the
 * range); elsewhere PROT_NONE.  Either is one more map entry, so this is
 * not PAL_FEAT_GUARD. */
int pal_os_guard(void *v, size_t n)
{
#ifdef MAP_GUARD
    return unmap_to_reserved(v, n);
#else
    if (pal_posix_mprotect(v, n, PROT_NONE) != 0)
        return pal_posix_error(errno);
    return PAL_OK;
#endif
}

#ifdef HAVE_MIMMUTABLE
/* OpenBSD: no later mmap, munmap or mprotect of the range succeeds (EPERM). */
int pal_os_seal(void *v, size_t n)
{
    pal_os_count_call();
    return mimmutable(v, n) == 0 ? PAL_OK : pal_posix_error(errno);
}
#else
/* Before OpenBSD 7.3, and on the other BSDs, nothing seals a range. */
PAL_OS_NO_SEAL()
#endif

/* None of the BSDs names anonymous mappings. */
PAL_OS_NO_NAMES()

int pal_os_resident(const void *v, size_t n, size_t *bytes)
{
    if ((probe(PAL_FEAT_RESIDENT) & PAL_FEAT_RESIDENT) == 0)
        return PAL_ENOSYS;
    return pal_posix_resident(v, n, bytes);
}

/* ---- batched release, purge, prefault, huge pages, NUMA ---------------- */

/* Purge keeps the mapping, so no fresh one (which would take the access,
 * and where swap is accounted, the charge, and could be refused): only
 * madvise.  The BSDs have no advice that zeroes and keeps the mapping
 * (MADV_DONTNEED keeps the contents), so ZERO writes zeros, a counted
 * fallback, then advises MADV_FREE: the pages read zero whether the kernel
 * takes them or not, and it may take them.  LAZY is MADV_FREE, or where
 * that is refused nothing (counted): old contents are what LAZY allows.
 * The zeros need the range writable. */
int pal_os_purge(void *v, size_t n, unsigned how, unsigned policy)
{
    (void)policy;
    if (how == PAL_PURGE_ZERO) {
        pal_os_count_fallback();
        pal_os_write_zeros(v, n);
    }
    if (__atomic_load_n(&madv_free_works, __ATOMIC_RELAXED)) {
        if (pal_posix_madvise(v, n, MADV_FREE) == 0)
            return PAL_OK;
        /* locked pages (EINVAL on Linux) or a refused advice: neither
         * breaks a promise, the pages merely stay */
        if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
            return pal_posix_error(errno);
    }
    if (how == PAL_PURGE_LAZY)
        pal_os_count_fallback();
    return PAL_OK;
}

/* mmap and madvise take one range per call. */
PAL_OS_RANGES_ONE_BY_ONE()

/* No prefault call here. */
PAL_OS_POPULATE_BY_TOUCH()

#ifdef HAVE_LARGEPAGE_SHM
/* FreeBSD 13's largepage shm objects: anonymous memory backed by
 * superpages of one size (no fallback to small pages), which it
 * allocates when the object is sized, so that a short supply is ENOMEM
 * from ftruncate, never a fault later.  SHM_LARGEPAGE_ALLOC_DEFAULT lets
 * the kernel reclaim and retry a while before it says so.  The mapping is
 * MAP_SHARED (FreeBSD maps these objects no other way): a child forked
 * later shares the pages instead of copying them. */
size_t pal_os_huge_page_sizes(size_t *sizes, size_t max)
{
    unsigned count = __atomic_load_n(&page_sizes_count, __ATOMIC_ACQUIRE), i;

    if (count <= 1)
        return 0;
    for (i = 1; i < count && i - 1 < max; i++)
        sizes[i - 1] = __atomic_load_n(&page_sizes_word[i], __ATOMIC_RELAXED);
    return count - 1;
}

int pal_os_alloc_huge(size_t n, size_t page, void **out)
{
    unsigned count = __atomic_load_n(&page_sizes_count, __ATOMIC_ACQUIRE), psind;
    int fd, err;
    void *p;

    for (psind = 1; psind < count &&
                    __atomic_load_n(&page_sizes_word[psind], __ATOMIC_RELAXED) != page;
         psind++)
        ;
    if (psind == count)
        return PAL_EINVAL;
    pal_os_count_call();
    fd = shm_create_largepage(SHM_ANON, O_CREAT | O_RDWR, (int)psind,
                              SHM_LARGEPAGE_ALLOC_DEFAULT, 0600);
    if (fd < 0)
        /* EINVAL/ENOTTY: no largepage objects of that size here */
        return errno == ENOMEM ? PAL_ENOMEM : errno == EPERM ? PAL_EPERM : PAL_ENOSYS;
    pal_os_count_call();
    if (ftruncate(fd, (off_t)n) != 0) {
        err = errno;
        pal_os_count_call();
        close(fd);
        return err == EINVAL ? PAL_ENOSYS : pal_posix_error(err);
    }
    pal_os_count_call();
    p = mmap(NULL, n, PROT_RW, MAP_SHARED, fd, 0);
    err = errno;
    pal_os_count_call();
    close(fd); /* the mapping holds the object */
    if (p == MAP_FAILED)
        return pal_posix_error(err);
    *out = p;
    return PAL_OK;
}
#else
/* No explicit huge pages: the other BSDs have none, and FreeBSD before 13
 * only transparent superpages. */
PAL_OS_NO_HUGE_PAGES()
#endif

#if defined(__FreeBSD__)
/* FreeBSD's memory domains (vm.ndomains, 12+). */
unsigned pal_os_numa_nodes(void)
{
    unsigned nodes = __atomic_load_n(&numa_nodes_word, __ATOMIC_RELAXED);
    int k = 0;
    size_t len = sizeof k;

    if (nodes == 0) {
        pal_os_count_call();
        nodes = sysctlbyname("vm.ndomains", &k, &len, NULL, 0) == 0 && k > 0 ? (unsigned)k : 1;
        __atomic_store_n(&numa_nodes_word, nodes, __ATOMIC_RELAXED);
    }
    return nodes;
}
#else
/* NetBSD, OpenBSD and DragonFly show no NUMA nodes to processes. */
unsigned pal_os_numa_nodes(void)
{
    return 1;
}
#endif

/* One node is node 0; with more, no BSD says which node the running CPU
 * belongs to in one call. */
int pal_os_current_node(unsigned *node)
{
    if (pal_os_numa_nodes() > 1)
        return PAL_ENOSYS;
    *node = 0;
    return PAL_OK;
}

/* FreeBSD places memory by domainset policies of threads, processes and
 * VM objects (cpuset_setdomain), never of an address range: a range that
 * exists cannot be bound. */
PAL_OS_NO_BIND_NODE()

/* ---- acquire, core dumps, facts --------------------------------------- */

/* reserve, map, used and protect one after the other (pal_os.h): no BSD
 * mmap flag says both "exactly here" and "without replacing" on all four,
 * and MAP_NORESERVE is gone (FreeBSD 11) or was never there, so nothing
 * would be saved by one call of its own for the plain case. */
int pal_os_acquire(const struct pal_mem_spec *spec, unsigned policy, void **out)
{
    return pal_os_acquire_steps(spec, policy, os_page_size(), out);
}

#if defined(MADV_NOCORE) && defined(MADV_CORE)
/* FreeBSD and DragonFly: MADV_NOCORE and MADV_CORE. */
int pal_os_dump(void *v, size_t n, int include)
{
    if (pal_posix_madvise(v, n, include ? MADV_CORE : MADV_NOCORE) != 0)
        return pal_posix_error(errno);
    return PAL_OK;
}
#else
/* NetBSD and OpenBSD have no advice for core files. */
PAL_OS_NO_DUMP_CHOICE()
#endif

/* No write tracking: mincore's MINCORE_MODIFIED (FreeBSD) is the pmap's
 * modified bit, which only the pageout daemon clears, so a write after a
 * report cannot be told from one before it; NetBSD and OpenBSD have
 * nothing.  Only mprotect and a SIGSEGV handler remain: the caller's
 * barrier. */
PAL_OS_NO_WRITE_TRACKING()

/* Superpages, where there are any, are used wherever they fit, unasked
 * (FreeBSD's vm.pmap.pg_ps_enabled); the overcommit setting is not read
 * (FreeBSD's vm.overcommit, NetBSD's none), and no-reserve has no flag. */
void pal_os_info(struct pal_mem_info *out)
{
    if (os_huge_page_size() != 0)
        out->thp = PAL_THP_ALWAYS;
}
