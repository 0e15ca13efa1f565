/*
 * bench_scavenger - an allocator's scavenger on a 1 GiB heap: OPS random
 * spans of 8 KiB to 4 MiB (log-uniform: many small, some large, as heaps
 * release them) each released with unused if in use, or taken back with
 * used and written if released, so the heap keeps half its pages in use.
 *
 *   bench_scavenger <policy> <marking>
 *     policy:  a GODEBUG-style string for pal_mem_parse_policy ("" = default)
 *     marking: libpal   the library's own choice (marks only where the
 *                       kernel would refill: see mem_linux.c)
 *              hinted   the heap asked for huge pages (pal_mem_hugepage
 *                       over all of it, as mimalloc's allow_thp does for
 *                       its segments): the library's marks at the ends of
 *                       each release inside it, and their undoing on reuse
 *              page     no library marks (thpgranular=0), and every released
 *                       span marked no-huge-page by itself (Go before
 *                       its granular marks of #12233)
 *              none     no marks at all (thpgranular=0)
 *
 * Prints one markdown row: wall time, system calls (the library's count),
 * calls per unused+used pair, peak mappings of the process, RSS at the end.
 * Each configuration runs in a process of its own: the library's marking
 * state is per process.
 */
#include "bench.h"

#define HEAP ((size_t)1 << 30)
#define OPS_DEFAULT 100000

int main(int argc, char **argv)
{
    const char *policy = argc > 1 ? argv[1] : "";
    const char *marking = argc > 2 ? argv[2] : "libpal";
    const char *e = getenv("PAL_BENCH_SCAVENGE_OPS");
    long ops = e ? atol(e) : OPS_DEFAULT, i, peak = 0, v;
    size_t ps = pal_mem_page_size(), hps = pal_mem_huge_page_size(), pages = HEAP / ps;
    size_t calls0, pairs = 0, c;
    unsigned char *used_bits, *heap;
    unsigned flags, seed = 2026;
    void *p;
    double t0, t1;

    BENCH_OK(pal_mem_parse_policy(policy, &flags));
    if (strcmp(marking, "page") == 0 || strcmp(marking, "none") == 0)
        flags &= ~PAL_POLICY_THP_GRANULAR;
    BENCH_OK(pal_mem_set_policy(flags));
    used_bits = calloc(pages, 1);
    BENCH_OK(pal_mem_reserve_aligned(HEAP, hps ? hps : ps, &p));
    heap = p;
    BENCH_OK(pal_mem_map(heap, HEAP));
    if (strcmp(marking, "hinted") == 0 && hps != 0)
        BENCH_OK(pal_mem_hugepage(heap, HEAP));
    /* half of it in use to start with, in 4 MiB stretches */
    for (c = 0; c < HEAP; c += 8 << 20) {
        BENCH_OK(pal_mem_used(heap + c, 4 << 20));
        memset(heap + c, 1, 4 << 20);
        memset(used_bits + c / ps, 1, (4 << 20) / ps);
    }
    calls0 = bench_os_calls();
    t0 = bench_now();
    for (i = 0; i < ops; i++) {
        size_t len, at, k;

        seed = seed * 1103515245u + 12345u;
        /* 2 to 1024 pages of 4 KiB, log-uniform: 2^(1..10) */
        len = ((size_t)2 << ((seed >> 8) % 10)) * 4096 / ps;
        if (len == 0)
            len = 1;
        seed = seed * 1103515245u + 12345u;
        at = ((size_t)seed * 2654435761u) % (pages - len);
        if (used_bits[at]) {
            BENCH_OK(pal_mem_unused(heap + at * ps, len * ps));
            if (strcmp(marking, "page") == 0 && hps != 0)
                (void)pal_mem_nohugepage(heap + at * ps, len * ps);
            memset(used_bits + at, 0, len);
        } else {
            BENCH_OK(pal_mem_used(heap + at * ps, len * ps));
            for (k = 0; k < len; k++)
                heap[(at + k) * ps] = 2;
            memset(used_bits + at, 1, len);
            pairs++;
        }
        if (i % 2000 == 0 && (v = bench_vmas()) > peak)
            peak = v;
    }
    t1 = bench_now();
    if ((v = bench_vmas()) > peak)
        peak = v;
    c = bench_os_calls() - calls0;
    /* a pair: one unused and one used (the smaller of the two counts) */
    if ((size_t)ops - pairs < pairs)
        pairs = (size_t)ops - pairs;
    printf("| %s | %s | %.2f | %zu | %.2f | %ld | %ld |\n", policy[0] ? policy : "default",
           marking, (t1 - t0) / 1e9, c, (double)c / (double)pairs, peak,
           bench_rss_kb() / 1024);
    BENCH_OK(pal_mem_free(heap, HEAP));
    free(used_bits);
    return 0;
}
