/* clients/mimalloc3/prim.c - mimalloc 3's memory primitives
 * (include/mimalloc/prim.h) on libpal.
 *
 * run.sh copies this file to src/prim/pal/prim.c of the mimalloc source
 * tree, removes the memory primitives from src/prim/unix/prim.c (which
 * keeps the clock, process information, environment, output, randomness
 * and thread-exit primitives), and src/prim/prim.c includes both.
 *
 * The states: memory mimalloc reserves without committing is acquired
 * Prepared (one mmap on Linux, no commit charge with PAL_SPEC_NORESERVE);
 * commit is pal_mem_used_zero, which says exactly whether the range reads
 * zero; decommit is pal_mem_unused, which leaves the range Prepared, so it
 * must be committed again before use (needs_recommit is always true, and
 * the commit after it reports zero memory where the OS released it that
 * way); reset is pal_mem_purge(PAL_PURGE_LAZY), which keeps the range Ready.
 * Never pal_mem_map on committed memory: on Linux it is a fresh mapping and
 * would drop the contents of a partly committed range.
 *
 * PAL_POLICY in the environment (pal_mem_parse_policy's syntax, e.g.
 * harddecommit=1) sets libpal's policy when mimalloc initialises its OS
 * layer; PAL_SHOW_STATS=1 prints libpal's call count at exit (run.sh's
 * strace check compares it with the calls it saw).
 */
#include "mimalloc.h"
#include "mimalloc/internal.h"
#include "mimalloc/prim.h"

#include <errno.h>
#include <stdio.h>  /* snprintf */
#include <stdlib.h> /* getenv, atexit */
#include <unistd.h> /* sysconf (the size of physical memory), write, getpid */

#include "pal_mem.h"

/* mimalloc prints the code of a failed primitive as an errno value */
static int mi_pal_errno(int err)
{
    switch (err) {
    case PAL_OK: return 0;
    case PAL_EINVAL: return EINVAL;
    case PAL_ENOMEM: return ENOMEM;
    case PAL_EACCES: return EACCES;
    case PAL_EAGAIN: return EAGAIN;
    case PAL_ENOSYS: return ENOSYS;
    case PAL_EEXIST: return EEXIST;
    case PAL_EPERM: return EPERM;
    default: return EIO;
    }
}

static size_t mi_pal_page_size = 4096;
/* the huge page size of transparent huge pages (0: none) */
static size_t mi_pal_thp_size;

void _mi_prim_mem_init(mi_os_mem_config_t *config)
{
    struct pal_mem_info info;
    const char *policy;

    if (pal_mem_init() != PAL_OK || pal_mem_info(&info) != PAL_OK)
        return; /* mimalloc's defaults stay; every later call fails cleanly */
    policy = getenv("PAL_POLICY");
    if (policy != NULL) {
        unsigned flags = 0;
        int err = pal_mem_parse_policy(policy, &flags);
        if (err == PAL_OK)
            err = pal_mem_set_policy(flags);
        if (err != PAL_OK)
            _mi_warning_message("PAL_POLICY=%s: %s\n", policy, pal_strerror(err));
    }
    config->page_size = info.page_size;
    mi_pal_page_size = info.page_size;
    config->alloc_granularity = info.granularity;
    config->large_page_size = info.huge_page_size;
    mi_pal_thp_size = info.thp != PAL_THP_NONE ? info.huge_page_size : 0;
    /* Under strict accounting a reservation costs commit charge unless
     * NORESERVE takes effect: mimalloc then commits only what it uses. */
    config->has_overcommit = info.overcommit != PAL_OVERCOMMIT_STRICT;
    /* pal_mem_free takes any page range of a reservation (Windows aside,
     * which this client does not build for) */
    config->has_partial_free = true;
    config->has_virtual_reserve = true;
    /* the contract has no query for the amount of physical memory
     * (mimalloc sizes its arenas by it) */
#if defined(_SC_PHYS_PAGES)
    long pages = sysconf(_SC_PHYS_PAGES);
    if (pages > 0 && (size_t)pages < SIZE_MAX / info.page_size)
        config->physical_memory = (size_t)pages * info.page_size;
#endif
}

/* A forked child inherits its parent's counts: only the process that
 * asked prints them. */
static pid_t mi_pal_stats_owner;

static void mi_pal_print_stats(void)
{
    struct pal_mem_stats st;
    char line[80];
    int n;

    if (getpid() != mi_pal_stats_owner)
        return;
    pal_mem_get_stats(&st);
    n = snprintf(line, sizeof line, "libpal: %zu OS calls, %zu fallbacks\n", st.os_calls, st.fallbacks);
    if (n > 0 && (size_t)n < sizeof line)
        (void)!write(2, line, (size_t)n);
}

/* Priority 101, before mimalloc's own constructor registers its exit work
 * (which frees memory): atexit runs this after that. */
__attribute__((constructor(101))) static void mi_pal_stats_at_exit(void)
{
    const char *show = getenv("PAL_SHOW_STATS");

    if (show == NULL || show[0] != '1')
        return;
    mi_pal_stats_owner = getpid();
    atexit(mi_pal_print_stats);
}

