/*
 * mem_linux_release.h - how unused releases pages (madvise, or a fresh
 * mapping), what it learns the kernel refuses, and the batched release of
 * many ranges in one call.
 *
 * Part of mem_linux.c, which includes it (after sys_linux.h, pal_ranges.h
 * and the headers before it: setup, probes, marks, release, track); not a
 * header of its own.
 */
#ifndef PAL_MEM_LINUX_RELEASE_H
#define PAL_MEM_LINUX_RELEASE_H

/* ---- release ---------------------------------------------------------- */

/* Whether vm.overcommit_memory is strict ("never": mode 2) rather than
 * heuristic or always, read on the first call that makes or leaves
 * Prepared memory (map, unused, used, acquire): PAL_OS_YES/NO. */
static int commit_strict;

/* Under vm.overcommit_memory=2 the kernel charges every writable private
 * page against CommitLimit whether it is resident or not, and madvise
 * releases the page but not the charge: a heap that shrank still counts
 * at its peak, and mmap fails for others.  Only a mapping that is not
 * writable is not charged, so there Prepared memory is PROT_NONE whatever
 * made it: unused replaces the range with a fresh PROT_NONE mapping (as
 * jemalloc's decommit does), map and acquire map it so, and used takes
 * the charge with mprotect, which fails cleanly (ENOMEM) at the limit.
 * Without /proc the mode cannot be read and is taken to be the default. */
PAL_COLD
static int strict_commit_read(void)
{
    char buf[8];
    long got = read_file("/proc/sys/vm/overcommit_memory", buf, sizeof buf);
    int strict = got > 0 && buf[0] == '2' ? PAL_OS_YES : PAL_OS_NO;

    /* not read now: the default for this call (used makes the range
     * read-write under either mode, whatever this call leaves), and the
     * file is read again on the next */
    if (got != READ_AGAIN)
        __atomic_store_n(&commit_strict, strict, __ATOMIC_RELAXED);
    return strict;
}

/* One load once read: used and unused ask on every call. */
static inline int strict_commit(void)
{
    int strict = __atomic_load_n(&commit_strict, __ATOMIC_RELAXED);

    if (strict == PAL_OS_UNKNOWN)
        strict = strict_commit_read();
    return strict == PAL_OS_YES;
}

/* Once, before MADV_DONTNEED is first relied on for zeroes, unless the
 * feature probes learnt it already (probe_dontneed): a scratch page read
 * back after the advice (dontneed_read_back).  PAL_OS_YES where the advice
 * is refused (the release then remaps, which zeroes), and where it could
 * not tell now (the fact stays unknown, to be probed again next time). */
PAL_COLD
static int dontneed_probe(void)
{
    long m = pal_sys_mmap(0, os_page_size(), PROT_RW, MAP_ANON_PRIVATE, -1, 0);
    int z;

    if (pal_sys_failed(m))
        return PAL_OS_YES;
    z = dontneed_read_back((void *)m) != 0 ? PAL_OS_YES : PAL_OS_NO;
    pal_sys_munmap((void *)m, os_page_size());
    __atomic_store_n(&dontneed_zeroes, z, __ATOMIC_RELAXED);
    return z;
}

/* One load once probed: every ZERO purge asks. */
static inline int dontneed_gives_zeroes(void)
{
    int z = __atomic_load_n(&dontneed_zeroes, __ATOMIC_RELAXED);

    if (z == PAL_OS_UNKNOWN)
        z = dontneed_probe();
    return z == PAL_OS_YES;
}

/* A fresh anonymous mapping over the range: releases the pages and reads
 * back zero with no madvise at all.  If it fails, the old mapping may be
 * gone: before 6.12, mmap_region unmaps the old range first and only then
 * checks the commit charge (ENOMEM under strict overcommit, or for a
 * range larger than RAM + swap under the heuristic), so the range would
 * be left free for the next mmap, anyone's, to take and a later map or
 * free of the caller's to clobber.  A reservation is put back where there
 * is a hole: MAP_FIXED_NOREPLACE fails (EEXIST) where the old mapping is
 * still there and fills the hole where it is not; before 4.17 the flag is
 * ignored and the address is a hint, which the kernel honours when the
 * range is free and otherwise maps elsewhere, undone at once. */
