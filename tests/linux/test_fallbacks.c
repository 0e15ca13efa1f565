/*
 * test_fallbacks.c - every fallback of the Linux backend, forced for real:
 * each case runs in a child that installs a seccomp filter making the
 * kernel refuse one call (madvise, MADV_FREE, PR_SET_VMA, mseal,
 * MADV_GUARD_INSTALL) or, for MAP_FIXED_NOREPLACE, trapping it and answering
 * as a kernel before 4.17 would.  Next to most cases a control child without
 * a filter shows the same check gives another answer on this kernel, so the
 * forced path is what was measured.
 *
 * A map refused for its commit charge must leave the range Reserved: on
 * this kernel with a map larger than RAM + swap (before 6.12 the kernel
 * unmaps the old range first, the test VM's 6.1 among them), and on every
 * kernel with that order emulated by a trap (unmap, then ENOMEM).
 *
 * The library learns what the kernel supports once per process.  The parent
 * here never calls libpal, so every child starts with nothing learnt (each
 * checks that first).  Under qemu-user (no seccomp) the cases say skipped.
 */
#define _GNU_SOURCE
#include <sys/ucontext.h>

#include "lx_util.h"

/* the call libpal maps with: mmap2 where there is one (386, arm, mips o32) */
#ifdef SYS_mmap2
#define MMAP_NR SYS_mmap2
#else
#define MMAP_NR SYS_mmap
#endif

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
    if (si->si_syscall != MMAP_NR) {
        r = -ENOSYS;
    } else {
        trapped_args(uc, a);
        r = syscall(MMAP_NR, a[0], a[1], a[2], a[3] & ~(long)MAP_FIXED_NOREPLACE,
                    a[4], a[5]);
        if (r == -1)
            r = -errno;
    }
    trapped_result(uc, r);
    noreplace_traps++;
    errno = saved;
}

