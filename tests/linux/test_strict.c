/*
 * test_strict.c - what pal_mem_init and the core state cycle need from the
 * kernel, checked in children under seccomp filters that kill the process
 * on any other system call (a strict sandbox), and how many calls init
 * issues in a fresh process.  Optional features are probed lazily: under
 * the same sandbox pal_mem_features() must die, proving that init would
 * have died too had it probed them.
 *
 * The library learns the page size once per process, so the parent never
 * calls libpal: every child starts fresh (each checks that first).  A
 * child under these filters cannot write(2); it reports through a shared
 * page and its exit status.  Under qemu-user (no seccomp) the sandboxed
 * cases say skipped.
 *
 * A fact that could not be read at set-up (every open failing with EMFILE
 * under RLIMIT_NOFILE 0) must be asked again: once files open, the huge
 * page size, the THP and hugetlb features, the pools, the node count and
 * the overcommit mode must be what /sys and /proc say.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sys/resource.h>

#include "lx_util.h"

#define ALLOW(nr) { nr, -1, 0, 0, SECCOMP_RET_ALLOW }

/* What a child needs to end (glibc's _exit: exit_group, then exit). */
#define ALLOW_EXIT ALLOW(SYS_exit), ALLOW(SYS_exit_group)

/* Reading the files init learns from: /proc/self/auxv and two files
 * under /sys/kernel/mm/transparent_hugepage. */
#ifdef SYS_open
#define ALLOW_FILES ALLOW(SYS_openat), ALLOW(SYS_open), ALLOW(SYS_read), ALLOW(SYS_close)
#else
#define ALLOW_FILES ALLOW(SYS_openat), ALLOW(SYS_read), ALLOW(SYS_close)
#endif

static const struct lx_rule files_only[] = {
    ALLOW_FILES,
    ALLOW_EXIT,
};

/* The strict sandbox: memory calls and file reads, nothing else. */
static const struct lx_rule memory_and_files[] = {
#ifdef SYS_mmap
    ALLOW(SYS_mmap),
#endif
#ifdef SYS_mmap2
    ALLOW(SYS_mmap2),
#endif
    ALLOW(SYS_munmap),
    ALLOW(SYS_mprotect),
    ALLOW(SYS_madvise),
    ALLOW_FILES,
    ALLOW_EXIT,
};

static size_t calls_now(void)
{
    struct pal_mem_stats st;

    pal_mem_get_stats(&st);
    return st.os_calls;
}

/* Every test needs a parent that has not used the library. */
#define NEED_FRESH_PARENT()                                                   \
    do {                                                                      \
        if (!lx_library_fresh())                                              \
            SKIP("libpal was already used in this process");                  \
    } while (0)

/* ---- how many calls init issues ---------------------------------------- */

/* fig[0]: calls of the first init; fig[1]: of everything after it. */
static int child_count_init(void *arg)
{
    size_t c0, c1, c2;

    (void)arg;
    C_CHECK(lx_library_fresh());
    c0 = calls_now();
    C_CHECK_OK(pal_mem_init());
    c1 = calls_now();
    /* the facts are learnt: asking again costs nothing */
    C_CHECK_OK(pal_mem_init());
    C_CHECK(pal_mem_page_size() != 0);
    (void)pal_mem_huge_page_size();
    (void)pal_mem_policy();
    c2 = calls_now();
    lx_rep->fig[0] = (long)(c1 - c0);
    lx_rep->fig[1] = (long)(c2 - c1);
    C_CHECK(c1 > c0);
    /* three small files (auxv, THP mode, huge page size), each: open,
     * one read, close.  A feature probe at init would add an mmap, munmap
     * and a madvise or prctl per feature. */
    C_CHECK(c1 - c0 <= 3 * 3);
    C_CHECK_EQ(c2 - c1, 0);
    return 0;
}

static void strict_init_call_count(void)
{
    NEED_FRESH_PARENT();
    RUN_CHILD(child_count_init, NULL);
    th_note("pal_mem_init in a fresh process: %ld calls; later init and size queries: %ld",
            lx_rep->fig[0], lx_rep->fig[1]);
}

/* ---- init reads files, nothing else ------------------------------------ */

static int child_init_files_only(void *arg)
{
    (void)arg;
    C_CHECK(lx_library_fresh());
    C_SECCOMP(files_only, SECCOMP_RET_KILL_PROCESS);
    lx_rep->stage = 1;
    C_CHECK_OK(pal_mem_init());
    lx_rep->stage = 2;
    C_CHECK(pal_mem_page_size() != 0);
    return 0;
}

static void strict_init_reads_only_files(void)
{
    NEED_FRESH_PARENT();
    RUN_CHILD(child_init_files_only, NULL);
}

/* ---- the state cycle in the strict sandbox ----------------------------- */

