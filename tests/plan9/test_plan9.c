/*
 * test_plan9.c - the Plan 9 backend's own bookkeeping: address space from
 * the break, handed back to a free list (reused, split, merged) or to the
 * end of memory, and zero whenever it is handed out again; and the calls
 * Plan 9 has no equivalent for.
 */
#include "pal_test.h"
#include "ranges_one_by_one.h"

static size_t ps(void)
{
    return pal_mem_page_size();
}

static void *reserve(size_t n)
{
    void *v = NULL;

    return pal_mem_reserve(NULL, n, &v) == PAL_OK ? v : NULL;
}

/* A freed range comes back to the next request that fits, and reads zero
 * though it was written before. */
static void free_list_reuses_and_zeroes(void)
{
    char *a, *b, *c, *d;

    a = reserve(4 * ps());
    b = reserve(4 * ps());
    c = reserve(4 * ps());
    CHECK(a != NULL && b != NULL && c != NULL);
    th_memset(b, 0x77, 4 * ps());
    CHECK_OK(pal_mem_free(b, 4 * ps()));
    d = reserve(4 * ps());
    CHECK(d == b);
    CHECK(th_all_bytes(d, 4 * ps(), 0));
    CHECK_OK(pal_mem_free(a, 4 * ps()));
    CHECK_OK(pal_mem_free(d, 4 * ps()));
    CHECK_OK(pal_mem_free(c, 4 * ps()));
}

/* Neighbours on the list merge: three freed ranges side by side serve one
 * request for all of them, and smaller requests that follow split it. */
static void neighbours_merge_and_split(void)
{
    char *m, *s1, *s2;

    /* a free range of 7 pages, wherever it is, then exactly placed parts */
    m = reserve(7 * ps());
    CHECK(m != NULL);
    CHECK_OK(pal_mem_free(m, 7 * ps()));
    CHECK_OK(pal_mem_reserve_at(m, 2 * ps()));
    CHECK_OK(pal_mem_reserve_at(m + 2 * ps(), 2 * ps()));
    CHECK_OK(pal_mem_reserve_at(m + 4 * ps(), 2 * ps()));
    CHECK_OK(pal_mem_reserve_at(m + 6 * ps(), ps())); /* keeps the rest off the end */
    th_memset(m, 1, 6 * ps());
    CHECK_OK(pal_mem_free(m, 2 * ps()));
    CHECK_OK(pal_mem_free(m + 4 * ps(), 2 * ps()));
    CHECK_OK(pal_mem_free(m + 2 * ps(), 2 * ps())); /* joins both */
    CHECK_OK(pal_mem_reserve_at(m, 6 * ps()));     /* one block now */
    CHECK(th_all_bytes(m, 6 * ps(), 0));
    CHECK_OK(pal_mem_free(m, 6 * ps()));
    /* and it splits again */
    s1 = reserve(ps());
    s2 = reserve(2 * ps());
    CHECK(s1 != NULL && s2 != NULL && s1 != s2);
    CHECK(th_all_bytes(s1, ps(), 0) && th_all_bytes(s2, 2 * ps(), 0));
    CHECK_OK(pal_mem_free(s1, ps()));
    CHECK_OK(pal_mem_free(s2, 2 * ps()));
    CHECK_OK(pal_mem_reserve_at(m, 6 * ps()));
    CHECK_OK(pal_mem_free(m, 7 * ps()));
}

/* Larger than any free block: from the end of memory. */
#define BIG (64 * ps())

/* A free at the end of memory lowers the end; the break stays where it is
 * and the next reservation there needs no new memory from it. */
static void free_at_end_lowers_the_end(void)
{
    struct pal_mem_stats s0, s1;
    char *a, *b;

    a = reserve(BIG);
    CHECK(a != NULL);
    th_memset(a, 0x11, BIG);
    CHECK_OK(pal_mem_free(a, BIG));
    pal_mem_get_stats(&s0);
    b = reserve(BIG);
    pal_mem_get_stats(&s1);
    CHECK(b == a);
    CHECK_EQ(s1.os_calls, s0.os_calls); /* no sbrk */
    CHECK(th_all_bytes(b, BIG, 0));
    CHECK_OK(pal_mem_free(b, BIG));
}

/* Two neighbours at the end of memory, freed the lower first: the end comes
 * down over both (the lower one was on the free list), so all of it can be
 * placed exactly again, and is zero. */
static void end_of_memory_takes_free_neighbour(void)
{
    char *a, *b;

    a = reserve(BIG);
    b = reserve(BIG);
    CHECK(a != NULL && b == a + BIG); /* both from the end, side by side */
    th_memset(a, 0x33, 2 * BIG);
    CHECK_OK(pal_mem_free(a, BIG));
    CHECK_OK(pal_mem_free(b, BIG));
    CHECK_OK(pal_mem_reserve_at(a, 2 * BIG));
    CHECK(th_all_bytes(a, 2 * BIG, 0));
    CHECK_OK(pal_mem_free(a, 2 * BIG));
}

/* Exact placement: inside a free block, at the end of memory and past it
 * (the gap goes on the free list); refused over memory in use. */
