/*
 * mem_linux.c - the Linux backend: the commit logic of the Go runtime's
 * mem_linux.go, with no libc.  System calls go through sys_linux.h; nothing
 * here depends on the architecture.  docs/LINUX.md tells the commit logic
 * as a whole, with its reasons; the comments here say what each part does.
 *
 * State is a handful of words changed with atomics: the sizes learnt at
 * init, what unused advises (downgraded once, never upgraded), the feature
 * bits probed so far, and a few facts read once on first use.  Racing
 * threads may probe twice; both reach the same answer.  No locks, no
 * allocation: async-signal-safe.  None of these words is written on the
 * hot path once it is known: calls of different threads write nothing in
 * common but the striped counters (pal_os.h).
 */
#include "sys_linux.h"
#include "pal_ranges.h"

#define PROT_RW (LX_PROT_READ | LX_PROT_WRITE)
#define MAP_ANON_PRIVATE (LX_MAP_PRIVATE | LX_MAP_ANONYMOUS)

/* NUMA node masks: up to 1024 nodes (x86-64's CONFIG_NODES_SHIFT maximum). */
#define NODE_BITS 1024

/* pal_mem_unused_ranges hands the caller's array to process_madvise as
 * its iovecs: the layouts must agree. */
_Static_assert(sizeof(struct pal_mem_range) == 2 * sizeof(void *) &&
               offsetof(struct pal_mem_range, n) == sizeof(void *),
               "struct pal_mem_range is not laid out as struct iovec");

#include "mem_linux_setup.h"
#include "mem_linux_probes.h"
#include "mem_linux_marks.h"
#include "mem_linux_release.h"
#include "mem_linux_track.h"

/* ---- transitions ------------------------------------------------------ */

/* An mmap at a hint, without MAP_FIXED: where it fails for want of room,
 * asked again without the hint.  A kernel places such a mapping elsewhere
 * itself, but qemu-user (seen: loongarch64 under 7.2) now and then answers
 * a hint over a taken range with ENOMEM; a hint is advice, so it must not
 * be what fails the call.  One call more, only on that failure. */
static long mmap_hinted(void *hint, size_t n, long prot, long flags)
{
    long r = pal_sys_mmap(hint, n, prot, flags, -1, 0);

    if (r == -LX_ENOMEM && hint != NULL)
        r = pal_sys_mmap(NULL, n, prot, flags, -1, 0);
    return r;
}

int pal_os_reserve(void *hint, size_t n, void **out)
{
    long r = mmap_hinted(hint, n, LX_PROT_NONE, MAP_ANON_PRIVATE);

    if (pal_sys_failed(r))
        return pal_sys_error(r);
    *out = (void *)r;
    return PAL_OK;
}

int pal_os_reserve_at(void *addr, size_t n)
{
    long r = pal_sys_mmap(addr, n, LX_PROT_NONE,
                          MAP_ANON_PRIVATE | LX_MAP_FIXED_NOREPLACE, -1, 0);

    if (pal_sys_failed(r))
        return pal_sys_error(r);
    if ((void *)r != addr) {
        /* A kernel before 4.17 took the flag for a hint and, the range
         * being taken, mapped elsewhere: undo that. */
        pal_sys_munmap((void *)r, n);
        pal_os_count_fallback();
        return PAL_EEXIST;
    }
    return PAL_OK;
}

/* Reserve align - page more than asked, then unmap the slop either side of
 * the aligned part: at most three calls on success, nothing left over. */
int pal_os_reserve_aligned(size_t n, size_t align, void **out)
{
    size_t total = n + (align - os_page_size());
    uintptr_t base, start;
    long r;

    if (align == os_page_size())
        return pal_os_reserve(0, n, out);
    if (total < n)
        return PAL_ENOMEM;
    r = pal_sys_mmap(0, total, LX_PROT_NONE, MAP_ANON_PRIVATE, -1, 0);
    if (pal_sys_failed(r))
        return pal_sys_error(r);
    base = (uintptr_t)r;
    start = pal_align_up(base, align);
    /* A slop that cannot be unmapped (a hole in the middle of a mapping,
     * refused at vm.max_map_count when the new one merged with a
     * neighbour; a sandbox) would stay reserved: then all of it goes back
     * and the call fails.  Unmapping from the start of what is left takes
     * the head of a mapping, which needs no new one. */
    if (start > base && (r = pal_sys_munmap((void *)base, start - base)) != 0) {
        pal_sys_munmap((void *)base, total);
        return pal_sys_error(r);
    }
    if (start + n < base + total &&
        (r = pal_sys_munmap((void *)(start + n), base + total - (start + n))) != 0) {
        pal_sys_munmap((void *)start, base + total - start);
        return pal_sys_error(r);
    }
    *out = (void *)start;
    return PAL_OK;
}

