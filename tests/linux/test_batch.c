/*
 * test_batch.c - batched release (pal_mem_unused_ranges) and prefault
 * (pal_mem_populate) on Linux, their failures and their fallbacks:
 *
 *  - a range that is not mapped part way through a batch: the kernel's
 *    process_madvise stops there; *done counts the ranges before it, which
 *    are released, and the ones after it are as they were;
 *  - a sandbox that refuses process_madvise (EPERM): every range is still
 *    released, one madvise each, the fallback counted and remembered, and
 *    PAL_FEAT_BATCH cleared;
 *  - a failure part way in that per-range path, forced with seccomp;
 *  - (32-bit) a range of 2 GiB, which the kernel refuses in a batch: it
 *    goes on its own, and batching stays on;
 *  - MADV_POPULATE_WRITE refused (EINVAL as before 5.14): each page is
 *    touched, contents unchanged; out of memory: PAL_ENOMEM.
 *
 * The parent never calls libpal before forking, so each child starts with
 * nothing learnt.  Under qemu-user (no seccomp) the sandbox cases skip.
 */
#define _GNU_SOURCE
#include "lx_util.h"

#ifndef SYS_process_madvise
#if defined(__mips__) && defined(_ABIO32) && _MIPS_SIM == _ABIO32
#define SYS_process_madvise 4440
#elif defined(__mips__) && defined(_ABI64) && _MIPS_SIM == _ABI64
#define SYS_process_madvise 5440
#else
#define SYS_process_madvise 440
#endif
#endif

#define RANGES 10

static struct pal_mem_stats stats_now(void)
{
    struct pal_mem_stats st;

    pal_mem_get_stats(&st);
    return st;
}

static size_t resident_of(const void *v, size_t n)
{
    size_t r = (size_t)-1;

    return pal_mem_resident(v, n, &r) == PAL_OK ? r : (size_t)-1;
}

/* RANGES ranges of sizes[i] pages with a page between each, every range's
 * bytes its index + 1; *base and *total to free with. */
static int ranges_setup(const size_t *pages, struct pal_mem_range *r, char **base,
                        size_t *total)
{
    size_t ps = pal_mem_page_size(), at = 0, i;
    void *v;

    for (i = 0; i < RANGES; i++)
        at += (pages[i] + 1) * ps;
    if (pal_mem_alloc(at, &v) != PAL_OK)
        return 0;
    *base = v;
    *total = at;
    for (at = 0, i = 0; i < RANGES; i++) {
        r[i].v = *base + at;
        r[i].n = pages[i] * ps;
        th_memset(r[i].v, (int)i + 1, r[i].n);
        at += (pages[i] + 1) * ps;
    }
    return 1;
}

/* Ranges before `done` released (zero after used), from `done` on as they
 * were; range `skip` is not looked at (not mapped). */
static int check_split(const struct pal_mem_range *r, size_t done, size_t skip)
{
    size_t i;

    for (i = 0; i < RANGES; i++) {
        if (i == skip)
            continue;
        if (i < done) {
            if (pal_mem_used(r[i].v, r[i].n) != PAL_OK || !th_all_bytes(r[i].v, r[i].n, 0))
                return (int)i + 1;
        } else if (!th_all_bytes(r[i].v, r[i].n, (unsigned char)(i + 1))) {
            return (int)i + 1;
        }
    }
    return 0;
}

static const size_t sizes[RANGES] = { 1, 2, 3, 1, 4, 1, 2, 1, 3, 1 };

/* ---- a range not mapped part way --------------------------------------- */

static int child_unmapped_part_way(void *arg)
{
    struct pal_mem_range r[RANGES];
    size_t total, done = 99;
    char *base;
    int bad;

    (void)arg;
    C_CHECK(ranges_setup(sizes, r, &base, &total));
    C_CHECK_OK(pal_mem_free(r[5].v, r[5].n));
    if (pal_mem_unused(r[5].v, r[5].n) == PAL_OK)
        C_SKIP(lx_strict_overcommit()
                   ? "unused of an unmapped range succeeds under vm.overcommit_memory=2: "
                     "it replaces the range with a fresh mapping, which fills the hole"
                   : "madvise of an unmapped range succeeds here (qemu-user)");
    C_CHECK_EQ(pal_mem_unused_ranges(r, RANGES, &done), PAL_ENOMEM);
    C_CHECK_EQ(done, 5);
    bad = check_split(r, done, 5);
    C_CHECK_EQ(bad, 0);
    lx_rep->fig[0] = (pal_mem_features() & PAL_FEAT_BATCH) != 0;
    C_CHECK_OK(pal_mem_free(base, total));
    return 0;
}