static int remap(void *v, size_t n, long prot)
{
    long r = pal_sys_mmap(v, n, prot, MAP_ANON_PRIVATE | LX_MAP_FIXED, -1, 0), back;

    if (!pal_sys_failed(r))
        return PAL_OK;
    back = pal_sys_mmap(v, n, LX_PROT_NONE, MAP_ANON_PRIVATE | LX_MAP_FIXED_NOREPLACE, -1, 0);
    if (!pal_sys_failed(back) && (void *)back != v)
        pal_sys_munmap((void *)back, n);
    return pal_sys_error(r);
}

static void downgrade(long advice)
{
    __atomic_store_n(&advise_unused, advice, __ATOMIC_RELAXED);
    pal_os_count_fallback();
}

/* madvise refused to release [v, v+n); what the refusal means:
 *  - EINVAL (of MADV_DONTNEED, which every kernel knows): pages the caller
 *    locked (mlock, mlockall) cannot be released now (PAL_EAGAIN);
 *  - ENOSYS (no madvise: CONFIG_ADVISE_SYSCALLS=n) or EPERM (a sandbox, or
 *    a sealed range): a fresh mapping releases the pages instead.  A sealed
 *    range refuses that too, and its error is the answer, with nothing
 *    learnt; otherwise madvise is taken to be gone for good. */
static int release_refused(void *v, size_t n, long prot, long r, int *remapped)
{
    int err;

    if (r == -LX_EINVAL)
        return PAL_EAGAIN;
    if (r != -LX_ENOSYS && r != -LX_EPERM)
        return pal_sys_error(r);
    err = remap(v, n, prot);
    if (err != PAL_OK)
        return err;
    downgrade(ADVISE_MMAP);
    *remapped = 1;
    return PAL_OK;
}

/* Release the pages of [v, v+n) with the best advice this kernel takes,
 * remembering what it refused.  MADV_FREE refused with EINVAL is unknown
 * (before 4.5) or the pages are locked; MADV_DONTNEED tells which: locked
 * pages refuse it too, and then nothing is learnt, else MADV_DONTNEED it
 * is from now on.  A fresh mapping, where one replaces the range, has
 * access prot; *remapped says whether one did (the range then has none of
 * the old huge-page marks). */
static int release(void *v, size_t n, unsigned policy, long prot, int *remapped)
{
    long advice = __atomic_load_n(&advise_unused, __ATOMIC_RELAXED);
    int free_refused = 0;
    long r;

    if ((policy & PAL_POLICY_DONTNEED) && advice != ADVISE_MMAP)
        advice = LX_MADV_DONTNEED;
    if (advice == LX_MADV_FREE) {
        r = pal_sys_madvise(v, n, LX_MADV_FREE);
        if (r == 0)
            return PAL_OK;
        if (r != -LX_EINVAL)
            return release_refused(v, n, prot, r, remapped);
        advice = LX_MADV_DONTNEED;
        free_refused = 1;
    }
    if (advice == LX_MADV_DONTNEED && dontneed_gives_zeroes()) {
        r = pal_sys_madvise(v, n, LX_MADV_DONTNEED);
        if (r != 0)
            return release_refused(v, n, prot, r, remapped);
        if (free_refused)
            downgrade(LX_MADV_DONTNEED);
        return PAL_OK;
    }
    /* no madvise, or a DONTNEED that keeps the contents: a fresh mapping
     * keeps the promise that unused+used memory reads as zero */
    pal_os_count_fallback();
    *remapped = 1;
    return remap(v, n, prot);
}

