/*
 * test_machines.c - the machines allocators get burned on, made here:
 * strict overcommit, an madvise(DONTNEED) that keeps the contents (qemu
 * before 7.1, some sandboxes), no /proc and no /sys; and a kernel that
 * hangs a reader of write-only memory (MIPS without RIXI).
 *
 * The library learns these facts once per process, so every case runs in
 * a child (lx_util.h's, reporting through a shared page) forked from a
 * parent that never calls libpal: each child starts with the library
 * untouched, which it checks.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mount.h>

#include "lx_util.h"

/* A private mount namespace, so what the child mounts is its own; NULL,
 * or why there can be none. */
static const char *private_mounts(void)
{
    if (unshare(CLONE_NEWNS) != 0)
        return "unshare(CLONE_NEWNS) refused: cannot make a private /proc here";
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return "cannot make / a private mount";
    return NULL;
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

/* ---- strict overcommit ------------------------------------------------ */

/* Set vm.overcommit_memory to mode where the runner lets tests change
 * machine-wide sysctls (PAL_TEST_SYSCTL=1: the test VM, which runs nothing
 * else).  Returns the mode it replaced ('0'..'2'), or 0 if unchanged. */
static char set_overcommit(char mode)
{
    const char *allowed = getenv("PAL_TEST_SYSCTL");
    char old;
    int fd;

    if (allowed == NULL || strcmp(allowed, "1") != 0 ||
        lx_read_proc("/proc/sys/vm/overcommit_memory") <= 0)
        return 0;
    old = lx_buf[0];
    fd = open("/proc/sys/vm/overcommit_memory", O_WRONLY);
    if (fd < 0)
        return 0;
    if (write(fd, &mode, 1) != 1)
        old = 0;
    close(fd);
    return old;
}

/* Run fn in a child under vm.overcommit_memory 2 (mode '2') or another
 * mode (mode '0'), switching to the one asked for the child's time where
 * the machine is in the other and may be switched; the th_child status, or
 * why it could not run. */
static int run_in_mode(int (*fn)(void *), void *arg, char mode, const char **why)
{
    char old = 0;
    int st;

    *why = NULL;
    if (lx_strict_overcommit() != (mode == '2')) {
        old = set_overcommit(mode);
        if (old == 0) {
            *why = mode == '2' ? "vm.overcommit_memory is not 2 here and may not be changed "
                                 "(the test VM may: PAL_TEST_SYSCTL=1)"
                               : "vm.overcommit_memory is 2 here and may not be changed "
                                 "(the test VM may: PAL_TEST_SYSCTL=1)";
            return TH_CHILD_NONE;
        }
    }
    st = lx_run(fn, arg);
    if (old != 0)
        set_overcommit(old);
    return st;
}

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
 * CommitLimit; at most half the memory), over five rounds.  Committed_AS
 * is machine-wide and other processes move it, so each verdict rests on
 * the round least disturbed in its favour of being wrong: strict needs one
 * round that shows the whole range returned and taken back (a library that
 * kept the charge would need a 90% swing from elsewhere inside one call to
 * pass), the default needs one round that shows it kept (a library that
 * returned it would need all five disturbed). */
