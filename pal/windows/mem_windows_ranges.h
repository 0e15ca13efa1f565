/*
 * mem_windows_ranges.h - walking a range one reservation at a
 * time: the checks before a change, commit, decommit and protect across
 * reservations and placeholders.
 *
 * Part of mem_windows.c, which includes it (after windows.h, pal_os.h and
 * the headers before it: setup, placeholders, ranges, reserve, track);
 * not a header of its own.
 */
#ifndef PAL_MEM_WINDOWS_RANGES_H
#define PAL_MEM_WINDOWS_RANGES_H

/* ---- ranges: one reservation at a time -------------------------------- */

/*
 * VirtualAlloc(MEM_COMMIT), VirtualFree(MEM_DECOMMIT) and VirtualProtect
 * act within one reservation, and do all of their range or none of it.
 * So each of commit, decommit and protect first makes one call: the usual
 * range lies in one reservation and Windows checks it.  Only when Windows
 * answers that the range is not one it can act on (ERROR_INVALID_ADDRESS,
 * ERROR_INVALID_PARAMETER) does the backend look, with VirtualQuery, at
 * all of the range before changing any of it; if any page is free, not
 * private or not in a state the transition takes, the answer is
 * PAL_ENOMEM and nothing has changed.  Else, if it spans reservations, one
 * call per reservation (commit: per run, filling placeholders).  Any other
 * error, the commit charge above all, is the answer at once: splitting a
 * commit never lowers its charge.
 *
 * Taking a range apart counts as a fallback: the one call failed and a
 * slower way (a VirtualQuery per run, a call per reservation) was taken.
 * The counter is how a caller learns that its ranges straddle
 * reservations.  map on placeholders takes the query first instead (the
 * one call could not work there), and counts no fallback.
 */

/* A commit that fails part way must undo exactly what it did: the runs
 * that were MEM_RESERVE before are decommitted, the placeholders it filled
 * become placeholders again; a page committed before (it may be Ready,
 * with contents) is never touched, and once committed it looks like the
 * others, so every run is noted before anything is committed.  A range
 * can have any number of runs (with placeholders every map is an
 * allocation of its own, and a heap has thousands), and no count of them
 * is a reason to refuse it: the usual few are noted on the stack, more in
 * a table committed for the call (see commit).  Map's input on a fresh
 * reservation is one run. */
#define RUNS_ON_STACK 64

struct run {
    uintptr_t lo, hi;
    int placeholder; /* in a placeholder: cut out and filled */
};

struct runs {
    size_t count; /* runs found; only the first room are noted */
    size_t room;
    struct run *s;
};

/* Whether Windows refused the range rather than the request. */
static int range_refused(DWORD err)
{
    return err == ERROR_INVALID_ADDRESS || err == ERROR_INVALID_PARAMETER;
}

/* Before changing anything: PAL_OK if every page of [p, end) is private
 * memory whose state (MEM_RESERVE, MEM_COMMIT) is in states, and then
 * *spans says whether the range has more than one reservation; else
 * PAL_ENOMEM.  With rs (commit), count the runs to commit, each within one
 * reservation, placeholders among them, and note as many as rs has room
 * for; without, a placeholder is refused (only commit can act on one: a
 * placeholder is Reserved memory, which unused, fault and protect do not
 * take). */
static int check(uintptr_t p, uintptr_t end, DWORD states, struct runs *rs,
                 int *spans)
{
    MEMORY_BASIC_INFORMATION mbi;
    void *base = NULL;
    uintptr_t hi;
    int ph = placeholders();

    *spans = 0;
    if (rs != NULL)
        rs->count = 0;
    while (p < end) {
        /* free memory has no type: MEM_FREE fails both tests */
        if (vquery((void *)p, &mbi) == 0 || mbi.Type != MEM_PRIVATE ||
            (mbi.State & states) == 0)
            return PAL_ENOMEM;
        if (ph && rs == NULL && is_placeholder(&mbi))
            return PAL_ENOMEM;
        if (base != NULL && mbi.AllocationBase != base)
            *spans = 1;
        base = mbi.AllocationBase;
        hi = (uintptr_t)mbi.BaseAddress + mbi.RegionSize;
        if (hi > end)
            hi = end;
        if (rs != NULL && mbi.State == MEM_RESERVE) {
            if (rs->count < rs->room) {
                rs->s[rs->count].lo = p;
                rs->s[rs->count].hi = hi;
                rs->s[rs->count].placeholder = ph && is_placeholder(&mbi);
            }
            rs->count++;
        }
        p = hi;
    }
    return PAL_OK;
}

/* Where the reservation holding p ends, or end if that comes first. */
static uintptr_t reservation_end(uintptr_t p, uintptr_t end)
{
    MEMORY_BASIC_INFORMATION mbi;
    void *base;

    if (vquery((void *)p, &mbi) == 0)
        return p;
    base = mbi.AllocationBase;
    do
        p = (uintptr_t)mbi.BaseAddress + mbi.RegionSize;
    while (p < end && vquery((void *)p, &mbi) != 0 && mbi.AllocationBase == base);
    return p < end ? p : end;
}

/* The three calls, each on [p, p+n) within one reservation. */
typedef BOOL range_call(uintptr_t p, size_t n, DWORD protect);

static BOOL commit_call(uintptr_t p, size_t n, DWORD protect)
{
    return valloc((void *)p, n, MEM_COMMIT, protect) != NULL;
}

static BOOL decommit_call(uintptr_t p, size_t n, DWORD protect)
{
    (void)protect;
    return vfree((void *)p, n, MEM_DECOMMIT);
}

