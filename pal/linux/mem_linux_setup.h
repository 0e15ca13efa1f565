/*
 * mem_linux_setup.h - the Linux backend's facts learnt at set-up or on
 * first use (page and huge page sizes, hwcaps, THP mode, the feature bits,
 * what unused advises) and pal_os_init.
 *
 * Part of mem_linux.c, which includes it (after sys_linux.h, pal_ranges.h
 * and the headers before it: setup, probes, marks, release, track); not a
 * header of its own.
 */
#ifndef PAL_MEM_LINUX_SETUP_H
#define PAL_MEM_LINUX_SETUP_H

/* The THP size (0: none), read at init; SIZE_UNKNOWN while the files
 * could not be read (see read_file): asked again on the next use. */
#define SIZE_UNKNOWN PAL_OS_SIZE_UNKNOWN
static size_t huge_page_size_word = SIZE_UNKNOWN;

static size_t thp_learn(void);

static inline size_t os_huge_page_size(void)
{
    size_t h = __atomic_load_n(&huge_page_size_word, __ATOMIC_RELAXED);

    if (h == SIZE_UNKNOWN)
        h = thp_learn();
    return h != SIZE_UNKNOWN ? h : 0;
}

/* AT_HWCAP2 from the auxiliary vector, read at init with the page size
 * (arm64: memory tagging and branch protection; 0 elsewhere); whether it
 * was read (else the probe asks again). */
static unsigned long hwcap2_word;
static int hwcap2_known;

/* THP mode "always" (1) or not (0), read with the huge page size. */
static int thp_always_word;

/* The feature bits probed so far (pal_os.h). */
static struct pal_os_feature_cache feats;

/* Set once a batched release was refused where the probe had found it
 * (a seccomp filter, a sandbox): one madvise per range from then on. */
static int batch_refused;

/* Set once MADV_POPULATE_WRITE was refused as unknown or forbidden: each
 * page is touched from then on. */
static int populate_refused;

/* What unused advises, as Go's adviseUnused: MADV_FREE until a kernel older
 * than 4.5 refuses it (EINVAL), MADV_DONTNEED until madvise itself is
 * missing (ENOSYS: CONFIG_ADVISE_SYSCALLS=n, or a sandbox), then a fresh
 * mapping.  Never upgraded. */
#define ADVISE_MMAP 0
static long advise_unused = LX_MADV_FREE;

/* ---- set-up ----------------------------------------------------------- */

/* The answer of read_file when the file could not be read now. */
#define READ_AGAIN (-2)

/* Whether a failed open or read says the answer is absent for good: the
 * file is not there (no /proc, no /sys, a kernel built without it), or
 * the sandbox refuses it (EACCES, EPERM, ENOSYS), which it will go on
 * doing.  Anything else (EMFILE and ENFILE at the descriptor limits,
 * ENOMEM, EINTR, EAGAIN) is a passing state: what the file says is not
 * known, and must not be remembered as "none". */
static int refused_for_good(long r)
{
    return r == -LX_ENOENT || r == -LX_EACCES || r == -LX_EPERM || r == -LX_ENOSYS;
}

/* Read a small procfs or sysfs file into buf (NUL-terminated); the
 * length, -1 where the file is absent or refused for good, or READ_AGAIN
 * where it could not be read now.  Those files come whole in one read, so
 * a short read is the end: no further read just to be told so. */
static long read_file(const char *path, char *buf, size_t size)
{
    long fd = pal_sys_openat(LX_AT_FDCWD, path, LX_O_RDONLY | LX_O_CLOEXEC);
    long got = 0, r = 0;
    size_t want;
    int interrupted = 0;

    buf[0] = '\0';
    if (pal_sys_failed(fd))
        return refused_for_good(fd) ? -1 : READ_AGAIN;
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
    if (got == 0 && pal_sys_failed(r))
        return refused_for_good(r) ? -1 : READ_AGAIN;
    return got;
}

