/*
 * test_facts.c - what the library reports about the machine, each fact
 * against a source of its own (/sys, a libc call or a raw system call on
 * a scratch mapping), and effects seen where the kernel shows them
 * (smaps, /proc/self/maps).  A wrong probe, parse or constant in the
 * library fails here instead of turning other tests into skips: whether
 * a test runs is decided by the independent source, never by the answer
 * under test.  The facts that need no libc (page size, THP, executable
 * memory run) are test_facts_raw.c's, which every target runs.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "lx_util.h"

/* Not in every libc's headers (these are the same on every
 * architecture): prctl's anonymous-mapping names (5.17). */
#define FACT_PR_SET_VMA 0x53564d41
#define FACT_PR_SET_VMA_ANON_NAME 0
#ifndef MAP_FIXED_NOREPLACE /* the libc's, where it has it (glibc 2.28) */
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* A whole small file (of /sys or /proc) into buf; its length or -1. */
static long read_small(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    size_t n;

    if (f == NULL)
        return -1;
    n = fread(buf, 1, size - 1, f);
    fclose(f);
    buf[n] = '\0';
    return (long)n;
}

/* The /proc/self/maps line of the mapping holding p, copied into line;
 * 0 if there is none. */
static int maps_line(const void *p, char *line, size_t size)
{
    const char *s;
    uintptr_t lo, hi;

    if (lx_read_proc("/proc/self/maps") <= 0)
        return 0;
    for (s = lx_buf; *s != '\0'; s = lx_next_line(s)) {
        if (lx_is_header(s, &lo, &hi) && lo <= (uintptr_t)p && (uintptr_t)p < hi) {
            size_t n = 0;

            while (s[n] != '\0' && s[n] != '\n' && n + 1 < size) {
                line[n] = s[n];
                n++;
            }
            line[n] = '\0';
            return 1;
        }
    }
    return 0;
}

static int by_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return x < y ? -1 : x > y;
}

/* The hugetlb pools, one directory "hugepages-<N>kB" each in
 * /sys/kernel/mm/hugepages, ascending, and PAL_FEAT_HUGETLB with them. */
static void hugetlb_sizes_match_sys(void)
{
    size_t want[16], got[16], n = 0, k, i;
    DIR *d = opendir("/sys/kernel/mm/hugepages");
    struct dirent *e;

    if (d != NULL) {
        while ((e = readdir(d)) != NULL && n < 16) {
            unsigned long long kb;
            char tail[8];

            if (sscanf(e->d_name, "hugepages-%llu%7s", &kb, tail) == 2 && strcmp(tail, "kB") == 0)
                want[n++] = (size_t)kb * 1024;
        }
        closedir(d);
    }
    qsort(want, n, sizeof want[0], by_size);
    k = pal_mem_huge_page_sizes(got, 16);
    th_note("%zu pools in /sys/kernel/mm/hugepages, %zu reported", n, k);
    CHECK_EQ(k, n);
    for (i = 0; i < n; i++)
        CHECK_EQ(got[i], want[i]);
    CHECK_EQ(!!(pal_mem_features() & PAL_FEAT_HUGETLB), n > 0);
}

/* The node count lies between the nodes with memory and the possible
 * ones (/sys/devices/system/node: "0", "0-3", "0,2-3"); one node without
 * that directory (CONFIG_NUMA=n); PAL_FEAT_NUMA only with two or more. */
static unsigned highest_in(const char *list)
{
    unsigned highest = 0;
    const char *p = list;

    while (*p >= '0' && *p <= '9') {
        unsigned id = (unsigned)strtoul(p, (char **)&p, 10);

        highest = id > highest ? id : highest;
        if (*p == ',' || *p == '-')
            p++;
    }
    return highest;
}