static void reserve_at_places_exactly(void)
{
    char *a, *g, *end;

    a = reserve(8 * ps());
    g = reserve(ps());
    CHECK(a != NULL && g != NULL);
    CHECK_OK(pal_mem_free(a, 8 * ps()));
    CHECK_OK(pal_mem_reserve_at(a + 2 * ps(), 2 * ps()));
    CHECK_EQ(pal_mem_reserve_at(a + 3 * ps(), 2 * ps()), PAL_EEXIST);
    CHECK_EQ(pal_mem_reserve_at(g, ps()), PAL_EEXIST);
    /* the rest of the block is still free, either side */
    CHECK_OK(pal_mem_reserve_at(a, 2 * ps()));
    CHECK_OK(pal_mem_reserve_at(a + 4 * ps(), 4 * ps()));
    CHECK_OK(pal_mem_free(a, 8 * ps()));

    /* past the end of memory */
    end = reserve(BIG);
    CHECK(end != NULL);
    CHECK_OK(pal_mem_free(end, BIG));
    CHECK_OK(pal_mem_reserve_at(end + 4 * ps(), ps()));
    CHECK(th_all_bytes(end + 4 * ps(), ps(), 0));
    CHECK_OK(pal_mem_reserve_at(end, 4 * ps())); /* the gap, from the list */
    CHECK_EQ(pal_mem_reserve_at(end + 2 * ps(), 4 * ps()), PAL_EEXIST);
    CHECK_OK(pal_mem_free(end, 5 * ps()));
    CHECK_OK(pal_mem_free(g, ps()));
}

/* Aligned reservations skip to the alignment; what they skip stays free. */
static void aligned_skips_stay_free(void)
{
    const size_t align = (size_t)1 << 20;
    char *p, *q;
    void *v;

    CHECK_OK(pal_mem_reserve_aligned(ps(), align, &v));
    p = v;
    CHECK_EQ((uintptr_t)p % align, 0);
    CHECK(th_all_bytes(p, ps(), 0));
    q = reserve(ps());
    CHECK(q != NULL && q != p);
    CHECK(th_all_bytes(q, ps(), 0));
    CHECK_OK(pal_mem_free(q, ps()));
    CHECK_OK(pal_mem_free(p, ps()));
}

/* unused gives the pages back (segfree) and they come back zero. */
static void unused_releases_to_zero(void)
{
    char *p = reserve(4 * ps());

    CHECK(p != NULL);
    CHECK_OK(pal_mem_map(p, 4 * ps()));
    CHECK_OK(pal_mem_used(p, 4 * ps()));
    th_memset(p, 0x42, 4 * ps());
    CHECK_OK(pal_mem_unused(p + ps(), 2 * ps()));
    CHECK_OK(pal_mem_used(p, 4 * ps()));
    CHECK(th_all_bytes(p + ps(), 2 * ps(), 0));
    CHECK(th_all_bytes(p, ps(), 0x42));
    CHECK(th_all_bytes(p + 3 * ps(), ps(), 0x42));
    CHECK_EQ(pal_mem_unused_zeroes(), 1);
    CHECK_OK(pal_mem_free(p, 4 * ps()));
}

static void no_protection_here(void)
{
    char *p = reserve(2 * ps());
    size_t res;

    CHECK(p != NULL);
    CHECK_EQ(pal_mem_protect(p, ps(), PAL_PROT_READ), PAL_ENOSYS);
    CHECK_OK(pal_mem_protect(p, ps(), PAL_PROT_READ | PAL_PROT_WRITE));
    CHECK_EQ(pal_mem_fault(p, ps()), PAL_ENOSYS);
    CHECK_EQ(pal_mem_guard(p, ps()), PAL_ENOSYS);
    CHECK_EQ(pal_mem_seal(p, ps()), PAL_ENOSYS);
    CHECK_EQ(pal_mem_name(p, ps(), "x"), PAL_ENOSYS);
    CHECK_EQ(pal_mem_resident(p, ps(), &res), PAL_ENOSYS);
    CHECK_EQ(pal_mem_collapse(p, ps()), PAL_ENOSYS);
    CHECK_OK(pal_mem_hugepage(p, ps()));
    CHECK_OK(pal_mem_nohugepage(p, ps()));
    CHECK_EQ(pal_mem_features() & ~(unsigned)PAL_FEAT_MADV_DONTNEED, 0);
    CHECK_EQ(pal_mem_huge_page_size(), 0);
    /* still read-write, still ours */
    p[0] = 1;
    CHECK_OK(pal_mem_free(p, 2 * ps()));
}

#if defined(__linux__)
#include <unistd.h>

/* Something else moves the break (libc's malloc would): what was left at
 * the old end goes on the free list, the end starts over above the other
 * user's memory, and that memory is never handed out. */
