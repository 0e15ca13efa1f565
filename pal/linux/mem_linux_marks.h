/*
 * mem_linux_marks.h - the no-huge-page marks unused puts on the huge
 * pages at the ends of a released range, and what decides them.
 *
 * Part of mem_linux.c, which includes it (after sys_linux.h, pal_ranges.h
 * and the headers before it: setup, probes, marks, release, track); not a
 * header of its own.
 */
#ifndef PAL_MEM_LINUX_MARKS_H
#define PAL_MEM_LINUX_MARKS_H

/* ---- huge-page marks -------------------------------------------------- */

/* Whether khugepaged fills a partly released huge page back in by itself:
 * THP "always" and khugepaged/max_ptes_none above 0 (PAL_OS_YES/NO); read
 * on the first unused that could mark. */
static int khugepaged_refills_word;

/* The ranges the caller asked huge pages for (hugepage or collapse),
 * dropped when freed or asked no huge pages whole; and, set once, never
 * cleared, whether unused marked a huge page no-huge-page at some time.
 * See marks_needed below. */
static struct pal_ranges huge_ranges;
static int ends_marked;

/* The huge pages unused marked no-huge-page that nothing has unmarked
 * since (a used over them whole, hugepage, map, free): a release whose
 * end falls in one makes no mark, and a used that covers none of them
 * whole undoes nothing, so that the marks cost one call per huge page per
 * change of its state, not one or two per release and one per reuse.  A
 * mark the record had no slot for sets marks_unrecorded, for good: from
 * then on used undoes wherever marks are needed, as it did before. */
static struct pal_ranges marked_pages;
static int marks_unrecorded;

/* A hint whose failure does not matter; none at all where madvise is
 * known to be missing. */
static void madvise_hint(uintptr_t v, size_t n, long advice)
{
    if (__atomic_load_n(&advise_unused, __ATOMIC_RELAXED) != ADVISE_MMAP)
        (void)pal_sys_madvise((void *)v, n, advice);
}

static int khugepaged_refills(void)
{
    int state = __atomic_load_n(&khugepaged_refills_word, __ATOMIC_RELAXED);
    char buf[16];
    long got;

    if (state == PAL_OS_UNKNOWN) {
        got = read_file("/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none",
                        buf, sizeof buf);
        state = got > 0 && parse_size(buf) > 0 ? PAL_OS_YES : PAL_OS_NO;
        /* not read now: no marks this time, the file read again next */
        if (got != READ_AGAIN)
            __atomic_store_n(&khugepaged_refills_word, state, __ATOMIC_RELAXED);
    }
    return state == PAL_OS_YES;
}

/* Whether unused should mark the huge pages [first, last] holding its
 * unaligned ends no-huge-page (thpgranular).  The mark exists to keep a partly released
 * huge page from being filled back in, which happens only where
 *  - khugepaged collapses ranges nobody asked huge pages for: THP
 *    "always" with max_ptes_none above 0 (511, the default, collapses a
 *    huge page with a single page left in it); or
 *  - the caller asked for huge pages (pal_mem_hugepage marks the range for
 *    khugepaged under any mode; pal_mem_collapse refills at once).
 * Anywhere else a mark changes nothing the kernel will do and would,
 * undone by used, opt memory into huge pages nobody asked for
 * (docs/LINUX.md, "Huge-page marks").  Which ranges the caller
 * asked huge pages for is kept in huge_ranges, so that the request costs
 * marks on those huge pages only, not on every range (the cost promise);
 * past the record's size, on every range (pal_ranges.h). */
static int marks_needed(uintptr_t first, uintptr_t last)
{
    if (pal_ranges_overlap(&huge_ranges, first, last))
        return 1;
    return __atomic_load_n(&thp_always_word, __ATOMIC_RELAXED) && khugepaged_refills();
}

/* Whether the huge page at page needs a mark now: where marks change
 * what the kernel does, and not marked already.  Recorded as marked
 * before the call that marks it, so that a release racing with it makes
 * no second mark. */
