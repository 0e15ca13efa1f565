/* ----------------------------------------------------------------------------
Copyright (c) 2018-2021, Microsoft Research, Daan Leijen
This is free software; you can redistribute it and/or modify it under the
terms of the MIT license. A copy of the license can be found in the file
"LICENSE" at the root of this distribution.
-----------------------------------------------------------------------------*/

/* mimalloc 2.0.9's src/os.c on libpal: every mapping, commit, release and
   protection goes through pal_mem.h; this file makes no memory system call
   of its own (run.sh checks its object with nm).  The parts of the original
   that are not OS calls (the aligned hint area, good allocation sizes,
   aligned-at-offset allocation, statistics) are kept as they were.

   mimalloc's states on libpal's:

     mimalloc                      libpal
     reserved (not committed)      Prepared: reserve (or reserve_aligned) + map
     committed                     Ready: used
     decommit                      unused (Ready -> Prepared)
     reset (stays committed)       unused + used (see _mi_os_reset)
     protect / unprotect           protect NONE / READ|WRITE
     free                          free
     huge OS pages (1 GiB)         alloc_huge (see _mi_os_alloc_huge_os_pages)
     NUMA node count, current node numa_nodes, current_node

   The libpal policy (pal_mem_set_policy) comes from the environment
   variable PAL_POLICY, in pal_mem_parse_policy's syntax (for example
   PAL_POLICY=harddecommit=1), read once at mimalloc's OS initialisation. */

#include "mimalloc.h"
#include "mimalloc-internal.h"
#include "mimalloc-atomic.h"
#include "pal_mem.h"

#include <stdlib.h>  // getenv
#include <string.h>  // memset

bool _mi_os_decommit(void* addr, size_t size, mi_stats_t* stats);
bool _mi_os_commit(void* addr, size_t size, bool* is_zero, mi_stats_t* tld_stats);

static void* mi_align_up_ptr(void* p, size_t alignment) {
  return (void*)_mi_align_up((uintptr_t)p, alignment);
}

static void* mi_align_down_ptr(void* p, size_t alignment) {
  return (void*)_mi_align_down((uintptr_t)p, alignment);
}

// page size (initialized properly in `_mi_os_init`)
static size_t os_page_size = 4096;

// the transparent huge page size; 0 where there are none
static size_t large_os_page_size = 0;

size_t _mi_os_page_size(void) {
  return os_page_size;
}

static bool use_large_os_page(size_t size, size_t alignment) {
  if (large_os_page_size == 0 || !mi_option_is_enabled(mi_option_large_os_pages)) return false;
  return ((size % large_os_page_size) == 0 && (alignment % large_os_page_size) == 0);
}

// round to a good OS allocation size (bounded by max 12.5% waste)
size_t _mi_os_good_alloc_size(size_t size) {
  size_t align_size;
  if (size < 512*MI_KiB) align_size = _mi_os_page_size();
  else if (size < 2*MI_MiB) align_size = 64*MI_KiB;
  else if (size < 8*MI_MiB) align_size = 256*MI_KiB;
  else if (size < 32*MI_MiB) align_size = 1*MI_MiB;
  else align_size = 4*MI_MiB;
  if mi_unlikely(size >= (SIZE_MAX - align_size)) return size; // possible overflow?
  return _mi_align_up(size, align_size);
}

void _mi_os_init(void) {
  int err = pal_mem_init();
  if (err != PAL_OK) {
    _mi_warning_message("pal_mem_init: %s\n", pal_strerror(err));
    return;
  }
  os_page_size = pal_mem_page_size();
  large_os_page_size = pal_mem_huge_page_size();
  const char* policy = getenv("PAL_POLICY");
  if (policy != NULL) {
    unsigned flags = 0;
    err = pal_mem_parse_policy(policy, &flags);
    if (err == PAL_OK) err = pal_mem_set_policy(flags);
    if (err != PAL_OK) {
      _mi_warning_message("PAL_POLICY=%s: pal_mem_parse_policy: %s\n", policy, pal_strerror(err));
    }
  }
}

/* -----------------------------------------------------------
  aligned hinting
-------------------------------------------------------------- */

