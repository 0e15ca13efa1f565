/*
 * test_purge.c - pal_mem_purge on Linux, checked against the kernel's own
 * word: residency by mincore(2) and MADV_FREE's clean pages by the
 * Private_Dirty lines of /proc/self/smaps (not the library's
 * pal_mem_resident), the
 * mapping by /proc/self/maps, huge-page marks by smaps' VmFlags, and the
 * fallbacks forced for real by seccomp filters in children (the parent
 * never calls libpal, so each child starts with nothing learnt).
 *
 * What purge must do here (pal/pal_mem.h, the Linux backend's comment):
 * ZERO is MADV_DONTNEED, LAZY is MADV_FREE, or MADV_DONTNEED where that is
 * refused; never a fresh mapping; locked pages PAL_EAGAIN; where madvise
 * is missing, ZERO writes zeros and LAZY does nothing, each a counted
 * fallback; huge-page end marks as unused makes them.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "lx_util.h"

#ifndef MADV_FREE
#define MADV_FREE 8
#endif

static struct pal_mem_stats stats_now(void)
{
    struct pal_mem_stats st;

    pal_mem_get_stats(&st);
    return st;
}

/* Pages of [p, p+n) resident, by mincore itself; -1 if it fails. */
static long resident_pages(const void *p, size_t n)
{
    static unsigned char vec[4096];
    size_t ps = (size_t)sysconf(_SC_PAGESIZE), i, pages = n / ps;
    long count = 0;

    if (pages > sizeof vec || syscall(SYS_mincore, p, n, vec) != 0)
        return -1;
    for (i = 0; i < pages; i++)
        count += vec[i] & 1;
    return count;
}

/* Private_Dirty of the mappings overlapping [lo, hi), in KiB; -1 where
 * smaps cannot be read.  MADV_FREE cleans the pages at once (the kernel
 * may then drop them without swapping), while they stay resident; the
 * LazyFree line would say the same only once a per-CPU batch is drained. */
static long dirty_kb(uintptr_t lo, uintptr_t hi)
{
    const char *s;
    uintptr_t a, b;
    int in = 0, seen = 0;
    long kb = 0;

    if (lx_read_proc("/proc/self/smaps") <= 0)
        return -1;
    for (s = lx_buf; *s != '\0'; s = lx_next_line(s)) {
        if (lx_is_header(s, &a, &b)) {
            in = a < hi && b > lo;
        } else if (th_strncmp(s, "Private_Dirty:", 14) == 0) {
            seen = 1;
            if (in)
                kb += (long)lx_kb(s + 14);
        }
    }
    return seen ? kb : -1;
}

/* Whether MADV_DONTNEED leaves zero-filled pages here, asked of the kernel
 * (or emulator) directly: qemu-user before 7.1 kept the contents. */
static int dontneed_zeroes_here(void)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int z;

    if (m == MAP_FAILED)
        return -1;
    m[0] = 1;
    z = madvise(m, ps, MADV_DONTNEED) == 0 && *(volatile char *)m == 0;
    munmap(m, ps);
    return z;
}

/* mlock and munlock as system calls: AddressSanitizer's interceptors
 * answer 0 and lock nothing. */
static long lock_pages(const void *p, size_t n)
{
    return syscall(SYS_mlock, p, n);
}

static long unlock_pages(const void *p, size_t n)
{
    return syscall(SYS_munlock, p, n);
}

/* A page of [p, p+n) that holds neither all old nor all zero, or -1. */
static long neither_old_nor_zero(const char *p, size_t n, unsigned char old)
{
    size_t ps = pal_mem_page_size(), i;

    for (i = 0; i < n; i += ps)
        if (!th_all_bytes(p + i, ps, old) && !th_all_bytes(p + i, ps, 0))
            return (long)(i / ps);
    return -1;
}

/* ---- ZERO and LAZY on this kernel ------------------------------------- */

/* ZERO: one madvise, the pages gone (mincore), zeros read back, the
 * mapping (maps) and its access as they were.  thpgranular=0: no marks,
 * so the count is exact. */