static unsigned count_in(const char *list)
{
    unsigned count = 0, lo, hi;
    const char *p = list;

    while (*p >= '0' && *p <= '9') {
        lo = hi = (unsigned)strtoul(p, (char **)&p, 10);
        if (*p == '-')
            hi = (unsigned)strtoul(p + 1, (char **)&p, 10);
        count += hi - lo + 1;
        if (*p == ',')
            p++;
    }
    return count;
}

static void numa_nodes_match_sys(void)
{
    char possible[256], memory[256];
    unsigned n = pal_mem_numa_nodes(), most, least;

    if (read_small("/sys/devices/system/node/possible", possible, sizeof possible) <= 0) {
        CHECK_EQ(n, 1);
        CHECK_EQ(pal_mem_features() & PAL_FEAT_NUMA, 0);
        return;
    }
    most = highest_in(possible) + 1;
    least = read_small("/sys/devices/system/node/has_memory", memory, sizeof memory) > 0
                ? count_in(memory) : 1;
    th_note("possible nodes %u (highest + 1), with memory %u; reported %u", most, least, n);
    CHECK(n >= 1);
    CHECK(n <= most);
    CHECK(n >= least);
    if (n == 1)
        CHECK_EQ(pal_mem_features() & PAL_FEAT_NUMA, 0);
}

/* MTE and BTI as the kernel reports them in AT_HWCAP2 (arm64; none
 * elsewhere). */
static void tagging_bits_match_hwcap(void)
{
    unsigned feats = pal_mem_features();
#if defined(__aarch64__)
    unsigned long hw2 = getauxval(AT_HWCAP2);

    CHECK_EQ(!!(feats & PAL_FEAT_MTE), !!(hw2 & (1UL << 18)));
    CHECK_EQ(!!(feats & PAL_FEAT_BTI), !!(hw2 & (1UL << 17)));
#else
    CHECK_EQ(feats & (PAL_FEAT_MTE | PAL_FEAT_BTI), 0);
#endif
}

/* Lazy release: MADV_FREE on a scratch page, raw, succeeds exactly where
 * the feature is reported. */
