#!/usr/bin/env bash
# tools/bench.sh - the benchmarks: builds them (Release) and writes
# BENCHMARKS.md with the method, this machine, and every table, each
# measured side by side in one run (medians of interleaved rounds, ratios).
# Not part of the test command: it takes several minutes and its figures
# are about speed, which no test asserts.
#
#   tools/bench.sh              everything, into BENCHMARKS.md
#   tools/bench.sh --quick      fewer rounds and operations, no .text sizes
#                               and no clients (a smoke run of the pipeline)
#   PAL_BENCH_OUT=dir           where to build (default build-bench/)
#   PAL_BENCH_MD=file           where to write (default BENCHMARKS.md)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/lib.sh
. "$root/tools/lib.sh"
out=${PAL_BENCH_OUT:-$root/build-bench}
md=${PAL_BENCH_MD:-$root/BENCHMARKS.md}
quick=0
[ "${1:-}" = "--quick" ] && quick=1
if [ $quick = 1 ]; then
  export PAL_BENCH_ROUNDS=3 PAL_BENCH_SCAVENGE_OPS=10000
fi
rounds=${PAL_BENCH_ROUNDS:-11}

need=(cmake ninja-build gcc strace llvm-19 binutils qemu-system-x86 cpio)
need_packages "${need[@]}" || exit 1

# two builds of the same library: the striped call counters (the default)
# and one counter shared by every thread (PAL_STRIPE_BITS=0), to show what
# the striping is for
build() { # dir extra-cflags
  cmake -S "$root/tools/bench" -B "$out/$1" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=gcc "-DCMAKE_C_FLAGS=$2" >"$out/$1.log" 2>&1 &&
    cmake --build "$out/$1" >>"$out/$1.log" 2>&1 || { echo "build failed: $out/$1.log" >&2; exit 1; }
}
mkdir -p "$out"
build striped ""
build single "-DPAL_STRIPE_BITS=0"
b=$out/striped

section() { printf '\n## %s\n\n' "$1"; }
say() { echo "bench: $*" >&2; }

thp() { sed -n 's/.*\[\(.*\)\].*/\1/p' "/sys/kernel/mm/transparent_hugepage/$1" 2>/dev/null || echo absent; }

{
  echo "# Benchmarks"
  echo
  echo "Written by \`tools/bench.sh\` on $(date -u +%Y-%m-%d). Regenerate with that command."
  echo
  echo "Method: the contenders of each table run side by side in one process"
  echo "(or, where a library's learnt state must start fresh, in one run of"
  echo "processes), in $rounds rounds whose order rotates each round; each"
  echo "figure is the median over the rounds, and ratios are of medians. Run"
  echo "on a quiet machine (the load averages below are its witness); what"
  echo "noise is left, a median of interleaved rounds survives better than a"
  echo "mean or a single run, and each client table's control prints it."
  echo
  echo "This machine: $(nproc) cores ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)),"
  echo "Linux $(uname -r), $(ldd --version | head -1 | sed 's/^ldd //'), $(gcc --version | head -1),"
  echo "THP enabled \"$(thp enabled)\", defrag \"$(thp defrag)\","
  echo "khugepaged/max_ptes_none $(cat /sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none 2>/dev/null || echo absent),"
  echo "vm.overcommit_memory $(cat /proc/sys/vm/overcommit_memory), page size $(getconf PAGESIZE)."
  echo "Load average (1, 5, 15 min) at the start: $(cut -d' ' -f1-3 /proc/loadavg)."
} >"$md.tmp"

