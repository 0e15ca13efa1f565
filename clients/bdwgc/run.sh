#!/usr/bin/env bash
# clients/bdwgc/run.sh - the Boehm GC (bdwgc 8.2.2, Debian's source package
# libgc) with its heap memory from libpal.
#
#   run.sh build <target>   libpal, then bdwgc with bdwgc.patch and gc_pal.c,
#                           then the check that no object of libgc.a but the
#                           write barrier's makes memory calls of its own;
#                           the same again with libpal's write tracking as
#                           the incremental mode's dirty bits (GC_PAL_VDB)
#   run.sh test <target>    bdwgc's make check (a subset under qemu), gctest
#                           under harddecommit, churn, then the tracking
#                           build's (vdb/...): one line per test, then
#                           "N passed, N failed, N skipped"
#   run.sh bench            natively, bdwgc with its own os_dep.c and on
#                           libpal side by side, and incremental gctest on
#                           each dirty-bit implementation: markdown on stdout
#                           (--no-build: measure the builds of the last
#                           bench; --quick: one round, a smoke only)
#
# <target>: amd64 (this machine, gcc) or a cross target with a gcc toolchain
# file in cmake/toolchains (arm64, s390x, ...), run under its qemu-user.
# Output: $PAL_CLIENT_OUT/bdwgc-<target> and bdwgc-<target>-vdb (default
# build-clients/ here).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tools/lib.sh
. "$root/tools/lib.sh"
out=${PAL_CLIENT_OUT:-$root/build-clients}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)} # tools/test-all.sh sets JOBS

# bdwgc's own tests (tests/tests.am, cord/cord.am) as configured here:
# threads, no C++.  Under qemu only those that take a few seconds there,
# gctest with 1 thread besides main instead of 5, and no incremental mode:
# bdwgc's mprotect write barrier fails under qemu-user 7.2 with its own
# os_dep.c too, unmapping or not ("Found nonzero ... allocator is broken",
# bdwgc issue 541).
ALL_TESTS="cordtest leaktest middletest smashtest hugetest realloc_test
  staticrootstest test_atomic_ops threadleaktest threadkey_test
  subthreadcreate_test initsecondarythread_test disclaim_test gctest
  disclaim_weakmap_test disclaim_bench"
QEMU_TESTS="cordtest leaktest middletest smashtest hugetest realloc_test
  test_atomic_ops threadleaktest threadkey_test subthreadcreate_test
  initsecondarythread_test gctest"
QEMU_GCTEST_THREADS=1
QEMU_ENV=(GC_DISABLE_INCREMENTAL=1)
CHURN_CYCLES=100 QEMU_CHURN_CYCLES=40
TEST_TIMEOUT=300

# The memory calls the OS memory layer must not make itself.
MEM_CALLS="mmap mmap64 munmap mremap madvise posix_madvise mprotect mincore"

# sets triple (empty natively), qemu (command prefix, empty natively), nm
target_setup() {
  local tc=$root/cmake/toolchains/$1-gcc.cmake arch
  if [ "$1" = amd64 ]; then
    [ "$(uname -m)" = x86_64 ] || die "amd64 is built natively only"
    triple="" qemu="" nm=nm
    return
  fi
  [ -f "$tc" ] || die "unknown target $1 (no $tc)"
  triple=$(sed -n 's/^set(PAL_TRIPLE \(.*\))$/\1/p' "$tc")
  arch=$(sed -n 's/^set(PAL_QEMU \(.*\))$/\1/p' "$tc")
  [ -n "$triple" ] && [ -n "$arch" ] || die "$tc names no PAL_TRIPLE or PAL_QEMU"
  qemu="qemu-$arch-static -L /usr/$triple" nm=$triple-nm
}