int pal_os_unused_zeroes(unsigned policy)
{
    long advice = __atomic_load_n(&advise_unused, __ATOMIC_RELAXED);

    /* once downgraded from MADV_FREE, unused zeroes whatever a probe saw */
    if (advice != LX_MADV_FREE || (policy & PAL_POLICY_DONTNEED) || strict_commit())
        return 1;
    /* MADV_FREE keeps the contents until the kernel needs the memory */
    return !have(PAL_FEAT_MADV_FREE);
}

/* ---- batched release -------------------------------------------------- */

/* The advice a batched release gives, or 0 where unused must go range by
 * range: a fresh mapping per range (no madvise, strict overcommit, a
 * DONTNEED that keeps contents) or an mprotect per range around its
 * release (harddecommit: the ranges' access must go with their pages,
 * one range at a time, so that a refusal leaves ranges beyond *done as
 * they were). */
static long batch_advice(unsigned policy)
{
    long advice = __atomic_load_n(&advise_unused, __ATOMIC_RELAXED);

    if ((policy & PAL_POLICY_HARD_DECOMMIT) || advice == ADVISE_MMAP || strict_commit() ||
        pal_os_flag(&batch_refused) || !have(PAL_FEAT_BATCH))
        return 0;
    if (policy & PAL_POLICY_DONTNEED)
        advice = LX_MADV_DONTNEED;
    if (advice == LX_MADV_DONTNEED && !dontneed_gives_zeroes())
        return 0;
    return advice;
}

/* Up to MARKS_BATCH end marks gathered over a batch, issued in one call.
 * A call's marks total at most MARKS_BYTES (a mark is at most two huge
 * pages, 1 GiB at most), below MAX_RW_COUNT (2 GiB less a page): past
 * that the kernel would cut the call short with no error, and a mark
 * left out could not be told from one that failed. */
#define MARKS_BATCH 64
#define MARKS_BYTES ((size_t)1 << 30)

struct mark_batch {
    struct pal_mem_range m[MARKS_BATCH];
    size_t count;
};

/* Issue the marks gathered, each as unused would issue it on its own: a
 * hint whose failure stops nothing.  The kernel stops at the first mark
 * it cannot make (ENOMEM where part of its huge page is not mapped; the
 * mapped parts are marked all the same, as madvise marks them) and
 * reports the bytes done before it: the marks after it are issued again.
 * A call that did nothing (its first mark failed, or the call was
 * refused as a whole) is told apart by that mark alone: failing again, it
 * was the mark's doing and the rest go on in batches; made, the call was
 * refused and the rest are made one by one.  Nothing is learnt here for
 * later: the release's batch decides that. */
static void marks_flush(struct mark_batch *b)
{
    size_t i = 0;
    long got;

    while (i < b->count) {
        got = pal_sys_process_madvise(LX_PIDFD_SELF_THREAD, b->m + i, b->count - i,
                                      LX_MADV_NOHUGEPAGE);
        if (pal_sys_failed(got)) {
            if (pal_sys_madvise(b->m[i].v, b->m[i].n, LX_MADV_NOHUGEPAGE) == 0)
                for (i++; i < b->count; i++)
                    madvise_hint((uintptr_t)b->m[i].v, b->m[i].n, LX_MADV_NOHUGEPAGE);
            i++;
            continue;
        }
        /* the marks done whole, then past the one the kernel stopped at */
        for (; i < b->count && (size_t)got >= b->m[i].n; i++)
            got -= (long)b->m[i].n;
        i++;
    }
    b->count = 0;
}

static void marks_add(struct mark_batch *b, const struct pal_mem_range *r)
{
    struct pal_mem_range m[2];
    int k = end_marks((uintptr_t)r->v, r->n, m), i;
    size_t most = MARKS_BATCH, bytes = 2 * os_huge_page_size();

    /* halved rather than divided (both are powers of two): 32-bit Arm has
     * no divide instruction, and the library links no __aeabi_uidiv */
    while (most > 1 && bytes * most > MARKS_BYTES)
        most >>= 1;
    for (i = 0; i < k; i++) {
        /* neighbouring ranges often end in the same huge page */
        if (b->count > 0 && b->m[b->count - 1].v == m[i].v && b->m[b->count - 1].n == m[i].n)
            continue;
        if (b->count >= most)
            marks_flush(b);
        b->m[b->count++] = m[i];
    }
}

