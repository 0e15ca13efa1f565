/*
 * test_bsd.c - the BSD backend's own paths: aligned and exact reservations
 * without a trace when they fail or trim, exact ones that succeed where
 * the range is free, a map that fails leaving the reservation in place,
 * and lazy release with MADV_FREE falling back to a fresh mapping where
 * the kernel refuses it.  On Linux (PAL_BACKEND=bsd) these are the generic
 * paths: no MAP_ALIGNED, MAP_EXCL, __MAP_NOREPLACE, MAP_TRYFIXED or
 * MAP_GUARD there; what a BSD kernel answers and Linux does not (OpenBSD's
 * W^X refusal) is made up with seccomp.
 */
#include <sys/mman.h>

#include "maps.h"
#include "pal_test.h"

#if defined(__linux__) && defined(__LP64__)
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>

/* In a child: from now on system call nr fails with errno e whenever its
 * argument arg has any of bits set.  0, or -1 where seccomp cannot be
 * used (qemu-user). */
static int refuse_call(long nr, unsigned arg, uint32_t bits, int e)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    const unsigned lo = 4;
#else
    const unsigned lo = 0;
#endif
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                 (uint32_t)(offsetof(struct seccomp_data, args) + 8 * arg + lo)),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, bits, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((uint32_t)e & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { (unsigned short)(sizeof f / sizeof f[0]), f };

    if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0 ||
        prctl(PR_SET_SECCOMP, (long)SECCOMP_MODE_FILTER, (long)&prog, 0L, 0L) != 0)
        return -1;
    return 0;
}
#endif

static size_t fallbacks(void)
{
    struct pal_mem_stats s;

    pal_mem_get_stats(&s);
    return s.fallbacks;
}

static void aligned_leaves_no_slop(void)
{
    static const size_t aligns[] = { (size_t)1 << 16, (size_t)1 << 21, (size_t)1 << 24 };
    size_t n = 5 * pal_mem_page_size(), i, before, after;
    void *v;

    if (th_mapped_bytes() == 0)
        SKIP("no /proc/self/maps to count mappings with");
    for (i = 0; i < sizeof aligns / sizeof aligns[0]; i++) {
        before = th_mapped_bytes();
        CHECK_OK(pal_mem_reserve_aligned(n, aligns[i], &v));
        after = th_mapped_bytes();
        CHECK_EQ((uintptr_t)v % aligns[i], 0);
        CHECK_EQ(after - before, n);
        CHECK_OK(pal_mem_free(v, n));
    }
}

static void reserve_at_taken_leaves_nothing(void)
{
    size_t n = 4 * pal_mem_page_size(), before, f0 = fallbacks();
    void *v;

    CHECK_OK(pal_mem_reserve(NULL, n, &v));
    before = th_mapped_bytes();
    CHECK_EQ(pal_mem_reserve_at(v, n), PAL_EEXIST);
    CHECK_EQ(th_mapped_bytes(), before);
    /* the hint-and-check path counts as a fallback; MAP_EXCL does not */
    if (!(pal_mem_features() & PAL_FEAT_FIXED_NOREPLACE))
        CHECK_EQ(fallbacks() - f0, 1);
    CHECK_OK(pal_mem_free(v, n));
}

/* A free range is reserved at exactly its address.  (A hint-and-check that
 * the kernel moves, as NetBSD does with hints where the heap may grow,
 * would answer PAL_EEXIST here.) */
static void reserve_at_free_range(void)
{
    size_t n = 4 * pal_mem_page_size(), before;
    char *v;
    void *p;

    CHECK_OK(pal_mem_reserve(NULL, 3 * n, &p)); /* a range known to be free */
    v = p;
    CHECK_OK(pal_mem_free(v, 3 * n));
    before = th_mapped_bytes();
    CHECK_OK(pal_mem_reserve_at(v + n, n));
    if (before != 0)
        CHECK_EQ(th_mapped_bytes() - before, n);
    CHECK_EQ(pal_mem_reserve_at(v + n, n), PAL_EEXIST); /* it is there now */
    CHECK_EQ(th_faults(v + n, 0), 1);
    CHECK_OK(pal_mem_free(v + n, n));
}

/* map replaces the reservation with mmap(MAP_FIXED); when that fails, the
 * reservation must still be there (FreeBSD removes it before it finds it
 * cannot map, as Linux did before 6.12).  A read-write mapping larger than
 * memory and swap is refused by Linux's heuristic overcommit. */
