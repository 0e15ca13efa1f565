/*
 * bench_mmaplock - why permission changes use mprotect (seed 001): threads
 * faulting in fresh pages while one thread elsewhere in the same process
 * flips the protection of its own 2 MiB region, with mprotect (what libpal
 * does) or by replacing it with mmap(MAP_FIXED) (a fresh mapping), or not
 * at all.  Both take the process's mmap_lock for writing; a fault needs it
 * for reading (or, since Linux 6.4, only its VMA's lock), so the longer
 * the writer holds it, the fewer pages the faulting threads get.
 *
 * Throughput of the faulting threads, in pages per millisecond, median over
 * interleaved rounds of PERIOD each.  This machine has 2 cores: with 1
 * faulting thread and the flipper every thread has a core; with 2 faulting
 * threads and the flipper there are 3 threads on 2 cores.
 */
#include <pthread.h>
#include <sys/mman.h>

#include "bench.h"

#define REGION ((size_t)64 << 20)
#define PERIOD_NS 300e6

enum flip { NONE, MPROTECT, MMAP_FIXED, FLIPS };
static const char *const flip_name[FLIPS] = { "no flipper", "mprotect", "mmap(MAP_FIXED)" };

static volatile int stop;
static size_t ps;

struct faulter {
    pthread_t t;
    unsigned char *region;
    size_t pages;
};

static void *fault_loop(void *arg)
{
    struct faulter *f = arg;
    size_t i;

    while (!stop) {
        for (i = 0; i < REGION && !stop; i += ps) {
            f->region[i] = 1;
            f->pages++;
        }
        madvise(f->region, REGION, MADV_DONTNEED);
    }
    return NULL;
}

static void *flip_loop(void *arg)
{
    enum flip how = (enum flip)(intptr_t)arg;
    size_t n = 2 << 20;
    void *r = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int ro = 0;

    while (!stop) {
        ro = !ro;
        if (how == MPROTECT)
            mprotect(r, n, ro ? PROT_READ : PROT_READ | PROT_WRITE);
        else
            mmap(r, n, ro ? PROT_READ : PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    }
    munmap(r, n);
    return NULL;
}

/* Pages per ms faulted by `threads` faulting threads during one period. */
static double run(int threads, enum flip how)
{
    struct faulter f[2];
    pthread_t flipper;
    struct timespec period = { 0, (long)PERIOD_NS };
    double t0, t1;
    size_t total = 0;
    int i;

    stop = 0;
    for (i = 0; i < threads; i++) {
        f[i].region = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        f[i].pages = 0;
    }
    if (how != NONE)
        pthread_create(&flipper, NULL, flip_loop, (void *)(intptr_t)how);
    t0 = bench_now();
    for (i = 0; i < threads; i++)
        pthread_create(&f[i].t, NULL, fault_loop, &f[i]);
    nanosleep(&period, NULL);
    stop = 1;
    for (i = 0; i < threads; i++) {
        pthread_join(f[i].t, NULL);
        total += f[i].pages;
    }
    t1 = bench_now();
    if (how != NONE)
        pthread_join(flipper, NULL);
    for (i = 0; i < threads; i++)
        munmap(f[i].region, REGION);
    return (double)total / ((t1 - t0) / 1e6);
}

int main(void)
{
    int rounds = bench_rounds(9), r, k, threads;
    double v[2][FLIPS][BENCH_MAX_ROUNDS];

    ps = pal_mem_page_size();
    for (r = 0; r < rounds; r++)
        for (threads = 1; threads <= 2; threads++)
            for (k = 0; k < FLIPS; k++) {
                enum flip how = (enum flip)((k + r) % FLIPS);

                v[threads - 1][how][r] = run(threads, how);
            }
    for (threads = 1; threads <= 2; threads++) {
        double base = bench_median(v[threads - 1][NONE], rounds);

        for (k = 0; k < FLIPS; k++) {
            double m = bench_median(v[threads - 1][k], rounds);

            printf("| %d faulting + %s | %.0f | %.2f |\n", threads,
                   k == NONE ? "no flipper" : flip_name[k], m, m / base);
        }
    }
    return 0;
}
