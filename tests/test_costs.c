/*
 * test_costs - the cost promise: a range the caller never marked huge,
 * protected, guarded or released under harddecommit costs what it costs in
 * a process that never did so anywhere.  The tests run in order in one
 * process: the first measures a range's calls before anything is asked
 * for anywhere, then asks for all of it on other ranges and measures
 * again.  The later ones check that the ranges that did ask still get
 * what they need, through the record (pal_ranges.h) and through its
 * fallback once it is full.
 */
#include "pal_test.h"
#include "pal_ranges.h"

#define ROUNDS 8

static size_t ps;
static size_t span; /* a huge page where there are any, else 64 pages */

static void sizes(void)
{
    ps = pal_mem_page_size();
    span = pal_mem_huge_page_size();
    if (span < ps)
        span = 64 * ps;
}

static size_t calls(void)
{
    struct pal_mem_stats s;

    pal_mem_get_stats(&s);
    return s.os_calls;
}

struct cost {
    size_t unused, used, purge, ranges;
};

/* A range's calls before anything was asked for anywhere in the process. */
static struct cost clean;
static int clean_known;

/* The calls of ROUNDS rounds of unused, used, purge and unused_ranges on
 * [p + ps, p + 4 * span - ps): ends inside huge pages, where end marks
 * would go. */
static int measure(unsigned char *p, struct cost *c)
{
    struct pal_mem_range r[2];
    size_t c0, i, done;
    int err;

    r[0].v = p + ps;
    r[0].n = span - 2 * ps;
    r[1].v = p + 2 * span + ps;
    r[1].n = span - 2 * ps;
    c->unused = c->used = c->purge = c->ranges = 0;
    for (i = 0; i < ROUNDS; i++) {
        c0 = calls();
        if ((err = pal_mem_unused(p + ps, 4 * span - 2 * ps)) != PAL_OK)
            return err;
        c->unused += calls() - c0;
        c0 = calls();
        if ((err = pal_mem_used(p + ps, 4 * span - 2 * ps)) != PAL_OK)
            return err;
        c->used += calls() - c0;
        p[ps] = 1;
        c0 = calls();
        if ((err = pal_mem_purge(p + ps, 4 * span - 2 * ps, PAL_PURGE_LAZY)) != PAL_OK)
            return err;
        c->purge += calls() - c0;
        c0 = calls();
        if ((err = pal_mem_unused_ranges(r, 2, &done)) != PAL_OK)
            return err;
        if ((err = pal_mem_used(p + ps, 4 * span - 2 * ps)) != PAL_OK)
            return err;
        c->ranges += calls() - c0;
        p[ps] = 2;
    }
    return PAL_OK;
}

/* A Ready range of n bytes aligned to span. */
static int ready(size_t n, unsigned char **out)
{
    void *v;
    int err;

    if ((err = pal_mem_reserve_aligned(n, span, &v)) != PAL_OK ||
        (err = pal_mem_map(v, n)) != PAL_OK || (err = pal_mem_used(v, n)) != PAL_OK)
        return err;
    *out = v;
    return PAL_OK;
}

/* clean, measured here if the first test did not run (the record is per
 * range: what other tests noted does not count) */
static int know_clean(void)
{
    unsigned char *p;
    int err;

    if (clean_known)
        return PAL_OK;
    if ((err = ready(4 * span, &p)) != PAL_OK)
        return err;
    p[ps] = 1;
    if ((err = measure(p, &clean)) != PAL_OK)
        return err;
    clean_known = 1;
    return pal_mem_free(p, 4 * span);
}

#define CHECK_COST(field)                                                     \
    do {                                                                      \
        if (after.field != before.field) {                                    \
            th_fail_at(__FILE__, __LINE__, "%s: %zu calls in %d rounds, %zu " \
                       "before anything was asked for elsewhere", #field,     \
                       after.field, ROUNDS, before.field);                    \
            return;                                                           \
        }                                                                     \
    } while (0)

