/*
 * test_hugetlb.c - explicit huge pages (pal_mem_alloc_huge) for real, on
 * each hugetlb pool this kernel offers: as root, the pool is grown by what
 * the test needs (nr_hugepages of /sys/kernel/mm/hugepages/hugepages-<N>kB),
 * the allocation must be reserved at once (resv_hugepages rises: a short
 * pool is PAL_ENOMEM at the call, never a SIGBUS at first touch), zero,
 * usable, and backed by that pool (free_hugepages falls as it is touched);
 * the pool is put back after.  An empty pool must give PAL_ENOMEM with
 * nothing mapped.  The pool of 1 GiB pages often cannot be grown (no free
 * gigabyte of contiguous memory): skipped with that reason.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lx_util.h"

/* A counter of one pool, or -1. */
static long pool_read(size_t size, const char *what)
{
    char path[128];

    snprintf(path, sizeof path, "/sys/kernel/mm/hugepages/hugepages-%zukB/%s",
             size / 1024, what);
    if (lx_read_proc(path) <= 0)
        return -1;
    return strtol(lx_buf, NULL, 10);
}

static int pool_write(size_t size, long pages)
{
    char path[128], val[32];
    int fd, ok;

    snprintf(path, sizeof path, "/sys/kernel/mm/hugepages/hugepages-%zukB/nr_hugepages",
             size / 1024);
    snprintf(val, sizeof val, "%ld", pages);
    fd = open(path, O_WRONLY);
    if (fd < 0)
        return 0;
    ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
    close(fd);
    return ok;
}

/* One pool: grow by `want` pages, allocate them, check, free, restore.
 * In a child, so that a failed check still lets the parent restore the
 * pool. */
struct pool_case {
    size_t size;
    long want;
};

static int child_pool(void *arg)
{
    const struct pool_case *c = arg;
    size_t n = (size_t)c->want * c->size, i;
    long resv0 = pool_read(c->size, "resv_hugepages"), free0, free1;
    unsigned char *p;
    void *v = NULL;

    C_CHECK_OK(pal_mem_alloc_huge(n, c->size, &v));
    p = v;
    C_CHECK_EQ((uintptr_t)p % c->size, 0);
    /* reserved at mmap: the pages are promised before any touch */
    C_CHECK_EQ(pool_read(c->size, "resv_hugepages"), resv0 + c->want);
    free0 = pool_read(c->size, "free_hugepages");
    for (i = 0; i < (size_t)c->want; i++) {
        unsigned char *page = p + i * c->size;

        C_CHECK(page[0] == 0 && page[c->size / 2] == 0 && page[c->size - 1] == 0);
        page[0] = (unsigned char)(i + 1);
        page[c->size - 1] = (unsigned char)(i + 2);
    }
    free1 = pool_read(c->size, "free_hugepages");
    lx_rep->fig[0] = free0 - free1;
    C_CHECK_EQ(free0 - free1, c->want); /* backed by this pool */
    for (i = 0; i < (size_t)c->want; i++)
        C_CHECK(p[i * c->size] == (unsigned char)(i + 1));
    C_CHECK_OK(pal_mem_free(p, n));
    C_CHECK_EQ(pool_read(c->size, "resv_hugepages"), resv0);
    return 0;
}

/* The pool emptied (nothing free): PAL_ENOMEM, *out untouched. */
static int child_empty(void *arg)
{
    const struct pool_case *c = arg;
    void *v = (void *)(uintptr_t)0x5e5e5e5;

    C_CHECK_EQ(pal_mem_alloc_huge(c->size, c->size, &v), PAL_ENOMEM);
    C_CHECK(v == (void *)(uintptr_t)0x5e5e5e5);
    return 0;
}

/* Under qemu-user with a page size of its own (-p) the pools in /sys are
 * the host's, and qemu will not map them for the guest. */
#define QEMU_PAGE_SIZE_REASON "a page size chosen for qemu-user (-p): the hugetlb pools " \
    "listed are the host's, which qemu does not map for the guest"

