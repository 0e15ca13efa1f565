/* purge_refused.c - jemalloc's purges while the kernel refuses any new
 * commit charge.
 *
 * Where decommit is not done (the kernel overcommits), jemalloc gives the
 * pages of a freed extent back with its forced purge and keeps the extent
 * as committed and zeroed, to hand it out again without committing it.  So
 * a purge must not need anything the kernel can refuse.  Here the kernel
 * refuses any new commit charge (../commit_refused.h: RLIMIT_DATA lowered
 * below what the process uses), while the memory the process has stays
 * usable.  A purge that takes access away and asks for it back (a release
 * followed by a commit, under libpal's harddecommit policy or strict
 * overcommit) then fails halfway.
 *
 * Run with MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0 (every free
 * purges at once); exit 0 when the pages went back and every block
 * written after the purges holds what was written, 77 (skipped) where the
 * kernel ignores RLIMIT_DATA (boot option ignore_rlimit_data), else 1 or a
 * signal (jemalloc aborts where a purge cannot finish). */
#include <jemalloc/jemalloc.h>

#include "../commit_refused.h"

#define BLOCKS 64
#define SIZE (256 * 1024) /* large: an extent each, 16 MiB in all */

static unsigned char *block[BLOCKS];

/* odd: never 0, which a fresh zeroed page would also hold */
static int mark(size_t i)
{
    return (int)(i & 0xff) | 1;
}

int main(void)
{
    static const struct refused_test t = {
        "purge_refused", block, BLOCKS, SIZE, malloc, "malloc", free, NULL, mark,
        "after the purges", "purged", "MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0",
    };

    return refused_test(&t);
}