say "per-operation costs"
{
  section "Per-operation cost: libpal, glibc's wrappers, the bare system call"
  echo "Nanoseconds per operation and per thread (each thread on regions of its"
  echo "own; the threads start together, spinning until both are in, and free"
  echo "their regions only once both are timed); \`protect\` is one mprotect"
  echo "(read-only, then read-write: two per iteration). libpal's \`hugepage\`"
  echo "on one page issues nothing (no whole huge page inside), and \`fault\` is two calls"
  echo "(mprotect, then madvise) in every column. Two builds of libpal: the"
  echo "default, whose call counters are striped per thread, and one with a"
  echo "single counter every thread writes (\`-DPAL_STRIPE_BITS=0\`)."
  echo "\"no change\" and \"already released\" ask the kernel for what is so"
  echo "already: at 1 thread it returns without splitting a mapping or"
  echo "flushing a TLB, so those rows show the cost of the call itself and of"
  echo "the library around it; in the others the kernel's work (on this virtual machine a TLB"
  echo "flush costs tens of microseconds) drowns it. Goal: libpal/glibc <= 1.02"
  echo "for protect and unused at 1 and 2 threads. The library's own cost per"
  echo "call, measured where the kernel does next to nothing, is the next table."
  echo
  echo "The last two columns are the spread of the $rounds rounds: the lowest and"
  echo "highest libpal/glibc of one round (the two ran next to each other), and"
  echo "each contender's slowest round over its fastest (libpal / glibc /"
  echo "syscall; 1.00 is none). A ratio is worth reading only where they are"
  echo "small. Where all three contenders spread several times over, the row is"
  echo "the kernel's: two threads of one process meet in it. mprotect takes the"
  echo "mmap_lock for writing even when nothing changes, and a release (madvise)"
  echo "made while another is under way in the same process flushes the whole"
  echo "TLB on both CPUs even when it released nothing (the kernel's guard"
  echo "against stale entries left by parallel releases), so each round depends"
  echo "on how far the two batches overlapped. Threads in separate processes"
  echo "share no mmap_lock and no TLB, and there the three agree."
  echo
  echo "| build | operation | size | threads | libpal ns | glibc ns | syscall ns | libpal - syscall ns | libpal/glibc | libpal/syscall | libpal/glibc per round, min-max | slowest/fastest round: libpal / glibc / syscall |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  "$b/bench_ops" "striped counters" "$out/cost-striped.md"
  "$out/single/bench_ops" "one shared counter" "$out/cost-single.md"
  echo
  echo "### The library's own cost per counted call"
  echo
  echo "\`pal_mem_current_node\`: one getcpu, which takes no kernel lock and does"
  echo "next to nothing, so what is left is the call and the library around it"
  echo "(the same rounds as above). Four contenders: libpal; glibc's generic"
  echo "\`syscall()\` (not the vDSO); the bare syscall instruction in a function of"
  echo "the benchmark's own, which any call interface is at the least; and the"
  echo "bare instruction inline in the timed loop. The function pays, beside"
  echo "the inline instruction, the return right after a kernel entry, which"
  echo "mispredicts where the kernel's own returns overwrite the CPU's return"
  echo "stack (spec_rstack_overflow here: \"$(cat /sys/devices/system/cpu/vulnerabilities/spec_rstack_overflow 2>/dev/null || echo absent)\")."
  echo "libpal's own cost is \"libpal - function\", the next column its lowest"
  echo "and highest within one round; goal: at most 10 ns, and no more at 2"
  echo "threads than at 1."
  echo
  echo "| build | threads | libpal ns | glibc syscall() ns | function ns | inline ns | libpal - function ns | libpal - function per round, min to max | libpal - inline ns | slowest/fastest round: libpal / function / inline |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  cat "$out/cost-striped.md" "$out/cost-single.md"
} >>"$md.tmp"

