/*
 * test_limits.c - the library against the kernel's real limits, not
 * filters, each in a child:
 *
 *  - RLIMIT_AS exhausted: reserve, reserve_aligned and alloc say
 *    PAL_ENOMEM and map nothing, what needs no new address space still
 *    works, and everything works again once the limit is raised;
 *  - vm.max_map_count reached (tens of thousands of small mappings): the
 *    calls that must split a mapping (protect, fault, unused under
 *    harddecommit; under strict overcommit unused, fault, used and map of
 *    part of a range) say PAL_ENOMEM with nothing half-done, the ones that
 *    need no split still work, and all work again once mappings are
 *    freed;
 *  - RLIMIT_MEMLOCK: libpal locks nothing (no mlock, no MAP_LOCKED), so
 *    every call gives the same answer with a locked-memory limit of 0 as
 *    without, and VmLck stays 0; where the caller locks all its future
 *    mappings (mlockall(MCL_FUTURE)), the limit makes reserve and alloc
 *    PAL_EAGAIN ("transient: locked-memory limit") until it is raised.
 *
 * Strict overcommit is forced, where the machine does not run it, by
 * bind-mounting a file saying 2 over /proc/sys/vm/overcommit_memory in a
 * private mount namespace (as test_machines does): the library reads the
 * mode there; the kernel's accounting is not what these cases measure.
 */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "lx_util.h"

#define KiB ((size_t)1024)
#define MiB (KiB * KiB)

/* A "Key:   123 kB" field of /proc/self/status, in bytes; -1 if absent. */
static long long status_bytes(const char *key)
{
    const char *s;
    size_t k = th_strlen(key);
    long long v = 0;

    if (lx_read_proc("/proc/self/status") <= 0 || (s = th_strstr(lx_buf, key)) == NULL)
        return -1;
    for (s += k; *s == ' ' || *s == '\t'; s++)
        ;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return v * 1024;
}

/* A private mount namespace with text bound over path; NULL, or why not. */
static const char *bind_text(const char *path, const char *text)
{
    char tmp[] = "/tmp/pal-limits-XXXXXX";
    size_t len = th_strlen(text);
    int fd;

    if (unshare(CLONE_NEWNS) != 0)
        return "unshare(CLONE_NEWNS) refused (not root?)";
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return "cannot make / a private mount";
    fd = mkstemp(tmp);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
        if (fd >= 0)
            close(fd);
        return "cannot write a temporary file";
    }
    close(fd);
    if (mount(tmp, path, NULL, MS_BIND, NULL) != 0) {
        unlink(tmp);
        return "cannot bind-mount over /proc/sys/vm/overcommit_memory";
    }
    unlink(tmp);
    return NULL;
}

static void fill(char *p, size_t n, unsigned char seed)
{
    size_t i;

    for (i = 0; i < n; i += 64)
        p[i] = (char)(seed + i / 64);
}

static int filled(const char *p, size_t n, unsigned char seed)
{
    size_t i;

    for (i = 0; i < n; i += 64)
        if (p[i] != (char)(seed + i / 64))
            return 0;
    return 1;
}

/* ---- RLIMIT_AS --------------------------------------------------------- */

#define AS_ROOM (16 * MiB)
#define AS_PIECES 64

/* Grow the stack now: once the address space is used up, a stack that
 * grows is a SIGSEGV, not an error code. */
static void grow_stack(void)
{
    volatile char pad[256 * 1024];

    pad[0] = pad[sizeof pad - 1] = 1;
}

