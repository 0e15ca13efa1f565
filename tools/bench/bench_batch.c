/*
 * bench_batch - batched release and prefault, each against what a caller
 * would do without them:
 *
 *   - N separate ranges of one page and of 64 KiB released by
 *     pal_mem_unused_ranges (one process_madvise per 1024 ranges where
 *     PAL_FEAT_BATCH) or by a loop of pal_mem_unused, N = 10, 100, 1000,
 *     10000; every range touched again (untimed) before each round.  The
 *     kernel's own work per range (freeing its pages) is what batching
 *     cannot save: the one-page rows show the calls' share;
 *   - 64 MiB of fresh Ready memory made resident by pal_mem_populate or by
 *     writing a byte to each page.
 *
 * Prints markdown rows: medians over interleaved rounds, and the ratios.
 */
#include "bench.h"

static size_t ps;

static void touch(unsigned char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i += ps)
        p[i] = 1;
}

static void batched_vs_looped(size_t count, size_t size, int rounds)
{
    struct pal_mem_range *r = calloc(count, sizeof *r);
    double t[2][BENCH_MAX_ROUNDS], t0, m[2];
    size_t calls[2] = { 0, 0 }, i, done;
    unsigned char *b;
    void *v;
    int round, k;

    BENCH_OK(pal_mem_alloc(2 * count * size, &v));
    b = v;
    for (i = 0; i < count; i++) {
        r[i].v = b + 2 * i * size;
        r[i].n = size;
    }
    for (round = 0; round < rounds; round++)
        for (k = 0; k < 2; k++) {
            int batched = (k + round) % 2;
            size_t c0;

            for (i = 0; i < count; i++) {
                BENCH_OK(pal_mem_used(r[i].v, size));
                touch(r[i].v, size);
            }
            c0 = bench_os_calls();
            t0 = bench_now();
            if (batched) {
                BENCH_OK(pal_mem_unused_ranges(r, count, &done));
            } else {
                for (i = 0; i < count; i++)
                    BENCH_OK(pal_mem_unused(r[i].v, size));
            }
            t[batched][round] = bench_now() - t0;
            calls[batched] = bench_os_calls() - c0;
        }
    m[0] = bench_median(t[0], rounds);
    m[1] = bench_median(t[1], rounds);
    printf("| release %zu x %zu KiB | %.1f us (%zu calls) | %.1f us (%zu calls) | %.2fx |\n",
           count, size >> 10, m[0] / 1e3, calls[0], m[1] / 1e3, calls[1], m[0] / m[1]);
    BENCH_OK(pal_mem_free(b, 2 * count * size));
    free(r);
}

static void populate_vs_touch(int rounds)
{
    const size_t n = 64 << 20;
    double t[2][BENCH_MAX_ROUNDS], t0, m[2];
    int round, k;
    void *v;

    for (round = 0; round < rounds; round++)
        for (k = 0; k < 2; k++) {
            int pop = (k + round) % 2;

            BENCH_OK(pal_mem_alloc(n, &v));
            t0 = bench_now();
            if (pop)
                BENCH_OK(pal_mem_populate(v, n));
            else
                touch(v, n);
            t[pop][round] = bench_now() - t0;
            BENCH_OK(pal_mem_free(v, n));
        }
    m[0] = bench_median(t[0], rounds);
    m[1] = bench_median(t[1], rounds);
    printf("| make 64 MiB resident | %.2f ms (a write per page) | %.2f ms (pal_mem_populate%s) | %.2fx |\n",
           m[0] / 1e6, m[1] / 1e6,
           pal_mem_features() & PAL_FEAT_POPULATE ? "" : ": touches too, no MADV_POPULATE_WRITE",
           m[0] / m[1]);
}

int main(void)
{
    int rounds = bench_rounds(11);
    size_t counts[] = { 10, 100, 1000, 10000 }, i, k;

    ps = pal_mem_page_size();
    /* first use probes features and reads facts: not part of any figure */
    {
        struct pal_mem_range w;

        BENCH_OK(pal_mem_alloc(ps, &w.v));
        w.n = ps;
        BENCH_OK(pal_mem_unused_ranges(&w, 1, NULL));
        BENCH_OK(pal_mem_unused(w.v, ps));
        BENCH_OK(pal_mem_populate(w.v, ps));
        BENCH_OK(pal_mem_free(w.v, ps));
    }
    for (k = 0; k < 2; k++)
        for (i = 0; i < sizeof counts / sizeof counts[0]; i++)
            batched_vs_looped(counts[i], k == 0 ? ps : 64 << 10, rounds);
    populate_vs_touch(rounds);
    return 0;
}