static BOOL protect_call(uintptr_t p, size_t n, DWORD protect)
{
    return vprotect((void *)p, n, protect);
}

/* call on [p, end), one reservation at a time.  Returns end, or where a
 * call failed (GetLastError() tells why). */
static uintptr_t per_reservation(uintptr_t p, uintptr_t end, range_call *call,
                                 DWORD protect)
{
    uintptr_t q;

    for (; p < end; p = q) {
        q = reservation_end(p, end);
        if (q == p || !call(p, q - p, protect))
            return p;
    }
    return end;
}

/* Undo the first count runs of rs that commit_runs made usable. */
static void uncommit_runs(const struct runs *rs, size_t count)
{
    size_t i;

    for (i = 0; i < count; i++) {
        if (rs->s[i].placeholder)
            unfill(rs->s[i].lo, rs->s[i].hi);
        else
            decommit_call(rs->s[i].lo, rs->s[i].hi - rs->s[i].lo, 0);
    }
}

/* Make every run of rs committed read-write: a run in a reservation is
 * committed, a run in a placeholder is cut out of it and filled.  On a
 * failure what was done is undone (which cannot fail: each was just made)
 * and the error is the answer. */
static int commit_runs(struct runs *rs)
{
    size_t i;
    int err;

    for (i = 0; i < rs->count; i++) {
        if (rs->s[i].placeholder) {
            err = carve(rs->s[i].lo, rs->s[i].hi);
            if (err == PAL_OK)
                err = fill(rs->s[i].lo, rs->s[i].hi);
        } else if (!commit_call(rs->s[i].lo, rs->s[i].hi - rs->s[i].lo, PAGE_READWRITE)) {
            err = commit_error(GetLastError());
        } else {
            err = PAL_OK;
        }
        if (err != PAL_OK) {
            uncommit_runs(rs, i);
            return err;
        }
    }
    return PAL_OK;
}

/* Commit [v, v+n) read-write (map, used).  Taken apart, only the
 * MEM_RESERVE runs are committed: a page committed already needs nothing
 * (and committing it again would reset its protection); Ready memory is
 * never touched.  first_call: try the one call before looking (used;
 * map where there are no placeholders).
 *
 * More runs than the stack holds are noted in a table committed for the
 * call and released after it: the range is looked at again to fill it.  Only another thread changing the range meanwhile
 * (the caller's own race) can make that second look find more. */
static int commit(void *v, size_t n, int first_call)
{
    struct run on_stack[RUNS_ON_STACK];
    struct runs rs;
    uintptr_t p = (uintptr_t)v;
    int spans, err;
    DWORD e;

    if (first_call) {
        if (commit_call(p, n, PAGE_READWRITE))
            return PAL_OK;
        e = GetLastError();
        if (!range_refused(e))
            return commit_error(e);
    }
    rs.s = on_stack;
    rs.room = RUNS_ON_STACK;
    err = check(p, p + n, MEM_RESERVE | MEM_COMMIT, &rs, &spans);
    if (err == PAL_OK && rs.count > rs.room) {
        rs.room = rs.count;
        rs.s = valloc(NULL, rs.room * sizeof *rs.s, MEM_RESERVE | MEM_COMMIT,
                      PAGE_READWRITE);
        if (rs.s == NULL)
            return commit_error(GetLastError());
        err = check(p, p + n, MEM_RESERVE | MEM_COMMIT, &rs, &spans);
        if (err == PAL_OK && rs.count > rs.room)
            err = PAL_ENOMEM;
    }
    if (err == PAL_OK && first_call) {
        /* one reservation and no placeholder: the one call should have
         * done; the range is not in a state Windows can commit */
        if (!spans && (rs.count == 0 || !rs.s[0].placeholder))
            err = PAL_ENOMEM;
        else
            pal_os_count_fallback();
    }
    if (err == PAL_OK)
        err = commit_runs(&rs);
    if (rs.s != on_stack)
        vfree(rs.s, 0, MEM_RELEASE);
    return err;
}

/* Decommit [v, v+n) (unused, fault): pages and charge go back, the range
 * stays reserved.  Decommitting a page that is not committed does nothing,
 * so the range may mix both.  Once checked, a reservation's call fails
 * only if another thread changed the range meanwhile. */
static int decommit(void *v, size_t n)
{
    uintptr_t p = (uintptr_t)v;
    int spans;
    DWORD err;

    if (decommit_call(p, n, 0))
        return PAL_OK;
    err = GetLastError();
    if (!range_refused(err))
        return os_error(err);
    if (check(p, p + n, MEM_RESERVE | MEM_COMMIT, NULL, &spans) != PAL_OK || !spans)
        return PAL_ENOMEM;
    pal_os_count_fallback();
    if (per_reservation(p, p + n, decommit_call, 0) != p + n)
        return last_error();
    return PAL_OK;
}

/* Set the protection of committed [v, v+n) (protect, guard).  Once the
 * range is checked, a reservation's call can fail only for the protection
 * itself (ACG refusing executable pages), and then the first one fails,
 * before any has changed. */
static int protect(void *v, size_t n, DWORD protection)
{
    uintptr_t p = (uintptr_t)v;
    int spans;
    DWORD err;

    if (protect_call(p, n, protection))
        return PAL_OK;
    err = GetLastError();
    if (!range_refused(err))
        return os_error(err);
    if (check(p, p + n, MEM_COMMIT, NULL, &spans) != PAL_OK || !spans)
        return PAL_ENOMEM;
    pal_os_count_fallback();
    if (per_reservation(p, p + n, protect_call, protection) != p + n)
        return last_error();
    return PAL_OK;
}

#endif /* PAL_MEM_WINDOWS_RANGES_H */
