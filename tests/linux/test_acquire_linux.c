/*
 * test_acquire_linux.c - pal_mem_acquire, pal_mem_dump and pal_mem_info on
 * Linux, checked against the kernel's own word: the access of each state
 * and the mappings left over in /proc/self/maps, MAP_NORESERVE ("nr") and
 * MADV_DONTDUMP ("dd") in the VmFlags of /proc/self/smaps, and every field
 * of pal_mem_info against /sys/kernel/mm/transparent_hugepage,
 * /proc/sys/vm/overcommit_memory and sysconf.  The number of system calls
 * each acquire makes is the library's count (pal_mem_get_stats), which
 * test_syscall and the fault table hold to the calls really made.
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include "lx_util.h"

static size_t calls_now(void)
{
    struct pal_mem_stats st;

    pal_mem_get_stats(&st);
    return st.os_calls;
}

/* The permissions ("rw-p") of every mapping over [lo, hi) equal perms,
 * and the mappings cover all of it: 1; 0 otherwise; -1 maps unreadable. */
static int maps_perms(uintptr_t lo, uintptr_t hi, const char *perms)
{
    const char *s;
    uintptr_t a, b, covered = 0;

    if (lx_read_proc("/proc/self/maps") <= 0)
        return -1;
    for (s = lx_buf; *s != '\0'; s = lx_next_line(s)) {
        const char *t = s;

        if (!lx_is_header(s, &a, &b) || !(a < hi && b > lo))
            continue;
        while (*t != ' ' && *t != '\0')
            t++;
        if (th_strncmp(t + 1, perms, 4) != 0)
            return 0;
        covered += (b < hi ? b : hi) - (a > lo ? a : lo);
    }
    return covered == hi - lo;
}

/* Sum of the lengths of every mapping of the process. */
static size_t mapped_total(void)
{
    const char *s;
    uintptr_t a, b;
    size_t sum = 0;

    if (lx_read_proc("/proc/self/maps") <= 0)
        return 0;
    for (s = lx_buf; *s != '\0'; s = lx_next_line(s))
        if (lx_is_header(s, &a, &b))
            sum += b - a;
    return sum;
}

static struct pal_mem_spec spec_of(size_t n, unsigned state, unsigned prot, unsigned flags)
{
    struct pal_mem_spec s;

    th_memset(&s, 0, sizeof s);
    s.n = n;
    s.state = state;
    s.prot = prot;
    s.flags = flags;
    return s;
}

/* The mode as the kernel has it now; -1 unreadable. */
static int overcommit_mode(void)
{
    if (lx_read_proc("/proc/sys/vm/overcommit_memory") <= 0)
        return -1;
    return lx_buf[0] - '0';
}

/* Each state is one mmap with the final access ("one mmap when no
 * alignment beyond the page size is asked"); Prepared has read-write
 * access, but none under strict overcommit, where a writable private
 * mapping would hold the commit charge that used is to take. */
static void acquire_is_one_mmap_with_the_access(void)
{
    static const struct {
        unsigned state, prot;
        const char *perms;
    } t[] = {
        { PAL_STATE_RESERVED, 0, "---p" },
        { PAL_STATE_PREPARED, 0, "rw-p" },
        { PAL_STATE_READY, 0, "rw-p" },
        { PAL_STATE_READY, PAL_PROT_READ, "r--p" },
        { PAL_STATE_READY, PAL_PROT_READ | PAL_PROT_EXEC, "r-xp" },
    };
    size_t ps = pal_mem_page_size(), n = 5 * ps, i, before;
    int m, strict = overcommit_mode() == 2;
    const char *perms;
    void *v;

    CHECK_OK(pal_mem_set_policy(PAL_POLICY_DEFAULT));
    (void)pal_mem_features();
    {
        /* the overcommit mode is read once, by the first call it
         * matters to: not counted below */
        struct pal_mem_spec s = spec_of(n, PAL_STATE_PREPARED, 0, 0);

        CHECK_OK(pal_mem_acquire(&s, &v));
        CHECK_OK(pal_mem_free(v, n));
    }
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct pal_mem_spec s = spec_of(n, t[i].state, t[i].prot, 0);

        perms = strict && t[i].state == PAL_STATE_PREPARED ? "---p" : t[i].perms;
        before = calls_now();
        CHECK_OK(pal_mem_acquire(&s, &v));
        CHECK_EQ(calls_now() - before, 1);
        m = maps_perms((uintptr_t)v, (uintptr_t)v + n, perms);
        if (m < 0)
            SKIP("/proc/self/maps cannot be read");
        if (m != 1) {
            th_fail_at(__FILE__, __LINE__, "state %u prot %u: not all %s in /proc/self/maps",
                       t[i].state, t[i].prot, perms);
            return;
        }
        CHECK_OK(pal_mem_free(v, n));
    }
}

