/*
 * test_track.c - pal_mem_track_writes and pal_mem_written, on every
 * backend: the contract where PAL_FEAT_TRACK is set (a written page is
 * never reported clean, reset clears, a write after the report is seen by
 * the next one), PAL_ENOSYS where it is clear (checked in its place,
 * not skipped), and bad input changing nothing.  Whether the kernel should have it (Linux 6.7 and later) is
 * tests/linux/test_track_linux.c's question.
 *
 * pal-test: libc-free
 */
#include "pal_test.h"

#define PAGES 16

static int tracking(void)
{
    return (pal_mem_features() & PAL_FEAT_TRACK) != 0;
}

/* Without PAL_FEAT_TRACK every call is PAL_ENOSYS and changes nothing:
 * what the contract tests check there instead of skipping.  Whether the
 * bit is right is not the library's to say: tests/linux/test_track_linux.c
 * asks the kernel; Windows always has write watch. */
static void check_refused(void)
{
    size_t ps = pal_mem_page_size();
    unsigned char pages[2] = { 9, 9 };
    struct pal_mem_spec s = { 0 };
    void *p, *q = &q;

    CHECK_OK(pal_mem_alloc(2 * ps, &p));
    CHECK_EQ(pal_mem_track_writes(p, 2 * ps, 1), PAL_ENOSYS);
    CHECK_EQ(pal_mem_track_writes(p, 2 * ps, 0), PAL_ENOSYS);
    CHECK_EQ(pal_mem_written(p, 2 * ps, pages, 1), PAL_ENOSYS);
    CHECK_EQ(pal_mem_written(p, 2 * ps, pages, 0), PAL_ENOSYS);
    CHECK(th_all_bytes(pages, 2, 9));
    s.n = 2 * ps;
    s.state = PAL_STATE_READY;
    s.flags = PAL_SPEC_TRACK;
    CHECK_EQ(pal_mem_acquire(&s, &q), PAL_ENOSYS);
    CHECK(q == (void *)&q);
    CHECK_OK(pal_mem_free(p, 2 * ps));
}

/* Ready read-write memory whose writes can be tracked. */
static int acquire(size_t n, void **out)
{
    struct pal_mem_spec s = { 0 };

    s.n = n;
    s.state = PAL_STATE_READY;
    s.flags = PAL_SPEC_TRACK;
    return pal_mem_acquire(&s, out);
}

static void written_pages_reported(void)
{
    size_t ps = pal_mem_page_size(), i;
    unsigned char pages[PAGES];
    char *p;

    if (!tracking()) {
        check_refused();
        return;
    }
    CHECK_OK(acquire(PAGES * ps, (void **)&p));
    CHECK_OK(pal_mem_track_writes(p, PAGES * ps, 1));
    /* nothing written since tracking began */
    th_memset(pages, 7, sizeof pages);
    CHECK_OK(pal_mem_written(p, PAGES * ps, pages, 1));
    for (i = 0; i < PAGES; i++)
        CHECK(pages[i] <= 1);
    /* pages 1, 5 and the last written: each reported, without reset twice */
    p[1 * ps] = 1;
    p[5 * ps + 17] = 2;
    p[(PAGES - 1) * ps + ps - 1] = 3;
    CHECK_OK(pal_mem_written(p, PAGES * ps, pages, 0));
    CHECK_EQ(pages[1], 1);
    CHECK_EQ(pages[5], 1);
    CHECK_EQ(pages[PAGES - 1], 1);
    CHECK_OK(pal_mem_written(p, PAGES * ps, pages, 1));
    CHECK_EQ(pages[1], 1);
    CHECK_EQ(pages[5], 1);
    CHECK_EQ(pages[PAGES - 1], 1);
    /* reset cleared them: nothing written since */
    CHECK_OK(pal_mem_written(p, PAGES * ps, pages, 1));
    for (i = 0; i < PAGES; i++)
        CHECK_EQ(pages[i], 0);
    /* a write after the re-arming is reported by the next call */
    p[3 * ps] = 4;
    CHECK_OK(pal_mem_written(p + 2 * ps, 4 * ps, pages, 1));
    CHECK_EQ(pages[0], 0);
    CHECK_EQ(pages[1], 1);
    CHECK_EQ(pages[2], 0);
    CHECK_EQ(pages[3], 0);
    /* rewriting a page already reported: reported again */
    p[3 * ps] = 5;
    CHECK_OK(pal_mem_written(p, PAGES * ps, pages, 0));
    CHECK_EQ(pages[3], 1);
    CHECK_OK(pal_mem_track_writes(p, PAGES * ps, 0));
    CHECK_OK(pal_mem_free(p, PAGES * ps));
}

