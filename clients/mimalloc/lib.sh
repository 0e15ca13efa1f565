# shellcheck shell=bash
# clients/mimalloc/lib.sh - what the scripts of both mimalloc clients
# (run.sh here, for 2.0.9, and ../mimalloc3/run.sh) share: the builds and
# their checks, the target, the start of a test run and the run-time check
# under strace, on tools/lib.sh's helpers.  Sourced, with $root and $here (the script's directory) set.
# A script defines unpack <dir> own|pal (a fresh source tree), and
# OS_LAYER, OS_LAYER_NAME and FORBIDDEN (nm_check_build).
# shellcheck disable=SC2034,SC2154 # the scripts set and use these variables

# shellcheck source=tools/lib.sh
. "$root/tools/lib.sh"
out_base=${PAL_CLIENT_OUT:-$root/build-clients}
jobs=${JOBS:-2}

# The builds: mimalloc's debug build with its full internal invariant
# checks (MI_DEBUG=3; in mimalloc 3 with it the check that memory the OS
# called zero reads zero), its release build, and its secure mode: guard
# pages around mimalloc's pages (pal_mem_protect; in mimalloc 3 also the
# guard page decommitted at the end of each arena's metadata).  Only the
# shared library and the tests are built (the tests link the shared
# library, as mimalloc's CMakeLists.txt has it).
build_flags() {
  case $1 in
    debug) echo "-DCMAKE_BUILD_TYPE=Debug -DMI_DEBUG_FULL=ON" ;;
    release) echo "-DCMAKE_BUILD_TYPE=Release" ;;
    secure) echo "-DCMAKE_BUILD_TYPE=Release -DMI_SECURE=ON" ;;
  esac
}
BUILDS=(debug release secure)

# test-stress arguments: threads, load per thread (%), iterations.
# mimalloc's defaults (32 25 50) take minutes even natively on this 2-CPU
# machine.
STRESS_NATIVE="8 10 4"
STRESS_QEMU="4 10 2"

# The CMake arguments that select the target.  Cross targets run their
# tests under the toolchain's qemu-user; they link dynamically (mimalloc's
# tests link its shared library, which replaces malloc: a static link would
# meet glibc's own malloc in libc.a), qemu finding the target's libraries
# through the toolchain's -L.
target_args() {
  local tc=$root/cmake/toolchains/$1-gcc.cmake
  if [ "$1" = amd64 ]; then
    [ "$(uname -m)" = x86_64 ] || die "amd64 is the native target: this machine is $(uname -m)"
    echo "-DCMAKE_C_COMPILER=gcc"
  else
    [ -f "$tc" ] || die "unknown target '$1' (no $tc)"
    echo "-DCMAKE_TOOLCHAIN_FILE=$tc -DCMAKE_EXE_LINKER_FLAGS="
  fi
}

# test-api's malloc-aligned9 asks for zeroed blocks of up to 128 MiB at
# each of 28 alignments: about 6 GB written, minutes of page faults on this
# 2-CPU machine and ~30 s of CPU under qemu.  shorten_test_api <src> keeps
# two of them: 2^24, MI_ALIGNMENT_MAX (the largest the heap aligns
# itself), and 2^25, which mimalloc allocates from the OS at an offset (an
# aligned OS allocation, and the decommit of the part before it).
shorten_test_api() {
  local f=$1/test/test-api.c
  grep -q 'for (int i = 0; i < 28 && ok; i++) {' "$f" || { echo "malloc-aligned9's loop not found in $f" >&2; return 1; }
  sed -i 's/for (int i = 0; i < 28 \&\& ok; i++) {/for (int i = 24; i < 26 \&\& ok; i++) {/' "$f" &&
    grep -q 'for (int i = 24; i < 26 && ok; i++) {' "$f"
}

# nm_check_build <build dir>: the "no own OS calls" check (tools/lib.sh's
# nm_check) of the object that holds mimalloc's OS layer, $OS_LAYER (its
# path in the build directory; $OS_LAYER_NAME names it), against the memory
# calls $FORBIDDEN, with the build's own nm (a cross toolchain's for a
# cross target).
nm_check_build() {
  local nm
  nm=$(sed -n 's/^CMAKE_NM:FILEPATH=//p' "$1/CMakeCache.txt")
  # shellcheck disable=SC2086
  nm_check "${nm:-nm}" "$1/$OS_LAYER" '_?mi_' "$OS_LAYER_NAME" $FORBIDDEN
}

# The commands of mimalloc's tests as ctest has them (with the toolchain's
# emulator in front for cross targets): one file per test in <dir>/commands,
# the arguments NUL-separated.
write_test_commands() {
  mkdir -p "$1/commands"
  (cd "$1" && ctest --show-only=json-v1) | python3 -c '
import json, sys
for t in json.load(sys.stdin)["tests"]:
    with open(sys.argv[1] + "/" + t["name"], "w") as f:
        f.write("\0".join(t["command"]) + "\0")' "$1/commands"
}

