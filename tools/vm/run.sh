#!/usr/bin/env bash
# tools/vm/run.sh [-m MACHINE] [-q QEMU_ARG]... BUILD_DIR [KERNEL_ARG...]
#
# Boot Debian's own kernel for MACHINE (default amd64) in qemu-system under
# TCG, with an initramfs made of tools/vm/init.c as PID 1 and the statically
# linked test programs of BUILD_DIR/tests (a build for that architecture);
# print what they print (BUILD_DIR/data, if there, is the VM's /data,
# which init does not run).  init prints "vmtest <name> exit <code>" after each
# program and "vm: N tests failed out of M" at the end, then powers off.
#
#   -m MACHINE    a description in tools/vm/machines/ (amd64, arm64, ...),
#                 shell variables: VM_DEBARCH, VM_RELEASE and VM_KERNEL (the
#                 kernel's Debian architecture, release and package),
#                 VM_IMAGE (the image's name in its /boot: vmlinuz or
#                 vmlinux), VM_QEMU (qemu-system binary, board and CPU),
#                 VM_MEM (MiB), VM_CONSOLE, VM_PAGE_SIZE (checked by init),
#                 VM_CC (the gcc that builds init, or an array: a
#                 compiler and its flags); optional: VM_INIT (init's
#                 source beside this script: init.c, or init_nolibc.c
#                 where the architecture has no libc), VM_QEMU_SUITE
#                 (qemu-system-misc and its data from this Debian suite,
#                 unpacked into the cache, instead of the machine's qemu),
#                 VM_BIOS_PKG, VM_BIOS_SUITE, VM_BIOS (firmware: the file
#                 VM_BIOS of that package, unpacked, given as -bios),
#                 VM_SMP (CPUs, 2), VM_NODES (NUMA nodes, 1 or 2), VM_NODE1_MEM (MiB of
#                 the second node, 256; 0: CPUs only), VM_APPEND (more
#                 kernel arguments)
#   -q QEMU_ARG   one more qemu argument (repeat -q for each); they come
#                 after the description's, so -smp and -cpu given here win
#                 and a second -M adds machine properties, e.g. four CPUs:
#                 -q -smp -q 4; memory tagging on arm64 (its description
#                 has it): -q -M -q virt,mte=on.  qemu's -m changes only
#                 where the description has one NUMA node (two split the
#                 memory between them).
#   KERNEL_ARG    goes on the kernel command line: the kernel's own
#                 (transparent_hugepage=always; hugepages=16, a pool of
#                 explicit huge pages) and init's pal.overcommit=N and
#                 pal.thp=MODE (written to the sysctl and the sysfs file
#                 before the tests); one without a dot, of the form
#                 NAME=VALUE, becomes an environment variable of the tests
#                 (the kernel hands those to init)
#   --list        the machine names
# (-m and -q may also come after BUILD_DIR, as the CMake test "vm" of a
# build configured with -DPAL_TEST_VM=<arguments> passes them.)
#
# The kernel is downloaded as a Debian package of the machine's
# architecture by tools/fetch.sh (a private apt configuration under the
# cache directory: the machine's apt setup is not touched, nothing is
# installed), unpacked, and its image and config kept beside it:
# $PAL_VM_CACHE (default ~/.cache/libpal-vm).  The VM has
# 2 CPUs where the board allows, so the thread tests run on two, and
# $PAL_VM_TIMEOUT seconds (default 600) before it is stopped.
#
# This is how the suite runs on real kernels of every architecture Debian
# has one for (qemu-user passes the guest's calls to the host's kernel),
# on kernels older or newer than the host's, and under machine-wide sysctls
# (vm.overcommit_memory=2, THP modes) that cannot be changed on a shared
# host or inside a namespace.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
machine=amd64 extra=() build="" kargs=()
# options may also follow BUILD_DIR (the CMake test passes them there)
while [ $# -gt 0 ]; do
  case $1 in
    -m) machine=${2:?-m needs a machine name}; shift 2 ;;
    -q) extra+=("${2?-q needs an argument}"); shift 2 ;;
    --list) ls "$here/machines"; exit 0 ;;
    -*) echo "vm: unknown option $1" >&2; exit 2 ;;
    *) if [ -z "$build" ]; then build=$1; else kargs+=("$1"); fi; shift ;;
  esac