/* Read-write, but under strict overcommit without access: the kernel
 * charges a private mapping at mmap time only when it is writable
 * (VM_ACCOUNT; mode 2 ignores MAP_NORESERVE), so a PROT_NONE Prepared
 * range holds no commit charge whatever made it (map, acquire or unused),
 * and used takes the charge with the mprotect it makes there anyway. */
static long prepared_prot(void)
{
    return strict_commit() ? LX_PROT_NONE : PROT_RW;
}

int pal_os_map(void *v, size_t n, unsigned policy)
{
    int err = remap(v, n, prepared_prot());

    /* a fresh mapping: the marks of the huge pages inside went with it */
    if (err == PAL_OK)
        (void)pal_ranges_drop(&marked_pages, (uintptr_t)v, (uintptr_t)v + n - 1);
    if (err == PAL_OK && (policy & PAL_POLICY_NO_THP) && os_huge_page_size() != 0)
        madvise_hint((uintptr_t)v, n, LX_MADV_NOHUGEPAGE);
    return err;
}

/* Undo unused's no-huge-page marks on the whole huge pages inside; the
 * ends stay marked until a neighbour's unused marks them anyway.  Only
 * once unused has marked anything (used checks), only where it could
 * have marked (marks_needed), and only where a huge page inside is marked
 * (marked_pages): with nothing to undo, the mark would opt the range into
 * huge pages nobody asked for, and cost a call.  Out of line: most uses
 * get no further than used's checks. */
PAL_NOINLINE
static int used_unmark(void *v, size_t n)
{
    if (marks_needed((uintptr_t)v, (uintptr_t)v + n - 1) &&
        (pal_ranges_drop(&marked_pages, (uintptr_t)v, (uintptr_t)v + n - 1) > 0 ||
         pal_os_flag(&marks_unrecorded)))
        (void)hugepage_inside((uintptr_t)v, n);
    return PAL_OK;
}

/* Whether used on a range has nothing to do under this policy: no access
 * to restore, no marks to undo.  One load of each word it needs, all
 * known after the first few calls. */
static inline int used_is_nothing(unsigned policy)
{
    return !(policy & PAL_POLICY_HARD_DECOMMIT) &&
           __atomic_load_n(&commit_strict, __ATOMIC_RELAXED) == PAL_OS_NO &&
           (!(policy & PAL_POLICY_THP_GRANULAR) || (policy & PAL_POLICY_NO_THP) ||
            !pal_os_flag(&ends_marked));
}

/* used where it may have something to do. */
PAL_NOINLINE
static int used_restore(void *v, size_t n, unsigned policy)
{
    long r;

    if ((policy & PAL_POLICY_HARD_DECOMMIT) || strict_commit()) {
        r = pal_sys_mprotect(v, n, PROT_RW);
        if (r != 0)
            return pal_sys_error(r);
    }
    if ((policy & PAL_POLICY_THP_GRANULAR) && !(policy & PAL_POLICY_NO_THP) &&
        pal_os_flag(&ends_marked))
        return used_unmark(v, n);
    return PAL_OK;
}

/* The common answer, nothing to do, with no stack frame. */
int pal_os_used(void *v, size_t n, unsigned policy)
{
    return used_is_nothing(policy) ? PAL_OK : used_restore(v, n, policy);
}

/* Under harddecommit access goes first: an mprotect refused (the mapping
 * count at vm.max_map_count, a sandbox) then leaves the range Ready with
 * its contents, as a failed call must, where releasing first would have
 * lost them; a release refused after it gives read-write access back. */
int pal_os_unused(void *v, size_t n, unsigned policy)
{
    int strict = strict_commit(), remapped = strict, err;
    int hard = (policy & PAL_POLICY_HARD_DECOMMIT) && !strict;
    struct pal_mem_range marks[2];
    int k, i;
    long r;

    if (hard) {
        r = pal_sys_mprotect(v, n, LX_PROT_NONE);
        if (r != 0)
            return pal_sys_error(r);
    }
    err = strict ? remap(v, n, LX_PROT_NONE)
                 : release(v, n, policy, hard ? LX_PROT_NONE : PROT_RW, &remapped);
    if (err != PAL_OK) {
        if (hard)
            (void)pal_sys_mprotect(v, n, PROT_RW);
        return err;
    }
    /* a fresh mapping lost disablethp's mark: put it back */
    if (os_huge_page_size() != 0 && remapped && (policy & PAL_POLICY_NO_THP))
        madvise_hint((uintptr_t)v, n, LX_MADV_NOHUGEPAGE);
    if (end_marks_wanted(policy, strict))
        for (k = end_marks((uintptr_t)v, n, marks), i = 0; i < k; i++)
            madvise_hint((uintptr_t)marks[i].v, marks[i].n, LX_MADV_NOHUGEPAGE);
    return PAL_OK;
}

