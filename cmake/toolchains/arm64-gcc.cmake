# arm64 (aarch64-linux-gnu) with gcc, tests under qemu-aarch64-static.  See linux-cross.cmake.
set(PAL_TRIPLE aarch64-linux-gnu)
set(PAL_PROCESSOR aarch64)
set(PAL_QEMU aarch64)
set(PAL_CC gcc)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
