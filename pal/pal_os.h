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

/* Nothing here leaves the library: two copies in one process (two runtimes
 * that each vendor libpal, perhaps of different versions) must not bind to
 * each other's backend through ELF interposition, nor collide when linked
 * into one program.  The CMake build compiles pal_mem.c and the backend as
 * one translation unit (PAL_ONE_UNIT) where the interface is static; the
 * two-file vendoring line still links the files to each other, so there it
 * is hidden, which keeps it out of any shared object made from them (PE has
 * no visibility: a Windows static library keeps the names global).
 * PAL_OS_EXPOSED is for tests that call the backend directly. */
#if defined(PAL_OS_EXPOSED)
#define PAL_OS_FN
#define PAL_OS_DATA extern
#elif defined(PAL_ONE_UNIT)
#define PAL_OS_FN static
#define PAL_OS_DATA static
#elif (defined(__GNUC__) || defined(__clang__)) && !defined(_WIN32)
#define PAL_OS_FN __attribute__((visibility("hidden")))
#define PAL_OS_DATA extern __attribute__((visibility("hidden")))
#else
#define PAL_OS_FN
#define PAL_OS_DATA extern
#endif

/* Set-up: learn the page size and the transparent huge page size (0: none).
 * Called once before anything else (racing callers may call it twice; it
 * must give the same answer).  Issues only the calls it needs: optional
 * features are probed later, by pal_os_features() or on first use.  A
 * huge page size that could not be learnt now (a passing failure: no file
 * descriptor free) is PAL_OS_SIZE_UNKNOWN, never 0: pal_mem.c then calls
 * pal_os_init again when the size is next asked for. */
#define PAL_OS_SIZE_UNKNOWN ((size_t)-1)
PAL_OS_FN int pal_os_init(size_t *page_size, size_t *huge_page_size);

/* PAL_FEAT_* bits, each probed on scratch memory on the first call. */
PAL_OS_FN unsigned pal_os_features(void);

/* 1 if unused-then-used memory reads back zero under this policy. */
PAL_OS_FN int pal_os_unused_zeroes(unsigned policy);

PAL_OS_FN int pal_os_reserve(void *hint, size_t n, void **out);
PAL_OS_FN int pal_os_reserve_at(void *addr, size_t n);
PAL_OS_FN int pal_os_reserve_aligned(size_t n, size_t align, void **out);
PAL_OS_FN int pal_os_map(void *v, size_t n, unsigned policy);
PAL_OS_FN int pal_os_used(void *v, size_t n, unsigned policy);
PAL_OS_FN int pal_os_unused(void *v, size_t n, unsigned policy);
PAL_OS_FN int pal_os_alloc(size_t n, unsigned policy, void **out);
PAL_OS_FN int pal_os_free(void *v, size_t n);
PAL_OS_FN int pal_os_fault(void *v, size_t n);
PAL_OS_FN int pal_os_protect(void *v, size_t n, unsigned prot);

PAL_OS_FN int pal_os_hugepage(void *v, size_t n);
PAL_OS_FN int pal_os_nohugepage(void *v, size_t n);
PAL_OS_FN int pal_os_collapse(void *v, size_t n);

PAL_OS_FN int pal_os_guard(void *v, size_t n);
PAL_OS_FN int pal_os_seal(void *v, size_t n);
PAL_OS_FN int pal_os_name(void *v, size_t n, const char *name);
PAL_OS_FN int pal_os_resident(const void *v, size_t n, size_t *bytes);

/* Every range checked, count > 0; *done as the contract says (never
 * NULL here). */
PAL_OS_FN int pal_os_unused_ranges(const struct pal_mem_range *r, size_t count,
                         unsigned policy, size_t *done);
PAL_OS_FN int pal_os_populate(void *v, size_t n);
/* how is PAL_PURGE_ZERO or PAL_PURGE_LAZY; the state (access, commit
 * charge) stays; policy only for the huge-page marks (never
 * PAL_POLICY_HARD_DECOMMIT); the ranges as for pal_os_unused_ranges. */
PAL_OS_FN int pal_os_purge(void *v, size_t n, unsigned how, unsigned policy);
PAL_OS_FN int pal_os_purge_ranges(const struct pal_mem_range *r, size_t count,
                        unsigned how, unsigned policy, size_t *done);

