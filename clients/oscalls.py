#!/usr/bin/env python3
"""oscalls.py - who made each system call of a client's run, from strace.

    oscalls.py [--nm NM] --pal LIBPAL.a --client 'OBJ-GLOB' [--stats FILE] TRACE...

(--pal and --client: paths or glob patterns, each option may be repeated)

TRACE: the files of `strace -ff -k -o PREFIX` (one per thread, each call
followed by its stack, innermost frame first).  Every call is put down to:

  libpal   the innermost frame is a function of libpal (its objects' text
           symbols, static ones included: the system call instructions
           are inlined into them);
  client   a memory call whose innermost frame is not libpal and whose
           caller is a function of the client (its own objects, the
           adapter among them): a call through the C library's mmap,
           madvise, ... or syscall(), or a raw one of its own;
  other    the C library, the loader and the test program on their own
           behalf (thread stacks, loading, stdio).

It fails when the client made any memory call, when libpal made none, and
(--stats: the line "libpal: N OS calls" the adapter wrote at exit) when the
calls strace saw libpal make, of every kind, in the process started (its
threads; not in the processes it forked, which inherit the count and do
not print it) are not the calls libpal counted itself (pal_mem_get_stats).
"""
import argparse
import glob
import re
import subprocess
import sys

MEMORY = set("""mmap mmap2 munmap mprotect pkey_mprotect madvise process_madvise
mremap mbind set_mempolicy get_mempolicy set_mempolicy_home_node migrate_pages
move_pages mincore mlock mlock2 munlock mlockall munlockall msync
remap_file_pages brk mseal""".split())

CALL = re.compile(r"^(\w+)\(")
NEW_TASK = re.compile(r"^(clone3?|fork|vfork)\(.*\) += (\d+)$")
FRAME = re.compile(r"^ > (.*)\(([^()]*)\) \[0x[0-9a-f]+\]$")


def text_symbols(nm, paths):
    out = subprocess.run([nm, "--defined-only"] + paths, check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "TtWw":
            names.add(f[2])
    return names


def calls(path, tasks):
    """(name, [function of each frame, innermost first]) per call; the
    threads and processes the file's task created go into tasks as
    (new tid, is a thread)."""
    name, frames = None, []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith(" > "):
                m = FRAME.match(line)
                frames.append(m.group(2).split("+")[0] if m else "")
                continue
            if name is not None:
                yield name, frames
            m = CALL.match(line)
            name, frames = (m.group(1), []) if m else (None, [])
            m = NEW_TASK.match(line)
            if m:
                tasks.append((int(m.group(2)), "CLONE_THREAD" in line))
    if name is not None:
        yield name, frames


def tid_of(path):
    return int(path.rsplit(".", 1)[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nm", default="nm")
    ap.add_argument("--pal", action="append", required=True)
    ap.add_argument("--client", action="append", required=True)
    ap.add_argument("--stats")
    ap.add_argument("--label", default="the client")
    ap.add_argument("traces", nargs="+")
    a = ap.parse_args()
    paths = lambda pats: sorted(p for pat in pats for p in (glob.glob(pat) or [pat]))
    pal = text_symbols(a.nm, paths(a.pal))
    # not less libpal's names: a client function with the name of one of
    # libpal's static functions (the client's objects do not hold libpal)
    # still counts as the client's when it calls the C library; one making
    # a system call itself would count as libpal's, and the comparison
    # with libpal's own count (--stats) then fails
    client = text_symbols(a.nm, paths(a.client))
    n = {"libpal": 0, "libpal-memory": 0, "client": 0, "other": 0, "memory": 0}
    bad = []
    per_task = {}  # tid: libpal's calls of every kind
    created = {}   # tid: (creator's tid, is a thread)
    for t in a.traces:
        tasks = []
        per_task[tid_of(t)] = 0
        for name, frames in calls(t, tasks):
            mem = name in MEMORY
            n["memory"] += mem
            if frames and frames[0] in pal:
                per_task[tid_of(t)] += 1
                n["libpal-memory"] += mem
            elif mem and len(frames) > 1 and frames[1] in client:
                n["client"] += 1
                if len(bad) < 5:
                    bad.append(f"{name} from {frames[1]} (through {frames[0] or '?'})")
            elif mem:
                n["other"] += 1
        for tid, thread in tasks:
            created[tid] = (tid_of(t), thread)
    # the process started: the task nobody created, and its threads
    def process(tid):
        while tid in created and created[tid][1]:
            tid = created[tid][0]
        return tid
    roots = [t for t in per_task if t not in created]
    n["libpal"] = sum(c for t, c in per_task.items() if roots and process(t) == min(roots))
    ok = n["client"] == 0 and n["libpal-memory"] > 0
    line = (f"{n['memory']} memory calls: {n['libpal-memory']} by libpal, "
            f"{n['other']} by the C library, loader and test program, "
            f"{n['client']} by {a.label} itself")
    counted = None
    if a.stats:
        counted = -1
        with open(a.stats, errors="replace") as f:
            for m in re.finditer(r"^libpal: (\d+) OS calls", f.read(), re.M):
                counted = int(m.group(1)) if counted < 0 else -2
        if counted == -2:
            line += "; more than one process printed libpal's counts"
        line += (f"; libpal's calls of every kind in the process started: {n['libpal']} seen, "
                 + (f"{counted} counted by pal_mem_get_stats" if counted >= 0 else "no count printed"))
        ok = ok and counted == n["libpal"]
    print(line)
    for b in bad:
        print(f"  {a.label} itself: {b}")
    if n["libpal-memory"] == 0:
        print("  libpal made no memory call: the run did not go through libpal, or its functions were not recognised")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
