/* mips64 n64: `syscall`, number in v0 ($2, 5000 + n), arguments in
 * $4-$9 (a0-a5), result in v0; a3 ($7) set means failure, v0 then holding
 * a positive errno (a few paths return it already negative: both are
 * taken).  The kernel may change $1 $3 $10-$15 $24 $25 hi lo.  Kernels
 * before 2.6.36 restart an interrupted call at the instruction before
 * `syscall`, so that one loads v0. */
#ifndef PAL_SYSCALL_MIPS64_H
#define PAL_SYSCALL_MIPS64_H

#include "defs_mips64.h"

#if __mips_isa_rev >= 6
#define PAL_POISON_HILO ""
#else
#define PAL_POISON_HILO "\n\tmthi $24\n\tmtlo $24"
#endif

/* PAL_POISON_CLOBBERS (sys_linux.h): what the kernel may change, $1 $3
 * $10-$15 $24 $25 hi lo. */
#ifdef PAL_POISON_CLOBBERS
#define PAL_POISON "\n\t.set push\n\t.set noat\n\tli $1, 0x5a5\n\tli $3, 0x5a5" \
    "\n\tli $10, 0x5a5\n\tli $11, 0x5a5" \
    "\n\tli $12, 0x5a5\n\tli $13, 0x5a5\n\tli $14, 0x5a5\n\tli $15, 0x5a5" \
    "\n\tli $24, 0x5a5\n\tli $25, 0x5a5" PAL_POISON_HILO "\n\t.set pop"
#else
#define PAL_POISON ""
#endif

/* What the kernel may change; release 6 has no hi/lo (and compilers
 * refuse to name them there). */
#if __mips_isa_rev >= 6
#define PAL_MIPS_CLOBBERS "$1", "$3", "$10", "$11", "$12", "$13", "$14", "$15", "$24", "$25", "memory"
#else
#define PAL_MIPS_CLOBBERS "$1", "$3", "$10", "$11", "$12", "$13", "$14", "$15", "$24", "$25", "hi", "lo", "memory"
#endif

static inline long pal_syscall6(long nr, long a1, long a2, long a3, long a4,
                                long a5, long a6)
{
    register long v0 __asm__("$2");
    register long r4 __asm__("$4") = a1;
    register long r5 __asm__("$5") = a2;
    register long r6 __asm__("$6") = a3;
    register long r7 __asm__("$7") = a4;
    register long r8 __asm__("$8") = a5;
    register long r9 __asm__("$9") = a6;

    __asm__ volatile("move $2, %[nr]\n\t"
                     "syscall" PAL_POISON
                     : "=&r"(v0), "+r"(r7)
                     : [nr] "r"(nr), "r"(r4), "r"(r5), "r"(r6), "r"(r8), "r"(r9)
                     : PAL_MIPS_CLOBBERS);
    return r7 != 0 && v0 > 0 ? -v0 : v0;
}

#endif
