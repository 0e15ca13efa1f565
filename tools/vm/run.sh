#!/usr/bin/env bash
# tools/vm/run.sh BUILD_DIR [KERNEL_ARGS...] - boot Debian's own amd64
# kernel (the one linux-image-amd64 names, 6.1 on Debian 12) in
# qemu-system-x86_64, KVM where /dev/kvm is usable, with an initramfs made
# of tools/vm/init.c as PID 1 and the statically linked test programs of
# BUILD_DIR/tests; print what they print.  KERNEL_ARGS go on the kernel
# command line, e.g. pal.overcommit=2 pal.thp=madvise.
#
# This is how the suite runs on a kernel other than the host's, and under
# sysctls (vm.overcommit_memory=2) that are machine-wide and so cannot be
# changed on a shared host or inside a namespace.
set -eu
build=$(cd "$1" && pwd); shift
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${PAL_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/libpal-vm}
vm=$build/vm
mkdir -p "$cache" "$vm"

# The kernel: downloaded as a package, unpacked, never installed.
kernel_pkg() {
  apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'
}
pkg=$(kernel_pkg)
if [ -z "$pkg" ] && [ "$(id -u)" -eq 0 ]; then
  apt-get update -qq >/dev/null 2>&1 && pkg=$(kernel_pkg)
fi
[ -n "$pkg" ] || { echo "vm: no linux-image-amd64 in the package lists (apt-get update?)" >&2; exit 1; }
if [ ! -f "$cache/$pkg.vmlinuz" ]; then
  (cd "$cache" && rm -f ./*.deb && apt-get download "$pkg" >/dev/null)
  rm -rf "$cache/unpack" && dpkg-deb -x "$cache/${pkg}"_*.deb "$cache/unpack"
  cp "$cache"/unpack/boot/vmlinuz-* "$cache/$pkg.vmlinuz"
  rm -rf "$cache/unpack" "$cache"/*.deb
fi

# The initramfs: /init and /tests/*.
rm -rf "$vm/root" && mkdir -p "$vm/root"/{proc,sys,dev,tmp,tests}
${CC:-gcc} -static -O2 -Wall -Wextra -Werror -o "$vm/root/init" "$root/tools/vm/init.c"
for t in "$build"/tests/test_*; do
  [ -x "$t" ] && [ -f "$t" ] && cp "$t" "$vm/root/tests/"
done
(cd "$vm/root" && find . | cpio -o -H newc --quiet) > "$vm/initrd.cpio"

# Emulated (TCG), not KVM: on these hosts (themselves virtual machines) a
# nested KVM guest stalls in early boot, and TCG boots in a few seconds.
timeout 900 qemu-system-x86_64 -accel tcg -cpu max -m 2048 -smp 2 -display none \
  -monitor none -serial stdio -no-reboot \
  -kernel "$cache/$pkg.vmlinuz" -initrd "$vm/initrd.cpio" \
  -append "console=ttyS0 panic=-1 quiet loglevel=1 $*" | tr -d '\r'
