/*
 * mem_windows_placeholders.h - placeholders (VirtualAlloc2, Windows 10
 * 1803): carving a reservation into pieces and filling them.
 *
 * Part of mem_windows.c, which includes it (after windows.h, pal_os.h and
 * the headers before it: setup, placeholders, ranges, reserve, track);
 * not a header of its own.
 */
#ifndef PAL_MEM_WINDOWS_PLACEHOLDERS_H
#define PAL_MEM_WINDOWS_PLACEHOLDERS_H

/* ---- placeholders ----------------------------------------------------- */

/* Whether VirtualAlloc2 makes placeholders here: on the first call, a
 * scratch placeholder of one granule is made and released (two calls,
 * once).  Windows before 1803 and wine 8 refuse the flag
 * (ERROR_INVALID_PARAMETER); any failure counts as no, since the plain
 * reservation after it works as before. */
static int placeholders(void)
{
    int known = __atomic_load_n(&placeholder_word, __ATOMIC_ACQUIRE);
    void *p;

    if (known != PH_UNKNOWN)
        return known == PH_YES;
    p = valloc2(NULL, granularity, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER_FLAG,
                PAGE_NOACCESS, NULL, 0);
    if (p != NULL)
        vfree(p, 0, MEM_RELEASE);
    else if (GetLastError() == ERROR_NOT_ENOUGH_MEMORY || GetLastError() == ERROR_COMMITMENT_LIMIT)
        return 0; /* no answer yet: ask again next time */
    known = p != NULL ? PH_YES : PH_NO;
    __atomic_store_n(&placeholder_word, known, __ATOMIC_RELEASE);
    return known == PH_YES;
}

/* What VirtualQuery shows of a placeholder is what it shows of an empty
 * reservation: private, MEM_RESERVE.  The backend tells them apart by the
 * allocation protection: a placeholder must be made PAGE_NOACCESS, and
 * where placeholders exist every other reservation of ours is an
 * allocation that replaced one with PAGE_READWRITE (map), or alloc's.
 * Only ever asked where placeholders exist. */
static int is_placeholder(const MEMORY_BASIC_INFORMATION *mbi)
{
    return mbi->Type == MEM_PRIVATE && mbi->State == MEM_RESERVE &&
           mbi->AllocationProtect == PAGE_NOACCESS;
}

/* Make [lo, hi) a placeholder of its own, cut out of the placeholder
 * that holds it: at most two calls, each cutting a leading part off a
 * placeholder (the form the documentation gives).  The parts around stay
 * placeholders: held, and nothing a caller sees changed.  Another thread
 * cutting the same placeholder for a range of its own beside ours may
 * cut first (then our cut of the whole placeholder it left fails): look
 * again and go on, a few times, before calling it a failure. */
static int carve(uintptr_t lo, uintptr_t hi)
{
    MEMORY_BASIC_INFORMATION mbi;
    uintptr_t base, end;
    int tries;

    for (tries = 0; tries < 8; tries++) {
        if (vquery((void *)lo, &mbi) == 0 || !is_placeholder(&mbi))
            return PAL_ENOMEM;
        base = (uintptr_t)mbi.BaseAddress;
        end = base + mbi.RegionSize;
        if (end < hi)
            return PAL_ENOMEM;
        if (base < lo &&
            !vfree((void *)base, lo - base, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER_FLAG))
            continue;
        if (hi < end &&
            !vfree((void *)lo, hi - lo, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER_FLAG))
            continue;
        return PAL_OK;
    }
    return PAL_ENOMEM;
}

/* Fill the placeholder [lo, hi) with committed read-write memory. */
static int fill(uintptr_t lo, uintptr_t hi)
{
    if (valloc2((void *)lo, hi - lo,
                MEM_RESERVE | MEM_COMMIT | MEM_REPLACE_PLACEHOLDER_FLAG,
                PAGE_READWRITE, NULL, 0) == NULL)
        return commit_error(GetLastError());
    return PAL_OK;
}

/* Turn the allocation [lo, hi) that replaced a placeholder back into one:
 * pages and charge go back. */
static BOOL unfill(uintptr_t lo, uintptr_t hi)
{
    return vfree((void *)lo, hi - lo, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER_FLAG);
}

#endif /* PAL_MEM_WINDOWS_PLACEHOLDERS_H */
