/*
 * gc_pal.c - the Boehm GC (bdwgc 8.2.2) takes its heap from libpal.
 *
 * Built with -DGC_USE_PAL, which makes os_dep.c leave out its own Unix heap
 * paths (bdwgc.patch): GC_unix_get_mem (mmap), GC_unmap (madvise on Linux,
 * an mmap PROT_NONE elsewhere), GC_remap and GC_unmap_gap.  This file
 * defines them on pal_mem.h alone:
 *
 *     bdwgc                      libpal
 *     GET_MEM (heap, scratch)    pal_mem_acquire         None -> Ready
 *     GC_unmap, GC_unmap_gap     pal_mem_unused          Ready -> Prepared
 *     GC_unmap_old               pal_mem_unused_ranges   (all its blocks)
 *     GC_remap                   pal_mem_used            Prepared -> Ready
 *
 * An unmapped block keeps its address space (the collector merges free
 * blocks and remaps them in place) and is not touched until GC_remap: that
 * is libpal's Prepared.  Its pages go back to the OS; under the libpal
 * policy harddecommit=1 any access to it also faults, as after bdwgc's own
 * unmapping on systems other than Linux.  The collector never frees heap
 * memory, so pal_mem_free is not needed.
 *
 * The incremental collector's write barrier (MPROTECT_VDB) stays in
 * os_dep.c with its own mprotect: it changes the access of heap memory in
 * use, from a signal handler among other places; it neither gets nor
 * releases memory.
 *
 * The libpal policy comes from the environment variable PAL_POLICY, in
 * pal_mem_parse_policy's syntax (PAL_POLICY=harddecommit=1), read when the
 * collector first asks for memory.
 */
#include "private/gc_priv.h"

#include "pal_mem.h"

#include <stdio.h>  /* snprintf */
#include <unistd.h> /* write, getpid */

/* libpal's errors are PAL_E* codes, not errno values: name them. */
#define ABORT_ON_PAL_FAIL(err, what, addr, len)                              \
    if ((err) != PAL_OK)                                                     \
        ABORT_ARG3(what " failed", " at %p (length %lu): %s", (void *)(addr), \
                   (unsigned long)(len), pal_strerror(err))

/* GC_set_pages_executable(1): a remapped block comes back read-write, so
 * it gets exec permission again. */
static void allow_exec(ptr_t p, size_t n)
{
    int err = pal_mem_protect(p, n, PAL_PROT_READ | PAL_PROT_WRITE | PAL_PROT_EXEC);

    ABORT_ON_PAL_FAIL(err, "pal_mem_protect (executable heap)", p, n);
}

/* PAL_SHOW_STATS=1: libpal's own call counts (pal_mem_get_stats) on
 * stderr at exit, for comparing with what strace sees (run.sh); not in a
 * forked child, whose counts include its parent's. */
static pid_t stats_pid;

static void show_pal_stats(void)
{
    struct pal_mem_stats st;
    char line[80];
    int n;

    if (getpid() != stats_pid)
        return;
    pal_mem_get_stats(&st);
    n = snprintf(line, sizeof line, "libpal: %lu OS calls, %lu fallbacks\n",
                 (unsigned long)st.os_calls, (unsigned long)st.fallbacks);
    if (n > 0 && (size_t)n < sizeof line && write(2, line, (size_t)n) < 0)
        return;
}

/* Registered before any exit work of the program, so run after it. */
__attribute__((constructor(101))) static void show_pal_stats_at_exit(void)
{
    const char *show = GETENV("PAL_SHOW_STATS");

    if (show != NULL && show[0] == '1') {
        stats_pid = getpid();
        atexit(show_pal_stats);
    }
}

static void init_pal(void)
{
    const char *policy = GETENV("PAL_POLICY");
    unsigned flags;
    int err;

    /* GC_unmap_start/end round with the collector's page size, libpal
     * refuses ranges that are not multiples of its own. */
    if (pal_mem_page_size() != GC_page_size)
        ABORT_ARG2("libpal and the collector disagree on the page size",
                   ": %lu and %lu", (unsigned long)pal_mem_page_size(),
                   (unsigned long)GC_page_size);
    if (policy != NULL) {
        err = pal_mem_parse_policy(policy, &flags);
        if (err == PAL_OK)
            err = pal_mem_set_policy(flags);
        if (err != PAL_OK)
            WARN("PAL_POLICY=%s is not valid: libpal keeps its policy\n", policy);
    }
}

/* GET_MEM: bytes is a multiple of the page size; NULL is out of memory.
 * One call, with the access the heap needs (executable too if asked for).
 * The hint is the end of the memory had last (first HEAP_START, the
 * platform's heap address), so that the heap tends to grow in one piece,
 * which keeps the collector's block maps small. */
