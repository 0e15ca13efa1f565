#!/usr/bin/env bash
# tools/test_fetch.sh build|test - tools/fetch.sh from an empty cache (a
# matrix target of tools/test-all.sh): several callers at once, damaged
# and half-made copies, the archive taken from the apt configuration.
#
# Downloads a small source package (dash, about 300 KB) and a small binary
# one (hello for s390x) with the package lists they need, into
# $PAL_OUT/cache (default /tmp/libpal-test-fetch), emptied first.  The
# copies are checked here independently of fetch.sh: each file the .dsc
# lists by sha256sum, a .deb by dpkg-deb reading it whole.  Prints a line
# per check and "N passed, N failed, N skipped".  Nothing to build.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
[ "${1:-}" = build ] && exit 0
[ "${1:-}" = test ] || { echo "usage: $0 build|test" >&2; exit 2; }
fetch=$root/tools/fetch.sh
work=${PAL_OUT:-/tmp/libpal-test-fetch}
export PAL_CACHE=$work/cache
rm -rf "$PAL_CACHE" "$work/out" && mkdir -p "$work/out"
# shellcheck source=tools/lib.sh
. "$root/tools/lib.sh"
N=4 SRC=dash DEB=hello DEB_ARCH=s390x

# dir holds one .dsc, signed to its end, and every file it lists whole:
# prints what is wrong, if anything
check_source() {
  local dir=$1 dsc
  dsc=$(ls "$dir"/*.dsc 2>/dev/null)
  [ "$(echo "$dsc" | grep -c .)" = 1 ] || { echo "$dir: not one .dsc (${dsc:-none})"; return 1; }
  tail -n 1 "$dsc" | grep -qx -- '-----END PGP SIGNATURE-----' || { echo "$dsc: cut short"; return 1; }
  awk '/^[^ ]/ { on = ($1 == "Checksums-Sha256:"); next } on && NF == 3 { print $1 "  " $3 }' "$dsc" \
    >"$work/out/sums"
  [ "$(grep -c . "$work/out/sums")" -ge 2 ] || { echo "$dsc: lists no files"; return 1; }
  (cd "$dir" && sha256sum --quiet -c "$work/out/sums" 2>&1) || return 1
}

# N callers at once; sets paths (their output, sorted, unique) and bad (the
# callers that failed)
at_once() {
  local i
  for i in $(seq "$N"); do
    "$fetch" "$@" >"$work/out/$i.out" 2>"$work/out/$i.err" &
  done
  bad=0
  for i in $(seq "$N"); do
    wait -n || bad=$((bad + 1))
  done
  paths=$(cat "$work/out"/*.out | sort -u)
}

# one caller; sets got (its output) and err
once() { got=$("$fetch" "$@" 2>"$work/out/err") || { err=$(cat "$work/out/err"); return 1; }; }

# --- a source package ---

at_once source "$SRC"
dir=""
if [ "$bad" -ne 0 ]; then
  fail "$N concurrent 'fetch.sh source $SRC' into an empty cache: $bad failed: $(cat "$work/out"/*.err | sort -u | head -3)"
elif [ "$(echo "$paths" | grep -c .)" -ne 1 ]; then
  fail "$N concurrent 'fetch.sh source $SRC': not one directory: $paths"
elif ! why=$(check_source "$paths"); then
  fail "$N concurrent 'fetch.sh source $SRC': $why"
else
  ok "$N concurrent 'fetch.sh source $SRC' into an empty cache: one whole directory, $paths"
  dir=$paths
  left=$(find "$PAL_CACHE/sources" -mindepth 2 -maxdepth 2 | grep -v -x "$dir")
  [ -z "$left" ] && ok "nothing else left in the store" || fail "left in the store: $left"
fi

# a damaged copy is found and downloaded again: prints the same path,
# whole again
damaged() { # what, then a command that damages $dir
  local what=$1
  shift
  ran=0
  if [ ! -d "$dir" ]; then
    fail "$what: no copy to damage"
    return
  fi
  "$@"
  ran=1
  if ! once source "$SRC"; then
    fail "$what: fetch.sh failed: $err"
  elif [ "$got" != "$dir" ]; then
    fail "$what: printed $got, not $dir"
  elif ! why=$(check_source "$got"); then
    fail "$what: used as it was: $why"
  else
    ok "$what: found and downloaded again"
  fi
}
orig() {
  local f
  for f in "$dir"/*.orig.tar.*; do [[ $f == *.asc ]] || { echo "$f"; return; }; done
}
damaged "the upstream tarball cut short" truncate -s 1000 "$(orig)"
damaged "one byte of the upstream tarball changed" \
  sh -c 'printf X | dd of="$1" bs=1 seek=5000 conv=notrunc status=none' - "$(orig)"
damaged "the .dsc cut short (its signature)" sh -c 'head -n 5 "$1"/*.dsc >"$1/x" && mv "$1/x" "$1"/*.dsc' - "$dir"
damaged "the .dsc missing" sh -c 'rm "$1"/*.dsc' - "$dir"
# the copy seen on a fresh machine: the packaging tarball alone
damaged "a half-made directory (the packaging tarball alone)" \
  sh -c 'mkdir "$1.x" && mv "$1"/*.debian.tar.* "$1.x"/ && rm -rf "$1" && mv "$1.x" "$1"' - "$dir"
# a caller killed mid-download leaves its temporary directory
damaged "a killed caller's temporary directory, no copy" \
  sh -c 'mv "$1" "$(dirname "$1")/.tmp.killed" && truncate -s 10 "$(dirname "$1")"/.tmp.killed/*.orig.tar.*' - "$dir"
if [ "$ran" = 1 ]; then
  [ ! -e "$(dirname "$dir")/.tmp.killed" ] && ok "the killed caller's directory removed" ||
    fail "the killed caller's directory is still there"
fi

# --- a binary package of another architecture ---

at_once deb "$DEB" "$DEB_ARCH"
if [ "$bad" -ne 0 ]; then
  fail "$N concurrent 'fetch.sh deb $DEB $DEB_ARCH': $bad failed: $(cat "$work/out"/*.err | sort -u | head -3)"
elif [ "$(echo "$paths" | grep -c .)" -ne 1 ] || [[ $paths != *_$DEB_ARCH.deb ]]; then
  fail "$N concurrent 'fetch.sh deb $DEB $DEB_ARCH': not one .deb of $DEB_ARCH: $paths"
elif ! dpkg-deb --fsys-tarfile "$paths" >/dev/null; then
  fail "$N concurrent 'fetch.sh deb $DEB $DEB_ARCH': $paths does not read whole"
else
  ok "$N concurrent 'fetch.sh deb $DEB $DEB_ARCH' into an empty cache: one whole .deb, $paths"
fi
deb=$paths sum=$(sha256sum 2>/dev/null <"$deb")
if [ ! -f "$deb" ]; then
  fail "a .deb cut short: no .deb to damage"
elif ! { truncate -s 2000 "$deb" && once deb "$DEB" "$DEB_ARCH"; }; then
  fail "a .deb cut short: fetch.sh failed: $err"
elif [ "$got" != "$deb" ] || [ "$(sha256sum <"$got")" != "$sum" ]; then
  fail "a .deb cut short: used as it was ($got)"
else
  ok "a .deb cut short: found and downloaded again"
fi

# the metapackage of tools/vm/run.sh's kernels (the lists are there)
if ! once depends linux-image-$DEB_ARCH "$DEB_ARCH"; then
  fail "depends linux-image-$DEB_ARCH: $err"
elif ! grep -qx "linux-image-[0-9].*-$DEB_ARCH" <<<"$got"; then
  fail "depends linux-image-$DEB_ARCH: no versioned kernel in: $got"
else
  ok "depends linux-image-$DEB_ARCH: $(grep -x 'linux-image-[0-9].*' <<<"$got")"
fi

# a version with an epoch (zlib1g 1:1.2.13...): apt-get download names
# the file with it (zlib1g_1%3a...), the archive's name has none
EPOCH_DEB=zlib1g
if ! once deb "$EPOCH_DEB" "$DEB_ARCH"; then
  fail "deb $EPOCH_DEB $DEB_ARCH (a version with an epoch): $err"
elif [[ $got != */${EPOCH_DEB}_[0-9]*_$DEB_ARCH.deb ]] || ! dpkg-deb --fsys-tarfile "$got" >/dev/null; then
  fail "deb $EPOCH_DEB $DEB_ARCH (a version with an epoch): $got is not a whole .deb named as in the archive"
