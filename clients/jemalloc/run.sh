#!/usr/bin/env bash
# clients/jemalloc/run.sh - jemalloc 5.3.0 on libpal: jemalloc.patch makes
# its OS memory layer (src/pages.c) take clients/jemalloc/pages_pal.c, which
# calls only pal_mem.h, in place of its own OS code (-DJEMALLOC_PAL).
#
#   run.sh build <target>         libpal, then jemalloc (debug build: its
#                                 assertions on) and its tests; fails if
#                                 pages.o still references an OS memory call
#   run.sh test <target> [--full] jemalloc's own tests (see README.md for
#                                 which run where; --full: all of make check,
#                                 make stress and the libpal policy runs)
#   run.sh bench                  upstream's OS layer against libpal's, amd64
#
# <target>: amd64 (native) or a gcc cross target of cmake/toolchains
# (arm64, s390x, ...), run under qemu-user.  Output goes to
# $PAL_CLIENT_OUT/jemalloc-<target> (default build-clients/).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tools/lib.sh
. "$root/tools/lib.sh"
cmd=${1:-}
target=${2:-amd64}
out=${PAL_CLIENT_OUT:-$root/build-clients}/jemalloc-$target
jobs=${JOBS:-2}

# The target: triple and qemu from its toolchain file; jemalloc's page size
# as Debian builds it (4 KiB on x86, else 64 KiB: the largest page any of
# those kernels uses, since jemalloc refuses to run on larger pages than
# it was built for).
triple="" emu=() lg_page=12 toolchain=()
if [ "$target" != amd64 ]; then
  tc=$root/cmake/toolchains/$target-gcc.cmake
  [ -f "$tc" ] || die "unknown target $target (no $tc)"
  triple=$(sed -n 's/^set(PAL_TRIPLE \(.*\))$/\1/p' "$tc")
  qemu=$(sed -n 's/^set(PAL_QEMU \(.*\))$/\1/p' "$tc")
  emu=("qemu-$qemu-static" -L "/usr/$triple")
  toolchain=(-DCMAKE_TOOLCHAIN_FILE="$tc")
  case $triple in i686-*) ;; *) lg_page=16 ;; esac
fi
nm=${triple:+$triple-}nm

# ---- build --------------------------------------------------------------

tarball() {
  local dir
  dir=$("$root/tools/fetch.sh" source jemalloc) || exit 1
  echo "$dir/jemalloc_5.3.0.orig.tar.bz2"
}

# libpal as a static library jemalloc's shared library can hold: PIC, and
# its symbols hidden so that libjemalloc.so exports only jemalloc's API.
build_libpal() {
  cmake -S "$root" -B "$out/pal" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DPAL_BUILD_TESTS=OFF -DPAL_BUILD_TOOLS=OFF \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_C_VISIBILITY_PRESET=hidden \
    "${toolchain[@]}" >"$out/pal.log" 2>&1 &&
    cmake --build "$out/pal" >>"$out/pal.log" 2>&1 ||
    die "libpal build failed (see $out/pal.log)"
}

# configure_jemalloc SRC OBJ [configure args]: unpack the upstream tarball
# into SRC and configure it out of tree in OBJ.  No Debian patch is needed
# (they are for hurd and loong64).  sbrk is hidden from configure: without
# it jemalloc has no dss (program break) allocator, as on macOS, and maps
# all its memory through pages.c (pages_pal.c).
configure_jemalloc() {
  local src=$1 obj=$2
  shift 2
  rm -rf "$src" "$obj"
  mkdir -p "$src" "$obj"
  tar xjf "$(tarball)" -C "$src" --strip-components=1 || die "cannot unpack jemalloc"
  local cross=()
  [ -n "$triple" ] && cross=(--build=x86_64-linux-gnu --host="$triple" --disable-cxx)
  (cd "$obj" && ac_cv_func_sbrk=no "$src/configure" --with-lg-page=$lg_page \
    --with-lg-hugepage=21 "${cross[@]}" "$@") >"$obj/configure.log" 2>&1 ||
    die "jemalloc configure failed (see $obj/configure.log)"
}

# The "no own OS calls" check: every object built from pages.c (the
# library's, the shared library's and the unit tests') must leave its
# memory calls to libpal.
check_no_os_calls() {
  local obj=$1 o found=0
  for o in "$obj"/src/pages.o "$obj"/src/pages.pic.o "$obj"/src/pages.jet.o; do
    [ -f "$o" ] || continue
    found=$((found + 1))
    nm_check "$nm" "$o" je_ pages.c mmap mmap64 munmap mremap madvise posix_madvise mprotect mincore ||
      return 1
  done
  [ $found -gt 0 ] || { echo "no-own-OS-calls check: FAIL: no pages object in $obj/src"; return 1; }
}