// On 64-bit systems, we can do efficient aligned allocation by using
// the 2TiB to 30TiB area to allocate those.
#if (MI_INTPTR_SIZE >= 8)
static mi_decl_cache_align _Atomic(uintptr_t)aligned_base;

// Return a MI_SEGMENT_SIZE aligned address that is probably available.
// If this returns NULL, the OS will determine the address but on some OS's that may not be
// properly aligned which can be more costly as it needs to be adjusted afterwards.
// For a size > 1GiB this always returns NULL in order to guarantee good ASLR randomization;
// (otherwise an initial large allocation of say 2TiB has a 50% chance to include (known) addresses
//  in the middle of the 2TiB - 6TiB address range (see issue #372))

#define MI_HINT_BASE ((uintptr_t)2 << 40)  // 2TiB start
#define MI_HINT_AREA ((uintptr_t)4 << 40)  // upto 6TiB   (since before win8 there is "only" 8TiB available to processes)
#define MI_HINT_MAX  ((uintptr_t)30 << 40) // wrap after 30TiB (area after 32TiB is used for huge OS pages)

static void* mi_os_get_aligned_hint(size_t try_alignment, size_t size)
{
  if (try_alignment <= 1 || try_alignment > MI_SEGMENT_SIZE) return NULL;
  size = _mi_align_up(size, MI_SEGMENT_SIZE);
  if (size > 1*MI_GiB) return NULL;  // guarantee the chance of fixed valid address is at most 1/(MI_HINT_AREA / 1<<30) = 1/4096.
  #if (MI_SECURE>0)
  size += MI_SEGMENT_SIZE;        // put in `MI_SEGMENT_SIZE` virtual gaps between hinted blocks; this splits VLA's but increases guarded areas.
  #endif

  uintptr_t hint = mi_atomic_add_acq_rel(&aligned_base, size);
  if (hint == 0 || hint > MI_HINT_MAX) {   // wrap or initialize
    uintptr_t init = MI_HINT_BASE;
    #if (MI_SECURE>0 || MI_DEBUG==0)       // security: randomize start of aligned allocations unless in debug mode
    uintptr_t r = _mi_heap_random_next(mi_get_default_heap());
    init = init + ((MI_SEGMENT_SIZE * ((r>>17) & 0xFFFFF)) % MI_HINT_AREA);  // (randomly 20 bits)*4MiB == 0 to 4TiB
    #endif
    uintptr_t expected = hint + size;
    mi_atomic_cas_strong_acq_rel(&aligned_base, &expected, init);
    hint = mi_atomic_add_acq_rel(&aligned_base, size); // this may still give 0 or > MI_HINT_MAX but that is ok, it is a hint after all
  }
  if (hint%try_alignment != 0) return NULL;
  return (void*)hint;
}
#else
static void* mi_os_get_aligned_hint(size_t try_alignment, size_t size) {
  MI_UNUSED(try_alignment); MI_UNUSED(size);
  return NULL;
}
#endif

/* -----------------------------------------------------------
  Free memory
-------------------------------------------------------------- */

// libpal's Linux backend frees any part of a mapping; mimalloc frees only
// whole regions it allocated (`_mi_os_free_aligned` finds the start again).
static bool mi_os_mem_free(void* addr, size_t size, bool was_committed, mi_stats_t* stats)
{
  if (addr == NULL || size == 0) return true;
  int err = pal_mem_free(addr, size);
  if (err != PAL_OK) {
    _mi_warning_message("pal_mem_free: %s, addr: %p, size: %zu\n", pal_strerror(err), addr, size);
  }
  if (was_committed) { _mi_stat_decrease(&stats->committed, size); }
  _mi_stat_decrease(&stats->reserved, size);
  return (err == PAL_OK);
}

/* -----------------------------------------------------------
   Primitive allocation from the OS.
-------------------------------------------------------------- */

