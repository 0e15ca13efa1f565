/* harness.c - the runner and its libc-free helpers (see pal_test.h). */
#include "pal_test.h"

static int cur_failed, cur_skipped;
static char cur_reason[256];
extern char **th_environ; /* set by the platform's entry point */
char **th_environ;

void th_memset(void *p, int c, size_t n)
{
    volatile unsigned char *b = p;

    while (n-- > 0)
        *b++ = (unsigned char)c;
}

int th_all_bytes(const void *p, size_t n, unsigned char c)
{
    const volatile unsigned char *b = p;
    size_t i;

    for (i = 0; i < n; i++)
        if (b[i] != c)
            return 0;
    return 1;
}

size_t th_strlen(const char *s)
{
    size_t n = 0;

    while (s[n] != '\0')
        n++;
    return n;
}

int th_strncmp(const char *a, const char *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (a[i] != b[i])
            return (unsigned char)a[i] - (unsigned char)b[i];
        if (a[i] == '\0')
            return 0;
    }
    return 0;
}

const char *th_strstr(const char *hay, const char *needle)
{
    size_t n = th_strlen(needle);

    for (; *hay != '\0'; hay++)
        if (th_strncmp(hay, needle, n) == 0)
            return hay;
    return n == 0 ? hay : NULL;
}

const char *th_getenv(const char *name)
{
    size_t n = th_strlen(name);
    char **e;

    for (e = th_environ; e != NULL && *e != NULL; e++)
        if (th_strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

static size_t put_num(char *buf, size_t size, size_t at, unsigned long long v,
                      unsigned base, int neg)
{
    char tmp[24];
    int i = 0;

    do {
        tmp[i++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v != 0);
    if (neg)
        tmp[i++] = '-';
    while (i > 0) {
        if (at + 1 < size)
            buf[at] = tmp[i - 1];
        at++;
        i--;
    }
    return at;
}

size_t th_vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
    size_t at = 0;

    for (; *fmt != '\0'; fmt++) {
        int lng = 0, sz = 0;
        unsigned long long u;
        long long s;
        const char *str;

        if (*fmt != '%') {
            if (at + 1 < size)
                buf[at] = *fmt;
            at++;
            continue;
        }
        fmt++;
        while (*fmt == 'l') {
            lng++;
            fmt++;
        }
        if (*fmt == 'z') {
            sz = 1;
            fmt++;
        }
        switch (*fmt) {
        case 'd':
            s = lng >= 2 ? va_arg(ap, long long) : lng == 1 ? va_arg(ap, long)
              : sz ? (long long)va_arg(ap, size_t) : va_arg(ap, int);
            at = put_num(buf, size, at, s < 0 ? 0ULL - (unsigned long long)s
                                              : (unsigned long long)s, 10, s < 0);
            break;
        case 'u':
        case 'x':
            u = lng >= 2 ? va_arg(ap, unsigned long long)
              : lng == 1 ? va_arg(ap, unsigned long)
              : sz ? va_arg(ap, size_t) : va_arg(ap, unsigned);
            at = put_num(buf, size, at, u, *fmt == 'x' ? 16 : 10, 0);
            break;
        case 'p':
            at = put_num(buf, size, at, (uintptr_t)va_arg(ap, void *), 16, 0);
            break;
        case 'c':
            if (at + 1 < size)
                buf[at] = (char)va_arg(ap, int);
            at++;
            break;
        case 's':
            for (str = va_arg(ap, const char *); str != NULL && *str != '\0'; str++) {
                if (at + 1 < size)
                    buf[at] = *str;
                at++;
            }
            break;
        default:
            if (at + 1 < size)
                buf[at] = *fmt;
            at++;
            break;
        }
        if (*fmt == '\0')
            break;
    }
    if (size > 0)
        buf[at < size ? at : size - 1] = '\0';
    return at;
}

size_t th_format(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    n = th_vformat(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

void th_printf(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    n = th_vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    th_write(buf, n < sizeof buf ? n : sizeof buf - 1);
}

void th_note(const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    th_vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    th_printf("     | %s\n", buf);
}

void th_fail_at(const char *file, int line, const char *fmt, ...)
{
    char buf[200];
    va_list ap;

    va_start(ap, fmt);
    th_vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (!cur_failed)
        th_format(cur_reason, sizeof cur_reason, "%s:%d: %s", file, line, buf);
    cur_failed = 1;
}

/* The skip line "skipped NAME: reason" is one line, whatever the reason
 * holds: tools/skips.py matches it against the target's expected skips. */
void th_skip(const char *fmt, ...)
{
    va_list ap;
    char *c;

    va_start(ap, fmt);
    th_vformat(cur_reason, sizeof cur_reason, fmt, ap);
    va_end(ap);
    for (c = cur_reason; *c != '\0'; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    cur_skipped = 1;
}

int th_failed(void)
{
    return cur_failed;
}

struct access {
    volatile char *p;
    int write;
};

static int touch(void *arg)
{
    struct access *a = arg;

    if (a->write)
        *a->p = 1;
    else
        (void)*a->p;
    return 0;
}

/* th_faults where there are child processes: the access is made in one,
 * which the platform's segv or bus signal ends if it faults. */
int th_faults_in_child(volatile void *addr, int write, int segv, int bus)
{
    struct access a = { (volatile char *)addr, write };
    int st = th_child(touch, &a);

    if (st == TH_CHILD_SIGNAL(segv) || st == TH_CHILD_SIGNAL(bus))
        return 1;
    if (st == TH_CHILD_EXIT(0))
        return 0;
    return -1;
}

static int selected(const char *name, int argc, char **argv)
{
    int i;

    if (argc <= 1)
        return 1;
    for (i = 1; i < argc; i++)
        if (th_strncmp(name, argv[i], th_strlen(argv[i]) + 1) == 0)
            return 1;
    return 0;
}

/* Run the tests (all, or those named on the command line); 0 if none failed. */
int th_main(int argc, char **argv)
{
    int passed = 0, failed = 0, skipped = 0;
    const struct th_test *t;

    for (t = th_tests; t->name != NULL; t++) {
        if (!selected(t->name, argc, argv))
            continue;
        cur_failed = cur_skipped = 0;
        cur_reason[0] = '\0';
        t->fn();
        if (cur_failed) {
            failed++;
            th_printf("FAIL %s: %s\n", t->name, cur_reason);
        } else if (cur_skipped) {
            skipped++;
            th_printf("skipped %s: %s\n", t->name, cur_reason);
        } else {
            passed++;
            th_printf("ok   %s\n", t->name);
        }
    }
    th_printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed == 0 ? 0 : 1;
}
