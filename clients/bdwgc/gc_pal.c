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
 *     GC_remap                   pal_mem_used_zero       Prepared -> Ready
 *
 * except for an executable heap (see purge_in_place), whose blocks are
 * purged instead (pal_mem_purge, pal_mem_purge_ranges: Ready stays Ready)
 * and need nothing at GC_remap.
 *
 * An unmapped block keeps its address space (the collector merges free
 * blocks and remaps them in place) and is not touched until GC_remap: that
 * is libpal's Prepared.  Its pages go back to the OS; under the libpal
 * policy harddecommit=1 any access to it also faults, as after bdwgc's own
 * unmapping on systems other than Linux.  The collector never frees heap
 * memory, so pal_mem_free is not needed.
 *
 * GC_remap learns from pal_mem_used_zero whether the block reads zero;
 * the large-object allocations then leave such a block as it is instead
 * of clearing it (GC_pal_reads_zero, bdwgc.patch's malloc.c).
 *
 * The incremental collector's write barrier stays bdwgc's own by default
 * (os_dep.c: MPROTECT_VDB, mprotect and a SIGSEGV handler, or SOFT_VDB,
 * soft-dirty bits).  Built with -DGC_PAL_VDB it is libpal's write
 * tracking instead (the end of this file).
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

/* GC_set_pages_executable(1): the heap's blocks are purged with zeroes
 * (Ready stays Ready, with its protection), as bdwgc's own Linux layer
 * does with madvise, and GC_remap has nothing to do.  A release would
 * cost one mprotect per remap more: used may give a released block back
 * read-write only (libpal does under harddecommit and strict overcommit),
 * and the block must be executable again.  So an executable heap keeps
 * its commit charge under strict overcommit, and harddecommit does not
 * apply to it, as with bdwgc's own layer. */
static GC_bool purge_in_place(void)
{
    return GC_get_pages_executable();
}

/* PAL_SHOW_STATS=1: libpal's own call counts (pal_mem_get_stats) on
 * stderr at exit, for comparing with what strace sees (run.sh); not in a
 * forked child, whose counts include its parent's. */
static pid_t stats_pid;

/* What the adapter did with libpal's answers, for the same line: blocks
 * not cleared because they read zero, and the write tracking's sections
 * tracked, reads of the dirty bits, and sections reported all dirty
 * because their tracking had failed. */
static unsigned long zero_blocks, zero_bytes;
static unsigned long vdb_sects, vdb_reads, vdb_punts;

static void show_pal_stats(void)
{
    struct pal_mem_stats st;
    char line[256];
    int n;

    if (getpid() != stats_pid)
        return;
    pal_mem_get_stats(&st);
    n = snprintf(line, sizeof line,
                 "libpal: %lu OS calls, %lu fallbacks; remapped zero: %lu blocks, %lu KiB not "
                 "cleared; write tracking: %lu sections, %lu reads, %lu all dirty\n",
                 (unsigned long)st.os_calls, (unsigned long)st.fallbacks, zero_blocks,
                 zero_bytes >> 10, vdb_sects, vdb_reads, vdb_punts);
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

#ifdef GC_PAL_VDB
static GC_bool tracking; /* GC_dirty_init succeeded */
#endif

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
#ifdef GC_PAL_VDB
    /* Windows tracks only memory asked for up front; Linux any */
    if (tracking)
        spec.flags |= PAL_SPEC_TRACK;
#endif
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

/* The block GC_remap found reading zero throughout, if the block the
 * current GC_allochblk call returns lies in it: GC_allochblk forgets it
 * when it begins (bdwgc.patch), so that a block remapped earlier and
 * written since is never taken for zero.  Between the remap and the
 * allocation's clear nothing writes the block (GC_allochblk splits it
 * and writes headers, which live elsewhere).  Kept hidden from the
 * collector's scan of static data (GC_HIDE_POINTER), which would
 * otherwise keep whatever block it names alive. */
static word zero_start_hidden, zero_end_hidden;

GC_INNER void GC_pal_forget_zero(void)
{
    zero_start_hidden = zero_end_hidden = 0;
}

GC_INNER GC_bool GC_pal_reads_zero(ptr_t p, size_t bytes)
{
    GC_bool zero = zero_start_hidden != 0 &&
                   (word)p >= (word)GC_REVEAL_POINTER(zero_start_hidden) &&
                   (word)p + bytes <= (word)GC_REVEAL_POINTER(zero_end_hidden);

    GC_pal_forget_zero();
    if (zero) {
        zero_blocks++;
        zero_bytes += bytes;
    }
    return zero;
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
    if (purge_in_place())
        err = pal_mem_purge_ranges(pending, npending, PAL_PURGE_ZERO, &done);
    else
        err = pal_mem_unused_ranges(pending, npending, &done);
    ABORT_ON_PAL_FAIL(err, "unmap of the collected blocks", pending[done].v,
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
        err = purge_in_place() ? pal_mem_purge(start_addr, len, PAL_PURGE_ZERO)
                               : pal_mem_unused(start_addr, len);
        ABORT_ON_PAL_FAIL(err, "unmap", start_addr, len);
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
    int err, zeroed = 0;

    GC_pal_forget_zero();
    if (0 == start_addr)
        return;
    /* All of [start_addr, start_addr + len) is Prepared (or purged with
     * zeroes): GC_unmap, or GC_unmap_gap when blocks were merged, released
     * every whole page of the block, and the collector touched none of
     * them since. */
    if (purge_in_place()) {
        zeroed = 1;
    } else {
        err = pal_mem_used_zero(start_addr, len, &zeroed);
        ABORT_ON_PAL_FAIL(err, "remap: pal_mem_used_zero", start_addr, len);
    }
    GC_unmapped_bytes -= len;
    /* The block reads zero only if it is whole pages: where the page is
     * larger than HBLKSIZE its ends may share a page with a neighbour,
     * which stayed mapped with its contents. */
    if (zeroed && start_addr == start && start_addr + len == start + bytes) {
        zero_start_hidden = GC_HIDE_POINTER(start);
        zero_end_hidden = GC_HIDE_POINTER(start + bytes);
    }
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

#ifdef GC_PAL_VDB

/* ---- dirty bits from libpal's write tracking ---------------------------
 *
 * With -DGC_PAL_VDB bdwgc.patch leaves out every dirty-bit implementation
 * of os_dep.c (gcconfig.h) and these take their place:
 *
 *     GC_dirty_init           does libpal track writes here (pal_mem_info,
 *                             PAL_FEAT_TRACK)?  If not, FALSE: the
 *                             collector then stays non-incremental, as when
 *                             its own implementations cannot start
 *     GC_pal_track_heap_sect  pal_mem_track_writes on each heap section as
 *                             GC_add_to_heap adds it
 *     GC_pal_read_dirty       (GC_read_dirty) pal_mem_written with reset
 *                             over every section, into GC_grungy_pages
 *
 * os_dep.c's generic GC_page_was_dirty reads GC_grungy_pages, and its
 * GC_remove_protection has nothing to do: no page is ever protected
 * (GC_incremental_protection_needs: GC_PROTECTS_NONE), and every write
 * to a section is recorded whatever its block holds, free blocks
 * included; a block the collector hands out is cleared, given a free
 * list (both writes) or reads zero (no pointer to find).  Static data
 * is not tracked: the collector scans all of it every time
 * (NO_VDB_FOR_STATIC_ROOTS).
 *
 * The collector reads the dirty bits with the world stopped
 * (GC_initiate_gc, from GC_stopped_mark) and once with it running, when
 * incremental mode is switched on after a full collection
 * (GC_enable_incremental), where bdwgc accepts losing bits.  With the
 * world stopped no mutator thread writes between the report and the
 * re-arming, so the contract's promise that pal_mem_written's reset loses
 * no write is not what the stopped calls rest on; it is what the running
 * one and the writes a stopped world does not stop (threads unknown to
 * the collector, the kernel completing I/O into the heap) rest on.
 * bdwgc's soft-dirty bits lose those: their reset, clear_refs, is a second
 * step over the whole process. */

/* pal_mem_written's report, one byte per page: a section is read in
 * pieces of this many pages */
#define VDB_PAGES 16384
static unsigned char *vdb_pages; /* scratch memory, not scanned */
static pid_t tracking_pid;

static void track_sect(ptr_t start, size_t bytes)
{
    int err = pal_mem_track_writes(start, bytes, 1);

    /* The section's next read fails and reports all of it dirty, and
     * tracking is tried again there. */
    if (err != PAL_OK)
        WARN("pal_mem_track_writes failed for a heap section of %" WARN_PRIdPTR
             " bytes: it counts as all dirty\n", (signed_word)bytes);
    else
        vdb_sects++;
}

GC_INNER void GC_pal_track_heap_sect(ptr_t start, size_t bytes)
{
    if (tracking)
        track_sect(start, bytes);
}

GC_INNER GC_bool GC_dirty_init(void)
{
    struct pal_mem_info info;
    word i;

    if (pal_mem_info(&info) != PAL_OK || !(info.features & PAL_FEAT_TRACK)) {
        GC_COND_LOG_PRINTF("libpal cannot track writes here:"
                           " no incremental collection\n");
        return FALSE;
    }
    if (NULL == vdb_pages) {
        vdb_pages = (unsigned char *)GC_scratch_alloc(VDB_PAGES);
        if (NULL == vdb_pages)
            return FALSE;
    }
    tracking = TRUE;
    tracking_pid = getpid();
    /* GC_enable_incremental after the heap grew: its sections so far.
     * Nothing written before counts: a full collection follows. */
    for (i = 0; i < GC_n_heap_sects; i++)
        track_sect(GC_heap_sects[i].hs_start, GC_heap_sects[i].hs_bytes);
    GC_COND_LOG_PRINTF("Using libpal's write tracking\n");
    return TRUE;
}

static void set_dirty(ptr_t start, size_t bytes)
{
    ptr_t h;

    for (h = start; (word)h < (word)(start + bytes); h += HBLKSIZE)
        set_pht_entry_from_index(GC_grungy_pages, PHT_HASH(h));
}

/* One section: its written pages dirty, and its tracking re-armed. */
static void read_sect(ptr_t start, size_t bytes, GC_bool output_unneeded)
{
    size_t ps = pal_mem_page_size(), done, n, j;
    int err;

    for (done = 0; done < bytes; done += n) {
        n = bytes - done < (size_t)VDB_PAGES * ps ? bytes - done : (size_t)VDB_PAGES * ps;
        err = pal_mem_written(start + done, n, vdb_pages, 1);
        if (err != PAL_OK) {
            /* Not tracked (pal_mem_track_writes failed, or the process
             * is a forked child whose copy was never tracked), or
             * libpal could not read it: all of it dirty, and tracking
             * begun again, which re-arms it all, so that a write before
             * is reported now and one after by the next read. */
            if (!output_unneeded)
                set_dirty(start, bytes);
            vdb_punts++;
            track_sect(start, bytes);
            return;
        }
        if (output_unneeded)
            continue;
        /* a page may hold several blocks, or a block several pages */
        for (j = 0; j < n / ps; j++)
            if (vdb_pages[j])
                set_dirty(start + done + j * ps, ps);
    }
}

GC_INNER void GC_pal_read_dirty(GC_bool output_unneeded)
{
    word i;

    vdb_reads++;
    if (!output_unneeded)
        BZERO(GC_grungy_pages, sizeof(GC_grungy_pages));
    /* A forked child's sections are copies its parent's tracking does
     * not cover, and what the child wrote before this is not known:
     * all dirty once, and tracked from now on. */
    if (getpid() != tracking_pid) {
        tracking_pid = getpid();
        if (!output_unneeded)
            memset(GC_grungy_pages, 0xff, sizeof(GC_grungy_pages));
        for (i = 0; i < GC_n_heap_sects; i++) {
            vdb_punts++;
            track_sect(GC_heap_sects[i].hs_start, GC_heap_sects[i].hs_bytes);
        }
        return;
    }
    for (i = 0; i < GC_n_heap_sects; i++)
        read_sect(GC_heap_sects[i].hs_start, GC_heap_sects[i].hs_bytes, output_unneeded);
}

#endif /* GC_PAL_VDB */
