/*
 * bench.h - what the benchmarks share: a clock, medians, interleaved rounds,
 * and markdown output.  The method everywhere: the contenders of one
 * table run side by side in one process, in rounds, their order rotated
 * each round (so that none always runs first, on a cold cache, or last,
 * after a neighbour's burst); each figure is the median over the rounds,
 * and ratios are of medians.  These machines are shared and noisy: a
 * median of interleaved rounds is what survives that.
 */
#ifndef PAL_BENCH_H
#define PAL_BENCH_H

#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pal_mem.h"

#define BENCH_MAX_ROUNDS 64

static inline double bench_now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static inline double bench_median(const double *v, int n)
{
    double s[BENCH_MAX_ROUNDS];
    int i;

    for (i = 0; i < n; i++)
        s[i] = v[i];
    qsort(s, (size_t)n, sizeof s[0], bench_cmp);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Rounds from PAL_BENCH_ROUNDS (default def), at most BENCH_MAX_ROUNDS. */
static inline int bench_rounds(int def)
{
    const char *e = getenv("PAL_BENCH_ROUNDS");
    int r = e ? atoi(e) : def;

    return r < 3 ? 3 : r > BENCH_MAX_ROUNDS ? BENCH_MAX_ROUNDS : r;
}

static inline size_t bench_os_calls(void)
{
    struct pal_mem_stats s;

    pal_mem_get_stats(&s);
    return s.os_calls;
}

/* Resident anonymous memory of this process, in KiB, from /proc. */
static inline long bench_rss_kb(void)
{
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "RssAnon:", 8) == 0)
            kb = strtol(line + 8, NULL, 10);
    fclose(f);
    return kb;
}

/* Mappings of this process (lines of /proc/self/maps). */
static inline long bench_vmas(void)
{
    char buf[4096];
    long n = 0;
    size_t got, i;
    FILE *f = fopen("/proc/self/maps", "r");

    if (f == NULL)
        return -1;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        for (i = 0; i < got; i++)
            n += buf[i] == '\n';
    fclose(f);
    return n;
}

static inline void bench_die(const char *what, int err)
{
    fprintf(stderr, "bench: %s: %s\n", what, pal_strerror(err));
    exit(1);
}

#define BENCH_OK(call)                                                        \
    do {                                                                      \
        int bench_e_ = (call);                                                \
        if (bench_e_ != PAL_OK)                                               \
            bench_die(#call, bench_e_);                                       \
    } while (0)

#endif
