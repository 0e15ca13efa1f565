/* i386: `int $0x80`, number in eax, arguments in ebx ecx edx esi edi ebp,
 * result in eax, -4095..-1 is -errno; every other register is preserved.
 * ebp cannot be an asm operand (the frame pointer) and ebx may be the PIC
 * register, so neither is named: the number, the 1st and the 6th argument
 * travel in a small block whose address is in eax, and the asm saves ebx and
 * ebp around the call.  mmap is mmap2, its offset in 4096-byte units. */
#ifndef PAL_SYSCALL_386_H
#define PAL_SYSCALL_386_H

#include "defs_386.h"

static inline long pal_syscall6(long nr, long a1, long a2, long a3, long a4,
                                long a5, long a6)
{
    long blk[3] = { nr, a1, a6 };
    long ret;

    __asm__ volatile("push %%ebp\n\t"
                     "push %%ebx\n\t"
                     "mov 4(%%eax), %%ebx\n\t"
                     "mov 8(%%eax), %%ebp\n\t"
                     "mov 0(%%eax), %%eax\n\t"
                     "int $0x80\n\t"
                     "pop %%ebx\n\t"
                     "pop %%ebp"
                     : "=a"(ret)
                     : "a"(blk), "c"(a2), "d"(a3), "S"(a4), "D"(a5)
                     : "memory", "cc");
    return ret;
}

/* mmap is mmap2: the generic pal_arch_mmap in sys_linux.h shifts the offset. */
#define PAL_MMAP2 1

#endif