static int commit_child(void *arg)
{
    const struct commit_case *c = arg;
    size_t n = (size_t)256 << 20;
    long long drop[ROUNDS], back[ROUNDS], before;
    char path[] = "/tmp/pal-overcommit-XXXXXX";
    const char *why;
    int i, fd, forced;
    void *v;
    char *p;

    C_CHECK(lx_library_fresh());
    if (meminfo("Committed_AS:") == 0)
        C_SKIP("no Committed_AS in /proc/meminfo");
    if (sizeof(void *) == 8 && !lx_strict_overcommit())
        n = (size_t)1 << 30;
    /* at most half the memory: in mode 0 the kernel refuses one mapping
     * larger than memory and swap together (a 32-bit Malta has 256 MiB) */
    while ((long long)n > meminfo("MemTotal:") / 2 && n > ((size_t)16 << 20))
        n /= 2;
    forced = c->strict && !lx_strict_overcommit();
    if (forced) {
        if ((why = private_mounts()) != NULL)
            C_SKIP(why);
        fd = mkstemp(path);
        if (fd < 0 || write(fd, "2\n", 2) != 2)
            C_SKIP("cannot write a temporary file");
        close(fd);
        if (mount(path, "/proc/sys/vm/overcommit_memory", NULL, MS_BIND, NULL) != 0) {
            unlink(path);
            C_SKIP("cannot bind-mount over /proc/sys/vm/overcommit_memory");
        }
        unlink(path);
    }
    C_CHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    C_CHECK_OK(pal_mem_map(p, n));
    C_CHECK_OK(pal_mem_used(p, n));
    for (i = 0; i < ROUNDS; i++) {
        p[0] = 1;
        p[n - 1] = 1;
        before = meminfo("Committed_AS:");
        C_CHECK_OK(pal_mem_unused(p, n));
        drop[i] = before - meminfo("Committed_AS:");
        before = meminfo("Committed_AS:");
        C_CHECK_OK(pal_mem_used(p, n));
        back[i] = meminfo("Committed_AS:") - before;
        C_CHECK(p[0] == 0 && p[n - 1] == 0);
    }
    sort_ll(drop, ROUNDS);
    sort_ll(back, ROUNDS);
    th_note("%s, %zu MiB range: unused returns %lld MiB of commit charge, used takes "
            "%lld MiB (medians of %d; returned min %lld, max %lld)",
            forced ? "overcommit 2 (forced)" : c->strict ? "overcommit 2" : "overcommit as is",
            n >> 20, drop[ROUNDS / 2] >> 20, back[ROUNDS / 2] >> 20, ROUNDS,
            drop[0] >> 20, drop[ROUNDS - 1] >> 20);
    if (c->strict) {
        C_CHECK(pal_mem_unused_zeroes() == 1);
        C_CHECK(drop[ROUNDS - 1] > (long long)(n / 10 * 9));
        C_CHECK(back[ROUNDS - 1] > (long long)(n / 10 * 9));
    } else {
        C_CHECK(drop[0] < (long long)(n / 2));
    }
    C_CHECK_OK(pal_mem_free(p, n));
    return 0;
}

/* Where the mode is 2, unused must give the commit charge back. */
static void strict_overcommit_returns_charge(void)
{
    struct commit_case c = { 1 };

    RUN_CHILD(commit_child, &c);
}

/* The control: in mode 0 (the machine's, or switched to in the test VM)
 * madvise keeps the charge, which is what the strict path exists to fix;
 * so the measurement above tells the two apart. */
static void default_overcommit_keeps_charge(void)
{
    struct commit_case c = { 0 };
    const char *why;
    int st = run_in_mode(commit_child, &c, '0', &why);

    if (why != NULL)
        SKIP("%s", why);
    lx_outcome(st, __FILE__, __LINE__);
}

/* Under a real vm.overcommit_memory=2 (the machine's, or switched to in
 * the test VM): take most of the commit headroom with A, release it with
 * unused, and B of the same size must now fit; then used of A must fail
 * cleanly (PAL_ENOMEM) rather than overdraw, and succeed again once B is
 * gone.  map takes no charge there (Prepared is PROT_NONE): used does. */
