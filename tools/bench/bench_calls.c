/*
 * bench_calls - system calls per public function and policy, as the
 * library counts them (stats.os_calls around the call), after a first call
 * of each that may probe a feature or read a fact once.
 *
 *   bench_calls                 markdown rows: function | calls per policy
 *   bench_calls one F P N       N calls of function F under policy P (a
 *                               GODEBUG-style string) with their set-up;
 *                               prints the calls the library counted for
 *                               them, which `strace -f -c` confirms
 *   bench_calls promise         markdown rows: calls per unused+used pair
 *                               and per purge on a range that asked for
 *                               nothing, by what other ranges of the
 *                               process asked for (the cost promise)
 *
 * Each case runs in a child forked before the library is first used, so
 * that none inherits another's learnt state (marks turned on, fallbacks).
 */
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

static const char *const policies[] = {
    "", "madvdontneed=0", "harddecommit=1", "disablethp=1", "thpgranular=0",
};
#define POLICIES (sizeof policies / sizeof policies[0])

static const char *const functions[] = {
    "reserve", "reserve_at", "reserve_aligned", "map", "used", "used (after unused)",
    "unused (aligned ends)", "unused (ends apart)", "alloc", "free", "fault",
    "protect", "hugepage", "nohugepage", "unused_ranges (64 ranges)", "populate",
    "resident", "used (after an unused under harddecommit=1 earlier)",
};
#define FUNCTIONS (sizeof functions / sizeof functions[0])

static size_t ps, hps;

/* One call of function f (its set-up untimed and uncounted); the calls it
 * issued. */
static size_t one(size_t f)
{
    size_t n = 4 * hps, c0, c1, i;
    struct pal_mem_range r[64];
    unsigned char *p;
    void *v;

    BENCH_OK(pal_mem_reserve_aligned(n, hps, &v));
    p = v;
    if (f != 1 && f != 0 && f != 2 && f != 3) {
        BENCH_OK(pal_mem_map(p, n));
        if (f != 4) { /* used: from Prepared, untouched */
            BENCH_OK(pal_mem_used(p, n));
            for (i = 0; i < n; i += ps)
                p[i] = 1;
        }
        if (f == 5)
            BENCH_OK(pal_mem_unused(p + hps, hps));
        if (f == 17) { /* released under harddecommit, the policy back after */
            unsigned saved = pal_mem_policy();

            BENCH_OK(pal_mem_set_policy(saved | PAL_POLICY_HARD_DECOMMIT));
            BENCH_OK(pal_mem_unused(p + hps, hps));
            BENCH_OK(pal_mem_set_policy(saved));
        }
    }
    if (f == 1 || f == 0)
        BENCH_OK(pal_mem_free(p, n));
    for (i = 0; i < 64; i++) {
        r[i].v = p + 2 * i * ps;
        r[i].n = ps;
    }
    c0 = bench_os_calls();
    switch (f) {
    case 0: BENCH_OK(pal_mem_reserve(NULL, n, &v)); p = v; break;
    case 1: BENCH_OK(pal_mem_reserve_at(p, n)); break;
    case 2: BENCH_OK(pal_mem_reserve_aligned(n, hps, &v)); break;
    case 3: BENCH_OK(pal_mem_map(p, n)); break;
    case 4: BENCH_OK(pal_mem_used(p, n)); break;
    case 5: BENCH_OK(pal_mem_used(p + hps, hps)); break;
    case 6: BENCH_OK(pal_mem_unused(p + hps, hps)); break;
    case 7: BENCH_OK(pal_mem_unused(p + ps, 2 * hps)); break;
    case 8: BENCH_OK(pal_mem_alloc(hps, &v)); break;
    case 9: BENCH_OK(pal_mem_free(p + hps, hps)); break;
    case 10: BENCH_OK(pal_mem_fault(p + hps, hps)); break;
    case 11: BENCH_OK(pal_mem_protect(p + hps, hps, PAL_PROT_READ)); break;
    case 12: BENCH_OK(pal_mem_hugepage(p, n)); break;
    case 13: BENCH_OK(pal_mem_nohugepage(p, n)); break;
    case 14: BENCH_OK(pal_mem_unused_ranges(r, 64, NULL)); break;
    case 15: BENCH_OK(pal_mem_populate(p, n)); break;
    case 16: { size_t b; BENCH_OK(pal_mem_resident(p, n, &b)); } break;
    case 17: BENCH_OK(pal_mem_used(p + hps, hps)); break;
    }
    c1 = bench_os_calls();
    if (f == 2)
        BENCH_OK(pal_mem_free(v, n));
    if (f == 8)
        BENCH_OK(pal_mem_free(v, hps));
    if (f == 0)
        p = v;
    BENCH_OK(pal_mem_free(p, n));
    return c1 - c0;
}

