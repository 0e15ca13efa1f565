# clients/jemalloc/bench.sh - sourced by run.sh bench: jemalloc 5.3.0 with
# its own src/pages.c against the same build on libpal (jemalloc.patch,
# pages_pal.c), natively, side by
# side in one run; prints a markdown section on stdout (progress on stderr).
#
# Both are the same release build (no sbrk), differing in the OS seam only.
# Workloads are jemalloc's stress test test/stress/large_microbench (1.1 million large and small mallocx/free
# pairs), as is and with every freed page released at once
# (MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0).
#
# BENCH_ROUNDS (default 3) interleaved rounds of every setting (below):
# each round runs every workload once per build timed and once counted
# (tools/bench/benchrun.c), with a copy of the own build as the control.
# Medians (tools/bench/clients.py).

[ "$target" = amd64 ] || die "bench runs natively (amd64) only"
need_packages make bzip2 || exit 1
out=${PAL_CLIENT_OUT:-$root/build-clients}/jemalloc-bench
rounds=${BENCH_ROUNDS:-3}
# the system calls counted in the first round only: the program is single
# threaded and makes the same calls every run, the release workload over a
# million of them (a ptrace stop each)
count_rounds=${BENCH_COUNT_ROUNDS:-1}
prog=test/stress/large_microbench

# One release build: first upstream's own, whose library and stress
# program are kept in own/, then with jemalloc.patch applied and
# JEMALLOC_PAL defined (pages.c takes pages_pal.c), kept in libpal/.
# libpal.a is on the link line of both; the upstream build takes nothing
# from it.
# The amd64 test VM (tools/vm), booted once with THP "always" and once
# with strict overcommit (vm.overcommit_memory=2), runs the same runner on
# the program linked statically, BENCH_VM_ROUNDS rounds (TCG is slow), the
# default setting's workloads.  BENCH_VM=0: not run.
vm=${BENCH_VM:-1} vm_rounds=${BENCH_VM_ROUNDS:-2} vm_why=""
[ "$vm" = 1 ] || vm_why="BENCH_VM=0: not measured"
mkdir -p "$out"
rm -rf "$out/vm"
echo "building: release, upstream's then on libpal (jemalloc.patch)" >&2
build_libpal
configure_jemalloc "$out/src" "$out/build" CPPFLAGS="-I$here -I$root/pal" LIBS="$out/pal/libpal.a"
for b in own libpal; do
  pal_define=()
  if [ $b = libpal ]; then
    patch -d "$out/src" -p1 -s <"$here/jemalloc.patch" || die "jemalloc.patch does not apply"
    pal_define=(EXTRA_CFLAGS=-DJEMALLOC_PAL)
  fi
  rm -f "$out/build/$prog"
  make -C "$out/build" -j$jobs "${pal_define[@]}" build_lib_shared "$prog" >"$out/make-$b.log" 2>&1 ||
    die "build failed (see $out/make-$b.log)"
  rm -rf "$out/$b" && mkdir -p "$out/$b/test/stress" &&
    cp -a "$out/build/lib" "$out/$b/" && cp "$out/build/$prog" "$out/$b/$prog" || die "cannot copy the $b build"
  # for the VM: the same program linked statically to the static library
  # (IMPORTLIB is what the Makefile links test programs with; set to the
  # static library's suffix, the Makefile no longer builds that library)
  # and a hundredth of its iterations: compare_funcs(warm-up, iterations)
  # runs each of its two functions warm-up + iterations times, so 1 000 +
  # 10 000 large and as many small mallocx/free pairs (TCG is slow, and
  # under decay 0 every large free is a purge, a ptrace stop in the counted
  # run).  The guest's clock can be coarse under TCG, so the small half's
  # timer may read 0 microseconds, and the program's ratio of the two
  # divides by it (SIGFPE): there the harness's timer.c divides by 1.
  timer=$out/src/test/src/timer.c
  if [ "$vm" = 1 ]; then
    rm -f "$out/build/$prog" "$out/build/$prog.o" && mkdir -p "$out/vm/data/$b"
    cp "$out/src/$prog.c" "$out/vm-prog.c" && cp "$timer" "$out/vm-timer.c"
    sed -i 's/compare_funcs(100\*1000, 1\*1000\*1000,/compare_funcs(1000, 10*1000,/' "$out/src/$prog.c"
    sed -i 's/uint64_t t1 = timer_usec(b);/uint64_t t1 = timer_usec(b) + (timer_usec(b) == 0);/' "$timer"
    { grep -q 'compare_funcs(1000, 10\*1000,' "$out/src/$prog.c" &&
      grep -q 'timer_usec(b) == 0' "$timer" &&
      make -C "$out/build" -j$jobs "${pal_define[@]}" build_lib_static &&
      make -C "$out/build" -j$jobs "${pal_define[@]}" IMPORTLIB=a EXTRA_LDFLAGS=-static "$prog"; } \
      >"$out/make-$b-static.log" 2>&1 && cp "$out/build/$prog" "$out/vm/data/$b/" ||
      { vm=0; vm_why="the static build failed (see $out/make-$b-static.log): not measured"; }
    # the originals again, newer than their objects: the next build
    # compiles them
    cp "$out/vm-prog.c" "$out/src/$prog.c" && cp "$out/vm-timer.c" "$timer"
    rm -f "$out/build/$prog" "$out/build/$prog.o"
  fi
  # the check that fails the test build, on both: it must refuse upstream's
  if [ $b = own ]; then
    check_no_os_calls "$out/build" >&2 && die "the no-own-OS-calls check passed upstream's pages.c"
  else
    check_no_os_calls "$out/build" >&2 || exit 1
  fi
