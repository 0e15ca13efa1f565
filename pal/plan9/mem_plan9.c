/*
 * mem_plan9.c - the Plan 9 backend, after the Go runtime's mem_plan9.go.
 *
 * Plan 9 has no mmap: a process's memory is its segments, and the one that
 * grows is the bss, moved with brk.  So address space comes from the break
 * and goes back onto a free list kept here (sorted, neighbours merged, the
 * list's nodes written into the free memory itself); a free at the end of
 * what was handed out lowers that end instead.  The break itself never
 * shrinks: the segment may be shared with other processes (rfork RFMEM).
 *
 * What the states can and cannot be here:
 *   - There is no protection.  Reserved and Prepared memory is as
 *     accessible as Ready memory, so map and used have nothing to do, and
 *     fault, guard and protect (to anything but read-write, which is what
 *     the memory already is) are PAL_ENOSYS.
 *   - Pages do go back: segfree(2) frees every whole page of the range and
 *     the bss segment fills them with zeroes when touched again.  unused
 *     and free use it, so memory reads zero after unused+used, and memory
 *     from the free list is zero when handed out.  (Go's sysUnused is a
 *     no-op and its sysFree clears the memory by hand instead.)
 *   - No mincore, no sealing, no names, no huge pages.
 *
 * One lock guards the free list and the break: a spin flag, since there is
 * no libc lock to use.  A signal handler that interrupts a pal call on the
 * same thread and makes another would spin forever: on this backend
 * reserve, reserve_at, reserve_aligned, alloc and free are not
 * async-signal-safe.
 *
 * Nor is the break ours alone, and that lock cannot cover it.  Plan 9's
 * sbrk keeps the break in a static of libc's, read and written with no
 * lock; malloc calls it under a lock of its own, which libpal cannot
 * take.  So on Plan 9 a reserve, reserve_at, reserve_aligned or alloc that
 * grows the break at the same moment as another proc sharing the memory
 * calls malloc (or sbrk, or brk) can be given the same memory as that
 * proc.  Callers must not let the two overlap: grow libpal's heap from one
 * proc while no other mallocs, or early, before there are others.  What
 * libpal does handle is the break moved by others between its calls, or
 * between its own two sbrk calls (grow_break): it never hands out memory
 * above the break that it did not get from sbrk itself.  (The cure would
 * be a segment of libpal's own, segattach and segbrk.  It is not done:
 * where such a segment may go, and how far it can grow before it meets
 * another, is the kernel's and the program's to say; that is a design of
 * its own, not a fix.)
 *
 * On Linux (PAL_BACKEND=plan9) libc's sbrk stands in for Plan 9's, and
 * madvise(MADV_DONTNEED), which also leaves zero-filled pages behind in
 * the brk heap, for segfree: the test suite then runs this file's logic,
 * the free list and the break arithmetic, on a Linux kernel.  That tests
 * the logic, not Plan 9.
 */
#include "pal_os.h"

/* ---- the OS underneath ------------------------------------------------ */

#if defined(__linux__)

#include <sys/mman.h>
#include <unistd.h>

/* The most one sbrk call can add. */
#define OS_SBRK_MAX ((uintptr_t)INTPTR_MAX)

/* The break before adding n (<= OS_SBRK_MAX), or (uintptr_t)-1. */
static uintptr_t os_sbrk(uintptr_t n)
{
    pal_os_count_call();
    return (uintptr_t)sbrk((intptr_t)n);
}

static int os_segfree(void *v, size_t n)
{
    pal_os_count_call();
    return madvise(v, n, MADV_DONTNEED) == 0 ? PAL_OK : PAL_EOS;
}

static size_t os_query_page_size(void)
{
    long p;

    pal_os_count_call();
    p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 0;
}

#else /* Plan 9's own libc */

/* Plan 9's ulong is 32 bits on every port, amd64 and arm64 included
 * (whatever long is to the compiler building this): sbrk and segfree take
 * no more than that at once. */
