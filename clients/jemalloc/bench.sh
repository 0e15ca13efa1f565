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
# BENCH_ROUNDS (default 5) interleaved rounds: each round runs every
# workload once per build, timed (wall, peak RSS from /usr/bin/time), and
# once per build under strace -f -c for the memory system calls.  Medians.

[ "$target" = amd64 ] || die "bench runs natively (amd64) only"
need make bzip2 strace time
out=${PAL_CLIENT_OUT:-$root/build-clients}/jemalloc-bench
rounds=${BENCH_ROUNDS:-5}
prog=test/stress/large_microbench
memcalls=(mmap munmap mprotect madvise process_madvise mremap)

# One release build: first upstream's own, whose library and stress
# program are kept in own/, then with jemalloc.patch applied and
# JEMALLOC_PAL defined (pages.c takes pages_pal.c), kept in libpal/.
# libpal.a is on the link line of both; the upstream build takes nothing
# from it.
mkdir -p "$out"
echo "building: release, upstream's then on libpal (jemalloc.patch)" >&2
build_libpal
configure_jemalloc "$out/src" "$out/build" CPPFLAGS="-I$here -I$root/pal" LIBS="$out/pal/libpal.a"
for b in own libpal; do
  pal_define=()
  if [ $b = libpal ]; then
    patch -d "$out/src" -p1 -s <"$here/jemalloc.patch" || die "jemalloc.patch does not apply"
    pal_define=(EXTRA_CFLAGS=-DJEMALLOC_PAL)
  fi
  make -C "$out/build" -j$jobs "${pal_define[@]}" build_lib_shared "$prog" >"$out/make-$b.log" 2>&1 ||
    die "build failed (see $out/make-$b.log)"
  rm -rf "$out/$b" && mkdir -p "$out/$b/test/stress" &&
    cp -a "$out/build/lib" "$out/$b/" && cp "$out/build/$prog" "$out/$b/$prog" || die "cannot copy the $b build"
  # the check that fails the test build, on both: it must refuse upstream's
  if [ $b = own ]; then
    check_no_os_calls "$out/build" >&2 && die "the no-own-OS-calls check passed upstream's pages.c"
  else
    check_no_os_calls "$out/build" >&2 || exit 1
  fi
done

workloads=("stress" "release")
conf_of() {
  case $1 in
    stress) echo "" ;;
    release) echo "dirty_decay_ms:0,muzzy_decay_ms:0" ;;
  esac
}

# run_timed BUILD WORKLOAD: prints "seconds maxrss_kib"
run_timed() {
  (cd "$out/$1" && MALLOC_CONF=$(conf_of "$2") /usr/bin/time -f "%e %M" -o "$out/time.txt" \
    "./$prog" >/dev/null 2>&1) || die "$prog failed ($1, $2)"
  cat "$out/time.txt"
}

# run_strace BUILD WORKLOAD: prints the counts of memcalls, in that order
run_strace() {
  (cd "$out/$1" && MALLOC_CONF=$(conf_of "$2") strace -f -c -o "$out/strace.txt" \
    -e trace="$(IFS=,; echo "${memcalls[*]}")" "./$prog" >/dev/null 2>&1) ||
    die "$prog failed under strace ($1, $2)"
  local c
  for c in "${memcalls[@]}"; do
    awk -v c="$c" '$NF == c { n = $4 } END { print n + 0 }' "$out/strace.txt"
  done | tr '\n' ' '
  echo
}

declare -A samples
for ((r = 1; r <= rounds; r++)); do
  echo "round $r/$rounds" >&2
  for w in "${workloads[@]}"; do
    for b in own libpal; do
      samples[$w,$b,time]+="$(run_timed $b $w)"$'\n'
      samples[$w,$b,calls]+="$(run_strace $b $w)"$'\n'
    done
  done
done

# median COLUMN < lines
median() {
  awk -v c="$1" '{ print $c }' | sort -g | awk '{ v[NR] = $1 } END {
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == 0) print (b == 0 ? "=" : "n/a"); else printf "%.2fx\n", b / a }'; }

echo "## jemalloc 5.3.0: upstream src/pages.c vs its OS code on libpal (pages_pal.c)"
echo
echo "Method: \`clients/jemalloc/run.sh bench\`: release builds alike but for jemalloc.patch and pages_pal.c, $rounds interleaved rounds, medians; wall time and peak RSS from \`/usr/bin/time\`, memory system calls from \`strace -f -c\` (separate runs)."
echo "Workloads: jemalloc's \`$prog\` (1.1 million large and small mallocx/free), with its default decay (stress) and with \`MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0\` (release: every freed large extent purged at once)."
echo
echo "| workload | measure | own | libpal | libpal/own |"
echo "|---|---|---|---|---|"
for w in "${workloads[@]}"; do
  own=$(printf %s "${samples[$w,own,time]}" | median 1)
  pal=$(printf %s "${samples[$w,libpal,time]}" | median 1)
  echo "| $w | wall time (s) | $own | $pal | $(ratio "$own" "$pal") |"
  own=$(printf %s "${samples[$w,own,time]}" | median 2)
  pal=$(printf %s "${samples[$w,libpal,time]}" | median 2)
  echo "| $w | peak RSS (KiB) | $own | $pal | $(ratio "$own" "$pal") |"
  tot_own=0 tot_pal=0
  for i in "${!memcalls[@]}"; do
    own=$(printf %s "${samples[$w,own,calls]}" | median $((i + 1)))
    pal=$(printf %s "${samples[$w,libpal,calls]}" | median $((i + 1)))
    tot_own=$(awk -v a="$tot_own" -v b="$own" 'BEGIN { print a + b }')
    tot_pal=$(awk -v a="$tot_pal" -v b="$pal" 'BEGIN { print a + b }')
    [ "$own" = 0 ] && [ "$pal" = 0 ] && continue
    echo "| $w | ${memcalls[$i]} calls | $own | $pal | $(ratio "$own" "$pal") |"
  done
  echo "| $w | memory calls, all | $tot_own | $tot_pal | $(ratio "$tot_own" "$tot_pal") |"
done
echo
echo "Notes: the adapter turns libpal's huge-page marks off (thpgranular=0: jemalloc marks huge pages itself), so libpal adds none. Its setup probes once: a scratch page to check that MADV_DONTNEED zeroes (jemalloc's own build does the same check)."
