/*
 * test_features.c - the optional calls, each behind a PAL_FEAT_ bit, on
 * every target and backend: batched release, prefault, explicit huge page
 * sizes, NUMA, and the memory-tagging and branch-protection bits.  What
 * each does, and what each refuses (the bad ranges of these functions are
 * also in test_contract's matrix).  What only some kernels can do for real
 * (huge page pools, two NUMA nodes, tag checks) is tested in tests/linux/.
 */
#include "pal_test.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define SENTINEL ((size_t)0x5e5e5e5)

static size_t calls_now(void)
{
    struct pal_mem_stats s;

    pal_mem_get_stats(&s);
    return s.os_calls;
}

/* A Ready region of pages pages, every page filled with its own index + 1. */
static unsigned char *ready_region(size_t pages)
{
    size_t ps = pal_mem_page_size(), i;
    void *v;

    if (pal_mem_alloc(pages * ps, &v) != PAL_OK)
        return NULL;
    for (i = 0; i < pages; i++)
        th_memset((unsigned char *)v + i * ps, (int)(i + 1) & 0xff, ps);
    return v;
}

/* ---- batched release --------------------------------------------------- */

/* Every other page released in one call, as many ranges as it takes to go
 * past IOV_MAX (1024) on Linux; the pages between keep their bytes, the
 * released ones read zero after used where unused zeroes. */
static void unused_ranges_releases_each(void)
{
    size_t ps = pal_mem_page_size(), pages = 2 * 1500, i, done = SENTINEL;
    struct pal_mem_range r[1500];
    int zeroes = pal_mem_unused_zeroes();
    unsigned char *b = ready_region(pages);

    CHECK(b != NULL);
    for (i = 0; i < COUNT(r); i++) {
        r[i].v = b + 2 * i * ps;
        r[i].n = ps;
    }
    CHECK_OK(pal_mem_unused_ranges(r, COUNT(r), &done));
    CHECK_EQ(done, COUNT(r));
    for (i = 0; i < COUNT(r); i++) {
        unsigned char *p = b + 2 * i * ps;

        CHECK_OK(pal_mem_used(p, ps));
        if (zeroes && !th_all_bytes(p, ps, 0)) {
            th_fail_at(__FILE__, __LINE__, "released page %zu does not read zero", 2 * i);
            return;
        }
        if (!th_all_bytes(p + ps, ps, (unsigned char)((2 * i + 2) & 0xff))) {
            th_fail_at(__FILE__, __LINE__, "page %zu between the ranges changed", 2 * i + 1);
            return;
        }
    }
    CHECK_OK(pal_mem_free(b, pages * ps));
}

/* Ranges of several sizes, Ready and Prepared mixed, neighbours touching. */
static void unused_ranges_mixed(void)
{
    size_t ps = pal_mem_page_size(), done = SENTINEL;
    unsigned char *b = ready_region(16);
    struct pal_mem_range r[4];

    CHECK(b != NULL);
    CHECK_OK(pal_mem_unused(b + 4 * ps, 2 * ps)); /* Prepared already */
    r[0].v = b;
    r[0].n = 3 * ps;
    r[1].v = b + 3 * ps; /* Ready then Prepared: fine for unused */
    r[1].n = 4 * ps;
    r[2].v = b + 9 * ps;
    r[2].n = ps;
    r[3].v = b + 12 * ps;
    r[3].n = 4 * ps;
    CHECK_OK(pal_mem_unused_ranges(r, COUNT(r), &done));
    CHECK_EQ(done, 4);
    CHECK_OK(pal_mem_used(b, 16 * ps));
    if (pal_mem_unused_zeroes()) {
        CHECK(th_all_bytes(b, 7 * ps, 0));
        CHECK(th_all_bytes(b + 9 * ps, ps, 0));
        CHECK(th_all_bytes(b + 12 * ps, 4 * ps, 0));
    }
    CHECK(th_all_bytes(b + 7 * ps, ps, 8));
    CHECK(th_all_bytes(b + 8 * ps, ps, 9));
    CHECK(th_all_bytes(b + 10 * ps, ps, 11));
    CHECK(th_all_bytes(b + 11 * ps, ps, 12));
    CHECK_OK(pal_mem_free(b, 16 * ps));
}

/* count 0 is PAL_OK and done 0; NULL ranges with a count, or one bad range
 * anywhere, is PAL_EINVAL with nothing released, no OS call and done 0 (no
 * leading range was released: a caller that reads done after any error
 * must not find what was there before). */