typedef uint32_t p9_ulong;
#define OS_SBRK_MAX ((uintptr_t)UINT32_MAX)

extern void *sbrk(p9_ulong n);
extern int segfree(void *va, p9_ulong len);
extern int open(const char *file, int omode);
extern long read(int fd, void *buf, long n);
extern int close(int fd);

static uintptr_t os_sbrk(uintptr_t n)
{
    pal_os_count_call();
    return (uintptr_t)sbrk((p9_ulong)n);
}

/* In pieces of 1 GiB (whole pages for any page size): a range can be
 * larger than a ulong says, the break having grown in several calls. */
static int os_segfree(void *v, size_t n)
{
    const size_t piece = (size_t)1 << 30;
    char *p = v;
    size_t k;

    while (n > 0) {
        k = n < piece ? n : piece;
        pal_os_count_call();
        if (segfree(p, (p9_ulong)k) != 0)
            return PAL_EOS;
        p += k;
        n -= k;
    }
    return PAL_OK;
}

/* The kernel's page size: the "N pagesize" line of /dev/swap. */
static size_t os_query_page_size(void)
{
    char buf[512];
    long got = 0, r, i;
    size_t v = 0;
    int fd;

    pal_os_count_call();
    fd = open("/dev/swap", 0);
    if (fd < 0)
        return 0;
    while (got < (long)sizeof buf - 1) {
        pal_os_count_call();
        r = read(fd, buf + got, (long)sizeof buf - 1 - got);
        if (r <= 0)
            break;
        got += r;
    }
    close(fd);
    buf[got] = '\0';
    for (i = 0; i < got; i++) {
        if (buf[i] >= '0' && buf[i] <= '9') {
            v = v * 10 + (size_t)(buf[i] - '0');
        } else if (buf[i] == ' ') {
            const char *k = buf + i + 1;

            if (k[0] == 'p' && k[1] == 'a' && k[2] == 'g' && k[3] == 'e' &&
                k[4] == 's' && k[5] == 'i' && k[6] == 'z' && k[7] == 'e')
                return v;
            v = 0;
        } else {
            v = 0;
        }
    }
    return 0;
}

#endif

#define SBRK_FAILED ((uintptr_t)-1)

/* ---- state ------------------------------------------------------------ */

struct free_block {
    struct free_block *next;
    size_t size;
};

static char lock_flag;
static struct free_block *free_list; /* ascending, never touching */
/* The end of what was handed out from the break: page aligned, and every
 * byte from here to bloc_max reads zero. */
static uintptr_t bloc;
/* The break as this file last set it.  It may be below bloc, by less than
 * a page, while the break is not page aligned: the next growth covers it. */
static uintptr_t bloc_max;

static void lock(void)
{
    while (__atomic_test_and_set(&lock_flag, __ATOMIC_ACQUIRE))
        ;
}

static void unlock(void)
{
    __atomic_clear(&lock_flag, __ATOMIC_RELEASE);
}

/* ---- the free list (Go's memAlloc and memFree) ------------------------ */

/* Every byte of a free block is zero but its node, and a node is zeroed
 * when its memory is handed out or merged into a neighbour. */
static void clear_node(struct free_block *b)
{
    b->next = NULL;
    b->size = 0;
}

/* Put [v, v+n) on the list, merged with the blocks it touches. */
static void list_insert(uintptr_t v, size_t n)
{
    struct free_block *b = (struct free_block *)v, *prev = NULL, *p = free_list;

    while (p != NULL && (uintptr_t)p < v) {
        prev = p;
        p = p->next;
    }
    b->size = n;
    b->next = p;
    if (p != NULL && v + n == (uintptr_t)p) {
        b->size += p->size;
        b->next = p->next;
        clear_node(p);
    }
    if (prev != NULL && (uintptr_t)prev + prev->size == v) {
        prev->size += b->size;
        prev->next = b->next;
        clear_node(b);
    } else if (prev != NULL) {
        prev->next = b;
    } else {
        free_list = b;
    }
}

