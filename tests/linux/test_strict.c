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
 */
#define _GNU_SOURCE
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

const struct th_test th_tests[] = {
    TH(strict_init_call_count),
    TH(strict_init_reads_only_files),
    TH(strict_sandbox_state_cycle),
    TH(strict_sandbox_features_die),
    TH_END,
};
