/*
 * ph_emu.c - Windows placeholders (10 1803+) over wine 8, which has none,
 * for the placeholder variant of the Windows suite.  The rules are those
 * Windows documents and wine's own conformance tests (run on Windows)
 * check:
 *   - VirtualAlloc2(MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS)
 *     makes a placeholder: VirtualQuery shows it private, MEM_RESERVE,
 *     allocation protection PAGE_NOACCESS, one run.
 *   - VirtualFree(p, n, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER) inside a
 *     placeholder splits it (into up to three, at any page); on the whole
 *     placeholder it fails; on an allocation that replaced a placeholder,
 *     given exactly, it turns it back into one; on any other reservation it
 *     fails (ERROR_INVALID_ADDRESS, STATUS_CONFLICTING_ADDRESSES).
 *   - VirtualAlloc2(MEM_RESERVE [| MEM_COMMIT] | MEM_REPLACE_PLACEHOLDER)
 *     fills exactly one placeholder with an ordinary allocation whose
 *     allocation protection is the one given.
 *   - Commit, decommit, MEM_RESET and VirtualProtect act within one
 *     allocation that is not a placeholder, else ERROR_INVALID_ADDRESS;
 *     MEM_RELEASE takes the base of one allocation or placeholder.
 * What the emulation does not know (a partial MEM_PRESERVE_PLACEHOLDER of
 * an allocation) it refuses, as the backend assumes Windows may.  And a
 * test can have it refuse one kind of call at one address (ph_refuse), as
 * Windows does when it lacks the resources for a split or a commit, to see
 * that the backend undoes what it had done.
 *
 * The emulated space is one real reservation (the arena, 256 GiB of
 * address space: wine keeps a byte per page of it), in which every reservation made through these calls lies (large
 * pages and write-watch allocations excepted) and the allocations and placeholders are kept in a table; commit, decommit and
 * protection are real calls on the arena's pages, so memory, faults and
 * the working set are real.  Outside the arena every call is wine's own.
 */
#define PH_EMU_SELF
#include "ph_emu.h"

#define ARENA ((SIZE_T)256 << 30)
#define GRANULE ((uintptr_t)0x10000)
#define PAGE ((uintptr_t)0x1000)
#define MAX_VADS 8192

#define PLACEHOLDER 0x00040000
#define REPLACE 0x00004000
#define PRESERVE 0x00000002

struct vad {
    uintptr_t lo, hi;
    DWORD aprot;     /* allocation protection */
    int placeholder; /* a placeholder now */
    int from_placeholder; /* an allocation that replaced one */
};

static struct vad vads[MAX_VADS];
static size_t nvads;
static uintptr_t arena_lo, arena_hi;
static LONG lock_word;

/* ph_refuse's settings, one per kind of call. */
static struct {
    uintptr_t at;
    DWORD err;
} refusal[PH_REFUSE_KINDS];

void ph_refuse(int kind, uintptr_t at, DWORD err)
{
    refusal[kind].at = at;
    refusal[kind].err = err;
}

/* Whether a call of that kind at p is to fail (then with its error set). */
static int refused(int kind, uintptr_t p)
{
    if (refusal[kind].err == 0 || refusal[kind].at != p)
        return 0;
    SetLastError(refusal[kind].err);
    return 1;
}

struct ext_param {
    DWORD64 type;
    union {
        DWORD64 u64;
        void *pointer;
    } arg;
} __attribute__((aligned(8)));

struct address_requirements {
    void *lowest_start;
    void *highest_end;
    SIZE_T alignment;
};

static void lock(void)
{
    while (InterlockedExchange(&lock_word, 1) != 0)
        ;
}

static void unlock(void)
{
    InterlockedExchange(&lock_word, 0);
}

static void arena(void)
{
    if (arena_lo == 0) {
        arena_lo = (uintptr_t)VirtualAlloc(NULL, ARENA, MEM_RESERVE, PAGE_NOACCESS);
        arena_hi = arena_lo + ARENA;
    }
}

