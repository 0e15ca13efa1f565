/* mimalloc's OS seam on libpal.
 *
 * mimalloc 2.0.9 keeps its whole OS layer in src/os.c: the functions that
 * make system calls sit among platform-independent ones (good allocation
 * sizes, the aligned hint area, aligned-at-offset allocation, statistics).
 * run.sh deletes the first kind from the downloaded os.c by name (see
 * OS_SEAM there) and mimalloc.patch includes this file in their place, so
 * that os.c keeps its own logic and reaches the OS only through pal_mem.h.
 * The functions here have the names and signatures of the ones they
 * replace; mimalloc calls them as before.
 *
 *   mimalloc                  libpal
 *   allocate (reserve/commit) pal_mem_acquire: one call, Prepared or Ready
 *   commit                    pal_mem_used_zero, which feeds is_zero
 *   decommit                  pal_mem_unused; a whole commit mask at once
 *                             with pal_mem_unused_ranges
 *   reset                     pal_mem_purge LAZY: stays Ready
 *   protect / unprotect       pal_mem_protect
 *   free                      pal_mem_free
 *   huge OS pages             pal_mem_alloc_huge, pal_mem_bind_node
 *   overcommit, page sizes    pal_mem_info
 *   NUMA                      pal_mem_numa_nodes, pal_mem_current_node
 *
 * PAL_POLICY in the environment (pal_mem_parse_policy's syntax, e.g.
 * harddecommit=1) sets libpal's policy at mimalloc's OS initialisation;
 * PAL_SHOW_STATS=1 prints libpal's call counts at exit. */

#include "pal_mem.h"

#include <stdio.h>  /* snprintf */
#include <stdlib.h> /* getenv, atexit */
#include <unistd.h> /* write, getpid */

/* defined further down in os.c */
static void* mi_os_page_align_areax(bool conservative, void* addr, size_t size, size_t* newsize);
static void* mi_os_page_align_area_conservative(void* addr, size_t size, size_t* newsize);

static void mi_pal_warn(const char* call, int err, void* addr, size_t size) {
  _mi_warning_message("%s: %s (address %p, %zu bytes)\n", call, pal_strerror(err), addr, size);
}

/* ---- initialisation ---------------------------------------------------- */

void _mi_os_init(void) {
  struct pal_mem_info info;
  int err = pal_mem_info(&info);
  if (err != PAL_OK) {
    _mi_warning_message("pal_mem_info: %s\n", pal_strerror(err));
    return;
  }
  os_page_size = info.page_size;
  os_alloc_granularity = info.granularity;
  large_os_page_size = info.huge_page_size;
  /* mimalloc asks for no commit charge (MAP_NORESERVE) and commits
     segments eagerly only where the kernel overcommits; libpal tells the
     mode, mimalloc's own layer reads /proc for it */
  os_overcommit = (info.overcommit != PAL_OVERCOMMIT_STRICT);
  const char* policy = getenv("PAL_POLICY");
  if (policy != NULL) {
    unsigned flags = 0;
    err = pal_mem_parse_policy(policy, &flags);
    if (err == PAL_OK) err = pal_mem_set_policy(flags);
    if (err != PAL_OK) _mi_warning_message("PAL_POLICY=%s: %s\n", policy, pal_strerror(err));
  }
}

/* Compared with what strace sees (run.sh's oscalls check).  A forked
   child inherits its parent's counts: only the process that asked prints. */
static pid_t mi_pal_stats_owner;

static void mi_pal_print_stats(void) {
  struct pal_mem_stats st;
  char line[80];
  if (getpid() != mi_pal_stats_owner) return;
  pal_mem_get_stats(&st);
  int n = snprintf(line, sizeof line, "libpal: %zu OS calls, %zu fallbacks\n", st.os_calls, st.fallbacks);
  if (n > 0 && (size_t)n < sizeof line && write(2, line, (size_t)n) < 0) return;
}

/* priority 101: before mimalloc's own constructor registers its exit
   work (which frees memory in debug builds), so this runs after it */
