/*
 * mem_linux.c - the Linux backend: the commit logic of the Go runtime's
 * mem_linux.go, with no libc.  System calls go through sys_linux.h; nothing
 * here depends on the architecture.
 *
 * State is a handful of words changed with atomics: the sizes learnt at
 * init, what unused advises (downgraded once, never upgraded), and the
 * feature bits probed so far.  Racing threads may probe twice; both reach
 * the same answer.  No locks, no allocation: async-signal-safe.
 */
#include "sys_linux.h"

#define PROT_RW (LX_PROT_READ | LX_PROT_WRITE)
#define MAP_ANON_PRIVATE (LX_MAP_PRIVATE | LX_MAP_ANONYMOUS)

static size_t page_size;
static size_t huge_page_size;

/* What unused advises, as Go's adviseUnused: MADV_FREE until a kernel older
 * than 4.5 refuses it (EINVAL), MADV_DONTNEED until madvise itself is
 * missing (ENOSYS: CONFIG_ADVISE_SYSCALLS=n, or a sandbox), then a fresh
 * mapping.  Never upgraded. */
#define ADVISE_MMAP 0
static long advise_unused = LX_MADV_FREE;

/* Feature bits: known = probed, have = probed and present. */
static unsigned feat_known;
static unsigned feat_have;

/* vm.overcommit_memory, read on the first unused or used: 0 unknown,
 * 1 heuristic or always, 2 strict ("never": mode 2). */
static int commit_mode;
#define COMMIT_STRICT 2

/* Whether MADV_DONTNEED gives back zero-filled pages here (qemu-user before
 * 7.1 returned success and kept the contents).  0 unknown, 1 yes, 2 no. */
static int dontneed_zeroes;

/* ---- set-up ----------------------------------------------------------- */

/* Read a small procfs or sysfs file into buf (NUL-terminated); the
 * length, or -1.  Those files come whole in one read, so a short read is
 * the end: no further read just to be told so. */
static long read_file(const char *path, char *buf, size_t size)
{
    long fd = pal_sys_openat(LX_AT_FDCWD, path, LX_O_RDONLY | LX_O_CLOEXEC);
    long got = 0, r;
    size_t want;

    if (pal_sys_failed(fd))
        return -1;
    while ((size_t)got < size - 1) {
        want = size - 1 - (size_t)got;
        r = pal_sys_read(fd, buf + got, want);
        if (r == -LX_EINTR)
            continue;
        if (pal_sys_failed(r) || r == 0)
            break;
        got += r;
        if ((size_t)r < want)
            break;
    }
    pal_sys_close(fd);
    buf[got] = '\0';
    return got;
}

/* AT_PAGESZ from the auxiliary vector the kernel gave this process. */
static size_t page_size_from_auxv(void)
{
    unsigned long auxv[64]; /* pairs; AT_PAGESZ comes early */
    long got = read_file("/proc/self/auxv", (char *)auxv, sizeof auxv);
    long i;

    /* no division: 32-bit arm has no divide instruction and would call
     * libgcc's __aeabi_idiv */
    for (i = 0; (i + 2) * (long)sizeof auxv[0] <= got; i += 2) {
        if (auxv[i] == 0)
            break;
        if (auxv[i] == LX_AT_PAGESZ)
            return auxv[i + 1];
    }
    return 0;
}

/* Without /proc (chroots, early boot): the kernel refuses a range that does
 * not start on a page boundary, so inside a region it returned (which does),
 * the smallest power of two k >= 4 KiB at which mprotect(base + k) succeeds
 * is the page size.  Up to 1 MiB pages (hexagon's largest is 256 KiB). */
static size_t page_size_by_probing(void)
{
    const size_t max = (size_t)1 << 20;
    long base = pal_sys_mmap(0, 2 * max, LX_PROT_NONE, MAP_ANON_PRIVATE, -1, 0);
    size_t k, found = 0;

    if (pal_sys_failed(base))
        return 0;
    for (k = 4096; k <= max && found == 0; k *= 2)
        if (pal_sys_mprotect((char *)base + k, k, LX_PROT_NONE) == 0)
            found = k;
    pal_sys_munmap((void *)base, 2 * max);
    return found;
}

