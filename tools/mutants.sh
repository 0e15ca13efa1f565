#!/usr/bin/env bash
# tools/mutants.sh - deliberate bugs ("mutants") in a copy of the library:
# the fuzzer (tests/test_fuzz.c) must fail on each one within its short
# run, or its green runs mean less than they seem to.
#
#   tools/mutants.sh [fast | NAME...]        build, then test
#   tools/mutants.sh build|test [fast|NAME...]  one step (tools/test-all.sh's
#                                            script target calls both)
#   tools/mutants.sh list                    the names
#
# Without names, every mutant; "fast", the few the test command runs.
# Each mutant is a sed script on one file of pal/.  The copy is built
# natively (gcc, the Linux backend) in $PAL_OUT (default
# build-matrix/mutants); the fuzzer runs with PAL_FUZZ_SEED (default 1)
# and its default length.  One line per mutant (caught, MISSED, not
# applied when its sed no longer matches the source, or skipped when the
# path it changes is not taken here), then "N passed, N failed,
# N skipped": a caught mutant is a pass.  Exits non-zero if any was
# missed or could not be applied, or if the unchanged library does not
# pass first.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
out=${PAL_OUT:-$root/build-matrix/mutants}
seed=${PAL_FUZZ_SEED:-1}

# name @ file @ sed script @ in the fast set (1) or not (0) @ the PAL_FEAT_*
# bit without which the mutated path is never taken (-: none).  This
# machine's kernel, say, may have no batched release (process_madvise on
# the own process), so a mutant of that path is skipped, not passed.
MUTANTS=(
  # the defect of issue 8: used under another policy after a hard decommit
  "used-forgets-harddecommit@pal/pal_mem.c@/^static unsigned used_policy/,/^}/s/p |= PAL_POLICY_HARD_DECOMMIT;/(void)0;/@1@-"
  "used-never-mprotects@pal/linux/mem_linux.c@/^int pal_os_used/,/^}/s/if ((policy & PAL_POLICY_HARD_DECOMMIT) || strict_commit())/if (0)/@0@-"
  "used-one-page-short@pal/linux/mem_linux.c@/^int pal_os_used/,/^}/s/pal_sys_mprotect(v, n, PROT_RW)/pal_sys_mprotect(v, n - os_page_size(), PROT_RW)/@0@-"
  "unused-releases-nothing@pal/linux/mem_linux.c@/^int pal_os_unused(/,/^}/s/: release(v, n, policy, hard ? LX_PROT_NONE : PROT_RW, &remapped);/: ((void)release, PAL_OK);/@1@-"
  "unused-zeroes-lies@pal/linux/mem_linux.c@/^int pal_os_unused_zeroes/,/^}/s/return !have(PAL_FEAT_MADV_FREE);/return 1;/@0@MADV_FREE"
  "harddecommit-keeps-access@pal/linux/mem_linux.c@/^int pal_os_unused(/,/^}/s/int hard = (policy & PAL_POLICY_HARD_DECOMMIT) && !strict;/int hard = 0;/@0@-"
  "unused-ranges-done-short@pal/linux/mem_linux.c@/^int pal_os_unused_ranges/,/^}/s/^    \*done = count;/    *done = count - 1;/@1@BATCH"
  "unused-each-done-short@pal/pal_os.h@/pal_os_unused_each/,/^}/s/\*done = count;/*done = count - 1;/@0@-"
  "unused-ranges-skips-last@pal/linux/mem_linux.c@/^int pal_os_unused_ranges/,/^}/s/while (i < count) {/while (i + 1 < count) {/@0@BATCH"
  "fault-keeps-access@pal/linux/mem_linux.c@/^int pal_os_fault/,/^}/s/r = pal_sys_mprotect(v, n, LX_PROT_NONE);/r = 0;/@1@-"
  "fault-keeps-pages@pal/linux/mem_linux.c@/^int pal_os_fault/,/^}/s/r = pal_sys_madvise(v, n, LX_MADV_DONTNEED);/r = 0;/@0@RESIDENT"
  "free-one-page-too-many@pal/linux/mem_linux.c@/^int pal_os_free/,/^}/s/pal_sys_munmap(v, n)/pal_sys_munmap(v, n + os_page_size())/@1@-"
  "free-one-page-too-few@pal/linux/mem_linux.c@/^int pal_os_free/,/^}/s/pal_sys_munmap(v, n)/pal_sys_munmap(v, n - os_page_size())/@0@-"
  "map-einval-is-enomem@pal/pal_mem.c@/^int pal_mem_map/,/^}/s/return PAL_EINVAL;/return PAL_ENOMEM;/@1@-"
  "size-not-checked@pal/pal_mem.c@/^static int bad_size/,/^}/s/ || (n & (ps - 1)) != 0//@0@-"
  "wrap-not-checked@pal/pal_mem.c@/^static int bad_range/,/^}/s/ || p + n <= p//@0@-"
  "policy-takes-unknown-bits@pal/pal_mem.c@/^int pal_mem_set_policy/,/^}/s/if (flags & ~POLICY_ALL)/if (0)/@0@-"
  "einval-after-an-os-call@pal/pal_mem.c@/^int pal_mem_fault/,/^}/s/if (bad_range(v, n))/if (pal_os_count_call(), bad_range(v, n))/@0@-"
  "protect-drops-write@pal/linux/mem_linux.c@/^int pal_os_protect/,/^}/s/p |= LX_PROT_READ | LX_PROT_WRITE;/p |= LX_PROT_READ;/@0@-"
  "protect-pretends-mte-bti@pal/linux/mem_linux.c@/^int pal_os_protect/,/^}/s/return PAL_ENOSYS;/(void)0;/@0@-"
  "guard-does-nothing@pal/linux/mem_linux.c@/^int pal_os_guard/,/^}/s/r = pal_sys_\(madvise\|mprotect\)(v, n, LX_\(MADV_GUARD_INSTALL\|PROT_NONE\));/r = ((void)v, (void)n, 0);/@0@-"
  "reserve-at-clobbers@pal/linux/mem_linux.c@/^int pal_os_reserve_at/,/^}/s/LX_MAP_FIXED_NOREPLACE/LX_MAP_FIXED/@0@-"
  "reserve-hint-clobbers@pal/linux/mem_linux.c@/^int pal_os_reserve(/,/^}/s/MAP_ANON_PRIVATE, -1, 0)/MAP_ANON_PRIVATE | (hint ? LX_MAP_FIXED : 0), -1, 0)/@0@-"
  "reserve-aligned-unaligned@pal/linux/mem_linux.c@/^int pal_os_reserve_aligned/,/^}/s/start = pal_align_up(base, align);/start = base + os_page_size();/@0@-"
  "map-keeps-the-old-mapping@pal/linux/mem_linux.c@/^int pal_os_map/,/^}/s/int err = remap(v, n, PROT_RW);/int err = pal_sys_mprotect(v, n, PROT_RW) == 0 ? PAL_OK : PAL_ENOMEM;/@0@-"
  "populate-does-nothing@pal/linux/mem_linux.c@/^int pal_os_populate/,/^}/s/r = pal_sys_madvise(v, n, LX_MADV_POPULATE_WRITE);/r = 0;/@0@POPULATE"
  "resident-counts-all@pal/linux/mem_linux.c@/^int pal_os_resident/,/^}/s/total += vec\[i\] & 1;/total += 1;/@0@RESIDENT"
  "hugepage-hint-fails@pal/linux/mem_linux.c@/^int pal_os_hugepage/,/^}/s/return r == 0 ? PAL_OK : pal_sys_error(r);/return (void)r, PAL_EAGAIN;/@0@THP"
  "marks-whole-released-range@pal/linux/mem_linux.c@/^int pal_os_unused(/,/^}/s/madvise_hint((uintptr_t)marks\[i\].v, marks\[i\].n, LX_MADV_NOHUGEPAGE);/madvise_hint((uintptr_t)v, n, LX_MADV_NOHUGEPAGE);/@1@THP"
)

