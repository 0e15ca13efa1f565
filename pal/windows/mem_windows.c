/*
 * mem_windows.c - the Windows backend: VirtualAlloc, VirtualFree,
 * VirtualProtect and VirtualQuery from kernel32, after the Go runtime's
 * mem_windows.go.  No C runtime: every call here is a kernel32 export,
 * except VirtualAlloc2, which kernelbase.dll exports (looked up once, at
 * init).
 *
 * The states map onto Windows' own: Reserved is MEM_RESERVE (or a
 * placeholder), Prepared and Ready are MEM_COMMIT (map commits, as Go's
 * sysMap does, so that the commit charge is taken when the caller plans
 * for it), and unused and fault decommit (MEM_DECOMMIT), which hands back
 * both the pages and the commit charge and leaves the range reserved: it
 * faults until committed again, and a fresh commit reads as zero.  Under
 * madvdontneed=0, unused is MEM_RESET instead (lazy, the charge kept).
 *
 * Two Windows rules shape the rest:
 *   - Reservations start on the allocation granularity (64 KiB), not the
 *     page size.
 *   - VirtualFree(MEM_RELEASE) releases exactly one whole reservation, and
 *     commit, decommit and VirtualProtect act within one.  The transitions
 *     take a range that spans reservations one reservation at a time,
 *     having checked all of it first (mem_windows_ranges.h).
 * Windows 10 1803 loosened both with placeholders: a placeholder is
 * address space held like a reservation that can be split at any page
 * (VirtualFree MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER) and filled by an
 * ordinary allocation of exactly its size (VirtualAlloc2
 * MEM_REPLACE_PLACEHOLDER), and an allocation made so can be turned back
 * into one (mem_windows_placeholders.h).  Where they exist, reservations are
 * placeholders, so that free takes any page-aligned part of them that
 * cuts no allocation holding memory (what one map made usable is one
 * allocation; Windows cannot cut those), and reserve_at any page-aligned
 * address whose granule is free.  Where they do not exist (before 1803;
 * wine 8), reserve_at refuses a free address off the granularity with
 * PAL_EINVAL, and free anything but a whole region.
 *
 * Placeholders and threads: every split or fill acts on a placeholder
 * (no memory, no contents) or on the caller's own range, and each call is
 * atomic in the kernel, so threads working on disjoint ranges of one
 * reservation cannot undo each other's work; a call that finds the range
 * changed under it fails with an error.
 *
 * State is a few words written with atomics (mem_windows_setup.h); no
 * locks.  There are no signals on Windows, so async-signal-safety asks
 * nothing more.
 *
 * This file holds the transitions; the headers it includes hold the rest,
 * by concern: set-up and facts, placeholders, walking a range one
 * reservation at a time, making reservations, write watch.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include "pal_os.h"

#include "mem_windows_setup.h"
#include "mem_windows_placeholders.h"
#include "mem_windows_ranges.h"
#include "mem_windows_reserve.h"
#include "mem_windows_track.h"

/* ---- transitions ------------------------------------------------------ */

int pal_os_reserve(void *hint, size_t n, void **out)
{
    void *p = NULL;

    /* VirtualAlloc would round a hint down to the granularity, below what
     * the caller asked for: round it up instead.  Like Go's sysReserveOS,
     * a hint that cannot be had is retried anywhere. */
    if (hint != NULL) {
        uintptr_t h = pal_align_up((uintptr_t)hint, granularity);

        if (h != 0)
            p = reserve_call((void *)h, n, 0);
    }
    if (p == NULL)
        p = reserve_call(NULL, n, 0);
    if (p == NULL)
        return last_error();
    *out = p;
    return PAL_OK;
}

/* A reservation can only start on the granularity.  Off it, a placeholder
 * from the granule below is cut at addr and its head released: the
 * head's pages must be free too, else (as everywhere without
 * placeholders) the answer is PAL_EEXIST if part of the range is taken
 * (the caller learns the range is in use, which is true wherever it
 * starts) and PAL_EINVAL otherwise: a free range that Windows cannot
 * place a reservation at. */
