#!/usr/bin/env bash
# tools/mutants.sh - deliberate bugs ("mutants") in a copy of the library:
# the native test suite (every ctest test, the fuzzer with several seeds)
# must fail on each one, or its green runs mean less than they seem to.
#
#   tools/mutants.sh [fast | NAME...]        build, then test
#   tools/mutants.sh build|test [fast|NAME...]  one step (tools/test-all.sh's
#                                            script target calls both)
#   tools/mutants.sh list                    the names
#
# Without names, every mutant; "fast", the few the test command runs.
# Each mutant is a sed script on one file of pal/.  The copy is built
# natively (gcc, the Linux backend) in $PAL_OUT (default
# build-matrix/mutants), then for each mutant rebuilt and tested: the
# whole ctest suite with the first seed of PAL_FUZZ_SEEDS (default
# "1 2 3"; PAL_FUZZ_SEED is what the fuzzer reads), stopping at the first
# failed test, and if nothing failed the fuzzer again with each other
# seed.  One line per mutant: "ok   NAME: caught by TEST (what it
# printed)", "FAIL NAME: ..." (missed, not applied when its sed no longer
# matches the source, or does not build), or "skipped NAME: reason" when
# the path it changes is not taken on this machine; then "N passed,
# N failed, N skipped".  Exits non-zero if any was missed or could not be
# applied, or if the unchanged library does not pass first.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
out=${PAL_OUT:-$root/build-matrix/mutants}
seeds=${PAL_FUZZ_SEEDS:-1 2 3}
jobs=${JOBS:-2}