done

# The settings, each a MALLOC_CONF of its own joined to each workload's:
#   default   jemalloc's defaults
#   muzzy     muzzy decay on: freed pages go dirty -> muzzy (a lazy purge,
#             MADV_FREE) -> released; stress keeps the dirty decay and
#             makes muzzy 10 s, release makes dirty 0 and muzzy 10 ms
#   guard     guard pages around every 64th extent (jemalloc 5.3's
#             san_guard_large/san_guard_small: every Nth extent; built in
#             unconditionally, no configure switch).  Not every one: that
#             is 4 mprotect calls per mallocx/free pair of the program's
#             large half, 4.4 million a run, a minute under ptrace.
#   thp       thp:always (every extent asked to be huge pages)
#   strict    vm.overcommit_memory shown as 2 to both layers through a
#             private mount namespace (as the test command does): jemalloc
#             then decommits what it purges.  The kernel's accounting
#             stays heuristic here; the VM measures the real strict mode.
workloads=("stress" "release")
settings=(default muzzy guard thp strict)
conf_of() { # SETTING WORKLOAD
  local c=""
  case $2 in release) c="dirty_decay_ms:0,muzzy_decay_ms:0" ;; esac
  case $1 in
    muzzy) if [ "$2" = release ]; then c="dirty_decay_ms:0,muzzy_decay_ms:10"; else c="muzzy_decay_ms:10000"; fi ;;
    guard) c="${c:+$c,}san_guard_large:64,san_guard_small:64" ;;
    thp) c="${c:+$c,}thp:always" ;;
  esac
  echo "$c"
}

# shellcheck source=tools/bench/clients.sh
. "$root/tools/bench/clients.sh"
bench_runner "$out" || die "benchrun did not build"
bench_copy "$out/own" "$out/own2"
t0=$SECONDS
rows=$out/bench.rows
: >"$rows"
strict_wrap=()
echo 2 >"$out/overcommit_memory_2"
if unshare -m sh -c 'mount --bind "$0" /proc/sys/vm/overcommit_memory && grep -qx 2 /proc/sys/vm/overcommit_memory' \
     "$out/overcommit_memory_2" 2>/dev/null; then
  strict_wrap=(unshare -m sh -c 'mount --bind "$0" /proc/sys/vm/overcommit_memory && exec "$@"' "$out/overcommit_memory_2")
  strict_note="shown as 2 through a private mount namespace"
else
  strict_note="not measured: no private mount namespace here (unshare -m and mount need root)"
