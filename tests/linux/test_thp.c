/*
 * test_thp.c - the huge-page seeds of the Linux commit logic, observed in
 * /proc/self/smaps (VmFlags hg/nh, AnonHugePages) and /proc/self/maps:
 *
 *  - marks only where they change what the kernel does: none under THP
 *    "madvise" until the caller asks for huge pages, the seeds' marks
 *    under "always" with khugepaged/max_ptes_none above 0 (checked in a
 *    fresh child, against the mode this kernel is in);
 *  - once marks are made, unused marks no-huge-page only the huge pages holding its unaligned
 *    ends, never the whole huge pages between them; used marks huge-page
 *    the whole huge pages inside its range;
 *  - so a pessimal heap (every other piece released) keeps a handful of
 *    mappings, where marking each released piece makes thousands;
 *  - the mark is what stops MADV_COLLAPSE (and khugepaged) from filling a
 *    partly released huge page back in;
 *  - policy NO_THP: map marks the whole range no-huge-page, used adds no
 *    huge-page mark;
 *  - unused_ranges makes every range's marks even where one of them fails
 *    (a hole in its huge page), as unused range by range does;
 *  - the huge page at address 0 is marked like any other, and (32-bit) in
 *    the top huge page hugepage and used advise nothing outside the range.
 *
 * Sizes come from pal_mem_page_size() and pal_mem_huge_page_size().  Where
 * the kernel's view cannot be seen (qemu-user's smaps has no VmFlags, THP
 * off) the tests say skipped, with the reason.
 */
#define _GNU_SOURCE
#include <time.h>

#include "lx_util.h"

#define KiB ((size_t)1024)
#define MiB (KiB * KiB)

static size_t ps, hps;

/* 1: every mapping over [lo, hi) carries flag; 0: none does; -1: some do,
 * or smaps says nothing about the range. */
static int flag_on(uintptr_t lo, uintptr_t hi, const char *flag)
{
    struct lx_smaps s;

    if (lx_smaps(lo, hi, flag, &s) != 0 || s.vmas == 0 || s.vmflags != s.vmas)
        return -1;
    return s.with_flag == s.vmas ? 1 : s.with_flag == 0 ? 0 : -1;
}

/* Whether MADV_NOHUGEPAGE on the middle page of three shows in smaps as a
 * mapping of its own with nh.  qemu-user accepts the advice, ignores it,
 * and passes the host's smaps through (its own mappings, at host
 * addresses), so VmFlags being there proves nothing. */
static int advice_visible(void)
{
    void *v = NULL;
    uintptr_t p;
    int ok = 0;

    if (pal_mem_alloc(3 * ps, &v) != PAL_OK)
        return 0;
    p = (uintptr_t)v;
    if (pal_mem_nohugepage((char *)v + ps, ps) == PAL_OK)
        ok = flag_on(p + ps, p + 2 * ps, "nh") == 1 && flag_on(p, p + ps, "nh") == 0 &&
             lx_count_vmas(p, p + 3 * ps) == 3;
    (void)pal_mem_free(v, 3 * ps);
    return ok;
}

/* Why these tests cannot run here, or NULL. */
static const char *thp_unavailable(void)
{
    ps = pal_mem_page_size();
    hps = pal_mem_huge_page_size();
    if (ps == 0)
        return "no page size";
    if (hps == 0 && lx_read_proc("/sys/kernel/mm/transparent_hugepage/enabled") < 0)
        return "this kernel has no transparent huge pages (no "
               "/sys/kernel/mm/transparent_hugepage: not built in, or the CPU lacks them)";
    if (hps == 0)
        return "transparent huge pages are off here (mode \"never\")";
    if (!lx_have_vmflags())
        return "no VmFlags in /proc/self/smaps (qemu-user)";
    if (!advice_visible())
        return "MADV_NOHUGEPAGE leaves no trace in /proc/self/smaps "
               "(advice ignored: qemu-user)";
    return NULL;
}

/* Flag `flag` on huge page i of the heap at base is `want`. */
#define CHECK_HUGE(base, i, flag, want)                                       \
    do {                                                                      \
        uintptr_t ch_lo_ = (uintptr_t)(base) + (size_t)(i) * hps;             \
        int ch_got_ = flag_on(ch_lo_, ch_lo_ + hps, flag);                    \
        if (ch_got_ != (want)) {                                              \
            th_fail_at(__FILE__, __LINE__,                                    \
                       "huge page %d of the heap: VmFlags %s is %d, want %d " \
                       "(1 all, 0 none, -1 mixed)", (int)(i), flag, ch_got_,  \
                       (int)(want));                                          \
            return;                                                           \
        }                                                                     \
    } while (0)