/* Must run first: "before" is a process that has asked for nothing.  Each
 * measure on a range fresh from map (where THP "always" has the kernel
 * refill huge pages nobody asked for, its first release marks its ends
 * in any process, once). */
static void unmarked_range_costs_as_in_a_clean_process(void)
{
    struct cost before, after, warm;
    unsigned char *r, *other;
    unsigned saved = pal_mem_policy();

    sizes();
    /* a first range reads what is read once (overcommit, THP mode) */
    CHECK_OK(ready(4 * span, &r));
    r[ps] = 1;
    CHECK_OK(measure(r, &warm));
    CHECK_OK(pal_mem_free(r, 4 * span));
    CHECK_OK(ready(4 * span, &r));
    CHECK_OK(ready(8 * span, &other));
    r[ps] = 1;
    CHECK_OK(measure(r, &before));
    clean = before;
    clean_known = 1;
    CHECK_OK(pal_mem_free(r, 4 * span));

    /* everything that makes a range dearer, on other ranges */
    CHECK_OK(pal_mem_hugepage(other, 4 * span));
    CHECK_OK(pal_mem_unused(other + ps, 4 * span - 2 * ps)); /* marks its ends */
    CHECK_OK(pal_mem_used(other + ps, 4 * span - 2 * ps));
    (void)pal_mem_collapse(other, span); /* best effort: any answer */
    CHECK(pal_mem_protect(other + 4 * span, ps, PAL_PROT_READ) == PAL_OK ||
          !(pal_mem_features() & PAL_FEAT_PROTECT));
    CHECK(pal_mem_guard(other + 5 * span, ps) == PAL_OK ||
          !(pal_mem_features() & PAL_FEAT_PROTECT));
    CHECK_OK(pal_mem_set_policy(saved | PAL_POLICY_HARD_DECOMMIT));
    CHECK_OK(pal_mem_unused(other + 6 * span, span));
    CHECK_OK(pal_mem_set_policy(saved));

    CHECK_OK(ready(4 * span, &r));
    r[ps] = 1;
    CHECK_OK(measure(r, &after));
    th_note("per round: unused %zu, used %zu, purge %zu, unused_ranges+used %zu",
            after.unused / ROUNDS, after.used / ROUNDS, after.purge / ROUNDS,
            after.ranges / ROUNDS);
    CHECK_COST(unused);
    CHECK_COST(used);
    CHECK_COST(purge);
    CHECK_COST(ranges);
    CHECK_OK(pal_mem_free(r, 4 * span));
    CHECK_OK(pal_mem_free(other, 8 * span));
}

/* A page protected inside a longer range, the range released and used
 * whole: the lookup must find the page by overlap, not by the range. */
static void used_restores_access_of_a_page_inside(void)
{
    unsigned char *p;

    sizes();
    if (!(pal_mem_features() & PAL_FEAT_PROTECT))
        SKIP("no page protection on this OS (PAL_FEAT_PROTECT clear)");
    CHECK_OK(ready(span, &p));
    CHECK_OK(pal_mem_protect(p + 2 * ps, ps, PAL_PROT_READ));
    CHECK_OK(pal_mem_unused(p, 4 * ps));
    CHECK_OK(pal_mem_used(p + ps, 3 * ps));
    CHECK(th_faults(p + 2 * ps, 1) <= 0);
    CHECK_OK(pal_mem_protect(p + 3 * ps, 2 * ps, PAL_PROT_NONE));
    CHECK_OK(pal_mem_unused(p + 4 * ps, ps));
    CHECK_OK(pal_mem_used(p + 4 * ps, ps));
    CHECK(th_faults(p + 4 * ps, 1) <= 0);
    CHECK_OK(pal_mem_free(p, span));
}

/* A range noted and then freed no longer costs: the same addresses mapped
 * again cost what a range did before anything was asked for anywhere
 * (measured here where the first test could not). */