static int as_child(void *arg)
{
    struct rlimit old, lim;
    long long size0, size1;
    size_t ps, bytes = 0, k, pages;
    void *v, *pieces[AS_PIECES];
    unsigned feat_at_limit, feat_after;
    char *r;
    int err;

    (void)arg;
    C_CHECK(lx_library_fresh());
    C_CHECK_OK(pal_mem_init());
    ps = pal_mem_page_size();
    C_CHECK(getrlimit(RLIMIT_AS, &old) == 0);
    grow_stack();
    /* a range made before the limit, to work on at it */
    C_CHECK_OK(pal_mem_reserve(NULL, 16 * ps, &v));
    r = v;
    size0 = status_bytes("VmSize:");
    C_CHECK(size0 > 0);
    lim.rlim_cur = (rlim_t)size0 + AS_ROOM;
    lim.rlim_max = old.rlim_max;
    C_CHECK(setrlimit(RLIMIT_AS, &lim) == 0);
    /* enforced here?  (qemu-user takes RLIMIT_AS and does not apply it) */
    v = mmap(NULL, 2 * AS_ROOM, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (v != MAP_FAILED)
        C_SKIP("RLIMIT_AS is not enforced here (qemu-user ignores it)");

    /* more than is left: PAL_ENOMEM, nothing mapped */
    C_CHECK_EQ(pal_mem_reserve(NULL, 2 * AS_ROOM, &v), PAL_ENOMEM);
    C_CHECK_EQ(pal_mem_alloc(2 * AS_ROOM, &v), PAL_ENOMEM);
    /* n fits, n + align - page does not */
    C_CHECK_EQ(pal_mem_reserve_aligned(AS_ROOM / 2, AS_ROOM, &v), PAL_ENOMEM);
    C_CHECK_EQ(status_bytes("VmSize:"), size0);

    /* use up what is left, 1 MiB, then a page at a time: the one that
     * does not fit is PAL_ENOMEM and maps nothing */
    for (k = 0; k < AS_PIECES && (err = pal_mem_reserve(NULL, MiB, &pieces[k])) == PAL_OK; k++)
        ;
    C_CHECK_EQ(err, PAL_ENOMEM);
    for (pages = 0; (err = pal_mem_alloc(ps, &v)) == PAL_OK; pages++)
        ;
    C_CHECK_EQ(err, PAL_ENOMEM);
    size1 = status_bytes("VmSize:");
    C_CHECK(size1 <= (long long)lim.rlim_cur && size1 + (long long)ps > (long long)lim.rlim_cur);
    lx_rep->fig[0] = (long)k;
    lx_rep->fig[1] = (long)pages;

    /* what needs no new address space still works at the limit */
    C_CHECK_OK(pal_mem_map(r, 16 * ps));
    C_CHECK_OK(pal_mem_used(r, 16 * ps));
    fill(r, 16 * ps, 3);
    C_CHECK_OK(pal_mem_protect(r, 16 * ps, PAL_PROT_READ));
    C_CHECK_OK(pal_mem_protect(r, 16 * ps, PAL_PROT_READ | PAL_PROT_WRITE));
    C_CHECK(filled(r, 16 * ps, 3));
    C_CHECK_OK(pal_mem_unused(r, 16 * ps));
    C_CHECK_OK(pal_mem_used(r, 16 * ps));
    C_CHECK(th_all_bytes(r, 16 * ps, 0));
    C_CHECK_OK(pal_mem_fault(r, 16 * ps));
    C_CHECK_OK(pal_mem_map(r, 16 * ps));
    C_CHECK_EQ(status_bytes("VmSize:"), size1);
    /* features first asked for at the limit: the probes' scratch mappings
     * cannot be had; those features are probed again next time */
    feat_at_limit = pal_mem_features();
    lx_rep->fig[2] = (long)feat_at_limit;
    lx_rep->fig[3] = pal_mem_resident(r, 16 * ps, &bytes);

    /* raised: everything works again */
    C_CHECK(setrlimit(RLIMIT_AS, &old) == 0);
    C_CHECK_OK(pal_mem_reserve(NULL, 2 * AS_ROOM, &v));
    C_CHECK_OK(pal_mem_free(v, 2 * AS_ROOM));
    C_CHECK_OK(pal_mem_alloc(2 * AS_ROOM, &v));
    C_CHECK_OK(pal_mem_free(v, 2 * AS_ROOM));
    C_CHECK_OK(pal_mem_reserve_aligned(AS_ROOM / 2, AS_ROOM, &v));
    C_CHECK_EQ((uintptr_t)v & (AS_ROOM - 1), 0);
    feat_after = pal_mem_features();
    lx_rep->fig[4] = (long)feat_after;
    C_CHECK_EQ(feat_at_limit & ~feat_after, 0);
    lx_rep->fig[5] = pal_mem_resident(r, 16 * ps, &bytes);
    if (feat_after & PAL_FEAT_RESIDENT)
        C_CHECK_OK((int)lx_rep->fig[5]);
    while (k > 0)
        C_CHECK_OK(pal_mem_free(pieces[--k], MiB));
    return 0;
}

static void rlimit_as_exhausted(void)
{
    RUN_CHILD(as_child, NULL);
    th_note("RLIMIT_AS = VmSize + %zu MiB: %ld reservations of 1 MiB and %ld pages fitted, "
            "then PAL_ENOMEM; working again once raised", AS_ROOM / MiB, lx_rep->fig[0],
            lx_rep->fig[1]);
    th_note("features first asked at the limit: 0x%lx, after: 0x%lx; resident at the limit: "
            "%s, after: %s", lx_rep->fig[2], lx_rep->fig[4], pal_strerror((int)lx_rep->fig[3]),
            pal_strerror((int)lx_rep->fig[5]));
}

/* ---- vm.max_map_count -------------------------------------------------- */

/* The ranges a case works on, and what /proc/self/maps says about them:
 * the lines overlapping each, and the count of all mappings, read once. */
#define SPANS 3

struct spans {
    uintptr_t lo[SPANS], hi[SPANS];
    char lines[2][SPANS][1024];
    long count[2];
};

static int spans_take(struct spans *sp, int which)
{
    const char *s, *e;
    uintptr_t a, b;
    size_t at[SPANS] = { 0 };
    int i;

    sp->count[which] = 0;
    if (lx_read_proc("/proc/self/maps") <= 0)
        return 0;
    for (s = lx_buf; *s != '\0'; s = e) {
        e = lx_next_line(s);
        if (!lx_is_header(s, &a, &b))
            continue;
        sp->count[which]++;
        for (i = 0; i < SPANS; i++) {
            const char *t;

            if (a >= sp->hi[i] || b <= sp->lo[i])
                continue;
            for (t = s; t < e && at[i] + 1 < sizeof sp->lines[0][0]; t++)
                sp->lines[which][i][at[i]++] = *t;
        }
    }
    for (i = 0; i < SPANS; i++)
        sp->lines[which][i][at[i]] = '\0';
    return 1;
}

/* Nothing changed since the snapshot: the mappings of every range, and
 * how many mappings there are. */
static int spans_same(struct spans *sp)
{
    int i;

    if (!spans_take(sp, 1) || sp->count[1] != sp->count[0])
        return 0;
    for (i = 0; i < SPANS; i++)
        if (th_strncmp(sp->lines[0][i], sp->lines[1][i], sizeof sp->lines[0][0]) != 0)
            return 0;
    return 1;
}

struct table_fill {
    char *base;
    size_t len;
    long splits;
};

/* Split one big PROT_NONE mapping page by page (PROT_READ every other
 * page, each split adding two mappings) until the kernel refuses, then one
 * mapping at a time (alternating protections up from the remaining
 * PROT_NONE part, so that nothing merges) until it refuses again: then the
 * process holds exactly vm.max_map_count mappings and any split fails. */
static int fill_table(struct table_fill *t, long max, size_t ps)
{
    size_t i;
    int refused = 0;
    char *p;

    t->len = (size_t)(max + 16) * 2 * ps;
    p = mmap(NULL, t->len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return 0;
    t->base = p;
    t->splits = 0;
    for (i = 1; !refused && 2 * i * ps < t->len; i++, t->splits++)
        refused = mprotect(p + 2 * i * ps, ps, PROT_READ) != 0;
    if (!refused || errno != ENOMEM)
        return 0;
    /* the refused page was 2(i-1); the PROT_NONE part starts one page
     * below it: from there, one page at a time, RW then R, each different
     * from both neighbours */
    refused = 0;
    for (i = 2 * (i - 1) - 1; !refused && (i + 1) * ps < t->len; i++, t->splits++)
        refused = mprotect(p + i * ps, ps, (i & 1) ? PROT_READ | PROT_WRITE : PROT_READ) != 0;
    return refused && errno == ENOMEM;
}

/* Give mappings back: n pages from page 2 of the table's mapping, each a
 * mapping of its own (pages 0 and 1 are one), so that no split is needed. */
static int free_mappings(struct table_fill *t, size_t n, size_t ps)
{
    return munmap(t->base + 2 * ps, n * ps) == 0;
}

static long read_max_map_count(void)
{
    const char *s = lx_buf;
    long v = 0;

    if (lx_read_proc("/proc/sys/vm/max_map_count") <= 0)
        return -1;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return v;
}

static size_t resident_pages(const void *p, size_t n, size_t ps)
{
    unsigned char vec[64];
    size_t i, k = 0;

    if (n / ps > sizeof vec || mincore((void *)(uintptr_t)p, n, vec) != 0)
        return (size_t)-1;
    for (i = 0; i < n / ps; i++)
        k += vec[i] & 1;
    return k;
}

/* A failed call changed nothing: the mappings, the contents of the Ready
 * range, its pages all resident and writable. */
#define C_UNCHANGED(sp, a, n, ps)                                             \
    do {                                                                      \
        C_CHECK(spans_same(sp));                                              \
        C_CHECK(filled(a, n, 7));                                             \
        C_CHECK_EQ(resident_pages(a, n, ps), (n) / (ps));                     \
        C_CHECK_EQ(lx_faults((a) + 5 * (ps), 1), 0);                          \
    } while (0)

struct mc_case {
    int strict;
};

static int map_count_child(void *arg)
{
    const struct mc_case *c = arg;
    static struct spans sp;
    struct table_fill t;
    long long size0;
    size_t ps, n, bytes;
    long max;
    const char *why;
    void *v;
    char *a, *b, *cr;
    int err;

    C_CHECK(lx_library_fresh());
    /* Under qemu-user the mappings counted are the emulator's, which also
     * needs new ones to answer /proc/self/maps: its marker is a seccomp
     * filter refused with EINVAL (this one allows everything). */
    if (lx_seccomp(NULL, 0, SECCOMP_RET_ALLOW) == EINVAL)
        C_SKIP("seccomp refused with EINVAL: qemu-user, where vm.max_map_count counts the "
               "emulator's mappings");
    max = read_max_map_count();
    if (max <= 0 || max > 1 << 20)
        C_SKIP("vm.max_map_count unreadable or too large to reach here");
    if (c->strict && !lx_strict_overcommit() &&
        (why = bind_text("/proc/sys/vm/overcommit_memory", "2\n")) != NULL)
        C_SKIP(why);
    if (!c->strict && lx_strict_overcommit())
        C_SKIP("vm.overcommit_memory=2 here: the default-mode paths run where it is 0");
    ps = pal_mem_page_size();
    n = 16 * ps;
    /* the ranges worked on, made before the table fills: a Ready one, a
     * Prepared one (PROT_NONE under strict overcommit), a Reserved one */
    C_CHECK_OK(pal_mem_alloc(n, &v));
    a = v;
    fill(a, n, 7);
    C_CHECK_OK(pal_mem_reserve(NULL, n, &v));
    b = v;
    C_CHECK_OK(pal_mem_map(b, n));
    C_CHECK_OK(pal_mem_used(b, n));
    C_CHECK_OK(pal_mem_unused(b, n));
    C_CHECK_OK(pal_mem_reserve(NULL, n, &v));
    cr = v;
    (void)pal_mem_features(); /* probed now, not on scratch mappings at the limit */
    sp.lo[0] = (uintptr_t)a, sp.hi[0] = (uintptr_t)a + n;
    sp.lo[1] = (uintptr_t)b, sp.hi[1] = (uintptr_t)b + n;
    sp.lo[2] = (uintptr_t)cr, sp.hi[2] = (uintptr_t)cr + n;

    if (!fill_table(&t, max, ps))
        C_SKIP("the mapping table did not fill up with ENOMEM (not a kernel's count here)");
    C_CHECK(spans_take(&sp, 0));
    lx_rep->fig[0] = max;
    lx_rep->fig[1] = t.splits;
    lx_rep->fig[2] = sp.count[0];

    /* a split is needed: PAL_ENOMEM, nothing changed */
    C_CHECK_EQ(pal_mem_protect(a + 4 * ps, 4 * ps, PAL_PROT_READ), PAL_ENOMEM);
    C_UNCHANGED(&sp, a, n, ps);
    C_CHECK_EQ(pal_mem_fault(a + 4 * ps, 4 * ps), PAL_ENOMEM);
    C_UNCHANGED(&sp, a, n, ps);
    if (c->strict) {
        C_CHECK_EQ(pal_mem_unused(a + 4 * ps, 4 * ps), PAL_ENOMEM);
        C_UNCHANGED(&sp, a, n, ps);
        C_CHECK_EQ(pal_mem_used(b + 4 * ps, 4 * ps), PAL_ENOMEM);
        C_UNCHANGED(&sp, a, n, ps);
        C_CHECK_EQ(pal_mem_map(cr + 4 * ps, 4 * ps), PAL_ENOMEM);
        C_UNCHANGED(&sp, a, n, ps);
    } else {
        C_CHECK_OK(pal_mem_set_policy(PAL_POLICY_DEFAULT | PAL_POLICY_HARD_DECOMMIT));
        C_CHECK_EQ(pal_mem_unused(a + 4 * ps, 4 * ps), PAL_ENOMEM);
        C_UNCHANGED(&sp, a, n, ps);
        C_CHECK_OK(pal_mem_set_policy(PAL_POLICY_DEFAULT));
        /* no split needed: works at the limit (madvise; guard regions) */
        C_CHECK_OK(pal_mem_unused(a + 4 * ps, 4 * ps));
        C_CHECK_OK(pal_mem_used(a + 4 * ps, 4 * ps));
        C_CHECK(th_all_bytes(a + 4 * ps, 4 * ps, 0));
        fill(a, n, 7);
        C_UNCHANGED(&sp, a, n, ps);
        if (pal_mem_features() & PAL_FEAT_GUARD) {
            C_CHECK_OK(pal_mem_guard(a + 12 * ps, 2 * ps));
            C_CHECK_EQ(lx_faults(a + 12 * ps, 0), 1);
            C_CHECK(spans_same(&sp));
        } else {
            C_CHECK_EQ(pal_mem_guard(a + 12 * ps, 2 * ps), PAL_ENOMEM);
            C_UNCHANGED(&sp, a, n, ps);
        }
    }
    /* "No extra address space stays reserved", at the limit too: a fresh
     * reservation that merged with a neighbour cannot lose its slop
     * without a split */
    size0 = status_bytes("VmSize:");
    err = pal_mem_reserve_aligned(n, 64 * ps, &v);
    lx_rep->fig[3] = err;
    if (err == PAL_OK)
        C_CHECK_EQ(status_bytes("VmSize:") - size0, n);
    else
        C_CHECK_EQ(status_bytes("VmSize:"), size0);

    /* mappings given back: all of it works again */
    C_CHECK(free_mappings(&t, 64, ps));
    C_CHECK_OK(pal_mem_protect(a + 4 * ps, 4 * ps, PAL_PROT_READ));
    C_CHECK_EQ(lx_faults(a + 4 * ps, 1), 1);
    C_CHECK_OK(pal_mem_protect(a + 4 * ps, 4 * ps, PAL_PROT_READ | PAL_PROT_WRITE));
    C_CHECK(filled(a, 12 * ps, 7));
    if (c->strict) {
        C_CHECK_OK(pal_mem_unused(a + 4 * ps, 4 * ps));
        C_CHECK_OK(pal_mem_used(a + 4 * ps, 4 * ps));
        C_CHECK(th_all_bytes(a + 4 * ps, 4 * ps, 0));
        C_CHECK_OK(pal_mem_used(b + 4 * ps, 4 * ps));
        C_CHECK_OK(pal_mem_map(cr + 4 * ps, 4 * ps));
    } else {
        C_CHECK_OK(pal_mem_set_policy(PAL_POLICY_DEFAULT | PAL_POLICY_HARD_DECOMMIT));
        C_CHECK_OK(pal_mem_unused(a + 4 * ps, 4 * ps));
        C_CHECK_EQ(lx_faults(a + 4 * ps, 0), 1);
        C_CHECK_OK(pal_mem_used(a + 4 * ps, 4 * ps));
        C_CHECK_OK(pal_mem_set_policy(PAL_POLICY_DEFAULT));
    }
    C_CHECK_OK(pal_mem_fault(a + 4 * ps, 4 * ps));
    C_CHECK_EQ(lx_faults(a + 4 * ps, 0), 1);
    C_CHECK_OK(pal_mem_resident(a, n, &bytes));
    C_CHECK(munmap(t.base, t.len) == 0);
    return 0;
}

static void map_count_note(const char *mode)
{
    th_note("%s: vm.max_map_count %ld reached after %ld splits (%ld lines in /proc/self/maps); "
            "reserve_aligned there: %s", mode, lx_rep->fig[0], lx_rep->fig[1], lx_rep->fig[2],
            pal_strerror((int)lx_rep->fig[3]));
}

static void map_count_reached(void)
{
    struct mc_case c = { 0 };

#ifdef __SANITIZE_THREAD__
    SKIP("ThreadSanitizer's allocator maps memory of its own on the way, which the full "
         "mapping table refuses (it aborts the program)");
#endif

    RUN_CHILD(map_count_child, &c);
    map_count_note("overcommit as is");
}

static void map_count_reached_strict(void)
{
    struct mc_case c = { 1 };

#ifdef __SANITIZE_THREAD__
    SKIP("ThreadSanitizer's allocator maps memory of its own on the way, which the full "
         "mapping table refuses (it aborts the program)");
#endif

    RUN_CHILD(map_count_child, &c);
    map_count_note(lx_strict_overcommit() ? "overcommit 2" : "overcommit 2 (forced)");
}

/* ---- RLIMIT_MEMLOCK ---------------------------------------------------- */

/* Drop CAP_IPC_LOCK, which exempts root from RLIMIT_MEMLOCK.  0, or why
 * not. */
static const char *drop_ipc_lock(void)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];

    if (syscall(SYS_capget, &h, d) != 0)
        return "capget refused";
    d[0].effective &= ~(1u << CAP_IPC_LOCK);
    d[0].permitted &= ~(1u << CAP_IPC_LOCK);
    d[0].inheritable &= ~(1u << CAP_IPC_LOCK);
    if (syscall(SYS_capset, &h, d) != 0)
        return "capset refused";
    return NULL;
}