static size_t calls_now(void)
{
    struct pal_mem_stats st;

    pal_mem_get_stats(&st);
    return st.os_calls;
}

/* A heap that every test frees and whose policy it restores, also when a
 * check fails half-way. */
static char *heap;
static size_t heap_size;

static int heap_reserve(size_t n)
{
    void *v = NULL;

    if (pal_mem_reserve_aligned(n, hps, &v) != PAL_OK)
        return 0;
    heap = v;
    heap_size = n;
    return 1;
}

static void heap_release(void)
{
    if (heap != NULL)
        (void)pal_mem_free(heap, heap_size);
    heap = NULL;
    (void)pal_mem_set_policy(PAL_POLICY_DEFAULT);
}

/* The caller asks for huge pages on [v, v+n) while it is only reserved:
 * from then on the library keeps released parts of its huge pages from
 * being refilled, with the seeds' marks (only there: asked on one range,
 * marks cost nothing elsewhere).  The mapping pal_mem_map then puts there
 * starts without the kernel's hg flag, so that VmFlags show the marks
 * alone.  0 if it could not. */
static int ask_huge_for(void *v, size_t n)
{
    return pal_mem_hugepage(v, n) == PAL_OK;
}

/* ---- marks only where they change something ---------------------------- */

/* What this kernel would do with a partly released huge page nobody asked
 * huge pages for: khugepaged fills it back in under THP "always" when
 * max_ptes_none is above 0.  1 yes, 0 no, -1 cannot read. */
static int kernel_refills(void)
{
    int always;

    if (lx_read_proc("/sys/kernel/mm/transparent_hugepage/enabled") <= 0)
        return -1;
    always = th_strstr(lx_buf, "[always]") != NULL;
    if (lx_read_proc("/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none") <= 0)
        return -1;
    return always && !(lx_buf[0] == '0' && lx_buf[1] == '\n');
}

#define SCAVENGE_PAIRS 2000

/* A fresh library (nothing asked, nothing marked yet): marks exactly when
 * the kernel would refill; and the scavenger's unused+used pairs cost one
 * call per pair where it would not. */
static int fresh_marks_child(void *arg)
{
    size_t n = 8 * hps, c0, d_unused, d_used, pairs;
    int refills = *(int *)arg;
    unsigned seed = 12345;
    char *b;
    void *v;

    C_CHECK_OK(pal_mem_reserve_aligned(n, hps, &v));
    b = v;
    C_CHECK_OK(pal_mem_map(b, n));
    C_CHECK_OK(pal_mem_used(b, n));
    th_memset(b, 0x5a, n);
    /* the first unused that could mark (an end inside a huge page) reads
     * the facts it needs once (overcommit mode, max_ptes_none, the zero
     * check): not part of the figures */
    C_CHECK_OK(pal_mem_unused(b + 6 * hps + ps, hps - ps));
    C_CHECK_OK(pal_mem_used(b + 6 * hps, hps));

    c0 = calls_now();
    C_CHECK_OK(pal_mem_unused(b + hps + ps, hps));   /* ends in huge pages 1 and 2 */
    d_unused = calls_now() - c0;
    C_CHECK_EQ(flag_on((uintptr_t)b + hps, (uintptr_t)b + 3 * hps, "nh"), refills);
    c0 = calls_now();
    C_CHECK_OK(pal_mem_used(b + ps, 4 * hps));       /* whole huge pages 1-3 inside */
    d_used = calls_now() - c0;
    lx_rep->fig[0] = (long)d_unused;
    lx_rep->fig[1] = (long)d_used;
    /* used undoes the marks on the whole huge pages inside: hg there
     * (MADV_HUGEPAGE clears nh), where there were marks to undo */
    C_CHECK_EQ(flag_on((uintptr_t)b + hps, (uintptr_t)b + 4 * hps, "hg"), refills);
    C_CHECK_EQ(flag_on((uintptr_t)b + hps, (uintptr_t)b + 4 * hps, "nh"), 0);
    C_CHECK_EQ(d_unused, refills ? 2 : 1);
    C_CHECK_EQ(d_used, refills ? 1 : 0);

    /* the scavenger: random spans released and taken back */
    c0 = calls_now();
    for (pairs = 0; pairs < SCAVENGE_PAIRS; pairs++) {
        size_t pages = n / ps, len, at;

        seed = seed * 1103515245u + 12345u;
        len = 1 + (seed >> 8) % 64;
        at = (seed >> 16) % (pages - len);
        C_CHECK_OK(pal_mem_unused(b + at * ps, len * ps));
        C_CHECK_OK(pal_mem_used(b + at * ps, len * ps));
    }
    lx_rep->fig[2] = (long)(calls_now() - c0);
    if (!refills)
        C_CHECK_EQ(calls_now() - c0, SCAVENGE_PAIRS);
    C_CHECK_OK(pal_mem_free(b, n));
    return 0;
}

