/* loong64: `syscall 0`, number in a7, arguments in a0-a5, result in a0,
 * -4095..-1 is -errno.  The kernel may change the temporaries $t0-$t8. */
#ifndef PAL_SYSCALL_LOONG64_H
#define PAL_SYSCALL_LOONG64_H

#include "defs_loong64.h"

/* PAL_POISON_CLOBBERS (sys_linux.h): what the kernel may change, $t0-$t8. */
#ifdef PAL_POISON_CLOBBERS
#define PAL_POISON "\n\tori $t0, $zero, 0x5a5\n\tori $t1, $zero, 0x5a5" \
    "\n\tori $t2, $zero, 0x5a5\n\tori $t3, $zero, 0x5a5\n\tori $t4, $zero, 0x5a5" \
    "\n\tori $t5, $zero, 0x5a5\n\tori $t6, $zero, 0x5a5\n\tori $t7, $zero, 0x5a5" \
    "\n\tori $t8, $zero, 0x5a5"
#else
#define PAL_POISON ""
#endif

static inline long pal_syscall6(long nr, long a1, long a2, long a3, long a4,
                                long a5, long a6)
{
    register long r_a7 __asm__("$a7") = nr;
    register long r_a0 __asm__("$a0") = a1;
    register long r_a1 __asm__("$a1") = a2;
    register long r_a2 __asm__("$a2") = a3;
    register long r_a3 __asm__("$a3") = a4;
    register long r_a4 __asm__("$a4") = a5;
    register long r_a5 __asm__("$a5") = a6;

    __asm__ volatile("syscall 0" PAL_POISON
                     : "+r"(r_a0)
                     : "r"(r_a7), "r"(r_a1), "r"(r_a2), "r"(r_a3), "r"(r_a4), "r"(r_a5)
                     : "$t0", "$t1", "$t2", "$t3", "$t4", "$t5", "$t6", "$t7",
                       "$t8", "memory");
    return r_a0;
}

#endif