int pal_os_unused_ranges(const struct pal_mem_range *r, size_t count,
                         unsigned policy, size_t *done)
{
    long advice = batch_advice(policy);

    if (advice == 0)
        return pal_os_unused_each(r, count, policy, done);
    return release_batched(r, count, advice, 0, policy, done);
}

/* MADV_POPULATE_WRITE (5.14) faults the range in writable, as a write to
 * each page would, without changing a byte.  Where the probe found it
 * unknown (EINVAL before 5.14), or a sandbox forbids it later (ENOSYS,
 * EPERM), each page is touched instead.  Once the probe found it, EINVAL
 * means part of the range may not be written (or is a device mapping)
 * and EFAULT that an access there would fault: both PAL_EACCES.  ENOMEM:
 * out of memory, or not mapped. */
int pal_os_populate(void *v, size_t n)
{
    long r;

    if (!pal_os_flag(&populate_refused) && have(PAL_FEAT_POPULATE)) {
        r = pal_sys_madvise(v, n, LX_MADV_POPULATE_WRITE);
        if (r == 0)
            return PAL_OK;
        if (r == -LX_EINVAL || r == -LX_EFAULT)
            return PAL_EACCES;
        if (r != -LX_ENOSYS && r != -LX_EPERM)
            return pal_sys_error(r);
        pal_os_flag_set(&populate_refused);
    }
    pal_os_count_fallback();
    pal_os_touch(v, n, os_page_size());
    return PAL_OK;
}

int pal_os_alloc(size_t n, unsigned policy, void **out)
{
    long r = pal_sys_mmap(0, n, PROT_RW, MAP_ANON_PRIVATE, -1, 0);

    if (pal_sys_failed(r))
        return pal_sys_error(r);
    if ((policy & PAL_POLICY_NO_THP) && os_huge_page_size() != 0)
        madvise_hint((uintptr_t)r, n, LX_MADV_NOHUGEPAGE);
    *out = (void *)r;
    return PAL_OK;
}

int pal_os_free(void *v, size_t n)
{
    long r = pal_sys_munmap(v, n);

    if (r != 0)
        return pal_sys_error(r);
    /* a later mapping there asks for huge pages afresh, or not */
    (void)pal_ranges_drop(&huge_ranges, (uintptr_t)v, (uintptr_t)v + n - 1);
    (void)pal_ranges_drop(&marked_pages, (uintptr_t)v, (uintptr_t)v + n - 1);
    return PAL_OK;
}

/* Access first, with mprotect (shorter hold of mmap_lock than a new
 * mapping), then the pages go back.  Under strict overcommit mprotect
 * would keep the commit charge that Reserved must not hold: a fresh
 * PROT_NONE mapping drops both at once. */
int pal_os_fault(void *v, size_t n)
{
    long r;

    if (strict_commit())
        return remap(v, n, LX_PROT_NONE);
    r = pal_sys_mprotect(v, n, LX_PROT_NONE);
    if (r != 0)
        return pal_sys_error(r);
    if (__atomic_load_n(&advise_unused, __ATOMIC_RELAXED) != ADVISE_MMAP) {
        r = pal_sys_madvise(v, n, LX_MADV_DONTNEED);
        if (r == 0)
            return PAL_OK;
        /* Refused (a sandbox's EPERM, EINVAL on locked pages): a fresh
         * mapping gives the pages back all the same.  Only ENOSYS says
         * madvise is missing for good. */
        if (r == -LX_ENOSYS)
            downgrade(ADVISE_MMAP);
        else
            pal_os_count_fallback();
    } else {
        pal_os_count_fallback();
    }
    return remap(v, n, LX_PROT_NONE);
}

/* PAL_PROT_* as the kernel's bits.  Write implies read: x86, arm64 and
 * riscv64 cannot grant one without the other and map PROT_WRITE
 * read-write anyway, and MIPS kernels for CPUs without RIXI (Debian's
 * malta, 6.1) map it so that a read of a page already present faults
 * again and again: the reader hangs in the kernel.  PAL_PROT_MTE and
 * PAL_PROT_BTI need the CPU's support, which the kernel reports in
 * AT_HWCAP2 (arm64 only): without it PAL_ENOSYS, never a plain protection
 * in their place. */
