/*
 * test_bad_input.c - bad input to pal_mem.h, on every backend: each
 * function refuses it with a clear error code and changes nothing.
 *
 * Only the public API and the harness, as test_contract.c (which holds the
 * transitions the contract allows; this file, the calls it refuses).
 * First a table of every function that takes a range x every kind of bad
 * range, then the function-specific bad arguments (protections, NULL
 * out-parameters, hints, alignments, names, purge modes), each checked
 * against a fixture with a canary page either side: a refused call answers
 * PAL_EINVAL before any OS call, writes no out-parameter and leaves the
 * range and its canaries as they were.  Then bad input answered before
 * PAL_ENOSYS, and out-parameters left alone on every error.  The policy
 * functions' bad input is with the policy tests in test_contract.c, and
 * the functions that have a test file of their own check theirs there.
 */
#include "pal_test.h"

/* A Ready range of three pages with a canary page either side, all filled
 * with one byte.  A call that is refused must leave all five pages with
 * that byte, readable and writable. */
#define FIX_PAGES 5
#define FIX_BYTE 0xc5

struct fixture {
    unsigned char *base; /* FIX_PAGES pages */
    unsigned char *v;    /* the range given to calls: base + 1 page */
    size_t n, ps;        /* 3 pages; the page size */
};

static int fixture_setup(struct fixture *f)
{
    void *v;
    int rc;

    f->ps = pal_mem_page_size();
    rc = pal_mem_reserve(NULL, FIX_PAGES * f->ps, &v);
    if (rc != PAL_OK)
        return rc;
    f->base = v;
    rc = pal_mem_map(v, FIX_PAGES * f->ps);
    if (rc == PAL_OK)
        rc = pal_mem_used(v, FIX_PAGES * f->ps);
    if (rc != PAL_OK)
        return rc;
    th_memset(v, FIX_BYTE, FIX_PAGES * f->ps);
    f->v = f->base + f->ps;
    f->n = (FIX_PAGES - 2) * f->ps;
    return PAL_OK;
}

/* Out-parameters, pre-filled with values no call would store. */
struct outs {
    void *ptr;
    size_t bytes;
};

#define OUT_SENTINEL ((void *)(uintptr_t)0x5e5e5e5)
#define BYTES_SENTINEL ((size_t)0x5e5e5e5)

/* Arm the sentinels; the count of OS calls so far. */
static size_t arm(struct outs *o)
{
    struct pal_mem_stats s;

    o->ptr = OUT_SENTINEL;
    o->bytes = BYTES_SENTINEL;
    pal_mem_get_stats(&s);
    return s.os_calls;
}

/* The first failing case fails the test; later ones are listed under it. */
static void case_failed(const char *what, const char *fmt, ...)
{
    char buf[160];
    va_list ap;

    va_start(ap, fmt);
    th_vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (!th_failed())
        th_fail_at(__FILE__, __LINE__, "%s: %s", what, buf);
    else
        th_note("also %s: %s", what, buf);
}

/* Everything a refused call must be: PAL_EINVAL, decided before any OS
 * call (argument checks come first), out-parameters untouched, the range
 * and its canaries as they were.  A damaged fixture is rebuilt so the
 * remaining cases still run; 0 when that is not possible. */
static int refused(struct fixture *f, const char *what, int rc,
                   const struct outs *o, size_t calls_before)
{
    struct pal_mem_stats s;
    struct th_span span;
    const char *why;
    size_t page;

    pal_mem_get_stats(&s);
    if (rc != PAL_EINVAL)
        case_failed(what, "%s (%d), want PAL_EINVAL", pal_strerror(rc), rc);
    if (s.os_calls != calls_before)
        case_failed(what, "%zu OS calls before refusing",
                    s.os_calls - calls_before);
    if (o->ptr != OUT_SENTINEL)
        case_failed(what, "wrote *out (%p)", o->ptr);
    if (o->bytes != BYTES_SENTINEL)
        case_failed(what, "wrote *bytes (%zu)", o->bytes);
    /* Without an OS call the mappings are as they were (all read-write),
     * so the bytes are read here; after one, in a child. */
    why = th_span_problem(&span, f->base, FIX_PAGES * f->ps, FIX_BYTE,
                          s.os_calls == calls_before);
    if (why == NULL)
        return 1;
    page = span.bad_at / f->ps;
    case_failed(what, "%s page: %s", page == 0 || page == FIX_PAGES - 1 ?
                "canary" : "range", why);
    (void)pal_mem_free(f->base, FIX_PAGES * f->ps);
    return fixture_setup(f) == PAL_OK;
}