int pal_os_reserve_at(void *addr, size_t n)
{
    uintptr_t a = (uintptr_t)addr, lo = pal_align_down(a, granularity);

    if (lo != a) {
        DWORD err;

        if (!placeholders() || reserve_call((void *)lo, a + n - lo, 0) == NULL)
            return any_taken(addr, n) ? PAL_EEXIST : PAL_EINVAL;
        /* cut [lo, a) off and give it back.  Windows can refuse either
         * (a split takes kernel memory): then the call fails and what is
         * left of the placeholder just made goes back too. */
        if (!vfree((void *)lo, a - lo, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER_FLAG)) {
            err = GetLastError();
            vfree((void *)lo, 0, MEM_RELEASE);
            return os_error(err);
        }
        if (!vfree((void *)lo, 0, MEM_RELEASE)) {
            err = GetLastError();
            vfree((void *)a, 0, MEM_RELEASE);
            return os_error(err);
        }
        return PAL_OK;
    }
    if (reserve_call(addr, n, 0) != NULL)
        return PAL_OK;
    /* Some of the range is already reserved or committed. */
    if (GetLastError() == ERROR_INVALID_ADDRESS)
        return PAL_EEXIST;
    return last_error();
}

int pal_os_reserve_aligned(size_t n, size_t align, void **out)
{
    uintptr_t f = __atomic_load_n(&virtual_alloc2, __ATOMIC_ACQUIRE);
    void *p;

    /* every reservation starts on the granularity already */
    if (align <= granularity)
        return pal_os_reserve(NULL, n, out);
    if (f != 0 && f != NO_VA2 && !pal_os_flag(&align_refused)) {
        if (placeholders()) {
            p = reserve_call(NULL, n, align);
        } else {
            struct address_requirements req = { NULL, NULL, align };
            struct ext_param param;

            param.type = EXT_ADDRESS_REQUIREMENTS;
            param.arg.pointer = &req;
            p = valloc2(NULL, n, MEM_RESERVE, PAGE_NOACCESS, &param, 1);
        }
        if (p != NULL) {
            *out = p;
            return PAL_OK;
        }
        /* An implementation that does not take the alignment parameter
         * (older Windows 10 builds, emulators) will not take it later.
         * Where it makes placeholders, VirtualAlloc2 stays in use for them. */
        if (GetLastError() != ERROR_INVALID_PARAMETER &&
            GetLastError() != ERROR_NOT_SUPPORTED)
            return last_error();
        if (placeholders())
            pal_os_flag_set(&align_refused);
        else
            __atomic_store_n(&virtual_alloc2, NO_VA2, __ATOMIC_RELEASE);
    }
    pal_os_count_fallback();
    if (placeholders())
        return reserve_aligned_cut(n, align, out);
    return reserve_aligned_retry(n, align, out);
}

int pal_os_map(void *v, size_t n, unsigned policy)
{
    (void)policy;
    return commit(v, n, !placeholders());
}

int pal_os_used(void *v, size_t n, unsigned policy)
{
    (void)policy;
    return commit(v, n, 1);
}

/* Under madvdontneed=0, MEM_RESET: the pages are let go lazily (written
 * to no page file, taken when Windows needs them), the commit charge
 * stays, and a later write keeps the page; Windows' MADV_FREE.  It takes
 * committed memory of one reservation: on a range it refuses (Prepared
 * pages in it, or several reservations), and under every other policy,
 * decommit, which hands back pages and charge at once and reads zero
 * after. */
int pal_os_unused(void *v, size_t n, unsigned policy)
{
    if (!(policy & (PAL_POLICY_DONTNEED | PAL_POLICY_HARD_DECOMMIT))) {
        if (valloc(v, n, MEM_RESET, PAGE_NOACCESS) != NULL)
            return PAL_OK;
        pal_os_count_fallback();
    }
    return decommit(v, n);
}

int pal_os_alloc(size_t n, unsigned policy, void **out)
{
    void *p = valloc(NULL, n, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);

    (void)policy;
    if (p == NULL)
        return last_error();
    *out = p;
    return PAL_OK;
}

/* Sum the sizes of the consecutive VirtualQuery runs that belong to the
 * reservation starting at base, looking no further than limit bytes. */
static size_t region_size(void *base, size_t limit)
{
    MEMORY_BASIC_INFORMATION mbi;
    uintptr_t p = (uintptr_t)base;
    size_t total = 0;

    while (total <= limit) {
        if (vquery((void *)p, &mbi) == 0 || mbi.State == MEM_FREE ||
            mbi.AllocationBase != base)
            break;
        total += mbi.RegionSize;
        p += mbi.RegionSize;
    }
    return total;
}

