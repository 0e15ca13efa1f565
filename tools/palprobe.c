/*
 * palprobe - what libpal sees on this machine, and one region walked
 * through every state.
 *
 *   palprobe            for people
 *   palprobe --json     the same, as one JSON object
 *   palprobe --target NAME [--json]
 *                       the probe of a matrix target (tools/test-all.sh
 *                       --list), built with its toolchain and run under
 *                       qemu-user, wine or its VM: handed to tools/demo.sh
 *                       of the source tree this palprobe was built from
 *
 * PAL_POLICY in the environment (a GODEBUG-style string) is parsed with
 * pal_mem_parse_policy and applied; an error is shown, and the default
 * stays.  PALPROBE_FORMAT=json does what --json does, for runners that
 * cannot pass arguments (the test VM's init hands kernel command line
 * words of the form NAME=VALUE to its programs as their environment).
 *
 * Everything is gathered first, then printed one way or the other, so the
 * two outputs cannot say different things.  A tool, so it uses libc
 * freely; the library underneath does not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(_WIN32)
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#else
#include <sys/utsname.h>
#include <unistd.h>
#endif

#include "pal_mem.h"

#ifndef PALPROBE_BACKEND
#define PALPROBE_BACKEND "unknown"
#endif

/* ---- small helpers ---------------------------------------------------- */

static void die(const char *what, int err)
{
    fprintf(stderr, "palprobe: %s: %s\n", what, pal_strerror(err));
    exit(1);
}

/* A small procfs or sysfs file's first line into buf; 0 where it cannot be
 * read (absent, or not Linux). */
static int read_line(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    int ok;

    if (f == NULL)
        return 0;
    ok = fgets(buf, (int)size, f) != NULL;
    fclose(f);
    if (ok)
        buf[strcspn(buf, "\n")] = '\0';
    return ok;
}

/* A file holding one number; -1 where it cannot be read. */
static long read_number(const char *path)
{
    char buf[64];

    return read_line(path, buf, sizeof buf) ? strtol(buf, NULL, 10) : -1;
}

/* The bracketed word of a sysfs mode file ("always [madvise] never"). */
static int read_mode(const char *path, char *out, size_t size)
{
    char buf[256], *a, *b;

    if (!read_line(path, buf, sizeof buf) || (a = strchr(buf, '[')) == NULL ||
        (b = strchr(a, ']')) == NULL)
        return 0;
    *b = '\0';
    snprintf(out, size, "%s", a + 1);
    return 1;
}

/* Lines of /proc/self/maps overlapping [lo, hi), or every line with
 * lo == hi == 0; -1 without /proc. */
static int count_maps(uintptr_t lo, uintptr_t hi)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int count = 0;

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL) {
        unsigned long a, b;

        if (lo == hi || (sscanf(line, "%lx-%lx", &a, &b) == 2 && a < hi && b > lo))
            count++;
    }
    fclose(f);
    return count;
}

/* ---- what is gathered ------------------------------------------------- */

#define MAX_HUGE_SIZES 8

struct huge_pool {
    size_t size;
    long pages; /* nr_hugepages, -1 unknown */
    long free;  /* free_hugepages, -1 unknown */
};

struct platform {
    char os[80], arch[80], kernel[128]; /* utsname fields are 65 bytes */
    int kernel_major, kernel_minor; /* 0.0 where not Linux or unknown */
    size_t page_size, huge_page_size;
    size_t huge_count;
    struct huge_pool huge[MAX_HUGE_SIZES];
    char thp_enabled[32], thp_defrag[32]; /* "" unknown */
    long max_ptes_none, max_map_count, mappings, overcommit;
    unsigned numa_nodes;
    long current_node; /* -1 unknown */
};

struct policy_info {
    const char *env;   /* PAL_POLICY, or NULL */
    int error;         /* PAL_OK, or why PAL_POLICY did not parse */
    unsigned flags;
    int unused_zeroes;
};

#define MAX_STEPS 32

struct step {
    const char *what, *state; /* state: the region's state after the step */
    int err;
    long resident_kib;        /* -1: pal_mem_resident could not say */
    int mappings;             /* -1: no /proc/self/maps */
    size_t os_calls;
};

static struct platform plat;
static struct policy_info pol;
static unsigned features;
static struct step steps[MAX_STEPS];
static size_t nsteps;
static size_t region_bytes;
static struct pal_mem_stats stats;

