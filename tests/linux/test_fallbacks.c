/*
 * test_fallbacks.c - every fallback of the Linux backend, forced for real:
 * each case runs in a child that installs a seccomp filter making the
 * kernel refuse one call (madvise, MADV_FREE, PR_SET_VMA, mseal,
 * MADV_GUARD_INSTALL) or, for MAP_FIXED_NOREPLACE, trapping it and answering
 * as a kernel before 4.17 would.  Next to most cases a control child without
 * a filter shows the same check gives another answer on this kernel, so the
 * forced path is what was measured.
 *
 * The library learns what the kernel supports once per process.  The parent
 * here never calls libpal, so every child starts with nothing learnt (each
 * checks that first).  Under qemu-user (no seccomp) the cases say skipped.
 */
#define _GNU_SOURCE
#include <sys/ucontext.h>

#include "lx_util.h"

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

/* ---- madvise unsupported (ENOSYS for every advice) --------------------- */

static const struct lx_rule no_madvise[] = {
    { SYS_madvise, -1, 0, 0, LX_ERRNO(ENOSYS) },
};

/* unused falls back to a fresh mapping, and remembers it */
static int child_unused_without_madvise(void *arg)
{
    struct pal_mem_stats s0, s1, s2, s3;
    size_t ps, n;
    void *v;
    char *p;

    (void)arg;
    C_CHECK(lx_library_fresh());
    C_SECCOMP(no_madvise, SECCOMP_RET_ALLOW);
    ps = pal_mem_page_size();
    n = 16 * ps;
    /* thpgranular=0: no huge-page marks, so the calls below are exact */
    C_CHECK_OK(pal_mem_set_policy(PAL_POLICY_DONTNEED));
    C_CHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    C_CHECK_OK(pal_mem_map(p, n));
    C_CHECK_OK(pal_mem_used(p, n));
    th_memset(p, 0xab, n);
    C_CHECK_EQ(resident_of(p, n), n);

    s0 = stats_now();
    C_CHECK_OK(pal_mem_unused(p, n));
    s1 = stats_now();
    C_CHECK_EQ(s1.fallbacks - s0.fallbacks, 1);
    C_CHECK_EQ(resident_of(p, n), 0);
    C_CHECK_OK(pal_mem_used(p, n));
    C_CHECK(th_all_bytes(p, n, 0));
    C_CHECK_EQ(pal_mem_unused_zeroes(), 1);

    /* the second time: straight to the mapping, no madvise tried */
    th_memset(p, 0xcd, n);
    s2 = stats_now();
    C_CHECK_OK(pal_mem_unused(p, n));
    s3 = stats_now();
    C_CHECK_EQ(s3.os_calls - s2.os_calls, 1);
    C_CHECK_EQ(s3.fallbacks - s2.fallbacks, 1);
    C_CHECK_EQ(resident_of(p, n), 0);
    C_CHECK_OK(pal_mem_used(p, n));
    C_CHECK(th_all_bytes(p, n, 0));

    /* the default policy's huge-page marks fail too: they are hints */
    C_CHECK_OK(pal_mem_set_policy(PAL_POLICY_DEFAULT));
    C_CHECK_OK(pal_mem_unused(p + ps, n - 3 * ps));
    C_CHECK_OK(pal_mem_used(p, n));

    /* fault: access first, then the pages go back by a fresh mapping */
    th_memset(p, 0xef, n);
    s0 = stats_now();
    C_CHECK_OK(pal_mem_fault(p, n));
    s1 = stats_now();
    C_CHECK_EQ(s1.fallbacks - s0.fallbacks, 1);
    C_CHECK_EQ(resident_of(p, n), 0);
    C_CHECK_EQ(th_faults(p, 0), 1);
    C_CHECK_EQ(th_faults(p + n - ps, 1), 1);
    C_CHECK_OK(pal_mem_map(p, n));
    C_CHECK_OK(pal_mem_used(p, n));
    C_CHECK(th_all_bytes(p, n, 0));
    C_CHECK_OK(pal_mem_free(p, n));
    return 0;
}