// Reserve `size` bytes at a multiple of `alignment`.  mimalloc's hint area
// usually gives an aligned range in one call; where it does not (an address
// taken, 32-bit), pal_mem_reserve_aligned trims an over-reservation.
static void* mi_os_reserve_aligned(size_t size, size_t alignment) {
  void* p = NULL;
  void* hint = mi_os_get_aligned_hint(alignment, size);
  if (hint != NULL && pal_mem_reserve(hint, size, &p) == PAL_OK && ((uintptr_t)p % alignment) != 0) {
    pal_mem_free(p, size);
    p = NULL;
  }
  if (p == NULL) {
    int err = pal_mem_reserve_aligned(size, alignment, &p);
    if (err != PAL_OK) {
      _mi_warning_message("pal_mem_reserve_aligned: %s (%zu bytes, alignment: %zu)\n", pal_strerror(err), size, alignment);
      return NULL;
    }
  }
  return p;
}

// Aligned allocation from the OS: Prepared (reserved in mimalloc's sense)
// or, with `commit`, Ready.  Both read as zero, as mimalloc assumes of
// fresh OS memory.
static void* mi_os_mem_alloc_aligned(size_t size, size_t alignment, bool commit, bool allow_large, bool* is_large, mi_stats_t* stats) {
  mi_assert_internal(alignment >= _mi_os_page_size() && ((alignment & (alignment - 1)) == 0));
  mi_assert_internal(size > 0 && (size % _mi_os_page_size()) == 0);
  mi_assert_internal(is_large != NULL);
  *is_large = false;
  if (!(alignment >= _mi_os_page_size() && ((alignment & (alignment - 1)) == 0))) return NULL;
  size = _mi_align_up(size, _mi_os_page_size());

  void* p = mi_os_reserve_aligned(size, alignment);
  if (p == NULL) return NULL;
  int err = pal_mem_map(p, size);
  if (err == PAL_OK && commit) err = pal_mem_used(p, size);
  if (err != PAL_OK) {
    _mi_warning_message("pal_mem_%s: %s (%zu bytes)\n", commit ? "map/used" : "map", pal_strerror(err), size);
    pal_mem_free(p, size);
    return NULL;
  }
  // mimalloc's large OS pages on libpal: the transparent huge page hint,
  // as mimalloc's own mmap path does where MAP_HUGETLB is not available.
  if (commit && allow_large && use_large_os_page(size, alignment)) {
    *is_large = (pal_mem_hugepage(p, size) == PAL_OK);  // possibly
  }
  _mi_stat_counter_increase(&stats->mmap_calls, 1);
  _mi_stat_increase(&stats->reserved, size);
  if (commit) { _mi_stat_increase(&stats->committed, size); }
  return p;
}

/* -----------------------------------------------------------
  OS API: alloc, free, alloc_aligned
----------------------------------------------------------- */

void* _mi_os_alloc(size_t size, mi_stats_t* tld_stats) {
  MI_UNUSED(tld_stats);
  mi_stats_t* stats = &_mi_stats_main;
  if (size == 0) return NULL;
  size = _mi_os_good_alloc_size(size);
  void* p = NULL;
  int err = pal_mem_alloc(size, &p);
  if (err != PAL_OK) {
    _mi_warning_message("pal_mem_alloc: %s (%zu bytes)\n", pal_strerror(err), size);
    return NULL;
  }
  _mi_stat_counter_increase(&stats->mmap_calls, 1);
  _mi_stat_increase(&stats->reserved, size);
  _mi_stat_increase(&stats->committed, size);
  return p;
}

void  _mi_os_free_ex(void* p, size_t size, bool was_committed, mi_stats_t* tld_stats) {
  MI_UNUSED(tld_stats);
  mi_stats_t* stats = &_mi_stats_main;
  if (size == 0 || p == NULL) return;
  size = _mi_os_good_alloc_size(size);
  mi_os_mem_free(p, size, was_committed, stats);
}

void  _mi_os_free(void* p, size_t size, mi_stats_t* stats) {
  _mi_os_free_ex(p, size, true, stats);
}

void* _mi_os_alloc_aligned(size_t size, size_t alignment, bool commit, bool* large, mi_stats_t* tld_stats)
{
  MI_UNUSED(tld_stats);
  if (size == 0) return NULL;
  size = _mi_os_good_alloc_size(size);
  alignment = _mi_align_up(alignment, _mi_os_page_size());
  bool allow_large = false;
  if (large != NULL) {
    allow_large = *large;
    *large = false;
  }
  return mi_os_mem_alloc_aligned(size, alignment, commit, allow_large, (large!=NULL?large:&allow_large), &_mi_stats_main /*tld->stats*/ );
}