static void break_moved_by_others(void)
{
    char *a, *b, *theirs;

    a = reserve(BIG);
    CHECK(a != NULL);
    CHECK_OK(pal_mem_free(a, BIG)); /* the end is back at a */
    theirs = sbrk((intptr_t)ps());
    CHECK(theirs != (char *)-1);
    b = reserve(8 * BIG); /* more than any free block holds */
    CHECK(b != NULL && b >= theirs + ps());
    CHECK(th_all_bytes(b, 8 * BIG, 0));
    CHECK_EQ(pal_mem_reserve_at(theirs, ps()), PAL_EEXIST);
    CHECK_OK(pal_mem_reserve_at(a, BIG)); /* the old end, now on the list */
    CHECK(th_all_bytes(a, BIG, 0));
    CHECK_OK(pal_mem_free(a, BIG));
    CHECK_OK(pal_mem_free(b, 8 * BIG));
}

#if defined(__GLIBC__)
/* Another user of the break inside a library call, between its sbrk(0) and
 * the sbrk that grows the break, as malloc on another thread could be:
 * this sbrk takes the place of libc's for libpal (the program's own
 * definition wins over the shared library's) and, when armed, first moves
 * the break by a page of its own through glibc's __sbrk, which keeps
 * glibc's idea of the break right. */
extern void *__sbrk(intptr_t increment);
static int move_break_first;
static char *their_page;

void *sbrk(intptr_t increment)
{
    if (increment > 0 && move_break_first) {
        move_break_first = 0;
        their_page = __sbrk((intptr_t)ps());
    }
    return __sbrk(increment);
}

/* More than all the tests before have reserved: from a new break. */
#define BIGGEST (32 * BIG)

/* The break grew all the same, above the other user's page: that memory is
 * the new end, handed out, and the other user's page never is. */
static void break_moved_inside_a_call(void)
{
    char *a, *b;

    a = reserve(BIG);
    CHECK(a != NULL);
    CHECK_OK(pal_mem_free(a, BIG));
    move_break_first = 1;
    b = reserve(BIGGEST); /* more than the end holds: grows the break */
    CHECK_EQ(move_break_first, 0); /* it did */
    CHECK(their_page != (char *)-1);
    CHECK(b != NULL);
    CHECK(b >= their_page + ps() || b + BIGGEST <= their_page);
    CHECK(th_all_bytes(b, BIGGEST, 0));
    CHECK_EQ(pal_mem_reserve_at(their_page, ps()), PAL_EEXIST);
    CHECK_OK(pal_mem_reserve_at(a, BIG)); /* the old end, on the list now */
    CHECK_OK(pal_mem_free(a, BIG));
    CHECK_OK(pal_mem_free(b, BIGGEST));
}
#endif
#endif

/* The optional calls where the OS has no native way: populate touches each
 * page (resident after, contents kept), no explicit huge pages, one NUMA
 * node (node 0), no MTE or BTI; unused_ranges: ranges_one_by_one.h. */
static void features_without_native_ways(void)
{
    size_t ps = pal_mem_page_size(), n = 6 * ps, sizes[2], res = 0;
    unsigned node = 7;
    unsigned char *p;
    void *v;

    CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    th_memset(p, 0x67, n);
    CHECK_OK(pal_mem_populate(p, n));
    CHECK(th_all_bytes(p, n, 0x67));
    if (pal_mem_features() & PAL_FEAT_RESIDENT) {
        CHECK_OK(pal_mem_resident(p, n, &res));
        CHECK_EQ(res, n);
    }
    CHECK_EQ(pal_mem_features() & (PAL_FEAT_BATCH | PAL_FEAT_POPULATE | PAL_FEAT_HUGETLB |
                                   PAL_FEAT_NUMA | PAL_FEAT_MTE | PAL_FEAT_BTI), 0);
    CHECK_EQ(pal_mem_huge_page_sizes(sizes, 2), 0);
    CHECK_EQ(pal_mem_alloc_huge(2 * 1024 * 1024, 0, &v), PAL_ENOSYS);
    CHECK_EQ(pal_mem_numa_nodes(), 1);
    /* one memory, so every CPU is on node 0 */
    CHECK_OK(pal_mem_current_node(&node));
    CHECK_EQ(node, 0);
    CHECK_OK(pal_mem_bind_node(p, ps, 0));
    CHECK_EQ(pal_mem_bind_node(p, ps, 1), PAL_EINVAL);
    CHECK_EQ(pal_mem_protect(p, ps, PAL_PROT_READ | PAL_PROT_WRITE | PAL_PROT_MTE),
             PAL_ENOSYS);
    CHECK_OK(pal_mem_free(p, n));
}

const struct th_test th_tests[] = {
    TH(free_list_reuses_and_zeroes),
    TH(neighbours_merge_and_split),
    TH(free_at_end_lowers_the_end),
    TH(end_of_memory_takes_free_neighbour),
    TH(reserve_at_places_exactly),
    TH(aligned_skips_stay_free),
    TH(unused_releases_to_zero),
    TH(no_protection_here),
#if defined(__linux__)
    TH(break_moved_by_others),
#if defined(__GLIBC__)
    TH(break_moved_inside_a_call),
    TH(features_without_native_ways),
    TH(unused_ranges_one_by_one),
#endif
#endif
    TH_END,
};