static int kernel_prot(unsigned prot, long *out)
{
    long p = LX_PROT_NONE;

    if (prot & PAL_PROT_READ)
        p |= LX_PROT_READ;
    if (prot & PAL_PROT_WRITE)
        p |= LX_PROT_READ | LX_PROT_WRITE;
    if (prot & PAL_PROT_EXEC)
        p |= LX_PROT_EXEC;
    if ((prot & PAL_PROT_MTE) && !have(PAL_FEAT_MTE))
        return PAL_ENOSYS;
    if ((prot & PAL_PROT_BTI) && !have(PAL_FEAT_BTI))
        return PAL_ENOSYS;
    if (prot & PAL_PROT_MTE)
        p |= LX_PROT_MTE;
    if (prot & PAL_PROT_BTI)
        p |= LX_PROT_BTI;
    *out = p;
    return PAL_OK;
}

int pal_os_protect(void *v, size_t n, unsigned prot)
{
    long p, r;
    int err = kernel_prot(prot, &p);

    if (err != PAL_OK)
        return err;
    r = pal_sys_mprotect(v, n, p);
    return r == 0 ? PAL_OK : pal_sys_error(r);
}

/* ---- hints ------------------------------------------------------------ */

/* The caller wants huge pages on [v, v+n): from now on unused keeps
 * released parts of its huge pages from being filled back in
 * (marks_needed).  Noted before the advice, so that an unused racing with
 * it already marks. */
static void note_huge_asked(void *v, size_t n)
{
    pal_ranges_note(&huge_ranges, (uintptr_t)v, (uintptr_t)v + n - 1);
}

int pal_os_hugepage(void *v, size_t n)
{
    long r;

    if (os_huge_page_size() == 0)
        return PAL_OK;
    note_huge_asked(v, n);
    r = hugepage_inside((uintptr_t)v, n);
    if (r != 0)
        return pal_sys_error(r);
    /* the whole huge pages inside are marked huge now, not no-huge */
    (void)pal_ranges_drop(&marked_pages, (uintptr_t)v, (uintptr_t)v + n - 1);
    return PAL_OK;
}

int pal_os_nohugepage(void *v, size_t n)
{
    long r;

    if (os_huge_page_size() == 0)
        return PAL_OK;
    r = pal_sys_madvise(v, n, LX_MADV_NOHUGEPAGE);
    if (r != 0)
        return pal_sys_error(r);
    /* asked no huge pages whole: used must not mark them huge again */
    (void)pal_ranges_drop(&huge_ranges, (uintptr_t)v, (uintptr_t)v + n - 1);
    return PAL_OK;
}

int pal_os_collapse(void *v, size_t n)
{
    long r;

    if (!have(PAL_FEAT_THP_COLLAPSE))
        return PAL_ENOSYS;
    note_huge_asked(v, n);
    r = pal_sys_madvise(v, n, LX_MADV_COLLAPSE);
    if (r == 0)
        return PAL_OK;
    /* A best effort answers "not now" or "not here", nothing else: not
     * now for EINVAL (not eligible: a no-huge-page range), EBUSY (the
     * cgroup charge failed), EAGAIN (locked pages), ENOMEM (no huge page
     * to be had, or part of the range not mapped) and EFAULT; not here for
     * a sandbox's EPERM, EACCES or ENOSYS. */
    if (r == -LX_EPERM || r == -LX_EACCES || r == -LX_ENOSYS)
        return PAL_ENOSYS;
    return PAL_EAGAIN;
}

/* ---- guard regions, sealing, names, residency -------------------------- */

/* Linux 6.13 guard regions install markers in the page tables: no VMA
 * split, no extra mapping.  Elsewhere, PROT_NONE. */
int pal_os_guard(void *v, size_t n)
{
    long r;

    if (have(PAL_FEAT_GUARD)) {
        r = pal_sys_madvise(v, n, LX_MADV_GUARD_INSTALL);
        /* ENOMEM: part of the range not mapped, which protection cannot
         * mend either; any other refusal (EINVAL on locked pages, a
         * sandbox's EPERM) leaves protection to do it */
        if (r == 0 || r == -LX_ENOMEM)
            return r == 0 ? PAL_OK : PAL_ENOMEM;
    }
    pal_os_count_fallback();
    r = pal_sys_mprotect(v, n, LX_PROT_NONE);
    return r == 0 ? PAL_OK : pal_sys_error(r);
}

