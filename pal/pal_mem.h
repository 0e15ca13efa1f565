/*
 * pal_mem.h - libpal: one small API for the OS's virtual memory.
 *
 * Memory states (after the Go runtime's mem.go):
 *
 *     None --reserve--> Reserved --map--> Prepared --used--> Ready
 *                          ^                 ^   <--unused--   |
 *                          |                 +-------map-------+ (after fault)
 *                          +--------------fault----------------+
 *     any state --free--> None          None --alloc--> Ready
 *
 * Every int function returns PAL_OK or one positive PAL_E* code; a call that
 * fails has changed nothing the caller can observe.  Unless a function says
 * otherwise, v must be non-NULL, v and n non-zero multiples of
 * pal_mem_page_size(), and v + n must not wrap; otherwise PAL_EINVAL.
 * Every function is thread-safe and async-signal-safe.
 */
#ifndef PAL_MEM_H
#define PAL_MEM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PAL_MEM_VERSION 1

/* errors */
#define PAL_OK     0
#define PAL_EINVAL 1 /* bad argument */
#define PAL_ENOMEM 2 /* out of address space, commit charge or mappings; on Linux also "part of the range is not mapped" */
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

/* pal_mem_features(): what this OS/kernel supports, probed once */
#define PAL_FEAT_MADV_FREE       (1u << 0) /* lazy release (MADV_FREE) */
#define PAL_FEAT_MADV_DONTNEED   (1u << 1) /* immediate release */
#define PAL_FEAT_THP             (1u << 2) /* transparent huge pages usable */
#define PAL_FEAT_THP_COLLAPSE    (1u << 3) /* synchronous collapse (MADV_COLLAPSE) */
#define PAL_FEAT_VMA_NAME        (1u << 4) /* naming anonymous mappings */
#define PAL_FEAT_FIXED_NOREPLACE (1u << 5) /* exact placement without clobbering */
#define PAL_FEAT_GUARD           (1u << 6) /* guard pages that cost no extra mapping */
#define PAL_FEAT_SEAL            (1u << 7) /* sealing a mapping against change */
#define PAL_FEAT_RESIDENT        (1u << 8) /* pal_mem_resident works */
/* Beyond the contract's fixed set: Reserved and freed memory fault, and
 * fault, protect and guard remove access.  Every OS but Plan 9, which has
 * no page protection. */
#define PAL_FEAT_PROTECT         (1u << 9)

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

const char *pal_strerror(int err);

/* Set-up and facts. */
int pal_mem_init(void);
size_t pal_mem_page_size(void);
size_t pal_mem_huge_page_size(void);
unsigned pal_mem_features(void);
unsigned pal_mem_policy(void);
int pal_mem_set_policy(unsigned flags);
int pal_mem_parse_policy(const char *s, unsigned *flags);
int pal_mem_unused_zeroes(void);
void pal_mem_get_stats(struct pal_mem_stats *out);

/* Transitions. */
int pal_mem_reserve(void *hint, size_t n, void **out);
int pal_mem_reserve_at(void *addr, size_t n);
int pal_mem_reserve_aligned(size_t n, size_t align, void **out);
int pal_mem_map(void *v, size_t n);
int pal_mem_used(void *v, size_t n);
int pal_mem_unused(void *v, size_t n);
int pal_mem_alloc(size_t n, void **out);
int pal_mem_free(void *v, size_t n);
int pal_mem_fault(void *v, size_t n);
int pal_mem_protect(void *v, size_t n, unsigned prot);

/* Hints: no state change; PAL_OK where the OS has no such thing. */
int pal_mem_hugepage(void *v, size_t n);
int pal_mem_nohugepage(void *v, size_t n);
int pal_mem_collapse(void *v, size_t n);

/* Beyond the Go runtime. */
int pal_mem_guard(void *v, size_t n);
int pal_mem_seal(void *v, size_t n);
int pal_mem_name(void *v, size_t n, const char *name);
int pal_mem_resident(const void *v, size_t n, size_t *bytes);

#ifdef __cplusplus
}
#endif

#endif /* PAL_MEM_H */
