/*
 * palprobe - what libpal sees on this machine, and one region walked
 * through every state.
 *
 * Prints the page size, huge page size, THP mode, overcommit mode, probed
 * features and policy, then reserves a region and takes it through
 * reserve, map, used, unused, used, fault, map, used, protect, hugepage,
 * collapse, free, showing at each step the bytes resident, the number of
 * mappings (VMAs) the region occupies and the OS calls the step issued.
 *
 * A demo, so it uses libc freely; the library underneath does not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pal_mem.h"

static void die(const char *what, int err)
{
    fprintf(stderr, "palprobe: %s: %s\n", what, pal_strerror(err));
    exit(1);
}

/* The first line of a small file, or "(absent)". */
static const char *first_line(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");

    if (f == NULL || fgets(buf, (int)size, f) == NULL) {
        if (f != NULL)
            fclose(f);
        return "(absent)";
    }
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    return buf;
}

/* Mappings in /proc/self/maps that overlap [lo, hi); -1 without /proc. */
static int vmas_in(uintptr_t lo, uintptr_t hi)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int count = 0;

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL) {
        unsigned long a, b;

        if (sscanf(line, "%lx-%lx", &a, &b) == 2 && a < hi && b > lo)
            count++;
    }
    fclose(f);
    return count;
}

static const char *feature_names[] = {
    "madv_free", "madv_dontneed", "thp", "thp_collapse", "vma_name",
    "fixed_noreplace", "guard", "seal", "resident", "protect",
};

static void print_policy(unsigned p)
{
    printf("madvdontneed=%d,harddecommit=%d,disablethp=%d,thpgranular=%d",
           !!(p & PAL_POLICY_DONTNEED), !!(p & PAL_POLICY_HARD_DECOMMIT),
           !!(p & PAL_POLICY_NO_THP), !!(p & PAL_POLICY_THP_GRANULAR));
}

static char *region;
static size_t region_size;

static size_t calls_before; /* os_calls when the step began */

static size_t os_calls(void)
{
    struct pal_mem_stats st;

    pal_mem_get_stats(&st);
    return st.os_calls;
}

/* Print the step just done; its OS calls exclude the resident query. */
static void step(const char *what, const char *state, int err)
{
    size_t calls = os_calls() - calls_before, res = 0;
    int r;

    if (err != PAL_OK) {
        printf("  %-28s -> %s\n", what, pal_strerror(err));
    } else {
        r = pal_mem_resident(region, region_size, &res);
        printf("  %-28s %-9s resident %8zu KiB  vmas %2d  os calls %zu\n", what, state,
               r == PAL_OK ? res / 1024 : 0, vmas_in((uintptr_t)region,
               (uintptr_t)region + region_size), calls);
    }
    calls_before = os_calls();
}

int main(void)
{
    char buf[256];
    size_t ps, hps, i, half;
    unsigned feat, pol;
    const char *env = getenv("PAL_POLICY");
    void *v;
    int err;

    if ((err = pal_mem_init()) != PAL_OK)
        die("init", err);
    if (env != NULL) {
        if ((err = pal_mem_parse_policy(env, &pol)) != PAL_OK)
            die("PAL_POLICY", err);
        pal_mem_set_policy(pol);
    }
    ps = pal_mem_page_size();
    hps = pal_mem_huge_page_size();
    printf("libpal %d on this machine\n", PAL_MEM_VERSION);
    printf("  page size        %zu\n", ps);
    printf("  huge page size   %zu\n", hps);
    printf("  THP mode         %s\n",
           first_line("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof buf));
    first_line("/proc/sys/vm/overcommit_memory", buf, sizeof buf);
    printf("  overcommit       %s%s\n", buf, buf[0] == '2'
           ? " (strict: unused remaps PROT_NONE to return commit charge)"
           : buf[0] == '(' ? "" : " (unused releases with madvise)");
    feat = pal_mem_features();
    printf("  features        ");
    for (i = 0; i < sizeof feature_names / sizeof feature_names[0]; i++)
        printf(" %s%s", feat & (1u << i) ? "+" : "-", feature_names[i]);
    printf("\n  policy           ");
    print_policy(pal_mem_policy());
    printf("\n  unused zeroes    %s\n", pal_mem_unused_zeroes() ? "yes" : "no");

    /* Four huge pages (or 8 MiB), huge-page aligned, so the huge-page
     * steps have whole huge pages to work on. */
    region_size = hps != 0 ? 4 * hps : (size_t)8 << 20;
    half = region_size / 2;
    printf("\nregion of %zu KiB through every state:\n", region_size / 1024);
    calls_before = os_calls();
    if ((err = pal_mem_reserve_aligned(region_size, hps != 0 ? hps : ps, &v)) != PAL_OK)
        die("reserve_aligned", err);
    region = v;
    step("reserve_aligned", "Reserved", PAL_OK);
    step("map", "Prepared", pal_mem_map(region, region_size));
    err = pal_mem_used(region, region_size);
    memset(region, 0xa5, region_size);
    step("used + write all", "Ready", err);
    step("unused (first half + 1 page)", "mixed", pal_mem_unused(region, half + ps));
    step("unused (whole)", "Prepared", pal_mem_unused(region, region_size));
    err = pal_mem_used(region, region_size);
    memset(region, 0x5a, half);
    step("used + write first half", "Ready", err);
    step("hugepage", "Ready", pal_mem_hugepage(region, region_size));
    step("collapse (written half)", "Ready", pal_mem_collapse(region, half));
    step("protect(READ)", "Ready/ro", pal_mem_protect(region, region_size, PAL_PROT_READ));
    step("protect(READ|WRITE)", "Ready", pal_mem_protect(region, region_size,
                                                         PAL_PROT_READ | PAL_PROT_WRITE));
    step("fault", "Reserved", pal_mem_fault(region, region_size));
    step("map", "Prepared", pal_mem_map(region, region_size));
    err = pal_mem_used(region, ps);
    region[0] = 1;
    step("used (one page) + write", "Ready", err);
    step("name", "Ready", pal_mem_name(region, region_size, "palprobe"));
    step("free", "None", pal_mem_free(region, region_size));
    return 0;
}
