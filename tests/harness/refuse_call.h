/*
 * refuse_call.h - for the backends' tests on Linux: make one system call
 * fail, in a child, the way another OS's kernel would (AIX refusing
 * MAP_FIXED over a mapping, OpenBSD refusing W^X), with a seccomp filter.
 */
#ifndef PAL_TEST_REFUSE_CALL_H
#define PAL_TEST_REFUSE_CALL_H

#if defined(__linux__) && defined(__LP64__)
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

/* In a child: from now on system call nr fails with errno e whenever its
 * argument arg has any of bits set.  0, or -1 where seccomp cannot be
 * used (qemu-user). */
static inline int refuse_call(long nr, unsigned arg, uint32_t bits, int e)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    const unsigned lo = 4;
#else
    const unsigned lo = 0;
#endif
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                 (uint32_t)(offsetof(struct seccomp_data, args) + 8 * arg + lo)),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, bits, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((uint32_t)e & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { (unsigned short)(sizeof f / sizeof f[0]), f };

    if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0 ||
        prctl(PR_SET_SECCOMP, (long)SECCOMP_MODE_FILTER, (long)&prog, 0L, 0L) != 0)
        return -1;
    return 0;
}
#endif

#endif
