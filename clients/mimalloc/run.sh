#!/usr/bin/env bash
# clients/mimalloc/run.sh - mimalloc 2.0.9 (Debian 12's source package) on
# libpal: the functions of its src/os.c that make system calls are removed
# (OS_SEAM) and os-pal.c here defines them on pal_mem.h; mimalloc.patch
# includes it and hands the decommit loops' runs to libpal in one call.
# mimalloc's own tests on it, tests of what the adapter adds, and a
# side-by-side benchmark against mimalloc's own os.c.
#
#   run.sh build <target>   amd64 (native gcc), or a cross target with a
#                           cmake/toolchains/<target>-gcc.cmake (arm64, s390x, ...)
#   run.sh test <target>    mimalloc's test-api, test-api-fill, test-stress
#   run.sh bench            own os.c vs libpal, natively; markdown to stdout
#
# Build directory: $PAL_CLIENT_OUT/mimalloc-<target> (default
# <repo>/build-clients/mimalloc-<target>).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=clients/mimalloc/lib.sh
. "$here/lib.sh"

# The option sets every test program runs under (environment variables):
#   default       mimalloc's defaults (decommit delay 25 ms, segments 500 ms)
#   purge0        decommit at once: mimalloc 2.0.9's purge delays are
#                 decommit_delay (legacy name reset_delay) and
#                 segment_decommit_delay
#   harddecommit  purge0 with libpal's harddecommit policy: decommitted
#                 memory faults on access
#   reset         page_reset: page memory is reset on free (the only caller
#                 of _mi_os_reset) and used again without a commit while the
#                 decommit delay (default) runs.  In the release build with
#                 harddecommit, so a reset that left memory inaccessible
#                 faults; not in the debug build, which then writes over
#                 decommitted memory (mimalloc 2.0.9's _mi_os_reset clears a
#                 whole huge page whose head segment.c decommitted: its own
#                 os.c, which decommits with PROT_NONE in debug builds,
#                 crashes the same way in test-api with MIMALLOC_PAGE_RESET=1).
PURGE0="MIMALLOC_DECOMMIT_DELAY=0 MIMALLOC_SEGMENT_DECOMMIT_DELAY=0"
option_env() { # <set> <build>
  case $1 in
    default) echo "" ;;
    purge0) echo "$PURGE0" ;;
    harddecommit) echo "$PURGE0 PAL_POLICY=harddecommit=1" ;;
    reset)
      if [ "$2" = debug ]; then echo "MIMALLOC_PAGE_RESET=1"
      else echo "MIMALLOC_PAGE_RESET=1 PAL_POLICY=harddecommit=1"; fi ;;
  esac
}
SETS=(default purge0 harddecommit reset)

# unpack <dir> own|pal: a fresh mimalloc source tree in <dir>; with pal,
# os.c's system calls replaced by os-pal.c (OS_SEAM), mimalloc.patch
# applied and CMakeLists.txt taught MI_PAL_DIR.  Debian's
# packaging has no patches for mimalloc 2.0.9: the upstream tarball is used
# as it is.
unpack() {
  local dest=$1 kind=$2 pkg tarball tmp
  pkg=$("$root/tools/fetch.sh" source mimalloc) || return 1
  tarball=("$pkg"/mimalloc_2.0.9*.orig.tar.*)
  [ -f "${tarball[0]}" ] || { echo "no mimalloc 2.0.9 tarball in $pkg" >&2; return 1; }
  rm -rf "$dest" "$dest.tmp"
  mkdir -p "$dest.tmp"
  tar -xf "${tarball[0]}" -C "$dest.tmp" || return 1
  tmp=$(ls -d "$dest.tmp"/mimalloc-*)
  mv "$tmp" "$dest" && rmdir "$dest.tmp"
  if [ "$kind" = pal ]; then
    cp "$here/os-pal.c" "$dest/src/os-pal.c"
    # patch, not git apply: run inside a git work tree (build-matrix/ is an
    # ignored part of this one), git apply left src/os.c unpatched and
    # still exited 0
    patch -s -d "$dest" -p1 <"$here/CMakeLists.patch" &&
      patch -s -d "$dest" -p1 <"$here/mimalloc.patch" || return 1
    # shellcheck disable=SC2086
    python3 "$here/remove-functions.py" "$dest/src/os.c" $OS_SEAM 2>"$dest/os-seam.log" ||
      { cat "$dest/os-seam.log" >&2; return 1; }
  fi
}

