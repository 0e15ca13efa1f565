/*
 * lx_util.h - helpers shared by the Linux-only tests (hosted: libc, fork,
 * /proc, seccomp).  Everything is static and marked unused, so a test file
 * includes this once and pays only for what it calls.
 *
 *  - /proc/self/maps and /proc/self/smaps read with open/read into a static
 *    buffer (no allocation: usable inside a seccomp sandbox that allows
 *    only openat/read/close);
 *  - child processes that report a failed check (its line, expression and
 *    values) or a skip (its reason) through a shared page, so that a child
 *    under a strict sandbox needs no write(2) and exit codes need not carry
 *    line numbers;
 *  - seccomp BPF filters built from a small rule list.
 */
#ifndef LX_UTIL_H
#define LX_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pal_test.h"

#define LX_UNUSED __attribute__((unused))

/* ---- /proc ------------------------------------------------------------ */

/* Big enough for /proc/self/maps with tens of thousands of mappings. */
static char lx_buf[8 << 20];

/* Read a whole /proc file into lx_buf (NUL-terminated); its length or -1. */
static LX_UNUSED long lx_read_proc(const char *path)
{
    long got = 0;
    ssize_t r;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -1;
    while ((size_t)got < sizeof lx_buf - 1) {
        /* at most 64 KiB a read: Linux 6.1 fails a sysctl read of
         * KMALLOC_MAX_SIZE or more with ENOMEM */
        size_t want = sizeof lx_buf - 1 - (size_t)got;

        r = read(fd, lx_buf + got, want < 65536 ? want : 65536);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += r;
    }
    close(fd);
    lx_buf[got] = '\0';
    return got;
}

static const char *lx_hex(const char *s, uintptr_t *out)
{
    uintptr_t v = 0;

    for (;; s++) {
        if (*s >= '0' && *s <= '9')
            v = v * 16 + (uintptr_t)(*s - '0');
        else if (*s >= 'a' && *s <= 'f')
            v = v * 16 + (uintptr_t)(*s - 'a' + 10);
        else
            break;
    }
    *out = v;
    return s;
}

static const char *lx_next_line(const char *s)
{
    while (*s != '\0' && *s != '\n')
        s++;
    return *s == '\n' ? s + 1 : s;
}

/* A maps/smaps header line starts with a lower-case hex address; the
 * smaps fields ("Size:", "VmFlags:") start with an upper-case letter. */
static int lx_is_header(const char *s, uintptr_t *lo, uintptr_t *hi)
{
    if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
        return 0;
    s = lx_hex(s, lo);
    if (*s != '-')
        return 0;
    lx_hex(s + 1, hi);
    return 1;
}

/* Number of mappings in /proc/self/maps overlapping [lo, hi) (every
 * mapping when lo == hi == 0), or -1 if it cannot be read. */
static LX_UNUSED long lx_count_vmas(uintptr_t lo, uintptr_t hi)
{
    const char *s;
    uintptr_t a, b;
    long n = 0;

    if (lx_read_proc("/proc/self/maps") <= 0)
        return -1;
    for (s = lx_buf; *s != '\0'; s = lx_next_line(s))
        if (lx_is_header(s, &a, &b) && ((lo == 0 && hi == 0) || (a < hi && b > lo)))
            n++;
    return n;
}

/* Whether the VmFlags line at s (after "VmFlags:") holds the two-letter
 * flag f. */
static int lx_has_flag(const char *s, const char *f)
{
    while (*s != '\0' && *s != '\n') {
        while (*s == ' ')
            s++;
        if (s[0] == f[0] && s[1] == f[1] && (s[2] == ' ' || s[2] == '\n' || s[2] == '\0'))
            return 1;
        while (*s != '\0' && *s != '\n' && *s != ' ')
            s++;
    }
    return 0;
}

/* What /proc/self/smaps says about the mappings overlapping [lo, hi). */
struct lx_smaps {
    int vmas;             /* mappings overlapping the range */
    int vmflags;          /* of those, how many have a VmFlags line */
    int with_flag;        /* of those, how many carry the flag asked for */
    size_t anon_huge_kb;  /* AnonHugePages, summed */
    size_t rss_kb;        /* Rss, summed */
};

static size_t lx_kb(const char *s)
{
    size_t v = 0;

    while (*s == ' ')
        s++;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (size_t)(*s++ - '0');
    return v;
}

/* flag may be NULL.  Returns 0, or -1 if smaps cannot be read. */
static LX_UNUSED int lx_smaps(uintptr_t lo, uintptr_t hi, const char *flag,
                              struct lx_smaps *out)
{
    const char *s;
    uintptr_t a, b;
    int in = 0;

