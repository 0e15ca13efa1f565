#!/usr/bin/env bash
# clients/mimalloc3/run.sh - mimalloc 3 (Debian 13's source package) on
# libpal through its own porting seam, include/mimalloc/prim.h: prim.c here
# is a platform beside src/prim/unix whose memory primitives are on
# pal_mem.h; the unix platform keeps the others (clock, process
# information, environment, output, randomness, thread exit), its memory
# primitives removed at build time.  mimalloc's own tests run on it.
#
#   run.sh build <target>   amd64 (native gcc), or a cross target with a
#                           cmake/toolchains/<target>-gcc.cmake (s390x, ...)
#   run.sh test <target>    mimalloc's test-api, test-api-fill, test-stress
#                           in its debug and release builds, the nm check
#                           and (natively) the strace check
#
# Build directory: $PAL_CLIENT_OUT/mimalloc3-<target> (default
# <repo>/build-clients/mimalloc3-<target>).  MIMALLOC3_SOURCE=<dir>: an
# unpacked mimalloc 3.0.1 source tree to use instead of the source package
# (for a machine whose Debian mirror lacks trixie's sources).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=clients/mimalloc/lib.sh
. "$root/clients/mimalloc/lib.sh"

# The option sets every test runs under:
#   default       mimalloc's defaults (purge delay 10 ms)
#   purge0        purge (decommit) at once
#   harddecommit  purge0 with libpal's harddecommit policy: decommitted
#                 memory faults on access, so a missed recommit crashes
#   lazy          purge0 with libpal releasing lazily (madvdontneed=0:
#                 MADV_FREE, old contents may stay), so a commit must not
#                 call the memory zero (the debug build checks it does not)
#   reset         purge0 resetting instead of decommitting (purge_decommits
#                 off: _mi_prim_reset, pal_mem_purge), with harddecommit
PURGE0="MIMALLOC_PURGE_DELAY=0"
option_env() {
  case $1 in
    default) echo "" ;;
    purge0) echo "$PURGE0" ;;
    harddecommit) echo "$PURGE0 PAL_POLICY=harddecommit=1" ;;
    lazy) echo "$PURGE0 PAL_POLICY=madvdontneed=0" ;;
    reset) echo "$PURGE0 MIMALLOC_PURGE_DECOMMITS=0 PAL_POLICY=harddecommit=1" ;;
  esac
}
SETS=(default purge0 harddecommit lazy reset)

# The memory primitives of src/prim/unix/prim.c and the helpers only they
# use: prim.c here defines the primitives anew (remove-functions.py of the
# 2.0.9 client fails when a name is missing, so another mimalloc cannot
# link two definitions).
UNIX_MEMORY="unix_detect_overcommit _mi_prim_mem_init _mi_prim_free unix_madvise
  unix_mmap_prim unix_mmap_fd unix_mmap _mi_prim_alloc unix_mprotect_hint
  _mi_prim_commit _mi_prim_decommit _mi_prim_reset _mi_prim_protect mi_prim_mbind
  _mi_prim_alloc_huge_os_pages _mi_prim_numa_node _mi_prim_numa_node_count"

# unpack <dir> pal: a fresh mimalloc 3 tree with the libpal platform.  Debian's
# packaging patches (debian/patches) concern its own build and install,
# not the allocator: the upstream (+ds) tarball is used as it is.
unpack() {
  local dest=$1 pkg tarball tmp
  rm -rf "$dest" "$dest.tmp"
  if [ -n "${MIMALLOC3_SOURCE:-}" ]; then
    cp -r "$MIMALLOC3_SOURCE" "$dest" || return 1
  else
    pkg=$("$root/tools/fetch.sh" source mimalloc trixie) || return 1
    tarball=("$pkg"/mimalloc_3.*.orig.tar.*)
    [ -f "${tarball[0]}" ] || { echo "no mimalloc 3 tarball in $pkg" >&2; return 1; }
    mkdir -p "$dest.tmp"
    tar -xf "${tarball[0]}" -C "$dest.tmp" || return 1
    tmp=$(ls -d "$dest.tmp"/mimalloc-*)
    mv "$tmp" "$dest" && rmdir "$dest.tmp"
  fi
  [ -f "$dest/include/mimalloc/prim.h" ] || { echo "$dest: no include/mimalloc/prim.h (not mimalloc 3)" >&2; return 1; }
  mkdir -p "$dest/src/prim/pal" && cp "$here/prim.c" "$dest/src/prim/pal/prim.c" &&
    patch -s -d "$dest" -p1 <"$here/mimalloc3.patch" || return 1
  # shellcheck disable=SC2086
  python3 "$root/clients/mimalloc/remove-functions.py" "$dest/src/prim/unix/prim.c" $UNIX_MEMORY \
    2>"$dest/prim-seam.log" || { cat "$dest/prim-seam.log" >&2; return 1; }
}

# The "no own OS calls" check (nm_check_build): the object of
# src/prim/prim.c (the unix platform's remains and the libpal one)
# references no memory system call and does call libpal.  (syscall()
# stays: the unix platform reads files and getrandom with it; the strace
# check below sees every raw call.)
OS_LAYER=CMakeFiles/mimalloc.dir/src/prim/prim.c.o OS_LAYER_NAME=platform
FORBIDDEN="mmap munmap mremap madvise posix_madvise mprotect mincore mmap64 mbind"

cmd_build() {
  build_target mimalloc3 "${1:?usage: run.sh build <target>}"
}

