/*
 * test_contract.c - the contract of pal_mem.h, on every backend.
 *
 * Only the public API and the harness: no libc, no /proc, no system calls.
 * The same file runs on Linux (every architecture, natively or under
 * qemu-user), on Windows (under wine) and on the backends forced onto Linux,
 * so every size comes from pal_mem_page_size() (4, 16 or 64 KiB pages) and
 * whatever cannot be observed on a platform is skipped with the reason,
 * never passed.
 *
 * Layout: facts (sizes, features, errors, stats), policy, the transitions
 * one by one, the hints and extras, purge.  Bad input (every function's
 * bad arguments refused, with nothing changed) is test_bad_input.c; only
 * the policy functions' refusals are here, beside the policy tests.
 */
#include "pal_test.h"

#define KiB ((size_t)1024)
#define MiB (KiB * KiB)

#define FEAT_ALL (PAL_FEAT_MADV_FREE | PAL_FEAT_MADV_DONTNEED | PAL_FEAT_THP |  \
                  PAL_FEAT_THP_COLLAPSE | PAL_FEAT_VMA_NAME |                  \
                  PAL_FEAT_FIXED_NOREPLACE | PAL_FEAT_GUARD | PAL_FEAT_SEAL |  \
                  PAL_FEAT_RESIDENT | PAL_FEAT_PROTECT | PAL_FEAT_BATCH |      \
                  PAL_FEAT_POPULATE | PAL_FEAT_HUGETLB | PAL_FEAT_NUMA |       \
                  PAL_FEAT_MTE | PAL_FEAT_BTI | PAL_FEAT_TRACK)
#define POLICY_ALL (PAL_POLICY_DONTNEED | PAL_POLICY_HARD_DECOMMIT |           \
                    PAL_POLICY_NO_THP | PAL_POLICY_THP_GRANULAR)

#define CHECK_FAULTS(p, write) CHECK_ACCESS(p, write, 1)

/* Set in a child that checks by accessing the memory itself, so that a
 * fault ends it (its parent then checks again the slow way, to tell why). */
static int check_directly;

