/*
 * test_faults.c - every system call the Linux backend issues, made to fail
 * on the real kernel with each error it can return: at its first
 * occurrence in a fresh process, at every occurrence (a sandbox), at the
 * next one once the library has run the function, or at the second one
 * of a call.  For each case, every public function that issues the call
 * must return the code it is documented to return or take its documented
 * fallback; a call that fails must have changed nothing (the whole
 * process's mappings in /proc/self/maps, the contents and residency of
 * the range and of the Ready memory either side of it, the output
 * arguments), and one that succeeds must have done its job (released,
 * faulting, zero, ...).
 *
 * How a call is made to fail.  A seccomp filter turns every call of the
 * chosen system call into SIGSYS (SECCOMP_RET_TRAP), except calls made
 * from one instruction: the handler's own.  The handler decides in C
 * whether the trapped call is the one under test (by its arguments:
 * mmap's prot and flags, madvise's advice, ...), counts it, and either
 * answers -errno or makes the call itself from the exempt instruction and
 * returns the kernel's answer.  So a case can fail only the first, or only
 * the second, matching call (a filter alone cannot count), knows that the
 * call was reached, and checks its outcome with the injection off (a
 * filter cannot be removed).
 *
 * What each function is documented to do is the data in rows[] below,
 * each row citing the sentence of pal/pal_mem.h or docs/LINUX.md it rests on.
 * The whole table prints under the tests (call x function x when, one
 * column per errno).  Every case runs in a child forked from a parent that
 * never calls libpal, so the library starts with nothing learnt.  Without
 * seccomp (qemu-user) the tests say skipped.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/ucontext.h>
#include <sys/wait.h>

#include "lx_util.h"

/* Values newer than some libc headers; the kernel's uapi numbers. */
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MADV_DONTDUMP
#define MADV_DONTDUMP 16
#define MADV_DODUMP 17
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif
#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
/* Linux 6.14 */
#define PIDFD_SELF_THREAD (-10000)
#define PIDFD_SELF_THREAD_GROUP (-20000)
/* write tracking: userfaultfd's ioctls are in every libc's headers;
 * PAGEMAP_SCAN (6.7) is _IOWR('f', 16, a 96-byte struct), the same on
 * x86-64 and arm64, the only ones the injection runs on */
#include <linux/userfaultfd.h>
#ifndef PAGEMAP_SCAN
#define PAGEMAP_SCAN 0xc0606610u
#endif
#ifndef SYS_userfaultfd
#define SYS_userfaultfd __NR_userfaultfd
#endif
/* 32-bit ABIs map with mmap2 */
#ifdef SYS_mmap
#define NR_MMAP SYS_mmap
#else
#define NR_MMAP SYS_mmap2
#endif

/* ---- the exempt instruction ------------------------------------------
 * faults_reissue(nr, a1..a6) makes a system call; the filter lets calls
 * whose return address is faults_reissue_ret through.  x86-64 and arm64
 * (the CPUs whose signal frames this file knows); elsewhere, skipped. */
#if defined(__x86_64__) && !defined(__ILP32__)
#define TRAP_SUPPORTED 1
__asm__(".text\n"
        ".p2align 4\n"
        ".globl faults_reissue\n"
        ".hidden faults_reissue\n"
        ".type faults_reissue, @function\n"
        "faults_reissue:\n"
        "    mov %rdi, %rax\n"
        "    mov %rsi, %rdi\n"
        "    mov %rdx, %rsi\n"
        "    mov %rcx, %rdx\n"
        "    mov %r8, %r10\n"
        "    mov %r9, %r8\n"
        "    mov 8(%rsp), %r9\n"
        "    syscall\n"
        ".globl faults_reissue_ret\n"
        ".hidden faults_reissue_ret\n"
        "faults_reissue_ret:\n"
        "    ret\n"
        ".size faults_reissue, .-faults_reissue\n");
#elif defined(__aarch64__) && !defined(__ILP32__)
#define TRAP_SUPPORTED 1
__asm__(".text\n"
        ".p2align 2\n"
        ".globl faults_reissue\n"
        ".hidden faults_reissue\n"
        ".type faults_reissue, %function\n"
        "faults_reissue:\n"
        "    mov x8, x0\n"
        "    mov x0, x1\n"
        "    mov x1, x2\n"
        "    mov x2, x3\n"
        "    mov x3, x4\n"
        "    mov x4, x5\n"
        "    mov x5, x6\n"
        "    svc #0\n"
        ".globl faults_reissue_ret\n"
        ".hidden faults_reissue_ret\n"
        "faults_reissue_ret:\n"
        "    ret\n"
        ".size faults_reissue, .-faults_reissue\n");
#endif

#ifdef TRAP_SUPPORTED
__attribute__((visibility("hidden"))) long faults_reissue(long nr, long a1, long a2, long a3,
                                                          long a4, long a5, long a6);
__attribute__((visibility("hidden"))) extern const char faults_reissue_ret[];
#endif

/* ---- sites: one system call, narrowed by its arguments ----------------- */

enum {
    S_NONE,
    S_MMAP_NONE,       /* reserve, reserve_aligned, the page-size probe */
    S_MMAP_NOREPLACE,  /* reserve_at, its probe */
    S_MMAP_FIXED_RW,   /* map, unused's fresh mapping */
    S_MMAP_FIXED_NONE, /* unused and fault under strict overcommit */
    S_MMAP_RW,         /* alloc, the collapse probe's scratch mapping */
    S_MMAP_HUGETLB,    /* alloc_huge */
    S_MUNMAP,
    S_MPROTECT_NONE,
    S_MPROTECT_RW,
    S_MPROTECT_R,
    S_MADV_FREE,
    S_MADV_DONTNEED,
    S_MADV_HUGEPAGE,
    S_MADV_NOHUGEPAGE,
    S_MADV_COLLAPSE,
    S_MADV_POPULATE,
    S_MADV_GUARD,
    S_MADV_DONTDUMP,   /* dump, acquire with NODUMP */
    S_MADV_DODUMP,
    S_MADVISE,         /* any advice */
    S_PM_DONTNEED,     /* process_madvise */
    S_PM_NOHUGEPAGE,
    S_MINCORE,
    S_PRCTL_VMA,
    S_MSEAL,
    S_MBIND,
    S_GETCPU,
    S_OPENAT,
    S_READ,
    S_GETDENTS64,
    S_USERFAULTFD,     /* write tracking: its probe, once per process */
    S_UFFD_REGISTER,   /* ioctl(UFFDIO_REGISTER) */
    S_UFFD_WP,         /* ioctl(UFFDIO_WRITEPROTECT) */
    S_PAGEMAP_SCAN,    /* ioctl(PAGEMAP_SCAN): written, the probe */
    S_MSYNC,           /* track_writes: the range mapped throughout */
    S_COUNT
};

static const struct {
    const char *name;
    long nr;
} sites[S_COUNT] = {
    [S_NONE] = { "-", -1 },
    [S_MMAP_NONE] = { "mmap(NONE)", NR_MMAP },
    [S_MMAP_NOREPLACE] = { "mmap(NOREPLACE)", NR_MMAP },
    [S_MMAP_FIXED_RW] = { "mmap(FIXED,RW)", NR_MMAP },
    [S_MMAP_FIXED_NONE] = { "mmap(FIXED,NONE)", NR_MMAP },
    [S_MMAP_RW] = { "mmap(RW)", NR_MMAP },
    [S_MMAP_HUGETLB] = { "mmap(HUGETLB)", NR_MMAP },
    [S_MUNMAP] = { "munmap", SYS_munmap },
    [S_MPROTECT_NONE] = { "mprotect(NONE)", SYS_mprotect },
    [S_MPROTECT_RW] = { "mprotect(RW)", SYS_mprotect },
    [S_MPROTECT_R] = { "mprotect(R)", SYS_mprotect },
    [S_MADV_FREE] = { "madvise(FREE)", SYS_madvise },
    [S_MADV_DONTNEED] = { "madvise(DONTNEED)", SYS_madvise },
    [S_MADV_HUGEPAGE] = { "madvise(HUGEPAGE)", SYS_madvise },
    [S_MADV_NOHUGEPAGE] = { "madvise(NOHUGEPAGE)", SYS_madvise },
    [S_MADV_COLLAPSE] = { "madvise(COLLAPSE)", SYS_madvise },
    [S_MADV_POPULATE] = { "madvise(POPULATE_W)", SYS_madvise },
    [S_MADV_GUARD] = { "madvise(GUARD_INST)", SYS_madvise },
    [S_MADV_DONTDUMP] = { "madvise(DONTDUMP)", SYS_madvise },
    [S_MADV_DODUMP] = { "madvise(DODUMP)", SYS_madvise },
    [S_MADVISE] = { "madvise", SYS_madvise },
    [S_PM_DONTNEED] = { "process_madvise(DN)", SYS_process_madvise },
    [S_PM_NOHUGEPAGE] = { "process_madvise(NOHP)", SYS_process_madvise },
    [S_MINCORE] = { "mincore", SYS_mincore },
    [S_PRCTL_VMA] = { "prctl(PR_SET_VMA)", SYS_prctl },
    [S_MSEAL] = { "mseal", SYS_mseal },
    [S_MBIND] = { "mbind", SYS_mbind },
    [S_GETCPU] = { "getcpu", SYS_getcpu },
    [S_OPENAT] = { "openat", SYS_openat },
    [S_READ] = { "read", SYS_read },
    [S_GETDENTS64] = { "getdents64", SYS_getdents64 },
    [S_USERFAULTFD] = { "userfaultfd", SYS_userfaultfd },
    [S_UFFD_REGISTER] = { "ioctl(UFFD REGISTER)", SYS_ioctl },
    [S_UFFD_WP] = { "ioctl(UFFD WP)", SYS_ioctl },
    [S_PAGEMAP_SCAN] = { "ioctl(PAGEMAP_SCAN)", SYS_ioctl },
    [S_MSYNC] = { "msync", SYS_msync },
};

static LX_UNUSED int site_matches(int s, long nr, const long *a)
{
    const long fixed = MAP_FIXED | MAP_FIXED_NOREPLACE;

    if (s == S_NONE || nr != sites[s].nr)
        return 0;
    switch (s) {
    case S_MMAP_NONE:
        return a[2] == PROT_NONE && !(a[3] & fixed);
    case S_MMAP_NOREPLACE:
        return (a[3] & MAP_FIXED_NOREPLACE) != 0;
    case S_MMAP_FIXED_RW:
        return (a[3] & MAP_FIXED) && a[2] == (PROT_READ | PROT_WRITE);
    case S_MMAP_FIXED_NONE:
        return (a[3] & MAP_FIXED) && a[2] == PROT_NONE;
    case S_MMAP_RW:
        return a[2] == (PROT_READ | PROT_WRITE) && !(a[3] & (fixed | MAP_HUGETLB));
    case S_MMAP_HUGETLB:
        return (a[3] & MAP_HUGETLB) != 0;
    case S_MPROTECT_NONE:
        return a[2] == PROT_NONE;
    case S_MPROTECT_RW:
        return a[2] == (PROT_READ | PROT_WRITE);
    case S_MPROTECT_R:
        return a[2] == PROT_READ;
    case S_MADV_FREE:
        return a[2] == MADV_FREE;
    case S_MADV_DONTNEED:
        return a[2] == MADV_DONTNEED;
    case S_MADV_HUGEPAGE:
        return a[2] == MADV_HUGEPAGE;
    case S_MADV_NOHUGEPAGE:
        return a[2] == MADV_NOHUGEPAGE;
    case S_MADV_COLLAPSE:
        return a[2] == MADV_COLLAPSE;
    case S_MADV_POPULATE:
        return a[2] == MADV_POPULATE_WRITE;
    case S_MADV_GUARD:
        return a[2] == MADV_GUARD_INSTALL;
    case S_MADV_DONTDUMP:
        return a[2] == MADV_DONTDUMP;
    case S_MADV_DODUMP:
        return a[2] == MADV_DODUMP;
    case S_PM_DONTNEED:
        return a[3] == MADV_DONTNEED;
    case S_PM_NOHUGEPAGE:
        return a[3] == MADV_NOHUGEPAGE;
    case S_PRCTL_VMA:
        return a[0] == PR_SET_VMA;
    case S_UFFD_REGISTER:
        return (unsigned int)a[1] == (unsigned int)UFFDIO_REGISTER;
    case S_UFFD_WP:
        return (unsigned int)a[1] == (unsigned int)UFFDIO_WRITEPROTECT;
    case S_PAGEMAP_SCAN:
        return (unsigned int)a[1] == (unsigned int)PAGEMAP_SCAN;
    default:
        return 1;
    }
}

/* ---- the injection, in the child -------------------------------------- */

static struct {
    int site, err;             /* the call under test and its error */
    long from, to;             /* which of its matches fail (1-based) */
    int bg_site, bg_err;       /* another call that always fails */
    volatile int lib;          /* a libpal call is running: inject */
    volatile int armed;        /* the call under test is running: count */
    long seen, failed, bg_hits;
    long pidfd;                /* >= 0: stands for PIDFD_SELF_* */
} inj = { .pidfd = -1 };

#ifdef TRAP_SUPPORTED
static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    long a[6], nr = si->si_syscall, r;
    int fail = 0, err = 0;

    (void)sig;
#if defined(__x86_64__)
    a[0] = uc->uc_mcontext.gregs[REG_RDI];
    a[1] = uc->uc_mcontext.gregs[REG_RSI];
    a[2] = uc->uc_mcontext.gregs[REG_RDX];
    a[3] = uc->uc_mcontext.gregs[REG_R10];
    a[4] = uc->uc_mcontext.gregs[REG_R8];
    a[5] = uc->uc_mcontext.gregs[REG_R9];
#else
    for (r = 0; r < 6; r++)
        a[r] = (long)uc->uc_mcontext.regs[r];
#endif
    if (inj.lib && site_matches(inj.bg_site, nr, a)) {
        inj.bg_hits++;
        fail = 1;
        err = inj.bg_err;
    } else if (inj.lib && inj.armed && site_matches(inj.site, nr, a)) {
        inj.seen++;
        if (inj.seen >= inj.from && inj.seen <= inj.to) {
            inj.failed++;
            fail = 1;
            err = inj.err;
        }
    }
    /* a kernel before 6.14 has no PIDFD_SELF: a pidfd of this process
     * does the same */
    if (!fail && nr == SYS_process_madvise && inj.pidfd >= 0 &&
        (a[0] == PIDFD_SELF_THREAD || a[0] == PIDFD_SELF_THREAD_GROUP))
        a[0] = inj.pidfd;
    r = fail ? -err : faults_reissue(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
#if defined(__x86_64__)
    uc->uc_mcontext.gregs[REG_RAX] = r;
#else
    uc->uc_mcontext.regs[0] = (unsigned long long)r;
#endif
}