static void thp_marks_only_where_needed(void)
{
    const char *why = thp_unavailable();
    int refills = kernel_refills();

    if (why != NULL)
        SKIP("%s", why);
    if (refills < 0)
        SKIP("cannot read the THP mode or khugepaged/max_ptes_none");
    if (lx_strict_overcommit())
        SKIP("vm.overcommit_memory=2: unused remaps PROT_NONE and used takes the "
             "charge back, two calls a pair and no marks");
    RUN_CHILD(fresh_marks_child, &refills);
    th_note("THP %s: unused with unaligned ends %ld calls, used %ld; "
            "%d scavenger pairs (unused + used): %ld calls",
            refills ? "\"always\" with max_ptes_none > 0 (khugepaged refills)"
                    : "mode in which nothing refills unasked",
            lx_rep->fig[0], lx_rep->fig[1], SCAVENGE_PAIRS, lx_rep->fig[2]);
}

/* ---- unused marks only the ends; used marks the whole pages inside ---- */

#define MARKS_HUGE_PAGES 32

static void marks_body(void)
{
    char *b = heap;
    size_t n = heap_size, c0, d_aligned, d_adjacent, d_apart;
    /* which huge pages end up no-huge-page, by the ranges released below */
    static const int nh_expected[MARKS_HUGE_PAGES] = {
        [2] = 1, [5] = 1, [9] = 1, [10] = 1, [17] = 1, [19] = 1,
    };
    char *a_lo = b + 2 * hps + 3 * ps, *a_hi = b + 6 * hps - 5 * ps;  /* ends in 2 and 5 */
    char *c_lo = b + 13 * hps, *c_hi = b + 15 * hps;                  /* aligned */
    char *j_lo = b + 9 * hps + ps, *j_hi = b + 11 * hps - ps;          /* ends in 9, 10 */
    char *d_lo = b + 17 * hps + ps, *d_hi = b + 20 * hps - ps;         /* ends in 17, 19 */
    int i;

    /* Set up with thpgranular=0: no marks at all to start from. */
    CHECK_OK(pal_mem_set_policy(PAL_POLICY_DONTNEED));
    CHECK_OK(pal_mem_map(b, n));
    CHECK_OK(pal_mem_used(b, n));
    CHECK_EQ(flag_on((uintptr_t)b, (uintptr_t)b + n, "nh"), 0);
    CHECK_EQ(flag_on((uintptr_t)b, (uintptr_t)b + n, "hg"), 0);
    th_memset(b, 0x5a, n / 4); /* some of it resident, as in a real heap */

    CHECK_OK(pal_mem_set_policy(PAL_POLICY_DEFAULT));
    CHECK_OK(pal_mem_unused(a_lo, (size_t)(a_hi - a_lo)));
    c0 = calls_now();
    CHECK_OK(pal_mem_unused(c_lo, (size_t)(c_hi - c_lo)));
    d_aligned = calls_now() - c0;
    c0 = calls_now();
    CHECK_OK(pal_mem_unused(j_lo, (size_t)(j_hi - j_lo)));
    d_adjacent = calls_now() - c0;
    c0 = calls_now();
    CHECK_OK(pal_mem_unused(d_lo, (size_t)(d_hi - d_lo)));
    d_apart = calls_now() - c0;

    for (i = 0; i < MARKS_HUGE_PAGES; i++) {
        CHECK_HUGE(b, i, "nh", nh_expected[i]);
        CHECK_HUGE(b, i, "hg", 0);
    }
    /* One mark call for two adjacent end pages, two for ends apart, none
     * for aligned ends: the release itself is the rest. */
    th_note("calls per unused: aligned %zu, ends in adjacent huge pages %zu, "
            "ends apart %zu", d_aligned, d_adjacent, d_apart);
    CHECK_EQ(d_adjacent, d_aligned + 1);
    CHECK_EQ(d_apart, d_aligned + 2);

    /* used: nothing where no marked huge page lies whole inside (the
     * pages there are as the caller left them), and the end marks stay;
     * a used over marked huge pages whole undoes their marks, hg on all
     * the whole huge pages inside, in one call. */
    c0 = calls_now();
    CHECK_OK(pal_mem_used(a_lo, (size_t)(a_hi - a_lo)));
    CHECK_OK(pal_mem_used(c_lo, (size_t)(c_hi - c_lo)));
    CHECK_OK(pal_mem_used(j_lo, (size_t)(j_hi - j_lo)));
    CHECK_EQ(calls_now() - c0, 0);
    for (i = 0; i < MARKS_HUGE_PAGES; i++) {
        CHECK_HUGE(b, i, "hg", 0);
        CHECK_HUGE(b, i, "nh", nh_expected[i]);
    }
    c0 = calls_now();
    CHECK_OK(pal_mem_used(b + 8 * hps, 4 * hps));
    CHECK_EQ(calls_now() - c0, 1);
    for (i = 0; i < MARKS_HUGE_PAGES; i++) {
        int undone = i >= 8 && i < 12;

        CHECK_HUGE(b, i, "hg", undone);
        CHECK_HUGE(b, i, "nh", undone ? 0 : nh_expected[i]);
    }
    CHECK(th_all_bytes(a_lo, (size_t)(a_hi - a_lo), 0));
}

