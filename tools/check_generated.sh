#!/usr/bin/env bash
# tools/check_generated.sh build|test - the committed files that tools make
# are what those tools make now (a matrix target of tools/test-all.sh):
#
#   CMakePresets.json   python3 tools/gen_presets.py (from tools/targets.txt)
#   docs/SUPPORT.md     its support matrix names the targets of tools/targets.txt
#                       (hand-written: each row's words are not in that list)
#   docs/states.svg     dot -Tsvg docs/states.dot -o docs/states.svg (Graphviz;
#                       its text is measured with the DejaVu fonts, whose
#                       Debian package fonts-dejavu-core the matrix installs)
#   pal/linux/defs_*.h  python3 tools/gen_linux_defs.py, and every value held
#                       against its architecture's own kernel headers by the
#                       compiler (tests/linux/host_checks.cmake's defs_check:
#                       Debian unstable's headers, which tools/fetch.sh
#                       downloads, and Debian 12's where installed)
#
# Prints a line per check and "N passed, N failed, N skipped".  Nothing to
# build; the defs check unpacks the headers in $PAL_OUT (default: a
# temporary directory).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
[ "${1:-}" = build ] && exit 0
# shellcheck source=tools/lib.sh
. "$root/tools/lib.sh"

if ! command -v python3 >/dev/null; then
  skip "CMakePresets.json: no python3"
elif why=$(python3 "$root/tools/gen_presets.py" --check 2>&1); then
  ok "CMakePresets.json: one preset set per target of tools/targets.txt"
else
  fail "CMakePresets.json: $why"
fi

# The support matrix's last column against the target list, both ways: a
# name there that is no target is stale; a target missing there is a
# platform the table does not tell of.  Not rows of their own: the clients
# and script targets, and the builds that instrument the library
# (PAL_POISON_CLOBBERS, PAL_SANITIZE), which check the rows' code again.
if ! command -v python3 >/dev/null; then
  skip "docs/SUPPORT.md: no python3"
else
  named=$(awk -F'|' '/^## /{on=/^## Support matrix/} on && NF > 9 && $2 !~ /^ *(OS|---) *$/ {print $9}' \
    "$root/docs/SUPPORT.md" | tr ',' '\n' | sed 's/^ *//; s/ *$//' | grep . | sort)
  platforms=$(python3 "$root/tools/gen_presets.py" --configs |
    awk -F'\t' '$2 != "client" && $2 != "script" && $0 !~ /-DPAL_(POISON_CLOBBERS|SANITIZE)=/ {print $1}' | sort)
  all=$(python3 "$root/tools/gen_presets.py" --configs | cut -f1 | sort)
  stale=$(comm -23 <(echo "$named") <(echo "$all") | paste -sd ' ' -)
  untold=$(comm -13 <(echo "$named") <(echo "$platforms") | paste -sd ' ' -)
  if [ -z "$stale$untold" ]; then
    ok "docs/SUPPORT.md: its support matrix names every platform target of tools/targets.txt, and no other"
  else
    fail "docs/SUPPORT.md's support matrix and tools/targets.txt differ:" \
      "${stale:+named but no target: $stale}${stale:+${untold:+; }}${untold:+not named: $untold}"
  fi
fi

if ! command -v dot >/dev/null; then
  skip "docs/states.svg: no dot (Debian: graphviz)"
elif ! fresh=$(dot -Tsvg "$root/docs/states.dot" 2>&1); then
  fail "docs/states.svg: dot failed: $fresh"
elif [ "$fresh" = "$(cat "$root/docs/states.svg")" ]; then
  ok "docs/states.svg: a fresh render of docs/states.dot"
else
  fail "docs/states.svg differs from a fresh render of docs/states.dot:" \
    "run dot -Tsvg docs/states.dot -o docs/states.svg ($(diff <(echo "$fresh") "$root/docs/states.svg" | wc -l) diff lines)"
fi

# the Linux tables: a line per value and per table, counted with ours
work=${PAL_OUT:-}
[ -n "$work" ] || { work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; }
mkdir -p "$work"
for check in defs_check gen_linux_defs; do
  if ! command -v cmake >/dev/null; then
    skip "$check: no cmake"
    continue
  fi
  lines=$(cd "$work" && cmake -DCHECK=$check -DSOURCE_DIR="$root" \
    -DCLANG="$(command -v clang-19)" -DPYTHON="$(command -v python3)" \
    -P "$root/tests/linux/host_checks.cmake" 2>&1)
  summary=$(tail -n 1 <<<"$lines")
  if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
    sed '$d' <<<"$lines"
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
    skipped=$((skipped + BASH_REMATCH[3]))
  else
    fail "$check: no summary from tests/linux/host_checks.cmake: $lines"
  fi
done

summary