/* free of [p, end) that is not one whole reservation, with placeholders.
 * Whole reservations and placeholders inside the range are released; one
 * that the range cuts must be a placeholder, cut first (which nothing a
 * caller sees): an allocation, which held memory, Windows cannot cut.
 * Everything is checked before anything is released; PAL_EINVAL, with
 * nothing changed, for a page that is free, not ours, or in an allocation
 * the range cuts. */
static int free_parts(uintptr_t p, uintptr_t end)
{
    MEMORY_BASIC_INFORMATION mbi;
    uintptr_t q = p, base = 0, hi;
    int err;

    /* check: every run private and held; a run of a reservation that
     * starts before p, or goes on past end, a placeholder (one run is
     * the whole of a placeholder, so a reservation of more runs that
     * reaches past end shows as the run at end having its base) */
    while (q < end) {
        if (vquery((void *)q, &mbi) == 0 || mbi.Type != MEM_PRIVATE ||
            mbi.State == MEM_FREE)
            return PAL_EINVAL;
        base = (uintptr_t)mbi.AllocationBase;
        hi = (uintptr_t)mbi.BaseAddress + mbi.RegionSize;
        if ((base < p || hi > end) && !is_placeholder(&mbi))
            return PAL_EINVAL;
        q = hi;
    }
    if (q == end && vquery((void *)end, &mbi) != 0 && mbi.State != MEM_FREE &&
        (uintptr_t)mbi.AllocationBase == base)
        return PAL_EINVAL;
    /* the ends: cut out of their placeholders */
    if (vquery((void *)p, &mbi) != 0 && (uintptr_t)mbi.BaseAddress < p) {
        hi = (uintptr_t)mbi.BaseAddress + mbi.RegionSize;
        err = carve(p, hi < end ? hi : end);
        if (err != PAL_OK)
            return err;
    }
    if (vquery((void *)(end - 1), &mbi) != 0 &&
        (uintptr_t)mbi.BaseAddress + mbi.RegionSize > end) {
        err = carve((uintptr_t)mbi.BaseAddress, end);
        if (err != PAL_OK)
            return err;
    }
    /* now every reservation in [p, end) lies wholly inside it */
    for (q = p; q < end; q = hi) {
        hi = q + region_size((void *)q, end - q);
        if (hi == q || !vfree((void *)q, 0, MEM_RELEASE))
            return PAL_EOS; /* another thread changed the range meanwhile */
    }
    return PAL_OK;
}

/* MEM_RELEASE takes the base of a reservation and releases all of it, so a
 * part would silently become the whole.  Exactly one reservation is
 * released at once; anything else is cut along placeholders where there
 * are placeholders, and refused, before releasing anything, with
 * PAL_EINVAL (the contract's answer, said here: from Windows,
 * ERROR_INVALID_PARAMETER is PAL_ENOMEM) where there are none. */
int pal_os_free(void *v, size_t n)
{
    if (region_size(v, n) == n) {
        if (!vfree(v, 0, MEM_RELEASE))
            return last_error();
        return PAL_OK;
    }
    if (!placeholders())
        return PAL_EINVAL;
    return free_parts((uintptr_t)v, (uintptr_t)v + n);
}

/* Decommitted memory faults on access and is back to MEM_RESERVE.  Where
 * there are placeholders, an allocation that the range covers whole
 * becomes a placeholder again instead (one call, pages and charge back
 * alike), so that a later free can cut it anywhere; an allocation only
 * partly covered is decommitted and stays one. */
int pal_os_fault(void *v, size_t n)
{
    MEMORY_BASIC_INFORMATION mbi;
    uintptr_t p = (uintptr_t)v, end = p + n, q, hi, base;
    int spans, err;

    if (!placeholders())
        return decommit(v, n);
    err = check(p, end, MEM_RESERVE | MEM_COMMIT, NULL, &spans);
    if (err != PAL_OK)
        return err;
    for (q = p; q < end; q = hi) {
        if (vquery((void *)q, &mbi) == 0)
            return last_error();
        base = (uintptr_t)mbi.AllocationBase;
        if (base >= p) {
            size_t size = region_size(mbi.AllocationBase, end - base);

            hi = base + size;
            if (size <= end - base && unfill(base, hi))
                continue;
        }
        /* a part, or an allocation that never was a placeholder (alloc) */
        hi = reservation_end(q, end);
        if (hi == q || !decommit_call(q, hi - q, 0))
            return last_error();
    }
    return PAL_OK;
}