# build_gc <dir> <pal|vdb|own> <target> [CFLAGS]: bdwgc in <dir>/gc on
# libpal (built in <dir>/pal), the same with libpal's write tracking for
# its incremental mode (vdb: -DGC_PAL_VDB), or as released (own), and
# churn in <dir>
build_gc() {
  local dir=$1 kind=$2 t=$3 cflags=${4:-} src tarball cfg=() libs=() defs=
  src=$("$root/tools/fetch.sh" source libgc) || die "cannot fetch libgc"
  tarball=$(ls "$src"/libgc_*.orig.tar.gz)
  rm -rf "$dir" && mkdir -p "$dir/src" "$dir/gc"
  tar xzf "$tarball" -C "$dir/src" --strip-components=1
  if [ "$kind" != own ]; then
    cfg=(-S "$root" -B "$dir/pal" -G Ninja -DCMAKE_BUILD_TYPE=Release
      -DPAL_BUILD_TESTS=OFF -DPAL_BUILD_TOOLS=OFF)
    if [ -n "$triple" ]; then
      cfg+=(-DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/$t-gcc.cmake")
    else
      cfg+=(-DCMAKE_C_COMPILER=gcc)
    fi
    { cmake "${cfg[@]}" && cmake --build "$dir/pal" -j "$jobs"; } >"$dir/pal.log" 2>&1 ||
      die "libpal build failed (see $dir/pal.log)"
    patch -s -d "$dir/src" -p1 <"$here/bdwgc.patch" || die "bdwgc.patch does not apply"
    cp "$here/gc_pal.c" "$dir/src/"
    libs=(-L"$dir/pal" -lpal)
  fi
  # Static programs, so qemu needs no sysroot to load them.  libtool hands
  # -static to the compiler only when spelled -all-static, which the
  # compiler itself refuses: configure gets -static, make -all-static.
  cfg=(--enable-munmap --with-libatomic-ops=none --disable-shared --enable-static
    --disable-dependency-tracking CFLAGS="-O2 -g $cflags" LDFLAGS=-static)
  [ -n "$triple" ] && cfg+=(--host="$triple" --build="$(uname -m)-linux-gnu")
  # libpal as -lpal: a path to libpal.a would make libtool put the archive
  # itself into libgc.a
  [ "$kind" = vdb ] && defs=" -DGC_PAL_VDB"
  [ "$kind" != own ] && cfg+=(CPPFLAGS="-DGC_USE_PAL$defs -I$root/pal" LIBS="${libs[*]}")
  (cd "$dir/gc" && "$dir/src/configure" "${cfg[@]}") >"$dir/gc.log" 2>&1 ||
    die "bdwgc configure failed (see $dir/gc.log)"
  # the library and every test program, none run yet
  make -C "$dir/gc" -j "$jobs" check TESTS= LDFLAGS=-all-static >>"$dir/gc.log" 2>&1 ||
    die "bdwgc build failed (see $dir/gc.log)"
  "${triple:+$triple-}gcc" -O2 -static -I"$dir/src/include" -o "$dir/churn" "$here/churn.c" \
    "$dir/gc/.libs/libgc.a" "${libs[@]}" -lpthread >>"$dir/gc.log" 2>&1 ||
    die "churn build failed (see $dir/gc.log)"
}

# No object of libgc.a may reference the memory calls, except os_dep.o,
# which keeps the incremental collector's write barrier (MPROTECT_VDB:
# mprotect on heap pages in use, also from its SIGSEGV handler) and may
# reference mprotect.  That this mprotect is the barrier's alone is shown
# by compiling os_dep.c once more, with the Makefile's own command, without
# the barrier (GC_DISABLE_INCREMENTAL): that object must reference none.
# check_calls <dir> vdb: the barrier is libpal's write tracking, and
# gc_pal.o's: os_dep.o may not reference mprotect either.
check_calls() {
  local gc=$1/gc vdb=${2:-} re hits obj calls seen=" " bad=0 sym
  re="^($(echo $MEM_CALLS | tr ' ' '|'))\$"
  # grep reads all of nm's output: with -q it could stop first, and nm's
  # SIGPIPE would fail the pipeline (pipefail)
  for sym in GC_unix_get_mem ${vdb:+GC_dirty_init GC_pal_read_dirty}; do
    $nm -A "$gc/.libs/libgc.a" | grep "gc_pal.o:.* T $sym\$" >/dev/null ||
      { echo "check: libgc.a has no gc_pal.o defining $sym" >&2; return 1; }
  done
  printf '%s\n\t%s\n' 'os_dep-novdb.o: $(srcdir)/os_dep.c' \
    '$(COMPILE) -DGC_DISABLE_INCREMENTAL -c -o $@ $(srcdir)/os_dep.c' >"$gc/novdb.mk"
  make -C "$gc" -s -f Makefile -f novdb.mk os_dep-novdb.o >/dev/null ||
    { echo "check: os_dep.c does not compile without the write barrier" >&2; return 1; }
  # one "object call" line per reference
  hits=$({ $nm -u -A "$gc/.libs/libgc.a"; $nm -u -A "$gc/os_dep-novdb.o"; } |
    awk -v re="$re" '$NF ~ re { n = split($1, p, ":"); print (n > 2 ? p[n - 1] : "os_dep-novdb.o"), $NF }' |
    sort -u)
  echo "no own OS calls: nm -u of the objects in libgc.a, and of os_dep.c compiled without"
  echo "the write barrier (os_dep-novdb.o), for: $MEM_CALLS"
  for obj in gc_pal.o os_dep-novdb.o os_dep.o $(awk '{ print $1 }' <<<"$hits"); do
    [[ $seen == *" $obj "* ]] && continue
    seen+="$obj "
    calls=$(awk -v o="$obj" '$1 == o { print $2 }' <<<"$hits" | xargs)
    if [ -z "$calls" ]; then
      echo "  $obj: none"
    elif [ "$obj $calls" = "os_dep.o mprotect" ] && [ -z "$vdb" ]; then
      echo "  $obj: mprotect (the write barrier: allowed)"
    else
      echo "  $obj: $calls (not allowed)"
      bad=1
    fi
  done
  [ $bad -eq 0 ] || { echo "check failed: bdwgc still makes memory calls of its own" >&2; return 1; }
}

cmd_build() {
  local t=${1:?usage: run.sh build <target>} cflags=""
  target_setup "$t"
  [ -n "$qemu" ] && cflags="-DNTHREADS=$QEMU_GCTEST_THREADS"
  build_gc "$out/bdwgc-$t" pal "$t" "$cflags"
  check_calls "$out/bdwgc-$t"
  echo "built: $out/bdwgc-$t"
  build_gc "$out/bdwgc-$t-vdb" vdb "$t" "$cflags"
  check_calls "$out/bdwgc-$t-vdb" vdb
  "${triple:+$triple-}gcc" -O2 -static -o "$out/bdwgc-$t-vdb/tracks" "$here/tracks.c" \
    >>"$out/bdwgc-$t-vdb/gc.log" 2>&1 || die "tracks build failed (see $out/bdwgc-$t-vdb/gc.log)"
  echo "built: $out/bdwgc-$t-vdb"
}

# run_one name log command...: a test program outside make check
run_one() {
  local name=$1 log=$2 rc=0
  shift 2
  "$@" >"$log" 2>&1 || rc=$?
  if [ $rc -eq 0 ]; then ok "$name"
  elif [ $rc -eq 124 ]; then fail "$name: timed out after ${TEST_TIMEOUT}s (see $log)"
  else fail "$name: exit status $rc (see $log)"; fi
}

# The run-time "no own OS calls" check (check_calls sees names only, not
# syscall(SYS_madvise, ...) or a raw system call): gctest under strace -ff
# -k, not incremental (the write barrier's mprotect calls are bdwgc's own,
# allowed by check_calls); every memory call is put down to libpal, to the
# C library or the test program, or to bdwgc itself (clients/oscalls.py,
# from the functions of each one's objects).  None may be bdwgc's own, and
# the calls strace sees libpal make must be the calls libpal counted
# (pal_mem_get_stats, which gc_pal.c prints at exit under PAL_SHOW_STATS=1).
# gctest linked against the C library dynamically for it: strace's stacks
# of the static build stop at (or garble) the first frame.
run_oscalls() {
  local name=oscalls/gctest dir=$out/bdwgc-$1/strace gc=$out/bdwgc-$1/gc rc=0
  if [ -n "$qemu" ]; then
    skip "$name: strace would see qemu-user's system calls, not the program's (natively only)"
    return
  fi
  if ! command -v strace >/dev/null; then
    fail "$name: strace is not installed (apt-get install strace)"
    return
  fi
  rm -rf "$dir" && mkdir -p "$dir"
  if ! gcc -o "$dir/gctest" "$gc/tests/test.o" "$gc/.libs/libgc.a" -L"$out/bdwgc-$1/pal" -lpal \
    -lpthread >"$dir.log" 2>&1; then
    fail "$name: gctest did not link dynamically (see $dir.log)"
    return
  fi
  env GC_DISABLE_INCREMENTAL=1 PAL_SHOW_STATS=1 timeout $TEST_TIMEOUT \
    strace -ff -k -o "$dir/trace" "$dir/gctest" >"$dir.log" 2>&1 || rc=$?
  oscalls_check "$name" $rc "$dir" bdwgc "$out/bdwgc-$1/pal/libpal.a" "$gc/.libs/libgc.a"
}

cmd_test() {
  local t=${1:?usage: run.sh test <target>} dir gc tests x r envs=() cycles=$CHURN_CYCLES
  passed=0 failed=0 skipped=0
  target_setup "$t"
  dir=$out/bdwgc-$t gc=$out/bdwgc-$t/gc
  [ -x "$dir/churn" ] || die "not built: run.sh build $t"
  tests=$(echo $ALL_TESTS)
  [ -n "$qemu" ] && tests=$(echo $QEMU_TESTS) envs=("${QEMU_ENV[@]}") cycles=$QEMU_CHURN_CYCLES
  for x in $ALL_TESTS test-suite; do rm -f "$gc/$x.log" "$gc/$x.trs"; done
  env "${envs[@]}" make -C "$gc" -j "$jobs" -k check TESTS="$tests" \
    LOG_COMPILER="timeout $TEST_TIMEOUT $qemu" LDFLAGS=-all-static >"$dir/check.log" 2>&1 || true
  for x in $ALL_TESTS; do
    if [[ " $tests " != *" $x "* ]]; then
      skip "$x: not run under qemu, to keep the matrix short (runs on amd64)"
      continue
    fi
    r=$(sed -n 's/^:test-result: //p' "$gc/$x.trs" 2>/dev/null || true)
    case $r in
      PASS) ok "$x" ;;
      SKIP) skip "$x: the test skipped itself (see $gc/$x.log)" ;;
      "") fail "$x: no result (see $dir/check.log)" ;;
      *) fail "$x: $r (see $gc/$x.log)" ;;
    esac
  done
  # Unmapped blocks inaccessible, as bdwgc makes them on systems other
  # than Linux: the collector must never touch one before remapping it.
  # Not in incremental mode, whose SIGSEGV handler takes any fault in the
  # heap for the write barrier's and makes the page writable again: a
  # remap that forgot pal_mem_used passes there, and fails here.
  # shellcheck disable=SC2086
  run_one gctest-harddecommit "$dir/gctest-harddecommit.log" env GC_DISABLE_INCREMENTAL=1 \
    PAL_POLICY=harddecommit=1 timeout $TEST_TIMEOUT $qemu "$gc/gctest"
  # shellcheck disable=SC2086
  run_one churn "$dir/churn.log" \
    env GC_UNMAP_THRESHOLD=1 timeout $TEST_TIMEOUT $qemu "$dir/churn" "$cycles"
  # An executable heap (GC_set_pages_executable(1)): got executable in one
  # call, and still executable after every remap, also under harddecommit
  # (its blocks are purged, which no policy changes)
  # shellcheck disable=SC2086
  run_one churn-exec "$dir/churn-exec.log" \
    env GC_UNMAP_THRESHOLD=1 timeout $TEST_TIMEOUT $qemu "$dir/churn" "$cycles" exec
  # shellcheck disable=SC2086
  run_one churn-exec-harddecommit "$dir/churn-exec-harddecommit.log" \
    env GC_UNMAP_THRESHOLD=1 PAL_POLICY=harddecommit=1 timeout $TEST_TIMEOUT $qemu "$dir/churn" "$cycles" exec
  run_oscalls "$t"
  run_vdb "$t"
  summary
}

