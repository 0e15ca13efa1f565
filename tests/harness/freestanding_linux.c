/*
 * freestanding_linux.c - the platform file where there is no libc: its own
 * entry point, and output, child processes and exit through the library's
 * raw system calls (pal_syscall6, so the harness adds nothing to the
 * library's call counters).
 *
 * _start, per architecture, passes the initial stack pointer to
 * th_start_c() on a stack aligned as the ABI wants, with a zero frame
 * pointer / return address / back chain so that nothing unwinds past it.
 * The kernel leaves at that address argc, then argv[] and NULL, then
 * envp[] and NULL.
 */
#include "pal_test.h"
#include "linux/sys_linux.h"

extern char **th_environ;
int th_main(int argc, char **argv);
void th_start_c(long *sp) __attribute__((noreturn, used));

#if defined(__x86_64__)
__asm__(".pushsection .text\n"
        ".globl _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "  xor %ebp, %ebp\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"        /* 16-byte aligned at the call */
        "  call th_start_c\n"
        "  hlt\n"
        ".popsection");
#elif defined(__i386__)
__asm__(".pushsection .text\n"
        ".globl _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "  xor %ebp, %ebp\n"
        "  mov %esp, %eax\n"
        "  and $-16, %esp\n"
        "  sub $12, %esp\n"         /* 16-byte aligned at the call, */
        "  push %eax\n"             /* the argument on the stack */
        "  call th_start_c\n"
        "  hlt\n"
        ".popsection");
#elif defined(__arm__)
/* Instructions valid in ARM and Thumb-2 alike: the file may be either. */
__asm__(".pushsection .text\n"
        ".globl _start\n"
        ".type _start, %function\n"
        "_start:\n"
        "  mov r0, sp\n"
        "  bic r1, r0, #15\n"
        "  mov sp, r1\n"
        "  mov r1, #0\n"
        "  mov fp, r1\n"
        "  mov lr, r1\n"
        "  bl th_start_c\n"
        ".popsection");
#elif defined(__aarch64__)
__asm__(".pushsection .text\n"
        ".globl _start\n"
        ".type _start, %function\n"
        "_start:\n"
        "  mov x29, #0\n"
        "  mov x30, #0\n"
        "  mov x0, sp\n"
        "  and sp, x0, #-16\n"
        "  bl th_start_c\n"
        ".popsection");
#elif defined(__loongarch__)
__asm__(".pushsection .text\n"
        ".globl _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "  move $fp, $zero\n"
        "  move $ra, $zero\n"
        "  move $a0, $sp\n"
        "  bstrins.d $sp, $zero, 3, 0\n" /* clear the low 4 bits */
        "  bl th_start_c\n"
        ".popsection");
#elif defined(__mips__) && _MIPS_SIM == _ABIO32
/* Absolute addresses, spelled out (the executable is static, not PIE):
 * `.option pic0` would let `la` do it, but it outlives `.set pop` and
 * turns the compiler's .cpload/.cprestore in the rest of the file into
 * nothing.  $gp = _gp: code built for executables (-mno-shared) reaches
 * the GOT through $gp without setting it; $t9 = the callee, from which PIC
 * code derives $gp; 16 bytes for the callee to spill a0-a3. */
__asm__(".pushsection .text\n"
        ".globl __start\n"
        ".type __start, @function\n"
        ".set push\n"
        ".set noreorder\n"
        "__start:\n"
        "  move $a0, $sp\n"
        "  li $t0, -16\n"
        "  and $sp, $sp, $t0\n"
        "  addiu $sp, $sp, -16\n"
        "  move $fp, $zero\n"
        "  move $ra, $zero\n"
        "  lui $gp, %hi(_gp)\n"
        "  addiu $gp, $gp, %lo(_gp)\n"
        "  lui $t9, %hi(th_start_c)\n"
        "  addiu $t9, $t9, %lo(th_start_c)\n"
        "  jalr $t9\n"
        "  nop\n"
        ".set pop\n"
        ".popsection");
#elif defined(__mips__) && _MIPS_SIM == _ABI64
/* As o32, with 64-bit addresses and no spill area. */
__asm__(".pushsection .text\n"
        ".globl __start\n"
        ".type __start, @function\n"
        ".set push\n"
        ".set noreorder\n"
        "__start:\n"
        "  move $a0, $sp\n"
        "  li $t0, -16\n"
        "  and $sp, $sp, $t0\n"
        "  move $fp, $zero\n"
        "  move $ra, $zero\n"
        "  lui $gp, %highest(_gp)\n"
        "  daddiu $gp, $gp, %higher(_gp)\n"
        "  dsll $gp, $gp, 16\n"
        "  daddiu $gp, $gp, %hi(_gp)\n"
        "  dsll $gp, $gp, 16\n"
        "  daddiu $gp, $gp, %lo(_gp)\n"
        "  lui $t9, %highest(th_start_c)\n"
        "  daddiu $t9, $t9, %higher(th_start_c)\n"
        "  dsll $t9, $t9, 16\n"
        "  daddiu $t9, $t9, %hi(th_start_c)\n"
        "  dsll $t9, $t9, 16\n"
        "  daddiu $t9, $t9, %lo(th_start_c)\n"
        "  jalr $t9\n"
        "  nop\n"
        ".set pop\n"
        ".popsection");
#elif defined(__powerpc64__) && _CALL_ELF == 2
/* ELFv2: the TOC pointer (r2) from our own address; a 32-byte minimal
 * frame with a zero back chain. */
