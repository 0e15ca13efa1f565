/*
 * test_machines.c - the machines allocators get burned on, made here:
 * strict overcommit, an madvise(DONTNEED) that keeps the contents (qemu
 * before 7.1, some sandboxes), no /proc and no /sys.
 *
 * The library learns these facts once per process, so every case runs in
 * a child forked from a parent that never calls libpal: each child starts
 * with the library untouched, which it checks (os_calls == 0).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pal_test.h"

/* In a child: report the failed check on stdout and exit 1. */
#define CCHECK(e)                                                             \
    do {                                                                      \
        if (!(e)) {                                                           \
            th_printf("     | child: %s:%d: %s\n", __FILE__, __LINE__, #e);   \
            return 1;                                                         \
        }                                                                     \
    } while (0)
#define CCHECK_OK(call) CCHECK((call) == PAL_OK)

/* Exit code a child uses for "cannot be set up here"; it prints why. */
#define CHILD_SKIP 77
static char skip_reason[160];

static int fresh(void)
{
    struct pal_mem_stats st;

    pal_mem_get_stats(&st);
    return st.os_calls == 0;
}

/* Run a case in a child; a child exiting CHILD_SKIP printed its reason
 * into a pipe we read here. */
static int skip_pipe[2];

static void child_skip(const char *why)
{
    ssize_t w = write(skip_pipe[1], why, strlen(why));

    (void)w;
    _exit(CHILD_SKIP);
}

static int run_case(int (*fn)(void *), void *arg)
{
    ssize_t got;
    int st;

    if (pipe(skip_pipe) != 0)
        return -1;
    st = th_child(fn, arg);
    close(skip_pipe[1]);
    got = read(skip_pipe[0], skip_reason, sizeof skip_reason - 1);
    skip_reason[got > 0 ? got : 0] = '\0';
    close(skip_pipe[0]);
    return st;
}

#define RUN_CASE(fn, arg)                                                     \
    do {                                                                      \
        int st_ = run_case(fn, arg);                                          \
        if (st_ == TH_CHILD_NONE)                                             \
            SKIP("no child processes");                                       \
        if (st_ == TH_CHILD_EXIT(CHILD_SKIP))                                 \
            SKIP("%s", skip_reason);                                          \
        CHECK_EQ(st_, TH_CHILD_EXIT(0));                                      \
    } while (0)

/* A private mount namespace, so what the child mounts is its own. */
static void private_mounts(void)
{
    if (unshare(CLONE_NEWNS) != 0)
        child_skip("unshare(CLONE_NEWNS) refused: cannot make a private /proc here");
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        child_skip("cannot make / a private mount");
}

/* A field of /proc/meminfo ("CommitLimit:"), in bytes; 0 if absent. */
static long long meminfo(const char *key)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[128];
    size_t k = strlen(key);
    long long kb = 0;

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, key, k) == 0 && sscanf(line + k, " %lld", &kb) == 1)
            break;
    fclose(f);
    return kb * 1024;
}

static int overcommit_mode(void)
{
    FILE *f = fopen("/proc/sys/vm/overcommit_memory", "r");
    int mode = -1;

    if (f != NULL) {
        if (fscanf(f, "%d", &mode) != 1)
            mode = -1;
        fclose(f);
    }
    return mode;
}

/* ---- strict overcommit ------------------------------------------------ */

struct commit_case {
    int strict; /* pretend vm.overcommit_memory is 2 */
};

#define ROUNDS 5

static void sort_ll(long long *a, int n)
{
    int i, j;
    long long t;

    for (i = 1; i < n; i++)
        for (j = i; j > 0 && a[j] < a[j - 1]; j--) {
            t = a[j];
            a[j] = a[j - 1];
            a[j - 1] = t;
        }
}

/* Commit charge released by unused, and taken back by used, of a Ready
 * range (1 GiB on 64-bit machines, 256 MiB on 32-bit ones or under a real
 * CommitLimit), over five rounds.  Committed_AS is machine-wide and other
 * processes move it, so each verdict rests on the round least disturbed in
 * its favour of being wrong: strict needs one round that shows the whole
 * range returned and taken back (a library that kept the charge would need
 * a 90% swing from elsewhere inside one call to pass), the default needs
 * one round that shows it kept (a library that returned it would need all
 * five disturbed). */
