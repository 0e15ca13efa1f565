/*
 * ranges_one_by_one.h - the test the backends that release one range per
 * OS call share (aix, bsd, plan9: PAL_OS_RANGES_ONE_BY_ONE in pal_os.h):
 * unused_ranges is unused, range after range.  Include after pal_test.h;
 * TH(unused_ranges_one_by_one) in the backend's list.
 */
#ifndef RANGES_ONE_BY_ONE_H
#define RANGES_ONE_BY_ONE_H

/* unused_ranges releases each range as unused would, and only them; no
 * batch bit. */
static void unused_ranges_one_by_one(void)
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

#endif /* RANGES_ONE_BY_ONE_H */