static int in_arena(uintptr_t p)
{
    arena();
    return arena_lo != 0 && p >= arena_lo && p < arena_hi;
}

static DWORD fail(DWORD err)
{
    SetLastError(err);
    return err;
}

/* The vad holding p, or NULL. */
static struct vad *vad_at(uintptr_t p)
{
    size_t i;

    for (i = 0; i < nvads; i++)
        if (p >= vads[i].lo && p < vads[i].hi)
            return &vads[i];
    return NULL;
}

static int range_free(uintptr_t lo, uintptr_t hi)
{
    size_t i;

    if (lo < arena_lo || hi > arena_hi || hi <= lo)
        return 0;
    for (i = 0; i < nvads; i++)
        if (vads[i].lo < hi && vads[i].hi > lo)
            return 0;
    return 1;
}

static struct vad *add(uintptr_t lo, uintptr_t hi, DWORD aprot, int placeholder)
{
    struct vad *v;

    if (nvads == MAX_VADS)
        return NULL;
    v = &vads[nvads++];
    v->lo = lo;
    v->hi = hi;
    v->aprot = aprot;
    v->placeholder = placeholder;
    v->from_placeholder = 0;
    return v;
}

static void drop(struct vad *v)
{
    VirtualFree((void *)v->lo, v->hi - v->lo, MEM_DECOMMIT);
    *v = vads[--nvads];
}

/* The vad that [lo, hi) lies in wholly, if it is an allocation. */
static struct vad *allocation_of(uintptr_t lo, uintptr_t hi)
{
    struct vad *v = vad_at(lo);

    if (v == NULL || v->placeholder || hi > v->hi)
        return NULL;
    return v;
}

/* A free spot of n bytes at a multiple of align, first fit. */
static uintptr_t find_spot(SIZE_T n, uintptr_t align)
{
    uintptr_t p = arena_lo;
    size_t i;

    p = (p + align - 1) & ~(align - 1);
    while (p < arena_hi && n <= arena_hi - p) {
        struct vad *clash = NULL;

        for (i = 0; i < nvads; i++)
            if (vads[i].lo < p + n && vads[i].hi > p)
                clash = &vads[i];
        if (clash == NULL)
            return p;
        p = (clash->hi + align - 1) & ~(align - 1);
    }
    return 0;
}

