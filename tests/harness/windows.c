/*
 * windows.c - the Windows platform file: output through WriteFile, the
 * environment from GetEnvironmentStringsA, and fault probes under a
 * vectored exception handler.  There is no fork: th_child has no child to
 * offer, and th_faults watches one access in this process instead.
 *
 * The probes are two single instructions at known addresses (x86-64).  An
 * access violation raised at one of them is answered by moving the
 * instruction pointer to the probe's "faulted" exit; any other exception is
 * left to the next handler.  On other architectures th_faults says it
 * cannot tell (-1) and the caller skips; -DTH_NO_FAULT_PROBE gives that
 * answer on x86-64 too, to try the callers' skipping where it runs.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include "pal_test.h"

extern char **th_environ;
int th_main(int argc, char **argv);

void th_write(const char *s, size_t n)
{
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    DWORD w;

    while (n > 0) {
        if (!WriteFile(out, s, n > 0x10000 ? 0x10000 : (DWORD)n, &w, NULL) || w == 0)
            return;
        s += w;
        n -= w;
    }
}

int th_child(int (*fn)(void *), void *arg)
{
    (void)fn;
    (void)arg;
    return TH_CHILD_NONE;
}

#if defined(__x86_64__) && !defined(TH_NO_FAULT_PROBE)

/* int th_probe_read(volatile void *p), int th_probe_write(volatile void *p):
 * 0 if the access went through, 1 if it faulted (the handler lands on the
 * _fault label with eax = 1).  The write adds zero under a lock prefix: it
 * needs write access but leaves the byte as it was. */
int th_probe_read(volatile void *p);
int th_probe_write(volatile void *p);
extern const char th_probe_read_at[], th_probe_read_fault[];
extern const char th_probe_write_at[], th_probe_write_fault[];

__asm__(".text\n"
        ".globl th_probe_read\n"
        ".globl th_probe_read_at\n"
        ".globl th_probe_read_fault\n"
        "th_probe_read:\n"
        "    xorl %eax, %eax\n"
        "th_probe_read_at:\n"
        "    movb (%rcx), %dl\n"
        "    ret\n"
        "th_probe_read_fault:\n"
        "    movl $1, %eax\n"
        "    ret\n"
        ".globl th_probe_write\n"
        ".globl th_probe_write_at\n"
        ".globl th_probe_write_fault\n"
        "th_probe_write:\n"
        "    xorl %eax, %eax\n"
        "th_probe_write_at:\n"
        "    lock orb $0, (%rcx)\n"
        "    ret\n"
        "th_probe_write_fault:\n"
        "    movl $1, %eax\n"
        "    ret\n");

static LONG CALLBACK on_exception(EXCEPTION_POINTERS *e)
{
    DWORD64 at = (DWORD64)e->ExceptionRecord->ExceptionAddress;

    if (e->ExceptionRecord->ExceptionCode != EXCEPTION_ACCESS_VIOLATION)
        return EXCEPTION_CONTINUE_SEARCH;
    if (at == (DWORD64)th_probe_read_at)
        e->ContextRecord->Rip = (DWORD64)th_probe_read_fault;
    else if (at == (DWORD64)th_probe_write_at)
        e->ContextRecord->Rip = (DWORD64)th_probe_write_fault;
    else
        return EXCEPTION_CONTINUE_SEARCH;
    return EXCEPTION_CONTINUE_EXECUTION;
}

int th_faults(volatile void *addr, int write)
{
    static volatile LONG installed;

    if (InterlockedCompareExchange(&installed, 1, 0) == 0 &&
        AddVectoredExceptionHandler(1, on_exception) == NULL) {
        installed = 0;
        return -1;
    }
    return write ? th_probe_write(addr) : th_probe_read(addr);
}

#else

int th_faults(volatile void *addr, int write)
{
    (void)addr;
    (void)write;
    return -1;
}

#endif

/* th_environ as an array of pointers into the environment block
 * ("A=1\0B=2\0\0"), which stays allocated for the life of the process. */
static void load_environ(void)
{
    static char *vars[512];
    char *block = GetEnvironmentStringsA();
    size_t i = 0;

    if (block == NULL)
        return;
    while (*block != '\0' && i + 1 < sizeof vars / sizeof vars[0]) {
        vars[i++] = block;
        while (*block != '\0')
            block++;
        block++;
    }
    vars[i] = NULL;
    th_environ = vars;
}

int main(int argc, char **argv)
{
    load_environ();
    return th_main(argc, argv);
}