/* Alignment beyond the page: no address space left over. */
static void acquire_aligned_leaves_nothing(void)
{
    size_t ps = pal_mem_page_size(), n = 3 * ps, align = 256 * ps, before;
    struct pal_mem_spec s = spec_of(n, PAL_STATE_READY, 0, 0);
    void *v;

    s.align = align;
    before = mapped_total();
    if (before == 0)
        SKIP("/proc/self/maps cannot be read");
    CHECK_OK(pal_mem_acquire(&s, &v));
    CHECK_EQ((uintptr_t)v & (align - 1), 0);
    CHECK_EQ(mapped_total() - before, n);
    CHECK_EQ(maps_perms((uintptr_t)v, (uintptr_t)v + n, "rw-p"), 1);
    CHECK_OK(pal_mem_free(v, n));
}

/* Why a VmFlags letter cannot be read as the kernel's word here, asked of
 * the kernel (or emulator) with raw calls on a scratch page: NULL where
 * "nr" shows on a MAP_NORESERVE mapping (outside strict mode) and not on
 * a plain one, and "dd" after MADV_DONTDUMP. */
static const char *vmflag_unseen(const char *flag, int mode)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    int nr = flag[0] == 'n';
    char *m = mmap(NULL, ps, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | (nr ? MAP_NORESERVE : 0), -1, 0);
    struct lx_smaps sm;
    const char *why = NULL;

    if (!lx_have_vmflags())
        return "no VmFlags in /proc/self/smaps (qemu-user)";
    if (m == MAP_FAILED)
        return "no scratch mapping";
    if (!nr && madvise(m, ps, MADV_DONTDUMP) != 0)
        why = "madvise(MADV_DONTDUMP) refused here";
    else if (lx_smaps((uintptr_t)m, (uintptr_t)m + ps, flag, &sm) != 0)
        why = "/proc/self/smaps cannot be read";
    else if (!nr && sm.with_flag != 1)
        why = "a raw MADV_DONTDUMP leaves no \"dd\" in smaps (advice ignored: qemu-user)";
    else if (nr && sm.with_flag != (mode == 2 ? 0 : 1))
        why = "a raw MAP_NORESERVE mapping's \"nr\" is not as the kernel sets it";
    munmap(m, ps);
    if (why == NULL && nr) {
        m = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            return "no scratch mapping";
        if (lx_smaps((uintptr_t)m, (uintptr_t)m + ps, flag, &sm) != 0 || sm.with_flag != 0)
            why = "a plain mapping shows \"nr\" too (qemu-user maps guest memory so)";
        munmap(m, ps);
    }
    return why;
}

/* MAP_NORESERVE shows as "nr" (VM_NORESERVE), which the kernel sets only
 * outside strict mode; without the flag it is never there. */
static void noreserve_in_vmflags(void)
{
    size_t n = 4 * pal_mem_page_size();
    struct pal_mem_spec s = spec_of(n, PAL_STATE_READY, 0, PAL_SPEC_NORESERVE);
    struct lx_smaps sm;
    int mode = overcommit_mode();
    struct pal_mem_info info;
    const char *why;
    void *v;

    if (mode < 0)
        SKIP("/proc/sys/vm/overcommit_memory cannot be read");
    if ((why = vmflag_unseen("nr", mode)) != NULL)
        SKIP("%s", why);
    CHECK_OK(pal_mem_acquire(&s, &v));
    CHECK_EQ(lx_smaps((uintptr_t)v, (uintptr_t)v + n, "nr", &sm), 0);
    CHECK_EQ(sm.with_flag, mode == 2 ? 0 : sm.vmas);
    CHECK(sm.vmas >= 1);
    CHECK_OK(pal_mem_info(&info));
    CHECK_EQ(info.noreserve, mode != 2);
    th_memset(v, 1, n);
    CHECK_OK(pal_mem_free(v, n));
    /* every state takes the flag; and without it, no "nr" */
    s.state = PAL_STATE_PREPARED;
    CHECK_OK(pal_mem_acquire(&s, &v));
    CHECK_EQ(lx_smaps((uintptr_t)v, (uintptr_t)v + n, "nr", &sm), 0);
    CHECK_EQ(sm.with_flag, mode == 2 ? 0 : sm.vmas);
    CHECK_OK(pal_mem_free(v, n));
    s.flags = 0;
    s.state = PAL_STATE_READY;
    CHECK_OK(pal_mem_acquire(&s, &v));
    CHECK_EQ(lx_smaps((uintptr_t)v, (uintptr_t)v + n, "nr", &sm), 0);
    CHECK_EQ(sm.with_flag, 0);
    CHECK_OK(pal_mem_free(v, n));
}

