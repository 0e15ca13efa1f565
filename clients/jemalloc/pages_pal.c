/*
 * pages_pal.c - jemalloc's OS memory seam on libpal.
 *
 * jemalloc (5.3.0) keeps every OS memory call in src/pages.c, behind the
 * functions pages.h declares.  Built with -DJEMALLOC_PAL, src/pages.c
 * includes this file in place of its own OS code (jemalloc.patch adds
 * the #ifdef there, and the batched purges to pages.h): its data
 * (os_page, os_overcommits, the THP modes, pages_can_purge_lazy_runtime)
 * and pages_set_thp_state stay jemalloc's, and everything that asks the
 * OS is here, on pal_mem.h alone.
 *
 * jemalloc's words in libpal's states:
 *
 *   map, committed       None -> Ready         acquire (one mmap)
 *   map, decommitted     None -> Prepared      acquire (one mmap)
 *   commit               Prepared -> Ready     used_zero (and purge ZERO where
 *                                              it promises no zeros)
 *   decommit             Ready -> Prepared     unused
 *   purge lazy / forced  Ready stays Ready     purge LAZY / ZERO
 *   unmap                any -> None           free
 *
 * jemalloc writes purged pages again without asking, so a purge keeps
 * them Ready with their access and commit charge: nothing the kernel can
 * refuse later (pal_mem_purge never takes access away).
 */
#include "pal_mem.h"

/* jemalloc's list of ranges is libpal's, without a copy. */
_Static_assert(sizeof(pages_range_t) == sizeof(struct pal_mem_range) &&
    offsetof(pages_range_t, addr) == offsetof(struct pal_mem_range, v) &&
    offsetof(pages_range_t, size) == offsetof(struct pal_mem_range, n),
    "pages_range_t must have struct pal_mem_range's layout");

/* What pages.h asks of its callers: [addr, addr + size) on boundaries of
 * align (a power of two). */
#define PAGES_ALIGNED(addr, size, align)				\
	((((uintptr_t)(addr) | (size)) & ((align) - 1)) == 0)

/* A guard pair: at least one page, the head below the tail. */
#define PAGES_GUARDS_OK(head, tail)					\
	(((head) != NULL || (tail) != NULL) && ((head) == NULL ||	\
	(tail) == NULL || (uintptr_t)(head) < (uintptr_t)(tail)))

/*
 * A committed mapping asks for no commit charge where the kernel
 * overcommits anyway (Linux modes 0 and 1): a mapping larger than RAM and
 * swap must not fail under the heuristic mode for want of charge that
 * jemalloc never relies on.
 */
static void *
pages_acquire(void *addr, size_t size, size_t alignment, bool commit) {
	struct pal_mem_spec spec = {
		.n = size,
		.align = alignment > os_page ? alignment : 0,
		.hint = addr,
		.state = commit ? PAL_STATE_READY : PAL_STATE_PREPARED,
		.flags = (addr != NULL ? PAL_SPEC_EXACT : 0) |
		    (os_overcommits ? PAL_SPEC_NORESERVE : 0),
	};
	void *ret;
	return pal_mem_acquire(&spec, &ret) == PAL_OK ? ret : NULL;
}

void *
pages_map(void *addr, size_t size, size_t alignment, bool *commit) {
	assert(alignment >= PAGE && size != 0);
	assert(PAGES_ALIGNED(addr, 0, alignment));
	assert(PAGES_ALIGNED(0, size, os_page));

	if (os_overcommits) {
		*commit = true;
	}
	if (addr != NULL) {
		/* Exactly there, never over a mapping already there. */
		return pages_acquire(addr, size, 0, *commit);
	}
	/*
	 * An aligned request first takes the size alone (one mmap): the
	 * kernel often places it aligned already.  Only a misplaced answer
	 * pays for the aligned one (a larger mmap and its trimming).
	 */
	void *ret = pages_acquire(NULL, size, 0, *commit);
	if (ret == NULL || ALIGNMENT_ADDR2OFFSET(ret, alignment) == 0) {
		return ret;
	}
	/* (not pages_unmap: ret is aligned to the OS page only, which may be
	 * smaller than jemalloc's PAGE) */
	pal_mem_free(ret, size);
	return pages_acquire(NULL, size, alignment, *commit);
}