/* -----------------------------------------------------------
  OS aligned allocation with an offset. This is used
  for large alignments > MI_ALIGNMENT_MAX. We use a large mimalloc
  page where the object can be aligned at an offset from the start of the segment.
  As we may need to overallocate, we need to free such pointers using `mi_free_aligned`
  to use the actual start of the memory region.
----------------------------------------------------------- */

void* _mi_os_alloc_aligned_offset(size_t size, size_t alignment, size_t offset, bool commit, bool* large, mi_stats_t* tld_stats) {
  mi_assert(offset <= MI_SEGMENT_SIZE);
  mi_assert(offset <= size);
  mi_assert((alignment % _mi_os_page_size()) == 0);
  if (offset > MI_SEGMENT_SIZE) return NULL;
  if (offset == 0) {
    // regular aligned allocation
    return _mi_os_alloc_aligned(size, alignment, commit, large, tld_stats);
  }
  else {
    // overallocate to align at an offset
    const size_t extra = _mi_align_up(offset, alignment) - offset;
    const size_t oversize = size + extra;
    void* start = _mi_os_alloc_aligned(oversize, alignment, commit, large, tld_stats);
    if (start == NULL) return NULL;
    void* p = (uint8_t*)start + extra;
    mi_assert(_mi_is_aligned((uint8_t*)p + offset, alignment));
    // decommit the overallocation at the start
    if (commit && extra > _mi_os_page_size()) {
      _mi_os_decommit(start, extra, tld_stats);
    }
    return p;
  }
}

void _mi_os_free_aligned(void* p, size_t size, size_t alignment, size_t align_offset, bool was_committed, mi_stats_t* tld_stats) {
  mi_assert(align_offset <= MI_SEGMENT_SIZE);
  const size_t extra = _mi_align_up(align_offset, alignment) - align_offset;
  void* start = (uint8_t*)p - extra;
  _mi_os_free_ex(start, size + extra, was_committed, tld_stats);
}

/* -----------------------------------------------------------
  OS memory API: reset, commit, decommit, protect, unprotect.
----------------------------------------------------------- */

// OS page align within a given area, either conservative (pages inside the area only),
// or not (straddling pages outside the area is possible)
static void* mi_os_page_align_areax(bool conservative, void* addr, size_t size, size_t* newsize) {
  mi_assert(addr != NULL && size > 0);
  if (newsize != NULL) *newsize = 0;
  if (size == 0 || addr == NULL) return NULL;

  // page align conservatively within the range
  void* start = (conservative ? mi_align_up_ptr(addr, _mi_os_page_size())
    : mi_align_down_ptr(addr, _mi_os_page_size()));
  void* end = (conservative ? mi_align_down_ptr((uint8_t*)addr + size, _mi_os_page_size())
    : mi_align_up_ptr((uint8_t*)addr + size, _mi_os_page_size()));
  ptrdiff_t diff = (uint8_t*)end - (uint8_t*)start;
  if (diff <= 0) return NULL;

  mi_assert_internal((conservative && (size_t)diff <= size) || (!conservative && (size_t)diff >= size));
  if (newsize != NULL) *newsize = (size_t)diff;
  return start;
}

static void* mi_os_page_align_area_conservative(void* addr, size_t size, size_t* newsize) {
  return mi_os_page_align_areax(true, addr, size, newsize);
}

// Commit (aligned liberally): Prepared -> Ready.  `*is_zero` stays false,
// as in mimalloc's own mmap layer: `used` of pages that are Ready already
// keeps their contents, and mimalloc commits ranges of which only part may
// have been decommitted (arena.c), so "zero" cannot be promised here.
bool _mi_os_commit(void* addr, size_t size, bool* is_zero, mi_stats_t* tld_stats) {
  MI_UNUSED(tld_stats);
  mi_stats_t* stats = &_mi_stats_main;
  if (is_zero != NULL) { *is_zero = false; }
  size_t csize;
  void* start = mi_os_page_align_areax(false /* liberal */, addr, size, &csize);
  if (csize == 0) return true;
  _mi_stat_increase(&stats->committed, size);  // use size for precise commit vs. decommit
  _mi_stat_counter_increase(&stats->commit_calls, 1);
  int err = pal_mem_used(start, csize);
  if (err != PAL_OK) {
    _mi_warning_message("pal_mem_used: %s, start: %p, csize: 0x%zx\n", pal_strerror(err), start, csize);
  }
  mi_assert_internal(err == PAL_OK);
  return (err == PAL_OK);
}