static void *WINAPI ph_VirtualAlloc2(HANDLE process, void *base, SIZE_T n, ULONG type,
                                     ULONG protect, struct ext_param *params, ULONG count)
{
    uintptr_t align = GRANULE, p = (uintptr_t)base, size;
    struct vad *v;
    ULONG i;

    (void)process;
    arena();
    size = (n + PAGE - 1) & ~(PAGE - 1);
    for (i = 0; i < count; i++)
        if ((params[i].type & 0xff) == 1 && params[i].arg.pointer != NULL) {
            struct address_requirements *r = params[i].arg.pointer;

            if (r->alignment > align)
                align = r->alignment;
        }
    if (align > GRANULE && refused(PH_REFUSE_ALIGNED, p))
        return NULL;
    if ((type & REPLACE) && refused(PH_REFUSE_FILL, p))
        return NULL;
    lock();
    if (type & REPLACE) {
        v = vad_at(p);
        if (!(type & MEM_RESERVE)) {
            unlock();
            fail(ERROR_INVALID_PARAMETER);
            return NULL;
        }
        if (v == NULL || !v->placeholder || v->lo != p || v->hi != p + size) {
            unlock();
            fail(ERROR_INVALID_ADDRESS);
            return NULL;
        }
        if ((type & MEM_COMMIT) && VirtualAlloc(base, size, MEM_COMMIT, protect) == NULL) {
            unlock();
            return NULL;
        }
        v->placeholder = 0;
        v->from_placeholder = 1;
        v->aprot = protect;
        unlock();
        return base;
    }
    if (!(type & MEM_RESERVE) || ((type & PLACEHOLDER) && protect != PAGE_NOACCESS)) {
        unlock();
        fail(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    if (p == 0) {
        p = find_spot(size, align);
        if (p == 0) {
            unlock();
            fail(ERROR_NOT_ENOUGH_MEMORY);
            return NULL;
        }
    } else if ((p & (GRANULE - 1)) != 0 || !range_free(p, p + size)) {
        unlock();
        fail((p & (GRANULE - 1)) != 0 ? ERROR_INVALID_PARAMETER : ERROR_INVALID_ADDRESS);
        return NULL;
    }
    /* a commit wine refuses is beyond the commit limit (wine says
     * ERROR_ACCESS_DENIED when its mprotect fails) */
    if ((type & MEM_COMMIT) &&
        VirtualAlloc((void *)p, size, MEM_COMMIT, protect) == NULL) {
        unlock();
        fail(ERROR_COMMITMENT_LIMIT);
        return NULL;
    }
    if (add(p, p + size, (type & PLACEHOLDER) ? PAGE_NOACCESS : protect,
            (type & PLACEHOLDER) != 0) == NULL) {
        unlock();
        fail(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    unlock();
    return (void *)p;
}

FARPROC WINAPI ph_GetProcAddress(HMODULE module, LPCSTR name)
{
    const char *want = "VirtualAlloc2";
    int i;

    for (i = 0; name[i] != '\0' && name[i] == want[i]; i++)
        ;
    if (name[i] == '\0' && want[i] == '\0')
        return (FARPROC)(void *)ph_VirtualAlloc2;
    return GetProcAddress(module, name);
}

void *WINAPI ph_VirtualAlloc(void *base, SIZE_T n, DWORD type, DWORD protect)
{
    uintptr_t p = (uintptr_t)base, hi;
    struct vad *v;
    void *r;

    /* every reservation goes into the arena, so that its addresses can be
     * reserved again as placeholders; large pages stay wine's, and so do
     * write-watch allocations: wine records writes only in a reservation
     * made with MEM_WRITE_WATCH, which the arena is not, and Windows never
     * lets such an allocation be or replace a placeholder.  One asked for
     * at an address in the arena is wine's call too, which finds the
     * address taken (by the arena) and fails. */
    if (base == NULL && (type & MEM_RESERVE) && !(type & (MEM_LARGE_PAGES | MEM_WRITE_WATCH)))
        return ph_VirtualAlloc2(NULL, NULL, n, type, protect, NULL, 0);
    if (base == NULL || !in_arena(p) || ((type & MEM_RESERVE) && (type & MEM_WRITE_WATCH)))
        return VirtualAlloc(base, n, type, protect);
    hi = (p + n + PAGE - 1) & ~(PAGE - 1);
    p &= ~(PAGE - 1);
    if (type & MEM_RESERVE) /* a plain reservation in the arena */
        return ph_VirtualAlloc2(NULL, base, n, type, protect, NULL, 0);
    if ((type & MEM_COMMIT) && refused(PH_REFUSE_COMMIT, (uintptr_t)base))
        return NULL;
    lock();
    v = allocation_of(p, hi);
    if (v == NULL) {
        unlock();
        fail(ERROR_INVALID_ADDRESS);
        return NULL;
    }
    r = VirtualAlloc((void *)p, hi - p, type, protect);
    unlock();
    return r;
}

BOOL WINAPI ph_VirtualFree(void *base, SIZE_T n, DWORD type)
{
    uintptr_t p = (uintptr_t)base, hi = p + n;
    struct vad *v;
    BOOL ok = TRUE;

    if (!in_arena(p))
        return VirtualFree(base, n, type);
    if ((type == MEM_RELEASE && refused(PH_REFUSE_RELEASE, p)) ||
        (type == (MEM_RELEASE | PRESERVE) && refused(PH_REFUSE_SPLIT, p)))
        return FALSE;
    lock();
    v = vad_at(p);
    if (type == MEM_DECOMMIT) {
        v = allocation_of(p, hi);
        ok = v != NULL && VirtualFree(base, n, MEM_DECOMMIT);
    } else if (type == MEM_RELEASE) {
        ok = v != NULL && v->lo == p && n == 0;
        if (ok)
            drop(v);
    } else if (type == (MEM_RELEASE | PRESERVE)) {
        if (v == NULL || hi > v->hi || n == 0 || (n & (PAGE - 1)) != 0) {
            ok = FALSE;
        } else if (v->placeholder) {
            /* split; the whole placeholder is no split */
            ok = !(v->lo == p && v->hi == hi) && nvads + 2 <= MAX_VADS;
            if (ok) {
                uintptr_t lo0 = v->lo, hi0 = v->hi;

                v->lo = p;
                v->hi = hi;
                if (lo0 < p)
                    add(lo0, p, PAGE_NOACCESS, 1);
                if (hi < hi0)
                    add(hi, hi0, PAGE_NOACCESS, 1);
            }
        } else {
            ok = v->from_placeholder && v->lo == p && v->hi == hi;
            if (ok) {
                VirtualFree(base, n, MEM_DECOMMIT);
                v->placeholder = 1;
                v->from_placeholder = 0;
                v->aprot = PAGE_NOACCESS;
            }
        }
    } else {
        ok = FALSE;
    }
    unlock();
    if (!ok)
        fail(ERROR_INVALID_ADDRESS);
    return ok;
}

BOOL WINAPI ph_VirtualProtect(void *base, SIZE_T n, DWORD protect, DWORD *old)
{
    uintptr_t p = (uintptr_t)base;
    BOOL ok;

    if (!in_arena(p))
        return VirtualProtect(base, n, protect, old);
    lock();
    if (allocation_of(p & ~(PAGE - 1), (p + n + PAGE - 1) & ~(PAGE - 1)) == NULL) {
        unlock();
        fail(ERROR_INVALID_ADDRESS);
        return FALSE;
    }
    ok = VirtualProtect(base, n, protect, old);
    unlock();
    return ok;
}

SIZE_T WINAPI ph_VirtualQuery(const void *base, MEMORY_BASIC_INFORMATION *mbi, SIZE_T size)
{
    uintptr_t p = (uintptr_t)base & ~(PAGE - 1), lo, hi;
    struct vad *v;
    size_t i;

    if (!in_arena(p))
        return VirtualQuery(base, mbi, size);
    lock();
    v = vad_at(p);
    if (v == NULL) {
        /* free: up to the next vad or the arena's end */
        hi = arena_hi;
        for (i = 0; i < nvads; i++)
            if (vads[i].lo > p && vads[i].lo < hi)
                hi = vads[i].lo;
        ZeroMemory(mbi, sizeof *mbi);
        mbi->BaseAddress = (void *)p;
        mbi->RegionSize = hi - p;
        mbi->State = MEM_FREE;
        mbi->Protect = PAGE_NOACCESS;
    } else if (v->placeholder) {
        ZeroMemory(mbi, sizeof *mbi);
        mbi->BaseAddress = (void *)v->lo;
        mbi->AllocationBase = (void *)v->lo;
        mbi->AllocationProtect = PAGE_NOACCESS;
        mbi->RegionSize = v->hi - v->lo;
        mbi->State = MEM_RESERVE;
        mbi->Type = MEM_PRIVATE;
    } else {
        /* the real run of like pages, cut to the allocation */
        VirtualQuery((void *)p, mbi, sizeof *mbi);
        lo = (uintptr_t)mbi->BaseAddress;
        hi = lo + mbi->RegionSize;
        if (lo < v->lo)
            lo = v->lo;
        if (hi > v->hi)
            hi = v->hi;
        mbi->BaseAddress = (void *)lo;
        mbi->RegionSize = hi - lo;
        mbi->AllocationBase = (void *)v->lo;
        mbi->AllocationProtect = v->aprot;
        mbi->Type = MEM_PRIVATE;
        if (mbi->State == MEM_RESERVE)
            mbi->Protect = 0;
    }
    unlock();
    (void)size;
    return sizeof *mbi;
}