    out->vmas = out->vmflags = out->with_flag = 0;
    out->anon_huge_kb = out->rss_kb = 0;
    if (lx_read_proc("/proc/self/smaps") <= 0)
        return -1;
    for (s = lx_buf; *s != '\0'; s = lx_next_line(s)) {
        if (lx_is_header(s, &a, &b)) {
            in = a < hi && b > lo;
            out->vmas += in;
        } else if (in && th_strncmp(s, "VmFlags:", 8) == 0) {
            out->vmflags++;
            if (flag != NULL && lx_has_flag(s + 8, flag))
                out->with_flag++;
        } else if (in && th_strncmp(s, "AnonHugePages:", 14) == 0) {
            out->anon_huge_kb += lx_kb(s + 14);
        } else if (in && th_strncmp(s, "Rss:", 4) == 0) {
            out->rss_kb += lx_kb(s + 4);
        }
    }
    return 0;
}

/* Whether vm.overcommit_memory is 2 (strict): unused then replaces the range
 * with a PROT_NONE mapping instead of advising the kernel. */
static LX_UNUSED int lx_strict_overcommit(void)
{
    return lx_read_proc("/proc/sys/vm/overcommit_memory") > 0 && lx_buf[0] == '2';
}

/* Whether this kernel's smaps has VmFlags at all (qemu-user's emulated
 * smaps has none). */
static LX_UNUSED int lx_have_vmflags(void)
{
    return lx_read_proc("/proc/self/smaps") > 0 && th_strstr(lx_buf, "\nVmFlags:") != NULL;
}

/* Whether reading (wr 0) or writing (wr 1) the byte at p faults, as
 * th_faults says, but without a child process: the kernel copies through a
 * pipe with the same page tables and answers EFAULT where an access would
 * fault.  A write puts back the byte it read.  -1 if it cannot tell. */
static LX_UNUSED int lx_faults(const volatile char *p, int wr)
{
    static int fds[2] = { -1, -1 };
    char c;

    if (fds[0] < 0 && pipe(fds) != 0)
        return -1;
    if (write(fds[1], (const void *)(uintptr_t)p, 1) != 1)
        return errno == EFAULT ? 1 : -1; /* not readable, so not writable */
    if (!wr)
        return read(fds[0], &c, 1) == 1 ? 0 : -1;
    if (read(fds[0], (void *)(uintptr_t)p, 1) == 1)
        return 0;
    if (errno != EFAULT || read(fds[0], &c, 1) != 1)
        return -1;
    return 1;
}

/* ---- child processes that report back --------------------------------- */

#define LX_CHILD_FAIL 1
#define LX_CHILD_SKIP 2

struct lx_report {
    int line;               /* of the failed check */
    const char *expr;       /* its text (a literal: same address in the parent) */
    int kind;               /* 0 plain, 1 two values, 2 a PAL code */
    unsigned long long a, b;
    char reason[200];       /* why the child skipped */
    int stage;              /* progress marker, for children expected to die */
    long fig[8];            /* figures the parent prints */
};

static struct lx_report *lx_rep;