__attribute__((constructor(101))) static void mi_pal_stats_at_exit(void) {
  const char* show = getenv("PAL_SHOW_STATS");
  if (show == NULL || show[0] != '1') return;
  mi_pal_stats_owner = getpid();
  atexit(&mi_pal_print_stats);
}

/* ---- allocate and free -------------------------------------------------- */

static bool mi_os_mem_free(void* addr, size_t size, bool was_committed, mi_stats_t* stats) {
  if (addr == NULL || size == 0) return true;
  int err = pal_mem_free(addr, size);
  if (err != PAL_OK) mi_pal_warn("pal_mem_free", err, addr, size);
  if (was_committed) _mi_stat_decrease(&stats->committed, size);
  _mi_stat_decrease(&stats->reserved, size);
  return err == PAL_OK;
}

/* One acquisition: Ready (commit) or Prepared, read-write, no commit
   charge where the kernel overcommits (as mimalloc's mmap with
   MAP_NORESERVE); align 0 leaves the address to the OS. */
static int mi_pal_acquire(size_t size, size_t align, void* hint, bool commit, void** p) {
  struct pal_mem_spec spec = {
    .n = size, .align = align, .hint = hint,
    .state = commit ? PAL_STATE_READY : PAL_STATE_PREPARED,
    .flags = _mi_os_has_overcommit() ? PAL_SPEC_NORESERVE : 0,
  };
  *p = NULL;
  return pal_mem_acquire(&spec, p);
}

/* Large OS pages on libpal are transparent huge pages, asked for on the
   whole range, as mimalloc's own mmap path does without MAP_HUGETLB. */
static void mi_pal_large(void* p, size_t size, size_t align, bool commit, bool allow_large, bool* is_large) {
  *is_large = false;
  if (commit && allow_large && use_large_os_page(size, align)) {
    *is_large = (pal_mem_hugepage(p, size) == PAL_OK);  /* possibly */
  }
}

static void mi_pal_count_alloc(size_t size, bool commit, mi_stats_t* stats) {
  _mi_stat_counter_increase(&stats->mmap_calls, 1);
  _mi_stat_increase(&stats->reserved, size);
  if (commit) _mi_stat_increase(&stats->committed, size);
}

static void* mi_os_mem_alloc(size_t size, size_t try_alignment, bool commit, bool allow_large, bool* is_large, mi_stats_t* stats) {
  if (size == 0) return NULL;  /* else a multiple of the page size */
  void* p;
  int err = mi_pal_acquire(size, 0, mi_os_get_aligned_hint(try_alignment, size), commit, &p);
  if (err != PAL_OK) {
    mi_pal_warn("pal_mem_acquire", err, NULL, size);
    return NULL;
  }
  mi_pal_large(p, size, try_alignment, commit, allow_large, is_large);
  mi_pal_count_alloc(size, commit, stats);
  return p;
}

/* At a multiple of alignment.  mimalloc's hint area gives an aligned
   address in one call as a rule; where the hint is taken or missing, libpal
   aligns (over-reservation and trim, counted as one mimalloc mmap). */
static void* mi_os_mem_alloc_aligned(size_t size, size_t alignment, bool commit, bool allow_large, bool* is_large, mi_stats_t* stats) {
  const size_t page = _mi_os_page_size();
  /* libpal would refuse these too: the check keeps its warning away */
  if (size == 0 || alignment < page || (alignment & (alignment - 1)) != 0) return NULL;
  size = _mi_align_up(size, page);
  void* hint = mi_os_get_aligned_hint(alignment, size);
  void* p = NULL;
  if (hint != NULL && mi_pal_acquire(size, 0, hint, commit, &p) == PAL_OK && ((uintptr_t)p % alignment) != 0) {
    pal_mem_free(p, size);
    p = NULL;
  }
  if (p == NULL) {
    int err = mi_pal_acquire(size, alignment, NULL, commit, &p);
    if (err != PAL_OK) {
      mi_pal_warn("pal_mem_acquire (aligned)", err, NULL, size);
      return NULL;
    }
  }
  mi_pal_large(p, size, alignment, commit, allow_large, is_large);
  mi_pal_count_alloc(size, commit, stats);
  return p;
}

