# mips64 (mips64-linux-gnuabi64) with gcc, tests under qemu-mips64-static.  See linux-cross.cmake.
set(PAL_TRIPLE mips64-linux-gnuabi64)
set(PAL_PROCESSOR mips64)
set(PAL_QEMU mips64)
set(PAL_CC gcc)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