static void unused_ranges_refuses_before_releasing(void)
{
    size_t ps = pal_mem_page_size(), done = SENTINEL, calls;
    unsigned char *b = ready_region(4);
    struct pal_mem_range r[3];

    CHECK(b != NULL);
    CHECK_OK(pal_mem_unused_ranges(NULL, 0, &done));
    CHECK_EQ(done, 0);
    CHECK_OK(pal_mem_unused_ranges(r, 0, NULL));
    done = SENTINEL;
    CHECK_RC(pal_mem_unused_ranges(NULL, 1, &done), PAL_EINVAL);
    CHECK_EQ(done, 0);

    r[0].v = b;
    r[0].n = ps;
    r[1].v = b + ps;
    r[1].n = ps;
    r[2].v = b + 2 * ps + 1; /* the last one is bad */
    r[2].n = ps;
    calls = calls_now();
    done = SENTINEL;
    CHECK_RC(pal_mem_unused_ranges(r, 3, &done), PAL_EINVAL);
    CHECK_EQ(calls_now(), calls);
    CHECK_EQ(done, 0);
    r[2].v = b + 2 * ps;
    r[2].n = 0;
    done = SENTINEL;
    CHECK_RC(pal_mem_unused_ranges(r, 3, &done), PAL_EINVAL);
    CHECK_EQ(done, 0);
    r[2].n = (size_t)0 - ps; /* wraps */
    CHECK_RC(pal_mem_unused_ranges(r, 3, NULL), PAL_EINVAL);
    CHECK_EQ(calls_now(), calls);
    CHECK(th_all_bytes(b, ps, 1));
    CHECK(th_all_bytes(b + ps, ps, 2));
    CHECK(th_all_bytes(b + 2 * ps, ps, 3));
    CHECK_OK(pal_mem_free(b, 4 * ps));
}

/* PAL_FEAT_BATCH promises fewer OS calls than ranges. */
static void unused_ranges_batches_where_it_says(void)
{
    size_t ps = pal_mem_page_size(), i, calls;
    struct pal_mem_range r[64];
    unsigned char *b;

    if (!(pal_mem_features() & PAL_FEAT_BATCH))
        SKIP("no batched release here (PAL_FEAT_BATCH clear: Linux before 6.14, "
             "qemu-user, or another OS)");
    b = ready_region(2 * COUNT(r));
    CHECK(b != NULL);
    for (i = 0; i < COUNT(r); i++) {
        r[i].v = b + 2 * i * ps;
        r[i].n = ps;
    }
    CHECK_OK(pal_mem_unused_ranges(r, 1, NULL)); /* facts read on first use */
    calls = calls_now();
    CHECK_OK(pal_mem_unused_ranges(r, COUNT(r), NULL));
    calls = calls_now() - calls;
    th_note("%zu ranges released in %zu OS calls", COUNT(r), calls);
    CHECK(calls < COUNT(r) / 4);
    CHECK_OK(pal_mem_free(b, 2 * COUNT(r) * ps));
}

/* ---- prefault ----------------------------------------------------------- */

static void populate_keeps_contents(void)
{
    size_t ps = pal_mem_page_size(), i, bytes = 0;
    unsigned char *b = ready_region(64);
    void *v;

    CHECK(b != NULL);
    CHECK_OK(pal_mem_populate(b, 64 * ps));
    for (i = 0; i < 64; i++)
        if (!th_all_bytes(b + i * ps, ps, (unsigned char)(i + 1))) {
            th_fail_at(__FILE__, __LINE__, "page %zu changed", i);
            return;
        }
    CHECK_OK(pal_mem_free(b, 64 * ps));

    /* fresh memory: resident after, zero still */
    CHECK_OK(pal_mem_reserve(NULL, 64 * ps, &v));
    CHECK_OK(pal_mem_map(v, 64 * ps));
    CHECK_OK(pal_mem_used(v, 64 * ps));
    CHECK_OK(pal_mem_populate(v, 64 * ps));
    if (pal_mem_features() & PAL_FEAT_RESIDENT) {
        CHECK_OK(pal_mem_resident(v, 64 * ps, &bytes));
        CHECK_EQ(bytes, 64 * ps);
    }
    CHECK(th_all_bytes(v, 64 * ps, 0));
    CHECK_OK(pal_mem_free(v, 64 * ps));
}

