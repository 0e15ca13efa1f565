/*
 * pages.c - jemalloc 5.3.0's OS memory layer on libpal.  It replaces
 * jemalloc's src/pages.c and asks the OS for memory only through
 * pal_mem.h: nothing here calls mmap, munmap, madvise or mprotect.
 *
 * jemalloc's words in libpal's states (pal_mem.h):
 *
 *   mapped, committed    Ready     pal_mem_alloc, or reserve + map + used
 *   mapped, decommitted  Reserved  pal_mem_reserve_aligned / reserve_at
 *   commit               Reserved -> Ready       map + used
 *   decommit             Ready -> Reserved       fault
 *   purge (lazy/forced)  Ready -> Prepared -> Ready   unused + used
 *   unmap                any -> None             free
 *
 * jemalloc touches purged pages again without asking, so a purge hands
 * them back Ready at once; used costs no system call under libpal's
 * default policy.  Which purge libpal can do is the process-wide policy's
 * choice (see pages_purge_lazy).
 */
#include "jemalloc/internal/jemalloc_preamble.h"

#include "jemalloc/internal/pages.h"

#include "jemalloc/internal/jemalloc_internal_includes.h"

#include "jemalloc/internal/assert.h"
#include "jemalloc/internal/malloc_io.h"

#include "pal_mem.h"

/******************************************************************************/
/* Data. */

/* Actual operating system page size, detected during bootstrap, <= PAGE. */
static size_t os_page;

/*
 * vm.overcommit_memory is 0 or 1: the kernel charges no commit, so
 * decommitting would only cost system calls and jemalloc keeps every
 * extent committed (as upstream does).
 */
static bool os_overcommits;

const char *thp_mode_names[] = {
	"default",
	"always",
	"never",
	"not supported"
};
thp_mode_t opt_thp = THP_MODE_DEFAULT;
thp_mode_t init_system_thp_mode;

/******************************************************************************/

void *
pages_map(void *addr, size_t size, size_t alignment, bool *commit) {
	assert(alignment >= PAGE);
	assert(ALIGNMENT_ADDR2BASE(addr, alignment) == addr);
	assert(size != 0 && ALIGNMENT_CEILING(size, os_page) == size);

	void *ret = addr;
	if (os_overcommits) {
		*commit = true;
	}
	/*
	 * Committed memory anywhere: one call, kept when the address the OS
	 * chose is aligned already (upstream's optimistic try: most mappings
	 * want page alignment only, and Linux places large ones on huge-page
	 * boundaries).
	 */
	if (addr == NULL && *commit) {
		if (pal_mem_alloc(size, &ret) != PAL_OK) {
			return NULL;
		}
		if (ALIGNMENT_ADDR2OFFSET(ret, alignment) == 0) {
			return ret;
		}
		pal_mem_free(ret, size);
	}
	/* Exactly at addr, never over an existing mapping, or aligned. */
	int err = (addr != NULL) ? pal_mem_reserve_at(addr, size) :
	    pal_mem_reserve_aligned(size, alignment, &ret);
	if (err != PAL_OK) {
		return NULL;
	}
	if (*commit && (pal_mem_map(ret, size) != PAL_OK ||
	    pal_mem_used(ret, size) != PAL_OK)) {
		pal_mem_free(ret, size);
		return NULL;
	}
	return ret;
}

void
pages_unmap(void *addr, size_t size) {
	assert(PAGE_ADDR2BASE(addr) == addr);
	assert(PAGE_CEILING(size) == size);

	int err = pal_mem_free(addr, size);
	if (err != PAL_OK) {
		malloc_printf("<jemalloc>: Error in pal_mem_free(): %s\n",
		    pal_strerror(err));
		if (opt_abort) {
			abort();
		}
	}
}

/*
 * Decommitted memory is Reserved: no commit charge, any access faults, and
 * it reads as zero when committed again, which jemalloc relies on.
 */
bool
pages_commit(void *addr, size_t size) {
	assert(PAGE_ADDR2BASE(addr) == addr);
	assert(PAGE_CEILING(size) == size);

	if (os_overcommits) {
		return true;
	}
	if (pal_mem_map(addr, size) != PAL_OK) {
		return true;
	}
	if (pal_mem_used(addr, size) != PAL_OK) {
		/* a failed commit leaves the range decommitted */
		pal_mem_fault(addr, size);
		return true;
	}
	return false;
}