static void unmapped_range_stops_the_batch(void)
{
    RUN_CHILD(child_unmapped_part_way, NULL);
    th_note("through %s", lx_rep->fig[0] ? "process_madvise (batched)" : "one madvise per range");
}

/* ---- process_madvise refused -------------------------------------------- */

static const struct lx_rule no_process_madvise[] = {
    { SYS_process_madvise, -1, 0, 0, LX_ERRNO(EPERM) },
};

static int child_batch_refused(void *arg)
{
    struct pal_mem_range r[RANGES];
    struct pal_mem_stats s0, s1;
    size_t total, done = 99, i;
    char *base;

    (void)arg;
    C_CHECK(lx_library_fresh());
    C_SECCOMP(no_process_madvise, SECCOMP_RET_ALLOW);
    C_CHECK_OK(pal_mem_set_policy(PAL_POLICY_DONTNEED)); /* no marks: exact counts */
    C_CHECK(ranges_setup(sizes, r, &base, &total));
    C_CHECK_EQ(pal_mem_features() & PAL_FEAT_BATCH, 0); /* the probe is refused too */
    s0 = stats_now();
    C_CHECK_OK(pal_mem_unused_ranges(r, RANGES, &done));
    s1 = stats_now();
    C_CHECK_EQ(done, RANGES);
    for (i = 0; i < RANGES; i++)
        C_CHECK_EQ(resident_of(r[i].v, r[i].n), 0);
    C_CHECK_EQ(check_split(r, RANGES, RANGES), 0);
    /* one madvise per range (the zero check of DONTNEED was made above) */
    C_CHECK(s1.os_calls - s0.os_calls >= RANGES);
    C_CHECK_OK(pal_mem_free(base, total));
    return 0;
}

/* The probe found batching, then the sandbox came: refused at the first
 * batch, the ranges released one by one, remembered, counted.  With arg,
 * one range: that is one madvise, never a process_madvise (cheaper: no
 * pidfd or iovec for the kernel to look up; an allocator purging one
 * extent at a time makes a million of them), so the sandbox is not even
 * seen. */
static int child_batch_refused_later(void *arg)
{
    struct pal_mem_range r[RANGES];
    struct pal_mem_stats s0, s1;
    size_t total, done = 99, count = arg != NULL ? 1 : RANGES;
    char *base;

    C_CHECK(lx_library_fresh());
    if (!(pal_mem_features() & PAL_FEAT_BATCH))
        C_SKIP("no batched release on this kernel (process_madvise on the own "
               "process with PIDFD_SELF: Linux 6.14)");
    C_SECCOMP(no_process_madvise, SECCOMP_RET_ALLOW);
    C_CHECK_OK(pal_mem_set_policy(PAL_POLICY_DONTNEED));
    C_CHECK(ranges_setup(sizes, r, &base, &total));
    s0 = stats_now();
    C_CHECK_OK(pal_mem_unused_ranges(r, count, &done));
    s1 = stats_now();
    C_CHECK_EQ(done, count);
    C_CHECK_EQ(s1.fallbacks - s0.fallbacks, count > 1);
    C_CHECK_EQ(check_split(r, count, count), 0);
    C_CHECK_EQ(pal_mem_features() & PAL_FEAT_BATCH, count > 1 ? 0 : PAL_FEAT_BATCH);
    C_CHECK_OK(pal_mem_free(base, total));
    return 0;
}

static void batch_refused_falls_back(void)
{
    RUN_CHILD(child_batch_refused, NULL);
    RUN_CHILD(child_batch_refused_later, NULL);
    RUN_CHILD(child_batch_refused_later, (void *)1);
}

/* ---- a failure part way, in the per-range path -------------------------- */

/* The call that releases one range in the per-range path: madvise, or
 * under strict overcommit a fresh mapping (mmap2 where there is one). */