/* ---- platform facts --------------------------------------------------- */

static void gather_os(void)
{
#if defined(_WIN32)
    /* GetVersionEx answers what the program's manifest claims to support;
     * ntdll's RtlGetVersion answers what the system is. */
    typedef LONG(WINAPI * rtl_get_version_fn)(OSVERSIONINFOW *);
    OSVERSIONINFOW vi;
    SYSTEM_INFO si;
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    rtl_get_version_fn rtl_get_version =
        ntdll != NULL ? (rtl_get_version_fn)(void (*)(void))GetProcAddress(ntdll, "RtlGetVersion")
                      : NULL;

    snprintf(plat.os, sizeof plat.os, "Windows");
    GetNativeSystemInfo(&si);
    snprintf(plat.arch, sizeof plat.arch, "%s",
             si.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_AMD64 ? "x86_64"
             : si.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_ARM64 ? "arm64"
             : si.wProcessorArchitecture == PROCESSOR_ARCHITECTURE_INTEL ? "x86"
                                                                         : "unknown");
    memset(&vi, 0, sizeof vi);
    vi.dwOSVersionInfoSize = sizeof vi;
    if (rtl_get_version != NULL && rtl_get_version(&vi) == 0)
        snprintf(plat.kernel, sizeof plat.kernel, "%lu.%lu.%lu", (unsigned long)vi.dwMajorVersion,
                 (unsigned long)vi.dwMinorVersion, (unsigned long)vi.dwBuildNumber);
#else
    struct utsname u;

    if (uname(&u) == 0) {
        snprintf(plat.os, sizeof plat.os, "%s", u.sysname);
        snprintf(plat.arch, sizeof plat.arch, "%s", u.machine);
        snprintf(plat.kernel, sizeof plat.kernel, "%s", u.release);
        if (strcmp(u.sysname, "Linux") == 0 &&
            sscanf(u.release, "%d.%d", &plat.kernel_major, &plat.kernel_minor) != 2)
            plat.kernel_major = plat.kernel_minor = 0;
    }
#endif
}

static void gather_platform(void)
{
    size_t sizes[MAX_HUGE_SIZES], i;
    unsigned node;
    char path[128];

    gather_os();
    plat.page_size = pal_mem_page_size();
    plat.huge_page_size = pal_mem_huge_page_size();
    plat.huge_count = pal_mem_huge_page_sizes(sizes, MAX_HUGE_SIZES);
    if (plat.huge_count > MAX_HUGE_SIZES)
        plat.huge_count = MAX_HUGE_SIZES;
    for (i = 0; i < plat.huge_count; i++) {
        plat.huge[i].size = sizes[i];
        snprintf(path, sizeof path, "/sys/kernel/mm/hugepages/hugepages-%zukB/nr_hugepages",
                 sizes[i] / 1024);
        plat.huge[i].pages = read_number(path);
        snprintf(path, sizeof path, "/sys/kernel/mm/hugepages/hugepages-%zukB/free_hugepages",
                 sizes[i] / 1024);
        plat.huge[i].free = read_number(path);
    }
    read_mode("/sys/kernel/mm/transparent_hugepage/enabled", plat.thp_enabled,
              sizeof plat.thp_enabled);
    read_mode("/sys/kernel/mm/transparent_hugepage/defrag", plat.thp_defrag,
              sizeof plat.thp_defrag);
    plat.max_ptes_none =
        read_number("/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none");
    plat.max_map_count = read_number("/proc/sys/vm/max_map_count");
    plat.mappings = count_maps(0, 0);
    plat.overcommit = read_number("/proc/sys/vm/overcommit_memory");
    plat.numa_nodes = pal_mem_numa_nodes();
    plat.current_node = pal_mem_current_node(&node) == PAL_OK ? (long)node : -1;
}

static const char *overcommit_meaning(long mode)
{
    switch (mode) {
    case 0: return "heuristic: unused releases with madvise";
    case 1: return "always: unused releases with madvise";
    case 2: return "strict: unused remaps PROT_NONE to return the commit charge";
    default: return NULL;
    }
}

/* ---- features and why ------------------------------------------------- */

/* Per bit: its name, what it means, and how each backend answers it.  On
 * Linux the answer is a probe on scratch memory (mem_linux.c) or a fact
 * the kernel publishes, and most bits need a kernel release, given as
 * major.minor.  The other backends' answers, in the order of
 * other_backends[], come from their files under pal/. */