#define CYCLE_MAX 40

/* Every function once, in a fixed order, on a fresh library: the answers
 * into lx_rep->fig-sized codes (returned through the report's reason). */
static int cycle(signed char *codes)
{
    struct pal_mem_range r[2];
    size_t ps = pal_mem_page_size(), n = 16 * ps, bytes, sizes[4], done;
    unsigned node;
    void *v, *w, *s, *x;
    char *p;
    int k = 0;

#define RECORD(call) (codes[k++] = (signed char)(call))
    RECORD(pal_mem_reserve(NULL, n, &v));
    p = v;
    RECORD(pal_mem_reserve_aligned(n, 64 * ps, &w));
    RECORD(pal_mem_free(w, n));
    RECORD(pal_mem_reserve_at(w, n));
    RECORD(pal_mem_map(p, n));
    RECORD(pal_mem_used(p, n));
    fill(p, n, 1);
    RECORD(pal_mem_populate(p, n));
    RECORD(pal_mem_hugepage(p, n));
    RECORD(pal_mem_nohugepage(p, n));
    RECORD(pal_mem_collapse(p, n));
    RECORD(pal_mem_unused(p, n));
    RECORD(pal_mem_used(p, n));
    fill(p, n, 2);
    r[0].v = p;
    r[0].n = ps;
    r[1].v = p + 2 * ps;
    r[1].n = ps;
    RECORD(pal_mem_unused_ranges(r, 2, &done));
    RECORD(pal_mem_fault(p, n));
    RECORD(pal_mem_map(p, n));
    RECORD(pal_mem_used(p, n));
    RECORD(pal_mem_protect(p, n, PAL_PROT_READ));
    RECORD(pal_mem_protect(p, n, PAL_PROT_READ | PAL_PROT_WRITE));
    RECORD(pal_mem_guard(p + n - 2 * ps, 2 * ps));
    RECORD(pal_mem_name(p, n, "pal-limits"));
    RECORD(pal_mem_resident(p, n - 2 * ps, &bytes));
    RECORD(pal_mem_alloc(ps, &s));
    RECORD(pal_mem_seal(s, ps));
    RECORD(pal_mem_alloc(n, &x));
    RECORD(pal_mem_free(x, n));
    RECORD(pal_mem_huge_page_sizes(sizes, 4) > 0 ? pal_mem_alloc_huge(sizes[0], 0, &x) : -1);
    RECORD(pal_mem_current_node(&node));
    RECORD(pal_mem_bind_node(p, n, 0));
    RECORD(pal_mem_free(p, n));
    RECORD(pal_mem_free(w, n));
#undef RECORD
    return k;
}

