/*
 * test_fuzz.c - a model-based fuzzer of pal_mem.h, on every backend.
 *
 * Random sequences of every transition, hint and policy change, over a few
 * regions ("slots") with a canary page at either end, against a model of
 * what the contract promises for each page: its state (None, Reserved,
 * Prepared, Ready), its access, and what it must hold (one byte, or
 * anything where the contract leaves the contents open).  After each
 * operation the pages it touched and their neighbours are checked against
 * the model; every few operations, all of them.  Deliberately bad calls
 * (misaligned, zero, wrapping ranges, unknown bits, NULL outputs) must be
 * PAL_EINVAL, issue no OS call and change nothing.
 *
 * What is checked, where it can be seen:
 *   - return codes, and the out parameters of failed calls;
 *   - contents: kept, zero where promised (after reserve or fault, and
 *     after unused where pal_mem_unused_zeroes() said so at the release),
 *     the canaries always;
 *   - faults where promised (Reserved memory, PROT_NONE and read-only
 *     pages, memory released under harddecommit) and none where the page
 *     is Ready: in this process with a SIGSEGV handler and siglongjmp where
 *     there is a libc with signals, under Windows' exception handler
 *     (th_faults), and without libc in a child per check, for one sampled
 *     page per few operations (a fork per check would cost seconds under
 *     qemu);
 *   - residency (PAL_FEAT_RESIDENT) right after the operations that
 *     promise it: nothing after reserve, fault and a zeroing unused, all
 *     after populate and after writes;
 *   - Linux with a libc: the mappings /proc/self/maps shows over each slot
 *     stay within a bound the model computes (see run_bound), so that a
 *     library splitting mappings finer than its calls' ends shows.
 *
 * Deterministic from its seed, printed first: PAL_FUZZ_SEED=<n> replays a
 * run (decimal or 0x hex), PAL_FUZZ_OPS=<n> sets its length.  Without a
 * seed a build from a git tree takes the last commit that changed pal/ or
 * tests/ (PAL_FUZZ_COMMIT_SEED, see tests/CMakeLists.txt), any other build
 * a new one per run.  A divergence prints the seed, the operation's number
 * and the operations before it.
 *
 * Only the public API and the harness, as test_contract.c, plus the hosted
 * extras above under #if: the same file runs on every Linux architecture
 * (natively, under qemu-user, without libc), under wine, and on the
 * backends forced onto Linux.
 */
#include "pal_test.h"

#if __STDC_HOSTED__ && !defined(_WIN32)
#define FUZZ_SIGNALS 1
#include <setjmp.h>
#include <signal.h>
#endif
#if __STDC_HOSTED__ && defined(__linux__)
#define FUZZ_PROC 1
#include <fcntl.h>
#include <unistd.h>
#endif
#if __STDC_HOSTED__
#include <time.h>
#endif

#define KiB ((size_t)1024)
#define MiB (KiB * KiB)
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define POLICY_ALL (PAL_POLICY_DONTNEED | PAL_POLICY_HARD_DECOMMIT |           \
                    PAL_POLICY_NO_THP | PAL_POLICY_THP_GRANULAR)
#define PROT_RW (PAL_PROT_READ | PAL_PROT_WRITE)
/* Ready memory that used may have left with its old access or made
 * read-write (the contract allows either) where no in-process fault probe
 * can tell which: not touched until protect, unused, fault or free. */
#define PROT_UNSURE 0xffu

#define DEFAULT_OPS 3000

/* ---- the model ---------------------------------------------------------- */

enum pstate {
    P_NONE,     /* not ours (never mapped, or freed) */
    P_RESERVED,
    P_PREPARED,
    P_READY,
    P_TAKEN     /* freed here, then handed to another slot: its business */
};

static const char *const state_name[] = { "None", "Reserved", "Prepared", "Ready", "taken" };

#define C_ANY (-1) /* contents the contract leaves open */

struct page {
    unsigned char state;
    unsigned char prot;     /* Ready: the access (PAL_PROT_*, or PROT_UNSURE) */
    unsigned char noaccess; /* Prepared without access, so faults: released under
                             * harddecommit, or any Prepared page under
                             * strict overcommit (PROT_NONE holds no charge) */
    unsigned char seam;     /* a mapping may start here (run_bound) */
    unsigned char committed; /* map or alloc made it usable since it was
                              * reserved (Windows: part of an allocation) */
    unsigned char narrowed;  /* Windows: protect or guard gave it another
                              * access, and no decommit has reset it since */
    short content;          /* Ready: every byte; otherwise what used will show */
};

#define SLOTS 8
#define HUGE_SLOTS 2 /* slots 0 and 1 may be huge-page aligned, the rest small */
#define SMALL_BODY 16
#define SMALL_CAP (SMALL_BODY + 2)
#define HUGE_MAX (4 * MiB)
#define HUGE_CAP (2 * 1024 + 2) /* two huge pages of up to 1024 pages, two canaries */

struct slot {
    unsigned char *base;
    size_t pages;       /* with the canaries, the first and the last page */
    int live;
    int huge;           /* body [1, pages-1) is two whole huge pages */
    unsigned char canary;
    struct page *pg;
};

static struct page huge_pages[HUGE_SLOTS][HUGE_CAP];
static struct page small_pages[SLOTS - HUGE_SLOTS][SMALL_CAP];

/* Whole regions given back, for reserve_at and reserve hints. */
struct grave {
    unsigned char *base;
    size_t pages;
    int huge;
};

/* Write tracking: an area of its own, acquired with PAL_SPEC_TRACK
 * (Windows needs it), tracked from the first operation on, with the
 * pages written since the last reset known to the model: a page reported
 * clean that the model wrote since then is a divergence.  Writes and
 * reports interleave with every other operation of the run. */
#define TRACK_PAGES 64

static struct {
    unsigned char *base;
    int state;                          /* 0 not yet, 1 tracking, -1 not here */
    unsigned char written[TRACK_PAGES]; /* since the last reset, per the model */
} tr;

#define GRAVES 4
#define LOG_LINES 24
#define LOG_LEN 160

static struct {
    size_t ps, hps;     /* hps: huge slots' huge page, 0 when there are none */
    unsigned shift;     /* log2 of ps */
    unsigned feats;
    int protect;        /* PAL_FEAT_PROTECT: faults exist */
    int resident;       /* PAL_FEAT_RESIDENT */
    int strict;         /* Linux: vm.overcommit_memory=2 */
    int placeholders;   /* Windows: free takes parts of a region */
    int hd_ever;        /* something was released under harddecommit */
    int probe_mode;     /* PROBE_* */
    int child_budget;   /* PROBE_CHILD: forks left for this operation */
    unsigned policy;
    struct slot slot[SLOTS];
    struct grave grave[GRAVES];
    unsigned graves_next;

    unsigned long step, ops;
    uint64_t seed, rng;
    int diverged;
    char why[256];
    char log[LOG_LINES][LOG_LEN];

    /* what the last operation touched: checked after it */
    struct { int s; size_t a, b; } touched[16];
    int ntouched;

    /* figures for the report */
    unsigned long count[32];
    unsigned long fault_probes, pages_checked, resident_checks, maps_checks, bad_calls;
    unsigned long retries;
    int maps_seen;
    int bad_slot;       /* the slot a divergence is about, or -1 */
    int trace;          /* PAL_FUZZ_TRACE: print every operation */
} m;

/* ---- randomness: splitmix64, 32-bit draws (no 64-bit division) --------- */