# The build whose incremental mode reads libpal's write tracking
# (GC_PAL_VDB): bdwgc's make check again with every program incremental
# (GC_ENABLE_INCREMENTAL=1; under qemu gctest alone), gctest under
# harddecommit and churn incremental too (natively), and whether the
# collector went incremental held against the kernel's own answer
# (tracks.c): where the kernel tracks writes, gctest must have switched
# to incremental mode and read libpal's dirty bits; where it does not,
# it must have stayed non-incremental, and passed.
run_vdb() {
  local dir=$out/bdwgc-$1-vdb gc=$out/bdwgc-$1-vdb/gc tests x r kernel reads switched
  [ -x "$dir/tracks" ] || die "not built: run.sh build $1"
  tests=$(echo $ALL_TESTS)
  [ -n "$qemu" ] && tests=gctest
  # shellcheck disable=SC2086
  kernel=$($qemu "$dir/tracks" 2>&1) || kernel="no: the probe failed ($kernel)"
  for x in $ALL_TESTS test-suite; do rm -f "$gc/$x.log" "$gc/$x.trs"; done
  env GC_ENABLE_INCREMENTAL=1 PAL_SHOW_STATS=1 make -C "$gc" -j "$jobs" -k check TESTS="$tests" \
    LOG_COMPILER="timeout $TEST_TIMEOUT $qemu" LDFLAGS=-all-static >"$dir/check.log" 2>&1 || true
  for x in $tests; do
    r=$(sed -n 's/^:test-result: //p' "$gc/$x.trs" 2>/dev/null || true)
    case $r in
      PASS) ;;
      "") fail "vdb/$x: no result (see $dir/check.log)"; continue ;;
      *) fail "vdb/$x: $r (see $gc/$x.log)"; continue ;;
    esac
    if [ "$x" != gctest ]; then
      ok "vdb/$x"
      continue
    fi
    # gc_pal.c's line at exit: "... write tracking: N sections, M reads, ..."
    reads=$(sed -n 's/^libpal: .*write tracking: [0-9]* sections, \([0-9]*\) reads.*/\1/p' \
      "$gc/gctest.log" | tail -n 1)
    switched=no
    grep -q '^Switched to incremental mode' "$gc/gctest.log" && switched=yes
    if [ "$kernel" = yes ] && [ "$switched" = yes ] && [ "${reads:-0}" -gt 0 ]; then
      ok "vdb/gctest: incremental on libpal's write tracking ($reads reads of the dirty bits)"
    elif [ "$kernel" != yes ] && [ "$switched" = no ] && [ "${reads:-0}" -eq 0 ]; then
      ok "vdb/gctest: not incremental, as the kernel offers no write tracking (${kernel#no: })"
    else
      fail "vdb/gctest: kernel tracks writes: $kernel; switched to incremental mode: $switched;" \
        "reads of libpal's dirty bits: ${reads:-none} (see $gc/gctest.log)"
    fi
  done
  [ -n "$qemu" ] && return
  # Incremental under harddecommit: no SIGSEGV handler here to take a
  # fault in an unmapped block for the barrier's, so a remap that forgot
  # pal_mem_used fails this one too
  run_one vdb/gctest-harddecommit "$dir/gctest-harddecommit.log" env GC_ENABLE_INCREMENTAL=1 \
    PAL_POLICY=harddecommit=1 timeout $TEST_TIMEOUT "$gc/gctest"
  run_one vdb/churn "$dir/churn.log" env GC_ENABLE_INCREMENTAL=1 GC_UNMAP_THRESHOLD=1 \
    timeout $TEST_TIMEOUT "$dir/churn" "$CHURN_CYCLES"
}