# whether the features word (0x...) has PAL_FEAT_<name>, as pal_mem.h says
has_feature() {
  local bit
  bit=$(sed -n "s/^#define PAL_FEAT_$2 *(1u << \([0-9]*\)).*/\1/p" "$root/pal/pal_mem.h")
  [ -n "$bit" ] && [ $(( $1 >> bit & 1 )) -eq 1 ]
}

# The copy of what the fuzzer's build needs, configured, and the fuzzer
# built on the unchanged library.
build() {
  local log=$out/build.log
  rm -rf "$out"
  mkdir -p "$out/src"
  cp -r "$root/CMakeLists.txt" "$root/cmake" "$root/pal" "$root/tests" "$out/src/"
  cmake -S "$out/src" -B "$out/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=gcc -DPAL_BUILD_TOOLS=OFF >"$log" 2>&1 &&
    cmake --build "$out/build" --target test_fuzz >>"$log" 2>&1 ||
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

run_tests() {
  local t name file script f need pass=0 fail=0 skip=0 line log rc feats sel
  select_mutants "$@" || return 1
  [ -x "$out/build/tests/test_fuzz" ] || { echo "not built: run tools/mutants.sh build first"; return 1; }
  if ! PAL_FUZZ_SEED=$seed "$out/build/tests/test_fuzz" >"$out/unchanged.log" 2>&1; then
    echo "the fuzzer fails on the unchanged library (see $out/unchanged.log)"
    echo "0 passed, 1 failed, 0 skipped"
    return 1
  fi
  echo "unchanged library: passes (seed $seed)"
  feats=$(sed -n 's/.*; features \(0x[0-9a-f]*\);.*/\1/p' "$out/unchanged.log" | head -1)
  for t in "${sel[@]}"; do
    IFS='@' read -r name file script f need <<<"$t"
    cp "$root/$file" "$out/src/$file"
    sed -i "$script" "$out/src/$file"
    log=$out/$name.log
    if [ "$need" != - ] && ! has_feature "${feats:-0}" "$need"; then
      line="skipped: PAL_FEAT_$need is clear here, the mutated path is not taken"
      skip=$((skip + 1))
    elif cmp -s "$root/$file" "$out/src/$file"; then
      line="not applied (its sed no longer matches $file)"
      fail=$((fail + 1))
    elif ! cmake --build "$out/build" --target test_fuzz >"$log" 2>&1; then
      line="does not build (see $log)"
      fail=$((fail + 1))
    else
      rc=0
      PAL_FUZZ_SEED=$seed timeout 120 "$out/build/tests/test_fuzz" >>"$log" 2>&1 || rc=$?
      if [ "$rc" -ne 0 ] && grep -q "DIVERGENCE" "$log"; then
        line="caught: $(grep -m1 'DIVERGENCE' "$log" | sed 's/^ *| *DIVERGENCE //')"
        pass=$((pass + 1))
      elif [ "$rc" -ne 0 ]; then
        line="caught: the fuzzer ended with status $rc (see $log)"
        pass=$((pass + 1))
      else
        line="MISSED (see $log)"
        fail=$((fail + 1))
      fi
    fi
    printf '%-28s %s\n' "$name" "$line"
    cp "$root/$file" "$out/src/$file"
  done
  # the copy is the unchanged library again, built
  cmake --build "$out/build" --target test_fuzz >/dev/null 2>&1
  echo "$pass passed, $fail failed, $skip skipped"
  [ "$fail" -eq 0 ]
}

case ${1:-} in
  list) for t in "${MUTANTS[@]}"; do echo "${t%%@*}"; done ;;
  build) shift; select_mutants "$@" >/dev/null && build ;;
  test) shift; run_tests "$@" ;;
  *) build && run_tests "$@" ;;
esac