say "system calls per function"
{
  section "System calls per public function and policy"
  echo "Counted by the library (stats.os_calls) around one call, after a first"
  echo "call that may probe a feature or read a fact once; each case in a fresh"
  echo "process. Ranges of 4 huge pages; unused's ends in the middle of huge"
  echo "pages where named. THP mode here decides the marks (see docs/LINUX.md)."
  echo
  echo "| # | function | default | madvdontneed=0 | harddecommit=1 | disablethp=1 | thpgranular=0 |"
  echo "|---|---|---|---|---|---|---|"
  "$b/bench_calls"
  echo
  echo "The library's count confirmed with \`strace -f -c\`: 100 calls of each"
  echo "function with their set-up (reserve, map, used, free: all through"
  echo "libpal), default policy; strace's memory system calls (mmap, munmap,"
  echo "mprotect, madvise, process_madvise, mincore) of that run minus those of"
  echo "a run with none:"
  echo
  echo "| # | library counted | strace saw |"
  echo "|---|---|---|"
  for f in 4 6 7 10 11 14 15 17; do
    count() {
      strace -f -c -o "$out/strace.txt" "$b/bench_calls" one "$f" "" "$1" >"$out/one.txt" 2>/dev/null
      awk '$NF ~ /^(mmap|munmap|mprotect|madvise|process_madvise|mincore)$/ {s += $4} END {print s+0}' "$out/strace.txt"
    }
    c0=$(count 0) c1=$(count 100)
    echo "| $f | $(cat "$out/one.txt") | $((c1 - c0)) |"
  done
  echo
  echo "The cost promise: what one range asked for makes no other range"
  echo "dearer (pal/pal_ranges.h). Calls per unused+used pair and per purge"
  echo "(LAZY), 1000 of each, on a range of 4 huge pages less a page at each"
  echo "end (both ends inside huge pages, where end marks go), default policy,"
  echo "each row in a fresh process, by what was asked for before the pairs:"
  echo
  echo "| asked for before the pairs | calls per unused+used pair | calls per purge |"
  echo "|---|---|---|"
  "$b/bench_calls" promise
} >>"$md.tmp"

# what the other OS layers issue for the same operations, read from their
# source (tools/bench/os_layers.md: no measurement, every cell cited)
cat "$root/tools/bench/os_layers.md" >>"$md.tmp"

say "scavenger"
{
  section "The scavenger on a 1 GiB heap"
  echo "${PAL_BENCH_SCAVENGE_OPS:-100000} random spans of 8 KiB to 4 MiB (log-uniform) released with"
  echo "unused when in use, taken back with used and written when released;"
  echo "half the heap in use throughout. System calls as the library counts"
  echo "them; mappings: the process's peak; RSS at the end. Marking: libpal's"
  echo "own choice; hinted (the heap asked for huge pages with"
  echo "pal_mem_hugepage, so the library marks the ends of each release in it"
  echo "no-huge-page and undoes that on reuse); page-granular (no library"
  echo "marks, each released span marked no-huge-page, as Go before 1.21);"
  echo "none. Each row a process of its own."
  echo
  echo "| policy | marking | seconds | system calls | calls per unused+used pair | peak mappings | RSS MiB |"
  echo "|---|---|---|---|---|---|---|"
  for m in libpal hinted page none; do "$b/bench_scavenger" "" "$m"; done
  for p in madvdontneed=0 harddecommit=1 disablethp=1; do "$b/bench_scavenger" "$p" libpal; done
} >>"$md.tmp"

say "batched release, populate"
{
  section "Batched release and prefault"
  echo "Each against what a caller does without them. Goals: batched release"
  echo ">= 2x less time than a loop for 1000 ranges; populate faster than a"
  echo "write per page for 64 MiB. Ranges of one page, then of 64 KiB: batching"
  echo "saves the system call per range, not the kernel's work on each page it"
  echo "frees, so the larger the ranges, the smaller the speed-up."
  echo
  echo "| what | without | with | speed-up |"
  echo "|---|---|---|---|"
  "$b/bench_batch"
} >>"$md.tmp"

say "mmap_lock contention"
{
  section "mmap_lock: protection flips next to faulting threads"
  echo "Pages per millisecond faulted in by the faulting threads while one"
  echo "other thread flips a 2 MiB region of its own between read-only and"
  echo "read-write, and the ratio to no flipper. 2 cores: with 2 faulting"
  echo "threads plus the flipper, 3 threads share them."
  echo
  echo "| threads | pages/ms | vs no flipper |"
  echo "|---|---|---|"
  "$b/bench_mmaplock"
} >>"$md.tmp"

say "fault latency of huge-page marks"
{
  section "Fault latency of a huge-page-marked range"
  echo "Microseconds to make each 2 MiB block of a fresh 256 MiB range resident"
  echo "(a write per page), THP \"$(thp enabled)\", defrag \"$(thp defrag)\"."
  echo
  echo "| range | median us | p99 us | worst us | became huge pages |"
  echo "|---|---|---|---|---|"
  "$b/bench_faultlat"
} >>"$md.tmp"