# configure_build <src> <dir> own|pal <build> <target args...>: mimalloc's
# shared library and tests, as BUILDS' <build>, in <dir> (log <dir>.log);
# with pal, on libpal's source tree (mimalloc's MI_PAL_DIR).
configure_build() {
  local src=$1 dir=$2 kind=$3 b=$4 pal=()
  shift 4
  [ "$kind" = pal ] && pal=(-DMI_PAL_DIR="$root" -DPAL_BUILD_TESTS=OFF -DPAL_BUILD_TOOLS=OFF)
  # shellcheck disable=SC2046
  cmake -S "$src" -B "$dir" -G Ninja $(build_flags "$b") "$@" "${pal[@]}" \
    -DMI_BUILD_STATIC=OFF -DMI_BUILD_OBJECT=OFF >"$dir.log" 2>&1 &&
    cmake --build "$dir" -j "$jobs" >>"$dir.log" 2>&1
}

# build_test_prog <src> <dir> <name>: <name>.c here against the build's
# shared library (and pal_mem.h), with its compiler.
build_test_prog() {
  local src=$1 dir=$2 prog=$3 cc lib
  cc=$(sed -n 's/^set(CMAKE_C_COMPILER "\(.*\)")$/\1/p' "$dir"/CMakeFiles/*/CMakeCCompiler.cmake | head -1)
  lib=$(cd "$dir" && ls libmimalloc*.so | head -1)
  lib=${lib#lib}
  "${cc:-gcc}" -O1 -Wall -Wextra -Werror -I"$src/include" -I"$root/pal" -o "$dir/$prog" "$here/$prog.c" \
    -L"$dir" -l"${lib%.so}" -Wl,-rpath,"$dir" >>"$dir.log" 2>&1 ||
    { echo "mimalloc $(basename "$dir"): $prog.c did not build (see $dir.log)"; return 1; }
}

# build_target <client> <target> <program>...: every one of BUILDS on
# libpal, in $out_base/<client>-<target>, from a fresh source tree with
# test-api shortened, each with its nm check and the script's test
# programs <program>.c; fails if any build or check failed.
build_target() {
  local client=$1 t=$2 out src b ok=0 targs prog
  shift 2
  targs=$(target_args "$t") || exit 1
  out=$out_base/$client-$t
  mkdir -p "$out"
  src=$out/src
  unpack "$src" pal || die "could not unpack $client"
  shorten_test_api "$src" || exit 1
  for b in "${BUILDS[@]}"; do
    rm -rf "${out:?}/$b"
    # shellcheck disable=SC2086
    if ! configure_build "$src" "$out/$b" pal "$b" $targs; then
      echo "$client $t $b: build failed (see $out/$b.log)"
      ok=1
      continue
    fi
    echo "$client $t $b: built"
    nm_check_build "$out/$b" || ok=1
    for prog in "$@"; do
      build_test_prog "$src" "$out/$b" "$prog" || ok=1
    done
  done
  return $ok
}

# start_tests <client> <target>: sets out (the build directory) and qemu
# (to 1 where the programs run under qemu-user) of the calling cmd_test,
# makes the log directory, and clears the environment: the option sets
# decide it, nothing inherited.
start_tests() {
  out=$out_base/$1-$2
  target_args "$2" >/dev/null || exit 1
  [ "$2" = amd64 ] || qemu=1
  mkdir -p "$out/logs"
  # shellcheck disable=SC2046
  unset PAL_POLICY $(compgen -e | grep '^MIMALLOC_')
}

# oscalls_test_api <label> <environment> <client object>...: in every
# build, the run-time "no own OS calls" check (tools/lib.sh's
# oscalls_check) of test-api run under strace -ff -k with <environment>;
# the client's objects are globs in the build directory.  Natively only.
oscalls_test_api() {
  local label=$1 env_set=$2 b name dir cmd=() rc
  shift 2
  for b in "${BUILDS[@]}"; do
    name=$b/oscalls/test-api
    if [ $qemu = 1 ]; then
      skip "$name: strace would see qemu-user's system calls, not the program's (natively only)"
      continue
    fi
    if ! command -v strace >/dev/null; then
      fail "$name: strace is not installed"
      continue
    fi
    dir=$out/logs/strace-$b
    rm -rf "$dir" && mkdir -p "$dir"
    [ -f "$out/$b/commands/test-api" ] && mapfile -d "" cmd <"$out/$b/commands/test-api"
    # shellcheck disable=SC2086
    env PAL_SHOW_STATS=1 $env_set timeout 600 strace -ff -k -o "$dir/trace" "${cmd[@]}" >"$dir.log" 2>&1
    rc=$?
    oscalls_check "$name" $rc "$dir" "$label" "$out/$b/libpal/libpal.a" "${@/#/$out/$b/}"
  done
}
