/*
 * test_track_linux.c - write tracking on Linux: whether the kernel offers it,
 * decided here without the library (userfaultfd with asynchronous
 * write-protection and PAGEMAP_SCAN, asked by raw system calls, Linux
 * 6.7), held against PAL_FEAT_TRACK; and what the process's one
 * userfaultfd means across fork.
 *
 * pal-test: libc-free
 */
#include "pal_test.h"
#include "linux/sys_linux.h"

/* The kernel's answer, by the calls the backend would make, each checked
 * on its own: 1 if a userfaultfd with UFFD_FEATURE_WP_ASYNC can be had
 * and /proc/self/pagemap knows PAGEMAP_SCAN, 0 if not, the reason in
 * *why. */
static int kernel_tracks(const char **why)
{
    uint64_t api[3] = { LX_UFFD_API, LX_UFFD_FEATURE_WP_ASYNC, 0 };
    uint64_t arg[12] = { 0 };
    long fd, pm, r;

    fd = pal_syscall6(LX_NR_userfaultfd, LX_O_CLOEXEC | LX_O_NONBLOCK, 0, 0, 0, 0, 0);
    if (fd == -LX_EPERM) /* vm.unprivileged_userfaultfd=0 */
        fd = pal_syscall6(LX_NR_userfaultfd,
                          LX_O_CLOEXEC | LX_O_NONBLOCK | LX_UFFD_USER_MODE_ONLY, 0, 0, 0, 0, 0);
    if (pal_sys_failed(fd)) {
        *why = fd == -LX_ENOSYS ? "no userfaultfd system call (ENOSYS)"
                                : "userfaultfd refused";
        return 0;
    }
    r = pal_syscall6(LX_NR_ioctl, fd, (long)(unsigned int)LX_UFFDIO_API, (long)api, 0, 0, 0);
    pal_syscall6(LX_NR_close, fd, 0, 0, 0, 0, 0);
    if (pal_sys_failed(r)) {
        *why = "userfaultfd without UFFD_FEATURE_WP_ASYNC (Linux before 6.7)";
        return 0;
    }
    pm = pal_syscall6(LX_NR_openat, LX_AT_FDCWD, (long)"/proc/self/pagemap",
                      LX_O_RDONLY | LX_O_CLOEXEC, 0, 0, 0);
    if (pal_sys_failed(pm)) {
        *why = "no /proc/self/pagemap";
        return 0;
    }
    /* size 0: EINVAL where the ioctl exists, ENOTTY where it does not */
    r = pal_syscall6(LX_NR_ioctl, pm, (long)(unsigned int)LX_PAGEMAP_SCAN, (long)arg, 0, 0, 0);
    pal_syscall6(LX_NR_close, pm, 0, 0, 0, 0, 0);
    if (r != -LX_EINVAL) {
        *why = "no PAGEMAP_SCAN on /proc/self/pagemap (Linux before 6.7)";
        return 0;
    }
    *why = "";
    return 1;
}

/* The lowest descriptor free now: one opened and closed again. */
static long lowest_free_fd(void)
{
    long fd = pal_syscall6(LX_NR_openat, LX_AT_FDCWD, (long)"/",
                           LX_O_RDONLY | LX_O_DIRECTORY | LX_O_CLOEXEC, 0, 0, 0);

    if (!pal_sys_failed(fd))
        pal_syscall6(LX_NR_close, fd, 0, 0, 0, 0, 0);
    return fd;
}

/* The first test of this program, before any other call into the library:
 * asking what the library offers probes every feature, write tracking's
 * among them, and leaves no descriptor open.  A process that never tracks
 * writes has no userfaultfd (a program that closed its standard input
 * would otherwise find the library's descriptor as fd 0). */
static void probe_leaves_no_descriptor(void)
{
    struct pal_mem_info info;
    long before = lowest_free_fd();

    CHECK(before >= 0);
    CHECK_OK(pal_mem_info(&info));
    CHECK_EQ(lowest_free_fd(), before);
}

static void feature_matches_kernel(void)
{
    const char *why;
    int k = kernel_tracks(&why);
    size_t ps = pal_mem_page_size();
    unsigned char pages[1] = { 9 };
    void *p;

    th_note("kernel: %s", k ? "tracks writes" : why);
    CHECK_EQ((pal_mem_features() & PAL_FEAT_TRACK) != 0, k);
    if (k)
        return;
    CHECK_OK(pal_mem_alloc(ps, &p));
    CHECK_EQ(pal_mem_track_writes(p, ps, 1), PAL_ENOSYS);
    CHECK_EQ(pal_mem_written(p, ps, pages, 0), PAL_ENOSYS);
    CHECK_EQ(pages[0], 9);
    CHECK_OK(pal_mem_free(p, ps));
}

