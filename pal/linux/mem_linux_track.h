/*
 * mem_linux_track.h - write tracking: userfaultfd write-protection read
 * back with PAGEMAP_SCAN.
 *
 * Part of mem_linux.c, which includes it (after sys_linux.h, pal_ranges.h
 * and the headers before it: setup, probes, marks, release, track); not a
 * header of its own.
 */
#ifndef PAL_MEM_LINUX_TRACK_H
#define PAL_MEM_LINUX_TRACK_H

/* ---- write tracking ---------------------------------------------------- */

/* Asynchronous userfaultfd write-protection with PAGEMAP_SCAN (Linux 6.7):
 * a range registered for write-protection (UFFDIO_REGISTER_MODE_WP) on a
 * userfaultfd opened with UFFD_FEATURE_WP_ASYNC has its pages
 * write-protected by UFFDIO_WRITEPROTECT; the first write to one clears
 * the protection in the kernel itself (no fault reaches anybody), and
 * PAGEMAP_SCAN reports the pages without it as PAGE_IS_WRITTEN and, with
 * PM_SCAN_WP_MATCHING, protects them again in the same page-table walk,
 * under the page-table lock: a write lands before (reported now) or
 * after (reported next time), never between.
 *
 * Soft-dirty bits (/proc/self/clear_refs) are not used: clearing them is
 * process-wide, so re-arming one collector's range would erase the
 * records of every other tracked range, a promise that cannot be kept
 * per range. */

/* The kernel's structures (uapi, the same layout on every architecture:
 * __u64 fields only), held against the headers' sizes. */