static int commit_child(void *arg)
{
    const struct commit_case *c = arg;
    size_t n = (size_t)256 << 20;
    long long drop[ROUNDS], back[ROUNDS], before;
    char path[] = "/tmp/pal-overcommit-XXXXXX";
    int i, fd, forced;
    void *v;
    char *p;

    if (!fresh())
        return 2;
    if (meminfo("Committed_AS:") == 0)
        child_skip("no Committed_AS in /proc/meminfo");
    if (sizeof(void *) == 8 && overcommit_mode() != 2)
        n = (size_t)1 << 30;
    forced = c->strict && overcommit_mode() != 2;
    if (forced) {
        private_mounts();
        fd = mkstemp(path);
        if (fd < 0 || write(fd, "2\n", 2) != 2)
            child_skip("cannot write a temporary file");
        close(fd);
        if (mount(path, "/proc/sys/vm/overcommit_memory", NULL, MS_BIND, NULL) != 0) {
            unlink(path);
            child_skip("cannot bind-mount over /proc/sys/vm/overcommit_memory");
        }
        unlink(path);
    }
    CCHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    CCHECK_OK(pal_mem_map(p, n));
    CCHECK_OK(pal_mem_used(p, n));
    for (i = 0; i < ROUNDS; i++) {
        p[0] = 1;
        p[n - 1] = 1;
        before = meminfo("Committed_AS:");
        CCHECK_OK(pal_mem_unused(p, n));
        drop[i] = before - meminfo("Committed_AS:");
        before = meminfo("Committed_AS:");
        CCHECK_OK(pal_mem_used(p, n));
        back[i] = meminfo("Committed_AS:") - before;
        CCHECK(p[0] == 0 && p[n - 1] == 0);
    }
    sort_ll(drop, ROUNDS);
    sort_ll(back, ROUNDS);
    th_note("%s, %zu MiB range: unused returns %lld MiB of commit charge, used takes "
            "%lld MiB (medians of %d; returned min %lld, max %lld)",
            forced ? "overcommit 2 (forced)" : c->strict ? "overcommit 2" : "overcommit as is",
            n >> 20, drop[ROUNDS / 2] >> 20, back[ROUNDS / 2] >> 20, ROUNDS,
            drop[0] >> 20, drop[ROUNDS - 1] >> 20);
    if (c->strict) {
        CCHECK(pal_mem_unused_zeroes() == 1);
        CCHECK(drop[ROUNDS - 1] > (long long)(n / 10 * 9));
        CCHECK(back[ROUNDS - 1] > (long long)(n / 10 * 9));
    } else {
        CCHECK(drop[0] < (long long)(n / 2));
    }
    CCHECK_OK(pal_mem_free(p, n));
    return 0;
}

/* Where the mode is 2, unused must give the commit charge back. */
static void strict_overcommit_returns_charge(void)
{
    struct commit_case c = { 1 };

    RUN_CASE(commit_child, &c);
}

/* The control: in the machine's own mode (0 here) madvise keeps the charge,
 * which is what the strict path exists to fix; so the measurement above
 * tells the two apart. */
static void default_overcommit_keeps_charge(void)
{
    struct commit_case c = { 0 };
    char buf[8] = "";
    FILE *f = fopen("/proc/sys/vm/overcommit_memory", "r");

    if (f != NULL) {
        if (fgets(buf, sizeof buf, f) == NULL)
            buf[0] = '\0';
        fclose(f);
    }
    if (buf[0] == '2')
        SKIP("this machine runs vm.overcommit_memory=2 already");
    RUN_CASE(commit_child, &c);
}

/* Under a real vm.overcommit_memory=2: take most of the commit headroom
 * with A, release it with unused, and B of the same size must now fit;
 * then used of A must fail cleanly (PAL_ENOMEM) rather than overdraw, and
 * succeed again once B is gone. */
static int real_strict_child(void *arg)
{
    long long room = meminfo("CommitLimit:") - meminfo("Committed_AS:");
    size_t ps = pal_mem_page_size(), n;
    void *a, *b, *c;
    char *pa;

    (void)arg;
    CCHECK(room > (64 << 20));
    n = (size_t)(room / 10 * 7) & ~(ps - 1);
    th_note("CommitLimit headroom %lld MiB; A and B %zu MiB each", room >> 20, n >> 20);
    CCHECK_OK(pal_mem_reserve(NULL, n, &a));
    CCHECK_OK(pal_mem_reserve(NULL, n, &b));
    pa = a;
    /* a third range of the same size cannot be made writable beside A */
    CCHECK_OK(pal_mem_reserve(NULL, n, &c));
    CCHECK_OK(pal_mem_map(a, n));
    CCHECK_OK(pal_mem_used(a, n));
    pa[0] = 1;
    CCHECK(pal_mem_map(c, n) == PAL_ENOMEM);
    CCHECK_OK(pal_mem_unused(a, n));
    CCHECK_OK(pal_mem_map(b, n)); /* fits only because A's charge went back */
    CCHECK_OK(pal_mem_used(b, n));
    /* fails cleanly: A stays Prepared (mprotect works mapping by mapping,
     * so a leading part may have been made writable before the charge ran
     * out; Prepared memory may be backed or not, and is not touched) */
    CCHECK(pal_mem_used(a, n) == PAL_ENOMEM);
    CCHECK_OK(pal_mem_free(b, n));
    CCHECK_OK(pal_mem_used(a, n));
    CCHECK(pa[0] == 0);
    CCHECK_OK(pal_mem_free(a, n));
    CCHECK_OK(pal_mem_free(c, n));
    return 0;
}

