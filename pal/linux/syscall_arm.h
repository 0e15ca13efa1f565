/* arm (EABI): `svc #0`, number in r7, arguments in r0-r5, result in r0,
 * -4095..-1 is -errno; the kernel preserves every other register.
 * r7 is the frame pointer in Thumb code (Debian's armhf default), so it can
 * be neither an operand nor a clobber: the asm moves it to a scratch
 * register, loads the number, and puts it back.  mmap is mmap2, its offset
 * in 4096-byte units. */
#ifndef PAL_SYSCALL_ARM_H
#define PAL_SYSCALL_ARM_H

#include "defs_arm.h"

/* Thumb-1 (-mthumb before ARMv6T2, and armv6-m) has neither the registers
 * nor the instructions: its asm operands are r0-r7 only, and r7 (its frame
 * pointer) plus six arguments and the number do not fit; and it has no
 * ldrex/strex, so the library's atomics would become calls into libgcc,
 * as they would in ARM code before ARMv6.  Say so rather than fail in the
 * assembler. */
#if defined(__thumb__) && !defined(__thumb2__)
#error "libpal: 32-bit Arm in Thumb-1 is not supported: build ARM (-marm) or Thumb-2 (ARMv6T2 and later) code"
#endif
#if defined(__ARM_ARCH) && __ARM_ARCH < 6
#error "libpal: 32-bit Arm before ARMv6 is not supported (no ldrex/strex for atomics without libgcc)"
#endif

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