int pal_os_seal(void *v, size_t n)
{
    long r;

    if (!have(PAL_FEAT_SEAL))
        return PAL_ENOSYS;
    r = pal_sys_mseal(v, n, 0);
    return r == 0 ? PAL_OK : pal_sys_error(r);
}

int pal_os_name(void *v, size_t n, const char *name)
{
    long r;

    if (!have(PAL_FEAT_VMA_NAME))
        return feature_error(PAL_FEAT_VMA_NAME);
    r = pal_sys_prctl(LX_PR_SET_VMA, LX_PR_SET_VMA_ANON_NAME, (long)v, (long)n,
                      (long)name);
    return r == 0 ? PAL_OK : pal_sys_error(r);
}

/* mincore in chunks through a small stack vector (no allocation).  A chunk
 * is at most sizeof vec * 4 KiB, so the vector cannot overflow even if the
 * kernel (or an emulator) counts in pages smaller than ours. */
int pal_os_resident(const void *v, size_t n, size_t *bytes)
{
    unsigned char vec[256];
    const size_t chunk_max = sizeof vec * 4096;
    uintptr_t p = (uintptr_t)v;
    size_t total = 0, chunk, i;
    long r;

    if (!have(PAL_FEAT_RESIDENT))
        return feature_error(PAL_FEAT_RESIDENT);
    while (n > 0) {
        chunk = n < chunk_max ? n : chunk_max;
        if (chunk > os_page_size())
            chunk = pal_align_down(chunk, os_page_size());
        r = pal_sys_mincore((const void *)p, chunk, vec);
        if (r != 0)
            return pal_sys_error(r);
        for (i = 0; i * os_page_size() < chunk; i++) /* no __aeabi_uidiv */
            total += vec[i] & 1;
        p += chunk;
        n -= chunk;
    }
    *bytes = total * os_page_size();
    return PAL_OK;
}

/* ---- explicit huge pages ---------------------------------------------- */

size_t pal_os_huge_page_sizes(size_t *sizes, size_t max)
{
    int listed = hugetlb_count();
    size_t count = listed > 0 ? (size_t)listed : 0, i;

    for (i = 0; i < count && i < max; i++)
        sizes[i] = __atomic_load_n(&hugetlb_sizes[i], __ATOMIC_RELAXED);
    return count;
}

/* A private hugetlb mapping of the pool of that size (log2 of it in the
 * flags' MAP_HUGE_SHIFT field).  Without MAP_NORESERVE the kernel reserves
 * the whole mapping's huge pages at mmap time, so a short pool is ENOMEM
 * here.  A hugetlb cgroup limit (hugetlb.<size>.max) is charged at fault
 * time instead (since 5.7), and a fault over it is a SIGBUS: so the pages
 * are faulted in here with MADV_POPULATE_WRITE (5.14), which fails
 * (ENOMEM, or EFAULT for the SIGBUS it met) where a touch would die, and
 * then nothing stays mapped.  Where POPULATE_WRITE is missing (before
 * 5.14, qemu-user, a sandbox), the pages are left to fault in later, and
 * a cgroup limit can still end the first touch with a SIGBUS: touching
 * them here would die the same way.  (A fork child writing its copy of a
 * private mapping may also find the pool empty: the reservation stays
 * with the parent.) */
int pal_os_alloc_huge(size_t n, size_t page, void **out)
{
    long shift = 0, r, p;

    while (((size_t)1 << shift) < page)
        shift++;
    r = pal_sys_mmap(0, n, PROT_RW,
                     MAP_ANON_PRIVATE | LX_MAP_HUGETLB | (shift << LX_MAP_HUGE_SHIFT), -1, 0);
    if (pal_sys_failed(r))
        return pal_sys_error(r);
    if (!pal_os_flag(&populate_refused) && have(PAL_FEAT_POPULATE)) {
        p = pal_sys_madvise((void *)r, n, LX_MADV_POPULATE_WRITE);
        if (p == -LX_ENOMEM || p == -LX_EFAULT || p == -LX_EINTR) {
            pal_sys_munmap((void *)r, n);
            return PAL_ENOMEM;
        }
    }
    *out = (void *)r;
    return PAL_OK;
}

/* ---- NUMA ------------------------------------------------------------- */

unsigned pal_os_numa_nodes(void)
{
    return numa_count();
}

