#!/usr/bin/env bash
# tools/demo.sh - build libpal for this machine and run the probe: what the
# library sees here, then one region walked through every state.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
need=()
for tool in cmake:cmake ninja:ninja-build cc:gcc; do
  command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: ${need[*]} (sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
cmake -S "$root" -B "$root/build-demo" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPAL_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build-demo" --target palprobe >/dev/null
exec "$root/build-demo/tools/palprobe"
