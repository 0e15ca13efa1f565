/*
 * test_acquire.c - pal_mem_acquire, pal_mem_used_zero, pal_mem_dump,
 * pal_mem_info and spans (one call over ranges of separate reservations),
 * on every backend.
 *
 * Only the public API and the harness, as test_contract.c: the same file
 * runs on Linux (natively and under qemu-user), on Windows (under wine)
 * and on the backends forced onto Linux.  What the kernel itself shows of
 * these calls (VmFlags, /proc and /sys) is tests/linux/test_acquire_linux.c.
 *
 * Order matters once: the first tests run before anything in the process
 * released memory lazily, and check that used_zero then promises zeroes;
 * used_zero_after_lazy_release runs last.
 */
#include "pal_test.h"

#define KiB ((size_t)1024)

/* Every byte of [p, p+n) is c. */
#define CHECK_BYTES(p, n, c)                                                  \
    do {                                                                      \
        if (!th_all_bytes((p), (n), (c))) {                                   \
            th_fail_at(__FILE__, __LINE__, "[%s, +%zu) is not all 0x%x", #p,  \
                       (size_t)(n), (unsigned)(c));                           \
            return;                                                           \
        }                                                                     \
    } while (0)

/* Windows reserves on a 64 KiB granularity: sizes and placements of the
 * tests that lay ranges side by side are multiples of it (or of the page,
 * where that is larger). */
static size_t gran(void)
{
    size_t ps = pal_mem_page_size();

    return ps > 64 * KiB ? ps : 64 * KiB;
}

static struct pal_mem_spec spec_of(size_t n, unsigned state)
{
    struct pal_mem_spec s;

    th_memset(&s, 0, sizeof s);
    s.n = n;
    s.state = state;
    return s;
}

static size_t os_calls(void)
{
    struct pal_mem_stats st;

    pal_mem_get_stats(&st);
    return st.os_calls;
}

/* ==== each state ======================================================== */

static void acquire_reserved_faults_until_used(void)
{
    size_t n = 4 * pal_mem_page_size();
    struct pal_mem_spec s = spec_of(n, PAL_STATE_RESERVED);
    unsigned char *p;
    void *v = NULL;

    CHECK_OK(pal_mem_acquire(&s, &v));
    p = v;
    CHECK(p != NULL && ((uintptr_t)p & (pal_mem_page_size() - 1)) == 0);
    CHECK_ACCESS(p, 0, 1);
    CHECK_ACCESS(p + n - 1, 1, 1);
    CHECK_OK(pal_mem_map(p, n));
    CHECK_OK(pal_mem_used(p, n));
    CHECK_BYTES(p, n, 0);
    th_memset(p, 0x5a, n);
    CHECK_BYTES(p, n, 0x5a);
    CHECK_OK(pal_mem_free(p, n));
}

/* Prepared, then used_zero: zero, and said so (nothing in this process
 * has released lazily yet: this test runs before any that does). */
static void acquire_prepared_used_zero_says_zero(void)
{
    size_t n = 4 * pal_mem_page_size();
    struct pal_mem_spec s = spec_of(n, PAL_STATE_PREPARED);
    unsigned char *p;
    void *v = NULL;
    int z = 7;

    CHECK_OK(pal_mem_acquire(&s, &v));
    p = v;
    CHECK_OK(pal_mem_used_zero(p, n, &z));
    CHECK_EQ(z, 1);
    CHECK_BYTES(p, n, 0);
    th_memset(p, 0x33, n);
    /* released at once under the default policy: zero again, and said so */
    CHECK_OK(pal_mem_set_policy(PAL_POLICY_DEFAULT));
    CHECK_OK(pal_mem_unused(p, n));
    z = 7;
    CHECK_OK(pal_mem_used_zero(p, n, &z));
    CHECK_EQ(z, pal_mem_unused_zeroes());
    if (z)
        CHECK_BYTES(p, n, 0);
    CHECK_OK(pal_mem_free(p, n));
}