# ---- bench --------------------------------------------------------------

BENCH_ROUNDS=${PAL_BENCH_ROUNDS:-5}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Own os_dep.c against libpal (tools/bench/clients.sh: benchrun.c runs
# and measures, clients.py tabulates), with a copy of the own build as the
# control contender (own2), under the settings:
#   default   gctest (not incremental) and churn (BENCH_CHURN cycles,
#             GC_UNMAP_THRESHOLD=1: blocks unmapped after one idle
#             collection)
#   exec      churn with an executable heap (GC_set_pages_executable(1))
# and in the amd64 test VM (the builds are static already) booted with THP
# "always" and with strict overcommit: the default workloads, churn
# shorter (BENCH_VM_CHURN), BENCH_VM_ROUNDS rounds (default 1: gctest
# takes ~20 s there, and the other two clients' VM runs share the budget).
BENCH_CHURN=300 BENCH_VM_CHURN=100
BENCH_VM=${BENCH_VM:-1} BENCH_VM_ROUNDS=${BENCH_VM_ROUNDS:-1}

# bench_spec <spec> <setting> <directory of the builds>: its runs
bench_spec() {
  local spec=$1 setting=$2 d=$3 k cycles=$BENCH_CHURN
  case $setting in vm-*) cycles=$BENCH_VM_CHURN ;; esac
  for k in own own2 libpal; do
    [ "$setting" = exec ] ||
      bench_add "$spec" $k "$setting" gctest GC_DISABLE_INCREMENTAL=1 -- "$d/${k/libpal/pal}/gc/gctest"
    if [ "$setting" = exec ]; then
      bench_add "$spec" $k "$setting" churn GC_UNMAP_THRESHOLD=1 -- "$d/${k/libpal/pal}/churn" $cycles exec
    else
      bench_add "$spec" $k "$setting" churn GC_UNMAP_THRESHOLD=1 -- "$d/${k/libpal/pal}/churn" $cycles
    fi
  done
}

