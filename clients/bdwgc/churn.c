/*
 * churn.c - a workload that makes the Boehm GC unmap and remap often: each
 * cycle fills about 4 MiB with objects of one size, checks them across a
 * collection, then drops them.  The size changes every cycle, so the blocks
 * freed by one cycle are unmapped a collection or two later (run it with
 * GC_UNMAP_THRESHOLD=1) and split, merged and remapped by the next ones.
 *
 *   churn [cycles] [exec]   cycles: default 300; exec: an executable heap
 *                           (GC_set_pages_executable(1))
 *
 * Fails if an object is not zero when allocated, loses its contents while
 * live, or if nothing was ever unmapped (the paths under test never ran);
 * with exec, also if an object of a cycle lies in memory that the kernel
 * (/proc/self/maps) does not show executable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gc.h"

#define BYTES_PER_CYCLE (4u << 20)

/* small, medium and large objects (large ones take whole heap blocks) */
static const size_t sizes[] = {16, 96, 1024, 4000, 24 << 10, 200 << 10, 1 << 20, 48};

/* the value object i of cycle c holds in its first and last word */
static size_t tag(int c, size_t i)
{
    return ((size_t)c << 20) ^ i ^ 0x5a5a5aul;
}

/* The permissions /proc/self/maps gives the mapping holding p ("rwxp"),
 * or "" if none holds it. */
static const char *perms_at(const void *p)
{
    static char perms[8];
    char line[512];
    unsigned long lo, hi;
    FILE *f = fopen("/proc/self/maps", "r");

    perms[0] = 0;
    if (f == NULL)
        return perms;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 &&
            lo <= (unsigned long)p && (unsigned long)p < hi)
            break;
        else
            perms[0] = 0;
    fclose(f);
    return perms;
}

int main(int argc, char **argv)
{
    int exec = argc > 2 && strcmp(argv[2], "exec") == 0;
    int cycles = argc > 1 ? atoi(argv[1]) : 300;
    size_t max_unmapped = 0, remapped_cycles = 0, prev_unmapped = 0;
    int c;

    if (exec)
        GC_set_pages_executable(1);
    GC_INIT();
    for (c = 0; c < cycles; c++) {
        size_t sz = sizes[c % (sizeof sizes / sizeof sizes[0])];
        size_t n = BYTES_PER_CYCLE / sz, i, w = sz / sizeof(size_t), unmapped;
        size_t **keep = GC_MALLOC(n * sizeof *keep);

        if (keep == NULL) {
            fprintf(stderr, "churn: out of memory in cycle %d\n", c);
            return 1;
        }
        for (i = 0; i < n; i++) {
            size_t *p = GC_MALLOC(sz);

            if (p == NULL) {
                fprintf(stderr, "churn: out of memory in cycle %d\n", c);
                return 1;
            }
            if (p[0] != 0 || p[w - 1] != 0) {
                fprintf(stderr, "churn: cycle %d: new object %p is not zero\n", c, (void *)p);
                return 1;
            }
            p[0] = p[w - 1] = tag(c, i);
            keep[i] = p;
        }
        if (exec && strchr(perms_at(keep[n - 1]), 'x') == NULL) {
            fprintf(stderr, "churn: cycle %d: object %p is in memory mapped \"%s\", not executable\n",
                    c, (void *)keep[n - 1], perms_at(keep[n - 1]));
            return 1;
        }
        GC_gcollect();
        for (i = 0; i < n; i++) {
            if (keep[i][0] != tag(c, i) || keep[i][w - 1] != tag(c, i)) {
                fprintf(stderr, "churn: cycle %d: object %p lost its contents\n", c,
                        (void *)keep[i]);
                return 1;
            }
        }
        unmapped = GC_get_unmapped_bytes();
        if (unmapped > max_unmapped)
            max_unmapped = unmapped;
        if (unmapped < prev_unmapped)
            remapped_cycles++;
        prev_unmapped = unmapped;
        keep = NULL;
    }
    printf("churn: %d cycles, heap %lu KiB, unmapped at most %lu KiB, %lu cycles remapped\n",
           cycles, (unsigned long)(GC_get_heap_size() >> 10),
           (unsigned long)(max_unmapped >> 10), (unsigned long)remapped_cycles);
    if (max_unmapped == 0) {
        fprintf(stderr, "churn: nothing was unmapped (GC_UNMAP_THRESHOLD=1 not set?)\n");
        return 1;
    }
    return 0;
}