/* Remove [a, a+n) from the free block b (prev before it, or NULL), which
 * holds all of it; what is left either side stays on the list. */
static void list_carve(struct free_block *prev, struct free_block *b, uintptr_t a, size_t n)
{
    uintptr_t start = (uintptr_t)b, end = start + b->size;
    struct free_block *next = b->next, *tail;

    if (a + n < end) {
        tail = (struct free_block *)(a + n);
        tail->size = end - (a + n);
        tail->next = next;
        next = tail;
    }
    if (a > start) {
        b->size = a - start;
        b->next = next;
        return;
    }
    clear_node(b);
    if (prev != NULL)
        prev->next = next;
    else
        free_list = next;
}

/* The first free block with an align-aligned run of n bytes: carved out,
 * its address returned; 0 if none. */
static uintptr_t list_take(size_t n, size_t align)
{
    struct free_block *prev = NULL, *p;
    uintptr_t a;

    for (p = free_list; p != NULL; prev = p, p = p->next) {
        /* from the end, as Go does: the node at the start stays put */
        if ((uintptr_t)p + p->size < n)
            continue;
        a = pal_align_down((uintptr_t)p + p->size - n, align);
        if (a >= (uintptr_t)p) {
            list_carve(prev, p, a, n);
            return a;
        }
    }
    return 0;
}

/* The free block holding all of [a, a+n), carved out: 1, or 0 if none. */
static int list_take_at(uintptr_t a, size_t n)
{
    struct free_block *prev = NULL, *p;

    for (p = free_list; p != NULL && (uintptr_t)p <= a; prev = p, p = p->next) {
        if (a + n <= (uintptr_t)p + p->size) {
            list_carve(prev, p, a, n);
            return 1;
        }
    }
    return 0;
}

/* The end of memory comes down to a (pal_os_free).  A free block ending
 * there comes down with it, off the list: left there, it and the end would
 * be free memory side by side that reserve_at refuses to place across.
 * The list merges neighbours, so there is at most one. */
static void lower_end(uintptr_t a)
{
    struct free_block *prev = NULL, *p;

    bloc = a;
    for (p = free_list; p != NULL; prev = p, p = p->next) {
        if ((uintptr_t)p + p->size == bloc) {
            if (prev != NULL)
                prev->next = p->next;
            else
                free_list = p->next;
            bloc = (uintptr_t)p;
            clear_node(p);
            return;
        }
    }
}

/* ---- the break -------------------------------------------------------- */

/* The end starts over at brk, the break as it is now, of which [brk, top)
 * is ours: the first time, or because something else (libc's malloc) moved
 * the break since this file last did.  What was left at the old end goes
 * on the free list, in whole pages. */
static void restart_end(uintptr_t brk, uintptr_t top)
{
    uintptr_t old_top = pal_align_down(bloc_max, os_page_size());

    if (old_top > bloc)
        list_insert(bloc, old_top - bloc);
    bloc = pal_align_up(brk, os_page_size());
    bloc_max = top;
}

/* The first time: start handing out at the first page boundary at or above
 * the break (the part of a page below it is taken with the first growth).
 * Under the lock, as everything below. */
static int start_heap(void)
{
    uintptr_t cur;

    if (bloc != 0)
        return PAL_OK;
    cur = os_sbrk(0);
    if (cur == SBRK_FAILED)
        return PAL_ENOMEM;
    restart_end(cur, cur);
    return PAL_OK;
}

/* Move the break from bloc_max up to end.  PAL_EEXIST if something else
 * moved it since this file last did: the end has started over above what
 * is not ours, and the caller tries again there. */