ptr_t GC_unix_get_mem(size_t bytes)
{
    static GC_bool initialized = FALSE; /* GET_MEM runs under the GC lock */
    static ptr_t next_hint = HEAP_START;
    struct pal_mem_spec spec = { 0 };
    void *p;
    int err;

    if (!initialized) {
        init_pal();
        initialized = TRUE;
    }
    if (bytes & (GC_page_size - 1))
        ABORT("Bad GET_MEM arg");
    spec.n = bytes;
    spec.hint = next_hint;
    spec.state = PAL_STATE_READY;
    spec.prot = PAL_PROT_READ | PAL_PROT_WRITE;
    if (GC_get_pages_executable())
        spec.prot |= PAL_PROT_EXEC;
    err = pal_mem_acquire(&spec, &p);
    if (err == PAL_EINVAL && spec.hint != NULL) {
        /* the hint's range wraps the address space: no hint */
        spec.hint = NULL;
        err = pal_mem_acquire(&spec, &p);
    }
    if (err != PAL_OK) {
        /* the access refused (an executable heap under W^X) is fatal, as
         * in bdwgc's own layer; anything else is out of memory */
        if (err == PAL_EACCES || err == PAL_EPERM) {
            ABORT_ON_PAL_FAIL(err, "pal_mem_acquire (heap)", next_hint, bytes);
        }
        return NULL;
    }
    if ((word)p % HBLKSIZE != 0)
        ABORT("GC_unix_get_mem: memory from libpal is not aligned to HBLKSIZE");
    next_hint = (ptr_t)p + bytes;
    return (ptr_t)p;
}

#ifdef USE_MUNMAP

/* The first whole page of [start, start + bytes), or 0 if it holds none.
 * (GC_unmap_end, in gc_priv.h, is the end of the last whole page.) */
static ptr_t unmap_start(ptr_t start, size_t bytes)
{
    ptr_t result = (ptr_t)(((word)start + GC_page_size - 1) & ~(GC_page_size - 1));

    if ((word)(result + GC_page_size) > (word)(start + bytes))
        return 0;
    return result;
}

/* While GC_unmap_old runs, the blocks it unmaps are collected here and
 * released together, as many per system call as the kernel takes
 * (pal_mem_unused_ranges).  Safe to defer: it runs under the GC lock, and
 * no unmapped block is remapped or touched before it returns.  The list
 * is static data, which the collector scans for pointers: it is cleared
 * once released, or the blocks it named would stay reachable when they
 * are reused. */
#define PENDING_MAX 64
static struct pal_mem_range pending[PENDING_MAX];
static size_t npending;
static GC_bool deferring;

static void release_pending(void)
{
    size_t done = 0;
    int err;

    if (npending == 0)
        return;
    err = pal_mem_unused_ranges(pending, npending, &done);
    ABORT_ON_PAL_FAIL(err, "unmap: pal_mem_unused_ranges", pending[done].v,
                      pending[done].n);
    BZERO(pending, npending * sizeof(pending[0]));
    npending = 0;
}

static void release(ptr_t start_addr, size_t len)
{
    int err;

    if (0 == start_addr || 0 == len)
        return;
    if (deferring) {
        if (npending == PENDING_MAX)
            release_pending();
        pending[npending].v = start_addr;
        pending[npending].n = len;
        npending++;
    } else {
        err = pal_mem_unused(start_addr, len);
        ABORT_ON_PAL_FAIL(err, "unmap: pal_mem_unused", start_addr, len);
    }
    GC_unmapped_bytes += len;
}

/* allchblk.c's own GC_unmap_old, renamed by bdwgc.patch. */
GC_INNER void GC_unmap_old_blocks(void);

GC_INNER void GC_unmap_old(void)
{
    deferring = TRUE;
    GC_unmap_old_blocks();
    deferring = FALSE;
    release_pending();
}

GC_INNER void GC_unmap(ptr_t start, size_t bytes)
{
    ptr_t start_addr = unmap_start(start, bytes);
    ptr_t end_addr = GC_unmap_end(start, bytes);

    release(start_addr, (size_t)(end_addr - start_addr));
}

/* Called on exactly a range that GC_unmap was given, so the rounding is
 * the same. */
GC_INNER void GC_remap(ptr_t start, size_t bytes)
{
    ptr_t start_addr = unmap_start(start, bytes);
    size_t len = (size_t)(GC_unmap_end(start, bytes) - start_addr);
    int err;

    if (0 == start_addr)
        return;
    err = pal_mem_used(start_addr, len);
    ABORT_ON_PAL_FAIL(err, "remap: pal_mem_used", start_addr, len);
    /* under harddecommit, used gives back read-write access only */
    if (GC_get_pages_executable())
        allow_exec(start_addr, len);
    GC_unmapped_bytes -= len;
}

/* Two adjacent unmapped blocks are about to be merged: release the pages
 * between them that neither held whole (the rounding left them mapped). */
GC_INNER void GC_unmap_gap(ptr_t start1, size_t bytes1, ptr_t start2, size_t bytes2)
{
    ptr_t start1_addr = unmap_start(start1, bytes1);
    ptr_t end1_addr = GC_unmap_end(start1, bytes1);
    ptr_t start2_addr = unmap_start(start2, bytes2);
    ptr_t start_addr = end1_addr;
    ptr_t end_addr = start2_addr;

    GC_ASSERT(start1 + bytes1 == start2);
    if (0 == start1_addr)
        start_addr = unmap_start(start1, bytes1 + bytes2);
    if (0 == start2_addr)
        end_addr = GC_unmap_end(start1, bytes1 + bytes2);
    release(start_addr, (size_t)(end_addr - start_addr));
}

#endif /* USE_MUNMAP */