int pal_os_protect(void *v, size_t n, unsigned prot)
{
    /* memory tagging and branch protection are arm64 Linux's only */
    if (prot & (PAL_PROT_MTE | PAL_PROT_BTI))
        return PAL_ENOSYS;
    return protect(v, n, page_protection(prot));
}

/* ---- hints: Windows has no transparent huge pages --------------------- */

PAL_OS_NO_THP_ADVICE()

/* ---- guard regions, sealing, names, residency -------------------------- */

/* PAGE_NOACCESS, not PAGE_GUARD: a PAGE_GUARD page raises one
 * STATUS_GUARD_PAGE_VIOLATION and then becomes an ordinary page (it exists
 * to grow stacks), while a guard must fault on every access.  Protection
 * lives in the page tables, so it splits no reservation. */
int pal_os_guard(void *v, size_t n)
{
    return protect(v, n, PAGE_NOACCESS);
}

/* Windows has no way to forbid later VirtualFree/VirtualProtect calls. */
PAL_OS_NO_SEAL()

/* Private memory has no name a debugger or the OS would show. */
PAL_OS_NO_NAMES()

/* The working-set query, a batch of pages at a time from a stack array. */
int pal_os_resident(const void *v, size_t n, size_t *bytes)
{
    struct ws_ex_info info[64];
    uintptr_t p = (uintptr_t)v;
    size_t pages = n / os_page_size(), total = 0, batch, i;

    if ((probe(PAL_FEAT_RESIDENT) & PAL_FEAT_RESIDENT) == 0)
        return PAL_ENOSYS;
    while (pages > 0) {
        batch = pages < 64 ? pages : 64;
        for (i = 0; i < batch; i++) {
            info[i].address = (void *)(p + i * os_page_size());
            info[i].attributes = 0;
        }
        pal_os_count_call();
        if (!K32QueryWorkingSetEx(GetCurrentProcess(), info,
                                  (DWORD)(batch * sizeof info[0])))
            return last_error();
        for (i = 0; i < batch; i++)
            total += info[i].attributes & 1;
        p += batch * os_page_size();
        pages -= batch;
    }
    *bytes = total * os_page_size();
    return PAL_OK;
}

/* ---- batched release, purge, prefault, huge pages, NUMA ---------------- */

/* Windows releases one range per call. */
int pal_os_unused_ranges(const struct pal_mem_range *r, size_t count,
                         unsigned policy, size_t *done)
{
    return pal_os_unused_each(r, count, policy, done);
}

/* Whether Windows lets this process write pages of that protection. */
static int writable(DWORD protect)
{
    if (protect & (PAGE_GUARD | PAGE_NOACCESS))
        return 0;
    return (protect & (PAGE_READWRITE | PAGE_WRITECOPY | PAGE_EXECUTE_READWRITE |
                       PAGE_EXECUTE_WRITECOPY)) != 0;
}

/* Committed memory has its commit charge already, so a first touch
 * cannot run out of memory: what Windows can refuse is the access, and
 * VirtualQuery tells that first (PAL_EACCES, nothing touched).  Then each
 * page is touched.  PrefetchVirtualMemory (Windows 8) is no substitute:
 * it reads pages in from their backing store as a hint, may do nothing,
 * and makes no demand-zero page of private memory resident. */
int pal_os_populate(void *v, size_t n)
{
    MEMORY_BASIC_INFORMATION mbi;
    uintptr_t p = (uintptr_t)v, end = p + n;

    while (p < end) {
        if (vquery((void *)p, &mbi) == 0 || mbi.State != MEM_COMMIT ||
            !writable(mbi.Protect))
            return PAL_EACCES;
        p = (uintptr_t)mbi.BaseAddress + mbi.RegionSize;
    }
    pal_os_touch(v, n, os_page_size());
    return PAL_OK;
}