/* [p, p+n) must be readable and writable, every byte `want` (-1: any). */
#define CHECK_SPAN(p, n, want)                                                \
    do {                                                                      \
        struct th_span span_;                                                 \
        const char *why_ = th_span_problem(&span_, (p), (n), (want),          \
                                           check_directly);                   \
        if (why_ != NULL) {                                                   \
            th_fail_at(__FILE__, __LINE__, "[%s, +%s): %s", #p, #n, why_);    \
            return;                                                           \
        }                                                                     \
    } while (0)

/* ---- policy ----------------------------------------------------------- */

/* Run body under policy, then put back the policy there was before: a
 * CHECK that fails returns from body, not from here, so no test leaves a
 * policy behind for the next. */
static void with_policy(unsigned policy, void (*body)(void))
{
    unsigned saved = pal_mem_policy();
    int rc = pal_mem_set_policy(policy);

    if (rc != PAL_OK) {
        th_fail_at(__FILE__, __LINE__, "pal_mem_set_policy(0x%x): %s", policy,
                   pal_strerror(rc));
        return;
    }
    body();
    CHECK_OK(pal_mem_set_policy(saved));
    CHECK_EQ(pal_mem_policy(), saved);
}

/* ==== facts ============================================================= */

static void policy_default(void)
{
    CHECK_EQ(pal_mem_policy(), PAL_POLICY_DEFAULT);
    /* the default releases with DONTNEED: unused+used memory reads zero */
    CHECK_EQ(pal_mem_unused_zeroes(), 1);
}

/* Under a policy other than the default, so a reset would show. */
static void init_again(void)
{
    size_t ps = pal_mem_page_size(), hps = pal_mem_huge_page_size();
    unsigned feats = pal_mem_features(), policy = pal_mem_policy();

    CHECK_OK(pal_mem_init());
    CHECK_OK(pal_mem_init());
    CHECK_EQ(pal_mem_page_size(), ps);
    CHECK_EQ(pal_mem_huge_page_size(), hps);
    CHECK_EQ(pal_mem_features(), feats);
    CHECK_EQ(pal_mem_policy(), policy);
}

static void init_is_idempotent(void)
{
    with_policy(PAL_POLICY_HARD_DECOMMIT | PAL_POLICY_NO_THP, init_again);
}

static void page_size_is_power_of_two(void)
{
    size_t ps = pal_mem_page_size(), want = 0;
    const char *env = th_getenv("PAL_TEST_PAGE_SIZE"); /* where the runner chose one */

    CHECK(ps >= 4096);
    CHECK_EQ(ps & (ps - 1), 0);
    CHECK_EQ(pal_mem_page_size(), ps);
    while (env != NULL && *env >= '0' && *env <= '9')
        want = want * 10 + (size_t)(*env++ - '0');
    if (want != 0)
        CHECK_EQ(ps, want);
}

static void huge_page_size_is_valid(void)
{
    size_t hps = pal_mem_huge_page_size();

    if (hps != 0) {
        CHECK(hps > pal_mem_page_size());
        CHECK_EQ(hps & (hps - 1), 0);
    }
    CHECK_EQ(pal_mem_huge_page_size(), hps);
}

static int same_string(const char *a, const char *b)
{
    return th_strncmp(a, b, (size_t)-1) == 0;
}

static void strerror_strings(void)
{
    static const int unknown[] = { -1, 9, 1000, -2147483647 - 1, 2147483647 };
    int i, j;
    size_t u;

    for (i = PAL_OK; i <= PAL_EOS; i++) {
        const char *s = pal_strerror(i);

        CHECK(s != NULL);
        CHECK(s[0] != '\0');
        for (j = PAL_OK; j < i; j++)
            if (same_string(s, pal_strerror(j))) {
                th_fail_at(__FILE__, __LINE__, "pal_strerror(%d) == pal_strerror(%d)"
                           " == \"%s\"", i, j, s);
                return;
            }
    }
    /* an unknown code must not read as one of the known ones */
    for (u = 0; u < COUNT(unknown); u++) {
        const char *s = pal_strerror(unknown[u]);

        CHECK(s != NULL);
        CHECK(s[0] != '\0');
        for (j = PAL_OK; j <= PAL_EOS; j++)
            if (same_string(s, pal_strerror(j))) {
                th_fail_at(__FILE__, __LINE__, "pal_strerror(%d) reads as "
                           "known code %d: \"%s\"", unknown[u], j, s);
                return;
            }
    }
}

static void stats_count_os_calls(void)
{
    struct pal_mem_stats s0, s1, s2;
    size_t ps = pal_mem_page_size();
    void *v;

    pal_mem_get_stats(&s0);
    CHECK_OK(pal_mem_reserve(NULL, ps, &v));
    pal_mem_get_stats(&s1);
    CHECK(s1.os_calls > s0.os_calls);
    CHECK_OK(pal_mem_free(v, ps));
    pal_mem_get_stats(&s2);
    CHECK(s2.os_calls > s1.os_calls);
    CHECK(s2.fallbacks >= s0.fallbacks); /* a counter never goes back */
}

/* The feature bits must describe what the functions do.  Seal (which
 * cannot be undone), guard and collapse are held to their bits in their
 * own tests; here the ones that are safe on a scratch page. */
static void features_match_functions(void)
{
    size_t ps = pal_mem_page_size(), bytes = 0;
    unsigned feats = pal_mem_features();
    void *v;
    int rc;

    CHECK_EQ(feats & ~FEAT_ALL, 0);
    CHECK_EQ(pal_mem_features(), feats); /* probed once, stable */
    CHECK_EQ((feats & PAL_FEAT_THP) != 0, pal_mem_huge_page_size() != 0);
    if (feats & PAL_FEAT_THP_COLLAPSE)
        CHECK(feats & PAL_FEAT_THP); /* nothing to collapse into otherwise */

    CHECK_OK(pal_mem_alloc(ps, &v));
    th_memset(v, 1, ps);
    rc = pal_mem_resident(v, ps, &bytes);
    CHECK(rc == PAL_OK || rc == PAL_ENOSYS);
    CHECK_EQ(rc == PAL_OK, (feats & PAL_FEAT_RESIDENT) != 0);
    rc = pal_mem_name(v, ps, "pal-features");
    CHECK(rc == PAL_OK || rc == PAL_ENOSYS);
    CHECK_EQ(rc == PAL_OK, (feats & PAL_FEAT_VMA_NAME) != 0);
    if (!(feats & PAL_FEAT_SEAL)) /* harmless only when it cannot seal */
        CHECK_RC(pal_mem_seal(v, ps), PAL_ENOSYS);
    CHECK_SPAN(v, ps, 1); /* none of that changed the contents */
    CHECK_OK(pal_mem_free(v, ps));
}

/* ==== policy ============================================================ */

static void check_rejects_unknown_bits(void)
{
    static const unsigned bad[] = { 1u << 4, 1u << 5, 1u << 31, ~0u,
                                    PAL_POLICY_DEFAULT | (1u << 4) };
    unsigned before = pal_mem_policy();
    size_t i;

    for (i = 0; i < COUNT(bad); i++) {
        int rc = pal_mem_set_policy(bad[i]);

        if (rc != PAL_EINVAL || pal_mem_policy() != before) {
            th_fail_at(__FILE__, __LINE__, "pal_mem_set_policy(0x%x): %s, "
                       "policy 0x%x -> 0x%x", bad[i], pal_strerror(rc), before,
                       pal_mem_policy());
            return;
        }
    }
}

static void set_policy_rejects_unknown_bits(void)
{
    with_policy(PAL_POLICY_DEFAULT, check_rejects_unknown_bits);
    /* and from a policy other than the default, so "unchanged" means it */
    with_policy(PAL_POLICY_HARD_DECOMMIT | PAL_POLICY_NO_THP,
                check_rejects_unknown_bits);
}

static void check_every_valid_policy(void)
{
    unsigned p;

    for (p = 0; p <= POLICY_ALL; p++) {
        int z;

        CHECK_OK(pal_mem_set_policy(p));
        CHECK_EQ(pal_mem_policy(), p);
        z = pal_mem_unused_zeroes();
        CHECK(z == 0 || z == 1);
        if (p & PAL_POLICY_DONTNEED) /* "memory reads back zero" */
            CHECK_EQ(z, 1);
    }
}

static void set_policy_accepts_every_valid_policy(void)
{
    with_policy(PAL_POLICY_DEFAULT, check_every_valid_policy);
}

static const struct { const char *key; unsigned bit; } policy_keys[] = {
    { "madvdontneed", PAL_POLICY_DONTNEED },
    { "harddecommit", PAL_POLICY_HARD_DECOMMIT },
    { "disablethp", PAL_POLICY_NO_THP },
    { "thpgranular", PAL_POLICY_THP_GRANULAR },
};

#define FLAGS_SENTINEL 0xa5a5a5a5u

/* Every key with both values, on top of whatever policy is current. */
static void check_each_key(void)
{
    unsigned base = pal_mem_policy();
    size_t k;
    unsigned val;

    for (k = 0; k < COUNT(policy_keys); k++) {
        for (val = 0; val <= 1; val++) {
            unsigned bit = policy_keys[k].bit;
            unsigned want = val ? base | bit : base & ~bit;
            unsigned flags = FLAGS_SENTINEL;
            char s[32];
            int rc;

            th_format(s, sizeof s, "%s=%u", policy_keys[k].key, val);
            rc = pal_mem_parse_policy(s, &flags);
            if (rc != PAL_OK || flags != want) {
                th_fail_at(__FILE__, __LINE__, "parse \"%s\" on 0x%x: %s, "
                           "flags 0x%x, want 0x%x", s, base, pal_strerror(rc),
                           flags, want);
                return;
            }
            CHECK_EQ(pal_mem_policy(), base); /* parsing does not apply it */
        }
    }
}

static void parse_policy_each_key(void)
{
    with_policy(0, check_each_key);
    with_policy(POLICY_ALL, check_each_key);
    with_policy(PAL_POLICY_DEFAULT, check_each_key);
}

static void check_combinations(void)
{
    static const struct { const char *s; unsigned want; } cases[] = {
        { "", PAL_POLICY_DEFAULT }, /* changes nothing */
        { "madvdontneed=0,harddecommit=1,disablethp=1,thpgranular=0",
          PAL_POLICY_HARD_DECOMMIT | PAL_POLICY_NO_THP },
        { "madvdontneed=1,harddecommit=1,disablethp=1,thpgranular=1", POLICY_ALL },
        { "harddecommit=1,harddecommit=0", PAL_POLICY_DEFAULT },
        { "harddecommit=0,harddecommit=1",
          PAL_POLICY_DEFAULT | PAL_POLICY_HARD_DECOMMIT },
        { "madvdontneed=0,madvdontneed=1,madvdontneed=0",
          PAL_POLICY_DEFAULT & ~PAL_POLICY_DONTNEED },
        { "thpgranular=0,disablethp=1,thpgranular=1",
          PAL_POLICY_DEFAULT | PAL_POLICY_NO_THP },
    };
    size_t i;

    for (i = 0; i < COUNT(cases); i++) {
        unsigned flags = FLAGS_SENTINEL;
        int rc = pal_mem_parse_policy(cases[i].s, &flags);

        if (rc != PAL_OK || flags != cases[i].want) {
            th_fail_at(__FILE__, __LINE__, "parse \"%s\": %s, flags 0x%x, want "
                       "0x%x", cases[i].s, pal_strerror(rc), flags, cases[i].want);
            return;
        }
    }
    CHECK_EQ(pal_mem_policy(), PAL_POLICY_DEFAULT);
}

static void parse_policy_combinations(void)
{
    with_policy(PAL_POLICY_DEFAULT, check_combinations);
}

static void parse_policy_rejects(void)
{
    static const char *const bad[] = {
        "madvdontneed", "madvdontneed=", "madvdontneed=2", "madvdontneed=01",
        "madvdontneed=1 ", " madvdontneed=1", "madvdontneed =1",
        "madvdontneed=true", "foo=1", "madv=1", "madvdontneedx=1",
        "MADVDONTNEED=1", "madvdontneed=1,", ",madvdontneed=1",
        "madvdontneed=1,,harddecommit=1", "madvdontneed=1;harddecommit=1",
        "madvdontneed=1,foo=1", "harddecommit=1,madvdontneed", "=1", "=", ",",
        " ", "madvdontneed=-1",
    };
    unsigned flags = FLAGS_SENTINEL;
    size_t i;

    for (i = 0; i < COUNT(bad); i++) {
        int rc;

        flags = FLAGS_SENTINEL;
        rc = pal_mem_parse_policy(bad[i], &flags);
        if (rc != PAL_EINVAL || flags != FLAGS_SENTINEL) {
            th_fail_at(__FILE__, __LINE__, "parse \"%s\": %s, flags 0x%x (must "
                       "be PAL_EINVAL, flags untouched)", bad[i],
                       pal_strerror(rc), flags);
            return;
        }
    }
    CHECK_RC(pal_mem_parse_policy(NULL, &flags), PAL_EINVAL);
    CHECK_EQ(flags, FLAGS_SENTINEL);
    CHECK_RC(pal_mem_parse_policy("", NULL), PAL_EINVAL);
    CHECK_RC(pal_mem_parse_policy("madvdontneed=1", NULL), PAL_EINVAL);
    CHECK_EQ(pal_mem_policy(), PAL_POLICY_DEFAULT);
}

/* ==== transitions ======================================================= */

static void reserve_faults(void)
{
    size_t ps = pal_mem_page_size();
    unsigned char *p;
    void *v = NULL;

    if (!can_protect())
        SKIP(NO_PROTECT_REASON);
    CHECK_OK(pal_mem_reserve(NULL, 4 * ps, &v));
    p = v;
    CHECK(p != NULL);
    CHECK_EQ((uintptr_t)p & (ps - 1), 0);
    CHECK_FAULTS(p, 0);
    CHECK_FAULTS(p, 1);
    CHECK_FAULTS(p + 3 * ps, 0);
    CHECK_OK(pal_mem_free(p, 4 * ps));
}

/* The hint is advice: a free one is fine, a taken one must not clobber
 * what is there (no fixed placement behind the caller's back). */
static void reserve_hint_is_advice(void)
{
    size_t ps = pal_mem_page_size(), n = 2 * ps;
    void *a, *r, *out;

    CHECK_OK(pal_mem_reserve(NULL, n, &r));
    CHECK_OK(pal_mem_free(r, n));
    CHECK_OK(pal_mem_reserve(r, n, &out));
    CHECK_EQ((uintptr_t)out & (ps - 1), 0);
    CHECK_OK(pal_mem_free(out, n));

    CHECK_OK(pal_mem_alloc(n, &a));
    th_memset(a, 0x3a, n);
    CHECK_OK(pal_mem_reserve(a, n, &out));
    CHECK(out != a);
    CHECK_EQ((uintptr_t)out & (ps - 1), 0);
    CHECK_SPAN(a, n, 0x3a);
    CHECK_OK(pal_mem_free(out, n));
    CHECK_OK(pal_mem_free(a, n));
}

static void map_used_reads_zero(void)
{
    size_t ps = pal_mem_page_size();
    unsigned char *p;
    void *v;

    CHECK_OK(pal_mem_reserve(NULL, 4 * ps, &v));
    p = v;
    CHECK_OK(pal_mem_map(p, 4 * ps));
    CHECK_OK(pal_mem_used(p, 2 * ps));
    CHECK_SPAN(p, 2 * ps, 0);
    th_memset(p, 0x11, 2 * ps);
    CHECK_SPAN(p, 2 * ps, 0x11);
    CHECK_OK(pal_mem_used(p + 2 * ps, 2 * ps)); /* in parts */
    CHECK_SPAN(p + 2 * ps, 2 * ps, 0);
    CHECK_SPAN(p, 2 * ps, 0x11);
    CHECK_OK(pal_mem_free(p, 4 * ps));
}

static void used_keeps_ready_contents(void)
{
    size_t ps = pal_mem_page_size();
    void *v;

    CHECK_OK(pal_mem_alloc(2 * ps, &v));
    th_memset(v, 0x55, 2 * ps);
    CHECK_OK(pal_mem_used(v, 2 * ps)); /* Ready stays Ready */
    CHECK_SPAN(v, 2 * ps, 0x55);
    CHECK_OK(pal_mem_free(v, 2 * ps));
}

static void unused_then_used_reads_zero(void)
{
    size_t ps = pal_mem_page_size();
    unsigned char *p;
    void *v;

    CHECK_EQ(pal_mem_policy(), PAL_POLICY_DEFAULT);
    CHECK_EQ(pal_mem_unused_zeroes(), 1);
    CHECK_OK(pal_mem_reserve(NULL, 5 * ps, &v));
    p = v;
    CHECK_OK(pal_mem_map(p, 5 * ps));
    CHECK_OK(pal_mem_used(p, 5 * ps));
    th_memset(p, 0x21, 5 * ps);
    CHECK_OK(pal_mem_unused(p + ps, 3 * ps));
    CHECK_OK(pal_mem_used(p + ps, 3 * ps));
    CHECK_SPAN(p + ps, 3 * ps, 0);
    CHECK_SPAN(p, ps, 0x21); /* only [v, v+n) is released */
    CHECK_SPAN(p + 4 * ps, ps, 0x21);
    CHECK_OK(pal_mem_free(p, 5 * ps));
}

/* unused on a range part Ready, part Prepared; and on Prepared again. */
static void unused_mixed_ready_prepared(void)
{
    size_t ps = pal_mem_page_size();
    unsigned char *p;
    void *v;

    CHECK_OK(pal_mem_reserve(NULL, 4 * ps, &v));
    p = v;
    CHECK_OK(pal_mem_map(p, 4 * ps));
    CHECK_OK(pal_mem_used(p, 2 * ps));
    th_memset(p, 0x4d, 2 * ps);
    CHECK_OK(pal_mem_unused(p, 4 * ps));
    CHECK_OK(pal_mem_unused(p, 4 * ps)); /* Prepared stays Prepared */
    CHECK_OK(pal_mem_used(p, 4 * ps));
    CHECK_SPAN(p, 4 * ps, 0);
    CHECK_OK(pal_mem_free(p, 4 * ps));
}

static void unused_drops_residency(void)
{
    size_t ps = pal_mem_page_size(), n = 16 * ps, bytes = 0;
    unsigned char *p;
    void *v;
    int rc;

    CHECK_EQ(pal_mem_policy(), PAL_POLICY_DEFAULT);
    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    rc = pal_mem_resident(p, n, &bytes);
    if (rc == PAL_ENOSYS) {
        CHECK_EQ(pal_mem_features() & PAL_FEAT_RESIDENT, 0);
        CHECK_OK(pal_mem_free(p, n));
        SKIP("pal_mem_resident: residency not measurable on this kernel/backend");
    }
    CHECK_OK(rc);
    CHECK(pal_mem_features() & PAL_FEAT_RESIDENT);
    CHECK_EQ(bytes, 0); /* Reserved: nothing charged */
    CHECK_OK(pal_mem_map(p, n));
    CHECK_OK(pal_mem_used(p, n));
    th_memset(p, 0x33, n);
    CHECK_OK(pal_mem_resident(p, n, &bytes));
    CHECK_EQ(bytes, n);
    /* the default policy releases at once: nothing of it stays resident */
    CHECK_OK(pal_mem_unused(p + 4 * ps, 8 * ps));
    CHECK_OK(pal_mem_resident(p + 4 * ps, 8 * ps, &bytes));
    CHECK_EQ(bytes, 0);
    CHECK_OK(pal_mem_resident(p, n, &bytes));
    CHECK_EQ(bytes, 8 * ps);
    CHECK_OK(pal_mem_free(p, n));
}

/* Without PAL_POLICY_DONTNEED the release may be lazy: unused_zeroes must
 * say which, and what it says must hold. */
static void lazy_release_body(void)
{
    size_t ps = pal_mem_page_size(), n = 4 * ps;
    int z = pal_mem_unused_zeroes();
    void *v;

    CHECK(z == 0 || z == 1);
    /* contents that survive unused mean a lazy release (MADV_FREE or the
     * like), and the feature bits must say the OS has one */
    if (z == 0)
        CHECK(pal_mem_features() & PAL_FEAT_MADV_FREE);
    CHECK_OK(pal_mem_alloc(n, &v));
    th_memset(v, 0x6c, n);
    CHECK_OK(pal_mem_unused(v, n));
    CHECK_OK(pal_mem_used(v, n));
    CHECK_SPAN(v, n, z ? 0 : -1);
    th_memset(v, 0x6d, n);
    CHECK_SPAN(v, n, 0x6d);
    CHECK_OK(pal_mem_free(v, n));
}

static void unused_zeroes_matches_lazy_policy(void)
{
    with_policy(PAL_POLICY_DEFAULT & ~PAL_POLICY_DONTNEED, lazy_release_body);
}

/* A page given another access with protect, then released and used
 * again, is Ready: read-write, whatever access it had before the release
 * (unused on Linux keeps a page's protection, and used, before any hard
 * decommit, issued no mprotect).  This runs before any test here releases
 * under harddecommit, which would make every used restore access anyway. */
static void protect_release_use(unsigned prot)
{
    size_t ps = pal_mem_page_size();
    unsigned char *p;
    void *v;
    int rc;

    CHECK_OK(pal_mem_alloc(2 * ps, &v));
    p = v;
    th_memset(p, 0x2c, 2 * ps);
    rc = pal_mem_protect(p, ps, prot);
    if (rc == PAL_EACCES && (prot & PAL_PROT_EXEC)) { /* W^X */
        CHECK_OK(pal_mem_free(p, 2 * ps));
        return;
    }
    CHECK_OK(rc);
    CHECK_OK(pal_mem_unused(p, 2 * ps));
    CHECK_OK(pal_mem_used(p, 2 * ps));
    CHECK_ACCESS(p, 1, 0);
    CHECK_SPAN(p, 2 * ps, 0);
    CHECK_OK(pal_mem_free(p, 2 * ps));
}

static void used_after_protect_restores_access(void)
{
    static const unsigned prots[] = {
        PAL_PROT_NONE, PAL_PROT_READ, PAL_PROT_EXEC, PAL_PROT_READ | PAL_PROT_EXEC,
    };
    size_t i;

    if (!can_protect())
        SKIP(NO_PROTECT_REASON);
    CHECK_EQ(pal_mem_policy(), PAL_POLICY_DEFAULT);
    for (i = 0; i < COUNT(prots); i++) {
        protect_release_use(prots[i]);
        if (th_failed()) {
            th_note("protected 0x%x before the release", prots[i]);
            return;
        }
    }
}

static void harddecommit_body(void)
{
    size_t ps = pal_mem_page_size();
    unsigned char *p;
    void *v;

    CHECK_EQ(pal_mem_unused_zeroes(), 1);
    CHECK_OK(pal_mem_reserve(NULL, 3 * ps, &v));
    p = v;
    CHECK_OK(pal_mem_map(p, 3 * ps));
    CHECK_OK(pal_mem_used(p, 3 * ps));
    th_memset(p, 0x48, 3 * ps);
    CHECK_OK(pal_mem_unused(p + ps, ps));
    CHECK_FAULTS(p + ps, 0);
    CHECK_SPAN(p, ps, 0x48);
    CHECK_SPAN(p + 2 * ps, ps, 0x48);
    CHECK_OK(pal_mem_used(p + ps, ps));
    CHECK_SPAN(p + ps, ps, 0);
    CHECK_OK(pal_mem_unused(p, 3 * ps));
    CHECK_FAULTS(p, 1);
    CHECK_FAULTS(p + 2 * ps, 0);
    CHECK_OK(pal_mem_used(p, 3 * ps));
    CHECK_SPAN(p, 3 * ps, 0);
    th_memset(p, 0x49, 3 * ps);
    CHECK_SPAN(p, 3 * ps, 0x49);
    CHECK_OK(pal_mem_free(p, 3 * ps));
}

static void harddecommit_removes_access(void)
{
    if (!can_protect())
        SKIP(NO_PROTECT_REASON);
    with_policy(PAL_POLICY_DEFAULT | PAL_POLICY_HARD_DECOMMIT, harddecommit_body);
}

/* Released under one policy, used under another: used makes the range
 * Ready whatever the policy was at release (memory that harddecommit left
 * inaccessible must become writable).  Every pair of policies, the
 * release one first. */
/* Released under one policy, used under another: Ready, contents as
 * unused left them.  Under check_directly the write access is checked by
 * writing, else by a child. */
static void policy_change_body(unsigned released_under, unsigned used_under)
{
    size_t ps = pal_mem_page_size();
    unsigned char *p;
    void *v;
    int zeroes;

    CHECK_OK(pal_mem_set_policy(released_under));
    zeroes = pal_mem_unused_zeroes();
    CHECK_OK(pal_mem_alloc(2 * ps, &v));
    p = v;
    th_memset(p, 0x31, 2 * ps);
    CHECK_OK(pal_mem_unused(p, ps));
    CHECK_OK(pal_mem_set_policy(used_under));
    CHECK_OK(pal_mem_used(p, ps));
    if (!check_directly)
        CHECK_ACCESS(p, 1, 0);
    CHECK_SPAN(p, ps, zeroes ? 0 : -1);
    CHECK_SPAN(p + ps, ps, 0x31);
    if (check_directly)
        *(volatile unsigned char *)p = 0x32;
    CHECK_OK(pal_mem_free(p, 2 * ps));
}

/* Every pair of policies, released under the first and used under the
 * second; stops at the first that fails, naming it. */
static void policy_pairs(void)
{
    unsigned a, b;

    for (a = 0; a <= POLICY_ALL; a++) {
        for (b = 0; b <= POLICY_ALL; b++) {
            policy_change_body(a, b);
            if (th_failed()) {
                th_note("released under policy 0x%x, used under 0x%x", a, b);
                return;
            }
        }
    }
}

static int policy_pairs_direct(void *arg)
{
    (void)arg;
    check_directly = 1;
    policy_pairs();
    return th_failed() ? 1 : 0;
}

/* The 256 pairs in one child (a child per access check costs seconds under
 * an emulated CPU); where that child fails, or there are no children, again
 * with a child per check, which tells which pair and how. */
static void used_after_policy_change_restores_access(void)
{
    unsigned saved = pal_mem_policy();
    int st = th_child(policy_pairs_direct, NULL);

    if (st != TH_CHILD_EXIT(0)) {
        policy_pairs();
        if (st != TH_CHILD_NONE && !th_failed())
            th_fail_at(__FILE__, __LINE__,
                       "the pairs failed in one child (status 0x%x), not one by one", st);
    }
    (void)pal_mem_set_policy(saved);
}

/* The whole state machine under one policy: the current one. */
static void cycle_body(void)
{
    size_t ps = pal_mem_page_size(), n = 4 * ps;
    unsigned policy = pal_mem_policy();
    unsigned char *p;
    void *v;

    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    CHECK_FAULTS(p, 0);
    CHECK_OK(pal_mem_map(p, n));
    CHECK_OK(pal_mem_used(p, n));
    CHECK_SPAN(p, n, 0);
    th_memset(p, 0x77, n);
    CHECK_OK(pal_mem_unused(p, n));
    if (policy & PAL_POLICY_HARD_DECOMMIT)
        CHECK_FAULTS(p + ps, 0);
    CHECK_OK(pal_mem_used(p, n));
    CHECK_SPAN(p, n, pal_mem_unused_zeroes() ? 0 : -1);
    th_memset(p, 0x78, n);
    if (can_protect()) {
        CHECK_OK(pal_mem_fault(p, n));
        CHECK_FAULTS(p + n - ps, 0);
    } else {
        CHECK_RC(pal_mem_fault(p, n), PAL_ENOSYS);
    }
    CHECK_OK(pal_mem_map(p, n));
    CHECK_OK(pal_mem_used(p, n));
    CHECK_SPAN(p, n, can_protect() ? 0 : -1); /* zero: first Ready after fault */
    CHECK_OK(pal_mem_free(p, n));
    CHECK_FAULTS(p, 0);
}

static void state_cycle_every_policy(void)
{
    unsigned p;

    for (p = 0; p <= POLICY_ALL; p++) {
        with_policy(p, cycle_body);
        if (th_failed()) {
            th_note("under policy 0x%x", p);
            return;
        }
    }
}

static void alloc_is_zero_and_writable(void)
{
    size_t ps = pal_mem_page_size();
    void *v = NULL;

    CHECK_OK(pal_mem_alloc(3 * ps, &v));
    CHECK(v != NULL);
    CHECK_EQ((uintptr_t)v & (ps - 1), 0);
    CHECK_SPAN(v, 3 * ps, 0);
    th_memset(v, 0x9e, 3 * ps);
    CHECK_SPAN(v, 3 * ps, 0x9e);
    CHECK_OK(pal_mem_free(v, 3 * ps));
}

/* Free from every state leaves None: access faults and the addresses can
 * be placed exactly again. */
static void free_returns_to_none(void)
{
    size_t ps = pal_mem_page_size(), n = 2 * ps;
    unsigned char *p;
    void *v;

    CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    th_memset(p, 0x5f, n);
    CHECK_OK(pal_mem_free(p, n));
    CHECK_FAULTS(p, 0);
    CHECK_FAULTS(p + ps, 1);
    CHECK_OK(pal_mem_reserve_at(p, n));
    CHECK_OK(pal_mem_free(p, n));

    CHECK_OK(pal_mem_reserve(NULL, n, &v)); /* Reserved */
    CHECK_OK(pal_mem_free(v, n));
    CHECK_OK(pal_mem_reserve_at(v, n));
    CHECK_OK(pal_mem_map(v, n)); /* Prepared */
    CHECK_OK(pal_mem_free(v, n));
    CHECK_OK(pal_mem_reserve_at(v, n));
    CHECK_OK(pal_mem_free(v, n));
}

static void fault_removes_access(void)
{
    size_t ps = pal_mem_page_size(), bytes = 0;
    unsigned char *p;
    void *v;
    int rc;

    /* from Ready, in the middle of a region: the neighbours stay */
    CHECK_OK(pal_mem_alloc(3 * ps, &v));
    p = v;
    if (!can_protect()) {
        rc = pal_mem_fault(p + ps, ps);
        pal_mem_free(p, 3 * ps);
        CHECK_RC(rc, PAL_ENOSYS); /* never pretend */
        SKIP(NO_PROTECT_REASON);
    }
    th_memset(p, 0x2f, 3 * ps);
    CHECK_OK(pal_mem_fault(p + ps, ps));
    CHECK_FAULTS(p + ps, 0);
    CHECK_FAULTS(p + ps, 1);
    CHECK_SPAN(p, ps, 0x2f);
    CHECK_SPAN(p + 2 * ps, ps, 0x2f);
    /* the pages went back, where that can be measured */
    rc = pal_mem_resident(p + ps, ps, &bytes);
    CHECK(rc == PAL_OK || rc == PAL_ENOSYS);
    if (rc == PAL_OK)
        CHECK_EQ(bytes, 0);
    CHECK_OK(pal_mem_map(p + ps, ps));
    CHECK_OK(pal_mem_used(p + ps, ps));
    CHECK_SPAN(p + ps, ps, 0); /* first Ready after fault: zero */
    CHECK_OK(pal_mem_free(p, 3 * ps));

    /* from Prepared */
    CHECK_OK(pal_mem_reserve(NULL, 2 * ps, &v));
    p = v;
    CHECK_OK(pal_mem_map(p, 2 * ps));
    CHECK_OK(pal_mem_fault(p, 2 * ps));
    CHECK_FAULTS(p + ps, 0);
    CHECK_OK(pal_mem_map(p, 2 * ps));
    CHECK_OK(pal_mem_used(p, 2 * ps));
    CHECK_SPAN(p, 2 * ps, 0);
    CHECK_OK(pal_mem_free(p, 2 * ps));
}

static void protect_modes(void)
{
    size_t ps = pal_mem_page_size();
    unsigned char *p, *mid;
    void *v;
    int rc;

    CHECK_OK(pal_mem_alloc(3 * ps, &v));
    p = v;
    mid = p + ps;
    th_memset(p, 0x50, 3 * ps);
    if (!can_protect()) {
        rc = pal_mem_protect(mid, ps, PAL_PROT_READ);
        CHECK_OK(pal_mem_protect(p, 3 * ps, PAL_PROT_READ | PAL_PROT_WRITE));
        pal_mem_free(p, 3 * ps);
        CHECK_RC(rc, PAL_ENOSYS); /* never pretend */
        SKIP(NO_PROTECT_REASON);
    }

    CHECK_OK(pal_mem_protect(mid, ps, PAL_PROT_READ));
    CHECK_ACCESS(mid, 0, 0);
    CHECK_FAULTS(mid, 1);
    CHECK(th_all_bytes(mid, ps, 0x50)); /* readable: safe to read here */
    CHECK_SPAN(p, ps, 0x50); /* the neighbours keep their access */
    CHECK_SPAN(p + 2 * ps, ps, 0x50);

    CHECK_OK(pal_mem_protect(mid, ps, PAL_PROT_NONE));
    CHECK_FAULTS(mid, 0);

    CHECK_OK(pal_mem_protect(p, 3 * ps, PAL_PROT_READ | PAL_PROT_WRITE));
    CHECK_SPAN(p, 3 * ps, 0x50);

    /* executable data may be refused (W^X policies): only that refusal */
    rc = pal_mem_protect(mid, ps, PAL_PROT_READ | PAL_PROT_EXEC);
    CHECK(rc == PAL_OK || rc == PAL_EACCES);
    if (rc == PAL_OK) {
        CHECK_ACCESS(mid, 0, 0);
        CHECK_FAULTS(mid, 1);
    }
    CHECK_OK(pal_mem_protect(mid, ps, PAL_PROT_READ | PAL_PROT_WRITE));
    CHECK_SPAN(p, 3 * ps, 0x50);
    CHECK_OK(pal_mem_free(p, 3 * ps));
}

/* ---- exact placement -------------------------------------------------- */

static void reserve_at_free_range(void)
{
    size_t ps = pal_mem_page_size(), n = 3 * ps;
    void *v;

    CHECK_OK(pal_mem_reserve(NULL, n, &v)); /* find a free range */
    CHECK_OK(pal_mem_free(v, n));
    CHECK_OK(pal_mem_reserve_at(v, n));
    CHECK_FAULTS(v, 0); /* Reserved */
    CHECK_OK(pal_mem_map(v, n));
    CHECK_OK(pal_mem_used(v, n));
    CHECK_SPAN(v, n, 0);
    th_memset(v, 0x3c, n);
    CHECK_SPAN(v, n, 0x3c);
    CHECK_OK(pal_mem_free(v, n));
}

/* reserve_at over taken memory must be PAL_EEXIST.  Where the kernel has
 * no exact placement (PAL_FEAT_FIXED_NOREPLACE clear) the backend can only
 * ask with a hint and check where the mapping landed; when the kernel
 * finds no room elsewhere either, the answer is PAL_ENOMEM and "taken"
 * cannot be told from it.  qemu-user 7.2 with 16 KiB guest pages
 * (loong64) does that at random.  That case sets *unsure and the test,
 * having still checked that nothing was touched, says skipped. */
#define CHECK_EEXIST(call, unsure)                                            \
    do {                                                                      \
        int rc_ = (call);                                                     \
        if (rc_ == PAL_ENOMEM &&                                              \
            !(pal_mem_features() & PAL_FEAT_FIXED_NOREPLACE))                 \
            (unsure) = 1;                                                     \
        else if (rc_ != PAL_EEXIST) {                                         \
            th_fail_at(__FILE__, __LINE__, "%s: %s (%d), want PAL_EEXIST",    \
                       #call, pal_strerror(rc_), rc_);                        \
            return;                                                           \
        }                                                                     \
    } while (0)
#define EEXIST_UNSURE "no exact placement here and the kernel found no room " \
                      "elsewhere (PAL_ENOMEM): PAL_EEXIST not checkable"

static void reserve_at_mapped_range_is_eexist(void)
{
    size_t ps = pal_mem_page_size(), n = 2 * ps;
    unsigned char *p;
    int unsure = 0;
    void *v;

    CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    th_memset(p, 0xe7, n);
    CHECK_EEXIST(pal_mem_reserve_at(p, n), unsure);
    CHECK_SPAN(p, n, 0xe7); /* the old mapping, its contents and access */
    CHECK_EEXIST(pal_mem_reserve_at(p + ps, ps), unsure);
    CHECK_SPAN(p, n, 0xe7);
    CHECK_OK(pal_mem_free(p, n));
    if (unsure)
        SKIP(EEXIST_UNSURE);
}

/* A range that is only partly taken: refused, and the free part is left
 * free (the failed call placed nothing there).  In steps of 64 KiB (or a
 * page, if larger): Windows starts reservations only at its 64 KiB
 * allocation granularity. */
static void reserve_at_partial_overlap_is_eexist(void)
{
    size_t ps = pal_mem_page_size(), g = ps > 64 * KiB ? ps : 64 * KiB;
    unsigned char *p;
    int unsure = 0;
    void *v;

    CHECK_OK(pal_mem_reserve_aligned(4 * g, g, &v));
    p = v;
    CHECK_OK(pal_mem_free(p, 4 * g));
    CHECK_OK(pal_mem_reserve_at(p + 2 * g, 2 * g));
    CHECK_EEXIST(pal_mem_reserve_at(p, 3 * g), unsure);
    CHECK_OK(pal_mem_reserve_at(p, 2 * g));
    CHECK_OK(pal_mem_free(p, 2 * g));
    CHECK_OK(pal_mem_free(p + 2 * g, 2 * g));
    if (unsure)
        SKIP(EEXIST_UNSURE);
}

/* One alignment and size; the caller says which on failure. */
static void aligned_case(size_t align, size_t n)
{
    unsigned char *p;
    void *v = NULL;

    CHECK_OK(pal_mem_reserve_aligned(n, align, &v));
    p = v;
    CHECK(p != NULL);
    CHECK_EQ((uintptr_t)p & (align - 1), 0);
    /* Reserved, where faults can be seen; the alignment matters anyway */
    CHECK(!can_protect() || th_faults(p, 0) != 0);
    CHECK_OK(pal_mem_map(p, n));
    CHECK_OK(pal_mem_used(p, n));
    CHECK_SPAN(p, n, 0);
    th_memset(p, 0xa1, n);
    CHECK_SPAN(p, n, 0xa1);
    CHECK_OK(pal_mem_free(p, n));
}

static void reserve_aligned_alignments(void)
{
    /* align 0 stands for the page size; n = bytes + pages * page size, so
     * that some sizes are not multiples of their alignment */
    static const struct { size_t align, bytes, pages; } cases[] = {
        { 0, 0, 1 }, { 0, 0, 3 },
        { 64 * KiB, 64 * KiB, 0 }, { 64 * KiB, 0, 3 },
        { 1 * MiB, 1 * MiB, 1 }, { 1 * MiB, 0, 3 }, { 1 * MiB, 2 * MiB, 5 },
        { 2 * MiB, 2 * MiB, 0 }, { 2 * MiB, 0, 1 },
    };
    size_t ps = pal_mem_page_size(), i, done = 0;

    for (i = 0; i < COUNT(cases); i++) {
        size_t align = cases[i].align ? cases[i].align : ps;
        size_t n = cases[i].bytes + cases[i].pages * ps;

        if (align < ps || (n & (ps - 1)) != 0)
            continue; /* not a valid request with pages this big */
        aligned_case(align, n);
        if (th_failed()) {
            th_note("pal_mem_reserve_aligned(n = 0x%zx, align = 0x%zx)", n, align);
            return;
        }
        done++;
    }
    CHECK(done >= 4);
}

/* ---- hints ------------------------------------------------------------ */

/* A range of whole huge pages where there are some (but not gigantic
 * ones: 512 MiB on 64 KiB-page arm64), else a few pages. */
static size_t hint_region(size_t *align)
{
    size_t ps = pal_mem_page_size(), hps = pal_mem_huge_page_size();

    if (hps != 0 && hps <= 4 * MiB) {
        *align = hps;
        return 2 * hps;
    }
    *align = ps;
    return 4 * ps;
}

/* *p: the hint region made Ready, left NULL where a step failed (the
 * failure is reported). */
static void ready_hint_region(size_t *n, unsigned char **p)
{
    size_t align;
    void *v;

    *p = NULL;
    *n = hint_region(&align);
    CHECK_OK(pal_mem_reserve_aligned(*n, align, &v));
    CHECK_OK(pal_mem_map(v, *n));
    CHECK_OK(pal_mem_used(v, *n));
    *p = v;
}

static void hugepage_hints_succeed(void)
{
    size_t ps = pal_mem_page_size(), n;
    unsigned char *p;

    ready_hint_region(&n, &p);
    if (p == NULL)
        return;
    th_memset(p, 0x68, ps);
    th_memset(p + n - ps, 0x69, ps);
    CHECK_OK(pal_mem_hugepage(p, n));
    CHECK_OK(pal_mem_nohugepage(p, n));
    CHECK_OK(pal_mem_hugepage(p + ps, ps)); /* no whole huge page inside */
    CHECK_OK(pal_mem_nohugepage(p + ps, ps));
    CHECK_OK(pal_mem_hugepage(p, n));
    /* hints: no state change */
    CHECK_SPAN(p, ps, 0x68);
    CHECK_SPAN(p + ps, n - 2 * ps, 0);
    CHECK_SPAN(p + n - ps, ps, 0x69);
    CHECK_OK(pal_mem_free(p, n));
}

/* A conservative collector (the Boehm GC) takes every word of the
 * program's static data for a possible pointer, libpal's own records
 * included: a range address kept there as it is keeps the objects at the
 * range's ends alive, and with them all they point to.  The records of
 * ranges narrowed (protect, harddecommit's unused) and asked huge pages
 * for must hold no word inside the ranges.  Zero-initialised data, where
 * the records live, is bounded by the linker's __bss_start and _end on
 * ELF. */
#if defined(__ELF__)
extern char __bss_start[], _end[];

/* Every word, the AddressSanitizer's red zones between variables too:
 * not instrumented. */
__attribute__((noinline, no_sanitize_address))
static const uintptr_t *static_word_into(uintptr_t lo, uintptr_t hi)
{
    const uintptr_t *w = (const uintptr_t *)(((uintptr_t)__bss_start + sizeof(uintptr_t) - 1) &
                                             ~(uintptr_t)(sizeof(uintptr_t) - 1));

    for (; (const char *)(w + 1) <= _end; w++)
        if (*w >= lo && *w < hi)
            return w;
    return NULL;
}

static void records_body(void)
{
    size_t ps = pal_mem_page_size(), n;
    const uintptr_t *w;
    unsigned char *p;

    ready_hint_region(&n, &p);
    if (p == NULL)
        return;
    if (can_protect()) {
        CHECK_OK(pal_mem_protect(p, n, PAL_PROT_READ));
        CHECK_OK(pal_mem_protect(p, n, PAL_PROT_READ | PAL_PROT_WRITE));
    }
    CHECK_OK(pal_mem_hugepage(p, n));
    CHECK_OK(pal_mem_unused(p + ps, ps));
    CHECK_OK(pal_mem_used(p + ps, ps));
    w = static_word_into((uintptr_t)p, (uintptr_t)p + n);
    if (w != NULL)
        th_fail_at(__FILE__, __LINE__, "static data at %p holds %p, inside [%p, +0x%zx)",
                   (const void *)w, (void *)*w, (void *)p, n);
    CHECK_OK(pal_mem_free(p, n));
}
#endif

static void records_hold_no_range_address(void)
{
#if !defined(__ELF__)
    SKIP("not an ELF program: no linker bounds of its static data to scan");
#else
    with_policy(PAL_POLICY_DEFAULT | PAL_POLICY_HARD_DECOMMIT, records_body);
#endif
}

static void collapse_codes(void)
{
    size_t ps = pal_mem_page_size(), n;
    unsigned feats = pal_mem_features();
    unsigned char *p;
    int rc;

    ready_hint_region(&n, &p);
    if (p == NULL)
        return;
    th_memset(p, 0x71, ps);
    th_memset(p + n - ps, 0x72, ps);
    rc = pal_mem_collapse(p, n);
    if (rc != PAL_OK && rc != PAL_EAGAIN && rc != PAL_ENOSYS) {
        th_fail_at(__FILE__, __LINE__, "pal_mem_collapse: %s (%d), want "
                   "PAL_OK, PAL_EAGAIN or PAL_ENOSYS", pal_strerror(rc), rc);
        return;
    }
    CHECK_EQ(rc == PAL_ENOSYS, (feats & PAL_FEAT_THP_COLLAPSE) == 0);
    /* a collapse copies: it must neither lose nor invent contents */
    CHECK_SPAN(p, ps, 0x71);
    CHECK_SPAN(p + ps, n - 2 * ps, 0);
    CHECK_SPAN(p + n - ps, ps, 0x72);
    CHECK_OK(pal_mem_free(p, n));
    if (rc == PAL_ENOSYS)
        SKIP("huge-page collapse not supported by this kernel/backend");
}

/* ---- guard pages, sealing, naming ------------------------------------- */

static void guard_faults(void)
{
    size_t ps = pal_mem_page_size();
    unsigned char *p;
    void *v;
    int rc;

    CHECK_OK(pal_mem_alloc(3 * ps, &v));
    p = v;
    th_memset(p, 0x47, 3 * ps);
    rc = pal_mem_guard(p + ps, ps);
    if (rc == PAL_ENOSYS) {
        CHECK_EQ(pal_mem_features() & PAL_FEAT_GUARD, 0);
        CHECK_SPAN(p, 3 * ps, 0x47);
        CHECK_OK(pal_mem_free(p, 3 * ps));
        SKIP("guard pages not supported by this backend");
    }
    CHECK_OK(rc);
    CHECK(can_protect()); /* a guard that cannot fault would be pretence */
    CHECK_FAULTS(p + ps, 0);
    CHECK_FAULTS(p + ps, 1);
    CHECK_SPAN(p, ps, 0x47); /* only the guarded range */
    CHECK_SPAN(p + 2 * ps, ps, 0x47);
    CHECK_OK(pal_mem_free(p, 3 * ps));
}

/* A sealed mapping is sealed for the life of the process: these pages are
 * never given back. */
static void seal_forbids_free(void)
{
    size_t ps = pal_mem_page_size(), n = 2 * ps;
    unsigned feats = pal_mem_features();
    void *v;
    int rc;

    CHECK_OK(pal_mem_alloc(n, &v));
    th_memset(v, 0x5e, n);
    rc = pal_mem_seal(v, n);
    if (rc == PAL_ENOSYS) {
        CHECK_EQ(feats & PAL_FEAT_SEAL, 0);
        CHECK_SPAN(v, n, 0x5e);
        CHECK_OK(pal_mem_free(v, n));
        SKIP("mseal not supported by this kernel/backend");
    }
    CHECK_OK(rc);
    CHECK(feats & PAL_FEAT_SEAL);
    CHECK_RC(pal_mem_free(v, n), PAL_EPERM);
    CHECK_RC(pal_mem_protect(v, ps, PAL_PROT_READ), PAL_EPERM);
    CHECK_SPAN(v, n, 0x5e); /* still there, still read-write */
}

static void name_mapping(void)
{
    size_t ps = pal_mem_page_size(), n = 2 * ps, i;
    unsigned feats = pal_mem_features();
    char longest[80]; /* 79 characters: the longest name allowed */
    const char *names[3];
    void *v;
    int rc;

    for (i = 0; i < sizeof longest - 1; i++)
        longest[i] = (char)('a' + i % 26);
    longest[sizeof longest - 1] = '\0';
    names[0] = "pal-contract";
    names[1] = "pal heap 1.2_x-y";
    names[2] = longest;
    CHECK_OK(pal_mem_alloc(n, &v));
    th_memset(v, 0x4e, n);
    rc = pal_mem_name(v, n, names[0]);
    if (rc != PAL_OK && rc != PAL_ENOSYS) {
        th_fail_at(__FILE__, __LINE__, "pal_mem_name: %s (%d), want PAL_OK or "
                   "PAL_ENOSYS", pal_strerror(rc), rc);
        return;
    }
    CHECK_EQ(rc == PAL_OK, (feats & PAL_FEAT_VMA_NAME) != 0);
    for (i = 1; i < COUNT(names); i++) {
        int again = pal_mem_name(v, n, names[i]);

        if (again != rc) {
            th_fail_at(__FILE__, __LINE__, "pal_mem_name(\"%s\"): %s, but %s "
                       "for \"%s\"", names[i], pal_strerror(again),
                       pal_strerror(rc), names[0]);
            return;
        }
    }
    CHECK_SPAN(v, n, 0x4e); /* a name changes no contents */
    CHECK_OK(pal_mem_free(v, n));
    if (rc == PAL_ENOSYS)
        SKIP("naming mappings not supported by this kernel/backend");
}

/* ---- purge ------------------------------------------------------------ */

/* After a PAL_PURGE_LAZY of memory filled with old: every page reads all
 * old or all zero (the release is per page), and is still read-write. */
static const char *lazy_problem(unsigned char *p, size_t n, unsigned char old)
{
    static char why[128];
    size_t ps = pal_mem_page_size(), i;

    for (i = 0; i < n; i += ps)
        if (!th_all_bytes(p + i, ps, old) && !th_all_bytes(p + i, ps, 0)) {
            th_format(why, sizeof why,
                      "page at +0x%zx holds neither its old contents nor zeros", i);
            return why;
        }
    return NULL;
}

#define CHECK_LAZY(p, n, old)                                                 \
    do {                                                                      \
        const char *why_;                                                     \
        CHECK_SPAN((p), (n), -1);                                             \
        why_ = lazy_problem((p), (n), (old));                                 \
        if (why_ != NULL) {                                                   \
            th_fail_at(__FILE__, __LINE__, "[%s, +%s): %s", #p, #n, why_);    \
            return;                                                           \
        }                                                                     \
    } while (0)

/* Ready stays Ready: ZERO reads zero, LAZY old or zero, both read-write,
 * the neighbours untouched; under the policy in force. */
static void purge_body(void)
{
    size_t ps = pal_mem_page_size();
    unsigned char *p;
    void *v;

    CHECK_OK(pal_mem_alloc(5 * ps, &v));
    p = v;
    th_memset(p, 0x3a, 5 * ps);
    CHECK_OK(pal_mem_purge(p + ps, 3 * ps, PAL_PURGE_ZERO));
    CHECK_SPAN(p + ps, 3 * ps, 0);
    CHECK_SPAN(p, ps, 0x3a);
    CHECK_SPAN(p + 4 * ps, ps, 0x3a);

    th_memset(p, 0x3b, 5 * ps);
    CHECK_OK(pal_mem_purge(p + ps, 3 * ps, PAL_PURGE_LAZY));
    CHECK_LAZY(p + ps, 3 * ps, 0x3b);
    CHECK_SPAN(p, ps, 0x3b);
    CHECK_SPAN(p + 4 * ps, ps, 0x3b);
    /* written again, a page keeps what was written */
    th_memset(p + ps, 0x3c, 3 * ps);
    CHECK_SPAN(p + ps, 3 * ps, 0x3c);

    /* purged twice, and purged memory that was never touched */
    CHECK_OK(pal_mem_purge(p, 5 * ps, PAL_PURGE_ZERO));
    CHECK_OK(pal_mem_purge(p, 5 * ps, PAL_PURGE_ZERO));
    CHECK_SPAN(p, 5 * ps, 0);
    CHECK_OK(pal_mem_purge(p, 5 * ps, PAL_PURGE_LAZY));
    CHECK_SPAN(p, 5 * ps, 0);
    /* still Ready: unused and used take it as before */
    CHECK_OK(pal_mem_unused(p, 5 * ps));
    CHECK_OK(pal_mem_used(p, 5 * ps));
    CHECK_OK(pal_mem_free(p, 5 * ps));
}

/* The policy does not change what purge does; harddecommit least of all
 * (purged memory keeps its access with no used). */
static void purge_keeps_ready_every_policy(void)
{
    static const unsigned policies[] = {
        PAL_POLICY_DEFAULT,
        PAL_POLICY_DEFAULT & ~PAL_POLICY_DONTNEED,
        PAL_POLICY_DEFAULT | PAL_POLICY_HARD_DECOMMIT,
        PAL_POLICY_DEFAULT | PAL_POLICY_NO_THP,
        0,
    };
    size_t i;

    for (i = 0; i < COUNT(policies) && !th_failed(); i++)
        with_policy(policies[i], purge_body);
}

/* A range part Ready, part Prepared (fresh from map, and released by
 * unused): purge takes it; the Prepared part stays Prepared (used makes
 * it Ready, reading zero where unused_zeroes says so). */
static void purge_mixed_ready_prepared(void)
{
    size_t ps = pal_mem_page_size();
    unsigned char *p;
    void *v;

    CHECK_EQ(pal_mem_policy(), PAL_POLICY_DEFAULT);
    CHECK_OK(pal_mem_reserve(NULL, 6 * ps, &v));
    p = v;
    CHECK_OK(pal_mem_map(p, 6 * ps));
    CHECK_OK(pal_mem_used(p, 4 * ps));
    th_memset(p, 0x4f, 4 * ps);
    CHECK_OK(pal_mem_unused(p + 2 * ps, 2 * ps));
    /* Ready [0, 2), Prepared [2, 6) */
    CHECK_OK(pal_mem_purge(p, 6 * ps, PAL_PURGE_ZERO));
    CHECK_SPAN(p, 2 * ps, 0);
    CHECK_OK(pal_mem_purge(p, 6 * ps, PAL_PURGE_LAZY));
    CHECK_SPAN(p, 2 * ps, 0);
    CHECK_OK(pal_mem_used(p, 6 * ps));
    CHECK_SPAN(p, 6 * ps, 0);
    CHECK_OK(pal_mem_free(p, 6 * ps));
}

/* Read-only Ready memory stays readable, with its contents or zeros, and
 * not writable (LAZY: what every backend can do without writing). */
static void purge_keeps_protection(void)
{
    size_t ps = pal_mem_page_size();
    unsigned char *p;
    void *v;

    if (!can_protect())
        SKIP(NO_PROTECT_REASON);
    CHECK_OK(pal_mem_alloc(2 * ps, &v));
    p = v;
    th_memset(p, 0x5a, 2 * ps);
    CHECK_OK(pal_mem_protect(p, 2 * ps, PAL_PROT_READ));
    CHECK_OK(pal_mem_purge(p, 2 * ps, PAL_PURGE_LAZY));
    CHECK_ACCESS(p, 0, 0);
    CHECK_ACCESS(p + ps, 0, 0);
    CHECK(th_all_bytes(p, ps, 0x5a) || th_all_bytes(p, ps, 0));
    CHECK_FAULTS(p, 1);
    CHECK_OK(pal_mem_free(p, 2 * ps));
}

/* Where the backend claims a release (no fallback counted), the pages of
 * a ZERO purge are no longer resident. */
static void purge_zero_drops_residency(void)
{
    size_t ps = pal_mem_page_size(), n = 8 * ps, bytes = 0, fb;
    unsigned char *p;
    void *v;
    int rc;

    CHECK_OK(pal_mem_alloc(n, &v));
    p = v;
    th_memset(p, 0x61, n);
    rc = pal_mem_resident(p, n, &bytes);
    if (rc == PAL_ENOSYS) {
        CHECK_OK(pal_mem_free(p, n));
        SKIP("pal_mem_resident: residency not measurable on this kernel/backend");
    }
    CHECK_OK(rc);
    CHECK_EQ(bytes, n);
    fb = th_fallbacks();
    CHECK_OK(pal_mem_purge(p + 2 * ps, 4 * ps, PAL_PURGE_ZERO));
    if (th_fallbacks() != fb) {
        CHECK_SPAN(p + 2 * ps, 4 * ps, 0);
        CHECK_OK(pal_mem_free(p, n));
        SKIP("the backend zeroed by writing (a counted fallback): no release to measure");
    }
    CHECK_OK(pal_mem_resident(p, n, &bytes));
    CHECK_EQ(bytes, 4 * ps);
    CHECK_OK(pal_mem_free(p, n));
}

/* Ranges, in order, with done; a range may span two reservations (the
 * backend splits it where the OS needs one call per allocation). */
static void purge_ranges_spans(void)
{
    size_t ps = pal_mem_page_size(), n = 4 * ps > 64 * KiB ? 4 * ps : 64 * KiB, done = 7;
    struct pal_mem_range r[3];
    unsigned char *p;
    void *v;
    int rc;

    /* two reservations side by side, each on Windows' granularity and at
     * least four pages, so that between its purged first and last page
     * each keeps pages the purge must leave alone (with 64 KiB pages,
     * 64 KiB is one page and that middle would be empty) */
    CHECK_OK(pal_mem_reserve_aligned(2 * n, n, &v));
    CHECK_OK(pal_mem_free(v, 2 * n));
    p = v;
    rc = pal_mem_reserve_at(p, n);
    if (rc == PAL_OK && (rc = pal_mem_reserve_at(p + n, n)) != PAL_OK)
        (void)pal_mem_free(p, n);
    if (rc == PAL_EEXIST)
        SKIP("the freed range was taken again before reserve_at: no adjacent reservations");
    CHECK_OK(rc);
    CHECK_OK(pal_mem_map(p, n));
    CHECK_OK(pal_mem_map(p + n, n));
    CHECK_OK(pal_mem_used(p, 2 * n));
    th_memset(p, 0x71, 2 * n);
    r[0].v = p;
    r[0].n = ps;
    r[1].v = p + n - ps; /* across the two reservations */
    r[1].n = 2 * ps;
    r[2].v = p + 2 * n - ps;
    r[2].n = ps;
    CHECK_OK(pal_mem_purge_ranges(r, 3, PAL_PURGE_ZERO, &done));
    CHECK_EQ(done, 3);
    CHECK_SPAN(p, ps, 0);
    CHECK_SPAN(p + ps, n - 2 * ps, 0x71);
    CHECK_SPAN(p + n - ps, 2 * ps, 0);
    CHECK_SPAN(p + n + ps, n - 2 * ps, 0x71);
    CHECK_SPAN(p + 2 * n - ps, ps, 0);
    th_memset(p, 0x72, 2 * n);
    done = 7;
    CHECK_OK(pal_mem_purge_ranges(r, 3, PAL_PURGE_LAZY, &done));
    CHECK_EQ(done, 3);
    CHECK_LAZY(p, 2 * n, 0x72);
    CHECK_OK(pal_mem_purge(p + n - ps, 2 * ps, PAL_PURGE_ZERO));
    CHECK_SPAN(p + n - ps, 2 * ps, 0);
    done = 7;
    CHECK_OK(pal_mem_purge_ranges(r, 0, PAL_PURGE_ZERO, &done));
    CHECK_EQ(done, 0);
    CHECK_OK(pal_mem_purge_ranges(NULL, 0, PAL_PURGE_LAZY, NULL));
    CHECK_OK(pal_mem_free(p, n));
    CHECK_OK(pal_mem_free(p + n, n));
}

const struct th_test th_tests[] = {
    /* facts; policy_default first, before anything could change it */
    TH(policy_default),
    TH(init_is_idempotent),
    TH(page_size_is_power_of_two),
    TH(huge_page_size_is_valid),
    TH(strerror_strings),
    TH(stats_count_os_calls),
    TH(features_match_functions),
    /* policy */
    TH(set_policy_rejects_unknown_bits),
    TH(set_policy_accepts_every_valid_policy),
    TH(parse_policy_each_key),
    TH(parse_policy_combinations),
    TH(parse_policy_rejects),
    /* transitions */
    TH(reserve_faults),
    TH(reserve_hint_is_advice),
    TH(map_used_reads_zero),
    TH(used_keeps_ready_contents),
    TH(unused_then_used_reads_zero),
    TH(unused_mixed_ready_prepared),
    TH(unused_drops_residency),
    TH(unused_zeroes_matches_lazy_policy),
    TH(used_after_protect_restores_access),
    TH(harddecommit_removes_access),
    TH(used_after_policy_change_restores_access),
    TH(state_cycle_every_policy),
    TH(alloc_is_zero_and_writable),
    TH(free_returns_to_none),
    TH(fault_removes_access),
    TH(protect_modes),
    TH(reserve_at_free_range),
    TH(reserve_at_mapped_range_is_eexist),
    TH(reserve_at_partial_overlap_is_eexist),
    TH(reserve_aligned_alignments),
    /* hints and extras */
    TH(hugepage_hints_succeed),
    TH(collapse_codes),
    TH(records_hold_no_range_address),
    TH(guard_faults),
    TH(seal_forbids_free),
    TH(name_mapping),
    /* purge */
    TH(purge_keeps_ready_every_policy),
    TH(purge_mixed_ready_prepared),
    TH(purge_keeps_protection),
    TH(purge_zero_drops_residency),
    TH(purge_ranges_spans),
    TH_END,
};
