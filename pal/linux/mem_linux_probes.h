/*
 * mem_linux_probes.h - the feature probes, on scratch mappings, and the
 * facts read on first use (explicit huge page sizes, NUMA nodes).
 *
 * Part of mem_linux.c, which includes it (after sys_linux.h, pal_ranges.h
 * and the headers before it: setup, probes, marks, release, track); not a
 * header of its own.
 */
#ifndef PAL_MEM_LINUX_PROBES_H
#define PAL_MEM_LINUX_PROBES_H

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

/* Whether MADV_DONTNEED gives back zero-filled pages here (qemu-user before
 * 7.1 returned success and kept the contents): PAL_OS_YES/NO. */
static int dontneed_zeroes;

/* A scratch page written, advised MADV_DONTNEED and read back: 1 if it
 * reads zero, 0 if it kept its contents, -1 if the advice was refused. */
static int dontneed_read_back(void *scratch)
{
    *(volatile char *)scratch = 1;
    if (!probe_madvise(scratch, LX_MADV_DONTNEED))
        return -1;
    return *(volatile char *)scratch == 0;
}

/* MADV_DONTNEED accepted; and whether it zeroes, the fact dontneed_probe
 * (mem_linux_release.h) would otherwise learn on a scratch page of its
 * own, three system calls more. */
static int probe_dontneed(void *scratch)
{
    int z = dontneed_read_back(scratch);

    if (z < 0)
        return 0;
    __atomic_store_n(&dontneed_zeroes, z ? PAL_OS_YES : PAL_OS_NO, __ATOMIC_RELAXED);
    return 1;
}

static int probe_vma_name(void *scratch)
{
    return pal_sys_prctl(LX_PR_SET_VMA, LX_PR_SET_VMA_ANON_NAME, (long)scratch,
                         (long)os_page_size(), (long)"pal-probe") == 0;
}

/* MADV_COLLAPSE refuses (EINVAL) a VMA that could not hold an aligned huge
 * page, or that was never touched (no anon_vma yet), so the scratch VMA
 * spans two huge pages and one page more, and one page is written.  The
 * advised range is one page at a huge-page boundary, holding no whole huge
 * page: 0 (nothing to do) where collapse exists, EINVAL (unknown advice)
 * where it does not.  Nothing is collapsed.  qemu-user (7.2) answers 0 to
 * advice it does not know, so the answer is checked against one only a
 * real collapse gives: the same range marked no-huge-page is refused
 * (EINVAL: not eligible).  -1 where the scratch mapping could not be had:
 * nothing learnt.
 * The page written is one whose aligned huge page is not all inside the
 * VMA: under THP "always" a write elsewhere faults in a whole huge page
 * (2 MiB zeroed at every process's first probe).  That is the last page,
 * or the first where the last one's huge page ends with the VMA. */