/* arg non-NULL: under RLIMIT_MEMLOCK 0 without CAP_IPC_LOCK.  The codes go
 * to fig[0] (how many) and reason[] (one byte each). */
static int memlock_cycle_child(void *arg)
{
    struct rlimit zero = { 0, 0 };
    signed char codes[CYCLE_MAX];
    const char *why;
    int k, i;

    C_CHECK(lx_library_fresh());
    if (arg != NULL) {
        if ((why = drop_ipc_lock()) != NULL)
            C_SKIP(why);
        C_CHECK(setrlimit(RLIMIT_MEMLOCK, &zero) == 0);
        /* enforced here: mlock of one page must fail now */
        if (mlock(&zero, 1) == 0)
            C_SKIP("RLIMIT_MEMLOCK is not enforced here");
    }
    k = cycle(codes);
    C_CHECK(k <= CYCLE_MAX && k < (int)sizeof lx_rep->reason);
    lx_rep->fig[0] = k;
    for (i = 0; i < k; i++)
        lx_rep->reason[i] = (char)codes[i];
    lx_rep->fig[1] = (long)status_bytes("VmLck:");
    return 0;
}

/* libpal locks nothing: with a locked-memory limit of 0 every call answers
 * as it does without one, and nothing is locked. */
static void memlock_zero_changes_nothing(void)
{
    char without[CYCLE_MAX];
    long k, i;

    RUN_CHILD(memlock_cycle_child, NULL);
    k = lx_rep->fig[0];
    for (i = 0; i < k; i++)
        without[i] = lx_rep->reason[i];
    RUN_CHILD(memlock_cycle_child, (void *)1);
    CHECK_EQ(lx_rep->fig[0], k);
    for (i = 0; i < k; i++)
        if (lx_rep->reason[i] != without[i])
            th_fail_at(__FILE__, __LINE__, "call %ld of the cycle: %s under RLIMIT_MEMLOCK 0, "
                       "%s without", i + 1, pal_strerror(lx_rep->reason[i]),
                       pal_strerror(without[i]));
    CHECK_EQ(lx_rep->fig[1], 0);
    th_note("%ld calls (every function once): the same answers under RLIMIT_MEMLOCK 0 without "
            "CAP_IPC_LOCK as without the limit; VmLck %ld kB after", k, lx_rep->fig[1] / 1024);
}

