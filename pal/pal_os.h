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

/* Every range checked, count > 0; *done as the contract says (never
 * NULL here). */
int pal_os_unused_ranges(const struct pal_mem_range *r, size_t count,
                         unsigned policy, size_t *done);
int pal_os_populate(void *v, size_t n);

/* Explicit huge pages: the sizes (ascending), and an allocation whose
 * page is one of them and n a multiple of it. */
size_t pal_os_huge_page_sizes(size_t *sizes, size_t max);
int pal_os_alloc_huge(size_t n, size_t page, void **out);

/* NUMA: node count (>= 1), the caller's node, a binding (node < count). */
unsigned pal_os_numa_nodes(void);
int pal_os_current_node(unsigned *node);
int pal_os_bind_node(void *v, size_t n, unsigned node);

/* The counters behind pal_mem_get_stats(), defined in pal_mem.c; backends
 * count into them.  No word that every thread's calls write: one atomic
 * counter shared by all made two threads' mprotect loops 1.4x to 1.6x
 * slower than the bare calls (the cache line bounces between cores on
 * every call).  So the counts are striped: a thread counts into the
 * stripe its stack address picks (stacks of different threads are far
 * apart), each stripe on a cache line of its own, and a read sums them.
 * Relaxed atomics: two threads that share a stripe lose nothing, and a
 * signal handler may count too.  The read-mostly words every call loads
 * (page size, policy, feature bits) live elsewhere. */
#ifndef PAL_STRIPE_BITS /* 0 gives the one shared counter, for comparison */
#define PAL_STRIPE_BITS 6
#endif
#define PAL_STRIPES (1 << PAL_STRIPE_BITS)
#define PAL_STRIPE_BYTES 128 /* a cache line or two adjacent ones (prefetch pairs) */

struct pal_os_stripe {
    size_t calls;
    size_t fallbacks;
} __attribute__((aligned(PAL_STRIPE_BYTES)));

extern struct pal_os_stripe pal_os_stripes[PAL_STRIPES];

static inline struct pal_os_stripe *pal_os_my_stripe(void)
{
    char here;
    /* Stack addresses 64 KiB apart or more (every thread library's
     * smallest default stack) differ above bit 16; a multiplicative hash
     * spreads them over the stripes. */
    uintptr_t k = ((uintptr_t)&here >> 16) * (uintptr_t)0x9E3779B97F4A7C15ull;

    /* the top PAL_STRIPE_BITS bits (in two shifts, so that 0 bits is
     * stripe 0 rather than a shift by the word's width) */
    return &pal_os_stripes[(k >> (sizeof(uintptr_t) * 8 - 1 - PAL_STRIPE_BITS)) >> 1];
}

static inline void pal_os_count_call(void)
{
    __atomic_fetch_add(&pal_os_my_stripe()->calls, 1, __ATOMIC_RELAXED);
}

static inline void pal_os_count_fallback(void)
{
    __atomic_fetch_add(&pal_os_my_stripe()->fallbacks, 1, __ATOMIC_RELAXED);
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

/* pal_os_unused_ranges where the OS releases one range per call: the
 * backend's own unused, range after range, stopping at the first error. */
static inline int pal_os_unused_each(const struct pal_mem_range *r, size_t count,
                                     unsigned policy, size_t *done)
{
    size_t i;
    int err;

    for (i = 0; i < count; i++) {
        err = pal_os_unused(r[i].v, r[i].n, policy);
        if (err != PAL_OK) {
            *done = i;
            return err;
        }
    }
    *done = count;
    return PAL_OK;
}

/* pal_os_populate where the OS cannot prefault: a write to each page that
 * keeps its value even if another thread writes the same word meanwhile
 * (an atomic add of 0; volatile, or a compiler may turn the idempotent
 * add into a load, which would map the shared zero page, not a page of
 * our own). */
static inline void pal_os_touch(void *v, size_t n, size_t page_size)
{
    uintptr_t p = (uintptr_t)v, end = p + n;

    for (; p < end; p += page_size)
        (void)__atomic_fetch_add((volatile uintptr_t *)p, 0, __ATOMIC_RELAXED);
}

#endif /* PAL_OS_H */
