#!/usr/bin/env bash
# tools/fetch.sh - Debian packages for the tests, downloaded once and cached.
# Everything in the project that downloads from Debian goes through here.
#
#   tools/fetch.sh source PKG [SUITE]       print the directory holding the
#                                           source package PKG (its .dsc and
#                                           every file the .dsc lists)
#   tools/fetch.sh deb PKG ARCH [SUITE]     print the path of the binary
#                                           package PKG of Debian architecture
#                                           ARCH (a metapackage is not resolved:
#                                           see depends)
#   tools/fetch.sh depends PKG ARCH [SUITE] print the packages PKG depends on,
#                                           one a line (the first of each
#                                           alternative), e.g. the versioned
#                                           kernel of linux-image-amd64
#
# SUITE: bookworm (default), trixie, sid or bookworm-backports (newer
# builds for bookworm, e.g. a qemu that boots what bookworm's cannot; the
# same archive as bookworm).
# Binary packages come from SUITE and SUITE-security (none for sid and
# bookworm-backports), source packages from SUITE alone.
#
# The cache is $PAL_CACHE (default ~/.cache/libpal): sources/SUITE/PKG,
# debs/SUITE-ARCH/*.deb, and apt/SUITE-ARCH (apt/SUITE-source for the
# sources), a private apt configuration each: its own source list, package
# lists and cache, so the machine's apt setup is not touched and no root is
# needed.  The archive is the one the machine's own apt sources name for its
# release (and for <release>-security), so a machine's mirror is followed;
# PAL_DEBIAN_ARCHIVE and PAL_DEBIAN_SECURITY override them.  The package
# lists are checked by apt against debian-archive-keyring.  A failure is
# tried again, PAL_FETCH_TRIES times in all (default 5, over about two
# minutes: see the loop at the end).
#
# Several callers may ask at once (the matrix builds a client for two
# architectures side by side): each apt configuration has a lock (flock),
# held while its lists are read or updated and while its files are checked
# or downloaded; a download goes into a private temporary directory inside
# the cache and is renamed into place only once complete and checked.
# Before a cached copy is printed it is checked again against the package
# lists: a source package's .dsc by its SHA256 in the Sources index, then
# every file the .dsc lists by its own Checksums-Sha256; a .deb by its
# SHA256 in the Packages index.  A copy that fails (cut short, half made,
# an older version) is downloaded again.
set -eu
usage() {
  sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
die() { echo "fetch.sh: $*" >&2; exit 1; }

cmd=${1:-}
case $cmd in
  source) [ $# -ge 2 ] && [ $# -le 3 ] || usage; pkg=$2 arch=source suite=${3:-bookworm} ;;
  deb | depends) [ $# -ge 3 ] && [ $# -le 4 ] || usage; pkg=$2 arch=$3 suite=${4:-bookworm} ;;
  *) usage ;;
esac
# names as Debian allows them: no path can be made of them
[[ $pkg =~ ^[a-z0-9][a-z0-9.+-]+$ ]] || die "not a Debian package name: '$pkg'"
[[ $arch =~ ^[a-z0-9]+$ ]] || die "not a Debian architecture: '$arch'"
case $suite in
  bookworm | trixie | sid | bookworm-backports) ;;
  *) die "no suite '$suite' (bookworm, trixie, sid, bookworm-backports)" ;;
esac

keys=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keys" ] || die "no $keys (Debian: debian-archive-keyring)"
cache=${PAL_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/libpal}
apt_dir=$cache/apt/$suite-$arch
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"

# "URI SUITE" for every entry of the machine's apt sources: one-line
# sources.list files and deb822 .sources files (continuation lines, such
# as an inline key's, and disabled stanzas skipped)
apt_entries() {
  local SL SP f
  eval "$(apt-config shell SL Dir::Etc::SourceList/f SP Dir::Etc::SourceParts/d)"
  for f in "$SL" "$SP"*.list; do
    [ -f "$f" ] || continue
    sed 's/#.*//; s/\[[^]]*\]//' "$f" | awk '$1 == "deb" || $1 == "deb-src" { print $2, $3 }'
  done
  for f in "$SP"*.sources; do
    [ -f "$f" ] || continue
    awk 'function flush(  i, j, u, s) {
           if (on) { split(uris, u); split(suites, s)
             for (i in u) for (j in s) print u[i], s[j] }
           uris = suites = ""; on = 1 }
         BEGIN { on = 1 }
         /^[ \t]*#/ { next }
         /^[ \t]*$/ { flush(); next }
         /^[ \t]/ { next }
         { k = tolower($1); sub(/^[^:]*:[ \t]*/, "")
           if (k == "uris:") uris = $0
           else if (k == "suites:") suites = $0
           else if (k == "enabled:" && tolower($1) == "no") on = 0 }
         END { flush() }' "$f"
  done
}

