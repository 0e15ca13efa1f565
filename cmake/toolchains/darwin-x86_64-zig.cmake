# macOS x86-64, built and linked (not run) with zig 0.11: see ../zig-darwin.cmake.
set(PAL_DARWIN_ARCH x86_64)
set(PAL_ZIG_TARGET x86_64-macos)
include(${CMAKE_CURRENT_LIST_DIR}/../zig-darwin.cmake)
