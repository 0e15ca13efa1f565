/* purge_batched.c - one decay pass purges many extents: run.sh checks,
 * under strace, how many system calls each pass makes.
 *
 * In an arena of its own, 64 large blocks are allocated and every other
 * one freed (32 dirty extents that cannot coalesce); after the decay time
 * the arena's decay (mallctl arena.<i>.decay) purges them all in one pass.
 * Run with MALLOC_CONF=dirty_decay_ms:10,muzzy_decay_ms:10000, twice:
 *   lazy    the arena keeps muzzy decay on: the dirty pages go muzzy
 *           through lazy purges (pac.c's stashed extents);
 *   forced  a second arena with muzzy decay off (arena.<i>.muzzy_decay_ms
 *           0): the dirty extents are purged forced and retained
 *           (extent_dalloc_wrapper, one extent at a time upstream).
 * Two more, single-lazy and single-forced, free one block only: each
 * decay pass stashes one extent, which has nothing to batch and must take
 * the per-extent purge, the shorter way (run.sh reads the call's stack).
 * Each pass is marked on stderr by the lines "purge-batched NAME: begin"
 * and "purge-batched NAME: end", so that strace shows which calls it made.
 *
 * Exit 0 when the mallctl calls succeed; the counting is run.sh's. */
#include <jemalloc/jemalloc.h>

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BLOCKS 64
#define SIZE (256 * 1024)

static void mark(const char *name, const char *what)
{
    char line[64];
    int n = snprintf(line, sizeof line, "purge-batched %s: %s\n", name, what);

    if (write(2, line, (size_t)n) != n)
        _exit(1);
}

/* 0 when the pass ran; muzzy_ms < 0 leaves the arena's muzzy decay time
 * as MALLOC_CONF set it; of the blocks (at most BLOCKS) every other one is
 * freed */
static int decay_pass(const char *name, ssize_t muzzy_ms, int blocks)
{
    void *block[BLOCKS];
    unsigned arena;
    size_t sz = sizeof arena;
    char ctl[64];
    struct timespec past_decay = {0, 300 * 1000 * 1000};
    int i;

    if (mallctl("arenas.create", &arena, &sz, NULL, 0) != 0) {
        printf("FAIL: %s: mallctl arenas.create\n", name);
        return 1;
    }
    snprintf(ctl, sizeof ctl, "arena.%u.muzzy_decay_ms", arena);
    if (muzzy_ms >= 0 && mallctl(ctl, NULL, NULL, &muzzy_ms, sizeof muzzy_ms) != 0) {
        printf("FAIL: %s: mallctl %s\n", name, ctl);
        return 1;
    }
    for (i = 0; i < blocks; i++) {
        block[i] = mallocx(SIZE, MALLOCX_ARENA(arena) | MALLOCX_TCACHE_NONE);
        if (block[i] == NULL) {
            printf("FAIL: %s: mallocx of block %d\n", name, i);
            return 1;
        }
        memset(block[i], 1, SIZE);
    }
    for (i = 0; i < blocks; i += 2)
        dallocx(block[i], MALLOCX_TCACHE_NONE);
    snprintf(ctl, sizeof ctl, "arena.%u.decay", arena);
    /* twice past the decay time: the first pass may only advance the
     * decay's epoch */
    mark(name, "begin");
    nanosleep(&past_decay, NULL);
    if (mallctl(ctl, NULL, NULL, NULL, 0) != 0)
        return 1;
    nanosleep(&past_decay, NULL);
    if (mallctl(ctl, NULL, NULL, NULL, 0) != 0)
        return 1;
    mark(name, "end");
    printf("ok: %s: %d extent(s) freed, decay run\n", name, (blocks + 1) / 2);
    return 0;
}

int main(void)
{
    if (decay_pass("lazy", -1, BLOCKS) != 0 || decay_pass("forced", 0, BLOCKS) != 0 ||
        decay_pass("single-lazy", -1, 2) != 0 || decay_pass("single-forced", 0, 2) != 0)
        return 1;
    return 0;
}