static int probe_collapse(void)
{
    size_t h = os_huge_page_size(), ps = os_page_size(), len = 2 * h + ps;
    long m = pal_sys_mmap(0, len, PROT_RW, MAP_ANON_PRIVATE, -1, 0);
    uintptr_t boundary, last;
    int ok;

    if (pal_sys_failed(m))
        return -1;
    last = (uintptr_t)m + 2 * h;
    *(volatile char *)(((last + ps) & (h - 1)) == 0 ? (uintptr_t)m : last) = 1;
    boundary = pal_align_up((uintptr_t)m + 1, h);
    ok = probe_madvise((void *)boundary, LX_MADV_COLLAPSE) &&
         pal_sys_madvise((void *)m, len, LX_MADV_NOHUGEPAGE) == 0 &&
         pal_sys_madvise((void *)boundary, ps, LX_MADV_COLLAPSE) == -LX_EINVAL;
    pal_sys_munmap((void *)m, len);
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
 * has room for 4 KiB units.  The untouched page is the scratch mapping's
 * inaccessible fence, as Reserved memory is: qemu-user (7.2) refuses
 * mincore on PROT_NONE pages (ENOMEM, as if unmapped), so there
 * pal_mem_resident could not answer for Reserved memory. */
static int probe_resident(void *fence, void *touched)
{
    unsigned char vec[2 * 65536 / 4096];

    if (2 * os_page_size() > sizeof vec * 4096)
        return 0;
    vec[0] = vec[1] = 0xff;
    *(volatile char *)touched = 1;
    return pal_sys_mincore(fence, 2 * os_page_size(), vec) == 0 && (vec[0] & 1) == 0 &&
           (vec[1] & 1) == 1;
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
 * ("hugepages-2048kB"), ascending.  -1 until listed; hugetlb_count
 * answers -1 while the directory cannot be listed. */
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
    /* not listed now (see refused_for_good): no pools for this call, and
     * the directory is asked again on the next */
    if (pal_sys_failed(fd) && !refused_for_good(fd))
        return -1;
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
        if (pal_sys_failed(got) && !refused_for_good(got))
            return -1;
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

    long got;

    if (nodes != 0)
        return nodes;
    got = read_file("/sys/devices/system/node/possible", buf, sizeof buf);
    if (got == READ_AGAIN)
        return 1; /* one node for now, asked again next time */
    if (got > 0)
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

/* MPOL_PREFERRED with no node: local allocation (the node of the CPU
 * that faults, then the nearest), which mbind takes whichever nodes have
 * memory. */
static long bind_local(void *v, size_t n)
{
    return pal_sys_mbind(v, n, LX_MPOL_PREFERRED, 0, 0);
}

/* More than one node, and mbind, asked with no node: node 0 may have no
 * memory (a memoryless node, or one outside the cpuset), where binding
 * the probe to it would say no NUMA at all. */
static int probe_numa(void *scratch)
{
    return numa_count() > 1 && bind_local(scratch, os_page_size()) == 0;
}

/* The features probed on the shared two-page scratch mapping. */
#define SCRATCH_PROBES (PAL_FEAT_RESIDENT | PAL_FEAT_POPULATE | PAL_FEAT_BATCH | PAL_FEAT_NUMA | \
                        PAL_FEAT_MADV_FREE | PAL_FEAT_MADV_DONTNEED | PAL_FEAT_VMA_NAME |        \
                        PAL_FEAT_FIXED_NOREPLACE | PAL_FEAT_GUARD | PAL_FEAT_TRACK)

static int probe_track(void *untracked);

/* Probe the features in want that are not known yet; return all found. */
static unsigned probe(unsigned want)
{
    unsigned long hwcap2;
    unsigned have = 0;
    int collapse, k;
    long m;
    char *s;

    want = pal_os_unprobed(&feats, want);
    if (want == 0)
        return pal_os_have(&feats);
    hwcap2 = __atomic_load_n(&hwcap2_word, __ATOMIC_RELAXED);
    /* facts that could not be read now (see read_file) are asked again
     * on the next probe, the features that hang on them left unknown */
    if (os_huge_page_size() != 0)
        have |= PAL_FEAT_THP;
    else if (__atomic_load_n(&huge_page_size_word, __ATOMIC_RELAXED) == SIZE_UNKNOWN)
        want &= ~(PAL_FEAT_THP | PAL_FEAT_THP_COLLAPSE);
    if ((want & (PAL_FEAT_MTE | PAL_FEAT_BTI)) && !__atomic_load_n(&hwcap2_known, __ATOMIC_ACQUIRE)) {
        hwcap2_learn();
        if (!__atomic_load_n(&hwcap2_known, __ATOMIC_ACQUIRE))
            want &= ~(PAL_FEAT_MTE | PAL_FEAT_BTI);
        hwcap2 = __atomic_load_n(&hwcap2_word, __ATOMIC_RELAXED);
    }
    /* 0 in the tables of every architecture but arm64 */
    if (LX_HWCAP2_MTE != 0 && (hwcap2 & LX_HWCAP2_MTE) && LX_PROT_MTE != 0)
        have |= PAL_FEAT_MTE;
    if (LX_HWCAP2_BTI != 0 && (hwcap2 & LX_HWCAP2_BTI) && LX_PROT_BTI != 0)
        have |= PAL_FEAT_BTI;
    if ((want & PAL_FEAT_SEAL) && probe_seal())
        have |= PAL_FEAT_SEAL;
    /* A scratch mapping that cannot be had (out of address space,
     * mappings or commit) teaches nothing: those features are probed
     * again next time, and the ones learnt without it are kept. */
    if ((want & PAL_FEAT_THP_COLLAPSE) && os_huge_page_size() != 0) {
        collapse = probe_collapse();
        if (collapse > 0)
            have |= PAL_FEAT_THP_COLLAPSE;
        else if (collapse < 0)
            want &= ~PAL_FEAT_THP_COLLAPSE;
    }
    if (want & PAL_FEAT_HUGETLB) {
        k = hugetlb_count();
        if (k > 0)
            have |= PAL_FEAT_HUGETLB;
        else if (k < 0)
            want &= ~PAL_FEAT_HUGETLB;
    }
    if (want & PAL_FEAT_NUMA) {
        (void)numa_count();
        if (__atomic_load_n(&numa_nodes_word, __ATOMIC_RELAXED) == 0)
            want &= ~PAL_FEAT_NUMA;
    }
    m = 0;
    if (want & SCRATCH_PROBES) {
        /* Two read-write pages between two inaccessible ones of the
         * library's own: a read-write mapping next to a neighbour's
         * merges with it into one VMA, and installing a guard marks the
         * whole VMA it lands in as holding guards for the VMA's life
         * (VmFlags "gu"; fork then copies its page tables), so the
         * neighbour would keep the mark after the scratch pages are gone. */
        m = pal_sys_mmap(0, 4 * os_page_size(), LX_PROT_NONE, MAP_ANON_PRIVATE, -1, 0);
        if (pal_sys_failed(m)) {
            want &= ~SCRATCH_PROBES;
        } else if (pal_sys_mprotect((void *)(m + (long)os_page_size()), 2 * os_page_size(),
                                    PROT_RW) != 0) {
            pal_sys_munmap((void *)m, 4 * os_page_size());
            want &= ~SCRATCH_PROBES;
        }
    }
    if (want & SCRATCH_PROBES) {
        /* the fence below s is the untouched inaccessible page resident
         * asks about; s[ps] stays untouched until populate's probe */
        s = (char *)(m + (long)os_page_size());
        if ((want & PAL_FEAT_RESIDENT) && probe_resident((void *)m, s))
            have |= PAL_FEAT_RESIDENT;
        if ((want & PAL_FEAT_POPULATE) && probe_populate(s + os_page_size()))
            have |= PAL_FEAT_POPULATE;
        if (want & PAL_FEAT_TRACK) {
            k = probe_track(s + os_page_size());
            if (k > 0)
                have |= PAL_FEAT_TRACK;
            else if (k < 0)
                want &= ~PAL_FEAT_TRACK;
        }
        if ((want & PAL_FEAT_BATCH) && probe_batch(s))
            have |= PAL_FEAT_BATCH;
        if ((want & PAL_FEAT_NUMA) && probe_numa(s))
            have |= PAL_FEAT_NUMA;
        if ((want & PAL_FEAT_MADV_FREE) && probe_madvise(s, LX_MADV_FREE))
            have |= PAL_FEAT_MADV_FREE;
        if ((want & PAL_FEAT_MADV_DONTNEED) && probe_dontneed(s))
            have |= PAL_FEAT_MADV_DONTNEED;
        if ((want & PAL_FEAT_VMA_NAME) && probe_vma_name(s))
            have |= PAL_FEAT_VMA_NAME;
        if ((want & PAL_FEAT_FIXED_NOREPLACE) && probe_fixed_noreplace(s))
            have |= PAL_FEAT_FIXED_NOREPLACE;
        if ((want & PAL_FEAT_GUARD) && probe_guard(s))
            have |= PAL_FEAT_GUARD;
        pal_sys_munmap((void *)m, 4 * os_page_size());
    }
    return pal_os_probed(&feats, want, have);
}

static int have(unsigned feature)
{
    return (probe(feature) & feature) != 0;
}

/* The answer of a function whose feature is missing: PAL_ENOSYS once the
 * probe has said so, PAL_ENOMEM while it could not run (no scratch
 * mapping to be had: out of address space or mappings). */
static int feature_error(unsigned feature)
{
    return pal_os_unprobed(&feats, feature) ? PAL_ENOMEM : PAL_ENOSYS;
}

unsigned pal_os_features(void)
{
    unsigned f = probe(~0u) | PAL_FEAT_PROTECT;

    if (pal_os_flag(&batch_refused))
        f &= ~PAL_FEAT_BATCH;
    if (pal_os_flag(&populate_refused))
        f &= ~PAL_FEAT_POPULATE;
    return f;
}

#endif /* PAL_MEM_LINUX_PROBES_H */
