#!/usr/bin/env python3
"""skips.py - a target's skips against the list of those it expects.

  skips.py check  LIST LOG [DEFAULT]   compare LOG's skips with LIST
  skips.py update LIST LOG [DEFAULT]   rewrite LIST from LOG's skips

LOG is what tools/test-all.sh keeps of one target (build-matrix/<name>.log):
ctest's verbose output ("N: " before each line of test number N, whose
name a "Start N: name" or "Test #N: name" line gives), a VM's (the same,
with "vmtest PROGRAM start" before each program's lines), or a client's or
script's own (no prefix: its lines belong to DEFAULT).  A skip is the
harness's line "skipped TEST: reason"; a file's result is its line
"N passed, N failed, N skipped".

LIST (tests/skips/<target>.txt) holds one expected skip a line,
"PROGRAM TEST: reason"; "#" starts a comment.  A line that starts with
"? " is a skip that depends on the machine rather than the target (a
huge page pool this machine may or may not have): it may happen or not.
Reasons are compared with each run of digits read as one number, so a
size or a count in a reason may change; the words may not.

check prints one line per difference and per program all of whose tests
skipped, then "N differences"; exits 1 if there is any difference (a
missing LIST is one):
  unexpected skip: PROGRAM TEST: reason
  expected skip did not happen: PROGRAM TEST: reason
  skipped for another reason: PROGRAM TEST: reason (expected: reason)
  all skipped: PROGRAM (N tests)
update keeps LIST's comments and its "? " lines that did not happen this
time, and writes the skips of LOG in order.
"""
import os
import re
import sys

PREFIX = re.compile(r"^(\d+): (.*)$")
START = re.compile(r"^\s*(?:\d+/\d+ )?(?:Start\s+|Test\s+#)(\d+): (\S+)")
VMTEST = re.compile(r"^vmtest (\S+) (start|exit)")
SKIP = re.compile(r"^skipped (\S+): (.*?)\s*$")
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed, (\d+) skipped\s*$")


def parse(log, default):
    """The skips ({(program, test): reason}, in order) and the programs all
    of whose tests skipped ([(program, count)]) of one log."""
    names, current, skips, all_skipped = {}, {}, {}, []
    with open(log, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    for line in lines:
        m = START.match(line)
        if m:
            names[m.group(1)] = m.group(2)
    for line in lines:
        m = PREFIX.match(line)
        if m:
            num, text = m.groups()
            owner = names.get(num, default)
        else:
            num, text, owner = "", line, default
        v = VMTEST.match(text)
        if v:
            current[num] = v.group(1) if v.group(2) == "start" else None
            continue
        program = current.get(num) or owner
        s = SKIP.match(text)
        if s:
            skips.setdefault((program, s.group(1)), s.group(2))
            continue
        r = SUMMARY.match(text)
        if r and r.group(1) == "0" and r.group(2) == "0" and r.group(3) != "0":
            all_skipped.append((program, int(r.group(3))))
    return skips, all_skipped


def read_list(path):
    """{(program, test): (reason, optional)} and the comment lines of LIST."""
    expected, comments = {}, []
    if not os.path.exists(path):
        return expected, comments
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                if not expected:
                    comments.append(line)
                continue
            optional = line.startswith("? ")
            if optional:
                line = line[2:]
            m = re.match(r"^(\S+) (\S+): (.*)$", line)
            if not m:
                sys.exit("%s:%d: not \"PROGRAM TEST: reason\": %s" % (path, n, line))
            expected[(m.group(1), m.group(2))] = (m.group(3), optional)
    return expected, comments


def same_reason(a, b):
    return re.sub(r"\d+", "N", a.strip()) == re.sub(r"\d+", "N", b.strip())


def check(path, log, default):
    expected, _ = read_list(path)
    skips, all_skipped = parse(log, default)
    diffs = 0
    if not os.path.exists(path):
        print("no list of expected skips: %s (tools/test-all.sh --update-skips)" % path)
        diffs += 1
    for key, reason in skips.items():
        if key not in expected:
            print("unexpected skip: %s %s: %s" % (key[0], key[1], reason))
            diffs += 1
        elif not same_reason(reason, expected[key][0]):
            print("skipped for another reason: %s %s: %s (expected: %s)"
                  % (key[0], key[1], reason, expected[key][0]))
            diffs += 1
    for key, (reason, optional) in expected.items():
        if key not in skips and not optional:
            print("expected skip did not happen: %s %s: %s" % (key[0], key[1], reason))
            diffs += 1
    for program, count in all_skipped:
        print("all skipped: %s (%d tests)" % (program, count))
    print("%d differences" % diffs)
    return 1 if diffs else 0


def update(path, log, default):
    expected, comments = read_list(path)
    skips, _ = parse(log, default)
    if not comments:
        target = os.path.basename(path)[:-len(".txt")] if path.endswith(".txt") else path
        comments = ["# The skips target %s expects: PROGRAM TEST: reason (\"? \": this" % target,
                    "# machine's, may or may not happen).  tools/test-all.sh --update-skips."]
    out = list(comments)
    for key, reason in skips.items():
        optional = expected.get(key, ("", False))[1]
        out.append("%s%s %s: %s" % ("? " if optional else "", key[0], key[1], reason))
    for key, (reason, optional) in expected.items():
        if optional and key not in skips:
            out.append("? %s %s: %s" % (key[0], key[1], reason))
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    os.replace(path + ".tmp", path)
    print("%s: %d expected skips" % (path, len(out) - len(comments)))
    return 0


def main(argv):
    if len(argv) < 4 or argv[1] not in ("check", "update"):
        sys.exit(__doc__)
    default = argv[4] if len(argv) > 4 else "-"
    return (check if argv[1] == "check" else update)(argv[2], argv[3], default)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
