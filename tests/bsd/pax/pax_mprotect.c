/*
 * pax_mprotect.c - NetBSD's PaX MPROTECT (on by default there), emulated
 * on Linux for the PaX variant of the bsd suite: mmap, munmap and mprotect
 * of this process go through here (the definitions below take the place of
 * libc's), and mprotect refuses, with EACCES as NetBSD's uvm_map_protect
 * does, any access that the mapping was not created with: the "prot" of
 * the mmap call or-ed with PROT_MPROTECT_EXTRACT of it.  The PROT_MPROTECT
 * bits are taken off before Linux sees them (0x8 is PROT_SEM there).
 *
 * Each page's ceiling is kept in a table of ranges; a page no mmap of ours
 * made (the stack, libc's own mappings through its internal __mmap) has
 * none.  A table that overflows ends the process loudly rather than
 * letting a check pass unchecked.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pax_standin.h"

#define PROT_ALL (PROT_READ | PROT_WRITE | PROT_EXEC)
#define MAX_RANGES 16384

struct ceiling {
    uintptr_t lo, hi;
    int max;
};

/* In initialised data, not zero-initialised: test_contract's
 * records_hold_no_range_address scans the latter for range addresses, as
 * a conservative collector would find libpal's records, and this table of
 * the test's own holds the ranges by their addresses. */
static struct ceiling table[MAX_RANGES] __attribute__((section(".data.pax_ceilings")));
static size_t used_ranges;
static int lock_word;

typedef void *mmap_fn(void *, size_t, int, int, int, off_t);
typedef int munmap_fn(void *, size_t);
typedef int mprotect_fn(void *, size_t, int);

static void lock(void)
{
    while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
        ;
}

static void unlock(void)
{
    __atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
}

static void die(const char *msg)
{
    size_t n = 0;

    while (msg[n] != '\0')
        n++;
    (void)!write(1, msg, n);
    _exit(99);
}

/* Forget [lo, hi): entries overlapping it are cut or removed. */
static void forget(uintptr_t lo, uintptr_t hi)
{
    size_t i = 0;

    while (i < used_ranges) {
        struct ceiling *c = &table[i];

        if (c->hi <= lo || c->lo >= hi) {
            i++;
        } else if (c->lo < lo && c->hi > hi) { /* split in two */
            if (used_ranges == MAX_RANGES)
                die("FAIL pax emulation: range table full\n");
            table[used_ranges].lo = hi;
            table[used_ranges].hi = c->hi;
            table[used_ranges].max = c->max;
            used_ranges++;
            c->hi = lo;
            i++;
        } else if (c->lo < lo) {
            c->hi = lo;
            i++;
        } else if (c->hi > hi) {
            c->lo = hi;
            i++;
        } else {
            *c = table[--used_ranges];
        }
    }
}

static void remember(uintptr_t lo, uintptr_t hi, int max)
{
    forget(lo, hi);
    if (used_ranges == MAX_RANGES)
        die("FAIL pax emulation: range table full\n");
    table[used_ranges].lo = lo;
    table[used_ranges].hi = hi;
    table[used_ranges].max = max;
    used_ranges++;
}

/* Whether every page of [lo, hi) may take prot. */
static int allowed(uintptr_t lo, uintptr_t hi, int prot)
{
    size_t i;

    for (i = 0; i < used_ranges; i++)
        if (table[i].lo < hi && table[i].hi > lo && (prot & ~table[i].max) != 0)
            return 0;
    return 1;
}

static uintptr_t page_up(uintptr_t x)
{
    uintptr_t ps = (uintptr_t)sysconf(_SC_PAGESIZE);

    return (x + ps - 1) & ~(ps - 1);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    static mmap_fn *real;
    int max = (prot | PROT_MPROTECT_EXTRACT(prot)) & PROT_ALL;
    void *p;

    if (real == NULL)
        real = (mmap_fn *)dlsym(RTLD_NEXT, "mmap");
    lock();
    p = real(addr, len, prot & PROT_ALL, flags, fd, off);
    if (p != MAP_FAILED)
        remember((uintptr_t)p, page_up((uintptr_t)p + len), max);
    unlock();
    return p;
}

int munmap(void *addr, size_t len)
{
    static munmap_fn *real;
    int r;

    if (real == NULL)
        real = (munmap_fn *)dlsym(RTLD_NEXT, "munmap");
    lock();
    r = real(addr, len);
    if (r == 0)
        forget((uintptr_t)addr, page_up((uintptr_t)addr + len));
    unlock();
    return r;
}

int mprotect(void *addr, size_t len, int prot)
{
    static mprotect_fn *real;
    int r;

    if (real == NULL)
        real = (mprotect_fn *)dlsym(RTLD_NEXT, "mprotect");
    lock();
    if (!allowed((uintptr_t)addr, page_up((uintptr_t)addr + len), prot)) {
        unlock();
        errno = EACCES;
        return -1;
    }
    r = real(addr, len, prot);
    unlock();
    return r;
}
