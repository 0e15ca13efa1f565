#!/usr/bin/env bash
# tools/test-all.sh - install what is missing, then build and test libpal on
# every target: prints a table (target x compiler: passed, failed, skipped,
# seconds) and ends with "N passed, N failed, N skipped".  Exits non-zero if
# anything failed or could not be built.
#
#   tools/test-all.sh                 every target
#   tools/test-all.sh amd64-gcc ...   only those (names as in the table)
#   tools/test-all.sh --list          the target names
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
out=${PAL_TEST_OUT:-$root/build-matrix}
jobs=$(nproc 2>/dev/null || echo 2)

# name | how: one line per target.  Kinds:
#   native <cc>                 this machine, compiler cc
#   cross <toolchain>           cmake/toolchains/<toolchain>.cmake, tests under qemu-user
#   backend <os> <cc>           PAL_BACKEND=<os> forced on this Linux host
#   buildonly <toolchain>       built and linked, not run (no machine to run it)
TARGETS=(
  "amd64-gcc|native gcc"
  "amd64-clang|native clang-19"
)

# Debian packages the targets need.
PACKAGES=(cmake ninja-build python3 gcc clang-19 lld-19 llvm-19 binutils)

install_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages (run as root, or: sudo apt-get install ${missing[*]})" >&2
    return 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# configure + build + ctest one target; sets r_pass r_fail r_skip r_note
run_target() {
  local name=$1 kind=$2 a=${3:-} b=${4:-}
  local dir=$out/$name log=$out/$name.log
  local cfg=(-S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo)
  local run_tests=1
  case $kind in
    native) cfg+=(-DCMAKE_C_COMPILER="$a") ;;
    cross) cfg+=(-DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/$a.cmake") ;;
    backend) cfg+=(-DPAL_BACKEND="$a" -DCMAKE_C_COMPILER="$b") ;;
    buildonly) cfg+=(-DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/$a.cmake"); run_tests=0 ;;
  esac
  r_pass=0 r_fail=0 r_skip=0 r_note=""
  rm -rf "$dir"
  if ! cmake "${cfg[@]}" >"$log" 2>&1 || ! cmake --build "$dir" -j "$jobs" >>"$log" 2>&1; then
    r_fail=1 r_note="build failed (see $log)"
    return
  fi
  if [ $run_tests -eq 0 ]; then
    r_note="built and linked, not run"
    return
  fi
  (cd "$dir" && ctest -V -j "$jobs" --timeout 300) >>"$log" 2>&1
  local ctest_failed
  ctest_failed=$(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of.*/\1/p' "$log" | tail -1)
  read -r r_pass r_fail r_skip < <(grep -aE '^[0-9]+: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" |
    awk '{p+=$2; f+=$4; s+=$6} END {print p+0, f+0, s+0}')
  # a test binary that crashed or printed no summary still counts as failed
  if [ "${ctest_failed:-1}" -gt 0 ] && [ "$r_fail" -eq 0 ]; then
    r_fail=${ctest_failed:-1} r_note="ctest: ${ctest_failed:-?} test binaries failed (see $log)"
  elif [ "$r_fail" -gt 0 ]; then
    r_note="see $log"
  fi
}

main() {
  local want=() t
  if [ "${1:-}" = "--list" ]; then
    for t in "${TARGETS[@]}"; do echo "${t%%|*}"; done
    return 0
  fi
  want=("$@")
  install_packages || return 1
  mkdir -p "$out"
  local tp=0 tf=0 ts=0 start elapsed line name how
  local table=()
  for t in "${TARGETS[@]}"; do
    name=${t%%|*} how=${t#*|}
    if [ ${#want[@]} -gt 0 ] && [[ " ${want[*]} " != *" $name "* ]]; then continue; fi
    start=$(date +%s)
    # shellcheck disable=SC2086
    run_target "$name" $how
    elapsed=$(( $(date +%s) - start ))
    line=$(printf '%-22s %7s %7s %8s %6ss  %s' "$name" "$r_pass" "$r_fail" "$r_skip" "$elapsed" "$r_note")
    echo "$line"
    table+=("$line")
    tp=$((tp + r_pass)) tf=$((tf + r_fail)) ts=$((ts + r_skip))
  done
  echo
  printf '%-22s %7s %7s %8s %7s\n' "target" "passed" "failed" "skipped" "time"
  for line in "${table[@]}"; do echo "$line"; done
  echo
  echo "$tp passed, $tf failed, $ts skipped"
  [ "$tf" -eq 0 ]
}

main "$@"
