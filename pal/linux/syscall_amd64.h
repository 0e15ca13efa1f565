/* x86-64: `syscall`, number in rax, arguments in rdi rsi rdx r10 r8 r9,
 * result in rax, -4095..-1 is -errno.  The instruction itself overwrites rcx
 * (return address) and r11 (saved rflags). */
#ifndef PAL_SYSCALL_AMD64_H
#define PAL_SYSCALL_AMD64_H

#include "defs_amd64.h"

/* PAL_POISON_CLOBBERS (sys_linux.h): what `syscall` may change, rcx and r11. */
#ifdef PAL_POISON_CLOBBERS
#define PAL_POISON "\n\tmov $0x5a5a5a5a, %%rcx\n\tmov %%rcx, %%r11"
#else
#define PAL_POISON ""
#endif

static inline long pal_syscall6(long nr, long a1, long a2, long a3, long a4,
                                long a5, long a6)
{
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    long ret;

    __asm__ volatile("syscall" PAL_POISON
                     : "=a"(ret)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory", "cc");
    return ret;
}

#endif
