#!/usr/bin/env bash
# tools/vm/run.sh [-m MACHINE] [-q QEMU_ARG]... BUILD_DIR [KERNEL_ARG...]
#
# Boot Debian's own kernel for MACHINE (default amd64) in qemu-system under
# TCG, with an initramfs made of tools/vm/init.c as PID 1 and the statically
# linked test programs of BUILD_DIR/tests (a build for that architecture);
# print what they print.  init prints "vmtest <name> exit <code>" after each
# program and "vm: N tests failed out of M" at the end, then powers off.
#
#   -m MACHINE    a description in tools/vm/machines/ (amd64, arm64, ...),
#                 shell variables: VM_DEBARCH, VM_RELEASE and VM_KERNEL (the
#                 kernel's Debian architecture, release and package),
#                 VM_IMAGE (the image's name in its /boot: vmlinuz or
#                 vmlinux), VM_QEMU (qemu-system binary, board and CPU),
#                 VM_MEM (MiB), VM_CONSOLE, VM_PAGE_SIZE (checked by init),
#                 VM_CC (the gcc that builds init); optional: VM_SMP (CPUs,
#                 2), VM_NODES (NUMA nodes, 1 or 2), VM_APPEND (more kernel
#                 arguments)
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
# architecture through a private apt configuration (its own source list,
# package lists and cache under the cache directory: the machine's apt
# setup is not touched, nothing is installed), unpacked, and only its image
# and config kept: $PAL_VM_CACHE (default ~/.cache/libpal-vm).  The VM has
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
VM_APPEND="" VM_SMP=2 VM_NODES=1
# shellcheck source=/dev/null
. "$here/machines/$machine"
cache=${PAL_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/libpal-vm}
vm=$build/vm
mkdir -p "$cache" "$vm"

# ---- the kernel: a package of another architecture, never installed ----

apt_dir=$cache/apt/$VM_RELEASE-$VM_DEBARCH
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
  -o "APT::Architecture=$VM_DEBARCH" -o "APT::Architectures::=$VM_DEBARCH"
  -o Debug::NoLocking=1 -o APT::Sandbox::User=root -qq)

# The mirror sometimes fails one index mid-sync; apt keeps going without
# it, and the kernel may well be in the others: what counts is whether the
# lists then name it (fetch_kernel asks).
apt_update() {
  local keys=/usr/share/keyrings/debian-archive-keyring.gpg
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  {
    echo "deb [arch=$VM_DEBARCH signed-by=$keys] http://deb.debian.org/debian $VM_RELEASE main"
    echo "deb [arch=$VM_DEBARCH signed-by=$keys] http://deb.debian.org/debian-security $VM_RELEASE-security main"
  } >"$apt_dir/sources.list"
  apt-get "${apt_opts[@]}" update >"$apt_dir/update.log" 2>&1 || true
}

# The versioned package the metapackage depends on (linux-image-6.1.0-N-arm64).
kernel_pkg() {
  apt-cache "${apt_opts[@]}" depends "$VM_KERNEL" 2>/dev/null |
    awk '/Depends: linux-image-[0-9]/ {print $2; exit}'
}

# Sets image to the cached kernel image, downloading it if needed.  The
# package lists are kept: they are updated again only when they do not name
# the kernel, or name a package the mirror no longer has (three tries).
fetch_kernel() {
  local pkg try
  for try in 1 2 3; do
    pkg=$(kernel_pkg)
    if [ -n "$pkg" ]; then
      image=$cache/$pkg.$VM_IMAGE
      [ -f "$image" ] && [ -f "$cache/$pkg.config" ] && return 0
      rm -rf "$apt_dir/dl" && mkdir -p "$apt_dir/dl"
      if (cd "$apt_dir/dl" && apt-get "${apt_opts[@]}" download "$pkg" >"$apt_dir/download.log" 2>&1); then
        # only /boot: the image, and the config it was built with
        dpkg-deb --fsys-tarfile "$apt_dir"/dl/*.deb | tar -x -C "$apt_dir/dl" ./boot
        cp "$apt_dir"/dl/boot/config-* "$cache/$pkg.config"
        if ! cp "$apt_dir"/dl/boot/"$VM_IMAGE"-* "$image.tmp"; then
          echo "vm: no boot/$VM_IMAGE-* in $pkg" >&2
          return 1
        fi
        mv "$image.tmp" "$image"
        rm -rf "$apt_dir/dl"
        return 0
      fi
    fi
    [ "$try" -gt 1 ] && sleep 5
    apt_update
  done
  echo "vm: could not get $VM_KERNEL for $VM_DEBARCH from $VM_RELEASE" \
    "(see $apt_dir/update.log, $apt_dir/download.log)" >&2
  return 1
}

# one fetch at a time per cache (test-all.sh may run several VMs)
exec 9>"$cache/.lock"
flock 9
fetch_kernel
flock -u 9

# ---- the initramfs: /init and /tests/* ----

rm -rf "$vm/root" && mkdir -p "$vm/root"/{proc,sys,dev,tmp,tests}
"$VM_CC" -static -O2 -Wall -Wextra -Werror -o "$vm/root/init" "$here/init.c"
for t in "$build"/tests/test_*; do
  [ -x "$t" ] && [ -f "$t" ] && cp "$t" "$vm/root/tests/"
done
(cd "$vm/root" && find . | cpio -o -H newc --quiet) >"$vm/initrd.cpio"

# Two NUMA nodes where the description asks (its kernel has NUMA): one
# CPU each, all the memory but 256 MiB on the first; the second is small
# enough to fill in a test, and pseries takes nodes of 256 MiB blocks.
mem=(-m "$VM_MEM")
if [ "$VM_NODES" -eq 2 ]; then
  mem+=(-object "memory-backend-ram,id=m0,size=$((VM_MEM - 256))M"
    -object memory-backend-ram,id=m1,size=256M
    -numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1,cpus=1,memdev=m1)
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