bool
pages_decommit(void *addr, size_t size) {
	assert(PAGE_ADDR2BASE(addr) == addr);
	assert(PAGE_CEILING(size) == size);

	if (os_overcommits) {
		return true;
	}
	return pal_mem_fault(addr, size) != PAL_OK;
}

/*
 * Guard pages (opt.san_guard_*): no access, then read-write again.
 * pal_mem_guard has no inverse, so both directions use pal_mem_protect.
 */
void
pages_mark_guards(void *head, void *tail) {
	assert(head != NULL || tail != NULL);
	assert(head == NULL || tail == NULL ||
	    (uintptr_t)head < (uintptr_t)tail);
	if (head != NULL) {
		pal_mem_protect(head, PAGE, PAL_PROT_NONE);
	}
	if (tail != NULL) {
		pal_mem_protect(tail, PAGE, PAL_PROT_NONE);
	}
}

void
pages_unmark_guards(void *head, void *tail) {
	assert(head != NULL || tail != NULL);
	assert(head == NULL || tail == NULL ||
	    (uintptr_t)head < (uintptr_t)tail);
	const unsigned rw = PAL_PROT_READ | PAL_PROT_WRITE;
	/*
	 * One call for both when they are close (upstream's threshold): the
	 * kernel's work grows with the range, so a far pair is two calls.
	 */
	if (head != NULL && tail != NULL &&
	    (uintptr_t)tail - (uintptr_t)head + PAGE <= SC_LARGE_MINCLASS) {
		pal_mem_protect(head, (uintptr_t)tail - (uintptr_t)head + PAGE,
		    rw);
		return;
	}
	if (head != NULL) {
		pal_mem_protect(head, PAGE, rw);
	}
	if (tail != NULL) {
		pal_mem_protect(tail, PAGE, rw);
	}
}

/*
 * Give the pages back and make them Ready again.  used is a system call
 * only under harddecommit and under strict overcommit, where unused gave
 * the commit charge back with the pages and used takes it again (libpal
 * has no release that keeps the charge, as MADV_DONTNEED alone does).
 * Should used fail, the pages stay inaccessible while jemalloc goes on
 * using them: stop here rather than crash later somewhere else.
 */
static bool
pages_release(void *addr, size_t size) {
	if (pal_mem_unused(addr, size) != PAL_OK) {
		return true;
	}
	int err = pal_mem_used(addr, size);
	if (err != PAL_OK) {
		malloc_printf("<jemalloc>: purged pages cannot be used again "
		    "(pal_mem_used(): %s)\n", pal_strerror(err));
		abort();
	}
	return false;
}

/*
 * libpal's unused either zeroes (policy madvdontneed=1, the default:
 * MADV_DONTNEED) or is lazy (madvdontneed=0: MADV_FREE), for the whole
 * process; it has no per-call choice, and changing the policy around a
 * call would race with other threads.  So exactly one of jemalloc's two
 * purges is available at a time, and the other answers "not done", which
 * jemalloc already handles: it is how upstream behaves on a kernel without
 * MADV_FREE (no lazy purge) and under qemu, where it finds MADV_DONTNEED
 * not zeroing (no forced purge; jemalloc then zeroes by hand).
 */
bool
pages_purge_lazy(void *addr, size_t size) {
	assert(ALIGNMENT_ADDR2BASE(addr, os_page) == addr);
	assert(PAGE_CEILING(size) == size);

	if (!pages_can_purge_lazy || pal_mem_unused_zeroes()) {
		return true;
	}
	return pages_release(addr, size);
}

/* A forced purge must read back zero. */
bool
pages_purge_forced(void *addr, size_t size) {
	assert(PAGE_ADDR2BASE(addr) == addr);
	assert(PAGE_CEILING(size) == size);

	if (!pages_can_purge_forced || !pal_mem_unused_zeroes()) {
		return true;
	}
	return pages_release(addr, size);
}

/*
 * Huge-page hints.  pal_mem_hugepage rounds inward to whole huge pages;
 * upstream's unaligned calls (pages_set_thp_state) also marked the
 * partial ones at the ends, which can never be huge pages on their own.
 */
bool
pages_huge(void *addr, size_t size) {
	assert(HUGEPAGE_ADDR2BASE(addr) == addr);
	assert(HUGEPAGE_CEILING(size) == size);
	return pal_mem_hugepage(addr, size) != PAL_OK;
}

bool
pages_nohuge(void *addr, size_t size) {
	assert(HUGEPAGE_ADDR2BASE(addr) == addr);
	assert(HUGEPAGE_CEILING(size) == size);
	return pal_mem_nohugepage(addr, size) != PAL_OK;
}