static const char *const other_backends[] = { "windows", "darwin", "bsd", "aix", "plan9" };

struct feature {
    unsigned bit;
    const char *name, *meaning;
    const char *linux_how;
    int since_major, since_minor;
    const char *other[5];
};

#define NO_TAG "none: an 8-bit tag is not a name"
#define NO_GUARD "none: guard changes the protection"
#define NO_BATCH "none: one release per range"
#define NO_POPULATE "none: each page is touched"
#define NOT_YET "not offered by this backend yet"
#define ONE_NODE "one node, as far as this backend knows"
#define ARM64 "arm64 Linux only"

static const struct feature feature_table[] = {
    { PAL_FEAT_MADV_FREE, "madv_free", "lazy release (unused under madvdontneed=0)",
      "probe: madvise(MADV_FREE) on a scratch page", 4, 5,
      { "none: MEM_RESET would keep the commit charge",
        "probe: madvise(MADV_FREE_REUSABLE), else MADV_FREE", "probe: madvise(MADV_FREE)",
        "none: no lazy release", "none" } },
    { PAL_FEAT_MADV_DONTNEED, "madv_dontneed", "immediate release",
      "probe: madvise(MADV_DONTNEED) on a scratch page (madvise is optional since 3.18)", 3, 18,
      { "always: VirtualFree(MEM_DECOMMIT)", "always: a fresh mapping",
        "always: a fresh mapping", "probe: disclaim64 (the Linux stand-in: MADV_DONTNEED)",
        "always: segfree" } },
    { PAL_FEAT_THP, "thp", "transparent huge pages usable",
      "hpage_pmd_size in /sys/kernel/mm/transparent_hugepage, mode not never", 2, 6,
      { "none", "none", "FreeBSD's superpages (getpagesizes)", "none", "none" } },
    { PAL_FEAT_THP_COLLAPSE, "thp_collapse", "synchronous collapse (MADV_COLLAPSE)",
      "probe: madvise(MADV_COLLAPSE) on a scratch mapping", 6, 1,
      { "none", "none", "none", "none", "none" } },
    { PAL_FEAT_VMA_NAME, "vma_name", "naming anonymous mappings",
      "probe: prctl(PR_SET_VMA_ANON_NAME), needs CONFIG_ANON_VMA_NAME", 5, 17,
      { "none", NO_TAG, "none", "none", "none" } },
    { PAL_FEAT_FIXED_NOREPLACE, "fixed_noreplace", "exact placement without clobbering",
      "probe: mmap(MAP_FIXED_NOREPLACE) on a taken page says EEXIST", 4, 17,
      { "always: VirtualAlloc never replaces", "always: mach_vm_map(VM_FLAGS_FIXED)",
        "MAP_EXCL (FreeBSD) or __MAP_NOREPLACE (OpenBSD) where the headers have them",
        "none: a hint checked after", "none" } },
    { PAL_FEAT_GUARD, "guard", "guard pages that cost no extra mapping",
      "probe: MADV_GUARD_INSTALL, REMOVE, and the page reads zero", 6, 13,
      { NO_GUARD, NO_GUARD, NO_GUARD, NO_GUARD, "none: no protection" } },
    { PAL_FEAT_SEAL, "seal", "sealing a mapping against change",
      "probe: mseal(0, 0, 0), 64-bit kernels only", 6, 10,
      { "none", "none", "OpenBSD 7.3's mimmutable where the headers have it", "none",
        "none" } },
    { PAL_FEAT_RESIDENT, "resident", "pal_mem_resident works",
      "probe: mincore tells a touched page from an untouched one", 2, 6,
      { "probe: QueryWorkingSetEx", "probe: mincore", "probe: mincore (none on OpenBSD)",
        "probe: mincore", "none" } },
    { PAL_FEAT_PROTECT, "protect", "page protection exists", "always on Linux", 0, 0,
      { "always", "always", "always", "always", "none: no page protection" } },
    { PAL_FEAT_BATCH, "batch", "pal_mem_unused_ranges releases many ranges per call",
      "probe: process_madvise(MADV_DONTNEED) on oneself by PIDFD_SELF", 6, 14,
      { NO_BATCH, NO_BATCH, NO_BATCH, NO_BATCH, NO_BATCH } },
    { PAL_FEAT_POPULATE, "populate", "pal_mem_populate without touching each page",
      "probe: MADV_POPULATE_WRITE makes a scratch page resident", 5, 14,
      { NO_POPULATE, NO_POPULATE, NO_POPULATE, NO_POPULATE, NO_POPULATE } },
    { PAL_FEAT_HUGETLB, "hugetlb", "explicit huge pages (pal_mem_alloc_huge)",
      "a pool in /sys/kernel/mm/hugepages", 2, 6,
      { NOT_YET, NOT_YET, NOT_YET, "none", "none" } },
    { PAL_FEAT_NUMA, "numa", "more than one NUMA node, and binding works",
      "nodes in /sys/devices/system/node/possible; probe: mbind(MPOL_PREFERRED)", 2, 6,
      { ONE_NODE, "none: macOS shows no nodes", ONE_NODE, ONE_NODE, "none" } },
    { PAL_FEAT_MTE, "mte", "PAL_PROT_MTE: memory tagging (arm64)",
      "HWCAP2_MTE in AT_HWCAP2", 5, 10, { ARM64, ARM64, ARM64, ARM64, ARM64 } },
    { PAL_FEAT_BTI, "bti", "PAL_PROT_BTI: branch target enforcement (arm64)",
      "HWCAP2_BTI in AT_HWCAP2", 5, 8, { ARM64, ARM64, ARM64, ARM64, ARM64 } },
    { PAL_FEAT_TRACK, "track", "pal_mem_track_writes works",
      "probe: userfaultfd with UFFD_FEATURE_WP_ASYNC and PAGEMAP_SCAN on a scratch page", 6, 7,
      { "always: write watch (MEM_WRITE_WATCH, PAL_SPEC_TRACK)",
        "none: no dirty bit user space can clear", "none: no dirty bit user space can clear",
        "none: no dirty bits offered", "none: no page protection" } },
};

