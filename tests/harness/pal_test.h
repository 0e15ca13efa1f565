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

#endif
