/*
 * test_hugetlb.c - explicit huge pages (pal_mem_alloc_huge) for real, on
 * each hugetlb pool this kernel offers: as root, the pool is grown by what
 * the test needs (nr_hugepages of /sys/kernel/mm/hugepages/hugepages-<N>kB),
 * the allocation must be promised at once (faulted in, or reserved:
 * resv_hugepages rises; a short pool is PAL_ENOMEM at the call, never a
 * SIGBUS at first touch, also under a hugetlb cgroup limit), zero,
 * usable, and backed by that pool (free_hugepages falls as it is touched);
 * the pool is put back after.  An empty pool must give PAL_ENOMEM with
 * nothing mapped.  The pool of 1 GiB pages often cannot be grown (no free
 * gigabyte of contiguous memory): skipped with that reason.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "lx_util.h"

/* The pools are machine-wide, and the test command runs several builds'
 * tests (and mimalloc's huge OS page runs) at once: each takes this lock
 * before it reads or changes a pool, and holds it until it exits, so that
 * no other process grows, shrinks or takes from a pool under it. */
#define POOLS_LOCK "/tmp/libpal-hugetlb-pools.lock"

static void pools_lock(void)
{
    static int fd = -1;

    if (fd >= 0)
        return;
    fd = open(POOLS_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd >= 0)
        (void)flock(fd, LOCK_EX);
}

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
    long resv0 = pool_read(c->size, "resv_hugepages"), free0, free1, taken, resv;
    unsigned char *p;
    void *v = NULL;

    free0 = pool_read(c->size, "free_hugepages");
    C_CHECK_OK(pal_mem_alloc_huge(n, c->size, &v));
    p = v;
    C_CHECK_EQ((uintptr_t)p % c->size, 0);
    /* promised before any touch: faulted in at the call (taken from the
     * pool) where the kernel can populate, else reserved at mmap */
    taken = free0 - pool_read(c->size, "free_hugepages");
    resv = pool_read(c->size, "resv_hugepages") - resv0;
    C_CHECK_EQ(taken + resv, c->want);
    C_CHECK(taken == 0 || resv == 0);
    for (i = 0; i < (size_t)c->want; i++) {
        unsigned char *page = p + i * c->size;

        C_CHECK(page[0] == 0 && page[c->size / 2] == 0 && page[c->size - 1] == 0);
        page[0] = (unsigned char)(i + 1);
        page[c->size - 1] = (unsigned char)(i + 2);
    }
    free1 = pool_read(c->size, "free_hugepages");
    lx_rep->fig[0] = free0 - free1;
    lx_rep->fig[1] = taken;
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

/* Whether this machine has hugetlb pools to test, decided from /sys itself
 * (listed with libc), never from the library's answer: a kernel without
 * hugetlbfs lists none and the test skips; a kernel that lists pools while
 * the library reports none (count) is a failure, not a machine without
 * pools: a wrong flag in the library's open of that directory looked
 * exactly like that.  1 to go on, 0 after a skip or a failure. */
static int pools_listed(size_t count, const char *file, int line)
{
    DIR *d = opendir("/sys/kernel/mm/hugepages");
    struct dirent *e;
    long listed = 0;

    if (d == NULL && errno == ENOENT) {
        th_skip("no /sys/kernel/mm/hugepages: no hugetlb pools on this kernel "
                "(CONFIG_HUGETLBFS=n)");
        return 0;
    }
    if (d == NULL) {
        th_fail_at(file, line, "cannot list /sys/kernel/mm/hugepages: errno %d", errno);
        return 0;
    }
    while ((e = readdir(d)) != NULL)
        listed += strncmp(e->d_name, "hugepages-", 10) == 0;
    closedir(d);
    if (listed == 0) {
        th_skip("/sys/kernel/mm/hugepages lists no pools");
        return 0;
    }
    if (count == 0) {
        th_fail_at(file, line, "/sys lists %ld hugetlb pool(s), the library reports none", listed);
        return 0;
    }
    return 1;
}

/* Under qemu-user the pools in /sys are the host's, and qemu does not map
 * them for the guest (MAP_HUGETLB: EINVAL). */
#define QEMU_REASON "qemu-user: the hugetlb pools listed are the host's, which qemu " \
    "does not map for the guest"

static void pools_for_real(void)
{
    size_t sizes[8], count, i, tested = 0;
    char why[160] = "";

    pools_lock();
    count = pal_mem_huge_page_sizes(sizes, 8);
    if (!pools_listed(count, __FILE__, __LINE__))
        return;
    if (lx_qemu_user())
        SKIP(QEMU_REASON);
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
        th_note("%zu KiB pool: %ld page(s) promised at the call (%ld faulted in there), "
                "zero, usable, %ld taken from the pool", c.size / 1024, c.want,
                lx_rep->fig[1], lx_rep->fig[0]);
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

    pools_lock();
    if (!pools_listed(pal_mem_huge_page_sizes(sizes, 8), __FILE__, __LINE__))
        return;
    if (lx_qemu_user())
        SKIP(QEMU_REASON);
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

/* ---- a hugetlb cgroup limit ------------------------------------------ */

/* The cgroup v2 hierarchy with the hugetlb controller, from /proc/mounts,
 * into dir; 0 if none. */
static int hugetlb_cgroup_root(char *dir, size_t size)
{
    char path[300], line[256];
    const char *s, *mnt, *type;
    FILE *f;

    dir[0] = '\0';
    if (lx_read_proc("/proc/mounts") <= 0)
        return 0;
    /* "cgroup2 /sys/fs/cgroup cgroup2 rw,..." */
    for (s = lx_buf; *s != '\0' && dir[0] == '\0'; s = lx_next_line(s)) {
        for (mnt = s; *mnt != ' ' && *mnt != '\0'; mnt++)
            ;
        if (*mnt == '\0')
            break;
        for (type = ++mnt; *type != ' ' && *type != '\0'; type++)
            ;
        if (th_strncmp(type, " cgroup2 ", 9) == 0 && (size_t)(type - mnt) < size)
            snprintf(dir, size, "%.*s", (int)(type - mnt), mnt);
    }
    if (dir[0] == '\0')
        return 0;
    snprintf(path, sizeof path, "%s/cgroup.controllers", dir);
    f = fopen(path, "r");
    if (f == NULL)
        return 0;
    if (fgets(line, sizeof line, f) == NULL)
        line[0] = '\0';
    fclose(f);
    return strstr(line, "hugetlb") != NULL;
}

static int put(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY), ok;

    if (fd < 0)
        return 0;
    ok = write(fd, value, strlen(value)) == (ssize_t)strlen(value);
    close(fd);
    return ok;
}

