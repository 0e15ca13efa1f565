/*
 * mem_windows_track.h - write watch: memory allocated with
 * MEM_WRITE_WATCH (acquire with PAL_SPEC_TRACK), and GetWriteWatch and
 * ResetWriteWatch behind track_writes and written.
 *
 * Part of mem_windows.c, which includes it (after windows.h, pal_os.h and
 * the headers before it: setup, placeholders, ranges, reserve, track);
 * not a header of its own.
 */
#ifndef PAL_MEM_WINDOWS_TRACK_H
#define PAL_MEM_WINDOWS_TRACK_H

/* ---- write watch ------------------------------------------------------ */

/* Memory whose writes are watched: Windows records writes only in an
 * allocation made with MEM_WRITE_WATCH, which must come with MEM_RESERVE
 * and cannot be a placeholder, so it is one VirtualAlloc of its own,
 * committed too for Prepared and Ready.  Reserved, its allocation
 * protection is PAGE_READWRITE, not PAGE_NOACCESS: where placeholders
 * exist, an empty PAGE_NOACCESS reservation is taken for a placeholder
 * (is_placeholder), and map would try to split and fill it, which Windows
 * refuses.  The pages stay inaccessible until committed.  An alignment
 * beyond the granularity: a larger range found, given back, and the
 * aligned part of it taken, again where another thread took it
 * meanwhile. */
static int acquire_tracked(const struct pal_mem_spec *s, void **out)
{
    DWORD type = MEM_RESERVE | MEM_WRITE_WATCH, protect = PAGE_READWRITE;
    void *p = NULL;
    int tries;

    if (s->state >= PAL_STATE_PREPARED) {
        type |= MEM_COMMIT;
        protect = s->state == PAL_STATE_READY ? page_protection(s->prot) : PAGE_READWRITE;
    }
    if (s->prot & (PAL_PROT_MTE | PAL_PROT_BTI))
        return PAL_ENOSYS;
    if (s->flags & PAL_SPEC_EXACT) {
        if (((uintptr_t)s->hint & (granularity - 1)) != 0)
            return PAL_EINVAL;
        p = valloc(s->hint, s->n, type, protect);
        if (p == NULL)
            return GetLastError() == ERROR_INVALID_ADDRESS ? PAL_EEXIST : last_error();
    } else if (s->align > granularity) {
        for (tries = 0; p == NULL && tries < 16; tries++) {
            void *q = valloc(NULL, s->n + s->align, MEM_RESERVE, PAGE_NOACCESS);

            if (q == NULL)
                return last_error();
            vfree(q, 0, MEM_RELEASE);
            p = valloc((void *)pal_align_up((uintptr_t)q, s->align), s->n, type, protect);
        }
        if (p == NULL)
            return PAL_ENOMEM;
    } else {
        p = valloc_near(s->hint, s->n, type, protect);
        if (p == NULL)
            return (type & MEM_COMMIT) ? commit_error(GetLastError()) : last_error();
    }
    *out = p;
    return PAL_OK;
}

/* Write watch: GetWriteWatch fails for memory not allocated with
 * MEM_WRITE_WATCH (PAL_SPEC_TRACK), which is PAL_EINVAL: the caller
 * asked for something the memory cannot do.  Windows records writes from
 * the allocation on and cannot stop: on resets the record (tracking
 * begins now), off checks the range and leaves it. */
static int watch_error(void)
{
    DWORD err = GetLastError();

    return err == ERROR_INVALID_PARAMETER || err == ERROR_INVALID_ADDRESS ? PAL_EINVAL
                                                                         : os_error(err);
}

/* the whole range in one write-watch allocation: one address asked for */
static int watched(void *v, size_t n)
{
    void *one[1];
    ULONG_PTR count = 1;
    DWORD gran;

    pal_os_count_call();
    return GetWriteWatch(0, v, n, one, &count, &gran) == 0 ? PAL_OK : watch_error();
}

int pal_os_track_writes(void *v, size_t n, int on)
{
    int err = watched(v, n);

    if (err != PAL_OK || !on)
        return err;
    pal_os_count_call();
    return ResetWriteWatch(v, n) == 0 ? PAL_OK : watch_error();
}

/* Chunks of WATCH_PAGES pages, each with room for every page it has: a
 * reset call then re-arms exactly what it reported, whatever Windows does
 * with pages beyond a full array. */
#define WATCH_PAGES 256

int pal_os_written(void *v, size_t n, unsigned char *pages, int reset)
{
    void *addr[WATCH_PAGES];
    size_t ps = os_page_size(), i, total = n / ps, first;
    int err = watched(v, n);

    /* checked first: pages untouched on an error */
    if (err != PAL_OK)
        return err;
    for (i = 0; i < total; i++)
        pages[i] = 0;
    for (first = 0; first < total; first += WATCH_PAGES) {
        size_t count = total - first < WATCH_PAGES ? total - first : WATCH_PAGES;
        ULONG_PTR got = WATCH_PAGES;
        DWORD gran;
        uintptr_t base = (uintptr_t)v + first * ps;

        pal_os_count_call();
        if (GetWriteWatch(reset ? WRITE_WATCH_FLAG_RESET : 0, (void *)base, count * ps, addr,
                          &got, &gran) != 0) {
            /* the chunks before are re-armed and reported: the rest is
             * reported written rather than the whole call failing */
            pal_os_count_fallback();
            for (i = first; i < total; i++)
                pages[i] = 1;
            return PAL_OK;
        }
        for (i = 0; i < got; i++) {
            size_t k = ((uintptr_t)addr[i] - base) / ps;
            size_t g = gran > ps ? gran / ps : 1, j;

            /* a granule wider than a page: every page of it written */
            for (j = 0; j < g && first + k + j < total; j++)
                pages[first + k + j] = 1;
        }
    }
    return PAL_OK;
}

#endif /* PAL_MEM_WINDOWS_TRACK_H */
