# shellcheck shell=bash
# tools/lib.sh - shell helpers of the scripts in tools/ and clients/,
# sourced (. "$root/tools/lib.sh"), never run.
#
#   need_packages ENTRY...   install the missing Debian packages
#   die TEXT                 "SCRIPT: TEXT" on stderr, and exit 1
#   ok/fail/skip TEXT        one line of a check, counted
#   summary                  "N passed, N failed, N skipped"; fails if any did
#   nm_undefined NM OBJ      the symbols OBJ leaves undefined
#   nm_check NM OBJ OWN WHAT NAME...
#                            OBJ calls libpal and none of the NAMEs
#   oscalls_check NAME RC DIR LABEL PAL CLIENT...
#                            a run under strace made no memory call of the
#                            client's own, and libpal counted its calls

# need_packages ENTRY...: installs, as root, those not there yet; else
# names them and fails.  An ENTRY is a Debian package, checked with dpkg,
# or COMMAND:PACKAGE, checked by the command being on the PATH (or, for an
# absolute path, executable) for tools a user may have from elsewhere.
# The install waits for another apt to let go of its lock (the matrix runs
# several scripts at once) and updates the package lists only when the
# first attempt fails (they are seldom stale, and updating costs seconds).
need_packages() {
  local missing=() e c
  for e in "$@"; do
    case $e in
      /*:*) c=${e%%:*}; [ -x "$c" ] || missing+=("${e#*:}") ;;
      *:*) c=${e%%:*}; command -v "$c" >/dev/null || missing+=("${e#*:}") ;;
      *) dpkg-query -W -f='${Status}' "$e" 2>/dev/null | grep -q "install ok installed" || missing+=("$e") ;;
    esac
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages (run as root, or: sudo apt-get install ${missing[*]})" >&2
    return 1
  fi
  echo "installing: ${missing[*]}" >&2
  local apt=(apt-get -o DPkg::Lock::Timeout=900)
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    { "${apt[@]}" update -qq >/dev/null &&
      DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } ||
    { echo "could not install ${missing[*]}" >&2; return 1; }
}

die() { echo "${0##*/}: $*" >&2; exit 1; }

# The checks of a script that prints a line per check and ends with the
# summary line tools/test-all.sh reads.
passed=0 failed=0 skipped=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
skip() { echo "skipped $*"; skipped=$((skipped + 1)); }
summary() {
  echo "$passed passed, $failed failed, $skipped skipped"
  [ "$failed" -eq 0 ]
}

# nm_undefined NM OBJ: the symbols OBJ (an object or archive) leaves
# undefined, one a line, without the leading dot of ppc64 ELFv1's function
# entry points or a symbol version (@GLIBC_...), so that a name is the C
# name.  Fails if NM cannot read OBJ.
nm_undefined() {
  local undef
  undef=$("$1" -u "$2") || return 1
  awk '{print $NF}' <<<"$undef" | sed 's/^\.//; s/@.*//'
}

# nm_check NM OBJ OWN WHAT NAME...: a client's "no own OS calls" check at
# link time.  OBJ, the object of the client's OS layer, must leave none of
# the memory calls NAME... undefined, and must call libpal (else it is not
# the libpal WHAT).  OWN: an extended regular expression of the client's
# own symbols, left out of the other calls listed.  Prints one line, "nm
# check passed: ..." or "nm check FAILED: ...", and fails with the latter.
# It sees names only, not syscall(SYS_madvise, ...): the clients' strace
# checks see every call.
nm_check() {
  local nm=$1 obj=$2 own=$3 what=$4 undef bad pal other s
  shift 4
  undef=$(nm_undefined "$nm" "$obj") || { echo "nm check FAILED: $nm cannot read $obj"; return 1; }
  bad=$(for s in "$@"; do grep -x -- "$s" <<<"$undef"; done | tr '\n' ' ')
  pal=$(grep -c '^pal_' <<<"$undef")
  other=$(grep -vE "^(pal_|$own|_GLOBAL_OFFSET_TABLE_\$|__)" <<<"$undef" | paste -sd ' ')
  if [ -n "$bad" ]; then
    echo "nm check FAILED: $obj references $bad"
    return 1
  fi
  if [ "$pal" -eq 0 ]; then
    echo "nm check FAILED: $obj calls no pal_* function: not the libpal $what"
    return 1
  fi
  echo "nm check passed: $obj references none of: $* ($pal pal_* functions; other C library calls: $other)"
}

# oscalls_check NAME RC DIR LABEL PAL CLIENT...: the line of a client's
# "no own OS calls" check at run time, counted.  A program ran under
# `strace -ff -k -o DIR/trace` with its output, libpal's PAL_SHOW_STATS
# line among it, in DIR.log, and exited with RC.  clients/oscalls.py puts
# every memory call down to libpal (PAL, its archive), to the client
# (CLIENT..., its objects, globs oscalls.py expands) or to the C library,
# loader or program: none may be the client's own, and the calls of libpal
# strace saw must be the calls it counted.  The account is in DIR.check.
oscalls_check() {
  local name=$1 rc=$2 dir=$3 label=$4 pal=$5 c clients=()
  shift 5
  for c in "$@"; do clients+=(--client "$c"); done
  if [ "$rc" -ne 0 ]; then
    fail "$name: exit status $rc under strace (see $dir.log)"
  elif python3 "${BASH_SOURCE[0]%/*}/../clients/oscalls.py" --label "$label" --stats "$dir.log" \
    --pal "$pal" "${clients[@]}" "$dir"/trace.* >"$dir.check" 2>&1; then
    ok "$name: $(head -1 "$dir.check")"
  else
    fail "$name: $(paste -sd ' ' "$dir.check")"
  fi
}