/* ---- commit, decommit, reset, protect ----------------------------------- */

/* Commit aligns liberally, decommit conservatively (the caller says).
   A commit reports zeroed memory as libpal promises it for a range that
   was wholly decommitted or fresh; where part of it may have been
   committed already the caller must not take it (mimalloc.patch makes
   arena.c and segment.c check that). */
static bool mi_os_commitx(void* addr, size_t size, bool commit, bool conservative, bool* is_zero, mi_stats_t* stats) {
  if (is_zero != NULL) *is_zero = false;
  size_t csize;
  void* start = mi_os_page_align_areax(conservative, addr, size, &csize);
  if (csize == 0) return true;
  int err;
  if (commit) {
    _mi_stat_increase(&stats->committed, size);  /* size, as decommit counts it */
    _mi_stat_counter_increase(&stats->commit_calls, 1);
    int zeroed = 0;
    err = pal_mem_used_zero(start, csize, &zeroed);
    if (err == PAL_OK && is_zero != NULL) *is_zero = (zeroed != 0);
  }
  else {
    _mi_stat_decrease(&stats->committed, size);
    err = pal_mem_unused(start, csize);
  }
  if (err != PAL_OK) mi_pal_warn(commit ? "pal_mem_used_zero" : "pal_mem_unused", err, start, csize);
  mi_assert_internal(err == PAL_OK);
  return err == PAL_OK;
}

/* Decommit every run of set bits of mask, bit i standing for the unit
   bytes at base + i*unit, in one pal_mem_unused_ranges: one system call
   for all of them where the kernel batches (process_madvise). */
bool _mi_os_decommit_mask(void* base, size_t unit, const mi_commit_mask_t* mask, mi_stats_t* tld_stats) {
  MI_UNUSED(tld_stats);
  /* runs are separated by a clear bit: at most half the bits start one */
  struct pal_mem_range runs[(MI_COMMIT_MASK_BITS + 1) / 2];
  size_t n = 0, total = 0, idx, count;
  mi_commit_mask_foreach(mask, idx, count) {
    runs[n].v = (uint8_t*)base + idx * unit;
    runs[n].n = count * unit;
    total += count * unit;
    n++;
  }
  mi_commit_mask_foreach_end()
  if (n == 0) return true;
  _mi_stat_decrease(&_mi_stats_main.committed, total);
  size_t done = 0;
  int err = pal_mem_unused_ranges(runs, n, &done);
  if (err != PAL_OK) mi_pal_warn("pal_mem_unused_ranges", err, done < n ? runs[done].v : base, done < n ? runs[done].n : 0);
  mi_assert_internal(err == PAL_OK);
  return err == PAL_OK;
}

/* Reset: the pages go back but the range stays committed; mimalloc uses
   it again without a commit and ignores the result, so nothing here may
   take access or commit charge away.  Lazy, as mimalloc's MADV_FREE: the
   pages read old contents or zero. */
static bool mi_os_resetx(void* addr, size_t size, bool reset, mi_stats_t* stats) {
  size_t csize;
  void* start = mi_os_page_align_area_conservative(addr, size, &csize);
  if (csize == 0) return true;
  if (reset) _mi_stat_increase(&stats->reset, csize);
  else _mi_stat_decrease(&stats->reset, csize);
  if (!reset) return true;
#if (MI_DEBUG > 1) && !MI_TRACK_ENABLED
  /* debug builds make reset memory read zero at once, as mimalloc's own
     layer does, so that a use of reset contents shows */
  if (MI_SECURE == 0) memset(start, 0, csize);
#endif
  int err = pal_mem_purge(start, csize, PAL_PURGE_LAZY);
  if (err != PAL_OK) mi_pal_warn("pal_mem_purge", err, start, csize);
  return err == PAL_OK;
}