static int child_zero(void *arg)
{
    struct pal_mem_stats s0, s1;
    size_t ps, n;
    long vmas;
    void *v;
    char *p;

    (void)arg;
    C_CHECK(lx_library_fresh());
    ps = pal_mem_page_size();
    n = 16 * ps;
    C_CHECK_OK(pal_mem_set_policy(PAL_POLICY_DONTNEED));
    C_CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    /* the first purge learns whether MADV_DONTNEED zeroes (a probe) */
    C_CHECK_OK(pal_mem_purge(p, ps, PAL_PURGE_ZERO));
    th_memset(p, 0x5c, n);
    C_CHECK_EQ(resident_pages(p, n), (long)(n / ps));
    vmas = lx_count_vmas((uintptr_t)p, (uintptr_t)p + n);
    s0 = stats_now();
    C_CHECK_OK(pal_mem_purge(p + 4 * ps, 8 * ps, PAL_PURGE_ZERO));
    s1 = stats_now();
    C_CHECK_EQ(s1.os_calls - s0.os_calls, 1);
    C_CHECK_EQ(s1.fallbacks - s0.fallbacks, 0);
    C_CHECK_EQ(resident_pages(p, n), 8);
    C_CHECK(th_all_bytes(p + 4 * ps, 8 * ps, 0));
    C_CHECK(th_all_bytes(p, 4 * ps, 0x5c));
    C_CHECK(th_all_bytes(p + 12 * ps, 4 * ps, 0x5c));
    C_CHECK_EQ(lx_count_vmas((uintptr_t)p, (uintptr_t)p + n), vmas);
    C_CHECK_EQ(lx_faults(p + 4 * ps, 1), 0);
    C_CHECK_OK(pal_mem_free(p, n));
    return 0;
}

static void purge_zero_is_dontneed(void)
{
    int z = dontneed_zeroes_here();

    if (z < 0)
        SKIP("no scratch mapping to ask MADV_DONTNEED about");
    if (z == 0)
        SKIP("MADV_DONTNEED keeps the contents here (an old qemu-user): ZERO writes "
             "zeros instead (purge_zero_without_zeroing_dontneed)");
    /* qemu-user emulating guest pages larger than the x86-64 host's 4 KiB
     * ones answers mincore for the host pages it keeps (seen: 16 of 16
     * pages resident after 8 were released, where a raw two-page check
     * still shows the release) */
    if (lx_qemu_user() && sysconf(_SC_PAGESIZE) > 4096)
        SKIP("qemu-user emulating a page size above the host's: mincore's answer "
             "after a release is qemu's, not the kernel's");
    RUN_CHILD(child_zero, NULL);
}

/* LAZY: one MADV_FREE: the pages stay resident (mincore) but are clean
 * (smaps), each reading its old contents or zero; written again, kept. */
static int child_lazy(void *arg)
{
    struct pal_mem_stats s0, s1;
    size_t ps, n;
    long before, after;
    void *v;
    char *p;

    (void)arg;
    C_CHECK(lx_library_fresh());
    ps = pal_mem_page_size();
    n = 16 * ps;
    C_CHECK_OK(pal_mem_set_policy(PAL_POLICY_DONTNEED)); /* not what LAZY uses */
    /* a mapping of its own: Reserved pages either side */
    C_CHECK_OK(pal_mem_reserve(NULL, n + 2 * ps, &v));
    p = (char *)v + ps;
    C_CHECK_OK(pal_mem_map(p, n));
    C_CHECK_OK(pal_mem_used(p, n));
    th_memset(p, 0x6e, n);
    before = dirty_kb((uintptr_t)p, (uintptr_t)p + n);
    C_CHECK_EQ(before, (long)(n / 1024));
    s0 = stats_now();
    C_CHECK_OK(pal_mem_purge(p + 4 * ps, 8 * ps, PAL_PURGE_LAZY));
    s1 = stats_now();
    C_CHECK_EQ(s1.os_calls - s0.os_calls, 1);
    C_CHECK_EQ(s1.fallbacks - s0.fallbacks, 0);
    after = dirty_kb((uintptr_t)p, (uintptr_t)p + n);
    C_CHECK_EQ(after, (long)(8 * ps / 1024));
    C_CHECK_EQ(resident_pages(p, n), (long)(n / ps));
    C_CHECK_EQ(neither_old_nor_zero(p, n, 0x6e), -1);
    th_memset(p + 4 * ps, 0x6f, 8 * ps);
    C_CHECK(th_all_bytes(p + 4 * ps, 8 * ps, 0x6f));
    C_CHECK_EQ(dirty_kb((uintptr_t)p, (uintptr_t)p + n), (long)(n / 1024));
    C_CHECK_OK(pal_mem_free(v, n + 2 * ps));
    return 0;
}

/* Whether madvise(MADV_FREE) cleans a dirty page here, asked of the
 * kernel directly: 1 yes, 0 refused, -1 taken but nothing cleaned
 * (qemu-user accepts it and does nothing), -2 smaps cannot tell. */