static void thp_unused_marks_only_ends(void)
{
    const char *why = thp_unavailable();

    if (why != NULL)
        SKIP("%s", why);
    if (lx_strict_overcommit())
        SKIP("vm.overcommit_memory=2: a released range is PROT_NONE, which keeps "
             "khugepaged out without marks");
    if (!heap_reserve(MARKS_HUGE_PAGES * hps))
        SKIP("cannot reserve %zu MiB aligned to the huge page size",
             MARKS_HUGE_PAGES * hps / MiB);
    if (!ask_huge_for(heap, heap_size))
        SKIP("pal_mem_hugepage failed");
    marks_body();
    heap_release();
}

/* ---- VMA count of a pessimal heap -------------------------------------- */

static long vmas_granular, vmas_fine;

/* Release every other piece of a Ready heap; with mark_each, also mark each
 * released piece no-huge-page (the page-granular marking Go used before
 * golang/go #12233).  The number of mappings inside the heap, or -1. */
static long pessimal(size_t piece, int mark_each, unsigned policy)
{
    char *b = heap;
    size_t off;

    if (pal_mem_set_policy(PAL_POLICY_DEFAULT) != PAL_OK ||
        pal_mem_map(b, heap_size) != PAL_OK || pal_mem_used(b, heap_size) != PAL_OK ||
        pal_mem_set_policy(policy) != PAL_OK)
        return -1;
    for (off = 0; off < heap_size; off += 2 * piece) {
        if (pal_mem_unused(b + off, piece) != PAL_OK)
            return -1;
        if (mark_each && pal_mem_nohugepage(b + off, piece) != PAL_OK)
            return -1;
    }
    return lx_count_vmas((uintptr_t)b, (uintptr_t)b + heap_size);
}

static void thp_vma_count_pessimal_heap(void)
{
    const char *why = thp_unavailable();
    size_t n, piece, pieces;
    long bound;

    if (why != NULL)
        SKIP("%s", why);
    if (lx_strict_overcommit())
        SKIP("vm.overcommit_memory=2: unused decommits by protection, a mapping per range");
    n = 64 * MiB > 4 * hps ? 64 * MiB : 4 * hps;
    piece = 8 * KiB > 2 * ps ? 8 * KiB : 2 * ps;
    pieces = n / (2 * piece);
    bound = (long)(2 * (n / hps) + 1);
    if (!heap_reserve(n))
        SKIP("cannot reserve %zu MiB", n / MiB);
    if (!ask_huge_for(heap, heap_size))
        SKIP("pal_mem_hugepage failed");
    vmas_granular = pessimal(piece, 0, PAL_POLICY_DEFAULT);
    heap_release();
    if (!heap_reserve(n))
        SKIP("cannot reserve %zu MiB", n / MiB);
    vmas_fine = pessimal(piece, 1, PAL_POLICY_DONTNEED);
    heap_release();

    th_note("%zu MiB heap, every other %zu KiB released (%zu pieces), %zu KiB huge pages",
            n / MiB, piece / KiB, pieces, hps / KiB);
    th_note("mappings in the heap: huge-page-granular marks %ld (bound %ld), "
            "a mark per released piece %ld", vmas_granular, bound, vmas_fine);
    CHECK(vmas_granular > 0);
    CHECK(vmas_granular < bound);
    /* the comparison proves the count can tell: each marked piece is a
     * mapping of its own, and so is each gap */
    CHECK(vmas_fine > (long)pieces);
}

