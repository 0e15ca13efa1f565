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
 *    huge-page mark.
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

/* The caller asks for huge pages somewhere (not on the heap): from then on
 * the library keeps released parts of huge pages from being refilled, with
 * the seeds' marks.  0 if it could not. */
static int ask_huge_elsewhere(void)
{
    void *v = NULL;
    int ok;

    if (pal_mem_alloc(2 * hps, &v) != PAL_OK)
        return 0;
    ok = pal_mem_hugepage(v, 2 * hps) == PAL_OK;
    (void)pal_mem_free(v, 2 * hps);
    return ok;
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
    /* the first unused reads the facts it needs once (overcommit mode,
     * max_ptes_none, the zero check): not part of the figures */
    C_CHECK_OK(pal_mem_unused(b + 6 * hps, hps));
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

    /* used: hg on the whole huge pages inside, nothing on partial ones;
     * the end marks stay. */
    CHECK_OK(pal_mem_used(a_lo, (size_t)(a_hi - a_lo)));
    CHECK_OK(pal_mem_used(c_lo, (size_t)(c_hi - c_lo)));
    CHECK_OK(pal_mem_used(j_lo, (size_t)(j_hi - j_lo)));
    for (i = 0; i < MARKS_HUGE_PAGES; i++) {
        int hg = i == 3 || i == 4 || i == 13 || i == 14;

        CHECK_HUGE(b, i, "hg", hg);
        CHECK_HUGE(b, i, "nh", nh_expected[i]);
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
    if (!ask_huge_elsewhere())
        SKIP("pal_mem_hugepage failed");
    if (!heap_reserve(MARKS_HUGE_PAGES * hps))
        SKIP("cannot reserve %zu MiB aligned to the huge page size",
             MARKS_HUGE_PAGES * hps / MiB);
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
    if (!ask_huge_elsewhere())
        SKIP("pal_mem_hugepage failed");

    if (!heap_reserve(n))
        SKIP("cannot reserve %zu MiB", n / MiB);
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
    CHECK_EQ(ctl.huge_after, hps);

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
    if (!ask_huge_elsewhere())
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

/* thp_marks_only_where_needed first: its child needs a library to which
 * nobody has asked for huge pages yet. */
const struct th_test th_tests[] = {
    TH(thp_marks_only_where_needed),
    TH(thp_unused_marks_only_ends),
    TH(thp_vma_count_pessimal_heap),
    TH(thp_collapse_cannot_refill),
    TH(thp_no_thp_policy),
    TH_END,
};