else
  ok "deb $EPOCH_DEB $DEB_ARCH (a version with an epoch): $got"
fi

# --- bad input: a clear error, nothing made ---

rm -rf "$work/empty"
for args in "source ../x" "source $SRC experimental" "deb $DEB s390x/../x" "frobnicate $SRC" "source"; do
  # shellcheck disable=SC2086
  PAL_CACHE=$work/empty "$fetch" $args >/dev/null 2>"$work/out/err"
  rc=$?
  if [ "$rc" -eq 0 ] || [ ! -s "$work/out/err" ]; then
    fail "fetch.sh $args: exit $rc, message '$(head -1 "$work/out/err")'"
  elif [ -e "$work/empty" ]; then
    fail "fetch.sh $args: made $(find "$work/empty" | head -3)"
  else
    ok "fetch.sh $args: exit $rc, $(head -1 "$work/out/err")"
  fi
done

# --- the archive is the one the apt configuration names for the release ---

# a private apt configuration (APT_CONFIG) whose sources name an address
# nothing listens on: fetch.sh must use it, and fail saying so
release=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
apt_conf() { # file: one-line sources.list contents; rest: .sources contents
  rm -rf "${work:?}/etc" && mkdir -p "$work/etc/parts"
  printf '%s\n' "$1" >"$work/etc/list"
  printf '%s\n' "$2" >"$work/etc/parts/x.sources"
  # apt's own retries, with their waits, would only slow the test
  printf 'Dir::Etc::SourceList "%s";\nDir::Etc::SourceParts "%s";\nAcquire::Retries "0";\n' \
    "$work/etc/list" "$work/etc/parts" >"$work/etc/apt.conf"
}
mirror_case() { # what, the archive address expected in the private source list
  local what=$1 want=$2 c=$work/mirror list
  rm -rf "$c"
  # two tries: the first finds no lists, the second's update fails (no
  # mirror listens there); the waits for a mirror mid-sync would be wasted
  APT_CONFIG=$work/etc/apt.conf PAL_CACHE=$c PAL_FETCH_TRIES=2 "$fetch" source "$SRC" >/dev/null 2>"$work/out/err"
  list=$(cat "$c/apt/bookworm-source/sources.list" 2>/dev/null)
  if [ -z "$want" ]; then
    if grep -q "name no archive" "$work/out/err" && [ -z "$list" ]; then
      ok "$what: $(cat "$work/out/err")"
    else
      fail "$what: not refused ($(cat "$work/out/err"); source list: $list)"
    fi
  elif [[ $list == "deb-src "*" $want bookworm main" ]] && grep -q "could not get" "$work/out/err"; then
    ok "$what: $want used"
  else
    fail "$what: source list '$list', $(cat "$work/out/err")"
  fi
}
if [ -z "$release" ]; then
  fail "no VERSION_CODENAME in /etc/os-release"
else
  apt_conf "deb [ arch=amd64 ] http://127.0.0.1:9/one-line $release main # a comment" ""
  mirror_case "sources.list, one-line format" http://127.0.0.1:9/one-line
  apt_conf "# deb http://127.0.0.1:9/commented $release main" "Enabled: no
Types: deb
URIs: http://127.0.0.1:9/disabled
Suites: $release

Types: deb
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 URIs: http://127.0.0.1:9/inline-key
 -----END PGP PUBLIC KEY BLOCK-----
uris: http://127.0.0.1:9/x http://127.0.0.1:9/deb822
Suites: $release-updates
Components: main

URIs: http://127.0.0.1:9/deb822
Suites: $release $release-security"
  mirror_case ".sources, deb822 format" http://127.0.0.1:9/deb822
  apt_conf "deb http://127.0.0.1:9/other $release-backports main" "URIs: http://127.0.0.1:9/disabled
Suites: $release
Enabled: no"
  mirror_case "no source for the release" ""
fi

summary
