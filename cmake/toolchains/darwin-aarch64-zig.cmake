# macOS arm64 (16 KiB pages), built and linked (not run) with zig 0.11: see
# ../zig-darwin.cmake.
set(PAL_DARWIN_ARCH arm64)
set(PAL_ZIG_TARGET aarch64-macos)
include(${CMAKE_CURRENT_LIST_DIR}/../zig-darwin.cmake)
