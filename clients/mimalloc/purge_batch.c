/* purge_batch.c - mimalloc's delayed decommit of a segment releases all
 * its runs in one libpal call.
 *
 * mimalloc marks the free spans of a segment for decommit and, once the
 * delay has passed, decommits every run of the mark mask.  Here 12 blocks
 * of 256 KiB (each a page of its own in one segment) are written, every
 * other one freed: six separate runs.  A free after the delay has passed
 * decommits everything marked (mimalloc's forced delayed decommit): the
 * free of a 13th block, after them in the segment.  The libpal calls of
 * that free (pal_mem_get_stats, exported by the shared library) must be at
 * most 2, one release for all runs and at most one more, where a call per
 * run makes 7 or more; and the freed blocks' pages must be gone (mincore),
 * so that the count is of a decommit that happened.
 *
 * Exit 0 on success, 77 (skipped) where the kernel has no process_madvise
 * releasing ranges of the calling process by PIDFD_SELF_THREAD (asked
 * directly, not through libpal), else 1. */
#include <mimalloc.h>

#include "pal_mem.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define BLOCKS 12
#define SIZE (256 * 1024)
#define DELAY_MS 50
#define PIDFD_SELF_THREAD (-10000) /* Linux 6.14 */

/* process_madvise(MADV_DONTNEED) on two ranges of a scratch mapping, as
 * the kernel answers it: the call is 5.10, the advice 5.17 (6.x for
 * oneself), PIDFD_SELF_THREAD 6.14 */
static int kernel_batches(void)
{
#if defined(SYS_process_madvise)
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *m = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct iovec iov[2];
    long r;

    if (m == MAP_FAILED)
        return 0;
    memset(m, 1, 3 * page);
    iov[0].iov_base = m;
    iov[0].iov_len = page;
    iov[1].iov_base = m + 2 * page;
    iov[1].iov_len = page;
    r = syscall(SYS_process_madvise, PIDFD_SELF_THREAD, iov, 2, MADV_DONTNEED, 0);
    if (r != 2 * page)
        printf("skipped: process_madvise(PIDFD_SELF_THREAD, MADV_DONTNEED) is refused here (%s), so libpal cannot batch\n",
               r < 0 ? strerror(errno) : "short");
    munmap(m, 3 * page);
    return r == 2 * page;
#else
    printf("skipped: no process_madvise in this C library's headers\n");
    return 0;
#endif
}

/* resident pages of [p, p+n) */
static long resident(unsigned char *p, size_t n)
{
    static unsigned char vec[SIZE / 4096];
    long page = sysconf(_SC_PAGESIZE), k = 0;
    size_t i;

    if (n / page > sizeof vec || mincore(p, n, vec) != 0)
        return -1;
    for (i = 0; i < n / page; i++)
        k += vec[i] & 1;
    return k;
}

int main(void)
{
    unsigned char *block[BLOCKS + 1], *scratch;
    struct pal_mem_range two[2];
    struct pal_mem_stats before, after;
    long page = sysconf(_SC_PAGESIZE);
    size_t calls;
    int i, runs = 0;

    if (!kernel_batches())
        return 77;
    /* libpal learns what the kernel offers on first use: a release of
     * ranges of its own first, so that the count is of mimalloc's only */
    if (pal_mem_alloc(3 * page, (void **)&scratch) != PAL_OK)
        return 1;
    two[0].v = scratch;
    two[0].n = page;
    two[1].v = scratch + 2 * page;
    two[1].n = page;
    if (pal_mem_unused_ranges(two, 2, NULL) != PAL_OK || pal_mem_used(scratch, 3 * page) != PAL_OK ||
        pal_mem_free(scratch, 3 * page) != PAL_OK) {
        printf("FAIL: libpal refused a release on memory of its own\n");
        return 1;
    }
    mi_option_set(mi_option_decommit_delay, DELAY_MS);
    for (i = 0; i <= BLOCKS; i++) {
        block[i] = mi_malloc(SIZE);
        if (block[i] == NULL) {
            printf("FAIL: mi_malloc(%d)\n", SIZE);
            return 1;
        }
        memset(block[i], 0xa5, SIZE);
    }
    for (i = 0; i < BLOCKS; i += 2, runs++)
        mi_free(block[i]);
    usleep(4 * DELAY_MS * 1000);
    pal_mem_get_stats(&before);
    mi_free(block[BLOCKS]);
    pal_mem_get_stats(&after);
    calls = after.os_calls - before.os_calls;
    for (i = 0; i < BLOCKS; i += 2) {
        /* the 64 KiB commit units wholly inside the block */
        unsigned char *lo = block[i] + 64 * 1024;
        long r = resident(lo, SIZE - 128 * 1024);
        if (r != 0) {
            printf("FAIL: block %d was not decommitted: %ld of %ld pages resident (%zu libpal calls)\n",
                   i, r, (long)(SIZE - 128 * 1024) / page, calls);
            return 1;
        }
    }
    if (calls > 2) {
        printf("FAIL: the decommit of the runs of %d freed blocks took %zu libpal calls (one for all runs, at most one more)\n",
               runs + 1, calls);
        return 1;
    }
    for (i = 1; i < BLOCKS; i += 2)
        mi_free(block[i]);
    printf("ok: the runs of %d freed blocks decommitted with %zu libpal call(s)\n", runs + 1, calls);
    return 0;
}