# name @ file @ sed script @ in the fast set (1) or not (0) @ the PAL_FEAT_*
# bits (joined by +) without which the mutated path is never taken, or
# caught by nothing here (-: none; thp-always: THP "always" on this
# machine).  This machine's kernel, say, may have no batched release
# (process_madvise on the own process), so a mutant of that path is
# skipped, not passed.  The kinds real bugs take: a probe or
# /sys file misread, a wrong advice, flag or constant, a rounding
# direction, a page too few at a range's end, a dropped protection bit, a
# node ignored.
MUTANTS=(
  # the defect of issue 8: used under another policy after a hard decommit
  "used-forgets-harddecommit@pal/pal_mem.c@/^static inline unsigned used_policy/,/^}/s/p |= PAL_POLICY_HARD_DECOMMIT;/(void)0;/@1@-"
  "used-never-mprotects@pal/linux/mem_linux.c@/^static int used_restore/,/^}/s/if ((policy & PAL_POLICY_HARD_DECOMMIT) || strict_commit())/if (0)/@0@-"
  "used-one-page-short@pal/linux/mem_linux.c@/^static int used_restore/,/^}/s/pal_sys_mprotect(v, n, PROT_RW)/pal_sys_mprotect(v, n - os_page_size(), PROT_RW)/@0@-"
  "unused-releases-nothing@pal/linux/mem_linux.c@/^int pal_os_unused(/,/^}/s/: release(v, n, policy, hard ? LX_PROT_NONE : PROT_RW, &remapped);/: ((void)release, PAL_OK);/@0@-"
  "unused-zeroes-lies@pal/linux/mem_linux_release.h@/^int pal_os_unused_zeroes/,/^}/s/return !have(PAL_FEAT_MADV_FREE);/return 1;/@0@MADV_FREE"
  "harddecommit-keeps-access@pal/linux/mem_linux.c@/^int pal_os_unused(/,/^}/s/int hard = (policy & PAL_POLICY_HARD_DECOMMIT) && !strict;/int hard = 0;/@0@-"
  "unused-ranges-done-short@pal/linux/mem_linux_release.h@/^static int release_batched/,/^}/s/^    \*done = count;/    *done = count - 1;/@0@BATCH"
  "unused-each-done-short@pal/pal_os.h@/pal_os_unused_each/,/^}/s/\*done = count;/*done = count - 1;/@0@-"
  "unused-ranges-skips-last@pal/linux/mem_linux_release.h@/^static int release_batched/,/^}/s/while (i < count) {/while (i + 1 < count) {/@0@BATCH"
  "fault-keeps-access@pal/linux/mem_linux.c@/^int pal_os_fault/,/^}/s/r = pal_sys_mprotect(v, n, LX_PROT_NONE);/r = 0;/@0@-"
  "fault-keeps-pages@pal/linux/mem_linux.c@/^int pal_os_fault/,/^}/s/r = pal_sys_madvise(v, n, LX_MADV_DONTNEED);/r = 0;/@0@RESIDENT"
  "free-one-page-too-many@pal/linux/mem_linux.c@/^int pal_os_free/,/^}/s/pal_sys_munmap(v, n)/pal_sys_munmap(v, n + os_page_size())/@0@-"
  "free-one-page-too-few@pal/linux/mem_linux.c@/^int pal_os_free/,/^}/s/pal_sys_munmap(v, n)/pal_sys_munmap(v, n - os_page_size())/@0@-"
  "map-einval-is-enomem@pal/pal_mem.c@/^int pal_mem_map/,/^}/s/return PAL_EINVAL;/return PAL_ENOMEM;/@0@-"
  "size-not-checked@pal/pal_mem.c@/^static int bad_size/,/^}/s/ || (n & (ps - 1)) != 0//@0@-"
  "wrap-not-checked@pal/pal_mem.c@/^static int bad_range/,/^}/s/ || p + n <= p//@0@-"
  "policy-takes-unknown-bits@pal/pal_mem.c@/^int pal_mem_set_policy/,/^}/s/if (flags & ~POLICY_ALL)/if (0)/@0@-"
  "einval-after-an-os-call@pal/pal_mem.c@/^int pal_mem_fault/,/^}/s/if (bad_range(v, n))/if (pal_os_count_call(), bad_range(v, n))/@0@-"
  "protect-drops-write@pal/linux/mem_linux.c@/^static int kernel_prot/,/^}/s/p |= LX_PROT_READ | LX_PROT_WRITE;/p |= LX_PROT_READ;/@0@-"
  "protect-pretends-mte-bti@pal/linux/mem_linux.c@/^static int kernel_prot/,/^}/s/return PAL_ENOSYS;/(void)0;/@0@-"
  "guard-does-nothing@pal/linux/mem_linux.c@/^int pal_os_guard/,/^}/s/r = pal_sys_\(madvise\|mprotect\)(v, n, LX_\(MADV_GUARD_INSTALL\|PROT_NONE\));/r = ((void)v, (void)n, 0);/@0@-"
  # the mincore probe asks about a touched page where the untouched fence
  # should be: residency reported missing on every kernel
  "probe-resident-reads-no-fence@pal/linux/mem_linux_probes.h@/^static unsigned probe(/,/^}/s/probe_resident((void \*)m, s)/probe_resident(s, s)/@0@-"
  # the collapse probe writes a page whose huge page lies inside its
  # scratch mapping: a whole huge page faulted in under THP "always"
  "probe-collapse-writes-huge@pal/linux/mem_linux_probes.h@/^static int probe_collapse/,/^}/s/== 0 ? (uintptr_t)m : last) = 1;/== 0 ? (uintptr_t)m : last - h) = 1;/@0@thp-always"
  # the DONTNEED probe takes the advice's success for zeroes (qemu-user
  # before 7.1 kept the contents)
  "probe-dontneed-trusts-advice@pal/linux/mem_linux_probes.h@/^static int probe_dontneed/,/^}/s/z ? PAL_OS_YES : PAL_OS_NO/PAL_OS_YES/@0@-"
  # the feature probes' scratch pages unfenced: merged with a read-write
  # neighbour, the guard probe leaves the neighbour marked "gu"
  "probe-scratch-unfenced@pal/linux/mem_linux_probes.h@s/m = pal_sys_mmap(0, 4 \* os_page_size(), LX_PROT_NONE, /m = pal_sys_mmap(0, 4 * os_page_size(), PROT_RW, /@0@GUARD"
  "reserve-at-clobbers@pal/linux/mem_linux.c@/^int pal_os_reserve_at/,/^}/s/LX_MAP_FIXED_NOREPLACE/LX_MAP_FIXED/@0@-"
  # a hint the kernel did not take fails the call instead of being dropped
  "hint-refusal-fails-reserve@pal/linux/mem_linux.c@/^static long mmap_hinted/,/^}/s/if (r == -LX_ENOMEM \&\& hint != NULL)/if (0)/@0@-"
  "reserve-hint-clobbers@pal/linux/mem_linux.c@/^int pal_os_reserve(/,/^}/s/LX_PROT_NONE, MAP_ANON_PRIVATE)/LX_PROT_NONE, MAP_ANON_PRIVATE | (hint ? LX_MAP_FIXED : 0))/@0@-"
  "reserve-aligned-unaligned@pal/linux/mem_linux.c@/^int pal_os_reserve_aligned/,/^}/s/start = pal_align_up(base, align);/start = base + os_page_size();/@0@-"
  "map-keeps-the-old-mapping@pal/linux/mem_linux.c@/^int pal_os_map/,/^}/s/int err = remap(v, n, prepared_prot());/int err = pal_sys_mprotect(v, n, PROT_RW) == 0 ? PAL_OK : PAL_ENOMEM;/@0@-"
  # under strict overcommit, Prepared made by map or acquire holds the charge
  "prepared-charged-under-strict@pal/linux/mem_linux.c@/^static long prepared_prot/,/^}/s/return strict_commit() ? LX_PROT_NONE : PROT_RW;/return PROT_RW;/@0@-"
  "populate-does-nothing@pal/linux/mem_linux.c@/^int pal_os_populate/,/^}/s/r = pal_sys_madvise(v, n, LX_MADV_POPULATE_WRITE);/r = 0;/@0@POPULATE"
  "resident-counts-all@pal/linux/mem_linux.c@/^int pal_os_resident/,/^}/s/total += vec\[i\] & 1;/total += 1;/@0@RESIDENT"
  "hugepage-hint-fails@pal/linux/mem_linux.c@/^int pal_os_hugepage/,/^}/s/^    return PAL_OK;/    return PAL_EAGAIN;/@0@THP"
  "marks-whole-released-range@pal/linux/mem_linux.c@/^int pal_os_unused(/,/^}/s/madvise_hint((uintptr_t)marks\[i\].v, marks\[i\].n, LX_MADV_NOHUGEPAGE);/madvise_hint((uintptr_t)v, n, LX_MADV_NOHUGEPAGE);/@0@THP"
  # /sys/kernel/mm/transparent_hugepage/enabled: "madvise" and "always"
  # read as "never", or "madvise" as "always"
  "thp-mode-read-as-never@pal/linux/mem_linux_setup.h@/^static size_t thp_size/,/^}/s/if (p\[0\] == '\[' && p\[1\] == 'n' && p\[2\] == 'e')/if (p[0] == '[' \&\& p[1] != 'n')/@1@THP"
  "thp-madvise-read-as-always@pal/linux/mem_linux_setup.h@/^static size_t thp_size/,/^}/s/\*always = p\[0\] == '\[' && p\[1\] == 'a';/*always = p[0] == '[';/@0@THP"
  # a directory entry of /sys/kernel/mm/hugepages read a byte early, and
  # its "<N>kB" taken as thousands
  "hugetlb-dirent-misread@pal/linux/mem_linux_probes.h@s/hugetlb_size_of(buf.c + at + 19)/hugetlb_size_of(buf.c + at + 18)/@0@HUGETLB"
  "hugetlb-kb-as-1000@pal/linux/mem_linux_probes.h@/^static size_t hugetlb_size_of/,/^}/s/kb \* 1024 : 0/kb * 1000 : 0/@0@HUGETLB"
  "protect-drops-exec@pal/linux/mem_linux.c@/^static int kernel_prot/,/^}/s/p |= LX_PROT_EXEC;/(void)0;/@1@-"
  "nohugepage-advises-hugepage@pal/linux/mem_linux.c@/^int pal_os_nohugepage/,/^}/s/LX_MADV_NOHUGEPAGE/LX_MADV_HUGEPAGE/@0@THP"
  # hugepage rounds its start down (a partial huge page marked), or
  # leaves the last page of its last huge page out
  "hugepage-rounds-start-down@pal/linux/mem_linux_marks.h@/^static long hugepage_inside/,/^}/s/beg = pal_align_up(v, h);/beg = pal_align_down(v, h);/@0@THP"
  "hugepage-one-page-short@pal/linux/mem_linux_marks.h@/^static long hugepage_inside/,/^}/s/end - beg, LX_MADV_HUGEPAGE/end - beg - os_page_size(), LX_MADV_HUGEPAGE/@0@THP"
  # end marks a page short: those unused_ranges batches, and everyone's
  "unused-ranges-marks-page-short@pal/linux/mem_linux_release.h@/^static void marks_add/,/^}/s/b->m\[b->count++\] = m\[i\];/b->m[b->count++] = m[i], b->m[b->count - 1].n -= os_page_size();/@1@BATCH+THP"
  "end-marks-page-short@pal/linux/mem_linux_marks.h@/^static int end_marks/,/^}/s/out\[k++\].n = h;/out[k++].n = h - os_page_size();/@0@THP"
  # MADV_FREE's number taken from another advice (MADV_WIPEONFORK), as
  # a generator reading the wrong header would
  "madv-free-wrong-number@pal/linux/defs_amd64.h@s/^#define LX_MADV_FREE \( *\)8$/#define LX_MADV_FREE \118/@0@-"
  # vm.overcommit_memory's digit misread: strict taken for heuristic and
  # back
  "overcommit-misread@pal/linux/mem_linux_release.h@/^static int strict_commit/,/^}/s/buf\[0\] == '2'/buf[0] != '2'/@0@-"
  "populate-one-page-short@pal/linux/mem_linux.c@/^int pal_os_populate/,/^}/s/pal_sys_madvise(v, n, LX_MADV_POPULATE_WRITE)/pal_sys_madvise(v, n - os_page_size(), LX_MADV_POPULATE_WRITE)/@0@POPULATE"
  # the node asked for ignored: every page preferred on node 0 (caught
  # where there are two nodes: the two-node test VM, by hand)
  "bind-ignores-node@pal/linux/mem_linux_probes.h@/^static long bind_preferred/,/^}/s/= 1UL << (node % (8 \* sizeof(unsigned long)));/= 1UL;/@0@NUMA"
  # purge: ZERO with the lazy advice (old contents may stay), LAZY by a
  # fresh mapping (access and charge lost), how's bits half checked, done
  # a range short, a page left out, no end marks, ranges not checked first
  "purge-zero-advises-free@pal/linux/mem_linux.c@/^static inline int purge_release/,/^}/s/r = pal_sys_madvise(v, n, LX_MADV_DONTNEED);/r = pal_sys_madvise(v, n, how == PAL_PURGE_ZERO ? LX_MADV_FREE : LX_MADV_DONTNEED);/@1@MADV_FREE"
  "purge-lazy-remaps@pal/linux/mem_linux.c@/^static inline int purge_release/,/^}/s/r = pal_sys_madvise(v, n, LX_MADV_FREE);/r = remap(v, n, PROT_RW);/@0@MADV_FREE"
  "purge-how-half-checked@pal/pal_mem.c@/^static int bad_purge/,/^}/s/return how != PAL_PURGE_ZERO && how != PAL_PURGE_LAZY;/return (how \& ~3u) != 0;/@0@-"
  "purge-each-done-short@pal/pal_os.h@/pal_os_purge_each/,/^}/s/\*done = count;/*done = count - 1;/@0@-"
  "purge-one-page-short@pal/linux/mem_linux.c@/^static inline int purge_release/,/^}/s/pal_sys_madvise(v, n, /pal_sys_madvise(v, n - os_page_size(), /@0@-"
  "purge-marks-nothing@pal/linux/mem_linux.c@/^int pal_os_purge(/,/^}/s/if (policy \& PAL_POLICY_THP_GRANULAR)/if (policy \& 0)/@0@THP"
  # the record of ranges that asked (pal/pal_ranges.h): a lookup by
  # containment instead of overlap, a record that never fills (the ranges
  # past it forgotten), a free that drops nothing, marks on every range
  "record-lookup-misses-overlap@pal/pal_ranges.h@/^static inline int pal_ranges_overlap/,/^}/s/if (pal_ranges_hide(b) <= last \&\& first <= e)/if (pal_ranges_hide(b) <= first \&\& last <= e)/@0@PROTECT"
  "record-never-full@pal/pal_ranges.h@/^static inline void pal_ranges_note/,/^}/s/__atomic_store_n(\&r->full, 1, __ATOMIC_SEQ_CST);/(void)0;/@0@PROTECT"
  "record-free-drops-nothing@pal/pal_mem.c@/^int pal_mem_free/,/^}/s/pal_ranges_drop(\&narrowed, /if (0) pal_ranges_drop(\&narrowed, /@0@PROTECT"
  "marks-on-every-range@pal/linux/mem_linux_marks.h@/^static int marks_needed/,/^}/s/if (pal_ranges_overlap(\&huge_ranges, first, last))/if ((first | last) || 1)/@0@THP"
  # the record of marked huge pages: a page marked again on every release,
  # a mark it could not record never undone
  "marks-made-again@pal/linux/mem_linux_marks.h@/^static int mark_wanted/,/^}/s/pal_ranges_covered(\&marked_pages, page, page + h - 1))/(h == 0 \&\& pal_ranges_covered(\&marked_pages, page, page + h - 1)))/@0@THP"
  "unrecorded-marks-kept@pal/linux/mem_linux_marks.h@/^static int mark_wanted/,/^}/s/pal_os_flag_set(\&marks_unrecorded);/(void)0;/@0@THP"
  "purge-ranges-unchecked@pal/pal_mem.c@/^int pal_mem_purge_ranges/,/^}/s/if (bad_range(r\[i\].v, r\[i\].n))/if (0)/@0@-"
  # acquire, used_zero, dump, info: exact placement that clobbers, an
  # alignment not kept, a flag dropped, a promise of zeroes after a lazy
  # release, the dump advice inverted, a THP mode misread, a bad spec taken
  "acquire-exact-clobbers@pal/linux/mem_linux.c@/^int pal_os_acquire/,/^}/s/flags |= LX_MAP_FIXED_NOREPLACE;/flags |= LX_MAP_FIXED;/@0@-"
  "acquire-unaligned@pal/linux/mem_linux.c@/^int pal_os_acquire/,/^}/s/start = pal_align_up(base, s->align);/start = base + os_page_size();/@0@-"
  "acquire-drops-nodump@pal/linux/mem_linux.c@/^int pal_os_acquire/,/^}/s/if ((s->flags \& PAL_SPEC_NODUMP) \&\&/if (0 \&\&/@0@-"
  "acquire-drops-noreserve@pal/linux/mem_linux.c@/^int pal_os_acquire/,/^}/s/flags |= LX_MAP_NORESERVE;/(void)0;/@0@-"
  "acquire-takes-prot-unasked@pal/pal_mem.c@/^int pal_mem_acquire/,/^}/s/if (s.state != PAL_STATE_READY \&\& s.prot != 0)/if (0)/@0@-"
  "used-zero-always-promises@pal/pal_mem.c@/^int pal_mem_used_zero/,/^}/s/z = !__atomic_load_n(\&lazy_released, __ATOMIC_RELAXED);/z = 1;/@0@MADV_FREE"
  "dump-advice-inverted@pal/linux/mem_linux.c@/^int pal_os_dump/,/^}/s/include ? LX_MADV_DODUMP : LX_MADV_DONTDUMP/include ? LX_MADV_DONTDUMP : LX_MADV_DODUMP/@0@-"
  "info-thp-madvise-misread@pal/linux/mem_linux.c@/^void pal_os_info/,/^}/s/else if (got > 0 \&\& p\[0\] == '\[' \&\& p\[1\] == 'm')/else if (0)/@0@THP"
  # write tracking: a reset that loses the last region it reported (the
  # report re-armed but not returned), and a report a page short at each
  # region's end
  "reset-loses-a-write@pal/linux/mem_linux_track.h@/^int pal_os_written/,/^}/s/for (i = 0; i < (uintptr_t)r; i++)/for (i = 0; i + (reset ? 1 : 0) < (uintptr_t)r; i++)/@1@TRACK"
  # a forked child registering through, or reading by, its parent's descriptors
  "fd-shared-across-fork@pal/linux/mem_linux_track.h@/^static long owned_fd_get/,/^}/s/if (pid == me \&\& old >= 0)/if (old >= 0)/@0@TRACK"
  "written-region-page-short@pal/linux/mem_linux_track.h@/^int pal_os_written/,/^}/s/p < (uintptr_t)vec\[i\].end; p += ps)/p + ps < (uintptr_t)vec[i].end; p += ps)/@0@TRACK"
)

