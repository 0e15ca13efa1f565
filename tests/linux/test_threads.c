/*
 * test_threads.c - threads and signals (Linux, hosted: pthreads).
 *
 * The header promises that every function is thread-safe and
 * async-signal-safe.  Each test runs in a fresh child process (the parent
 * never calls the library), so the first calls of the library race too:
 *
 *   first_calls_race      eight threads make the very first call at once
 *                         (features, init, page size, alloc, ...), in
 *                         fresh processes, and agree on what they learn;
 *   threads_and_signals   workers make random transitions on their own
 *                         slices of one reservation, checking the contents
 *                         of each page, while others probe the optional
 *                         features for the first time, read the counters
 *                         and change the policy, and a 1 ms timer's
 *                         SIGALRM handler makes used and unused calls of
 *                         its own on a slice of the interrupted thread's;
 *   stats_count_every_call  threads make calls whose cost in OS calls was
 *                         measured alone; after the joins the counters
 *                         (striped per thread, summed on read) must have
 *                         grown by exactly that many.
 *
 * A check that fails in any thread is recorded (the first one wins) and
 * reported by the child after the joins; a fault ends the child, which
 * fails the test.
 */
#include <pthread.h>
#include <sched.h>
#include <sys/time.h>
#include <time.h>

#include "lx_util.h"

#define WORKERS 6
#define SLICE_PAGES 16
#define HANDLER_PAGES 4
#define WORKER_OPS 1500
/* Under qemu-user emulating a page size larger than the host's (-p 65536),
 * every call the library makes costs many of the host's, and the timer's
 * handlers take most of the time: a fifth of the operations there. */
static unsigned long worker_ops = WORKER_OPS;
#define MIN_SIGNALS 200
#define RACE_THREADS 8
#define RACE_ROUNDS 12
#define STATS_THREADS 8
#define STATS_CYCLES 200

/* threads: workers, then the stats reader, the policy changer, two
 * first-time probers, and the main thread */
#define READER WORKERS
#define CHANGER (WORKERS + 1)
#define PROBER0 (WORKERS + 2)
#define THREADS (WORKERS + 4)
#define MAIN_THREAD THREADS

/* ---- failures from any thread ------------------------------------------ */

static int failed;