void
pages_unmap(void *addr, size_t size) {
	assert(PAGES_ALIGNED(addr, size, PAGE));

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
 * Commit and decommit happen only where the kernel charges commit
 * (strict overcommit); elsewhere they answer "not done" and jemalloc keeps
 * its extents committed.  A decommitted range is Prepared, which under
 * strict overcommit is a PROT_NONE mapping without commit charge: decommit
 * is one mmap (unused), commit one mprotect (used), as jemalloc's own
 * layer makes them.  jemalloc takes an extent decommitted and committed
 * again to read zero (extent_dalloc_wrapper marks it zeroed once the
 * decommit succeeds): where used_zero cannot promise that (a release
 * that may have been lazy), a forced purge makes it so.
 */
bool
pages_commit(void *addr, size_t size) {
	assert(PAGES_ALIGNED(addr, size, PAGE));

	if (os_overcommits) {
		return true;
	}
	int zeroed;
	if (pal_mem_used_zero(addr, size, &zeroed) != PAL_OK) {
		/*
		 * Refused at the commit limit: still decommitted, as jemalloc
		 * then takes it.  A leading part may have been made writable
		 * (and charged) before the refusal: unused gives that back.
		 */
		pal_mem_unused(addr, size);
		return true;
	}
	if (!zeroed && pal_mem_purge(addr, size, PAL_PURGE_ZERO) != PAL_OK) {
		pal_mem_unused(addr, size);
		return true;
	}
	return false;
}

bool
pages_decommit(void *addr, size_t size) {
	assert(PAGES_ALIGNED(addr, size, PAGE));

	if (os_overcommits) {
		return true;
	}
	return pal_mem_unused(addr, size) != PAL_OK;
}

/* What pac.c's decay asks before purging its stashed extents in one call,
 * which is wasted where each is decommitted instead. */
bool
pages_decommit_will_fail(void) {
	return os_overcommits;
}

/*
 * Guard pages (opt.san_guard_small, opt.san_guard_large): one page of no
 * access on either side of an extent.  pal_mem_guard has no inverse, so
 * both directions are pal_mem_protect.
 */
void
pages_mark_guards(void *head, void *tail) {
	assert(PAGES_GUARDS_OK(head, tail));

	if (head != NULL) {
		pal_mem_protect(head, PAGE, PAL_PROT_NONE);
	}
	if (tail != NULL) {
		pal_mem_protect(tail, PAGE, PAL_PROT_NONE);
	}
}

void
pages_unmark_guards(void *head, void *tail) {
	assert(PAGES_GUARDS_OK(head, tail));

	const unsigned rw = PAL_PROT_READ | PAL_PROT_WRITE;
	/*
	 * A near pair is one call over the extent between them; the kernel's
	 * work grows with the range, so past the smallest large size class
	 * two calls of a page each are cheaper.
	 */
	size_t span = (head != NULL && tail != NULL) ?
	    (uintptr_t)tail + PAGE - (uintptr_t)head : 0;
	if (span != 0 && span <= SC_LARGE_MINCLASS) {
		pal_mem_protect(head, span, rw);
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
 * Lazy purge: afterwards each page reads its old contents or zero (Linux
 * MADV_FREE).  Where the kernel has no lazy release, pages_boot turns
 * pages_can_purge_lazy_runtime off and jemalloc purges forced instead, as
 * it does on its own layer.
 */
bool
pages_purge_lazy(void *addr, size_t size) {
	assert(PAGES_ALIGNED(addr, 0, os_page));
	assert(PAGES_ALIGNED(0, size, PAGE));

	if (!pages_can_purge_lazy || !pages_can_purge_lazy_runtime) {
		return true;
	}
	return pal_mem_purge(addr, size, PAL_PURGE_LAZY) != PAL_OK;
}

/* Forced purge: afterwards every byte reads zero, which jemalloc takes. */
bool
pages_purge_forced(void *addr, size_t size) {
	assert(PAGES_ALIGNED(addr, size, PAGE));

	if (!pages_can_purge_forced) {
		return true;
	}
	return pal_mem_purge(addr, size, PAL_PURGE_ZERO) != PAL_OK;
}

/*
 * The same for a list of ranges, in one system call where the kernel
 * batches them (process_madvise).  "Not done" (true) may leave a prefix
 * purged; the caller then purges range by range, which repeats no harm.
 */
bool
pages_purge_lazy_ranges(const pages_range_t *ranges, size_t n) {
	if (!pages_can_purge_lazy || !pages_can_purge_lazy_runtime) {
		return true;
	}
	size_t done;
	return pal_mem_purge_ranges((const struct pal_mem_range *)ranges, n,
	    PAL_PURGE_LAZY, &done) != PAL_OK;
}

bool
pages_purge_forced_ranges(const pages_range_t *ranges, size_t n) {
	if (!pages_can_purge_forced) {
		return true;
	}
	size_t done;
	return pal_mem_purge_ranges((const struct pal_mem_range *)ranges, n,
	    PAL_PURGE_ZERO, &done) != PAL_OK;
}

/*
 * Huge-page advice.  pal_mem_hugepage and pal_mem_nohugepage take whole
 * huge pages inside the range: the unaligned forms (pages_set_thp_state on
 * a new mapping) leave out the partial ends, which can never be huge
 * pages on their own.
 */
bool
pages_huge(void *addr, size_t size) {
	assert(PAGES_ALIGNED(addr, size, HUGEPAGE));
	return pal_mem_hugepage(addr, size) != PAL_OK;
}

static bool
pages_huge_unaligned(void *addr, size_t size) {
	return pal_mem_hugepage(addr, size) != PAL_OK;
}

bool
pages_nohuge(void *addr, size_t size) {
	assert(PAGES_ALIGNED(addr, size, HUGEPAGE));
	return pal_mem_nohugepage(addr, size) != PAL_OK;
}

static bool
pages_nohuge_unaligned(void *addr, size_t size) {
	return pal_mem_nohugepage(addr, size) != PAL_OK;
}

/* Core dumps: where the OS cannot leave memory out, nothing to do. */
static bool
pages_dump(void *addr, size_t size, int include) {
	assert(PAGES_ALIGNED(addr, size, PAGE));
	int err = pal_mem_dump(addr, size, include);
	return err != PAL_OK && err != PAL_ENOSYS;
}

bool
pages_dontdump(void *addr, size_t size) {
	return pages_dump(addr, size, 0);
}

bool
pages_dodump(void *addr, size_t size) {
	return pages_dump(addr, size, 1);
}

/*
 * libpal's policy, set before the first mapping.  jemalloc decides huge
 * pages itself (opt.thp, metadata_thp, hpa), so libpal's own marks are off
 * (thpgranular=0: they would mark the ends of every purged range
 * no-huge-page and undo opt.thp:never on every reuse).  PAL_POLICY, a
 * string such as "madvdontneed=0,harddecommit=1", is applied on top.
 */
static void
pages_pal_policy(void) {
	unsigned flags = pal_mem_policy() & ~PAL_POLICY_THP_GRANULAR;
	pal_mem_set_policy(flags);

	const char *env = getenv("PAL_POLICY");
	if (env == NULL) {
		return;
	}
	if (pal_mem_parse_policy(env, &flags) == PAL_OK) {
		pal_mem_set_policy(flags);
	} else {
		malloc_printf("<jemalloc>: Invalid PAL_POLICY: %s\n", env);
	}
}

/*
 * PAL_SHOW_STATS=1: libpal's own call counts (pal_mem_get_stats) on
 * stderr at exit, for comparing with what strace sees (run.sh); not in a
 * forked child, whose counts include its parent's.
 */
static pid_t pages_pal_stats_pid;

static void
pages_pal_show_stats(void) {
	if (getpid() != pages_pal_stats_pid) {
		return;
	}
	struct pal_mem_stats st;
	pal_mem_get_stats(&st);
	char line[80];
	size_t n = malloc_snprintf(line, sizeof(line),
	    "libpal: %zu OS calls, %zu fallbacks\n", st.os_calls,
	    st.fallbacks);
	malloc_write_fd(2, line, n);
}

/* Registered before any exit work of the program, so run after it. */
__attribute__((constructor(101))) static void
pages_pal_show_stats_at_exit(void) {
	const char *show = getenv("PAL_SHOW_STATS");
	if (show != NULL && show[0] == '1') {
		pages_pal_stats_pid = getpid();
		atexit(&pages_pal_show_stats);
	}
}

/*
 * The system's THP mode as jemalloc names it: "madvise" is its "default"
 * (huge pages where asked for).  libpal cannot tell "never" from a kernel
 * without THP; both are "never", under which jemalloc asks for none.
 */
static thp_mode_t
pages_pal_thp_mode(int thp) {
	switch (thp) {
	case PAL_THP_ALWAYS:
		return thp_mode_always;
	case PAL_THP_MADVISE:
		return thp_mode_default;
	default:
		return thp_mode_never;
	}
}

bool
pages_boot(void) {
	struct pal_mem_info info;
	if (pal_mem_info(&info) != PAL_OK || info.page_size > PAGE) {
		malloc_write("<jemalloc>: the system's page size is larger "
		    "than this build's (--with-lg-page)\n");
		if (opt_abort) {
			abort();
		}
		return true;
	}
	os_page = info.page_size;
	pages_pal_policy();

	/* Commit is charged only in strict mode (and where unknown). */
	os_overcommits = info.overcommit == PAL_OVERCOMMIT_HEURISTIC ||
	    info.overcommit == PAL_OVERCOMMIT_ALWAYS;
	pages_can_purge_lazy_runtime =
	    (info.features & PAL_FEAT_MADV_FREE) != 0;

	bool thp_advice = have_madvise_huge || have_memcntl;
	if (thp_advice) {
		init_system_thp_mode = pages_pal_thp_mode(info.thp);
		return false;
	}
	/* Built for a system without huge-page advice: metadata_thp cannot
	 * be had, which opt.abort makes fatal. */
	if (opt_abort && metadata_thp_enabled()) {
		malloc_write("<jemalloc>: metadata_thp asked for, but this "
		    "build has no huge-page advice\n");
		abort();
	}
	init_system_thp_mode = thp_mode_not_supported;
	opt_thp = thp_mode_not_supported;
	return false;
}