// Decommit (aligned conservatively): Ready -> Prepared, the pages go back.
// Under PAL_POLICY harddecommit=1 they also become inaccessible, as
// mimalloc's own debug builds make them (with mprotect, without release).
bool _mi_os_decommit(void* addr, size_t size, mi_stats_t* tld_stats) {
  MI_UNUSED(tld_stats);
  mi_stats_t* stats = &_mi_stats_main;
  size_t csize;
  void* start = mi_os_page_align_area_conservative(addr, size, &csize);
  if (csize == 0) return true;
  _mi_stat_decrease(&stats->committed, size);
  int err = pal_mem_unused(start, csize);
  if (err != PAL_OK) {
    _mi_warning_message("pal_mem_unused: %s, start: %p, csize: 0x%zx\n", pal_strerror(err), start, csize);
  }
  mi_assert_internal(err == PAL_OK);
  return (err == PAL_OK);
}

// Reset: the pages go back to the OS but the range stays committed, and
// mimalloc uses it again without committing it first (segment.c's
// page_reset).  libpal has no release that keeps memory Ready (mimalloc's
// own uses MADV_FREE for this), so the range goes through Prepared and is
// made Ready again at once.
bool _mi_os_reset(void* addr, size_t size, mi_stats_t* tld_stats) {
  MI_UNUSED(tld_stats);
  mi_stats_t* stats = &_mi_stats_main;
  size_t csize;
  void* start = mi_os_page_align_area_conservative(addr, size, &csize);
  if (csize == 0) return true;
  _mi_stat_increase(&stats->reset, csize);

  #if (MI_DEBUG>1) && !MI_TRACK_ENABLED
  if (MI_SECURE==0) {
    memset(start, 0, csize); // pretend it is eagerly reset
  }
  #endif

  int err = pal_mem_unused(start, csize);
  if (err == PAL_OK) err = pal_mem_used(start, csize);
  if (err != PAL_OK) {
    _mi_warning_message("pal_mem_unused/used (reset): %s, start: %p, csize: 0x%zx\n", pal_strerror(err), start, csize);
  }
  return (err == PAL_OK);
}

// Protect a region in memory to be not accessible (guard pages of secure mode).
static bool mi_os_protectx(void* addr, size_t size, bool protect) {
  // page align conservatively within the range
  size_t csize = 0;
  void* start = mi_os_page_align_area_conservative(addr, size, &csize);
  if (csize == 0) return false;
  int err = pal_mem_protect(start, csize, protect ? PAL_PROT_NONE : (PAL_PROT_READ | PAL_PROT_WRITE));
  if (err != PAL_OK) {
    _mi_warning_message("pal_mem_protect: %s, start: %p, csize: 0x%zx\n", pal_strerror(err), start, csize);
  }
  return (err == PAL_OK);
}

bool _mi_os_protect(void* addr, size_t size) {
  return mi_os_protectx(addr, size, true);
}

bool _mi_os_unprotect(void* addr, size_t size) {
  return mi_os_protectx(addr, size, false);
}

/* ----------------------------------------------------------------------------
Huge OS pages (1 GiB, reserved up front: mi_reserve_huge_os_pages_at and the
reserve_huge_os_pages option): explicit huge pages from pal_mem_alloc_huge,
1 GiB ones where the OS offers them, else its smallest (2 MiB on amd64), as
mimalloc's own mmap falls back from MAP_HUGE_1GB to MAP_HUGE_2MB.

pal_mem_alloc_huge takes no address and aligns only to its page size, while
mimalloc's arenas must start at a multiple of MI_SEGMENT_ALIGN (32 MiB): with
smaller pages it is asked for that much more minus a page, and what lies
outside the aligned part is freed again (where the OS cannot free part of a
mapping, it stays).  So all pages come in one call or none (mimalloc then
reports ENOMEM), and `max_msecs` has nothing to bound: the kernel reserves
the pages at once.
-----------------------------------------------------------------------------*/
#define MI_HUGE_OS_PAGE_SIZE  (MI_GiB)

