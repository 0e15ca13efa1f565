/*
 * init_nolibc.c - PID 1 of the test VM where the architecture has no libc
 * to link init.c against (loong64: Debian 12 has neither its gcc nor its
 * libc).  Does what init.c does, with raw system calls (the library's own
 * pal/linux/syscall_loong64.h: another architecture would add its header
 * and its _start below) and no libc: mounts /proc, /sys, /dev, /tmp
 * and cgroup v2, applies pal.overcommit=N and pal.thp=MODE, checks
 * pal.pagesize=N against the kernel's AT_PAGESZ, runs every program in
 * /tests in name order with PAL_TEST_SYSCTL=1 added to the environment the
 * kernel gave init, prints "vmtest <name> start" and "vmtest <name> exit
 * <code> <time>s" for each and "vm: N tests failed out of M", and powers
 * the machine off.  Built by tools/vm/run.sh (VM_INIT, VM_CC):
 *   clang --target=loongarch64-linux-gnu -ffreestanding -nostdlib -static
 *   -I pal/linux
 */
#include "syscall_loong64.h"

/* the generic system call table (asm-generic/unistd.h), which loong64
 * uses; the generated defs hold only what the library calls */
enum {
    NR_dup3 = 24, NR_mount = 40, NR_getdents64 = 61, NR_sync = 81,
    NR_exit = 93, NR_clock_gettime = 113, NR_reboot = 142,
    NR_clone = 220, NR_execve = 221, NR_wait4 = 260,
};
#define AT_FDCWD (-100)
#define O_WRONLY 1
#define O_RDWR 2
#define AT_PAGESZ 6
#define CLOCK_MONOTONIC 1
#define REBOOT_MAGIC1 0xfee1deadL
#define REBOOT_MAGIC2 672274793L
#define REBOOT_POWER_OFF 0x4321fedcL

#define sys(nr, a, b, c, d, e) pal_syscall6((nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

struct ts { long sec, nsec; };

static unsigned long len(const char *s)
{
    unsigned long n = 0;

    while (s[n] != 0)
        n++;
    return n;
}

static void out(const char *s)
{
    sys(LX_NR_write, 1, s, len(s), 0, 0);
}

static char *num(char *end, unsigned long v)
{
    *--end = 0;
    do
        *--end = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    return end;
}

static void out_num(long v)
{
    char b[24];

    if (v < 0) {
        out("-");
        v = -v;
    }
    out(num(b + sizeof b, (unsigned long)v));
}

static long open_at(const char *path, int flags)
{
    return sys(LX_NR_openat, AT_FDCWD, path, flags, 0, 0);
}

/* the whole of a small file (under size - 1 bytes), or -1 */
static long slurp(const char *path, char *buf, long size)
{
    long fd = open_at(path, LX_O_RDONLY), n = 0, r;

    if (fd < 0)
        return -1;
    while (n < size - 1 && (r = sys(LX_NR_read, fd, buf + n, size - 1 - n, 0, 0)) > 0)
        n += r;
    sys(LX_NR_close, fd, 0, 0, 0, 0);
    buf[n] = 0;
    return n;
}

static void put(const char *path, const char *value)
{
    long fd = open_at(path, O_WRONLY);

    if (fd < 0 || sys(LX_NR_write, fd, value, len(value), 0, 0) < 0) {
        out("vm: cannot write ");
        out(value);
        out(" to ");
        out(path);
        out("\n");
    }
    if (fd >= 0)
        sys(LX_NR_close, fd, 0, 0, 0, 0);
}

/* The value of key=value on the kernel command line (copied into buf), or 0. */
static const char *cmdline(const char *key, char *buf, unsigned long size)
{
    static char line[1024];
    unsigned long k = len(key), i;
    char *p = line;

    if (slurp("/proc/cmdline", line, sizeof line) < 0)
        return 0;
    while (*p != 0) {
        char *w = p;

        while (*p != 0 && *p != ' ' && *p != '\n')
            p++;
        if ((unsigned long)(p - w) > k && w[k] == '=') {
            for (i = 0; i < k && w[i] == key[i]; i++)
                ;
            if (i == k) {
                for (i = 0, w += k + 1; w + i < p && i < size - 1; i++)
                    buf[i] = w[i];
                buf[i] = 0;
                return buf;
            }
        }
        while (*p == ' ' || *p == '\n')
            p++;
    }
    return 0;
}