/* ---- the cost promise ---------------------------------------------- */

static const char *const askers[] = {
    "nothing, anywhere in the process",
    "other ranges: huge pages (hugepage, their ends marked by unused)",
    "other ranges: huge pages and guard pages",
    "other ranges: huge pages, guard pages, protect(READ)",
    "other ranges: all that and a release under harddecommit=1",
    "record full: 72 other ranges asked huge pages and protected (the fallback)",
    "contrast: the range itself asked huge pages",
    "contrast: the range itself protected READ, then READ+WRITE",
};
#define ASKERS (sizeof askers / sizeof askers[0])
#define PAIRS 1000

/* What row a asks for, on other ranges (in o, 8 huge pages) or on the
 * measured range itself (p, 4 huge pages). */
static void ask(size_t a, unsigned char *o, unsigned char *p)
{
    size_t i;

    if (a >= 1 && a <= 4) {
        BENCH_OK(pal_mem_hugepage(o, 4 * hps));
        BENCH_OK(pal_mem_unused(o + ps, 4 * hps - 2 * ps));
        BENCH_OK(pal_mem_used(o + ps, 4 * hps - 2 * ps));
    }
    if (a >= 2 && a <= 4)
        (void)pal_mem_guard(o + 4 * hps, ps);
    if (a >= 3 && a <= 4)
        BENCH_OK(pal_mem_protect(o + 5 * hps, ps, PAL_PROT_READ));
    if (a == 4) {
        unsigned saved = pal_mem_policy();

        BENCH_OK(pal_mem_set_policy(saved | PAL_POLICY_HARD_DECOMMIT));
        BENCH_OK(pal_mem_unused(o + 6 * hps, hps));
        BENCH_OK(pal_mem_set_policy(saved));
    }
    if (a == 5)
        for (i = 0; i < 72; i++) {
            BENCH_OK(pal_mem_hugepage(o + 2 * i * ps, ps));
            BENCH_OK(pal_mem_protect(o + 2 * i * ps, ps, PAL_PROT_READ));
        }
    if (a == 6)
        BENCH_OK(pal_mem_hugepage(p, 4 * hps));
    if (a == 7) {
        BENCH_OK(pal_mem_protect(p, 4 * hps, PAL_PROT_READ));
        BENCH_OK(pal_mem_protect(p, 4 * hps, PAL_PROT_READ | PAL_PROT_WRITE));
    }
}

/* calls[0]: per unused+used pair, calls[1]: per purge, each times 100,
 * on [p + ps, p + 4 huge pages - ps): both ends inside huge pages. */
static void promise(size_t a, size_t *calls)
{
    unsigned char *o, *p;
    size_t n = 4 * hps - 2 * ps, c0, pairs = 0, purges = 0, i;
    void *v;

    BENCH_OK(pal_mem_reserve_aligned(8 * hps, hps, &v));
    o = v;
    BENCH_OK(pal_mem_map(o, 8 * hps));
    BENCH_OK(pal_mem_used(o, 8 * hps));
    BENCH_OK(pal_mem_reserve_aligned(4 * hps, hps, &v));
    p = v;
    BENCH_OK(pal_mem_map(p, 4 * hps));
    BENCH_OK(pal_mem_used(p, 4 * hps));
    /* a first pair reads what is read once (the overcommit mode) */
    BENCH_OK(pal_mem_unused(p + ps, n));
    BENCH_OK(pal_mem_used(p + ps, n));
    ask(a, o, p);
    for (i = 0; i < PAIRS; i++) {
        c0 = bench_os_calls();
        BENCH_OK(pal_mem_unused(p + ps, n));
        BENCH_OK(pal_mem_used(p + ps, n));
        pairs += bench_os_calls() - c0;
        p[ps] = 1;
        c0 = bench_os_calls();
        BENCH_OK(pal_mem_purge(p + ps, n, PAL_PURGE_LAZY));
        purges += bench_os_calls() - c0;
    }
    calls[0] = pairs * 100 / PAIRS;
    calls[1] = purges * 100 / PAIRS;
}