# The Debian archive and security archive the machine uses: those that
# serve its release (a testing or unstable machine may name its suite by
# the alias instead of the codename).
archives() {
  local release entries s
  release=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
  entries=$(apt_entries)
  archive=${PAL_DEBIAN_ARCHIVE:-}
  for s in $release stable testing unstable sid; do
    [ -n "$archive" ] || archive=$(awk -v s="$s" '$2 == s { print $1; exit }' <<<"$entries")
  done
  security=${PAL_DEBIAN_SECURITY:-$(awk -v s="$release-security" '$2 == s { print $1; exit }' <<<"$entries")}
  [ -n "$archive" ] || die "the machine's apt sources name no archive for its release" \
    "'$release' (set PAL_DEBIAN_ARCHIVE to a Debian mirror's URI)"
}

# The machine's pins and installed packages must not choose the version.
# apt's binary caches are kept (a machine may turn them off, as Debian's
# container images do): without them each question parses the lists anew.
opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
  -o Dir::Cache::pkgcache=pkgcache.bin -o Dir::Cache::srcpkgcache=srcpkgcache.bin
  -o Dir::State::status=/dev/null -o Dir::Etc::Preferences=/dev/null
  -o Dir::Etc::PreferencesParts=/dev/null
  -o Debug::NoLocking=1 -o APT::Sandbox::User=root -qq)
# (apt's own locks are for root's directories; this cache has the flock
# below.  The sandbox user would need write access to this cache.)
[ "$arch" = source ] || opts+=(-o "APT::Architecture=$arch" -o "APT::Architectures::=$arch")

# A failed update (the mirror sometimes fails one index mid-sync) leaves
# apt's old lists or none; what counts is whether they then name the
# package, which the caller asks.
update() {
  archives
  if [ "$arch" = source ]; then
    echo "deb-src [signed-by=$keys] $archive $suite main" >"$apt_dir/sources.list"
  else
    echo "deb [arch=$arch signed-by=$keys] $archive $suite main" >"$apt_dir/sources.list"
    if [ -n "$security" ] && [ "$suite" != sid ] && [ "$suite" = "${suite%-backports}" ]; then
      echo "deb [arch=$arch signed-by=$keys] $security $suite-security main" >>"$apt_dir/sources.list"
    fi
  fi
  apt-get "${opts[@]}" update >"$apt_dir/update.log" 2>&1 || true
}

# one field of the first stanza on stdin
field() { awk -v f="$1:" '$1 == f { sub(/^[^:]*:[ \t]*/, ""); print; exit } /^$/ { exit }'; }

# "sha256 size name" lines of the Checksums-Sha256 field on stdin
sha256_lines() { awk '/^[^ ]/ { on = ($1 == "Checksums-Sha256:") ; next } on && NF == 3 { print }'; }

# dir has every file of the "sha256 size name" lines on stdin, each whole
files_ok() {
  local dir=$1 sum size name n=0
  while read -r sum size name; do
    [ -f "$dir/$name" ] && [ "$(stat -c %s "$dir/$name")" = "$size" ] &&
      [ "$(sha256sum <"$dir/$name" | cut -d' ' -f1)" = "$sum" ] || return 1
    n=$((n + 1))
  done
  [ "$n" -gt 0 ]
}

# source: the .dsc as the Sources index has it, then the files it lists
source_ok() {
  local dir=$1
  [ -f "$dir/$dsc_name" ] && files_ok "$dir" <<<"$dsc_line" &&
    sha256_lines <"$dir/$dsc_name" | files_ok "$dir"
}