# What runs where: jemalloc's test programs by name.  The quick run (the
# test command's) takes the programs that reach pages.c: mapping, purging,
# decay, decommit, huge pages, guard pages, retained memory, arenas.
unit_quick="a0 arena_decay arena_reset background_thread base decay
  extent_quantize hpa hpa_background_thread huge oversize_threshold pa pages
  retained san san_bump zero"
# Under qemu, the integration programs only: the unit programs link a
# second build of the library (JEMALLOC_JET, with its own symbol pass),
# which would double the build for programs amd64 runs anyway.
unit_qemu=""
# aligned_alloc and posix_memalign make tens of thousands of aligned
# allocations: once natively, not under qemu
integration_slow="aligned_alloc posix_memalign"
# what runs again under each libpal policy and under strict overcommit
policy_unit="arena_decay decay retained pages extent_quantize huge base pa"
policy_integration="extent xallocx rallocx mallocx sdallocx MALLOCX_ARENA"
decay0="MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0"

# the make targets of test programs by kind and name
programs() {
  local kind=$1 t
  shift
  for t in "$@"; do echo "test/$kind/$t"; done
}
# tests_of VARIABLE: the programs jemalloc's Makefile lists in it (what
# this configuration builds), as kind/name
tests_of() {
  echo 'print: ; @echo $('"$1"')' | make -s -C "$out/build" -f Makefile -f - print |
    tr ' ' '\n' | sed -n 's|.*/test/\(.*\)\.c*p*$|\1|p'
}
integration_all() {
  tests_of TESTS_INTEGRATION | sed 's|^integration/||'
  tests_of TESTS_INTEGRATION_CPP | sed 's|^integration/||'
}
integration_for_target() {
  local t
  for t in $(integration_all); do
    [ -n "$triple" ] && [[ " $integration_slow " == *" $t "* ]] && continue
    echo "$t"
  done
}

# The test build: jemalloc's debug build (its assertions on, among them
# the checks that memory it believes zeroed is zero), unoptimised and
# without debug information: the build is most of the time, and -O0
# compiles it twice as fast as -O1.
cmd_build() {
  local obj=$out/build units
  # beyond the test command's packages: tar -j needs bzip2, jemalloc's
  # build is make, its C++ tests want g++ natively
  need_packages make bzip2 || exit 1
  if [ -z "$triple" ]; then need_packages g++ || exit 1; fi
  mkdir -p "$out"
  local t0=$SECONDS
  build_libpal
  configure_jemalloc "$out/src" "$obj" --enable-debug EXTRA_CFLAGS="-O0 -g0" \
    CPPFLAGS="-DJEMALLOC_PAL -I$here -I$root/pal" LIBS="$out/pal/libpal.a"
  patch -d "$out/src" -p1 -s <"$here/jemalloc.patch" >"$obj/patch.log" 2>&1 ||
    die "jemalloc.patch does not apply (see $obj/patch.log)"
  units=$unit_quick
  [ -n "$triple" ] && units=$unit_qemu
  make -C "$obj" -j$jobs build_lib_shared $(programs unit $units) \
    $(programs integration $(integration_for_target)) >"$obj/make.log" 2>&1 ||
    die "jemalloc build failed (see $obj/make.log)"
  check_no_os_calls "$obj" || exit 1
  "${triple:+$triple-}gcc" -O1 -Wall -Wextra -Werror -I"$obj/include" -o "$obj/purge_refused" \
    "$here/purge_refused.c" -L"$obj/lib" -ljemalloc -Wl,-rpath,"$obj/lib" >>"$obj/make.log" 2>&1 ||
    die "purge_refused.c did not build (see $obj/make.log)"
  "${triple:+$triple-}gcc" -O1 -Wall -Wextra -Werror -I"$obj/include" -o "$obj/noreserve" \
    "$here/noreserve.c" -L"$obj/lib" -ljemalloc -Wl,-rpath,"$obj/lib" >>"$obj/make.log" 2>&1 ||
    die "noreserve.c did not build (see $obj/make.log)"
  "${triple:+$triple-}gcc" -O1 -Wall -Wextra -Werror -I"$obj/include" -o "$obj/purge_batched" \
    "$here/purge_batched.c" -L"$obj/lib" -ljemalloc -Wl,-rpath,"$obj/lib" >>"$obj/make.log" 2>&1 ||
    die "purge_batched.c did not build (see $obj/make.log)"
  echo "built jemalloc-$target in $((SECONDS - t0)) s ($obj)"
}

