#!/usr/bin/env python3
"""remove-functions.py FILE NAME...: delete from the C file FILE every
definition of each NAME (all of its #if variants), from its first line (at
column 0, not a prototype) to the first "}" at column 0 after it; a static
variable NAME is its one line.  Every NAME must be found, so that a
different upstream version fails here instead of linking two definitions.
Prints to stderr how many lines went."""
import re
import sys

path, names = sys.argv[1], sys.argv[2:]
lines = open(path).read().split("\n")
found = dict.fromkeys(names, 0)
out, i = [], 0
while i < len(lines):
    line = lines[i]
    head = not line.startswith((" ", "\t", "/", "#", "*"))
    func = next((n for n in names if head and not line.rstrip().endswith(";")
                 and re.match(r"[\w\s*()]*?\b%s\s*\(" % re.escape(n), line)), None)
    var = next((n for n in names if line.startswith("static ")
                and re.search(r"\b%s\s*;" % re.escape(n), line)), None)
    if func:
        found[func] += 1
        while i < len(lines) and lines[i].rstrip() != "}":
            i += 1
        if i == len(lines):
            sys.exit("%s: no end of %s" % (path, func))
        i += 1
    elif var:
        found[var] += 1
        i += 1
    else:
        out.append(line)
        i += 1
missing = [n for n, k in found.items() if k == 0]
if missing:
    sys.exit("%s: no definition of %s" % (path, " ".join(missing)))
open(path, "w").write("\n".join(out))
print("%s: %d of %d lines removed: %s" % (path, len(lines) - len(out), len(lines),
      " ".join("%s(%d)" % (n, k) for n, k in found.items())), file=sys.stderr)