int _mi_prim_free(void *addr, size_t size)
{
    return mi_pal_errno(pal_mem_free(addr, size));
}

/* Explicit huge pages of the largest offered size up to want, or 0. */
static size_t mi_pal_huge_page(size_t want)
{
    size_t sizes[8], n = pal_mem_huge_page_sizes(sizes, 8), best = 0;

    for (size_t i = 0; i < n && i < 8; i++)
        if (sizes[i] <= want)
            best = sizes[i];
    return best;
}

int _mi_prim_alloc(void *hint_addr, size_t size, size_t try_alignment, bool commit,
                   bool allow_large, bool *is_large, bool *is_zero, void **addr)
{
    struct pal_mem_spec spec = {0};
    int err;

    *is_large = false;
    *is_zero = false;
    *addr = NULL;
    /* Explicit huge pages where mimalloc allows them and the size is a
     * whole number of them; they cannot be decommitted (is_large pins
     * them in mimalloc), and a pool without free pages is no error. */
    if (allow_large && commit && mi_option_is_enabled(mi_option_allow_large_os_pages)) {
        size_t page = mi_pal_huge_page(size);
        if (page != 0 && size % page == 0 && pal_mem_alloc_huge(size, page, addr) == PAL_OK) {
            *is_large = true;
            *is_zero = true;
            return 0;
        }
        *addr = NULL;
    }
    /* prim.h makes the alignment only a wish, but os.c frees an
     * unaligned result and over-allocates (two more reservations and the
     * trimming): pal_mem_acquire aligns in one reservation and its trim.
     * (mimalloc 3.0.1's aligned hint area is empty: no hint to try.) */
    if (try_alignment > mi_pal_page_size && (try_alignment & (try_alignment - 1)) == 0)
        spec.align = try_alignment;
    spec.n = size;
    spec.hint = hint_addr;
    spec.state = commit ? PAL_STATE_READY : PAL_STATE_PREPARED;
    spec.flags = commit ? 0 : PAL_SPEC_NORESERVE;
    err = pal_mem_acquire(&spec, addr);
    if (err != PAL_OK) {
        *addr = NULL;
        return mi_pal_errno(err);
    }
    /* acquired memory reads zero, Ready now or when first made Ready */
    *is_zero = true;
    if (commit && allow_large && mi_pal_thp_size != 0 &&
        mi_option_is_enabled(mi_option_allow_large_os_pages))
        (void)pal_mem_hugepage(*addr, size); /* advice only */
    return 0;
}

int _mi_prim_commit(void *addr, size_t size, bool *is_zero)
{
    int zeroed = 0, err = pal_mem_used_zero(addr, size, &zeroed);

    /* pal_mem_used_zero's answer holds where all of the range was
     * Prepared; mimalloc's arena takes it only then (see mimalloc3.patch) */
    *is_zero = err == PAL_OK && zeroed;
    return mi_pal_errno(err);
}

int _mi_prim_decommit(void *addr, size_t size, bool *needs_recommit)
{
    /* Prepared memory must be made Ready (used) before it is touched
     * again: exactly what needs_recommit asks */
    *needs_recommit = true;
    return mi_pal_errno(pal_mem_unused(addr, size));
}

int _mi_prim_reset(void *addr, size_t size)
{
    /* the pages go back, the range stays Ready and needs no commit */
    return mi_pal_errno(pal_mem_purge(addr, size, PAL_PURGE_LAZY));
}

int _mi_prim_protect(void *addr, size_t size, bool protect)
{
    return mi_pal_errno(pal_mem_protect(addr, size, protect ? PAL_PROT_NONE
                                                            : PAL_PROT_READ | PAL_PROT_WRITE));
}

int _mi_prim_alloc_huge_os_pages(void *hint_addr, size_t size, int numa_node, bool *is_zero, void **addr)
{
    size_t page = mi_pal_huge_page(size);
    int err;

    /* pal_mem_alloc_huge takes no address: os.c wants its 1 GiB pages
     * contiguous from hint_addr and gives a page placed elsewhere back */
    (void)hint_addr;
    *is_zero = false;
    *addr = NULL;
    if (page == 0 || size % page != 0)
        return ENOMEM;
    err = pal_mem_alloc_huge(size, page, addr);
    if (err != PAL_OK) {
        *addr = NULL;
        return mi_pal_errno(err);
    }
    *is_zero = true;
    if (numa_node >= 0 && (unsigned)numa_node < pal_mem_numa_nodes()) {
        err = pal_mem_bind_node(*addr, size, (unsigned)numa_node);
        if (err != PAL_OK && err != PAL_ENOSYS)
            _mi_warning_message("pal_mem_bind_node: huge OS pages not bound to NUMA node %d (%s)\n",
                                numa_node, pal_strerror(err));
    }
    return 0;
}

size_t _mi_prim_numa_node(void)
{
    unsigned node = 0;

    return pal_mem_current_node(&node) == PAL_OK ? node : 0;
}

size_t _mi_prim_numa_node_count(void)
{
    unsigned n = pal_mem_numa_nodes();

    return n > 0 ? n : 1;
}