static void acquire_ready_is_zero_and_writable(void)
{
    size_t n = 8 * pal_mem_page_size();
    struct pal_mem_spec s = spec_of(n, PAL_STATE_READY);
    unsigned char *p;
    void *v = NULL;

    CHECK_OK(pal_mem_acquire(&s, &v));
    p = v;
    CHECK_BYTES(p, n, 0);
    th_memset(p, 0xa5, n);
    CHECK_BYTES(p, n, 0xa5);
    CHECK_OK(pal_mem_free(p, n));
    /* the same with every flag that changes nothing the caller sees */
    s.flags = PAL_SPEC_NORESERVE;
    CHECK_OK(pal_mem_acquire(&s, &v));
    p = v;
    CHECK_BYTES(p, n, 0);
    th_memset(p, 0xa6, n);
    CHECK_OK(pal_mem_free(p, n));
}

static void acquire_ready_read_only(void)
{
    size_t n = 2 * pal_mem_page_size();
    struct pal_mem_spec s = spec_of(n, PAL_STATE_READY);
    unsigned char *p;
    void *v = NULL;
    int rc;

    s.prot = PAL_PROT_READ;
    rc = pal_mem_acquire(&s, &v);
    if (!can_protect()) {
        CHECK_EQ(rc, PAL_ENOSYS);
        SKIP(NO_PROTECT_REASON);
    }
    CHECK_OK(rc);
    p = v;
    CHECK_BYTES(p, n, 0);
    CHECK_ACCESS(p, 0, 0);
    CHECK_ACCESS(p + n - 1, 1, 1);
    /* used over memory that came narrower may keep it or widen it; protect
     * widens it for sure */
    CHECK_OK(pal_mem_protect(p, n, PAL_PROT_READ | PAL_PROT_WRITE));
    th_memset(p, 1, n);
    CHECK_OK(pal_mem_free(p, n));
}

/* ==== alignment and placement =========================================== */

static void acquire_aligned_every_state(void)
{
    size_t n = 3 * pal_mem_page_size(), align = 16 * gran();
    unsigned state;

    for (state = PAL_STATE_RESERVED; state <= PAL_STATE_READY; state++) {
        struct pal_mem_spec s = spec_of(n, state);
        unsigned char *p;
        void *v = NULL;

        s.align = align;
        CHECK_OK(pal_mem_acquire(&s, &v));
        p = v;
        CHECK_EQ((uintptr_t)p & (align - 1), 0);
        if (state == PAL_STATE_RESERVED) {
            CHECK_ACCESS(p, 0, 1);
            CHECK_OK(pal_mem_map(p, n));
        }
        CHECK_OK(pal_mem_used(p, n));
        CHECK_BYTES(p, n, 0);
        th_memset(p, 0x44, n);
        CHECK_OK(pal_mem_free(p, n));
    }
}

/* An address just given back: exact placement there succeeds, at exactly
 * it; as advice, any placement will do. */
static void acquire_at_hint(void)
{
    size_t n = 2 * gran();
    struct pal_mem_spec s = spec_of(n, PAL_STATE_READY);
    unsigned char *p;
    void *v = NULL, *w = NULL;

    CHECK_OK(pal_mem_reserve_aligned(n, gran(), &v));
    CHECK_OK(pal_mem_free(v, n));
    s.hint = v;
    s.flags = PAL_SPEC_EXACT;
    CHECK_OK(pal_mem_acquire(&s, &w));
    CHECK(w == v);
    p = w;
    CHECK_BYTES(p, n, 0);
    th_memset(p, 0x17, n);
    CHECK_OK(pal_mem_free(p, n));
    /* advice only: the hint is taken or not, the memory is there */
    s.flags = 0;
    s.state = PAL_STATE_PREPARED;
    CHECK_OK(pal_mem_acquire(&s, &w));
    CHECK_OK(pal_mem_used(w, n));
    CHECK_BYTES((unsigned char *)w, n, 0);
    CHECK_OK(pal_mem_free(w, n));
    /* advice with an alignment the hint does not have */
    s.hint = (unsigned char *)v + pal_mem_page_size();
    s.align = gran();
    s.state = PAL_STATE_RESERVED;
    CHECK_OK(pal_mem_acquire(&s, &w));
    CHECK_EQ((uintptr_t)w & (gran() - 1), 0);
    CHECK_OK(pal_mem_free(w, n));
}

/* Exact placement over memory in use: PAL_EEXIST, and nothing touched:
 * the memory there keeps its contents, the free part stays free. */
