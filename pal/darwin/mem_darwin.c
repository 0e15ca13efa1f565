/*
 * mem_darwin.c - the macOS (and iOS) backend, after the Go runtime's
 * mem_darwin.go: mmap, munmap, mprotect, madvise and mincore from
 * libSystem, and mach_vm_map where the BSD calls cannot say what is meant.
 *
 *   - Pages go back with madvise(MADV_FREE_REUSABLE) and come back with
 *     MADV_FREE_REUSE, as Apple's malloc does: plain MADV_FREE frees them
 *     just as lazily but the task's footprint (what Activity Monitor and
 *     the memory-pressure machinery count) keeps them.  REUSE on pages that
 *     were never made reusable does nothing.
 *   - XNU's MADV_DONTNEED keeps the contents, so releasing memory so that
 *     it reads back zero (PAL_POLICY_DONTNEED) is a fresh mapping over the
 *     range, mmap(MAP_FIXED).
 *   - There is no MAP_FIXED_NOREPLACE and no aligned mmap, but
 *     mach_vm_map does both: VM_FLAGS_FIXED without VM_FLAGS_OVERWRITE
 *     fails with KERN_NO_SPACE on a taken range, and a mask asks for
 *     alignment.  Neither leaves anything to undo or trim.
 *   - The page size is asked, never assumed: 16 KiB on arm64 Macs and
 *     iOS, 4 KiB on x86-64 (and under Rosetta).
 *
 * State is a few words changed with atomics; no locks.  errno is read only
 * right after the call that failed.
 */
#include <sys/mman.h>
#include <errno.h>

#include <TargetConditionals.h>
#include <mach/mach.h>
#if TARGET_OS_OSX && __has_include(<mach/mach_vm.h>)
#include <mach/mach_vm.h>
#else
/* The SDK's MIG-generated header is macOS's only: the iOS SDK has one that
 * is `#error unsupported` (which __has_include still finds), and some
 * toolchains have none.  libSystem exports the functions on every macOS
 * and iOS. */
kern_return_t mach_vm_map(vm_map_t target_task, mach_vm_address_t *address,
                          mach_vm_size_t size, mach_vm_offset_t mask, int flags,
                          mem_entry_name_port_t object, memory_object_offset_t offset,
                          boolean_t copy, vm_prot_t cur_protection,
                          vm_prot_t max_protection, vm_inherit_t inheritance);
kern_return_t mach_vm_allocate(vm_map_t target, mach_vm_address_t *address,
                               mach_vm_size_t size, int flags);
#endif

#include "pal_os.h"
#include "posix/mem_posix.h"

/* What unused advises when pages may stay until the kernel wants them:
 * MADV_FREE_REUSABLE, else MADV_FREE, else a fresh mapping.  Downgraded
 * for good only on an answer that is about the advice, never about the
 * range (release_lazily). */
#define ADVISE_REMAP (-1)
static int advise_unused = MADV_FREE_REUSABLE;

/* Set once any range may have been made reusable: until then used has no
 * REUSE to pair it with and skips the call. */
static int made_reusable;

/* PAL_FEAT_* bits, each probed on first use. */
static struct pal_os_feature_cache feats;

/* ---- errors and counted calls ----------------------------------------- */

/* madvise, retried while the kernel says EAGAIN: REUSABLE and REUSE can
 * meet pages that are busy for a moment. */
static int do_madvise(void *v, size_t n, int advice)
{
    int r;

    do {
        r = pal_posix_madvise(v, n, advice);
    } while (r != 0 && errno == EAGAIN);
    return r;
}

/* An anonymous zero-filled mapping through mach_vm_map: at *addr exactly
 * (mask 0, anywhere 0) or anywhere at a multiple of mask + 1.  No access
 * now; mprotect may give any later. */
static kern_return_t mach_reserve(mach_vm_address_t *addr, size_t n,
                                    mach_vm_offset_t mask, int anywhere)
{
    pal_os_count_call();
    return mach_vm_map(mach_task_self(), addr, n, mask,
                       anywhere ? VM_FLAGS_ANYWHERE : VM_FLAGS_FIXED,
                       MEMORY_OBJECT_NULL, 0, FALSE, VM_PROT_NONE, VM_PROT_ALL,
                       VM_INHERIT_DEFAULT);
}

static int kern_error(kern_return_t kr)
{
    switch (kr) {
    case KERN_NO_SPACE:
    case KERN_INVALID_ADDRESS: /* outside the task's address space */
    case KERN_RESOURCE_SHORTAGE: return PAL_ENOMEM;
    case KERN_INVALID_ARGUMENT: return PAL_EINVAL;
    case KERN_PROTECTION_FAILURE: return PAL_EACCES;
    default: return PAL_EOS;
    }
}

