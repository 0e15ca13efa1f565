# ppc64 (powerpc64-linux-gnu) with gcc, tests under qemu-ppc64-static.  See linux-cross.cmake.
set(PAL_TRIPLE powerpc64-linux-gnu)
set(PAL_PROCESSOR ppc64)
set(PAL_QEMU ppc64)
set(PAL_CC gcc)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