static int child_cycle(void *arg)
{
    size_t ps, n;
    char *p;
    void *v;

    (void)arg;
    C_CHECK(lx_library_fresh());
    C_SECCOMP(memory_and_files, SECCOMP_RET_KILL_PROCESS);
    lx_rep->stage = 1;
    C_CHECK_OK(pal_mem_init());
    lx_rep->stage = 2;
    ps = pal_mem_page_size();
    n = 16 * ps;
    C_CHECK_OK(pal_mem_reserve(NULL, n, &v));
    p = v;
    C_CHECK_OK(pal_mem_map(p, n));
    C_CHECK_OK(pal_mem_used(p, n));
    C_CHECK(th_all_bytes(p, n, 0));
    th_memset(p, 0xab, n);
    C_CHECK_OK(pal_mem_unused(p, n));
    C_CHECK_OK(pal_mem_used(p, n));
    C_CHECK(th_all_bytes(p, n, 0));
    th_memset(p, 0xcd, n);
    lx_rep->stage = 3;
    C_CHECK_OK(pal_mem_fault(p, n));
    C_CHECK_OK(pal_mem_map(p, n));
    C_CHECK_OK(pal_mem_used(p, n));
    C_CHECK(th_all_bytes(p, n, 0));
    /* the same with an unaligned part, where the default policy marks
     * huge pages (madvise is allowed) */
    C_CHECK_OK(pal_mem_unused(p + ps, n - 2 * ps));
    C_CHECK_OK(pal_mem_used(p + ps, n - 2 * ps));
    lx_rep->stage = 4;
    C_CHECK_OK(pal_mem_free(p, n));
    lx_rep->stage = 5;
    return 0;
}

static void strict_sandbox_state_cycle(void)
{
    NEED_FRESH_PARENT();
    RUN_CHILD(child_cycle, NULL);
}

/* ---- optional probes are lazy: they would have killed init ------------- */

static int child_features(void *arg)
{
    (void)arg;
    C_CHECK(lx_library_fresh());
    C_SECCOMP(memory_and_files, SECCOMP_RET_KILL_PROCESS);
    lx_rep->stage = 1;
    C_CHECK_OK(pal_mem_init());
    lx_rep->stage = 2;
    (void)pal_mem_features(); /* mseal, prctl, mincore: outside the list */
    lx_rep->stage = 3;
    return 0;
}

static void strict_sandbox_features_die(void)
{
    int st;

    NEED_FRESH_PARENT();
    st = lx_run(child_features, NULL);
    if (st == TH_CHILD_SIGNAL(SIGSYS)) {
        CHECK_EQ(lx_rep->stage, 2); /* init passed, the probes died */
        return;
    }
    if (!lx_outcome(st, __FILE__, __LINE__))
        return;
    th_fail_at(__FILE__, __LINE__,
               "pal_mem_features() survived a sandbox without mseal/prctl/mincore");
}

/* ---- a fact that could not be read is asked again --------------------- */

/* The facts the library learns from /sys and /proc, read here directly. */
struct facts {
    size_t thp;        /* PMD size where THP is on, else 0 */
    long pools;        /* hugetlb pools listed */
    unsigned nodes;    /* highest possible node + 1 */
    int strict;        /* vm.overcommit_memory is 2 */
};

static size_t first_number(const char *s)
{
    size_t v = 0;

    while (*s >= '0' && *s <= '9')
        v = v * 10 + (size_t)(*s++ - '0');
    return v;
}

static void facts_from_sys(struct facts *f)
{
    const char *s;
    DIR *d;
    struct dirent *e;

    f->thp = 0;
    if (lx_read_proc("/sys/kernel/mm/transparent_hugepage/enabled") > 0 &&
        th_strstr(lx_buf, "[never]") == NULL &&
        lx_read_proc("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size") > 0)
        f->thp = first_number(lx_buf);
    f->pools = 0;
    d = opendir("/sys/kernel/mm/hugepages");
    if (d != NULL) {
        while ((e = readdir(d)) != NULL)
            f->pools += th_strncmp(e->d_name, "hugepages-", 10) == 0;
        closedir(d);
    }
    f->nodes = 1;
    if (lx_read_proc("/sys/devices/system/node/possible") > 0) {
        for (s = lx_buf; *s >= '0' && *s <= '9';) {
            size_t id = first_number(s);

            if (id + 1 > f->nodes)
                f->nodes = (unsigned)id + 1;
            while (*s >= '0' && *s <= '9')
                s++;
            if (*s == ',' || *s == '-')
                s++;
        }
    }
    f->strict = lx_strict_overcommit();
}

/* The access /proc/self/maps shows at p ("rw-p", "---p"), into out[5]. */
static void perms_at(const void *p, char *out)
{
    const char *s;
    uintptr_t a, b;

    out[0] = '\0';
    if (lx_read_proc("/proc/self/maps") <= 0)
        return;
    for (s = lx_buf; *s != '\0'; s = lx_next_line(s))
        if (lx_is_header(s, &a, &b) && a <= (uintptr_t)p && (uintptr_t)p < b) {
            while (*s != ' ')
                s++;
            for (a = 0; a < 4; a++)
                out[a] = s[1 + a];
            out[4] = '\0';
            return;
        }
}