/* Purge keeps the commit charge, so never a decommit.  Windows has no
 * call that frees committed pages and leaves them reading zero:
 *  - LAZY is MEM_RESET: the pages are let go when Windows needs them, the
 *    charge stays, and a page reads its old contents or zero until
 *    written.  One call where the range is committed memory of one
 *    reservation; else the range is walked (a counted fallback).
 *  - ZERO writes zeros over every committed page, then MEM_RESET: the page
 *    reads zero whether Windows takes it or not, and it may take it.  A
 *    counted fallback always (DiscardVirtualMemory would be no better: it
 *    leaves the contents undefined, not zero).
 * The walk takes the range apart with VirtualQuery, across reservations
 * and placeholders' neighbours: committed runs are purged, MEM_RESERVE
 * runs (Prepared memory that unused decommitted; it reads zero once
 * committed again) need nothing.  Free memory, a placeholder, or (ZERO)
 * a committed page that may not be written is refused before anything
 * changes: PAL_ENOMEM, PAL_EACCES.  A MEM_RESET that fails breaks no
 * promise: the pages merely stay. */
static int purge_walk(uintptr_t p, uintptr_t end, unsigned how, int act)
{
    MEMORY_BASIC_INFORMATION mbi;
    uintptr_t hi;
    int ph = placeholders();

    while (p < end) {
        if (vquery((void *)p, &mbi) == 0 || mbi.Type != MEM_PRIVATE ||
            (mbi.State & (MEM_RESERVE | MEM_COMMIT)) == 0 || (ph && is_placeholder(&mbi)))
            return PAL_ENOMEM;
        hi = (uintptr_t)mbi.BaseAddress + mbi.RegionSize;
        if (hi > end)
            hi = end;
        if (mbi.State == MEM_COMMIT) {
            if (how == PAL_PURGE_ZERO && !writable(mbi.Protect))
                return PAL_EACCES;
            if (act) {
                if (how == PAL_PURGE_ZERO)
                    pal_os_write_zeros((void *)p, hi - p);
                (void)valloc((void *)p, hi - p, MEM_RESET, PAGE_NOACCESS);
            }
        }
        p = hi;
    }
    return PAL_OK;
}

int pal_os_purge(void *v, size_t n, unsigned how, unsigned policy)
{
    uintptr_t p = (uintptr_t)v;
    int err;

    (void)policy;
    if (how == PAL_PURGE_LAZY && valloc(v, n, MEM_RESET, PAGE_NOACCESS) != NULL)
        return PAL_OK;
    err = purge_walk(p, p + n, how, 0);
    if (err != PAL_OK)
        return err;
    pal_os_count_fallback();
    return purge_walk(p, p + n, how, 1);
}

/* Windows purges one range per call. */
int pal_os_purge_ranges(const struct pal_mem_range *r, size_t count,
                        unsigned how, unsigned policy, size_t *done)
{
    return pal_os_purge_each(r, count, how, policy, done);
}

size_t pal_os_huge_page_sizes(size_t *sizes, size_t max)
{
    size_t lp = large_page();

    if (lp == 0)
        return 0;
    if (max > 0)
        sizes[0] = lp;
    return 1;
}

/* MEM_LARGE_PAGES: committed at once and locked (large pages are never
 * paged out), which is why Windows asks for SeLockMemoryPrivilege, held
 * and enabled in the token (ERROR_PRIVILEGE_NOT_HELD, PAL_EPERM,
 * otherwise: enabling it is the caller's business, with
 * AdjustTokenPrivileges, as it changes the whole process).  Large pages
 * are found at this call or never: PAL_ENOMEM then, not a fault later.
 * A Windows that does not take the flag at all answers
 * ERROR_INVALID_PARAMETER (wine 8): PAL_ENOSYS. */
int pal_os_alloc_huge(size_t n, size_t page, void **out)
{
    void *p;
    DWORD err;

    (void)page; /* Windows has the one size */
    p = valloc(NULL, n, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES, PAGE_READWRITE);
    if (p == NULL) {
        err = GetLastError();
        if (err == ERROR_INVALID_PARAMETER) {
            __atomic_store_n(&large_page_word, 1, __ATOMIC_RELAXED);
            return PAL_ENOSYS;
        }
        return os_error(err);
    }
    *out = p;
    return PAL_OK;
}

/* The highest node number + 1, asked once. */
unsigned pal_os_numa_nodes(void)
{
    unsigned nodes = __atomic_load_n(&numa_nodes_word, __ATOMIC_RELAXED);
    ULONG highest;

    if (nodes == 0) {
        pal_os_count_call();
        nodes = GetNumaHighestNodeNumber(&highest) ? (unsigned)highest + 1 : 1;
        __atomic_store_n(&numa_nodes_word, nodes, __ATOMIC_RELAXED);
    }
    return nodes;
}