# ---- test ---------------------------------------------------------------


# run_test LABEL PROGRAM [VAR=VALUE...]: one jemalloc test program through
# its own runner (test/test.sh, which adds the program's MALLOC_CONF), under
# qemu for a cross target, with a time limit; inside "${wrap[@]}" if set.
# jemalloc calls a program with any skipped test (and none failed) skipped.
wrap=()
run_test() {
  local label=$1 prog=test/$2 log res why
  shift 2
  log=$out/logs/$(echo "$label" | tr -c 'A-Za-z0-9_.-' '_').log
  (cd "$out/build" && env "$@" JEMALLOC_TEST_PREFIX="timeout 600 ${emu[*]}" \
    "${wrap[@]}" sh test/test.sh "$prog") >"$log" 2>&1
  res=$(sed -n 's/^Test suite summary: pass: \([0-9]*\)\/1, skip: \([0-9]*\)\/1.*/\1 \2/p' "$log")
  case $res in
    "1 0") ok "$label" ;;
    "0 1")
      why=$(sed -n 's/.*Test skipped: \(.*\)$/\1/p' "$log" | sort -u | tr '\n' ' ')
      skip "$label: $(grep -c ': skip$' "$log") of its $(grep -cE ': (pass|skip)$' "$log") test runs skip (${why% }), the others pass" ;;
    *) fail "$label: $(grep -m1 -E 'Failed assertion|fail$|rror' "$log" || echo "no summary (crash or timeout), see $log")" ;;
  esac
}

# Both jemalloc and libpal read vm.overcommit_memory; a private mount
# namespace showing "2" there makes them take their strict-overcommit
# paths (jemalloc decommits, libpal drops and takes the commit charge)
# while the kernel itself stays as it is.
strict_ok() {
  echo 2 >"$out/overcommit_memory_2"
  wrap=(unshare -m sh -c 'mount --bind "$0" /proc/sys/vm/overcommit_memory && exec "$@"'
    "$out/overcommit_memory_2")
  "${wrap[@]}" grep -qx 2 /proc/sys/vm/overcommit_memory 2>/dev/null && return 0
  wrap=()
  return 1
}

# The run-time "no own OS calls" check (check_no_os_calls sees names
# only, not syscall(SYS_madvise, ...) or a raw system call): integration/
# extent with every freed page purged at once, under strace -ff -k; every
# memory call is put down to libpal, to the C library, loader or test
# program, or to jemalloc itself (clients/oscalls.py, from the functions of
# each one's objects).  None may be jemalloc's own, and the calls strace
# sees libpal make must be the calls libpal counted (pal_mem_get_stats,
# which pages.c prints at exit under PAL_SHOW_STATS=1).
run_oscalls() {
  local t="oscalls/integration/extent [decay 0]" dir=$out/logs/strace rc=0
  if [ -n "$triple" ]; then
    skip "$t: strace would see qemu-user's system calls, not the program's (amd64 only)"
    return
  fi
  need_packages strace || exit 1
  mkdir -p "$dir"
  (cd "$out/build" && env PAL_SHOW_STATS=1 $decay0 timeout 600 strace -ff -k -o "$dir/trace" \
    test/integration/extent "$out/src/" "$out/build/") >"$dir.log" 2>&1 || rc=$?
  oscalls_check "$t" $rc "$dir" jemalloc "$out/pal/libpal.a" "$out/build/src/*.pic.o"
}

