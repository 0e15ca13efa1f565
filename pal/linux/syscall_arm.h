/* arm (EABI): `svc #0`, number in r7, arguments in r0-r5, result in r0,
 * -4095..-1 is -errno; the kernel preserves every other register.
 * r7 is the frame pointer in Thumb code (Debian's armhf default), so it can
 * be neither an operand nor a clobber: the asm moves it to a scratch
 * register, loads the number, and puts it back.  mmap is mmap2, its offset
 * in 4096-byte units. */
#ifndef PAL_SYSCALL_ARM_H
#define PAL_SYSCALL_ARM_H

#include "defs_arm.h"

static inline long pal_syscall6(long nr, long a1, long a2, long a3, long a4,
                                long a5, long a6)
{
    register long r0 __asm__("r0") = a1;
    register long r1 __asm__("r1") = a2;
    register long r2 __asm__("r2") = a3;
    register long r3 __asm__("r3") = a4;
    register long r4 __asm__("r4") = a5;
    register long r5 __asm__("r5") = a6;
    long saved_r7;

    __asm__ volatile("mov %[save], r7\n\t"
                     "mov r7, %[nr]\n\t"
                     "svc #0\n\t"
                     "mov r7, %[save]"
                     : "+r"(r0), [save] "=&r"(saved_r7)
                     : [nr] "r"(nr), "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5)
                     : "memory");
    return r0;
}

/* mmap is mmap2: the generic pal_arch_mmap in sys_linux.h shifts the offset. */
#define PAL_MMAP2 1

#endif