static void acquire_exact_taken_is_eexist(void)
{
    size_t g = gran();
    struct pal_mem_spec s = spec_of(2 * g, PAL_STATE_READY);
    unsigned char *p;
    void *v = NULL, *out;

    /* a whole reservation of its own, beside a free range (Windows frees
     * only what one reserve made, where it has no placeholders) */
    CHECK_OK(pal_mem_reserve_aligned(4 * g, g, &v));
    p = v;
    CHECK_OK(pal_mem_free(p, 4 * g));
    if (pal_mem_reserve_at(p, 2 * g) != PAL_OK)
        SKIP("the freed range was taken again before reserve_at");
    CHECK_OK(pal_mem_map(p, 2 * g));
    CHECK_OK(pal_mem_used(p, 2 * g));
    th_memset(p, 0xe7, 2 * g);
    s.hint = p + g; /* half on memory in use, half free */
    s.flags = PAL_SPEC_EXACT;
    out = &out;
    CHECK_RC(pal_mem_acquire(&s, &out), PAL_EEXIST);
    CHECK(out == (void *)&out);
    CHECK_BYTES(p, 2 * g, 0xe7);
    /* the free half was left free */
    CHECK_OK(pal_mem_reserve_at(p + 2 * g, g));
    CHECK_OK(pal_mem_free(p + 2 * g, g));
    /* wholly on memory in use, and every state */
    s.hint = p;
    s.state = PAL_STATE_RESERVED;
    CHECK_RC(pal_mem_acquire(&s, &out), PAL_EEXIST);
    s.state = PAL_STATE_PREPARED;
    s.flags |= PAL_SPEC_NORESERVE;
    CHECK_RC(pal_mem_acquire(&s, &out), PAL_EEXIST);
    CHECK(out == (void *)&out);
    CHECK_BYTES(p, 2 * g, 0xe7);
    CHECK_OK(pal_mem_free(p, 2 * g));
}

/* ==== bad input: PAL_EINVAL (or PAL_ENOSYS for write tracking), no OS
 * call, *out untouched ================================================== */

static void acquire_bad_input(void)
{
    size_t ps = pal_mem_page_size();
    struct pal_mem_spec good = spec_of(4 * ps, PAL_STATE_READY), s;
    void *out = &out;
    size_t calls;
    int i;
    struct {
        const char *what;
        int field;
    } const cases[] = {
        { "n 0", 0 },                   { "n not a page multiple", 1 },
        { "align not a power of two", 2 }, { "align below the page size", 3 },
        { "hint not page-aligned", 4 }, { "hint + n wraps", 5 },
        { "EXACT without hint", 6 },    { "EXACT hint off align", 7 },
        { "state 0", 8 },               { "state 4", 9 },
        { "prot on Reserved", 10 },     { "prot on Prepared", 11 },
        { "prot unknown bit", 12 },     { "MTE without READ|WRITE", 13 },
        { "BTI without EXEC", 14 },     { "flags unknown bit", 15 },
        { "flags top bit", 16 },
    };

    CHECK_OK(pal_mem_init());
    (void)pal_mem_features(); /* probes done before counting */
    calls = os_calls();
    CHECK_RC(pal_mem_acquire(NULL, &out), PAL_EINVAL);
    CHECK_RC(pal_mem_acquire(&good, NULL), PAL_EINVAL);
    for (i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++) {
        int rc;

        s = good;
        switch (cases[i].field) {
        case 0: s.n = 0; break;
        case 1: s.n = ps + 1; break;
        case 2: s.align = 3 * ps; break;
        case 3: s.align = ps / 2; break;
        case 4: s.hint = (void *)(uintptr_t)(16 * ps + 8); break;
        case 5: s.hint = (void *)(uintptr_t)(0 - 2 * ps); break;
        case 6: s.flags = PAL_SPEC_EXACT; break;
        case 7:
            s.flags = PAL_SPEC_EXACT;
            s.align = 4 * ps;
            s.hint = (void *)(uintptr_t)(1024 * 4 * ps + ps);
            break;
        case 8: s.state = 0; break;
        case 9: s.state = 4; break;
        case 10: s.state = PAL_STATE_RESERVED; s.prot = PAL_PROT_READ; break;
        case 11: s.state = PAL_STATE_PREPARED; s.prot = PAL_PROT_READ | PAL_PROT_WRITE; break;
        case 12: s.prot = PAL_PROT_READ | 32u; break;
        case 13: s.prot = PAL_PROT_EXEC | PAL_PROT_MTE; break;
        case 14: s.prot = PAL_PROT_READ | PAL_PROT_BTI; break;
        case 15: s.flags = 1u << 4; break;
        default: s.flags = PAL_SPEC_NORESERVE | (1u << 31); break;
        }
        rc = pal_mem_acquire(&s, &out);
        if (rc != PAL_EINVAL) {
            th_fail_at(__FILE__, __LINE__, "%s: %s, want PAL_EINVAL", cases[i].what,
                       pal_strerror(rc));
            return;
        }
        CHECK(out == (void *)&out);
    }
    /* a known flag the backend cannot serve, after every check */
    s = good;
    s.flags = PAL_SPEC_TRACK;
    if (!(pal_mem_features() & PAL_FEAT_TRACK))
        CHECK_RC(pal_mem_acquire(&s, &out), PAL_ENOSYS);
    s.n = 0;
    CHECK_RC(pal_mem_acquire(&s, &out), PAL_EINVAL);
    CHECK(out == (void *)&out);
    /* none of it reached the OS */
    CHECK_EQ(os_calls(), calls);
}