static int madv_free_cleans(void)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, 3 * ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uintptr_t a = (uintptr_t)m + ps; /* the middle page: a mapping of its own */
    int r;

    if (m == MAP_FAILED)
        return -2;
    if (mprotect(m + ps, ps, PROT_READ | PROT_WRITE) != 0) {
        munmap(m, 3 * ps);
        return -2;
    }
    m[ps] = 1;
    if (dirty_kb(a, a + ps) != (long)(ps / 1024))
        r = -2;
    else if (madvise(m + ps, ps, MADV_FREE) != 0)
        r = 0;
    else
        r = dirty_kb(a, a + ps) == 0 ? 1 : -1;
    munmap(m, 3 * ps);
    return r;
}

static void purge_lazy_is_madv_free(void)
{
    switch (madv_free_cleans()) {
    case -2:
        SKIP("smaps does not count a scratch page's dirty bytes (qemu-user's emulated smaps)");
    case -1:
        SKIP("madvise(MADV_FREE) is taken but cleans nothing here (qemu-user)");
    case 0:
        SKIP("madvise(MADV_FREE) refused here (before Linux 4.5)");
    }
    RUN_CHILD(child_lazy, NULL);
}

/* ---- locked pages ------------------------------------------------------ */

/* Locked pages refuse both advices (EINVAL): PAL_EAGAIN, as unused,
 * contents and residency as they were.  arg non-NULL: MADV_FREE takes
 * locked pages here (qemu-user accepts it and does nothing), so LAZY may
 * answer PAL_OK, with the contents kept. */
static int child_locked(void *arg)
{
    size_t ps, n;
    void *v;
    char *p;

    ps = pal_mem_page_size();
    n = 4 * ps;
    C_CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    th_memset(p, 0x7a, n);
    if (lock_pages(p, n) != 0)
        C_SKIP("mlock refused (RLIMIT_MEMLOCK): no locked pages to purge");
    C_CHECK_EQ(pal_mem_purge(p, n, PAL_PURGE_ZERO), PAL_EAGAIN);
    if (arg == NULL)
        C_CHECK_EQ(pal_mem_purge(p, n, PAL_PURGE_LAZY), PAL_EAGAIN);
    else
        C_CHECK_OK(pal_mem_purge(p, n, PAL_PURGE_LAZY));
    C_CHECK(th_all_bytes(p, n, 0x7a));
    C_CHECK_EQ(resident_pages(p, n), 4);
    C_CHECK(unlock_pages(p, n) == 0);
    C_CHECK_OK(pal_mem_purge(p, n, PAL_PURGE_ZERO));
    C_CHECK(th_all_bytes(p, n, 0));
    C_CHECK_OK(pal_mem_free(p, n));
    return 0;
}

/* Whether madvise(advice) refuses a locked page here, asked of the
 * kernel directly: 1 yes, 0 it takes it (qemu-user answers madvise
 * itself), -1 no page could be locked. */
static int locked_refused(int advice)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int r = -1;

    if (m == MAP_FAILED)
        return -1;
    m[0] = 1;
    if (lock_pages(m, ps) == 0)
        r = madvise(m, ps, advice) != 0 && errno == EINVAL;
    munmap(m, ps);
    return r;
}

static void purge_locked_is_eagain(void)
{
    int r = locked_refused(MADV_DONTNEED);

    if (r < 0)
        SKIP("mlock refused (RLIMIT_MEMLOCK): no locked pages to purge");
    if (r == 0)
        SKIP("madvise(MADV_DONTNEED) takes locked pages here (qemu-user answers madvise itself)");
    RUN_CHILD(child_locked, locked_refused(MADV_FREE) == 1 ? NULL : (void *)1);
}

/* ---- fallbacks --------------------------------------------------------- */

/* madvise missing (ENOSYS), and mmap refused, so that a fresh mapping
 * (which purge must never make) would show as an error; not under a
 * sanitizer, whose runtime maps memory of its own at any time. */
static const struct lx_rule no_madvise_no_mmap[] = {
    { SYS_madvise, -1, 0, 0, LX_ERRNO(ENOSYS) },
#ifndef LX_SANITIZER_RUNTIME
#ifdef SYS_mmap
    { SYS_mmap, -1, 0, 0, LX_ERRNO(ENODEV) },
#endif
#ifdef SYS_mmap2
    { SYS_mmap2, -1, 0, 0, LX_ERRNO(ENODEV) },
#endif
#endif
};

