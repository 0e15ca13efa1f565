/*
 * mem_linux.c - the Linux backend: the commit logic of the Go runtime's
 * mem_linux.go, with no libc.  System calls go through sys_linux.h; nothing
 * here depends on the architecture.
 *
 * State is a handful of words changed with atomics: the sizes learnt at
 * init, what unused advises (downgraded once, never upgraded), the feature
 * bits probed so far, and a few facts read once on first use.  Racing
 * threads may probe twice; both reach the same answer.  No locks, no
 * allocation: async-signal-safe.  None of these words is written on the
 * hot path once it is known: calls of different threads write nothing in
 * common but the striped counters (pal_os.h).
 */
#include "sys_linux.h"

#define PROT_RW (LX_PROT_READ | LX_PROT_WRITE)
#define MAP_ANON_PRIVATE (LX_MAP_PRIVATE | LX_MAP_ANONYMOUS)

/* NUMA node masks: up to 1024 nodes (x86-64's CONFIG_NODES_SHIFT maximum). */
#define NODE_BITS 1024

/* pal_mem_unused_ranges hands the caller's array to process_madvise as
 * its iovecs: the layouts must agree. */
_Static_assert(sizeof(struct pal_mem_range) == 2 * sizeof(void *) &&
               offsetof(struct pal_mem_range, n) == sizeof(void *),
               "struct pal_mem_range is not laid out as struct iovec");

/* Stored by every racing initialiser and read by every call, so atomic
 * both ways (a plain read beside a store is a data race in C11, whatever
 * the value); relaxed loads cost what plain ones do. */
static size_t page_size_word;

static inline size_t os_page_size(void)
{
    return __atomic_load_n(&page_size_word, __ATOMIC_RELAXED);
}

static size_t huge_page_size_word;

static inline size_t os_huge_page_size(void)
{
    return __atomic_load_n(&huge_page_size_word, __ATOMIC_RELAXED);
}

/* AT_HWCAP2 from the auxiliary vector, read at init with the page size
 * (arm64: memory tagging and branch protection; 0 elsewhere). */
static unsigned long hwcap2_word;

/* THP mode "always" (1) or not (0), read at init with the huge page size. */
static int thp_always_word;

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

/* Whether khugepaged fills a partly released huge page back in by itself:
 * THP "always" and khugepaged/max_ptes_none above 0.  0 unknown, 1 no,
 * 2 yes; read on the first unused that could mark. */
static int khugepaged_refills_state;

/* Set once, never cleared: the caller asked for huge pages (hugepage or
 * collapse) at some time; unused marked a huge page no-huge-page at some
 * time.  See "huge-page marks" below. */
static int huge_asked;
static int ends_marked;

/* Set once a batched release was refused where the probe had found it
 * (a seccomp filter, a sandbox): one madvise per range from then on. */
static int batch_refused;

/* Set once MADV_POPULATE_WRITE was refused as unknown or forbidden: each
 * page is touched from then on. */
static int populate_refused;

/* ---- set-up ----------------------------------------------------------- */

/* Read a small procfs or sysfs file into buf (NUL-terminated); the
 * length, or -1.  Those files come whole in one read, so a short read is
 * the end: no further read just to be told so. */
