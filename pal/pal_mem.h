/*
 * pal_mem.h - libpal: one small API for the OS's virtual memory.
 *
 * Memory states (after the Go runtime's mem.go).  docs/states.dot draws
 * them with every call between them; each function's comment below gives
 * its transition exactly.
 *
 *   None      not owned by the caller.
 *   Reserved  address space owned; any access faults; no memory charged.
 *   Prepared  may or may not be backed; must not be touched before used;
 *             cheap to make Ready.
 *   Ready     may be read and written.
 *
 * Prepared is what lets a heap give pages back and take them again
 * cheaply: unused hands the physical pages to the OS but keeps what map
 * set up, so used (on Linux usually no OS call at all) costs far less
 * than going back through Reserved and map.
 *
 * Rules for every function below, unless its comment says otherwise:
 *
 *   Ranges    v must be non-NULL; v and n non-zero multiples of
 *             pal_mem_page_size(); v + n must not wrap or end at the very
 *             top of the address space.
 *   Spans     a range may cover adjacent ranges that came from separate
 *             reserve, alloc or acquire calls, in any mix of the states
 *             the function accepts (Windows splits it per allocation
 *             itself); free keeps its Windows rule.
 *   Errors    an int function returns PAL_OK or one positive PAL_E* code.
 *             Bad arguments are PAL_EINVAL, checked before the OS is asked
 *             (so PAL_EINVAL wins over PAL_ENOSYS), and a call that fails
 *             has changed nothing the caller can observe.
 *   Threads   every function is thread-safe and async-signal-safe (no
 *             locks, no allocation).  The one exception is Plan 9, where
 *             reserve, reserve_at, reserve_aligned, alloc and free take a
 *             spin lock: thread-safe, not async-signal-safe (marked
 *             "Plan 9" below).  Transitions of one range by two threads at
 *             once are the caller's race, as with the system calls
 *             themselves.
 *   Set-up    the first call of any function initialises the library
 *             (pal_mem_init); optional features are probed on first use.
 */
#ifndef PAL_MEM_H
#define PAL_MEM_H

#include <stddef.h>
#include <stdint.h>

/* PAL_PREFIX (the CMake option of that name, or -DPAL_PREFIX=myrt_ on the
 * vendoring line) puts a prefix before every name that leaves the library:
 * pal_mem_alloc is linked as myrt_pal_mem_alloc, while the source that
 * includes this header keeps writing pal_mem_alloc.  Two copies built with
 * different prefixes then live in one program or one process, each with its
 * own state.  Every function declared below must be listed here: the nm
 * check of a prefixed build fails on a name left out. */
