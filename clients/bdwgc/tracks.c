/*
 * tracks.c - does this kernel offer what libpal's Linux write tracking
 * needs: a userfaultfd with asynchronous write-protection
 * (UFFD_FEATURE_WP_ASYNC) and PAGEMAP_SCAN on /proc/self/pagemap, both
 * Linux 6.7?  Asked by the system calls themselves, without libpal, so
 * that run.sh can hold the collector's choice (incremental on libpal's
 * tracking, or not incremental) against an answer of its own.
 *
 * Prints "yes", or "no: <reason>"; exit status 0 either way.  Under
 * qemu-user it asks qemu, which is what the collector meets there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's values (uapi linux/userfaultfd.h and linux/fs.h of 6.7),
 * spelled out: the C libraries' headers here are older.  The structures
 * are __u64 fields only, 3 and 12 of them; _IOWR is the architecture's. */
#define UFFD_API 0xAAull
#define UFFD_USER_MODE_ONLY 1
#define UFFD_FEATURE_WP_ASYNC (1ull << 15)
#define UFFDIO_API _IOWR(0xAA, 0x3F, uint64_t[3])
#define PAGEMAP_SCAN _IOWR('f', 16, uint64_t[12])

static int no(const char *why)
{
    printf("no: %s\n", why);
    return 0;
}

int main(void)
{
    uint64_t api[3] = { UFFD_API, UFFD_FEATURE_WP_ASYNC, 0 };
    uint64_t scan[12] = { 0 };
    long fd;
    int pm, r;

    fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 && errno == EPERM) /* vm.unprivileged_userfaultfd=0 */
        fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
    if (fd < 0)
        return no(errno == ENOSYS ? "no userfaultfd system call" : "userfaultfd refused");
    r = ioctl((int)fd, UFFDIO_API, api);
    close((int)fd);
    if (r != 0)
        return no("no asynchronous userfaultfd write-protection (Linux before 6.7)");
    pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (pm < 0)
        return no("no /proc/self/pagemap");
    /* size 0: EINVAL where the ioctl exists, ENOTTY where it does not */
    r = ioctl(pm, PAGEMAP_SCAN, scan);
    if (r == 0 || errno != EINVAL) {
        close(pm);
        return no("no PAGEMAP_SCAN (Linux before 6.7)");
    }
    close(pm);
    printf("yes\n");
    return 0;
}