static uint32_t rnd(void)
{
    uint64_t z = (m.rng += 0x9E3779B97F4A7C15ull);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

/* uniform in [0, n), n > 0 */
static size_t below(size_t n)
{
    return (size_t)(((uint64_t)rnd() * (uint32_t)n) >> 32);
}

static int chance(unsigned percent)
{
    return below(100) < percent;
}

/* ---- the log and divergences ------------------------------------------- */

static char *log_line(void)
{
    return m.log[m.step % LOG_LINES];
}

static void log_op(const char *fmt, ...)
{
    char *l = log_line();
    size_t n = th_format(l, LOG_LEN, "#%lu ", m.step);
    va_list ap;

    if (n >= LOG_LEN)
        return;
    va_start(ap, fmt);
    th_vformat(l + n, LOG_LEN - n, fmt, ap);
    va_end(ap);
}

static void log_more(const char *fmt, ...)
{
    char *l = log_line();
    size_t n = th_strlen(l);
    va_list ap;

    if (n + 1 >= LOG_LEN)
        return;
    va_start(ap, fmt);
    th_vformat(l + n, LOG_LEN - n, fmt, ap);
    va_end(ap);
}

static void diverge(const char *fmt, ...)
{
    va_list ap;

    if (m.diverged)
        return;
    m.diverged = 1;
    va_start(ap, fmt);
    th_vformat(m.why, sizeof m.why, fmt, ap);
    va_end(ap);
}

static const char *rc_name(int rc)
{
    static const char *const names[] = { "OK", "EINVAL", "ENOMEM", "EACCES", "EAGAIN",
                                         "ENOSYS", "EEXIST", "EPERM", "EOS" };

    return rc >= 0 && rc < (int)COUNT(names) ? names[rc] : "?";
}

/* rc must be want (or also2 when that is not -1) */
static int expect_rc(const char *what, int rc, int want, int also2)
{
    log_more(" -> %s", rc_name(rc));
    if (rc == want || (also2 >= 0 && rc == also2))
        return 1;
    if (also2 >= 0)
        diverge("%s: %s (%d), want %s or %s", what, rc_name(rc), rc, rc_name(want),
                rc_name(also2));
    else
        diverge("%s: %s (%d), want %s", what, rc_name(rc), rc, rc_name(want));
    return 0;
}

/* ---- observing memory -------------------------------------------------- */

enum { PROBE_SIGNALS, PROBE_HANDLER, PROBE_CHILD };
static const char *const probe_name[] = {
    "in this process (SIGSEGV handler)", "in this process (exception handler)",
    "in a child process, sampled"
};

#ifdef FUZZ_SIGNALS
static sigjmp_buf probe_jmp;
static volatile sig_atomic_t probe_armed;

/* A fault while a probe is armed goes back to the probe; any other is a
 * crash as it would have been without this handler. */
static void on_fault(int sig)
{
    if (probe_armed) {
        probe_armed = 0;
        siglongjmp(probe_jmp, 1);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_fault_handler(void)
{
    struct sigaction sa;

    sa.sa_handler = on_fault;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

/* fn(arg) with faults caught: 1 if it faulted.  The handler leaves by
 * siglongjmp, so the signal mask is saved and restored (a system call
 * each way): SIGSEGV, blocked while a handler runs, must not stay blocked
 * (SA_NODEFER would do without the calls, but a sanitizer's runtime runs
 * this handler from its own, installed with flags of its choosing). */
static int guarded(void (*fn)(void *), void *arg)
{
    if (sigsetjmp(probe_jmp, 1) != 0)
        return 1;
    probe_armed = 1;
    fn(arg);
    probe_armed = 0;
    return 0;
}
#endif

struct access {
    volatile unsigned char *p;
    size_t n, step;      /* bytes to look at: p[0], p[step], ... and p[n-1] */
    int want;            /* each must be this byte, or C_ANY */
    int write;           /* then write p[0] back as it was */
    size_t bad;          /* first offset that was not want, or (size_t)-1 */
    unsigned char got;
};

static void do_access(void *arg)
{
    struct access *a = arg;
    size_t i;
    unsigned char b;

    a->bad = (size_t)-1;
    for (i = 0; i < a->n; i += a->step) {
        b = a->p[i];
        if (a->want >= 0 && b != (unsigned char)a->want && a->bad == (size_t)-1) {
            a->bad = i;
            a->got = b;
        }
    }
    b = a->p[a->n - 1];
    if (a->want >= 0 && b != (unsigned char)a->want && a->bad == (size_t)-1) {
        a->bad = a->n - 1;
        a->got = b;
    }
    if (a->write)
        a->p[0] = a->p[0];
}

/* 1 faults, 0 does not, -1 not observed (this platform cannot, or the
 * sample skipped it). */
static int faults(volatile unsigned char *p, int write)
{
    switch (m.probe_mode) {
#ifdef FUZZ_SIGNALS
    case PROBE_SIGNALS: {
        struct access a;

        a.p = p;
        a.n = 1;
        a.step = 1;
        a.want = C_ANY;
        a.write = write;
        m.fault_probes++;
        return guarded(do_access, &a);
    }
#endif
    case PROBE_HANDLER:
        m.fault_probes++;
        return th_faults(p, write);
    case PROBE_CHILD:
        /* a fork per probe, for a page drawn from those that would be
         * probed, where the budget allows */
        if (m.child_budget == 0 || below(4) != 0)
            return -1;
        m.child_budget--;
        m.fault_probes++;
        return th_faults(p, write);
    default:
        return -1;
    }
}

/* Read the page's bytes (all of them if full, else a sample) and, if
 * write, write one back; 1 if that faulted.  *a says what differed. */
static int read_page(volatile unsigned char *p, int full, int want, int write,
                     struct access *a)
{
    a->p = p;
    a->n = m.ps;
    a->step = full ? 1 : m.ps / 4 + below(16);
    a->want = want;
    a->write = write;
#ifdef FUZZ_SIGNALS
    if (m.probe_mode == PROBE_SIGNALS)
        return guarded(do_access, a);
#endif
    /* first make sure the access is safe where it can be seen */
    if (m.probe_mode == PROBE_HANDLER) {
        if (th_faults(p, 0) == 1)
            return 1;
        if (write && th_faults(p, 1) == 1)
            return 1;
    }
    do_access(a);
    return 0;
}

/* ---- slots and pages -------------------------------------------------- */

static unsigned char *addr(const struct slot *s, size_t i)
{
    return s->base + (i << m.shift);
}

static int owned(const struct page *p)
{
    return p->state != P_NONE && p->state != P_TAKEN;
}

/* Check page i of slot k against the model. */
static void check_page(int k, size_t i, int full)
{
    struct slot *s = &m.slot[k];
    struct page *p = &s->pg[i];
    volatile unsigned char *a = addr(s, i);
    int read_fault = -1, write_fault = -1, readable = 0, writable = 0, f;
    struct access acc;

    switch (p->state) {
    case P_RESERVED:
        read_fault = m.protect ? 1 : -1;
        break;
    case P_PREPARED:
        read_fault = m.protect && p->noaccess ? 1 : -1;
        break;
    case P_READY:
        if (p->prot == PROT_UNSURE)
            break;
        if (!m.protect) {
            readable = writable = 1;
            break;
        }
        readable = (p->prot & PROT_RW) != 0;
        writable = (p->prot & PAL_PROT_WRITE) != 0;
        if (p->prot == PAL_PROT_NONE)
            read_fault = 1;
        else if (!writable)
            write_fault = 1;
        break;
    default:
        return;
    }
    m.pages_checked++;
    if (!m.diverged)
        m.bad_slot = k; /* kept if this page diverges */
    if (read_fault == 1) {
        f = faults(a, 0);
        if (f == 0)
            diverge("slot %d page %zu (%p, %s%s) can be read", k, i, (void *)a,
                    state_name[p->state], p->state == P_READY ? ", PROT_NONE" :
                    p->state == P_PREPARED ? ", without access (harddecommit or strict overcommit)"
                                           : "");
        return;
    }
    if (readable) {
        if (read_page(a, full, p->content, writable, &acc)) {
            diverge("slot %d page %zu (%p, Ready, prot %u) faults on %s", k, i, (void *)a,
                    p->prot, writable ? "read or write" : "read");
            return;
        }
        if (acc.bad != (size_t)-1) {
            diverge("slot %d page %zu (%p, %s): byte +0x%zx is 0x%x, want 0x%x", k, i,
                    (void *)a, i == 0 || i == s->pages - 1 ? "canary" : "Ready", acc.bad,
                    (unsigned)acc.got, (unsigned)p->content);
            return;
        }
    }
    if (write_fault == 1 && faults(a, 1) == 0)
        diverge("slot %d page %zu (%p, Ready, prot %u) can be written", k, i, (void *)a,
                p->prot);
}

/* Whether reading the page must fault. */
static int must_fault(const struct page *p)
{
    return m.protect && (p->state == P_RESERVED || (p->state == P_PREPARED && p->noaccess) ||
                         (p->state == P_READY && p->prot == PAL_PROT_NONE));
}

/* Every page that can be read is read; of a run of pages that must fault,
 * the two ends and one drawn between them (a fault costs a signal, and a
 * huge slot has a thousand Reserved pages). */
static void check_pages(int k, size_t a, size_t b, int full)
{
    const struct page *pg = m.slot[k].pg;
    size_t i = a, j;

    while (i < b && !m.diverged) {
        if (!must_fault(&pg[i])) {
            check_page(k, i++, full);
            continue;
        }
        for (j = i + 1; j < b && must_fault(&pg[j]); j++)
            ;
        check_page(k, i, full);
        if (j - i > 1)
            check_page(k, j - 1, full);
        if (j - i > 2)
            check_page(k, i + 1 + below(j - i - 2), full);
        i = j;
    }
}

static void check_all(void)
{
    int k;

    for (k = 0; k < SLOTS && !m.diverged; k++)
        if (m.slot[k].live)
            check_pages(k, 0, m.slot[k].pages, 0);
}

static void touch(int k, size_t a, size_t b)
{
    if (m.ntouched < (int)COUNT(m.touched)) {
        m.touched[m.ntouched].s = k;
        m.touched[m.ntouched].a = a;
        m.touched[m.ntouched].b = b;
        m.ntouched++;
    }
}

/* The touched ranges and a page either side; whole pages compared where
 * there are few of them. */
static void check_touched(void)
{
    size_t total = 0, a, b;
    int t;

    for (t = 0; t < m.ntouched; t++)
        total += m.touched[t].b - m.touched[t].a;
    for (t = 0; t < m.ntouched && !m.diverged; t++) {
        struct slot *s = &m.slot[m.touched[t].s];

        if (!s->live)
            continue;
        a = m.touched[t].a > 0 ? m.touched[t].a - 1 : 0;
        b = m.touched[t].b < s->pages ? m.touched[t].b + 1 : s->pages;
        check_pages(m.touched[t].s, a, b, total <= 8);
    }
}

/* pal_mem_resident over [a, b) of slot k must be want pages. */
static void check_resident(int k, size_t a, size_t b, size_t want_pages, const char *after)
{
    struct slot *s = &m.slot[k];
    size_t bytes = 0;
    int rc;

    if (!m.resident || m.diverged)
        return;
    m.resident_checks++;
    rc = pal_mem_resident(addr(s, a), (b - a) << m.shift, &bytes);
    if (rc != PAL_OK)
        diverge("pal_mem_resident(slot %d [%zu, %zu)) after %s: %s", k, a, b, after,
                rc_name(rc));
    else if (bytes != want_pages << m.shift)
        diverge("slot %d [%zu, %zu) after %s: %zu pages resident, want %zu", k, a, b,
                after, bytes >> m.shift, want_pages);
}

/* ---- choosing ranges ---------------------------------------------------- */

typedef int page_ok(const struct page *p);

static int is_reserved(const struct page *p) { return p->state == P_RESERVED; }
static int is_prepared_or_ready(const struct page *p)
{
    return p->state == P_PREPARED || p->state == P_READY;
}
static int is_ready(const struct page *p) { return p->state == P_READY; }
static int is_prepared(const struct page *p) { return p->state == P_PREPARED; }
static int is_writable(const struct page *p)
{
    return p->state == P_READY && p->prot != PROT_UNSURE &&
           (!m.protect || (p->prot & PAL_PROT_WRITE));
}
static int is_rw(const struct page *p)
{
    return p->state == P_READY && (p->prot == PROT_RW || !m.protect);
}
static int is_owned(const struct page *p) { return owned(p); }
static int is_none(const struct page *p) { return p->state == P_NONE; }

static int live_slot(void)
{
    int k, n = 0, pick;

    for (k = 0; k < SLOTS; k++)
        n += m.slot[k].live;
    if (n == 0)
        return -1;
    pick = (int)below((size_t)n);
    for (k = 0; k < SLOTS; k++)
        if (m.slot[k].live && pick-- == 0)
            return k;
    return -1;
}

/* A length: mostly short, sometimes long. */
static size_t pick_len(size_t max)
{
    size_t r = below(10);

    if (r < 5)
        return 1 + below(max < 4 ? max : 4);
    if (r < 8)
        return 1 + below(max < 16 ? max : 16);
    return 1 + below(max);
}

/* A run [*a, *b) of body pages of slot k that all satisfy ok, at most max
 * long; in a huge slot often starting or ending at a huge-page boundary
 * or one page either side of it.  0 if none was found. */
static int pick_run(int k, page_ok *ok, size_t max, size_t *a, size_t *b)
{
    struct slot *s = &m.slot[k];
    size_t body = s->pages - 2, i, len, want, tries;

    for (tries = 0; tries < 8; tries++) {
        if (s->huge && chance(40)) {
            size_t hp = m.hps >> m.shift;

            i = 1 + below(3) * hp;          /* a boundary: start, middle, end */
            i = i + below(3) - 1;           /* or a page either side */
            if (i < 1)
                i = 1;
            if (i >= s->pages - 1)
                i = s->pages - 2;
        } else {
            i = 1 + below(body);
        }
        if (!ok(&s->pg[i]))
            continue;
        want = pick_len(max);
        *a = i;
        *b = i + 1;
        len = 1;
        /* grow one way or both, from the page chosen */
        if (chance(50)) {
            while (len < want && *b < s->pages - 1 && ok(&s->pg[*b]))
                (*b)++, len++;
        } else {
            while (len < want && *a > 1 && ok(&s->pg[*a - 1]))
                (*a)--, len++;
            while (len < want && *b < s->pages - 1 && ok(&s->pg[*b]))
                (*b)++, len++;
        }
        return 1;
    }
    return 0;
}

/* in any live slot */
static int pick_any(page_ok *ok, size_t max, int *k, size_t *a, size_t *b)
{
    int tries;

    for (tries = 0; tries < 4; tries++) {
        *k = live_slot();
        if (*k < 0)
            return 0;
        if (pick_run(*k, ok, max, a, b))
            return 1;
    }
    return 0;
}

static void set_seam(int k, size_t i)
{
    if (i > 0 && i < m.slot[k].pages)
        m.slot[k].pg[i].seam = 1;
}

/* The ends of [a, b) may now start mappings; inside, with clear, one
 * mapping replaced whatever was there. */
static void seams(int k, size_t a, size_t b, int clear)
{
    size_t i;

    if (clear)
        for (i = a + 1; i < b; i++)
            m.slot[k].pg[i].seam = 0;
    set_seam(k, a);
    set_seam(k, b);
}

/* Before a call that changes the access of all of [a, b) of slot k with
 * one mprotect: where the pages' state or access differs now, the kernel
 * need not merge the mappings back after it (a written range keeps
 * VM_ACCOUNT where one never written loses it), so those places stay
 * seams although the model's states become the same. */
static void keep_splits(int k, size_t a, size_t b)
{
    const struct page *pg = m.slot[k].pg;
    size_t i;

    for (i = a + 1; i < b; i++)
        if (pg[i].state != pg[i - 1].state || pg[i].prot != pg[i - 1].prot ||
            pg[i].noaccess != pg[i - 1].noaccess)
            set_seam(k, i);
}

/* ---- slots come and go ---------------------------------------------------- */

static int free_slot_index(int huge)
{
    int k, lo = huge ? 0 : HUGE_SLOTS, hi = huge ? HUGE_SLOTS : SLOTS;

    for (k = lo; k < hi; k++)
        if (!m.slot[k].live)
            return k;
    return -1;
}

/* A new region [base, base + pages): it must not overlap memory of ours;
 * None pages of other slots it covers are now this one's. */
static int claim(unsigned char *base, size_t pages, int except)
{
    uintptr_t lo = (uintptr_t)base, hi = lo + (pages << m.shift);
    int k;
    size_t i;

    for (k = 0; k < SLOTS; k++) {
        struct slot *s = &m.slot[k];
        uintptr_t slo = (uintptr_t)s->base, shi = slo + (s->pages << m.shift);

        if (!s->live || k == except || shi <= lo || hi <= slo)
            continue;
        for (i = 0; i < s->pages; i++) {
            uintptr_t p = (uintptr_t)addr(s, i);

            if (p < lo || p >= hi)
                continue;
            if (owned(&s->pg[i])) {
                diverge("new region %p (+%zu pages) overlaps slot %d page %zu (%s)", base,
                        pages, k, i, state_name[s->pg[i].state]);
                return 0;
            }
            s->pg[i].state = P_TAKEN;
        }
    }
    return 1;
}

/* Whether any page of [lo, lo + pages) is ours. */
static int ours(unsigned char *lo_p, size_t pages)
{
    uintptr_t lo = (uintptr_t)lo_p, hi = lo + (pages << m.shift);
    int k;
    size_t i;

    /* the tracking area may have been placed in a region given back */
    if (tr.state > 0 && (uintptr_t)tr.base < hi && lo < (uintptr_t)tr.base + TRACK_PAGES * m.ps)
        return 1;
    for (k = 0; k < SLOTS; k++) {
        struct slot *s = &m.slot[k];

        if (!s->live)
            continue;
        for (i = 0; i < s->pages; i++) {
            uintptr_t p = (uintptr_t)addr(s, i);

            if (p >= lo && p < hi && owned(&s->pg[i]))
                return 1;
        }
    }
    return 0;
}

static void new_slot(int k, unsigned char *base, size_t pages, int huge, int state)
{
    struct slot *s = &m.slot[k];
    size_t i;

    s->base = base;
    s->pages = pages;
    s->live = 1;
    s->huge = huge;
    s->canary = (unsigned char)(0x80 | below(0x7f));
    for (i = 0; i < pages; i++) {
        s->pg[i].state = (unsigned char)state;
        s->pg[i].prot = PROT_RW;
        s->pg[i].noaccess = 0;
        s->pg[i].seam = 0;
        s->pg[i].committed = state == P_READY;
        s->pg[i].narrowed = 0;
        s->pg[i].content = 0; /* fresh: reads zero once Ready */
    }
}

struct fill {
    unsigned char *p;
    size_t n;
    unsigned char v;
};

static void do_fill(void *arg)
{
    struct fill *f = arg;

    th_memset(f->p, f->v, f->n);
}

/* The caller writes v to every byte of [a, b): guarded where faults can be
 * caught, so that memory the library took away shows as a divergence, not
 * a crash. */
static void fill(int k, size_t a, size_t b, unsigned char v)
{
    struct fill f;
    size_t i;

    for (i = a; i < b && !m.diverged; i++) {
        f.p = addr(&m.slot[k], i);
        f.n = m.ps;
        f.v = v;
#ifdef FUZZ_SIGNALS
        if (guarded(do_fill, &f)) {
            m.bad_slot = k;
            diverge("slot %d page %zu (%p, %s) faults on write", k, i, (void *)f.p,
                    state_name[m.slot[k].pg[i].state]);
            return;
        }
#else
        do_fill(&f);
#endif
        m.slot[k].pg[i].content = v;
    }
}

/* Make the canaries of a slot of Reserved pages Ready with its canary
 * byte: map, used and a write each. */
static int arm_canaries(int k)
{
    struct slot *s = &m.slot[k];
    size_t ends[2];
    int e, rc;

    ends[0] = 0;
    ends[1] = s->pages - 1;
    for (e = 0; e < 2; e++) {
        size_t i = ends[e];

        rc = pal_mem_map(addr(s, i), m.ps);
        if (!expect_rc("pal_mem_map(canary)", rc, PAL_OK, -1))
            return 0;
        rc = pal_mem_used(addr(s, i), m.ps);
        if (!expect_rc("pal_mem_used(canary)", rc, PAL_OK, -1))
            return 0;
        s->pg[i].state = P_READY;
        s->pg[i].prot = PROT_RW;
        s->pg[i].committed = 1;
        fill(k, i, i + 1, s->canary);
        seams(k, i, i + 1, 1);
    }
    return 1;
}

static void bury(unsigned char *base, size_t pages, int huge)
{
    struct grave *g = &m.grave[m.graves_next++ % GRAVES];

    g->base = base;
    g->pages = pages;
    g->huge = huge;
}

/* A slot with nothing of ours left in it is dropped; if no other slot took
 * any of its pages, its range is remembered for reserve_at. */
static void maybe_drop(int k)
{
    struct slot *s = &m.slot[k];
    size_t i;
    int taken = 0;

    for (i = 0; i < s->pages; i++) {
        if (owned(&s->pg[i]))
            return;
        taken |= s->pg[i].state == P_TAKEN;
    }
    s->live = 0;
    if (!taken)
        bury(s->base, s->pages, s->huge);
}

/* ---- operations --------------------------------------------------------- */

enum {
    OP_RESERVE, OP_RESERVE_ALIGNED, OP_RESERVE_HUGE, OP_ALLOC, OP_RESERVE_AT,
    OP_MAP, OP_USED, OP_UNUSED, OP_UNUSED_RANGES, OP_WRITE, OP_FREE, OP_FREE_SLOT,
    OP_FAULT, OP_PROTECT, OP_HUGEPAGE, OP_COLLAPSE, OP_POPULATE, OP_GUARD,
    OP_POLICY, OP_BAD, OP_PURGE, OP_PURGE_RANGES, OP_ACQUIRE, OP_TRACK, OP_KINDS
};

static const char *const op_name[OP_KINDS] = {
    "reserve", "reserve_aligned", "reserve_aligned(huge)", "alloc", "reserve_at",
    "map", "used", "unused", "unused_ranges", "write", "free", "free(slot)",
    "fault", "protect", "hugepage/nohugepage", "collapse", "populate", "guard",
    "set_policy", "bad call", "purge", "purge_ranges", "acquire", "track"
};

/* Whether a call that places new memory should be made again: out of
 * address space is a fair answer once (qemu-user with 16 KiB guest pages
 * on a 4 KiB host fails an mmap now and then, for want of an aligned
 * range it did not look further for), not twice in a row. */
static int again(int rc)
{
    if (rc != PAL_ENOMEM)
        return 0;
    log_more(" ENOMEM, again");
    m.retries++;
    return 1;
}

/* Checks of a new slot of Reserved pages, then its canaries. */
static int settle_reserved(int k, const char *what)
{
    struct slot *s = &m.slot[k];

    touch(k, 0, s->pages);
    check_resident(k, 1, s->pages - 1, 0, what);
    return arm_canaries(k);
}

static int op_reserve(void)
{
    int k = free_slot_index(0), rc;
    size_t pages = 2 + 1 + below(SMALL_BODY);
    void *hint = NULL, *out = NULL;

    if (k < 0)
        return 0;
    /* no hint, a region given back, or one of ours (which must not be
     * clobbered: a hint is only advice) */
    if (chance(30) && m.grave[0].base != NULL) {
        hint = m.grave[below(GRAVES)].base;
    } else if (chance(30)) {
        int j = live_slot();

        if (j >= 0)
            hint = addr(&m.slot[j], below(m.slot[j].pages));
    }
    log_op("reserve(%p, %zu pages)", hint, pages);
    rc = pal_mem_reserve(hint, pages << m.shift, &out);
    /* again without the hint: qemu-user with 16 KiB guest pages refuses
     * some hints twice in a row (it does not look beyond them) */
    if (again(rc))
        rc = pal_mem_reserve(NULL, pages << m.shift, &out);
    if (!expect_rc("pal_mem_reserve", rc, PAL_OK, -1))
        return 1;
    log_more(" = %p s%d", out, k);
    if (out == NULL || ((uintptr_t)out & (m.ps - 1)) != 0) {
        diverge("pal_mem_reserve gave %p", out);
        return 1;
    }
    if (!claim(out, pages, -1))
        return 1;
    new_slot(k, out, pages, 0, P_RESERVED);
    settle_reserved(k, "reserve");
    return 1;
}

static int op_reserve_aligned(void)
{
    int k = free_slot_index(0), rc;
    size_t pages = 2 + 1 + below(SMALL_BODY), align = m.ps << below(5);
    void *out = NULL;

    if (k < 0)
        return 0;
    log_op("reserve_aligned(%zu pages, 0x%zx)", pages, align);
    rc = pal_mem_reserve_aligned(pages << m.shift, align, &out);
    if (again(rc))
        rc = pal_mem_reserve_aligned(pages << m.shift, align, &out);
    if (!expect_rc("pal_mem_reserve_aligned", rc, PAL_OK, -1))
        return 1;
    log_more(" = %p s%d", out, k);
    if (out == NULL || ((uintptr_t)out & (align - 1)) != 0) {
        diverge("pal_mem_reserve_aligned(align 0x%zx) gave %p", align, out);
        return 1;
    }
    if (!claim(out, pages, -1))
        return 1;
    new_slot(k, out, pages, 0, P_RESERVED);
    settle_reserved(k, "reserve_aligned");
    return 1;
}

/* Two whole huge pages with a canary either side: four huge pages
 * aligned, then all but [hps - page, 3 hps + page) given back (two frees
 * of parts, which the backends without huge pages never reach). */
static int op_reserve_huge(void)
{
    int k = free_slot_index(1), rc;
    size_t pages = 2 * (m.hps >> m.shift) + 2;
    unsigned char *base;
    void *out = NULL;

    if (k < 0 || m.hps == 0)
        return 0;
    log_op("reserve_aligned(4 huge pages, huge)");
    rc = pal_mem_reserve_aligned(4 * m.hps, m.hps, &out);
    if (again(rc))
        rc = pal_mem_reserve_aligned(4 * m.hps, m.hps, &out);
    if (!expect_rc("pal_mem_reserve_aligned(huge)", rc, PAL_OK, -1))
        return 1;
    base = out;
    log_more(" = %p s%d", out, k);
    if (base == NULL || ((uintptr_t)base & (m.hps - 1)) != 0) {
        diverge("pal_mem_reserve_aligned(align 0x%zx) gave %p", m.hps, out);
        return 1;
    }
    rc = pal_mem_free(base, m.hps - m.ps);
    if (!expect_rc("pal_mem_free(head)", rc, PAL_OK, -1))
        return 1;
    rc = pal_mem_free(base + 3 * m.hps + m.ps, m.hps - m.ps);
    if (!expect_rc("pal_mem_free(tail)", rc, PAL_OK, -1))
        return 1;
    base += m.hps - m.ps;
    if (!claim(base, pages, -1))
        return 1;
    new_slot(k, base, pages, 1, P_RESERVED);
    settle_reserved(k, "reserve_aligned");
    return 1;
}

static int op_alloc(void)
{
    int k = free_slot_index(0), rc;
    size_t pages = 2 + 1 + below(SMALL_BODY);
    void *out = NULL;
    struct slot *s;

    if (k < 0)
        return 0;
    log_op("alloc(%zu pages)", pages);
    rc = pal_mem_alloc(pages << m.shift, &out);
    if (again(rc))
        rc = pal_mem_alloc(pages << m.shift, &out);
    if (!expect_rc("pal_mem_alloc", rc, PAL_OK, -1))
        return 1;
    log_more(" = %p s%d", out, k);
    if (out == NULL || ((uintptr_t)out & (m.ps - 1)) != 0) {
        diverge("pal_mem_alloc gave %p", out);
        return 1;
    }
    if (!claim(out, pages, -1))
        return 1;
    new_slot(k, out, pages, 0, P_READY);
    s = &m.slot[k];
    touch(k, 0, pages);
    /* zero-filled: check before the canaries are written */
    check_pages(k, 0, pages, pages <= 8);
    fill(k, 0, 1, s->canary);
    fill(k, pages - 1, pages, s->canary);
    return 1;
}

/* Exactly at an address: into a hole of a slot (a run of None pages), at
 * a region given back, or over memory of ours (PAL_EEXIST, nothing
 * changed; PAL_ENOMEM also where there is no exact placement and the
 * kernel found no room elsewhere, as test_contract.c explains). */
static int op_reserve_at(void)
{
    int k, rc, which = (int)below(3);
    size_t a, b, i;

#if defined(_WIN32)
    /* no holes in a Windows slot: parts cannot be freed */
    if (which == 0)
        which = 1;
#endif
    if (which == 0) {
        if (!pick_any(is_none, SMALL_BODY, &k, &a, &b))
            return 0;
        log_op("reserve_at(s%d[%zu, %zu)) hole", k, a, b);
        rc = pal_mem_reserve_at(addr(&m.slot[k], a), (b - a) << m.shift);
        if (!expect_rc("pal_mem_reserve_at(hole)", rc, PAL_OK, -1))
            return 1;
        for (i = a; i < b; i++) {
            struct page *p = &m.slot[k].pg[i];

            p->state = P_RESERVED;
            p->content = 0;
            p->noaccess = 0;
            p->committed = 0;
            p->narrowed = 0;
        }
        seams(k, a, b, 1);
        touch(k, a, b);
        check_resident(k, a, b, 0, "reserve_at");
        return 1;
    }
    if (which == 1) {
        struct grave *g = &m.grave[below(GRAVES)];
        int expect_taken;

        if (g->base == NULL)
            return 0;
        k = free_slot_index(g->huge);
        if (k < 0)
            return 0;
        expect_taken = ours(g->base, g->pages);
        log_op("reserve_at(%p, %zu pages) region given back%s", (void *)g->base, g->pages,
               expect_taken ? ", ours again" : "");
        rc = pal_mem_reserve_at(g->base, g->pages << m.shift);
        if (expect_taken) {
            expect_rc("pal_mem_reserve_at(taken)", rc, PAL_EEXIST,
                      (m.feats & PAL_FEAT_FIXED_NOREPLACE) ? -1 : PAL_ENOMEM);
            return 1;
        }
        if (!expect_rc("pal_mem_reserve_at(free)", rc, PAL_OK, -1))
            return 1;
        log_more(" s%d", k);
        if (!claim(g->base, g->pages, -1))
            return 1;
        new_slot(k, g->base, g->pages, g->huge, P_RESERVED);
        g->base = NULL;
        settle_reserved(k, "reserve_at");
        return 1;
    }
    /* over ours: some owned page inside */
    if (!pick_any(is_owned, SMALL_BODY, &k, &a, &b))
        return 0;
    if (a > 1 && chance(50))
        a--; /* maybe from a page before, whatever it is */
    log_op("reserve_at(s%d[%zu, %zu)) over ours", k, a, b);
    rc = pal_mem_reserve_at(addr(&m.slot[k], a), (b - a) << m.shift);
    expect_rc("pal_mem_reserve_at(taken)", rc, PAL_EEXIST,
              (m.feats & PAL_FEAT_FIXED_NOREPLACE) ? -1 : PAL_ENOMEM);
    touch(k, a, b);
    return 1;
}

static int op_map(void)
{
    int k, rc;
    size_t a, b, i;

    if (!pick_any(is_reserved, 64, &k, &a, &b))
        return 0;
    log_op("map(s%d[%zu, %zu))", k, a, b);
    keep_splits(k, a, b);
    rc = pal_mem_map(addr(&m.slot[k], a), (b - a) << m.shift);
    if (!expect_rc("pal_mem_map", rc, PAL_OK, -1))
        return 1;
    for (i = a; i < b; i++) {
        m.slot[k].pg[i].state = P_PREPARED;
        m.slot[k].pg[i].noaccess = (unsigned char)m.strict;
        m.slot[k].pg[i].committed = 1;
    }
    /* a fresh mapping on Linux and the BSDs, but an mprotect on AIX:
     * what was split inside may stay split */
    seams(k, a, b, 0);
    touch(k, a, b);
    return 1;
}

/* Ready pages that had another access than read-write: used may have kept
 * it or made them read-write.  Which one, where it can be seen. */
static void settle_access(int k, size_t i, unsigned old)
{
    struct page *p = &m.slot[k].pg[i];
    int w;

    if (old == PROT_RW || old == PROT_UNSURE || !m.protect) {
        p->prot = (unsigned char)(m.protect ? old : PROT_RW);
        return;
    }
    w = m.probe_mode == PROBE_SIGNALS || m.probe_mode == PROBE_HANDLER
        ? faults(addr(&m.slot[k], i), 1) : -1;
    if (w == 0)
        p->prot = PROT_RW;
    else if (w == 1 && (old & PAL_PROT_WRITE))
        diverge("slot %d page %zu: writable before used (prot %u), not after", k, i, old);
    else if (w == 1)
        p->prot = (unsigned char)old;
    else
        p->prot = PROT_UNSURE;
}

/* [a, b) of slot k after a used that returned PAL_OK: Prepared pages are
 * Ready and read-write, Ready ones keep their access or become read-write
 * (settle_access).  Windows, where a page's access was narrowed (protect,
 * guard) and no decommit reset it since: used over a range that spans
 * several allocations (placeholders) commits only what is not committed,
 * and a page that a lazy release (MEM_RESET) or a guard left committed
 * keeps its old access, where the header says used makes Prepared memory
 * read-write.  Reported; such a page is taken as it is found (or left
 * unsure) until the backend changes.  Returns 1 if all of [a, b) is
 * read-write now. */
static int made_ready(int k, size_t a, size_t b)
{
    size_t i;
    int rw = 1, narrowed = 0;

    keep_splits(k, a, b);
    for (i = a; i < b && !m.diverged; i++) {
        struct page *p = &m.slot[k].pg[i];

        /* access narrowed since it was last read-write (a Prepared page
         * keeps the access it had when released): used gives read-write
         * back with an mprotect, whose ends may stay apart */
        narrowed |= p->state == P_PREPARED ? p->narrowed : p->prot != PROT_RW;

        if (p->state == P_PREPARED) {
            p->state = P_READY;
            p->prot = PROT_RW;
            p->noaccess = 0;
#if defined(_WIN32)
            if (p->narrowed && faults(addr(&m.slot[k], i), 1) != 0)
                p->prot = PROT_UNSURE;
#endif
        } else {
            settle_access(k, i, p->prot);
        }
        if (p->prot == PROT_RW)
            p->narrowed = 0;
        rw &= p->prot == PROT_RW || !m.protect;
    }
    /* after any release under harddecommit (and under strict overcommit)
     * used restores access with mprotect, which need not merge the range
     * back with its neighbours */
    if (m.hd_ever || m.strict || narrowed)
        seams(k, a, b, 0);
    return rw;
}

/* used, or used_zero: where all of the range was Prepared and it says
 * zero, every byte must read zero (the model then expects it); it may
 * always say 0. */
static int op_used(void)
{
    int k, rc, z = 7, with_zero = chance(50), all_prepared = 1;
    size_t a, b, i;

    if (!pick_any(is_prepared_or_ready, 64, &k, &a, &b))
        return 0;
    for (i = a; i < b; i++) {
        all_prepared &= m.slot[k].pg[i].state == P_PREPARED;
#if defined(_WIN32)
        /* Windows' guard is a protection: a guarded page mapped again was
         * committed all along and holds what it held, so it is not memory
         * the OS gave afresh, which is what used_zero's promise is about */
        all_prepared &= !m.slot[k].pg[i].narrowed;
#endif
    }
    log_op("used%s(s%d[%zu, %zu)) policy 0x%x", with_zero ? "_zero" : "", k, a, b, m.policy);
    if (with_zero)
        rc = pal_mem_used_zero(addr(&m.slot[k], a), (b - a) << m.shift, &z);
    else
        rc = pal_mem_used(addr(&m.slot[k], a), (b - a) << m.shift);
    if (!expect_rc(with_zero ? "pal_mem_used_zero" : "pal_mem_used", rc, PAL_OK, -1))
        return 1;
    if (with_zero) {
        log_more(" zeroed %d", z);
        if (z != 0 && z != 1) {
            diverge("pal_mem_used_zero: *zeroed is %d", z);
            return 1;
        }
        for (i = a; i < b && z == 1 && all_prepared; i++)
            m.slot[k].pg[i].content = 0;
    }
    (void)made_ready(k, a, b);
    touch(k, a, b);
    return 1;
}

/* What an unused under the current policy leaves in [a, b) of slot k,
 * given what pal_mem_unused_zeroes() said before it. */
static void released(int k, size_t a, size_t b, int zeroes)
{
    size_t i;
    int seam = (m.policy & (PAL_POLICY_NO_THP | PAL_POLICY_HARD_DECOMMIT)) || m.strict;

    keep_splits(k, a, b);
    for (i = a; i < b; i++) {
        struct page *p = &m.slot[k].pg[i];

        /* another access than read-write, or harddecommit's none, may
         * stay with a Prepared page and keep it a mapping of its own */
        if ((p->state == P_READY && p->prot != PROT_RW) || p->noaccess)
            seam = 1;
        p->state = P_PREPARED;
        p->content = zeroes ? 0 : C_ANY;
        if (zeroes)
            p->narrowed = 0; /* Windows: decommitted, so committed afresh */
        p->noaccess = (m.policy & PAL_POLICY_HARD_DECOMMIT) != 0 || m.strict;
    }
    if (m.policy & PAL_POLICY_HARD_DECOMMIT)
        m.hd_ever = 1;
    if (seam)
        seams(k, a, b, 0);
    touch(k, a, b);
}

static int zeroes_now(void)
{
    int z = pal_mem_unused_zeroes();

    if ((m.policy & PAL_POLICY_DONTNEED) && z != 1)
        diverge("pal_mem_unused_zeroes() is %d under policy 0x%x (madvdontneed)", z,
                m.policy);
    return z;
}

static int op_unused(void)
{
    int k, rc, z;
    size_t a, b;

    if (!pick_any(is_prepared_or_ready, 64, &k, &a, &b))
        return 0;
    z = zeroes_now();
    log_op("unused(s%d[%zu, %zu)) policy 0x%x zeroes %d", k, a, b, m.policy, z);
    rc = pal_mem_unused(addr(&m.slot[k], a), (b - a) << m.shift);
    if (!expect_rc("pal_mem_unused", rc, PAL_OK, -1))
        return 1;
    released(k, a, b, z);
    if (z)
        check_resident(k, a, b, 0, "unused");
    return 1;
}

#define RANGES_MAX 8
#define DONE_SENTINEL ((size_t)0x5a5a5a5a)

static int op_unused_ranges(void)
{
    struct pal_mem_range r[RANGES_MAX];
    int ks[RANGES_MAX], rc, z, t;
    size_t as[RANGES_MAX], bs[RANGES_MAX], count = 1 + below(RANGES_MAX), n = 0, done, i;
    unsigned char mark[SLOTS][HUGE_CAP / 8 + 1];

    /* disjoint ranges of Ready or Prepared pages, from any slots, in the
     * order drawn */
    th_memset(mark, 0, sizeof mark);
    for (t = 0; t < (int)count * 2 && n < count; t++) {
        int k;
        size_t a, b, j;

        if (!pick_any(is_prepared_or_ready, 16, &k, &a, &b))
            break;
        for (j = a; j < b && !(mark[k][j / 8] & (1u << (j % 8))); j++)
            ;
        b = j; /* stop at a page taken already */
        if (b == a)
            continue;
        for (j = a; j < b; j++)
            mark[k][j / 8] |= (unsigned char)(1u << (j % 8));
        ks[n] = k;
        as[n] = a;
        bs[n] = b;
        r[n].v = addr(&m.slot[k], a);
        r[n].n = (b - a) << m.shift;
        n++;
    }
    if (n == 0)
        return 0;
    z = zeroes_now();
    log_op("unused_ranges(%zu:", n);
    for (i = 0; i < n; i++)
        log_more(" s%d[%zu,%zu)", ks[i], as[i], bs[i]);
    log_more(") policy 0x%x zeroes %d", m.policy, z);
    done = DONE_SENTINEL;
    rc = pal_mem_unused_ranges(r, n, &done);
    if (!expect_rc("pal_mem_unused_ranges", rc, PAL_OK, -1))
        return 1;
    if (done != n) {
        diverge("pal_mem_unused_ranges: *done is %zu, want %zu", done, n);
        return 1;
    }
    for (i = 0; i < n; i++)
        released(ks[i], as[i], bs[i], z);
    if (z)
        for (i = 0; i < n; i++)
            check_resident(ks[i], as[i], bs[i], 0, "unused_ranges");
    return 1;
}

/* Whether a ZERO purge writes its zeros (a fallback counted on a scratch
 * page: BSD, macOS, Windows, Linux where MADV_DONTNEED keeps contents):
 * then it needs every page writable, and only Ready read-write ranges are
 * drawn (a Prepared page may keep the access it had when Ready, which the
 * model does not follow). */
static int purge_writes;

static int is_zero_purgeable(const struct page *p)
{
    return purge_writes ? is_rw(p) : is_prepared_or_ready(p);
}

/* What a purge leaves in [a, b) of slot k: the state and access stay;
 * ZERO: every page reads zero (and reads zero when used, if Prepared);
 * LAZY: each page its old contents or zero, which a readable Ready page
 * shows now (and the model takes what it shows). */
static void purged(int k, size_t a, size_t b, unsigned how)
{
    size_t i;

    for (i = a; i < b && !m.diverged; i++) {
        struct page *p = &m.slot[k].pg[i];
        struct access acc;

        if (how == PAL_PURGE_ZERO || p->content == 0) {
            p->content = 0;
            continue;
        }
        if (p->state != P_READY || p->content == C_ANY || p->prot == PROT_UNSURE ||
            (m.protect && !(p->prot & PROT_RW))) {
            p->content = C_ANY;
            continue;
        }
        if (read_page(addr(&m.slot[k], i), 0, p->content, 0, &acc)) {
            m.bad_slot = k;
            diverge("slot %d page %zu (%p) faults on read after a lazy purge", k, i,
                    (void *)addr(&m.slot[k], i));
            return;
        }
        if (acc.bad == (size_t)-1)
            continue; /* kept: the check after the operation reads it all */
        if (acc.got != 0) {
            m.bad_slot = k;
            diverge("slot %d page %zu (%p) after a lazy purge: byte +0x%zx is 0x%x, "
                    "neither 0x%x nor zero", k, i, (void *)addr(&m.slot[k], i), acc.bad,
                    (unsigned)acc.got, (unsigned)p->content);
            return;
        }
        p->content = 0;
    }
    touch(k, a, b);
}

static unsigned pick_how(void)
{
    return chance(50) ? PAL_PURGE_ZERO : PAL_PURGE_LAZY;
}

static int op_purge(void)
{
    unsigned how = pick_how();
    size_t a, b, fb;
    int k, rc;

    if (!pick_any(how == PAL_PURGE_ZERO ? is_zero_purgeable : is_prepared_or_ready, 64,
                  &k, &a, &b))
        return 0;
    log_op("purge(s%d[%zu, %zu), %s)", k, a, b, how == PAL_PURGE_ZERO ? "ZERO" : "LAZY");
    fb = th_fallbacks();
    rc = pal_mem_purge(addr(&m.slot[k], a), (b - a) << m.shift, how);
    if (!expect_rc("pal_mem_purge", rc, PAL_OK, -1))
        return 1;
    purged(k, a, b, how);
    /* a ZERO purge that took no fallback released the pages */
    if (how == PAL_PURGE_ZERO && th_fallbacks() == fb)
        check_resident(k, a, b, 0, "purge(ZERO)");
    return 1;
}

static int op_purge_ranges(void)
{
    struct pal_mem_range r[RANGES_MAX];
    int ks[RANGES_MAX], rc, t;
    size_t as[RANGES_MAX], bs[RANGES_MAX], count = 1 + below(RANGES_MAX), n = 0, done, i;
    unsigned char mark[SLOTS][HUGE_CAP / 8 + 1];
    unsigned how = pick_how();

    th_memset(mark, 0, sizeof mark);
    for (t = 0; t < (int)count * 2 && n < count; t++) {
        int k;
        size_t a, b, j;

        if (!pick_any(how == PAL_PURGE_ZERO ? is_zero_purgeable : is_prepared_or_ready,
                      16, &k, &a, &b))
            break;
        for (j = a; j < b && !(mark[k][j / 8] & (1u << (j % 8))); j++)
            ;
        b = j;
        if (b == a)
            continue;
        for (j = a; j < b; j++)
            mark[k][j / 8] |= (unsigned char)(1u << (j % 8));
        ks[n] = k;
        as[n] = a;
        bs[n] = b;
        r[n].v = addr(&m.slot[k], a);
        r[n].n = (b - a) << m.shift;
        n++;
    }
    if (n == 0)
        return 0;
    log_op("purge_ranges(%zu:", n);
    for (i = 0; i < n; i++)
        log_more(" s%d[%zu,%zu)", ks[i], as[i], bs[i]);
    log_more(", %s)", how == PAL_PURGE_ZERO ? "ZERO" : "LAZY");
    done = DONE_SENTINEL;
    rc = pal_mem_purge_ranges(r, n, how, &done);
    if (!expect_rc("pal_mem_purge_ranges", rc, PAL_OK, -1))
        return 1;
    if (done != n) {
        diverge("pal_mem_purge_ranges: *done is %zu, want %zu", done, n);
        return 1;
    }
    for (i = 0; i < n; i++)
        purged(ks[i], as[i], bs[i], how);
    return 1;
}

/* The caller writes: every byte of some Ready writable pages. */
/* One call from None to Reserved, Prepared or Ready, maybe aligned, with
 * a hint (a region given back: advice) and no-reserve: the slot reserve,
 * map and used would have made. */
static int op_acquire(void)
{
    static const unsigned char state_of[4] = { 0, P_RESERVED, P_PREPARED, P_READY };
    int k = free_slot_index(0), rc;
    size_t pages = 2 + 1 + below(SMALL_BODY), align, i;
    struct pal_mem_spec sp;
    struct slot *s;
    void *out = NULL;

    if (k < 0)
        return 0;
    th_memset(&sp, 0, sizeof sp);
    sp.n = pages << m.shift;
    sp.state = 1u + (unsigned)below(3);
    if (chance(40))
        sp.align = m.ps << below(5);
    if (chance(30) && m.grave[0].base != NULL)
        sp.hint = m.grave[below(GRAVES)].base;
    if (chance(40))
        sp.flags |= PAL_SPEC_NORESERVE;
    align = sp.align ? sp.align : m.ps;
    log_op("acquire(%s, %zu pages, align 0x%zx, hint %p, flags 0x%x)",
           state_name[state_of[sp.state]], pages, sp.align, sp.hint, sp.flags);
    rc = pal_mem_acquire(&sp, &out);
    if (again(rc)) {
        sp.hint = NULL;
        rc = pal_mem_acquire(&sp, &out);
    }
    if (!expect_rc("pal_mem_acquire", rc, PAL_OK, -1))
        return 1;
    log_more(" = %p s%d", out, k);
    if (out == NULL || ((uintptr_t)out & (align - 1)) != 0) {
        diverge("pal_mem_acquire(align 0x%zx) gave %p", align, out);
        return 1;
    }
    if (!claim(out, pages, -1))
        return 1;
    new_slot(k, out, pages, 0, state_of[sp.state]);
    if (sp.state == PAL_STATE_RESERVED)
        return settle_reserved(k, "acquire"), 1;
    s = &m.slot[k];
    for (i = 0; i < pages; i++) {
        s->pg[i].committed = 1; /* Windows: one allocation, as alloc's */
        /* Prepared under strict overcommit: PROT_NONE, as after unused */
        s->pg[i].noaccess = sp.state == PAL_STATE_PREPARED && m.strict;
    }
    touch(k, 0, pages);
    if (sp.state == PAL_STATE_READY)
        check_pages(k, 0, pages, pages <= 8); /* zero-filled */
    /* the canaries Ready (Prepared: used on them alone) */
    for (i = 0; i < pages; i += pages - 1) {
        if (s->pg[i].state == P_PREPARED) {
            rc = pal_mem_used(addr(s, i), m.ps);
            if (!expect_rc("pal_mem_used(canary)", rc, PAL_OK, -1))
                return 1;
            s->pg[i].state = P_READY;
            s->pg[i].noaccess = 0;
        }
        fill(k, i, i + 1, s->canary);
    }
    return 1;
}

static int op_write(void)
{
    int k;
    size_t a, b;
    unsigned char v = (unsigned char)(chance(10) ? 0 : 1 + below(255));

    if (!pick_any(is_writable, 64, &k, &a, &b))
        return 0;
    log_op("write(s%d[%zu, %zu), 0x%x)", k, a, b, (unsigned)v);
    fill(k, a, b, v);
    touch(k, a, b);
    check_resident(k, a, b, b - a, "writing");
    return 1;
}

/* After a free the range must fault at once (nothing else maps memory in
 * this single-threaded process between the two). */
static void check_freed(unsigned char *p, size_t pages)
{
    if (!m.protect)
        return;
    if (faults(p, 0) == 0 || faults(p + ((pages - 1) << m.shift), 0) == 0)
        diverge("freed memory at %p (+%zu pages) can still be read", (void *)p, pages);
}

static void gone(int k, size_t a, size_t b)
{
    size_t i;

    for (i = a; i < b; i++) {
        m.slot[k].pg[i].state = P_NONE;
        m.slot[k].pg[i].noaccess = 0;
        m.slot[k].pg[i].committed = 0;
        m.slot[k].pg[i].narrowed = 0;
    }
    seams(k, a, b, 1);
    touch(k, a, b);
}

static int op_free(void)
{
    int k, rc;
    size_t a, b;

    if (!pick_any(is_owned, 64, &k, &a, &b))
        return 0;
    log_op("free(s%d[%zu, %zu))", k, a, b);
    rc = pal_mem_free(addr(&m.slot[k], a), (b - a) << m.shift);
    touch(k, a, b);
#if defined(_WIN32)
    if (!m.placeholders) {
        /* only whole regions: PAL_EINVAL for a part, nothing changed */
        expect_rc("pal_mem_free(part of a region)", rc, PAL_EINVAL, -1);
        return 1;
    } else {
        /* any part that cuts no allocation (what one map or alloc made
         * usable), PAL_EINVAL else; the model keeps no allocations, so
         * where memory in the range was ever committed either answer
         * is taken */
        int committed = 0;
        size_t i;

        for (i = a; i < b; i++)
            committed |= m.slot[k].pg[i].committed;
        if (!expect_rc("pal_mem_free(part of a region)", rc, PAL_OK,
                       committed ? PAL_EINVAL : -1) || rc != PAL_OK)
            return 1;
    }
#else
    if (!expect_rc("pal_mem_free", rc, PAL_OK, -1))
        return 1;
#endif
    gone(k, a, b);
    check_freed(addr(&m.slot[k], a), b - a);
    maybe_drop(k);
    return 1;
}

/* Give a whole slot back: one call where all of it is ours, else one per
 * run of our pages. */
static int free_slot(int k)
{
    struct slot *s = &m.slot[k];
    size_t a = 0, b;
    int rc;

    while (a < s->pages && !m.diverged) {
        if (!owned(&s->pg[a])) {
            a++;
            continue;
        }
        for (b = a; b < s->pages && owned(&s->pg[b]); b++)
            ;
        log_op("free(s%d[%zu, %zu)) of %zu", k, a, b, s->pages);
        rc = pal_mem_free(addr(s, a), (b - a) << m.shift);
        if (!expect_rc("pal_mem_free(slot)", rc, PAL_OK, -1))
            return 1;
        gone(k, a, b);
        check_freed(addr(s, a), b - a);
        a = b;
    }
    maybe_drop(k);
    return 1;
}

static int op_free_slot(void)
{
    int k = live_slot();

    if (k < 0)
        return 0;
    return free_slot(k);
}

static int op_fault(void)
{
    int k, rc;
    size_t a, b, i;

    if (!pick_any(is_prepared_or_ready, 64, &k, &a, &b))
        return 0;
    log_op("fault(s%d[%zu, %zu))", k, a, b);
    keep_splits(k, a, b);
    rc = pal_mem_fault(addr(&m.slot[k], a), (b - a) << m.shift);
    touch(k, a, b);
    if (!m.protect) { /* never pretended */
        expect_rc("pal_mem_fault without protection", rc, PAL_ENOSYS, -1);
        return 1;
    }
    if (!expect_rc("pal_mem_fault", rc, PAL_OK, -1))
        return 1;
    for (i = a; i < b; i++) {
        struct page *p = &m.slot[k].pg[i];

        p->state = P_RESERVED;
        p->content = 0; /* "the first time memory becomes Ready after fault" */
        p->noaccess = 0;
        p->narrowed = 0;
    }
    seams(k, a, b, 0);
    check_resident(k, a, b, 0, "fault");
    return 1;
}

static int op_protect(void)
{
    static const unsigned prots[] = {
        PAL_PROT_NONE, PAL_PROT_READ, PAL_PROT_READ, PROT_RW, PROT_RW, PROT_RW,
        PAL_PROT_WRITE, PAL_PROT_EXEC, PAL_PROT_READ | PAL_PROT_EXEC, PROT_RW | PAL_PROT_EXEC,
        PROT_RW | PAL_PROT_MTE, PAL_PROT_READ | PAL_PROT_MTE,
        PAL_PROT_EXEC | PAL_PROT_BTI, PAL_PROT_READ | PAL_PROT_EXEC | PAL_PROT_BTI,
    };
    unsigned prot = prots[below(COUNT(prots))];
    int k, rc, want = PAL_OK, also = -1;
    size_t a, b, i;

    if (!pick_any(is_ready, 64, &k, &a, &b))
        return 0;
    log_op("protect(s%d[%zu, %zu), %u)", k, a, b, prot);
    keep_splits(k, a, b);
    rc = pal_mem_protect(addr(&m.slot[k], a), (b - a) << m.shift, prot);
    touch(k, a, b);
    if (!m.protect) {
        if (prot != PROT_RW)
            want = PAL_ENOSYS;
    } else if ((prot & PAL_PROT_MTE) && !(m.feats & PAL_FEAT_MTE)) {
        want = PAL_ENOSYS;
    } else if ((prot & PAL_PROT_BTI) && !(m.feats & PAL_FEAT_BTI)) {
        want = PAL_ENOSYS;
    } else if (prot & PAL_PROT_EXEC) {
        also = PAL_EACCES; /* W^X policies */
    }
    if (!expect_rc("pal_mem_protect", rc, want, also) || rc != PAL_OK || !m.protect)
        return 1;
    for (i = a; i < b; i++) {
        m.slot[k].pg[i].prot = (unsigned char)(prot & (PROT_RW | PAL_PROT_EXEC));
        m.slot[k].pg[i].narrowed |= prot != PROT_RW;
    }
    seams(k, a, b, 0);
    return 1;
}

/* Hints: no state change, PAL_OK, on Ready or Prepared memory. */
static int op_hugepage(void)
{
    int k, rc, no = (int)below(2);
    size_t a, b;

    if (!pick_any(is_prepared_or_ready, 1024, &k, &a, &b))
        return 0;
    log_op("%s(s%d[%zu, %zu))", no ? "nohugepage" : "hugepage", k, a, b);
    if (no) {
        rc = pal_mem_nohugepage(addr(&m.slot[k], a), (b - a) << m.shift);
        seams(k, a, b, 0);
    } else {
        rc = pal_mem_hugepage(addr(&m.slot[k], a), (b - a) << m.shift);
    }
    expect_rc(no ? "pal_mem_nohugepage" : "pal_mem_hugepage", rc, PAL_OK, -1);
    touch(k, a, b);
    return 1;
}

/* Best effort; a collapse copies and must neither lose nor invent
 * contents of Ready pages.  Prepared pages in the range may be filled
 * in: they were open already. */
static int op_collapse(void)
{
    int k, rc;
    size_t a, b;

    if (!pick_any(is_prepared_or_ready, 1024, &k, &a, &b))
        return 0;
    log_op("collapse(s%d[%zu, %zu))", k, a, b);
    rc = pal_mem_collapse(addr(&m.slot[k], a), (b - a) << m.shift);
    if (m.feats & PAL_FEAT_THP_COLLAPSE)
        expect_rc("pal_mem_collapse", rc, PAL_OK, PAL_EAGAIN);
    else
        expect_rc("pal_mem_collapse", rc, PAL_ENOSYS, -1);
    touch(k, a, b);
    return 1;
}

/* Populate Ready read-write memory; or Prepared memory made Ready just
 * before (with nothing read or written in between, so that its pages are
 * not resident already unless a lazy release kept them). */
static int op_populate(void)
{
    int k, rc, fresh = chance(50);
    size_t a, b;

    if (!pick_any(fresh ? (page_ok *)is_prepared : (page_ok *)is_rw, 64, &k, &a, &b))
        return 0;
    if (fresh) {
        log_op("used(s%d[%zu, %zu)), populate", k, a, b);
        rc = pal_mem_used(addr(&m.slot[k], a), (b - a) << m.shift);
        touch(k, a, b);
        if (!expect_rc("pal_mem_used", rc, PAL_OK, -1) || !made_ready(k, a, b))
            return 1;
    } else {
        log_op("populate(s%d[%zu, %zu))", k, a, b);
    }
    rc = pal_mem_populate(addr(&m.slot[k], a), (b - a) << m.shift);
    if (!expect_rc("pal_mem_populate", rc, PAL_OK, -1))
        return 1;
    check_resident(k, a, b, b - a, "populate");
    touch(k, a, b);
    return 1;
}

static int op_guard(void)
{
    int k, rc;
    size_t a, b, i;

#if defined(_WIN32)
    /* Ready memory only: Windows' guard is VirtualProtect(PAGE_NOACCESS),
     * which refuses decommitted memory, so guarding Prepared memory that
     * unused decommitted answers PAL_ENOMEM there, where the header says
     * guard takes Ready or Prepared memory.  Reported; this narrows the
     * check on Windows until the backend or the header changes. */
    if (!pick_any(is_ready, 16, &k, &a, &b))
        return 0;
#else
    if (!pick_any(is_prepared_or_ready, 16, &k, &a, &b))
        return 0;
#endif
    log_op("guard(s%d[%zu, %zu))", k, a, b);
    keep_splits(k, a, b);
    rc = pal_mem_guard(addr(&m.slot[k], a), (b - a) << m.shift);
    touch(k, a, b);
    if (!m.protect) {
        expect_rc("pal_mem_guard without protection", rc, PAL_ENOSYS, -1);
        return 1;
    }
    if (!expect_rc("pal_mem_guard", rc, PAL_OK, -1))
        return 1;
    for (i = a; i < b; i++) {
        struct page *p = &m.slot[k].pg[i];

        p->state = P_RESERVED;
        p->content = C_ANY; /* not reserve or fault: nothing promised */
        p->narrowed = 1;
    }
    seams(k, a, b, 0);
    return 1;
}

static int op_policy(void)
{
    unsigned p = (unsigned)below(POLICY_ALL + 1);
    int rc;

    if (chance(15)) {
        unsigned bad = p | (1u << (4 + below(28)));

        log_op("set_policy(0x%x) bad", bad);
        rc = pal_mem_set_policy(bad);
        expect_rc("pal_mem_set_policy(unknown bits)", rc, PAL_EINVAL, -1);
        return 1;
    }
    log_op("set_policy(0x%x)", p);
    rc = pal_mem_set_policy(p);
    if (expect_rc("pal_mem_set_policy", rc, PAL_OK, -1))
        m.policy = p;
    return 1;
}

/* ---- deliberately bad calls -------------------------------------------- */

enum bad {
    BAD_NULL, BAD_ZERO, BAD_V_PLUS_1, BAD_V_HALF, BAD_N_PLUS_1, BAD_N_PAGE_M1,
    BAD_TOP, BAD_TOP_2, BAD_N_WRAPS, BAD_KINDS
};

static const char *const bad_name[BAD_KINDS] = {
    "v = NULL", "n = 0", "v + 1", "v + page/2", "n + 1", "n = page - 1",
    "top page", "top - page, 2 pages", "n = -page"
};

static int size_kind(int kind)
{
    return kind == BAD_ZERO || kind == BAD_N_PLUS_1 || kind == BAD_N_PAGE_M1;
}

static void bad_args(int kind, unsigned char *v0, size_t n0, unsigned char **v, size_t *n)
{
    uintptr_t top = UINTPTR_MAX & ~(uintptr_t)(m.ps - 1);

    *v = v0;
    *n = n0;
    switch (kind) {
    case BAD_NULL: *v = NULL; break;
    case BAD_ZERO: *n = 0; break;
    case BAD_V_PLUS_1: *v = v0 + 1; break;
    case BAD_V_HALF: *v = v0 + m.ps / 2; break;
    case BAD_N_PLUS_1: *n = n0 + 1; break;
    case BAD_N_PAGE_M1: *n = m.ps - 1; break;
    case BAD_TOP: *v = (unsigned char *)top; *n = m.ps; break;
    case BAD_TOP_2: *v = (unsigned char *)(top - m.ps); *n = 2 * m.ps; break;
    default: *n = (size_t)0 - m.ps; break;
    }
}

#define OUT_SENTINEL ((void *)(uintptr_t)0x5a5a5000)

static size_t os_calls(void)
{
    struct pal_mem_stats st;

    pal_mem_get_stats(&st);
    return st.os_calls;
}

/* One bad call, by number; its description into what.  The range (v, n)
 * is bad already where the call takes one. */
static int bad_call(int fn, unsigned char *v, size_t n, unsigned char *good, size_t good_n,
                    int kind, char *what, size_t wn, int *outs_touched)
{
    void *out = OUT_SENTINEL;
    size_t bytes = DONE_SENTINEL, done = DONE_SENTINEL;
    struct pal_mem_range r[3];
    unsigned prot;
    int rc, at;

    *outs_touched = 0;
    switch (fn) {
    case 0:
        th_format(what, wn, "map(%s)", bad_name[kind]);
        return pal_mem_map(v, n);
    case 1:
        th_format(what, wn, "used(%s)", bad_name[kind]);
        return pal_mem_used(v, n);
    case 2:
        th_format(what, wn, "unused(%s)", bad_name[kind]);
        return pal_mem_unused(v, n);
    case 3:
        th_format(what, wn, "free(%s)", bad_name[kind]);
        return pal_mem_free(v, n);
    case 4:
        th_format(what, wn, "fault(%s)", bad_name[kind]);
        return pal_mem_fault(v, n);
    case 5:
        th_format(what, wn, "protect(%s, READ)", bad_name[kind]);
        return pal_mem_protect(v, n, PAL_PROT_READ);
    case 6:
        th_format(what, wn, "hugepage(%s)", bad_name[kind]);
        return pal_mem_hugepage(v, n);
    case 7:
        th_format(what, wn, "nohugepage(%s)", bad_name[kind]);
        return pal_mem_nohugepage(v, n);
    case 8:
        th_format(what, wn, "collapse(%s)", bad_name[kind]);
        return pal_mem_collapse(v, n);
    case 9:
        th_format(what, wn, "guard(%s)", bad_name[kind]);
        return pal_mem_guard(v, n);
    case 10:
        th_format(what, wn, "populate(%s)", bad_name[kind]);
        return pal_mem_populate(v, n);
    case 11:
        th_format(what, wn, "reserve_at(%s)", bad_name[kind]);
        return pal_mem_reserve_at(v, n);
    case 12:
        th_format(what, wn, "resident(%s)", bad_name[kind]);
        rc = pal_mem_resident(v, n, &bytes);
        *outs_touched = bytes != DONE_SENTINEL;
        return rc;
    case 13:
        /* the bad range among good ones, anywhere: nothing released, not
         * even the good ranges before it */
        at = (int)below(3);
        r[0].v = good;
        r[0].n = good_n;
        r[1] = r[0];
        r[2] = r[0];
        r[at].v = v;
        r[at].n = n;
        th_format(what, wn, "unused_ranges(%s at %d of 3)", bad_name[kind], at);
        rc = pal_mem_unused_ranges(r, 3, &done);
        *outs_touched = done != 0; /* a refusal writes done 0 */
        return rc;
    case 14:
        if (!size_kind(kind))
            kind = BAD_N_PLUS_1;
        th_format(what, wn, "reserve(NULL, %s)", bad_name[kind]);
        rc = pal_mem_reserve(NULL, kind == BAD_ZERO ? 0 : kind == BAD_N_PAGE_M1 ? m.ps - 1 :
                             good_n + 1, &out);
        *outs_touched = out != OUT_SENTINEL;
        return rc;
    case 15:
        /* a hint must be NULL or page-aligned, and not wrap with n */
        v = kind == BAD_V_HALF ? good + m.ps / 2 :
            kind == BAD_TOP ? (unsigned char *)(UINTPTR_MAX & ~(uintptr_t)(m.ps - 1)) : good + 1;
        th_format(what, wn, "reserve(hint %p)", (void *)v);
        rc = pal_mem_reserve(v, good_n, &out);
        *outs_touched = out != OUT_SENTINEL;
        return rc;
    case 16:
        th_format(what, wn, "reserve_aligned(%s)", kind & 1 ? "align 3 pages" : "align half a page");
        rc = pal_mem_reserve_aligned(good_n, kind & 1 ? 3 * m.ps : m.ps / 2, &out);
        *outs_touched = out != OUT_SENTINEL;
        return rc;
    case 17:
        th_format(what, wn, "alloc(n + 1)");
        rc = pal_mem_alloc(good_n + 1, &out);
        *outs_touched = out != OUT_SENTINEL;
        return rc;
    case 18: {
        static const unsigned bad_prots[] = {
            32, 64 | PAL_PROT_READ, 0x80000000u | PROT_RW, PAL_PROT_MTE,
            PAL_PROT_MTE | PAL_PROT_EXEC, PAL_PROT_BTI | PAL_PROT_READ, PAL_PROT_BTI,
        };

        prot = bad_prots[below(COUNT(bad_prots))];
        th_format(what, wn, "protect(prot 0x%x)", prot);
        return pal_mem_protect(good, good_n, prot);
    }
    case 19:
        th_format(what, wn, "resident(bytes NULL)");
        return pal_mem_resident(good, good_n, NULL);
    case 20:
        th_format(what, wn, "unused_ranges(NULL, 2)");
        rc = pal_mem_unused_ranges(NULL, 2, &done);
        *outs_touched = done != 0;
        return rc;
    case 21:
        th_format(what, wn, "reserve(out NULL)");
        return pal_mem_reserve(NULL, good_n, NULL);
    case 22:
        th_format(what, wn, "purge(%s, ZERO)", bad_name[kind]);
        return pal_mem_purge(v, n, PAL_PURGE_ZERO);
    case 23: {
        /* a bad how, or a bad range among good ones */
        static const unsigned bad_how[] = { 0, 3, 4, 0x80000001u };
        unsigned how = PAL_PURGE_LAZY;

        at = (int)below(4);
        r[0].v = good;
        r[0].n = good_n;
        r[1] = r[0];
        r[2] = r[0];
        if (at < 3) {
            r[at].v = v;
            r[at].n = n;
            th_format(what, wn, "purge_ranges(%s at %d of 3)", bad_name[kind], at);
        } else {
            how = bad_how[below(COUNT(bad_how))];
            th_format(what, wn, "purge_ranges(how 0x%x)", how);
        }
        rc = pal_mem_purge_ranges(r, 3, how, &done);
        *outs_touched = done != 0;
        return rc;
    }
    case 24: {
        static const unsigned bad_how[] = { 0, 3, 4, 0x80000001u, ~0u };

        prot = bad_how[below(COUNT(bad_how))];
        th_format(what, wn, "purge(how 0x%x)", prot);
        return pal_mem_purge(good, good_n, prot);
    }
    default:
        th_format(what, wn, "bind_node(%s)", bad_name[kind]);
        return pal_mem_bind_node(v, n, 0);
    }
}

#define BAD_FNS 26

static int op_bad(void)
{
    int k, rc, kind = (int)below(BAD_KINDS), fn = (int)below(BAD_FNS), touched;
    size_t a, b, n, calls;
    unsigned char *v;
    char what[96];

    if (!pick_any(is_owned, 16, &k, &a, &b))
        return 0;
    bad_args(kind, addr(&m.slot[k], a), (b - a) << m.shift, &v, &n);
    log_op("bad call on s%d[%zu, %zu)", k, a, b);
    calls = os_calls();
    rc = bad_call(fn, v, n, addr(&m.slot[k], a), (b - a) << m.shift, kind, what, sizeof what,
                  &touched);
    log_more(": %s", what);
    m.bad_calls++;
    touch(k, a, b);
    if (!expect_rc(what, rc, PAL_EINVAL, -1))
        return 1;
    if (touched)
        diverge("%s: PAL_EINVAL, yet an out parameter was written", what);
    else if (os_calls() != calls)
        diverge("%s: PAL_EINVAL after %zu OS calls (arguments are checked first)", what,
                os_calls() - calls);
    return 1;
}

/* ---- the mappings bound (Linux, with a libc) ----------------------------- */

/*
 * A mapping can start inside a slot only where one of the calls made on it
 * began or ended (a "seam": the model marks them), where the model's state
 * or access changes, or at a huge-page boundary (the library's huge-page
 * marks are whole huge pages).  Seams go away where a later free or
 * reserve_at replaced a range as a whole.  So the mappings /proc/self/maps shows over
 * a run of a slot's pages are at most one more than those places.  A
 * library that splits a range at pages it was not asked about (marking
 * page by page, say) passes the bound.  Not every call's ends are seams:
 * a release with madvise alone changes no mapping, nor does used where it
 * issues no mprotect; with mprotect the kernel need not merge back what it
 * split (an anonymous range never written loses VM_ACCOUNT when it becomes
 * unwritable, a written one keeps it), so those ends stay seams.
 */
#ifdef FUZZ_PROC
static int page_key(const struct page *p)
{
    return p->state * 512 + (p->state == P_READY ? p->prot : 0) +
           (p->state == P_PREPARED ? 256 * p->noaccess : 0);
}

/* For each run of our pages (other slots' pages inside this one's range
 * are theirs to count): the mappings that may intersect it. */
static size_t run_bound(const struct slot *s, size_t a, size_t b)
{
    size_t i, bound = 1;

    for (i = a + 1; i < b; i++)
        if (s->pg[i].seam || page_key(&s->pg[i]) != page_key(&s->pg[i - 1]) ||
            (m.hps != 0 && ((uintptr_t)addr(s, i) & (m.hps - 1)) == 0))
            bound++;
    return bound;
}

static uintptr_t hex(const char **s)
{
    uintptr_t v = 0;

    for (;; (*s)++) {
        char c = **s;

        if (c >= '0' && c <= '9')
            v = v * 16 + (uintptr_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = v * 16 + (uintptr_t)(c - 'a' + 10);
        else
            return v;
    }
}

/* Read /proc/self/maps into buf; 0 if it cannot be read whole. */
static int read_maps(char *buf, size_t size)
{
    size_t got = 0;
    ssize_t r;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return 0;
    while (got < size - 1 && (r = read(fd, buf + got, size - 1 - got)) > 0)
        got += (size_t)r;
    close(fd);
    buf[got] = '\0';
    return got < size - 1; /* cut short: no count rather than a wrong one */
}

/* How many mappings in maps intersect [lo, hi). */
static size_t count_maps(const char *maps, uintptr_t lo, uintptr_t hi)
{
    const char *s;
    size_t count = 0;

    for (s = maps; *s != '\0';) {
        uintptr_t a = hex(&s), b;

        if (*s == '-')
            s++;
        b = hex(&s);
        count += a < hi && lo < b;
        while (*s != '\n' && *s != '\0')
            s++;
        if (*s == '\n')
            s++;
    }
    return count;
}
#endif

static void check_maps(void)
{
#ifdef FUZZ_PROC
    static char maps[1 << 17];
    size_t a, b, count, bound;
    int k;

    if (m.diverged || !read_maps(maps, sizeof maps))
        return;
    m.maps_checks++;
    for (k = 0; k < SLOTS; k++) {
        const struct slot *s = &m.slot[k];

        for (a = 0; s->live && a < s->pages; a = b) {
            if (!owned(&s->pg[a])) {
                b = a + 1;
                continue;
            }
            for (b = a; b < s->pages && owned(&s->pg[b]); b++)
                ;
            m.maps_seen = 1;
            count = count_maps(maps, (uintptr_t)addr(s, a), (uintptr_t)addr(s, b));
            bound = run_bound(s, a, b);
            if (count > bound) {
                m.bad_slot = k;
                diverge("slot %d pages [%zu, %zu) (%p): %zu mappings in /proc/self/maps, at "
                        "most %zu expected", k, a, b, (void *)addr(s, a), count, bound);
                return;
            }
        }
    }
#endif
}

/* ---- the run ------------------------------------------------------------ */

/* ---- write tracking (the area is declared with the slots: see ours()) */

static int op_track(void)
{
    unsigned char pages[TRACK_PAGES];
    size_t a, b, i;
    int rc, reset;

    if (tr.state < 0)
        return 0;
    if (tr.state == 0) {
        struct pal_mem_spec s = { 0 };

        s.n = TRACK_PAGES * m.ps;
        s.state = PAL_STATE_READY;
        s.flags = PAL_SPEC_TRACK;
        log_op("track: acquire(%zu pages, TRACK) and track_writes", (size_t)TRACK_PAGES);
        rc = pal_mem_acquire(&s, (void **)&tr.base);
        if (!(m.feats & PAL_FEAT_TRACK)) {
            tr.state = -1;
            return expect_rc("pal_mem_acquire(TRACK)", rc, PAL_ENOSYS, -1);
        }
        if (!expect_rc("pal_mem_acquire(TRACK)", rc, PAL_OK, -1) ||
            !expect_rc("pal_mem_track_writes", pal_mem_track_writes(tr.base, s.n, 1), PAL_OK, -1))
            return 1;
        tr.state = 1;
        th_memset(tr.written, 0, sizeof tr.written);
        return 1;
    }
    a = below(TRACK_PAGES);
    b = a + 1 + below(TRACK_PAGES - a);
    if (chance(50)) {
        /* writes: every page of [a, b), or one byte of one page */
        if (chance(50))
            b = a + 1;
        log_op("track: write pages [%zu, %zu)", a, b);
        for (i = a; i < b; i++) {
            tr.base[i * m.ps + below(m.ps)] = (unsigned char)rnd();
            tr.written[i] = 1;
        }
        return 1;
    }
    reset = chance(60);
    log_op("track: written([%zu, %zu), reset %d)", a, b, reset);
    rc = pal_mem_written(tr.base + a * m.ps, (b - a) * m.ps, pages, reset);
    if (!expect_rc("pal_mem_written", rc, PAL_OK, -1))
        return 1;
    for (i = a; i < b; i++) {
        if (pages[i - a] > 1) {
            diverge("track: page %zu reported %u, neither 0 nor 1", i, pages[i - a]);
            return 1;
        }
        if (tr.written[i] && !pages[i - a]) {
            diverge("track: page %zu written since the last reset, reported clean", i);
            return 1;
        }
        if (reset)
            tr.written[i] = 0;
    }
    return 1;
}

struct weighted {
    int op;
    int (*fn)(void);
    unsigned weight;
};

static const struct weighted table[] = {
    { OP_RESERVE, op_reserve, 4 },
    { OP_RESERVE_ALIGNED, op_reserve_aligned, 2 },
    { OP_RESERVE_HUGE, op_reserve_huge, 2 },
    { OP_ALLOC, op_alloc, 2 },
    { OP_RESERVE_AT, op_reserve_at, 4 },
    { OP_MAP, op_map, 10 },
    { OP_USED, op_used, 12 },
    { OP_UNUSED, op_unused, 10 },
    { OP_UNUSED_RANGES, op_unused_ranges, 5 },
    { OP_WRITE, op_write, 12 },
    { OP_FREE, op_free, 4 },
    { OP_FREE_SLOT, op_free_slot, 2 },
    { OP_FAULT, op_fault, 4 },
    { OP_PROTECT, op_protect, 6 },
    { OP_HUGEPAGE, op_hugepage, 3 },
    { OP_COLLAPSE, op_collapse, 1 },
    { OP_POPULATE, op_populate, 3 },
    { OP_GUARD, op_guard, 3 },
    { OP_POLICY, op_policy, 4 },
    { OP_BAD, op_bad, 6 },
    { OP_PURGE, op_purge, 6 },
    { OP_PURGE_RANGES, op_purge_ranges, 3 },
    { OP_ACQUIRE, op_acquire, 4 },
    { OP_TRACK, op_track, 4 },
};

static const struct weighted *draw(void)
{
    unsigned total = 0, r;
    size_t i;

    for (i = 0; i < COUNT(table); i++)
        total += table[i].weight;
    r = (unsigned)below(total);
    for (i = 0; i < COUNT(table); i++) {
        if (r < table[i].weight)
            return &table[i];
        r -= table[i].weight;
    }
    return &table[0];
}

static uint64_t parse_u64(const char *s)
{
    uint64_t v = 0;
    unsigned base = 10;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    for (;; s++) {
        unsigned d;

        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return v;
        v = v * base + d;
    }
}

/* The seed of a run without PAL_FUZZ_SEED: the commit's, or a fresh one
 * from the time where there is a clock, and where memory lands (address
 * space layout randomisation) everywhere. */
static uint64_t fresh_seed(void)
{
#ifdef PAL_FUZZ_COMMIT_SEED
    return PAL_FUZZ_COMMIT_SEED;
#else
    char here;
    uint64_t s = (uint64_t)(uintptr_t)&here * 0x9E3779B97F4A7C15ull;

#if __STDC_HOSTED__
    s ^= (uint64_t)time(NULL);
    s ^= (uint64_t)clock() << 20;
#endif
    s ^= (uint64_t)(uintptr_t)&m;
    return s;
#endif
}

static int read_strict(void)
{
#ifdef FUZZ_PROC
    char c = 0;
    int fd = open("/proc/sys/vm/overcommit_memory", O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return 0;
    if (read(fd, &c, 1) != 1)
        c = 0;
    close(fd);
    return c == '2';
#else
    return 0;
#endif
}

#if defined(_WIN32)
/* Whether free takes a part of a region here: with placeholders (Windows
 * 10 1803 and later) it does, without them (before, and wine 8) only
 * whole regions; the header allows either.  One 64 KiB granule of two. */
static int have_placeholders(void)
{
    const size_t g = 64 * KiB;
    unsigned char *p;
    void *v;

    if (pal_mem_reserve(NULL, 2 * g, &v) != PAL_OK)
        return 0;
    p = v;
    if (pal_mem_free(p + g, g) == PAL_OK) {
        (void)pal_mem_free(p, g);
        return 1;
    }
    (void)pal_mem_free(p, 2 * g);
    return 0;
}
#endif

/* Whether a ZERO purge counts a fallback (writes zeros) on a scratch
 * page: see is_zero_purgeable.  Unknown (no scratch page) is taken as yes,
 * which only draws fewer ranges. */
static int zero_purge_writes(void)
{
    size_t fb;
    void *v;
    int writes = 1;

    if (pal_mem_alloc(m.ps, &v) != PAL_OK)
        return 1;
    *(volatile unsigned char *)v = 1;
    fb = th_fallbacks();
    if (pal_mem_purge(v, m.ps, PAL_PURGE_ZERO) == PAL_OK)
        writes = th_fallbacks() != fb;
    (void)pal_mem_free(v, m.ps);
    return writes;
}

static void setup(void)
{
    const char *e;
    size_t hps = pal_mem_huge_page_size();
    int k;

    th_memset(&m, 0, sizeof m);
    m.bad_slot = -1;
    m.ps = pal_mem_page_size();
    while (((size_t)1 << m.shift) < m.ps)
        m.shift++;
    /* huge slots where the huge page is not gigantic (512 MiB on 64 KiB
     * arm64) */
    m.hps = hps != 0 && hps <= HUGE_MAX && 2 * (hps >> m.shift) + 2 <= HUGE_CAP ? hps : 0;
    m.feats = pal_mem_features();
    m.protect = (m.feats & PAL_FEAT_PROTECT) != 0;
    m.resident = (m.feats & PAL_FEAT_RESIDENT) != 0;
    m.strict = read_strict();
#if defined(_WIN32)
    m.placeholders = have_placeholders();
#endif
    m.policy = pal_mem_policy();
    purge_writes = zero_purge_writes();
    for (k = 0; k < SLOTS; k++)
        m.slot[k].pg = k < HUGE_SLOTS ? huge_pages[k] : small_pages[k - HUGE_SLOTS];
#if defined(FUZZ_SIGNALS)
    install_fault_handler();
    m.probe_mode = PROBE_SIGNALS;
#elif defined(_WIN32)
    m.probe_mode = PROBE_HANDLER;
#else
    m.probe_mode = PROBE_CHILD;
#endif
    e = th_getenv("PAL_FUZZ_SEED");
    m.seed = e != NULL && *e != '\0' ? parse_u64(e) : fresh_seed();
    m.rng = m.seed;
    e = th_getenv("PAL_FUZZ_TRACE");
    m.trace = e != NULL && *e == '1';
    e = th_getenv("PAL_FUZZ_OPS");
    m.ops = e != NULL && *e != '\0' ? (unsigned long)parse_u64(e) : DEFAULT_OPS;
}

/* One character a page ('|' before a seam): . None, R Reserved, P
 * Prepared (p: without access), W Ready read-write, r read-only, n no
 * access, x other, ? unsure, t taken by another slot. */
static void dump_slot(int k)
{
    const struct slot *s = &m.slot[k];
    char line[LOG_LEN * 2];
    size_t i, n = 0;

    for (i = 0; i < s->pages && n + 3 < sizeof line; i++) {
        const struct page *p = &s->pg[i];
        char c = '?';

        if (p->seam)
            line[n++] = '|';
        switch (p->state) {
        case P_NONE: c = '.'; break;
        case P_RESERVED: c = 'R'; break;
        case P_PREPARED: c = p->noaccess ? 'p' : 'P'; break;
        case P_TAKEN: c = 't'; break;
        default:
            c = p->prot == PROT_RW ? 'W' : p->prot == PAL_PROT_READ ? 'r' :
                p->prot == PAL_PROT_NONE ? 'n' : p->prot == PROT_UNSURE ? '?' : 'x';
        }
        line[n++] = c;
    }
    line[n] = '\0';
    th_note("slot %d at %p: %s", k, (void *)s->base, line);
#ifdef FUZZ_PROC
    {
        static char buf[1 << 17];
        const char *l;
        uintptr_t b = (uintptr_t)s->base, e = b + (s->pages << m.shift);

        if (!read_maps(buf, sizeof buf))
            return;
        for (l = buf; *l != '\0';) {
            const char *q = l, *start = l;
            uintptr_t lo = hex(&q), hi;
            char one[128];
            size_t len, j;

            if (*q == '-')
                q++;
            hi = hex(&q);
            while (*l != '\n' && *l != '\0')
                l++;
            len = (size_t)(l - start) < sizeof one - 1 ? (size_t)(l - start) : sizeof one - 1;
            if (lo < e && b < hi) {
                for (j = 0; j < len; j++)
                    one[j] = start[j];
                one[len] = '\0';
                th_note("  %s (pages %ld to %ld)", one,
                        (long)(((intptr_t)lo - (intptr_t)b) >> m.shift),
                        (long)(((intptr_t)hi - (intptr_t)b) >> m.shift));
            }
            if (*l == '\n')
                l++;
        }
    }
#endif
}

static void report_divergence(void)
{
    unsigned long i, from = m.step >= LOG_LINES - 1 ? m.step - (LOG_LINES - 1) : 0;

    th_note("DIVERGENCE at operation #%lu: %s", m.step, m.why);
    th_note("replay: PAL_FUZZ_SEED=0x%llx PAL_FUZZ_OPS=%lu", (unsigned long long)m.seed,
            m.step + 1);
    th_note("the operations before it:");
    for (i = from; i <= m.step; i++)
        if (m.log[i % LOG_LINES][0] != '\0')
            th_note("  %s", m.log[i % LOG_LINES]);
    if (m.bad_slot >= 0 && m.slot[m.bad_slot].live)
        dump_slot(m.bad_slot);
}

/* Give back every slot, whatever happened before (the frees are checked
 * like any other when nothing had). */
static void cleanup(void)
{
    int k, was = m.diverged;

    m.diverged = 0;
    for (k = 0; k < SLOTS; k++)
        if (m.slot[k].live)
            free_slot(k);
    if (was)
        m.diverged = 1;
}

static void fuzz_model(void)
{
    unsigned long i;

    setup();
    th_note("seed 0x%llx, %lu operations; page 0x%zx, huge slots %s 0x%zx; features 0x%x; "
            "faults seen %s", (unsigned long long)m.seed, m.ops, m.ps,
            m.hps ? "of" : "none, huge page", m.hps ? m.hps : pal_mem_huge_page_size(),
            m.feats, probe_name[m.probe_mode]);
    CHECK_OK(pal_mem_set_policy(PAL_POLICY_DEFAULT));
    m.policy = PAL_POLICY_DEFAULT;
    for (i = 0; i < m.ops && !m.diverged; i++) {
        const struct weighted *w;

        m.step = i;
        m.ntouched = 0;
        /* PROBE_CHILD: a fork every 16 operations (under qemu a fork of
         * the emulator costs some 10 ms) */
        m.child_budget = i % 16 == 0;
        m.log[i % LOG_LINES][0] = '\0';
        /* an operation that finds nothing to work on is drawn again */
        do {
            w = draw();
        } while (!w->fn() && !m.diverged);
        m.count[w->op]++;
        if (m.trace)
            th_note("%s", m.log[i % LOG_LINES]);
        if (!m.diverged && pal_mem_policy() != m.policy)
            diverge("pal_mem_policy() is 0x%x, want 0x%x", pal_mem_policy(), m.policy);
        check_touched();
        if (i % 16 == 15)
            check_all();
        if (i % 8 == 7)
            check_maps();
    }
    if (!m.diverged) {
        m.step = i;
        m.log[i % LOG_LINES][0] = '\0';
        check_all();
        check_maps();
    }
    if (m.diverged)
        report_divergence();
    cleanup();
    if (m.diverged) {
        th_fail_at(__FILE__, __LINE__, "divergence from the model (seed 0x%llx)",
                   (unsigned long long)m.seed);
        (void)pal_mem_set_policy(PAL_POLICY_DEFAULT);
        return;
    }
    CHECK_OK(pal_mem_set_policy(PAL_POLICY_DEFAULT));
    th_note("%lu operations without a divergence: %lu pages checked, %lu fault probes, "
            "%lu residency checks, %lu mapping counts%s, %lu bad calls, %lu ENOMEM retried",
            m.ops, m.pages_checked, m.fault_probes, m.resident_checks, m.maps_checks,
            m.maps_seen ? "" : " (no slot seen)", m.bad_calls, m.retries);
    {
        char line[400];
        size_t n = 0;
        int op;

        for (op = 0; op < OP_KINDS; op++)
            n += th_format(line + n, n < sizeof line ? sizeof line - n : 0, "%s %lu%s",
                           op_name[op], m.count[op], op + 1 < OP_KINDS ? ", " : "");
        th_note("%s", line);
    }
}

const struct th_test th_tests[] = {
    TH(fuzz_model),
    TH_END
};