/* The longest range a batch takes: the kernel refuses a whole
 * process_madvise with EINVAL when one iov_len is above SSIZE_MAX, which
 * a 32-bit process's range of 2 GiB or more is.  Such a range goes on its
 * own through unused (madvise takes any length). */
#define BATCH_RANGE_MAX ((size_t)-1 >> 1)

/* process_madvise on this process, up to IOV_MAX (UIO_MAXIOV) ranges a
 * call, the caller's array itself as the iovecs: one entry into the
 * kernel and, since 6.16, one TLB flush per call instead of per range.
 * The kernel stops at the first range it cannot advise and reports the
 * bytes done, and it also stops short of a call's end when the total
 * passes MAX_RW_COUNT (2 GiB): either way, the first range not wholly
 * advised goes through unused (or purge) on its own, which finishes it or
 * gives its error, and batching resumes after it.  A call that did nothing
 * while its first range, on its own, is released says that the call was
 * refused as a whole only when the answer is a sandbox's (EPERM, ENOSYS):
 * that is remembered, one madvise per range from then on.  Any other
 * answer (EINVAL, ENOMEM for the kernel's copy of the iovecs) is one
 * call's, and the next batch tries again.  how is 0 for unused, else the
 * purge's PAL_PURGE_* (never 0). */
static int release_one(const struct pal_mem_range *x, unsigned how, unsigned policy)
{
    return how == 0 ? pal_os_unused(x->v, x->n, policy) : pal_os_purge(x->v, x->n, how, policy);
}

static int release_each(const struct pal_mem_range *r, size_t count, unsigned how,
                        unsigned policy, size_t *done)
{
    return how == 0 ? pal_os_unused_each(r, count, policy, done)
                    : pal_os_purge_each(r, count, how, policy, done);
}

static int release_batched(const struct pal_mem_range *r, size_t count, long advice,
                           unsigned how, unsigned policy, size_t *done)
{
    int marks = end_marks_wanted(policy, 0), err;
    struct mark_batch mb;
    size_t i = 0, k, j;
    long got;

    mb.count = 0;
    while (i < count) {
        for (k = 0; i + k < count && k < LX_UIO_MAXIOV && r[i + k].n <= BATCH_RANGE_MAX; k++)
            ;
        /* with k 0, the first range is too long for an iovec, and one
         * range is cheaper as madvise (no pidfd or iovec to look up:
         * jemalloc purges one extent at a time a million times a run):
         * on its own */
        j = i;
        got = 0;
        if (k > 1) {
            got = pal_sys_process_madvise(LX_PIDFD_SELF_THREAD, r + i, k, advice);
            /* ranges i..j-1 were wholly advised */
            for (; j < i + k && !pal_sys_failed(got) && (size_t)got >= r[j].n; j++) {
                got -= (long)r[j].n;
                if (marks)
                    marks_add(&mb, &r[j]);
            }
            if (j == i + k) {
                i = j;
                continue;
            }
        }
        err = release_one(&r[j], how, policy);
        if (err != PAL_OK) {
            marks_flush(&mb);
            *done = j;
            return err;
        }
        if (j == i && (got == -LX_EPERM || got == -LX_ENOSYS)) {
            /* the range was fine on its own: the batch was refused */
            pal_os_flag_set(&batch_refused);
            pal_os_count_fallback();
            marks_flush(&mb);
            err = release_each(r + j + 1, count - j - 1, how, policy, done);
            *done += j + 1;
            return err;
        }
        i = j + 1;
    }
    marks_flush(&mb);
    *done = count;
    return PAL_OK;
}

#endif /* PAL_MEM_LINUX_RELEASE_H */
