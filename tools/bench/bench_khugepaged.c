/*
 * bench_khugepaged - what the no-huge-page marks buy under THP "always",
 * where khugepaged collapses any range nobody marked (run as root, in the
 * test VM booted with transparent_hugepage=always, as tools/bench.sh does):
 *
 *   - a 64 MiB heap, faulted in (huge pages, in "always" mode), then in
 *     each 2 MiB huge page its middle 1.5 MiB released with unused; RSS
 *     right after, and after khugepaged has scanned the heap twice
 *     (khugepaged/full_scans), with libpal's marks (its default in this
 *     mode: max_ptes_none above 0) and without (thpgranular=0);
 *   - the mapping count of the pessimal heap (every other 8 KiB released)
 *     with the marks, against the bound (two per huge page, plus one).
 *
 * Each case in a child forked before the library is first used.  Prints
 * markdown rows.
 */
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define HEAP ((size_t)64 << 20)
#define KH "/sys/kernel/mm/transparent_hugepage/khugepaged/"

static long read_long(const char *path)
{
    FILE *f = fopen(path, "r");
    long v = -1;

    if (f != NULL) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

static void write_str(const char *path, const char *v)
{
    FILE *f = fopen(path, "w");

    if (f != NULL) {
        fputs(v, f);
        fclose(f);
    }
}

/* RSS of [p, p+n) in KiB, from mincore through the library. */
static long resident_kb(void *p, size_t n)
{
    size_t b = 0;

    return pal_mem_resident(p, n, &b) == PAL_OK ? (long)(b >> 10) : -1;
}

static void refill_case(int marks)
{
    size_t hps = pal_mem_huge_page_size(), i;
    long scans, before, after, waited = 0;
    unsigned char *p;
    void *v;

    if (!marks)
        BENCH_OK(pal_mem_set_policy(PAL_POLICY_DEFAULT & ~PAL_POLICY_THP_GRANULAR));
    BENCH_OK(pal_mem_reserve_aligned(HEAP, hps, &v));
    p = v;
    BENCH_OK(pal_mem_map(p, HEAP));
    BENCH_OK(pal_mem_used(p, HEAP));
    memset(p, 1, HEAP);
    for (i = 0; i < HEAP; i += hps)
        BENCH_OK(pal_mem_unused(p + i + hps / 8, hps - hps / 4));
    before = resident_kb(p, HEAP);
    scans = read_long(KH "full_scans");
    while (read_long(KH "full_scans") < scans + 2 && waited < 60000) {
        usleep(50000);
        waited += 50;
    }
    after = resident_kb(p, HEAP);
    printf("| %s | %ld | %ld | %ld |\n", marks ? "libpal's marks (default here)" : "no marks (thpgranular=0)",
           before >> 10, after >> 10, waited);
    BENCH_OK(pal_mem_free(p, HEAP));
}

static void pessimal(void)
{
    size_t hps = pal_mem_huge_page_size(), piece = 8 << 10, off;
    long vmas = 0;
    char line[256];
    unsigned long a, b;
    unsigned char *p;
    FILE *f;
    void *v;

    BENCH_OK(pal_mem_reserve_aligned(HEAP, hps, &v));
    p = v;
    BENCH_OK(pal_mem_map(p, HEAP));
    BENCH_OK(pal_mem_used(p, HEAP));
    memset(p, 1, HEAP);
    for (off = 0; off < HEAP; off += 2 * piece)
        BENCH_OK(pal_mem_unused(p + off, piece));
    f = fopen("/proc/self/maps", "r");
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "%lx-%lx", &a, &b) == 2 && a < (unsigned long)p + HEAP &&
            b > (unsigned long)p)
            vmas++;
    if (f != NULL)
        fclose(f);
    printf("| pessimal heap (every other 8 KiB released), libpal's marks | %ld mappings | bound %zu |\n",
           vmas, 2 * (HEAP / hps) + 1);
    BENCH_OK(pal_mem_free(p, HEAP));
}

static void in_child(void (*fn)(int), int arg)
{
    pid_t pid = fork();

    if (pid == 0) {
        fn(arg);
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
}

static void pessimal_case(int unused)
{
    (void)unused;
    pessimal();
}

int main(void)
{
    if (read_long(KH "max_ptes_none") < 0) {
        printf("(no khugepaged here)\n");
        return 0;
    }
    /* scan all the time, everything: the effect within seconds, not hours */
    write_str(KH "scan_sleep_millisecs", "10");
    write_str(KH "alloc_sleep_millisecs", "10");
    write_str(KH "pages_to_scan", "65536");
    printf("| case | RSS MiB after unused | RSS MiB after two khugepaged scans | ms waited |\n");
    printf("|---|---|---|---|\n");
    in_child(refill_case, 1);
    in_child(refill_case, 0);
    printf("\n| heap | mappings | bound |\n|---|---|---|\n");
    in_child(pessimal_case, 0);
    return 0;
}