__asm__(".pushsection .text\n"
        ".globl _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "  bcl 20, 31, 1f\n"
        "1:\n"
        "  mflr 2\n"
        "  addis 2, 2, .TOC.-1b@ha\n"
        "  addi 2, 2, .TOC.-1b@l\n"
        "  mr 3, 1\n"
        "  clrrdi 1, 1, 4\n"
        "  li 0, 0\n"
        "  stdu 0, -32(1)\n"
        "  bl th_start_c\n"
        "  nop\n"
        ".popsection");
#elif defined(__powerpc64__)
/* ELFv1: the entry point is a function descriptor (code, TOC, env) from
 * which the kernel loads r2; a 112-byte minimal frame with a zero back
 * chain. */
__asm__(".pushsection .opd, \"aw\"\n"
        ".align 3\n"
        ".globl _start\n"
        "_start:\n"
        "  .quad .L_start_code, .TOC.@tocbase, 0\n"
        ".popsection\n"
        ".pushsection .text\n"
        ".L_start_code:\n"
        "  mr 3, 1\n"
        "  clrrdi 1, 1, 4\n"
        "  li 0, 0\n"
        "  stdu 0, -112(1)\n"
        "  bl th_start_c\n"
        "  nop\n"
        ".popsection");
#elif defined(__riscv) && __riscv_xlen == 64
/* gp first: the linker may have relaxed accesses to be gp-relative. */
__asm__(".pushsection .text\n"
        ".globl _start\n"
        ".type _start, @function\n"
        "_start:\n"
        ".option push\n"
        ".option norelax\n"
        "  lla gp, __global_pointer$\n"
        ".option pop\n"
        "  mv a0, sp\n"
        "  andi sp, sp, -16\n"
        "  li fp, 0\n"
        "  li ra, 0\n"
        "  call th_start_c\n"
        ".popsection");
#elif defined(__s390x__)
/* A 160-byte register save area with a zero back chain. */
__asm__(".pushsection .text\n"
        ".globl _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "  lgr %r2, %r15\n"
        "  aghi %r15, -160\n"
        "  nill %r15, 0xfff8\n"
        "  xc 0(8, %r15), 0(%r15)\n"
        "  brasl %r14, th_start_c\n"
        ".popsection");
#else
#error "freestanding harness: no _start for this architecture"
#endif

static void exit_group(long code)
{
    for (;;)
        pal_syscall6(LX_NR_exit_group, code, 0, 0, 0, 0, 0);
}

void th_start_c(long *sp)
{
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);

    th_environ = argv + argc + 1;
    exit_group(th_main(argc, argv));
    __builtin_unreachable();
}

void th_write(const char *s, size_t n)
{
    while (n > 0) {
        long w = pal_syscall6(LX_NR_write, 1, (long)s, (long)n, 0, 0, 0);

        if (w == -LX_EINTR)
            continue;
        if (pal_sys_failed(w) || w == 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* fork as clone(SIGCHLD, no new stack).  Only the harness forks, so this
 * is here and not in the library's sys_linux.h; s390x takes clone's first
 * two arguments the other way round. */
static long fork_process(void)
{
#if defined(__s390x__)
    return pal_syscall6(LX_NR_clone, 0, LX_SIGCHLD, 0, 0, 0, 0);
#else
    return pal_syscall6(LX_NR_clone, LX_SIGCHLD, 0, 0, 0, 0, 0);
#endif
}

int th_child(int (*fn)(void *), void *arg)
{
    int status = 0;
    long pid = fork_process(), r;

    if (pal_sys_failed(pid))
        return TH_CHILD_NONE;
    if (pid == 0) {
        /* expected crashes: no core dumps */
        unsigned long long no_core[2] = { 0, 0 };

        pal_syscall6(LX_NR_prlimit64, 0, LX_RLIMIT_CORE, (long)no_core, 0, 0, 0);
        exit_group(fn(arg));
    }
    do
        r = pal_syscall6(LX_NR_wait4, pid, (long)&status, 0, 0, 0, 0);
    while (r == -LX_EINTR);
    if (r != pid)
        return TH_CHILD_NONE;
    if ((status & 0x7f) != 0) /* killed by a signal */
        return TH_CHILD_SIGNAL(status & 0x7f);
    return TH_CHILD_EXIT((status >> 8) & 0xff);
}

int th_faults(volatile void *addr, int write)
{
    return th_faults_in_child(addr, write, LX_SIGSEGV, LX_SIGBUS);
}

/* libgcc's division-by-zero handlers (arm's __aeabi_ldiv0) call libc's
 * raise. */
int raise(int sig)
{
    long pid = pal_syscall6(LX_NR_getpid, 0, 0, 0, 0, 0, 0);

    return (int)pal_syscall6(LX_NR_kill, pid, sig, 0, 0, 0, 0);
}

/* The compilers may call these four even in freestanding code (struct
 * copies, large initialisers).  Byte loops through volatile pointers, so
 * that they are not themselves turned back into calls to memset/memcpy. */
void *memset(void *d, int c, size_t n)
{
    volatile unsigned char *p = d;

    while (n-- > 0)
        *p++ = (unsigned char)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    volatile unsigned char *p = d;
    const volatile unsigned char *q = s;

    while (n-- > 0)
        *p++ = *q++;
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    volatile unsigned char *p = d;
    const volatile unsigned char *q = s;

    if (p <= q || p >= q + n)
        return memcpy(d, s, n);
    while (n-- > 0)
        p[n] = q[n];
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const volatile unsigned char *p = a, *q = b;
    size_t i;

    for (i = 0; i < n; i++)
        if (p[i] != q[i])
            return p[i] - q[i];
    return 0;
}
