/*
 * test_maps.c - what the address space holds after each placement call,
 * read from /proc/self/maps: reserve_aligned leaves exactly the range it
 * returns, reserve_at lands exactly where asked on a free range, and a
 * refused call (reserve_at onto a mapping, a reservation too large to fit)
 * leaves nothing behind.  For every backend that runs on a POSIX libc here
 * (linux, bsd, aix): each has its own way to place and align.
 */
#include "pal_test.h"
#include "maps.h"

/* qemu-user on 32-bit guests leaves PROT_NONE mappings out of the maps it
 * emulates: there nothing below can be seen. */
static const char *maps_blind(void)
{
    size_t ps = pal_mem_page_size(), before = th_mapped_bytes(), after;
    void *v;

    if (before == 0)
        return "no /proc/self/maps";
    if (pal_mem_reserve(NULL, 16 * ps, &v) != PAL_OK)
        return "cannot reserve";
    after = th_mapped_bytes();
    pal_mem_free(v, 16 * ps);
    if (after != before + 16 * ps)
        return "reservations do not show in /proc/self/maps (qemu-user hides "
               "PROT_NONE mappings on 32-bit guests)";
    return NULL;
}

static void reserve_aligned_leaves_no_slop(void)
{
    size_t ps = pal_mem_page_size(), hps = pal_mem_huge_page_size();
    size_t aligns[] = { ps, 16 * ps, (size_t)1 << 21, (size_t)1 << 24, 0 };
    size_t sizes[] = { ps, 3 * ps, (size_t)1 << 21, 0 };
    size_t i, j, before, after, n, a;
    const char *why = maps_blind();
    void *v;

    if (why != NULL)
        SKIP("%s", why);
    if (hps != 0)
        aligns[4] = hps;
    for (i = 0; i < sizeof aligns / sizeof aligns[0]; i++) {
        for (j = 0; j < sizeof sizes / sizeof sizes[0]; j++) {
            a = aligns[i];
            n = sizes[j] + (j == 3 ? a : 0); /* and one of exactly align + n */
            if (a < ps || n < ps)
                continue;
            n = (n + ps - 1) & ~(ps - 1);
            before = th_mapped_bytes();
            CHECK_OK(pal_mem_reserve_aligned(n, a, &v));
            after = th_mapped_bytes();
            CHECK_EQ((uintptr_t)v & (a - 1), 0);
            if (after - before != n)
                th_note("align %zu, size %zu: %zu bytes more mapped", a, n, after - before);
            CHECK_EQ(after - before, n);
            CHECK_OK(pal_mem_free(v, n));
            CHECK_EQ(th_mapped_bytes(), before);
        }
    }
}

/* reserve_at onto a mapping: PAL_EEXIST, and not a byte more mapped (a
 * kernel that took MAP_FIXED_NOREPLACE for a hint mapped elsewhere, which
 * the library must have undone). */
static void reserve_at_refused_leaves_nothing(void)
{
    size_t ps = pal_mem_page_size(), before;
    const char *why = maps_blind();
    void *v;

    if (why != NULL)
        SKIP("%s", why);
    CHECK_OK(pal_mem_alloc(4 * ps, &v));
    before = th_mapped_bytes();
    CHECK_EQ(pal_mem_reserve_at(v, 4 * ps), PAL_EEXIST);
    CHECK_EQ(pal_mem_reserve_at((char *)v + 2 * ps, 4 * ps), PAL_EEXIST);
    CHECK_EQ(th_mapped_bytes(), before);
    CHECK_OK(pal_mem_free(v, 4 * ps));
}

/* A free range is reserved at exactly its address.  (A hint-and-check that
 * the kernel moves, as NetBSD does with hints where the heap may grow,
 * would answer PAL_EEXIST here.) */
static void reserve_at_free_range(void)
{
    size_t n = 4 * pal_mem_page_size(), before;
    char *v;
    void *p;

    CHECK_OK(pal_mem_reserve(NULL, 3 * n, &p)); /* a range known to be free */
    v = p;
    CHECK_OK(pal_mem_free(v, 3 * n));
    before = th_mapped_bytes();
    CHECK_OK(pal_mem_reserve_at(v + n, n));
    if (maps_blind() == NULL)
        CHECK_EQ(th_mapped_bytes() - before, n);
    CHECK_EQ(pal_mem_reserve_at(v + n, n), PAL_EEXIST); /* it is there now */
    CHECK_EQ(th_faults(v + n, 0), 1);
    CHECK_OK(pal_mem_free(v + n, n));
}

/* A reservation that cannot fit fails with PAL_ENOMEM and maps nothing;
 * one whose size plus alignment wraps does too.  "Cannot fit" is the whole
 * address space less a page or an alignment: a fraction of it may well fit,
 * as on s390x, whose user space is the whole 64-bit space but its last page
 * (its 6.1 kernel maps three quarters of it in one call). */
static void oversized_reservations_leave_nothing(void)
{
    size_t ps = pal_mem_page_size(), before;
    size_t huge = (size_t)-1 & ~(ps - 1), align = (size_t)1 << 21;
    const char *why = maps_blind();
    void *v = (void *)1;

    if (why != NULL)
        SKIP("%s", why);
    before = th_mapped_bytes();
    CHECK_EQ(pal_mem_reserve(NULL, huge, &v), PAL_ENOMEM);
    /* size plus slop fits in a size_t: the kernel refuses it */
    CHECK_EQ(pal_mem_reserve_aligned(huge - align, align, &v), PAL_ENOMEM);
    /* size plus slop wraps */
    CHECK_EQ(pal_mem_reserve_aligned(huge - ps, align, &v), PAL_ENOMEM);
    CHECK(v == (void *)1);
    CHECK_EQ(th_mapped_bytes(), before);
}

const struct th_test th_tests[] = {
    TH(reserve_aligned_leaves_no_slop),
    TH(reserve_at_free_range),
    TH(reserve_at_refused_leaves_nothing),
    TH(oversized_reservations_leave_nothing),
    TH_END,
};
