/* purge_refused.c - jemalloc's purges while the kernel refuses any new
 * commit charge.
 *
 * Where decommit is not done (the kernel overcommits), jemalloc gives the
 * pages of a freed extent back with its forced purge and keeps the extent
 * as committed and zeroed, to hand it out again without committing it.  So
 * a purge must not need anything the kernel can refuse.  Here the process
 * lowers its RLIMIT_DATA below what it uses: from then on the kernel
 * refuses every private writable mapping and every mprotect that makes
 * memory writable with ENOMEM, as it does at the commit limit under
 * vm.overcommit_memory=2, while the memory the process has stays usable.
 * A purge that takes access away and asks for it back (a release followed
 * by a commit, under libpal's harddecommit policy or strict overcommit)
 * then fails halfway.
 *
 * Run with MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0 (every free
 * purges at once); exit 0 when the pages went back and every block
 * written after the purges holds what was written, 77 (skipped) where the
 * kernel ignores RLIMIT_DATA (boot option ignore_rlimit_data), else 1 or a
 * signal (jemalloc aborts where a purge cannot finish). */
#include <jemalloc/jemalloc.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#define BLOCKS 64
#define SIZE (256 * 1024) /* large: an extent each, 16 MiB in all */

static unsigned char *block[BLOCKS];

/* Resident memory not lazily freed, in KiB, from /proc/self/smaps_rollup:
 * what a purge gives back shows there whether the pages went at once
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
    printf("purge_refused: %d blocks of %d bytes\n", BLOCKS, SIZE);
    fflush(stdout);
    for (i = 0; i < BLOCKS; i++) {
        block[i] = malloc(SIZE);
        if (block[i] == NULL) {
            printf("FAIL: malloc before the limit\n");
            return 1;
        }
        memset(block[i], (int)(i & 0xff) | 1, SIZE);
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
    before = held_kib();
    for (i = 0; i < BLOCKS; i++)
        free(block[i]);
    after = held_kib();
    if (before < 0 || after < 0) {
        printf("FAIL: cannot read Rss and LazyFree in /proc/self/smaps_rollup\n");
        return 1;
    }
    /* at least half of the 16 MiB */
    if (before - after < BLOCKS * (SIZE / 1024) / 2) {
        printf("FAIL: the frees gave back %ld KiB, not the pages of %d KiB of blocks (is MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0 set?)\n",
               before - after, BLOCKS * (SIZE / 1024));
        return 1;
    }
    /* the same extents again, purged and (to jemalloc) committed */
    for (i = 0; i < BLOCKS; i++) {
        block[i] = malloc(SIZE);
        if (block[i] == NULL) {
            printf("FAIL: malloc of block %zu after the purges: out of memory\n", i);
            return 1;
        }
        memset(block[i], (int)((i + 1) & 0xff) | 1, SIZE);
    }
    for (i = 0; i < BLOCKS; i++)
        for (k = 0; k < SIZE; k++)
            if (block[i][k] != (((i + 1) & 0xff) | 1)) {
                printf("FAIL: block %zu byte %zu reads %u\n", i, k, block[i][k]);
                return 1;
            }
    printf("ok: %ld KiB purged, then %d blocks written and read back there\n", before - after, BLOCKS);
    return 0;
}