#define NFEATURES (sizeof feature_table / sizeof feature_table[0])

/* Why the bit is as it is here, in one sentence.  The bits that are facts
 * of the machine rather than answers of a call say which fact. */
static void feature_reason(const struct feature *f, int have, char *out, size_t size)
{
    int newer = plat.kernel_major > f->since_major ||
                (plat.kernel_major == f->since_major && plat.kernel_minor >= f->since_minor);

    size_t k;

    if (strcmp(PALPROBE_BACKEND, "linux") != 0) {
        for (k = 0; k < sizeof other_backends / sizeof other_backends[0]; k++)
            if (strcmp(PALPROBE_BACKEND, other_backends[k]) == 0)
                break;
        snprintf(out, size, "%s", k < sizeof other_backends / sizeof other_backends[0]
                                      ? f->other[k] : "a backend this probe does not know");
    } else if (f->bit == PAL_FEAT_PROTECT) {
        snprintf(out, size, "%s", f->linux_how);
    } else if (f->bit == PAL_FEAT_THP && !have) {
        snprintf(out, size, "THP mode never, or no /sys/kernel/mm/transparent_hugepage");
    } else if (f->bit == PAL_FEAT_HUGETLB && !have) {
        snprintf(out, size, "no pool in /sys/kernel/mm/hugepages (CONFIG_HUGETLBFS)");
    } else if (f->bit == PAL_FEAT_NUMA && !have && plat.numa_nodes <= 1) {
        snprintf(out, size, "one node here");
    } else if ((f->bit == PAL_FEAT_MTE || f->bit == PAL_FEAT_BTI) && !have &&
               strcmp(plat.arch, "aarch64") != 0) {
        snprintf(out, size, "arm64 only; this is %s", plat.arch[0] ? plat.arch : "another CPU");
    } else if (have) {
        snprintf(out, size, "%s", f->linux_how);
    } else if (plat.kernel_major != 0 && !newer) {
        snprintf(out, size, "needs Linux %d.%d, this is %d.%d (%s)", f->since_major,
                 f->since_minor, plat.kernel_major, plat.kernel_minor, f->linux_how);
    } else {
        snprintf(out, size,
                 "refused although Linux %d.%d has it: kernel configuration, CPU, sandbox or "
                 "emulator (%s)",
                 f->since_major, f->since_minor, f->linux_how);
    }
}

/* ---- policy ----------------------------------------------------------- */