static long read_file(const char *path, char *buf, size_t size)
{
    long fd = pal_sys_openat(LX_AT_FDCWD, path, LX_O_RDONLY | LX_O_CLOEXEC);
    long got = 0, r;
    size_t want;
    int interrupted = 0;

    if (pal_sys_failed(fd))
        return -1;
    while ((size_t)got < size - 1) {
        want = size - 1 - (size_t)got;
        r = pal_sys_read(fd, buf + got, want);
        /* a signal storm must not hang set-up: a few retries, then as if
         * the file ended */
        if (r == -LX_EINTR && ++interrupted < 8)
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

/* AT_PAGESZ (returned) and AT_HWCAP2 (into *hwcap2) from the auxiliary
 * vector the kernel gave this process. */
static size_t page_size_from_auxv(unsigned long *hwcap2)
{
    unsigned long auxv[96]; /* pairs; about 25 of them on today's kernels */
    long got = read_file("/proc/self/auxv", (char *)auxv, sizeof auxv);
    size_t page = 0;
    long i;

    /* no division: 32-bit arm has no divide instruction and would call
     * libgcc's __aeabi_idiv */
    for (i = 0; (i + 2) * (long)sizeof auxv[0] <= got; i += 2) {
        if (auxv[i] == 0)
            break;
        if (auxv[i] == LX_AT_PAGESZ)
            page = auxv[i + 1];
        else if (auxv[i] == LX_AT_HWCAP2)
            *hwcap2 = auxv[i + 1];
    }
    return page;
}

/* Without /proc (chroots, early boot): the kernel refuses a range that does
 * not start on a page boundary, so inside a region it returned (which does),
 * the smallest power of two k >= 4 KiB at which mprotect(base + k) succeeds
 * is the page size.  Up to 1 MiB pages (hexagon's largest is 256 KiB).
 * Only EINVAL says "not on a page boundary": any other refusal (a sandbox,
 * the mapping count at its limit) says nothing about the size, and the
 * next power of two would be a wrong answer, so the size stays unknown. */
static size_t page_size_by_probing(void)
{
    const size_t max = (size_t)1 << 20;
    long base = pal_sys_mmap(0, 2 * max, LX_PROT_NONE, MAP_ANON_PRIVATE, -1, 0), r = -LX_EINVAL;
    size_t k, found = 0;

    if (pal_sys_failed(base))
        return 0;
    for (k = 4096; k <= max && r == -LX_EINVAL; k *= 2) {
        r = pal_sys_mprotect((char *)base + k, k, LX_PROT_NONE);
        if (r == 0)
            found = k;
    }
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
 * (the bracketed word in .../enabled is the mode in force); *always says
 * whether the mode is "always". */
static size_t thp_size(int *always)
{
    char buf[128];
    const char *p;

    if (read_file("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof buf) <= 0)
        return 0;
    for (p = buf; *p != '\0' && *p != '['; p++)
        ;
    if (p[0] == '[' && p[1] == 'n' && p[2] == 'e')
        return 0;
    *always = p[0] == '[' && p[1] == 'a';
    if (read_file("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", buf, sizeof buf) <= 0)
        return 0;
    return parse_size(buf);
}

int pal_os_init(size_t *ps, size_t *hps)
{
    unsigned long hwcap2 = 0;
    size_t p = page_size_from_auxv(&hwcap2), h;
    int always = 0;

    /* without /proc, no hwcaps either: no tagging, no branch protection */
    if (p == 0)
        p = page_size_by_probing();
    if (p == 0 || (p & (p - 1)) != 0)
        return PAL_EOS;
    h = thp_size(&always);
    __atomic_store_n(&hwcap2_word, hwcap2, __ATOMIC_RELAXED);
    __atomic_store_n(&thp_always_word, always, __ATOMIC_RELAXED);
    __atomic_store_n(&page_size_word, p, __ATOMIC_RELAXED);
    __atomic_store_n(&huge_page_size_word, h, __ATOMIC_RELAXED);
    *ps = p;
    *hps = h;
    return PAL_OK;
}

/* ---- feature probes, on scratch mappings, never on the caller's -------- */

static int probe_madvise(void *scratch, long advice)
{
    return pal_sys_madvise(scratch, os_page_size(), advice) == 0;
}

static int probe_fixed_noreplace(void *scratch)
{
    long r = pal_sys_mmap(scratch, os_page_size(), LX_PROT_NONE,
                          MAP_ANON_PRIVATE | LX_MAP_FIXED_NOREPLACE, -1, 0);

    if (r == -LX_EEXIST)
        return 1;
    /* Before 4.17 the flag is ignored and the address is a hint: the
     * kernel put the mapping somewhere else. */
    if (!pal_sys_failed(r))
        pal_sys_munmap((void *)r, os_page_size());
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
                         (long)os_page_size(), (long)"pal-probe") == 0;
}

/* MADV_COLLAPSE refuses (EINVAL) a VMA that could not hold an aligned huge
 * page, or that was never touched (no anon_vma yet), so the scratch VMA
 * spans two huge pages and its first page is written.  The advised range
 * is one page at a huge-page boundary, holding no whole huge page: 0
 * (nothing to do) where collapse exists, EINVAL (unknown advice) where it
 * does not.  Nothing is collapsed.  qemu-user (7.2) answers 0 to advice it
 * does not know, so the answer is checked against one only a real
 * collapse gives: the same range marked no-huge-page is refused (EINVAL:
 * not eligible).  -1 where the scratch mapping could not be had: nothing
 * learnt. */
static int probe_collapse(void)
{
    long m = pal_sys_mmap(0, 2 * os_huge_page_size(), PROT_RW, MAP_ANON_PRIVATE, -1, 0);
    uintptr_t boundary;
    int ok;

    if (pal_sys_failed(m))
        return -1;
    *(volatile char *)m = 1;
    boundary = pal_align_up((uintptr_t)m + 1, os_huge_page_size());
    ok = probe_madvise((void *)boundary, LX_MADV_COLLAPSE) &&
         pal_sys_madvise((void *)m, 2 * os_huge_page_size(), LX_MADV_NOHUGEPAGE) == 0 &&
         pal_sys_madvise((void *)boundary, os_page_size(), LX_MADV_COLLAPSE) == -LX_EINVAL;
    pal_sys_munmap((void *)m, 2 * os_huge_page_size());
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
 * has room for 4 KiB units.  *writable says whether the first page is
 * writable again after (the probes after write it). */
static int probe_resident(void *scratch2, int *writable)
{
    unsigned char vec[2 * 65536 / 4096];
    int ok;

    if (2 * os_page_size() > sizeof vec * 4096)
        return 0;
    vec[0] = vec[1] = 0xff;
    ((volatile char *)scratch2)[os_page_size()] = 1;
    /* The untouched page inaccessible, as Reserved memory is: qemu-user
     * (7.2) refuses mincore on PROT_NONE pages (ENOMEM, as if unmapped),
     * so there pal_mem_resident could not answer for Reserved memory. */
    if (pal_sys_mprotect(scratch2, os_page_size(), LX_PROT_NONE) != 0)
        return 0;
    ok = pal_sys_mincore(scratch2, 2 * os_page_size(), vec) == 0 &&
         (vec[0] & 1) == 0 && (vec[1] & 1) == 1;
    /* refused under strict overcommit at the commit limit, or by a sandbox */
    *writable = pal_sys_mprotect(scratch2, os_page_size(), PROT_RW) == 0;
    return ok;
}

/* process_madvise on this process (PIDFD_SELF_THREAD, Linux 6.14: the
 * calling thread's memory, which is the process's; 6.18 answers EBADF to
 * PIDFD_SELF_THREAD_GROUP there; 6.13 allowed any advice on the calling
 * process): one page released through it reads back zero.  No pidfd from
 * pidfd_open instead: an fd the library kept open would outlive a fork
 * (naming the parent, whose memory the child would then release) and
 * could be closed or reused by anyone. */
static int probe_batch(void *scratch)
{
    struct pal_mem_range r = { scratch, os_page_size() };

    *(volatile char *)scratch = 1;
    return pal_sys_process_madvise(LX_PIDFD_SELF_THREAD, &r, 1, LX_MADV_DONTNEED) ==
               (long)os_page_size() &&
           *(volatile char *)scratch == 0;
}

/* MADV_POPULATE_WRITE (5.14) on an untouched page makes it resident.
 * qemu-user answers 0 to advice it does not know and does nothing: where
 * mincore can tell, the page must be resident after. */
static int probe_populate(void *untouched)
{
    unsigned char vec[65536 / 4096]; /* as probe_resident: 4 KiB units */

    if (!probe_madvise(untouched, LX_MADV_POPULATE_WRITE))
        return 0;
    vec[0] = 0;
    return pal_sys_mincore(untouched, os_page_size(), vec) != 0 || (vec[0] & 1) != 0;
}

/* ---- explicit huge pages and NUMA: facts read on first use ------------ */

/* The hugetlb pools, from the names of /sys/kernel/mm/hugepages
 * ("hugepages-2048kB"), ascending.  -1 until listed. */
#define HUGETLB_MAX 8
static size_t hugetlb_sizes[HUGETLB_MAX];
static int hugetlb_count_word = -1;

/* A name "hugepages-<N>kB" as N KiB in bytes, else 0. */
static size_t hugetlb_size_of(const char *name)
{
    const char *prefix = "hugepages-";
    size_t kb;

    for (; *prefix != '\0'; prefix++, name++)
        if (*name != *prefix)
            return 0;
    kb = parse_size(name);
    while (*name >= '0' && *name <= '9')
        name++;
    return name[0] == 'k' && name[1] == 'B' && name[2] == '\0' ? kb * 1024 : 0;
}

static int hugetlb_count(void)
{
    int count = __atomic_load_n(&hugetlb_count_word, __ATOMIC_ACQUIRE);
    size_t sizes[HUGETLB_MAX], size;
    /* struct linux_dirent64: ino (8), off (8), reclen (2), type (1), name */
    union { char c[1024]; unsigned long long align; } buf;
    long fd, got, at;
    int i, k;

    if (count >= 0)
        return count;
    count = 0;
    fd = pal_sys_openat(LX_AT_FDCWD, "/sys/kernel/mm/hugepages",
                        LX_O_RDONLY | LX_O_DIRECTORY | LX_O_CLOEXEC);
    if (!pal_sys_failed(fd)) {
        while ((got = pal_sys_getdents64(fd, buf.c, sizeof buf.c)) > 0) {
            for (at = 0; at < got; at += *(unsigned short *)(buf.c + at + 16)) {
                size = hugetlb_size_of(buf.c + at + 19);
                if (size == 0 || count == HUGETLB_MAX)
                    continue;
                for (k = count++; k > 0 && sizes[k - 1] > size; k--)
                    sizes[k] = sizes[k - 1];
                sizes[k] = size;
            }
        }
        pal_sys_close(fd);
    }
    for (i = 0; i < count; i++)
        __atomic_store_n(&hugetlb_sizes[i], sizes[i], __ATOMIC_RELAXED);
    __atomic_store_n(&hugetlb_count_word, count, __ATOMIC_RELEASE);
    return count;
}

/* Nodes are numbered 0 to the highest in /sys/devices/system/node/possible
 * ("0", "0-3", "0,2-3"); 1 without that file (CONFIG_NUMA=n).  0 until
 * read. */
static unsigned numa_nodes_word;

static unsigned numa_count(void)
{
    unsigned nodes = __atomic_load_n(&numa_nodes_word, __ATOMIC_RELAXED);
    char buf[256];
    const char *p;
    size_t highest = 0;

    if (nodes != 0)
        return nodes;
    if (read_file("/sys/devices/system/node/possible", buf, sizeof buf) > 0)
        for (p = buf; *p >= '0' && *p <= '9';) {
            size_t id = parse_size(p);

            highest = id > highest ? id : highest;
            while (*p >= '0' && *p <= '9')
                p++;
            if (*p == ',' || *p == '-')
                p++;
        }
    /* node masks below are fixed arrays: nodes past them are not offered */
    nodes = highest < NODE_BITS ? (unsigned)highest + 1 : NODE_BITS;
    __atomic_store_n(&numa_nodes_word, nodes, __ATOMIC_RELAXED);
    return nodes;
}

/* mbind(MPOL_PREFERRED) of [v, v+n) to node: a node mask of NODE_BITS
 * bits on the stack; maxnode one more than the bits, since the kernel
 * counts one less than it is given (a historical off-by-one that every
 * caller, libnuma included, makes up for). */
static long bind_preferred(void *v, size_t n, unsigned node)
{
    unsigned long mask[NODE_BITS / (8 * sizeof(unsigned long))];
    /* volatile: an initialiser or a plain loop may become a call to
     * memset, which this library has none of (mips gcc does it) */
    volatile unsigned long *m = mask;
    size_t i;

    for (i = 0; i < sizeof mask / sizeof mask[0]; i++)
        m[i] = 0;
    m[node / (8 * sizeof(unsigned long))] = 1UL << (node % (8 * sizeof(unsigned long)));
    return pal_sys_mbind(v, n, LX_MPOL_PREFERRED, mask, NODE_BITS + 1);
}

/* The features probed on the shared two-page scratch mapping. */
#define SCRATCH_PROBES (PAL_FEAT_RESIDENT | PAL_FEAT_POPULATE | PAL_FEAT_BATCH | PAL_FEAT_NUMA | \
                        PAL_FEAT_MADV_FREE | PAL_FEAT_MADV_DONTNEED | PAL_FEAT_VMA_NAME |        \
                        PAL_FEAT_FIXED_NOREPLACE | PAL_FEAT_GUARD)

/* Probe the features in want that are not known yet; return feat_have. */
static unsigned probe(unsigned want)
{
    unsigned known = __atomic_load_n(&feat_known, __ATOMIC_ACQUIRE);
    unsigned long hwcap2 = __atomic_load_n(&hwcap2_word, __ATOMIC_RELAXED);
    unsigned have = 0;
    int writable = 1, collapse;
    long m;
    void *s;

    want &= ~known;
    if (want == 0)
        return __atomic_load_n(&feat_have, __ATOMIC_RELAXED);
    if (os_huge_page_size() != 0)
        have |= PAL_FEAT_THP;
    /* 0 in the tables of every architecture but arm64 */
    if (LX_HWCAP2_MTE != 0 && (hwcap2 & LX_HWCAP2_MTE) && LX_PROT_MTE != 0)
        have |= PAL_FEAT_MTE;
    if (LX_HWCAP2_BTI != 0 && (hwcap2 & LX_HWCAP2_BTI) && LX_PROT_BTI != 0)
        have |= PAL_FEAT_BTI;
    if ((want & PAL_FEAT_SEAL) && probe_seal())
        have |= PAL_FEAT_SEAL;
    /* A scratch mapping that cannot be had (out of address space or
     * mappings) teaches nothing: those features are probed again next
     * time, and the ones learnt without it are kept. */
    if ((want & PAL_FEAT_THP_COLLAPSE) && os_huge_page_size() != 0) {
        collapse = probe_collapse();
        if (collapse > 0)
            have |= PAL_FEAT_THP_COLLAPSE;
        else if (collapse < 0)
            want &= ~PAL_FEAT_THP_COLLAPSE;
    }
    if ((want & PAL_FEAT_HUGETLB) && hugetlb_count() > 0)
        have |= PAL_FEAT_HUGETLB;
    m = 0;
    if (want & SCRATCH_PROBES) {
        m = pal_sys_mmap(0, 2 * os_page_size(), PROT_RW, MAP_ANON_PRIVATE, -1, 0);
        if (pal_sys_failed(m))
            want &= ~SCRATCH_PROBES;
    }
    if (want & SCRATCH_PROBES) {
        s = (void *)m;
        /* resident first: it needs the second page untouched; then
         * populate, which needs the first page untouched */
        if ((want & PAL_FEAT_RESIDENT) && probe_resident(s, &writable))
            have |= PAL_FEAT_RESIDENT;
        /* a first page left inaccessible: the probes that write it wait
         * for the next call, on a fresh scratch mapping */
        if (!writable)
            want &= ~SCRATCH_PROBES | PAL_FEAT_RESIDENT;
        if ((want & PAL_FEAT_POPULATE) && probe_populate(s))
            have |= PAL_FEAT_POPULATE;
        if ((want & PAL_FEAT_BATCH) && probe_batch(s))
            have |= PAL_FEAT_BATCH;
        if ((want & PAL_FEAT_NUMA) && numa_count() > 1 && bind_preferred(s, os_page_size(), 0) == 0)
            have |= PAL_FEAT_NUMA;
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
        pal_sys_munmap(s, 2 * os_page_size());
    }
    __atomic_fetch_or(&feat_have, have & want, __ATOMIC_RELAXED);
    __atomic_fetch_or(&feat_known, want, __ATOMIC_RELEASE);
    return __atomic_load_n(&feat_have, __ATOMIC_RELAXED);
}

static int have(unsigned feature)
{
    return (probe(feature) & feature) != 0;
}

/* The answer of a function whose feature is missing: PAL_ENOSYS once the
 * probe has said so, PAL_ENOMEM while it could not run (no scratch
 * mapping to be had: out of address space or mappings). */
static int missing(unsigned feature)
{
    return (__atomic_load_n(&feat_known, __ATOMIC_ACQUIRE) & feature) ? PAL_ENOSYS : PAL_ENOMEM;
}

unsigned pal_os_features(void)
{
    unsigned f = probe(~0u) | PAL_FEAT_PROTECT;

    if (__atomic_load_n(&batch_refused, __ATOMIC_RELAXED))
        f &= ~PAL_FEAT_BATCH;
    if (__atomic_load_n(&populate_refused, __ATOMIC_RELAXED))
        f &= ~PAL_FEAT_POPULATE;
    return f;
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
        m = pal_sys_mmap(0, os_page_size(), PROT_RW, MAP_ANON_PRIVATE, -1, 0);
        if (pal_sys_failed(m))
            return 1; /* cannot tell now; ask again next time */
        *(volatile char *)m = 1;
        z = pal_sys_madvise((void *)m, os_page_size(), LX_MADV_DONTNEED) != 0 ||
                    *(volatile char *)m == 0 ? 1 : 2;
        pal_sys_munmap((void *)m, os_page_size());
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

/* madvise refused to release [v, v+n); what the refusal means:
 *  - EINVAL (of MADV_DONTNEED, which every kernel knows): pages the caller
 *    locked (mlock, mlockall) cannot be released now (PAL_EAGAIN);
 *  - ENOSYS (no madvise: CONFIG_ADVISE_SYSCALLS=n) or EPERM (a sandbox, or
 *    a sealed range): a fresh mapping releases the pages instead.  A sealed
 *    range refuses that too, and its error is the answer, with nothing
 *    learnt; otherwise madvise is taken to be gone for good. */
static int release_refused(void *v, size_t n, long prot, long r, int *remapped)
{
    int err;

    if (r == -LX_EINVAL)
        return PAL_EAGAIN;
    if (r != -LX_ENOSYS && r != -LX_EPERM)
        return pal_sys_error(r);
    err = remap(v, n, prot);
    if (err != PAL_OK)
        return err;
    downgrade(ADVISE_MMAP);
    *remapped = 1;
    return PAL_OK;
}

/* Release the pages of [v, v+n) with the best advice this kernel takes,
 * remembering what it refused.  MADV_FREE refused with EINVAL is unknown
 * (before 4.5) or the pages are locked; MADV_DONTNEED tells which: locked
 * pages refuse it too, and then nothing is learnt, else MADV_DONTNEED it
 * is from now on.  A fresh mapping, where one replaces the range, has
 * access prot; *remapped says whether one did (the range then has none of
 * the old huge-page marks). */
static int release(void *v, size_t n, unsigned policy, long prot, int *remapped)
{
    long advice = __atomic_load_n(&advise_unused, __ATOMIC_RELAXED);
    int free_refused = 0;
    long r;

    if ((policy & PAL_POLICY_DONTNEED) && advice != ADVISE_MMAP)
        advice = LX_MADV_DONTNEED;
    if (advice == LX_MADV_FREE) {
        r = pal_sys_madvise(v, n, LX_MADV_FREE);
        if (r == 0)
            return PAL_OK;
        if (r != -LX_EINVAL)
            return release_refused(v, n, prot, r, remapped);
        advice = LX_MADV_DONTNEED;
        free_refused = 1;
    }
    if (advice == LX_MADV_DONTNEED) {
        /* where DONTNEED keeps the contents, a fresh mapping keeps the
         * promise that unused+used memory reads as zero */
        if (!dontneed_gives_zeroes()) {
            pal_os_count_fallback();
            *remapped = 1;
            return remap(v, n, prot);
        }
        r = pal_sys_madvise(v, n, LX_MADV_DONTNEED);
        if (r != 0)
            return release_refused(v, n, prot, r, remapped);
        if (free_refused)
            downgrade(LX_MADV_DONTNEED);
        return PAL_OK;
    }
    pal_os_count_fallback();
    *remapped = 1;
    return remap(v, n, prot);
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

static int khugepaged_refills(void)
{
    int state = __atomic_load_n(&khugepaged_refills_state, __ATOMIC_RELAXED);
    char buf[16];

    if (state == 0) {
        state = read_file("/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none",
                          buf, sizeof buf) > 0 && parse_size(buf) > 0 ? 2 : 1;
        __atomic_store_n(&khugepaged_refills_state, state, __ATOMIC_RELAXED);
    }
    return state == 2;
}

/* Whether unused should mark the huge pages holding its unaligned ends
 * no-huge-page (thpgranular).  The mark exists to keep a partly released
 * huge page from being filled back in, which happens only where
 *  - khugepaged collapses ranges nobody asked huge pages for: THP
 *    "always" with max_ptes_none above 0 (511, the default, collapses a
 *    huge page with a single page left in it); or
 *  - the caller asked for huge pages (pal_mem_hugepage marks the range for
 *    khugepaged under any mode; pal_mem_collapse refills at once).
 * Anywhere else (THP "madvise", this machine's and most distributions'
 * default, with no huge pages asked for) a mark changes nothing the
 * kernel will do, costs a call, and, undone by used, would opt memory
 * into huge pages nobody asked for: under defrag "madvise" faults there
 * may stall in direct compaction (the Go runtime stopped marking memory
 * for this in 1.21.4, golang/go #61718, #64342).  Which ranges the caller
 * asked for is not known without per-range state, so one such request
 * turns the marks on for every range from then on. */
static int marks_needed(void)
{
    if (os_huge_page_size() == 0)
        return 0;
    if (__atomic_load_n(&huge_asked, __ATOMIC_RELAXED))
        return 1;
    return __atomic_load_n(&thp_always_word, __ATOMIC_RELAXED) && khugepaged_refills();
}

/* Mark no-huge-page only the huge pages holding v and v+n-1, when those
 * ends are not huge-page aligned (the Go runtime's sysUnused up to 1.20).  Marking every
 * released range instead splits the VMA at each one: a heap with every
 * other page released reaches vm.max_map_count (65530) and mmap starts
 * failing with memory to spare.  Marks are hints; errors are ignored
 * (EINVAL where one is already set, ENOMEM where a neighbour is unmapped).
 * The marks are written into out (at most 2) rather than issued, so that
 * a batch of releases can issue its marks in one call too; returns how
 * many. */
static int end_marks(uintptr_t v, size_t n, struct pal_mem_range *out)
{
    size_t h = os_huge_page_size();
    uintptr_t head = 0, tail = 0;
    int k = 0;

    if ((v & (h - 1)) != 0)
        head = pal_align_down(v, h);
    if (((v + n) & (h - 1)) != 0)
        tail = pal_align_down(v + n - 1, h);
    if (head != 0 && head + h == tail) {
        out[k].v = (void *)head;
        out[k++].n = 2 * h;
        return k;
    }
    if (head != 0) {
        out[k].v = (void *)head;
        out[k++].n = h;
    }
    if (tail != 0 && tail != head) {
        out[k].v = (void *)tail;
        out[k++].n = h;
    }
    return k;
}

/* MADV_HUGEPAGE on the whole huge pages inside [v, v+n) only: a partial
 * one would be filled out by khugepaged beyond what the caller asked. */
static long hugepage_inside(uintptr_t v, size_t n)
{
    uintptr_t beg = pal_align_up(v, os_huge_page_size());
    uintptr_t end = pal_align_down(v + n, os_huge_page_size());

    if (os_huge_page_size() == 0 || beg >= end)
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
 * the aligned part: at most three calls on success, nothing left over. */
int pal_os_reserve_aligned(size_t n, size_t align, void **out)
{
    size_t total = n + (align - os_page_size());
    uintptr_t base, start;
    long r;

    if (align == os_page_size())
        return pal_os_reserve(0, n, out);
    if (total < n)
        return PAL_ENOMEM;
    r = pal_sys_mmap(0, total, LX_PROT_NONE, MAP_ANON_PRIVATE, -1, 0);
    if (pal_sys_failed(r))
        return pal_sys_error(r);
    base = (uintptr_t)r;
    start = pal_align_up(base, align);
    /* A slop that cannot be unmapped (a hole in the middle of a mapping,
     * refused at vm.max_map_count when the new one merged with a
     * neighbour; a sandbox) would stay reserved: then all of it goes back
     * and the call fails.  Unmapping from the start of what is left takes
     * the head of a mapping, which needs no new one. */
    if (start > base && (r = pal_sys_munmap((void *)base, start - base)) != 0) {
        pal_sys_munmap((void *)base, total);
        return pal_sys_error(r);
    }
    if (start + n < base + total &&
        (r = pal_sys_munmap((void *)(start + n), base + total - (start + n))) != 0) {
        pal_sys_munmap((void *)start, base + total - start);
        return pal_sys_error(r);
    }
    *out = (void *)start;
    return PAL_OK;
}

int pal_os_map(void *v, size_t n, unsigned policy)
{
    int err = remap(v, n, PROT_RW);

    if (err == PAL_OK && (policy & PAL_POLICY_NO_THP) && os_huge_page_size() != 0)
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
     * ends stay marked until a neighbour's unused marks them anyway.  Only
     * once unused has marked anything: with nothing to undo, the mark
     * would opt the range into huge pages nobody asked for. */
    if ((policy & PAL_POLICY_THP_GRANULAR) && !(policy & PAL_POLICY_NO_THP) &&
        __atomic_load_n(&ends_marked, __ATOMIC_RELAXED))
        (void)hugepage_inside((uintptr_t)v, n);
    return PAL_OK;
}

/* Whether unused marks the huge pages of its ends under this policy: with
 * thpgranular, not under disablethp (everything is marked already), not
 * under strict overcommit (the released range is PROT_NONE, which keeps
 * khugepaged out, and a mark would split the mapping further), and only
 * where a mark changes what the kernel does (marks_needed).  Notes that
 * marks were made, so that used undoes them. */
static int end_marks_wanted(unsigned policy, int strict)
{
    if (strict || !(policy & PAL_POLICY_THP_GRANULAR) || (policy & PAL_POLICY_NO_THP) ||
        !marks_needed())
        return 0;
    if (!__atomic_load_n(&ends_marked, __ATOMIC_RELAXED))
        __atomic_store_n(&ends_marked, 1, __ATOMIC_RELAXED);
    return 1;
}

/* Under harddecommit access goes first: an mprotect refused (the mapping
 * count at vm.max_map_count, a sandbox) then leaves the range Ready with
 * its contents, as a failed call must, where releasing first would have
 * lost them; a release refused after it gives read-write access back. */
int pal_os_unused(void *v, size_t n, unsigned policy)
{
    int strict = strict_commit(), remapped = strict, err;
    int hard = (policy & PAL_POLICY_HARD_DECOMMIT) && !strict;
    struct pal_mem_range marks[2];
    int k, i;
    long r;

    if (hard) {
        r = pal_sys_mprotect(v, n, LX_PROT_NONE);
        if (r != 0)
            return pal_sys_error(r);
    }
    err = strict ? remap(v, n, LX_PROT_NONE)
                 : release(v, n, policy, hard ? LX_PROT_NONE : PROT_RW, &remapped);
    if (err != PAL_OK) {
        if (hard)
            (void)pal_sys_mprotect(v, n, PROT_RW);
        return err;
    }
    /* a fresh mapping lost disablethp's mark: put it back */
    if (os_huge_page_size() != 0 && remapped && (policy & PAL_POLICY_NO_THP))
        madvise_hint((uintptr_t)v, n, LX_MADV_NOHUGEPAGE);
    if (end_marks_wanted(policy, strict))
        for (k = end_marks((uintptr_t)v, n, marks), i = 0; i < k; i++)
            madvise_hint((uintptr_t)marks[i].v, marks[i].n, LX_MADV_NOHUGEPAGE);
    return PAL_OK;
}

/* The advice a batched release gives, or 0 where unused must go range by
 * range: a fresh mapping per range (no madvise, strict overcommit, a
 * DONTNEED that keeps contents) or an mprotect per range around its
 * release (harddecommit: the ranges' access must go with their pages,
 * one range at a time, so that a refusal leaves ranges beyond *done as
 * they were). */
static long batch_advice(unsigned policy)
{
    long advice = __atomic_load_n(&advise_unused, __ATOMIC_RELAXED);

    if ((policy & PAL_POLICY_HARD_DECOMMIT) || advice == ADVISE_MMAP || strict_commit() ||
        __atomic_load_n(&batch_refused, __ATOMIC_RELAXED) || !have(PAL_FEAT_BATCH))
        return 0;
    if (policy & PAL_POLICY_DONTNEED)
        advice = LX_MADV_DONTNEED;
    if (advice == LX_MADV_DONTNEED && !dontneed_gives_zeroes())
        return 0;
    return advice;
}

/* Up to MARKS_BATCH end marks gathered over a batch, issued in one call. */
#define MARKS_BATCH 64

struct mark_batch {
    struct pal_mem_range m[MARKS_BATCH];
    size_t count;
};

static void marks_flush(struct mark_batch *b)
{
    if (b->count > 0)
        (void)pal_sys_process_madvise(LX_PIDFD_SELF_THREAD, b->m, b->count,
                                      LX_MADV_NOHUGEPAGE);
    b->count = 0;
}

static void marks_add(struct mark_batch *b, const struct pal_mem_range *r)
{
    struct pal_mem_range m[2];
    int k = end_marks((uintptr_t)r->v, r->n, m), i;

    for (i = 0; i < k; i++) {
        /* neighbouring ranges often end in the same huge page */
        if (b->count > 0 && b->m[b->count - 1].v == m[i].v && b->m[b->count - 1].n == m[i].n)
            continue;
        if (b->count == MARKS_BATCH)
            marks_flush(b);
        b->m[b->count++] = m[i];
    }
}

/* process_madvise on this process, up to IOV_MAX (UIO_MAXIOV) ranges a
 * call, the caller's array itself as the iovecs: one entry into the
 * kernel and, since 6.16, one TLB flush per call instead of per range.
 * The kernel stops at the first range it cannot advise and reports the
 * bytes done, and it also stops short of a call's end when the total
 * passes MAX_RW_COUNT (2 GiB): either way, the first range not wholly
 * advised goes through unused on its own, which finishes it or gives its
 * error, and batching resumes after it.  A call refused as a whole (a
 * sandbox's EPERM or ENOSYS) is remembered: one madvise per range from
 * then on. */
int pal_os_unused_ranges(const struct pal_mem_range *r, size_t count,
                         unsigned policy, size_t *done)
{
    long advice = batch_advice(policy), got;
    int marks = advice != 0 && end_marks_wanted(policy, 0), err;
    struct mark_batch mb;
    size_t i = 0, k, j;

    if (advice == 0)
        return pal_os_unused_each(r, count, policy, done);
    mb.count = 0;
    while (i < count) {
        k = count - i < LX_UIO_MAXIOV ? count - i : LX_UIO_MAXIOV;
        got = pal_sys_process_madvise(LX_PIDFD_SELF_THREAD, r + i, k, advice);
        /* ranges i..j-1 were wholly advised */
        for (j = i; j < i + k && !pal_sys_failed(got) && (size_t)got >= r[j].n; j++) {
            got -= (long)r[j].n;
            if (marks)
                marks_add(&mb, &r[j]);
        }
        if (j == i + k) {
            i = j;
            continue;
        }
        err = pal_os_unused(r[j].v, r[j].n, policy);
        if (err != PAL_OK) {
            marks_flush(&mb);
            *done = j;
            return err;
        }
        if (j == i && pal_sys_failed(got)) {
            /* the range was fine on its own: the batch was refused */
            __atomic_store_n(&batch_refused, 1, __ATOMIC_RELAXED);
            pal_os_count_fallback();
            marks_flush(&mb);
            err = pal_os_unused_each(r + j + 1, count - j - 1, policy, done);
            *done += j + 1;
            return err;
        }
        i = j + 1;
    }
    marks_flush(&mb);
    *done = count;
    return PAL_OK;
}

/* MADV_POPULATE_WRITE (5.14) faults the range in writable, as a write to
 * each page would, without changing a byte.  Where the probe found it
 * unknown (EINVAL before 5.14), or a sandbox forbids it later (ENOSYS,
 * EPERM), each page is touched instead.  Once the probe found it, EINVAL
 * means part of the range may not be written (or is a device mapping)
 * and EFAULT that an access there would fault: both PAL_EACCES.  ENOMEM:
 * out of memory, or not mapped. */
int pal_os_populate(void *v, size_t n)
{
    long r;

    if (!__atomic_load_n(&populate_refused, __ATOMIC_RELAXED) && have(PAL_FEAT_POPULATE)) {
        r = pal_sys_madvise(v, n, LX_MADV_POPULATE_WRITE);
        if (r == 0)
            return PAL_OK;
        if (r == -LX_EINVAL || r == -LX_EFAULT)
            return PAL_EACCES;
        if (r != -LX_ENOSYS && r != -LX_EPERM)
            return pal_sys_error(r);
        __atomic_store_n(&populate_refused, 1, __ATOMIC_RELAXED);
    }
    pal_os_count_fallback();
    pal_os_touch(v, n, os_page_size());
    return PAL_OK;
}

int pal_os_alloc(size_t n, unsigned policy, void **out)
{
    long r = pal_sys_mmap(0, n, PROT_RW, MAP_ANON_PRIVATE, -1, 0);

    if (pal_sys_failed(r))
        return pal_sys_error(r);
    if ((policy & PAL_POLICY_NO_THP) && os_huge_page_size() != 0)
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
        if (r == 0)
            return PAL_OK;
        /* Refused (a sandbox's EPERM, EINVAL on locked pages): a fresh
         * mapping gives the pages back all the same.  Only ENOSYS says
         * madvise is missing for good. */
        if (r == -LX_ENOSYS)
            downgrade(ADVISE_MMAP);
        else
            pal_os_count_fallback();
    } else {
        pal_os_count_fallback();
    }
    return remap(v, n, LX_PROT_NONE);
}

/* PAL_PROT_MTE and PAL_PROT_BTI need the CPU's support, which the kernel
 * reports in AT_HWCAP2 (arm64 only): without it PAL_ENOSYS, never a plain
 * protection in their place. */
int pal_os_protect(void *v, size_t n, unsigned prot)
{
    long p = LX_PROT_NONE;
    long r;

    if (prot & PAL_PROT_READ)
        p |= LX_PROT_READ;
    /* Write implies read: x86, arm64 and riscv64 cannot grant one without
     * the other and map PROT_WRITE read-write anyway, and MIPS kernels for
     * CPUs without RIXI (Debian's malta, 6.1) map it so that a read of a
     * page already present faults again and again: the reader hangs in
     * the kernel. */
    if (prot & PAL_PROT_WRITE)
        p |= LX_PROT_READ | LX_PROT_WRITE;
    if (prot & PAL_PROT_EXEC)
        p |= LX_PROT_EXEC;
    if (prot & PAL_PROT_MTE) {
        if (!have(PAL_FEAT_MTE))
            return PAL_ENOSYS;
        p |= LX_PROT_MTE;
    }
    if (prot & PAL_PROT_BTI) {
        if (!have(PAL_FEAT_BTI))
            return PAL_ENOSYS;
        p |= LX_PROT_BTI;
    }
    r = pal_sys_mprotect(v, n, p);
    return r == 0 ? PAL_OK : pal_sys_error(r);
}

/* ---- hints ------------------------------------------------------------ */

/* The caller wants huge pages somewhere: from now on unused keeps
 * released parts of huge pages from being filled back in (marks_needed). */
static void note_huge_asked(void)
{
    if (!__atomic_load_n(&huge_asked, __ATOMIC_RELAXED))
        __atomic_store_n(&huge_asked, 1, __ATOMIC_RELAXED);
}

int pal_os_hugepage(void *v, size_t n)
{
    long r;

    if (os_huge_page_size() == 0)
        return PAL_OK;
    note_huge_asked();
    r = hugepage_inside((uintptr_t)v, n);
    return r == 0 ? PAL_OK : pal_sys_error(r);
}

int pal_os_nohugepage(void *v, size_t n)
{
    long r;

    if (os_huge_page_size() == 0)
        return PAL_OK;
    r = pal_sys_madvise(v, n, LX_MADV_NOHUGEPAGE);
    return r == 0 ? PAL_OK : pal_sys_error(r);
}

int pal_os_collapse(void *v, size_t n)
{
    long r;

    if (!have(PAL_FEAT_THP_COLLAPSE))
        return PAL_ENOSYS;
    note_huge_asked();
    r = pal_sys_madvise(v, n, LX_MADV_COLLAPSE);
    if (r == 0)
        return PAL_OK;
    /* A best effort answers "not now" or "not here", nothing else: not
     * now for EINVAL (not eligible: a no-huge-page range), EBUSY (the
     * cgroup charge failed), EAGAIN (locked pages), ENOMEM (no huge page
     * to be had, or part of the range not mapped) and EFAULT; not here for
     * a sandbox's EPERM, EACCES or ENOSYS. */
    if (r == -LX_EPERM || r == -LX_EACCES || r == -LX_ENOSYS)
        return PAL_ENOSYS;
    return PAL_EAGAIN;
}

/* ---- beyond the Go runtime -------------------------------------------- */

/* Linux 6.13 guard regions install markers in the page tables: no VMA
 * split, no extra mapping.  Elsewhere, PROT_NONE. */
int pal_os_guard(void *v, size_t n)
{
    long r;

    if (have(PAL_FEAT_GUARD)) {
        r = pal_sys_madvise(v, n, LX_MADV_GUARD_INSTALL);
        /* ENOMEM: part of the range not mapped, which protection cannot
         * mend either; any other refusal (EINVAL on locked pages, a
         * sandbox's EPERM) leaves protection to do it */
        if (r == 0 || r == -LX_ENOMEM)
            return r == 0 ? PAL_OK : PAL_ENOMEM;
    }
    pal_os_count_fallback();
    r = pal_sys_mprotect(v, n, LX_PROT_NONE);
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
        return missing(PAL_FEAT_VMA_NAME);
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
        return missing(PAL_FEAT_RESIDENT);
    while (n > 0) {
        chunk = n < chunk_max ? n : chunk_max;
        if (chunk > os_page_size())
            chunk = pal_align_down(chunk, os_page_size());
        r = pal_sys_mincore((const void *)p, chunk, vec);
        if (r != 0)
            return pal_sys_error(r);
        for (i = 0; i * os_page_size() < chunk; i++) /* no __aeabi_uidiv */
            total += vec[i] & 1;
        p += chunk;
        n -= chunk;
    }
    *bytes = total * os_page_size();
    return PAL_OK;
}

/* ---- explicit huge pages ---------------------------------------------- */

size_t pal_os_huge_page_sizes(size_t *sizes, size_t max)
{
    size_t count = (size_t)hugetlb_count(), i;

    for (i = 0; i < count && i < max; i++)
        sizes[i] = __atomic_load_n(&hugetlb_sizes[i], __ATOMIC_RELAXED);
    return count;
}

/* A private hugetlb mapping of the pool of that size (log2 of it in the
 * flags' MAP_HUGE_SHIFT field).  Without MAP_NORESERVE the kernel reserves
 * the whole mapping's huge pages at mmap time, so a short pool is ENOMEM
 * here and never a SIGBUS at first touch.  (A fork child writing its copy
 * of a private mapping may still find the pool empty: the reservation
 * stays with the parent.) */
int pal_os_alloc_huge(size_t n, size_t page, void **out)
{
    long shift = 0, r;

    while (((size_t)1 << shift) < page)
        shift++;
    r = pal_sys_mmap(0, n, PROT_RW,
                     MAP_ANON_PRIVATE | LX_MAP_HUGETLB | (shift << LX_MAP_HUGE_SHIFT), -1, 0);
    if (pal_sys_failed(r))
        return pal_sys_error(r);
    *out = (void *)r;
    return PAL_OK;
}

/* ---- NUMA ------------------------------------------------------------- */

unsigned pal_os_numa_nodes(void)
{
    return numa_count();
}

int pal_os_current_node(unsigned *node)
{
    unsigned cpu, nd;
    long r = pal_sys_getcpu(&cpu, &nd);

    if (r != 0) /* no getcpu (a sandbox): the node is unknown */
        return PAL_ENOSYS;
    *node = nd;
    return PAL_OK;
}

/* MPOL_PREFERRED: pages come from node while it has free memory, from the
 * nearest others after, never a failed fault (MPOL_BIND would OOM). */
int pal_os_bind_node(void *v, size_t n, unsigned node)
{
    long r = bind_preferred(v, n, node);

    return r == 0 ? PAL_OK : pal_sys_error(r);
}