/* ---- set-up ----------------------------------------------------------- */

int pal_os_init(size_t *ps, size_t *hps)
{
    /* Superpages exist only when asked for at allocation (x86-64
     * VM_FLAGS_SUPERPAGE_SIZE_2MB): nothing is transparent. */
    *hps = 0;
    return pal_posix_init_page_size(ps);
}

/* ---- features --------------------------------------------------------- */

static unsigned probe(unsigned want)
{
    /* mach_vm_map places exactly without replacing; a fresh mapping
     * releases at once. */
    unsigned have = PAL_FEAT_FIXED_NOREPLACE | PAL_FEAT_MADV_DONTNEED;
    void *s;

    want = pal_os_unprobed(&feats, want);
    if (want == 0)
        return pal_os_have(&feats);
    if (want & (PAL_FEAT_RESIDENT | PAL_FEAT_MADV_FREE)) {
        s = pal_posix_scratch();
        if (s == NULL) /* probe again next time */
            return pal_os_have(&feats);
        have |= pal_posix_probe_resident(s, want);
        if ((want & PAL_FEAT_MADV_FREE) &&
            (do_madvise(s, os_page_size(), MADV_FREE_REUSABLE) == 0 ||
             do_madvise(s, os_page_size(), MADV_FREE) == 0))
            have |= PAL_FEAT_MADV_FREE;
        pal_posix_scratch_free(s);
    }
    return pal_os_probed(&feats, want, have);
}

unsigned pal_os_features(void)
{
    return probe(~0u) | PAL_FEAT_PROTECT;
}

/* ---- release ---------------------------------------------------------- */

/* A fresh anonymous mapping over [v, v+n): the pages go back at once and
 * the range reads zero.  mmap(MAP_FIXED) replaces in one step. */
static int remap(void *v, size_t n, int prot)
{
    if (pal_posix_mmap(v, n, prot, MAP_ANON_PRIVATE | MAP_FIXED) == MAP_FAILED)
        return pal_posix_error(errno);
    return PAL_OK;
}

static void downgrade(int advice)
{
    __atomic_store_n(&advise_unused, advice, __ATOMIC_RELAXED);
    pal_os_count_fallback();
}

/* Lazy release, with the best advice this kernel takes.
 *
 * XNU's madvise answers EINVAL for advice it does not know, and EINVAL
 * too for nearly anything mach_vm_behavior_set refuses on the range (all
 * but KERN_NO_SPACE): REUSABLE on pages that are not writable (a range
 * the caller made read-only), a range that was only partly made reusable.
 * So EINVAL says nothing about the kernel, and downgrading on it would let
 * one read-only range give up REUSABLE (and its footprint accounting) for
 * the rest of the process.  Every XNU the SDK can target knows both
 * advices, so EINVAL is taken to be about the range: this call alone
 * falls back.  ENOTSUP and ENOSYS, which XNU's madvise does not give for
 * these but an emulation of it might, can only be about the advice: they
 * downgrade. */
static int release_lazily(void *v, size_t n)
{
    int advice = __atomic_load_n(&advise_unused, __ATOMIC_RELAXED);

    if (advice == MADV_FREE_REUSABLE) {
        /* Before the call: a REUSABLE that fails part way (EINVAL) has
         * made the pages before the failure reusable all the same, and
         * used must REUSE them. */
        if (!pal_os_flag(&made_reusable))
            pal_os_flag_set(&made_reusable);
        if (do_madvise(v, n, MADV_FREE_REUSABLE) == 0)
            return PAL_OK;
        if (errno == ENOTSUP || errno == ENOSYS)
            downgrade(advice = MADV_FREE);
        else if (errno != EINVAL)
            return pal_posix_error(errno);
        else
            pal_os_count_fallback();
    }
    if (advice != ADVISE_REMAP) {
        if (do_madvise(v, n, MADV_FREE) == 0)
            return PAL_OK;
        if (errno == ENOTSUP || errno == ENOSYS)
            downgrade(ADVISE_REMAP);
        else if (errno != EINVAL)
            return pal_posix_error(errno);
        else
            pal_os_count_fallback();
    } else {
        pal_os_count_fallback();
    }
    return remap(v, n, PROT_RW);
}