/* Trap every call numbered nrs[0..count) (at most 4) but those of
 * faults_reissue.  0, or the errno of the prctl that refused. */
static int trap_calls(const long *nrs, int count)
{
    uint64_t ip = (uint64_t)(uintptr_t)faults_reissue_ret;
    struct sock_filter f[20];
    struct sock_fprog prog;
    struct sigaction sa;
    int n = 0, i;

    th_memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    if (sigaction(SIGSYS, &sa, NULL) != 0)
        return errno;
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                          offsetof(struct seccomp_data, arch));
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, LX_AUDIT_ARCH, 1, 0);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    /* little-endian: the low word of instruction_pointer first */
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                          offsetof(struct seccomp_data, instruction_pointer));
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)ip, 0, 3);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                          offsetof(struct seccomp_data, instruction_pointer) + 4);
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(ip >> 32), 0, 1);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                          offsetof(struct seccomp_data, nr));
    /* each match jumps over the matches after it and the ALLOW to the TRAP */
    if (count > 4)
        count = 4;
    for (i = 0; i < count; i++)
        f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nrs[i],
                                              (unsigned char)(count - i), 0);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP);
    prog.len = (unsigned short)n;
    prog.filter = f;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0)
        return errno;
    if (prctl(PR_SET_SECCOMP, (long)SECCOMP_MODE_FILTER, (long)&prog, 0L, 0L) != 0)
        return errno;
    return 0;
}
#endif

/* ---- what the machine offers, learnt by a control child ---------------- */

static struct {
    int known;
    const char *no_trap;     /* why the injection cannot run here, or NULL */
    unsigned feat;
    size_t ps, hps;
    int strict;
    int mounts;              /* a private mount namespace can be made */
    int batch_emulated;      /* BATCH only with PIDFD_SELF answered by a pidfd */
} M;

/* A private mount namespace, so what the child mounts is its own; NULL,
 * or why there can be none. */
static const char *private_mounts(void)
{
    if (unshare(CLONE_NEWNS) != 0)
        return "unshare(CLONE_NEWNS) refused (not root?)";
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return "cannot make / a private mount";
    return NULL;
}

/* Bind a file holding text over path (in a private mount namespace made
 * first); NULL, or why not. */
static const char *bind_text(const char *path, const char *text)
{
    char tmp[] = "/tmp/pal-faults-XXXXXX";
    size_t len = th_strlen(text);
    int fd;

    fd = mkstemp(tmp);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
        if (fd >= 0)
            close(fd);
        return "cannot write a temporary file";
    }
    close(fd);
    if (mount(tmp, path, NULL, MS_BIND, NULL) != 0) {
        unlink(tmp);
        return "cannot bind-mount over a /proc or /sys file";
    }
    unlink(tmp);
    return NULL;
}

static int control_child(void *arg)
{
    (void)arg;
    C_CHECK(lx_library_fresh());
    lx_rep->fig[0] = (long)pal_mem_features();
    lx_rep->fig[1] = (long)pal_mem_page_size();
    lx_rep->fig[2] = (long)pal_mem_huge_page_size();
    lx_rep->fig[3] = lx_strict_overcommit();
    lx_rep->fig[4] = private_mounts() == NULL &&
                     bind_text("/proc/sys/vm/overcommit_memory", "1\n") == NULL;
#ifdef TRAP_SUPPORTED
    /* the injection works: getcpu answers what the handler says while
     * injecting, and the kernel's answer otherwise */
    inj.site = S_NONE;
    inj.bg_site = S_GETCPU;
    inj.bg_err = ENOTTY;
    {
        static const long nrs[] = { SYS_getcpu };

        lx_rep->fig[5] = trap_calls(nrs, 1);
    }
    if (lx_rep->fig[5] == 0) {
        unsigned cpu = 0, node = 0;

        inj.lib = 1;
        errno = 0;
        lx_rep->fig[6] = syscall(SYS_getcpu, &cpu, &node, NULL) == -1 && errno == ENOTTY;
        inj.lib = 0;
        lx_rep->fig[7] = syscall(SYS_getcpu, &cpu, &node, NULL) == 0;
    }
#else
    /* no injection here; but say qemu-user where it is that */
    lx_rep->fig[5] = lx_seccomp(NULL, 0, SECCOMP_RET_ALLOW);
#endif
    return 0;
}

#ifdef TRAP_SUPPORTED
/* The features with PIDFD_SELF_* (Linux 6.14) answered through a pidfd. */
static int control_batch_child(void *arg)
{
    static const long nrs[] = { SYS_process_madvise };

    (void)arg;
    C_CHECK(lx_library_fresh());
    inj.pidfd = syscall(SYS_pidfd_open, (long)getpid(), 0L);
    if (inj.pidfd < 0 || trap_calls(nrs, 1) != 0)
        C_SKIP("no pidfd_open or no filter");
    lx_rep->fig[0] = (long)pal_mem_features();
    return 0;
}
#endif

/* Learn M once; 0 (and the test skipped) where the injection cannot run. */
static int machine(void)
{
    static int control_status;

    if (!M.known) {
        M.known = 1;
#ifdef __SANITIZE_THREAD__
        /* seen: 506 of the cases "differ", each an answer the handler set
         * in the signal's context that the trapped call never returned */
        M.no_trap = "ThreadSanitizer's runtime wraps signal delivery: the trap's answers do "
                    "not reach the trapped call";
#endif
        if (M.no_trap != NULL)
            ;
        else if (!lx_library_fresh())
            M.no_trap = "libpal was already used in this process";
        else if ((control_status = lx_run(control_child, NULL)) != TH_CHILD_EXIT(0))
            M.no_trap = "";
    }
    if (M.no_trap != NULL && M.no_trap[0] == '\0') {
        th_fail_at(__FILE__, __LINE__, "the control child (no injection) ended with status 0x%x",
                   (unsigned)control_status);
        return 0;
    }
    if (M.no_trap == NULL && M.ps == 0) {
        M.feat = (unsigned)lx_rep->fig[0];
        M.ps = (size_t)lx_rep->fig[1];
        M.hps = (size_t)lx_rep->fig[2];
        M.strict = (int)lx_rep->fig[3];
        M.mounts = (int)lx_rep->fig[4];
        if (lx_rep->fig[5] == EINVAL)
            M.no_trap = "seccomp refused with EINVAL (qemu-user has no seccomp)";
#ifndef TRAP_SUPPORTED
        else
            M.no_trap = "the injection needs x86-64 or arm64 signal frames";
#else
        else if (lx_rep->fig[5] != 0)
            M.no_trap = "no seccomp filter here";
        else if (!lx_rep->fig[6] || !lx_rep->fig[7])
            M.no_trap = "the trap filter does not answer as set (seccomp emulated?)";
        if (M.no_trap == NULL && !(M.feat & PAL_FEAT_BATCH) &&
            lx_run(control_batch_child, NULL) == TH_CHILD_EXIT(0))
            M.batch_emulated = (lx_rep->fig[0] & PAL_FEAT_BATCH) != 0;
#endif
    }
    if (M.no_trap != NULL) {
        th_skip("%s", M.no_trap);
        return 0;
    }
    return 1;
}

/* ---- fixtures ----------------------------------------------------------
 * Every case lays out, with libc (the library knows nothing of it):
 *
 *     [ left: NB Ready pages ][ range: the function's state ][ right: NB Ready pages ]
 *
 * one mapping, patterned page by page, so that a call that reaches past
 * its range, or a failed call that changed it, shows in the checksums. */

#define NB 2

enum { RG_READY, RG_HALF, RG_RESERVED, RG_HOLE };
enum { AL_PAGE, AL_HUGE, AL_HUGE_PLUS_PAGE };

struct fix {
    size_t map_len;
    char *left, *range, *right;
    size_t n;
    /* what the call returned besides its code */
    void *out;
    size_t bytes, count, done;
    unsigned bits, node;
    int zeroed;
    struct pal_mem_info info;
    struct pal_mem_range r[1100];
    size_t nr;
};

static unsigned char pattern(const char *p, size_t ps)
{
    return (unsigned char)((((uintptr_t)p / ps) * 37u + 11u) | 1u);
}

static void fill_pages(char *p, size_t n, size_t step)
{
    size_t i;

    for (i = 0; i < n; i += step)
        memset(p + i, pattern(p + i, M.ps), M.ps);
}