static void gather_policy(void)
{
    unsigned flags;

    pol.env = getenv("PAL_POLICY");
    pol.error = PAL_OK;
    if (pol.env != NULL) {
        pol.error = pal_mem_parse_policy(pol.env, &flags);
        if (pol.error == PAL_OK)
            pal_mem_set_policy(flags);
    }
    pol.flags = pal_mem_policy();
    pol.unused_zeroes = pal_mem_unused_zeroes();
}

static const struct {
    const char *key;
    unsigned bit;
} policy_keys[] = {
    { "madvdontneed", PAL_POLICY_DONTNEED },
    { "harddecommit", PAL_POLICY_HARD_DECOMMIT },
    { "disablethp", PAL_POLICY_NO_THP },
    { "thpgranular", PAL_POLICY_THP_GRANULAR },
};

#define NPOLICY_KEYS (sizeof policy_keys / sizeof policy_keys[0])

/* ---- the walk --------------------------------------------------------- */

static char *region;
static size_t calls_before;

static size_t os_calls_now(void)
{
    struct pal_mem_stats st;

    pal_mem_get_stats(&st);
    return st.os_calls;
}

/* Record the step just done: its OS calls (not counting the residency
 * query, which comes after), then residency and mappings of [v, v+n). */
static void record(const char *what, const char *state, int err, void *v, size_t n)
{
    struct step *s = &steps[nsteps++];
    size_t res = 0;

    s->what = what;
    s->state = state;
    s->err = err;
    s->os_calls = os_calls_now() - calls_before;
    s->resident_kib = -1;
    s->mappings = -1;
    if (v != NULL && pal_mem_resident(v, n, &res) == PAL_OK)
        s->resident_kib = (long)(res / 1024);
    if (v != NULL)
        s->mappings = count_maps((uintptr_t)v, (uintptr_t)v + n);
    calls_before = os_calls_now();
}

static void step(const char *what, const char *state, int err)
{
    record(what, state, err, region, region_bytes);
}

static void walk(void)
{
    size_t ps = plat.page_size, hps = plat.huge_page_size, half, quarter;
    struct pal_mem_range ranges[4];
    void *v, *extra;
    int err, k;

    /* Four huge pages (or 8 MiB), huge-page aligned, so the huge-page
     * steps have whole huge pages to work on. */
    region_bytes = hps != 0 ? 4 * hps : (size_t)8 << 20;
    half = region_bytes / 2;
    quarter = region_bytes / 4;
    calls_before = os_calls_now();
    if ((err = pal_mem_reserve_aligned(region_bytes, hps != 0 ? hps : ps, &v)) != PAL_OK)
        die("reserve_aligned", err);
    region = v;
    step("reserve_aligned", "Reserved", PAL_OK);
    step("map", "Prepared", pal_mem_map(region, region_bytes));
    step("used", "Ready", pal_mem_used(region, region_bytes));
    step("populate", "Ready", pal_mem_populate(region, region_bytes));
    step("unused (first half + 1 page)", "mixed", pal_mem_unused(region, half + ps));
    /* every other eighth of the second half, in one call */
    for (k = 0; k < 2; k++) {
        ranges[k].v = region + half + (size_t)(2 * k) * (quarter / 2);
        ranges[k].n = quarter / 2;
    }
    step("unused_ranges (2 ranges)", "mixed", pal_mem_unused_ranges(ranges, 2, NULL));
    step("unused (whole)", "Prepared", pal_mem_unused(region, region_bytes));
    err = pal_mem_used(region, region_bytes);
    if (err == PAL_OK)
        memset(region, 0x5a, half);
    step("used + write first half", "Ready", err);
    step("hugepage", "Ready", pal_mem_hugepage(region, region_bytes));
    step("collapse (written half)", "Ready", pal_mem_collapse(region, half));
    step("bind_node (node 0)", "Ready", pal_mem_bind_node(region, region_bytes, 0));
    step("protect (READ)", "Ready, read-only",
         pal_mem_protect(region, region_bytes, PAL_PROT_READ));
    step("protect (READ|WRITE)", "Ready",
         pal_mem_protect(region, region_bytes, PAL_PROT_READ | PAL_PROT_WRITE));
    step("guard (last page)", "Ready + guard", pal_mem_guard(region + region_bytes - ps, ps));
    step("fault", "Reserved", pal_mem_fault(region, region_bytes));
    step("map", "Prepared", pal_mem_map(region, region_bytes));
    err = pal_mem_used(region, ps);
    if (err == PAL_OK)
        region[0] = 1;
    step("used (one page) + write", "Ready", err);
    step("name", "Ready", pal_mem_name(region, region_bytes, "palprobe"));
    step("free", "None", pal_mem_free(region, region_bytes));

    /* Beyond the one region: an explicit huge page from the smallest
     * pool, and a sealed page, which then refuses to be freed (it stays
     * until the process ends). */
    if (plat.huge_count > 0) {
        err = pal_mem_alloc_huge(plat.huge[0].size, 0, &extra);
        record("alloc_huge (smallest pool)", "Ready", err,
               err == PAL_OK ? extra : NULL, plat.huge[0].size);
        if (err == PAL_OK)
            record("free (huge)", "None", pal_mem_free(extra, plat.huge[0].size), NULL, 0);
    } else {
        record("alloc_huge (no pool)", "None", pal_mem_alloc_huge(ps, 0, &extra), NULL, 0);
    }
    if ((err = pal_mem_alloc(ps, &extra)) != PAL_OK)
        die("alloc", err);
    calls_before = os_calls_now();
    err = pal_mem_seal(extra, ps);
    record("seal (another page)", "Ready, sealed", err, extra, ps);
    if (err == PAL_OK)
        record("free (sealed page)", "Ready, sealed", pal_mem_free(extra, ps), extra, ps);
    else
        record("free (the page)", "None", pal_mem_free(extra, ps), NULL, 0);
}