/* fault is the first to find madvise missing */
static int child_fault_without_madvise(void *arg)
{
    struct pal_mem_stats s0, s1;
    size_t ps, n;
    void *v;
    char *p;

    (void)arg;
    C_CHECK(lx_library_fresh());
    C_SECCOMP(no_madvise, SECCOMP_RET_ALLOW);
    ps = pal_mem_page_size();
    n = 8 * ps;
    C_CHECK_OK(pal_mem_set_policy(PAL_POLICY_DONTNEED));
    C_CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    th_memset(p, 0x11, n);
    C_CHECK_EQ(resident_of(p, n), n);
    s0 = stats_now();
    C_CHECK_OK(pal_mem_fault(p, n));
    s1 = stats_now();
    C_CHECK_EQ(s1.fallbacks - s0.fallbacks, 1);
    C_CHECK_EQ(resident_of(p, n), 0);
    C_CHECK_EQ(th_faults(p + ps, 0), 1);
    C_CHECK_OK(pal_mem_map(p, n));
    C_CHECK_OK(pal_mem_used(p, n));
    C_CHECK(th_all_bytes(p, n, 0));
    /* unused now goes straight to the mapping fault learnt about */
    th_memset(p, 0x22, n);
    s0 = stats_now();
    C_CHECK_OK(pal_mem_unused(p, n));
    s1 = stats_now();
    C_CHECK_EQ(s1.os_calls - s0.os_calls, 1);
    C_CHECK_EQ(s1.fallbacks - s0.fallbacks, 1);
    C_CHECK_EQ(resident_of(p, n), 0);
    C_CHECK_OK(pal_mem_used(p, n));
    C_CHECK(th_all_bytes(p, n, 0));
    C_CHECK_OK(pal_mem_free(p, n));
    return 0;
}

static void fallback_madvise_enosys(void)
{
    if (lx_strict_overcommit())
        SKIP("vm.overcommit_memory=2: unused remaps instead of advising");
    RUN_CHILD(child_unused_without_madvise, NULL);
    RUN_CHILD(child_fault_without_madvise, NULL);
}

/* ---- MADV_FREE refused (EINVAL, as before Linux 4.5) ------------------- */

static const struct lx_rule no_madv_free[] = {
    { SYS_madvise, 2, 0xffffffffu, MADV_FREE, LX_ERRNO(EINVAL) },
};

/* arg: 1 = ask pal_mem_unused_zeroes() before the filter is in place (the
 * library has then seen MADV_FREE work), 0 = only under the filter. */
static int child_madv_free_refused(void *arg)
{
    int asked_before = arg != NULL;
    struct pal_mem_stats s0, s1;
    size_t ps, n;
    void *v;
    char *p;

    C_CHECK(lx_library_fresh());
    ps = pal_mem_page_size();
    n = 16 * ps;
    C_CHECK_OK(pal_mem_set_policy(PAL_POLICY_THP_GRANULAR)); /* madvdontneed=0 */
    if (asked_before) {
        if (!(pal_mem_features() & PAL_FEAT_MADV_FREE))
            C_SKIP("MADV_FREE is not available here even without a filter");
        /* lazy release: contents may survive unused */
        C_CHECK_EQ(pal_mem_unused_zeroes(), 0);
    }
    C_SECCOMP(no_madv_free, SECCOMP_RET_ALLOW);
    C_CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    th_memset(p, 0x5a, n);
    C_CHECK_EQ(resident_of(p, n), n);

    s0 = stats_now();
    C_CHECK_OK(pal_mem_unused(p, n));
    s1 = stats_now();
    C_CHECK_EQ(s1.fallbacks - s0.fallbacks, 1);
    C_CHECK_EQ(resident_of(p, n), 0); /* DONTNEED: released at once */
    C_CHECK_OK(pal_mem_used(p, n));
    C_CHECK(th_all_bytes(p, n, 0));
    C_CHECK_EQ(pal_mem_unused_zeroes(), 1);

    /* remembered: one madvise (DONTNEED), MADV_FREE not tried again
     * (thpgranular=0 here, so no marks are counted) */
    C_CHECK_OK(pal_mem_set_policy(0));
    th_memset(p, 0x6b, n);
    s0 = stats_now();
    C_CHECK_OK(pal_mem_unused(p, n));
    s1 = stats_now();
    C_CHECK_EQ(s1.os_calls - s0.os_calls, 1);
    C_CHECK_EQ(resident_of(p, n), 0);
    C_CHECK_OK(pal_mem_used(p, n));
    C_CHECK(th_all_bytes(p, n, 0));
    C_CHECK_EQ(pal_mem_unused_zeroes(), 1);
    C_CHECK_OK(pal_mem_free(p, n));
    return 0;
}