/* acquire: spec checked and normalised by pal_mem.c: align >= the page
 * size (the page size where the caller gave 0), hint NULL or a range
 * with n (a multiple of align under PAL_SPEC_EXACT, which implies a
 * hint), prot the final access for PAL_STATE_READY (0 for the other
 * states: no access for Reserved, read-write for Prepared), flags
 * with PAL_SPEC_TRACK only where pal_os_features() has PAL_FEAT_TRACK.  policy as for map and alloc.  On an error
 * nothing is left mapped. */
PAL_OS_FN int pal_os_acquire(const struct pal_mem_spec *spec, unsigned policy, void **out);
/* include 0: leave [v, v+n) out of core dumps; else put it back in. */
PAL_OS_FN int pal_os_dump(void *v, size_t n, int include);
/* Write tracking: on is 0 or 1; pages one byte per page of [v, v+n);
 * reset 0 or 1.  PAL_ENOSYS where PAL_FEAT_TRACK is clear. */
PAL_OS_FN int pal_os_track_writes(void *v, size_t n, int on);
PAL_OS_FN int pal_os_written(void *v, size_t n, unsigned char *pages, int reset);
/* granularity, thp, overcommit and noreserve, read now; pal_mem.c fills
 * the rest, and sets these four first to what is true where nothing can
 * be read (the page size, PAL_THP_NONE, PAL_OVERCOMMIT_UNKNOWN, 0), so a
 * backend sets only what it knows otherwise. */
PAL_OS_FN void pal_os_info(struct pal_mem_info *out);

/* Explicit huge pages: the sizes (ascending), and an allocation whose
 * page is one of them and n a multiple of it. */
PAL_OS_FN size_t pal_os_huge_page_sizes(size_t *sizes, size_t max);
PAL_OS_FN int pal_os_alloc_huge(size_t n, size_t page, void **out);

/* NUMA: node count (>= 1), the caller's node, a binding (node < count). */
PAL_OS_FN unsigned pal_os_numa_nodes(void);
PAL_OS_FN int pal_os_current_node(unsigned *node);
PAL_OS_FN int pal_os_bind_node(void *v, size_t n, unsigned node);

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

PAL_OS_DATA struct pal_os_stripe pal_os_stripes[PAL_STRIPES];

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

/* A function its callers reach only on a rare path (a first call, a
 * refusal, a fallback): kept out of their code, so that their common path
 * needs no stack frame and no saved register (every call on it a tail
 * call).  PAL_NOINLINE for one kept out for that reason that is not rare.
 * Written on the line before the function. */
#define PAL_COLD __attribute__((noinline, cold))
#define PAL_NOINLINE __attribute__((noinline))

/* Helpers every backend needs. */
static inline uintptr_t pal_align_down(uintptr_t x, size_t a)
{
    return x & ~(uintptr_t)(a - 1);
}

static inline uintptr_t pal_align_up(uintptr_t x, size_t a)
{
    return (x + a - 1) & ~(uintptr_t)(a - 1);
}

/* The feature bits a backend has probed: known = probed, have = probed
 * and present.  have is or-ed in before known (release), and known is
 * read with acquire, so a bit seen known has its have bit visible too. */
struct pal_os_feature_cache {
    unsigned known;
    unsigned have;
};

/* The bits of want that were not probed yet. */
static inline unsigned pal_os_unprobed(struct pal_os_feature_cache *f, unsigned want)
{
    return want & ~__atomic_load_n(&f->known, __ATOMIC_ACQUIRE);
}

static inline unsigned pal_os_have(struct pal_os_feature_cache *f)
{
    return __atomic_load_n(&f->have, __ATOMIC_RELAXED);
}

/* Records that the bits of want were probed and those of have found;
 * returns all found so far. */
static inline unsigned pal_os_probed(struct pal_os_feature_cache *f, unsigned want,
                                     unsigned have)
{
    __atomic_fetch_or(&f->have, have & want, __ATOMIC_RELAXED);
    __atomic_fetch_or(&f->known, want, __ATOMIC_RELEASE);
    return __atomic_load_n(&f->have, __ATOMIC_RELAXED);
}

/* A yes-or-no fact a backend learns once, on first use (a file read, a
 * probe): a zero-initialised word is PAL_OS_UNKNOWN until then, and a fact
 * that could not be learnt this time stays unknown, to be asked again. */
enum { PAL_OS_UNKNOWN = 0, PAL_OS_NO = 1, PAL_OS_YES = 2 };

/* A flag set once and never cleared (a refusal learnt, a mark made).
 * Relaxed both ways: nothing else is published with it. */
static inline int pal_os_flag(int *flag)
{
    return __atomic_load_n(flag, __ATOMIC_RELAXED);
}