/* ---- the mark stops MADV_COLLAPSE refilling a partly released page ---- */

static size_t resident(const void *v, size_t n)
{
    size_t r = (size_t)-1;

    return pal_mem_resident(v, n, &r) == PAL_OK ? r : (size_t)-1;
}

static size_t anon_huge(const char *v, size_t n)
{
    struct lx_smaps s;

    return lx_smaps((uintptr_t)v, (uintptr_t)v + n, NULL, &s) == 0 ? s.anon_huge_kb * KiB : 0;
}

static int collapse_retry(void *v, size_t n)
{
    struct timespec ms = { 0, 1000000 };
    int err = PAL_EAGAIN, i;

    for (i = 0; i < 5 && err == PAL_EAGAIN; i++) {
        err = pal_mem_collapse(v, n);
        if (err == PAL_EAGAIN)
            nanosleep(&ms, NULL);
    }
    return err;
}

struct collapse_run {
    size_t before, after_unused, after_collapse, huge_after;
    int collapse_err;
    int nh;
};

/* Heap of three huge pages, the middle one backed by a huge page, then
 * unused of its middle half under unused_policy, then collapse.
 * Returns 0 done, 1 could not get a huge page, -1 an error. */
static int collapse_case(unsigned unused_policy, struct collapse_run *out)
{
    char *r = heap + hps;

    /* the caller asks for huge pages on the heap: hg on all three, so the
     * first touch may fault in a huge page */
    if (pal_mem_set_policy(PAL_POLICY_DEFAULT) != PAL_OK ||
        pal_mem_map(heap, heap_size) != PAL_OK || pal_mem_used(heap, heap_size) != PAL_OK ||
        pal_mem_hugepage(heap, heap_size) != PAL_OK)
        return -1;
    th_memset(r, 0x5a, hps);
    if (anon_huge(r, hps) < hps)
        (void)collapse_retry(r, hps);
    if (anon_huge(r, hps) < hps)
        return 1;
    out->before = resident(r, hps);
    if (pal_mem_set_policy(unused_policy) != PAL_OK ||
        pal_mem_unused(r + hps / 4, hps / 2) != PAL_OK)
        return -1;
    out->after_unused = resident(r, hps);
    out->nh = flag_on((uintptr_t)r, (uintptr_t)r + hps, "nh");
    out->collapse_err = collapse_retry(r, hps);
    out->after_collapse = resident(r, hps);
    out->huge_after = anon_huge(r, hps);
    return 0;
}

static void thp_collapse_cannot_refill(void)
{
    const char *why = thp_unavailable();
    struct collapse_run ctl = { 0, 0, 0, 0, 0, 0 }, run = { 0, 0, 0, 0, 0, 0 };
    unsigned feat;
    int got;

    if (why != NULL)
        SKIP("%s", why);
    if (lx_strict_overcommit())
        SKIP("vm.overcommit_memory=2: unused decommits by protection");
    feat = pal_mem_features();
    if (!(feat & PAL_FEAT_THP_COLLAPSE))
        SKIP("MADV_COLLAPSE not supported here (Linux < 6.1)");
    if (!(feat & PAL_FEAT_RESIDENT))
        SKIP("pal_mem_resident does not work here");
    if (hps > 64 * MiB)
        SKIP("huge pages of %zu MiB are too big to fill in a test", hps / MiB);

    /* control first: with thpgranular=0 nothing marks the page, and
     * collapse fills the released half back in */
    if (!heap_reserve(3 * hps))
        SKIP("cannot reserve %zu MiB", 3 * hps / MiB);
    got = collapse_case(PAL_POLICY_DONTNEED, &ctl);
    heap_release();
    CHECK(got >= 0);
    if (got == 1)
        SKIP("could not back the range with a huge page (AnonHugePages stays 0)");
    th_note("thpgranular=0: resident %zu KiB, after unused %zu KiB, after collapse "
            "%zu KiB (%s, AnonHugePages %zu KiB)", ctl.before / KiB,
            ctl.after_unused / KiB, ctl.after_collapse / KiB,
            pal_strerror(ctl.collapse_err), ctl.huge_after / KiB);
    CHECK_EQ(ctl.before, hps);
    CHECK_EQ(ctl.after_unused, hps / 2);
    CHECK_EQ(ctl.nh, 0);
    if (ctl.collapse_err == PAL_EAGAIN)
        SKIP("MADV_COLLAPSE not possible now, even without a no-huge-page mark");
    CHECK_OK(ctl.collapse_err);
    CHECK_EQ(ctl.after_collapse, hps);
    /* seen once in the ppc64le VM under TCG: MADV_COLLAPSE succeeded and
     * filled the range, and smaps then showed no huge page (split again):
     * without a huge page in the control, the default policy's case
     * below cannot show what its mark prevents */
    if (ctl.huge_after != hps)
        SKIP("MADV_COLLAPSE succeeded but smaps shows no huge page after it "
             "(AnonHugePages %zu KiB): the control cannot show a refill", ctl.huge_after / KiB);

    /* default policy: the page holding the released ends is marked, and
     * collapse cannot fill it back in */
    if (!heap_reserve(3 * hps))
        SKIP("cannot reserve %zu MiB", 3 * hps / MiB);
    got = collapse_case(PAL_POLICY_DEFAULT, &run);
    heap_release();
    CHECK(got >= 0);
    if (got == 1)
        SKIP("could not back the range with a huge page (AnonHugePages stays 0)");
    th_note("default:        resident %zu KiB, after unused %zu KiB, after collapse "
            "%zu KiB (%s, AnonHugePages %zu KiB)", run.before / KiB,
            run.after_unused / KiB, run.after_collapse / KiB,
            pal_strerror(run.collapse_err), run.huge_after / KiB);
    CHECK_EQ(run.before, hps);
    CHECK_EQ(run.after_unused, hps / 2);
    CHECK_EQ(run.nh, 1);
    CHECK(run.collapse_err != PAL_OK);
    CHECK_EQ(run.after_collapse, hps / 2);
    CHECK_EQ(run.huge_after, 0);
}

