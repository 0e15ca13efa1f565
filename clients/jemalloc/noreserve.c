/* noreserve.c - a block larger than RAM and swap together, under the
 * kernel's heuristic overcommit (vm.overcommit_memory=0).
 *
 * There the kernel refuses a single writable private mapping larger than
 * all RAM and swap, unless it is MAP_NORESERVE; jemalloc's own layer maps
 * with MAP_NORESERVE wherever the kernel overcommits, so such a malloc
 * succeeds (and only the pages written take memory).  On libpal the
 * mapping must ask for no reserve (PAL_SPEC_NORESERVE) to do the same.
 *
 * Exit 0 when the block is had and its first and last bytes can be
 * written, 77 (skipped) where the overcommit mode is not 0 (mode 1 lets
 * everything through, mode 2 charges MAP_NORESERVE mappings too), else 1. */
#include <jemalloc/jemalloc.h>

#include <stdio.h>
#include <string.h>

/* No junk filling (a debug build's default): only the two bytes written
 * may take memory. */
const char *malloc_conf = "junk:false";

/* The kernel's own figures, not the allocator's. */
static int read_first_char(const char *path)
{
    FILE *f = fopen(path, "r");
    int c;

    if (f == NULL)
        return -1;
    c = fgetc(f);
    fclose(f);
    return c;
}

static unsigned long long meminfo_kib(const char *key)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    unsigned long long v = 0;
    size_t k = strlen(key);

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, key, k) == 0 && line[k] == ':') {
            sscanf(line + k + 1, "%llu", &v);
            break;
        }
    fclose(f);
    return v;
}

int main(void)
{
    int mode = read_first_char("/proc/sys/vm/overcommit_memory");
    unsigned long long ram = meminfo_kib("MemTotal"), swap = meminfo_kib("SwapTotal");
    size_t size;
    unsigned char *p;

    if (mode != '0') {
        printf("skipped: vm.overcommit_memory is %c, not 0 (heuristic)\n", mode < 0 ? '?' : mode);
        return 77;
    }
    if (ram == 0) {
        printf("FAIL: no MemTotal in /proc/meminfo\n");
        return 1;
    }
    /* twice RAM and swap: past the heuristic's limit whatever is free */
    size = (size_t)(2 * (ram + swap) * 1024);
    p = malloc(size);
    if (p == NULL) {
        printf("FAIL: malloc(%zu) (2 x (MemTotal + SwapTotal)) returned NULL under overcommit 0\n", size);
        return 1;
    }
    p[0] = 1;
    p[size - 1] = 1;
    free(p);
    printf("ok: malloc(%zu), 2 x (MemTotal + SwapTotal), first and last byte written\n", size);
    return 0;
}