static int real_strict_child(void *arg)
{
    long long room = meminfo("CommitLimit:") - meminfo("Committed_AS:");
    size_t ps = pal_mem_page_size(), n;
    void *a, *b, *c;
    char *pa;

    (void)arg;
    C_CHECK(room > (64 << 20));
    n = (size_t)(room / 10 * 7) & ~(ps - 1);
    th_note("CommitLimit headroom %lld MiB; A and B %zu MiB each", room >> 20, n >> 20);
    C_CHECK_OK(pal_mem_reserve(NULL, n, &a));
    C_CHECK_OK(pal_mem_reserve(NULL, n, &b));
    pa = a;
    /* a third range of the same size can be mapped beside A, but not
     * made writable */
    C_CHECK_OK(pal_mem_reserve(NULL, n, &c));
    C_CHECK_OK(pal_mem_map(a, n));
    C_CHECK_OK(pal_mem_used(a, n));
    pa[0] = 1;
    C_CHECK_OK(pal_mem_map(c, n));
    C_CHECK(pal_mem_used(c, n) == PAL_ENOMEM);
    C_CHECK_OK(pal_mem_unused(a, n));
    C_CHECK_OK(pal_mem_map(b, n)); /* fits only because A's charge went back */
    C_CHECK_OK(pal_mem_used(b, n));
    /* fails cleanly: A stays Prepared (mprotect works mapping by mapping,
     * so a leading part may have been made writable before the charge ran
     * out; Prepared memory may be backed or not, and is not touched) */
    C_CHECK(pal_mem_used(a, n) == PAL_ENOMEM);
    C_CHECK_OK(pal_mem_free(b, n));
    C_CHECK_OK(pal_mem_used(a, n));
    C_CHECK(pa[0] == 0);
    C_CHECK_OK(pal_mem_free(a, n));
    C_CHECK_OK(pal_mem_free(c, n));
    return 0;
}

static void strict_overcommit_for_real(void)
{
    const char *why;
    int st = run_in_mode(real_strict_child, NULL, '2', &why);

    if (why != NULL)
        SKIP("%s", why);
    lx_outcome(st, __FILE__, __LINE__);
}

/* ---- MADV_DONTNEED that keeps the contents ------------------------------ */

/* madvise(..., MADV_DONTNEED) returns 0 and does nothing, as qemu-user
 * before 7.1 did. */
static const struct lx_rule lying_dontneed[] = {
    { SYS_madvise, 2, 0xffffffffu, MADV_DONTNEED, LX_ERRNO(0) },
};

/* lying: madvise(DONTNEED) lies; probed: the feature probes run first,
 * and learn the fact on their own scratch page */
struct dontneed_case {
    int lying, probed;
};

static int dontneed_child(void *arg)
{
    const struct dontneed_case *c = arg;
    int lying = c->lying;
    size_t ps, n;
    struct pal_mem_stats a, b;
    char *p;
    void *v;

    C_CHECK(lx_library_fresh());
    if (lying && lx_seccomp(lying_dontneed, 1, SECCOMP_RET_ALLOW) != 0)
        C_SKIP("seccomp refused (qemu-user has none): cannot make madvise lie");
    if (c->probed)
        C_CHECK(pal_mem_features() & PAL_FEAT_MADV_DONTNEED);
    ps = pal_mem_page_size();
    n = 8 * ps;
    C_CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    memset(p, 0x5a, n);
    pal_mem_get_stats(&a);
    C_CHECK_OK(pal_mem_unused(p, n));
    C_CHECK_OK(pal_mem_used(p, n));
    pal_mem_get_stats(&b);
    /* the promise holds either way */
    C_CHECK(pal_mem_unused_zeroes() == 1);
    C_CHECK(th_all_bytes(p, n, 0));
    /* under strict overcommit unused remaps without asking madvise at all */
    if (lying && !lx_strict_overcommit())
        C_CHECK(b.fallbacks > a.fallbacks); /* it remapped instead */
    else
        C_CHECK(b.fallbacks == a.fallbacks);
    C_CHECK_OK(pal_mem_free(p, n));
    return 0;
}

/* The library checks once that DONTNEED really zeroes; where it does not,
 * unused remaps the range, and memory still reads back zero. */
static void dontneed_without_zeroes_still_zeroes(void)
{
    struct dontneed_case c = { 1, 0 };

    RUN_CHILD(dontneed_child, &c);
}