static void madv_free_matches_madvise(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    void *m = mmap(NULL, (size_t)ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int raw;

    CHECK(m != MAP_FAILED);
    *(volatile char *)m = 1;
    raw = syscall(SYS_madvise, m, (size_t)ps, 8 /* MADV_FREE */) == 0;
    munmap(m, (size_t)ps);
    th_note("raw MADV_FREE %s", raw ? "accepted" : "refused");
    CHECK_EQ(!!(pal_mem_features() & PAL_FEAT_MADV_FREE), raw);
}

/* The features a raw call on a scratch page decides: MAP_FIXED_NOREPLACE
 * (4.17) over a taken page says EEXIST exactly where the feature is
 * reported; an advice the kernel refuses (EINVAL: guard regions before
 * 6.13, MADV_POPULATE_WRITE before 5.14) must not be reported.  (An
 * accepted one may still be refused by the library's fuller probe: an
 * emulator accepts advice it ignores.) */
static void feature_bits_match_raw_calls(void)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    unsigned feats = pal_mem_features();
    /* two read-write pages fenced by inaccessible ones, so that the guard
     * marks no neighbour's mapping (see probes_mark_no_neighbour) */
    char *f = mmap(NULL, 4 * ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *m = f + ps;
    void *r;
    int noreplace, guard, populate;

    CHECK(f != MAP_FAILED);
    if (mprotect(m, 2 * ps, PROT_READ | PROT_WRITE) != 0) {
        munmap(f, 4 * ps);
        SKIP("no read-write scratch pages (the commit limit?)");
    }
    r = mmap(m, ps, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    noreplace = r == MAP_FAILED && errno == EEXIST;
    if (r != MAP_FAILED && r != m)
        munmap(r, ps);
    guard = syscall(SYS_madvise, m, ps, 102 /* MADV_GUARD_INSTALL */) == 0 || errno != EINVAL;
    populate = syscall(SYS_madvise, m + ps, ps, 23 /* MADV_POPULATE_WRITE */) == 0 || errno != EINVAL;
    munmap(f, 4 * ps);
    th_note("raw: MAP_FIXED_NOREPLACE %s, MADV_GUARD_INSTALL %s, MADV_POPULATE_WRITE %s",
            noreplace ? "EEXIST" : "ignored", guard ? "accepted" : "EINVAL",
            populate ? "accepted" : "EINVAL");
    CHECK_EQ(!!(feats & PAL_FEAT_FIXED_NOREPLACE), noreplace);
    if (!guard)
        CHECK_EQ(feats & PAL_FEAT_GUARD, 0);
    if (!populate)
        CHECK_EQ(feats & PAL_FEAT_POPULATE, 0);
}

/* 1 if VmFlags of every mapping over [lo, hi) have flag, 0 if none, -1
 * otherwise (or smaps says nothing). */
static int flag_on(uintptr_t lo, uintptr_t hi, const char *flag)
{
    struct lx_smaps s;

    if (lx_smaps(lo, hi, flag, &s) != 0 || s.vmas == 0 || s.vmflags != s.vmas)
        return -1;
    return s.with_flag == s.vmas ? 1 : s.with_flag == 0 ? 0 : -1;
}

/* Why smaps cannot show THP advice here, decided with a raw madvise on a
 * scratch mapping of three pages (the middle one advised must show nh on
 * a mapping of its own); NULL if it can. */
static const char *advice_unobservable(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    char mode[128];
    uintptr_t p;
    void *m;
    int seen;

    if (read_small("/sys/kernel/mm/transparent_hugepage/enabled", mode, sizeof mode) <= 0)
        return "no /sys/kernel/mm/transparent_hugepage: the kernel has no THP advice";
    if (!lx_have_vmflags())
        return "no VmFlags in /proc/self/smaps (qemu-user)";
    m = mmap(NULL, 3 * (size_t)ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return "no scratch mapping";
    p = (uintptr_t)m;
    seen = madvise((char *)m + ps, (size_t)ps, MADV_NOHUGEPAGE) == 0 &&
           flag_on(p + (size_t)ps, p + 2 * (size_t)ps, "nh") == 1 && flag_on(p, p + (size_t)ps, "nh") == 0;
    munmap(m, 3 * (size_t)ps);
    return seen ? NULL : "a raw MADV_NOHUGEPAGE leaves no trace in smaps (advice ignored: qemu-user)";
}

/* Why smaps cannot show a guard's mark here, decided with a raw guard on
 * the middle page of three, the outer two inaccessible so that the middle
 * one is a mapping of its own (a read-write mapping next to another
 * merges with it); NULL if it can.  The mark goes with the mapping. */
static const char *guard_mark_unobservable(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    uintptr_t p;
    char *m;
    int seen;

    if (!lx_have_vmflags())
        return "no VmFlags in /proc/self/smaps (qemu-user)";
    m = mmap(NULL, 3 * (size_t)ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return "no scratch mapping";
    p = (uintptr_t)m;
    if (mprotect(m + ps, (size_t)ps, PROT_READ | PROT_WRITE) != 0) {
        munmap(m, 3 * (size_t)ps);
        return "no read-write scratch page (the commit limit?)";
    }
    if (syscall(SYS_madvise, m + ps, (size_t)ps, 102 /* MADV_GUARD_INSTALL */) != 0) {
        munmap(m, 3 * (size_t)ps);
        return "no guard regions here (MADV_GUARD_INSTALL refused)";
    }
    seen = flag_on(p + (size_t)ps, p + 2 * (size_t)ps, "gu") == 1;
    munmap(m, 3 * (size_t)ps);
    return seen ? NULL
                : "a raw MADV_GUARD_INSTALL leaves no gu in VmFlags (a kernel that does not "
                  "show it, or the advice ignored: qemu-user)";
}

/* The feature probes run on scratch pages of the library's own and leave
 * nothing on anybody else's mapping.  A guard marks the whole VMA it is
 * installed in (gu) for that VMA's life: a scratch mapping that merged
 * with a read-write neighbour would leave the neighbour marked (seen: the
 * dynamic loader's 8 KiB of data).  First in this program: no test
 * before it installs a guard, so no mapping of the process may have gu. */
static void probes_mark_no_neighbour(void)
{
    const char *why = guard_mark_unobservable();
    struct lx_smaps s;

    if (why != NULL)
        SKIP("%s", why);
    CHECK_EQ(lx_smaps(0, UINTPTR_MAX, "gu", &s), 0);
    CHECK_EQ(s.with_flag, 0);
    th_note("features 0x%x", pal_mem_features());
    CHECK_EQ(lx_smaps(0, UINTPTR_MAX, "gu", &s), 0);
    CHECK_EQ(s.with_flag, 0);
}

/* nohugepage gives the range nh, and only the range; hugepage on whole
 * huge pages gives hg (and takes nh away). */
static void thp_advice_in_smaps(void)
{
    const char *why = advice_unobservable();
    size_t ps = pal_mem_page_size(), hps = pal_mem_huge_page_size();
    void *v = NULL;
    uintptr_t p;

    if (why != NULL)
        SKIP("%s", why);
    CHECK_OK(pal_mem_alloc(3 * ps, &v));
    p = (uintptr_t)v;
    CHECK_OK(pal_mem_nohugepage((char *)v + ps, ps));
    CHECK_EQ(flag_on(p + ps, p + 2 * ps, "nh"), 1);
    CHECK_EQ(flag_on(p, p + ps, "nh"), 0);
    CHECK_EQ(flag_on(p + 2 * ps, p + 3 * ps, "nh"), 0);
    CHECK_OK(pal_mem_free(v, 3 * ps));
    /* hugepage: only where THP is on ("never" refuses nothing, but the
     * library reports no size to align to) */
    if (hps == 0)
        return;
    CHECK_OK(pal_mem_reserve_aligned(2 * hps, hps, &v));
    p = (uintptr_t)v;
    CHECK_OK(pal_mem_map(v, 2 * hps));
    CHECK_OK(pal_mem_nohugepage(v, 2 * hps));
    CHECK_EQ(flag_on(p, p + 2 * hps, "nh"), 1);
    CHECK_OK(pal_mem_hugepage(v, 2 * hps));
    CHECK_EQ(flag_on(p, p + 2 * hps, "hg"), 1);
    CHECK_EQ(flag_on(p, p + 2 * hps, "nh"), 0);
    CHECK_OK(pal_mem_free(v, 2 * hps));
    /* a range a page short of three huge pages at each end: only the
     * whole huge page inside gets hg, all of it */
    CHECK_OK(pal_mem_reserve_aligned(3 * hps, hps, &v));
    p = (uintptr_t)v;
    CHECK_OK(pal_mem_map(v, 3 * hps));
    CHECK_OK(pal_mem_hugepage((char *)v + ps, 3 * hps - 2 * ps));
    CHECK_EQ(flag_on(p, p + hps, "hg"), 0);
    CHECK_EQ(flag_on(p + hps, p + 2 * hps, "hg"), 1);
    CHECK_EQ(flag_on(p + 2 * hps, p + 3 * hps, "hg"), 0);
    CHECK_OK(pal_mem_free(v, 3 * hps));
}

/* The huge page size from /sys (THP on), else 0. */
static size_t sys_pmd_size(void)
{
    char mode[128], size[64];

    if (read_small("/sys/kernel/mm/transparent_hugepage/enabled", mode, sizeof mode) <= 0 ||
        strstr(mode, "[never]") != NULL ||
        read_small("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", size, sizeof size) <= 0)
        return 0;
    return (size_t)strtoull(size, NULL, 10);
}

/* The peak resident size of this process (VmHWM, KiB), read into a buffer
 * on the stack; 0 where /proc does not tell. */
static unsigned long peak_rss_kib(void)
{
    char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY);
    long n;
    const char *p;

    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    p = strstr(buf, "VmHWM:");
    return p != NULL ? strtoul(p + 6, NULL, 10) : 0;
}

static int child_probe_peak(void *huge_kib)
{
    unsigned long before = peak_rss_kib(), after, limit = *(unsigned long *)huge_kib / 2;

    if (before == 0)
        C_SKIP("no VmHWM in /proc/self/status");
    (void)pal_mem_features();
    after = peak_rss_kib();
    if (after - before >= limit)
        C_FAIL(1, after - before, limit, "peak RSS rise of the probes (KiB) < half a huge page");
    return 0;
}

/* The probes write a few scratch pages, never a whole huge page: under THP
 * "always" a write to a page whose aligned huge page lies inside a VMA
 * faults in the huge page (seen: the collapse probe's scratch mapping,
 * aligned by 6.7+ kernels, zeroed 2 MiB in every process).  munmap keeps
 * the peak in VmHWM.  In a child: the probes run once per process, and
 * probes_mark_no_neighbour needs them not run yet. */
static void probes_fault_no_huge_page(void)
{
    char mode[128];
    unsigned long huge_kib = sys_pmd_size() / 1024;

    if (read_small("/sys/kernel/mm/transparent_hugepage/enabled", mode, sizeof mode) <= 0 ||
        strstr(mode, "[always]") == NULL || huge_kib == 0)
        SKIP("THP is not \"always\" here: a write faults in a huge page only where asked for");
    RUN_CHILD(child_probe_peak, &huge_kib);
}

/* unused_ranges leaves the marks that unused of each range leaves: two
 * heaps of eight huge pages, asked for huge pages (which makes end marks
 * needed), the same ranges released, one range by range with unused, the
 * other in one unused_ranges (batched where the kernel allows); then each
 * huge page's nh and hg in smaps must agree between the two, and the
 * ranges must read zero. */
#define HEAP_HUGE 8

static void unused_ranges_marks_as_unused(void)
{
    const char *why = advice_unobservable();
    size_t ps = pal_mem_page_size(), h = sys_pmd_size(), i, done = 0;
    char *heap[2] = { NULL, NULL };
    struct pal_mem_range r[4];
    int k, marked = 0;

    if (why != NULL)
        SKIP("%s", why);
    if (h == 0)
        SKIP("transparent huge pages are off or absent here (/sys/kernel/mm/transparent_hugepage)");
    for (k = 0; k < 2; k++) {
        CHECK_OK(pal_mem_reserve_aligned(HEAP_HUGE * h, h, (void **)&heap[k]));
        CHECK_OK(pal_mem_map(heap[k], HEAP_HUGE * h));
        CHECK_OK(pal_mem_used(heap[k], HEAP_HUGE * h));
        CHECK_OK(pal_mem_hugepage(heap[k], HEAP_HUGE * h));
        th_memset(heap[k], 0x5a, HEAP_HUGE * h);
    }
    /* inside one huge page; across a boundary; from a huge page's start;
     * up to a huge page's end */
    r[0].v = heap[1] + h + 3 * ps, r[0].n = 2 * ps;
    r[1].v = heap[1] + 3 * h - 2 * ps, r[1].n = 5 * ps;
    r[2].v = heap[1] + 5 * h, r[2].n = 7 * ps;
    r[3].v = heap[1] + 7 * h - 4 * ps, r[3].n = 4 * ps;
    for (i = 0; i < 4; i++)
        CHECK_OK(pal_mem_unused(heap[0] + ((char *)r[i].v - heap[1]), r[i].n));
    CHECK_OK(pal_mem_unused_ranges(r, 4, &done));
    CHECK_EQ(done, 4);
    for (i = 0; i < HEAP_HUGE; i++) {
        uintptr_t a = (uintptr_t)heap[0] + i * h, b = (uintptr_t)heap[1] + i * h;
        int nh = flag_on(a, a + h, "nh");

        marked += nh == 1;
        if (flag_on(b, b + h, "nh") != nh || flag_on(b, b + h, "hg") != flag_on(a, a + h, "hg")) {
            th_note("huge page %zu: unused gives nh %d hg %d, unused_ranges nh %d hg %d", i, nh,
                    flag_on(a, a + h, "hg"), flag_on(b, b + h, "nh"), flag_on(b, b + h, "hg"));
            CHECK(!"unused_ranges marks as unused does");
        }
    }
    th_note("%d of %d huge pages marked nh by both", marked, HEAP_HUGE);
    for (i = 0; i < 4; i++) {
        CHECK_OK(pal_mem_used(r[i].v, r[i].n));
        CHECK(th_all_bytes(r[i].v, r[i].n, 0) || pal_mem_unused_zeroes() == 0);
    }
    for (k = 0; k < 2; k++)
        CHECK_OK(pal_mem_free(heap[k], HEAP_HUGE * h));
}

/* pal_mem_name where the kernel names anonymous mappings
 * (CONFIG_ANON_VMA_NAME, 5.17): decided by a raw prctl on a scratch
 * mapping; the name must then be read back from /proc/self/maps, and
 * where the kernel refuses, the library must say PAL_ENOSYS. */
static void name_reads_back(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    void *m = mmap(NULL, (size_t)ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char line[256];
    void *v = NULL;
    int raw, shown;

    CHECK(m != MAP_FAILED);
    raw = prctl(FACT_PR_SET_VMA, FACT_PR_SET_VMA_ANON_NAME, (unsigned long)m, (unsigned long)ps,
                (unsigned long)"pal_fact_raw") == 0;
    shown = raw && maps_line(m, line, sizeof line) && strstr(line, "[anon:pal_fact_raw]") != NULL;
    munmap(m, (size_t)ps);
    CHECK_OK(pal_mem_alloc((size_t)ps, &v));
    if (!raw) {
        CHECK_EQ(pal_mem_name(v, (size_t)ps, "pal_fact"), PAL_ENOSYS);
        CHECK_EQ(pal_mem_features() & PAL_FEAT_VMA_NAME, 0);
        CHECK_OK(pal_mem_free(v, (size_t)ps));
        SKIP("the kernel refuses prctl(PR_SET_VMA_ANON_NAME) (no CONFIG_ANON_VMA_NAME): "
             "PAL_ENOSYS checked, no name to read back");
    }
    CHECK(pal_mem_features() & PAL_FEAT_VMA_NAME);
    CHECK_OK(pal_mem_name(v, (size_t)ps, "pal_fact"));
    if (!shown) {
        CHECK_OK(pal_mem_free(v, (size_t)ps));
        SKIP("a raw prctl name does not show in /proc/self/maps (qemu-user's own maps)");
    }
    CHECK(maps_line(v, line, sizeof line));
    th_note("%s", line);
    CHECK(strstr(line, "[anon:pal_fact]") != NULL);
    CHECK_OK(pal_mem_free(v, (size_t)ps));
}

const struct th_test th_tests[] = {
    TH(probes_fault_no_huge_page), /* before any probe: see there */
    TH(probes_mark_no_neighbour), /* first to probe: see there */
    TH(hugetlb_sizes_match_sys),
    TH(numa_nodes_match_sys),
    TH(tagging_bits_match_hwcap),
    TH(madv_free_matches_madvise),
    TH(feature_bits_match_raw_calls),
    TH(thp_advice_in_smaps),
    TH(unused_ranges_marks_as_unused),
    TH(name_reads_back),
    TH_END
};
