/*
 * bench_faultlat - what a MADV_HUGEPAGE mark costs at fault time: the time
 * to make each 2 MiB block of a fresh 256 MiB range resident (a write to
 * every page), with the range marked huge-page and without, under this
 * machine's THP "enabled" and "defrag" settings.  With the mark (THP
 * "madvise" or "always"), the first write of a block may take a whole huge
 * page, which under defrag "madvise" the kernel may first compact memory
 * for, stalling the faulting thread: the reason the Go runtime stopped
 * marking memory it had not been asked to (golang/go #61718).  Median,
 * 99th percentile and worst block, and how much became huge pages.
 */
#include "bench.h"

#define RANGE ((size_t)256 << 20)
#define BLOCK ((size_t)2 << 20)
#define BLOCKS (RANGE / BLOCK)

static long anon_huge_kb(void *lo, size_t n)
{
    char line[256];
    long kb = 0;
    int in = 0;
    unsigned long a, b;
    FILE *f = fopen("/proc/self/smaps", "r");

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL) {
        if (sscanf(line, "%lx-%lx", &a, &b) == 2) /* a mapping's first line */
            in = a < (unsigned long)lo + n && b > (unsigned long)lo;
        else if (in && strncmp(line, "AnonHugePages:", 14) == 0)
            kb += strtol(line + 14, NULL, 10);
    }
    fclose(f);
    return kb;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int main(void)
{
    size_t ps = pal_mem_page_size(), i, j;
    static double us[2][BLOCKS];
    long huge[2];
    int marked;

    for (marked = 0; marked < 2; marked++) {
        unsigned char *p;
        void *v;

        BENCH_OK(pal_mem_reserve_aligned(RANGE, BLOCK, &v));
        p = v;
        BENCH_OK(pal_mem_map(p, RANGE));
        BENCH_OK(pal_mem_used(p, RANGE));
        if (marked)
            BENCH_OK(pal_mem_hugepage(p, RANGE));
        for (i = 0; i < BLOCKS; i++) {
            double t0 = bench_now();

            for (j = 0; j < BLOCK; j += ps)
                p[i * BLOCK + j] = 1;
            us[marked][i] = (bench_now() - t0) / 1e3;
        }
        huge[marked] = anon_huge_kb(p, RANGE);
        BENCH_OK(pal_mem_free(p, RANGE));
        qsort(us[marked], BLOCKS, sizeof us[marked][0], cmp);
    }
    for (marked = 0; marked < 2; marked++)
        printf("| %s | %.0f | %.0f | %.0f | %ld MiB of 256 |\n",
               marked ? "MADV_HUGEPAGE (pal_mem_hugepage)" : "unmarked",
               us[marked][BLOCKS / 2], us[marked][BLOCKS * 99 / 100], us[marked][BLOCKS - 1],
               huge[marked] / 1024);
    return 0;
}
