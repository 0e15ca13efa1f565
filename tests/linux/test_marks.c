/*
 * test_marks.c - the huge-page end marks follow the ranges that asked for
 * huge pages (the record of pal_ranges.h), and past the record's size
 * every range (its fallback): unused of a range asked huge, its ends
 * inside huge pages, makes the release and one mark (the two end huge
 * pages are neighbours: one call), counted by the library's OS-call
 * counter.  Whether THP exists is read from /sys, the overcommit mode from
 * /proc (strict overcommit releases by a fresh PROT_NONE mapping, which
 * needs no mark).
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "lx_util.h"
#include "pal_ranges.h"

static struct lx_smaps sm_;

static size_t calls(void)
{
    struct pal_mem_stats s;

    pal_mem_get_stats(&s);
    return s.os_calls;
}

/* The calls of one unused of [p + ps, p + 2h - ps) asked huge first. */
static int unused_calls(size_t h, size_t *out)
{
    size_t ps = pal_mem_page_size(), c0;
    unsigned char *p;
    void *v;
    int err;

    if ((err = pal_mem_reserve_aligned(2 * h, h, &v)) != PAL_OK ||
        (err = pal_mem_map(v, 2 * h)) != PAL_OK || (err = pal_mem_used(v, 2 * h)) != PAL_OK ||
        (err = pal_mem_hugepage(v, 2 * h)) != PAL_OK)
        return err;
    p = v;
    p[ps] = 1;
    c0 = calls();
    if ((err = pal_mem_unused(p + ps, 2 * h - 2 * ps)) != PAL_OK)
        return err;
    *out = calls() - c0;
    return pal_mem_free(p, 2 * h);
}

/* The promise in figures, where the kernel's settings make it exact: THP
 * not "always" (no refilling of huge pages nobody asked for), heuristic
 * overcommit.  With huge pages asked for and access narrowed on other
 * ranges, unused of a range with both ends inside huge pages is one call,
 * used none, purge one. */
static void unmarked_range_one_call_per_release(void)
{
    size_t ps = pal_mem_page_size(), h = pal_mem_huge_page_size(), c0, i;
    size_t c_unused = 0, c_used = 0, c_purge = 0;
    unsigned char *p, *q;
    void *v;

    if (lx_read_proc("/sys/kernel/mm/transparent_hugepage/enabled") > 0 &&
        th_strstr(lx_buf, "[always]") != NULL)
        SKIP("THP \"always\": unused marks every range's ends, asked or not");
    if (lx_strict_overcommit())
        SKIP("strict overcommit: used takes the commit charge back (mprotect)");
    if (h < ps)
        h = 64 * ps;
    CHECK_OK(pal_mem_reserve_aligned(4 * h, h, &v));
    p = v;
    CHECK_OK(pal_mem_map(p, 4 * h));
    CHECK_OK(pal_mem_used(p, 4 * h));
    CHECK_OK(pal_mem_reserve_aligned(4 * h, h, &v));
    q = v;
    CHECK_OK(pal_mem_map(q, 4 * h));
    CHECK_OK(pal_mem_used(q, 4 * h));
    CHECK_OK(pal_mem_hugepage(q, 2 * h));
    CHECK_OK(pal_mem_protect(q + 2 * h, ps, PAL_PROT_READ));
    CHECK_OK(pal_mem_unused(q + ps, 2 * h)); /* marks its ends */
    CHECK_OK(pal_mem_used(q + ps, 2 * h));
    /* other ranges read what is read once (the overcommit mode); the
     * rounds count from this range's first release */
    for (i = 0; i < 4; i++) {
        c0 = calls();
        CHECK_OK(pal_mem_unused(p + ps, 4 * h - 2 * ps));
        c_unused += calls() - c0;
        c0 = calls();
        CHECK_OK(pal_mem_used(p + ps, 4 * h - 2 * ps));
        c_used += calls() - c0;
        p[ps] = 1;
        c0 = calls();
        CHECK_OK(pal_mem_purge(p + ps, 4 * h - 2 * ps, PAL_PURGE_LAZY));
        c_purge += calls() - c0;
    }
    th_note("4 rounds: unused %zu calls, used %zu, purge %zu", c_unused, c_used, c_purge);
    CHECK_EQ(c_unused, 4);
    CHECK_EQ(c_used, 0);
    CHECK_EQ(c_purge, 4);
    CHECK_OK(pal_mem_free(p, 4 * h));
    CHECK_OK(pal_mem_free(q, 4 * h));
}

static void asked_range_marks_before_and_past_a_full_record(void)
{
    const size_t count = PAL_RANGES_SLOTS + 8;
    size_t ps = pal_mem_page_size(), h = 0, got, i;
    unsigned char *p;
    void *v;

    if (lx_read_proc("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size") > 0)
        for (i = 0; lx_buf[i] >= '0' && lx_buf[i] <= '9'; i++)
            h = h * 10 + (size_t)(lx_buf[i] - '0');
    if (h == 0)
        SKIP("no transparent huge pages (/sys/kernel/mm/transparent_hugepage/hpage_pmd_size)");
    if (lx_strict_overcommit())
        SKIP("strict overcommit: unused remaps, and marks nothing");
    CHECK_EQ(pal_mem_policy(), PAL_POLICY_DEFAULT);

    /* the first reads what is read once (the overcommit mode) */
    CHECK_OK(unused_calls(h, &got));
    CHECK_OK(unused_calls(h, &got));
    CHECK_EQ(got, 2);

    /* every other page asked huge, for good: the record fills */
    CHECK_OK(pal_mem_reserve(NULL, 2 * count * ps, &v));
    p = v;
    CHECK_OK(pal_mem_map(p, 2 * count * ps));
    for (i = 0; i < count; i++)
        CHECK_OK(pal_mem_hugepage(p + 2 * i * ps, ps));

    CHECK_OK(unused_calls(h, &got));
    CHECK_EQ(got, 2);
    CHECK_OK(pal_mem_free(p, 2 * count * ps));
}

