/*
 * test_huge_sizes.c - the hugetlb page sizes the library reports
 * (pal_mem_huge_page_sizes) are the pools the kernel lists in
 * /sys/kernel/mm/hugepages, read here with raw system calls: no pool
 * missing, none made up, in ascending order.  A machine whose /sys lists
 * pools while the library reports none fails; one that lists none checks
 * that the library reports none too.
 *
 * The directory is opened with O_RDONLY alone: getdents64 needs no
 * O_DIRECTORY, and that flag's value is one the architectures disagree on
 * (arm64's O_DIRECTORY is loongarch's O_DIRECT, which fails the open with
 * EINVAL), so this listing does not share the library's use of it.
 *
 * pal-test: libc-free (built by the freestanding harness too).
 */
#include "pal_test.h"
#include "linux/sys_linux.h"

#define MAX_POOLS 16

/* "hugepages-<N>kB" as N KiB in bytes, else 0. */
static size_t pool_size(const char *name)
{
    static const char prefix[] = "hugepages-";
    size_t kb = 0, i = 0;

    if (th_strncmp(name, prefix, sizeof prefix - 1) != 0)
        return 0;
    name += sizeof prefix - 1;
    for (; name[i] >= '0' && name[i] <= '9'; i++)
        kb = kb * 10 + (size_t)(name[i] - '0');
    if (i == 0 || name[i] != 'k' || name[i + 1] != 'B' || name[i + 2] != '\0')
        return 0;
    return kb * 1024;
}

/* The pools /sys lists, ascending, into sizes; their number, or -errno of
 * the open or the listing. */
static long sys_pools(size_t *sizes, size_t max)
{
    /* struct linux_dirent64: ino (8), off (8), reclen (2), type (1), name */
    union { char c[4096]; unsigned long long align; } buf;
    long fd, got, at;
    size_t count = 0, size, k;

    fd = pal_sys_openat(LX_AT_FDCWD, "/sys/kernel/mm/hugepages", LX_O_RDONLY | LX_O_CLOEXEC);
    if (pal_sys_failed(fd))
        return fd;
    while ((got = pal_sys_getdents64(fd, buf.c, sizeof buf.c)) > 0) {
        for (at = 0; at < got; at += *(unsigned short *)(buf.c + at + 16)) {
            size = pool_size(buf.c + at + 19);
            if (size == 0 || count == max)
                continue;
            for (k = count++; k > 0 && sizes[k - 1] > size; k--)
                sizes[k] = sizes[k - 1];
            sizes[k] = size;
        }
    }
    pal_sys_close(fd);
    return pal_sys_failed(got) ? got : (long)count;
}

static void sizes_are_the_pools_of_sys(void)
{
    size_t want[MAX_POOLS], got[MAX_POOLS], n, i;
    long listed = sys_pools(want, MAX_POOLS);

    if (listed == -LX_ENOENT) {
        /* no hugetlbfs, or no /sys at all: only /sys/kernel tells which */
        long fd = pal_sys_openat(LX_AT_FDCWD, "/sys/kernel/mm", LX_O_RDONLY | LX_O_CLOEXEC);

        if (pal_sys_failed(fd))
            SKIP("no /sys/kernel/mm (sysfs not mounted): nothing to compare with");
        pal_sys_close(fd);
        listed = 0;
    }
    if (listed < 0) {
        th_fail_at(__FILE__, __LINE__, "listing /sys/kernel/mm/hugepages: error %ld", -listed);
        return;
    }
    n = pal_mem_huge_page_sizes(got, MAX_POOLS);
    for (i = 0; i < (size_t)listed; i++)
        th_note("/sys lists the %zu KiB pool", want[i] / 1024);
    if (listed > 0 && n == 0) {
        th_fail_at(__FILE__, __LINE__, "/sys lists %ld hugetlb pool(s), the library reports none",
                   listed);
        return;
    }
    CHECK_EQ(n, (size_t)listed);
    for (i = 0; i < n; i++)
        CHECK_EQ(got[i], want[i]);
}

const struct th_test th_tests[] = {
    TH(sizes_are_the_pools_of_sys),
    TH_END,
};