int pal_os_unused_zeroes(unsigned policy)
{
    if (policy & (PAL_POLICY_DONTNEED | PAL_POLICY_HARD_DECOMMIT))
        return 1;
    return __atomic_load_n(&advise_unused, __ATOMIC_RELAXED) == ADVISE_REMAP;
}

/* ---- transitions ------------------------------------------------------ */

int pal_os_reserve(void *hint, size_t n, void **out)
{
    return pal_posix_reserve(hint, n, MAP_ANON_PRIVATE, out);
}

int pal_os_reserve_at(void *addr, size_t n)
{
    mach_vm_address_t a = (mach_vm_address_t)(uintptr_t)addr;
    kern_return_t kr = mach_reserve(&a, n, 0, 0);

    if (kr == KERN_SUCCESS)
        return PAL_OK;
    return kr == KERN_NO_SPACE ? PAL_EEXIST : kern_error(kr);
}

int pal_os_reserve_aligned(size_t n, size_t align, void **out)
{
    mach_vm_address_t a = 0; /* with VM_FLAGS_ANYWHERE: the lowest to try */
    kern_return_t kr;

    if (align == os_page_size())
        return pal_os_reserve(NULL, n, out);
    kr = mach_reserve(&a, n, (mach_vm_offset_t)align - 1, 1);
    if (kr != KERN_SUCCESS)
        return kern_error(kr);
    *out = (void *)(uintptr_t)a;
    return PAL_OK;
}

/* A read-write mapping over the reservation, as Go's sysMapOS. */
int pal_os_map(void *v, size_t n, unsigned policy)
{
    (void)policy;
    return remap(v, n, PROT_RW);
}

int pal_os_used(void *v, size_t n, unsigned policy)
{
    int err = pal_posix_used_access(v, n, policy);

    if (err != PAL_OK)
        return err;
    /* Footprint accounting only: the pages are usable either way, and on
     * a range that was never made reusable the kernel does nothing. */
    if (pal_os_flag(&made_reusable))
        (void)do_madvise(v, n, MADV_FREE_REUSE);
    return PAL_OK;
}

int pal_os_unused(void *v, size_t n, unsigned policy)
{
    /* Hard decommit: one PROT_NONE mapping releases the pages and takes
     * the access away (REUSABLE would refuse PROT_NONE pages anyway). */
    if (policy & PAL_POLICY_HARD_DECOMMIT)
        return remap(v, n, PROT_NONE);
    if (policy & PAL_POLICY_DONTNEED)
        return remap(v, n, PROT_RW);
    return release_lazily(v, n);
}

int pal_os_alloc(size_t n, unsigned policy, void **out)
{
    (void)policy;
    return pal_posix_alloc(n, out);
}

int pal_os_free(void *v, size_t n)
{
    return pal_posix_free(v, n);
}

/* One PROT_NONE mapping: no access, no pages (Go's sysFaultOS). */
int pal_os_fault(void *v, size_t n)
{
    return remap(v, n, PROT_NONE);
}

int pal_os_protect(void *v, size_t n, unsigned prot)
{
    return pal_posix_protect(v, n, prot, pal_posix_error);
}

/* ---- hints: no transparent huge pages --------------------------------- */

/* XNU's superpages exist only when asked for at allocation (below). */
PAL_OS_NO_THP_ADVICE()

/* ---- guard regions, sealing, names, residency -------------------------- */

int pal_os_guard(void *v, size_t n)
{
    return pal_posix_mprotect(v, n, PROT_NONE) == 0 ? PAL_OK : pal_posix_error(errno);
}

/* Lowering the maximum protection (mach_vm_protect with set_maximum) stops
 * later mprotect upgrades but not munmap or a new mapping: not a seal. */
PAL_OS_NO_SEAL()

/* Anonymous memory carries an 8-bit tag (VM_MAKE_TAG), not a name. */
PAL_OS_NO_NAMES()

int pal_os_resident(const void *v, size_t n, size_t *bytes)
{
    if ((probe(PAL_FEAT_RESIDENT) & PAL_FEAT_RESIDENT) == 0)
        return PAL_ENOSYS;
    return pal_posix_resident(v, n, bytes);
}

/* ---- batched release, purge, prefault, huge pages, NUMA ---------------- */

/* Purge keeps the mapping (a fresh one would take the access of
 * Prepared or read-only memory): only madvise.  LAZY is plain MADV_FREE,
 * not REUSABLE: the caller writes the memory again without a used, so
 * there would be no REUSE to put the pages back into the footprint.  XNU's
 * MADV_DONTNEED keeps the contents, so ZERO is MADV_ZERO where the SDK
 * has it (XNU zeroes the range in place), else zeros written, a counted
 * fallback, then MADV_FREE so that the pages may still go back (they read
 * zero either way).  A refused MADV_FREE (EINVAL: about the range, as
 * release_lazily explains) breaks no promise: the pages merely stay,
 * counted.  The zeros need the range writable. */
