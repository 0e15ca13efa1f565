#!/usr/bin/env bash
# tests/consumer/run.sh build|test PRESET - a project that uses libpal
# (tests/consumer), built every way libpal can be taken up, for the matrix
# target PRESET (a Linux target of CMakePresets.json built with gcc: its
# toolchain file, compiler and emulator are used), then run:
#
#   package       libpal installed (cmake --install), find_package(pal CONFIG REQUIRED)
#   subdirectory  add_subdirectory(<libpal>)
#   prefixed      add_subdirectory(<libpal>) with PAL_PREFIX=consumer_: the
#                 program links consumer_pal_mem_* and no unprefixed name
#   fetchcontent  FetchContent from this checkout's git repository, at HEAD
#   pkgconfig     cc consumer.c $(pkg-config --cflags --libs pal), the installed pal.pc
#   vendored      the one-line cc commands of docs/ADOPTING.md on pal/ itself, then
#                 a plain link; on the build machine also every other OS's line
#                 (bsd, aix and plan9 run here against Linux, as their matrix
#                 targets do; windows and macOS are compiled and linked only)
#
# and the probe: the installed palprobe, and `tools/demo.sh --target` of
# another target, both as JSON checked by tests/probe_check.py.
#
# build does all the building (a way that fails to build is reported by
# test, not here); test runs each result under the target's emulator and
# prints a line per check and "N passed, N failed, N skipped".  Everything
# goes into PAL_OUT (default build-matrix/consumer-PRESET).
set -u
mode=${1:?build or test} preset=${2:?a preset name}
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${PAL_OUT:-$root/build-matrix/consumer-$preset}
jobs=${JOBS:-2}
lib=$out/libpal prefix=$out/prefix
ways="package subdirectory prefixed fetchcontent pkgconfig vendored"
# the other target whose probe `tools/demo.sh --target` runs: one that is
# cheap to build, and whose probe says something this one's does not
probe_target=bsd-gcc
[ "$preset" = amd64-gcc ] || probe_target=arm64-gcc

# A setting of libpal's build of this target.
cache() { sed -n "s/^$1:[A-Z]*=//p" "$lib/CMakeCache.txt" | head -1; }