#ifdef SYS_mmap2
#define SYS_remap SYS_mmap2
#else
#define SYS_remap SYS_mmap
#endif

/* The release of exactly 4 pages fails with ENOMEM: range 4 (the first of
 * 4 pages) fails, after ranges 0-3 were released. */
static int child_fails_part_way(void *arg)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    int strict = lx_strict_overcommit();
    const struct lx_rule rules[] = {
        { SYS_process_madvise, -1, 0, 0, LX_ERRNO(EPERM) },
        { strict ? SYS_remap : SYS_madvise, 1, 0xffffffffu, (uint32_t)(4 * ps),
          LX_ERRNO(ENOMEM) },
    };
    struct pal_mem_range r[RANGES];
    size_t total, done = 99;
    char *base;

    (void)arg;
    C_CHECK(lx_library_fresh());
#if defined(__s390x__)
    if (strict)
        C_SKIP("vm.overcommit_memory=2 releases with mmap, whose length s390x passes "
               "in memory, out of seccomp's sight");
#endif
    C_SECCOMP(rules, SECCOMP_RET_ALLOW);
    C_CHECK_OK(pal_mem_set_policy(PAL_POLICY_DONTNEED));
    C_CHECK(ranges_setup(sizes, r, &base, &total));
    C_CHECK_EQ(pal_mem_unused_ranges(r, RANGES, &done), PAL_ENOMEM);
    C_CHECK_EQ(done, 4);
    C_CHECK_EQ(check_split(r, done, RANGES), 0);
    C_CHECK_OK(pal_mem_free(base, total));
    return 0;
}

static void failure_part_way_reports_done(void)
{
    if (lx_strict_overcommit())
        SKIP("vm.overcommit_memory=2: unused remaps instead of advising, so no "
             "madvise is there to fail");
    RUN_CHILD(child_fails_part_way, NULL);
}

#if UINTPTR_MAX == 0xffffffffu
/* ---- a range of 2 GiB or more in a batch (32-bit) ------------------------ */

/* PIDFD_SELF_THREAD: process_madvise on the calling thread's memory
 * (Linux 6.14). */
#define SELF_THREAD (-10000)

/* Whether process_madvise on the own process works here, asked with the
 * raw system call: one page released through it reads back zero. */
static int raw_batch_works(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, (size_t)ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct pal_mem_range v = { p, (size_t)ps }; /* laid out as struct iovec */
    int ok;

    if (p == MAP_FAILED)
        return 0;
    p[0] = 1;
    ok = syscall(SYS_process_madvise, SELF_THREAD, &v, 1, MADV_DONTNEED, 0) == ps && p[0] == 0;
    munmap(p, (size_t)ps);
    return ok;
}

#define BIG ((size_t)2 << 30)

/* The kernel refuses a whole process_madvise whose iovecs include one
 * longer than SSIZE_MAX (EINVAL): that is the range's doing, not a refusal
 * of batching, which must stay on (PAL_FEAT_BATCH, and fewer calls than
 * ranges after). */