/* One node is the answer without asking; else the node of the processor
 * (group and number) the caller runs on now.  Wine 8 has no
 * GetNumaProcessorNodeEx (ERROR_CALL_NOT_IMPLEMENTED: PAL_ENOSYS). */
int pal_os_current_node(unsigned *node)
{
    PROCESSOR_NUMBER pn;
    USHORT nn;

    if (pal_os_numa_nodes() == 1) {
        *node = 0;
        return PAL_OK;
    }
    pal_os_count_call();
    GetCurrentProcessorNumberEx(&pn);
    pal_os_count_call();
    if (!GetNumaProcessorNodeEx(&pn, &nn))
        return last_error();
    *node = nn;
    return PAL_OK;
}

/* Windows takes a preferred node only where a reservation is made
 * (VirtualAllocExNuma, VirtualAlloc2's MEM_EXTENDED_PARAMETER_NUMA_NODE):
 * commits into an existing one ignore it, and there is no call that
 * changes it.  So a range that exists cannot be bound. */
PAL_OS_NO_BIND_NODE()

/* ---- acquire, core dumps, facts --------------------------------------- */

/* Prepared and Ready memory with no exact placement is one call, as alloc
 * is: VirtualAlloc reserving and committing at once with the access asked
 * for (Prepared is committed read-write, as map makes it; committed
 * memory reads zero), VirtualAlloc2 with an address requirement where an
 * alignment beyond the granularity is asked and it takes one.  Like
 * alloc's, such memory is one region to free, placeholders or not.
 * Everything else (Reserved memory, which stays a placeholder where there
 * are placeholders; exact placement, which reserve_at checks first;
 * tagging and branch protection, refused by protect) takes the steps of
 * pal_os.h.  Windows charges every commit: no-reserve changes nothing. */
int pal_os_acquire(const struct pal_mem_spec *s, unsigned policy, void **out)
{
    uintptr_t f = __atomic_load_n(&virtual_alloc2, __ATOMIC_ACQUIRE);
    DWORD type = MEM_RESERVE | MEM_COMMIT, protect;
    void *p = NULL;

    /* refused before anything is allocated */
    if (s->flags & PAL_SPEC_NODUMP)
        return PAL_ENOSYS;
    if (s->flags & PAL_SPEC_TRACK)
        return acquire_tracked(s, out);
    if (s->state == PAL_STATE_RESERVED || (s->flags & PAL_SPEC_EXACT) ||
        (s->prot & (PAL_PROT_MTE | PAL_PROT_BTI)))
        return pal_os_acquire_steps(s, policy, os_page_size(), out);
    protect = s->state == PAL_STATE_READY ? page_protection(s->prot) : PAGE_READWRITE;
    if (s->align > granularity) {
        struct address_requirements req = { NULL, NULL, s->align };
        struct ext_param param;

        if (f == 0 || f == NO_VA2 || pal_os_flag(&align_refused))
            return pal_os_acquire_steps(s, policy, os_page_size(), out);
        param.type = EXT_ADDRESS_REQUIREMENTS;
        param.arg.pointer = &req;
        p = valloc2(NULL, s->n, type, protect, &param, 1);
        if (p == NULL && (GetLastError() == ERROR_INVALID_PARAMETER ||
                          GetLastError() == ERROR_NOT_SUPPORTED)) {
            /* no alignment taken here: reserve_aligned's ways, and learns so */
            pal_os_count_fallback();
            return pal_os_acquire_steps(s, policy, os_page_size(), out);
        }
    } else {
        p = valloc_near(s->hint, s->n, type, protect);
    }
    if (p == NULL)
        return protect == PAGE_READWRITE ? commit_error(GetLastError()) : last_error();
    *out = p;
    return PAL_OK;
}

/* Windows decides what a dump holds when it is written (MiniDumpWriteDump's
 * callbacks, Windows Error Reporting's settings): no advice on a range. */
PAL_OS_NO_DUMP_CHOICE()

/* Every commit is charged against the commit limit (strict), with no
 * exception to ask for; no transparent huge pages. */
void pal_os_info(struct pal_mem_info *out)
{
    out->granularity = __atomic_load_n(&granularity, __ATOMIC_RELAXED);
    out->overcommit = PAL_OVERCOMMIT_STRICT;
}