static void fail_at(int line, const char *what, unsigned long long a, unsigned long long b)
{
    int zero = 0;

    if (__atomic_compare_exchange_n(&failed, &zero, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
        lx_rep->line = line;
        lx_rep->expr = what;
        lx_rep->kind = 1;
        lx_rep->a = a;
        lx_rep->b = b;
    }
}

#define T_CHECK_EQ(x, y)                                                      \
    do {                                                                      \
        unsigned long long t_a_ = (unsigned long long)(x);                    \
        unsigned long long t_b_ = (unsigned long long)(y);                    \
        if (t_a_ != t_b_)                                                     \
            fail_at(__LINE__, #x " == " #y, t_a_, t_b_);                      \
    } while (0)

/* the child's verdict after its threads have joined */
static int verdict(void)
{
    return __atomic_load_n(&failed, __ATOMIC_SEQ_CST) ? LX_CHILD_FAIL : 0;
}

/* ---- randomness (per thread) -------------------------------------------- */

static uint32_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static uint32_t below(uint64_t *s, uint32_t n)
{
    return (uint32_t)(((uint64_t)next(s) * n) >> 32);
}

/* All threads of a start line leave it together. */
static void start_line(int *arrived, int count)
{
    __atomic_fetch_add(arrived, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(arrived, __ATOMIC_SEQ_CST) < count)
        sched_yield();
}

/* ==== the first calls, racing ========================================== */

struct first {
    int kind;
    size_t ps, hps;
    unsigned feats;
    int rc;
};

static int race_arrived;

/* Eight different first calls (round 0: eight pal_mem_features, the call
 * that raced on the page size words before they were atomic). */
static void *first_call(void *arg)
{
    struct first *f = arg;
    void *v = NULL;

    start_line(&race_arrived, RACE_THREADS);
    switch (f->kind) {
    case 0: f->feats = pal_mem_features(); break;
    case 1: f->rc = pal_mem_init(); break;
    case 2: f->ps = pal_mem_page_size(); break;
    case 3: f->hps = pal_mem_huge_page_size(); break;
    case 4:
        /* not written: another thread's alloc may get the same address
         * after this free, which ThreadSanitizer would take for a race
         * (see tests/tsan.supp) */
        f->rc = pal_mem_alloc(4096 * 16, &v);
        if (f->rc == PAL_OK)
            f->rc = pal_mem_free(v, 4096 * 16);
        break;
    case 5:
        f->rc = pal_mem_reserve(NULL, 4096 * 16, &v);
        if (f->rc == PAL_OK)
            f->rc = pal_mem_free(v, 4096 * 16);
        break;
    case 6: f->rc = pal_mem_unused_zeroes() == 1 ? PAL_OK : PAL_EOS; break;
    default: f->rc = pal_mem_huge_page_sizes(NULL, 0) <= 64 ? PAL_OK : PAL_EOS; break;
    }
    /* after the race, every thread's view */
    if (f->ps == 0)
        f->ps = pal_mem_page_size();
    if (f->feats == 0)
        f->feats = pal_mem_features();
    if (f->hps == 0)
        f->hps = pal_mem_huge_page_size();
    return NULL;
}

static int race_child(void *arg)
{
    int round = *(int *)arg, i;
    struct first f[RACE_THREADS];
    pthread_t t[RACE_THREADS];
    struct pal_mem_stats st;

    pal_mem_get_stats(&st);
    if (st.os_calls != 0)
        C_SKIP("the library was initialised before the fork");
    race_arrived = 0;
    for (i = 0; i < RACE_THREADS; i++) {
        th_memset(&f[i], 0, sizeof f[i]);
        f[i].kind = round == 0 ? 0 : (i + round) % 8;
        C_CHECK(pthread_create(&t[i], NULL, first_call, &f[i]) == 0);
    }
    for (i = 0; i < RACE_THREADS; i++)
        C_CHECK(pthread_join(t[i], NULL) == 0);
    for (i = 0; i < RACE_THREADS; i++) {
        C_CHECK_OK(f[i].rc);
        C_CHECK_EQ(f[i].ps, pal_mem_page_size());
        C_CHECK_EQ(f[i].hps, pal_mem_huge_page_size());
        C_CHECK_EQ(f[i].feats, pal_mem_features());
    }
    C_CHECK(pal_mem_page_size() >= 4096);
    /* 64 KiB pages: the allocations above were 16 pages of 4 KiB */
    C_CHECK(((4096 * 16) & (pal_mem_page_size() - 1)) == 0);
    return 0;
}

static void first_calls_race(void)
{
    int round;

    for (round = 0; round < RACE_ROUNDS; round++)
        RUN_CHILD(race_child, &round);
    th_note("%d fresh processes, %d threads making their first call at once in each",
            RACE_ROUNDS, RACE_THREADS);
}

/* ==== transitions, probes, counters, policy and signals ================= */

enum { R, P, W }; /* Reserved, Prepared, Ready (read-write) */

struct slice {
    unsigned char *base;
    unsigned char state[SLICE_PAGES];
    short content[SLICE_PAGES]; /* Ready: every byte; else what used shows */
};

static size_t ps;
static unsigned char *arena;                /* one reservation for all */
static struct slice slices[WORKERS];
static unsigned char *handler_slice[THREADS + 1];
static unsigned long handled[THREADS + 1];  /* signals, per thread */
static __thread int self = -1;              /* this thread's number */
static int workers_done, stop;
static int waited_out; /* the workers were stopped at the 20 s bound */
static unsigned long want_signals = MIN_SIGNALS; /* the workers go on until so many */
static int timer_on;   /* the 1 ms timer was started */
static unsigned long ops[WORKERS], reads, changes, probes_run;
static unsigned policies_seen;
static int go;

/* Every byte of [p, p + n) is b. */
static int holds(const unsigned char *p, size_t n, unsigned char b)
{
    return th_all_bytes(p, n, b);
}

static void fill(unsigned char *p, size_t n, unsigned char b)
{
    th_memset(p, b, n);
}

/* The handler: used, check zero, write, check, unused, on the next page
 * of the interrupted thread's own handler slice.  Only library calls and
 * plain memory accesses: async-signal-safe by the header's promise. */
static void on_alarm(int sig)
{
    int me = self, saved = errno;
    unsigned long count;
    unsigned char *p;
    unsigned char b;

    (void)sig;
    if (me < 0 || __atomic_load_n(&handler_slice[me], __ATOMIC_ACQUIRE) == NULL)
        return;
    count = __atomic_load_n(&handled[me], __ATOMIC_RELAXED);
    p = handler_slice[me] + (count % HANDLER_PAGES) * ps;
    b = (unsigned char)(0x40 + count % 64);
    if (pal_mem_used(p, ps) != PAL_OK)
        fail_at(__LINE__, "pal_mem_used in the handler", (unsigned long long)(uintptr_t)p, 0);
    else if (!holds(p, ps, 0))
        fail_at(__LINE__, "zero after unused+used, in the handler", p[0], 0);
    else {
        fill(p, ps, b);
        if (!holds(p, ps, b))
            fail_at(__LINE__, "contents written in the handler", p[0], b);
        if (pal_mem_unused(p, ps) != PAL_OK)
            fail_at(__LINE__, "pal_mem_unused in the handler", (unsigned long long)(uintptr_t)p, 0);
    }
    /* only this thread's handler counts here; others read the sum */
    __atomic_store_n(&handled[me], count + 1, __ATOMIC_RELAXED);
    errno = saved;
}

static unsigned long signals_handled(void)
{
    unsigned long n = 0;
    int i;

    for (i = 0; i <= THREADS; i++)
        n += __atomic_load_n(&handled[i], __ATOMIC_RELAXED);
    return n;
}

/* Make this thread's handler slice ready for the handler: every page
 * Prepared with zero to show (used, unused). */
static void own_handler_slice(int me)
{
    unsigned char *h = arena + (size_t)(WORKERS * SLICE_PAGES + me * HANDLER_PAGES) * ps;

    self = me;
    if (pal_mem_map(h, HANDLER_PAGES * ps) != PAL_OK)
        fail_at(__LINE__, "pal_mem_map(handler slice)", me, 0);
    __atomic_store_n(&handler_slice[me], h, __ATOMIC_RELEASE);
}

/* Release [a, a + n) of the slice, one range or two. */
static int release(struct slice *s, size_t a, size_t n, int two)
{
    struct pal_mem_range r[2];
    size_t done = 99, i;
    int rc;

    if (two && n > 1) {
        r[0].v = s->base + a * ps;
        r[0].n = ps;
        r[1].v = s->base + (a + 1) * ps;
        r[1].n = (n - 1) * ps;
        rc = pal_mem_unused_ranges(r, 2, &done);
        if (rc == PAL_OK)
            T_CHECK_EQ(done, 2);
    } else {
        rc = pal_mem_unused(s->base + a * ps, n * ps);
    }
    /* the policy changer keeps madvdontneed: released memory reads back
     * zero whatever else it sets */
    for (i = a; i < a + n; i++) {
        s->state[i] = P;
        s->content[i] = 0;
    }
    return rc;
}

static int to_reserved(struct slice *s, size_t a, size_t n)
{
    size_t i;

    for (i = a; i < a + n; i++) {
        s->state[i] = R;
        s->content[i] = 0; /* zero once Ready again */
    }
    return pal_mem_fault(s->base + a * ps, n * ps);
}

/* One random transition on a run of pages in one state of the worker's
 * slice, checked against its model. */
static void step(int w, uint64_t *rng)
{
    struct slice *s = &slices[w];
    size_t a = below(rng, SLICE_PAGES), n = 1 + below(rng, 4), i;
    unsigned char *p = s->base + a * ps;
    unsigned op = below(rng, 10);
    int rc = PAL_OK;
    unsigned char b;

    if (a + n > SLICE_PAGES)
        n = SLICE_PAGES - a;
    for (i = a + 1; i < a + n; i++)
        if (s->state[i] != s->state[a]) {
            n = i - a;
            break;
        }
    if (s->state[a] == R) {
        rc = pal_mem_map(p, n * ps);
        for (i = a; i < a + n; i++)
            s->state[i] = P;
    } else if (s->state[a] == P && op < 6) {
        rc = pal_mem_used(p, n * ps);
        for (i = a; i < a + n && rc == PAL_OK; i++) {
            if (!holds(s->base + i * ps, ps, (unsigned char)s->content[i]))
                fail_at(__LINE__, "contents after used", s->base[i * ps], s->content[i]);
            s->state[i] = W;
        }
    } else if (s->state[a] == P) {
        rc = op < 8 ? release(s, a, n, op == 7) : to_reserved(s, a, n);
    } else if (op < 2) {
        rc = to_reserved(s, a, n);
    } else if (op < 4) {
        rc = release(s, a, n, op == 3);
    } else if (op < 7) {
        b = (unsigned char)(1 + below(rng, 255));
        fill(p, n * ps, b);
        for (i = a; i < a + n; i++)
            s->content[i] = b;
    } else if (op == 7) {
        /* read-only for a moment, then read-write again */
        rc = pal_mem_protect(p, n * ps, PAL_PROT_READ);
        if (rc == PAL_OK)
            rc = pal_mem_protect(p, n * ps, PAL_PROT_READ | PAL_PROT_WRITE);
    } else if (op == 8) {
        rc = pal_mem_populate(p, n * ps);
    }
    if (rc != PAL_OK)
        fail_at(__LINE__, "a transition failed (op, PAL code)", op, (unsigned)rc);
    for (i = a; i < a + n; i++) /* Ready pages hold what was written */
        if (s->state[i] == W && !holds(s->base + i * ps, ps, (unsigned char)s->content[i]))
            fail_at(__LINE__, "contents of a Ready page", s->base[i * ps], s->content[i]);
}

static void *worker(void *arg)
{
    int w = (int)(intptr_t)arg;
    uint64_t rng = 0x1234567ull * (uint64_t)(w + 1);
    unsigned long k;

    own_handler_slice(w);
    while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
        sched_yield();
    /* the ops asked for, and on until the timer has fired often enough;
     * until a failure, or the main thread's 20 s bound (under emulation
     * the handlers can take most of the time) */
    for (k = 0; !__atomic_load_n(&failed, __ATOMIC_RELAXED) &&
                !__atomic_load_n(&stop, __ATOMIC_RELAXED) &&
                (k < worker_ops || signals_handled() < want_signals);
         k++)
        step(w, &rng);
    ops[w] = k;
    /* The last worker stops the timer: under emulation a handler may take
     * longer than the 1 ms period, and a thread left alone with the signal
     * (the main thread, waiting for the workers) would then do nothing but
     * run the handler. */
    if (__atomic_fetch_add(&workers_done, 1, __ATOMIC_SEQ_CST) + 1 == WORKERS &&
        __atomic_load_n(&timer_on, __ATOMIC_SEQ_CST)) {
        struct itimerval off = { { 0, 0 }, { 0, 0 } };

        (void)setitimer(ITIMER_REAL, &off, NULL);
    }
    return NULL;
}

/* The counters only grow: each stripe does, and a later read reads each
 * stripe after the earlier read did. */
static void *stats_reader(void *arg)
{
    struct pal_mem_stats before, now;
    unsigned long n = 0;

    (void)arg;
    own_handler_slice(READER);
    pal_mem_get_stats(&before);
    while (__atomic_load_n(&workers_done, __ATOMIC_SEQ_CST) < WORKERS) {
        pal_mem_get_stats(&now);
        if (now.os_calls < before.os_calls || now.fallbacks < before.fallbacks)
            fail_at(__LINE__, "the counters went back", before.os_calls, now.os_calls);
        before = now;
        n++;
    }
    reads = n;
    return NULL;
}

/* Policies that keep madvdontneed (so the workers' released memory reads
 * back zero, as they expect) with any of the others. */
static void *policy_changer(void *arg)
{
    uint64_t rng = 0xfeedull;
    unsigned long n = 0;
    unsigned p;

    (void)arg;
    own_handler_slice(CHANGER);
    while (__atomic_load_n(&workers_done, __ATOMIC_SEQ_CST) < WORKERS) {
        p = PAL_POLICY_DONTNEED | (below(&rng, 8) << 1);
        if (pal_mem_set_policy(p) != PAL_OK)
            fail_at(__LINE__, "pal_mem_set_policy", p, 0);
        __atomic_fetch_or(&policies_seen, 1u << p, __ATOMIC_RELAXED);
        n++;
        sched_yield();
    }
    changes = n;
    return NULL;
}

/* The optional features, probed for the first time while the workers run;
 * both probers must learn the same. */
struct probed {
    unsigned feats, nodes;
    size_t sizes;
};

static struct probed probed[2];

static void *prober(void *arg)
{
    int i = (int)(intptr_t)arg;

    own_handler_slice(PROBER0 + i);
    while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
        sched_yield();
    if (i == 0) {
        probed[i].feats = pal_mem_features();
        probed[i].sizes = pal_mem_huge_page_sizes(NULL, 0);
        probed[i].nodes = pal_mem_numa_nodes();
    } else {
        probed[i].nodes = pal_mem_numa_nodes();
        probed[i].sizes = pal_mem_huge_page_sizes(NULL, 0);
        probed[i].feats = pal_mem_features();
    }
    __atomic_fetch_add(&probes_run, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void *(*const thread_fn[THREADS])(void *) = {
    [0 ... WORKERS - 1] = worker,
    [READER] = stats_reader,
    [CHANGER] = policy_changer,
    [PROBER0] = prober,
    [PROBER0 + 1] = prober,
};

/* Whether a thread is still itself after a signal: libc only, in a child
 * of its own.  qemu-i386 7.2 reloads %gs on sigreturn from a descriptor
 * table all emulated threads share, so after a signal the thread's TLS is
 * that of the thread created last (pthread_join then answers EDEADLK: the
 * joiner takes itself for the thread it joins).  No library call can be
 * trusted to run there once a signal arrived. */
static void nothing(int sig)
{
    (void)sig;
}

static void *wait_for_go(void *arg)
{
    while (!__atomic_load_n((int *)arg, __ATOMIC_ACQUIRE))
        sched_yield();
    return NULL;
}

/* This thread's own mark, read afresh each time: through a function
 * pointer the compiler cannot see through (pthread_self is declared
 * const, and a TLS address may be computed once per function). */
static __thread int mark;

static int read_mark(void)
{
    return *(volatile int *)&mark;
}

static int (*volatile mark_now)(void) = read_mark;

static int tls_child(void *arg)
{
    pthread_t other;
    struct sigaction sa;
    int release = 0, same;

    (void)arg;
    mark = 1; /* the other thread's is 0 */
    th_memset(&sa, 0, sizeof sa);
    sa.sa_handler = nothing;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) != 0 ||
        pthread_create(&other, NULL, wait_for_go, &release) != 0)
        return 2;
    raise(SIGUSR1);
    same = mark_now() == 1;
    __atomic_store_n(&release, 1, __ATOMIC_RELEASE);
    if (same)
        pthread_join(other, NULL);
    return same ? 0 : 1;
}

static int threads_child(void *arg)
{
    size_t pages = WORKERS * SLICE_PAGES + (THREADS + 1) * HANDLER_PAGES, i;
    struct itimerval tick = { { 0, 1000 }, { 0, 1000 } }, off = { { 0, 0 }, { 0, 0 } };
    struct sigaction sa;
    pthread_t t[THREADS];
    struct pal_mem_stats st;
    struct timespec t0, t1;
    int w, k, signals = *(int *)arg;
    void *v;

    pal_mem_get_stats(&st);
    if (st.os_calls != 0)
        C_SKIP("the library was initialised before the fork");
    /* the first call of all (it initialises); the optional features are
     * left for the probers to find */
    ps = pal_mem_page_size();
    if (th_getenv("PAL_TEST_PAGE_SIZE") != NULL && lx_qemu_user())
        worker_ops = WORKER_OPS / 5;
    C_CHECK_OK(pal_mem_reserve(NULL, pages * ps, &v));
    arena = v;
    for (w = 0; w < WORKERS; w++) {
        slices[w].base = arena + (size_t)w * SLICE_PAGES * ps;
        for (i = 0; i < SLICE_PAGES; i++) {
            slices[w].state[i] = R;
            slices[w].content[i] = 0;
        }
    }
    own_handler_slice(MAIN_THREAD);
    th_memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    C_CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
    for (k = 0; k < THREADS; k++)
        C_CHECK(pthread_create(&t[k], NULL, thread_fn[k],
                               (void *)(intptr_t)(k >= PROBER0 ? k - PROBER0 : k)) == 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (signals) {
        __atomic_store_n(&timer_on, 1, __ATOMIC_SEQ_CST);
        C_CHECK(setitimer(ITIMER_REAL, &tick, NULL) == 0);
    } else {
        want_signals = 0; /* no signals to wait for */
    }
    __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
    /* a bound on the run: under emulation the timer may fire seldom, or its
     * handlers take most of the time */
    while (__atomic_load_n(&workers_done, __ATOMIC_SEQ_CST) < WORKERS) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (t1.tv_sec - t0.tv_sec > 20 && !__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
            __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
            waited_out = 1;
        }
        sched_yield();
    }
    if (signals)
        C_CHECK(setitimer(ITIMER_REAL, &off, NULL) == 0);
    for (k = 0; k < THREADS; k++)
        C_CHECK_EQ(pthread_join(t[k], NULL), 0);
    if (verdict() != 0)
        return LX_CHILD_FAIL;
    /* after the joins: every slice as its model says */
    for (w = 0; w < WORKERS; w++)
        for (i = 0; i < SLICE_PAGES; i++)
            if (slices[w].state[i] == W)
                C_CHECK(holds(slices[w].base + i * ps, ps, (unsigned char)slices[w].content[i]));
    C_CHECK_EQ(probes_run, 2);
    C_CHECK_EQ(probed[0].feats, probed[1].feats);
    C_CHECK_EQ(probed[0].sizes, probed[1].sizes);
    C_CHECK_EQ(probed[0].nodes, probed[1].nodes);
    C_CHECK_EQ(probed[0].feats, pal_mem_features());
    /* where the 20 s ran out first (an emulated machine shared with other
     * work), fewer, but the handler must have run on the slices */
    if (signals)
        C_CHECK(signals_handled() >= (waited_out ? MIN_SIGNALS / 20 : MIN_SIGNALS));
    lx_rep->fig[0] = THREADS + 1;
    for (w = 0; w < WORKERS; w++)
        lx_rep->fig[1] += (long)ops[w];
    lx_rep->fig[2] = (long)signals_handled();
    lx_rep->fig[7] = waited_out;
    lx_rep->fig[3] = (long)reads;
    lx_rep->fig[4] = (long)changes;
    for (k = 0; k < 32; k++)
        lx_rep->fig[5] += (policies_seen >> k) & 1;
    for (k = 0; k <= THREADS; k++)
        lx_rep->fig[6] += __atomic_load_n(&handled[k], __ATOMIC_RELAXED) > 0;
    C_CHECK_OK(pal_mem_set_policy(PAL_POLICY_DEFAULT));
    C_CHECK_OK(pal_mem_free(arena, pages * ps));
    return 0;
}

static void threads_and_signals(void)
{
    int signals = th_child(tls_child, NULL) == TH_CHILD_EXIT(0);

    RUN_CHILD(threads_child, &signals);
    th_note("%ld threads: %ld transitions by %d workers, %ld SIGALRM handled "
            "(each a used and an unused, on %ld threads), %ld counter reads, "
            "%ld policy changes (%ld policies)", lx_rep->fig[0], lx_rep->fig[1], WORKERS,
            lx_rep->fig[2], lx_rep->fig[6], lx_rep->fig[3], lx_rep->fig[4], lx_rep->fig[5]);
    if (lx_rep->fig[7])
        th_note("stopped at the 20 s bound: fewer operations, or signals, than asked for "
                "(%lu operations and %d signals a worker)", worker_ops, MIN_SIGNALS);
    if (!signals)
        SKIP("the threads ran, the timer did not: here a thread is not itself after a "
             "signal, without the library too (qemu-i386 7.2 reloads %%gs from a table "
             "all its threads share)");
}

/* ==== every call counted once ============================================ */

static int cycle_arrived;
static size_t cycle_calls, cycle_fallbacks;

/* alloc, protect read-only, protect read-write, resident, free, and a
 * run of current_node calls: a cycle whose OS calls do not depend on the
 * policy (the default) or on other threads.  The current_node calls (a
 * getcpu each, which takes no lock in the kernel, unlike the others,
 * which serialise on the address space's lock) make threads count at the
 * same moments, where an increment that is not atomic would lose some. */
#define NODE_CALLS 128

static int cycle(void)
{
    size_t bytes;
    unsigned node;
    void *v;
    int i;

    for (i = 0; i < NODE_CALLS; i++)
        (void)pal_mem_current_node(&node);

    if (pal_mem_alloc(ps, &v) != PAL_OK)
        return 0;
    if (pal_mem_protect(v, ps, PAL_PROT_READ) != PAL_OK ||
        pal_mem_protect(v, ps, PAL_PROT_READ | PAL_PROT_WRITE) != PAL_OK)
        return 0;
    (void)pal_mem_resident(v, ps, &bytes);
    return pal_mem_free(v, ps) == PAL_OK;
}

static void *cycler(void *arg)
{
    int i;

    (void)arg;
    start_line(&cycle_arrived, STATS_THREADS);
    for (i = 0; i < STATS_CYCLES; i++)
        if (!cycle())
            fail_at(__LINE__, "a counted cycle failed", (unsigned long long)i, 0);
    return NULL;
}

static int stats_child(void *arg)
{
    struct pal_mem_stats a, b;
    pthread_t t[STATS_THREADS];
    int i;

    (void)arg;
    ps = pal_mem_page_size();
    (void)pal_mem_features(); /* probed now, not inside a counted cycle */
    C_CHECK(cycle());
    pal_mem_get_stats(&a);
    C_CHECK(cycle());
    pal_mem_get_stats(&b);
    cycle_calls = b.os_calls - a.os_calls;
    cycle_fallbacks = b.fallbacks - a.fallbacks;
    C_CHECK(cycle_calls >= 4);
    for (i = 0; i < STATS_THREADS; i++)
        C_CHECK(pthread_create(&t[i], NULL, cycler, NULL) == 0);
    for (i = 0; i < STATS_THREADS; i++)
        C_CHECK(pthread_join(t[i], NULL) == 0);
    if (verdict() != 0)
        return LX_CHILD_FAIL;
    pal_mem_get_stats(&a);
    C_CHECK_EQ(a.os_calls - b.os_calls, (size_t)STATS_THREADS * STATS_CYCLES * cycle_calls);
    C_CHECK_EQ(a.fallbacks - b.fallbacks,
               (size_t)STATS_THREADS * STATS_CYCLES * cycle_fallbacks);
    lx_rep->fig[0] = (long)(a.os_calls - b.os_calls);
    lx_rep->fig[1] = (long)cycle_calls;
    return 0;
}

static void stats_count_every_call(void)
{
    RUN_CHILD(stats_child, NULL);
    th_note("%d threads x %d cycles x %ld OS calls: %ld counted", STATS_THREADS, STATS_CYCLES,
            lx_rep->fig[1], lx_rep->fig[0]);
}

const struct th_test th_tests[] = {
    TH(first_calls_race),
    TH(threads_and_signals),
    TH(stats_count_every_call),
    TH_END
};