# What the no-huge-page marks buy where they are issued: under THP
# "always", which this machine is not in, so in the test VM (Debian's 6.1,
# booted with transparent_hugepage=always; tools/vm), the benchmark linked
# statically and run as the VM's one program.
say "khugepaged under THP always (test VM)"
[ $quick = 1 ] || {
  section "khugepaged under THP \"always\" (the test VM)"
  echo "A 64 MiB heap faulted in as huge pages, then the middle 1.5 MiB of"
  echo "each 2 MiB released with unused: RSS right after and after"
  echo "khugepaged's next two full scans, with libpal's marks (its default"
  echo "in this mode) and without (thpgranular=0); and the mapping count of"
  echo "the pessimal heap with the marks against its bound. Debian's 6.1"
  echo "kernel in qemu-system-x86_64, booted with transparent_hugepage=always."
  echo
  v=$out/vm-khugepaged
  rm -rf "$v" && mkdir -p "$v/tests"
  if cmake -S "$root/tools/bench" -B "$out/static" -G Ninja -DCMAKE_BUILD_TYPE=Release \
       -DCMAKE_C_COMPILER=gcc -DCMAKE_EXE_LINKER_FLAGS=-static >"$out/static.log" 2>&1 &&
     cmake --build "$out/static" --target bench_khugepaged >>"$out/static.log" 2>&1 &&
     cp "$out/static/bench_khugepaged" "$v/tests/test_khugepaged" &&
     "$root/tools/vm/run.sh" -m amd64 "$v" transparent_hugepage=always >"$v.log" 2>&1; then
    # the program's tables out of the console's lines, a blank line
    # between them
    awk '/^[|(]/ {if (gap) print ""; print; gap = 0; next} {gap = 1}' "$v.log"
  else
    echo "(the VM run failed: see $v.log)"
  fi
} >>"$md.tmp"

say ".text per architecture"
[ $quick = 1 ] || {
  section ".text of libpal.a per architecture"
  echo "\`llvm-size-19 -A\` of the one object in libpal.a, Release (-O3) and"
  echo "RelWithDebInfo (-O2, the test builds)."
  echo
  echo "| toolchain | Release | RelWithDebInfo |"
  echo "|---|---|---|"
  mkdir -p "$out/text"
  for tc in "$root"/cmake/toolchains/*-gcc.cmake "$root"/cmake/toolchains/*-clang.cmake; do
    name=$(basename "$tc" .cmake)
    case $name in windows-*|darwin-*) continue ;; esac
    row="| $name |"
    for bt in Release RelWithDebInfo; do
      d=$out/text/$name-$bt
      if cmake -S "$root" -B "$d" -G Ninja -DCMAKE_BUILD_TYPE=$bt -DCMAKE_TOOLCHAIN_FILE="$tc" \
           -DPAL_BUILD_TESTS=OFF -DPAL_BUILD_TOOLS=OFF >"$d.log" 2>&1 &&
         cmake --build "$d" --target pal >>"$d.log" 2>&1; then
        row="$row $(llvm-size-19 -A "$d/libpal.a" | awk '$1 == ".text" {s += $2} END {print s}') |"
      else
        row="$row (build failed) |"
      fi
    done
    echo "$row"
  done
} >>"$md.tmp"

# the real clients with a benchmark (run.sh bench: own OS layer against
# libpal under each setting that reaches a different path, natively and
# in the test VM; tools/bench/clients.sh)
for c in mimalloc jemalloc bdwgc; do
  [ -x "$root/clients/$c/run.sh" ] && [ $quick = 0 ] || continue
  say "client $c"
  "$root/clients/$c/run.sh" bench >>"$md.tmp" 2>"$out/$c-bench.log" ||
    echo "(the $c benchmark failed: see $out/$c-bench.log)" >>"$md.tmp"
done

# how long the whole run took, in the header: it is meant to be one
# sitting on a quiet machine
took="The run took $(( SECONDS / 60 )) min $(( SECONDS % 60 )) s$([ $quick = 1 ] && echo " (--quick)"); load average at its end: $(cut -d' ' -f1-3 /proc/loadavg)."
sed -i "s|^Written by \(.*\) Regenerate with that command\.$|Written by \1 Regenerate with that command. $took|" "$md.tmp"
mv "$md.tmp" "$md"
say "wrote $md"