static inline void pal_os_flag_set(int *flag)
{
    __atomic_store_n(flag, 1, __ATOMIC_RELAXED);
}

/* The page size pal_os_init learnt, which every backend keeps.  Stored by
 * every racing initialiser and read by every call, so atomic both ways (a
 * plain read beside a store is a data race in C11, whatever the value);
 * relaxed loads cost what plain ones do. */
static size_t pal_os_page_size_word __attribute__((unused));

static inline size_t os_page_size(void)
{
    return __atomic_load_n(&pal_os_page_size_word, __ATOMIC_RELAXED);
}

static inline void os_page_size_set(size_t p)
{
    __atomic_store_n(&pal_os_page_size_word, p, __ATOMIC_RELAXED);
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

/* pal_os_purge_ranges where the OS purges one range per call. */
static inline int pal_os_purge_each(const struct pal_mem_range *r, size_t count,
                                    unsigned how, unsigned policy, size_t *done)
{
    size_t i;
    int err;

    for (i = 0; i < count; i++) {
        err = pal_os_purge(r[i].v, r[i].n, how, policy);
        if (err != PAL_OK) {
            *done = i;
            return err;
        }
    }
    *done = count;
    return PAL_OK;
}

/* A purge's fallback where the OS cannot release pages and keep them
 * accessible: zeros written over [v, v+n), which keeps every promise of
 * PAL_PURGE_ZERO but gives no memory back.  Only words that are not zero
 * already are written, so that pages never touched (or the shared zero
 * page) are not made resident by it.  Volatile, or a compiler may call
 * memset, which a libc-free backend lacks.  The range must be readable
 * and writable: memory the caller made read-only faults here. */
static inline void pal_os_write_zeros(void *v, size_t n)
{
    volatile uintptr_t *p = (volatile uintptr_t *)v;
    size_t i, words = n / sizeof(uintptr_t);

    for (i = 0; i < words; i++)
        if (p[i] != 0)
            p[i] = 0;
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

/* pal_os_acquire where the OS has no single call for it: the backend's
 * own reserve (at the hint, exactly or as advice, or aligned: an aligned
 * reservation takes no hint), map, used and protect, and leaving out of
 * core dumps, one after the other; whatever fails gives the whole range
 * back.  page_size tells whether alignment was asked for. */
static inline int pal_os_acquire_steps(const struct pal_mem_spec *s, unsigned policy,
                                       size_t page_size, void **out)
{
    void *v = s->hint;
    int err;

    if (s->flags & PAL_SPEC_EXACT)
        err = pal_os_reserve_at(v, s->n);
    else if (s->align > page_size)
        err = pal_os_reserve_aligned(s->n, s->align, &v);
    else
        err = pal_os_reserve(v, s->n, &v);
    if (err != PAL_OK)
        return err;
    if (s->state >= PAL_STATE_PREPARED)
        err = pal_os_map(v, s->n, policy);
    if (err == PAL_OK && s->state == PAL_STATE_READY)
        err = pal_os_used(v, s->n, policy);
    if (err == PAL_OK && s->state == PAL_STATE_READY &&
        s->prot != (PAL_PROT_READ | PAL_PROT_WRITE))
        err = pal_os_protect(v, s->n, s->prot);
    if (err == PAL_OK && (s->flags & PAL_SPEC_NODUMP))
        err = pal_os_dump(v, s->n, 0);
    if (err != PAL_OK) {
        (void)pal_os_free(v, s->n);
        return err;
    }
    *out = v;
    return PAL_OK;
}

/* ---- whole functions a backend takes as they are ----------------------
 *
 * Each macro below defines backend functions, for a backend to write on a
 * line of its own (no semicolon after it), under a comment that says why
 * its OS does it this way or lacks the thing. */

/* Batches where the OS releases or purges one range per call: the
 * backend's own unused and purge, range after range. */
#define PAL_OS_RANGES_ONE_BY_ONE()                                            \
    int pal_os_unused_ranges(const struct pal_mem_range *r, size_t count,     \
                             unsigned policy, size_t *done)                   \
    {                                                                         \
        return pal_os_unused_each(r, count, policy, done);                    \
    }                                                                         \
    int pal_os_purge_ranges(const struct pal_mem_range *r, size_t count,      \
                            unsigned how, unsigned policy, size_t *done)      \
    {                                                                         \
        return pal_os_purge_each(r, count, how, policy, done);                \
    }

/* populate where the OS has no prefault call: each page touched. */
#define PAL_OS_POPULATE_BY_TOUCH()                                            \
    int pal_os_populate(void *v, size_t n)                                    \
    {                                                                         \
        pal_os_touch(v, n, os_page_size());                                   \
        return PAL_OK;                                                        \
    }

/* What an OS lacks, as the contract answers it: a hint about a thing the
 * OS does not have is taken and changes nothing (PAL_OK); anything else
 * it cannot do is PAL_ENOSYS, and a list of what it offers is empty. */

/* No advice about transparent huge pages, because the OS has none or uses
 * them wherever they fit, unasked: hugepage and nohugepage have nothing to
 * ask, and a collapse cannot be asked for. */
#define PAL_OS_NO_THP_ADVICE()                                                \
    int pal_os_hugepage(void *v, size_t n)                                    \
    {                                                                         \
        (void)v;                                                              \
        (void)n;                                                              \
        return PAL_OK;                                                        \
    }                                                                         \
    int pal_os_nohugepage(void *v, size_t n)                                  \
    {                                                                         \
        (void)v;                                                              \
        (void)n;                                                              \
        return PAL_OK;                                                        \
    }                                                                         \
    int pal_os_collapse(void *v, size_t n)                                    \
    {                                                                         \
        (void)v;                                                              \
        (void)n;                                                              \
        return PAL_ENOSYS;                                                    \
    }

/* No explicit huge pages: no sizes offered, no allocation of them. */
#define PAL_OS_NO_HUGE_PAGES()                                                \
    size_t pal_os_huge_page_sizes(size_t *sizes, size_t max)                  \
    {                                                                         \
        (void)sizes;                                                          \
        (void)max;                                                            \
        return 0;                                                             \
    }                                                                         \
    int pal_os_alloc_huge(size_t n, size_t page, void **out)                  \
    {                                                                         \
        (void)n;                                                              \
        (void)page;                                                           \
        (void)out;                                                            \
        return PAL_ENOSYS;                                                    \
    }

/* No binding of an address range to a node. */
#define PAL_OS_NO_BIND_NODE()                                                 \
    int pal_os_bind_node(void *v, size_t n, unsigned node)                    \
    {                                                                         \
        (void)v;                                                              \
        (void)n;                                                              \
        (void)node;                                                           \
        return PAL_ENOSYS;                                                    \
    }

/* No NUMA to be seen: one node, node 0, which every CPU is on.  With one
 * node pal_mem.c answers a binding itself, so bind_node is never reached. */
#define PAL_OS_ONE_NODE()                                                     \
    unsigned pal_os_numa_nodes(void)                                          \
    {                                                                         \
        return 1;                                                             \
    }                                                                         \
    int pal_os_current_node(unsigned *node)                                   \
    {                                                                         \
        *node = 0;                                                            \
        return PAL_OK;                                                        \
    }                                                                         \
    PAL_OS_NO_BIND_NODE()

/* No sealing of a range against later changes. */
#define PAL_OS_NO_SEAL()                                                      \
    int pal_os_seal(void *v, size_t n)                                        \
    {                                                                         \
        (void)v;                                                              \
        (void)n;                                                              \
        return PAL_ENOSYS;                                                    \
    }

/* No names for anonymous memory. */
#define PAL_OS_NO_NAMES()                                                     \
    int pal_os_name(void *v, size_t n, const char *name)                      \
    {                                                                         \
        (void)v;                                                              \
        (void)n;                                                              \
        (void)name;                                                           \
        return PAL_ENOSYS;                                                    \
    }

/* No way to leave a range out of core dumps (or put it back). */
#define PAL_OS_NO_DUMP_CHOICE()                                               \
    int pal_os_dump(void *v, size_t n, int include)                           \
    {                                                                         \
        (void)v;                                                              \
        (void)n;                                                              \
        (void)include;                                                        \
        return PAL_ENOSYS;                                                    \
    }

/* No write tracking (PAL_FEAT_TRACK stays clear). */
#define PAL_OS_NO_WRITE_TRACKING()                                            \
    int pal_os_track_writes(void *v, size_t n, int on)                        \
    {                                                                         \
        (void)v;                                                              \
        (void)n;                                                              \
        (void)on;                                                             \
        return PAL_ENOSYS;                                                    \
    }                                                                         \
    int pal_os_written(void *v, size_t n, unsigned char *pages, int reset)    \
    {                                                                         \
        (void)v;                                                              \
        (void)n;                                                              \
        (void)pages;                                                          \
        (void)reset;                                                          \
        return PAL_ENOSYS;                                                    \
    }

#endif /* PAL_OS_H */
