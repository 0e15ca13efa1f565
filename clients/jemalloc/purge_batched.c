/* purge_batched.c - one decay pass purges many extents: run.sh checks,
 * under strace, how many system calls the pass makes.
 *
 * 64 large blocks of an arena of their own are allocated and every other
 * one freed (32 dirty extents that cannot coalesce); after the decay time
 * the arena's decay (mallctl arena.<i>.decay) purges them all lazily in
 * one pass, with MALLOC_CONF=dirty_decay_ms:10,muzzy_decay_ms:10000 (a
 * muzzy decay on: the dirty pages go muzzy through lazy purges).  The
 * pass is marked on stderr by the lines "purge-batched: begin" and
 * "purge-batched: end", so that strace shows which calls it made.
 *
 * Exit 0 when the mallctl calls succeed; the counting is run.sh's. */
#include <jemalloc/jemalloc.h>

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BLOCKS 64
#define SIZE (256 * 1024)

static void mark(const char *s)
{
    if (write(2, s, strlen(s)) < 0)
        _exit(1);
}

int main(void)
{
    void *block[BLOCKS];
    unsigned arena;
    size_t sz = sizeof arena;
    char decay[64];
    struct timespec past_decay = {0, 300 * 1000 * 1000};
    int i;

    if (mallctl("arenas.create", &arena, &sz, NULL, 0) != 0) {
        printf("FAIL: mallctl arenas.create\n");
        return 1;
    }
    for (i = 0; i < BLOCKS; i++) {
        block[i] = mallocx(SIZE, MALLOCX_ARENA(arena) | MALLOCX_TCACHE_NONE);
        if (block[i] == NULL) {
            printf("FAIL: mallocx of block %d\n", i);
            return 1;
        }
        memset(block[i], 1, SIZE);
    }
    for (i = 0; i < BLOCKS; i += 2)
        dallocx(block[i], MALLOCX_TCACHE_NONE);
    snprintf(decay, sizeof decay, "arena.%u.decay", arena);
    /* twice past the decay time: the first pass may only advance the
     * decay's epoch */
    mark("purge-batched: begin\n");
    nanosleep(&past_decay, NULL);
    if (mallctl(decay, NULL, NULL, NULL, 0) != 0)
        return 1;
    nanosleep(&past_decay, NULL);
    if (mallctl(decay, NULL, NULL, NULL, 0) != 0)
        return 1;
    mark("purge-batched: end\n");
    printf("ok: %d extents freed, decay run\n", BLOCKS / 2);
    return 0;
}