# The compiler CMake found for it (a toolchain file's is not in the cache).
compiler() {
  sed -n 's/^set(CMAKE_C_COMPILER "\(.*\)")$/\1/p' "$lib"/CMakeFiles/*/CMakeCCompiler.cmake | head -1
}

# The vendoring commands of docs/ADOPTING.md: "label<TAB>command" per line,
# from the sh block after the line that names this script.
vendor_lines() {
  awk '/tests\/consumer\/run.sh runs each line/ { on = 1; next }
       on && /^```sh/ { inblock = 1; next }
       inblock && /^```/ { exit }
       inblock && /^# / { label = substr($0, 3); next }
       inblock && NF { print label "\t" $0 }' "$root/docs/ADOPTING.md"
}

# Mark the way's result: built, or why not.
status() { echo "$2" >"$out/$1.status"; }

build_cmake_way() { # way cmake-args...
  local way=$1
  shift
  if cmake -S "$root/tests/consumer" -B "$out/$way" -G Ninja "${consumer_args[@]}" \
       -DPAL_CONSUMER_WAY="$way" "$@" >"$out/$way.log" 2>&1 &&
     cmake --build "$out/$way" -j "$jobs" >>"$out/$way.log" 2>&1; then
    status "$way" built
  else
    status "$way" "build failed (see $out/$way.log)"
  fi
}

# One vendoring line, its compiler word replaced by cc_words, run in dir
# with pal/ beside it; then the consumer linked with link_words.  With
# one_by_one, the line's sources are compiled one per call with the same
# flags: zig cc (macOS here) refuses -c with two sources ("macho does not
# support linking multiple objects into one"), which Apple's cc takes.
build_vendored() { # dir label command cc_words link_words [one_by_one]
  local dir=$1 label=$2 command=$3 cc_words=$4 link_words=$5 one_by_one=${6:-} w flags=() srcs=()
  rm -rf "$dir" && mkdir -p "$dir" && ln -s "$root/pal" "$dir/pal"
  for w in ${command#* }; do
    case $w in *.c) srcs+=("$w") ;; *) flags+=("$w") ;; esac
  done
  # shellcheck disable=SC2086
  (cd "$dir" && echo "$ $command" &&
     if [ -n "$one_by_one" ]; then
       for w in "${srcs[@]}"; do $cc_words "${flags[@]}" "$w" || exit 1; done
     else
       $cc_words "${flags[@]}" "${srcs[@]}"
     fi &&
     objs=$(echo *.o) && echo "$ link: consumer.c $objs" &&
     $link_words -Ipal -o consumer "$root/tests/consumer/consumer.c" $objs) >"$dir.log" 2>&1
}

build() {
  local cc ldflags tc sha dm line label command v cc_words link_words one_by_one
  rm -rf "$out" && mkdir -p "$out"
  # libpal of this target, installed: what package and pkgconfig use
  (cd "$root" && cmake --preset "$preset" -B "$lib" -DPAL_BUILD_TESTS=OFF \
     -DCMAKE_INSTALL_PREFIX="$prefix" && cmake --build "$lib" -j "$jobs" &&
   cmake --install "$lib") >"$out/libpal.log" 2>&1 || { cat "$out/libpal.log"; return 1; }
  cc=$(compiler) ldflags=$(cache CMAKE_EXE_LINKER_FLAGS) tc=$(cache CMAKE_TOOLCHAIN_FILE)
  consumer_args=()
  if [ -n "$tc" ]; then
    consumer_args+=(-DCMAKE_TOOLCHAIN_FILE="$tc")
  else
    consumer_args+=(-DCMAKE_C_COMPILER="$cc")
  fi

  build_cmake_way package -DCMAKE_PREFIX_PATH="$prefix"
  build_cmake_way subdirectory -DPAL_SOURCE_DIR="$root"
  build_cmake_way prefixed -DPAL_SOURCE_DIR="$root"
  if sha=$(git -C "$root" rev-parse HEAD 2>/dev/null); then
    # what is committed: uncommitted changes are not in a fetch
    build_cmake_way fetchcontent -DPAL_GIT_REPOSITORY="$root" -DPAL_GIT_TAG="$sha"
  else
    status fetchcontent "skipped: $root is not a git checkout"
  fi

  mkdir -p "$out/pkgconfig"
  # shellcheck disable=SC2046,SC2086
  if (set -x && PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs pal &&
      $cc -o "$out/pkgconfig/consumer" "$root/tests/consumer/consumer.c" \
        $(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs pal) $ldflags) \
      >"$out/pkgconfig.log" 2>&1; then
    status pkgconfig built
  else
    status pkgconfig "build failed (see $out/pkgconfig.log)"
  fi

  # pal/ with the documented line for this target's OS and CPU
  if [[ $($cc -dumpmachine) == aarch64-* ]]; then
    line=$(vendor_lines | grep -- '-mno-outline-atomics' | head -1)
  else
    line=$(vendor_lines | grep 'pal/linux/' | grep -v -- '-mno-outline-atomics' | head -1)
  fi
  label=${line%%$'\t'*} command=${line#*$'\t'}
  if [ -z "$line" ]; then
    status vendored "build failed: no Linux line in docs/ADOPTING.md"
  elif build_vendored "$out/vendored" "$label" "$command" "$cc" "$cc $ldflags"; then
    status vendored built
  else
    status vendored "build failed (see $out/vendored.log)"
  fi

  # the other OSes' lines, with this machine's compilers
  if [ -z "$tc" ]; then
    while IFS=$'\t' read -r label command; do
      case $command in
        *pal/linux/*) continue ;;
        *pal/windows/*) v=windows ;;
        *pal/darwin/*) v=darwin ;;
        *pal/bsd/*) v=bsd ;;
        *pal/aix/*) v=aix ;;
        *pal/plan9/*) v=plan9 ;;
        *) continue ;;
      esac
      one_by_one=""
      case $v in
        windows) cc_words=x86_64-w64-mingw32-gcc link_words="x86_64-w64-mingw32-gcc -static" ;;
        darwin)
          dm=$(command -v "${PAL_ZIG:-zig}" || true)
          if [ -z "$dm" ]; then
            status "vendored-$v" "skipped: no zig (the darwin targets install it; PAL_ZIG)"
            continue
          fi
          cc_words="$dm cc -target aarch64-macos" link_words=$cc_words one_by_one=1 ;;
        *) cc_words=$cc link_words=$cc ;;
      esac
      if ZIG_GLOBAL_CACHE_DIR=$out/zig-cache ZIG_LOCAL_CACHE_DIR=$out/zig-cache \
          build_vendored "$out/vendored-$v" "$label" "$command" "$cc_words" "$link_words" "$one_by_one"; then
        status "vendored-$v" built
      else
        status "vendored-$v" "build failed (see $out/vendored-$v.log)"
      fi
    done < <(vendor_lines)
  fi

  # another target's probe, built and run by tools/demo.sh --target
  PAL_DEMO_OUT=$out/demo "$root/tools/demo.sh" --target "$probe_target" --json \
    >"$out/probe-target.json" 2>"$out/probe-target.log"
  return 0
}

passed=0 failed=0 skipped=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
skip() { echo "skipped $*"; skipped=$((skipped + 1)); }

# Run a consumer under the target's emulator: its own checks must pass.
run_consumer() { # name binary
  local o rc=0
  o=$("${emulator[@]}" "$2" 2>&1) || rc=$?
  if [ "$rc" -eq 0 ] && grep -qE '^[1-9][0-9]* passed, 0 failed' <<<"$o"; then
    ok "$1: built and ran ($(grep -cE '^ok ' <<<"$o") checks)"
  else
    fail "$1: exit $rc: $(grep -E '^FAIL|passed,' <<<"$o" | tr '\n' ' ')"
  fi
}

# tests/probe_check.py on one JSON file; its lines count as ours.
check_probe() { # what file
  local line
  while IFS= read -r line; do
    case $line in
      "ok   "*) ok "$1: ${line#ok   }" ;;
      "FAIL "*) fail "$1: ${line#FAIL }" ;;
    esac
  done < <(python3 "$root/tests/probe_check.py" --file "$2" 2>&1)
}

test_all() {
  local way st o nm_out bad
  [ -f "$lib/CMakeCache.txt" ] || { fail "libpal for $preset was not built and installed"; return; }
  emulator=()
  while IFS= read -r o; do [ -n "$o" ] && emulator+=("$o"); done <"$lib/tools/emulator.txt"
  for way in $ways vendored-bsd vendored-aix vendored-plan9 vendored-windows vendored-darwin; do
    [ -f "$out/$way.status" ] || continue
    st=$(cat "$out/$way.status")
    case $st in
      skipped*) skip "$way: ${st#skipped: }"; continue ;;
      built) ;;
      *) fail "$way: $st"; continue ;;
    esac
    case $way in
      vendored-windows)
        ok "$way: compiled and linked"
        skip "$way: not run (the windows-mingw targets run the suite under wine)" ;;
      vendored-darwin)
        ok "$way: compiled and linked"
        skip "$way: not run (nothing here runs Mach-O)" ;;
      *) run_consumer "$way" "$out/$way/consumer" ;;
    esac
  done
  # the vendored objects of this target need nothing from outside (no libc)
  # the prefixed build's program: its libpal's names all prefixed
  if [ -f "$out/prefixed/consumer" ]; then
    nm_out=$("$(cache CMAKE_NM)" -g --defined-only "$out/prefixed/consumer" 2>&1 | awk 'NF == 3 {print $3}')
    bad=$(grep -E '^pal_(mem_|os_|strerror)' <<<"$nm_out" | tr '\n' ' ')
    if [ -n "$bad" ]; then
      fail "prefixed: unprefixed names in the program: $bad"
    elif ! grep -qx consumer_pal_mem_alloc <<<"$nm_out"; then
      fail "prefixed: no consumer_pal_mem_alloc in the program"
    else
      ok "prefixed: consumer_pal_mem_alloc and no unprefixed libpal name global in the program (nm -g)"
    fi
  fi
  nm_out=$(cd "$out/vendored" 2>/dev/null && "$(cache CMAKE_NM)" -u ./*.o 2>&1 | awk 'NF == 2 {print $2}' | sort -u)
  bad=$(comm -23 <(echo "$nm_out") <(cd "$out/vendored" 2>/dev/null && "$(cache CMAKE_NM)" --defined-only ./*.o |
    awk 'NF == 3 {print $3}' | sort -u) | grep -v '^$' | tr '\n' ' ')
  if [ ! -d "$out/vendored" ]; then
    fail "vendored: no objects"
  elif [ -z "$bad" ]; then
    ok "vendored: the two objects need nothing from outside (nm -u)"
  else
    fail "vendored: the objects need $bad"
  fi
  # the installed pal.pc names the prefix it was installed in
  o=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --variable=libdir pal 2>&1)
  if [ "$o" = "$prefix/lib" ] && [ -f "$o/libpal.a" ]; then
    ok "pal.pc: libdir $o holds libpal.a"
  else
    fail "pal.pc: libdir '$o' is not $prefix/lib with libpal.a in it"
  fi
  # the installed probe, under the emulator
  if [ -x "$prefix/bin/palprobe" ]; then
    "${emulator[@]}" "$prefix/bin/palprobe" --json >"$out/palprobe.json" 2>"$out/palprobe.log"
    check_probe "installed palprobe --json" "$out/palprobe.json"
  else
    fail "palprobe was not installed in $prefix/bin"
  fi
  check_probe "tools/demo.sh --target $probe_target --json" "$out/probe-target.json"
}

case $mode in
  build) build ;;
  test)
    test_all
    echo "$passed passed, $failed failed, $skipped skipped"
    [ "$failed" -eq 0 ]
    ;;
  *) echo "usage: $0 build|test PRESET" >&2; exit 2 ;;
esac