/* ---- policy NO_THP ------------------------------------------------------ */

static void no_thp_body(void)
{
    char *b = heap;
    size_t n = heap_size;
    void *a = NULL;
    int i;

    /* the contrast first: default map marks nothing; with marks in use
     * (huge pages asked for, as all tests after the first do), used marks
     * hg on the whole huge pages; not under strict overcommit, where
     * unused marks nothing (its PROT_NONE keeps khugepaged out) and used
     * has no mark to undo */
    if (!ask_huge_for(b, n))
        SKIP("pal_mem_hugepage failed");
    CHECK_OK(pal_mem_map(b, n));
    CHECK_EQ(flag_on((uintptr_t)b, (uintptr_t)b + n, "nh"), 0);
    CHECK_OK(pal_mem_unused(b + ps, hps));
    CHECK_OK(pal_mem_used(b, n));
    CHECK_HUGE(b, 2, "hg", !lx_strict_overcommit());
    CHECK_OK(pal_mem_fault(b, n));

    CHECK_OK(pal_mem_set_policy(PAL_POLICY_DEFAULT | PAL_POLICY_NO_THP));
    CHECK_OK(pal_mem_map(b, n));
    CHECK_EQ(flag_on((uintptr_t)b, (uintptr_t)b + n, "nh"), 1);
    CHECK_OK(pal_mem_used(b, n));
    for (i = 0; i < (int)(n / hps); i++) {
        CHECK_HUGE(b, i, "nh", 1);
        CHECK_HUGE(b, i, "hg", 0);
    }
    CHECK_OK(pal_mem_unused(b + hps + ps, 2 * hps));
    CHECK_OK(pal_mem_used(b + ps, n - 2 * ps));
    for (i = 0; i < (int)(n / hps); i++) {
        CHECK_HUGE(b, i, "nh", 1);
        CHECK_HUGE(b, i, "hg", 0);
    }

    /* alloc takes the same policy */
    CHECK_OK(pal_mem_alloc(2 * hps, &a));
    i = flag_on((uintptr_t)a, (uintptr_t)a + 2 * hps, "nh");
    (void)pal_mem_free(a, 2 * hps);
    CHECK_EQ(i, 1);
}

static void thp_no_thp_policy(void)
{
    const char *why = thp_unavailable();

    if (why != NULL)
        SKIP("%s", why);
    if (!heap_reserve(8 * hps))
        SKIP("cannot reserve %zu MiB", 8 * hps / MiB);
    no_thp_body();
    heap_release();
}

/* ---- facts read from /sys, not from the library ------------------------ */

/* The PMD huge page size the kernel says it has, 0 where it has no THP
 * (no such file: not built in) or the mode is "never". */
static size_t sys_thp_size(void)
{
    size_t v = 0;
    const char *c;

    if (lx_read_proc("/sys/kernel/mm/transparent_hugepage/enabled") <= 0 ||
        th_strstr(lx_buf, "[never]") != NULL)
        return 0;
    if (lx_read_proc("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size") <= 0)
        return 0;
    for (c = lx_buf; *c >= '0' && *c <= '9'; c++)
        v = v * 10 + (size_t)(*c - '0');
    return v;
}