fi
for s in "${settings[@]}"; do
  [ $s = strict ] && [ ${#strict_wrap[@]} = 0 ] && continue
  spec=$out/bench-$s.spec
  printf 'rounds %s\ncount_rounds %s\n' "$rounds" "$count_rounds" >"$spec"
  for w in "${workloads[@]}"; do
    for b in own own2 libpal; do
      bench_add "$spec" $b $s $w cd="$out/$b" MALLOC_CONF="$(conf_of $s $w)" -- "$out/$b/$prog"
    done
  done
  echo "setting $s: $rounds rounds" >&2
  wrap=()
  [ $s = strict ] && wrap=("${strict_wrap[@]}")
  "${wrap[@]}" "$out/benchrun" "$spec" >>"$rows" || echo "(a run of setting $s failed: see $rows)" >&2
done
if [ "$vm" = 1 ]; then
  bench_copy "$out/vm/data/own" "$out/vm/data/own2"
  for s in vm-thp-always vm-strict; do
    spec=$out/vm/data/bench.spec
    printf 'rounds %s\ncount_rounds %s\ntimeout 300\n' "$vm_rounds" "$count_rounds" >"$spec"
    for w in "${workloads[@]}"; do
      for b in own own2 libpal; do
        bench_add "$spec" $b $s $w MALLOC_CONF="$(conf_of default $w)" -- "/data/$b/${prog##*/}"
      done
    done
    karg=transparent_hugepage=always
    [ $s = vm-strict ] && karg=pal.overcommit=2
    echo "VM: $s" >&2
    bench_vm "$out/benchrun" "$out/vm" "$rows" $karg ||
      vm_why="$vm_why $s: the VM run failed or a run in it did (see $out/vm.log.$s)."
    cp "$out/vm.log" "$out/vm.log.$s"
  done
fi

echo "## jemalloc 5.3.0: upstream src/pages.c vs its OS code on libpal (pages_pal.c)"
echo
echo "Method: \`clients/jemalloc/run.sh bench\` ($(( (SECONDS - t0) / 60 )) min $(( (SECONDS - t0) % 60 )) s, builds not included):"
echo "release builds alike but for jemalloc.patch and pages_pal.c (own, libpal), and a file-for-file copy of the own"
echo "build (own', the control: its ratio to own is the noise floor). Runner \`tools/bench/benchrun.c\`: $rounds interleaved"
echo "rounds (order rotating each round) on $(nproc) CPUs, THP \`$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled)\`,"
echo "vm.overcommit_memory $(cat /proc/sys/vm/overcommit_memory); wall time and peak RSS (wait4) from one run, memory"
echo "system calls by kind (ptrace, threads followed) from a second, in the first $count_rounds round(s) only (the program is single"
echo "threaded and makes the same calls every run); medians, ratios of medians, in brackets the lowest and highest of the"
echo "ratios within one round."
echo "Workloads: jemalloc's \`$prog\` (1.1 million large and small mallocx/free): \`stress\` with the setting's decay,"
echo "\`release\` with every freed extent purged at once (dirty_decay_ms:0, muzzy_decay_ms:0, but for muzzy)."
echo "Settings (MALLOC_CONF of each run in the table's heading): \`default\`; \`muzzy\`, muzzy decay on (stress: muzzy_decay_ms:10000;"
echo "release: dirty_decay_ms:0,muzzy_decay_ms:10): lazy purges; \`guard\`, san_guard_large:64,san_guard_small:64 (guard pages"
echo "on every 64th extent: mprotect); \`thp\`, thp:always; \`strict\`, vm.overcommit_memory $strict_note (jemalloc decommits);"
echo "\`vm-thp-always\` and \`vm-strict\`: the amd64 test VM (tools/vm: Debian 12's kernel under qemu TCG, 2 CPUs, 2 GiB) booted"
echo "with transparent_hugepage=always, and with vm.overcommit_memory=2, the same runner as its one program, $vm_rounds rounds,"
echo "the program linked statically to jemalloc's static library and a hundredth of its iterations (11 000 large and as many"
echo "small mallocx/free pairs, against 1.1 million each natively; TCG is slow), the default setting's workloads.${vm_why:+ $vm_why}"
echo
about=()
for s in "${settings[@]}"; do
  about+=(--about "$s=$(conf_of $s stress | sed 's/^$/defaults/') / release: $(conf_of $s release)")
done
about+=(--about "vm-thp-always=VM, THP always" --about "vm-strict=VM, overcommit 2")
bench_tables "$rows" --name own2="own'" "${about[@]}" --about "stress=$prog" --about "release=$prog, purges at once"
echo "Notes: the adapter turns libpal's huge-page marks off (thpgranular=0: jemalloc marks huge pages itself), so libpal adds none. Its setup probes once per copy of the library (the stress programs hold two): pal_mem_info asks for every feature, probed on two scratch mappings of libpal's own (the MADV_DONTNEED probe among them checks that it zeroes, as jemalloc's own layer does)."
echo
echo "raw rows: $rows" >&2