/* measure(c, out) in a child forked for it, its n results copied back
 * into out through a pipe: what the library learns in case c (marks turned
 * on, fallbacks) ends with the child.  0, or 1 where the pipe, the fork or
 * the child failed. */
static int in_child(void (*measure)(size_t c, size_t *out), size_t c, size_t *out, size_t n)
{
    ssize_t size = (ssize_t)(n * sizeof *out);
    int fd[2];
    pid_t pid;

    if (pipe(fd) != 0 || (pid = fork()) < 0)
        return 1;
    if (pid == 0) {
        close(fd[0]);
        measure(c, out);
        if (write(fd[1], out, (size_t)size) != size)
            _exit(1);
        _exit(0);
    }
    close(fd[1]);
    if (read(fd[0], out, (size_t)size) != size)
        return 1;
    close(fd[0]);
    waitpid(pid, NULL, 0);
    return 0;
}

static int promise_table(void)
{
    size_t a, calls[2];

    for (a = 0; a < ASKERS; a++) {
        if (in_child(promise, a, calls, 2) != 0)
            return 1;
        printf("| %s | %zu.%02zu | %zu.%02zu |\n", askers[a], calls[0] / 100, calls[0] % 100,
               calls[1] / 100, calls[1] % 100);
    }
    return 0;
}

static void set_policy(const char *s)
{
    unsigned flags;

    BENCH_OK(pal_mem_parse_policy(s, &flags));
    BENCH_OK(pal_mem_set_policy(flags));
}

/* *count: the calls of function c % FUNCTIONS under policy c / FUNCTIONS. */
static void count_calls(size_t c, size_t *count)
{
    set_policy(policies[c / FUNCTIONS]);
    (void)one(c % FUNCTIONS); /* first use: probes and facts */
    *count = one(c % FUNCTIONS);
}

int main(int argc, char **argv)
{
    size_t counts[POLICIES][FUNCTIONS], f, k;

    ps = pal_mem_page_size();
    hps = pal_mem_huge_page_size() ? pal_mem_huge_page_size() : 2 << 20;
    if (argc == 2 && strcmp(argv[1], "promise") == 0)
        return promise_table();
    if (argc == 5 && strcmp(argv[1], "one") == 0) {
        long n = atol(argv[4]), i;
        size_t c0;

        f = (size_t)atoi(argv[2]);
        set_policy(argv[3]);
        (void)one(f); /* first use: probes */
        c0 = bench_os_calls();
        for (i = 0; i < n; i++)
            (void)one(f);
        /* everything the library issued, set-up included: what strace sees */
        printf("%zu\n", bench_os_calls() - c0);
        return 0;
    }
    /* a child per policy and function, forked before the library is used:
     * each count is of a library that learnt nothing from another case
     * (pal_mem_hugepage, for one, turns the end marks on for good) */
    for (k = 0; k < POLICIES; k++)
        for (f = 0; f < FUNCTIONS; f++)
            if (in_child(count_calls, k * FUNCTIONS + f, &counts[k][f], 1) != 0)
                return 1;
    for (f = 0; f < FUNCTIONS; f++) {
        printf("| %2zu | %s |", f, functions[f]);
        for (k = 0; k < POLICIES; k++)
            printf(" %zu |", counts[k][f]);
        printf("\n");
    }
    return 0;
}