static size_t parse_size(const char *s)
{
    size_t v = 0;

    while (*s >= '0' && *s <= '9')
        v = v * 10 + (size_t)(*s++ - '0');
    return v;
}

/* The PMD huge page size, or 0 when THP is absent or set to "never"
 * (the bracketed word in .../enabled is the mode in force). */
static size_t thp_size(void)
{
    char buf[128];
    const char *p;

    if (read_file("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof buf) <= 0)
        return 0;
    for (p = buf; *p != '\0' && *p != '['; p++)
        ;
    if (p[0] == '[' && p[1] == 'n' && p[2] == 'e')
        return 0;
    if (read_file("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", buf, sizeof buf) <= 0)
        return 0;
    return parse_size(buf);
}

int pal_os_init(size_t *ps, size_t *hps)
{
    size_t p = page_size_from_auxv();

    if (p == 0)
        p = page_size_by_probing();
    if (p == 0 || (p & (p - 1)) != 0)
        return PAL_EOS;
    __atomic_store_n(&page_size, p, __ATOMIC_RELAXED);
    __atomic_store_n(&huge_page_size, thp_size(), __ATOMIC_RELAXED);
    *ps = p;
    *hps = huge_page_size;
    return PAL_OK;
}

/* ---- feature probes, on scratch mappings, never on the caller's -------- */

static int probe_madvise(void *scratch, long advice)
{
    return pal_sys_madvise(scratch, page_size, advice) == 0;
}

static int probe_fixed_noreplace(void *scratch)
{
    long r = pal_sys_mmap(scratch, page_size, LX_PROT_NONE,
                          MAP_ANON_PRIVATE | LX_MAP_FIXED_NOREPLACE, -1, 0);

    if (r == -LX_EEXIST)
        return 1;
    /* Before 4.17 the flag is ignored and the address is a hint: the
     * kernel put the mapping somewhere else. */
    if (!pal_sys_failed(r))
        pal_sys_munmap((void *)r, page_size);
    return 0;
}

/* Installing a guard discards what the page held, so a written page reads
 * back zero once the guard is removed again.  qemu-user (7.2) answers 0 to
 * advice it does not know and installs nothing: a guard that does not
 * fault must not be reported as one. */
static int probe_guard(void *scratch)
{
    *(volatile char *)scratch = 1;
    return probe_madvise(scratch, LX_MADV_GUARD_INSTALL) &&
           probe_madvise(scratch, LX_MADV_GUARD_REMOVE) &&
           *(volatile char *)scratch == 0;
}

static int probe_vma_name(void *scratch)
{
    return pal_sys_prctl(LX_PR_SET_VMA, LX_PR_SET_VMA_ANON_NAME, (long)scratch,
                         (long)page_size, (long)"pal-probe") == 0;
}

/* MADV_COLLAPSE refuses (EINVAL) a VMA that could not hold an aligned huge
 * page, or that was never touched (no anon_vma yet), so the scratch VMA
 * spans two huge pages and its first page is written.  The advised range
 * is one page at a huge-page boundary, holding no whole huge page: 0
 * (nothing to do) where collapse exists, EINVAL (unknown advice) where it
 * does not.  Nothing is collapsed. */
static int probe_collapse(void)
{
    long m = pal_sys_mmap(0, 2 * huge_page_size, PROT_RW, MAP_ANON_PRIVATE, -1, 0);
    uintptr_t boundary;
    int ok;

    if (pal_sys_failed(m))
        return 0;
    *(volatile char *)m = 1;
    boundary = pal_align_up((uintptr_t)m + 1, huge_page_size);
    ok = probe_madvise((void *)boundary, LX_MADV_COLLAPSE);
    pal_sys_munmap((void *)m, 2 * huge_page_size);
    return ok;
}

/* mseal(0, 0, 0) is a successful no-op where mseal exists (6.10+, 64-bit
 * only), ENOSYS elsewhere: no mapping needs to be sealed forever to know. */
static int probe_seal(void)
{
    return pal_sys_mseal(0, 0, 0) == 0;
}

/* mincore must see a touched page as resident and an untouched one as not,
 * in that order: under qemu-user with a guest page size bigger than the
 * host's, the vector is in host pages and this fails.  It is also that
 * long there (qemu-loongarch64: 16 KiB pages, 8 entries), so the vector
 * has room for 4 KiB units. */
static int probe_resident(void *scratch2)
{
    unsigned char vec[2 * 65536 / 4096];
    int ok;

    if (2 * page_size > sizeof vec * 4096)
        return 0;
    vec[0] = vec[1] = 0xff;
    ((volatile char *)scratch2)[page_size] = 1;
    /* The untouched page inaccessible, as Reserved memory is: qemu-user
     * (7.2) refuses mincore on PROT_NONE pages (ENOMEM, as if unmapped),
     * so there pal_mem_resident could not answer for Reserved memory. */
    ok = pal_sys_mprotect(scratch2, page_size, LX_PROT_NONE) == 0 &&
         pal_sys_mincore(scratch2, 2 * page_size, vec) == 0 &&
         (vec[0] & 1) == 0 && (vec[1] & 1) == 1;
    pal_sys_mprotect(scratch2, page_size, PROT_RW); /* the probes after write it */
    return ok;
}

/* Probe the features in want that are not known yet; return feat_have. */
static unsigned probe(unsigned want)
{
    unsigned known = __atomic_load_n(&feat_known, __ATOMIC_ACQUIRE);
    unsigned have = 0;
    long m;
    void *s;

    want &= ~known;
    if (want == 0)
        return __atomic_load_n(&feat_have, __ATOMIC_RELAXED);
    if (huge_page_size != 0)
        have |= PAL_FEAT_THP;
    if ((want & PAL_FEAT_SEAL) && probe_seal())
        have |= PAL_FEAT_SEAL;
    if ((want & PAL_FEAT_THP_COLLAPSE) && huge_page_size != 0 && probe_collapse())
        have |= PAL_FEAT_THP_COLLAPSE;
    if (want & ~(PAL_FEAT_THP | PAL_FEAT_SEAL | PAL_FEAT_THP_COLLAPSE)) {
        m = pal_sys_mmap(0, 2 * page_size, PROT_RW, MAP_ANON_PRIVATE, -1, 0);
        if (pal_sys_failed(m)) /* probe again next time */
            return __atomic_load_n(&feat_have, __ATOMIC_RELAXED);
        s = (void *)m;
        /* resident first: it needs the second page untouched */
        if ((want & PAL_FEAT_RESIDENT) && probe_resident(s))
            have |= PAL_FEAT_RESIDENT;
        if ((want & PAL_FEAT_MADV_FREE) && probe_madvise(s, LX_MADV_FREE))
            have |= PAL_FEAT_MADV_FREE;
        if ((want & PAL_FEAT_MADV_DONTNEED) && probe_madvise(s, LX_MADV_DONTNEED))
            have |= PAL_FEAT_MADV_DONTNEED;
        if ((want & PAL_FEAT_VMA_NAME) && probe_vma_name(s))
            have |= PAL_FEAT_VMA_NAME;
        if ((want & PAL_FEAT_FIXED_NOREPLACE) && probe_fixed_noreplace(s))
            have |= PAL_FEAT_FIXED_NOREPLACE;
        if ((want & PAL_FEAT_GUARD) && probe_guard(s))
            have |= PAL_FEAT_GUARD;
        pal_sys_munmap(s, 2 * page_size);
    }
    __atomic_fetch_or(&feat_have, have & want, __ATOMIC_RELAXED);
    __atomic_fetch_or(&feat_known, want, __ATOMIC_RELEASE);
    return __atomic_load_n(&feat_have, __ATOMIC_RELAXED);
}

static int have(unsigned feature)
{
    return (probe(feature) & feature) != 0;
}

unsigned pal_os_features(void)
{
    return probe(~0u) | PAL_FEAT_PROTECT;
}

/* ---- release ---------------------------------------------------------- */

/* Under vm.overcommit_memory=2 the kernel charges every writable private
 * page against CommitLimit whether it is resident or not, and madvise
 * releases the page but not the charge: a heap that shrank still counts
 * at its peak, and mmap fails for others.  Only a mapping that is not
 * writable is not charged, so there unused replaces the range with a fresh
 * PROT_NONE mapping (as jemalloc's decommit does) and used takes the charge
 * back with mprotect, which fails cleanly (ENOMEM) at the limit.  Without
 * /proc the mode cannot be read and is taken to be the default. */
static int strict_commit(void)
{
    int mode = __atomic_load_n(&commit_mode, __ATOMIC_RELAXED);
    char buf[8];

    if (mode == 0) {
        mode = read_file("/proc/sys/vm/overcommit_memory", buf, sizeof buf) > 0 &&
               buf[0] == '2' ? COMMIT_STRICT : 1;
        __atomic_store_n(&commit_mode, mode, __ATOMIC_RELAXED);
    }
    return mode == COMMIT_STRICT;
}

/* Once, before MADV_DONTNEED is first relied on for zeroes: write a scratch
 * page, advise, read it back. */
static int dontneed_gives_zeroes(void)
{
    int z = __atomic_load_n(&dontneed_zeroes, __ATOMIC_RELAXED);
    long m;

    if (z == 0) {
        m = pal_sys_mmap(0, page_size, PROT_RW, MAP_ANON_PRIVATE, -1, 0);
        if (pal_sys_failed(m))
            return 1; /* cannot tell now; ask again next time */
        *(volatile char *)m = 1;
        z = pal_sys_madvise((void *)m, page_size, LX_MADV_DONTNEED) != 0 ||
                    *(volatile char *)m == 0 ? 1 : 2;
        pal_sys_munmap((void *)m, page_size);
        __atomic_store_n(&dontneed_zeroes, z, __ATOMIC_RELAXED);
    }
    return z == 1;
}

/* A fresh anonymous mapping over the range: releases the pages and reads
 * back zero with no madvise at all. */
static int remap(void *v, size_t n, long prot)
{
    long r = pal_sys_mmap(v, n, prot, MAP_ANON_PRIVATE | LX_MAP_FIXED, -1, 0);

    return pal_sys_failed(r) ? pal_sys_error(r) : PAL_OK;
}

static void downgrade(long advice)
{
    __atomic_store_n(&advise_unused, advice, __ATOMIC_RELAXED);
    pal_os_count_fallback();
}

/* Release the pages of [v, v+n) with the best advice this kernel takes,
 * remembering what it refused.  *remapped says whether a fresh mapping
 * replaced the range (it then has none of the old huge-page marks). */
static int release(void *v, size_t n, unsigned policy, int *remapped)
{
    long advice = __atomic_load_n(&advise_unused, __ATOMIC_RELAXED);
    long r;

    if ((policy & PAL_POLICY_DONTNEED) && advice != ADVISE_MMAP)
        advice = LX_MADV_DONTNEED;
    if (advice == LX_MADV_FREE) {
        r = pal_sys_madvise(v, n, LX_MADV_FREE);
        if (r == 0)
            return PAL_OK;
        if (r != -LX_EINVAL && r != -LX_ENOSYS)
            return pal_sys_error(r);
        advice = r == -LX_EINVAL ? LX_MADV_DONTNEED : ADVISE_MMAP;
        downgrade(advice);
    }
    if (advice == LX_MADV_DONTNEED) {
        /* where DONTNEED keeps the contents, a fresh mapping keeps the
         * promise that unused+used memory reads as zero */
        if (!dontneed_gives_zeroes()) {
            pal_os_count_fallback();
            *remapped = 1;
            return remap(v, n, PROT_RW);
        }
        r = pal_sys_madvise(v, n, LX_MADV_DONTNEED);
        if (r == 0)
            return PAL_OK;
        if (r != -LX_ENOSYS)
            return pal_sys_error(r);
        downgrade(ADVISE_MMAP);
    } else {
        pal_os_count_fallback();
    }
    *remapped = 1;
    return remap(v, n, PROT_RW);
}

int pal_os_unused_zeroes(unsigned policy)
{
    long advice = __atomic_load_n(&advise_unused, __ATOMIC_RELAXED);

    /* once downgraded from MADV_FREE, unused zeroes whatever a probe saw */
    if (advice != LX_MADV_FREE || (policy & PAL_POLICY_DONTNEED) || strict_commit())
        return 1;
    /* MADV_FREE keeps the contents until the kernel needs the memory */
    return !have(PAL_FEAT_MADV_FREE);
}

/* ---- huge-page marks -------------------------------------------------- */

/* A hint whose failure does not matter; none at all where madvise is
 * known to be missing. */
static void madvise_hint(uintptr_t v, size_t n, long advice)
{
    if (__atomic_load_n(&advise_unused, __ATOMIC_RELAXED) != ADVISE_MMAP)
        (void)pal_sys_madvise((void *)v, n, advice);
}

/* Mark no-huge-page only the huge pages holding v and v+n-1, when those
 * ends are not huge-page aligned (Go 1.21's sysUnusedOS).  Marking every
 * released range instead splits the VMA at each one: a heap with every
 * other page released reaches vm.max_map_count (65530) and mmap starts
 * failing with memory to spare.  Marks are hints; errors are ignored
 * (EINVAL where one is already set, ENOMEM where a neighbour is unmapped). */
static void mark_ends_nohugepage(uintptr_t v, size_t n)
{
    size_t h = huge_page_size;
    uintptr_t head = 0, tail = 0;

    if ((v & (h - 1)) != 0)
        head = pal_align_down(v, h);
    if (((v + n) & (h - 1)) != 0)
        tail = pal_align_down(v + n - 1, h);
    if (head != 0 && head + h == tail) {
        madvise_hint(head, 2 * h, LX_MADV_NOHUGEPAGE);
        return;
    }
    if (head != 0)
        madvise_hint(head, h, LX_MADV_NOHUGEPAGE);
    if (tail != 0 && tail != head)
        madvise_hint(tail, h, LX_MADV_NOHUGEPAGE);
}

/* MADV_HUGEPAGE on the whole huge pages inside [v, v+n) only: a partial
 * one would be filled out by khugepaged beyond what the caller asked. */
static long hugepage_inside(uintptr_t v, size_t n)
{
    uintptr_t beg = pal_align_up(v, huge_page_size);
    uintptr_t end = pal_align_down(v + n, huge_page_size);

    if (huge_page_size == 0 || beg >= end)
        return 0;
    return pal_sys_madvise((void *)beg, end - beg, LX_MADV_HUGEPAGE);
}

/* ---- transitions ------------------------------------------------------ */

int pal_os_reserve(void *hint, size_t n, void **out)
{
    long r = pal_sys_mmap(hint, n, LX_PROT_NONE, MAP_ANON_PRIVATE, -1, 0);

    if (pal_sys_failed(r))
        return pal_sys_error(r);
    *out = (void *)r;
    return PAL_OK;
}

int pal_os_reserve_at(void *addr, size_t n)
{
    long r = pal_sys_mmap(addr, n, LX_PROT_NONE,
                          MAP_ANON_PRIVATE | LX_MAP_FIXED_NOREPLACE, -1, 0);

    if (pal_sys_failed(r))
        return pal_sys_error(r);
    if ((void *)r != addr) {
        /* A kernel before 4.17 took the flag for a hint and, the range
         * being taken, mapped elsewhere: undo that. */
        pal_sys_munmap((void *)r, n);
        pal_os_count_fallback();
        return PAL_EEXIST;
    }
    return PAL_OK;
}

/* Reserve align - page more than asked, then unmap the slop either side of
 * the aligned part: at most three calls, nothing left over. */
int pal_os_reserve_aligned(size_t n, size_t align, void **out)
{
    size_t total = n + (align - page_size);
    uintptr_t base, start;
    long r;

    if (align == page_size)
        return pal_os_reserve(0, n, out);
    if (total < n)
        return PAL_ENOMEM;
    r = pal_sys_mmap(0, total, LX_PROT_NONE, MAP_ANON_PRIVATE, -1, 0);
    if (pal_sys_failed(r))
        return pal_sys_error(r);
    base = (uintptr_t)r;
    start = pal_align_up(base, align);
    if (start > base)
        pal_sys_munmap((void *)base, start - base);
    if (start + n < base + total)
        pal_sys_munmap((void *)(start + n), base + total - (start + n));
    *out = (void *)start;
    return PAL_OK;
}

int pal_os_map(void *v, size_t n, unsigned policy)
{
    int err = remap(v, n, PROT_RW);

    if (err == PAL_OK && (policy & PAL_POLICY_NO_THP) && huge_page_size != 0)
        madvise_hint((uintptr_t)v, n, LX_MADV_NOHUGEPAGE);
    return err;
}

int pal_os_used(void *v, size_t n, unsigned policy)
{
    long r;

    if ((policy & PAL_POLICY_HARD_DECOMMIT) || strict_commit()) {
        r = pal_sys_mprotect(v, n, PROT_RW);
        if (r != 0)
            return pal_sys_error(r);
    }
    /* Undo unused's no-huge-page marks on the whole huge pages inside; the
     * ends stay marked until a neighbour's unused marks them anyway. */
    if ((policy & PAL_POLICY_THP_GRANULAR) && !(policy & PAL_POLICY_NO_THP))
        (void)hugepage_inside((uintptr_t)v, n);
    return PAL_OK;
}

int pal_os_unused(void *v, size_t n, unsigned policy)
{
    int strict = strict_commit(), remapped = strict;
    int err = strict ? remap(v, n, LX_PROT_NONE) : release(v, n, policy, &remapped);
    int thp = huge_page_size != 0;
    long r;

    if (err != PAL_OK)
        return err;
    /* a fresh mapping lost disablethp's mark: put it back */
    if (thp && remapped && (policy & PAL_POLICY_NO_THP))
        madvise_hint((uintptr_t)v, n, LX_MADV_NOHUGEPAGE);
    /* Under strict overcommit the released range is PROT_NONE, which keeps
     * khugepaged from filling it back in without a mark (and a mark would
     * split the mapping further); under disablethp all is marked already. */
    if (thp && !strict && (policy & PAL_POLICY_THP_GRANULAR) && !(policy & PAL_POLICY_NO_THP))
        mark_ends_nohugepage((uintptr_t)v, n);
    if ((policy & PAL_POLICY_HARD_DECOMMIT) && !strict) {
        r = pal_sys_mprotect(v, n, LX_PROT_NONE);
        if (r != 0)
            return pal_sys_error(r);
    }
    return PAL_OK;
}

int pal_os_alloc(size_t n, unsigned policy, void **out)
{
    long r = pal_sys_mmap(0, n, PROT_RW, MAP_ANON_PRIVATE, -1, 0);

    if (pal_sys_failed(r))
        return pal_sys_error(r);
    if ((policy & PAL_POLICY_NO_THP) && huge_page_size != 0)
        madvise_hint((uintptr_t)r, n, LX_MADV_NOHUGEPAGE);
    *out = (void *)r;
    return PAL_OK;
}

int pal_os_free(void *v, size_t n)
{
    long r = pal_sys_munmap(v, n);

    return r == 0 ? PAL_OK : pal_sys_error(r);
}

/* Access first, with mprotect (shorter hold of mmap_lock than a new
 * mapping), then the pages go back.  Under strict overcommit mprotect
 * would keep the commit charge that Reserved must not hold: a fresh
 * PROT_NONE mapping drops both at once. */
int pal_os_fault(void *v, size_t n)
{
    long r;

    if (strict_commit())
        return remap(v, n, LX_PROT_NONE);
    r = pal_sys_mprotect(v, n, LX_PROT_NONE);
    if (r != 0)
        return pal_sys_error(r);
    if (__atomic_load_n(&advise_unused, __ATOMIC_RELAXED) != ADVISE_MMAP) {
        r = pal_sys_madvise(v, n, LX_MADV_DONTNEED);
        if (r != -LX_ENOSYS)
            return PAL_OK;
        downgrade(ADVISE_MMAP);
    } else {
        pal_os_count_fallback();
    }
    return remap(v, n, LX_PROT_NONE);
}

int pal_os_protect(void *v, size_t n, unsigned prot)
{
    long p = LX_PROT_NONE;
    long r;

    if (prot & PAL_PROT_READ)
        p |= LX_PROT_READ;
    if (prot & PAL_PROT_WRITE)
        p |= LX_PROT_WRITE;
    if (prot & PAL_PROT_EXEC)
        p |= LX_PROT_EXEC;
    r = pal_sys_mprotect(v, n, p);
    return r == 0 ? PAL_OK : pal_sys_error(r);
}

/* ---- hints ------------------------------------------------------------ */

int pal_os_hugepage(void *v, size_t n)
{
    long r = hugepage_inside((uintptr_t)v, n);

    return r == 0 ? PAL_OK : pal_sys_error(r);
}

int pal_os_nohugepage(void *v, size_t n)
{
    long r;

    if (huge_page_size == 0)
        return PAL_OK;
    r = pal_sys_madvise(v, n, LX_MADV_NOHUGEPAGE);
    return r == 0 ? PAL_OK : pal_sys_error(r);
}

int pal_os_collapse(void *v, size_t n)
{
    long r;

    if (!have(PAL_FEAT_THP_COLLAPSE))
        return PAL_ENOSYS;
    r = pal_sys_madvise(v, n, LX_MADV_COLLAPSE);
    if (r == 0)
        return PAL_OK;
    /* EINVAL: not eligible (a no-huge-page range); EBUSY: the cgroup
     * charge failed; EAGAIN: locked pages.  All "not now". */
    if (r == -LX_EINVAL || r == -LX_EAGAIN || r == -LX_EBUSY)
        return PAL_EAGAIN;
    return pal_sys_error(r);
}

/* ---- beyond the Go runtime -------------------------------------------- */

/* Linux 6.13 guard regions install markers in the page tables: no VMA
 * split, no extra mapping.  Elsewhere, PROT_NONE. */
int pal_os_guard(void *v, size_t n)
{
    long r;

    if (have(PAL_FEAT_GUARD)) {
        r = pal_sys_madvise(v, n, LX_MADV_GUARD_INSTALL);
    } else {
        pal_os_count_fallback();
        r = pal_sys_mprotect(v, n, LX_PROT_NONE);
    }
    return r == 0 ? PAL_OK : pal_sys_error(r);
}

int pal_os_seal(void *v, size_t n)
{
    long r;

    if (!have(PAL_FEAT_SEAL))
        return PAL_ENOSYS;
    r = pal_sys_mseal(v, n, 0);
    return r == 0 ? PAL_OK : pal_sys_error(r);
}

int pal_os_name(void *v, size_t n, const char *name)
{
    long r;

    if (!have(PAL_FEAT_VMA_NAME))
        return PAL_ENOSYS;
    r = pal_sys_prctl(LX_PR_SET_VMA, LX_PR_SET_VMA_ANON_NAME, (long)v, (long)n,
                      (long)name);
    return r == 0 ? PAL_OK : pal_sys_error(r);
}

/* mincore in chunks through a small stack vector (no allocation).  A chunk
 * is at most sizeof vec * 4 KiB, so the vector cannot overflow even if the
 * kernel (or an emulator) counts in pages smaller than ours. */
int pal_os_resident(const void *v, size_t n, size_t *bytes)
{
    unsigned char vec[256];
    const size_t chunk_max = sizeof vec * 4096;
    uintptr_t p = (uintptr_t)v;
    size_t total = 0, chunk, i;
    long r;

    if (!have(PAL_FEAT_RESIDENT))
        return PAL_ENOSYS;
    while (n > 0) {
        chunk = n < chunk_max ? n : chunk_max;
        if (chunk > page_size)
            chunk = pal_align_down(chunk, page_size);
        r = pal_sys_mincore((const void *)p, chunk, vec);
        if (r != 0)
            return pal_sys_error(r);
        for (i = 0; i * page_size < chunk; i++) /* no __aeabi_uidiv */
            total += vec[i] & 1;
        p += chunk;
        n -= chunk;
    }
    *bytes = total * page_size;
    return PAL_OK;
}