static void pools_for_real(void)
{
    size_t sizes[8], count, i, tested = 0;
    char why[160] = "";

    count = pal_mem_huge_page_sizes(sizes, 8);
    if (count == 0)
        SKIP("no hugetlb pools on this kernel (CONFIG_HUGETLBFS=n)");
    if (th_getenv("PAL_TEST_PAGE_SIZE") != NULL)
        SKIP(QEMU_PAGE_SIZE_REASON);
    if (geteuid() != 0)
        SKIP("growing a hugetlb pool needs root");
    if (pool_read(sizes[0], "nr_hugepages") < 0)
        SKIP("cannot read the pools in /sys/kernel/mm/hugepages");
    for (i = 0; i < count && i < 8; i++) {
        struct pool_case c = { sizes[i], sizes[i] >= ((size_t)1 << 30) ? 1 : 4 };
        long nr0 = pool_read(c.size, "nr_hugepages"), free0 = pool_read(c.size, "free_hugepages");
        int ok;

        if (nr0 < 0 || free0 < 0) {
            snprintf(why, sizeof why, "cannot read the %zu KiB pool", c.size / 1024);
            continue;
        }
        if (!pool_write(c.size, nr0 + c.want) ||
            pool_read(c.size, "free_hugepages") < free0 + c.want) {
            (void)pool_write(c.size, nr0);
            snprintf(why, sizeof why, "the kernel found no room to grow the %zu KiB pool "
                     "by %ld page(s)", c.size / 1024, c.want);
            th_note("%s", why);
            continue;
        }
        ok = lx_outcome(lx_run(child_pool, &c), __FILE__, __LINE__);
        (void)pool_write(c.size, nr0);
        if (!ok)
            return;
        th_note("%zu KiB pool: %ld page(s) reserved at the call, zero, usable, "
                "%ld taken from the pool by the first touches", c.size / 1024, c.want,
                lx_rep->fig[0]);
        CHECK_EQ(pool_read(c.size, "nr_hugepages"), nr0);
        tested++;
    }
    if (tested == 0)
        SKIP("%s", why);
}

/* An empty pool (nothing free, none to be had: nr_hugepages 0 and no
 * overcommit) is PAL_ENOMEM at the call. */
static void empty_pool_is_enomem(void)
{
    size_t sizes[8];
    struct pool_case c;
    long nr0, over;
    int st;

    if (pal_mem_huge_page_sizes(sizes, 8) == 0)
        SKIP("no hugetlb pools on this kernel (CONFIG_HUGETLBFS=n)");
    if (th_getenv("PAL_TEST_PAGE_SIZE") != NULL)
        SKIP(QEMU_PAGE_SIZE_REASON);
    c.size = sizes[0];
    c.want = 1;
    nr0 = pool_read(c.size, "nr_hugepages");
    over = pool_read(c.size, "nr_overcommit_hugepages");
    if (nr0 < 0)
        SKIP("cannot read the pools in /sys/kernel/mm/hugepages");
    if (over > 0)
        SKIP("nr_overcommit_hugepages is %ld: the kernel may find pages beyond the pool", over);
    if (pool_read(c.size, "free_hugepages") != 0) {
        if (geteuid() != 0)
            SKIP("the %zu KiB pool holds free pages and only root can empty it", c.size / 1024);
        if (!pool_write(c.size, 0))
            SKIP("cannot empty the %zu KiB pool", c.size / 1024);
    }
    if (pool_read(c.size, "free_hugepages") != 0) {
        (void)pool_write(c.size, nr0);
        SKIP("the %zu KiB pool has pages in use", c.size / 1024);
    }
    st = lx_run(child_empty, &c);
    if (pool_read(c.size, "nr_hugepages") != nr0)
        (void)pool_write(c.size, nr0);
    (void)lx_outcome(st, __FILE__, __LINE__);
}

const struct th_test th_tests[] = {
    TH(empty_pool_is_enomem),
    TH(pools_for_real),
    TH_END,
};