#ifdef PAL_PREFIX
#define PAL_PREFIXED(name) PAL_PREFIXED_(PAL_PREFIX, name)
#define PAL_PREFIXED_(prefix, name) PAL_PREFIXED_PASTE(prefix, name) /* PAL_PREFIX expanded first */
#define PAL_PREFIXED_PASTE(prefix, name) prefix##name
#define pal_strerror PAL_PREFIXED(pal_strerror)
#define pal_mem_init PAL_PREFIXED(pal_mem_init)
#define pal_mem_page_size PAL_PREFIXED(pal_mem_page_size)
#define pal_mem_huge_page_size PAL_PREFIXED(pal_mem_huge_page_size)
#define pal_mem_features PAL_PREFIXED(pal_mem_features)
#define pal_mem_policy PAL_PREFIXED(pal_mem_policy)
#define pal_mem_set_policy PAL_PREFIXED(pal_mem_set_policy)
#define pal_mem_parse_policy PAL_PREFIXED(pal_mem_parse_policy)
#define pal_mem_unused_zeroes PAL_PREFIXED(pal_mem_unused_zeroes)
#define pal_mem_get_stats PAL_PREFIXED(pal_mem_get_stats)
#define pal_mem_reserve PAL_PREFIXED(pal_mem_reserve)
#define pal_mem_reserve_at PAL_PREFIXED(pal_mem_reserve_at)
#define pal_mem_reserve_aligned PAL_PREFIXED(pal_mem_reserve_aligned)
#define pal_mem_map PAL_PREFIXED(pal_mem_map)
#define pal_mem_used PAL_PREFIXED(pal_mem_used)
#define pal_mem_unused PAL_PREFIXED(pal_mem_unused)
#define pal_mem_alloc PAL_PREFIXED(pal_mem_alloc)
#define pal_mem_free PAL_PREFIXED(pal_mem_free)
#define pal_mem_fault PAL_PREFIXED(pal_mem_fault)
#define pal_mem_protect PAL_PREFIXED(pal_mem_protect)
#define pal_mem_unused_ranges PAL_PREFIXED(pal_mem_unused_ranges)
#define pal_mem_purge PAL_PREFIXED(pal_mem_purge)
#define pal_mem_purge_ranges PAL_PREFIXED(pal_mem_purge_ranges)
#define pal_mem_populate PAL_PREFIXED(pal_mem_populate)
#define pal_mem_acquire PAL_PREFIXED(pal_mem_acquire)
#define pal_mem_used_zero PAL_PREFIXED(pal_mem_used_zero)
#define pal_mem_dump PAL_PREFIXED(pal_mem_dump)
#define pal_mem_info PAL_PREFIXED(pal_mem_info)
#define pal_mem_hugepage PAL_PREFIXED(pal_mem_hugepage)
#define pal_mem_nohugepage PAL_PREFIXED(pal_mem_nohugepage)
#define pal_mem_collapse PAL_PREFIXED(pal_mem_collapse)
#define pal_mem_guard PAL_PREFIXED(pal_mem_guard)
#define pal_mem_seal PAL_PREFIXED(pal_mem_seal)
#define pal_mem_name PAL_PREFIXED(pal_mem_name)
#define pal_mem_resident PAL_PREFIXED(pal_mem_resident)
#define pal_mem_huge_page_sizes PAL_PREFIXED(pal_mem_huge_page_sizes)
#define pal_mem_alloc_huge PAL_PREFIXED(pal_mem_alloc_huge)
#define pal_mem_numa_nodes PAL_PREFIXED(pal_mem_numa_nodes)
#define pal_mem_current_node PAL_PREFIXED(pal_mem_current_node)
#define pal_mem_bind_node PAL_PREFIXED(pal_mem_bind_node)
#define pal_mem_track_writes PAL_PREFIXED(pal_mem_track_writes)
#define pal_mem_written PAL_PREFIXED(pal_mem_written)
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define PAL_MEM_VERSION 1

/* errors */
#define PAL_OK     0
#define PAL_EINVAL 1 /* bad argument */
/* PAL_ENOMEM: the OS is out of what the call needs (address space, memory,
 * a huge page pool, commit charge, mappings: vm.max_map_count), the
 * scratch mapping of a first-use probe included; on Linux also: part of
 * the range is not mapped.  The functions below name the cases they meet. */
#define PAL_ENOMEM 2
#define PAL_EACCES 3 /* the OS denied the access mode */
#define PAL_EAGAIN 4 /* transient: locked-memory limit, best effort not possible now */
#define PAL_ENOSYS 5 /* not supported by this OS, kernel or backend */
#define PAL_EEXIST 6 /* exact placement asked for and part of the range is mapped */
#define PAL_EPERM  7 /* not permitted (sealed range, sandbox policy) */
#define PAL_EOS    8 /* any other OS error */

#define PAL_PROT_NONE  0u
#define PAL_PROT_READ  1u
#define PAL_PROT_WRITE 2u
#define PAL_PROT_EXEC  4u
#define PAL_PROT_MTE   8u  /* with READ|WRITE: tag-checked memory (arm64) */
#define PAL_PROT_BTI   16u /* with EXEC: only landing pads may be branched to (arm64) */