/* ZERO writes zeros (nothing released), LAZY does nothing; each counts a
 * fallback and neither remaps.  Learnt nothing for good: unused still
 * tries madvise (and, refused, remaps: which mmap refuses here). */
static int child_without_madvise(void *arg)
{
    struct pal_mem_stats s0, s1;
    size_t ps, n;
    void *v;
    char *p;

    (void)arg;
    C_CHECK(lx_library_fresh());
    ps = pal_mem_page_size();
    n = 8 * ps;
    C_CHECK_OK(pal_mem_set_policy(PAL_POLICY_DONTNEED));
    C_CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    (void)pal_mem_features(); /* the probes, before the filter */
    C_CHECK_OK(pal_mem_purge(p, ps, PAL_PURGE_ZERO));
    th_memset(p, 0x2d, n);
    C_SECCOMP(no_madvise_no_mmap, SECCOMP_RET_ALLOW);
    s0 = stats_now();
    C_CHECK_OK(pal_mem_purge(p, 4 * ps, PAL_PURGE_ZERO));
    s1 = stats_now();
    C_CHECK_EQ(s1.fallbacks - s0.fallbacks, 1);
    C_CHECK(th_all_bytes(p, 4 * ps, 0));
    C_CHECK(th_all_bytes(p + 4 * ps, 4 * ps, 0x2d));
    s0 = stats_now();
    C_CHECK_OK(pal_mem_purge(p + 4 * ps, 4 * ps, PAL_PURGE_LAZY));
    s1 = stats_now();
    C_CHECK_EQ(s1.fallbacks - s0.fallbacks, 1);
    C_CHECK_EQ(neither_old_nor_zero(p + 4 * ps, 4 * ps, 0x2d), -1);
    C_CHECK_EQ(lx_faults(p, 1), 0);
    C_CHECK_OK(pal_mem_purge_ranges(&(struct pal_mem_range){ p, n }, 1, PAL_PURGE_ZERO,
                                    NULL));
    C_CHECK(th_all_bytes(p, n, 0));
    return 0;
}

static void purge_without_madvise(void)
{
    RUN_CHILD(child_without_madvise, NULL);
}

static const struct lx_rule no_madv_free[] = {
    { SYS_madvise, 2, 0xffffffffu, MADV_FREE, LX_ERRNO(EINVAL) },
};

/* MADV_FREE unknown (EINVAL, as before 4.5): LAZY is MADV_DONTNEED
 * (released at once, zeros), learnt once (a fallback), then one call. */
static int child_madv_free_refused(void *arg)
{
    struct pal_mem_stats s0, s1;
    size_t ps, n;
    void *v;
    char *p;

    (void)arg;
    C_CHECK(lx_library_fresh());
    ps = pal_mem_page_size();
    n = 8 * ps;
    C_CHECK_OK(pal_mem_set_policy(0));
    C_CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    th_memset(p, 0x3e, n);
    C_SECCOMP(no_madv_free, SECCOMP_RET_ALLOW);
    s0 = stats_now();
    C_CHECK_OK(pal_mem_purge(p, n, PAL_PURGE_LAZY));
    s1 = stats_now();
    C_CHECK_EQ(s1.fallbacks - s0.fallbacks, 1);
    C_CHECK_EQ(resident_pages(p, n), 0);
    C_CHECK(th_all_bytes(p, n, 0));
    th_memset(p, 0x3f, n);
    s0 = stats_now();
    C_CHECK_OK(pal_mem_purge(p, n, PAL_PURGE_LAZY));
    s1 = stats_now();
    C_CHECK_EQ(s1.os_calls - s0.os_calls, 1);
    C_CHECK_EQ(s1.fallbacks - s0.fallbacks, 0);
    C_CHECK_EQ(resident_pages(p, n), 0);
    C_CHECK_OK(pal_mem_free(p, n));
    return 0;
}

static void purge_lazy_where_madv_free_refused(void)
{
    RUN_CHILD(child_madv_free_refused, NULL);
}

static const struct lx_rule madvise_eperm[] = {
    { SYS_madvise, -1, 0, 0, LX_ERRNO(EPERM) },
};

/* EPERM (a sealed range, a sandbox): PAL_EPERM, nothing changed, nothing
 * learnt (no fallback counted). */
