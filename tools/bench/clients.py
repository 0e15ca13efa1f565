#!/usr/bin/env python3
"""tools/bench/clients.py - the clients' benchmark tables, from the rows
tools/bench/benchrun.c prints (other lines are ignored):

    benchrow VARIANT SETTING WORKLOAD ROUND WALL_S RSS_KIB KIND=N...

    clients.py ROWS [--base own] [--control own2] [--name VARIANT=TEXT]...
               [--about SETTING=TEXT]... [--about WORKLOAD=TEXT]...

For each SETTING and WORKLOAD (in the order first seen) a markdown table:
per measure (wall time, peak RSS, memory system calls in all and by kind)
the median of the base variant (the client's own OS layer), of each
contender and its ratio to the base, and the control: a second identical
copy of the base build run as one more contender in the same rounds, whose
ratio to the base is the noise floor.  Ratios are of medians; the range
after each is of the ratios within each round (the contenders of one round
ran next to each other), lowest to highest.
"""
import argparse
import statistics
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rows")
    ap.add_argument("--base", default="own")
    ap.add_argument("--control", default="own2")
    ap.add_argument("--name", action="append", default=[])
    ap.add_argument("--about", action="append", default=[])
    a = ap.parse_args()
    names = dict(kv.split("=", 1) for kv in a.name)
    about = dict(kv.split("=", 1) for kv in a.about)
    names.setdefault(a.control, names.get(a.base, a.base) + "'")

    data = {}  # (setting, workload) -> variant -> round -> measures
    groups, variants, kinds = [], [], []
    failed = {}  # (setting, workload) -> the runner's FAIL lines
    with open(a.rows) as f:
        for line in f:
            w = line.split()
            if w[:2] == ["benchrun:", "FAIL"] and len(w) > 4:
                g = (w[3], w[4])
                failed.setdefault(g, []).append(" ".join(w[2:]))
                if g not in data:
                    data[g] = {}
                    groups.append(g)
                continue
            if len(w) < 7 or w[0] != "benchrow":
                continue
            variant, setting, workload, rnd = w[1], w[2], w[3], int(w[4])
            m = {"wall": float(w[5]), "rss": int(w[6]) / 1024}
            # counted rounds only (benchrun's count_rounds)
            calls = dict((k, int(n)) for k, n in (kv.split("=") for kv in w[7:]))
            if calls:
                m["calls"] = sum(calls.values())
            for k, n in calls.items():
                m[k] = n
                if k not in kinds:
                    kinds.append(k)
            g = (setting, workload)
            if g not in data:
                data[g] = {}
                groups.append(g)
            if variant not in variants:
                variants.append(variant)
            data[g].setdefault(variant, {})[rnd] = m

    measures = [("wall", "wall time (s)", "{:.2f}"), ("rss", "peak RSS (MiB)", "{:.1f}"),
                ("calls", "memory system calls", "{:.0f}")]
    measures += [(k, "- " + k, "{:.0f}") for k in kinds]

    def counted(m, key):  # whether the round measured it
        return key in m or (key not in ("wall", "rss") and "calls" in m)

    def med(runs, key):
        vals = [m.get(key, 0) for m in runs.values() if counted(m, key)]
        return statistics.median(vals) if vals else 0

    def ratio(g, v, key):
        base, other = data[g][a.base], data[g][v]
        b, o = med(base, key), med(other, key)
        if b == 0:
            return "=" if o == 0 else "-"
        per = [other[r].get(key, 0) / base[r][key] for r in other
               if r in base and counted(other[r], key) and base[r].get(key, 0)]
        cell = f"{o / b:.2f}x"
        if len(per) > 1:
            cell += f" ({min(per):.2f}-{max(per):.2f})"
        return cell

    for g in groups:
        setting, workload = g
        if a.base not in data[g]:
            print(f"Setting `{setting}`, workload `{workload}`: no run of {a.base} succeeded: "
                  + "; ".join(failed.get(g, [])) + ".\n")
            continue
        contenders = [v for v in variants if v in data[g] and v not in (a.base, a.control)]
        rounds = len(data[g][a.base])
        nc = sum(1 for m in data[g][a.base].values() if "calls" in m)
        title = f"Setting `{setting}`"
        if setting in about:
            title += f" ({about[setting]})"
        title += f", workload `{workload}`"
        if workload in about:
            title += f" ({about[workload]})"
        print(f"{title}; {rounds} round{'s' if rounds != 1 else ''}"
              + (f", system calls counted in {nc}" if nc != rounds else "") + ".")
        print()
        head = ["measure", names.get(a.base, a.base)]
        for v in contenders:
            n = names.get(v, v)
            head += [n, f"{n} / {names.get(a.base, a.base)}"]
        control = a.control in data[g]
        if control:
            head.append(f"noise: {names[a.control]} / {names.get(a.base, a.base)}")
        print("| " + " | ".join(head) + " |")
        print("|---|" + "---:|" * (len(head) - 1))
        for key, label, fmt in measures:
            allv = [a.base] + contenders + ([a.control] if control else [])
            if key in kinds and not any(med(data[g][v], key) for v in allv):
                continue  # a kind no variant made
            cells = [label, fmt.format(med(data[g][a.base], key))]
            for v in contenders:
                cells += [fmt.format(med(data[g][v], key)), ratio(g, v, key)]
            if control:
                cells.append(ratio(g, a.control, key))
            print("| " + " | ".join(cells) + " |")
        if g in failed:
            print()
            print("Failed runs (left out of the medians): " + "; ".join(failed[g]) + ".")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