static char *shared_page;

/* In a child of fork: the inherited range is not tracked there (the
 * kernel drops the registration), tracking it again works and sees the
 * child's own writes, which the parent's tracking does not see. */
static int child_tracks_its_own(void *arg)
{
    size_t ps = pal_mem_page_size();
    unsigned char pages[2];
    char *p = arg;

    if (pal_mem_written(p, 2 * ps, pages, 0) != PAL_EINVAL)
        return 1;
    if (pal_mem_track_writes(p, 2 * ps, 1) != PAL_OK)
        return 2;
    if (pal_mem_written(p, 2 * ps, pages, 1) != PAL_OK)
        return 3;
    p[ps] = 1;
    if (pal_mem_written(p, 2 * ps, pages, 1) != PAL_OK)
        return 4;
    if (pages[0] != 0 || pages[1] != 1)
        return 5;
    return 0;
}

static void fork_child_tracks_its_own(void)
{
    const char *why;
    size_t ps = pal_mem_page_size();
    unsigned char pages[2];
    char *p;
    int st;

    if (!kernel_tracks(&why))
        SKIP("%s", why);
    CHECK_OK(pal_mem_alloc(2 * ps, (void **)&p));
    shared_page = p;
    CHECK_OK(pal_mem_track_writes(p, 2 * ps, 1));
    CHECK_OK(pal_mem_written(p, 2 * ps, pages, 1));
    st = th_child(child_tracks_its_own, p);
    if (st == TH_CHILD_NONE)
        SKIP("no child processes here");
    CHECK_EQ(st, TH_CHILD_EXIT(0));
    /* the parent's tracking untouched by the child and still working */
    CHECK_OK(pal_mem_written(p, 2 * ps, pages, 1));
    CHECK_EQ(pages[1], 0);
    p[0] = 1;
    CHECK_OK(pal_mem_written(p, 2 * ps, pages, 1));
    CHECK_EQ(pages[0], 1);
    CHECK_EQ(pages[1], 0);
    CHECK_OK(pal_mem_free(p, 2 * ps));
}

/* Stopped tracking: the range is no longer registered, and written says
 * so; started again, it works. */
static void stop_and_start(void)
{
    const char *why;
    size_t ps = pal_mem_page_size();
    unsigned char pages[1] = { 9 };
    char *p;

    if (!kernel_tracks(&why))
        SKIP("%s", why);
    CHECK_OK(pal_mem_alloc(ps, (void **)&p));
    CHECK_OK(pal_mem_track_writes(p, ps, 1));
    CHECK_OK(pal_mem_track_writes(p, ps, 0));
    CHECK_EQ(pal_mem_written(p, ps, pages, 1), PAL_EINVAL);
    CHECK_EQ(pages[0], 9);
    CHECK_OK(pal_mem_track_writes(p, ps, 1));
    CHECK_OK(pal_mem_written(p, ps, pages, 1));
    p[0] = 1;
    CHECK_OK(pal_mem_written(p, ps, pages, 1));
    CHECK_EQ(pages[0], 1);
    CHECK_OK(pal_mem_free(p, ps));
}

/* Not mapped throughout: PAL_ENOMEM, as for every Linux call, and
 * nothing registered (the kernel itself registers the parts it finds). */
static void hole_refused(void)
{
    const char *why;
    size_t ps = pal_mem_page_size();
    unsigned char pages[3] = { 9, 9, 9 };
    char *p;

    if (!kernel_tracks(&why))
        SKIP("%s", why);
    CHECK_OK(pal_mem_alloc(3 * ps, (void **)&p));
    CHECK_OK(pal_mem_free(p + ps, ps));
    CHECK_EQ(pal_mem_track_writes(p, 3 * ps, 1), PAL_ENOMEM);
    /* the first page was not registered either */
    CHECK_EQ(pal_mem_written(p, ps, pages, 1), PAL_EINVAL);
    CHECK(th_all_bytes(pages, 3, 9));
    CHECK_OK(pal_mem_free(p, ps));
    CHECK_OK(pal_mem_free(p + 2 * ps, ps));
}

const struct th_test th_tests[] = {
    TH(probe_leaves_no_descriptor), /* first: see there */
    TH(feature_matches_kernel),
    TH(fork_child_tracks_its_own),
    TH(stop_and_start),
    TH(hole_refused),
    TH_END,
};