static int child_eperm(void *arg)
{
    struct pal_mem_stats s0, s1;
    size_t ps, n;
    void *v;
    char *p;

    (void)arg;
    C_CHECK(lx_library_fresh());
    ps = pal_mem_page_size();
    n = 4 * ps;
    C_CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    (void)pal_mem_features();
    C_CHECK_OK(pal_mem_purge(p, ps, PAL_PURGE_ZERO)); /* the DONTNEED probe */
    th_memset(p, 0x4b, n);
    C_SECCOMP(madvise_eperm, SECCOMP_RET_ALLOW);
    s0 = stats_now();
    C_CHECK_EQ(pal_mem_purge(p, n, PAL_PURGE_ZERO), PAL_EPERM);
    C_CHECK_EQ(pal_mem_purge(p, n, PAL_PURGE_LAZY), PAL_EPERM);
    s1 = stats_now();
    C_CHECK_EQ(s1.fallbacks - s0.fallbacks, 0);
    C_CHECK(th_all_bytes(p, n, 0x4b));
    C_CHECK_EQ(resident_pages(p, n), 4);
    return 0;
}

static void purge_eperm_changes_nothing(void)
{
    RUN_CHILD(child_eperm, NULL);
}

/* ---- batches ----------------------------------------------------------- */

#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif
#define PIDFD_SELF_THREAD (-10000) /* Linux 6.14 */

/* Whether process_madvise on this thread releases a page, asked of the
 * kernel directly. */
static int batch_here(void)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct { void *b; size_t l; } iov;
    int ok;

    if (m == MAP_FAILED)
        return 0;
    m[0] = 1;
    iov.b = m;
    iov.l = ps;
    ok = syscall(SYS_process_madvise, PIDFD_SELF_THREAD, &iov, 1, MADV_DONTNEED, 0) ==
             (long)ps && *(volatile char *)m == 0;
    munmap(m, ps);
    return ok;
}

/* Four ranges, one call for each way; a locked range third: the first two
 * purged, PAL_EAGAIN with *done 2, the rest as they were, and batching
 * goes on (one element's refusal teaches nothing). */
static int child_batch(void *arg)
{
    struct pal_mem_range r[4];
    struct pal_mem_stats s0, s1;
    size_t ps, n, done, i;
    void *v;
    char *p;

    (void)arg;
    C_CHECK(lx_library_fresh());
    ps = pal_mem_page_size();
    n = 16 * ps;
    C_CHECK_OK(pal_mem_set_policy(0)); /* no marks: the counts are exact */
    C_CHECK(pal_mem_features() & PAL_FEAT_BATCH);
    C_CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    C_CHECK_OK(pal_mem_purge(p, ps, PAL_PURGE_ZERO)); /* the DONTNEED probe */
    for (i = 0; i < 4; i++) {
        r[i].v = p + 4 * i * ps;
        r[i].n = 2 * ps;
    }
    th_memset(p, 0x19, n);
    s0 = stats_now();
    C_CHECK_OK(pal_mem_purge_ranges(r, 4, PAL_PURGE_ZERO, &done));
    s1 = stats_now();
    C_CHECK_EQ(done, 4);
    C_CHECK_EQ(s1.os_calls - s0.os_calls, 1);
    C_CHECK_EQ(resident_pages(p, n), 8);
    for (i = 0; i < 4; i++) {
        C_CHECK(th_all_bytes(p + 4 * i * ps, 2 * ps, 0));
        C_CHECK(th_all_bytes(p + (4 * i + 2) * ps, 2 * ps, 0x19));
    }
    th_memset(p, 0x1a, n);
    s0 = stats_now();
    C_CHECK_OK(pal_mem_purge_ranges(r, 4, PAL_PURGE_LAZY, &done));
    s1 = stats_now();
    C_CHECK_EQ(done, 4);
    C_CHECK_EQ(s1.os_calls - s0.os_calls, 1);
    C_CHECK_EQ(neither_old_nor_zero(p, n, 0x1a), -1);

    th_memset(p, 0x1b, n);
    if (lock_pages(r[2].v, r[2].n) != 0)
        C_SKIP("mlock refused (RLIMIT_MEMLOCK): no locked range to put in a batch");
    done = 9;
    C_CHECK_EQ(pal_mem_purge_ranges(r, 4, PAL_PURGE_ZERO, &done), PAL_EAGAIN);
    C_CHECK_EQ(done, 2);
    C_CHECK(th_all_bytes(r[0].v, r[0].n, 0));
    C_CHECK(th_all_bytes(r[1].v, r[1].n, 0));
    C_CHECK(th_all_bytes(r[2].v, r[2].n, 0x1b));
    C_CHECK(th_all_bytes(r[3].v, r[3].n, 0x1b));
    C_CHECK(unlock_pages(r[2].v, r[2].n) == 0);
    C_CHECK(pal_mem_features() & PAL_FEAT_BATCH);
    s0 = stats_now();
    C_CHECK_OK(pal_mem_purge_ranges(r + 2, 2, PAL_PURGE_ZERO, &done));
    s1 = stats_now();
    C_CHECK_EQ(done, 2);
    C_CHECK_EQ(s1.os_calls - s0.os_calls, 1);
    C_CHECK(th_all_bytes(r[2].v, r[2].n, 0));
    C_CHECK_OK(pal_mem_free(p, n));
    return 0;
}