static LX_UNUSED struct lx_report *lx_report_page(void)
{
    if (lx_rep == NULL) {
        void *p = mmap(NULL, sizeof *lx_rep, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

        if (p != MAP_FAILED)
            lx_rep = p;
    }
    return lx_rep;
}

#define C_FAIL(k, x, y, text)                                                 \
    do {                                                                      \
        lx_rep->line = __LINE__;                                              \
        lx_rep->expr = text;                                                  \
        lx_rep->kind = k;                                                     \
        lx_rep->a = (unsigned long long)(x);                                  \
        lx_rep->b = (unsigned long long)(y);                                  \
        return LX_CHILD_FAIL;                                                 \
    } while (0)

#define C_CHECK(e)                                                            \
    do {                                                                      \
        if (!(e))                                                             \
            C_FAIL(0, 0, 0, #e);                                              \
    } while (0)

#define C_CHECK_EQ(x, y)                                                      \
    do {                                                                      \
        unsigned long long c_a_ = (unsigned long long)(x);                    \
        unsigned long long c_b_ = (unsigned long long)(y);                    \
        if (c_a_ != c_b_)                                                     \
            C_FAIL(1, c_a_, c_b_, #x " == " #y);                              \
    } while (0)

#define C_CHECK_OK(call)                                                      \
    do {                                                                      \
        int c_e_ = (call);                                                    \
        if (c_e_ != PAL_OK)                                                   \
            C_FAIL(2, c_e_, 0, #call);                                        \
    } while (0)

/* Copy a reason (no libc: the child may be in a sandbox) and skip. */
static LX_UNUSED int lx_child_skip(const char *why)
{
    size_t i;

    for (i = 0; why[i] != '\0' && i + 1 < sizeof lx_rep->reason; i++)
        lx_rep->reason[i] = why[i];
    lx_rep->reason[i] = '\0';
    return LX_CHILD_SKIP;
}

#define C_SKIP(why) return lx_child_skip(why)

/* Run fn(arg) in a child with a fresh report; the th_child status. */
static LX_UNUSED int lx_run(int (*fn)(void *), void *arg)
{
    if (lx_report_page() == NULL)
        return TH_CHILD_NONE;
    th_memset(lx_rep, 0, sizeof *lx_rep);
    return th_child(fn, arg);
}

/* Turn a child's status into the running test's outcome: returns 1 if the
 * child passed, else records the failure or skip and returns 0. */
static LX_UNUSED int lx_outcome(int st, const char *file, int line)
{
    if (st == TH_CHILD_EXIT(0))
        return 1;
    if (st == TH_CHILD_NONE) {
        th_skip("no child processes here");
    } else if (st == TH_CHILD_EXIT(LX_CHILD_SKIP)) {
        th_skip("%s", lx_rep->reason);
    } else if (st == TH_CHILD_EXIT(LX_CHILD_FAIL)) {
        if (lx_rep->kind == 1)
            th_fail_at(file, lx_rep->line, "in child: %s: 0x%llx != 0x%llx",
                       lx_rep->expr, lx_rep->a, lx_rep->b);
        else if (lx_rep->kind == 2)
            th_fail_at(file, lx_rep->line, "in child: %s: %s (%d)", lx_rep->expr,
                       pal_strerror((int)lx_rep->a), (int)lx_rep->a);
        else
            th_fail_at(file, lx_rep->line, "in child: %s", lx_rep->expr);
    } else if (st & 0x100) {
        th_fail_at(file, line, "child killed by signal %d (stage %d)", st & 0xff,
                   lx_rep->stage);
    } else {
        th_fail_at(file, line, "child exited with %d (stage %d)", st, lx_rep->stage);
    }
    return 0;
}

/* Run a child that must pass; return from the test otherwise. */
#define RUN_CHILD(fn, arg)                                                    \
    do {                                                                      \
        if (!lx_outcome(lx_run(fn, arg), __FILE__, __LINE__))                 \
            return;                                                           \
    } while (0)

/* ---- seccomp ---------------------------------------------------------- */

#if defined(__x86_64__) && !defined(__ILP32__)
#define LX_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__i386__)
#define LX_AUDIT_ARCH AUDIT_ARCH_I386
#elif defined(__aarch64__) && !defined(__ILP32__)
#define LX_AUDIT_ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__) && defined(__ARMEB__)
#define LX_AUDIT_ARCH AUDIT_ARCH_ARMEB
#elif defined(__arm__)
#define LX_AUDIT_ARCH AUDIT_ARCH_ARM
#elif defined(__loongarch__) && defined(AUDIT_ARCH_LOONGARCH64)
#define LX_AUDIT_ARCH AUDIT_ARCH_LOONGARCH64
#elif defined(__mips__) && defined(_ABIO32) && _MIPS_SIM == _ABIO32 && defined(__MIPSEB__)
#define LX_AUDIT_ARCH AUDIT_ARCH_MIPS
#elif defined(__mips__) && defined(_ABIO32) && _MIPS_SIM == _ABIO32
#define LX_AUDIT_ARCH AUDIT_ARCH_MIPSEL
#elif defined(__mips__) && defined(_ABI64) && _MIPS_SIM == _ABI64 && defined(__MIPSEB__)
#define LX_AUDIT_ARCH AUDIT_ARCH_MIPS64
#elif defined(__mips__) && defined(_ABI64) && _MIPS_SIM == _ABI64
#define LX_AUDIT_ARCH AUDIT_ARCH_MIPSEL64
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LX_AUDIT_ARCH AUDIT_ARCH_PPC64LE
#elif defined(__powerpc64__)
#define LX_AUDIT_ARCH AUDIT_ARCH_PPC64
#elif defined(__riscv) && __riscv_xlen == 64
#define LX_AUDIT_ARCH AUDIT_ARCH_RISCV64
#elif defined(__s390x__)
#define LX_AUDIT_ARCH AUDIT_ARCH_S390X
#endif

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif

/* mseal (Linux 6.10) is newer than some libc headers. */
#ifndef SYS_mseal
#if defined(__mips__) && defined(_ABIO32) && _MIPS_SIM == _ABIO32
#define SYS_mseal 4462
#elif defined(__mips__) && defined(_ABI64) && _MIPS_SIM == _ABI64
#define SYS_mseal 5462
#else
#define SYS_mseal 462
#endif
#endif

/* ThreadSanitizer and AddressSanitizer have a runtime in the process
 * (gcc says so with __SANITIZE_*__, clang with __has_feature). */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define LX_SANITIZER_RUNTIME 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define LX_SANITIZER_RUNTIME 1
#endif
#endif

/* One rule: system call nr (and, if arg >= 0, the low 32 bits of argument
 * arg, masked with mask, equal to val) gets action. */
struct lx_rule {
    long nr;
    int arg;
    uint32_t mask;
    uint32_t val;
    uint32_t action;
};

#define LX_ERRNO(e) (SECCOMP_RET_ERRNO | ((uint32_t)(e) & SECCOMP_RET_DATA))

/* Install a filter: the first rule that matches decides, else dflt.  A
 * system call of another ABI than the build's kills the process.  Returns
 * 0, or the errno of the prctl that refused (qemu-user: EINVAL). */
static LX_UNUSED int lx_seccomp(const struct lx_rule *rules, int nrules, uint32_t dflt)
{
#ifdef LX_SANITIZER_RUNTIME
    /* The runtime makes system calls of its own at any time (its
     * allocator's mmap, its background thread's nanosleep): a sandbox that
     * kills what it does not list would judge the runtime, not the
     * library. */
    if (dflt == SECCOMP_RET_KILL_PROCESS)
        return ENOTSUP;
#endif
#ifdef LX_AUDIT_ARCH
    struct sock_filter f[128];
    struct sock_fprog prog;
    int n = 0, i;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    const unsigned lo = 4;
#else
    const unsigned lo = 0;
#endif

    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                          offsetof(struct seccomp_data, arch));
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, LX_AUDIT_ARCH, 1, 0);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    for (i = 0; i < nrules && n + 8 < 128; i++) {
        const struct lx_rule *r = &rules[i];

        f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                              offsetof(struct seccomp_data, nr));
        if (r->arg < 0) {
            f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                                  (uint32_t)r->nr, 0, 1);
        } else {
            f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                                  (uint32_t)r->nr, 0, 4);
            f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                offsetof(struct seccomp_data, args) + 8 * (unsigned)r->arg + lo);
            f[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, r->mask);
            f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, r->val, 0, 1);
        }
        f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, r->action);
    }
    if (i < nrules)
        return E2BIG;
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, dflt);
    prog.len = (unsigned short)n;
    prog.filter = f;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0)
        return errno;
    if (prctl(PR_SET_SECCOMP, (long)SECCOMP_MODE_FILTER, (long)&prog, 0L, 0L) != 0)
        return errno;
    return 0;