static int cmp(const char *a, const char *b)
{
    while (*a != 0 && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

static long now_ns(void)
{
    struct ts t;

    sys(NR_clock_gettime, CLOCK_MONOTONIC, &t, 0, 0, 0);
    return t.sec * 1000000000L + t.nsec;
}

#define MAX_TESTS 256
#define MAX_ENV 64

void init_main(long *sp) __attribute__((noreturn, used));
void init_main(long *sp)
{
    static char dents[16384], names[MAX_TESTS][256], line[256];
    static char *env[MAX_ENV + 2];
    char buf[64], path[300];
    long argc = sp[0], pagesize = 0, *aux, fd, n, off;
    char **envp = (char **)(sp + argc + 2);
    int i, j, count = 0, failed = 0, run = 0, e = 0;

    for (i = 0; envp[i] != 0; i++)
        if (e < MAX_ENV)
            env[e++] = envp[i];
    env[e++] = "PAL_TEST_SYSCTL=1";
    env[e] = 0;
    for (aux = (long *)(envp + i + 1); aux[0] != 0; aux += 2)
        if (aux[0] == AT_PAGESZ)
            pagesize = aux[1];

    sys(NR_mount, "proc", "/proc", "proc", 0, 0);
    sys(NR_mount, "sysfs", "/sys", "sysfs", 0, 0);
    sys(NR_mount, "devtmpfs", "/dev", "devtmpfs", 0, 0);
    sys(NR_mount, "tmpfs", "/tmp", "tmpfs", 0, 0);
    /* cgroup v2, where the tests find the hugetlb and cpuset controllers */
    sys(NR_mount, "cgroup2", "/sys/fs/cgroup", "cgroup2", 0, 0);
    /* the initramfs has no /dev/console node, so the kernel started us
     * with no output: take the console from devtmpfs */
    fd = open_at("/dev/console", O_RDWR);
    if (fd >= 0) {
        for (i = 0; i < 3; i++)
            if (fd != i)
                sys(NR_dup3, fd, i, 0, 0, 0);
        if (fd > 2)
            sys(LX_NR_close, fd, 0, 0, 0, 0);
    }
    if (cmdline("pal.overcommit", buf, sizeof buf) != 0)
        put("/proc/sys/vm/overcommit_memory", buf);
    if (cmdline("pal.thp", buf, sizeof buf) != 0)
        put("/sys/kernel/mm/transparent_hugepage/enabled", buf);
    /* the page size the machine's description promises (run.sh) */
    if (cmdline("pal.pagesize", buf, sizeof buf) != 0) {
        char b[24];

        if (cmp(buf, num(b + sizeof b, (unsigned long)pagesize)) != 0) {
            out("vm: FAIL page size ");
            out_num(pagesize);
            out(", the machine's description says ");
            out(buf);
            out("\n");
            failed++;
        }
    }
    if (slurp("/proc/version", line, sizeof line) > 0) {
        out("vm: ");
        out(line);
    }
    if (slurp("/proc/sys/vm/overcommit_memory", line, sizeof line) > 0) {
        out("vm: vm.overcommit_memory=");
        out(line);
    }

    /* the names in /tests, sorted (insertion: a few dozen) */
    fd = open_at("/tests", LX_O_RDONLY | LX_O_DIRECTORY);
    while (fd >= 0 && (n = sys(NR_getdents64, fd, dents, sizeof dents, 0, 0)) > 0)
        for (off = 0; off < n;) {
            /* linux_dirent64: ino 8, off 8, reclen 2, type 1, name */
            unsigned short reclen = *(unsigned short *)(dents + off + 16);
            const char *name = dents + off + 19;

            off += reclen;
            if (name[0] == '.' || count == MAX_TESTS || len(name) >= sizeof names[0])
                continue;
            for (j = count++; j > 0 && cmp(names[j - 1], name) > 0; j--)
                for (i = 0; (names[j][i] = names[j - 1][i]) != 0; i++)
                    ;
            for (i = 0; (names[j][i] = name[i]) != 0; i++)
                ;
        }
    if (fd >= 0)
        sys(LX_NR_close, fd, 0, 0, 0, 0);

    for (j = 0; j < count; j++) {
        long t0, t1, pid;
        int status = 0, code;
        char *argv[2] = {path, 0};

        for (i = 0; "/tests/"[i] != 0; i++)
            path[i] = "/tests/"[i];
        for (n = 0; (path[i + n] = names[j][n]) != 0; n++)
            ;
        out("vmtest ");
        out(names[j]);
        out(" start\n");
        t0 = now_ns();
        /* fork: clone(SIGCHLD) with no new stack */
        pid = sys(NR_clone, LX_SIGCHLD, 0, 0, 0, 0);
        if (pid == 0) {
            sys(NR_execve, path, argv, env, 0, 0);
            sys(NR_exit, 127, 0, 0, 0, 0);
        }
        while (pid > 0 && sys(LX_NR_wait4, pid, &status, 0, 0, 0) == -4)
            ;
        t1 = (now_ns() - t0 + 50000000) / 100000000;
        run++;
        /* status: exit code << 8, or the signal in the low 7 bits */
        code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
        if (pid < 0 || code != 0)
            failed++;
        out("vmtest ");
        out(names[j]);
        out(" exit ");
        out_num(code);
        out(" ");
        out_num(t1 / 10);
        out(".");
        out_num(t1 % 10);
        out("s\n");
    }
    out("vm: ");
    out_num(failed);
    out(" tests failed out of ");
    out_num(run);
    out("\n");
    sys(NR_sync, 0, 0, 0, 0, 0);
    sys(NR_reboot, REBOOT_MAGIC1, REBOOT_MAGIC2, REBOOT_POWER_OFF, 0, 0);
    sys(NR_exit, 0, 0, 0, 0, 0);
    for (;;)
        ;
}

/* The kernel starts init with sp at argc; the ABI wants it 16-byte
 * aligned at calls, and a zero frame and return address end backtraces. */
__asm__(".pushsection .text\n"
        ".globl _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "  move $fp, $zero\n"
        "  move $ra, $zero\n"
        "  move $a0, $sp\n"
        "  bstrins.d $sp, $zero, 3, 0\n"
        "  bl init_main\n"
        ".popsection");