static void used_zero_and_dump_bad_input(void)
{
    size_t ps = pal_mem_page_size();
    unsigned char *p;
    void *v;
    int z = 7;

    CHECK_OK(pal_mem_alloc(2 * ps, &v));
    p = v;
    p[0] = 9;
    CHECK_RC(pal_mem_used_zero(p, 2 * ps, NULL), PAL_EINVAL);
    CHECK_RC(pal_mem_used_zero(NULL, 2 * ps, &z), PAL_EINVAL);
    CHECK_RC(pal_mem_used_zero(p, 0, &z), PAL_EINVAL);
    CHECK_RC(pal_mem_used_zero(p + 1, ps, &z), PAL_EINVAL);
    CHECK_RC(pal_mem_used_zero(p, ps + 1, &z), PAL_EINVAL);
    CHECK_RC(pal_mem_used_zero((void *)(uintptr_t)(0 - ps), ps, &z), PAL_EINVAL);
    CHECK_EQ(z, 7);
    CHECK_RC(pal_mem_dump(NULL, ps, 0), PAL_EINVAL);
    CHECK_RC(pal_mem_dump(p, 0, 1), PAL_EINVAL);
    CHECK_RC(pal_mem_dump(p + 8, ps, 0), PAL_EINVAL);
    CHECK_RC(pal_mem_dump(p, ps - 8, 1), PAL_EINVAL);
    CHECK_RC(pal_mem_dump((void *)(uintptr_t)(0 - ps), ps, 0), PAL_EINVAL);
    CHECK_RC(pal_mem_info(NULL), PAL_EINVAL);
    CHECK_EQ(p[0], 9);
    CHECK_OK(pal_mem_free(p, 2 * ps));
}

/* ==== core dumps and facts ============================================== */

/* Where the OS can leave memory out of core dumps, both ways work and
 * change nothing else; where it cannot, both say PAL_ENOSYS. */
static void dump_both_ways(void)
{
    size_t n = 3 * pal_mem_page_size();
    struct pal_mem_spec s = spec_of(n, PAL_STATE_READY);
    unsigned char *p;
    void *v;
    int out, in;

    CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    th_memset(p, 0x61, n);
    out = pal_mem_dump(p, n, 0);
    in = pal_mem_dump(p, n, 1);
    CHECK(out == PAL_OK || out == PAL_ENOSYS);
    CHECK_EQ(in, out);
    CHECK_BYTES(p, n, 0x61);
    CHECK_OK(pal_mem_free(p, n));
    /* acquire with NODUMP: the same answer */
    s.flags = PAL_SPEC_NODUMP;
    v = &v;
    CHECK_RC(pal_mem_acquire(&s, &v), out);
    if (out == PAL_OK) {
        p = v;
        CHECK_BYTES(p, n, 0);
        th_memset(p, 0x62, n);
        CHECK_OK(pal_mem_dump(p, n, 1));
        CHECK_OK(pal_mem_free(p, n));
    } else {
        /* refused before anything was made */
        CHECK(v == (void *)&v);
    }
}

