/*
 * pal_test.h - the test harness.  One executable per test file; each file
 * defines `const struct th_test th_tests[]`, ended by TH_END.  The runner
 * prints one line per test (ok / FAIL / skipped, with the reason) and ends
 * with "N passed, N failed, N skipped".  A skipped test is never a pass.
 *
 * The harness needs no libc: the platform file (posix.c, windows.c or
 * freestanding_linux.c) provides output, child processes and fault probes.
 */
#ifndef PAL_TEST_H
#define PAL_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "pal_mem.h"

struct th_test {
    const char *name;
    void (*fn)(void);
};

#define TH(fn) { #fn, fn }
#define TH_END { NULL, NULL }

extern const struct th_test th_tests[];

/* Outcome of the running test; the CHECK macros return from it on failure. */
void th_fail_at(const char *file, int line, const char *fmt, ...);
void th_skip(const char *fmt, ...);
int th_failed(void);

#define CHECK(e)                                                              \
    do {                                                                      \
        if (!(e)) {                                                           \
            th_fail_at(__FILE__, __LINE__, "%s", #e);                         \
            return;                                                           \
        }                                                                     \
    } while (0)

/* integers (and PAL codes, sizes, addresses) compared, both values shown */
#define CHECK_EQ(a, b)                                                        \
    do {                                                                      \
        unsigned long long th_a_ = (unsigned long long)(a);                   \
        unsigned long long th_b_ = (unsigned long long)(b);                   \
        if (th_a_ != th_b_) {                                                 \
            th_fail_at(__FILE__, __LINE__, "%s == %s: 0x%llx != 0x%llx", #a,  \
                       #b, th_a_, th_b_);                                     \
            return;                                                           \
        }                                                                     \
    } while (0)

/* a PAL call that must succeed */
#define CHECK_OK(call)                                                        \
    do {                                                                      \
        int th_e_ = (call);                                                   \
        if (th_e_ != PAL_OK) {                                                \
            th_fail_at(__FILE__, __LINE__, "%s: %s (%d)", #call,              \
                       pal_strerror(th_e_), th_e_);                           \
            return;                                                           \
        }                                                                     \
    } while (0)

#define SKIP(...)                                                             \
    do {                                                                      \
        th_skip(__VA_ARGS__);                                                 \
        return;                                                               \
    } while (0)

/* A call that must return exactly `want` (a PAL_* code), both shown by name. */
#define CHECK_RC(call, want)                                                  \
    do {                                                                      \
        int rc_ = (call);                                                     \
        if (rc_ != (want)) {                                                  \
            th_fail_at(__FILE__, __LINE__, "%s: %s (%d), want %s", #call,     \
                       pal_strerror(rc_), rc_, #want);                        \
            return;                                                           \
        }                                                                     \
    } while (0)

/* the number of elements of an array */
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* stats.fallbacks now: tests compare it before and after a call. */
static inline size_t th_fallbacks(void)
{
    struct pal_mem_stats s;

    pal_mem_get_stats(&s);
    return s.fallbacks;
}

/* Formatted output: %s %c %d %u %ld %lu %lld %llu %zu %x %lx %llx %zx %p %%. */
void th_printf(const char *fmt, ...);
size_t th_vformat(char *buf, size_t size, const char *fmt, va_list ap);
size_t th_format(char *buf, size_t size, const char *fmt, ...);
void th_note(const char *fmt, ...); /* an indented detail line under the test */

/* Small helpers that need no libc. */
void th_memset(void *p, int c, size_t n);
int th_all_bytes(const void *p, size_t n, unsigned char c);
size_t th_strlen(const char *s);
int th_strncmp(const char *a, const char *b, size_t n);
const char *th_strstr(const char *hay, const char *needle);
const char *th_getenv(const char *name); /* NULL where there is none */

/* ---- provided by the platform file ---- */

void th_write(const char *s, size_t n);

/* Whether reading (write == 0) or writing addr faults, observed in a child
 * process (or, where there is none, under an exception handler).
 * 1 faults, 0 does not, -1 cannot tell here (the caller skips). */
int th_faults(volatile void *addr, int write);

/* Page protection (PAL_FEAT_PROTECT): everywhere but Plan 9.  Without it
 * Reserved and freed memory stay accessible and fault/protect/guard answer
 * PAL_ENOSYS; the tests about faults then check that answer and skip, and
 * the fault checks inside other tests are not made. */
static inline int can_protect(void)
{
    return (pal_mem_features() & PAL_FEAT_PROTECT) != 0;
}

#define NO_PROTECT_REASON "no page protection on this OS (PAL_FEAT_PROTECT clear)"

/* Whether touching p faults must be `want`; skipped where no child process
 * or exception handler can tell.  A fault expected where the OS cannot
 * protect is not checked (see can_protect). */
#define CHECK_ACCESS(p, write, want)                                          \
    do {                                                                      \
        int f_ = (want) == 0 || can_protect() ? th_faults((p), (write))       \
                                              : (want);                       \
        if (f_ < 0)                                                           \
            SKIP("no child processes on this platform: faults not observable"); \
        if (f_ != (want)) {                                                   \
            th_fail_at(__FILE__, __LINE__, "%s of %s %s", (write) ? "write"   \
                       : "read", #p, f_ ? "faults" : "does not fault");       \
            return;                                                           \
        }                                                                     \
    } while (0)

/* Run fn(arg) in a child process.  Returns TH_CHILD_EXIT(code) or
 * TH_CHILD_SIGNAL(sig) as it ended, or TH_CHILD_NONE where this platform
 * has no child processes. */
#define TH_CHILD_NONE (-1)
#define TH_CHILD_EXIT(code) (code)
#define TH_CHILD_SIGNAL(sig) (0x100 | (sig))
int th_child(int (*fn)(void *), void *arg);

/* th_faults for platforms with th_child (harness.c): the signals that end
 * a child whose access faulted. */
int th_faults_in_child(volatile void *addr, int write, int segv, int bus);

/* ---- observing memory ---- */

/* A span of memory to check, and what th_span_problem found wrong in it. */
struct th_span {
    volatile unsigned char *p;
    size_t n, page;
    int want;      /* the byte every position must hold, or -1 for any */
    size_t bad_at; /* offset of the problem found */
    char why[128]; /* the problem, in words */
};

static inline size_t th_span_first_mismatch(const struct th_span *s,
                                            size_t from, size_t to)
{
    size_t i;

    for (i = from; i < to && s->want >= 0; i++)
        if (s->p[i] != (unsigned char)s->want)
            return i;
    return (size_t)-1;
}

static inline const char *th_span_mismatch_at(struct th_span *s, size_t i)
{
    s->bad_at = i;
    th_format(s->why, sizeof s->why, "byte at +0x%zx is 0x%x, want 0x%x",
              i, (unsigned)s->p[i], (unsigned)s->want);
    return s->why;
}

/* Run in a child: read all of the span, checking the bytes, then write one
 * byte per page back as it was.  A fault ends the child with a signal; the
 * parent's memory is not changed (the child's writes are its own copy). */
static inline int th_span_child(void *arg)
{
    const struct th_span *s = arg;
    size_t i;

    for (i = 0; i < s->n; i++) {
        unsigned char b = s->p[i];

        if (s->want >= 0 && b != (unsigned char)s->want)
            return 1;
    }
    for (i = 0; i < s->n; i += s->page)
        s->p[i] = s->p[i];
    return 0;
}

/* After a child died on the span: find the page and the access that fault. */
static inline const char *th_span_fault(struct th_span *s, int status)
{
    size_t i;

    for (i = 0; i < s->n; i += s->page) {
        int r = th_faults(s->p + i, 0), w = r == 0 ? th_faults(s->p + i, 1) : 0;

        if (r == 1 || w == 1) {
            s->bad_at = i;
            th_format(s->why, sizeof s->why, "page at +0x%zx faults on %s",
                      i, r == 1 ? "read" : "write");
            return s->why;
        }
    }
    s->bad_at = 0;
    th_format(s->why, sizeof s->why,
              "the checking process ended with status 0x%x", (unsigned)status);
    return s->why;
}

/* Without child processes (Windows): page by page, th_faults (an exception
 * handler there) before each access, and the byte th_faults writes put
 * back.  Where even that cannot tell, access directly: a crash is then the
 * failure. */
static inline const char *th_span_here(struct th_span *s)
{
    size_t i, bad;

    for (i = 0; i < s->n; i += s->page) {
        unsigned char keep;
        int w;

        if (th_faults(s->p + i, 0) == 1) {
            s->bad_at = i;
            th_format(s->why, sizeof s->why,
                      "page at +0x%zx faults on read", i);
            return s->why;
        }
        bad = th_span_first_mismatch(s, i, i + s->page < s->n ? i + s->page : s->n);
        if (bad != (size_t)-1)
            return th_span_mismatch_at(s, bad);
        keep = s->p[i];
        w = th_faults(s->p + i, 1);
        s->p[i] = keep;
        if (w == 1) {
            s->bad_at = i;
            th_format(s->why, sizeof s->why,
                      "page at +0x%zx faults on write", i);
            return s->why;
        }
    }
    return NULL;
}

/* NULL when every page of [p, p+n) can be read and written and every byte
 * is want (any, if want < 0); else what is wrong (s->why), s->bad_at set.
 * The check runs in a child process where there is one, so a library that
 * unmapped or protected the memory shows as a failure, not as a crash of
 * the whole suite; `directly`, it accesses the memory here (where a fault
 * cannot happen, or would end a child that is itself the check). */
static inline const char *th_span_problem(struct th_span *s, void *p, size_t n,
                                          int want, int directly)
{
    int st;

    s->p = p;
    s->n = n;
    s->page = pal_mem_page_size();
    s->want = want;
    s->bad_at = 0;
    s->why[0] = '\0';
    if (directly)
        st = TH_CHILD_EXIT(th_span_child(s));
    else
        st = th_child(th_span_child, s);
    if (st == TH_CHILD_EXIT(0))
        return NULL;
    if (st == TH_CHILD_NONE)
        return th_span_here(s);
    if (st == TH_CHILD_EXIT(1)) { /* the child read it all: safe here too */
        size_t bad = th_span_first_mismatch(s, 0, n);

        if (bad != (size_t)-1)
            return th_span_mismatch_at(s, bad);
    }
    return th_span_fault(s, st);
}

#endif