/* MADV_DONTDUMP shows as "dd"; pal_mem_dump takes it off and puts it
 * back; acquire with NODUMP is the mmap and one madvise. */
static void nodump_in_vmflags(void)
{
    size_t ps = pal_mem_page_size(), n = 4 * ps, before;
    struct pal_mem_spec s = spec_of(n, PAL_STATE_READY, 0, PAL_SPEC_NODUMP);
    struct lx_smaps sm;
    const char *why;
    char *p;
    void *v;

    if ((why = vmflag_unseen("dd", 0)) != NULL)
        SKIP("%s", why);
    before = calls_now();
    CHECK_OK(pal_mem_acquire(&s, &v));
    CHECK_EQ(calls_now() - before, 2);
    p = v;
    CHECK_EQ(lx_smaps((uintptr_t)p, (uintptr_t)p + n, "dd", &sm), 0);
    CHECK(sm.vmas >= 1);
    CHECK_EQ(sm.with_flag, sm.vmas);
    CHECK_OK(pal_mem_dump(p, n, 1));
    CHECK_EQ(lx_smaps((uintptr_t)p, (uintptr_t)p + n, "dd", &sm), 0);
    CHECK_EQ(sm.with_flag, 0);
    /* the middle page only */
    CHECK_OK(pal_mem_dump(p + ps, ps, 0));
    CHECK_EQ(lx_smaps((uintptr_t)p + ps, (uintptr_t)p + 2 * ps, "dd", &sm), 0);
    CHECK_EQ(sm.with_flag, 1);
    CHECK_EQ(lx_smaps((uintptr_t)p, (uintptr_t)p + ps, "dd", &sm), 0);
    CHECK_EQ(sm.with_flag, 0);
    CHECK_OK(pal_mem_free(p, n));
    /* a range not mapped: PAL_ENOMEM, as the other advice */
    CHECK_EQ(pal_mem_dump(p, n, 0), PAL_ENOMEM);
}

/* Every field against the files the kernel keeps them in. */
static void info_against_proc_and_sys(void)
{
    struct pal_mem_info i;
    int mode = overcommit_mode(), thp = -1;
    long got;
    size_t pmd = 0;
    const char *b;

    CHECK_OK(pal_mem_info(&i));
    CHECK_EQ(i.page_size, (size_t)sysconf(_SC_PAGESIZE));
    CHECK_EQ(i.granularity, i.page_size);
    CHECK_EQ(i.overcommit, mode < 0 ? PAL_OVERCOMMIT_UNKNOWN
                                    : mode == 0 ? PAL_OVERCOMMIT_HEURISTIC
                                    : mode == 1 ? PAL_OVERCOMMIT_ALWAYS
                                                : PAL_OVERCOMMIT_STRICT);
    CHECK_EQ(i.noreserve, mode == 0 || mode == 1);
    got = lx_read_proc("/sys/kernel/mm/transparent_hugepage/enabled");
    if (got > 0 && (b = th_strstr(lx_buf, "[")) != NULL)
        thp = b[1] == 'a' ? PAL_THP_ALWAYS : b[1] == 'm' ? PAL_THP_MADVISE : PAL_THP_NONE;
    CHECK_EQ(i.thp, thp < 0 ? PAL_THP_NONE : thp);
    if (thp > 0 && lx_read_proc("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size") > 0)
        pmd = (size_t)strtoull(lx_buf, NULL, 10);
    CHECK_EQ(i.huge_page_size, thp > 0 ? pmd : 0);
}

const struct th_test th_tests[] = {
    TH(acquire_is_one_mmap_with_the_access),
    TH(acquire_aligned_leaves_nothing),
    TH(noreserve_in_vmflags),
    TH(nodump_in_vmflags),
    TH(info_against_proc_and_sys),
    TH_END,
};