static const struct lx_rule noreplace_trap[] = {
    { MMAP_NR, 3, MAP_FIXED_NOREPLACE, MAP_FIXED_NOREPLACE, SECCOMP_RET_TRAP },
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

/* ---- a hint the kernel does not take: placed elsewhere ---------------- */

/* A hint is advice: where an mmap at the hint fails with ENOMEM, the call
 * is asked again without it, as a kernel would have placed it elsewhere.
 * Seen: qemu-user (loongarch64, 7.2) now and then answers a hint over a
 * taken range with ENOMEM.  Emulated here by refusing every mmap whose
 * address is the hint. */
static int child_hint_refused(void *arg)
{
    struct lx_rule hint_refused[] = {
        { MMAP_NR, 0, 0xffffffffu, 0, LX_ERRNO(ENOMEM) },
    };
    struct pal_mem_spec spec = { 0 };
    size_t ps, n;
    void *hint, *out;

    (void)arg;
#if defined(__s390x__)
    C_SKIP("s390x's mmap takes its arguments in memory: a seccomp filter cannot see the address");
#endif
    C_CHECK(lx_library_fresh());
    ps = pal_mem_page_size();
    n = 4 * ps;
    C_CHECK_OK(pal_mem_reserve(NULL, n, &hint));
    C_CHECK_OK(pal_mem_free(hint, n));
    hint_refused[0].val = (uint32_t)(uintptr_t)hint;
    C_SECCOMP(hint_refused, SECCOMP_RET_ALLOW);
    /* placed where the kernel chooses (the range just given back, often) */
    C_CHECK_OK(pal_mem_reserve(hint, n, &out));
    C_CHECK_OK(pal_mem_free(out, n));
    spec.n = n;
    spec.state = PAL_STATE_READY;
    spec.prot = PAL_PROT_READ | PAL_PROT_WRITE;
    spec.hint = hint;
    C_CHECK_OK(pal_mem_acquire(&spec, &out));
    th_memset(out, 0x77, n);
    C_CHECK_OK(pal_mem_free(out, n));
    /* exact placement is no hint: its refusal is the answer */
    spec.flags = PAL_SPEC_EXACT;
    C_CHECK_EQ(pal_mem_acquire(&spec, &out), PAL_ENOMEM);
    C_CHECK_EQ(pal_mem_reserve_at(hint, n), PAL_ENOMEM);
    return 0;
}

static void hint_refused_placed_elsewhere(void)
{
    RUN_CHILD(child_hint_refused, NULL);
}

/* ---- write tracking keeps its descriptors ----------------------------- */

/* After the first pal_mem_written the process holds what it needs: a
 * sandbox that then refuses every open (a seccomp policy tightened after
 * start-up) does not stop the reports, and no open and close are paid per
 * call. */
static int child_written_after_open_refused(void *arg)
{
    static const struct lx_rule no_open[] = {
        { SYS_openat, -1, 0, 0, LX_ERRNO(EACCES) },
    };
    unsigned char pages[2] = { 9, 9 };
    size_t ps;
    char *p;

    (void)arg;
    C_CHECK(lx_library_fresh());
    if (!(pal_mem_features() & PAL_FEAT_TRACK))
        C_SKIP("no write tracking here (test_track_linux holds that against the kernel)");
    ps = pal_mem_page_size();
    C_CHECK_OK(pal_mem_alloc(2 * ps, (void **)&p));
    C_CHECK_OK(pal_mem_track_writes(p, 2 * ps, 1));
    C_CHECK_OK(pal_mem_written(p, 2 * ps, pages, 1));
    C_SECCOMP(no_open, SECCOMP_RET_ALLOW);
    p[ps] = 1;
    C_CHECK_OK(pal_mem_written(p, 2 * ps, pages, 1));
    C_CHECK_EQ(pages[0], 0);
    C_CHECK_EQ(pages[1], 1);
    C_CHECK_OK(pal_mem_free(p, 2 * ps));
    return 0;
}

static void written_keeps_its_descriptor(void)
{
    RUN_CHILD(child_written_after_open_refused, NULL);
}

/* ---- a map refused for its commit charge keeps the reservation -------- */

/* Whether [v, v+n) is wholly mapped, inaccessible ("---p"), in
 * /proc/self/maps: Reserved.  -1 if maps cannot be read. */
static int maps_reserved(uintptr_t v, size_t n)
{
    const char *s;
    uintptr_t a, b;
    size_t covered = 0;

    if (lx_read_proc("/proc/self/maps") <= 0)
        return -1;
    for (s = lx_buf; *s != '\0'; s = lx_next_line(s)) {
        const char *perm;

        if (!lx_is_header(s, &a, &b) || a >= v + n || b <= v)
            continue;
        for (perm = s; *perm != ' ' && *perm != '\0'; perm++)
            ;
        if (th_strncmp(perm, " ---p", 5) != 0)
            return 0;
        covered += (b < v + n ? b : v + n) - (a > v ? a : v);
    }
    return covered == n;
}

/* MemTotal + SwapTotal from /proc/meminfo, in bytes; 0 if unknown. */
static unsigned long long ram_and_swap(void)
{
    unsigned long long total = 0;
    const char *s;

    if (lx_read_proc("/proc/meminfo") <= 0)
        return 0;
    if ((s = th_strstr(lx_buf, "MemTotal:")) != NULL)
        total += lx_kb(s + 9) * 1024ull;
    if ((s = th_strstr(lx_buf, "SwapTotal:")) != NULL)
        total += lx_kb(s + 10) * 1024ull;
    return total;
}

#ifdef NOREPLACE_EMULATED
/* A kernel before 6.12 (mmap_region: unmap the old range, then charge the
 * new one), emulated on any kernel: a MAP_FIXED writable mmap unmaps the
 * range and fails with ENOMEM.  Every other trapped call (a sanitizer
 * runtime's own) is made as unmap, then MAP_FIXED_NOREPLACE, which the
 * filter lets through: a MAP_FIXED call from here would trap again. */
static void fixed_unmaps_then_fails(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    int saved = errno;
    long a[6], r;

    (void)sig;
    trapped_args(uc, a);
    if (si->si_syscall == MMAP_NR && (a[2] & PROT_WRITE)) {
        r = syscall(SYS_munmap, a[0], a[1]) == 0 ? -ENOMEM : -errno;
    } else if (si->si_syscall == MMAP_NR) {
        r = syscall(SYS_munmap, a[0], a[1]);
        if (r == 0)
            r = syscall(MMAP_NR, a[0], a[1], a[2],
                        (a[3] & ~(long)MAP_FIXED) | MAP_FIXED_NOREPLACE, a[4], a[5]);
        if (r == -1)
            r = -errno;
    } else {
        r = -ENOSYS;
    }
    trapped_result(uc, r);
    noreplace_traps++;
    errno = saved;
}

static const struct lx_rule fixed_trap[] = {
    { MMAP_NR, 3, MAP_FIXED, MAP_FIXED, SECCOMP_RET_TRAP },
};
#endif

/* ThreadSanitizer maps its shadow of a new mapping with a writable
 * MAP_FIXED mmap while it delivers the trap's signal (blocked then): the
 * filter traps that one too, and the kernel kills the process. */
#if defined(__SANITIZE_THREAD__)
#define FIXED_TRAP_BLOCKED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FIXED_TRAP_BLOCKED 1
#endif
#endif

/* *arg: the size of a map this kernel refuses (more than RAM + swap), or
 * 0: the old kernel's refusal emulated on a small map.
 * Either way PAL_ENOMEM must leave the range Reserved: still mapped, no
 * access, so that no other mmap can take it. */
static int child_failed_map(void *arg)
{
    size_t n = *(const size_t *)arg;
    int emulated = n == 0;
    void *v;

    C_CHECK(lx_library_fresh());
    if (emulated)
        n = 16 * pal_mem_page_size();
    C_CHECK_OK(pal_mem_reserve(NULL, n, &v));
#ifdef FIXED_TRAP_BLOCKED
    if (emulated)
        C_SKIP("ThreadSanitizer maps its shadow memory with MAP_FIXED, which the trap "
               "cannot let through");
#endif
#ifdef NOREPLACE_EMULATED
    if (emulated) {
        struct sigaction sa;

        th_memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = fixed_unmaps_then_fails;
        sa.sa_flags = SA_SIGINFO;
        C_CHECK(sigaction(SIGSYS, &sa, NULL) == 0);
        C_SECCOMP(fixed_trap, SECCOMP_RET_ALLOW);
    }
#else
    if (emulated)
        C_SKIP("no register map of a trapped call for this architecture");
#endif
    C_CHECK_EQ(maps_reserved((uintptr_t)v, n), 1);
    C_CHECK_EQ(pal_mem_map(v, n), PAL_ENOMEM);
    C_CHECK_EQ(maps_reserved((uintptr_t)v, n), 1);
    C_CHECK_OK(pal_mem_free(v, n));
    return 0;
}

static void failed_map_keeps_reservation(void)
{
    unsigned long long total = ram_and_swap(), n;
    size_t size;

    if (total == 0)
        SKIP("cannot read MemTotal and SwapTotal in /proc/meminfo");
    /* twice RAM + swap, in whole GiB: more than any overcommit mode but
     * "always" grants one mapping */
    n = (2 * total + (1ull << 30)) & ~((1ull << 30) - 1);
    if (lx_read_proc("/proc/sys/vm/overcommit_memory") <= 0)
        SKIP("cannot read vm.overcommit_memory");
    if (lx_buf[0] == '1')
        SKIP("vm.overcommit_memory=1: every commit charge is granted");
    if (lx_buf[0] == '2')
        SKIP("vm.overcommit_memory=2: map makes a PROT_NONE mapping, which takes no commit "
             "charge (used takes it)");
    if (sizeof(void *) < 8 || n > (1ull << 46))
        SKIP("twice RAM + swap (%llu MiB) does not fit this address space", n >> 20);
    size = (size_t)n;
    RUN_CHILD(child_failed_map, &size);
    th_note("map of %llu GiB refused, the reservation kept", n >> 30);
}

static void failed_fixed_map_keeps_reservation(void)
{
    size_t emulated = 0;

    /* the emulated refusal is of a writable MAP_FIXED mmap */
    if (lx_strict_overcommit())
        SKIP("vm.overcommit_memory=2: map makes a PROT_NONE mapping, which takes no commit "
             "charge (used takes it)");

    RUN_CHILD(child_failed_map, &emulated);
}

const struct th_test th_tests[] = {
    TH(fallback_madvise_enosys),
    TH(fallback_madv_free_einval),
    TH(fallback_vma_name_refused),
    TH(fallback_mseal_enosys),
    TH(fallback_guard_einval),
    TH(fallback_fixed_noreplace_ignored),
    TH(hint_refused_placed_elsewhere),
    TH(written_keeps_its_descriptor),
    TH(failed_map_keeps_reservation),
    TH(failed_fixed_map_keeps_reservation),
    TH_END,
};