static int grow_break(uintptr_t end)
{
    uintptr_t cur = os_sbrk(0), delta, r;

    if (cur == SBRK_FAILED)
        return PAL_ENOMEM;
    if (cur != bloc_max) {
        restart_end(cur, cur);
        return PAL_EEXIST;
    }
    delta = end - bloc_max;
    if (delta > OS_SBRK_MAX)
        return PAL_ENOMEM;
    r = os_sbrk(delta);
    if (r == SBRK_FAILED)
        return PAL_ENOMEM;
    if (r != bloc_max) {
        /* Moved between the two calls: the break grew by delta all the
         * same, from r, and [r, r + delta) is ours: the new end. */
        restart_end(r, r + delta);
        return PAL_EEXIST;
    }
    bloc_max = end;
    return PAL_OK;
}

/* [a, a+n) at or above the end (a >= bloc, both page aligned): from what
 * the break already holds, or by growing it.  The gap below a goes on the
 * free list.  PAL_EEXIST: the break was moved, try again. */
static int take_at_end(uintptr_t a, size_t n)
{
    int err = a + n <= bloc_max ? PAL_OK : grow_break(a + n);

    if (err == PAL_OK) {
        if (a > bloc)
            list_insert(bloc, a - bloc);
        bloc = a + n;
    }
    return err;
}

/* n bytes at the end of memory, at a multiple of align.  0 if the break
 * cannot move. */
static uintptr_t take_from_break(size_t n, size_t align)
{
    uintptr_t a;
    int tries, err;

    for (tries = 0; tries < 2; tries++) {
        a = pal_align_up(bloc, align);
        if (a < bloc || a + n < a)
            return 0;
        err = take_at_end(a, n);
        if (err == PAL_OK)
            return a;
        if (err != PAL_EEXIST)
            return 0;
    }
    return 0;
}

/* ---- set-up ----------------------------------------------------------- */

int pal_os_init(size_t *ps, size_t *hps)
{
    size_t p = os_query_page_size();

    if (p == 0 || (p & (p - 1)) != 0)
        return PAL_EOS;
    os_page_size_set(p);
    *ps = p;
    *hps = 0;
    return PAL_OK;
}

/* segfree releases the pages; the bss refills them with zeroes. */
unsigned pal_os_features(void)
{
    return PAL_FEAT_MADV_DONTNEED;
}

int pal_os_unused_zeroes(unsigned policy)
{
    (void)policy;
    return 1;
}

/* ---- transitions ------------------------------------------------------ */

/* Go's sysReserve: at the end of memory if that is where the hint points,
 * else the free list, else the end of memory.  align is the page size but
 * for reserve_aligned. */
static int reserve(void *hint, size_t n, size_t align, void **out)
{
    uintptr_t a = 0;
    int err;

    lock();
    err = start_heap();
    if (err == PAL_OK) {
        if (hint != NULL && (uintptr_t)hint == bloc)
            a = take_from_break(n, align);
        if (a == 0)
            a = list_take(n, align);
        if (a == 0)
            a = take_from_break(n, align);
        if (a == 0)
            err = PAL_ENOMEM;
    }
    unlock();
    if (err == PAL_OK)
        *out = (void *)a;
    return err;
}

int pal_os_reserve(void *hint, size_t n, void **out)
{
    return reserve(hint, n, os_page_size(), out);
}

/* Exactly at addr: inside a free block, or at or past the end of what was
 * handed out (the gap up to addr goes on the free list).  Anything else
 * below the end is in use, by this file or by the program. */
int pal_os_reserve_at(void *addr, size_t n)
{
    uintptr_t a = (uintptr_t)addr;
    int err;

    lock();
    err = start_heap();
    if (err == PAL_OK && !list_take_at(a, n)) {
        if (a < bloc)
            err = PAL_EEXIST;
        else if (a + n < a)
            err = PAL_ENOMEM;
        else if ((err = take_at_end(a, n)) == PAL_EEXIST && a >= bloc)
            err = take_at_end(a, n); /* the end started over below a */
    }
    unlock();
    return err;
}

/* From the free list or the end of memory, aligned; the part skipped to
 * get there stays free, so nothing beyond n is reserved. */
int pal_os_reserve_aligned(size_t n, size_t align, void **out)
{
    return reserve(NULL, n, align, out);
}

/* Reserved memory is already accessible: nothing to do, for map as for
 * used. */