done
[ -n "$build" ] || { sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
[ -f "$here/machines/$machine" ] || { echo "vm: no machine '$machine' (see --list)" >&2; exit 2; }
build=$(cd "$build" && pwd)
VM_APPEND="" VM_SMP=2 VM_NODES=1 VM_NODE1_MEM=256
# shellcheck source=/dev/null
. "$here/machines/$machine"
cache=${PAL_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/libpal-vm}
vm=$build/vm
mkdir -p "$cache" "$vm"

# ---- the kernel: a package of another architecture, never installed ----

# Sets image to the kernel image.  tools/fetch.sh resolves the metapackage
# to the versioned package (linux-image-6.1.0-N-arm64) and downloads it
# (checked against the package lists, cached in $cache/debian); only its
# image and config are kept beside it, named by the package, so a .deb is
# unpacked once.  Both are unpacked into a directory of their own and
# renamed into place, the image last: an image in the cache has its
# config, and neither is ever half written.
fetch_kernel() {
  local pkg deb tmp ver part fetch=(env "PAL_CACHE=$cache/debian" "$here/../fetch.sh")
  pkg=$("${fetch[@]}" depends "$VM_KERNEL" "$VM_DEBARCH" "$VM_RELEASE" | grep -x -m 1 'linux-image-[0-9].*') || {
    echo "vm: no versioned kernel package for $VM_KERNEL ($VM_DEBARCH, $VM_RELEASE)" >&2
    return 1
  }
  image=$cache/$pkg.$VM_IMAGE
  [ -f "$image" ] && [ -f "$cache/$pkg.config" ] && return 0
  deb=$("${fetch[@]}" deb "$pkg" "$VM_DEBARCH" "$VM_RELEASE") || return 1
  # what a run stopped mid-unpack left (unpacking holds the lock)
  rm -rf "$cache"/.unpack.*
  tmp=$(mktemp -d "$cache/.unpack.XXXXXX")
  # only the image, and the config it was built with: the package's /boot
  # up to Debian 13; from Debian 14 (unstable) linux-image-V holds neither
  # and depends on linux-binary-V (the image) and linux-base-V (the
  # config), which keep them in /usr/lib/modules/V without the version
  if dpkg-deb -c "$deb" | grep ' \./boot/.' >/dev/null; then
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" ./boot
  else
    ver=${pkg#linux-image-}
    mkdir "$tmp/boot"
    for part in base binary; do
      deb=$("${fetch[@]}" deb "linux-$part-$ver" "$VM_DEBARCH" "$VM_RELEASE") || return 1
      dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" "./usr/lib/modules/$ver"
    done
    mv "$tmp/usr/lib/modules/$ver/config" "$tmp/boot/config-$ver" || true
    mv "$tmp/usr/lib/modules/$ver/$VM_IMAGE" "$tmp/boot/$VM_IMAGE-$ver" || true
  fi
  if ! { mv "$tmp"/boot/config-* "$cache/$pkg.config" && mv "$tmp"/boot/"$VM_IMAGE"-* "$image"; }; then
    echo "vm: no boot/config-* and boot/$VM_IMAGE-* in $deb" >&2
    return 1
  fi
  rm -rf "$tmp"
}

# Sets unpacked to a directory holding the packages named after the suite
# (of this machine's architecture or arch all), unpacked whole: a qemu
# newer than the machine's with its data files, or a firmware package.
# Named by the first package's file, so a new version is unpacked beside
# the old.  The libraries backports' qemu links are bookworm's, those its
# own qemu-system-misc already pulled in.
fetch_unpacked() {
  local suite=$1 deb debs=() tmp host fetch=(env "PAL_CACHE=$cache/debian" "$here/../fetch.sh")
  shift
  host=$(dpkg --print-architecture)
  for deb in "$@"; do
    deb=$("${fetch[@]}" deb "$deb" "$host" "$suite") || return 1
    debs+=("$deb")
  done
  unpacked=$cache/$(basename "${debs[0]}" .deb)
  [ -d "$unpacked" ] && return 0
  rm -rf "$cache"/.unpack.*
  tmp=$(mktemp -d "$cache/.unpack.XXXXXX")
  for deb in "${debs[@]}"; do dpkg-deb -x "$deb" "$tmp"; done
  mv "$tmp" "$unpacked"
}

# one unpack at a time per cache (test-all.sh may run several VMs)
exec 9>"$cache/.lock"
flock 9
fetch_kernel
if [ -n "${VM_QEMU_SUITE:-}" ]; then
  fetch_unpacked "$VM_QEMU_SUITE" qemu-system-misc qemu-system-data
  VM_QEMU=("$unpacked/usr/bin/${VM_QEMU[0]}" -L "$unpacked/usr/share/qemu" "${VM_QEMU[@]:1}")
fi
if [ -n "${VM_BIOS:-}" ]; then
  fetch_unpacked "$VM_BIOS_SUITE" "$VM_BIOS_PKG"
  VM_QEMU+=(-bios "$unpacked/$VM_BIOS")
fi
flock -u 9

# ---- the initramfs: /init and /tests/* ----

rm -rf "$vm/root" && mkdir -p "$vm/root"/{proc,sys,dev,tmp,tests}
"${VM_CC[@]}" -static -O2 -Wall -Wextra -Werror -o "$vm/root/init" "$here/${VM_INIT:-init.c}"
for t in "$build"/tests/test_*; do
  [ -x "$t" ] && [ -f "$t" ] && cp "$t" "$vm/root/tests/"
done
# what a test program reads or runs but init must not run itself (the
# benchmark runner's list and programs, tools/bench/benchrun.c)
if [ -d "$build/data" ]; then cp -a "$build/data" "$vm/root/data"; fi
(cd "$vm/root" && find . | cpio -o -H newc --quiet) >"$vm/initrd.cpio"

# Two NUMA nodes where the description asks (its kernel has NUMA): one
# CPU each, all the memory but VM_NODE1_MEM MiB (256) on the first; the
# second is small enough to fill in a test, and pseries takes nodes of
# 256 MiB blocks.  VM_NODE1_MEM=0: the second node has its CPU and no
# memory (a node the kernel lists as possible and online, but not in
# has_memory, where mbind refuses a preferred node).
mem=(-m "$VM_MEM")
if [ "$VM_NODES" -eq 2 ] && [ "$VM_NODE1_MEM" -gt 0 ]; then
  mem+=(-object "memory-backend-ram,id=m0,size=$((VM_MEM - VM_NODE1_MEM))M"
    -object "memory-backend-ram,id=m1,size=${VM_NODE1_MEM}M"
    -numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1,cpus=1,memdev=m1)
elif [ "$VM_NODES" -eq 2 ]; then
  mem+=(-object "memory-backend-ram,id=m0,size=${VM_MEM}M"
    -numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1,cpus=1)
fi

# init checks the page size is the one the description promises.  qemu's
# stdin is not the caller's: the guest needs no input, and a caller reading
# a list line by line would lose the rest of it to the serial port.
timeout "${PAL_VM_TIMEOUT:-600}" "${VM_QEMU[@]}" "${mem[@]}" -smp "$VM_SMP" -display none -monitor none \
  -serial stdio -no-reboot "${extra[@]}" \
  -kernel "$image" -initrd "$vm/initrd.cpio" \
  -append "console=$VM_CONSOLE panic=-1 quiet loglevel=1 $VM_APPEND pal.pagesize=$VM_PAGE_SIZE ${kargs[*]}" \
  </dev/null |
  tr -d '\r'