/* pal_mem_features(): what this OS/kernel supports, probed once */
#define PAL_FEAT_MADV_FREE       (1u << 0)  /* lazy release (MADV_FREE) */
#define PAL_FEAT_MADV_DONTNEED   (1u << 1)  /* immediate release */
#define PAL_FEAT_THP             (1u << 2)  /* transparent huge pages usable */
#define PAL_FEAT_THP_COLLAPSE    (1u << 3)  /* synchronous collapse (MADV_COLLAPSE) */
#define PAL_FEAT_VMA_NAME        (1u << 4)  /* naming anonymous mappings */
#define PAL_FEAT_FIXED_NOREPLACE (1u << 5)  /* exact placement without clobbering */
#define PAL_FEAT_GUARD           (1u << 6)  /* guard pages that cost no extra mapping */
#define PAL_FEAT_SEAL            (1u << 7)  /* sealing a mapping against change */
#define PAL_FEAT_RESIDENT        (1u << 8)  /* pal_mem_resident works */
#define PAL_FEAT_PROTECT         (1u << 9)  /* page protection exists (all but Plan 9) */
#define PAL_FEAT_BATCH           (1u << 10) /* pal_mem_unused_ranges releases many ranges per OS call */
#define PAL_FEAT_POPULATE        (1u << 11) /* pal_mem_populate without touching each page */
#define PAL_FEAT_HUGETLB         (1u << 12) /* explicit huge pages (pal_mem_alloc_huge) */
#define PAL_FEAT_NUMA            (1u << 13) /* more than one NUMA node and binding works */
#define PAL_FEAT_MTE             (1u << 14) /* PAL_PROT_MTE: hardware memory tagging (arm64) */
#define PAL_FEAT_BTI             (1u << 15) /* PAL_PROT_BTI: branch target enforcement (arm64) */
#define PAL_FEAT_TRACK           (1u << 16) /* pal_mem_track_writes works */

/* policy flags, the equivalents of GODEBUG madvdontneed, harddecommit, disablethp */
#define PAL_POLICY_DONTNEED      (1u << 0) /* unused releases at once; memory reads back zero */
#define PAL_POLICY_HARD_DECOMMIT (1u << 1) /* unused also removes access; used restores it */
#define PAL_POLICY_NO_THP        (1u << 2) /* map marks the range no-huge-page; used adds no huge-page marks */
#define PAL_POLICY_THP_GRANULAR  (1u << 3) /* huge-page flag kept at huge-page granularity */
#define PAL_POLICY_DEFAULT (PAL_POLICY_DONTNEED | PAL_POLICY_THP_GRANULAR)

struct pal_mem_stats {
    size_t os_calls;  /* system or OS API calls issued by the library */
    size_t fallbacks; /* times a fallback path was taken */
};

/* One range for pal_mem_unused_ranges (the layout of struct iovec). */
struct pal_mem_range {
    void *v;
    size_t n;
};

/* A fixed, non-NULL English string for every value, unknown ones too.
 * Never initialises anything; callable from anywhere. */
const char *pal_strerror(int err);

/* ---- set-up and facts ---------------------------------------------------
 * None of these changes memory.  Thread- and async-signal-safe. */

/* Learn the page size and the huge page size.  Optional (every function
 * initialises on first use) and idempotent; optional features are not
 * probed here.  PAL_EOS if the OS will not tell the page size. */
int pal_mem_init(void);
/* The page size (never assume 4 KiB: 16 and 64 KiB exist); 0 only if
 * pal_mem_init fails. */
size_t pal_mem_page_size(void);
/* The transparent huge page size, 0 where there is none (THP "never"). */
size_t pal_mem_huge_page_size(void);
/* PAL_FEAT_* bits; the first call probes each optional feature once, on
 * scratch mappings of its own. */
unsigned pal_mem_features(void);
/* The policy in force (PAL_POLICY_*); PAL_POLICY_DEFAULT at start. */
unsigned pal_mem_policy(void);
/* Set the policy, at any time, for the calls that start after it.  Memory
 * released under PAL_POLICY_HARD_DECOMMIT becomes accessible again with
 * used under any later policy.  PAL_EINVAL for unknown bits. */
int pal_mem_set_policy(unsigned flags);
/* Parse a GODEBUG-style string ("madvdontneed=0,harddecommit=1,
 * disablethp=1,thpgranular=0"; values 0 or 1; a later key overrides an
 * earlier one; "" changes nothing) on top of the current policy into
 * *flags; does not apply it.  PAL_EINVAL for anything else (s or flags
 * NULL included), *flags untouched. */
int pal_mem_parse_policy(const char *s, unsigned *flags);
/* 1 if memory that went through unused then used reads back zero under
 * the current policy, else 0. */
int pal_mem_unused_zeroes(void);
/* The counters since start (summed over every thread; out may be NULL). */
void pal_mem_get_stats(struct pal_mem_stats *out);

/* ---- transitions: thread- and async-signal-safe (Plan 9: see each) ------
 * "a range": v, n follow the Ranges rule above. */

/* None -> Reserved: n bytes of address space (n a non-zero multiple of
 * the page size) into *out (not NULL); hint is NULL or a range with n, and
 * only advice.  PAL_ENOMEM when the address space is exhausted (on 32-bit:
 * retry smaller).  Plan 9: not async-signal-safe. */