int pal_os_map(void *v, size_t n, unsigned policy)
{
    (void)v;
    (void)n;
    (void)policy;
    return PAL_OK;
}

int pal_os_used(void *v, size_t n, unsigned policy)
{
    return pal_os_map(v, n, policy);
}

int pal_os_unused(void *v, size_t n, unsigned policy)
{
    (void)policy;
    return os_segfree(v, n);
}

/* Memory from the heap reads zero (fresh from the break, or segfree'd
 * before it went on the free list) and is always read-write. */
int pal_os_alloc(size_t n, unsigned policy, void **out)
{
    (void)policy;
    return reserve(NULL, n, os_page_size(), out);
}

/* Release the pages, then give the range back: the end of memory moves
 * down if the range ends there (Go's sysFree), else the free list takes
 * it.  The node written into its first page makes that one page resident
 * again. */
int pal_os_free(void *v, size_t n)
{
    uintptr_t a = (uintptr_t)v;
    int err = os_segfree(v, n);

    if (err != PAL_OK)
        return err;
    lock();
    if (a + n == bloc)
        lower_end(a);
    else
        list_insert(a, n);
    unlock();
    return PAL_OK;
}

/* ---- what Plan 9 does not have ---------------------------------------- */

int pal_os_fault(void *v, size_t n)
{
    (void)v;
    (void)n;
    return PAL_ENOSYS;
}

/* The heap is read-write and stays so: asking for exactly that is done. */
int pal_os_protect(void *v, size_t n, unsigned prot)
{
    (void)v;
    (void)n;
    return prot == (PAL_PROT_READ | PAL_PROT_WRITE) ? PAL_OK : PAL_ENOSYS;
}

/* Plan 9 has no huge pages (below). */
PAL_OS_NO_THP_ADVICE()

int pal_os_guard(void *v, size_t n)
{
    (void)v;
    (void)n;
    return PAL_ENOSYS;
}

/* No sealing and no names on Plan 9 (the top of this file). */
PAL_OS_NO_SEAL()
PAL_OS_NO_NAMES()

int pal_os_resident(const void *v, size_t n, size_t *bytes)
{
    (void)v;
    (void)n;
    (void)bytes;
    return PAL_ENOSYS;
}

/* ---- batched release, purge, prefault, huge pages, NUMA ---------------- */

/* segfree frees the pages and the segment zero-fills them when touched
 * again, with nothing else changed (there is no protection and no commit
 * charge to lose): a release that keeps every promise of ZERO, and of
 * LAZY, which allows zeros. */
int pal_os_purge(void *v, size_t n, unsigned how, unsigned policy)
{
    (void)how;
    (void)policy;
    return os_segfree(v, n);
}

/* segfree takes one range per call. */
PAL_OS_RANGES_ONE_BY_ONE()

/* No prefault call here. */
PAL_OS_POPULATE_BY_TOUCH()

/* Plan 9 has no huge pages. */
PAL_OS_NO_HUGE_PAGES()

/* Plan 9 has no NUMA. */
PAL_OS_ONE_NODE()

/* ---- acquire, core dumps, facts --------------------------------------- */

/* With no protection, every state is the same memory: the reservation
 * (under the lock) is all there is, and map and used cost nothing
 * (pal_os.h's steps). */
int pal_os_acquire(const struct pal_mem_spec *spec, unsigned policy, void **out)
{
    return pal_os_acquire_steps(spec, policy, os_page_size(), out);
}

/* Plan 9's core files (snap) take every segment. */
PAL_OS_NO_DUMP_CHOICE()

/* No write tracking: Plan 9 has no page protection and exposes no
 * modified bits; segments are all a process sees of its memory. */
PAL_OS_NO_WRITE_TRACKING()

/* Nothing beyond what pal_mem.c sets: page-sized reservations, no huge
 * pages, no overcommit setting to read, no no-reserve. */
void pal_os_info(struct pal_mem_info *out)
{
    (void)out;
}
