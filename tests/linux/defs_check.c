/*
 * defs_check.c - pal/linux/defs_<family>.h held against the kernel headers
 * of that family.  Not a program: host_checks.cmake compiles it with
 * -fsyntax-only once per family,
 *
 *     clang-19 --target=<triple> -nostdinc -isystem <the family's uapi headers>
 *              -DPAL_DEFS='"defs_<family>.h"' -fsyntax-only defs_check.c
 *
 * Every value is a _Static_assert against the kernel's own macro, and
 * reports itself ("pal-defs check LX_...") so that the script can count
 * what passed and notice a value nobody checks.  Values newer than the
 * headers are checked where the headers have them and otherwise reported
 * as skipped with the release that added them.
 *
 * loong64 has no headers in Debian: -DPAL_DEFS_REF='"defs_arm64.h"' holds
 * it against arm64's table instead (both are the asm-generic numbering).
 */
#define PAL_PRAGMA(x) _Pragma(#x)
#define PAL_REPORT(text) PAL_PRAGMA(message(text))
/* == alone would let a table's -1 pass for the kernel's ~0U (the usual
 * arithmetic conversions): the signs must agree too. */
#define PAL_CHECK(lx, kernel)                                                 \
    _Static_assert((lx) == (kernel) && ((lx) < 0) == ((kernel) < 0),         \
                   "pal-defs FAIL " #lx " != " #kernel);                      \
    PAL_REPORT("pal-defs check " #lx)
#define PAL_SKIP(lx, why) PAL_REPORT("pal-defs skip " #lx ": " why)

#ifndef PAL_DEFS_REF

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
#if __has_include(<linux/pidfd.h>)
#include <linux/pidfd.h>
#endif

#include PAL_DEFS

/* PROT_MTE, PROT_BTI and their HWCAP2 bits are arm64's alone: the other
 * tables say 0, which the code takes as "not on this architecture". */

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
PAL_SKIP(LX_NR_mseal, "Linux 6.10, newer than these headers")
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
PAL_CHECK(LX_MADV_HUGEPAGE, MADV_HUGEPAGE)
PAL_CHECK(LX_MADV_NOHUGEPAGE, MADV_NOHUGEPAGE)
PAL_CHECK(LX_MADV_COLLAPSE, MADV_COLLAPSE)
#ifdef MADV_GUARD_INSTALL
PAL_CHECK(LX_MADV_GUARD_INSTALL, MADV_GUARD_INSTALL)
#else
PAL_SKIP(LX_MADV_GUARD_INSTALL, "Linux 6.13, newer than these headers")
#endif
#ifdef MADV_GUARD_REMOVE
PAL_CHECK(LX_MADV_GUARD_REMOVE, MADV_GUARD_REMOVE)
#else
PAL_SKIP(LX_MADV_GUARD_REMOVE, "Linux 6.13, newer than these headers")
#endif
PAL_CHECK(LX_MADV_POPULATE_WRITE, MADV_POPULATE_WRITE)
PAL_CHECK(LX_MAP_HUGETLB, MAP_HUGETLB)
PAL_CHECK(LX_MAP_HUGE_SHIFT, MAP_HUGE_SHIFT)
PAL_CHECK(LX_UIO_MAXIOV, UIO_MAXIOV)
#ifdef PIDFD_SELF_THREAD
PAL_CHECK(LX_PIDFD_SELF_THREAD, PIDFD_SELF_THREAD)
#else
PAL_SKIP(LX_PIDFD_SELF_THREAD, "Linux 6.14, newer than these headers")
#endif
PAL_CHECK(LX_MPOL_PREFERRED, MPOL_PREFERRED)
PAL_CHECK(LX_AT_HWCAP2, AT_HWCAP2)
#ifdef PROT_MTE
PAL_CHECK(LX_PROT_MTE, PROT_MTE)
#else
PAL_CHECK(LX_PROT_MTE, 0)
#endif
#ifdef PROT_BTI
PAL_CHECK(LX_PROT_BTI, PROT_BTI)
#else
PAL_CHECK(LX_PROT_BTI, 0)
#endif
#ifdef HWCAP2_MTE
PAL_CHECK(LX_HWCAP2_MTE, HWCAP2_MTE)
#else
PAL_CHECK(LX_HWCAP2_MTE, 0)
#endif
#ifdef HWCAP2_BTI
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

#else /* PAL_DEFS_REF: one table against another */

/* Every name, to be captured from the reference table and compared. */
#define PAL_NAMES(X)                                                          \
    X(NR_mmap) X(NR_munmap) X(NR_mprotect) X(NR_madvise) X(NR_mincore)        \
    X(NR_prctl) X(NR_mseal) X(NR_openat) X(NR_read) X(NR_write) X(NR_close)   \
    X(NR_exit_group) X(NR_getpid) X(NR_kill) X(NR_clone) X(NR_wait4)          \
    X(NR_rt_sigaction) X(NR_rt_sigprocmask) X(NR_memfd_create) X(NR_lseek)    \
    X(NR_seccomp) X(NR_prlimit64) X(NR_copy_file_range)                      \
    X(NR_process_madvise) X(NR_getcpu) X(NR_mbind) X(NR_getdents64)          \
    X(PROT_NONE) X(PROT_READ) X(PROT_WRITE) X(PROT_EXEC) X(MAP_SHARED)        \
    X(MAP_PRIVATE) X(MAP_FIXED) X(MAP_ANONYMOUS) X(MAP_NORESERVE)             \
    X(MAP_FIXED_NOREPLACE) X(MADV_DONTNEED) X(MADV_FREE) X(MADV_HUGEPAGE)     \
    X(MADV_NOHUGEPAGE) X(MADV_COLLAPSE) X(MADV_GUARD_INSTALL)                 \
    X(MADV_GUARD_REMOVE) X(PR_SET_VMA) X(PR_SET_VMA_ANON_NAME) X(O_RDONLY)    \
    X(O_CLOEXEC) X(O_DIRECTORY) X(AT_FDCWD) X(AT_PAGESZ) X(SIGCHLD) X(SIGSEGV) X(SIGBUS)     \
    X(SIGKILL) X(RLIMIT_CORE)                                                 \
    X(MADV_POPULATE_WRITE) X(MAP_HUGETLB) X(MAP_HUGE_SHIFT) X(UIO_MAXIOV)     \
    X(PIDFD_SELF_THREAD) X(MPOL_PREFERRED) X(AT_HWCAP2)                 \
    X(EPERM) X(ENOENT) X(EINTR) X(EBADF) X(EAGAIN) X(ENOMEM) X(EACCES)        \
    X(EFAULT) X(EBUSY) X(EEXIST) X(EXDEV) X(EINVAL) X(ENOSYS) X(EOPNOTSUPP)

#include PAL_DEFS_REF
#define PAL_CAPTURE(n) pal_ref_##n = LX_##n,
enum pal_ref { PAL_NAMES(PAL_CAPTURE) pal_ref_end };

/* The table under test redefines every LX_ macro: the identical ones
 * silently, the differing ones with a warning that is not the point (the
 * assertion below names them). */
#pragma GCC diagnostic ignored "-Wmacro-redefined"
#include PAL_DEFS
#define PAL_COMPARE(n) PAL_CHECK(LX_##n, pal_ref_##n)
PAL_NAMES(PAL_COMPARE)
/* arm64's own: not loongarch's */
PAL_CHECK(LX_PROT_MTE, 0)
PAL_CHECK(LX_PROT_BTI, 0)
PAL_CHECK(LX_HWCAP2_MTE, 0)
PAL_CHECK(LX_HWCAP2_BTI, 0)

#endif
