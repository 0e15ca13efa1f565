/*
 * in_turn.h - what the backends without a native way share for the
 * additions of 2026-11-27 (aix, bsd, plan9): unused_ranges is unused,
 * range after range, and populate touches each page.  Include after
 * pal_test.h; each is a test of its own (TH(unused_ranges_in_turn)), or a
 * step of one (check th_failed() after).
 */
#ifndef IN_TURN_H
#define IN_TURN_H

/* unused_ranges releases each range as unused would, and only them; no
 * batch bit. */
static void unused_ranges_in_turn(void)
{
    size_t ps = pal_mem_page_size(), n = 6 * ps, done = 9;
    struct pal_mem_range r[2];
    unsigned char *p;
    void *v;

    CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    th_memset(p, 0x67, n);
    r[0].v = p;
    r[0].n = ps;
    r[1].v = p + 3 * ps;
    r[1].n = 2 * ps;
    CHECK_OK(pal_mem_unused_ranges(r, 2, &done));
    CHECK_EQ(done, 2);
    CHECK_OK(pal_mem_used(p, n));
    CHECK(th_all_bytes(p, ps, 0));
    CHECK(th_all_bytes(p + ps, 2 * ps, 0x67));
    CHECK(th_all_bytes(p + 3 * ps, 2 * ps, 0));
    CHECK(th_all_bytes(p + 5 * ps, ps, 0x67));
    CHECK_EQ(pal_mem_features() & PAL_FEAT_BATCH, 0);
    CHECK_OK(pal_mem_free(p, n));
}

#endif /* IN_TURN_H */