static void purge_ranges_batched(void)
{
    if (!batch_here())
        SKIP("process_madvise on this thread is refused here (before Linux 6.14, "
             "or qemu-user)");
    RUN_CHILD(child_batch, NULL);
}

/* ---- huge-page end marks ----------------------------------------------- */

/* Where huge pages were asked for, purge marks the huge pages holding
 * its unaligned ends no-huge-page, as unused does: the same VmFlags on two
 * regions, one purged and one released with unused over the same
 * offsets. */
static int child_marks(void *arg)
{
    size_t ps, hps, n;
    struct lx_smaps a, b;
    void *v, *w;
    char *p, *q;

    (void)arg;
    C_CHECK(lx_library_fresh());
    ps = pal_mem_page_size();
    hps = pal_mem_huge_page_size();
    if (hps == 0)
        C_SKIP("no transparent huge pages (huge page size 0)");
    n = 4 * hps;
    C_CHECK_OK(pal_mem_reserve_aligned(n, hps, &v));
    C_CHECK_OK(pal_mem_reserve_aligned(n, hps, &w));
    p = v;
    q = w;
    C_CHECK_OK(pal_mem_map(p, n));
    C_CHECK_OK(pal_mem_used(p, n));
    C_CHECK_OK(pal_mem_map(q, n));
    C_CHECK_OK(pal_mem_used(q, n));
    C_CHECK_OK(pal_mem_hugepage(p, n));
    C_CHECK_OK(pal_mem_hugepage(q, n));
    C_CHECK_OK(pal_mem_purge(p + hps + ps, hps, PAL_PURGE_ZERO));
    C_CHECK_OK(pal_mem_unused(q + hps + ps, hps));
    C_CHECK(lx_smaps((uintptr_t)p, (uintptr_t)p + n, "nh", &a) == 0);
    C_CHECK(lx_smaps((uintptr_t)q, (uintptr_t)q + n, "nh", &b) == 0);
    C_CHECK(a.with_flag > 0);
    C_CHECK_EQ(a.with_flag, b.with_flag);
    C_CHECK_EQ(a.vmas, b.vmas);
    C_CHECK_OK(pal_mem_free(p, n));
    C_CHECK_OK(pal_mem_free(q, n));
    return 0;
}

/* Whether madvise(MADV_NOHUGEPAGE) shows as "nh" in smaps here, asked of
 * the kernel directly (qemu-user takes the advice and drops it). */
static int nohugepage_shows(void)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct lx_smaps sm;
    int shows;

    if (m == MAP_FAILED)
        return 0;
    shows = madvise(m, ps, MADV_NOHUGEPAGE) == 0 &&
            lx_smaps((uintptr_t)m, (uintptr_t)m + ps, "nh", &sm) == 0 && sm.with_flag == 1;
    munmap(m, ps);
    return shows;
}

static void purge_marks_ends_as_unused(void)
{
    if (!lx_have_vmflags())
        SKIP("no VmFlags in /proc/self/smaps (qemu-user's emulated smaps)");
    if (!nohugepage_shows())
        SKIP("madvise(MADV_NOHUGEPAGE) leaves no \"nh\" in smaps here (qemu-user drops it, "
             "or no THP in this kernel)");
    if (lx_strict_overcommit())
        SKIP("vm.overcommit_memory=2: unused remaps PROT_NONE and makes no marks");
    RUN_CHILD(child_marks, NULL);
}

const struct th_test th_tests[] = {
    TH(purge_zero_is_dontneed),
    TH(purge_lazy_is_madv_free),
    TH(purge_locked_is_eagain),
    TH(purge_without_madvise),
    TH(purge_lazy_where_madv_free_refused),
    TH(purge_eperm_changes_nothing),
    TH(purge_ranges_batched),
    TH(purge_marks_ends_as_unused),
    TH_END,
};