static void failed_map_keeps_the_reservation(void)
{
#if defined(__linux__) && defined(__LP64__)
    struct sysinfo si;
    size_t n, before;
    void *v;
    int err;

    if (th_mapped_bytes() == 0)
        SKIP("no /proc/self/maps to count mappings with");
    if (sysinfo(&si) != 0)
        SKIP("no sysinfo");
    n = 2 * ((size_t)si.totalram + (size_t)si.totalswap) * si.mem_unit;
    n = (n + (1u << 30)) & ~(((size_t)1 << 30) - 1);
    if (pal_mem_reserve(NULL, n, &v) != PAL_OK)
        SKIP("no room for a %zu MiB reservation", n >> 20);
    before = th_mapped_bytes();
    err = pal_mem_map(v, n);
    if (err == PAL_OK) {
        CHECK_OK(pal_mem_free(v, n));
        SKIP("this kernel maps more than memory and swap (overcommit 1)");
    }
    CHECK_EQ(err, PAL_ENOMEM);
    CHECK_EQ(th_mapped_bytes(), before);
    CHECK_EQ(pal_mem_reserve_at(v, pal_mem_page_size()), PAL_EEXIST);
    CHECK_OK(pal_mem_free(v, n));
#else
    SKIP("needs Linux's overcommit heuristic to make map fail");
#endif
}

#if defined(__linux__) && defined(__LP64__)
/* OpenBSD's W^X: mprotect(PROT_WRITE | PROT_EXEC) fails with ENOTSUP.
 * 0 passed, 1 failed, 2 no seccomp here. */
static int wx_child(void *arg)
{
    size_t n = pal_mem_page_size();
    void *v;

    (void)arg;
    if (pal_mem_alloc(n, &v) != PAL_OK)
        return 1;
    if (refuse_call(SYS_mprotect, 2, PROT_EXEC, ENOTSUP) != 0)
        return 2;
    if (pal_mem_protect(v, n, PAL_PROT_READ | PAL_PROT_WRITE | PAL_PROT_EXEC) != PAL_EACCES)
        return 1;
    return pal_mem_protect(v, n, PAL_PROT_READ) == PAL_OK ? 0 : 1;
}
#endif

static void write_and_execute_refused_is_eacces(void)
{
#if defined(__linux__) && defined(__LP64__)
    int st = th_child(wx_child, NULL);

    if (st == TH_CHILD_NONE)
        SKIP("no child processes here");
    if (st == TH_CHILD_EXIT(2))
        SKIP("no seccomp here");
    CHECK_EQ(st, TH_CHILD_EXIT(0));
#else
    SKIP("needs seccomp to stand in for W^X");
#endif
}

static void lazy_release_is_madv_free(void)
{
    unsigned old = pal_mem_policy();
    size_t n = 4 * pal_mem_page_size(), f0;
    void *v;

    if (!(pal_mem_features() & PAL_FEAT_MADV_FREE))
        SKIP("no MADV_FREE here");
    CHECK_OK(pal_mem_set_policy(old & ~PAL_POLICY_DONTNEED));
    CHECK_EQ(pal_mem_unused_zeroes(), 0);
    CHECK_OK(pal_mem_alloc(n, &v));
    th_memset(v, 9, n);
    f0 = fallbacks();
    CHECK_OK(pal_mem_unused(v, n));
    CHECK_EQ(fallbacks(), f0);
    CHECK_OK(pal_mem_used(v, n));
    CHECK_OK(pal_mem_free(v, n));
    CHECK_OK(pal_mem_set_policy(old));
    CHECK_EQ(pal_mem_unused_zeroes(), 1);
}

/* In a child (the refusal is remembered for the rest of the process):
 * Linux refuses MADV_FREE on locked pages with EINVAL, the answer of a
 * kernel without MADV_FREE.  0 passed, 2 not refused here, 1 failed. */
static int refused_child(void *arg)
{
    size_t n = 2 * pal_mem_page_size(), f0;
    unsigned char *p;
    void *v;

    (void)arg;
    if (pal_mem_set_policy(pal_mem_policy() & ~PAL_POLICY_DONTNEED) != PAL_OK ||
        pal_mem_alloc(n, &v) != PAL_OK)
        return 1;
    p = v;
    th_memset(p, 0x5c, n);
    if (mlock(p, n) != 0)
        return 2;
    f0 = fallbacks();
    if (pal_mem_unused(p, n) != PAL_OK)
        return 1;
    if (fallbacks() == f0)
        return 2;
    /* fell back to a fresh mapping: zeroes, and from now on every time */
    if (pal_mem_used(p, n) != PAL_OK || !th_all_bytes(p, n, 0) ||
        pal_mem_unused_zeroes() != 1)
        return 1;
    return 0;
}

static void madv_free_refused_falls_back(void)
{
    int st = th_child(refused_child, NULL);

    if (st == TH_CHILD_NONE)
        SKIP("no child processes here");
    if (st == TH_CHILD_EXIT(2))
        SKIP("this kernel does not refuse MADV_FREE on locked pages");
    CHECK_EQ(st, TH_CHILD_EXIT(0));
}

const struct th_test th_tests[] = {
    TH(aligned_leaves_no_slop),
    TH(reserve_at_taken_leaves_nothing),
    TH(reserve_at_free_range),
    TH(failed_map_keeps_the_reservation),
    TH(write_and_execute_refused_is_eacces),
    TH(lazy_release_is_madv_free),
    TH(madv_free_refused_falls_back),
    TH_END,
};