# run_one <name> <build> <program> <environment> [<text the log must hold>]
run_one() {
  local name=$1 b=$2 prog=$3 env_set=$4 want=${5:-} log args=() cmd=() rc line
  log=$out/logs/${name//\//-}.log
  [ -f "$out/$b/commands/$prog" ] && mapfile -d '' cmd <"$out/$b/commands/$prog"
  if [ ${#cmd[@]} -eq 0 ]; then
    fail "$name: not built (run.sh build $t)"
    return
  fi
  if [ "$prog" = test-stress ]; then
    if [ $qemu = 1 ]; then read -ra args <<<"$STRESS_QEMU"; else read -ra args <<<"$STRESS_NATIVE"; fi
  fi
  # MIMALLOC_SHOW_ERRORS: warnings (a primitive that failed) are printed
  # in release builds too, and fail the run
  # shellcheck disable=SC2086
  env MIMALLOC_SHOW_ERRORS=1 $env_set timeout 600 "${cmd[@]}" "${args[@]}" >"$log" 2>&1
  rc=$?
  # (test-api asks for impossible sizes on purpose, in malloc-nomem1,
  # calloc-overflow and posix_memalign_nomem: those errors are its own)
  # In the secure build mimalloc 3.0.1 recommits the guard page of an
  # aligned OS allocation it has unmapped already (arena.c, "recommit guard
  # page at the end?"): test-api's malloc-aligned8/9 then warn "cannot
  # commit OS memory (error: 12 ..., size: 0x1000 bytes)" with mimalloc's
  # own unix primitives too, in every option set; on libpal only where
  # commit makes a system call (harddecommit).  That one warning is its own.
  local own='request is too large\|unable to allocate memory (9223372036854775808 bytes)'
  [ "$b/$prog" = secure/test-api ] && own="$own\\|cannot commit OS memory (error: 12 (0x0C), address: 0x[0-9A-F]*, size: 0x1000 bytes)"
  line=$(grep -aE 'mimalloc: (warning|error)|assertion|pal_mem_' "$log" | grep -av "$own" | head -1)
  if [ $rc -eq 0 ] && [ -z "$line" ] && [ -n "$want" ] && ! grep -aq "$want" "$log"; then
    fail "$name: no \"$want\" in its output (see $log)"
  elif [ $rc -eq 0 ] && [ -z "$line" ]; then
    ok "$name"
  else
    fail "$name: exit status $rc${line:+: $line} (see $log)"
  fi
}

# The run-time "no own OS calls" check (nm sees names only, not a raw
# system call): test-api with purging at once under strace -ff -k, every
# memory call put down to libpal, the C library/loader/test, or mimalloc
# (clients/oscalls.py); none may be mimalloc's own, and libpal's calls must
# be the calls it counted (PAL_SHOW_STATS).
run_oscalls() {
  oscalls_test_api mimalloc3 "$PURGE0" \
    "CMakeFiles/mimalloc.dir/src/*.o" "CMakeFiles/mimalloc.dir/src/prim/*.o"
}

# Huge OS pages (reserve_huge_os_pages=1: one 1 GiB page at start, which
# test-stress then allocates from), natively, where the 1 GiB hugetlb pool
# has a free page now (/sys; the pool is not grown here).  The lock keeps
# the other users of the pools in the test command out meanwhile.  Not
# in the secure build: mimalloc 3.0.1 cannot set its guard pages in pinned
# memory and says so ("failed to commit guard page"), on its own unix
# primitives too.
run_hugeos() {
  local pool=/sys/kernel/mm/hugepages/hugepages-1048576kB b name why=""
  if [ $qemu = 1 ]; then
    why="explicit huge pages are checked natively only"
  elif [ ! -d $pool ]; then
    why="no 1 GiB hugetlb pool ($pool)"
  fi
  exec 8>/tmp/libpal-hugetlb-pools.lock
  flock 8
  for b in debug release; do
    name=$b/hugeos/test-stress
    if [ -z "$why" ] && [ "$(cat $pool/free_hugepages)" -lt 1 ]; then
      skip "$name: no free page in the 1 GiB hugetlb pool ($pool/free_hugepages)"
    elif [ -n "$why" ]; then
      skip "$name: $why"
    else
      run_one "$name" "$b" test-stress "MIMALLOC_RESERVE_HUGE_OS_PAGES=1 MIMALLOC_VERBOSE=1" "reserved 1 GiB huge pages"
    fi
  done
  flock -u 8
  exec 8>&-
}

cmd_test() {
  local t=${1:?usage: run.sh test <target>} out b set prog name qemu=0
  local passed=0 failed=0 skipped=0
  start_tests mimalloc3 "$t"
  # every program in every set, under qemu-user too (test-api, shortened
  # by shorten_test_api, takes about a second there)
  for b in "${BUILDS[@]}"; do
    [ -d "$out/$b" ] && write_test_commands "$out/$b"
    if [ -f "$out/$b/CMakeCache.txt" ] && nm_check_build "$out/$b" >"$out/logs/nm-$b.txt"; then
      ok "$b/nm: $(cat "$out/logs/nm-$b.txt")"
    else
      fail "$b/nm: $(cat "$out/logs/nm-$b.txt" 2>/dev/null || echo "not built")"
    fi
    for set in "${SETS[@]}"; do
      for prog in test-api test-api-fill test-stress; do
        name="$b/$set/$prog"
        run_one "$name" "$b" "$prog" "$(option_env "$set")"
      done
    done
  done
  run_hugeos
  run_oscalls
  summary
}

case ${1:-} in
  build) cmd_build "${2:-}" ;;
  test) cmd_test "${2:-}" ;;
  *) echo "usage: clients/mimalloc3/run.sh build <target> | test <target>" >&2; exit 2 ;;
esac