static int child_big_range(void *arg)
{
    struct pal_mem_range r[2], small[RANGES];
    struct pal_mem_stats s0, s1;
    size_t ps = (size_t)sysconf(_SC_PAGESIZE), total, done = 99;
    char *v, *base;

    (void)arg;
    C_CHECK(lx_library_fresh());
    if (!raw_batch_works())
        C_SKIP("no process_madvise on the own process here (Linux 6.14; qemu-user "
               "answers ENOSYS)");
    C_CHECK(pal_mem_features() & PAL_FEAT_BATCH);
    v = mmap(NULL, BIG + 16 * ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (v == MAP_FAILED)
        C_SKIP("no 2 GiB of address space free in this 32-bit process");
    munmap(v, BIG + 16 * ps);
    C_CHECK_OK(pal_mem_reserve_at(v, BIG + 16 * ps));
    C_CHECK_OK(pal_mem_map(v, BIG + 16 * ps));
    r[0].v = v;
    r[0].n = 16 * ps;
    r[1].v = v + 16 * ps;
    r[1].n = BIG;
    v[0] = 1;
    v[16 * ps] = 2;
    v[16 * ps + BIG - 1] = 3;
    C_CHECK_OK(pal_mem_unused_ranges(r, 2, &done));
    C_CHECK_EQ(done, 2);
    C_CHECK_EQ(resident_of(v, BIG + 16 * ps), 0);
    C_CHECK_EQ(pal_mem_features() & PAL_FEAT_BATCH, PAL_FEAT_BATCH);
    C_CHECK_OK(pal_mem_free(v, BIG + 16 * ps));
    /* and the next batch is one call still */
    C_CHECK_OK(pal_mem_set_policy(PAL_POLICY_DONTNEED));
    C_CHECK(ranges_setup(sizes, small, &base, &total));
    s0 = stats_now();
    C_CHECK_OK(pal_mem_unused_ranges(small, RANGES, &done));
    s1 = stats_now();
    C_CHECK_EQ(done, RANGES);
    C_CHECK(s1.os_calls - s0.os_calls < RANGES);
    C_CHECK_EQ(check_split(small, RANGES, RANGES), 0);
    C_CHECK_OK(pal_mem_free(base, total));
    return 0;
}

static void big_range_keeps_batching(void)
{
    if (lx_strict_overcommit())
        SKIP("vm.overcommit_memory=2: unused remaps range by range, no batch");
    RUN_CHILD(child_big_range, NULL);
}
#endif

/* ---- prefault ------------------------------------------------------------ */

static const struct lx_rule no_populate[] = {
    { SYS_madvise, 2, 0xffffffffu, 23 /* MADV_POPULATE_WRITE */, LX_ERRNO(EINVAL) },
};

static int child_populate_touches(void *arg)
{
    struct pal_mem_stats s0, s1;
    size_t ps, n, i;
    char *p;
    void *v;

    (void)arg;
    C_CHECK(lx_library_fresh());
    C_SECCOMP(no_populate, SECCOMP_RET_ALLOW);
    ps = pal_mem_page_size();
    n = 32 * ps;
    C_CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    for (i = 0; i < n / ps; i += 2)
        th_memset(p + i * ps, (int)i + 1, ps);
    C_CHECK_EQ(pal_mem_features() & PAL_FEAT_POPULATE, 0);
    s0 = stats_now();
    C_CHECK_OK(pal_mem_populate(p, n));
    s1 = stats_now();
    C_CHECK_EQ(s1.fallbacks - s0.fallbacks, 1);
    if (pal_mem_features() & PAL_FEAT_RESIDENT)
        C_CHECK_EQ(resident_of(p, n), n);
    for (i = 0; i < n / ps; i++)
        C_CHECK(th_all_bytes(p + i * ps, ps, i % 2 ? 0 : (unsigned char)(i + 1)));
    C_CHECK_OK(pal_mem_free(p, n));
    return 0;
}

static const struct lx_rule populate_enomem[] = {
    { SYS_madvise, 2, 0xffffffffu, 23, LX_ERRNO(ENOMEM) },
};

static int child_populate_enomem(void *arg)
{
    size_t ps, n;
    void *v;

    (void)arg;
    C_CHECK(lx_library_fresh());
    if (!(pal_mem_features() & PAL_FEAT_POPULATE))
        C_SKIP("no MADV_POPULATE_WRITE here (Linux 5.14, or qemu-user)");
    C_SECCOMP(populate_enomem, SECCOMP_RET_ALLOW);
    ps = pal_mem_page_size();
    n = 8 * ps;
    C_CHECK_OK(pal_mem_alloc(n, &v));
    C_CHECK_EQ(pal_mem_populate(v, n), PAL_ENOMEM);
    C_CHECK_EQ(resident_of(v, n), 0);
    C_CHECK(th_all_bytes(v, n, 0));
    C_CHECK_OK(pal_mem_free(v, n));
    return 0;
}

static void populate_fallback_and_errors(void)
{
    RUN_CHILD(child_populate_touches, NULL);
    RUN_CHILD(child_populate_enomem, NULL);
}

const struct th_test th_tests[] = {
    TH(unmapped_range_stops_the_batch),
    TH(batch_refused_falls_back),
    TH(failure_part_way_reports_done),
#if UINTPTR_MAX == 0xffffffffu
    TH(big_range_keeps_batching),
#endif
    TH(populate_fallback_and_errors),
    TH_END,
};