# whether the features word (0x...) has every PAL_FEAT_<name> of a
# +-joined list, as pal_mem.h numbers them
has_features() {
  local bit name
  for name in ${2//+/ }; do
    bit=$(sed -n "s/^#define PAL_FEAT_$name *(1u << \([0-9]*\)).*/\1/p" "$out/pal.orig/pal_mem.h")
    [ -n "$bit" ] && [ $(( $1 >> bit & 1 )) -eq 1 ] || return 1
  done
}

# why the mutated path is not taken on this machine; nothing if it is
not_taken() {
  case $1 in
    -) ;;
    thp-always)
      grep -qF '[always]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null ||
        echo "THP is not \"always\" here: no write faults in a huge page unasked" ;;
    *) has_features "${feats:-0}" "$1" ||
        echo "PAL_FEAT_${1//+/ or PAL_FEAT_} clear here, the mutated path is not taken" ;;
  esac
}

# The copy of the library and its tests, configured, and every test built
# on the unchanged library.
build() {
  local log=$out/build.log
  rm -rf "$out"
  mkdir -p "$out/src"
  cp -r "$root/CMakeLists.txt" "$root/cmake" "$root/pal" "$root/tests" "$root/tools" "$out/src/"
  # the sources as copied: each mutant starts from these, whatever the
  # tree holds by then
  cp -r "$out/src/pal" "$out/pal.orig"
  cmake -S "$out/src" -B "$out/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=gcc -DPAL_BUILD_TOOLS=OFF >"$log" 2>&1 &&
    cmake --build "$out/build" -j "$jobs" >>"$log" 2>&1 ||
    { echo "the unchanged library does not build (see $log)"; return 1; }
}