static int mark_wanted(uintptr_t page, size_t h)
{
    if (!marks_needed(page, page + h - 1) ||
        pal_ranges_covered(&marked_pages, page, page + h - 1))
        return 0;
    /* The huge page at address 0 is not recorded (0 marks a free slot):
     * no range holds it whole (none starts at NULL), so no used undoes
     * its mark, and it is marked again on each release ending there. */
    if (page != 0 && !pal_ranges_claim(&marked_pages, page, page + h - 1) &&
        !pal_os_flag(&marks_unrecorded))
        pal_os_flag_set(&marks_unrecorded);
    return 1;
}

/* Mark no-huge-page only the huge pages holding v and v+n-1, when those
 * ends are not huge-page aligned (the Go runtime's sysUnused up to 1.20).  Marking every
 * released range instead splits the VMA at each one: a heap with every
 * other page released reaches vm.max_map_count (65530) and mmap starts
 * failing with memory to spare.  Marks are hints; errors are ignored
 * (EINVAL where one is already set, ENOMEM where a neighbour is unmapped).
 * The marks are written into out (at most 2) rather than issued, so that
 * a batch of releases can issue its marks in one call too; returns how
 * many.  Only the ends whose huge page needs a mark (mark_wanted) are
 * marked; noted in ends_marked, so that used undoes them. */
static int end_marks(uintptr_t v, size_t n, struct pal_mem_range *out)
{
    size_t h = os_huge_page_size();
    uintptr_t head = pal_align_down(v, h), tail = pal_align_down(v + n - 1, h);
    int k = 0;

    /* Which ends to mark is kept apart from their addresses: the huge page
     * at address 0 holds mappings too (from mmap_min_addr up).  The ends
     * are compared by their difference, not by head + h, which wraps to 0
     * in the top huge page of a 32-bit space (v + n does not: the caller
     * checked it; nor does head + h - 1). */
    if ((v & (h - 1)) != 0 && mark_wanted(head, h)) {
        out[k].v = (void *)head;
        out[k++].n = h;
    }
    if (((v + n) & (h - 1)) != 0 && (tail != head || (v & (h - 1)) == 0) &&
        mark_wanted(tail, h)) {
        if (k == 1 && tail - head == h) {
            out[0].n = 2 * h;
        } else {
            out[k].v = (void *)tail;
            out[k++].n = h;
        }
    }
    if (k > 0 && !pal_os_flag(&ends_marked))
        pal_os_flag_set(&ends_marked);
    return k;
}

/* MADV_HUGEPAGE on the whole huge pages inside [v, v+n) only: a partial
 * one would be filled out by khugepaged beyond what the caller asked.
 * The end is rounded down first: only where a whole huge page ends above
 * v can v be rounded up, which then cannot wrap.  (v in the top huge page
 * of a 32-bit space would round up to 0, and the advice would cover all
 * the address space below.) */
static long hugepage_inside(uintptr_t v, size_t n)
{
    size_t h = os_huge_page_size();
    uintptr_t beg, end;

    if (h == 0)
        return 0;
    end = pal_align_down(v + n, h);
    if (end <= v)
        return 0;
    beg = pal_align_up(v, h);
    if (beg >= end)
        return 0;
    return pal_sys_madvise((void *)beg, end - beg, LX_MADV_HUGEPAGE);
}

/* Whether unused may mark the huge pages of its ends under this policy:
 * where there are huge pages, with thpgranular, not under disablethp
 * (everything is marked already), not under strict overcommit (the
 * released range is PROT_NONE, which keeps khugepaged out, and a mark
 * would split the mapping further).  Which ends it marks is end_marks'
 * choice: only where a mark changes what the kernel does. */
static int end_marks_wanted(unsigned policy, int strict)
{
    return !strict && (policy & PAL_POLICY_THP_GRANULAR) && !(policy & PAL_POLICY_NO_THP) &&
           os_huge_page_size() != 0;
}

#endif /* PAL_MEM_LINUX_MARKS_H */
