/*
 * pal_ranges.h - a bounded record of address ranges, for the few things a
 * caller asks for on some ranges that make later calls on those ranges
 * dearer (access narrowed by protect or harddecommit, huge pages asked
 * for).  Kept per range so that what was asked for on one range does not
 * make every other range dearer.
 *
 * Lock-free, allocation-free and async-signal-safe, as every pal call must
 * be: a fixed array of slots, each an inclusive [first, last] pair of
 * words.  A slot's first word is 0 while the slot is free and RANGES_BUSY
 * while a note is writing it; a note claims a free slot by compare-and-
 * swap, writes last, then publishes first.  Lookups scan only the slots
 * ever claimed (top), so a process that never noted anything pays one load.
 * A page-aligned range never starts at 0 or 1 (pal_mem.c refuses NULL), so
 * neither value can be a range's first byte; a range rounded out to huge
 * pages can start at 0, and must not be noted.
 *
 * pal_ranges_claim records without the fallback, for a record whose
 * caller keeps its own (the Linux backend's marked huge pages).
 *
 * Every doubt answers "overlaps": a slot being written, or changed while it
 * was read, costs the caller a call it might not have needed, never a
 * missed one.  When no slot is free the record is full for good: from then
 * on every lookup answers "overlaps", which is the process-wide switch the
 * record replaces (a process that asks for such things on more than
 * PAL_RANGES_SLOTS live ranges at once pays for them everywhere, as before).
 *
 * Ranges noted are dropped when the memory under them is freed whole; a
 * slot only partly freed stays, which costs calls, never correctness.
 */
#ifndef PAL_RANGES_H
#define PAL_RANGES_H

#include <stddef.h>
#include <stdint.h>

/* 64 slots: a lookup over all of them is about a hundred loads from two
 * cache-line-dense arrays, paid only by processes that noted ranges. */
#ifndef PAL_RANGES_SLOTS
#define PAL_RANGES_SLOTS 64
#endif

#define RANGES_BUSY ((uintptr_t)1)

/* Addresses are stored complemented, both ways (as the Boehm GC hides a
 * pointer from its own scan): a conservative collector scanning this
 * library's static data must find no pointer into the ranges noted, which
 * would keep the objects at their ends alive, and all they point to.  A
 * noted first (> 1, page-aligned) is never stored as 0 or RANGES_BUSY. */
static inline uintptr_t pal_ranges_hide(uintptr_t a)
{
    return ~a;
}

struct pal_ranges {
    uintptr_t first[PAL_RANGES_SLOTS];
    uintptr_t last[PAL_RANGES_SLOTS];
    unsigned top;  /* 1 + the highest slot ever claimed */
    unsigned full; /* set once a note found no free slot; never cleared */
};

/* Whether [first, last] overlaps a range noted (or the record is full). */
static inline int pal_ranges_overlap(struct pal_ranges *r, uintptr_t first, uintptr_t last)
{
    unsigned top = __atomic_load_n(&r->top, __ATOMIC_ACQUIRE), i;
    uintptr_t b, e;

    if (top == 0)
        return 0;
    if (__atomic_load_n(&r->full, __ATOMIC_ACQUIRE))
        return 1;
    for (i = 0; i < top; i++) {
        b = __atomic_load_n(&r->first[i], __ATOMIC_ACQUIRE);
        if (b == 0)
            continue;
        if (b == RANGES_BUSY)
            return 1;
        e = pal_ranges_hide(__atomic_load_n(&r->last[i], __ATOMIC_ACQUIRE));
        /* dropped and claimed again while read: the pair may be mixed */
        if (__atomic_load_n(&r->first[i], __ATOMIC_ACQUIRE) != b)
            return 1;
        if (pal_ranges_hide(b) <= last && first <= e)
            return 1;
    }
    return 0;
}

/* Whether a slot holds all of [first, last] already. */
static inline int pal_ranges_covered(struct pal_ranges *r, uintptr_t first, uintptr_t last)
{
    unsigned top = __atomic_load_n(&r->top, __ATOMIC_ACQUIRE), i;
    uintptr_t b;

    for (i = 0; i < top; i++) {
        b = __atomic_load_n(&r->first[i], __ATOMIC_ACQUIRE);
        if (b > RANGES_BUSY && pal_ranges_hide(b) <= first &&
            pal_ranges_hide(__atomic_load_n(&r->last[i], __ATOMIC_ACQUIRE)) >= last &&
            __atomic_load_n(&r->first[i], __ATOMIC_ACQUIRE) == b)
            return 1;
    }
    return 0;
}

/* Record [first, last] (first > 1) in a free slot, unless a slot holds it
 * already: 1, or 0 where no slot is free (the record left as it was). */
static inline int pal_ranges_claim(struct pal_ranges *r, uintptr_t first, uintptr_t last)
{
    unsigned i, top;
    uintptr_t expect;

    if (pal_ranges_covered(r, first, last))
        return 1;
    for (i = 0; i < PAL_RANGES_SLOTS; i++) {
        expect = 0;
        if (__atomic_load_n(&r->first[i], __ATOMIC_RELAXED) != 0 ||
            !__atomic_compare_exchange_n(&r->first[i], &expect, RANGES_BUSY, 0,
                                         __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
            continue;
        /* top first: a lookup that sees the slot busy already pays */
        top = __atomic_load_n(&r->top, __ATOMIC_RELAXED);
        while (top < i + 1 &&
               !__atomic_compare_exchange_n(&r->top, &top, i + 1, 1,
                                            __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
            ;
        __atomic_store_n(&r->last[i], pal_ranges_hide(last), __ATOMIC_SEQ_CST);
        __atomic_store_n(&r->first[i], pal_ranges_hide(first), __ATOMIC_SEQ_CST);
        return 1;
    }
    return 0;
}

/* Note [first, last] (first > 1).  Once this returns, every lookup that
 * starts after it sees the range: callers note before the OS call that
 * makes the range dearer, so that a lookup racing with that call already
 * pays. */
static inline void pal_ranges_note(struct pal_ranges *r, uintptr_t first, uintptr_t last)
{
    /* no slot free: top is PAL_RANGES_SLOTS by now, every slot was
     * claimed once */
    if (!__atomic_load_n(&r->full, __ATOMIC_ACQUIRE) && !pal_ranges_claim(r, first, last))
        __atomic_store_n(&r->full, 1, __ATOMIC_SEQ_CST);
}

/* Drop the ranges noted that lie wholly inside [first, last]: the memory
 * was freed, and a later mapping there starts afresh.  How many. */
static inline unsigned pal_ranges_drop(struct pal_ranges *r, uintptr_t first, uintptr_t last)
{
    unsigned top = __atomic_load_n(&r->top, __ATOMIC_ACQUIRE), i, dropped = 0;
    uintptr_t b;

    for (i = 0; i < top; i++) {
        b = __atomic_load_n(&r->first[i], __ATOMIC_ACQUIRE);
        if (b > RANGES_BUSY && pal_ranges_hide(b) >= first &&
            pal_ranges_hide(__atomic_load_n(&r->last[i], __ATOMIC_ACQUIRE)) <= last &&
            __atomic_compare_exchange_n(&r->first[i], &b, 0, 0, __ATOMIC_SEQ_CST,
                                        __ATOMIC_RELAXED))
            dropped++;
    }
    return dropped;
}

#endif