/* Memory that is not writable: PAL_EACCES where the OS can tell (Linux
 * with MADV_POPULATE_WRITE, Windows); touching it would fault, so a
 * backend that touches must not be given it: only checked where
 * PAL_FEAT_POPULATE is set and the OS has protection. */
static void populate_refuses_unwritable(void)
{
    size_t ps = pal_mem_page_size();
    unsigned char *b;

    if (!(pal_mem_features() & PAL_FEAT_POPULATE))
        SKIP("populate touches each page here (PAL_FEAT_POPULATE clear): "
             "unwritable memory would fault, as the contract allows");
    if (!(pal_mem_features() & PAL_FEAT_PROTECT))
        SKIP("no page protection on this OS");
    b = ready_region(3);
    CHECK(b != NULL);
    CHECK_OK(pal_mem_protect(b + ps, ps, PAL_PROT_READ));
    CHECK_RC(pal_mem_populate(b, 3 * ps), PAL_EACCES);
    CHECK_OK(pal_mem_fault(b + 2 * ps, ps));
    CHECK_RC(pal_mem_populate(b + 2 * ps, ps), PAL_EACCES);
    CHECK_OK(pal_mem_protect(b + ps, ps, PAL_PROT_READ | PAL_PROT_WRITE));
    CHECK(th_all_bytes(b, ps, 1));
    CHECK(th_all_bytes(b + ps, ps, 2));
    CHECK_OK(pal_mem_free(b, 3 * ps));
}

/* ---- explicit huge pages: sizes and refusals ---------------------------- */

static void huge_page_sizes_listed(void)
{
    size_t sizes[16], count, again, i, ps = pal_mem_page_size();

    for (i = 0; i < COUNT(sizes); i++)
        sizes[i] = SENTINEL;
    count = pal_mem_huge_page_sizes(sizes, COUNT(sizes));
    CHECK_EQ(pal_mem_huge_page_sizes(NULL, 0), count);
    CHECK_EQ(pal_mem_huge_page_sizes(NULL, 4), count); /* NULL: nothing written */
    th_note("%zu explicit huge page size(s)", count);
    for (i = 0; i < count && i < COUNT(sizes); i++) {
        th_note("  %zu KiB", sizes[i] / 1024);
        CHECK(sizes[i] > ps);
        CHECK_EQ(sizes[i] & (sizes[i] - 1), 0);
        if (i > 0)
            CHECK(sizes[i] > sizes[i - 1]);
    }
    for (; i < COUNT(sizes); i++)
        CHECK_EQ(sizes[i], SENTINEL);
    /* max smaller than the count: only max written */
    if (count > 1) {
        for (i = 0; i < COUNT(sizes); i++)
            sizes[i] = SENTINEL;
        again = pal_mem_huge_page_sizes(sizes, 1);
        CHECK_EQ(again, count);
        CHECK(sizes[0] != SENTINEL);
        CHECK_EQ(sizes[1], SENTINEL);
    }
    CHECK_EQ(count > 0, (pal_mem_features() & PAL_FEAT_HUGETLB) != 0);
}

static void alloc_huge_refuses(void)
{
    size_t ps = pal_mem_page_size(), sizes[8], count, calls, other, i;
    void *out = (void *)(uintptr_t)SENTINEL;

    count = pal_mem_huge_page_sizes(sizes, COUNT(sizes));
    calls = calls_now();
    CHECK_RC(pal_mem_alloc_huge(ps, 0, NULL), PAL_EINVAL);
    CHECK_RC(pal_mem_alloc_huge(0, 0, &out), PAL_EINVAL);
    CHECK_RC(pal_mem_alloc_huge(ps + 1, 0, &out), PAL_EINVAL);
    CHECK_RC(pal_mem_alloc_huge(4 * ps, 3 * ps, &out), PAL_EINVAL); /* not a power of two */
    CHECK_RC(pal_mem_alloc_huge(4 * ps, ps / 2, &out), PAL_EINVAL); /* below the page */
    CHECK(out == (void *)(uintptr_t)SENTINEL);
    if (count == 0) {
        CHECK_RC(pal_mem_alloc_huge(4 * ps, 0, &out), PAL_ENOSYS);
        CHECK(out == (void *)(uintptr_t)SENTINEL);
        return;
    }
    /* n not a multiple of the huge page */
    CHECK_RC(pal_mem_alloc_huge(sizes[0] + ps, sizes[0], &out), PAL_EINVAL);
    CHECK_RC(pal_mem_alloc_huge(sizes[0] + ps, 0, &out), PAL_EINVAL);
    /* a power of two the OS does not offer */
    for (other = 2 * ps;; other *= 2) {
        for (i = 0; i < count && i < COUNT(sizes) && sizes[i] != other; i++)
            ;
        if (i == count || i == COUNT(sizes))
            break;
    }
    CHECK_RC(pal_mem_alloc_huge(other, other, &out), PAL_EINVAL);
    CHECK(out == (void *)(uintptr_t)SENTINEL);
    /* refused before any OS call (the pools were listed above, once) */
    CHECK_EQ(calls_now(), calls);
}