static const char *error_name(int err)
{
    static const char *names[] = { "PAL_OK", "PAL_EINVAL", "PAL_ENOMEM", "PAL_EACCES",
                                   "PAL_EAGAIN", "PAL_ENOSYS", "PAL_EEXIST", "PAL_EPERM",
                                   "PAL_EOS" };

    return err >= 0 && err < (int)(sizeof names / sizeof names[0]) ? names[err] : "unknown";
}

/* ---- human output ----------------------------------------------------- */

static void print_size_list(void)
{
    size_t i;

    if (plat.huge_count == 0) {
        printf("none");
        return;
    }
    for (i = 0; i < plat.huge_count; i++) {
        printf("%s%zu KiB", i > 0 ? ", " : "", plat.huge[i].size / 1024);
        if (plat.huge[i].pages >= 0)
            printf(" (%ld pages, %ld free)", plat.huge[i].pages, plat.huge[i].free);
    }
}

static void print_long(long v)
{
    if (v < 0)
        printf("unknown");
    else
        printf("%ld", v);
}

static void print_human(void)
{
    char reason[512];
    size_t i;

    printf("libpal %d, %s backend\n\n", PAL_MEM_VERSION, PALPROBE_BACKEND);
    printf("platform\n");
    printf("  os, arch           %s %s, kernel %s\n", plat.os[0] ? plat.os : "unknown",
           plat.arch[0] ? plat.arch : "unknown", plat.kernel[0] ? plat.kernel : "unknown");
    printf("  page size          %zu\n", plat.page_size);
    printf("  huge page size     %zu%s\n", plat.huge_page_size,
           plat.huge_page_size == 0 ? " (no transparent huge pages)" : "");
    printf("  explicit huge      ");
    print_size_list();
    printf("\n  THP enabled        %s\n", plat.thp_enabled[0] ? plat.thp_enabled : "unknown");
    printf("  THP defrag         %s\n", plat.thp_defrag[0] ? plat.thp_defrag : "unknown");
    printf("  max_ptes_none      ");
    print_long(plat.max_ptes_none);
    printf("\n  mappings           ");
    print_long(plat.mappings);
    printf(" of vm.max_map_count ");
    print_long(plat.max_map_count);
    printf("\n  overcommit         ");
    print_long(plat.overcommit);
    if (overcommit_meaning(plat.overcommit) != NULL)
        printf(" (%s)", overcommit_meaning(plat.overcommit));
    printf("\n  NUMA nodes         %u, this thread on ", plat.numa_nodes);
    print_long(plat.current_node);
    printf("\n\nfeatures\n");
    for (i = 0; i < NFEATURES; i++) {
        int have = (features & feature_table[i].bit) != 0;

        feature_reason(&feature_table[i], have, reason, sizeof reason);
        printf("  %-16s %-3s  %s\n", feature_table[i].name, have ? "yes" : "no", reason);
    }
    printf("\npolicy\n  in force           ");
    for (i = 0; i < NPOLICY_KEYS; i++)
        printf("%s%s=%d", i > 0 ? "," : "", policy_keys[i].key,
               (pol.flags & policy_keys[i].bit) != 0);
    if (pol.env == NULL)
        printf("\n  from               the default (PAL_POLICY is not set)\n");
    else if (pol.error == PAL_OK)
        printf("\n  from               PAL_POLICY=\"%s\"\n", pol.env);
    else
        printf("\n  from               the default: PAL_POLICY=\"%s\" does not parse (%s)\n",
               pol.env, pal_strerror(pol.error));
    printf("  unused zeroes      %s\n", pol.unused_zeroes ? "yes" : "no");

    printf("\nregion of %zu KiB through every state\n", region_bytes / 1024);
    printf("  %-30s %-16s %9s %5s %5s\n", "step", "state", "resident", "maps", "calls");
    for (i = 0; i < nsteps; i++) {
        const struct step *s = &steps[i];

        if (s->err != PAL_OK) {
            printf("  %-30s -> %s (%s)\n", s->what, error_name(s->err), pal_strerror(s->err));
            continue;
        }
        printf("  %-30s %-16s ", s->what, s->state);
        if (s->resident_kib >= 0)
            printf("%5ld KiB", s->resident_kib);
        else
            printf("%9s", "-");
        if (s->mappings >= 0)
            printf(" %5d", s->mappings);
        else
            printf(" %5s", "-");
        printf(" %5zu\n", s->os_calls);
    }
    printf("\nOS calls %zu (the residency queries included), fallbacks %zu\n", stats.os_calls,
           stats.fallbacks);
}