/* Guard pages (secure mode): no access, or read-write again. */
static bool mi_os_protectx(void* addr, size_t size, bool protect) {
  size_t csize = 0;
  void* start = mi_os_page_align_area_conservative(addr, size, &csize);
  if (csize == 0) return false;
  int err = pal_mem_protect(start, csize, protect ? PAL_PROT_NONE : (PAL_PROT_READ | PAL_PROT_WRITE));
  if (err != PAL_OK) mi_pal_warn("pal_mem_protect", err, start, csize);
  return err == PAL_OK;
}

/* ---- huge OS pages -------------------------------------------------------
 * mimalloc reserves them in 1 GiB units at start (reserve_huge_os_pages).
 * libpal hands out explicit huge pages of one pool per call and takes no
 * address: the 1 GiB pool is tried first, then the smallest (2 MiB on
 * amd64), as mimalloc's own mmap falls back from MAP_HUGE_1GB to
 * MAP_HUGE_2MB (a pool is listed whether or not it holds free pages, so
 * only the allocation can tell).  Arenas must start at a multiple of
 * MI_SEGMENT_ALIGN: with smaller pages the request is larger by that
 * alignment less one page and the ends are freed again.  All pages come
 * in one call or none, so max_msecs has nothing to bound. */

#define MI_PAL_GIB_PAGE (MI_GiB)

static void* mi_pal_alloc_huge_aligned(size_t size, size_t page) {
  const size_t slop = (page < MI_SEGMENT_ALIGN ? MI_SEGMENT_ALIGN - page : 0);
  void* region = NULL;
  int err = pal_mem_alloc_huge(size + slop, page, &region);
  if (err != PAL_OK) {
    /* an empty or short pool is the common answer; mimalloc warns itself */
    _mi_verbose_message("huge OS pages: %zu MiB in %zu KiB pages: %s\n", size / MI_MiB, page / MI_KiB, pal_strerror(err));
    return NULL;
  }
  uint8_t* p = (uint8_t*)_mi_align_up((uintptr_t)region, MI_SEGMENT_ALIGN);
  const size_t head = (size_t)(p - (uint8_t*)region);
  if (head > 0) pal_mem_free(region, head);
  if (slop > head) pal_mem_free(p + size, slop - head);
  return p;
}

void* _mi_os_alloc_huge_os_pages(size_t pages, int numa_node, mi_msecs_t max_msecs, size_t* pages_reserved, size_t* psize) {
  MI_UNUSED(max_msecs);
  if (psize != NULL) *psize = 0;
  if (pages_reserved != NULL) *pages_reserved = 0;
  if (pages == 0 || pages >= SIZE_MAX / MI_PAL_GIB_PAGE) return NULL;
  const size_t size = pages * MI_PAL_GIB_PAGE;
  size_t sizes[8], pools[2], npools = 0;
  const size_t nsizes = pal_mem_huge_page_sizes(sizes, 8);
  for (size_t i = 0; i < nsizes && i < 8; i++) {
    if (sizes[i] == MI_PAL_GIB_PAGE) pools[npools++] = sizes[i];
  }
  if (nsizes > 0 && sizes[0] < MI_PAL_GIB_PAGE) pools[npools++] = sizes[0];
  void* p = NULL;
  for (size_t i = 0; i < npools && p == NULL; i++) {
    p = mi_pal_alloc_huge_aligned(size, pools[i]);
  }
  if (p == NULL) return NULL;
  if (numa_node >= 0) {
    int err = pal_mem_bind_node(p, size, (unsigned)numa_node);
    if (err != PAL_OK) mi_pal_warn("pal_mem_bind_node", err, p, size);
  }
  _mi_stat_increase(&_mi_stats_main.committed, size);
  _mi_stat_increase(&_mi_stats_main.reserved, size);
  if (pages_reserved != NULL) *pages_reserved = pages;
  if (psize != NULL) *psize = size;
  return p;
}

/* ---- NUMA ----------------------------------------------------------------- */

static size_t mi_os_numa_node_countx(void) {
  return pal_mem_numa_nodes();
}

static size_t mi_os_numa_nodex(void) {
  unsigned node = 0;
  return pal_mem_current_node(&node) == PAL_OK ? node : 0;
}