int pal_mem_reserve(void *hint, size_t n, void **out);
/* None -> Reserved at exactly addr (addr, n: a range).  PAL_EEXIST,
 * touching nothing, when any of [addr, addr+n) is mapped already;
 * PAL_ENOMEM when out of address space.  (Windows: addr must also be on
 * the 64 KiB allocation granularity where placeholders are missing, else
 * PAL_EINVAL.)  Plan 9: not async-signal-safe. */
int pal_mem_reserve_at(void *addr, size_t n);
/* None -> Reserved at a multiple of align (a power of two, at least the
 * page size) into *out (not NULL); n as for reserve.  No extra address
 * space stays reserved.  PAL_ENOMEM when no aligned range is free.
 * Plan 9: not async-signal-safe. */
int pal_mem_reserve_aligned(size_t n, size_t align, void **out);
/* Reserved -> Prepared (v, n: a range), also for memory that fault made
 * Reserved again.  PAL_ENOMEM when memory or commit charge runs out. */
int pal_mem_map(void *v, size_t n);
/* Prepared -> Ready; Ready stays Ready (v, n: a range).  The first time
 * memory becomes Ready after reserve or fault it reads zero; after
 * unused, zero where pal_mem_unused_zeroes() says so.  Restores read-write
 * access whatever policy the range was released under.  PAL_ENOMEM when
 * commit charge runs out (strict overcommit, Windows commit limit); under
 * strict overcommit a leading part may then be writable already: it is
 * still Prepared memory to the caller (zero, not to be touched). */
int pal_mem_used(void *v, size_t n);
/* Ready -> Prepared (v, n: a range): the physical pages go back to the
 * OS; contents are forfeit.  A range mixing Ready and Prepared memory is
 * fine.  Where madvise is refused (ENOSYS, or EPERM from a sandbox) a
 * fresh mapping releases the pages; PAL_EAGAIN where they are locked
 * (mlock, mlockall).  Linux: PAL_ENOMEM where part of the range is not
 * mapped. */
int pal_mem_unused(void *v, size_t n);
/* None -> Ready, zero-filled, n bytes (as for reserve) into *out (not
 * NULL).  PAL_ENOMEM when memory or address space runs out.  Plan 9: not
 * async-signal-safe. */
int pal_mem_alloc(size_t n, void **out);
/* any -> None (v, n: a range).  Windows: with placeholders (Windows 10
 * 1803 and later) any part that does not cut through what one map or
 * alloc made usable, without them a whole region that reserve or alloc
 * returned (PAL_EINVAL otherwise).  Sealed memory: PAL_EPERM.  Plan 9:
 * not async-signal-safe. */
int pal_mem_free(void *v, size_t n);
/* Ready or Prepared -> Reserved (v, n: a range): any access faults from
 * now on and the pages go back to the OS; map and used make it Ready
 * again, reading zero.  Linux: PAL_ENOMEM where part of the range is not
 * mapped.  PAL_ENOSYS on Plan 9 (no page protection). */
int pal_mem_fault(void *v, size_t n);
/* Set the access of Ready memory to prot (PAL_PROT_* bits; v, n: a
 * range); no state change.  PAL_PROT_MTE needs READ or WRITE, PAL_PROT_BTI
 * needs EXEC (else PAL_EINVAL); where the CPU or kernel lacks them,
 * PAL_ENOSYS, never a plain protection instead.  PAL_EACCES when the OS
 * refuses the mode (W^X policies).  WRITE may also allow reads (on Linux it
 * always does, as x86, arm64 and riscv64 do anyway).  Plan 9: PAL_ENOSYS for anything but
 * READ|WRITE. */
int pal_mem_protect(void *v, size_t n, unsigned prot);

/* Ready -> Prepared for count ranges, each exactly as pal_mem_unused, in
 * order; many ranges per OS call where the kernel allows (PAL_FEAT_BATCH).
 * Every range is checked first: a bad one (or r NULL with count > 0) is
 * PAL_EINVAL with nothing released; count 0 is PAL_OK.  *done (done may
 * be NULL) gets how many leading ranges were fully released: count on
 * PAL_OK; on an error, ranges from *done on are as they were, but the one
 * at *done may be partly released (a Ready/Prepared mix, which unused
 * accepts again). */