static void fallback_madv_free_einval(void)
{
    if (lx_strict_overcommit())
        SKIP("vm.overcommit_memory=2: unused remaps instead of advising");
    RUN_CHILD(child_madv_free_refused, NULL);
    RUN_CHILD(child_madv_free_refused, (void *)1);
}

/* ---- naming refused (PR_SET_VMA: EINVAL without CONFIG_ANON_VMA_NAME,
 * ENOSYS from sandboxes) --------------------------------------------------- */

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif

static const struct lx_rule no_vma_name_einval[] = {
    { SYS_prctl, 0, 0xffffffffu, PR_SET_VMA, LX_ERRNO(EINVAL) },
};
static const struct lx_rule no_vma_name_enosys[] = {
    { SYS_prctl, 0, 0xffffffffu, PR_SET_VMA, LX_ERRNO(ENOSYS) },
};

/* arg: NULL for the control (no filter), else the rules */
static int child_name(void *arg)
{
    size_t ps;
    void *v;
    int err;

    C_CHECK(lx_library_fresh());
    if (arg == no_vma_name_einval)
        C_SECCOMP(no_vma_name_einval, SECCOMP_RET_ALLOW);
    else if (arg == no_vma_name_enosys)
        C_SECCOMP(no_vma_name_enosys, SECCOMP_RET_ALLOW);
    ps = pal_mem_page_size();
    C_CHECK_OK(pal_mem_alloc(2 * ps, &v));
    err = pal_mem_name(v, 2 * ps, "pal-fallback-test");
    lx_rep->fig[0] = err;
    if (arg != NULL) {
        C_CHECK_EQ(err, PAL_ENOSYS);
        C_CHECK(!(pal_mem_features() & PAL_FEAT_VMA_NAME));
        /* the mapping is still there and usable */
        th_memset(v, 1, 2 * ps);
    } else if (err == PAL_OK) {
        C_CHECK(lx_read_proc("/proc/self/maps") > 0);
        C_CHECK(th_strstr(lx_buf, "[anon:pal-fallback-test]") != NULL);
    }
    C_CHECK_OK(pal_mem_free(v, 2 * ps));
    return 0;
}

static void fallback_vma_name_refused(void)
{
    RUN_CHILD(child_name, (void *)no_vma_name_einval);
    RUN_CHILD(child_name, (void *)no_vma_name_enosys);
    RUN_CHILD(child_name, NULL);
    if (lx_rep->fig[0] != PAL_OK)
        th_note("control: naming fails here without a filter too (%s)",
                pal_strerror((int)lx_rep->fig[0]));
}

/* ---- mseal missing ------------------------------------------------------ */

static const struct lx_rule no_mseal[] = {
    { SYS_mseal, -1, 0, 0, LX_ERRNO(ENOSYS) },
};

static int child_seal(void *arg)
{
    size_t ps;
    void *v;
    int err;

    C_CHECK(lx_library_fresh());
    if (arg != NULL)
        C_SECCOMP(no_mseal, SECCOMP_RET_ALLOW);
    ps = pal_mem_page_size();
    C_CHECK_OK(pal_mem_alloc(2 * ps, &v));
    err = pal_mem_seal(v, 2 * ps);
    lx_rep->fig[0] = err;
    if (arg != NULL) {
        C_CHECK_EQ(err, PAL_ENOSYS);
        C_CHECK(!(pal_mem_features() & PAL_FEAT_SEAL));
        C_CHECK_OK(pal_mem_free(v, 2 * ps)); /* not sealed */
    } else if (err == PAL_OK) {
        C_CHECK_EQ(pal_mem_free(v, 2 * ps), PAL_EPERM);
    }
    return 0;
}