/* The same, learnt by the feature probes (pal_mem_features first). */
static void dontneed_without_zeroes_probed_still_zeroes(void)
{
    struct dontneed_case c = { 1, 1 };

    RUN_CHILD(dontneed_child, &c);
}

/* The controls: where DONTNEED is honest, no fallback is taken. */
static void dontneed_with_zeroes_takes_no_fallback(void)
{
    struct dontneed_case c = { 0, 0 };

    RUN_CHILD(dontneed_child, &c);
}

static void dontneed_with_zeroes_probed_takes_no_fallback(void)
{
    struct dontneed_case c = { 0, 1 };

    RUN_CHILD(dontneed_child, &c);
}

/* ---- no /proc, no /sys ------------------------------------------------ */

static int noproc_child(void *arg)
{
    size_t want = (size_t)getauxval(AT_PAGESZ), ps, n;
    struct pal_mem_stats st;
    const char *why;
    char *p;
    void *v;

    (void)arg;
    C_CHECK(lx_library_fresh());
    if ((why = private_mounts()) != NULL)
        C_SKIP(why);
    if (mount("none", "/proc", "tmpfs", 0, NULL) != 0 ||
        mount("none", "/sys", "tmpfs", 0, NULL) != 0)
        C_SKIP("cannot mount over /proc and /sys here");
    /* qemu-user answers opens of /proc/self/auxv itself, /proc or not */
    if (open("/proc/self/auxv", O_RDONLY) >= 0)
        C_SKIP("/proc/self/auxv still opens over an empty /proc (qemu-user emulates it)");
    C_CHECK_OK(pal_mem_init());
    ps = pal_mem_page_size();
    pal_mem_get_stats(&st);
    th_note("page size %zu found by probing in %zu calls (auxv says %zu)", ps,
            st.os_calls, want);
    C_CHECK(ps == want);
    C_CHECK(pal_mem_huge_page_size() == 0);
    C_CHECK((pal_mem_features() & PAL_FEAT_THP) == 0);
    /* the core cycle works without them */
    n = 4 * ps;
    C_CHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    C_CHECK_OK(pal_mem_map(p, n));
    C_CHECK_OK(pal_mem_used(p, n));
    memset(p, 1, n);
    C_CHECK_OK(pal_mem_unused(p, n));
    C_CHECK_OK(pal_mem_used(p, n));
    C_CHECK(th_all_bytes(p, n, 0));
    C_CHECK_OK(pal_mem_free(p, n));
    return 0;
}

static void no_proc_no_sys(void)
{
    RUN_CHILD(noproc_child, NULL);
}

/* Write-only memory that is already present, read first: MIPS kernels for
 * CPUs without read-inhibit (Debian's 4kc-malta 6.1) fault such a read
 * again and again for ever.  The child has ten seconds. */
static int write_only_child(void *arg)
{
    size_t ps = pal_mem_page_size();
    volatile unsigned char *p;
    void *v;

    (void)arg;
    alarm(10);
    C_CHECK_OK(pal_mem_alloc(ps, &v));
    p = v;
    p[0] = 0x5c;
    C_CHECK_OK(pal_mem_protect(v, ps, PAL_PROT_WRITE));
    C_CHECK(p[0] == 0x5c);
    p[0] = 0x5d;
    C_CHECK_OK(pal_mem_free(v, ps));
    return 0;
}

static void write_only_reads_back(void)
{
    RUN_CHILD(write_only_child, NULL);
}

const struct th_test th_tests[] = {
    TH(strict_overcommit_returns_charge),
    TH(default_overcommit_keeps_charge),
    TH(strict_overcommit_for_real),
    TH(dontneed_without_zeroes_still_zeroes),
    TH(dontneed_without_zeroes_probed_still_zeroes),
    TH(dontneed_with_zeroes_takes_no_fallback),
    TH(dontneed_with_zeroes_probed_takes_no_fallback),
    TH(no_proc_no_sys),
    TH(write_only_reads_back),
    TH_END,
};