/* THP here and heuristic overcommit, read from /sys and /proc: the
 * huge page size, or 0 with the reason in *why. */
static size_t marks_here(const char **why)
{
    size_t h = 0, i;

    *why = "no transparent huge pages (/sys/kernel/mm/transparent_hugepage/hpage_pmd_size)";
    if (lx_read_proc("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size") > 0)
        for (i = 0; lx_buf[i] >= '0' && lx_buf[i] <= '9'; i++)
            h = h * 10 + (size_t)(lx_buf[i] - '0');
    if (h != 0 && lx_strict_overcommit()) {
        *why = "strict overcommit: unused remaps, and marks nothing";
        h = 0;
    }
    return h;
}

/* A Ready range of n bytes aligned to h, asked huge pages for. */
static int asked(size_t n, size_t h, unsigned char **out)
{
    void *v;
    int err;

    if ((err = pal_mem_reserve_aligned(n, h, &v)) != PAL_OK ||
        (err = pal_mem_map(v, n)) != PAL_OK || (err = pal_mem_used(v, n)) != PAL_OK ||
        (err = pal_mem_hugepage(v, n)) != PAL_OK)
        return err;
    *out = v;
    return PAL_OK;
}

#define COUNT_CALLS(var, call)                                                \
    do {                                                                      \
        size_t c0_ = calls();                                                 \
        CHECK_OK(call);                                                       \
        (var) = calls() - c0_;                                                \
    } while (0)

/* One call per huge page per change of its state: a release marks an end
 * huge page no-huge-page once, the releases after it that end there again
 * make no mark, a used that does not cover a marked page whole undoes
 * nothing, and one that does undoes it (and the next release marks it
 * again).  Ranges of 4 huge pages less a page at each end: ends in huge
 * pages 0 and 3, apart. */
static void marks_once_per_change(void)
{
    size_t ps = pal_mem_page_size(), h, n, got;
    const char *why;
    unsigned char *p;
    int i, flags_visible;

    if ((h = marks_here(&why)) == 0)
        SKIP("%s", why);
    /* qemu-user accepts the advice, ignores it, and shows the host's smaps */
    flags_visible = lx_have_vmflags() && !lx_qemu_user();
    CHECK_EQ(pal_mem_policy(), PAL_POLICY_DEFAULT);
    CHECK_OK(asked(4 * h, h, &p));
    n = 4 * h - 2 * ps;
    /* a first release reads what is read once */
    CHECK_OK(pal_mem_unused(p + ps, n));
    CHECK_OK(pal_mem_used(p, 4 * h));
    COUNT_CALLS(got, pal_mem_unused(p + ps, n));
    CHECK_EQ(got, 3); /* the release, a mark on each end */
    for (i = 0; i < 3; i++) {
        COUNT_CALLS(got, pal_mem_used(p + ps, n));
        if (got != 0) {
            th_fail_at(__FILE__, __LINE__, "used %d of a range whose whole huge pages "
                       "were never marked: %zu calls, want 0", i, got);
            return;
        }
        COUNT_CALLS(got, pal_mem_unused(p + ps, n));
        if (got != 1) {
            th_fail_at(__FILE__, __LINE__, "unused %d with both end huge pages marked "
                       "already: %zu calls, want 1", i, got);
            return;
        }
    }
    COUNT_CALLS(got, pal_mem_purge(p + ps, n, PAL_PURGE_LAZY));
    CHECK_EQ(got, 1);
    /* a used over the marked pages whole undoes them, in one call */
    COUNT_CALLS(got, pal_mem_used(p, 4 * h));
    CHECK_EQ(got, 1);
    if (flags_visible && lx_smaps((uintptr_t)p, (uintptr_t)p + 4 * h, "nh", &sm_) == 0)
        CHECK_EQ(sm_.with_flag, 0);
    COUNT_CALLS(got, pal_mem_unused(p + ps, n));
    CHECK_EQ(got, 3);
    if (flags_visible && lx_smaps((uintptr_t)p, (uintptr_t)p + 4 * h, "nh", &sm_) == 0)
        CHECK_EQ(sm_.with_flag, 2);
    CHECK_OK(pal_mem_free(p, 4 * h));
}

/* More marked huge pages than the record of them holds: a used over the
 * ones it could not record undoes them all the same. */
static void marks_past_a_full_record_are_undone(void)
{
    const size_t count = PAL_RANGES_SLOTS / 2 + 8; /* two marked pages each */
    size_t ps = pal_mem_page_size(), h, got, i;
    const char *why;
    unsigned char *p;

    if ((h = marks_here(&why)) == 0)
        SKIP("%s", why);
    CHECK_EQ(pal_mem_policy(), PAL_POLICY_DEFAULT);
    CHECK_OK(asked(2 * count * h, h, &p));
    for (i = 0; i < count; i++)
        CHECK_OK(pal_mem_unused(p + 2 * i * h + ps, 2 * h - 2 * ps));
    /* the last pair's marks went unrecorded */
    COUNT_CALLS(got, pal_mem_used(p + 2 * (count - 1) * h, 2 * h));
    CHECK_EQ(got, 1);
    CHECK_OK(pal_mem_free(p, 2 * count * h));
}

const struct th_test th_tests[] = {
    TH(unmarked_range_one_call_per_release),
    TH(asked_range_marks_before_and_past_a_full_record),
    TH(marks_once_per_change),
    TH(marks_past_a_full_record_are_undone),
    TH_END,
};