/* The caller locks every future mapping (mlockall(MCL_FUTURE)): the
 * locked-memory limit is then the library's limit too.  fig[0]: unused of
 * locked memory; fig[1]: fault of it. */
static int mcl_future_child(void *arg)
{
    struct rlimit old, lim;
    size_t ps;
    void *v;
    char *p;
    const char *why;
    long long size0;
    size_t small; /* within the 256 KiB limit: 128 KiB, or two pages */

    (void)arg;
    C_CHECK(lx_library_fresh());
    if ((why = drop_ipc_lock()) != NULL)
        C_SKIP(why);
    C_CHECK_OK(pal_mem_init());
    ps = pal_mem_page_size();
    small = 128 * KiB > 2 * ps ? 128 * KiB : 2 * ps;
    C_CHECK(getrlimit(RLIMIT_MEMLOCK, &old) == 0);
    if (old.rlim_max != RLIM_INFINITY && old.rlim_max < 2 * MiB)
        C_SKIP("the hard RLIMIT_MEMLOCK is below 2 MiB here");
    lim.rlim_cur = 256 * KiB;
    lim.rlim_max = old.rlim_max;
    C_CHECK(setrlimit(RLIMIT_MEMLOCK, &lim) == 0);
    if (mlockall(MCL_FUTURE) != 0)
        C_SKIP("mlockall(MCL_FUTURE) refused");
    /* enforced here, as the kernel does it?  (qemu-user's mmap answers
     * ENOMEM for the kernel's EAGAIN) */
    v = mmap(NULL, MiB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (v != MAP_FAILED)
        C_SKIP("a locked mapping past RLIMIT_MEMLOCK was granted: the limit is not enforced here");
    if (errno != EAGAIN)
        C_SKIP("a locked mapping past RLIMIT_MEMLOCK fails, but not with EAGAIN (qemu-user)");

    /* "PAL_EAGAIN: transient: locked-memory limit", nothing mapped */
    size0 = status_bytes("VmSize:");
    C_CHECK_EQ(pal_mem_reserve(NULL, MiB, &v), PAL_EAGAIN);
    C_CHECK_EQ(pal_mem_alloc(MiB, &v), PAL_EAGAIN);
    C_CHECK_EQ(pal_mem_reserve_aligned(MiB, 2 * MiB, &v), PAL_EAGAIN);
    C_CHECK_EQ(status_bytes("VmSize:"), size0);
    /* within it: locked memory through the cycle */
    C_CHECK_OK(pal_mem_reserve(NULL, small, &v));
    p = v;
    C_CHECK_OK(pal_mem_map(p, small));
    C_CHECK_OK(pal_mem_used(p, small));
    fill(p, small, 5);
    lx_rep->fig[0] = pal_mem_unused(p, small);
    lx_rep->fig[1] = pal_mem_fault(p, small);
    /* raised: works again */
    lim.rlim_cur = old.rlim_max == RLIM_INFINITY ? 64 * MiB : old.rlim_max;
    C_CHECK(setrlimit(RLIMIT_MEMLOCK, &lim) == 0);
    C_CHECK_OK(pal_mem_reserve(NULL, MiB, &v));
    C_CHECK_OK(pal_mem_free(v, MiB));
    C_CHECK_OK(pal_mem_alloc(MiB, &v));
    C_CHECK_OK(pal_mem_free(v, MiB));
    C_CHECK(munlockall() == 0);
    return 0;
}

static void memlock_caller_locks_everything(void)
{
    RUN_CHILD(mcl_future_child, NULL);
    th_note("mlockall(MCL_FUTURE), RLIMIT_MEMLOCK 256 KiB: reserve/alloc of 1 MiB PAL_EAGAIN, "
            "then PAL_OK once raised; unused of locked memory: %s, fault of it: %s",
            pal_strerror((int)lx_rep->fig[0]), pal_strerror((int)lx_rep->fig[1]));
}

const struct th_test th_tests[] = {
    TH(rlimit_as_exhausted),
    TH(map_count_reached),
    TH(map_count_reached_strict),
    TH(memlock_zero_changes_nothing),
    TH(memlock_caller_locks_everything),
    TH_END,
};