int pal_mem_unused_ranges(const struct pal_mem_range *r, size_t count, size_t *done);

/* Purge: the physical pages of [v, v+n) (a range of Ready or Prepared
 * memory) go back to the OS, the state stays: Ready stays Ready with its
 * access and commit charge, Prepared stays Prepared, so nothing that
 * worked before can fault or be refused after it.  how is exactly one of
 *   PAL_PURGE_ZERO  every byte reads zero afterwards;
 *   PAL_PURGE_LAZY  each page reads its old contents or zero until written
 * (else PAL_EINVAL).  The policy does not change it.  Where the OS has no
 * such release (Windows' ZERO, the BSDs', no madvise) the backend writes
 * zeros, or does nothing for LAZY, and counts a fallback; written zeros
 * need the memory writable (Windows: PAL_EACCES, touching nothing).
 * PAL_EAGAIN where the pages are locked; Linux: PAL_ENOMEM where part of
 * the range is not mapped. */
#define PAL_PURGE_ZERO 1u
#define PAL_PURGE_LAZY 2u
int pal_mem_purge(void *v, size_t n, unsigned how);
/* pal_mem_purge for count ranges, in order, with the checks, *done and
 * batching (PAL_FEAT_BATCH) of pal_mem_unused_ranges; how is checked
 * first too (PAL_EINVAL, *done 0, nothing purged). */
int pal_mem_purge_ranges(const struct pal_mem_range *r, size_t count,
                         unsigned how, size_t *done);

/* Ready, writable memory becomes resident now, contents unchanged; no
 * state change (v, n: a range).  PAL_FEAT_POPULATE: without touching each
 * page; else each page gets a write that keeps its value.  PAL_ENOMEM
 * when the memory cannot be had; memory not Ready and writable is
 * PAL_EACCES where the OS can tell, and faults like any access where it
 * cannot. */
int pal_mem_populate(void *v, size_t n);

/* None -> the state asked for in one call, in as few OS calls as the OS
 * allows (Linux: one mmap unless align is beyond the page size), into
 * *out (not NULL): the result of reserve, reserve_at or reserve_aligned
 * followed by map, used and protect.  spec (not NULL):
 *   n      a non-zero multiple of the page size;
 *   align  0, or a power of two >= the page size;
 *   hint   NULL or a page-aligned range with n: advice, unless
 *          PAL_SPEC_EXACT (then required, a multiple of align, and as for
 *          reserve_at on Windows without placeholders);
 *   state  PAL_STATE_RESERVED, PAL_STATE_PREPARED or PAL_STATE_READY
 *          (Ready memory reads zero);
 *   prot   PAL_STATE_READY only (else 0): PAL_PROT_* as for protect, 0
 *          meaning READ|WRITE;
 *   flags  PAL_SPEC_EXACT: at hint exactly, else PAL_EEXIST with nothing
 *          touched; PAL_SPEC_NORESERVE: no commit charge where the OS
 *          allows it (Linux in strict overcommit and Windows: none, and
 *          no error; pal_mem_info's noreserve says which);
 *          PAL_SPEC_NODUMP: left out of core dumps (PAL_ENOSYS where the
 *          OS cannot, as pal_mem_dump); PAL_SPEC_TRACK: writes to
 *          it can be tracked (pal_mem_track_writes; Windows needs it up
 *          front), PAL_ENOSYS where PAL_FEAT_TRACK is clear.
 * Anything else is PAL_EINVAL.  PAL_ENOMEM when address space, memory or
 * commit charge runs out.  Plan 9: not async-signal-safe. */
#define PAL_STATE_RESERVED 1u
#define PAL_STATE_PREPARED 2u
#define PAL_STATE_READY    3u
#define PAL_SPEC_EXACT     (1u << 0) /* at hint exactly: else PAL_EEXIST, nothing touched */
#define PAL_SPEC_NORESERVE (1u << 1) /* no commit charge where the OS allows it */
#define PAL_SPEC_NODUMP    (1u << 2) /* left out of core dumps */
#define PAL_SPEC_TRACK     (1u << 3) /* writes can be tracked (PAL_ENOSYS without PAL_FEAT_TRACK) */
struct pal_mem_spec {
    size_t n;       /* bytes: a non-zero multiple of the page size */
    size_t align;   /* 0, or a power of two >= the page size */
    void *hint;     /* NULL, or a page-aligned preferred address */
    unsigned state; /* PAL_STATE_RESERVED, PAL_STATE_PREPARED or PAL_STATE_READY */
    unsigned prot;  /* PAL_STATE_READY only: PAL_PROT_* (0 means READ|WRITE) */
    unsigned flags; /* PAL_SPEC_* */
};
int pal_mem_acquire(const struct pal_mem_spec *spec, void **out);