/*
 * Core-dump exclusion (MADV_DONTDUMP) has no libpal equivalent: these do
 * nothing, as upstream does where the OS lacks it.  jemalloc 5.3.0 never
 * calls them.
 */
bool
pages_dontdump(void *addr, size_t size) {
	return false;
}

bool
pages_dodump(void *addr, size_t size) {
	return false;
}

void
pages_set_thp_state(void *ptr, size_t size) {
	if (opt_thp == thp_mode_default || opt_thp == init_system_thp_mode) {
		return;
	}
	assert(opt_thp != thp_mode_not_supported &&
	    init_system_thp_mode != thp_mode_not_supported);

	if (opt_thp == thp_mode_always
	    && init_system_thp_mode != thp_mode_never) {
		assert(init_system_thp_mode == thp_mode_default);
		pal_mem_hugepage(ptr, size);
	} else if (opt_thp == thp_mode_never) {
		assert(init_system_thp_mode == thp_mode_default ||
		    init_system_thp_mode == thp_mode_always);
		pal_mem_nohugepage(ptr, size);
	}
}

/*
 * libpal tells whether transparent huge pages can be had (a huge page
 * size; 0 when the system mode is "never" or there is no THP), not
 * whether the system default is "always" or "madvise".  Both are taken as
 * "madvise": jemalloc then marks what opt.thp and metadata_thp ask for
 * itself, which under "always" is redundant, never wrong.
 */
static void
init_thp_state(void) {
	if (!have_madvise_huge && !have_memcntl) {
		if (metadata_thp_enabled() && opt_abort) {
			malloc_write("<jemalloc>: no MADV_HUGEPAGE support\n");
			abort();
		}
		opt_thp = init_system_thp_mode = thp_mode_not_supported;
		return;
	}
	init_system_thp_mode = (pal_mem_huge_page_size() != 0) ?
	    thp_mode_default : thp_mode_never;
}

/*
 * libpal does not say how the kernel charges commit, so this reads
 * vm.overcommit_memory as upstream does (with raw system calls, in case
 * another library interposes open and read).
 */
static bool
os_overcommits_proc(void) {
#ifdef JEMALLOC_PROC_SYS_VM_OVERCOMMIT_MEMORY
	char buf[1];
#  if defined(JEMALLOC_USE_SYSCALL) && defined(SYS_openat)
	int fd = (int)syscall(SYS_openat, AT_FDCWD,
	    "/proc/sys/vm/overcommit_memory", O_RDONLY | O_CLOEXEC);
#  else
	int fd = open("/proc/sys/vm/overcommit_memory", O_RDONLY | O_CLOEXEC);
#  endif
	if (fd == -1) {
		return false;
	}
	ssize_t nread = malloc_read_fd(fd, &buf, sizeof(buf));
#  if defined(JEMALLOC_USE_SYSCALL) && defined(SYS_close)
	syscall(SYS_close, fd);
#  else
	close(fd);
#  endif
	/* 0: heuristic overcommit, 1: always, 2: never (strict) */
	return nread == 1 && (buf[0] == '0' || buf[0] == '1');
#else
	return false;
#endif
}

/*
 * libpal's policy, set before the first mapping.  jemalloc decides huge
 * pages itself (opt.thp, metadata_thp, hpa), so libpal's own marks are off
 * (thpgranular=0: they would mark the ends of every purged range
 * no-huge-page and what used returns huge-page, undoing opt.thp:never).
 * PAL_POLICY, a string such as "madvdontneed=0,harddecommit=1", is applied
 * on top, as the libpal demo reads it.
 */
static void
pages_policy_boot(void) {
	unsigned flags = pal_mem_policy() & ~PAL_POLICY_THP_GRANULAR;
	pal_mem_set_policy(flags);

	const char *env = getenv("PAL_POLICY");
	if (env != NULL) {
		if (pal_mem_parse_policy(env, &flags) == PAL_OK) {
			pal_mem_set_policy(flags);
		} else {
			malloc_printf("<jemalloc>: Invalid PAL_POLICY: %s\n",
			    env);
		}
	}
}

bool
pages_boot(void) {
	os_page = pal_mem_page_size();
	if (os_page == 0 || os_page > PAGE) {
		malloc_write("<jemalloc>: Unsupported system page size\n");
		if (opt_abort) {
			abort();
		}
		return true;
	}
	pages_policy_boot();
	os_overcommits = os_overcommits_proc();
	init_thp_state();
	return false;
}
