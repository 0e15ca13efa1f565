/* reset_refused.c - mimalloc's page reset while the kernel refuses any new
 * commit charge.
 *
 * With page_reset on, mimalloc resets a small page when its last block is
 * freed and hands the page out again without committing it: reset memory
 * counts as committed.  So a reset must not need anything the kernel can
 * refuse.  Here the process lowers its RLIMIT_DATA below what it uses: from
 * then on the kernel refuses every private writable mapping and every
 * mprotect that makes memory writable with ENOMEM, as it does at the commit
 * limit under vm.overcommit_memory=2, while the memory the process has
 * stays usable.  A reset that takes access away and asks for it back (a
 * release followed by a commit, under libpal's harddecommit policy or
 * strict overcommit) is then left inaccessible, and the blocks allocated
 * after it fault.
 *
 * Run with MIMALLOC_PAGE_RESET=1; exit 0 when every block written after
 * the resets holds what was written, 77 (skipped) where the kernel ignores
 * RLIMIT_DATA (boot option ignore_rlimit_data), else 1 or a signal. */
#include <mimalloc.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#define BLOCKS 4096 /* 1 KiB each: 4 MiB, tens of mimalloc's 64 KiB pages */
#define SIZE 1024

static unsigned char *block[BLOCKS];

/* Resident memory not lazily freed, in KiB, from /proc/self/smaps_rollup:
 * what a reset gives back shows there whether the pages went at once
 * (Rss falls) or lazily (LazyFree grows).  No stdio: its buffers would be
 * allocated under the limit. */
static long held_kib(void)
{
    static char buf[4096];
    long rss = -1, lazy = -1;
    ssize_t n = 0, r;
    char *p;
    int fd = open("/proc/self/smaps_rollup", O_RDONLY);

    if (fd < 0)
        return -1;
    while (n < (ssize_t)sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
        n += r;
    close(fd);
    buf[n] = 0;
    for (p = buf; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
        if (strncmp(p, "Rss:", 4) == 0)
            rss = strtol(p + 4, NULL, 10);
        else if (strncmp(p, "LazyFree:", 9) == 0)
            lazy = strtol(p + 9, NULL, 10);
    }
    return rss < 0 || lazy < 0 ? -1 : rss - lazy;
}

int main(void)
{
    struct rlimit rl;
    void *probe;
    size_t i, k;
    long before, after;

    /* stdout's buffer before the limit: printf allocates it */
    printf("reset_refused: %d blocks of %d bytes\n", BLOCKS, SIZE);
    fflush(stdout);
    for (i = 0; i < BLOCKS; i++) {
        block[i] = mi_malloc(SIZE);
        if (block[i] == NULL) {
            printf("FAIL: mi_malloc before the limit\n");
            return 1;
        }
        memset(block[i], (int)(i & 0xff), SIZE);
    }
    if (getrlimit(RLIMIT_DATA, &rl) != 0)
        return 1;
    /* one page, not 0: a soft limit of 0 under a higher hard limit is
     * let through (the kernel's exception for Valgrind) */
    rl.rlim_cur = 4096;
    if (setrlimit(RLIMIT_DATA, &rl) != 0) {
        printf("FAIL: setrlimit(RLIMIT_DATA, 4096): %s\n", strerror(errno));
        return 1;
    }
    /* the kernel's answer, not the allocator's: a writable private page
     * must now be refused */
    probe = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (probe != MAP_FAILED) {
        printf("skipped: the kernel ignores RLIMIT_DATA (ignore_rlimit_data)\n");
        return 77;
    }
    /* every page of blocks now free: mimalloc resets it */
    before = held_kib();
    for (i = 0; i < BLOCKS; i++)
        mi_free(block[i]);
    mi_collect(false);
    after = held_kib();
    if (before < 0 || after < 0) {
        printf("FAIL: cannot read Rss and LazyFree in /proc/self/smaps_rollup\n");
        return 1;
    }
    /* at least half of the 4 MiB (a page or two stay cached in the heap) */
    if (before - after < BLOCKS * SIZE / 1024 / 2) {
        printf("FAIL: the frees gave back %ld KiB, not the pages of %d KiB of blocks (is MIMALLOC_PAGE_RESET=1 set?)\n",
               before - after, BLOCKS * SIZE / 1024);
        return 1;
    }
    /* the same pages again, reset and (to mimalloc) committed */
    for (i = 0; i < BLOCKS; i++) {
        block[i] = mi_malloc(SIZE);
        if (block[i] == NULL) {
            printf("FAIL: mi_malloc of block %zu after the resets: out of memory\n", i);
            return 1;
        }
        memset(block[i], (int)((i + 1) & 0xff), SIZE);
    }
    for (i = 0; i < BLOCKS; i++)
        for (k = 0; k < SIZE; k++)
            if (block[i][k] != ((i + 1) & 0xff)) {
                printf("FAIL: block %zu byte %zu reads %u\n", i, k, block[i][k]);
                return 1;
            }
    printf("ok: %ld KiB reset, then %d blocks written and read back there\n", before - after, BLOCKS);
    return 0;
}