static void info_agrees_with_the_functions(void)
{
    struct pal_mem_info i;
    size_t g;
    void *a, *b;

    th_memset(&i, 0xee, sizeof i);
    CHECK_OK(pal_mem_info(&i));
    CHECK_EQ(i.page_size, pal_mem_page_size());
    CHECK_EQ(i.huge_page_size, pal_mem_huge_page_size());
    CHECK_EQ(i.features, pal_mem_features());
    CHECK_EQ(i.policy, pal_mem_policy());
    CHECK_EQ(i.numa_nodes, pal_mem_numa_nodes());
    CHECK(i.thp == PAL_THP_NONE || i.thp == PAL_THP_MADVISE || i.thp == PAL_THP_ALWAYS);
    CHECK(i.overcommit >= PAL_OVERCOMMIT_UNKNOWN && i.overcommit <= PAL_OVERCOMMIT_STRICT);
    CHECK(i.noreserve == 0 || i.noreserve == 1);
    /* no-reserve never takes effect where every commit is charged */
    if (i.overcommit == PAL_OVERCOMMIT_STRICT)
        CHECK_EQ(i.noreserve, 0);
    /* no huge page size, no THP mode (the converse need not hold:
     * "never" has a size on some kernels' files) */
    if (i.thp != PAL_THP_NONE)
        CHECK(i.huge_page_size != 0);
    g = i.granularity;
    CHECK(g >= i.page_size && (g & (g - 1)) == 0);
    /* reservations start on it */
    CHECK_OK(pal_mem_reserve(NULL, i.page_size, &a));
    CHECK_OK(pal_mem_reserve(NULL, 3 * i.page_size, &b));
    CHECK_EQ((uintptr_t)a & (g - 1), 0);
    CHECK_EQ((uintptr_t)b & (g - 1), 0);
    CHECK_OK(pal_mem_free(a, i.page_size));
    CHECK_OK(pal_mem_free(b, 3 * i.page_size));
    /* the policy is read when asked */
    CHECK_OK(pal_mem_set_policy(PAL_POLICY_DONTNEED));
    CHECK_OK(pal_mem_info(&i));
    CHECK_EQ(i.policy, PAL_POLICY_DONTNEED);
    CHECK_OK(pal_mem_set_policy(PAL_POLICY_DEFAULT));
}

/* ==== spans: one call over ranges from separate calls =================== */

/* [a: reserve_at][b: acquire Reserved][c: acquire Ready], side by side;
 * each g bytes.  0, or skipped when the address was taken meanwhile. */
static int span_three(unsigned char **out, size_t g)
{
    struct pal_mem_spec s = spec_of(g, PAL_STATE_RESERVED);
    unsigned char *p;
    void *v, *w;

    if (pal_mem_reserve_aligned(3 * g, g, &v) != PAL_OK || pal_mem_free(v, 3 * g) != PAL_OK)
        return -1;
    p = v;
    if (pal_mem_reserve_at(p, g) != PAL_OK)
        return 1;
    s.hint = p + g;
    s.flags = PAL_SPEC_EXACT;
    if (pal_mem_acquire(&s, &w) != PAL_OK) {
        (void)pal_mem_free(p, g);
        return 1;
    }
    s.hint = p + 2 * g;
    s.state = PAL_STATE_READY;
    if (pal_mem_acquire(&s, &w) != PAL_OK) {
        (void)pal_mem_free(p, 2 * g);
        return 1;
    }
    *out = p;
    return 0;
}

