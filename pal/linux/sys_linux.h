/*
 * sys_linux.h - typed Linux system calls over one pal_syscall6(), no libc.
 *
 * The architecture is chosen here and only here: each syscall_<arch>.h
 * provides pal_syscall6() (returning the result, or -errno whatever the
 * arch's own error convention) and includes its generated defs_<arch>.h
 * with the LX_NR_*, LX_* constants and LX_E* errno values.  mmap is
 * generic below; a family says PAL_MMAP2 where mmap is mmap2, and defines
 * PAL_ARCH_MMAP where it brings its own (s390x).
 * Above this file nothing depends on the architecture.
 *
 * Every wrapper returns the kernel's result or -errno, and counts one call.
 *
 * PAL_POISON_CLOBBERS (a test build): an arch file whose kernel changes
 * registers beside the result makes PAL_POISON overwrite each of them
 * right after the trap, as a real kernel may.  qemu-user keeps them all,
 * so without this a register missing from the asm's clobbers would never
 * show; with it, the suite breaks.  The list there is the kernel's, kept
 * apart from the clobbers on purpose.
 */
#ifndef PAL_SYS_LINUX_H
#define PAL_SYS_LINUX_H

#include "../pal_os.h"

#if defined(__x86_64__) && !defined(__ILP32__)
#include "syscall_amd64.h"
#elif defined(__i386__)
#include "syscall_386.h"
#elif defined(__aarch64__) && !defined(__ILP32__)
#include "syscall_arm64.h"
#elif defined(__arm__) && defined(__ARM_EABI__)
#include "syscall_arm.h"
#elif defined(__loongarch__) && __loongarch_grlen == 64
#include "syscall_loong64.h"
#elif defined(__mips__) && defined(_ABIO32) && _MIPS_SIM == _ABIO32
#include "syscall_mips.h"
#elif defined(__mips__) && defined(_ABI64) && _MIPS_SIM == _ABI64
#include "syscall_mips64.h"
#elif defined(__powerpc64__)
#include "syscall_ppc64.h"
#elif defined(__riscv) && __riscv_xlen == 64
#include "syscall_riscv64.h"
#elif defined(__s390x__)
#include "syscall_s390x.h"
#else
#error "libpal: no Linux system call table for this architecture/ABI"
#endif

#ifndef PAL_ARCH_MMAP
/* Six arguments.  mmap2 (386, arm, mips o32) takes the offset in 4096-byte
 * units, whatever the page size: it must be a multiple of 4096. */
static inline long pal_arch_mmap(void *addr, size_t len, long prot, long flags,
                                 long fd, long off)
{
#ifdef PAL_MMAP2
    if (off & 4095)
        return -LX_EINVAL;
    off = (long)((unsigned long)off >> 12);
#endif
    return pal_syscall6(LX_NR_mmap, (long)addr, (long)len, prot, flags, fd, off);
}
#endif

/* Results in [-4095, -1] are errors on every architecture once
 * pal_syscall6() has normalised them. */
static inline int pal_sys_failed(long r)
{
    return (unsigned long)r > -4096UL;
}

/* errno -> PAL_* code.  The errno values come from defs_<arch>.h: they are
 * not the same everywhere (ENOSYS is 89 on mips, 38 elsewhere). */
static inline int pal_sys_error(long r)
{
    switch (-r) {
    case LX_EINVAL: return PAL_EINVAL;
    case LX_ENOMEM: return PAL_ENOMEM;
    case LX_EACCES: return PAL_EACCES;
    case LX_EAGAIN: return PAL_EAGAIN;
    case LX_ENOSYS: return PAL_ENOSYS;
    case LX_EEXIST: return PAL_EEXIST;
    case LX_EPERM: return PAL_EPERM;
    default: return PAL_EOS;
    }
}

static inline long pal_sys(long nr, long a1, long a2, long a3, long a4, long a5)
{
    pal_os_count_call();
    return pal_syscall6(nr, a1, a2, a3, a4, a5, 0);
}

static inline long pal_sys_mmap(void *addr, size_t len, long prot, long flags,
                                long fd, long off)
{
    pal_os_count_call();
    return pal_arch_mmap(addr, len, prot, flags, fd, off);
}

static inline long pal_sys_munmap(void *addr, size_t len)
{
    return pal_sys(LX_NR_munmap, (long)addr, (long)len, 0, 0, 0);
}

static inline long pal_sys_mprotect(void *addr, size_t len, long prot)
{
    return pal_sys(LX_NR_mprotect, (long)addr, (long)len, prot, 0, 0);
}

static inline long pal_sys_madvise(void *addr, size_t len, long advice)
{
    return pal_sys(LX_NR_madvise, (long)addr, (long)len, advice, 0, 0);
}

static inline long pal_sys_mincore(const void *addr, size_t len, unsigned char *vec)
{
    return pal_sys(LX_NR_mincore, (long)addr, (long)len, (long)vec, 0, 0);
}

static inline long pal_sys_prctl(long op, long a2, long a3, long a4, long a5)
{
    return pal_sys(LX_NR_prctl, op, a2, a3, a4, a5);
}

static inline long pal_sys_mseal(void *addr, size_t len, long flags)
{
    return pal_sys(LX_NR_mseal, (long)addr, (long)len, flags, 0, 0);
}

/* vlen iovecs (struct pal_mem_range has their layout) of the process that
 * pidfd names; the bytes advised, or -errno if none were. */
static inline long pal_sys_process_madvise(long pidfd, const struct pal_mem_range *iov,
                                           size_t vlen, long advice)
{
    return pal_sys(LX_NR_process_madvise, pidfd, (long)iov, (long)vlen, advice, 0);
}

static inline long pal_sys_getcpu(unsigned *cpu, unsigned *node)
{
    return pal_sys(LX_NR_getcpu, (long)cpu, (long)node, 0, 0, 0);
}

static inline long pal_sys_mbind(void *addr, size_t len, long mode,
                                 const unsigned long *nodemask, unsigned long maxnode)
{
    return pal_sys(LX_NR_mbind, (long)addr, (long)len, mode, (long)nodemask, (long)maxnode);
}

static inline long pal_sys_getdents64(long fd, void *buf, size_t len)
{
    return pal_sys(LX_NR_getdents64, fd, (long)buf, (long)len, 0, 0);
}

static inline long pal_sys_openat(long dirfd, const char *path, long flags)
{
    return pal_sys(LX_NR_openat, dirfd, (long)path, flags, 0, 0);
}

static inline long pal_sys_read(long fd, void *buf, size_t len)
{
    return pal_sys(LX_NR_read, fd, (long)buf, (long)len, 0, 0);
}

static inline long pal_sys_close(long fd)
{
    return pal_sys(LX_NR_close, fd, 0, 0, 0, 0);
}

#endif /* PAL_SYS_LINUX_H */