/* ---- batched end marks go on past one that fails ----------------------- */

/* Three ranges released by one pal_mem_unused_ranges in a heap whose
 * first huge page has a page unmapped: the mark of the first range's huge
 * page meets the hole (ENOMEM, the mapped parts marked all the same), and
 * the marks of the other two ranges' huge pages must be made too, as three
 * pal_mem_unused calls make them. */
static void batched_marks_body(void)
{
    struct pal_mem_range r[3];
    size_t done = 99;
    char *b = heap;
    int i;

    CHECK_OK(pal_mem_map(b, heap_size));
    CHECK_OK(pal_mem_used(b, heap_size));
    th_memset(b, 0x5a, heap_size);
    CHECK_OK(pal_mem_free(b + ps, ps));
    r[0].v = b + 2 * ps;             /* ends in huge page 0, with the hole */
    r[1].v = b + 3 * hps + ps;       /* ends in huge page 3 */
    r[2].v = b + 5 * hps + ps;       /* ends in huge page 5 */
    for (i = 0; i < 3; i++)
        r[i].n = 2 * ps;
    CHECK_OK(pal_mem_unused_ranges(r, 3, &done));
    CHECK_EQ(done, 3);
    th_note("%s", (pal_mem_features() & PAL_FEAT_BATCH) ? "through process_madvise (batched)"
                                                        : "one madvise per range");
    for (i = 0; i < 8; i++)
        CHECK_HUGE(b, i, "nh", i == 0 || i == 3 || i == 5);
}

static void thp_batched_marks_past_a_failed_one(void)
{
    size_t h = sys_thp_size();

    ps = pal_mem_page_size();
    hps = pal_mem_huge_page_size();
    if (h == 0)
        SKIP("no transparent huge pages here (/sys/kernel/mm/transparent_hugepage "
             "missing, or mode \"never\")");
    CHECK_EQ(hps, h);
    if (!lx_have_vmflags() || !advice_visible())
        SKIP("MADV_NOHUGEPAGE leaves no trace in /proc/self/smaps (qemu-user)");
    if (lx_strict_overcommit())
        SKIP("vm.overcommit_memory=2: a released range is PROT_NONE, which keeps "
             "khugepaged out without marks");
    if (h > 64 * MiB)
        SKIP("huge pages of %zu MiB: 8 of them are too big for a test", h / MiB);
    if (!heap_reserve(8 * hps))
        SKIP("cannot reserve %zu MiB", 8 * hps / MiB);
    CHECK(ask_huge_for(heap, heap_size)); /* marks on from here */
    batched_marks_body();
    heap_release();
}

/* ---- the huge page at address 0 ---------------------------------------- */

/* vm.mmap_min_addr, the lowest address a mapping may have; or -1. */
static long sys_mmap_min_addr(void)
{
    long v = 0;
    const char *c;

    if (lx_read_proc("/proc/sys/vm/mmap_min_addr") <= 0)
        return -1;
    for (c = lx_buf; *c >= '0' && *c <= '9'; c++)
        v = v * 10 + (*c - '0');
    return v;
}

/* Memory between vm.mmap_min_addr and the first huge page boundary lies
 * in the huge page at address 0, whose marks are made like any other's. */
static void thp_marks_in_the_first_huge_page(void)
{
    size_t h = sys_thp_size(), n;
    long min_addr = sys_mmap_min_addr();
    uintptr_t a;
    char *v;
    void *p;

    ps = pal_mem_page_size();
    hps = pal_mem_huge_page_size();
    if (h == 0)
        SKIP("no transparent huge pages here (/sys/kernel/mm/transparent_hugepage "
             "missing, or mode \"never\")");
    CHECK_EQ(hps, h);
    if (!lx_have_vmflags() || !advice_visible())
        SKIP("MADV_NOHUGEPAGE leaves no trace in /proc/self/smaps (qemu-user)");
    if (lx_strict_overcommit())
        SKIP("vm.overcommit_memory=2: a released range is PROT_NONE, which keeps "
             "khugepaged out without marks");
    CHECK(min_addr >= 0);
    n = 4 * ps;
    a = (uintptr_t)min_addr > h / 2 ? (uintptr_t)min_addr : h / 2;
    a = (a + ps - 1) & ~(uintptr_t)(ps - 1);
    if (a + n > h)
        SKIP("vm.mmap_min_addr (%ld) leaves no room below the first huge page "
             "boundary", min_addr);
    p = mmap((void *)a, n, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != MAP_FAILED)
        munmap(p, n);
    if (p != (void *)a)
        SKIP("[%p, +%zu KiB) is taken here", (void *)a, n / KiB);
    v = (char *)a;
    CHECK_OK(pal_mem_reserve_at(v, n));
    CHECK(ask_huge_for(v, n)); /* marks on from here */
    CHECK_OK(pal_mem_map(v, n));
    CHECK_OK(pal_mem_used(v, n));
    th_memset(v, 1, n);
    CHECK_OK(pal_mem_unused(v + ps, ps));
    CHECK_EQ(flag_on(a, a + n, "nh"), 1);
    CHECK_OK(pal_mem_free(v, n));
}