static void spans_every_transition(void)
{
    size_t g = gran(), n = 3 * g, ps = pal_mem_page_size();
    struct pal_mem_range r[2];
    unsigned char *p = NULL;
    size_t res;
    int z = 7, rc, dump;

    rc = span_three(&p, g);
    if (rc > 0)
        SKIP("the freed range was taken again: no adjacent reservations");
    CHECK_EQ(rc, 0);
    /* Reserved, Reserved, Ready: map all (Ready made Prepared is allowed
     * after fault only: map the two Reserved ones in one call) */
    CHECK_OK(pal_mem_map(p, 2 * g));
    CHECK_OK(pal_mem_used_zero(p, 2 * g, &z));
    CHECK_OK(pal_mem_used(p, n)); /* Ready stays Ready */
    CHECK_BYTES(p, n, 0);
    th_memset(p, 0x21, n);
    /* across both boundaries */
    CHECK_OK(pal_mem_hugepage(p, n));
    CHECK_OK(pal_mem_nohugepage(p, n));
    rc = pal_mem_collapse(p, n);
    CHECK(rc == PAL_OK || rc == PAL_EAGAIN || rc == PAL_ENOSYS);
    CHECK_BYTES(p, n, 0x21);
    rc = pal_mem_resident(p, n, &res);
    CHECK(rc == PAL_OK || rc == PAL_ENOSYS);
    if (rc == PAL_OK)
        CHECK(res <= n);
    dump = pal_mem_dump(p, n, 0);
    CHECK(dump == PAL_OK || dump == PAL_ENOSYS);
    CHECK_RC(pal_mem_dump(p, n, 1), dump);
    CHECK_OK(pal_mem_populate(p, n));
    CHECK_BYTES(p, n, 0x21);
    CHECK_OK(pal_mem_purge(p + g - ps, g + 2 * ps, PAL_PURGE_ZERO));
    CHECK_BYTES(p, g - ps, 0x21);
    CHECK_BYTES(p + g - ps, g + 2 * ps, 0);
    CHECK_BYTES(p + 2 * g + ps, g - ps, 0x21);
    CHECK_OK(pal_mem_unused(p, n));
    CHECK_OK(pal_mem_used(p, n));
    if (pal_mem_unused_zeroes())
        CHECK_BYTES(p, n, 0);
    th_memset(p, 0x22, n);
    r[0].v = p + g - ps;
    r[0].n = 2 * ps;
    r[1].v = p + 2 * g - ps;
    r[1].n = 2 * ps;
    CHECK_OK(pal_mem_unused_ranges(r, 2, NULL));
    CHECK_OK(pal_mem_used(p, n));
    th_memset(p, 0x23, n);
    if (can_protect()) {
        CHECK_OK(pal_mem_protect(p, n, PAL_PROT_READ));
        CHECK_ACCESS(p + g - 1, 0, 0);
        CHECK_ACCESS(p + g - 1, 1, 1);
        CHECK_ACCESS(p + 2 * g, 1, 1);
        CHECK_OK(pal_mem_protect(p, n, PAL_PROT_READ | PAL_PROT_WRITE));
        CHECK_BYTES(p, n, 0x23);
        CHECK_OK(pal_mem_fault(p, n));
        CHECK_ACCESS(p, 0, 1);
        CHECK_ACCESS(p + g, 0, 1);
        CHECK_ACCESS(p + n - 1, 0, 1);
        CHECK_OK(pal_mem_map(p, n));
        CHECK_OK(pal_mem_used(p, n));
        CHECK_BYTES(p, n, 0);
        CHECK_OK(pal_mem_guard(p + g - ps, 2 * ps));
        CHECK_ACCESS(p + g, 1, 1);
        CHECK_OK(pal_mem_map(p + g - ps, 2 * ps));
        CHECK_OK(pal_mem_used(p + g - ps, 2 * ps));
    }
    /* free keeps Windows' rule: each as it was made */
    CHECK_OK(pal_mem_free(p, g));
    CHECK_OK(pal_mem_free(p + g, g));
    CHECK_OK(pal_mem_free(p + 2 * g, g));
}

/* ==== used_zero after a lazy release: last, it changes the process ====== */

static void used_zero_after_lazy_release(void)
{
    size_t n = 8 * pal_mem_page_size();
    unsigned char *p;
    int z = 7, lazy;
    void *v;

    CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    th_memset(p, 0x99, n);
    CHECK_OK(pal_mem_set_policy(PAL_POLICY_DEFAULT & ~PAL_POLICY_DONTNEED));
    lazy = !pal_mem_unused_zeroes();
    CHECK_OK(pal_mem_unused(p, n));
    CHECK_OK(pal_mem_set_policy(PAL_POLICY_DEFAULT));
    CHECK_OK(pal_mem_used_zero(p, n, &z));
    CHECK(z == 0 || z == 1);
    /* a promise of zeroes is kept */
    if (z)
        CHECK_BYTES(p, n, 0);
    /* and none is made after a lazy release, under any later policy */
    if (lazy)
        CHECK_EQ(z, 0);
    CHECK_OK(pal_mem_free(p, n));
}

const struct th_test th_tests[] = {
    TH(acquire_prepared_used_zero_says_zero),
    TH(acquire_reserved_faults_until_used),
    TH(acquire_ready_is_zero_and_writable),
    TH(acquire_ready_read_only),
    TH(acquire_aligned_every_state),
    TH(acquire_at_hint),
    TH(acquire_exact_taken_is_eexist),
    TH(acquire_bad_input),
    TH(used_zero_and_dump_bad_input),
    TH(dump_both_ways),
    TH(info_agrees_with_the_functions),
    TH(spans_every_transition),
    TH(used_zero_after_lazy_release),
    TH_END,
};