struct limit_case {
    char group[300];
    size_t size;
};

/* In the cgroup whose hugetlb limit is one page: four pages are PAL_ENOMEM
 * at the call, nothing left mapped; one page is granted and usable. */
static int child_limited(void *arg)
{
    const struct limit_case *c = arg;
    char path[340];
    unsigned char *p;
    long vmas0;
    void *v = (void *)(uintptr_t)0x5e5e5e5;

    snprintf(path, sizeof path, "%s/cgroup.procs", c->group);
    C_CHECK(put(path, "0"));
    vmas0 = lx_count_vmas(0, 0);
    C_CHECK_EQ(pal_mem_alloc_huge(4 * c->size, c->size, &v), PAL_ENOMEM);
    C_CHECK(v == (void *)(uintptr_t)0x5e5e5e5);
    C_CHECK_EQ(lx_count_vmas(0, 0), vmas0);
    C_CHECK_OK(pal_mem_alloc_huge(c->size, c->size, &v));
    p = v;
    p[0] = 1;
    p[c->size - 1] = 2;
    C_CHECK(p[0] == 1 && p[c->size - 1] == 2);
    C_CHECK_OK(pal_mem_free(v, c->size));
    return 0;
}

/* The hugetlb cgroup charges at fault (since 5.7), not at mmap: an
 * allocation over the group's limit must still fail at the call, never
 * with a SIGBUS at first touch. */
static void cgroup_limit_is_enomem(void)
{
    char root[200], path[400], val[64];
    struct limit_case c;
    long nr0, free0;
    int enabled, st;

    pools_lock();
    if (lx_qemu_user())
        SKIP(QEMU_REASON);
    if (geteuid() != 0)
        SKIP("a hugetlb cgroup needs root");
    if (!hugetlb_cgroup_root(root, sizeof root))
        SKIP("no cgroup v2 hierarchy with the hugetlb controller in /proc/mounts");
    c.size = 2u << 20;
    nr0 = pool_read(c.size, "nr_hugepages");
    free0 = pool_read(c.size, "free_hugepages");
    if (nr0 < 0 || free0 < 0)
        SKIP("no 2 MiB hugetlb pool in /sys/kernel/mm/hugepages");
    if (!pool_write(c.size, nr0 + 4) || pool_read(c.size, "free_hugepages") < free0 + 4) {
        (void)pool_write(c.size, nr0);
        SKIP("the kernel found no room to grow the 2 MiB pool by 4 pages");
    }
    snprintf(path, sizeof path, "%s/cgroup.subtree_control", root);
    enabled = lx_read_proc(path) > 0 && strstr(lx_buf, "hugetlb") != NULL;
    /* turning the controller on for the whole hierarchy is a machine-wide
     * change: only where the tests own the machine (the test VM) */
    if (!enabled && getenv("PAL_TEST_SYSCTL") == NULL) {
        (void)pool_write(c.size, nr0);
        SKIP("the hugetlb controller is off in %s/cgroup.subtree_control, and turning it on "
             "is machine-wide (the test VM may: PAL_TEST_SYSCTL=1)", root);
    }
    snprintf(c.group, sizeof c.group, "%s/pal-test-%ld", root, (long)getpid());
    if ((!enabled && !put(path, "+hugetlb")) || mkdir(c.group, 0755) != 0) {
        (void)pool_write(c.size, nr0);
        if (!enabled)
            (void)put(path, "-hugetlb");
        SKIP("cannot make a hugetlb cgroup under %s", root);
    }
    snprintf(path, sizeof path, "%s/hugetlb.2MB.max", c.group);
    snprintf(val, sizeof val, "%zu", c.size);
    st = put(path, val) ? lx_run(child_limited, &c) : -1;
    (void)rmdir(c.group);
    if (!enabled) {
        snprintf(path, sizeof path, "%s/cgroup.subtree_control", root);
        (void)put(path, "-hugetlb");
    }
    (void)pool_write(c.size, nr0);
    if (st == -1)
        SKIP("cannot write %s", path);
    (void)lx_outcome(st, __FILE__, __LINE__);
}

const struct th_test th_tests[] = {
    TH(empty_pool_is_enomem),
    TH(pools_for_real),
    TH(cgroup_limit_is_enomem),
    TH_END,
};