# The selected mutants (fast, names, or all) into sel.
select_mutants() {
  local t name f
  sel=()
  for t in "${MUTANTS[@]}"; do
    IFS='@' read -r name _ _ f _ <<<"$t"
    if [ "${1:-}" = fast ]; then
      [ "$f" = 1 ] || continue
    elif [ $# -gt 0 ]; then
      [[ " $* " == *" $name "* ]] || continue
    fi
    sel+=("$t")
  done
  [ ${#sel[@]} -gt 0 ] || { echo "no such mutant: $*" >&2; return 1; }
}

# The suite on the copy as it is now, into log $1: every ctest test with
# the first seed (up to the first failure), then the fuzzer with each
# other seed.  Sets caught ("" if everything passed, else the test that
# failed and the first thing it said).  A failure counts only if the
# test fails again on its own: a few tests read machine-wide counters
# (the hugetlb pools' free pages, the commit charge) that another
# process's run can move; a test that passes the second time is left
# out and the suite run again without it.
run_suite() {
  local log=$1 first=${seeds%% *} s t line out_of="" round
  caught=""
  : >"$log"
  for round in 1 2 3; do
    if (cd "$out/build" && PAL_FUZZ_SEED=$first ctest -j "$jobs" --timeout 120 \
        ${out_of:+-E "$out_of"} --stop-on-failure --output-on-failure) >>"$log" 2>&1; then
      break
    fi
    t=$(sed -n '/^The following tests FAILED:/,$s/^[[:space:]]*[0-9]* - \([^ ]*\) (.*/\1/p' "$log" |
      tail -1)
    # its output follows its status line (--output-on-failure)
    line=$(awk -v t="$t" '$0 ~ "Test +#[0-9]+: " t " " { l = "" }
      $0 ~ "Test +#[0-9]+: " t " " { f = 1; next }
      f && /^(FAIL |[[:space:]]*\| *DIVERGENCE)/ { l = $0; f = 0 } END { print l }' "$log" |
      sed 's/^ *| *//')
    if [ -n "$t" ] && ! (cd "$out/build" && PAL_FUZZ_SEED=$first ctest --timeout 120 \
        -R "^$t\$") >>"$log" 2>&1; then
      caught="$t (seed $first): ${line:-see $log}"
      return
    fi
    [ -n "$t" ] || { caught="ctest (seed $first): see $log"; return; }
    echo "== $t passed when run again: the suite again without it" >>"$log"
    out_of="${out_of:+$out_of|}^$t\$"
  done
  for s in ${seeds#"$first"}; do
    if ! PAL_FUZZ_SEED=$s timeout 120 "$out/build/tests/test_fuzz" >"$log.seed" 2>&1; then
      cat "$log.seed" >>"$log"
      line=$(grep -a -m1 -E '^(FAIL |[[:space:]]*\| *DIVERGENCE)' "$log.seed" | sed 's/^ *| *//')
      caught="test_fuzz (seed $s): ${line:-see $log}"
      return
    fi
    cat "$log.seed" >>"$log"
  done
}

run_tests() {
  local t name file script f need pass=0 fail=0 skip=0 line log feats sel caught orig why
  select_mutants "$@" || return 1
  [ -x "$out/build/tests/test_fuzz" ] || { echo "not built: run tools/mutants.sh build first"; return 1; }
  run_suite "$out/unchanged.log"
  if [ -n "$caught" ]; then
    echo "FAIL unchanged: the suite fails on the unchanged library: $caught"
    echo "0 passed, 1 failed, 0 skipped"
    return 1
  fi
  echo "unchanged library: passes (seeds $seeds)"
  feats=$(PAL_FUZZ_SEED=1 PAL_FUZZ_OPS=1 "$out/build/tests/test_fuzz" 2>&1 |
    sed -n 's/.*; features \(0x[0-9a-f]*\);.*/\1/p' | head -1)
  for t in "${sel[@]}"; do
    IFS='@' read -r name file script f need <<<"$t"
    orig=$out/pal.orig/${file#pal/}
    cp "$orig" "$out/src/$file"
    sed -i "$script" "$out/src/$file"
    log=$out/$name.log
    why=$(not_taken "$need")
    if [ -n "$why" ]; then
      line="skipped $name: $why"
      skip=$((skip + 1))
    elif cmp -s "$orig" "$out/src/$file"; then
      line="FAIL $name: not applied (its sed no longer matches $file)"
      fail=$((fail + 1))
    elif ! cmake --build "$out/build" -j "$jobs" >"$log" 2>&1; then
      line="FAIL $name: does not build (see $log)"
      fail=$((fail + 1))
    else
      run_suite "$log.suite"
      if [ -n "$caught" ]; then
        line="ok   $name: caught by $caught"
        pass=$((pass + 1))
      else
        line="FAIL $name: MISSED by the whole suite (see $log.suite)"
        fail=$((fail + 1))
      fi
    fi
    echo "$line"
    cp "$orig" "$out/src/$file"
  done
  # the copy is the unchanged library again, built
  cmake --build "$out/build" -j "$jobs" >/dev/null 2>&1
  echo "$pass passed, $fail failed, $skip skipped"
  [ "$fail" -eq 0 ]
}

case ${1:-} in
  list) for t in "${MUTANTS[@]}"; do echo "${t%%@*}"; done ;;
  build) shift; select_mutants "$@" >/dev/null && build ;;
  test) shift; run_tests "$@" ;;
  *) build && run_tests "$@" ;;
esac