static void fallback_mseal_enosys(void)
{
    RUN_CHILD(child_seal, (void *)no_mseal);
    RUN_CHILD(child_seal, NULL);
    if (lx_rep->fig[0] != PAL_OK)
        th_note("control: sealing fails here without a filter too (%s)",
                pal_strerror((int)lx_rep->fig[0]));
}

/* ---- guard regions refused: protection instead ------------------------- */

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

static const struct lx_rule no_guard[] = {
    { SYS_madvise, 2, 0xffffffffu, MADV_GUARD_INSTALL, LX_ERRNO(EINVAL) },
};

/* arg: non-NULL forces the fallback.  fig[0]: feature seen, fig[1]:
 * mappings over the three pages after guarding the middle one. */
static int child_guard(void *arg)
{
    struct pal_mem_stats s0, s1;
    size_t ps;
    char *p;
    void *v;

    C_CHECK(lx_library_fresh());
    if (arg != NULL)
        C_SECCOMP(no_guard, SECCOMP_RET_ALLOW);
    ps = pal_mem_page_size();
    C_CHECK_OK(pal_mem_alloc(3 * ps, &v));
    p = v;
    th_memset(p, 0x33, 3 * ps);
    lx_rep->fig[0] = (pal_mem_features() & PAL_FEAT_GUARD) != 0;
    if (arg == NULL && !lx_rep->fig[0]) {
        C_CHECK_OK(pal_mem_free(p, 3 * ps));
        return 0;
    }
    s0 = stats_now();
    C_CHECK_OK(pal_mem_guard(p + ps, ps));
    s1 = stats_now();
    lx_rep->fig[1] = lx_count_vmas((uintptr_t)p, (uintptr_t)p + 3 * ps);
    C_CHECK_EQ(th_faults(p + ps, 0), 1);
    C_CHECK_EQ(th_faults(p + ps, 1), 1);
    C_CHECK_EQ(th_faults(p, 1), 0);
    C_CHECK_EQ(th_faults(p + 2 * ps, 1), 0);
    C_CHECK(th_all_bytes(p, ps, 0x33));
    if (arg != NULL) {
        C_CHECK_EQ(lx_rep->fig[0], 0);
        C_CHECK_EQ(s1.fallbacks - s0.fallbacks, 1);
        /* protection splits the mapping in three */
        C_CHECK_EQ(lx_rep->fig[1], 3);
        /* and stays the way: a second guard counts again */
        s0 = stats_now();
        C_CHECK_OK(pal_mem_guard(p, ps));
        s1 = stats_now();
        C_CHECK_EQ(s1.fallbacks - s0.fallbacks, 1);
        C_CHECK_EQ(th_faults(p, 0), 1);
    } else {
        C_CHECK_EQ(s1.fallbacks - s0.fallbacks, 0);
        C_CHECK_EQ(lx_rep->fig[1], 1); /* no extra mapping */
    }
    C_CHECK_OK(pal_mem_free(p, 3 * ps));
    return 0;
}

static void fallback_guard_einval(void)
{
    RUN_CHILD(child_guard, (void *)no_guard);
    RUN_CHILD(child_guard, NULL);
    if (lx_rep->fig[0])
        th_note("control: guard regions here split nothing (%ld mapping)", lx_rep->fig[1]);
    else
        th_note("control: no guard regions on this kernel (Linux < 6.13)");
}

/* ---- MAP_FIXED_NOREPLACE ignored (before Linux 4.17) --------------------
 *
 * seccomp cannot rewrite arguments, but it can trap: the filter turns an
 * mmap carrying MAP_FIXED_NOREPLACE into SIGSYS, and the handler issues
 * the same mmap without the flag and puts its result where the trapped
 * call's result goes, exactly what a kernel that does not know the flag
 * does (it takes the address as a hint).  The handler reads the trapped
 * call's arguments from the registers saved in its ucontext (mips o32: the
 * 5th and 6th from the user stack) and writes the result in the arch's own
 * convention (mips: v0 and a3; ppc64: r3 and cr0.SO).  s390x cannot be
 * emulated so: its mmap passes one pointer to a block in memory, and
 * seccomp sees only the pointer, never the flags. */

