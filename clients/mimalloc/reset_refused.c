/* reset_refused.c - mimalloc's page reset while the kernel refuses any new
 * commit charge.
 *
 * With page_reset on, mimalloc resets a small page when its last block is
 * freed and hands the page out again without committing it: reset memory
 * counts as committed.  So a reset must not need anything the kernel can
 * refuse.  Here the kernel refuses any new commit charge
 * (../commit_refused.h: RLIMIT_DATA lowered below what the process uses),
 * while the memory the process has stays usable.  A reset that takes
 * access away and asks for it back (a release followed by a commit, under
 * libpal's harddecommit policy or strict overcommit) is then left
 * inaccessible, and the blocks allocated after it fault.
 *
 * Run with MIMALLOC_PAGE_RESET=1; exit 0 when every block written after
 * the resets holds what was written, 77 (skipped) where the kernel ignores
 * RLIMIT_DATA (boot option ignore_rlimit_data), else 1 or a signal. */
#include <mimalloc.h>

#include "../commit_refused.h"

#define BLOCKS 4096 /* 1 KiB each: 4 MiB, tens of mimalloc's 64 KiB pages */
#define SIZE 1024

static unsigned char *block[BLOCKS];

static int mark(size_t i)
{
    return (int)(i & 0xff);
}

/* every page of blocks now free: mimalloc resets it */
static void collect(void)
{
    mi_collect(false);
}

int main(void)
{
    static const struct refused_test t = {
        "reset_refused", block, BLOCKS, SIZE, mi_malloc, "mi_malloc", mi_free, collect, mark,
        "after the resets", "reset", "MIMALLOC_PAGE_RESET=1",
    };

    return refused_test(&t);
}