# The functions of mimalloc's src/os.c that make system calls (each of its
# platform variants), and the one variable only they use: os-pal.c defines
# the functions anew on libpal (mimalloc.patch includes it into os.c).
OS_SEAM="_mi_os_init os_detect_overcommit mi_madvise mi_os_mem_free
  mi_unix_mmapx mi_unix_mmap_fd mi_unix_mmap mi_os_mem_alloc mi_os_mem_alloc_aligned
  mi_mprotect_hint mi_os_commitx mi_os_resetx mi_os_protectx
  mi_os_alloc_huge_os_pagesx mi_os_mbind mi_huge_start mi_os_claim_huge_pages
  _mi_os_alloc_huge_os_pages mi_os_numa_nodex mi_os_numa_node_countx"

# The "no own OS calls" check (nm_check_build): the object of src/os.c
# must reference none of the memory system calls, and must use libpal
# (else it is not the adapter).
OS_LAYER=CMakeFiles/mimalloc.dir/src/os.c.o OS_LAYER_NAME=os.c
FORBIDDEN="mmap munmap mremap madvise posix_madvise mprotect mincore mmap64"

# the builds, with the test programs reset_refused.c and purge_batch.c
cmd_build() {
  build_target mimalloc "${1:?usage: run.sh build <target>}" reset_refused purge_batch
}

# Why a run failed, from its exit status and log.
failure_reason() {
  local rc=$1 log=$2 prog=$3 line
  line=$(grep -m1 -aE 'assertion|FAILED|corruption|pal_mem_|error' "$log" | grep -av 'allocation request is too large\|unable to allocate memory (9' | head -1)
  if grep -aq 'pal_mem_' "$log"; then
    line=$(grep -m1 -a 'pal_mem_' "$log")
    echo "a libpal call failed: $line"
  elif [ "$rc" -eq 124 ]; then
    echo "timed out"
  elif [ "$rc" -gt 128 ]; then
    echo "killed by signal $((rc - 128))${line:+: $line}"
  elif [ "$prog" = test-api ] || [ "$prog" = test-api-fill ]; then
    echo "$rc checks failed${line:+: $line}"
  else
    echo "exit status $rc${line:+: $line}"
  fi
}