/* A call that must be refused, named by its own source text. */
#define REFUSED_CALL(f, o, call)                                              \
    do {                                                                      \
        size_t calls_ = arm(o);                                               \
        if (!refused((f), #call, (call), (o), calls_))                        \
            return;                                                           \
    } while (0)

/* ---- the matrix: every range function x every bad range --------------- */

/* Each call takes (v, n) and the out-parameters; the other arguments are
 * valid, so only the range can be the reason for refusing. */
static int call_reserve(void *v, size_t n, struct outs *o)
{
    return pal_mem_reserve(v, n, &o->ptr);
}

static int call_reserve_at(void *v, size_t n, struct outs *o)
{
    (void)o;
    return pal_mem_reserve_at(v, n);
}

static int call_reserve_aligned(void *v, size_t n, struct outs *o)
{
    (void)v;
    return pal_mem_reserve_aligned(n, pal_mem_page_size(), &o->ptr);
}

static int call_alloc(void *v, size_t n, struct outs *o)
{
    (void)v;
    return pal_mem_alloc(n, &o->ptr);
}

#define RANGE_CALL(fn)                                                        \
    static int call_##fn(void *v, size_t n, struct outs *o)                   \
    {                                                                         \
        (void)o;                                                              \
        return pal_mem_##fn(v, n);                                            \
    }
RANGE_CALL(map)
RANGE_CALL(used)
RANGE_CALL(unused)
RANGE_CALL(free)
RANGE_CALL(fault)
RANGE_CALL(hugepage)
RANGE_CALL(nohugepage)
RANGE_CALL(collapse)
RANGE_CALL(guard)
RANGE_CALL(seal)

/* PAL_PROT_READ: were the range or a canary changed, the write check sees it */
static int call_protect(void *v, size_t n, struct outs *o)
{
    (void)o;
    return pal_mem_protect(v, n, PAL_PROT_READ);
}

static int call_name(void *v, size_t n, struct outs *o)
{
    (void)o;
    return pal_mem_name(v, n, "pal-contract");
}

static int call_resident(void *v, size_t n, struct outs *o)
{
    return pal_mem_resident(v, n, &o->bytes);
}

RANGE_CALL(populate)

static int call_bind_node(void *v, size_t n, struct outs *o)
{
    (void)o;
    return pal_mem_bind_node(v, n, 0);
}

/* The matrix's fixture, for calls that take more than one range. */
static const struct fixture *matrix_fixture;

/* The bad range alone, then after a good one (the fixture's first page,
 * whose contents show if it was released before the bad one was seen).
 * done is the one out-parameter a refusal writes: 0, no range released. */
static int call_unused_ranges(void *v, size_t n, struct outs *o)
{
    struct pal_mem_range r[2];
    size_t done = BYTES_SENTINEL;
    int rc;

    (void)o;
    r[0].v = v;
    r[0].n = n;
    rc = pal_mem_unused_ranges(r, 1, &done);
    if (rc == PAL_OK || done != 0)
        return rc == PAL_OK ? PAL_OK : PAL_EOS; /* refused, done not 0 */
    r[1] = r[0];
    r[0].v = matrix_fixture->v;
    r[0].n = matrix_fixture->ps;
    return pal_mem_unused_ranges(r, 2, NULL);
}

static int call_purge(void *v, size_t n, struct outs *o)
{
    (void)o;
    return pal_mem_purge(v, n, PAL_PURGE_ZERO);
}

/* As call_unused_ranges, but purge_ranges writes *done = 0 on PAL_EINVAL. */
static int call_purge_ranges(void *v, size_t n, struct outs *o)
{
    struct pal_mem_range r[2];
    size_t done = BYTES_SENTINEL;
    int rc;

    (void)o;
    r[0].v = v;
    r[0].n = n;
    rc = pal_mem_purge_ranges(r, 1, PAL_PURGE_LAZY, &done);
    if (rc == PAL_OK || done != 0)
        return rc == PAL_OK ? PAL_OK : PAL_EOS; /* refused, without done = 0 */
    r[1] = r[0];
    r[0].v = matrix_fixture->v;
    r[0].n = matrix_fixture->ps;
    done = BYTES_SENTINEL;
    rc = pal_mem_purge_ranges(r, 2, PAL_PURGE_ZERO, &done);
    return rc == PAL_EINVAL && done != 0 ? PAL_EOS : rc;
}

#define HINT_ADDR 1u /* v is a hint: NULL is valid */
#define SIZE_ONLY 2u /* no address at all: only the bad lengths apply */

static const struct {
    const char *name;
    int (*call)(void *v, size_t n, struct outs *o);
    unsigned kind;
} range_fns[] = {
    { "pal_mem_reserve", call_reserve, HINT_ADDR },
    { "pal_mem_reserve_at", call_reserve_at, 0 },
    { "pal_mem_reserve_aligned", call_reserve_aligned, SIZE_ONLY },
    { "pal_mem_alloc", call_alloc, SIZE_ONLY },
    { "pal_mem_map", call_map, 0 },
    { "pal_mem_used", call_used, 0 },
    { "pal_mem_unused", call_unused, 0 },
    { "pal_mem_free", call_free, 0 },
    { "pal_mem_fault", call_fault, 0 },
    { "pal_mem_protect", call_protect, 0 },
    { "pal_mem_hugepage", call_hugepage, 0 },
    { "pal_mem_nohugepage", call_nohugepage, 0 },
    { "pal_mem_collapse", call_collapse, 0 },
    { "pal_mem_guard", call_guard, 0 },
    { "pal_mem_seal", call_seal, 0 },
    { "pal_mem_name", call_name, 0 },
    { "pal_mem_resident", call_resident, 0 },
    { "pal_mem_populate", call_populate, 0 },
    { "pal_mem_bind_node", call_bind_node, 0 },
    { "pal_mem_unused_ranges", call_unused_ranges, 0 },
    { "pal_mem_purge", call_purge, 0 },
    { "pal_mem_purge_ranges", call_purge_ranges, 0 },
};

enum bad_range {
    BAD_NULL,      /* v = NULL */
    BAD_ZERO,      /* n = 0 */
    BAD_V_PLUS_1,  /* v not page-aligned */
    BAD_V_HALF,
    BAD_N_PLUS_1,  /* n not a multiple of the page */
    BAD_N_PAGE_M1,
    BAD_TOP,       /* the last page: ends exactly at the top, v + n == 0 */
    BAD_TOP_2,     /* two pages from the one below the top: wraps */
    BAD_N_WRAPS,   /* a real v with n = -page: wraps */
    BAD_RANGES
};

static const char *const bad_range_name[BAD_RANGES] = {
    "v = NULL", "n = 0", "v + 1", "v + page/2", "n + 1", "n = page - 1",
    "v = top page, n = page", "v = top - page, n = 2 pages", "n = -page",
};

static int is_size_kind(enum bad_range k)
{
    return k == BAD_ZERO || k == BAD_N_PLUS_1 || k == BAD_N_PAGE_M1;
}

/* The (v, n) of one kind of bad range, around the fixture's range. */
static void bad_range_args(enum bad_range k, const struct fixture *f,
                           void **v, size_t *n)
{
    uintptr_t top = UINTPTR_MAX & ~(uintptr_t)(f->ps - 1);

    *v = f->v;
    *n = f->n;
    switch (k) {
    case BAD_NULL: *v = NULL; break;
    case BAD_ZERO: *n = 0; break;
    case BAD_V_PLUS_1: *v = f->v + 1; break;
    case BAD_V_HALF: *v = f->v + f->ps / 2; break;
    case BAD_N_PLUS_1: *n = f->n + 1; break;
    case BAD_N_PAGE_M1: *n = f->ps - 1; break;
    case BAD_TOP: *v = (void *)top; *n = f->ps; break;
    case BAD_TOP_2: *v = (void *)(top - f->ps); *n = 2 * f->ps; break;
    case BAD_N_WRAPS: *n = (size_t)0 - f->ps; break;
    case BAD_RANGES: break;
    }
}

static void bad_range_matrix(void)
{
    struct fixture f;
    struct outs o;
    size_t i;
    int k;

    CHECK_OK(fixture_setup(&f));
    matrix_fixture = &f;
    for (i = 0; i < COUNT(range_fns); i++) {
        for (k = 0; k < BAD_RANGES; k++) {
            char what[96];
            size_t n, calls;
            void *v;
            int rc;

            if ((range_fns[i].kind & SIZE_ONLY) && !is_size_kind((enum bad_range)k))
                continue;
            if ((range_fns[i].kind & HINT_ADDR) && k == BAD_NULL)
                continue;
            bad_range_args((enum bad_range)k, &f, &v, &n);
            th_format(what, sizeof what, "%s(%s)", range_fns[i].name,
                      bad_range_name[k]);
            calls = arm(&o);
            rc = range_fns[i].call(v, n, &o);
            if (!refused(&f, what, rc, &o, calls))
                return;
        }
    }
    CHECK_OK(pal_mem_free(f.base, FIX_PAGES * f.ps));
}

/* ---- the function-specific bad arguments ------------------------------ */

static void bad_prot_align_out(void)
{
    static const unsigned bad_prot[] = {
        /* tagging without data access, branch protection without code,
         * unknown bits */
        PAL_PROT_MTE, PAL_PROT_EXEC | PAL_PROT_MTE, PAL_PROT_BTI,
        PAL_PROT_READ | PAL_PROT_WRITE | PAL_PROT_BTI, 32u, ~0u, 1u << 31,
    };
    struct fixture f;
    struct outs o;
    size_t i, bad_align[6];

    CHECK_OK(fixture_setup(&f));
    for (i = 0; i < COUNT(bad_prot); i++) {
        char what[64];
        size_t calls = arm(&o);
        int rc = pal_mem_protect(f.v, f.n, bad_prot[i]);

        th_format(what, sizeof what, "pal_mem_protect(v, n, 0x%x)", bad_prot[i]);
        if (!refused(&f, what, rc, &o, calls))
            return;
    }

    /* NULL out-parameters, everything else valid */
    REFUSED_CALL(&f, &o, pal_mem_reserve(NULL, f.n, NULL));
    REFUSED_CALL(&f, &o, pal_mem_reserve(f.v, f.n, NULL));
    REFUSED_CALL(&f, &o, pal_mem_alloc(f.n, NULL));
    REFUSED_CALL(&f, &o, pal_mem_reserve_aligned(f.n, f.ps, NULL));
    REFUSED_CALL(&f, &o, pal_mem_resident(f.v, f.n, NULL));

    /* hints that are not page-aligned */
    REFUSED_CALL(&f, &o, pal_mem_reserve((void *)(uintptr_t)1, f.n, &o.ptr));
    REFUSED_CALL(&f, &o, pal_mem_reserve(f.v + f.ps - 1, f.n, &o.ptr));

    /* alignments: zero, below the page, not a power of two */
    bad_align[0] = 0;
    bad_align[1] = 1;
    bad_align[2] = f.ps / 2;
    bad_align[3] = f.ps + 1;
    bad_align[4] = 3 * f.ps;
    bad_align[5] = (size_t)-1;
    for (i = 0; i < COUNT(bad_align); i++) {
        char what[80];
        size_t calls = arm(&o);
        int rc = pal_mem_reserve_aligned(f.n, bad_align[i], &o.ptr);

        th_format(what, sizeof what, "pal_mem_reserve_aligned(n, align = 0x%zx)",
                  bad_align[i]);
        if (!refused(&f, what, rc, &o, calls))
            return;
    }
    CHECK_OK(pal_mem_free(f.base, FIX_PAGES * f.ps));
}

static void bad_names(void)
{
    static const struct { const char *name, *what; } bad[] = {
        { "", "empty" },
        { "pal[heap", "'['" },
        { "pal]heap", "']'" },
        { "pal\\heap", "'\\\\'" },
        { "pal$heap", "'$'" },
        { "pal`heap", "'`'" },
        { "pal\001heap", "control char 0x01" },
        { "pal\theap", "tab" },
        { "pal\nheap", "newline" },
        { "pal\177heap", "DEL" },
        { "pal\303\251", "non-ASCII" },
    };
    char too_long[81]; /* 80 characters: one more than allowed */
    struct fixture f;
    struct outs o;
    size_t i;

    th_memset(too_long, 'a', sizeof too_long - 1);
    too_long[sizeof too_long - 1] = '\0';
    CHECK_OK(fixture_setup(&f));
    REFUSED_CALL(&f, &o, pal_mem_name(f.v, f.n, NULL));
    REFUSED_CALL(&f, &o, pal_mem_name(f.v, f.n, too_long));
    for (i = 0; i < COUNT(bad); i++) {
        char what[64];
        size_t calls = arm(&o);
        int rc = pal_mem_name(f.v, f.n, bad[i].name);

        th_format(what, sizeof what, "pal_mem_name(v, n, %s)", bad[i].what);
        if (!refused(&f, what, rc, &o, calls))
            return;
    }
    CHECK_OK(pal_mem_free(f.base, FIX_PAGES * f.ps));
}

/* how is exactly one of the two bits; ranges need r.  Refused with
 * *done = 0, nothing purged (the fixture's bytes show it). */
static void bad_purge_args(void)
{
    static const unsigned bad_how[] = {
        0, PAL_PURGE_ZERO | PAL_PURGE_LAZY, 4, PAL_PURGE_ZERO | 4, 1u << 31, ~0u,
    };
    struct pal_mem_range r[2];
    struct fixture f;
    struct outs o;
    size_t i, done;

    CHECK_OK(fixture_setup(&f));
    r[0].v = f.v;
    r[0].n = f.ps;
    r[1].v = f.v + f.ps;
    r[1].n = 2 * f.ps;
    for (i = 0; i < COUNT(bad_how); i++) {
        char what[80];
        size_t calls = arm(&o);
        int rc = pal_mem_purge(f.v, f.n, bad_how[i]);

        th_format(what, sizeof what, "pal_mem_purge(v, n, 0x%x)", bad_how[i]);
        if (!refused(&f, what, rc, &o, calls))
            return;
        calls = arm(&o);
        done = BYTES_SENTINEL;
        rc = pal_mem_purge_ranges(r, 2, bad_how[i], &done);
        th_format(what, sizeof what, "pal_mem_purge_ranges(r, 2, 0x%x)", bad_how[i]);
        if (rc == PAL_EINVAL && done != 0)
            case_failed(what, "*done is %zu, want 0", done);
        if (!refused(&f, what, rc, &o, calls))
            return;
    }
    done = BYTES_SENTINEL;
    REFUSED_CALL(&f, &o, pal_mem_purge_ranges(NULL, 1, PAL_PURGE_ZERO, &done));
    CHECK_EQ(done, 0);
    REFUSED_CALL(&f, &o, pal_mem_purge_ranges(NULL, 2, PAL_PURGE_LAZY, NULL));
    /* a bad how beats an empty list */
    done = BYTES_SENTINEL;
    REFUSED_CALL(&f, &o, pal_mem_purge_ranges(r, 0, 0, &done));
    CHECK_EQ(done, 0);
    CHECK_OK(pal_mem_free(f.base, FIX_PAGES * f.ps));
}

/* Argument checks come before "not supported": a bad range is PAL_EINVAL
 * from the functions that may answer PAL_ENOSYS, whether or not they do
 * here.  Those that do are also held to it with good arguments. */
static void bad_input_beats_enosys(void)
{
    size_t ps = pal_mem_page_size(), bytes = BYTES_SENTINEL;
    unsigned feats = pal_mem_features();
    uintptr_t top = UINTPTR_MAX & ~(uintptr_t)(ps - 1);
    unsigned char *p;
    void *v;

    CHECK_OK(pal_mem_alloc(2 * ps, &v));
    p = v;
    CHECK_RC(pal_mem_seal(NULL, ps), PAL_EINVAL);
    CHECK_RC(pal_mem_seal(p, 0), PAL_EINVAL);
    CHECK_RC(pal_mem_seal(p + 1, ps), PAL_EINVAL);
    CHECK_RC(pal_mem_seal(p, ps + 1), PAL_EINVAL);
    CHECK_RC(pal_mem_seal((void *)top, ps), PAL_EINVAL);
    CHECK_RC(pal_mem_name(NULL, ps, "pal"), PAL_EINVAL);
    CHECK_RC(pal_mem_name(p, 0, "pal"), PAL_EINVAL);
    CHECK_RC(pal_mem_name(p + 1, ps, "pal"), PAL_EINVAL);
    CHECK_RC(pal_mem_name(p, ps, ""), PAL_EINVAL);
    CHECK_RC(pal_mem_name((void *)top, ps, "pal"), PAL_EINVAL);
    CHECK_RC(pal_mem_guard(NULL, ps), PAL_EINVAL);
    CHECK_RC(pal_mem_guard(p, ps - 1), PAL_EINVAL);
    CHECK_RC(pal_mem_guard((void *)(top - ps), 2 * ps), PAL_EINVAL);
    CHECK_RC(pal_mem_collapse(NULL, ps), PAL_EINVAL);
    CHECK_RC(pal_mem_collapse(p, 0), PAL_EINVAL);
    CHECK_RC(pal_mem_collapse(p + ps / 2, ps), PAL_EINVAL);
    CHECK_RC(pal_mem_collapse((void *)top, ps), PAL_EINVAL);
    CHECK_RC(pal_mem_resident(NULL, ps, &bytes), PAL_EINVAL);
    CHECK_RC(pal_mem_resident(p, 0, &bytes), PAL_EINVAL);
    CHECK_RC(pal_mem_resident(p, ps, NULL), PAL_EINVAL);
    CHECK_EQ(bytes, BYTES_SENTINEL);

    if (!(feats & PAL_FEAT_SEAL))
        CHECK_RC(pal_mem_seal(p, ps), PAL_ENOSYS);
    if (!(feats & PAL_FEAT_VMA_NAME))
        CHECK_RC(pal_mem_name(p, ps, "pal"), PAL_ENOSYS);
    if (!(feats & PAL_FEAT_THP_COLLAPSE))
        CHECK_RC(pal_mem_collapse(p, ps), PAL_ENOSYS);
    if (!(feats & PAL_FEAT_RESIDENT))
        CHECK_RC(pal_mem_resident(p, ps, &bytes), PAL_ENOSYS);
    CHECK_OK(pal_mem_free(p, 2 * ps));
}

/* *out (and *bytes) untouched on every error, not only PAL_EINVAL: zero
 * lengths, and requests no address space can hold (a size of all but one
 * page cannot fit anywhere above page 0). */
static void out_params_untouched_on_error(void)
{
    size_t ps = pal_mem_page_size(), huge = (size_t)0 - ps;
    struct outs o;
    void *v;
    int rc;

    arm(&o);
    CHECK_RC(pal_mem_reserve(NULL, 0, &o.ptr), PAL_EINVAL);
    CHECK(o.ptr == OUT_SENTINEL);
    CHECK_RC(pal_mem_alloc(0, &o.ptr), PAL_EINVAL);
    CHECK(o.ptr == OUT_SENTINEL);
    CHECK_RC(pal_mem_reserve_aligned(0, ps, &o.ptr), PAL_EINVAL);
    CHECK(o.ptr == OUT_SENTINEL);

    CHECK(pal_mem_alloc(huge, &o.ptr) != PAL_OK);
    CHECK(o.ptr == OUT_SENTINEL);
    CHECK(pal_mem_reserve(NULL, huge, &o.ptr) != PAL_OK);
    CHECK(o.ptr == OUT_SENTINEL);
    CHECK(pal_mem_reserve_aligned(huge, ps, &o.ptr) != PAL_OK);
    CHECK(o.ptr == OUT_SENTINEL);
    /* n + align overflows: the slop cannot even be computed */
    CHECK(pal_mem_reserve_aligned(huge, 2 * ps, &o.ptr) != PAL_OK);
    CHECK(o.ptr == OUT_SENTINEL);

    /* resident of a range that is no longer mapped: an error leaves
     * *bytes alone; success may only report nothing resident */
    CHECK_OK(pal_mem_alloc(ps, &v));
    th_memset(v, 1, ps);
    CHECK_OK(pal_mem_free(v, ps));
    rc = pal_mem_resident(v, ps, &o.bytes);
    if (rc == PAL_OK)
        CHECK_EQ(o.bytes, 0);
    else
        CHECK_EQ(o.bytes, BYTES_SENTINEL);
    arm(&o);
    CHECK_RC(pal_mem_resident(v, 0, &o.bytes), PAL_EINVAL);
    CHECK_EQ(o.bytes, BYTES_SENTINEL);
}


const struct th_test th_tests[] = {
    TH(bad_range_matrix),
    TH(bad_prot_align_out),
    TH(bad_names),
    TH(bad_purge_args),
    TH(bad_input_beats_enosys),
    TH(out_params_untouched_on_error),
    TH_END,
};