int pal_os_current_node(unsigned *node)
{
    unsigned cpu, nd;
    long r = pal_sys_getcpu(&cpu, &nd);

    if (r != 0) /* no getcpu (a sandbox): the node is unknown */
        return PAL_ENOSYS;
    *node = nd;
    return PAL_OK;
}

/* MPOL_PREFERRED: pages come from node while it has free memory, from the
 * nearest others after, never a failed fault (MPOL_BIND would OOM).
 * Nodes are counted from the possible ones, so that they are the numbers
 * getcpu, /sys and the caller's own CPU-to-node tables use (a node with
 * CPUs and no memory is a node pal_os_current_node can answer); but mbind
 * refuses (EINVAL) a preferred node without memory, offline, or outside
 * the caller's cpuset, where it would keep none of the pages anyway.  The
 * contract's answer for a node without memory is "from elsewhere": the
 * range is bound to the local node (then the nearest), whatever an
 * earlier binding had preferred. */
int pal_os_bind_node(void *v, size_t n, unsigned node)
{
    long r = bind_preferred(v, n, node);

    if (r == -LX_EINVAL) {
        pal_os_count_fallback();
        r = bind_local(v, n);
    }
    return r == 0 ? PAL_OK : pal_sys_error(r);
}

/* ---- purge ------------------------------------------------------------ */

/* Purge releases pages with madvise only, never a fresh mapping: that
 * keeps the access, the commit charge (under strict overcommit a writable
 * private mapping stays charged, resident or not), the huge-page marks and
 * the name, so nothing that worked before can fail after it.
 *  - ZERO: MADV_DONTNEED, which zero-fills the pages on the next touch.
 *    Where the probe found that it keeps the contents (qemu-user before
 *    7.1), or madvise is missing (ENOSYS), zeros are written instead, a
 *    counted fallback that gives no memory back (and needs the range
 *    readable and writable: there Prepared pages without access, under
 *    harddecommit or strict overcommit, would fault).
 *  - LAZY: MADV_FREE (4.5), which lets the kernel take the pages when it
 *    needs them; where that is unknown (EINVAL, and MADV_DONTNEED then
 *    takes the range), MADV_DONTNEED, learnt as unused learns it; where
 *    madvise is missing (ENOSYS), nothing: the old contents are what LAZY
 *    allows.  ENOSYS teaches nothing for good: a sandbox may refuse one
 *    advice and allow another.
 * Locked pages refuse both (EINVAL): PAL_EAGAIN, as unused.  EPERM (a
 * sealed read-only range, a sandbox) is PAL_EPERM: no fallback can write
 * zeros into memory it may not release, so nothing is learnt from it. */

/* No release at all: zeros for ZERO, nothing for LAZY. */
PAL_COLD
static int purge_fallback(void *v, size_t n, unsigned how)
{
    pal_os_count_fallback();
    if (how == PAL_PURGE_ZERO)
        pal_os_write_zeros(v, n);
    return PAL_OK;
}

/* What MADV_DONTNEED's refusal r means: locked pages (EINVAL), no
 * madvise (ENOSYS: the fallback), or the error itself. */
PAL_COLD
static int purge_dontneed_refused(void *v, size_t n, unsigned how, long r)
{
    if (r == -LX_EINVAL)
        return PAL_EAGAIN;
    if (r != -LX_ENOSYS)
        return pal_sys_error(r);
    return purge_fallback(v, n, how);
}

/* MADV_FREE refused (r): MADV_DONTNEED in its place, learnt from now on
 * where it takes the range (EINVAL said MADV_FREE is unknown). */
PAL_COLD
static int purge_free_refused(void *v, size_t n, long r)
{
    long d;

    if (r != -LX_EINVAL && r != -LX_ENOSYS)
        return pal_sys_error(r);
    d = pal_sys_madvise(v, n, LX_MADV_DONTNEED);
    if (d != 0)
        return purge_dontneed_refused(v, n, PAL_PURGE_LAZY, d);
    if (r == -LX_EINVAL)
        downgrade(LX_MADV_DONTNEED);
    return PAL_OK;
}

/* A ZERO purge where MADV_DONTNEED is not known to give zeroes: probed
 * the first time (dontneed_gives_zeroes), else zeros written. */
PAL_COLD
static int purge_zero_unsure(void *v, size_t n)
{
    long r;

    if (__atomic_load_n(&advise_unused, __ATOMIC_RELAXED) == ADVISE_MMAP ||
        !dontneed_gives_zeroes())
        return purge_fallback(v, n, PAL_PURGE_ZERO);
    r = pal_sys_madvise(v, n, LX_MADV_DONTNEED);
    return r == 0 ? PAL_OK : purge_dontneed_refused(v, n, PAL_PURGE_ZERO, r);
}