# Incremental gctest with each dirty-bit implementation: bdwgc's mprotect
# barrier and its soft-dirty bits (its own build, GC_USE_GETWRITEWATCH
# chooses), and libpal's write tracking (the vdb build).  The timed run
# logs every world-stopped marking (GC_PRINT_STATS, to a file): its pause
# times.  One strace run, in round 1 only: the mprotect barrier's
# hundreds of thousands of calls and faults take minutes under strace.
INCR_KINDS="mprotect soft vdb"
INCR_CALLS="mprotect rt_sigreturn ioctl openat close read write lseek mmap munmap madvise process_madvise"

# bench_incr kind round: appended to $bdir/incr.<kind>.{wall,rss,pmax,
# pmed,ptotal,gcs,<call>}, and $bdir/incr.<kind>.used the implementation
# bdwgc said it used
bench_incr() {
  local kind=$1 r=$2 prog=$bdir/own/gc/gctest envs=() tf=$bdir/time.out lf=$bdir/gclog.out
  local sf=$bdir/strace.out of=$bdir/gctest.out c n
  case $kind in
    mprotect) envs=(GC_USE_GETWRITEWATCH=0) ;;
    soft) envs=(GC_USE_GETWRITEWATCH=1) ;;
    vdb) prog=$bdir/vdb/gc/gctest ;;
  esac
  rm -f "$lf"
  env "${envs[@]}" GC_PRINT_STATS=1 GC_LOG_FILE="$lf" /usr/bin/time -f "%e %M" -o "$tf" "$prog" \
    >"$of" 2>&1 || die "incremental gctest ($kind) failed (see $of)"
  # with GC_LOG_FILE, gctest's own lines go to the log as well
  grep -q '^Switched to incremental mode' "$of" "$lf" ||
    die "gctest ($kind) did not go incremental (see $of, $lf)"
  if grep -q 'Using libpal' "$lf"; then echo "libpal's write tracking"
  elif grep -q 'Using soft-dirty bit feature' "$lf"; then echo "soft-dirty bits"
  else echo "mprotect barrier"; fi >"$bdir/incr.$kind.used"
  awk '{ print $1 }' "$tf" >>"$bdir/incr.$kind.wall"
  awk '{ print $2 }' "$tf" >>"$bdir/incr.$kind.rss"
  # "World-stopped marking took 3 ms 123456 ns (...)": one per pause
  sed -n 's/.*World-stopped marking took \([0-9]*\) ms \([0-9]*\) ns.*/\1 \2/p' "$lf" |
    awk '{ print $1 + $2 / 1e6 }' >"$bdir/pauses"
  sort -n "$bdir/pauses" | tail -n 1 | awk '{ printf "%.2f\n", $1 }' >>"$bdir/incr.$kind.pmax"
  median <"$bdir/pauses" | awk '{ printf "%.2f\n", $1 }' >>"$bdir/incr.$kind.pmed"
  awk '{ t += $1 } END { printf "%.1f\n", t }' "$bdir/pauses" >>"$bdir/incr.$kind.ptotal"
  cat "$of" "$lf" | sed -n 's/^Completed \([0-9]*\) collections.*/\1/p' | head -n 1 >>"$bdir/incr.$kind.gcs"
  [ "$r" -eq 1 ] || return 0
  env "${envs[@]}" strace -f -c -U calls,name -o "$sf" \
    -e trace="$(echo $INCR_CALLS | tr ' ' ,)" "$prog" >/dev/null 2>&1 ||
    die "incremental gctest ($kind) failed under strace"
  for c in $INCR_CALLS; do
    n=$(awk -v c="$c" '$2 == c { print $1 }' "$sf")
    echo "${n:-0}" >"$bdir/incr.$kind.$c"
  done
}