int pal_os_purge(void *v, size_t n, unsigned how, unsigned policy)
{
    (void)policy;
    if (how == PAL_PURGE_ZERO) {
#ifdef MADV_ZERO
        if (do_madvise(v, n, MADV_ZERO) == 0)
            return PAL_OK;
        if (errno != EINVAL && errno != ENOTSUP && errno != ENOSYS)
            return pal_posix_error(errno);
#endif
        pal_os_count_fallback();
        pal_os_write_zeros(v, n);
    }
    if (__atomic_load_n(&advise_unused, __ATOMIC_RELAXED) != ADVISE_REMAP) {
        if (do_madvise(v, n, MADV_FREE) == 0)
            return PAL_OK;
        if (errno != EINVAL && errno != ENOTSUP && errno != ENOSYS)
            return pal_posix_error(errno);
    }
    if (how == PAL_PURGE_LAZY)
        pal_os_count_fallback();
    return PAL_OK;
}

/* mmap and madvise take one range per call. */
PAL_OS_RANGES_ONE_BY_ONE()

/* No prefault call (MADV_WILLNEED reads file pages in; anonymous memory
 * has none to read), and wiring (mlock) would be more than asked and
 * subject to a limit. */
PAL_OS_POPULATE_BY_TOUCH()

#if defined(VM_FLAGS_SUPERPAGE_SIZE_2MB) && defined(__x86_64__)
/* x86-64 XNU allocates 2 MiB superpages when asked at allocation
 * (mach_vm_allocate with VM_FLAGS_SUPERPAGE_SIZE_2MB): physically
 * contiguous, found at once (KERN_RESOURCE_SHORTAGE then, never a fault
 * later) and never paged out.  arm64 XNU refuses the flag
 * (KERN_INVALID_ARGUMENT), also under Rosetta, where this x86-64 code
 * runs on an arm64 kernel: PAL_ENOSYS then, and no sizes from then on. */
#define SUPERPAGE_BYTES ((size_t)2 << 20)
static int superpages_refused;

size_t pal_os_huge_page_sizes(size_t *sizes, size_t max)
{
    if (pal_os_flag(&superpages_refused))
        return 0;
    if (max > 0)
        sizes[0] = SUPERPAGE_BYTES;
    return 1;
}

int pal_os_alloc_huge(size_t n, size_t page, void **out)
{
    mach_vm_address_t addr = 0;
    kern_return_t kr;

    (void)page; /* the one size */
    pal_os_count_call();
    kr = mach_vm_allocate(mach_task_self(), &addr, n,
                          VM_FLAGS_ANYWHERE | VM_FLAGS_SUPERPAGE_SIZE_2MB);
    if (kr == KERN_INVALID_ARGUMENT) {
        pal_os_flag_set(&superpages_refused);
        return PAL_ENOSYS;
    }
    if (kr != KERN_SUCCESS)
        return kern_error(kr);
    *out = (void *)(uintptr_t)addr;
    return PAL_OK;
}
#else
/* arm64 XNU has no superpages for user memory (and the SDK may lack the
 * flag). */
PAL_OS_NO_HUGE_PAGES()
#endif

/* macOS shows no NUMA nodes to processes: one node, node 0. */
PAL_OS_ONE_NODE()

/* ---- acquire, core dumps, facts --------------------------------------- */

/* reserve (mach_vm_map where placement or alignment is asked), map, used
 * and protect one after the other (pal_os.h). */
int pal_os_acquire(const struct pal_mem_spec *spec, unsigned policy, void **out)
{
    return pal_os_acquire_steps(spec, policy, os_page_size(), out);
}

/* XNU has no advice to leave a range out of a core file. */
PAL_OS_NO_DUMP_CHOICE()

/* No write tracking: mincore's MINCORE_MODIFIED and the Mach page
 * queries report a dirty bit that user space cannot clear, so a write
 * after a report cannot be told from one before it.  Only mprotect and a
 * signal handler remain: the caller's barrier. */
PAL_OS_NO_WRITE_TRACKING()

/* No transparent huge pages; no commit limit (pages are charged when
 * touched, then compressed or swapped), so nothing for no-reserve to
 * spare. */
void pal_os_info(struct pal_mem_info *out)
{
    out->overcommit = PAL_OVERCOMMIT_ALWAYS;
}
