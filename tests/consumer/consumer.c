/*
 * consumer.c - a program that takes libpal up as its users do, through
 * pal_mem.h alone: a small heap reserved, committed, written, released and
 * freed.  tests/consumer/run.sh builds it every way libpal can be taken up
 * and runs each build.  Prints a line per check and "N passed, N failed,
 * N skipped", as the suite's programs do.
 */
#include <stdio.h>
#include <string.h>

#include "pal_mem.h"

static int passed, failed;

static void check(int ok, const char *what, int err)
{
    if (ok) {
        passed++;
        printf("ok   %s\n", what);
    } else {
        failed++;
        printf("FAIL %s: %s\n", what, pal_strerror(err));
    }
}

int main(void)
{
    size_t ps = pal_mem_page_size(), heap_size = 64 * ps, i;
    unsigned char *heap = NULL;
    void *v = NULL;
    int err, zero;

    check(ps >= 4096 && (ps & (ps - 1)) == 0, "page size from the OS", PAL_EOS);
    err = pal_mem_reserve_aligned(heap_size, 16 * ps, &v);
    check(err == PAL_OK && ((size_t)v & (16 * ps - 1)) == 0, "reserve_aligned", err);
    if (err != PAL_OK)
        goto out;
    heap = v;
    err = pal_mem_map(heap, heap_size);
    check(err == PAL_OK, "map", err);
    err = pal_mem_used(heap, heap_size);
    check(err == PAL_OK, "used", err);
    if (err != PAL_OK)
        goto out;
    memset(heap, 0xa5, heap_size);
    err = pal_mem_unused(heap + 8 * ps, 8 * ps);
    check(err == PAL_OK, "unused", err);
    err = pal_mem_used(heap + 8 * ps, 8 * ps);
    check(err == PAL_OK, "used again", err);
    if (err == PAL_OK && pal_mem_unused_zeroes()) {
        for (zero = 1, i = 8 * ps; i < 16 * ps; i++)
            zero &= heap[i] == 0;
        check(zero && heap[8 * ps - 1] == 0xa5 && heap[16 * ps] == 0xa5,
              "released pages read zero, their neighbours kept", PAL_EOS);
    }
    err = pal_mem_free(heap, heap_size);
    check(err == PAL_OK, "free", err);
    /* bad input is refused before the OS is asked */
    err = pal_mem_map(heap + 1, ps);
    check(err == PAL_EINVAL, "an unaligned range is PAL_EINVAL", err);
out:
    printf("%d passed, %d failed, 0 skipped\n", passed, failed);
    return failed != 0;
}