incr_row() { # label file-suffix
  local k v row="| $1 |" m=""
  for k in $INCR_KINDS; do
    v=$(median <"$bdir/incr.$k.$2")
    [ "$k" = mprotect ] && m=$v
    row+=" $v |"
  done
  row+=" $(awk -v a="$m" -v b="$v" 'BEGIN { if (a == 0) print (b == 0 ? "1.00" : "-"); else printf "%.2f", b / a }') |"
  echo "$row"
}

cmd_bench() {
  local r k w c order own pal thp rounds=$BENCH_ROUNDS build=1 soft
  while [ $# -gt 0 ]; do
    case $1 in
      --no-build) build=0 ;;
      --quick) rounds=1 ;; # a smoke of the commands, not a measurement
      *) die "usage: run.sh bench [--no-build] [--quick]" ;;
    esac
    shift
  done
  bdir=$out/bdwgc-bench
  command -v strace >/dev/null && [ -x /usr/bin/time ] ||
    die "bench needs strace and /usr/bin/time (apt-get install strace time)"
  triple="" qemu="" nm=nm
  [ "$(uname -m)" = x86_64 ] || die "bench runs on amd64"
  mkdir -p "$bdir"
  if [ $build -eq 0 ] && [ -x "$bdir/own/churn" ] && [ -x "$bdir/pal/churn" ] &&
    [ -x "$bdir/vdb/churn" ]; then
    echo "measuring the variants built before in $bdir" >&2
  else
    echo "building own, libpal and libpal-tracking variants in $bdir" >&2
    build_gc "$bdir/own" own amd64
    build_gc "$bdir/pal" pal amd64
    build_gc "$bdir/vdb" vdb amd64
  fi
  rm -f "$bdir"/incr.*
  # shellcheck source=tools/bench/clients.sh
  . "$root/tools/bench/clients.sh"
  bench_runner "$bdir" || die "benchrun did not build"
  rm -rf "$bdir/own2" && mkdir -p "$bdir/own2/gc" &&
    cp "$bdir/own/gc/gctest" "$bdir/own2/gc/" && cp "$bdir/own/churn" "$bdir/own2/" ||
    die "cannot copy the own build"
  local rows=$bdir/bench.rows spec=$bdir/bench.spec vm_why="" t0=$SECONDS s
  echo "rounds $rounds" >"$spec"
  for s in default exec; do bench_spec "$spec" $s "$bdir"; done
  echo "running $spec" >&2
  "$bdir/benchrun" "$spec" >"$rows" || echo "(a run failed: see $rows)" >&2
  if [ "$BENCH_VM" = 1 ]; then
    rm -rf "$bdir/vm" && mkdir -p "$bdir/vm/data"
    for k in own own2 pal; do
      mkdir -p "$bdir/vm/data/$k/gc" && cp "$bdir/$k/gc/gctest" "$bdir/vm/data/$k/gc/" &&
        cp "$bdir/$k/churn" "$bdir/vm/data/$k/"
    done
    for s in vm-thp-always vm-strict; do
      printf 'rounds %s\ntimeout 300\n' "$BENCH_VM_ROUNDS" >"$bdir/vm/data/bench.spec"
      bench_spec "$bdir/vm/data/bench.spec" $s /data
      echo "VM: $s" >&2
      k=transparent_hugepage=always
      [ $s = vm-strict ] && k=pal.overcommit=2
      bench_vm "$bdir/benchrun" "$bdir/vm" "$rows" $k ||
        vm_why="$vm_why $s: the VM run failed or a run in it did (see $bdir/vm.log.$s)."
      cp "$bdir/vm.log" "$bdir/vm.log.$s"
    done
  else
    vm_why="BENCH_VM=0: not measured."
  fi
  local took=$((SECONDS - t0))
  for r in $(seq "$rounds"); do
    order=$INCR_KINDS
    [ $((r % 2)) -eq 0 ] && order=$(echo $INCR_KINDS | tr ' ' '\n' | tac | xargs)
    for k in $order; do bench_incr "$k" "$r"; done
  done
  echo "## bdwgc 8.2.2: its own os_dep.c against libpal"
  echo
  echo "Method: \`clients/bdwgc/run.sh bench\` ($((took / 60)) min $((took % 60)) s, builds not included): the same build"
  echo "(--enable-munmap, threads, static) with its own os_dep.c (own) and on libpal, and a file-for-file copy of the own"
  echo "build (own', the control: its ratio to own is the noise floor). Runner \`tools/bench/benchrun.c\`: $rounds interleaved"
  echo "rounds (order rotating each round) on $(nproc) CPUs, THP \`$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled)\`,"
  echo "vm.overcommit_memory $(cat /proc/sys/vm/overcommit_memory); wall time and peak RSS (wait4) from one run, memory system"
  echo "calls by kind (ptrace, threads followed) from a second; medians, ratios of medians, in brackets the lowest and highest"
  echo "of the ratios within one round."
  echo "Workloads: gctest, bdwgc's own test, not incremental (GC_DISABLE_INCREMENTAL=1: its write barrier's ~460000 mprotect"
  echo "calls, the same in both, would drown the rest); churn (clients/bdwgc/churn.c, $BENCH_CHURN cycles) with"
  echo "GC_UNMAP_THRESHOLD=1 unmaps blocks after one idle collection (the minimum)."
  echo "Settings: \`default\`; \`exec\`, churn with an executable heap (GC_set_pages_executable(1): every mapping and remap"
  echo "executable); \`vm-thp-always\` and \`vm-strict\`: the amd64 test VM (tools/vm: Debian 12's kernel under qemu TCG,"
  echo "2 CPUs, 2 GiB) booted with transparent_hugepage=always, and with vm.overcommit_memory=2, the same runner as its one"
  echo "program, $BENCH_VM_ROUNDS rounds, churn $BENCH_VM_CHURN cycles (TCG is slow).${vm_why:+ $vm_why}"
  echo
  bench_tables "$rows" --name own2="own'" --about "exec=executable heap" --about "churn=GC_UNMAP_THRESHOLD=1" \
    --about "gctest=GC_DISABLE_INCREMENTAL=1" --about "vm-thp-always=VM, THP always" --about "vm-strict=VM, overcommit 2"
  thp=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || true)
  echo "Per unmapped range bdwgc's own Linux code makes one madvise(MADV_DONTNEED) and nothing on remap. On libpal the ranges one GC_unmap_old releases go in one process_madvise where the kernel batches them (a single range: one madvise), GC_unmap_gap's in one madvise each; used makes no call, except that where khugepaged would fill a partly released huge page back in (THP \"always\"; this machine: ${thp:-no THP}) unused also marks the huge pages at the range's ends no-huge-page and used marks the whole ones inside huge-page again (thpgranular). With an executable heap (\`exec\`) the blocks are purged (pal_mem_purge_ranges, pal_mem_purge: the same system calls, the protection kept, as bdwgc's own madvise keeps it) and a remap makes no call. Once per process libpal also maps, probes and unmaps two scratch mappings (a page to check that MADV_DONTNEED gives back zeroes, which qemu-user before 7.1 did not; two pages for its feature probes, the batching among them, mapped inaccessible with a fence page on each side and made read-write by one mprotect): its two mmap, one mprotect and two munmap calls more. The other mmap calls are the heap's growth and libc's own."
  echo
  echo "## bdwgc 8.2.2 incremental: its mprotect barrier, its soft-dirty bits, libpal's write tracking"
  echo
  soft=$(cat "$bdir/incr.soft.used")
  echo "gctest in incremental mode (its own switch), amd64, $rounds interleaved rounds, medians: bdwgc's own os_dep.c with its mprotect barrier (GC_USE_GETWRITEWATCH=0) and with its soft-dirty bits (GC_USE_GETWRITEWATCH=1; what bdwgc used here: $soft), and on libpal with libpal's write tracking (-DGC_PAL_VDB: pal_mem_written with reset over each heap section per collection). Pauses are bdwgc's own \"World-stopped marking took\" lines (GC_PRINT_STATS, logged to a file), per run (gctest's forked child logs its own too): the longest, the median and their sum; collections as gctest counts them. Calls from one \`strace -f -c\` run (round 1): the barrier's faults show as rt_sigreturn; the tracking's as ioctl (PAGEMAP_SCAN) and openat/close of /proc/self/pagemap, the soft-dirty bits' as read/lseek of it and write to clear_refs."
  echo
  echo "| measure | mprotect barrier | soft-dirty bits | libpal tracking | libpal / mprotect |"
  echo "|---|---|---|---|---|"
  incr_row "wall s" wall
  incr_row "peak RSS KiB" rss
  incr_row "collections" gcs
  incr_row "longest pause ms" pmax
  incr_row "median pause ms" pmed
  incr_row "pauses total ms" ptotal
  for c in $INCR_CALLS; do incr_row "$c" "$c"; done
  if [ "$soft" != "soft-dirty bits" ]; then
    echo
    echo "This kernel has no soft-dirty bits (CONFIG_MEM_SOFT_DIRTY): bdwgc fell back to its mprotect barrier in that column, which then measures the barrier twice."
  fi
}

case ${1:-} in
  build) shift; cmd_build "$@" ;;
  test) shift; cmd_test "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  *) die "usage: run.sh build|test <target> | run.sh bench [--no-build] [--quick]" ;;
esac
