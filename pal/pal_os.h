/*
 * pal_os.h - the internal interface every backend implements.
 *
 * pal_mem.c checks every argument, then calls exactly one pal_os_* function.
 * So a backend may assume: pal_os_init() has run, v and n are non-zero
 * multiples of the page size it reported, v + n does not wrap, prot and
 * policy hold only known bits, align is a power of two >= the page size.
 * A backend returns PAL_* codes and never calls back into pal_mem.c.
 *
 * The set of functions is fixed: tests/backend_interface.c takes the address
 * of every one, so a backend that lacks one fails to link, not at run time.
 */
#ifndef PAL_OS_H
#define PAL_OS_H

#include "pal_mem.h"

/* Set-up: learn the page size and the transparent huge page size (0: none).
 * Called once before anything else (racing callers may call it twice; it
 * must give the same answer).  Issues only the calls it needs: optional
 * features are probed later, by pal_os_features() or on first use. */
int pal_os_init(size_t *page_size, size_t *huge_page_size);

/* PAL_FEAT_* bits, each probed on scratch memory on the first call. */
unsigned pal_os_features(void);

/* 1 if unused-then-used memory reads back zero under this policy. */
int pal_os_unused_zeroes(unsigned policy);

int pal_os_reserve(void *hint, size_t n, void **out);
int pal_os_reserve_at(void *addr, size_t n);
int pal_os_reserve_aligned(size_t n, size_t align, void **out);
int pal_os_map(void *v, size_t n, unsigned policy);
int pal_os_used(void *v, size_t n, unsigned policy);
int pal_os_unused(void *v, size_t n, unsigned policy);
int pal_os_alloc(size_t n, unsigned policy, void **out);
int pal_os_free(void *v, size_t n);
int pal_os_fault(void *v, size_t n);
int pal_os_protect(void *v, size_t n, unsigned prot);

int pal_os_hugepage(void *v, size_t n);
int pal_os_nohugepage(void *v, size_t n);
int pal_os_collapse(void *v, size_t n);

int pal_os_guard(void *v, size_t n);
int pal_os_seal(void *v, size_t n);
int pal_os_name(void *v, size_t n, const char *name);
int pal_os_resident(const void *v, size_t n, size_t *bytes);

/* The counters behind pal_mem_get_stats(), defined in pal_mem.c; backends
 * count into them.  Relaxed atomics: async-signal-safe, no lock. */
extern size_t pal_os_call_count;
extern size_t pal_os_fallback_count;

static inline void pal_os_count_call(void)
{
    __atomic_fetch_add(&pal_os_call_count, 1, __ATOMIC_RELAXED);
}

static inline void pal_os_count_fallback(void)
{
    __atomic_fetch_add(&pal_os_fallback_count, 1, __ATOMIC_RELAXED);
}

/* Helpers every backend needs. */
static inline uintptr_t pal_align_down(uintptr_t x, size_t a)
{
    return x & ~(uintptr_t)(a - 1);
}

static inline uintptr_t pal_align_up(uintptr_t x, size_t a)
{
    return (x + a - 1) & ~(uintptr_t)(a - 1);
}

#endif /* PAL_OS_H */