# the candidate version's stanza in the lists: sets ver and, for a
# source, dsc_name and dsc_line ("sha256 size name" of its .dsc), for a
# deb, deb_name and deb_line; returns 1 if the lists do not name it
lookup() {
  local stanza
  if [ "$arch" = source ]; then
    stanza=$(apt-cache "${opts[@]}" showsrc --only-source "$pkg" 2>/dev/null |
      awk 'BEGIN { RS = "" } { print; print ""; exit }') || return 1
    ver=$(field Version <<<"$stanza")
    dsc_line=$(sha256_lines <<<"$stanza" | awk '$3 ~ /\.dsc$/ { print; exit }')
    dsc_name=${dsc_line##* }
    [ -n "$ver" ] && [ -n "$dsc_line" ]
  else
    stanza=$(apt-cache "${opts[@]}" show --no-all-versions "$pkg" 2>/dev/null) || return 1
    ver=$(field Version <<<"$stanza")
    deb_name=$(field Filename <<<"$stanza")
    deb_name=${deb_name##*/}
    deb_line="$(field SHA256 <<<"$stanza") $(field Size <<<"$stanza") $deb_name"
    depends=$(field Depends <<<"$stanza")
    [ -n "$ver" ] && [ -n "$deb_name" ]
  fi
}

# Downloads into a private directory of the cache and moves the result into
# place; returns 1 if apt fails or the result does not check.
download() {
  local tmp old
  tmp=$(mktemp -d "$store/.tmp.XXXXXX")
  chmod 755 "$tmp"
  if [ "$arch" = source ]; then
    if (cd "$tmp" && apt-get "${opts[@]}" source --download-only "$pkg=$ver") >"$apt_dir/download.log" 2>&1 &&
        source_ok "$tmp"; then
      # the old copy (if any) out of the way first: a directory cannot be
      # renamed over a full one
      if [ -e "$dest" ]; then
        old=$(mktemp -d "$store/.old.XXXXXX")
        mv "$dest" "$old/"
      fi
      mv "$tmp" "$dest"
      rm -rf "${old:-}"
      return 0
    fi
  # apt-get download names the file after the version with its epoch
  # (qemu-system-misc_1%3a10.0...), the archive without it
  elif (cd "$tmp" && apt-get "${opts[@]}" download "$pkg=$ver" && mv -n ./*.deb "$deb_name" 2>/dev/null;
      true) >"$apt_dir/download.log" 2>&1 && files_ok "$tmp" <<<"$deb_line"; then
    mv -f "$tmp/$deb_name" "$dest"
    rm -rf "$tmp"
    return 0
  fi
  rm -rf "$tmp"
  return 1
}

exec 9>"$apt_dir/lock"
flock 9
if [ "$arch" = source ]; then
  store=$cache/sources/$suite
else
  store=$cache/debs/$suite-$arch
fi
mkdir -p "$store"
# what a caller killed mid-download left (every writer holds the lock)
rm -rf "$store"/.tmp.* "$store"/.old.*

# The lists are kept; they are updated when they do not name the package
# or the mirror no longer has the version they name.  PAL_FETCH_TRIES
# tries (default 5), the third and later after 10, 30, then 60 s: a
# mirror mid-sync (sid's changes several times a day) serves Release
# files whose indexes it has not yet, for a minute or two.
tries=${PAL_FETCH_TRIES:-5}
[[ $tries =~ ^[1-9][0-9]*$ ]] || die "PAL_FETCH_TRIES is not a number of tries: '$tries'"
for try in $(seq "$tries"); do
  if compgen -G "$apt_dir/lists/*Release" >/dev/null && lookup; then
    case $cmd in
      depends)
        tr ',' '\n' <<<"$depends" | sed 's/|.*//; s/(.*//; s/:any//; s/[[:space:]]//g' | grep . || true
        exit 0 ;;
      source)
        dest=$store/$pkg
        if source_ok "$dest" || download; then echo "$dest"; exit 0; fi ;;
      deb)
        dest=$store/$deb_name
        if { [ -f "$dest" ] && files_ok "$store" <<<"$deb_line"; } || download; then
          echo "$dest"
          exit 0
        fi ;;
    esac
  fi
  [ "$try" -eq "$tries" ] && break
  case $try in 1) ;; 2) sleep 10 ;; 3) sleep 30 ;; *) sleep 60 ;; esac
  update
done
# apt's own errors, so that the caller's log says which file failed
cat "$apt_dir/update.log" "$apt_dir/download.log" 2>/dev/null | grep -E '^(E|W):' | tail -n 5 >&2 || true
lookup || echo "fetch.sh: the package lists name no $pkg" >&2
die "could not get $cmd $pkg$([ "$arch" = source ] || echo " ($arch)") from $suite (see $apt_dir/update.log" \
  "and $apt_dir/download.log)"