/* ---- NUMA --------------------------------------------------------------- */

static void numa_facts(void)
{
    unsigned nodes = pal_mem_numa_nodes(), node = 0xa5a5u;
    size_t ps = pal_mem_page_size();
    int rc;
    void *v;

    CHECK(nodes >= 1);
    CHECK_RC(pal_mem_current_node(NULL), PAL_EINVAL);
    rc = pal_mem_current_node(&node);
    CHECK(rc == PAL_OK || rc == PAL_ENOSYS);
    if (rc == PAL_OK)
        CHECK(node < nodes);
    else
        CHECK_EQ(node, 0xa5a5u);
    th_note("%u node(s); this thread on node %u (%s)", nodes, rc == PAL_OK ? node : 0,
            pal_strerror(rc));
    if (pal_mem_features() & PAL_FEAT_NUMA)
        CHECK(nodes > 1);

    CHECK_OK(pal_mem_alloc(2 * ps, &v));
    CHECK_RC(pal_mem_bind_node(v, 2 * ps, nodes), PAL_EINVAL);
    CHECK_RC(pal_mem_bind_node(v, 2 * ps, ~0u), PAL_EINVAL);
    CHECK_RC(pal_mem_bind_node((char *)v + 1, ps, 0), PAL_EINVAL);
    CHECK_OK(pal_mem_bind_node(v, 2 * ps, nodes - 1));
    th_memset(v, 7, 2 * ps);
    CHECK(th_all_bytes(v, 2 * ps, 7));
    CHECK_OK(pal_mem_free(v, 2 * ps));
}

/* ---- memory tagging and branch protection ------------------------------- */

/* Where the CPU lacks them: PAL_ENOSYS, never a plain protection instead
 * (the range keeps the access it had).  Bad combinations are PAL_EINVAL
 * everywhere, before anything else. */
static void mte_bti_bits(void)
{
    size_t ps = pal_mem_page_size(), calls;
    unsigned feats = pal_mem_features();
    unsigned char *b = ready_region(1);

    CHECK(b != NULL);
    calls = calls_now();
    CHECK_RC(pal_mem_protect(b, ps, PAL_PROT_MTE), PAL_EINVAL);
    CHECK_RC(pal_mem_protect(b, ps, PAL_PROT_MTE | PAL_PROT_EXEC), PAL_EINVAL);
    CHECK_RC(pal_mem_protect(b, ps, PAL_PROT_BTI | PAL_PROT_READ), PAL_EINVAL);
    CHECK_EQ(calls_now(), calls);
    if (!(feats & PAL_FEAT_MTE))
        CHECK_RC(pal_mem_protect(b, ps, PAL_PROT_READ | PAL_PROT_WRITE | PAL_PROT_MTE),
                 PAL_ENOSYS);
    if (!(feats & PAL_FEAT_BTI))
        CHECK_RC(pal_mem_protect(b, ps, PAL_PROT_READ | PAL_PROT_EXEC | PAL_PROT_BTI),
                 PAL_ENOSYS);
    th_memset(b, 9, ps); /* still writable: nothing was changed */
    CHECK(th_all_bytes(b, ps, 9));
    CHECK_OK(pal_mem_free(b, ps));
}

const struct th_test th_tests[] = {
    TH(unused_ranges_releases_each),
    TH(unused_ranges_mixed),
    TH(unused_ranges_refuses_before_releasing),
    TH(unused_ranges_batches_where_it_says),
    TH(populate_keeps_contents),
    TH(populate_refuses_unwritable),
    TH(huge_page_sizes_listed),
    TH(alloc_huge_refuses),
    TH(numa_facts),
    TH(mte_bti_bits),
    TH_END,
};
