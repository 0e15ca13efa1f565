# ppc64le (powerpc64le-linux-gnu) with clang, tests under qemu-ppc64le-static.  See linux-cross.cmake.
set(PAL_TRIPLE powerpc64le-linux-gnu)
set(PAL_PROCESSOR ppc64le)
set(PAL_QEMU ppc64le)
set(PAL_CC clang)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