#if UINTPTR_MAX == 0xffffffffu
/* ---- the top huge page of a 32-bit address space ----------------------- */

/* Mappings (outside [lo, hi)) whose VmFlags carry flag, or -1. */
static long flagged_elsewhere(uintptr_t lo, uintptr_t hi, const char *flag)
{
    struct lx_smaps all, in;

    if (lx_smaps(0, UINTPTR_MAX, flag, &all) != 0 || lx_smaps(lo, hi, flag, &in) != 0)
        return -1;
    return all.with_flag - in.with_flag;
}

/* A free n bytes inside the top huge page (of size h) and off its start,
 * found by mapping there with a raw mmap (MAP_FIXED_NOREPLACE, the result
 * checked: qemu-user may place it elsewhere) and unmapping again; 0 if
 * the address space ends below that huge page (a 3 GiB user space). */
static uintptr_t free_at_top(size_t h, size_t n)
{
    uintptr_t a, lo = (uintptr_t)0 - h;
    void *p;

    for (a = (uintptr_t)0 - n; a > lo; a -= n) {
        p = mmap((void *)a, n, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (p == MAP_FAILED)
            continue;
        munmap(p, n);
        if ((uintptr_t)p == a)
            return a;
    }
    return 0;
}

/* hugepage and used round the range in to whole huge pages: in the top
 * huge page, rounding its start up must not wrap to address 0 and advise
 * the whole address space below it. */
static void thp_hugepage_at_the_top(void)
{
    size_t h = sys_thp_size(), n;
    long before, after;
    uintptr_t a;
    char *v;
    int vmflags;

    ps = pal_mem_page_size();
    hps = pal_mem_huge_page_size();
    if (h == 0)
        SKIP("no transparent huge pages here (/sys/kernel/mm/transparent_hugepage "
             "missing, or mode \"never\")");
    CHECK_EQ(hps, h);
    n = 16 * ps;
    a = free_at_top(h, n);
    if (a == 0)
        SKIP("no free address in the top huge page of the 32-bit space: the user "
             "space ends below it (3 GiB under a 32-bit x86 or arm kernel, 2 GiB on MIPS)");
    v = (char *)a;
    vmflags = lx_have_vmflags();
    before = vmflags ? flagged_elsewhere(a, a + n, "hg") : 0;
    th_note("range at %p, %zu KiB; %ld other mappings with hg before", (void *)v, n / KiB,
            before);
    CHECK_OK(pal_mem_reserve_at(v, n));
    CHECK_OK(pal_mem_map(v, n));
    CHECK_OK(pal_mem_hugepage(v, n));
    if (vmflags)
        CHECK_EQ(flagged_elsewhere(a, a + n, "hg"), before);
    /* marks on (hugepage above): unused marks the end pages, used undoes
     * the marks on whole huge pages inside (none here) */
    CHECK_OK(pal_mem_unused(v, n));
    CHECK_OK(pal_mem_used(v, n));
    th_memset(v, 1, n);
    after = vmflags ? flagged_elsewhere(a, a + n, "hg") : 0;
    CHECK_OK(pal_mem_free(v, n));
    if (!vmflags)
        th_note("no VmFlags in /proc/self/smaps (qemu-user): only the results checked");
    CHECK_EQ(after, before);
}
#endif

/* thp_marks_only_where_needed first: its child needs a library to which
 * nobody has asked for huge pages yet. */
const struct th_test th_tests[] = {
    TH(thp_marks_only_where_needed),
    TH(thp_unused_marks_only_ends),
    TH(thp_vma_count_pessimal_heap),
    TH(thp_collapse_cannot_refill),
    TH(thp_no_thp_policy),
    TH(thp_batched_marks_past_a_failed_one),
    TH(thp_marks_in_the_first_huge_page),
#if UINTPTR_MAX == 0xffffffffu
    TH(thp_hugepage_at_the_top),
#endif
    TH_END,
};