static void freed_range_costs_nothing_more(void)
{
    struct cost before, after;
    unsigned char *p;

    sizes();
    CHECK_OK(know_clean());
    before = clean;
    CHECK_OK(ready(4 * span, &p));
    CHECK_OK(pal_mem_hugepage(p, 4 * span));
    CHECK(pal_mem_protect(p, 4 * span, PAL_PROT_READ) == PAL_OK ||
          !(pal_mem_features() & PAL_FEAT_PROTECT));
    CHECK_OK(pal_mem_free(p, 4 * span));
    if (pal_mem_reserve_at(p, 4 * span) != PAL_OK)
        SKIP("the freed addresses were taken again before they could be reserved");
    CHECK_OK(pal_mem_map(p, 4 * span));
    CHECK_OK(pal_mem_used(p, 4 * span));
    p[ps] = 1;
    CHECK_OK(measure(p, &after));
    CHECK_COST(unused);
    CHECK_COST(used);
    CHECK_COST(purge);
    CHECK_COST(ranges);
    CHECK_OK(pal_mem_free(p, 4 * span));
}

/* Access widened (read-write and executable, as a JIT's heap or bdwgc's
 * executable heap asks) takes nothing away: used has nothing to restore
 * there, so the range costs what it did before anything was asked for. */
static void widened_access_costs_nothing_more(void)
{
    struct cost before, after;
    unsigned char *p;
    int err;

    sizes();
    if (!(pal_mem_features() & PAL_FEAT_PROTECT))
        SKIP("no page protection on this OS (PAL_FEAT_PROTECT clear)");
    CHECK_OK(know_clean());
    CHECK_OK(ready(4 * span, &p));
    err = pal_mem_protect(p, 4 * span, PAL_PROT_READ | PAL_PROT_WRITE | PAL_PROT_EXEC);
    if (err == PAL_EPERM) {
        CHECK_OK(pal_mem_free(p, 4 * span));
        SKIP("writable executable memory refused here (W^X)");
    }
    CHECK_OK(err);
    p[ps] = 1;
    CHECK_OK(measure(p, &after));
    before = clean;
    CHECK_COST(unused);
    CHECK_COST(used);
    CHECK_COST(purge);
    CHECK_COST(ranges);
    CHECK_OK(pal_mem_free(p, 4 * span));
}

/* More ranges protected than the record holds: the ones beyond it are
 * restored by used all the same (the process-wide fallback), and so are
 * the ones it holds. */
static void full_record_still_restores_access(void)
{
    const size_t count = PAL_RANGES_SLOTS + 8;
    unsigned char *p;
    size_t i;

    sizes();
    if (!(pal_mem_features() & PAL_FEAT_PROTECT))
        SKIP("no page protection on this OS (PAL_FEAT_PROTECT clear)");
    CHECK_OK(ready(2 * count * ps + span, &p));
    /* every other page: no range covers the next */
    for (i = 0; i < count; i++)
        CHECK_OK(pal_mem_protect(p + 2 * i * ps, ps, PAL_PROT_READ));
    for (i = 0; i < count; i++) {
        CHECK_OK(pal_mem_unused(p + 2 * i * ps, ps));
        CHECK_OK(pal_mem_used(p + 2 * i * ps, ps));
        if (th_faults(p + 2 * i * ps, 1) > 0) {
            th_fail_at(__FILE__, __LINE__, "page %zu of %zu protected read-only "
                       "still faults on a write after unused and used", i, count);
            return;
        }
    }
    CHECK_OK(pal_mem_free(p, 2 * count * ps + span));
}

const struct th_test th_tests[] = {
    TH(unmarked_range_costs_as_in_a_clean_process),
    TH(used_restores_access_of_a_page_inside),
    TH(freed_range_costs_nothing_more),
    TH(widened_access_costs_nothing_more),
    TH(full_record_still_restores_access),
    TH_END,
};