struct lx_uffdio_api { uint64_t api, features, ioctls; };
struct lx_uffdio_range { uint64_t start, len; };
struct lx_uffdio_register { struct lx_uffdio_range range; uint64_t mode, ioctls; };
struct lx_uffdio_writeprotect { struct lx_uffdio_range range; uint64_t mode; };
struct lx_pm_scan_arg {
    uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
    uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
struct lx_page_region { uint64_t start, end, categories; };
_Static_assert(sizeof(struct lx_uffdio_api) == LX_SIZEOF_uffdio_api, "uffdio_api");
_Static_assert(sizeof(struct lx_uffdio_register) == LX_SIZEOF_uffdio_register, "uffdio_register");
_Static_assert(sizeof(struct lx_uffdio_writeprotect) == LX_SIZEOF_uffdio_writeprotect,
               "uffdio_writeprotect");
_Static_assert(sizeof(struct lx_pm_scan_arg) == LX_SIZEOF_pm_scan_arg, "pm_scan_arg");
_Static_assert(sizeof(struct lx_page_region) == LX_SIZEOF_page_region, "page_region");

/* ioctl numbers above 2^31 travel as the kernel's unsigned int */
static long lx_ioctl(long fd, long long request, void *arg)
{
    return pal_sys(LX_NR_ioctl, fd, (long)(unsigned int)request, (long)(uintptr_t)arg, 0, 0);
}

/* The process's descriptors for write tracking, each opened on first use
 * and kept: the userfaultfd holds nothing but the registrations, which end
 * with the mappings, and /proc/self/pagemap kept open saves an open and a
 * close per pal_mem_written.  A child of fork inherits them, but they
 * speak for the parent's address space (registering through the
 * userfaultfd would touch the parent's mappings, the pagemap reads the
 * parent's page tables) and the child's copies of tracked ranges are no
 * longer registered (no UFFD_FEATURE_EVENT_FORK): so the owner's pid is
 * kept beside each, and a process that is not the owner opens its own.
 * No lock, so that signal handlers may call in: racers each open one, the
 * first to install its own wins, the others close theirs.  The descriptor
 * is stored before the pid, read after it. */
struct owned_fd {
    int fd;
    long pid;
};
static struct owned_fd track_uffd = { -1, 0 }, track_pagemap = { -1, 0 };

/* vm.unprivileged_userfaultfd=0 refuses a process without CAP_SYS_PTRACE
 * (EPERM) unless it asks for user-mode faults only, which is all write
 * tracking needs: the asynchronous protection is lifted by the kernel
 * whoever writes, never handed to a handler. */
static long uffd_open(void)
{
    struct lx_uffdio_api api = { LX_UFFD_API, LX_UFFD_FEATURE_WP_ASYNC, 0 };
    long fd = pal_sys(LX_NR_userfaultfd, LX_O_CLOEXEC | LX_O_NONBLOCK, 0, 0, 0, 0);
    long r;

    if (fd == -LX_EPERM)
        fd = pal_sys(LX_NR_userfaultfd, LX_O_CLOEXEC | LX_O_NONBLOCK | LX_UFFD_USER_MODE_ONLY,
                     0, 0, 0, 0);
    if (pal_sys_failed(fd))
        return fd;
    r = lx_ioctl(fd, LX_UFFDIO_API, &api);
    if (pal_sys_failed(r)) {
        pal_sys_close(fd);
        /* a kernel without the asynchronous mode refuses the feature */
        return r == -LX_EINVAL ? -LX_ENOSYS : r;
    }
    return fd;
}

static long pagemap_open(void)
{
    return pal_sys_openat(LX_AT_FDCWD, "/proc/self/pagemap", LX_O_RDONLY | LX_O_CLOEXEC);
}

/* This process's descriptor of *slot, opened with open_fd where it has
 * none; or a negative errno. */
static long owned_fd_get(struct owned_fd *slot, long (*open_fd)(void))
{
    long me = pal_sys(LX_NR_getpid, 0, 0, 0, 0, 0);
    long fd;
    int old;

    for (;;) {
        long pid = __atomic_load_n(&slot->pid, __ATOMIC_ACQUIRE);

        old = __atomic_load_n(&slot->fd, __ATOMIC_ACQUIRE);
        if (pid == me && old >= 0)
            return old;
        fd = open_fd();
        if (pal_sys_failed(fd))
            return fd;
        if (__atomic_compare_exchange_n(&slot->fd, &old, (int)fd, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            __atomic_store_n(&slot->pid, me, __ATOMIC_RELEASE);
            /* The parent's, inherited: of no use here.  Only where an
             * owner was read: with none (pid 0), old is a racer's of
             * this process that installed its descriptor but had not yet
             * stored its pid, and may be using it now (seen: a probe of
             * the first calls from eight threads failing with EBADF);
             * that descriptor is left open rather than closed under it.
             * A forked child whose first calls race from several threads
             * has the same window with the parent's pid: left, as rare. */
            if (old >= 0 && pid != me && pid != 0)
                pal_sys_close(old);
            return fd;
        }
        pal_sys_close(fd);
        if (__atomic_load_n(&slot->pid, __ATOMIC_ACQUIRE) == me)
            return __atomic_load_n(&slot->fd, __ATOMIC_ACQUIRE);
    }
}

static int uffd_range(long fd, long long request, uintptr_t v, size_t n, uint64_t mode,
                      int registering)
{
    struct lx_uffdio_register reg = { { v, n }, mode, 0 };
    struct lx_uffdio_writeprotect wp = { { v, n }, mode };
    struct lx_uffdio_range range = { v, n };
    void *arg = registering ? (void *)&reg : request == LX_UFFDIO_WRITEPROTECT ? (void *)&wp
                                                                               : (void *)&range;
    return (int)lx_ioctl(fd, request, arg);
}

#define SCAN_REGIONS 32

/* One PAGEMAP_SCAN of [start, end): written pages found and, with
 * rearm, protected again.  The number of regions or a negative errno;
 * *walked where the walk stopped (the vector was full). */
static long scan(long pm, uintptr_t start, uintptr_t end, int rearm,
                 struct lx_page_region *vec, uintptr_t *walked)
{
    struct lx_pm_scan_arg a;
    long r;

    a.size = sizeof a;
    a.flags = LX_PM_SCAN_CHECK_WPASYNC | (rearm ? LX_PM_SCAN_WP_MATCHING : 0);
    a.start = start;
    a.end = end;
    a.walk_end = 0;
    a.vec = (uintptr_t)vec;
    a.vec_len = SCAN_REGIONS;
    a.max_pages = 0;
    a.category_inverted = 0;
    a.category_mask = LX_PAGE_IS_WRITTEN;
    a.category_anyof_mask = 0;
    a.return_mask = LX_PAGE_IS_WRITTEN;
    r = lx_ioctl(pm, LX_PAGEMAP_SCAN, &a);
    *walked = (uintptr_t)a.walk_end;
    return r;
}

/* 1: the kernel tracks writes; 0: it cannot, for good (no userfaultfd, no
 * asynchronous mode, no PAGEMAP_SCAN, no /proc, a sandbox); -1: not known
 * now (no descriptor or memory free), probed again next time.  On one
 * read-write scratch page of the probes (untracked: a page no userfaultfd
 * has registered), with a userfaultfd of its own, closed after (which
 * unregisters the page): asking what the library offers leaves no
 * descriptor in a process that never tracks writes. */
static int probe_track(void *untracked)
{
    struct lx_page_region vec[SCAN_REGIONS];
    size_t ps = os_page_size();
    uintptr_t walked, p = (uintptr_t)untracked;
    long fd = uffd_open(), pm, r;
    int ok;

    if (pal_sys_failed(fd))
        return refused_for_good(fd) || fd == -LX_EINVAL || fd == -LX_EOPNOTSUPP ? 0 : -1;
    pm = pagemap_open();
    if (pal_sys_failed(pm)) {
        ok = refused_for_good(pm) ? 0 : -1;
    } else {
        r = uffd_range(fd, LX_UFFDIO_REGISTER, p, ps, LX_UFFDIO_REGISTER_MODE_WP, 1);
        if (!pal_sys_failed(r))
            r = uffd_range(fd, LX_UFFDIO_WRITEPROTECT, p, ps, LX_UFFDIO_WRITEPROTECT_MODE_WP, 0);
        if (!pal_sys_failed(r)) {
            /* written, then reported so and re-armed, then clean */
            *(volatile char *)p = 1;
            r = scan(pm, p, p + ps, 1, vec, &walked);
            if (r == 1)
                r = scan(pm, p, p + ps, 1, vec, &walked);
            else if (!pal_sys_failed(r))
                r = -LX_ENOSYS; /* the write was not seen */
        }
        ok = r == 0 ? 1 : r == -LX_ENOMEM ? -1 : 0;
        pal_sys_close(pm);
    }
    pal_sys_close(fd);
    return ok;
}

/* EINVAL: a range the kernel cannot register (not mapped throughout,
 * hugetlb or a file the kernel cannot protect) or not registered (EPERM
 * from PM_SCAN_CHECK_WPASYNC): the caller's mistake. */
static int track_error(long r)
{
    return r == -LX_EINVAL || r == -LX_EPERM ? PAL_EINVAL : pal_sys_error(r);
}

int pal_os_track_writes(void *v, size_t n, int on)
{
    long fd, r;

    if (!have(PAL_FEAT_TRACK))
        return feature_error(PAL_FEAT_TRACK);
    fd = owned_fd_get(&track_uffd, uffd_open);
    if (pal_sys_failed(fd))
        return pal_sys_error(fd);
    if (!on) {
        r = uffd_range(fd, LX_UFFDIO_UNREGISTER, (uintptr_t)v, n, 0, 0);
        return pal_sys_failed(r) ? track_error(r) : PAL_OK;
    }
    /* UFFDIO_REGISTER registers the mapped parts of a range with holes
     * and succeeds; msync(MS_ASYNC), which does nothing to anonymous
     * memory, fails with ENOMEM where part of the range is not mapped */
    r = pal_sys(LX_NR_msync, (long)v, (long)n, LX_MS_ASYNC, 0, 0);
    if (pal_sys_failed(r))
        return pal_sys_error(r);
    r = uffd_range(fd, LX_UFFDIO_REGISTER, (uintptr_t)v, n, LX_UFFDIO_REGISTER_MODE_WP, 1);
    if (pal_sys_failed(r))
        return track_error(r);
    r = uffd_range(fd, LX_UFFDIO_WRITEPROTECT, (uintptr_t)v, n, LX_UFFDIO_WRITEPROTECT_MODE_WP, 0);
    if (pal_sys_failed(r)) {
        /* nothing left half-done */
        (void)uffd_range(fd, LX_UFFDIO_UNREGISTER, (uintptr_t)v, n, 0, 0);
        return track_error(r);
    }
    return PAL_OK;
}

int pal_os_written(void *v, size_t n, unsigned char *pages, int reset)
{
    struct lx_page_region vec[SCAN_REGIONS];
    size_t ps = os_page_size();
    uintptr_t start = (uintptr_t)v, end = start + n, at = start, walked, p, i;
    unsigned sh = 0;
    long pm, r;

    /* page numbers by a shift: 32-bit Arm has no divide instruction, and
     * libpal links no libgcc helper for one */
    while (((size_t)1 << sh) < ps)
        sh++;

    if (!have(PAL_FEAT_TRACK))
        return feature_error(PAL_FEAT_TRACK);
    pm = owned_fd_get(&track_pagemap, pagemap_open);
    if (pal_sys_failed(pm))
        return pal_sys_error(pm);
    while (at < end) {
        r = scan(pm, at, end, reset, vec, &walked);
        if (pal_sys_failed(r)) {
            if (at == start)
                return track_error(r);
            /* Part of the range is re-armed already and its report is in
             * pages: failing now would lose it.  The rest is reported
             * written, which the contract allows. */
            pal_os_count_fallback();
            for (p = at; p < end; p += ps)
                pages[(p - start) >> sh] = 1;
            break;
        }
        if (walked <= at || walked > end)
            walked = end;
        for (p = at; p < walked; p += ps)
            pages[(p - start) >> sh] = 0;
        for (i = 0; i < (uintptr_t)r; i++)
            for (p = (uintptr_t)vec[i].start; p < (uintptr_t)vec[i].end; p += ps)
                pages[(p - start) >> sh] = 1;
        at = walked;
    }
    return PAL_OK;
}

#endif /* PAL_MEM_LINUX_TRACK_H */