#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__) || defined(__arm__) || \
    defined(__powerpc64__) || defined(__riscv) ||                                            \
    (defined(__mips__) && (_MIPS_SIM == _ABIO32 || _MIPS_SIM == _ABI64))
#define NOREPLACE_EMULATED 1
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#if defined(__powerpc64__)
#include <asm/ptrace.h> /* PT_R3, PT_CCR: where gp_regs keeps r3 and cr */
#endif

/* the call libpal maps with: mmap2 where there is one (386, arm, mips o32) */
#ifdef SYS_mmap2
#define NOREPLACE_NR SYS_mmap2
#else
#define NOREPLACE_NR SYS_mmap
#endif

static volatile sig_atomic_t noreplace_traps;

/* The six arguments of the trapped call. */
static void trapped_args(const ucontext_t *uc, long a[6])
{
    const mcontext_t *m = &uc->uc_mcontext;
    int i;

#if defined(__x86_64__)
    static const int reg[6] = { REG_RDI, REG_RSI, REG_RDX, REG_R10, REG_R8, REG_R9 };

    for (i = 0; i < 6; i++)
        a[i] = (long)m->gregs[reg[i]];
#elif defined(__i386__)
    static const int reg[6] = { REG_EBX, REG_ECX, REG_EDX, REG_ESI, REG_EDI, REG_EBP };

    for (i = 0; i < 6; i++)
        a[i] = (long)m->gregs[reg[i]];
#elif defined(__aarch64__)
    for (i = 0; i < 6; i++)
        a[i] = (long)m->regs[i];
#elif defined(__arm__)
    const unsigned long r[6] = { m->arm_r0, m->arm_r1, m->arm_r2, m->arm_r3, m->arm_r4, m->arm_r5 };

    for (i = 0; i < 6; i++)
        a[i] = (long)r[i];
#elif defined(__powerpc64__)
    for (i = 0; i < 6; i++)
        a[i] = (long)m->gp_regs[PT_R3 + i];
#elif defined(__riscv)
    for (i = 0; i < 6; i++)
        a[i] = (long)m->__gregs[REG_A0 + i];
#elif _MIPS_SIM == _ABI64
    for (i = 0; i < 6; i++)
        a[i] = (long)m->gregs[4 + i]; /* a0-a5: $4-$9 */
#else
    const long *sp = (const long *)(uintptr_t)m->gregs[29];

    for (i = 0; i < 4; i++)
        a[i] = (long)m->gregs[4 + i]; /* a0-a3: $4-$7 */
    a[4] = sp[4];                      /* 16($sp) */
    a[5] = sp[5];                      /* 20($sp) */
#endif
}

/* The trapped call returns r (a result, or -errno). */
static void trapped_result(ucontext_t *uc, long r)
{
    mcontext_t *m = &uc->uc_mcontext;
#if defined(__powerpc64__) || defined(__mips__)
    int failed = (unsigned long)r > -4096UL;
#endif

#if defined(__x86_64__)
    m->gregs[REG_RAX] = r;
#elif defined(__i386__)
    m->gregs[REG_EAX] = r;
#elif defined(__aarch64__)
    m->regs[0] = (unsigned long long)r;
#elif defined(__arm__)
    m->arm_r0 = (unsigned long)r;
#elif defined(__powerpc64__)
    /* cr0.SO (bit 28 of cr) set: failed, r3 holds the positive errno */
    m->gp_regs[PT_R3] = (unsigned long)(failed ? -r : r);
    if (failed)
        m->gp_regs[PT_CCR] |= 0x10000000UL;
    else
        m->gp_regs[PT_CCR] &= ~0x10000000UL;
#elif defined(__riscv)
    m->__gregs[REG_A0] = (unsigned long)r;
#else
    /* a3 ($7) set: failed, v0 ($2) holds the positive errno */
    m->gregs[2] = failed ? -r : r;
    m->gregs[7] = failed;
#endif
}

static void noreplace_as_hint(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    int saved = errno;
    long a[6], r;

    (void)sig;
    if (si->si_syscall != NOREPLACE_NR) {
        r = -ENOSYS;
    } else {
        trapped_args(uc, a);
        r = syscall(NOREPLACE_NR, a[0], a[1], a[2], a[3] & ~(long)MAP_FIXED_NOREPLACE,
                    a[4], a[5]);
        if (r == -1)
            r = -errno;
    }
    trapped_result(uc, r);
    noreplace_traps++;
    errno = saved;
}

