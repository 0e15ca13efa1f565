#!/usr/bin/env bash
# tools/check_generated.sh build|test - the committed files that tools make
# are what those tools make now (a matrix target of tools/test-all.sh):
#
#   CMakePresets.json   python3 tools/gen_presets.py (from tools/test-all.sh's targets)
#   docs/states.svg     dot -Tsvg docs/states.dot -o docs/states.svg (Graphviz;
#                       its text is measured with the DejaVu fonts, whose
#                       Debian package fonts-dejavu-core the matrix installs)
#
# Prints a line per check and "N passed, N failed, N skipped".  Nothing to
# build.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
[ "${1:-}" = build ] && exit 0
passed=0 failed=0 skipped=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
skip() { echo "skipped $*"; skipped=$((skipped + 1)); }

if ! command -v python3 >/dev/null; then
  skip "CMakePresets.json: no python3"
elif why=$(python3 "$root/tools/gen_presets.py" --check 2>&1); then
  ok "CMakePresets.json: one preset set per target of tools/test-all.sh"
else
  fail "CMakePresets.json: $why"
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

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