# run_one <name> <build> <program> <environment> [<text the log must hold>]:
# one run of one of mimalloc's test programs; prints its line and counts it
# in pass/fail.
run_one() {
  local name=$1 b=$2 prog=$3 env_set=$4 want=${5:-} log args=() cmd=() rc start
  log=$out/logs/${name//\//-}.log
  [ -f "$out/$b/commands/$prog" ] && mapfile -d '' cmd <"$out/$b/commands/$prog"
  if [ ! -x "$out/$b/mimalloc-$prog" ] || [ ${#cmd[@]} -eq 0 ]; then
    fail "$name: not built (run.sh build $t)"
    return
  fi
  if [ "$prog" = test-stress ]; then
    if [ $qemu = 1 ]; then read -ra args <<<"$STRESS_QEMU"; else read -ra args <<<"$STRESS_NATIVE"; fi
  fi
  start=$(date +%s%N)
  # MIMALLOC_SHOW_ERRORS: release builds print warnings too, so a libpal
  # call that failed (the adapter's warnings name it) is seen
  # shellcheck disable=SC2086
  env MIMALLOC_SHOW_ERRORS=1 $env_set timeout 600 "${cmd[@]}" "${args[@]}" >"$log" 2>&1
  rc=$?
  echo "$name $(( ($(date +%s%N) - start) / 1000000 )) ms" >>"$out/logs/times.txt"
  if [ $rc -eq 0 ] && ! grep -aq 'pal_mem_' "$log" && { [ -z "$want" ] || grep -aq "$want" "$log"; }; then
    ok "$name"
  elif [ $rc -eq 0 ] && [ -n "$want" ] && ! grep -aq 'pal_mem_' "$log"; then
    fail "$name: no \"$want\" in its output (see $log)"
  else
    fail "$name: $(failure_reason $rc "$log" "$prog") (see $log)"
  fi
}

# Huge OS pages (mimalloc's reserve_huge_os_pages=1: one 1 GiB arena of
# explicit huge pages at start, which the program then allocates from),
# natively: the hugetlb pool the adapter tries first (1 GiB pages where
# offered, else the smallest) is grown by what one reservation needs, and
# put back.
# Needs root; a pool that cannot grow (no free contiguous memory) skips.
run_hugeos() {
  local pools=(/sys/kernel/mm/hugepages/hugepages-*kB) pool p k kib old need b name
  if [ $qemu = 1 ]; then
    for b in "${BUILDS[@]}"; do skip "$b/hugeos/test-stress: explicit huge pages are checked natively only"; done
    return
  fi
  pool=""
  if [ -d /sys/kernel/mm/hugepages/hugepages-1048576kB ]; then
    pool=/sys/kernel/mm/hugepages/hugepages-1048576kB
  elif [ -d "${pools[0]}" ]; then
    pool=$(for p in "${pools[@]}"; do k=${p##*hugepages-}; echo "${k%kB} $p"; done | sort -n | head -1 | cut -d' ' -f2)
  fi
  kib=${pool##*hugepages-}; kib=${kib%kB}
  # 1 GiB, and the adapter's alignment slop: 32 MiB less one page
  [ -n "$pool" ] && need=$(( 1048576 / kib + (kib < 32768 ? 32768 / kib - 1 : 0) ))
  if [ -z "$pool" ] || [ ! -w "$pool/nr_hugepages" ]; then
    for b in "${BUILDS[@]}"; do skip "$b/hugeos/test-stress: ${pool:+not root: cannot grow }${pool:-no hugetlb pool}"; done
    return
  fi
  old=$(cat "$pool/nr_hugepages")
  echo $((old + need)) >"$pool/nr_hugepages" 2>/dev/null
  if [ "$(cat "$pool/free_hugepages")" -lt "$need" ]; then
    echo "$old" >"$pool/nr_hugepages"
    for b in "${BUILDS[@]}"; do skip "$b/hugeos/test-stress: the ${kib} KiB pool could not grow by $need pages"; done
    return
  fi
  for b in "${BUILDS[@]}"; do
    name=$b/hugeos/test-stress
    # the pool is machine-wide: another process may have taken it back
    if [ "$(cat "$pool/free_hugepages")" -lt "$need" ]; then
      skip "$name: the ${kib} KiB pool shrank under the test (another process)"
      continue
    fi
    run_one "$name" "$b" test-stress "MIMALLOC_RESERVE_HUGE_OS_PAGES=1 MIMALLOC_VERBOSE=1" "reserved 1 GiB huge pages"
  done
  echo "$old" >"$pool/nr_hugepages"
}

# The fallback from 1 GiB pages to the smallest (2 MiB), as mimalloc's own
# mmap falls back from MAP_HUGE_1GB to MAP_HUGE_2MB: the 1 GiB pool listed
# but without a free page, the 2 MiB pool grown by what one reservation
# needs; both put back afterwards.  Natively, as root.
run_hugeos_fallback() {
  local g1=/sys/kernel/mm/hugepages/hugepages-1048576kB m2=/sys/kernel/mm/hugepages/hugepages-2048kB
  local b name old1="" old2="" need=$((512 + 15)) why=""
  if [ $qemu = 1 ]; then
    why="explicit huge pages are checked natively only"
  elif [ ! -d $m2 ]; then
    why="no 2 MiB hugetlb pool ($m2)"
  elif [ ! -w $m2/nr_hugepages ]; then
    why="not root: cannot set the hugetlb pools"
  fi
  if [ -z "$why" ]; then
    old2=$(cat $m2/nr_hugepages)
    if [ -d $g1 ]; then
      # only the free pages go: pages in use elsewhere stay theirs
      old1=$(cat $g1/nr_hugepages)
      echo $((old1 - $(cat $g1/free_hugepages))) >$g1/nr_hugepages 2>/dev/null
      [ "$(cat $g1/free_hugepages)" -eq 0 ] || why="the 1 GiB pool could not be emptied"
    fi
    [ -n "$why" ] || echo $((old2 + need)) >$m2/nr_hugepages 2>/dev/null
    [ -n "$why" ] || [ "$(cat $m2/free_hugepages)" -ge $need ] || why="the 2 MiB pool could not grow by $need pages"
  fi
  if [ -n "$why" ]; then
    for b in "${BUILDS[@]}"; do skip "$b/hugeos-2mib/test-stress: $why"; done
  else
    for b in "${BUILDS[@]}"; do
      name=$b/hugeos-2mib/test-stress
      if [ "$(cat $m2/free_hugepages)" -lt $need ]; then
        skip "$name: the 2 MiB pool shrank under the test (another process)"
        continue
      fi
      run_one "$name" "$b" test-stress "MIMALLOC_RESERVE_HUGE_OS_PAGES=1 MIMALLOC_VERBOSE=1" "reserved 1 GiB huge pages"
    done
  fi
  [ -n "$old2" ] && echo "$old2" >$m2/nr_hugepages
  [ -n "$old1" ] && echo "$old1" >$g1/nr_hugepages
}

# reset_refused (see reset_refused.c): page reset while the kernel refuses
# new commit charge, where a reset that releases and commits again leaves
# pages mimalloc writes to inaccessible: under harddecommit, and (root)
# under strict overcommit as a private mount namespace shows it to libpal.
# The purge delays long, so that the pages stay committed between the
# frees and the allocations again: a commit refused there would be out of
# memory, not the reset's doing.
KEEP_COMMITTED="MIMALLOC_DECOMMIT_DELAY=1000000 MIMALLOC_SEGMENT_DECOMMIT_DELAY=1000000"
run_reset_refused() {
  local b mode name log rc wrap why
  for b in "${BUILDS[@]}"; do
    for mode in harddecommit strict; do
      name=$b/reset-refused/$mode
      if [ $qemu = 1 ]; then
        skip "$name: under qemu-user the data limit would also refuse qemu's own allocations (natively only)"
        continue
      fi
      wrap=(env PAL_POLICY=harddecommit=1)
      if [ $mode = strict ]; then
        echo 2 >"$out/overcommit_memory_2"
        wrap=(unshare -m sh -c 'mount --bind "$0" /proc/sys/vm/overcommit_memory && exec "$@"' "$out/overcommit_memory_2")
        if ! "${wrap[@]}" grep -qx 2 /proc/sys/vm/overcommit_memory 2>/dev/null; then
          skip "$name: no private mount namespace here (unshare -m and mount need root)"
          continue
        fi
      fi
      log=$out/logs/${name//\//-}.log
      if [ ! -x "$out/$b/reset_refused" ]; then
        fail "$name: not built (run.sh build $t)"
        continue
      fi
      # shellcheck disable=SC2086
      "${wrap[@]}" env MIMALLOC_PAGE_RESET=1 MIMALLOC_SHOW_ERRORS=1 $KEEP_COMMITTED timeout 300 "$out/$b/reset_refused" >"$log" 2>&1
      rc=$?
      if [ $rc -eq 0 ] && ! grep -aq 'pal_mem_' "$log"; then
        ok "$name"
      elif [ $rc -eq 77 ]; then
        why=$(sed -n 's/^skipped: //p' "$log")
        skip "$name: ${why:-see $log}"
      else
        why=$(grep -a -m1 '^FAIL' "$log")
        fail "$name: ${why:-$(failure_reason $rc "$log" reset_refused)} (see $log)"
      fi
    done
  done
}

# judge_prog <name> <exit status> <log> <program>: the line of one run of
# a test program here (0 passed, 77 skipped with its "skipped: " reason)
judge_prog() {
  local name=$1 rc=$2 log=$3 prog=$4 why
  if [ "$rc" -eq 0 ] && ! grep -aq 'pal_mem_' "$log"; then
    ok "$name: $(sed -n 's/^ok: //p' "$log" | head -1)"
  elif [ "$rc" -eq 77 ]; then
    why=$(sed -n 's/^skipped: //p' "$log")
    skip "$name: ${why:-see $log}"
  else
    why=$(grep -a -m1 '^FAIL' "$log")
    fail "$name: ${why:-$(failure_reason "$rc" "$log" "$prog")} (see $log)"
  fi
}

# purge_batch (see purge_batch.c): the runs of a segment's delayed
# decommit go to libpal in one call (one process_madvise where the kernel
# takes it).  Under qemu-user with the emulator ctest runs mimalloc's tests
# with.
run_purge_batch() {
  local b name log cmd=() rc
  for b in "${BUILDS[@]}"; do
    name=$b/purge-batch
    log=$out/logs/$b-purge-batch.log
    if [ ! -x "$out/$b/purge_batch" ] || [ ! -f "$out/$b/commands/test-api" ]; then
      fail "$name: not built (run.sh build $t)"
      continue
    fi
    mapfile -d '' cmd <"$out/$b/commands/test-api"
    unset 'cmd[${#cmd[@]}-1]'  # test-api itself: what stays is the emulator
    MIMALLOC_SHOW_ERRORS=1 timeout 300 "${cmd[@]}" "$out/$b/purge_batch" >"$log" 2>&1
    rc=$?
    judge_prog "$name" $rc "$log" purge_batch
  done
}

# Twice RAM + swap, committed but never touched (mimalloc's
# reserve_os_memory option, before test-api-fill): mimalloc's own layer
# maps it with MAP_NORESERVE under overcommit, which the heuristic mode
# lets through whatever the size; charged, the kernel refuses it.
run_noreserve() {
  local b mode kib
  mode=$(cat /proc/sys/vm/overcommit_memory 2>/dev/null)
  kib=$(awk '/^(MemTotal|SwapTotal):/ { s += $2 } END { print 2 * s }' /proc/meminfo 2>/dev/null)
  for b in "${BUILDS[@]}"; do
    if [ "$mode" != 0 ] || [ -z "$kib" ]; then
      skip "$b/noreserve/test-api-fill: vm.overcommit_memory is ${mode:-unreadable}: the size check is the heuristic mode's (0)"
      continue
    fi
    run_one "$b/noreserve/test-api-fill" "$b" test-api-fill \
      "MIMALLOC_RESERVE_OS_MEMORY=${kib}K MIMALLOC_VERBOSE=1" "reserved [0-9]* KiB memory"
  done
}

# The node count mimalloc uses (test-stress's statistics print it: "numa
# nodes: N", from pal_mem_numa_nodes) against the nodes /sys says have
# memory: a node without memory takes no allocation.  Without
# /sys/devices/system/node the OS shows no NUMA: one node.  From the
# default set's test-stress runs.
run_numa_count() {
  local b name log seen nodes=1 f=/sys/devices/system/node/has_memory
  if [ -r $f ]; then
    nodes=$(tr ',' '\n' <$f | awk -F- '/./ { n += ($2 == "" ? 1 : $2 - $1 + 1) } END { print n + 0 }')
  fi
  for b in "${BUILDS[@]}"; do
    name=$b/numa-nodes
    log=$out/logs/$b-default-test-stress.log
    seen=$(sed -n 's/^numa nodes: *\([0-9]*\)$/\1/p' "$log" 2>/dev/null | head -1)
    if [ "$seen" = "$nodes" ]; then
      ok "$name"
    else
      fail "$name: mimalloc uses ${seen:-no} node count, $f lists $nodes node(s) with memory (see $log)"
    fi
  done
}

# The run-time "no own OS calls" check (the nm check sees names only, not
# syscall(SYS_madvise, ...) or a raw system call): test-api with page
# reset and decommit at once, under strace -ff -k; every memory call is put
# down to libpal, to the C library, loader or test program, or to mimalloc
# itself (clients/oscalls.py, from the functions of each one's objects).
# None may be mimalloc's own, and the calls strace sees libpal make must be
# the calls libpal counted (pal_mem_get_stats, which os.c prints at exit
# under PAL_SHOW_STATS=1).
run_oscalls() {
  oscalls_test_api mimalloc "MIMALLOC_PAGE_RESET=1 $PURGE0" "CMakeFiles/mimalloc.dir/src/*.o"
}

cmd_test() {
  local t=${1:?usage: run.sh test <target>} out b set prog name qemu=0
  local passed=0 failed=0 skipped=0
  start_tests mimalloc "$t"
  : >"$out/logs/times.txt"
  for b in "${BUILDS[@]}"; do
    [ -d "$out/$b" ] && write_test_commands "$out/$b"
    for set in "${SETS[@]}"; do
      for prog in test-api test-api-fill test-stress; do
        name="$b/$set/$prog"
        # test-api, even shortened (see shorten_test_api), takes ~5 s of
        # CPU under qemu: there it runs in the two sets that check most,
        # debug/harddecommit (assertions, decommit at once, decommitted
        # memory faults) and release/reset (reset memory must stay Ready).
        # Nowhere in debug/reset: the debug build fills every reset page,
        # 13 s of CPU natively (test-stress runs there).
        if [ $prog = test-api ] && [ "$b/$set" = debug/reset ]; then
          skip "$name: test-api with page_reset runs in the release build (time)"
          continue
        fi
        if [ $qemu = 1 ] && [ $prog = test-api ] && [ "$b/$set" != debug/harddecommit ] && [ "$b/$set" != release/reset ]; then
          skip "$name: under qemu test-api runs in debug/harddecommit and release/reset only (time)"
          continue
        fi
        run_one "$name" "$b" "$prog" "$(option_env "$set" "$b")"
      done
    done
  done
  # The hugetlb pools are machine-wide, and the test command runs other
  # builds' tests at once: this lock (libpal's own hugetlb test takes it
  # too) keeps every other user of the pools out while these runs change
  # and use them.
  exec 8>/tmp/libpal-hugetlb-pools.lock
  flock 8
  run_hugeos
  run_hugeos_fallback
  flock -u 8
  exec 8>&-
  run_reset_refused
  run_purge_batch
  run_noreserve
  run_numa_count
  [ $qemu = 1 ] || bench_tools
  run_oscalls
  summary
}

# ---- bench ------------------------------------------------------------------

# Own os.c against libpal, side by side (tools/bench/benchrun.c runs and
# measures, tools/bench/clients.py tabulates), on test-stress (BENCH_STRESS:
# threads, load %, iterations) as it is and with every purge at once
# (purge0), under each setting that reaches a different path of the OS
# layer; the control contender "own2" is a copy of the own build.
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_STRESS="8 20 6"
# <setting> <builds> <environment>: builds "release" (own and libpal) or
# "secure" (MI_SECURE: guard pages, a separate pair)
BENCH_SETTINGS=(
  "default release"
  "reset release MIMALLOC_PAGE_RESET=1"
  "large release MIMALLOC_LARGE_OS_PAGES=1"
  "secure secure"
)

bench_tools() {
  need_packages strace:strace /usr/bin/time:time || exit 1
}

# bench_spec <spec> <setting> <build> <environment>: the runs of one setting
bench_spec() {
  local spec=$1 setting=$2 b=$3 env_set=$4 w v dir extra policy
  for w in stress purge0 purge0-1cpu; do
    extra=$env_set
    [ $w != stress ] && extra="$extra $PURGE0"
    # peak RSS where it is the question (purge0 under the default and the
    # reset settings), with the threads' overlap taken out
    if [ $w = purge0-1cpu ]; then
      case $setting in default | reset) extra="cpu=$(($(nproc) - 1)) $extra" ;; *) continue ;; esac
    fi
    for v in own own2 libpal libpal-thpgranular=0; do
      # the marks are made where THP is "always" or the process asked for
      # huge pages: the column without them where they may be made
      [ $v = libpal-thpgranular=0 ] && [ "$setting" != default ] && [ "$setting" != large ] && continue
      dir=$out/$b-${v%%-*} policy=""
      [ $v = libpal-thpgranular=0 ] && policy=PAL_POLICY=thpgranular=0
      # LD_LIBRARY_PATH, not the build's RUNPATH: the copy's programs load
      # the copy's library
      # shellcheck disable=SC2086
      bench_add "$spec" "$v" "$setting" $w LD_LIBRARY_PATH=$dir $extra $policy \
        -- "$dir/mimalloc-test-stress" $BENCH_STRESS
    done
  done
}

# bench_hugeos <spec> <results>: reserve_huge_os_pages=1 (one 1 GiB arena
# of explicit huge pages at start) from the hugetlb pools: "hugeos-empty"
# with both pools empty (the reservation fails and mimalloc goes on with
# ordinary memory), "hugeos-2mib" with no free 1 GiB page and the 2 MiB
# pool grown by one reservation (1 GiB and the alignment slop).  Both
# pools put back after.  Needs root; holds the lock libpal's own hugetlb
# tests and the test command's take.
bench_hugeos() {
  local g1=/sys/kernel/mm/hugepages/hugepages-1048576kB m2=/sys/kernel/mm/hugepages/hugepages-2048kB
  local old1="" old2="" need=$((512 + 15)) setting spec
  if [ ! -w $m2/nr_hugepages ]; then
    echo "hugeos: ${m2} not writable (not root, or no 2 MiB pool): not measured" >"$out/hugeos.why"
    return
  fi
  exec 8>/tmp/libpal-hugetlb-pools.lock
  flock 8
  old2=$(cat $m2/nr_hugepages)
  if [ -d $g1 ]; then
    old1=$(cat $g1/nr_hugepages)
    # only the free pages go: pages in use elsewhere stay theirs
    echo $((old1 - $(cat $g1/free_hugepages))) >$g1/nr_hugepages 2>/dev/null
  fi
  : >"$out/hugeos.why"
  for setting in hugeos-empty hugeos-2mib; do
    if [ $setting = hugeos-2mib ]; then
      echo $((old2 + need)) >$m2/nr_hugepages 2>/dev/null
      if [ "$(cat $m2/free_hugepages)" -lt $need ]; then
        echo "hugeos-2mib: the 2 MiB pool could not grow by $need pages: not measured" >>"$out/hugeos.why"
        break
      fi
    else
      echo "$old2" >$m2/nr_hugepages
    fi
    echo "$setting: 1 GiB pool free $(cat $g1/free_hugepages 2>/dev/null || echo absent), 2 MiB pool free $(cat $m2/free_hugepages)" >>"$out/hugeos.why"
    spec=$out/bench-$setting.spec
    echo "rounds $BENCH_ROUNDS" >"$spec"
    bench_spec "$spec" $setting release "MIMALLOC_RESERVE_HUGE_OS_PAGES=1"
    "$out/benchrun" "$spec" >>"$2" || echo "$setting: a run failed (see $2)" >>"$out/hugeos.why"
  done
  echo "$old2" >$m2/nr_hugepages
  [ -n "$old1" ] && echo "$old1" >$g1/nr_hugepages
  flock -u 8
  exec 8>&-
}

# The amd64 test VM (tools/vm), booted once with THP "always" and once
# with strict overcommit (vm.overcommit_memory=2): no hugetlb pool, no
# secure pair; test-stress statically linked to a static libmimalloc
# (MI_OVERRIDE off: test-stress calls mi_malloc and friends, so nothing
# meets glibc's malloc in libc.a), smaller (BENCH_VM_STRESS), since the VM
# runs under TCG.  BENCH_VM=0: not run.
BENCH_VM=${BENCH_VM:-1}
BENCH_VM_ROUNDS=${BENCH_VM_ROUNDS:-3}
BENCH_VM_STRESS="4 10 2"
bench_vm_builds() {
  local kind name dir pal=() lib
  for kind in own pal; do
    name=$kind pal=()
    [ $kind = pal ] && name=libpal pal=(-DMI_PAL_DIR="$root" -DPAL_BUILD_TESTS=OFF -DPAL_BUILD_TOOLS=OFF)
    dir=$out/static-$name
    rm -rf "$dir" && mkdir -p "$out/vm/data/$name"
    cmake -S "$out/src-$kind" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=gcc \
      -DMI_BUILD_SHARED=OFF -DMI_BUILD_STATIC=ON -DMI_BUILD_OBJECT=OFF -DMI_BUILD_TESTS=OFF -DMI_OVERRIDE=OFF \
      "${pal[@]}" >"$dir.log" 2>&1 && cmake --build "$dir" -j "$jobs" >>"$dir.log" 2>&1 || return 1
    lib=("$dir"/libmimalloc*.a)
    [ $kind = pal ] && lib+=("$dir/libpal/libpal.a")
    gcc -O2 -static -I"$out/src-$kind/include" -o "$out/vm/data/$name/test-stress" \
      "$out/src-$kind/test/test-stress.c" "${lib[@]}" -lpthread >>"$dir.log" 2>&1 || return 1
  done
  bench_copy "$out/vm/data/own" "$out/vm/data/own2"
}

# bench_vm_run <setting> <kernel argument>: one boot, its rows in $results
bench_vm_run() {
  local setting=$1 spec=$out/vm/data/bench.spec w v extra policy
  printf 'rounds %s\ntimeout 300\n' "$BENCH_VM_ROUNDS" >"$spec"
  for w in stress purge0; do
    extra=""
    [ $w = purge0 ] && extra=$PURGE0
    for v in own own2 libpal libpal-thpgranular=0; do
      policy=""
      if [ $v = libpal-thpgranular=0 ]; then
        [ "$setting" = vm-thp-always ] || continue
        policy=PAL_POLICY=thpgranular=0
      fi
      # shellcheck disable=SC2086
      bench_add "$spec" $v $setting $w $extra $policy -- "/data/${v%%-*}/test-stress" $BENCH_VM_STRESS
    done
  done
  echo "VM: $setting" >&2
  bench_vm "$out/benchrun" "$out/vm" "$results" "$2" ||
    echo "$setting: the VM run failed or a run in it did (see $out/vm.log.$setting)" >>"$out/vm.why"
  cp "$out/vm.log" "$out/vm.log.$setting"
}

cmd_bench() {
  local out=$out_base/mimalloc-bench kind name b s setting env_set spec results t0=$SECONDS thp ptes_none
  # shellcheck source=tools/bench/clients.sh
  . "$root/tools/bench/clients.sh"
  # shellcheck disable=SC2046
  unset PAL_POLICY $(compgen -e | grep '^MIMALLOC_')
  mkdir -p "$out"
  bench_runner "$out" || die "benchrun did not build"
  for kind in own pal; do
    unpack "$out/src-$kind" $kind || die "could not unpack mimalloc"
  done
  for b in release secure; do
    for kind in own pal; do
      name=$kind
      [ $kind = pal ] && name=libpal
      rm -rf "${out:?}/$b-$name"
      configure_build "$out/src-$kind" "$out/$b-$name" $kind $b -DCMAKE_C_COMPILER=gcc ||
        die "build failed (see $out/$b-$name.log)"
    done
    nm_check_build "$out/$b-libpal" >/dev/null || die "nm check failed on $out/$b-libpal"
    # the same check on mimalloc's own os.c must find its system calls
    nm_check_build "$out/$b-own" >/dev/null && die "nm check found no system call in mimalloc's own os.c"
    bench_copy "$out/$b-own" "$out/$b-own2"
  done
  results=$out/bench.rows
  spec=$out/bench.spec
  echo "rounds $BENCH_ROUNDS" >"$spec"
  for s in "${BENCH_SETTINGS[@]}"; do
    read -r setting b env_set <<<"$s"
    bench_spec "$spec" "$setting" "$b" "$env_set"
  done
  echo "running $spec" >&2
  "$out/benchrun" "$spec" >"$results" || echo "(a run failed: see $results)" >&2
  bench_hugeos "$out/bench-hugeos.spec" "$results"
  : >"$out/vm.why"
  if [ "$BENCH_VM" = 1 ]; then
    if bench_vm_builds; then
      bench_vm_run vm-thp-always transparent_hugepage=always
      bench_vm_run vm-strict pal.overcommit=2
    else
      echo "the static builds for the VM failed (see $out/static-*.log): not measured" >>"$out/vm.why"
    fi
  else
    echo "BENCH_VM=0: not measured" >>"$out/vm.why"
  fi
  thp=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)
  ptes_none=$(cat /sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none 2>/dev/null)
  echo
  echo "## mimalloc 2.0.9: its own os.c vs its OS calls on libpal"
  echo
  echo "Method: \`clients/mimalloc/run.sh bench\` ($(( (SECONDS - t0) / 60 )) min $(( (SECONDS - t0) % 60 )) s, builds included):"
  echo "release builds of mimalloc with its own src/os.c (own) and with the system calls of its os.c replaced by"
  echo "clients/mimalloc/os-pal.c on libpal (libpal: default policy; libpal-thpgranular=0: without libpal's huge-page"
  echo "marks), and a file-for-file copy of the own build (own', the control: its ratio to own is the noise floor);"
  echo "the secure setting is a second such pair built with MI_SECURE=ON (guard pages: mprotect)."
  echo "Runner \`tools/bench/benchrun.c\`: $BENCH_ROUNDS interleaved rounds (order rotating each round) of \`test-stress $BENCH_STRESS\`"
  echo "(threads, load %, iterations) on $(nproc) CPUs, THP \`${thp:-unknown}\` (khugepaged max_ptes_none ${ptes_none:-unknown}),"
  echo "vm.overcommit_memory $(cat /proc/sys/vm/overcommit_memory); wall time and peak RSS (wait4) from one run,"
  echo "memory system calls by kind (ptrace, threads followed) from a second; medians, ratios of medians,"
  echo "in brackets the lowest and highest of the ratios within one round."
  echo "Workloads: \`stress\`, mimalloc's default delays (decommit 25 ms, segments 500 ms); \`purge0\`, \`$PURGE0\`;"
  echo "\`purge0-1cpu\`, purge0 with every thread on one CPU under SCHED_FIFO (a thread runs until it blocks, so the threads"
  echo "take turns in the same order every run): the peak RSS of 8 threads on 2 CPUs depends on how the scheduler overlapped"
  echo "them (+-10% from run to run, own against own alike), this one on what the OS layer releases."
  echo "Settings: \`default\`; \`reset\`, MIMALLOC_PAGE_RESET=1 (freed pages reset: the LAZY purge);"
  echo "\`large\`, MIMALLOC_LARGE_OS_PAGES=1 (segments asked to be huge pages: MADV_HUGEPAGE on own, pal_mem_hugepage on libpal);"
  echo "\`secure\`, the MI_SECURE builds; \`hugeos-empty\` and \`hugeos-2mib\`, MIMALLOC_RESERVE_HUGE_OS_PAGES=1 from the hugetlb pools:"
  sed 's/^/  /; s/$/;/' "$out/hugeos.why"
  echo "(this machine has a 1 GiB pool: its free pages are set aside for both, so that \"empty\" fails the 1 GiB and the 2 MiB"
  echo "attempt, and 2mib falls back from 1 GiB to 2 MiB pages as mimalloc's own mmap does)."
  echo "\`vm-thp-always\` and \`vm-strict\`: the amd64 test VM (tools/vm: Debian 12's kernel under qemu TCG, 2 CPUs, 2 GiB),"
  echo "booted with transparent_hugepage=always, and with vm.overcommit_memory=2; the same runner as its one program,"
  echo "$BENCH_VM_ROUNDS rounds of a smaller \`test-stress $BENCH_VM_STRESS\` (TCG is slow), linked statically to a static libmimalloc"
  echo "built without malloc override (test-stress calls mi_malloc: the same calls); the default pair only.$(sed 's/^/ /' "$out/vm.why" | tr '\n' ';')"
  echo
  bench_tables "$results" --name own2="own'" \
    --about "stress=mimalloc's delays" --about "purge0=every purge at once" \
    --about "purge0-1cpu=every purge at once, one CPU, SCHED_FIFO" \
    --about "secure=MI_SECURE builds" --about "reset=MIMALLOC_PAGE_RESET=1" \
    --about "large=MIMALLOC_LARGE_OS_PAGES=1" --about "hugeos-empty=reserve 1 GiB, pools empty" \
    --about "hugeos-2mib=reserve 1 GiB from the 2 MiB pool" \
    --about "vm-thp-always=VM, THP always, test-stress $BENCH_VM_STRESS" --about "vm-strict=VM, overcommit 2, test-stress $BENCH_VM_STRESS"
  echo "Notes: libpal's default policy (thpgranular) marks MADV_NOHUGEPAGE the huge pages at the unaligned ends of a"
  echo "decommit and undoes that on commit only where khugepaged would fill released memory back in (THP \`always\` with"
  echo "max_ptes_none above 0, or once the process asked for huge pages, as \`large\` does); mimalloc's own os.c makes none."
  echo "mprotect: mimalloc's own commit is an mprotect per call; libpal's \`used\` makes none outside harddecommit."
  echo "madvise/process_madvise: a segment's delayed decommit releases all its runs in one process_madvise on libpal."
  echo
  echo "raw rows: $results" >&2
}

case ${1:-} in
  build) cmd_build "${2:-}" ;;
  test) cmd_test "${2:-}" ;;
  bench) cmd_bench ;;
  *) echo "usage: clients/mimalloc/run.sh build <target> | test <target> | bench" >&2; exit 2 ;;
esac
