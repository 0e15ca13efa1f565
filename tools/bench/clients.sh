# shellcheck shell=bash disable=SC2154  # $root: the sourcing script's
# tools/bench/clients.sh - what the clients' benchmarks (clients/*/run.sh
# bench) share: the runner (benchrun.c) and its list of runs, and the
# tables (clients.py).  Sourced, with $root set.
#
#   bench_runner DIR            builds DIR/benchrun (static: the same
#                               program runs natively and in the test VM)
#   bench_add SPEC VARIANT SETTING WORKLOAD [cd=DIR] [NAME=VALUE]... -- PROGRAM [ARG]...
#                               one more run in the list SPEC (words without
#                               blanks: the list has no quoting)
#   bench_copy SRC DST          DST: a copy of the build SRC, file for file:
#                               the control contender, which differs from
#                               the base in nothing but its path
#   bench_vm RUNNER DIR ROWS KERNEL_ARG...
#                               the runner in the test VM (below)
#   bench_tables ROWS [clients.py options]
#                               the markdown tables of the rows

bench_runner() {
  mkdir -p "$1" &&
    gcc -O2 -Wall -Wextra -Werror -std=gnu99 -static -o "$1/benchrun" "$root/tools/bench/benchrun.c"
}

bench_add() {
  local spec=$1
  shift
  echo "run $*" >>"$spec"
}

bench_copy() {
  rm -rf "$2" && cp -a "$1" "$2"
}

bench_tables() {
  python3 "$root/tools/bench/clients.py" "$@"
}

# bench_vm RUNNER DIR ROWS KERNEL_ARG...: boots the amd64 test VM
# (tools/vm) with RUNNER (bench_runner's) as its one test program and DIR/data as its /data: the
# list DIR/data/bench.spec, whose programs (statically linked) are in
# DIR/data too, named by their path there (/data/...).  Appends the rows
# the runner prints to ROWS; the console to DIR.log.  Fails if the runner
# did not end with status 0 (a run in it failed, or a run hung past the
# list's timeout).
bench_vm() {
  local runner=$1 dir=$2 rows=$3
  shift 3
  mkdir -p "$dir/tests" && cp "$runner" "$dir/tests/test_benchrun" || return 1
  PAL_VM_TIMEOUT=${PAL_VM_TIMEOUT:-1800} "$root/tools/vm/run.sh" -m amd64 "$dir" "$@" >"$dir.log" 2>&1
  grep -aE '^(benchrow|benchrun: FAIL) ' "$dir.log" >>"$rows"
  grep -aq '^vmtest test_benchrun exit 0 ' "$dir.log"
}
