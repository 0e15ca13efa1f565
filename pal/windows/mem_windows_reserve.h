/*
 * mem_windows_reserve.h - making reservations: the one call that makes
 * them (a placeholder where there are placeholders), the check of a
 * range already taken, and the two ways to an aligned reservation where
 * VirtualAlloc2 gives none.
 *
 * Part of mem_windows.c, which includes it (after windows.h, pal_os.h and
 * the headers before it: setup, placeholders, ranges, reserve, track);
 * not a header of its own.
 */
#ifndef PAL_MEM_WINDOWS_RESERVE_H
#define PAL_MEM_WINDOWS_RESERVE_H

/* ---- reservations ----------------------------------------------------- */

/* A reservation at exactly base (NULL: anywhere), with an alignment
 * (0: the granularity's): a placeholder where there are placeholders. */
static void *reserve_call(void *base, size_t n, size_t align)
{
    struct address_requirements req;
    struct ext_param param;

    if (!placeholders())
        return valloc(base, n, MEM_RESERVE, PAGE_NOACCESS);
    if (align == 0)
        return valloc2(base, n, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER_FLAG,
                       PAGE_NOACCESS, NULL, 0);
    req.lowest_start = NULL;
    req.highest_end = NULL;
    req.alignment = align;
    param.type = EXT_ADDRESS_REQUIREMENTS;
    param.arg.pointer = &req;
    return valloc2(base, n, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER_FLAG,
                   PAGE_NOACCESS, &param, 1);
}

/* Whether any page of [v, v+n) is reserved or committed. */
static int any_taken(void *v, size_t n)
{
    MEMORY_BASIC_INFORMATION mbi;
    uintptr_t p = (uintptr_t)v, end = p + n;

    while (p < end) {
        if (vquery((void *)p, &mbi) == 0)
            return 0;
        if (mbi.State != MEM_FREE)
            return 1;
        p = (uintptr_t)mbi.BaseAddress + mbi.RegionSize;
    }
    return 0;
}

/* Release every reservation that starts in [lo, hi): the pieces a cut
 * made of one placeholder of ours, however far it got. */
static void release_pieces(uintptr_t lo, uintptr_t hi)
{
    MEMORY_BASIC_INFORMATION mbi;

    while (lo < hi && vquery((void *)lo, &mbi) != 0) {
        if (mbi.State != MEM_FREE && (uintptr_t)mbi.AllocationBase == lo)
            vfree((void *)lo, 0, MEM_RELEASE);
        lo = (uintptr_t)mbi.BaseAddress + mbi.RegionSize;
    }
}

/* Without an aligned VirtualAlloc2, with placeholders: reserve enough to
 * hold an aligned range and cut the slop off either side; no other
 * thread can take the address in between.  Windows can refuse a split
 * (it takes kernel memory) or a release, after the other split was made:
 * then the call fails and everything of the placeholder not yet given
 * back, [from, p + total), goes back. */
static int reserve_aligned_cut(size_t n, size_t align, void **out)
{
    size_t total = n + (align - granularity);
    uintptr_t p, a, from;
    int err;

    if (total < n)
        return PAL_ENOMEM;
    p = (uintptr_t)reserve_call(NULL, total, 0);
    if (p == 0)
        return last_error();
    a = pal_align_up(p, align);
    from = p;
    err = carve(a, a + n);
    if (err == PAL_OK && a > p) {
        if (vfree((void *)p, 0, MEM_RELEASE))
            from = a;
        else
            err = last_error();
    }
    if (err == PAL_OK && a + n < p + total && !vfree((void *)(a + n), 0, MEM_RELEASE))
        err = last_error();
    if (err != PAL_OK) {
        release_pieces(from, p + total);
        return err;
    }
    *out = (void *)a;
    return PAL_OK;
}

/* Without VirtualAlloc2: reserve enough to hold an aligned range, release
 * it, and reserve again at the aligned address inside.  Another thread may
 * take that address in between; then start over.  Nothing extra stays
 * reserved. */
static int reserve_aligned_retry(size_t n, size_t align, void **out)
{
    size_t total = n + (align - granularity);
    int tries;
    void *p;
    uintptr_t a;

    if (total < n)
        return PAL_ENOMEM;
    for (tries = 0; tries < 64; tries++) {
        p = valloc(NULL, total, MEM_RESERVE, PAGE_NOACCESS);
        if (p == NULL)
            return last_error();
        a = pal_align_up((uintptr_t)p, align);
        vfree(p, 0, MEM_RELEASE);
        if (valloc((void *)a, n, MEM_RESERVE, PAGE_NOACCESS) != NULL) {
            *out = (void *)a;
            return PAL_OK;
        }
        if (GetLastError() != ERROR_INVALID_ADDRESS)
            return last_error();
    }
    return PAL_ENOMEM;
}

#endif /* PAL_MEM_WINDOWS_RESERVE_H */