/* FNV-1a over 8-byte words */
static unsigned long long checksum(const char *p, size_t n)
{
    const volatile unsigned long long *w = (const volatile unsigned long long *)(const void *)p;
    unsigned long long h = 1469598103934665603ull;
    size_t i;

    for (i = 0; i < n / 8; i++) {
        h ^= w[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* Pages of [p, p+n) resident now (mincore, made by the test itself). */
static size_t resident_pages(const void *p, size_t n)
{
    static unsigned char vec[1 << 16];
    size_t i, k = 0, pages = n / M.ps;

    if (pages > sizeof vec || mincore((void *)(uintptr_t)p, n, vec) != 0)
        return (size_t)-1;
    for (i = 0; i < pages; i++)
        k += vec[i] & 1;
    return k;
}

/* ---- the whole process's mappings ------------------------------------- *
 * /proc/self/maps, not smaps: the range always sits inside a larger
 * mapping, so a change of its flags (huge-page marks, a seal, a name)
 * splits that mapping and shows there. */

static char snap[2][1 << 16];

/* Every line of /proc/self/maps but the stack's (it grows under the
 * signal handler), into snap[which]. */
static int take_snapshot(int which)
{
    char *out = snap[which];
    size_t at = 0;
    const char *s, *e;

    if (lx_read_proc("/proc/self/maps") <= 0)
        return 0;
    for (s = lx_buf; *s != '\0'; s = e) {
        const char *t = s;

        e = lx_next_line(s);
        while (t < e && *t != '\n')
            t++;
        if (t - s > 7 && th_strncmp(t - 7, "[stack]", 7) == 0)
            continue;
        if (at + (size_t)(e - s) + 1 >= sizeof snap[which])
            return 0;
        for (; s < e; s++)
            out[at++] = *s;
    }
    out[at] = '\0';
    return 1;
}

/* NULL if the snapshots agree, else the first line of the later one that
 * differs (into reason). */
static const char *snapshot_diff(char *reason, size_t size)
{
    const char *a = snap[0], *b = snap[1];
    size_t i;

    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    if (*a == '\0' && *b == '\0')
        return NULL;
    while (b > snap[1] && b[-1] != '\n')
        b--;
    while (a > snap[0] && a[-1] != '\n')
        a--;
    for (i = 0; i + 1 < size && b[i] != '\0' && b[i] != '\n'; i++)
        reason[i] = b[i];
    reason[i] = '\0';
    if (*b == '\0')
        th_format(reason, size, "a mapping went away: %s", a);
    return reason;
}

/* ---- the functions under test ------------------------------------------ */

/* The overcommit mode the library must see: any, the default (the row is
 * skipped on a strict machine), strict (forced with a bind mount where the
 * machine is not). */
enum { M_ANY, M_LAX, M_STRICT };

struct kase;

struct fn {
    const char *name;
    int range;          /* RG_* */
    int align;          /* AL_* */
    size_t pages;       /* of the range; huge pages when align is not AL_PAGE */
    unsigned policy;
    int mode;
    int fake_nodes;     /* pretend two NUMA nodes (bind-mount) */
    int (*pre)(struct fix *);  /* libpal calls that make the range's state */
    int (*call)(struct fix *); /* the call under test */
    int (*ok)(struct fix *, const struct kase *); /* its effect, on PAL_OK */
};

struct row;

struct kase {
    const struct row *row;
    int err;
    int fn;
};

enum {
    F_INIT, F_FEATURES, F_RESERVE, F_RESERVE_AT, F_RESERVE_ALIGNED, F_MAP, F_MAP_STRICT,
    F_USED_HD, F_USED_STRICT, F_USED_MARKS,
    F_UNUSED, F_UNUSED_FREE, F_UNUSED_HD, F_UNUSED_STRICT, F_UNUSED_MARKS,
    F_UNUSED_RANGES, F_UNUSED_RANGES_1026, F_UNUSED_RANGES_MARKS,
    F_ALLOC, F_ALLOC_HUGE, F_FREE, F_FAULT, F_FAULT_STRICT, F_PROTECT, F_POPULATE,
    F_HUGEPAGE, F_NOHUGEPAGE, F_COLLAPSE, F_GUARD, F_SEAL, F_NAME,
    F_RESIDENT, F_RESIDENT_300, F_SIZES, F_NODES, F_CURRENT_NODE, F_BIND_NODE,
    F_PURGE_ZERO, F_PURGE_LAZY, F_PURGE_RANGES,
    F_ACQUIRE, F_ACQUIRE_EXACT, F_ACQUIRE_ALIGNED, F_ACQUIRE_PREPARED_STRICT, F_USED_ZERO, F_DUMP, F_UNDUMP, F_INFO,
    F_TRACK, F_WRITTEN,
    F_COUNT
};

#define DEFAULT_PAGES 5
#define HD (PAL_POLICY_DEFAULT | PAL_POLICY_HARD_DECOMMIT)
/* disablethp: map and acquire add a no-huge-page hint, whose failure is
 * ignored, so a row can fail it and still see what the call made */
#define NOTHP (PAL_POLICY_DEFAULT | PAL_POLICY_NO_THP)

static size_t range_bytes(const struct fn *f)
{
    size_t pages = f->pages ? f->pages : DEFAULT_PAGES;

    return f->align == AL_PAGE ? pages * M.ps : pages * M.hps;
}

/* -- calls -- */

static int call_init(struct fix *x) { (void)x; return pal_mem_init(); }
static int call_reserve(struct fix *x) { return pal_mem_reserve(NULL, x->n, &x->out); }
static int call_reserve_at(struct fix *x) { return pal_mem_reserve_at(x->range, x->n); }
/* an alignment that leaves slop on both sides of most placements */
static size_t test_alignment(void)
{
    return M.hps != 0 ? 4 * M.hps : 64 * M.ps;
}

static int call_reserve_aligned(struct fix *x)
{
    return pal_mem_reserve_aligned(x->n, test_alignment(), &x->out);
}
static int call_map(struct fix *x) { return pal_mem_map(x->range, x->n); }
static int call_used(struct fix *x) { return pal_mem_used(x->range, x->n); }
static int call_unused(struct fix *x) { return pal_mem_unused(x->range, x->n); }
static int call_unused_ranges(struct fix *x) { return pal_mem_unused_ranges(x->r, x->nr, &x->done); }
static int call_alloc(struct fix *x) { return pal_mem_alloc(x->n, &x->out); }
static int call_free(struct fix *x) { return pal_mem_free(x->range, x->n); }
static int call_fault(struct fix *x) { return pal_mem_fault(x->range, x->n); }
static int call_protect(struct fix *x) { return pal_mem_protect(x->range, x->n, PAL_PROT_READ); }
static int call_populate(struct fix *x) { return pal_mem_populate(x->range, x->n); }
static int call_hugepage(struct fix *x) { return pal_mem_hugepage(x->range, x->n); }
static int call_nohugepage(struct fix *x) { return pal_mem_nohugepage(x->range, x->n); }
static int call_collapse(struct fix *x) { return pal_mem_collapse(x->range, x->n); }
static int call_guard(struct fix *x) { return pal_mem_guard(x->range, x->n); }
static int call_seal(struct fix *x) { return pal_mem_seal(x->range, x->n); }
static int call_name(struct fix *x) { return pal_mem_name(x->range, x->n, "pal-faults"); }
static int call_resident(struct fix *x) { return pal_mem_resident(x->range, x->n, &x->bytes); }
static int call_features(struct fix *x) { x->bits = pal_mem_features(); return PAL_OK; }
static int call_sizes(struct fix *x)
{
    size_t sizes[8];

    x->count = pal_mem_huge_page_sizes(sizes, 8);
    return PAL_OK;
}
static int call_nodes(struct fix *x) { x->count = pal_mem_numa_nodes(); return PAL_OK; }
static int call_current_node(struct fix *x) { return pal_mem_current_node(&x->node); }
static int call_bind_node(struct fix *x) { return pal_mem_bind_node(x->range, x->n, 0); }
static int call_alloc_huge(struct fix *x)
{
    size_t sizes[8];

    if (pal_mem_huge_page_sizes(sizes, 8) == 0)
        return pal_mem_alloc_huge(M.ps, 0, &x->out); /* PAL_ENOSYS: no pools */
    return pal_mem_alloc_huge(sizes[0], sizes[0], &x->out);
}

/* -- the states the calls start from -- */

static int pre_unused(struct fix *x) { return pal_mem_unused(x->range, x->n); }

/* The caller has asked for huge pages (on the whole huge page inside the
 * range): from then on unused marks the huge pages of its ends. */
static int pre_hugepage(struct fix *x) { return pal_mem_hugepage(x->range, x->n); }

/* huge pages asked for, then the first huge page's worth released: the
 * release ends inside H1, so H1 is marked no-huge-page, and the used of
 * the whole range, which covers H1 whole, has a mark to undo */
static int pre_hugepage_unused(struct fix *x)
{
    int err = pal_mem_hugepage(x->range, x->n);

    return err != PAL_OK ? err : pal_mem_unused(x->range, M.hps);
}

/* three ranges: pages 0, 2 and 4 of the range (1, 3 stay Ready) */
static int pre_ranges(struct fix *x)
{
    size_t i;

    x->nr = 0;
    for (i = 0; 2 * i * M.ps < x->n; i++) {
        x->r[x->nr].v = x->range + 2 * i * M.ps;
        x->r[x->nr++].n = M.ps;
    }
    return PAL_OK;
}

/* one page at each end of the huge pages H0 and H2 (range starts at
 * H0 + page, so its ends are unaligned): two end marks per range */
static int pre_ranges_marks(struct fix *x)
{
    int err = pal_mem_hugepage(x->range, x->n);

    x->nr = 2;
    x->r[0].v = x->range;
    x->r[0].n = M.ps;
    x->r[1].v = x->range + 2 * M.hps - 2 * M.ps;
    x->r[1].n = M.ps;
    return err;
}

/* -- effects -- */

/* [p, p+n) is Prepared: used makes it Ready, reading zero and writable. */
static int ready_again_zero(char *p, size_t n)
{
    C_CHECK_OK(pal_mem_used(p, n));
    C_CHECK(th_all_bytes(p, n, 0));
    C_CHECK_EQ(lx_faults(p, 1), 0);
    return 0;
}

static int ok_reserved(struct fix *x, const struct kase *k)
{
    char *p = x->out;

    (void)k;
    C_CHECK(p != NULL && ((uintptr_t)p & (M.ps - 1)) == 0);
    C_CHECK_EQ(lx_faults(p, 0), 1);
    C_CHECK_EQ(lx_faults(p + x->n - M.ps, 0), 1);
    return 0;
}

static int ok_reserve_at(struct fix *x, const struct kase *k)
{
    (void)k;
    C_CHECK_EQ(lx_faults(x->range, 0), 1);
    C_CHECK_EQ(lx_faults(x->range + x->n - M.ps, 0), 1);
    return 0;
}

/* sum of the lengths of every mapping in the process */
static size_t mapped_bytes(void)
{
    const char *s;
    uintptr_t a, b;
    size_t sum = 0;

    if (lx_read_proc("/proc/self/maps") <= 0)
        return 0;
    for (s = lx_buf; *s != '\0'; s = lx_next_line(s))
        if (lx_is_header(s, &a, &b))
            sum += b - a;
    return sum;
}

static size_t mapped_before;

static int ok_reserve_aligned(struct fix *x, const struct kase *k)
{
    int err = ok_reserved(x, k);
    size_t align = test_alignment();

    if (err != 0)
        return err;
    C_CHECK_EQ((uintptr_t)x->out & (align - 1), 0);
    /* "No extra address space stays reserved" */
    C_CHECK_EQ(mapped_bytes() - mapped_before, x->n);
    return 0;
}

static int ok_prepared(struct fix *x, const struct kase *k)
{
    (void)k;
    return ready_again_zero(x->range, x->n);
}

/* Mappings over [p, p+n) carrying VM_ACCOUNT ("ac" in smaps' VmFlags:
 * the commit charge), and that every one of them has a VmFlags line. */
static int accounted(const char *p, size_t n, int *vmas)
{
    struct lx_smaps sm;

    if (lx_smaps((uintptr_t)p, (uintptr_t)p + n, "ac", &sm) != 0 || sm.vmas == 0 ||
        sm.vmflags != sm.vmas)
        return -1;
    *vmas = sm.vmas;
    return sm.with_flag;
}

/* Prepared under strict overcommit, whatever made it: without access and
 * without commit charge (a writable private mapping is charged, resident
 * or not, and mode 2 ignores MAP_NORESERVE); used takes the charge, and
 * the range reads zero and is writable. */
static int prepared_uncharged(char *p, size_t n)
{
    int vmas, err;

    C_CHECK_EQ(lx_faults(p, 0), 1);
    C_CHECK_EQ(lx_faults(p + n - M.ps, 0), 1);
    C_CHECK_EQ(accounted(p, n, &vmas), 0);
    if ((err = ready_again_zero(p, n)) != 0)
        return err;
    C_CHECK_EQ(accounted(p, n, &vmas), vmas);
    return 0;
}

static int ok_prepared_uncharged(struct fix *x, const struct kase *k)
{
    (void)k;
    return prepared_uncharged(x->range, x->n);
}

static int ok_acquired_uncharged(struct fix *x, const struct kase *k)
{
    (void)k;
    C_CHECK(x->out != (void *)x && x->out != NULL);
    return prepared_uncharged(x->out, x->n);
}

static int ok_ready_zero(struct fix *x, const struct kase *k)
{
    (void)k;
    C_CHECK(th_all_bytes(x->range, x->n, 0));
    C_CHECK_EQ(lx_faults(x->range, 1), 0);
    C_CHECK_EQ(lx_faults(x->range + x->n - M.ps, 1), 0);
    return 0;
}

/* used after pre_hugepage_unused: the released huge page's worth reads
 * zero, and the whole range is accessible */
static int ok_ready_head_zero(struct fix *x, const struct kase *k)
{
    (void)k;
    C_CHECK(th_all_bytes(x->range, M.hps, 0));
    C_CHECK_EQ(lx_faults(x->range, 1), 0);
    C_CHECK_EQ(lx_faults(x->range + x->n - M.ps, 1), 0);
    return 0;
}

/* released at once: nothing resident, zero after used */
static int ok_released(struct fix *x, const struct kase *k)
{
    (void)k;
    C_CHECK_EQ(resident_pages(x->range, x->n), 0);
    return ready_again_zero(x->range, x->n);
}

/* released, and inaccessible until used (harddecommit, strict overcommit) */
static int ok_released_no_access(struct fix *x, const struct kase *k)
{
    (void)k;
    C_CHECK_EQ(resident_pages(x->range, x->n), 0);
    C_CHECK_EQ(lx_faults(x->range, 0), 1);
    return ready_again_zero(x->range, x->n);
}

/* MADV_FREE is lazy: released at once only where the fallback was taken */
static int ok_unused_free(struct fix *x, const struct kase *k)
{
    if (lx_rep->fig[1] == 0)
        return 0;
    return ok_released(x, k);
}

/* Whether page p still holds what fill_pages wrote. */
static int page_intact(const char *p)
{
    return th_all_bytes(p, M.ps, pattern(p, M.ps));
}

/* every range released (and zero after used), the pages between them
 * untouched */
static int ok_unused_ranges(struct fix *x, const struct kase *k)
{
    size_t i;

    C_CHECK_EQ(x->done, x->nr);
    for (i = 0; i < x->nr; i++)
        C_CHECK_EQ(resident_pages(x->r[i].v, x->r[i].n), 0);
    if (k->fn != F_UNUSED_RANGES_MARKS) /* every page patterned */
        for (i = 0; i + 1 < x->nr; i++)
            C_CHECK(page_intact((char *)x->r[i].v + M.ps));
    C_CHECK_OK(pal_mem_used(x->range, x->n));
    for (i = 0; i < x->nr; i++)
        C_CHECK(th_all_bytes(x->r[i].v, x->r[i].n, 0));
    return 0;
}

static int ok_batch_refused(struct fix *x, const struct kase *k)
{
    int err = ok_unused_ranges(x, k);

    if (err != 0)
        return err;
    /* a sandbox's refusal remembered: no batching from then on; any other
     * error was one call's, and batching stays */
    C_CHECK_EQ(pal_mem_features() & PAL_FEAT_BATCH,
               k->err == EPERM || k->err == ENOSYS ? 0 : PAL_FEAT_BATCH);
    return 0;
}

static int ok_alloc(struct fix *x, const struct kase *k)
{
    (void)k;
    C_CHECK(x->out != NULL);
    C_CHECK(th_all_bytes(x->out, x->n, 0));
    C_CHECK_EQ(lx_faults(x->out, 1), 0);
    return 0;
}

static int ok_gone(struct fix *x, const struct kase *k)
{
    (void)k;
    C_CHECK_EQ(lx_faults(x->range, 0), 1);
    C_CHECK_EQ(lx_faults(x->range + x->n - M.ps, 0), 1);
    return 0;
}

/* fault: access gone and the pages back to the OS */
static int ok_fault(struct fix *x, const struct kase *k)
{
    (void)k;
    C_CHECK_EQ(lx_faults(x->range, 0), 1);
    C_CHECK_EQ(resident_pages(x->range, x->n), 0);
    C_CHECK_OK(pal_mem_map(x->range, x->n));
    return ready_again_zero(x->range, x->n);
}

static unsigned long long range_sum_before;

static int ok_read_only(struct fix *x, const struct kase *k)
{
    (void)k;
    C_CHECK_EQ(checksum(x->range, x->n), range_sum_before);
    C_CHECK_EQ(lx_faults(x->range, 0), 0);
    C_CHECK_EQ(lx_faults(x->range, 1), 1);
    return 0;
}

static int ok_populated(struct fix *x, const struct kase *k)
{
    (void)k;
    C_CHECK_EQ(checksum(x->range, x->n), range_sum_before);
    C_CHECK_EQ(resident_pages(x->range, x->n), x->n / M.ps);
    return 0;
}

static int ok_unchanged(struct fix *x, const struct kase *k)
{
    (void)k;
    C_CHECK_EQ(checksum(x->range, x->n), range_sum_before);
    return 0;
}

static int ok_guarded(struct fix *x, const struct kase *k)
{
    (void)k;
    C_CHECK_EQ(lx_faults(x->range, 0), 1);
    C_CHECK_EQ(lx_faults(x->range + x->n - M.ps, 1), 1);
    return 0;
}

static int ok_resident(struct fix *x, const struct kase *k)
{
    (void)k;
    C_CHECK_EQ(x->bytes, x->n);
    return 0;
}

static int ok_nothing(struct fix *x, const struct kase *k)
{
    (void)x;
    (void)k;
    return 0;
}

static int ok_node(struct fix *x, const struct kase *k)
{
    (void)k;
    C_CHECK(x->node < pal_mem_numa_nodes());
    return 0;
}

static int ok_zero_count(struct fix *x, const struct kase *k)
{
    (void)k;
    C_CHECK_EQ(x->count, 0);
    return 0;
}

static int ok_one_node(struct fix *x, const struct kase *k)
{
    (void)k;
    C_CHECK_EQ(x->count, 1);
    return 0;
}

static int ok_init(struct fix *x, const struct kase *k);
static int ok_features(struct fix *x, const struct kase *k);

static int call_purge_zero(struct fix *x) { return pal_mem_purge(x->range, x->n, PAL_PURGE_ZERO); }
static int call_purge_lazy(struct fix *x) { return pal_mem_purge(x->range, x->n, PAL_PURGE_LAZY); }
static int call_purge_ranges(struct fix *x)
{
    return pal_mem_purge_ranges(x->r, x->nr, PAL_PURGE_ZERO, &x->done);
}

/* purge keeps the range Ready: read-write, no used needed */
static int still_ready(struct fix *x)
{
    C_CHECK_EQ(lx_faults(x->range, 1), 0);
    C_CHECK_EQ(lx_faults(x->range + x->n - M.ps, 1), 0);
    return 0;
}

/* ZERO: released unless a fallback wrote zeros (residency first: reading
 * a released page maps the shared zero page, which mincore counts), and
 * zeros */
static int ok_purged_zero(struct fix *x, const struct kase *k)
{
    (void)k;
    if (lx_rep->fig[1] == 0)
        C_CHECK_EQ(resident_pages(x->range, x->n), 0);
    C_CHECK(th_all_bytes(x->range, x->n, 0));
    return still_ready(x);
}

/* LAZY: each page its old contents or zero */
static int ok_purged_lazy(struct fix *x, const struct kase *k)
{
    size_t i;

    (void)k;
    for (i = 0; i < x->n; i += M.ps)
        C_CHECK(page_intact(x->range + i) || th_all_bytes(x->range + i, M.ps, 0));
    return still_ready(x);
}

/* every range zero (released unless a fallback wrote zeros), the pages
 * between them untouched */
static int ok_purged_ranges(struct fix *x, const struct kase *k)
{
    size_t i;

    (void)k;
    C_CHECK_EQ(x->done, x->nr);
    for (i = 0; i < x->nr && lx_rep->fig[1] == 0; i++)
        C_CHECK_EQ(resident_pages(x->r[i].v, x->r[i].n), 0);
    for (i = 0; i < x->nr; i++)
        C_CHECK(th_all_bytes(x->r[i].v, x->r[i].n, 0));
    for (i = 0; i + 1 < x->nr; i++)
        C_CHECK(page_intact((char *)x->r[i].v + M.ps));
    return still_ready(x);
}

/* acquire: Ready, left out of core dumps and without commit charge (one
 * mmap and one madvise); exactly at the hole; Reserved with an alignment
 * that leaves slop (one mmap, up to two munmaps) */
static int call_acquire(struct fix *x)
{
    struct pal_mem_spec s = { x->n, 0, NULL, PAL_STATE_READY, 0,
                              PAL_SPEC_NODUMP | PAL_SPEC_NORESERVE };

    return pal_mem_acquire(&s, &x->out);
}

static int call_acquire_exact(struct fix *x)
{
    struct pal_mem_spec s = { x->n, 0, x->range, PAL_STATE_READY, 0, PAL_SPEC_EXACT };

    return pal_mem_acquire(&s, &x->out);
}

static int call_acquire_aligned(struct fix *x)
{
    struct pal_mem_spec s = { x->n, test_alignment(), NULL, PAL_STATE_RESERVED, 0, 0 };

    return pal_mem_acquire(&s, &x->out);
}

static int call_acquire_prepared(struct fix *x)
{
    struct pal_mem_spec s = { x->n, 0, NULL, PAL_STATE_PREPARED, 0, 0 };

    return pal_mem_acquire(&s, &x->out);
}

static int call_used_zero(struct fix *x) { return pal_mem_used_zero(x->range, x->n, &x->zeroed); }
static int call_dump(struct fix *x) { return pal_mem_dump(x->range, x->n, 0); }
static int call_undump(struct fix *x) { return pal_mem_dump(x->range, x->n, 1); }
static int call_info(struct fix *x) { return pal_mem_info(&x->info); }

static unsigned char track_pages[64];
static int call_track(struct fix *x) { return pal_mem_track_writes(x->range, x->n, 1); }
static int pre_track(struct fix *x) { return pal_mem_track_writes(x->range, x->n, 1); }
static int call_written(struct fix *x)
{
    return pal_mem_written(x->range, x->n, track_pages, 1);
}

/* tracked: a reset, then a write to the first page, reported; the rest of
 * the range keeps its contents */
static int ok_tracked(struct fix *x, const struct kase *k)
{
    C_CHECK_OK(pal_mem_written(x->range, x->n, track_pages, 1));
    x->range[0] ^= 1;
    C_CHECK_OK(pal_mem_written(x->range, x->n, track_pages, 1));
    x->range[0] ^= 1;
    C_CHECK_EQ(track_pages[0], 1);
    return ok_unchanged(x, k);
}

/* written: one byte per page, each 0 or 1; contents untouched */
static int ok_written(struct fix *x, const struct kase *k)
{
    size_t i;

    for (i = 0; i < x->n / M.ps; i++)
        C_CHECK(track_pages[i] <= 1);
    return ok_unchanged(x, k);
}

static int ok_acquire_exact(struct fix *x, const struct kase *k)
{
    C_CHECK(x->out == (void *)x->range);
    return ok_alloc(x, k);
}

/* used_zero: Ready, zero, and said so (released by MADV_DONTNEED or a
 * fresh mapping: no lazy release in this process) */
static int ok_used_zero(struct fix *x, const struct kase *k)
{
    C_CHECK_EQ(x->zeroed, 1);
    return ok_ready_zero(x, k);
}

/* the files unread: nothing known, nothing promised; the rest as ever */
static int ok_info_unknown(struct fix *x, const struct kase *k)
{
    (void)k;
    C_CHECK_EQ(x->info.page_size, M.ps);
    C_CHECK_EQ(x->info.granularity, M.ps);
    C_CHECK_EQ(x->info.thp, PAL_THP_NONE);
    C_CHECK_EQ(x->info.overcommit, PAL_OVERCOMMIT_UNKNOWN);
    C_CHECK_EQ(x->info.noreserve, 0);
    return 0;
}

static const struct fn fns[F_COUNT] = {
    [F_INIT] = { "init", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_init, ok_init },
    [F_FEATURES] = { "features", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_features, ok_features },
    [F_RESERVE] = { "reserve", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_reserve, ok_reserved },
    [F_RESERVE_AT] = { "reserve_at", RG_HOLE, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_reserve_at, ok_reserve_at },
    [F_RESERVE_ALIGNED] = { "reserve_aligned", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_reserve_aligned, ok_reserve_aligned },
    [F_MAP] = { "map", RG_RESERVED, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_map, ok_prepared },
    [F_MAP_STRICT] = { "map (strict)", RG_RESERVED, AL_PAGE, 0, NOTHP, M_STRICT, 0, NULL, call_map, ok_prepared_uncharged },
    [F_USED_HD] = { "used (hd)", RG_READY, AL_PAGE, 0, HD, M_LAX, 0, pre_unused, call_used, ok_ready_zero },
    [F_USED_STRICT] = { "used (strict)", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_STRICT, 0, pre_unused, call_used, ok_ready_zero },
    [F_USED_MARKS] = { "used (marks)", RG_READY, AL_HUGE_PLUS_PAGE, 2, PAL_POLICY_DEFAULT, M_LAX, 0, pre_hugepage_unused, call_used, ok_ready_head_zero },
    [F_UNUSED] = { "unused", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_LAX, 0, NULL, call_unused, ok_released },
    [F_UNUSED_FREE] = { "unused (free)", RG_READY, AL_PAGE, 0, PAL_POLICY_THP_GRANULAR, M_LAX, 0, NULL, call_unused, ok_unused_free },
    [F_UNUSED_HD] = { "unused (hd)", RG_READY, AL_PAGE, 0, HD, M_LAX, 0, NULL, call_unused, ok_released_no_access },
    [F_UNUSED_STRICT] = { "unused (strict)", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_STRICT, 0, NULL, call_unused, ok_released_no_access },
    [F_UNUSED_MARKS] = { "unused (marks)", RG_READY, AL_HUGE_PLUS_PAGE, 2, PAL_POLICY_DEFAULT, M_LAX, 0, pre_hugepage, call_unused, ok_released },
    [F_UNUSED_RANGES] = { "unused_ranges", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_LAX, 0, pre_ranges, call_unused_ranges, ok_unused_ranges },
    [F_UNUSED_RANGES_1026] = { "unused_ranges x1026", RG_READY, AL_PAGE, 2 * 1026, PAL_POLICY_DEFAULT, M_LAX, 0, pre_ranges, call_unused_ranges, ok_batch_refused },
    [F_UNUSED_RANGES_MARKS] = { "unused_ranges (marks)", RG_READY, AL_HUGE_PLUS_PAGE, 2, PAL_POLICY_DEFAULT, M_LAX, 0, pre_ranges_marks, call_unused_ranges, ok_unused_ranges },
    [F_ALLOC] = { "alloc", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_alloc, ok_alloc },
    [F_ALLOC_HUGE] = { "alloc_huge", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_alloc_huge, ok_nothing },
    [F_FREE] = { "free", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_free, ok_gone },
    [F_FAULT] = { "fault", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_LAX, 0, NULL, call_fault, ok_fault },
    [F_FAULT_STRICT] = { "fault (strict)", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_STRICT, 0, NULL, call_fault, ok_fault },
    [F_PROTECT] = { "protect", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_protect, ok_read_only },
    [F_POPULATE] = { "populate", RG_HALF, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_populate, ok_populated },
    [F_HUGEPAGE] = { "hugepage", RG_READY, AL_HUGE, 1, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_hugepage, ok_unchanged },
    [F_NOHUGEPAGE] = { "nohugepage", RG_READY, AL_HUGE, 1, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_nohugepage, ok_unchanged },
    [F_COLLAPSE] = { "collapse", RG_READY, AL_HUGE, 1, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_collapse, ok_unchanged },
    [F_GUARD] = { "guard", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_guard, ok_guarded },
    [F_SEAL] = { "seal", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_seal, ok_nothing },
    [F_NAME] = { "name", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_name, ok_nothing },
    [F_RESIDENT] = { "resident", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_resident, ok_resident },
    [F_RESIDENT_300] = { "resident x300", RG_READY, AL_PAGE, 300, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_resident, ok_resident },
    [F_SIZES] = { "huge_page_sizes", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_sizes, ok_zero_count },
    [F_NODES] = { "numa_nodes (2)", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 1, NULL, call_nodes, ok_one_node },
    [F_CURRENT_NODE] = { "current_node", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_current_node, ok_node },
    [F_BIND_NODE] = { "bind_node (2)", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 1, NULL, call_bind_node, ok_nothing },
    [F_PURGE_ZERO] = { "purge (zero)", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_purge_zero, ok_purged_zero },
    [F_PURGE_LAZY] = { "purge (lazy)", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_purge_lazy, ok_purged_lazy },
    [F_PURGE_RANGES] = { "purge_ranges", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, pre_ranges, call_purge_ranges, ok_purged_ranges },
    [F_ACQUIRE] = { "acquire", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_acquire, ok_alloc },
    [F_ACQUIRE_EXACT] = { "acquire (exact)", RG_HOLE, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_acquire_exact, ok_acquire_exact },
    [F_ACQUIRE_ALIGNED] = { "acquire (aligned)", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_acquire_aligned, ok_reserve_aligned },
    [F_ACQUIRE_PREPARED_STRICT] = { "acquire prepared (strict)", RG_READY, AL_PAGE, 0, NOTHP, M_STRICT, 0, NULL, call_acquire_prepared, ok_acquired_uncharged },
    [F_USED_ZERO] = { "used_zero (hd)", RG_READY, AL_PAGE, 0, HD, M_LAX, 0, pre_unused, call_used_zero, ok_used_zero },
    [F_DUMP] = { "dump (out)", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_dump, ok_unchanged },
    [F_UNDUMP] = { "dump (in)", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_undump, ok_unchanged },
    [F_INFO] = { "info", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_info, ok_info_unknown },
    [F_TRACK] = { "track_writes", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, NULL, call_track, ok_tracked },
    [F_WRITTEN] = { "written (reset)", RG_READY, AL_PAGE, 0, PAL_POLICY_DEFAULT, M_ANY, 0, pre_track, call_written, ok_written },
};

/* ---- what is documented: the table ----------------------------------- */

/* Outcomes.  An error code (PAL_EINVAL...) means: that code, and nothing
 * changed.  O_MAP: the errno's own code (errno_code below).  O_OK: PAL_OK
 * and the job done.  O_FB: PAL_OK, the job done, a fallback counted in
 * stats.fallbacks.  O_UNDOC: nothing documents what happens. */
#define O_MAP (-1)
#define O_OK (-2)
#define O_FB (-3)
#define O_UNDOC (-4)

/* When the call fails, counted from the start of the call under test. */
enum {
    PH_FIRST,  /* fresh library: only the first matching call fails */
    PH_ALL,    /* fresh library: every matching call fails (a sandbox) */
    PH_LATER,  /* the library has run the function once: its next call fails */
    PH_LATER2, /* the same, but only the second matching call of that call */
};
static const char *const phase_names[] = { "1st", "all", "later", "2nd" };

/* The errnos, in table order.  The first eight are every call's; the rest
 * only where a row asks (E_EXTRA). */
static const struct {
    int e;
    const char *name;
} errs[] = {
    { ENOMEM, "NOMEM" }, { EINVAL, "INVAL" }, { EACCES, "ACCES" }, { EAGAIN, "AGAIN" },
    { EPERM, "PERM" },   { EFAULT, "FAULT" }, { EBUSY, "BUSY" },   { ENOSYS, "NOSYS" },
    { EINTR, "INTR" },   { EMFILE, "MFILE" }, { EEXIST, "EXIST" },
};
#define N_ERRS ((int)(sizeof errs / sizeof errs[0]))
#define E_BASE 0xffu
#define E_INTR (1u << 8)
#define E_MFILE (1u << 9)
#define E_EXIST (1u << 10)
#define E_NOT_INVAL (~(1u << 1))

/* pal_mem.h's codes: PAL_ENOMEM "out of address space, commit charge or
 * mappings", PAL_EINVAL "bad argument", PAL_EACCES "the OS denied the
 * access mode", PAL_EAGAIN "transient", PAL_ENOSYS "not supported",
 * PAL_EEXIST "part of the range is mapped", PAL_EPERM "not permitted",
 * PAL_EOS "any other OS error". */
static int errno_code(int e)
{
    switch (e) {
    case ENOMEM: return PAL_ENOMEM;
    case EINVAL: return PAL_EINVAL;
    case EACCES: return PAL_EACCES;
    case EAGAIN: return PAL_EAGAIN;
    case ENOSYS: return PAL_ENOSYS;
    case EEXIST: return PAL_EEXIST;
    case EPERM: return PAL_EPERM;
    default: return PAL_EOS;
    }
}

/* What a row needs of the machine (else its cases are skipped). */
#define N_THP (1u << 20)     /* transparent huge pages */
#define N_HUGETLB PAL_FEAT_HUGETLB
#define N_BATCH PAL_FEAT_BATCH
#define N_GUARD PAL_FEAT_GUARD
#define N_SEAL PAL_FEAT_SEAL
#define N_NAME PAL_FEAT_VMA_NAME
#define N_COLLAPSE PAL_FEAT_THP_COLLAPSE
#define N_POPULATE PAL_FEAT_POPULATE
#define N_TRACK PAL_FEAT_TRACK

struct row {
    int fn, site, phase;
    int dflt;                 /* outcome for every errno not in ex */
    struct { int e, out; } ex[5];
    unsigned errs;            /* which errnos (E_BASE, plus E_*) */
    unsigned need;
    int bg_site, bg_err;      /* a call that always fails alongside */
    unsigned feat_off;        /* F_FEATURES: bits absent while it fails */
    const char *doc;          /* the sentence the outcomes come from */
};

/* The probes on the shared scratch mapping. */
#define SCRATCH_FEATS (PAL_FEAT_RESIDENT | PAL_FEAT_POPULATE | PAL_FEAT_BATCH | PAL_FEAT_NUMA | \
                       PAL_FEAT_MADV_FREE | PAL_FEAT_MADV_DONTNEED | PAL_FEAT_VMA_NAME |        \
                       PAL_FEAT_FIXED_NOREPLACE | PAL_FEAT_GUARD | PAL_FEAT_TRACK)

#define D_CODES "pal_mem.h Errors: one PAL_E* code, 'a call that fails has changed nothing'"
#define D_PROBE "pal_mem.h features: probed once; a refused probe: the feature is absent"
#define D_HINTS "docs/LINUX.md: 'Errors of these marks are ignored: they are hints'"
#define D_BIND D_CODES "; bind_node: 'from elsewhere when it has none' (EINVAL: a node " \
    "without memory, offline or outside the cpuset: bound to the local node)"

#define ROW(fn, site, ph, dflt, ...) { fn, site, ph, dflt, __VA_ARGS__ }

static const struct row rows[] = {
    /* ---- mmap ---- */
    ROW(F_RESERVE, S_MMAP_NONE, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0,
        "reserve: 'PAL_ENOMEM when the address space is exhausted'; " D_CODES),
    ROW(F_RESERVE, S_MMAP_NONE, PH_LATER, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_RESERVE_AT, S_MMAP_NOREPLACE, PH_FIRST, O_MAP, {{0}}, E_BASE | E_EXIST, 0, 0, 0, 0,
        "reserve_at: 'PAL_EEXIST, touching nothing, when any of [addr, addr+n) is mapped "
        "already; PAL_ENOMEM when out of address space'"),
    ROW(F_RESERVE_AT, S_MMAP_NOREPLACE, PH_LATER, O_MAP, {{0}}, E_BASE | E_EXIST, 0, 0, 0, 0, D_CODES),
    ROW(F_RESERVE_ALIGNED, S_MMAP_NONE, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_RESERVE_ALIGNED, S_MMAP_NONE, PH_LATER, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_MAP, S_MMAP_FIXED_RW, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0,
        "map: 'PAL_ENOMEM when memory or commit charge runs out'; " D_CODES),
    ROW(F_MAP, S_MMAP_FIXED_RW, PH_LATER, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_ALLOC, S_MMAP_RW, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_ALLOC, S_MMAP_RW, PH_LATER, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_ALLOC_HUGE, S_MMAP_HUGETLB, PH_FIRST, O_MAP, {{0}}, E_BASE, N_HUGETLB, 0, 0, 0,
        "alloc_huge: 'PAL_ENOMEM when the pool cannot supply them, PAL_EPERM when a "
        "privilege is missing'; " D_CODES),
    ROW(F_ALLOC_HUGE, S_MMAP_HUGETLB, PH_LATER, O_MAP, {{0}}, E_BASE, N_HUGETLB, 0, 0, 0, D_CODES),
    ROW(F_UNUSED_STRICT, S_MMAP_FIXED_NONE, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0,
        "docs/LINUX.md strict overcommit: 'unused replaces the range with a fresh PROT_NONE "
        "mapping'; " D_CODES),
    ROW(F_UNUSED_STRICT, S_MMAP_FIXED_NONE, PH_LATER, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_FAULT_STRICT, S_MMAP_FIXED_NONE, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_FAULT_STRICT, S_MMAP_FIXED_NONE, PH_LATER, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_MAP_STRICT, S_MMAP_FIXED_NONE, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0,
        "docs/LINUX.md strict overcommit: 'map makes a fresh PROT_NONE mapping'; map: "
        "'PAL_ENOMEM when memory or commit charge runs out'; " D_CODES),
    ROW(F_MAP_STRICT, S_MMAP_FIXED_NONE, PH_LATER, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_ACQUIRE_PREPARED_STRICT, S_MMAP_NONE, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0,
        "docs/LINUX.md strict overcommit: 'acquire of a Prepared range maps it PROT_NONE'; "
        "acquire: 'PAL_ENOMEM when address space, memory or commit charge runs out'; "
        D_CODES),
    ROW(F_ACQUIRE_PREPARED_STRICT, S_MMAP_NONE, PH_LATER, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0,
        D_CODES),
    /* madvise missing altogether: unused's fresh mapping is what fails */
    ROW(F_UNUSED, S_MMAP_FIXED_RW, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, S_MADVISE, ENOSYS, 0,
        "docs/LINUX.md: madvise missing (ENOSYS): 'it replaces the range with a fresh "
        "mmap(MAP_FIXED) mapping'; " D_CODES),
    ROW(F_UNUSED, S_MMAP_FIXED_RW, PH_LATER, O_MAP, {{0}}, E_BASE, 0, S_MADVISE, ENOSYS, 0, D_CODES),
    /* the scratch page of the zero check, and the probes' scratch mappings */
    ROW(F_UNUSED, S_MMAP_RW, PH_FIRST, O_OK, {{0}}, E_BASE, 0, 0, 0, 0,
        "unused: Ready -> Prepared (the zero check's scratch page is the library's own: "
        "'cannot tell now; ask again next time')"),
    ROW(F_FEATURES, S_MMAP_RW, PH_ALL, O_OK, {{0}}, E_BASE, 0, 0, 0, PAL_FEAT_THP_COLLAPSE,
        "features: the collapse probe's scratch mapping refused: that feature absent now, "
        "'probe again next time'"),
    /* the shared scratch pages are mapped inaccessible, then made
     * read-write between two fence pages (mem_linux_probes.h) */
    ROW(F_FEATURES, S_MMAP_NONE, PH_ALL, O_OK, {{0}}, E_BASE, 0, 0, 0, SCRATCH_FEATS,
        "features: scratch mapping refused: those features absent now, 'probe again "
        "next time'"),
    ROW(F_RESIDENT, S_MMAP_NONE, PH_FIRST, PAL_ENOMEM, {{0}}, E_BASE, 0, 0, 0, 0,
        "resident: 'PAL_ENOMEM while its probe cannot run (no scratch mapping to be had)'"),
    ROW(F_INIT, S_MMAP_NONE, PH_ALL, PAL_EOS, {{0}}, E_BASE, 0, S_OPENAT, ENOENT, 0,
        "pal_mem_init: 'PAL_EOS if the OS will not tell the page size'"),

    /* ---- munmap ---- */
    ROW(F_FREE, S_MUNMAP, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0,
        "free: 'any -> None; sealed memory: PAL_EPERM'; " D_CODES),
    ROW(F_FREE, S_MUNMAP, PH_LATER, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_RESERVE_ALIGNED, S_MUNMAP, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0,
        "reserve_aligned: 'No extra address space stays reserved'; " D_CODES),
    ROW(F_RESERVE_ALIGNED, S_MUNMAP, PH_LATER2, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0,
        "reserve_aligned: 'No extra address space stays reserved'; " D_CODES),
    ROW(F_UNUSED, S_MUNMAP, PH_FIRST, O_OK, {{0}}, E_BASE, 0, 0, 0, 0,
        "unused: Ready -> Prepared (the zero check's scratch page is the library's own)"),
    ROW(F_FEATURES, S_MUNMAP, PH_ALL, O_OK, {{0}}, E_BASE, 0, 0, 0, 0,
        "features: the scratch mappings are the library's own"),

    /* ---- mprotect ---- */
    ROW(F_PROTECT, S_MPROTECT_R, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0,
        "protect: 'PAL_EACCES when the OS refuses the mode'; " D_CODES),
    ROW(F_PROTECT, S_MPROTECT_R, PH_LATER, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_FAULT, S_MPROTECT_NONE, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_FAULT, S_MPROTECT_NONE, PH_LATER, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_USED_HD, S_MPROTECT_RW, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0,
        "used: 'Restores read-write access whatever policy the range was released "
        "under'; " D_CODES),
    ROW(F_USED_HD, S_MPROTECT_RW, PH_LATER, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_USED_STRICT, S_MPROTECT_RW, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0,
        "used: 'PAL_ENOMEM when commit charge runs out (strict overcommit)'; " D_CODES),
    ROW(F_USED_STRICT, S_MPROTECT_RW, PH_LATER, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_UNUSED_HD, S_MPROTECT_NONE, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0,
        "unused under harddecommit: 'also removes access'; " D_CODES),
    ROW(F_UNUSED_HD, S_MPROTECT_NONE, PH_LATER, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    /* guard regions refused: guard goes by protection, and that fails */
    ROW(F_GUARD, S_MPROTECT_NONE, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, S_MADV_GUARD, EINVAL, 0,
        "guard: 'without an extra mapping where the kernel can, else by protection'; " D_CODES),
    ROW(F_GUARD, S_MPROTECT_NONE, PH_LATER, O_MAP, {{0}}, E_BASE, 0, S_MADV_GUARD, EINVAL, 0, D_CODES),
    ROW(F_RESIDENT, S_MPROTECT_RW, PH_ALL, PAL_ENOMEM, {{0}}, E_BASE, 0, 0, 0, 0,
        "resident: 'PAL_ENOMEM while its probe cannot run (no scratch mapping to be had)': "
        "its scratch pages cannot be made read-write"),
    ROW(F_FEATURES, S_MPROTECT_RW, PH_ALL, O_OK, {{0}}, E_BASE, 0, 0, 0, SCRATCH_FEATS,
        "features: the scratch pages could not be made read-write: those features absent "
        "now, 'probe again next time'"),
    ROW(F_INIT, S_MPROTECT_NONE, PH_ALL, PAL_EOS, {{0}}, E_BASE, 0, S_OPENAT, ENOENT, 0,
        "pal_mem_init: 'PAL_EOS if the OS will not tell the page size'"),
    /* the probe's first mprotect fails for a reason other than alignment */
    ROW(F_INIT, S_MPROTECT_NONE, PH_FIRST, PAL_EOS, {{0}}, E_BASE & E_NOT_INVAL, 0, S_OPENAT,
        ENOENT, 0, "pal_mem_init: 'PAL_EOS if the OS will not tell the page size'"),

    /* ---- madvise ---- */
    ROW(F_UNUSED, S_MADV_DONTNEED, PH_FIRST, O_OK, {{0}}, E_BASE, 0, 0, 0, 0,
        "docs/LINUX.md: 'The first time MADV_DONTNEED is relied on, the library writes a scratch "
        "page, advises and reads it back' (that call fails; unused's own does not)"),
    ROW(F_UNUSED, S_MADV_DONTNEED, PH_ALL, O_MAP,
        {{ENOSYS, O_FB}, {EPERM, O_FB}, {EINVAL, PAL_EAGAIN}}, E_BASE, 0, 0, 0, 0,
        "docs/LINUX.md: 'if madvise itself is missing (ENOSYS ...) it replaces the range with a "
        "fresh mmap(MAP_FIXED) mapping'; " "unused: 'where madvise is refused (ENOSYS, or EPERM from a sandbox) a fresh "
        "mapping releases the pages; PAL_EAGAIN where they are locked (mlock)'; " D_CODES),
    ROW(F_UNUSED, S_MADV_DONTNEED, PH_LATER, O_MAP,
        {{ENOSYS, O_FB}, {EPERM, O_FB}, {EINVAL, PAL_EAGAIN}}, E_BASE, 0, 0, 0, 0,
        "unused: 'where madvise is refused (ENOSYS, or EPERM from a sandbox) a fresh "
        "mapping releases the pages; PAL_EAGAIN where they are locked (mlock)'; " D_CODES),
    ROW(F_UNUSED_FREE, S_MADV_FREE, PH_FIRST, O_MAP,
        {{EINVAL, O_FB}, {ENOSYS, O_FB}, {EPERM, O_FB}}, E_BASE, 0, 0, 0, 0,
        "docs/LINUX.md: 'If MADV_FREE is refused (EINVAL ...) it falls back to MADV_DONTNEED; if "
        "madvise itself is missing (ENOSYS ...) a fresh mmap(MAP_FIXED)'; " D_CODES),
    ROW(F_UNUSED_FREE, S_MADV_FREE, PH_LATER, O_MAP,
        {{EINVAL, O_FB}, {ENOSYS, O_FB}, {EPERM, O_FB}}, E_BASE, 0, 0, 0, 0, "unused: 'where madvise is refused (ENOSYS, or EPERM from a sandbox) a fresh "
        "mapping releases the pages; PAL_EAGAIN where they are locked (mlock)'; " D_CODES),
    ROW(F_UNUSED_HD, S_MADV_DONTNEED, PH_LATER, O_MAP,
        {{ENOSYS, O_FB}, {EPERM, O_FB}, {EINVAL, PAL_EAGAIN}}, E_BASE, 0, 0, 0, 0, "unused: 'where madvise is refused (ENOSYS, or EPERM from a sandbox) a fresh "
        "mapping releases the pages; PAL_EAGAIN where they are locked (mlock)'; " D_CODES),
    ROW(F_UNUSED_MARKS, S_MADV_NOHUGEPAGE, PH_LATER, O_OK, {{0}}, E_BASE, N_THP, 0, 0, 0, D_HINTS),
    ROW(F_UNUSED_MARKS, S_MADV_NOHUGEPAGE, PH_LATER2, O_OK, {{0}}, E_BASE, N_THP, 0, 0, 0, D_HINTS),
    ROW(F_USED_MARKS, S_MADV_HUGEPAGE, PH_LATER, O_OK, {{0}}, E_BASE, N_THP, 0, 0, 0, D_HINTS),
    /* disablethp's hint refused: the call succeeds, and what it made is
     * checked (no access, no commit charge until used) */
    ROW(F_MAP_STRICT, S_MADV_NOHUGEPAGE, PH_FIRST, O_OK, {{0}}, E_BASE, N_THP, 0, 0, 0,
        D_HINTS "; docs/LINUX.md strict overcommit: 'Prepared holds no commit charge, "
        "whatever made it'"),
    ROW(F_MAP_STRICT, S_MADV_NOHUGEPAGE, PH_LATER, O_OK, {{0}}, E_BASE, N_THP, 0, 0, 0, D_HINTS),
    ROW(F_ACQUIRE_PREPARED_STRICT, S_MADV_NOHUGEPAGE, PH_FIRST, O_OK, {{0}}, E_BASE, N_THP, 0,
        0, 0,
        D_HINTS "; docs/LINUX.md strict overcommit: 'Prepared holds no commit charge, "
        "whatever made it'"),
    ROW(F_ACQUIRE_PREPARED_STRICT, S_MADV_NOHUGEPAGE, PH_LATER, O_OK, {{0}}, E_BASE, N_THP, 0,
        0, 0, D_HINTS),
    ROW(F_FAULT, S_MADV_DONTNEED, PH_FIRST, O_FB, {{0}}, E_BASE, 0, 0, 0, 0,
        "fault: 'any access faults from now on and the pages go back to the OS'; docs/LINUX.md: "
        "madvise refused: 'a fresh mmap(MAP_FIXED) mapping'"),
    ROW(F_FAULT, S_MADV_DONTNEED, PH_LATER, O_FB, {{0}}, E_BASE, 0, 0, 0, 0,
        "fault: 'any access faults from now on and the pages go back to the OS'"),
    ROW(F_POPULATE, S_MADV_POPULATE, PH_FIRST, O_FB, {{0}}, E_BASE, N_POPULATE, 0, 0, 0,
        "populate: PAL_FEAT_POPULATE clear (its probe refused): 'each page gets a write "
        "that keeps its value'"),
    ROW(F_POPULATE, S_MADV_POPULATE, PH_LATER, O_MAP,
        {{EFAULT, PAL_EACCES}, {EINVAL, PAL_EACCES}, {ENOSYS, O_FB}, {EPERM, O_FB}}, E_BASE,
        N_POPULATE, 0, 0, 0,
        "populate: 'PAL_ENOMEM when the memory cannot be had; memory not Ready and "
        "writable is PAL_EACCES'; mem_linux.c: 'a sandbox forbids it later (ENOSYS, EPERM), "
        "each page is touched instead.  Once the probe found it, EINVAL ... and EFAULT ...: "
        "both PAL_EACCES'"),
    ROW(F_COLLAPSE, S_MADV_COLLAPSE, PH_FIRST, PAL_ENOSYS, {{0}}, E_BASE, N_COLLAPSE, 0, 0, 0,
        "collapse: 'Best effort: PAL_OK, PAL_EAGAIN (not now) or PAL_ENOSYS' (the probe "
        "refused)"),
    ROW(F_COLLAPSE, S_MADV_COLLAPSE, PH_LATER, PAL_EAGAIN,
        {{ENOSYS, PAL_ENOSYS}, {EPERM, PAL_ENOSYS}, {EACCES, PAL_ENOSYS}},
        E_BASE, N_COLLAPSE, 0, 0, 0,
        "collapse: 'Best effort: PAL_OK, PAL_EAGAIN (not now) or PAL_ENOSYS'; mem_linux.c: "
        "a sandbox's EPERM, EACCES or ENOSYS are 'not here', the rest 'not now'"),
    ROW(F_HUGEPAGE, S_MADV_HUGEPAGE, PH_FIRST, O_MAP, {{0}}, E_BASE, N_THP, 0, 0, 0, D_CODES),
    ROW(F_HUGEPAGE, S_MADV_HUGEPAGE, PH_LATER, O_MAP, {{0}}, E_BASE, N_THP, 0, 0, 0, D_CODES),
    ROW(F_NOHUGEPAGE, S_MADV_NOHUGEPAGE, PH_FIRST, O_MAP, {{0}}, E_BASE, N_THP, 0, 0, 0, D_CODES),
    ROW(F_NOHUGEPAGE, S_MADV_NOHUGEPAGE, PH_LATER, O_MAP, {{0}}, E_BASE, N_THP, 0, 0, 0, D_CODES),
    ROW(F_GUARD, S_MADV_GUARD, PH_FIRST, O_FB, {{0}}, E_BASE, N_GUARD, 0, 0, 0,
        "guard: 'without an extra mapping where the kernel can (PAL_FEAT_GUARD), else by "
        "protection'"),
    ROW(F_GUARD, S_MADV_GUARD, PH_LATER, O_FB, {{ENOMEM, PAL_ENOMEM}}, E_BASE, N_GUARD, 0, 0, 0,
        "guard: 'a guard region refused (locked pages, a sandbox) falls back to protection; "
        "PAL_ENOMEM where part of the range is not mapped'"),
    ROW(F_UNUSED_RANGES, S_MADV_DONTNEED, PH_LATER, O_MAP,
        {{ENOSYS, O_FB}, {EPERM, O_FB}, {EINVAL, PAL_EAGAIN}}, E_BASE, 0,
        S_PM_DONTNEED, EPERM, 0,
        "unused_ranges: 'each range exactly as pal_mem_unused'; 'on an error, ranges from "
        "*done on are as they were'"),
    ROW(F_FEATURES, S_MADV_FREE, PH_ALL, O_OK, {{0}}, E_BASE, 0, 0, 0, PAL_FEAT_MADV_FREE, D_PROBE),
    ROW(F_FEATURES, S_MADV_DONTNEED, PH_ALL, O_OK, {{0}}, E_BASE, 0, 0, 0, PAL_FEAT_MADV_DONTNEED, D_PROBE),
    ROW(F_FEATURES, S_MADV_COLLAPSE, PH_ALL, O_OK, {{0}}, E_BASE, N_COLLAPSE, 0, 0, PAL_FEAT_THP_COLLAPSE, D_PROBE),
    ROW(F_FEATURES, S_MADV_POPULATE, PH_ALL, O_OK, {{0}}, E_BASE, N_POPULATE, 0, 0, PAL_FEAT_POPULATE, D_PROBE),
    ROW(F_FEATURES, S_MADV_GUARD, PH_ALL, O_OK, {{0}}, E_BASE, N_GUARD, 0, 0, PAL_FEAT_GUARD, D_PROBE),

    /* ---- process_madvise ---- */
    ROW(F_UNUSED_RANGES, S_PM_DONTNEED, PH_FIRST, O_OK, {{0}}, E_BASE, N_BATCH, 0, 0, 0,
        "unused_ranges: 'many ranges per OS call where the kernel allows (PAL_FEAT_BATCH)' "
        "(its probe refused: one madvise per range)"),
    ROW(F_UNUSED_RANGES, S_PM_DONTNEED, PH_LATER, O_OK, {{EPERM, O_FB}, {ENOSYS, O_FB}},
        E_BASE, N_BATCH, 0, 0, 0,
        "mem_linux.c: 'refused as a whole only when the answer is a sandbox's (EPERM, "
        "ENOSYS): that is remembered'; 'Any other answer ... is one call's'"),
    ROW(F_UNUSED_RANGES_1026, S_PM_DONTNEED, PH_LATER2, O_OK, {{EPERM, O_FB}, {ENOSYS, O_FB}},
        E_BASE, N_BATCH, 0, 0, 0,
        "mem_linux.c: up to IOV_MAX ranges a call (the second call two ranges: one "
        "goes as madvise); 'refused as a whole only when the "
        "answer is a sandbox's (EPERM, ENOSYS): that is remembered'"),
    ROW(F_UNUSED_RANGES_MARKS, S_PM_NOHUGEPAGE, PH_LATER, O_OK, {{0}}, E_BASE, N_BATCH | N_THP, 0, 0, 0,
        D_HINTS),
    ROW(F_FEATURES, S_PM_DONTNEED, PH_ALL, O_OK, {{0}}, E_BASE, N_BATCH, 0, 0, PAL_FEAT_BATCH, D_PROBE),

    /* ---- purge: madvise and process_madvise, never a fresh mapping ---- */
    ROW(F_PURGE_ZERO, S_MADV_DONTNEED, PH_FIRST, O_OK, {{0}}, E_BASE, 0, 0, 0, 0,
        "mem_linux.c: the zero check's scratch page is the library's own ('cannot tell "
        "now'); purge's own MADV_DONTNEED does not fail"),
    ROW(F_PURGE_ZERO, S_MADV_DONTNEED, PH_ALL, O_MAP,
        {{ENOSYS, O_FB}, {EINVAL, PAL_EAGAIN}}, E_BASE, 0, 0, 0, 0,
        "purge: 'Where the OS has no such release (no madvise) the backend writes zeros "
        "and counts a fallback'; 'PAL_EAGAIN where the pages are locked'; " D_CODES),
    ROW(F_PURGE_ZERO, S_MADV_DONTNEED, PH_LATER, O_MAP,
        {{ENOSYS, O_FB}, {EINVAL, PAL_EAGAIN}}, E_BASE, 0, 0, 0, 0,
        "purge: 'writes zeros ... counts a fallback'; 'PAL_EAGAIN where the pages are "
        "locked'; " D_CODES),
    ROW(F_PURGE_LAZY, S_MADV_FREE, PH_FIRST, O_MAP,
        {{EINVAL, O_FB}, {ENOSYS, O_OK}}, E_BASE, 0, 0, 0, 0,
        "API.md purge: 'LAZY is MADV_FREE, or MADV_DONTNEED where that is refused' (EINVAL: "
        "learnt, a fallback; ENOSYS: this call's, nothing learnt); " D_CODES),
    ROW(F_PURGE_LAZY, S_MADV_FREE, PH_LATER, O_MAP,
        {{EINVAL, O_FB}, {ENOSYS, O_OK}}, E_BASE, 0, 0, 0, 0,
        "API.md purge: 'LAZY is MADV_FREE, or MADV_DONTNEED where that is refused'; " D_CODES),
    ROW(F_PURGE_LAZY, S_MADV_DONTNEED, PH_ALL, O_MAP,
        {{ENOSYS, O_FB}, {EINVAL, PAL_EAGAIN}}, E_BASE, 0, S_MADV_FREE, EINVAL, 0,
        "purge: LAZY where neither advice is taken: 'nothing for LAZY' and a fallback "
        "(ENOSYS); locked pages refuse both: PAL_EAGAIN; " D_CODES),
    ROW(F_PURGE_RANGES, S_PM_DONTNEED, PH_FIRST, O_OK, {{0}}, E_BASE, N_BATCH, 0, 0, 0,
        "purge_ranges: 'batched where PAL_FEAT_BATCH' (its probe refused: one madvise per "
        "range)"),
    ROW(F_PURGE_RANGES, S_PM_DONTNEED, PH_LATER, O_OK, {{EPERM, O_FB}, {ENOSYS, O_FB}},
        E_BASE, N_BATCH, 0, 0, 0,
        "purge_ranges: as unused_ranges; mem_linux.c: 'only a sandbox's answer ... (EPERM, "
        "ENOSYS) stops batching for good'"),
    ROW(F_PURGE_RANGES, S_MADV_DONTNEED, PH_LATER, O_MAP,
        {{ENOSYS, O_FB}, {EINVAL, PAL_EAGAIN}}, E_BASE, 0, S_PM_DONTNEED, EPERM, 0,
        "purge_ranges: 'pal_mem_purge for count ranges, in order'; 'on an error, ranges "
        "from *done on are as they were'"),

    /* ---- acquire, used_zero, dump: mmap, munmap, mprotect, madvise ---- */
    ROW(F_ACQUIRE, S_MMAP_RW, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0,
        "acquire: 'PAL_ENOMEM when address space, memory or commit charge runs out'; " D_CODES),
    ROW(F_ACQUIRE, S_MMAP_RW, PH_LATER, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_ACQUIRE, S_MADV_DONTDUMP, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0,
        "acquire: PAL_SPEC_NODUMP 'PAL_ENOSYS where the OS cannot, as pal_mem_dump'; "
        "mem_linux.c: 'refused, the mapping goes and the refusal is the answer'; " D_CODES),
    ROW(F_ACQUIRE, S_MADV_DONTDUMP, PH_LATER, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_ACQUIRE_EXACT, S_MMAP_NOREPLACE, PH_FIRST, O_MAP, {{0}}, E_BASE | E_EXIST, 0, 0, 0, 0,
        "acquire: PAL_SPEC_EXACT 'at hint exactly, else PAL_EEXIST with nothing touched'; "
        D_CODES),
    ROW(F_ACQUIRE_EXACT, S_MMAP_NOREPLACE, PH_LATER, O_MAP, {{0}}, E_BASE | E_EXIST, 0, 0, 0, 0,
        D_CODES),
    ROW(F_ACQUIRE_ALIGNED, S_MMAP_NONE, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_ACQUIRE_ALIGNED, S_MMAP_NONE, PH_LATER, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_ACQUIRE_ALIGNED, S_MUNMAP, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0,
        "acquire: the result of reserve_aligned, 'No extra address space stays reserved'; "
        D_CODES),
    ROW(F_ACQUIRE_ALIGNED, S_MUNMAP, PH_LATER2, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_USED_ZERO, S_MPROTECT_RW, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0,
        "used_zero: 'As pal_mem_used'; 'On an error *zeroed is untouched'; " D_CODES),
    ROW(F_USED_ZERO, S_MPROTECT_RW, PH_LATER, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_DUMP, S_MADV_DONTDUMP, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0,
        "dump: 'Linux MADV_DODUMP/MADV_DONTDUMP'; " D_CODES),
    ROW(F_DUMP, S_MADV_DONTDUMP, PH_LATER, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_UNDUMP, S_MADV_DODUMP, PH_FIRST, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_UNDUMP, S_MADV_DODUMP, PH_LATER, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),

    /* ---- write tracking: userfaultfd, its ioctls, PAGEMAP_SCAN, msync ---- */
    /* the probe: refused for good (and EINVAL, a kernel without the
     * flags) the feature is absent; EPERM is retried user-mode-only;
     * anything else leaves it unknown, asked again next time */
    ROW(F_TRACK, S_USERFAULTFD, PH_FIRST, PAL_ENOMEM,
        {{ EINVAL, PAL_ENOSYS }, { EACCES, PAL_ENOSYS }, { EPERM, O_OK }, { ENOSYS, PAL_ENOSYS }},
        E_BASE, N_TRACK, 0, 0, 0,
        "track_writes: 'PAL_ENOSYS where the OS cannot'; mem_linux.c uffd_open: "
        "'vm.unprivileged_userfaultfd=0 ... unless it asks for user-mode faults only'; "
        "PAL_ENOMEM while its probe cannot run, as resident and name"),
    ROW(F_TRACK, S_USERFAULTFD, PH_ALL, PAL_ENOMEM,
        {{ EINVAL, PAL_ENOSYS }, { EACCES, PAL_ENOSYS }, { EPERM, PAL_ENOSYS }, { ENOSYS, PAL_ENOSYS }},
        E_BASE, N_TRACK, 0, 0, 0, "track_writes: 'PAL_ENOSYS where the OS cannot' (a sandbox)"),
    ROW(F_FEATURES, S_USERFAULTFD, PH_ALL, O_OK, {{0}}, E_BASE, N_TRACK, 0, 0, PAL_FEAT_TRACK, D_PROBE),
    ROW(F_TRACK, S_PAGEMAP_SCAN, PH_FIRST, PAL_ENOSYS, {{ ENOMEM, PAL_ENOMEM }}, E_BASE, N_TRACK,
        0, 0, 0, "track_writes: 'PAL_ENOSYS where the OS cannot' (its probe's PAGEMAP_SCAN refused)"),
    ROW(F_TRACK, S_MSYNC, PH_LATER, O_MAP, {{0}}, E_BASE, N_TRACK, 0, 0, 0,
        "track_writes: 'Linux: PAL_ENOMEM where part of the range is not mapped'; " D_CODES),
    ROW(F_TRACK, S_UFFD_REGISTER, PH_LATER, O_MAP, {{ EPERM, PAL_EINVAL }}, E_BASE, N_TRACK, 0, 0, 0,
        "mem_linux.c track_error: EINVAL and EPERM, memory the kernel cannot track: PAL_EINVAL; "
        D_CODES),
    ROW(F_TRACK, S_UFFD_WP, PH_LATER, O_MAP, {{ EPERM, PAL_EINVAL }}, E_BASE, N_TRACK, 0, 0, 0,
        "track_writes: registered, then unregistered again ('nothing left half-done'); " D_CODES),
    ROW(F_WRITTEN, S_PAGEMAP_SCAN, PH_LATER, O_MAP, {{ EPERM, PAL_EINVAL }}, E_BASE, N_TRACK, 0, 0,
        0, "written: 'PAL_EINVAL where the range is not tracked'; 'On an error pages is "
        "untouched'; " D_CODES),
    ROW(F_WRITTEN, S_OPENAT, PH_FIRST, O_MAP, {{0}}, E_BASE | E_MFILE, N_TRACK, 0, 0, 0,
        "written: /proc/self/pagemap opened by the first call and kept; " D_CODES),

    /* ---- mincore ---- */
    ROW(F_RESIDENT, S_MINCORE, PH_FIRST, PAL_ENOSYS, {{0}}, E_BASE, 0, 0, 0, 0,
        "docs/SUPPORT.md: PAL_ENOSYS where the OS has no such thing (its probe refused)"),
    ROW(F_RESIDENT, S_MINCORE, PH_LATER, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0,
        "resident: 'PAL_ENOMEM where part of the range is not mapped'; " D_CODES),
    ROW(F_RESIDENT_300, S_MINCORE, PH_LATER2, O_MAP, {{0}}, E_BASE, 0, 0, 0, 0, D_CODES),
    ROW(F_POPULATE, S_MINCORE, PH_FIRST, O_OK, {{0}}, E_BASE, N_POPULATE, 0, 0, 0,
        "populate: its probe's mincore only double-checks MADV_POPULATE_WRITE"),
    ROW(F_FEATURES, S_MINCORE, PH_ALL, O_OK, {{0}}, E_BASE, 0, 0, 0, PAL_FEAT_RESIDENT, D_PROBE),

    /* ---- prctl, mseal ---- */
    ROW(F_NAME, S_PRCTL_VMA, PH_FIRST, PAL_ENOSYS, {{0}}, E_BASE, 0, 0, 0, 0,
        "name: 'PAL_ENOSYS where unsupported' (its probe refused)"),
    ROW(F_NAME, S_PRCTL_VMA, PH_LATER, O_MAP, {{0}}, E_BASE, N_NAME, 0, 0, 0, D_CODES),
    ROW(F_SEAL, S_MSEAL, PH_FIRST, PAL_ENOSYS, {{0}}, E_BASE, 0, 0, 0, 0,
        "seal: 'PAL_ENOSYS where unsupported' (its probe refused)"),
    ROW(F_SEAL, S_MSEAL, PH_LATER, O_MAP, {{0}}, E_BASE, N_SEAL, 0, 0, 0, D_CODES),

    /* ---- NUMA ---- */
    ROW(F_CURRENT_NODE, S_GETCPU, PH_FIRST, PAL_ENOSYS, {{0}}, E_BASE, 0, 0, 0, 0,
        "current_node: 'PAL_ENOSYS where unknown' (getcpu refused: unknown)"),
    ROW(F_CURRENT_NODE, S_GETCPU, PH_LATER, PAL_ENOSYS, {{0}}, E_BASE, 0, 0, 0, 0,
        "current_node: 'PAL_ENOSYS where unknown'"),
    ROW(F_BIND_NODE, S_MBIND, PH_FIRST, O_MAP, {{ EINVAL, O_FB }}, E_BASE, 0, 0, 0, 0, D_BIND),
    ROW(F_BIND_NODE, S_MBIND, PH_LATER, O_MAP, {{ EINVAL, O_FB }}, E_BASE, 0, 0, 0, 0, D_BIND),

    /* ---- files read once: openat, read, getdents64 ---- */
    ROW(F_INIT, S_OPENAT, PH_FIRST, O_OK, {{0}}, E_BASE | E_MFILE, 0, 0, 0, 0,
        "docs/LINUX.md set-up: 'Without /proc ... the page size is found by probing'"),
    ROW(F_INIT, S_OPENAT, PH_ALL, O_OK, {{0}}, E_BASE | E_MFILE, 0, 0, 0, 0,
        "docs/LINUX.md set-up: 'Without /proc ... the page size is found by probing and huge "
        "pages are taken to be off'; mem_linux.c read_file: any other failure is asked again"),
    ROW(F_INIT, S_READ, PH_FIRST, O_OK, {{0}}, E_BASE | E_INTR, 0, 0, 0, 0,
        "docs/LINUX.md set-up: 'Without /proc ... the page size is found by probing'"),
    ROW(F_INIT, S_READ, PH_ALL, O_OK, {{0}}, E_BASE, 0, 0, 0, 0,
        "docs/LINUX.md set-up: 'Without /proc ... found by probing and huge pages are taken to be "
        "off'; mem_linux.c read_file: any other failure is asked again"),
    ROW(F_UNUSED, S_OPENAT, PH_ALL, O_OK, {{0}}, E_BASE | E_MFILE, 0, 0, 0, 0,
        "mem_linux.c strict_commit: 'Without /proc the mode cannot be read and is taken to "
        "be the default'"),
    ROW(F_NODES, S_OPENAT, PH_ALL, O_OK, {{0}}, E_BASE | E_MFILE, 0, 0, 0, 0,
        "numa_nodes: '1 where the OS has no NUMA or shows one node'"),
    ROW(F_SIZES, S_OPENAT, PH_ALL, O_OK, {{0}}, E_BASE | E_MFILE, N_HUGETLB, 0, 0, 0,
        "huge_page_sizes: '0 where none'"),
    ROW(F_INFO, S_OPENAT, PH_ALL, O_OK, {{0}}, E_BASE | E_MFILE, 0, 0, 0, 0,
        "info: 'what could not be read is PAL_THP_NONE / PAL_OVERCOMMIT_UNKNOWN with "
        "noreserve 0'"),
    ROW(F_INFO, S_READ, PH_ALL, O_OK, {{0}}, E_BASE | E_INTR, 0, 0, 0, 0,
        "info: 'what could not be read is PAL_THP_NONE / PAL_OVERCOMMIT_UNKNOWN with "
        "noreserve 0'"),
    ROW(F_SIZES, S_GETDENTS64, PH_FIRST, O_OK, {{0}}, E_BASE, N_HUGETLB, 0, 0, 0,
        "huge_page_sizes: '0 where none'"),
    ROW(F_ALLOC_HUGE, S_GETDENTS64, PH_FIRST, PAL_EINVAL,
        {{ EACCES, PAL_ENOSYS }, { EPERM, PAL_ENOSYS }, { ENOSYS, PAL_ENOSYS }}, E_BASE,
        N_HUGETLB, 0, 0, 0,
        "alloc_huge: 'PAL_ENOSYS where there are none' (listing refused for good); "
        "mem_linux.c hugetlb_count: any other failure is listed again by alloc_huge, which "
        "finds the pools, and the one base page asked is no multiple of them"),
};
#define N_ROWS ((int)(sizeof rows / sizeof rows[0]))

static int expected(const struct row *r, int e)
{
    int i;

    for (i = 0; i < 5 && r->ex[i].e != 0; i++)
        if (r->ex[i].e == e)
            return r->ex[i].out;
    return r->dflt;
}

/* ---- checks that need the row ------------------------------------------ */

/* The features the case's kernel offers (PIDFD_SELF emulated or not). */
static unsigned ref_feat;

static int ok_init(struct fix *x, const struct kase *k)
{
    (void)x;
    C_CHECK_EQ(pal_mem_page_size(), getauxval(AT_PAGESZ));
    /* Every read refused: a file refused for good (EACCES, EPERM, ENOSYS:
     * a sandbox) leaves huge pages off; any other failure says nothing
     * for good, so the size is asked again, and read now that the
     * injection is off. */
    if (k->row->phase == PH_ALL)
        C_CHECK_EQ(pal_mem_huge_page_size(),
                   k->err == EACCES || k->err == EPERM || k->err == ENOSYS ? 0 : M.hps);
    return 0;
}

static int ok_features(struct fix *x, const struct kase *k)
{
    C_CHECK_EQ(x->bits & k->row->feat_off, 0);
    C_CHECK_EQ(x->bits | (ref_feat & k->row->feat_off), ref_feat);
    lx_rep->fig[5] = (long)x->bits;
    /* A scratch mapping that could not be had or made writable again
     * leaves the features to probe next time: all of them back now.  A
     * probe refused by the kernel is final. */
    inj.lib = 1;
    x->bits = pal_mem_features();
    inj.lib = 0;
    lx_rep->fig[6] = (long)x->bits;
    if (k->row->site == S_MMAP_RW || k->row->site == S_MPROTECT_RW || k->row->site == S_MUNMAP)
        C_CHECK_EQ(x->bits, ref_feat);
    return 0;
}

/* ---- one case, in a child ---------------------------------------------- */

static int setup_fixture(struct fix *x, const struct fn *f)
{
    size_t ps = M.ps, n = range_bytes(f), slack = f->align == AL_PAGE ? 0 : M.hps;
    char *m;

    x->map_len = n + 2 * NB * ps + slack;
    m = mmap(NULL, x->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return 0;
    x->range = m + NB * ps;
    if (f->align != AL_PAGE)
        x->range = (char *)((((uintptr_t)m + NB * ps + M.hps - 1) & ~(uintptr_t)(M.hps - 1)) +
                            (f->align == AL_HUGE_PLUS_PAGE ? ps : 0));
    x->n = n;
    x->left = x->range - NB * ps;
    x->right = x->range + n;
    fill_pages(x->left, NB * ps, ps);
    fill_pages(x->right, NB * ps, ps);
    if (f->range == RG_READY)
        fill_pages(x->range, n, f->align == AL_PAGE ? ps : 64 * ps);
    else if (f->range == RG_HALF)
        fill_pages(x->range, n, 2 * ps);
    else if (f->range == RG_RESERVED)
        return mprotect(x->range, n, PROT_NONE) == 0;
    else if (f->range == RG_HOLE)
        return munmap(x->range, n) == 0;
    return 1;
}

static int case_child(void *arg)
{
    const struct kase *k = arg;
    const struct row *r = k->row;
    const struct fn *f = &fns[k->fn];
    static struct fix x, rehearsal;
    struct pal_mem_stats s0, s1;
    unsigned long long left0, right0;
    size_t res0, range_res0 = 0;
    const char *why;
    int ret, err, range_mapped;

    C_CHECK(lx_library_fresh());
    /* the overcommit mode and node count the library must see */
    if ((f->mode == M_STRICT && !M.strict) || f->fake_nodes) {
        if ((why = private_mounts()) != NULL)
            C_SKIP(why);
        if (f->mode == M_STRICT && !M.strict &&
            (why = bind_text("/proc/sys/vm/overcommit_memory", "2\n")) != NULL)
            C_SKIP(why);
        if (f->fake_nodes && (why = bind_text("/sys/devices/system/node/possible", "0-1\n")) != NULL)
            C_SKIP(why);
    }
#ifdef TRAP_SUPPORTED
    {
        long nrs[3];
        int count = 0;

        inj.site = r->site;
        inj.err = k->err;
        inj.bg_site = r->bg_site;
        inj.bg_err = r->bg_err;
        inj.from = r->phase == PH_LATER2 ? 2 : 1;
        inj.to = r->phase == PH_ALL ? 1L << 30 : inj.from;
        nrs[count++] = sites[r->site].nr;
        if (r->bg_site != S_NONE)
            nrs[count++] = sites[r->bg_site].nr;
        ref_feat = M.feat;
        if ((r->need & N_BATCH) && !(M.feat & PAL_FEAT_BATCH)) {
            inj.pidfd = syscall(SYS_pidfd_open, (long)getpid(), 0L);
            C_CHECK(inj.pidfd >= 0);
            nrs[count++] = SYS_process_madvise;
            ref_feat |= PAL_FEAT_BATCH;
        }
        if (trap_calls(nrs, count) != 0)
            C_SKIP("seccomp filter refused");
    }
#endif
    C_CHECK_OK(pal_mem_set_policy(f->policy));
    if (r->phase == PH_LATER || r->phase == PH_LATER2) {
        /* the library has run this function once, with nothing failing but
         * the background call */
        C_CHECK(setup_fixture(&rehearsal, f));
        inj.lib = 1;
        if (f->pre != NULL)
            (void)f->pre(&rehearsal);
        (void)f->call(&rehearsal);
        inj.lib = 0;
    }
    C_CHECK(setup_fixture(&x, f));
    if (f->pre != NULL) {
        inj.lib = 1;
        err = f->pre(&x);
        inj.lib = 0;
        C_CHECK_OK(err);
    }
    /* before */
    left0 = checksum(x.left, NB * M.ps);
    right0 = checksum(x.right, NB * M.ps);
    /* Ready before the call (pre_unused leaves it Prepared, inaccessible
     * under harddecommit and strict overcommit) */
    range_mapped = (f->range == RG_READY || f->range == RG_HALF) && f->pre != pre_unused;
    if (range_mapped) {
        range_sum_before = checksum(x.range, x.n);
        range_res0 = resident_pages(x.range, x.n);
    }
    res0 = resident_pages(x.left, NB * M.ps) + resident_pages(x.right, NB * M.ps);
    if (k->fn == F_RESERVE_ALIGNED || k->fn == F_ACQUIRE_ALIGNED)
        mapped_before = mapped_bytes();
    C_CHECK(take_snapshot(0));
    x.out = (void *)&x; /* output arguments: untouched on failure */
    x.bytes = x.done = (size_t)-2;
    x.node = 12345;
    x.zeroed = 7;
    pal_mem_get_stats(&s0);
    /* the call */
    inj.lib = inj.armed = 1;
    ret = f->call(&x);
    inj.lib = inj.armed = 0;
    pal_mem_get_stats(&s1);
    lx_rep->fig[0] = ret;
    lx_rep->fig[1] = (long)(s1.fallbacks - s0.fallbacks);
    lx_rep->fig[2] = inj.seen;
    lx_rep->fig[3] = inj.failed;
    lx_rep->fig[4] = inj.bg_hits;
    /* the Ready memory next to the range is untouched either way */
    C_CHECK_EQ(checksum(x.left, NB * M.ps), left0);
    C_CHECK_EQ(checksum(x.right, NB * M.ps), right0);
    if (inj.failed == 0)
        return 0; /* the parent reports the call as not reached */
    if (ret != PAL_OK) {
        /* "a call that fails has changed nothing the caller can observe" */
        C_CHECK(take_snapshot(1));
        if (snapshot_diff(lx_rep->reason, sizeof lx_rep->reason) != NULL)
            C_FAIL(0, 0, 0, "/proc/self/maps changed (the line is in the reason)");
        if (range_mapped) {
            C_CHECK_EQ(checksum(x.range, x.n), range_sum_before);
            C_CHECK_EQ(resident_pages(x.range, x.n), range_res0);
        }
        C_CHECK_EQ(resident_pages(x.left, NB * M.ps) + resident_pages(x.right, NB * M.ps), res0);
        C_CHECK(x.out == (void *)&x);
        C_CHECK_EQ(x.bytes, (size_t)-2);
        C_CHECK_EQ(x.node, 12345);
        C_CHECK_EQ(x.zeroed, 7);
        if (k->fn == F_UNUSED_RANGES || k->fn == F_UNUSED_RANGES_1026 ||
            k->fn == F_PURGE_RANGES)
            C_CHECK_EQ(x.done, 0);
        return 0;
    }
    return f->ok(&x, k);
}

/* ---- the parent: cases, cells, table ---------------------------------- */

struct cell {
    char text[8];
    int bad;     /* the outcome differs from the documented one */
    int undoc;   /* nothing documents the outcome */
};

static int cases_run, cases_failed, cases_skipped, cases_undoc;
static int n_code, n_ok, n_fb;
static char undoc_notes[40][160];
static int undoc_count;

static const char *code_name(int code)
{
    static const char *const names[] = { "ok", "INVAL", "NOMEM", "ACCES", "AGAIN",
                                         "NOSYS", "EXIST", "PERM", "EOS" };

    return code >= 0 && code <= 8 ? names[code] : "?";
}

static void outcome_text(char *buf, size_t size, int out, int e)
{
    if (out == O_MAP)
        out = errno_code(e);
    th_format(buf, size, "%s", out == O_OK ? "ok" : out == O_FB ? "fb" : code_name(out));
}

static int need_unmet(const struct row *r, const char **why)
{
    unsigned feats = r->need & ~N_THP, have = M.feat;

    if (M.batch_emulated)
        have |= PAL_FEAT_BATCH;

    if ((r->need & N_THP) && M.hps == 0) {
        *why = "no transparent huge pages here";
        return 1;
    }
    if ((have & feats) != feats) {
        *why = "the kernel here lacks the feature (control child)";
        return 1;
    }
    /* Where the machine's own mode is strict, its rows run for real; the
     * others want the default mode, which a machine in it covers. */
    if (M.strict && fns[r->fn].mode != M_STRICT) {
        *why = "vm.overcommit_memory=2 here: only the strict-overcommit rows run";
        return 1;
    }
    if ((fns[r->fn].mode == M_STRICT && !M.strict && !M.mounts) ||
        (fns[r->fn].fake_nodes && !M.mounts)) {
        *why = "needs a private mount namespace (root) to set the mode or node count";
        return 1;
    }
    return 0;
}

/* ---- running the cases of a row, a few at a time ----------------------
 * One child per case, as many at once as there are CPUs (up to 4): the
 * test VM runs its test programs one after another on two CPUs.  Each
 * child reports through its own slot of a shared page. */

#define MAX_WORKERS 4

static struct lx_report *slots;

static int workers(void)
{
    if (slots == NULL) {
        void *p = mmap(NULL, MAX_WORKERS * sizeof *slots, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

        if (p == MAP_FAILED)
            return 0;
        slots = p;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n < 1 ? 1 : n > MAX_WORKERS ? MAX_WORKERS : (int)n;
}

/* Start case k in a child reporting to slot; its pid, or -1. */
static pid_t start_case(struct kase *k, int slot)
{
    pid_t pid = fork();

    if (pid == 0) {
        struct rlimit no_core = { 0, 0 };

        setrlimit(RLIMIT_CORE, &no_core); /* expected crashes: no dumps */
        lx_rep = &slots[slot];
        _exit(case_child(k));
    }
    return pid;
}

/* Fill the cell of the case that ended with status st, reported in rep. */
static void finish_case(const struct kase *k, int st, const struct lx_report *rep, struct cell *c)
{
    const struct row *r = k->row;
    int ei, want = expected(r, k->err), got, fb;
    char observed[8], detail[200];

    for (ei = 0; errs[ei].e != k->err; ei++)
        ;
    cases_run++;
    detail[0] = '\0';
    if (st == TH_CHILD_EXIT(LX_CHILD_SKIP)) {
        cases_skipped++;
        th_format(c->text, sizeof c->text, "s");
        th_note("skipped %s x %s x %s: %s", sites[r->site].name, fns[r->fn].name,
                errs[ei].name, rep->reason);
        return;
    }
    got = (int)rep->fig[0];
    fb = rep->fig[1] > 0;
    th_format(observed, sizeof observed, "%s", got != PAL_OK ? code_name(got) : fb ? "fb" : "ok");
    if (st == TH_CHILD_EXIT(LX_CHILD_FAIL)) {
        th_format(detail, sizeof detail, "line %d: %s (0x%llx, 0x%llx) %s", rep->line,
                  rep->expr, rep->a, rep->b, rep->reason);
    } else if (st != TH_CHILD_EXIT(0)) {
        th_format(observed, sizeof observed, "sig%d", st & 0xff);
        th_format(detail, sizeof detail, "child %s %d", st & 0x100 ? "killed by signal" : "exit",
                  st & 0xff);
    } else if (rep->fig[3] == 0) {
        th_format(observed, sizeof observed, "unhit");
        th_format(detail, sizeof detail, "the call was never made (%ld matching calls)",
                  rep->fig[2]);
    }
    th_format(c->text, sizeof c->text, "%s", observed);
    if (want == O_UNDOC && detail[0] == '\0') {
        c->undoc = 1;
        cases_undoc++;
        th_format(c->text, sizeof c->text, "?%s", observed);
        if (undoc_count < 40)
            th_format(undoc_notes[undoc_count++], sizeof undoc_notes[0],
                      "%s x %s x %s (%s): returns %s; %s", sites[r->site].name, fns[r->fn].name,
                      errs[ei].name, phase_names[r->phase], observed, r->doc);
        return;
    }
    if (detail[0] == '\0') {
        char w[8];

        outcome_text(w, sizeof w, want, errs[ei].e);
        if (th_strncmp(w, observed, sizeof w) != 0)
            th_format(detail, sizeof detail, "returns %s, documented %s", observed, w);
    }
    if (detail[0] != '\0') {
        char w[8];

        c->bad = 1;
        cases_failed++;
        outcome_text(w, sizeof w, want, errs[ei].e);
        th_format(c->text, sizeof c->text, "!%s", observed);
        th_note("MISMATCH %s x %s x %s (%s): %s; documented %s: %s", sites[r->site].name,
                fns[r->fn].name, errs[ei].name, phase_names[r->phase], detail, w, r->doc);
        return;
    }
    if (got != PAL_OK)
        n_code++;
    else if (fb)
        n_fb++;
    else
        n_ok++;
}

/* Append s to line at column at, padded with spaces to width; the new
 * column.  (The harness's format has no field widths.) */
static size_t put_col(char *line, size_t size, size_t at, const char *s, size_t width)
{
    size_t i;

    for (i = 0; s[i] != '\0' && at + 1 < size; i++)
        line[at++] = s[i];
    for (; i < width && at + 1 < size; i++)
        line[at++] = ' ';
    line[at] = '\0';
    return at;
}

#define W_SITE 21
#define W_FN 26
#define W_WHEN 6
#define W_CELL 6

static void table_header(void)
{
    char line[200];
    size_t at;
    int i;

    at = put_col(line, sizeof line, 0, "call", W_SITE);
    at = put_col(line, sizeof line, at, "function", W_FN);
    at = put_col(line, sizeof line, at, "when", W_WHEN);
    for (i = 0; i < N_ERRS; i++)
        at = put_col(line, sizeof line, at, errs[i].name, W_CELL);
    th_note("%s", line);
}

/* Run every errno of row r, filling cells[]. */
static void run_row(const struct row *r, struct cell *cells)
{
    struct kase ks[N_ERRS];
    pid_t pids[MAX_WORKERS];
    int slot_case[MAX_WORKERS], running = 0, ei = 0, slot, st, w = workers();
    pid_t pid;

    if (w == 0) {
        for (ei = 0; ei < N_ERRS; ei++) {
            th_format(cells[ei].text, sizeof cells[ei].text, "!");
            cells[ei].bad = 1;
        }
        return;
    }
    for (slot = 0; slot < MAX_WORKERS; slot++)
        pids[slot] = 0;
    for (;;) {
        /* start as many as there are free slots */
        for (slot = 0; slot < w && ei < N_ERRS; slot++) {
            if (pids[slot] != 0)
                continue;
            while (ei < N_ERRS && !(r->errs & (1u << ei))) {
                th_memset(&cells[ei], 0, sizeof cells[ei]);
                th_format(cells[ei].text, sizeof cells[ei].text, ".");
                ei++;
            }
            if (ei == N_ERRS)
                break;
            th_memset(&cells[ei], 0, sizeof cells[ei]);
            ks[ei].row = r;
            ks[ei].err = errs[ei].e;
            ks[ei].fn = r->fn;
            th_memset(&slots[slot], 0, sizeof slots[slot]);
            pids[slot] = start_case(&ks[ei], slot);
            slot_case[slot] = ei++;
            if (pids[slot] < 0) {
                pids[slot] = 0;
                th_format(cells[slot_case[slot]].text, sizeof cells[0].text, "!fork");
                cells[slot_case[slot]].bad = 1;
                cases_failed++;
            } else {
                running++;
            }
        }
        if (running == 0)
            return;
        pid = waitpid(-1, &st, 0);
        for (slot = 0; slot < w && pids[slot] != pid; slot++)
            ;
        if (pid < 0 || slot == w)
            continue;
        pids[slot] = 0;
        running--;
        finish_case(&ks[slot_case[slot]],
                    WIFSIGNALED(st) ? TH_CHILD_SIGNAL(WTERMSIG(st)) : TH_CHILD_EXIT(WEXITSTATUS(st)),
                    &slots[slot], &cells[slot_case[slot]]);
    }
}

static int list_has(const int *list, int count, int site)
{
    int i;

    for (i = 0; i < count; i++)
        if (list[i] == site)
            return 1;
    return 0;
}

/* Run and print the rows whose site is one of the list. */
static void run_rows(const int *site_list, int count)
{
    int i, j, ei, bad = 0, any = 0, first_bad = -1;
    char line[200];

    if (!machine())
        return;
    table_header();
    for (i = 0; i < N_ROWS; i++) {
        const struct row *r = &rows[i];
        struct cell cells[N_ERRS];
        const char *why = NULL;
        size_t at;
        int mine = 0;

        for (j = 0; j < count; j++)
            mine |= r->site == site_list[j];
        if (!mine)
            continue;
        at = put_col(line, sizeof line, 0, sites[r->site].name, W_SITE);
        at = put_col(line, sizeof line, at, fns[r->fn].name, W_FN);
        at = put_col(line, sizeof line, at, phase_names[r->phase], W_WHEN);
        if (need_unmet(r, &why)) {
            th_note("%s skipped: %s", line, why);
            for (ei = 0; ei < N_ERRS; ei++)
                cases_skipped += (r->errs >> ei) & 1;
            continue;
        }
        any = 1;
        run_row(r, cells);
        for (ei = 0; ei < N_ERRS; ei++) {
            if (cells[ei].bad && first_bad < 0)
                first_bad = i;
            bad += cells[ei].bad;
        }
        for (ei = 0; ei < N_ERRS; ei++)
            at = put_col(line, sizeof line, at, cells[ei].text, W_CELL);
        th_note("%s", line);
    }
    if (!any)
        SKIP("no row can run here (see the notes)");
    if (M.batch_emulated && list_has(site_list, count, S_PM_DONTNEED))
        th_note("this kernel has no PIDFD_SELF (6.14): process_madvise passed through with a "
                "pidfd of the process instead");
    if (bad > 0)
        th_fail_at(__FILE__, __LINE__, "%d cases differ from the documentation (MISMATCH notes; "
                   "first: %s x %s)", bad, sites[rows[first_bad].site].name,
                   fns[rows[first_bad].fn].name);
}

#define RUN(...)                                                              \
    do {                                                                      \
        static const int list_[] = { __VA_ARGS__ };                          \
        run_rows(list_, (int)(sizeof list_ / sizeof list_[0]));               \
    } while (0)

static void faults_mmap(void)
{
    RUN(S_MMAP_NONE, S_MMAP_NOREPLACE, S_MMAP_FIXED_RW, S_MMAP_FIXED_NONE, S_MMAP_RW,
        S_MMAP_HUGETLB);
}

static void faults_munmap(void) { RUN(S_MUNMAP); }
static void faults_mprotect(void) { RUN(S_MPROTECT_NONE, S_MPROTECT_RW, S_MPROTECT_R); }

static void faults_madvise(void)
{
    RUN(S_MADV_FREE, S_MADV_DONTNEED, S_MADV_HUGEPAGE, S_MADV_NOHUGEPAGE, S_MADV_COLLAPSE,
        S_MADV_POPULATE, S_MADV_GUARD, S_MADV_DONTDUMP, S_MADV_DODUMP);
}

static void faults_process_madvise(void) { RUN(S_PM_DONTNEED, S_PM_NOHUGEPAGE); }
static void faults_track(void)
{
    RUN(S_USERFAULTFD, S_UFFD_REGISTER, S_UFFD_WP, S_PAGEMAP_SCAN, S_MSYNC);
}
static void faults_mincore(void) { RUN(S_MINCORE); }
static void faults_prctl_mseal(void) { RUN(S_PRCTL_VMA, S_MSEAL); }
static void faults_numa(void) { RUN(S_GETCPU, S_MBIND); }
static void faults_files(void) { RUN(S_OPENAT, S_READ, S_GETDENTS64); }

/* The summary, and every outcome nothing documents: a failure until the
 * documentation or the library says what it should be. */
static void faults_summary(void)
{
    int i;

    if (!machine())
        return;
    th_note("legend: ok = PAL_OK, job done; fb = PAL_OK by the documented fallback "
            "(stats.fallbacks); NOMEM..EOS = that PAL_E* code, nothing changed; "
            "!x = differs from the documentation; ?x = undocumented; . = not injected");
    th_note("%d cases run (call x errno x function x when): %d documented error codes, %d "
            "documented fallbacks, %d documented ok, %d differ from the documentation, %d "
            "undocumented; %d skipped", cases_run, n_code, n_fb, n_ok, cases_failed, cases_undoc,
            cases_skipped);
    for (i = 0; i < undoc_count; i++)
        th_note("undocumented: %s", undoc_notes[i]);
    if (cases_run == 0)
        SKIP("no case ran");
    if (cases_undoc > 0)
        th_fail_at(__FILE__, __LINE__, "%d outcomes nothing documents (notes above)", cases_undoc);
}

const struct th_test th_tests[] = {
    TH(faults_mmap),
    TH(faults_munmap),
    TH(faults_mprotect),
    TH(faults_madvise),
    TH(faults_process_madvise),
    TH(faults_track),
    TH(faults_mincore),
    TH(faults_prctl_mseal),
    TH(faults_numa),
    TH(faults_files),
    TH(faults_summary),
    TH_END,
};
