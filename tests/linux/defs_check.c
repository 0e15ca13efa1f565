/*
 * defs_check.c - pal/linux/defs_<family>.h held against the kernel headers
 * of that family.  Not a program: host_checks.cmake compiles it with
 * -fsyntax-only once per family and header set,
 *
 *     clang-19 --target=<triple> -nostdinc -isystem <the family's asm headers>
 *              -isystem <the shared uapi headers>
 *              -DPAL_DEFS='"defs_<family>.h"' -fsyntax-only defs_check.c
 *
 * with Debian unstable's linux-libc-dev (every architecture's headers, new
 * enough for every value) and, where installed, Debian 12's (Linux 6.1).
 * Every value is a _Static_assert against the kernel's own macro, and
 * reports itself ("pal-defs check LX_...") so that the script can count
 * what was checked against which headers.  A value newer than a header set
 * reports itself absent there ("pal-defs absent LX_...: Linux N.N"); the
 * script fails a value that no header set checked.
 */
#define PAL_PRAGMA(x) _Pragma(#x)
#define PAL_REPORT(text) PAL_PRAGMA(message(text))
/* == alone would let a table's -1 pass for the kernel's ~0U (the usual
 * arithmetic conversions): the signs must agree too. */
#define PAL_CHECK(lx, kernel)                                                 \
    _Static_assert((lx) == (kernel) && ((lx) < 0) == ((kernel) < 0),         \
                   "pal-defs FAIL " #lx " != " #kernel);                      \
    PAL_REPORT("pal-defs check " #lx)
#define PAL_ABSENT(lx, release) PAL_REPORT("pal-defs absent " #lx ": " release)

#include <asm/unistd.h>
#include <linux/mman.h>
#include <asm/errno.h>
#include <asm/signal.h>
#include <linux/prctl.h>
#include <linux/fcntl.h>
#include <linux/auxvec.h>
#include <asm/resource.h>
#include <linux/uio.h>
#include <linux/mempolicy.h>
#if __has_include(<asm/hwcap.h>)
#include <asm/hwcap.h>
#endif
#include <linux/userfaultfd.h>
#include <linux/fs.h>
#if __has_include(<linux/pidfd.h>)
#include <linux/pidfd.h>
#endif

#include PAL_DEFS

/* PROT_MTE, PROT_BTI and their HWCAP2 bits are arm64's alone: the other
 * tables say 0, which the code takes as "not on this architecture".  On
 * arm64 the headers must define them. */

/* 32-bit families map through mmap2 (offset in 4096-byte units) */
#if __SIZEOF_LONG__ == 4
PAL_CHECK(LX_NR_mmap, __NR_mmap2)
#else
PAL_CHECK(LX_NR_mmap, __NR_mmap)
#endif
PAL_CHECK(LX_NR_munmap, __NR_munmap)
PAL_CHECK(LX_NR_mprotect, __NR_mprotect)
PAL_CHECK(LX_NR_madvise, __NR_madvise)
PAL_CHECK(LX_NR_mincore, __NR_mincore)
PAL_CHECK(LX_NR_prctl, __NR_prctl)
#ifdef __NR_mseal
PAL_CHECK(LX_NR_mseal, __NR_mseal)
#else
PAL_ABSENT(LX_NR_mseal, "Linux 6.10")
#endif
PAL_CHECK(LX_NR_openat, __NR_openat)
PAL_CHECK(LX_NR_read, __NR_read)
PAL_CHECK(LX_NR_write, __NR_write)
PAL_CHECK(LX_NR_close, __NR_close)
PAL_CHECK(LX_NR_exit_group, __NR_exit_group)
PAL_CHECK(LX_NR_getpid, __NR_getpid)
PAL_CHECK(LX_NR_kill, __NR_kill)
PAL_CHECK(LX_NR_clone, __NR_clone)
PAL_CHECK(LX_NR_wait4, __NR_wait4)
PAL_CHECK(LX_NR_rt_sigaction, __NR_rt_sigaction)
PAL_CHECK(LX_NR_rt_sigprocmask, __NR_rt_sigprocmask)
PAL_CHECK(LX_NR_memfd_create, __NR_memfd_create)
PAL_CHECK(LX_NR_lseek, __NR_lseek)
PAL_CHECK(LX_NR_seccomp, __NR_seccomp)
PAL_CHECK(LX_NR_copy_file_range, __NR_copy_file_range)
PAL_CHECK(LX_NR_prlimit64, __NR_prlimit64)
PAL_CHECK(LX_NR_process_madvise, __NR_process_madvise)
PAL_CHECK(LX_NR_getcpu, __NR_getcpu)
PAL_CHECK(LX_NR_mbind, __NR_mbind)
PAL_CHECK(LX_NR_getdents64, __NR_getdents64)

PAL_CHECK(LX_PROT_NONE, PROT_NONE)
PAL_CHECK(LX_PROT_READ, PROT_READ)
PAL_CHECK(LX_PROT_WRITE, PROT_WRITE)
PAL_CHECK(LX_PROT_EXEC, PROT_EXEC)
PAL_CHECK(LX_MAP_SHARED, MAP_SHARED)
PAL_CHECK(LX_MAP_PRIVATE, MAP_PRIVATE)
PAL_CHECK(LX_MAP_FIXED, MAP_FIXED)
PAL_CHECK(LX_MAP_ANONYMOUS, MAP_ANONYMOUS)
PAL_CHECK(LX_MAP_NORESERVE, MAP_NORESERVE)
PAL_CHECK(LX_MAP_FIXED_NOREPLACE, MAP_FIXED_NOREPLACE)
PAL_CHECK(LX_MADV_DONTNEED, MADV_DONTNEED)
PAL_CHECK(LX_MADV_FREE, MADV_FREE)
PAL_CHECK(LX_MADV_DONTDUMP, MADV_DONTDUMP)
PAL_CHECK(LX_MADV_DODUMP, MADV_DODUMP)
PAL_CHECK(LX_MADV_HUGEPAGE, MADV_HUGEPAGE)
PAL_CHECK(LX_MADV_NOHUGEPAGE, MADV_NOHUGEPAGE)
PAL_CHECK(LX_MADV_COLLAPSE, MADV_COLLAPSE)
#ifdef MADV_GUARD_INSTALL
PAL_CHECK(LX_MADV_GUARD_INSTALL, MADV_GUARD_INSTALL)
#else
PAL_ABSENT(LX_MADV_GUARD_INSTALL, "Linux 6.13")
#endif
#ifdef MADV_GUARD_REMOVE
PAL_CHECK(LX_MADV_GUARD_REMOVE, MADV_GUARD_REMOVE)
#else
PAL_ABSENT(LX_MADV_GUARD_REMOVE, "Linux 6.13")
#endif
PAL_CHECK(LX_MADV_POPULATE_WRITE, MADV_POPULATE_WRITE)
PAL_CHECK(LX_MAP_HUGETLB, MAP_HUGETLB)
PAL_CHECK(LX_MAP_HUGE_SHIFT, MAP_HUGE_SHIFT)
PAL_CHECK(LX_UIO_MAXIOV, UIO_MAXIOV)
#ifdef PIDFD_SELF_THREAD
PAL_CHECK(LX_PIDFD_SELF_THREAD, PIDFD_SELF_THREAD)
#else
PAL_ABSENT(LX_PIDFD_SELF_THREAD, "Linux 6.14")
#endif
PAL_CHECK(LX_MPOL_DEFAULT, MPOL_DEFAULT)
PAL_CHECK(LX_MPOL_PREFERRED, MPOL_PREFERRED)
PAL_CHECK(LX_AT_HWCAP2, AT_HWCAP2)
#if defined(PROT_MTE) || defined(__aarch64__)
PAL_CHECK(LX_PROT_MTE, PROT_MTE)
#else
PAL_CHECK(LX_PROT_MTE, 0)
#endif
#if defined(PROT_BTI) || defined(__aarch64__)
PAL_CHECK(LX_PROT_BTI, PROT_BTI)
#else
PAL_CHECK(LX_PROT_BTI, 0)
#endif
#if defined(HWCAP2_MTE) || defined(__aarch64__)
PAL_CHECK(LX_HWCAP2_MTE, HWCAP2_MTE)
#else
PAL_CHECK(LX_HWCAP2_MTE, 0)
#endif
#if defined(HWCAP2_BTI) || defined(__aarch64__)
PAL_CHECK(LX_HWCAP2_BTI, HWCAP2_BTI)
#else
PAL_CHECK(LX_HWCAP2_BTI, 0)
#endif
PAL_CHECK(LX_PR_SET_VMA, PR_SET_VMA)
PAL_CHECK(LX_PR_SET_VMA_ANON_NAME, PR_SET_VMA_ANON_NAME)
PAL_CHECK(LX_O_RDONLY, O_RDONLY)
PAL_CHECK(LX_O_CLOEXEC, O_CLOEXEC)
PAL_CHECK(LX_O_DIRECTORY, O_DIRECTORY)
PAL_CHECK(LX_AT_FDCWD, AT_FDCWD)
PAL_CHECK(LX_AT_PAGESZ, AT_PAGESZ)
PAL_CHECK(LX_SIGCHLD, SIGCHLD)
PAL_CHECK(LX_SIGSEGV, SIGSEGV)
PAL_CHECK(LX_SIGBUS, SIGBUS)
PAL_CHECK(LX_SIGKILL, SIGKILL)
PAL_CHECK(LX_RLIMIT_CORE, RLIMIT_CORE)

PAL_CHECK(LX_EPERM, EPERM)
PAL_CHECK(LX_ENOENT, ENOENT)
PAL_CHECK(LX_EINTR, EINTR)
PAL_CHECK(LX_EBADF, EBADF)
PAL_CHECK(LX_EAGAIN, EAGAIN)
PAL_CHECK(LX_ENOMEM, ENOMEM)
PAL_CHECK(LX_EACCES, EACCES)
PAL_CHECK(LX_EFAULT, EFAULT)
PAL_CHECK(LX_EBUSY, EBUSY)
PAL_CHECK(LX_EEXIST, EEXIST)
PAL_CHECK(LX_EXDEV, EXDEV)
PAL_CHECK(LX_EINVAL, EINVAL)
PAL_CHECK(LX_ENOSYS, ENOSYS)
PAL_CHECK(LX_EOPNOTSUPP, EOPNOTSUPP)

/* write tracking: userfaultfd is older than every kernel the library runs
 * on; asynchronous write-protection and PAGEMAP_SCAN came with 6.7 */
PAL_CHECK(LX_NR_ioctl, __NR_ioctl)
PAL_CHECK(LX_NR_userfaultfd, __NR_userfaultfd)
PAL_CHECK(LX_NR_msync, __NR_msync)
PAL_CHECK(LX_MS_ASYNC, MS_ASYNC)
PAL_CHECK(LX_O_NONBLOCK, O_NONBLOCK)
PAL_CHECK(LX_UFFD_API, UFFD_API)
PAL_CHECK(LX_UFFD_USER_MODE_ONLY, UFFD_USER_MODE_ONLY)
PAL_CHECK(LX_UFFDIO_REGISTER_MODE_WP, UFFDIO_REGISTER_MODE_WP)
PAL_CHECK(LX_UFFDIO_WRITEPROTECT_MODE_WP, UFFDIO_WRITEPROTECT_MODE_WP)
PAL_CHECK(LX_UFFDIO_API, UFFDIO_API)
PAL_CHECK(LX_UFFDIO_REGISTER, UFFDIO_REGISTER)
PAL_CHECK(LX_UFFDIO_UNREGISTER, UFFDIO_UNREGISTER)
PAL_CHECK(LX_UFFDIO_WRITEPROTECT, UFFDIO_WRITEPROTECT)
PAL_CHECK(LX_SIZEOF_uffdio_api, sizeof(struct uffdio_api))
PAL_CHECK(LX_SIZEOF_uffdio_register, sizeof(struct uffdio_register))
PAL_CHECK(LX_SIZEOF_uffdio_writeprotect, sizeof(struct uffdio_writeprotect))
#ifdef UFFD_FEATURE_WP_ASYNC
PAL_CHECK(LX_UFFD_FEATURE_WP_ASYNC, UFFD_FEATURE_WP_ASYNC)
#else
PAL_ABSENT(LX_UFFD_FEATURE_WP_ASYNC, "Linux 6.7")
#endif
#ifdef PAGEMAP_SCAN
PAL_CHECK(LX_PAGEMAP_SCAN, PAGEMAP_SCAN)
PAL_CHECK(LX_PM_SCAN_WP_MATCHING, PM_SCAN_WP_MATCHING)
PAL_CHECK(LX_PM_SCAN_CHECK_WPASYNC, PM_SCAN_CHECK_WPASYNC)
PAL_CHECK(LX_PAGE_IS_WRITTEN, PAGE_IS_WRITTEN)
PAL_CHECK(LX_SIZEOF_pm_scan_arg, sizeof(struct pm_scan_arg))
PAL_CHECK(LX_SIZEOF_page_region, sizeof(struct page_region))
#else
PAL_ABSENT(LX_PAGEMAP_SCAN, "Linux 6.7")
PAL_ABSENT(LX_PM_SCAN_WP_MATCHING, "Linux 6.7")
PAL_ABSENT(LX_PM_SCAN_CHECK_WPASYNC, "Linux 6.7")
PAL_ABSENT(LX_PAGE_IS_WRITTEN, "Linux 6.7")
PAL_ABSENT(LX_SIZEOF_pm_scan_arg, "Linux 6.7")
PAL_ABSENT(LX_SIZEOF_page_region, "Linux 6.7")
#endif