static void strict_overcommit_for_real(void)
{
    if (overcommit_mode() != 2)
        SKIP("vm.overcommit_memory is %d here, not 2 (the kernel-6.1 VM target boots with 2)",
             overcommit_mode());
    RUN_CASE(real_strict_child, NULL);
}

/* ---- MADV_DONTNEED that keeps the contents ------------------------------ */

/* seccomp: madvise(..., MADV_DONTNEED) returns 0 and does nothing, as
 * qemu-user before 7.1 did. */
static int install_lying_dontneed(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_madvise, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 4 /* MADV_DONTNEED */, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { sizeof f / sizeof f[0], f };

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static int dontneed_child(void *arg)
{
    int lying = *(int *)arg;
    size_t ps, n;
    struct pal_mem_stats a, b;
    char *p;
    void *v;

    if (!fresh())
        return 2;
    if (lying && install_lying_dontneed() != 0)
        child_skip("seccomp refused (qemu-user has none): cannot make madvise lie");
    ps = pal_mem_page_size();
    n = 8 * ps;
    CCHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    memset(p, 0x5a, n);
    pal_mem_get_stats(&a);
    CCHECK_OK(pal_mem_unused(p, n));
    CCHECK_OK(pal_mem_used(p, n));
    pal_mem_get_stats(&b);
    /* the promise holds either way */
    CCHECK(pal_mem_unused_zeroes() == 1);
    CCHECK(th_all_bytes(p, n, 0));
    /* under strict overcommit unused remaps without asking madvise at all */
    if (lying && overcommit_mode() != 2)
        CCHECK(b.fallbacks > a.fallbacks); /* it remapped instead */
    else
        CCHECK(b.fallbacks == a.fallbacks);
    CCHECK_OK(pal_mem_free(p, n));
    return 0;
}

/* The library checks once that DONTNEED really zeroes; where it does not,
 * unused remaps the range, and memory still reads back zero. */
static void dontneed_without_zeroes_still_zeroes(void)
{
    int lying = 1;

    RUN_CASE(dontneed_child, &lying);
}

/* The control: where DONTNEED is honest, no fallback is taken. */
static void dontneed_with_zeroes_takes_no_fallback(void)
{
    int lying = 0;

    RUN_CASE(dontneed_child, &lying);
}

/* ---- no /proc, no /sys ------------------------------------------------ */

static int noproc_child(void *arg)
{
    size_t want = (size_t)getauxval(AT_PAGESZ), ps, n;
    struct pal_mem_stats st;
    char *p;
    void *v;

    (void)arg;
    if (!fresh())
        return 2;
    private_mounts();
    if (mount("none", "/proc", "tmpfs", 0, NULL) != 0 ||
        mount("none", "/sys", "tmpfs", 0, NULL) != 0)
        child_skip("cannot mount over /proc and /sys here");
    /* qemu-user answers opens of /proc/self/auxv itself, /proc or not */
    if (open("/proc/self/auxv", O_RDONLY) >= 0)
        child_skip("/proc/self/auxv still opens over an empty /proc (qemu-user emulates it)");
    CCHECK_OK(pal_mem_init());
    ps = pal_mem_page_size();
    pal_mem_get_stats(&st);
    th_note("page size %zu found by probing in %zu calls (auxv says %zu)", ps,
            st.os_calls, want);
    CCHECK(ps == want);
    CCHECK(pal_mem_huge_page_size() == 0);
    CCHECK((pal_mem_features() & PAL_FEAT_THP) == 0);
    /* the core cycle works without them */
    n = 4 * ps;
    CCHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    CCHECK_OK(pal_mem_map(p, n));
    CCHECK_OK(pal_mem_used(p, n));
    memset(p, 1, n);
    CCHECK_OK(pal_mem_unused(p, n));
    CCHECK_OK(pal_mem_used(p, n));
    CCHECK(th_all_bytes(p, n, 0));
    CCHECK_OK(pal_mem_free(p, n));
    return 0;
}

static void no_proc_no_sys(void)
{
    RUN_CASE(noproc_child, NULL);
}

const struct th_test th_tests[] = {
    TH(strict_overcommit_returns_charge),
    TH(default_overcommit_keeps_charge),
    TH(strict_overcommit_for_real),
    TH(dontneed_without_zeroes_still_zeroes),
    TH(dontneed_with_zeroes_takes_no_fallback),
    TH(no_proc_no_sys),
    TH_END,
};