#else
    (void)rules;
    (void)nrules;
    (void)dflt;
    return ENOSYS;
#endif
}

/* In a child: install the filter or skip with the reason. */
#define C_SECCOMP(rules, dflt)                                                \
    do {                                                                      \
        int c_s_ = lx_seccomp(rules, (int)(sizeof rules / sizeof rules[0]), dflt); \
        if (c_s_ == EINVAL)                                                   \
            C_SKIP("seccomp refused with EINVAL (qemu-user has no seccomp)"); \
        if (c_s_ == ENOSYS)                                                   \
            C_SKIP("no seccomp here (or no AUDIT_ARCH known for this build)"); \
        if (c_s_ == ENOTSUP)                                                  \
            C_SKIP("a sanitizer's runtime makes system calls of its own, "    \
                   "which this sandbox would kill");                          \
        if (c_s_ != 0)                                                        \
            C_SKIP("seccomp filter refused");                                 \
    } while (0)

static int lx_seccomp_child(void *arg)
{
    (void)arg;
    return lx_seccomp(NULL, 0, SECCOMP_RET_ALLOW);
}

/* Whether this runs under qemu-user, which refuses every seccomp filter
 * with EINVAL (a kernel that has seccomp takes an allow-all one). */
static LX_UNUSED int lx_qemu_user(void)
{
    return th_child(lx_seccomp_child, NULL) == TH_CHILD_EXIT(EINVAL);
}

/* Whether the library has issued no call yet in this process: a child
 * forked now starts with nothing learnt or probed. */
static LX_UNUSED int lx_library_fresh(void)
{
    struct pal_mem_stats st;

    pal_mem_get_stats(&st);
    return st.os_calls == 0;
}

#endif /* LX_UTIL_H */