/* Every file open fails (EMFILE) during the first calls; once files can be
 * opened again, each fact must be what /sys and /proc say. */
static int child_facts_after_emfile(void *arg)
{
    struct rlimit lim, none;
    struct facts f;
    size_t sizes[8], ps, count;
    unsigned features;
    char perms[5];
    void *v;
    int rc;

    (void)arg;
    C_CHECK(lx_library_fresh());
    C_CHECK(getrlimit(RLIMIT_NOFILE, &lim) == 0);
    none = lim;
    none.rlim_cur = 0;
    C_CHECK(setrlimit(RLIMIT_NOFILE, &none) == 0);
    C_CHECK(open("/proc/self/maps", O_RDONLY) < 0 && errno == EMFILE);
    C_CHECK_OK(pal_mem_init());
    ps = pal_mem_page_size();
    (void)pal_mem_huge_page_size();
    (void)pal_mem_features();
    (void)pal_mem_huge_page_sizes(sizes, 8);
    (void)pal_mem_numa_nodes();
    C_CHECK_OK(pal_mem_alloc(4 * ps, &v));
    C_CHECK_OK(pal_mem_unused(v, 4 * ps));
    C_CHECK_OK(pal_mem_used(v, 4 * ps));
    C_CHECK_OK(pal_mem_free(v, 4 * ps));
    C_CHECK(setrlimit(RLIMIT_NOFILE, &lim) == 0);

    facts_from_sys(&f);
    lx_rep->fig[0] = (long)f.thp;
    lx_rep->fig[1] = f.pools;
    lx_rep->fig[2] = (long)f.nodes;
    lx_rep->fig[3] = f.strict;
    /* each fact that differs sets its bit in fig[4] (names in FACT_NAMES) */
    if (pal_mem_huge_page_size() != f.thp)
        lx_rep->fig[4] |= 1;
    features = pal_mem_features();
    if (((features & PAL_FEAT_THP) != 0) != (f.thp != 0))
        lx_rep->fig[4] |= 2;
    count = pal_mem_huge_page_sizes(sizes, 8);
    if (count != (size_t)f.pools)
        lx_rep->fig[4] |= 4;
    if (((features & PAL_FEAT_HUGETLB) != 0) != (f.pools != 0))
        lx_rep->fig[4] |= 8;
    if (count > 0) {
        rc = pal_mem_alloc_huge(sizes[0], 0, &v);
        if (rc == PAL_ENOSYS)
            lx_rep->fig[4] |= 16;
        if (rc == PAL_OK)
            C_CHECK_OK(pal_mem_free(v, sizes[0]));
    }
    if (pal_mem_numa_nodes() != f.nodes)
        lx_rep->fig[4] |= 32;
    /* under strict overcommit unused drops the commit charge with a fresh
     * inaccessible mapping; elsewhere the range keeps its access */
    C_CHECK_OK(pal_mem_alloc(4 * ps, &v));
    C_CHECK_OK(pal_mem_unused(v, 4 * ps));
    perms_at(v, perms);
    /* qemu-user emulating a page size above the host's lists its guest
     * mappings in /proc/self/maps by its own bookkeeping, which may not
     * show this one: the effect is then unseen, not wrong */
    if (perms[0] == '\0' && lx_qemu_user())
        th_note("qemu-user's /proc/self/maps does not show the range: strict overcommit's "
                "effect on unused not checked");
    else if (th_strncmp(perms, f.strict ? "---p" : "rw-p", 4) != 0)
        lx_rep->fig[4] |= 64;
    C_CHECK_OK(pal_mem_used(v, 4 * ps));
    C_CHECK_OK(pal_mem_free(v, 4 * ps));
    C_CHECK_EQ(lx_rep->fig[4], 0);
    return 0;
}

#define FACT_NAMES { "huge page size", "PAL_FEAT_THP", "hugetlb pools", "PAL_FEAT_HUGETLB", \
                     "alloc_huge PAL_ENOSYS", "NUMA nodes", "strict overcommit" }

static void facts_asked_again_after_emfile(void)
{
    static const char *const names[] = FACT_NAMES;
    int st, i;

    NEED_FRESH_PARENT();
    st = lx_run(child_facts_after_emfile, NULL);
    for (i = 0; i < 7; i++)
        if (lx_rep->fig[4] & (1 << i))
            th_note("wrong after EMFILE at set-up: %s", names[i]);
    if (!lx_outcome(st, __FILE__, __LINE__))
        return;
    th_note("after EMFILE at set-up: THP %ld, %ld hugetlb pools, %ld nodes, strict %ld, "
            "as /sys and /proc say", lx_rep->fig[0], lx_rep->fig[1], lx_rep->fig[2],
            lx_rep->fig[3]);
}

const struct th_test th_tests[] = {
    TH(strict_init_call_count),
    TH(strict_init_reads_only_files),
    TH(strict_sandbox_state_cycle),
    TH(strict_sandbox_features_die),
    TH(facts_asked_again_after_emfile),
    TH_END,
};