/* As pal_mem_used, and *zeroed (not NULL) is 1 when every byte of [v, v+n)
 * reads zero afterwards, provided all of it was Prepared before the call
 * (the caller knows that; the library does not track ranges), 0 when the
 * library cannot promise it: once any unused in the process ran without
 * PAL_POLICY_DONTNEED, it may have released lazily and old contents may
 * have stayed.  On an error *zeroed is untouched. */
int pal_mem_used_zero(void *v, size_t n, int *zeroed);

/* Include (include != 0) or leave out [v, v+n) (a range, any state but
 * None; no state change) of core dumps: Linux MADV_DODUMP/MADV_DONTDUMP,
 * FreeBSD MADV_CORE/MADV_NOCORE; PAL_ENOSYS elsewhere. */
int pal_mem_dump(void *v, size_t n, int include);

/* Write tracking, for collectors that mark incrementally.  on != 0: from
 * now on every write to a page of Ready [v, v+n) (a range) is recorded;
 * on == 0 stops it.  PAL_ENOSYS where the OS cannot (PAL_FEAT_TRACK clear:
 * the caller keeps its own barrier); PAL_EINVAL where the memory was not
 * acquired with PAL_SPEC_TRACK and the OS needs that (Windows), or is
 * memory the OS cannot track (Linux: hugetlb, some file mappings);
 * Linux: PAL_ENOMEM where part of the range is not mapped.  Windows
 * cannot stop: on == 0 checks the range and does nothing. */
int pal_mem_track_writes(void *v, size_t n, int on);
/* pages[i] (pages not NULL, one byte per page of the range [v, v+n),
 * tracked) becomes 1 if page i was written since tracking began or since
 * the last call with reset != 0, else 0.  With reset the report and the
 * re-arming are one step: a write is reported by this call or by the
 * next one, never lost.  A page may be reported written that was not
 * (the OS's granularity, a read that mapped it, released and used
 * again); a written page is never reported clean, except one released
 * (unused, purge, fault) since, whose contents are gone (Linux: the
 * kernel keeps no record for a page it took back).  PAL_EINVAL where the
 * range is not tracked (never, or stopped), as track_writes; where the
 * report fails half-way after re-arming part of the range (Linux), the
 * rest is reported written instead of failing.  On an error pages is
 * untouched. */
int pal_mem_written(void *v, size_t n, unsigned char *pages, int reset);

/* ---- what a runtime otherwise reads from /proc: thread- and
 * async-signal-safe ------------------------------------------------------ */

#define PAL_THP_NONE    0 /* no transparent huge pages */
#define PAL_THP_MADVISE 1 /* only where asked for */
#define PAL_THP_ALWAYS  2 /* everywhere not refused */
#define PAL_OVERCOMMIT_UNKNOWN   0
#define PAL_OVERCOMMIT_HEURISTIC 1 /* Linux mode 0 */
#define PAL_OVERCOMMIT_ALWAYS    2 /* Linux mode 1 */
#define PAL_OVERCOMMIT_STRICT    3 /* Linux mode 2; Windows; AIX with early allocation */
struct pal_mem_info {
    size_t page_size;      /* pal_mem_page_size() */
    size_t huge_page_size; /* pal_mem_huge_page_size() */
    size_t granularity;    /* smallest reservation alignment (Windows 64 KiB, else the page size) */
    unsigned features;     /* pal_mem_features() */
    unsigned policy;       /* pal_mem_policy() */
    unsigned numa_nodes;   /* pal_mem_numa_nodes() */
    int thp;               /* PAL_THP_* */
    int overcommit;        /* PAL_OVERCOMMIT_* */
    int noreserve;         /* 1 if PAL_SPEC_NORESERVE takes effect now */
};
/* Fill *out (not NULL).  The THP and overcommit modes are read now, each
 * call (an administrator may change them); what could not be read is
 * PAL_THP_NONE / PAL_OVERCOMMIT_UNKNOWN with noreserve 0.  PAL_EOS only
 * where the page size cannot be learnt. */