/* ---- JSON output ------------------------------------------------------ */

static void json_str(const char *s)
{
    putchar('"');
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* "key": value with value a string, or null for an empty one; then the
 * text that follows it (a separator, the object's end), so that a run of
 * members reads as one call a member. */
static void json_key_str(const char *key, const char *value, const char *then)
{
    printf("\"%s\": ", key);
    if (value == NULL || value[0] == '\0')
        printf("null");
    else
        json_str(value);
    fputs(then, stdout);
}

/* "key": value, or null for a negative one (not known); then as above. */
static void json_key_long(const char *key, long value, const char *then)
{
    if (value < 0)
        printf("\"%s\": null", key);
    else
        printf("\"%s\": %ld", key, value);
    fputs(then, stdout);
}


static void print_json(void)
{
    char reason[512], since[16];
    size_t i;

    printf("{\n  \"libpal\": {\"version\": %d, ", PAL_MEM_VERSION);
    json_key_str("backend", PALPROBE_BACKEND, "");
    printf("},\n  \"platform\": {\n    ");
    json_key_str("os", plat.os, ", ");
    json_key_str("arch", plat.arch, ", ");
    json_key_str("kernel", plat.kernel, "");
    printf(",\n    \"page_size\": %zu, \"huge_page_size\": %zu,\n", plat.page_size,
           plat.huge_page_size);
    printf("    \"huge_page_sizes\": [");
    for (i = 0; i < plat.huge_count; i++)
        printf("%s%zu", i > 0 ? ", " : "", plat.huge[i].size);
    printf("],\n    \"huge_page_pools\": [");
    for (i = 0; i < plat.huge_count; i++) {
        printf("%s{\"size\": %zu, ", i > 0 ? ", " : "", plat.huge[i].size);
        json_key_long("pages", plat.huge[i].pages, ", ");
        json_key_long("free", plat.huge[i].free, "}");
    }
    printf("],\n    ");
    json_key_str("thp_enabled", plat.thp_enabled, ", ");
    json_key_str("thp_defrag", plat.thp_defrag, ", ");
    json_key_long("khugepaged_max_ptes_none", plat.max_ptes_none, ",\n    ");
    json_key_long("max_map_count", plat.max_map_count, ", ");
    json_key_long("mappings", plat.mappings, ",\n    ");
    json_key_long("overcommit_memory", plat.overcommit, ", ");
    json_key_str("overcommit_meaning", overcommit_meaning(plat.overcommit), "");
    printf(",\n    \"numa_nodes\": %u, ", plat.numa_nodes);
    json_key_long("current_node", plat.current_node, "");
    printf("\n  },\n  \"features\": {\n");
    for (i = 0; i < NFEATURES; i++) {
        const struct feature *f = &feature_table[i];
        int have = (features & f->bit) != 0;
        unsigned bitno = 0;

        while ((1u << bitno) != f->bit)
            bitno++;
        feature_reason(f, have, reason, sizeof reason);
        since[0] = '\0';
        if (strcmp(PALPROBE_BACKEND, "linux") == 0 && f->bit != PAL_FEAT_PROTECT)
            snprintf(since, sizeof since, "%d.%d", f->since_major, f->since_minor);
        printf("    \"%s\": {\"bit\": %u, \"value\": %s, ", f->name, bitno,
               have ? "true" : "false");
        json_key_str("meaning", f->meaning, ", ");
        json_key_str("linux_since", since, ", ");
        json_key_str("reason", reason, "");
        printf("}%s\n", i + 1 < NFEATURES ? "," : "");
    }
    printf("  },\n  \"policy\": {\"value\": %u, ", pol.flags);
    for (i = 0; i < NPOLICY_KEYS; i++)
        printf("\"%s\": %d, ", policy_keys[i].key, (pol.flags & policy_keys[i].bit) != 0);
    printf("\n    \"source\": \"%s\", ",
           pol.env != NULL && pol.error == PAL_OK ? "PAL_POLICY" : "default");
    json_key_str("env", pol.env, ", ");
    if (pol.env != NULL && pol.error != PAL_OK) {
        printf("\"error\": ");
        json_str(pal_strerror(pol.error));
        printf(", \"error_code\": \"%s\"", error_name(pol.error));
    } else {
        printf("\"error\": null, \"error_code\": null");
    }
    printf(", \"unused_zeroes\": %s},\n", pol.unused_zeroes ? "true" : "false");
    printf("  \"walk\": {\"region_bytes\": %zu, \"steps\": [\n", region_bytes);
    for (i = 0; i < nsteps; i++) {
        const struct step *s = &steps[i];

        printf("    {");
        json_key_str("step", s->what, ", ");
        json_key_str("state", s->state, "");
        printf(", \"result\": \"%s\", ", error_name(s->err));
        json_key_str("error", s->err == PAL_OK ? NULL : pal_strerror(s->err), ", ");
        json_key_long("resident_bytes", s->resident_kib < 0 ? -1 : s->resident_kib * 1024, ", ");
        json_key_long("mappings", s->mappings, "");
        printf(", \"os_calls\": %zu}%s\n", s->os_calls, i + 1 < nsteps ? "," : "");
    }
    printf("  ]},\n  \"stats\": {\"os_calls\": %zu, \"fallbacks\": %zu}\n}\n", stats.os_calls,
           stats.fallbacks);
}

/* ---- --target --------------------------------------------------------- */

/* Another target's probe is built and run by tools/demo.sh of the source
 * tree (a toolchain, an emulator or a VM: nothing this binary has). */
static int run_target(int argc, char **argv)
{
#if defined(PALPROBE_SOURCE_DIR) && !defined(_WIN32)
    char demo[4096];
    char **args = calloc((size_t)argc + 1, sizeof *args);
    int i;

    snprintf(demo, sizeof demo, "%s/tools/demo.sh", PALPROBE_SOURCE_DIR);
    if (args != NULL && access(demo, X_OK) == 0) {
        args[0] = demo;
        for (i = 1; i < argc; i++)
            args[i] = argv[i];
        execv(demo, args);
    }
    fprintf(stderr, "palprobe: --target needs %s (the source tree this palprobe was built from)\n",
            demo);
#else
    (void)argc;
    (void)argv;
    fprintf(stderr, "palprobe: --target needs tools/demo.sh of a libpal source tree\n");
#endif
    return 2;
}

int main(int argc, char **argv)
{
    const char *format = getenv("PALPROBE_FORMAT");
    int json = format != NULL && strcmp(format, "json") == 0, i, err;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--target") == 0)
            return run_target(argc, argv);
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else {
            fprintf(stderr, "usage: palprobe [--json] [--target NAME]\n");
            return 2;
        }
    }
    if ((err = pal_mem_init()) != PAL_OK)
        die("init", err);
    gather_policy();
    gather_platform();
    features = pal_mem_features();
    walk();
    pal_mem_get_stats(&stats);
    if (json)
        print_json();
    else
        print_human();
    return 0;
}