static size_t mi_os_huge_page_pool(void) {
  size_t sizes[8];
  size_t count = pal_mem_huge_page_sizes(sizes, 8);
  for (size_t i = 0; i < count && i < 8; i++) {
    if (sizes[i] == MI_HUGE_OS_PAGE_SIZE) return sizes[i];
  }
  return (count > 0 && sizes[0] <= MI_HUGE_OS_PAGE_SIZE ? sizes[0] : 0);
}

void* _mi_os_alloc_huge_os_pages(size_t pages, int numa_node, mi_msecs_t max_msecs, size_t* pages_reserved, size_t* psize) {
  MI_UNUSED(max_msecs);
  if (psize != NULL) *psize = 0;
  if (pages_reserved != NULL) *pages_reserved = 0;
  const size_t page = mi_os_huge_page_pool();
  if (page == 0 || pages == 0 || pages >= SIZE_MAX / MI_HUGE_OS_PAGE_SIZE) return NULL;
  const size_t size = pages * MI_HUGE_OS_PAGE_SIZE;
  const size_t slop = (page < MI_SEGMENT_ALIGN ? MI_SEGMENT_ALIGN - page : 0);
  void* region = NULL;
  int err = pal_mem_alloc_huge(size + slop, page, &region);
  if (err != PAL_OK) {
    // an empty or short pool is the usual answer: mimalloc warns itself
    _mi_verbose_message("huge OS pages: %zu GiB in %zu KiB pages: %s\n", pages, page / MI_KiB, pal_strerror(err));
    return NULL;
  }
  uint8_t* p = (uint8_t*)mi_align_up_ptr(region, MI_SEGMENT_ALIGN);
  const size_t head = (size_t)(p - (uint8_t*)region);
  if (head > 0) pal_mem_free(region, head);
  if (slop > head) pal_mem_free(p + size, slop - head);
  if (numa_node >= 0) {
    err = pal_mem_bind_node(p, size, (unsigned)numa_node);
    if (err != PAL_OK) {
      _mi_warning_message("pal_mem_bind_node: %s (huge OS pages to node %d)\n", pal_strerror(err), numa_node);
    }
  }
  _mi_stat_increase(&_mi_stats_main.committed, size);
  _mi_stat_increase(&_mi_stats_main.reserved, size);
  if (pages_reserved != NULL) { *pages_reserved = pages; }
  if (psize != NULL) { *psize = size; }
  return p;
}

// the whole region _mi_os_alloc_huge_os_pages returned
void _mi_os_free_huge_pages(void* p, size_t size, mi_stats_t* stats) {
  if (p == NULL || size == 0) return;
  mi_os_mem_free(p, size, true, stats);
}

/* ----------------------------------------------------------------------------
Support NUMA aware allocation
-----------------------------------------------------------------------------*/
_Atomic(size_t)  _mi_numa_node_count; // = 0   // cache the node count

size_t _mi_os_numa_node_count_get(void) {
  size_t count = mi_atomic_load_acquire(&_mi_numa_node_count);
  if (count <= 0) {
    long ncount = mi_option_get(mi_option_use_numa_nodes); // given explicitly?
    if (ncount > 0) {
      count = (size_t)ncount;
    }
    else {
      count = pal_mem_numa_nodes(); // or detect dynamically
    }
    mi_atomic_store_release(&_mi_numa_node_count, count); // save it
    _mi_verbose_message("using %zd numa regions\n", count);
  }
  return count;
}

int _mi_os_numa_node_get(mi_os_tld_t* tld) {
  MI_UNUSED(tld);
  size_t numa_count = _mi_os_numa_node_count();
  if (numa_count<=1) return 0; // optimize on single numa node systems: always node 0
  // never more than the node count and >= 0
  unsigned node = 0;
  if (pal_mem_current_node(&node) != PAL_OK) return 0;
  size_t numa_node = node;
  if (numa_node >= numa_count) { numa_node = numa_node % numa_count; }
  return (int)numa_node;
}
