/* ppc64 (big-endian ELFv1 and little-endian ELFv2 alike): `sc`, number in
 * r0, arguments in r3-r8, result in r3; cr0.SO set means failure, r3 then
 * holding a positive errno, negated here (`bns+` skips the `neg` on
 * success).  The kernel changes r0, r4-r12, ctr, xer and cr0. */
#ifndef PAL_SYSCALL_PPC64_H
#define PAL_SYSCALL_PPC64_H

#include "defs_ppc64.h"

/* PAL_POISON_CLOBBERS (sys_linux.h): what the kernel may change, r0,
 * r4-r12, ctr, xer and cr0, once cr0.SO is read. */
#ifdef PAL_POISON_CLOBBERS
#define PAL_POISON "\n\tli 0, 0x5a5\n\tli 4, 0x5a5\n\tli 5, 0x5a5\n\tli 6, 0x5a5" \
    "\n\tli 7, 0x5a5\n\tli 8, 0x5a5\n\tli 9, 0x5a5\n\tli 10, 0x5a5" \
    "\n\tli 11, 0x5a5\n\tli 12, 0x5a5\n\tmtctr 9\n\tmtxer 9\n\tcmpdi 9, 0"
#else
#define PAL_POISON ""
#endif

static inline long pal_syscall6(long nr, long a1, long a2, long a3, long a4,
                                long a5, long a6)
{
    register long r0 __asm__("r0") = nr;
    register long r3 __asm__("r3") = a1;
    register long r4 __asm__("r4") = a2;
    register long r5 __asm__("r5") = a3;
    register long r6 __asm__("r6") = a4;
    register long r7 __asm__("r7") = a5;
    register long r8 __asm__("r8") = a6;

    __asm__ volatile("sc\n\t"
                     "bns+ 1f\n\t"
                     "neg %1, %1\n"
                     "1:" PAL_POISON
                     : "+r"(r0), "+r"(r3), "+r"(r4), "+r"(r5), "+r"(r6), "+r"(r7),
                       "+r"(r8)
                     :
                     : "r9", "r10", "r11", "r12", "ctr", "xer", "cr0", "memory");
    return r3;
}

#endif