static const struct lx_rule noreplace_trap[] = {
    { NOREPLACE_NR, 3, MAP_FIXED_NOREPLACE, MAP_FIXED_NOREPLACE, SECCOMP_RET_TRAP },
};
#endif

/* arg: non-NULL emulates the old kernel.  fig[0]: fallbacks counted by the
 * refused reserve_at. */
static int child_reserve_at(void *arg)
{
    struct pal_mem_stats s0, s1;
    long vmas0, vmas1;
    size_t ps, n;
    char *p;
    void *v;

    C_CHECK(lx_library_fresh());
#ifdef NOREPLACE_EMULATED
    if (arg != NULL) {
        struct sigaction sa;

        th_memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = noreplace_as_hint;
        sa.sa_flags = SA_SIGINFO;
        C_CHECK(sigaction(SIGSYS, &sa, NULL) == 0);
        C_SECCOMP(noreplace_trap, SECCOMP_RET_ALLOW);
    }
#else
    if (arg != NULL)
#if defined(__s390x__)
        C_SKIP("cannot make the kernel ignore MAP_FIXED_NOREPLACE here: s390x's mmap "
               "passes its arguments in memory, where seccomp cannot see the flag");
#else
        C_SKIP("no register map of a trapped call for this architecture");
#endif
#endif
    ps = pal_mem_page_size();
    n = 4 * ps;
    C_CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    th_memset(p, 0x77, n);

    lx_rep->fig[1] = (pal_mem_features() & PAL_FEAT_FIXED_NOREPLACE) != 0;
    if (arg != NULL)
        C_CHECK_EQ(lx_rep->fig[1], 0);

    /* taken: PAL_EEXIST, nothing left mapped elsewhere, nothing clobbered */
    vmas0 = lx_count_vmas(0, 0);
    s0 = stats_now();
    C_CHECK_EQ(pal_mem_reserve_at(p + ps, ps), PAL_EEXIST);
    s1 = stats_now();
    vmas1 = lx_count_vmas(0, 0);
    C_CHECK(vmas0 > 0);
    C_CHECK_EQ(vmas1, vmas0);
    C_CHECK(th_all_bytes(p, n, 0x77));
    th_memset(p, 0x78, n);
    lx_rep->fig[0] = (long)(s1.fallbacks - s0.fallbacks);

    /* free: exactly there */
    C_CHECK_OK(pal_mem_free(p, n));
    C_CHECK_OK(pal_mem_reserve_at(p, n));
    C_CHECK_EQ(th_faults(p, 0), 1);
    C_CHECK_OK(pal_mem_map(p, n));
    C_CHECK_OK(pal_mem_used(p, n));
    C_CHECK(th_all_bytes(p, n, 0));
    C_CHECK_OK(pal_mem_free(p, n));
#ifdef NOREPLACE_EMULATED
    if (arg != NULL) {
        C_CHECK_EQ(lx_rep->fig[0], 1);
        C_CHECK(noreplace_traps >= 3); /* probe, refused and granted reserve_at */
    }
#endif
    if (arg == NULL) /* a kernel before 4.17 takes the fallback by itself */
        C_CHECK_EQ(lx_rep->fig[0], (lx_rep->fig[1] ? 0 : 1));
    return 0;
}

static void fallback_fixed_noreplace_ignored(void)
{
    RUN_CHILD(child_reserve_at, NULL);
    if (!lx_rep->fig[1])
        th_note("control: MAP_FIXED_NOREPLACE is ignored here without a filter too "
                "(Linux < 4.17, or qemu-user)");
    RUN_CHILD(child_reserve_at, (void *)1);
}

const struct th_test th_tests[] = {
    TH(fallback_madvise_enosys),
    TH(fallback_madv_free_einval),
    TH(fallback_vma_name_refused),
    TH(fallback_mseal_enosys),
    TH(fallback_guard_einval),
    TH(fallback_fixed_noreplace_ignored),
    TH_END,
};