/* Many written pages, more than one report vector or chunk holds: every
 * other page of 1024, so each is a region of its own. */
static void many_regions(void)
{
    size_t ps = pal_mem_page_size(), i, n = 1024;
    static unsigned char pages[1024];
    char *p;

    if (!tracking()) {
        check_refused();
        return;
    }
    CHECK_OK(acquire(n * ps, (void **)&p));
    CHECK_OK(pal_mem_track_writes(p, n * ps, 1));
    CHECK_OK(pal_mem_written(p, n * ps, pages, 1));
    for (i = 0; i < n; i += 2)
        p[i * ps] = 1;
    CHECK_OK(pal_mem_written(p, n * ps, pages, 1));
    for (i = 0; i < n; i += 2)
        CHECK_EQ(pages[i], 1);
    CHECK_OK(pal_mem_written(p, n * ps, pages, 1));
    for (i = 0; i < n; i++)
        CHECK_EQ(pages[i], 0);
    CHECK_OK(pal_mem_free(p, n * ps));
}

/* Memory acquired Reserved or aligned with PAL_SPEC_TRACK, made Ready by
 * map and used, tracks as Ready memory does (Windows: the write-watch
 * allocation takes map's commit). */
static void reserved_and_aligned(void)
{
    size_t ps = pal_mem_page_size(), align = 16 * ps;
    struct pal_mem_spec s = { 0 };
    unsigned char pages[4];
    char *p;
    int round;

    if (!tracking()) {
        check_refused();
        return;
    }
    for (round = 0; round < 2; round++) {
        s.n = 4 * ps;
        s.align = round ? align : 0;
        s.state = round ? PAL_STATE_READY : PAL_STATE_RESERVED;
        s.flags = PAL_SPEC_TRACK;
        CHECK_OK(pal_mem_acquire(&s, (void **)&p));
        if (round)
            CHECK_EQ((uintptr_t)p & (align - 1), 0);
        else {
            CHECK_OK(pal_mem_map(p, 4 * ps));
            CHECK_OK(pal_mem_used(p, 4 * ps));
        }
        CHECK_OK(pal_mem_track_writes(p, 4 * ps, 1));
        CHECK_OK(pal_mem_written(p, 4 * ps, pages, 1));
        p[2 * ps] = 1;
        CHECK_OK(pal_mem_written(p, 4 * ps, pages, 1));
        CHECK_EQ(pages[2], 1);
        CHECK_OK(pal_mem_written(p, 4 * ps, pages, 1));
        CHECK_EQ(pages[2], 0);
        CHECK_OK(pal_mem_free(p, 4 * ps));
    }
}

static void bad_input(void)
{
    size_t ps = pal_mem_page_size();
    unsigned char pages[4] = { 9, 9, 9, 9 };
    char *p;

    CHECK_OK(pal_mem_alloc(4 * ps, (void **)&p));
    CHECK_EQ(pal_mem_track_writes(NULL, ps, 1), PAL_EINVAL);
    CHECK_EQ(pal_mem_track_writes(p, 0, 1), PAL_EINVAL);
    CHECK_EQ(pal_mem_track_writes(p + 1, ps, 1), PAL_EINVAL);
    CHECK_EQ(pal_mem_track_writes(p, ps + 1, 1), PAL_EINVAL);
    CHECK_EQ(pal_mem_written(p, ps, NULL, 1), PAL_EINVAL);
    CHECK_EQ(pal_mem_written(NULL, ps, pages, 1), PAL_EINVAL);
    CHECK_EQ(pal_mem_written(p, 0, pages, 1), PAL_EINVAL);
    CHECK_EQ(pal_mem_written(p + 1, ps, pages, 1), PAL_EINVAL);
    CHECK_EQ(pal_mem_written((void *)(0 - ps), 2 * ps, pages, 1), PAL_EINVAL);
    /* untouched */
    CHECK(th_all_bytes(pages, sizeof pages, 9));
    if (tracking()) {
        /* never tracked: refused, pages untouched (Windows: not acquired
         * with PAL_SPEC_TRACK; Linux: not registered) */
        CHECK_EQ(pal_mem_written(p, 4 * ps, pages, 1), PAL_EINVAL);
        CHECK(th_all_bytes(pages, sizeof pages, 9));
    }
    CHECK_OK(pal_mem_free(p, 4 * ps));
}

const struct th_test th_tests[] = {
    TH(written_pages_reported),
    TH(many_regions),
    TH(reserved_and_aligned),
    TH(bad_input),
    TH_END,
};
