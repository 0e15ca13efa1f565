/* s390x: `svc 0`, number in r1, arguments in r2-r7, result in r2,
 * -4095..-1 is -errno; the condition code changes.  mmap is the old
 * one-argument mmap: r2 points to six longs (addr, len, prot, flags, fd,
 * offset in bytes).  clone takes the stack first and the flags second. */
#ifndef PAL_SYSCALL_S390X_H
#define PAL_SYSCALL_S390X_H

#include "defs_s390x.h"

static inline long pal_syscall6(long nr, long a1, long a2, long a3, long a4,
                                long a5, long a6)
{
    register long r1 __asm__("r1") = nr;
    register long r2 __asm__("r2") = a1;
    register long r3 __asm__("r3") = a2;
    register long r4 __asm__("r4") = a3;
    register long r5 __asm__("r5") = a4;
    register long r6 __asm__("r6") = a5;
    register long r7 __asm__("r7") = a6;

    __asm__ volatile("svc 0"
                     : "+d"(r2)
                     : "d"(r1), "d"(r3), "d"(r4), "d"(r5), "d"(r6), "d"(r7)
                     : "memory", "cc");
    return r2;
}

/* The block is read by the kernel during the call ("memory" above makes
 * the compiler store it first). */
#define PAL_ARCH_MMAP 1 /* its own, not sys_linux.h's */
static inline long pal_arch_mmap(void *addr, size_t len, long prot, long flags,
                                 long fd, long off)
{
    long args[6] = { (long)addr, (long)len, prot, flags, fd, off };

    return pal_syscall6(LX_NR_mmap, (long)args, 0, 0, 0, 0, 0);
}

#endif