# purge_batched.c under strace: the purges of one decay pass over 32
# extents must be one system call, not 32: the lazy ones (pac.c's stashed
# extents going muzzy) and the forced ones (muzzy decay off: the extents
# retained).  The kernel's answer decides the skip: a process_madvise it
# refused in the pass means it cannot batch.  A pass of one extent has
# nothing to batch: its purge must come from the per-extent functions
# (pages_purge_lazy/forced), not through the list (pages_purge_*_ranges),
# whose list and batch handling cost some 100 instructions more a purge:
# large_microbench with every freed extent purged at once makes a million
# such passes.
run_purge_batched() {
  local log=$out/logs/purge-batched rc=0 how t pass calls stack=()
  if [ -n "$triple" ]; then
    skip "purge-batched [32 extents, one decay pass]: strace would see qemu-user's system calls, not the program's (amd64 only)"
    return
  fi
  strace -k -e trace=none true >/dev/null 2>&1 && stack=(-k)
  env MALLOC_CONF=dirty_decay_ms:10,muzzy_decay_ms:10000 timeout 300 strace -f -s 80 "${stack[@]}" -o "$log.trace" \
    -e trace=write,madvise,process_madvise "$out/build/purge_batched" >"$log.log" 2>&1 || rc=$?
  for how in lazy forced; do
    t="purge-batched [1 extent, one $how decay pass: the per-extent purge]"
    pass=$(sed -n "/purge-batched single-$how: begin/,/purge-batched single-$how: end/p" "$log.trace")
    if [ $rc -ne 0 ]; then
      fail "$t: exit status $rc (see $log.log)"
    elif [ ${#stack[@]} = 0 ]; then
      skip "$t: this strace cannot show a call's stack (-k)"
    elif ! grep -qE 'madvise\(' <<<"$pass"; then
      fail "$t: the decay pass purged nothing (see $log.trace)"
    elif grep -qE "pages_purge_${how}_ranges" <<<"$pass"; then
      fail "$t: the purge of one extent went through the list (pages_purge_${how}_ranges; see $log.trace)"
    elif ! grep -qE "pages_purge_${how}\+" <<<"$pass"; then
      fail "$t: no pages_purge_$how in the purge's stack (see $log.trace)"
    else
      ok "$t: from pages_purge_$how"
    fi
  done
  for how in lazy forced; do
    t="purge-batched [32 extents, one $how decay pass]"
    pass=$(sed -n "/purge-batched $how: begin/,/purge-batched $how: end/p" "$log.trace")
    calls=$(grep -cE 'madvise\(' <<<"$pass")
    if [ $rc -ne 0 ]; then
      fail "$t: exit status $rc (see $log.log)"
    elif grep -qE 'process_madvise\(.* = -1 ' <<<"$pass"; then
      skip "$t: the kernel refused process_madvise: $(grep -m1 -oE 'process_madvise\(.* = -1 .*' <<<"$pass" | sed 's/.*= -1 //')"
    elif [ "$calls" -eq 0 ]; then
      fail "$t: the decay pass purged nothing (see $log.trace)"
    elif [ "$calls" -gt 2 ]; then
      fail "$t: the $how decay pass of 32 extents made $calls release calls (madvise, process_madvise), not 1"
    else
      ok "$t: $calls call(s): $(grep -oE '^[0-9]+ +[a-z_]*madvise\(' <<<"$pass" | sed 's/^[0-9]* *//; s/($//' |
        sort | uniq -c | awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }')"
    fi
  done
}

cmd_test() {
  local full=0 obj=$out/build t conf units integration
  [ "${3:-}" = --full ] && full=1
  [ -f "$obj/Makefile" ] || die "not built: run.sh build $target first"
  rm -rf "$out/logs"
  mkdir -p "$out/logs"
  local t0=$SECONDS
  units=$unit_quick
  [ -n "$triple" ] && units=$unit_qemu
  integration=$(integration_for_target)
  if [ $full = 1 ]; then
    units=$(tests_of TESTS_UNIT | sed 's|^unit/||')
    integration=$(integration_all)
    make -C "$obj" -j$jobs $(programs unit $units) $(programs integration $integration) \
      $([ -z "$triple" ] && echo tests_stress) >"$obj/make-full.log" 2>&1 || die "build failed (see $obj/make-full.log)"
  fi

  # jemalloc's make check: unit, integration, and integration with decay
  # off (--full) and with every freed page purged at once
  for t in $units; do run_test "unit/$t" "unit/$t"; done
  if [ $full = 0 ]; then
    t="unit: the other $(( $(tests_of TESTS_UNIT | wc -l) - $(echo $units | wc -w) )) programs"
    if [ -z "$triple" ]; then
      skip "$t: they do not reach the OS layer (data structures, arithmetic, statistics, profiling): --full"
    else
      skip "$t: under qemu only the integration programs run (the unit programs need a second build of the library); those that reach the OS layer run on amd64; --full"
      skip "integration/{${integration_slow// /,}}: too slow under qemu: --full"
    fi
  fi
  for t in $integration; do run_test "integration/$t" "integration/$t"; done
  for t in $integration; do
    [ $full = 0 ] && [[ " $integration_slow " == *" $t "* ]] && continue
    run_test "integration/$t [decay 0]" "integration/$t" $decay0
  done
  if [ $full = 1 ]; then
    for t in $integration; do
      run_test "integration/$t [decay -1]" "integration/$t" MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1
    done
  else
    skip "integration [decay -1] and integration/{${integration_slow// /,}} [decay 0]: the first never purges, the others are slow: --full"
  fi

  # libpal's policies, which change none of jemalloc's purges (a purge
  # keeps pages Ready under any policy): lazy unused, harddecommit, and
  # strict overcommit (jemalloc decommits; it needs a mount namespace)
  if [ -n "$triple" ] && [ $full = 0 ]; then
    skip "PAL_POLICY and strict overcommit runs: amd64 only (time): --full"
  else
    for conf in madvdontneed=0 harddecommit=1; do
      for t in $policy_unit; do run_test "unit/$t [PAL_POLICY=$conf]" "unit/$t" PAL_POLICY=$conf; done
      for t in $policy_integration; do
        run_test "integration/$t [PAL_POLICY=$conf, decay 0]" "integration/$t" PAL_POLICY=$conf $decay0
      done
    done
    if strict_ok; then
      for t in $policy_unit; do run_test "unit/$t [overcommit 2]" "unit/$t"; done
      for t in $policy_integration; do
        run_test "integration/$t [overcommit 2, decay 0]" "integration/$t" $decay0
      done
      wrap=()
    else
      skip "strict overcommit runs: no private mount namespace here (unshare -m and mount need root)"
    fi
  fi

  # jemalloc's settings that reach the rest of the seam: lazy purges (muzzy
  # decay on), guard pages, huge-page advice on every mapping, and the hpa,
  # whose purge of a huge page's dirty runs is one call
  local settings=(
    "muzzy decay|dirty_decay_ms:0,muzzy_decay_ms:10000"
    "guard pages|san_guard_large:1,san_guard_small:1,dirty_decay_ms:0,muzzy_decay_ms:0"
    "thp:always|thp:always,metadata_thp:always,dirty_decay_ms:0,muzzy_decay_ms:0"
    "hpa|hpa:true,hpa_dirty_mult:0,hpa_min_purge_interval_ms:0"
  ) setting
  if [ -n "$triple" ] && [ $full = 0 ]; then
    skip "runs under jemalloc settings (muzzy decay, guard pages, thp:always, hpa): amd64 only (time): --full"
  else
    for setting in "${settings[@]}"; do
      for t in $policy_integration; do
        run_test "integration/$t [${setting%%|*}]" "integration/$t" MALLOC_CONF="${setting#*|}"
      done
    done
  fi

  # purge_refused.c: jemalloc's purges while the kernel refuses new commit
  # charge, under harddecommit (where a purge that released and committed
  # again failed halfway and aborted)
  t="purge-refused [PAL_POLICY=harddecommit=1, decay 0]"
  if [ -n "$triple" ]; then
    skip "$t: under qemu-user the data limit would also refuse qemu's own allocations (amd64 only)"
  else
    local log=$out/logs/purge-refused.log rc=0
    env PAL_POLICY=harddecommit=1 $decay0 timeout 300 "$obj/purge_refused" >"$log" 2>&1 || rc=$?
    case $rc in
      0) ok "$t" ;;
      77) skip "$t: $(sed -n 's/^skipped: //p' "$log")" ;;
      *) fail "$t: exit status $rc: $(grep -a -m1 -E '^FAIL|<jemalloc>' "$log" || echo "see $log")" ;;
    esac
  fi

  # noreserve.c: a block larger than RAM and swap under heuristic
  # overcommit, which upstream's MAP_NORESERVE mappings get
  t="noreserve [block of 2 x (RAM + swap)]"
  if [ -n "$triple" ]; then
    skip "$t: under qemu-user the mapping is qemu's, not the program's (amd64 only)"
  else
    local log=$out/logs/noreserve.log rc=0
    timeout 300 "$obj/noreserve" >"$log" 2>&1 || rc=$?
    case $rc in
      0) ok "$t" ;;
      77) skip "$t: $(sed -n 's/^skipped: //p' "$log")" ;;
      *) fail "$t: exit status $rc: $(grep -a -m1 -E '^FAIL|<jemalloc>' "$log" || echo "see $log")" ;;
    esac
  fi

  run_purge_batched

  run_oscalls

  if [ $full = 1 ] && [ -z "$triple" ]; then
    for t in "$obj"/test/stress/*.o; do
      t=$(basename "$t" .o)
      run_test "stress/$t" "stress/$t"
    done
  else
    skip "stress: microbenchmarks of millions of iterations: amd64 --full, and run.sh bench"
  fi
  echo "jemalloc-$target: tests took $((SECONDS - t0)) s"
  summary
}

case $cmd in
  build) cmd_build ;;
  test) cmd_test "$@" ;;
  bench) . "$here/bench.sh" ;;
  *) die "usage: run.sh build|test <target> [--full] | run.sh bench" ;;
esac
