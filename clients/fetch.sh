#!/usr/bin/env bash
# clients/fetch.sh SRCPKG - print the path of the directory holding Debian's
# source package SRCPKG (the upstream .orig tarball, Debian's packaging and
# the .dsc), downloading it on first use.
#
# Debian 12's source packages are fetched with a private apt configuration
# (its own source list with a deb-src line, its own package lists and
# cache, under the cache directory): the machine's apt sources are not
# changed, and no root is needed.  Downloads are cached in
# $PAL_CACHE/sources (default ~/.cache/libpal/sources), so the test command
# downloads each client once per machine.
set -eu
pkg=${1:?usage: clients/fetch.sh SRCPKG}
cache=${PAL_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/libpal}/sources
apt=$cache/apt
dest=$cache/$pkg
if ls "$dest"/*.dsc >/dev/null 2>&1; then
  echo "$dest"
  exit 0
fi
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$dest.tmp"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main" >"$apt/sources.list"
opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o Debug::NoLocking=1
  -o APT::Sandbox::User=root -qq)
# The lists are kept; a source package they do not name (or a failed
# earlier update: the mirror sometimes fails one index mid-sync) updates
# them again, twice at most.
for try in 1 2 3; do
  if [ -n "$(ls "$apt/lists" 2>/dev/null | grep _Sources)" ] &&
     (cd "$dest.tmp" && apt-get "${opts[@]}" source --download-only "$pkg" >"$dest.log" 2>&1); then
    rm -rf "$dest" && mv "$dest.tmp" "$dest"
    echo "$dest"
    exit 0
  fi
  [ "$try" -eq 3 ] && break
  apt-get "${opts[@]}" update >"$apt/update.log" 2>&1 || sleep 5
done
echo "clients/fetch.sh: could not download the source of $pkg (see $dest.log, $apt/update.log)" >&2
exit 1