/* A LAZY purge where unused no longer gives MADV_FREE (a kernel before
 * 4.5, or no madvise at all): MADV_DONTNEED, or nothing where madvise is
 * missing.  Not rare where it happens: it is the whole run.  The advice
 * is read again: it only ever goes down (never back to MADV_FREE), so
 * this read stands for the caller's too. */
PAL_NOINLINE
static int purge_lazy_unfree(void *v, size_t n)
{
    long r;

    if (__atomic_load_n(&advise_unused, __ATOMIC_RELAXED) == ADVISE_MMAP)
        return purge_fallback(v, n, PAL_PURGE_LAZY);
    r = pal_sys_madvise(v, n, LX_MADV_DONTNEED);
    return r == 0 ? PAL_OK : purge_dontneed_refused(v, n, PAL_PURGE_LAZY, r);
}

/* The release, its common path one load and the madvise, with no stack
 * frame: every refusal and fallback is out of line, reached by a tail
 * call, and no value but v and n lives across the system call (another
 * would need a callee-saved register, saved and restored on every call:
 * the system call takes all the others). */
static inline int purge_release(void *v, size_t n, unsigned how)
{
    long r;

    if (how == PAL_PURGE_ZERO) {
        if (__atomic_load_n(&dontneed_zeroes, __ATOMIC_RELAXED) != PAL_OS_YES ||
            __atomic_load_n(&advise_unused, __ATOMIC_RELAXED) == ADVISE_MMAP)
            return purge_zero_unsure(v, n);
        r = pal_sys_madvise(v, n, LX_MADV_DONTNEED);
        return r == 0 ? PAL_OK : purge_dontneed_refused(v, n, PAL_PURGE_ZERO, r);
    }
    if (__atomic_load_n(&advise_unused, __ATOMIC_RELAXED) != LX_MADV_FREE)
        return purge_lazy_unfree(v, n);
    r = pal_sys_madvise(v, n, LX_MADV_FREE);
    return r == 0 ? PAL_OK : purge_free_refused(v, n, r);
}

/* The end marks of a purged range: it keeps its access, so khugepaged may
 * fill a partly purged huge page back in as it would a partly unused
 * one. */
PAL_NOINLINE
static int purge_marked(void *v, size_t n, unsigned how, unsigned policy)
{
    struct pal_mem_range marks[2];
    int err = purge_release(v, n, how), k, i;

    if (err != PAL_OK)
        return err;
    if (end_marks_wanted(policy, 0))
        for (k = end_marks((uintptr_t)v, n, marks), i = 0; i < k; i++)
            madvise_hint((uintptr_t)marks[i].v, marks[i].n, LX_MADV_NOHUGEPAGE);
    return PAL_OK;
}

/* Only thpgranular can want marks (end_marks_wanted): the others' purges
 * are the release alone. */
int pal_os_purge(void *v, size_t n, unsigned how, unsigned policy)
{
    if (policy & PAL_POLICY_THP_GRANULAR)
        return purge_marked(v, n, how, policy);
    return purge_release(v, n, how);
}

/* The advice a batched purge gives, or 0 where it must go range by range
 * (no batching, madvise missing, a MADV_DONTNEED that keeps contents). */
static long purge_batch_advice(unsigned how)
{
    long advice = __atomic_load_n(&advise_unused, __ATOMIC_RELAXED);

    if (advice == ADVISE_MMAP || pal_os_flag(&batch_refused) ||
        !have(PAL_FEAT_BATCH))
        return 0;
    if (how == PAL_PURGE_LAZY)
        return advice;
    return dontneed_gives_zeroes() ? LX_MADV_DONTNEED : 0;
}

/* Batched as pal_os_unused_ranges is (release_batched), with its end
 * marks: the first range a call did not advise whole goes through
 * pal_os_purge on its own, which finishes it (its fallbacks included). */
int pal_os_purge_ranges(const struct pal_mem_range *r, size_t count,
                        unsigned how, unsigned policy, size_t *done)
{
    long advice = purge_batch_advice(how);

    if (advice == 0)
        return pal_os_purge_each(r, count, how, policy, done);
    return release_batched(r, count, advice, how, policy, done);
}

/* ---- acquire, core dumps, facts --------------------------------------- */