/* AT_PAGESZ (returned) and AT_HWCAP2 (into *hwcap2) from the auxiliary
 * vector the kernel gave this process; *known says whether the vector
 * could be read or is absent for good (no /proc: no hwcaps). */
static size_t page_size_from_auxv(unsigned long *hwcap2, int *known)
{
    unsigned long auxv[96]; /* pairs; about 25 of them on today's kernels */
    long got = read_file("/proc/self/auxv", (char *)auxv, sizeof auxv);
    size_t page = 0;
    long i;

    *known = got != READ_AGAIN;
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

/* The PMD huge page size, 0 when THP is absent or set to "never" (the
 * bracketed word in .../enabled is the mode in force), SIZE_UNKNOWN where
 * the files could not be read now; *always says whether the mode is
 * "always". */
static size_t thp_size(int *always)
{
    char buf[128];
    const char *p;
    long got = read_file("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof buf);

    if (got == READ_AGAIN)
        return SIZE_UNKNOWN;
    if (got <= 0)
        return 0;
    for (p = buf; *p != '\0' && *p != '['; p++)
        ;
    if (p[0] == '[' && p[1] == 'n' && p[2] == 'e')
        return 0;
    *always = p[0] == '[' && p[1] == 'a';
    got = read_file("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", buf, sizeof buf);
    if (got == READ_AGAIN)
        return SIZE_UNKNOWN;
    return got > 0 ? parse_size(buf) : 0;
}

/* Read the THP mode and size, kept once read; SIZE_UNKNOWN (kept as that,
 * so asked again on the next use) where they could not be read.  A racing
 * reader may see the size before the mode: marks_needed would then miss
 * one mark, a hint. */
static size_t thp_learn(void)
{
    int always = 0;
    size_t h = thp_size(&always);

    if (h != SIZE_UNKNOWN) {
        __atomic_store_n(&thp_always_word, always, __ATOMIC_RELAXED);
        __atomic_store_n(&huge_page_size_word, h, __ATOMIC_RELAXED);
    }
    return h;
}

/* AT_HWCAP2 again, where init could not read the auxiliary vector. */
static void hwcap2_learn(void)
{
    unsigned long hwcap2 = 0;
    int known;

    (void)page_size_from_auxv(&hwcap2, &known);
    if (known) {
        __atomic_store_n(&hwcap2_word, hwcap2, __ATOMIC_RELAXED);
        __atomic_store_n(&hwcap2_known, 1, __ATOMIC_RELEASE);
    }
}

/* A fact that could not be read now (no descriptor free: EMFILE) is not
 * taken for "none": *hps is then PAL_OS_SIZE_UNKNOWN, and the auxiliary
 * vector's hwcaps and the THP size are read again on their next use. */
int pal_os_init(size_t *ps, size_t *hps)
{
    unsigned long hwcap2 = 0;
    int known;
    size_t p = os_page_size(), h;

    /* called again for the huge page size alone (pal_os.h): only what is
     * still unknown is read */
    if (p != 0) {
        h = __atomic_load_n(&huge_page_size_word, __ATOMIC_RELAXED);
        *ps = p;
        *hps = h != SIZE_UNKNOWN ? h : thp_learn();
        return PAL_OK;
    }
    p = page_size_from_auxv(&hwcap2, &known);
    /* without /proc, no hwcaps either: no tagging, no branch protection */
    if (p == 0)
        p = page_size_by_probing();
    if (p == 0 || (p & (p - 1)) != 0)
        return PAL_EOS;
    h = thp_learn();
    if (known) {
        __atomic_store_n(&hwcap2_word, hwcap2, __ATOMIC_RELAXED);
        __atomic_store_n(&hwcap2_known, 1, __ATOMIC_RELEASE);
    }
    os_page_size_set(p);
    *ps = p;
    *hps = h;
    return PAL_OK;
}

#endif /* PAL_MEM_LINUX_SETUP_H */