int pal_mem_info(struct pal_mem_info *out);

/* ---- hints: no state change; PAL_OK where the OS has no such thing;
 * thread- and async-signal-safe ------------------------------------------
 * v, n: a range of Ready or Prepared memory. */

/* Ask for huge pages on the whole huge pages inside [v, v+n). */
int pal_mem_hugepage(void *v, size_t n);
/* Ask for no huge pages on [v, v+n). */
int pal_mem_nohugepage(void *v, size_t n);
/* Back [v, v+n) with huge pages now.  Best effort: PAL_OK, PAL_EAGAIN
 * (not now) or PAL_ENOSYS. */
int pal_mem_collapse(void *v, size_t n);

/* ---- guard, seal, name, residency: thread- and async-signal-safe ------- */

/* Ready or Prepared -> Reserved for [v, v+n) (a range): any access faults,
 * without an extra mapping where the kernel can (PAL_FEAT_GUARD), else by
 * protection; a guard region refused (locked pages, a sandbox) falls back
 * to protection; map and used undo it.  PAL_ENOMEM where part of the range
 * is not mapped.  PAL_ENOSYS on Plan 9. */
int pal_mem_guard(void *v, size_t n);
/* Forbid any later change of the mapping of [v, v+n) (a range; no state
 * change): free, protect and other changes of the mapping then fail with
 * PAL_EPERM, for the life of the process.  PAL_ENOSYS where unsupported
 * (PAL_FEAT_SEAL clear). */
int pal_mem_seal(void *v, size_t n);
/* Name the mapping of [v, v+n) (a range; no state change) for
 * /proc/PID/maps and debuggers: 1 to 79 printable characters, none of
 * [ ] \ $ ` (else PAL_EINVAL); PAL_ENOSYS where unsupported
 * (PAL_FEAT_VMA_NAME clear), PAL_ENOMEM while its probe cannot run. */
int pal_mem_name(void *v, size_t n, const char *name);
/* How many bytes of [v, v+n) (a range, any state but None) are backed by
 * physical memory now, into *bytes (not NULL); PAL_ENOMEM where part of
 * the range is not mapped, PAL_ENOSYS where the OS cannot tell
 * (PAL_FEAT_RESIDENT clear), PAL_ENOMEM while its probe cannot run (no
 * scratch mapping to be had). */
int pal_mem_resident(const void *v, size_t n, size_t *bytes);

/* ---- explicit huge pages: thread- and async-signal-safe ----------------- */

/* Up to max explicit huge page sizes the OS offers, ascending, into sizes
 * (which may be NULL when max is 0); returns how many there are, even
 * beyond max, 0 where none (Linux:
 * the hugetlb pools, whether or not they hold pages now; Windows: the
 * large page minimum). */
size_t pal_mem_huge_page_sizes(size_t *sizes, size_t max);
/* None -> Ready, zero-filled, backed by huge pages of size page (0: the
 * smallest offered) into *out (not NULL); n a non-zero multiple of page,
 * page an offered size (else PAL_EINVAL).  PAL_ENOMEM when the pool cannot supply them (never a
 * fault later), PAL_EPERM when a privilege is missing (Windows:
 * SeLockMemoryPrivilege), PAL_ENOSYS where there are none.  Release with
 * pal_mem_free; no other transition is defined on it. */
int pal_mem_alloc_huge(size_t n, size_t page, void **out);

/* ---- NUMA: thread- and async-signal-safe -------------------------------- */

/* The number of nodes memory can be placed on (1 where the OS has no NUMA
 * or shows one node). */
unsigned pal_mem_numa_nodes(void);
/* The node of the CPU the caller runs on now (a hint: it may change at
 * once) into *node (not NULL).  PAL_ENOSYS where unknown (no such call,
 * or the OS refuses it). */
int pal_mem_current_node(unsigned *node);
/* Pages of [v, v+n) (a range; no state change) faulted in from now on
 * come from node where it has memory, from elsewhere when it has none (a
 * preference, never a failure at fault time).  PAL_EINVAL for node >=
 * pal_mem_numa_nodes(); PAL_OK with one node; PAL_ENOSYS where the OS
 * cannot bind a range it reports nodes for. */
int pal_mem_bind_node(void *v, size_t n, unsigned node);

#ifdef __cplusplus
}
#endif

#endif /* PAL_MEM_H */