/* One mmap with the final access and flags: Reserved is PROT_NONE,
 * Prepared what map makes it (prepared_prot), Ready the access asked
 * for; a fresh anonymous mapping reads zero.  MAP_NORESERVE keeps the
 * mapping out of the commit charge under the heuristic and "always" modes
 * (the kernel ignores it in strict mode, where a Prepared range is
 * PROT_NONE instead).  Alignment beyond the page size takes the slop of
 * reserve_aligned (up to two munmaps more); the hint goes to that mmap
 * too, so a free aligned hint is taken as it is.  Leaving out of core
 * dumps is one madvise more (mmap has no flag for it); refused, the
 * mapping goes and the refusal is the answer. */
int pal_os_acquire(const struct pal_mem_spec *s, unsigned policy, void **out)
{
    long prot = s->state == PAL_STATE_PREPARED ? prepared_prot() : LX_PROT_NONE;
    long flags = MAP_ANON_PRIVATE, r;
    size_t total = s->n + (s->align - os_page_size());
    uintptr_t base, start;
    int err;

    if (s->state == PAL_STATE_READY && (err = kernel_prot(s->prot, &prot)) != PAL_OK)
        return err;
    if (s->flags & PAL_SPEC_NORESERVE)
        flags |= LX_MAP_NORESERVE;
    if (s->flags & PAL_SPEC_EXACT) {
        flags |= LX_MAP_FIXED_NOREPLACE;
        total = s->n;
    }
    if (total < s->n)
        return PAL_ENOMEM;
    r = (s->flags & PAL_SPEC_EXACT) ? pal_sys_mmap(s->hint, total, prot, flags, -1, 0)
                                    : mmap_hinted(s->hint, total, prot, flags);
    if (pal_sys_failed(r))
        return pal_sys_error(r);
    base = (uintptr_t)r;
    if ((s->flags & PAL_SPEC_EXACT) && (void *)r != s->hint) {
        /* before 4.17 the flag is ignored and the hint taken for advice */
        pal_sys_munmap((void *)r, total);
        pal_os_count_fallback();
        return PAL_EEXIST;
    }
    start = pal_align_up(base, s->align);
    /* a slop that cannot be unmapped: all of it goes back (as reserve_aligned) */
    if (start > base && (r = pal_sys_munmap((void *)base, start - base)) != 0) {
        pal_sys_munmap((void *)base, total);
        return pal_sys_error(r);
    }
    if (start + s->n < base + total &&
        (r = pal_sys_munmap((void *)(start + s->n), base + total - (start + s->n))) != 0) {
        pal_sys_munmap((void *)start, base + total - start);
        return pal_sys_error(r);
    }
    if ((s->flags & PAL_SPEC_NODUMP) &&
        (r = pal_sys_madvise((void *)start, s->n, LX_MADV_DONTDUMP)) != 0) {
        pal_sys_munmap((void *)start, s->n);
        return pal_sys_error(r);
    }
    if (s->state != PAL_STATE_RESERVED && (policy & PAL_POLICY_NO_THP) &&
        os_huge_page_size() != 0)
        madvise_hint(start, s->n, LX_MADV_NOHUGEPAGE);
    *out = (void *)start;
    return PAL_OK;
}

/* MADV_DONTDUMP and MADV_DODUMP (3.4); madvise missing (ENOSYS) or
 * refused by a sandbox is the answer. */
int pal_os_dump(void *v, size_t n, int include)
{
    long r = pal_sys_madvise(v, n, include ? LX_MADV_DODUMP : LX_MADV_DONTDUMP);

    return r == 0 ? PAL_OK : pal_sys_error(r);
}

/* Read now, not the words cached for the library's own use: the modes
 * may change while the process runs, and a runtime asks to decide. */
void pal_os_info(struct pal_mem_info *out)
{
    char buf[128];
    const char *p;
    long got;

    got = read_file("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof buf);
    for (p = buf; got > 0 && *p != '\0' && *p != '['; p++)
        ;
    if (got > 0 && p[0] == '[' && p[1] == 'a')
        out->thp = PAL_THP_ALWAYS;
    else if (got > 0 && p[0] == '[' && p[1] == 'm')
        out->thp = PAL_THP_MADVISE;
    got = read_file("/proc/sys/vm/overcommit_memory", buf, sizeof buf);
    if (got > 0 && buf[0] >= '0' && buf[0] <= '2')
        out->overcommit = PAL_OVERCOMMIT_HEURISTIC + (buf[0] - '0');
    /* mode 2 charges every writable private mapping, MAP_NORESERVE or not */
    out->noreserve = out->overcommit == PAL_OVERCOMMIT_HEURISTIC ||
                     out->overcommit == PAL_OVERCOMMIT_ALWAYS;
}
