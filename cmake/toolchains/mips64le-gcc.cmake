# mips64le (mips64el-linux-gnuabi64) with gcc, tests under qemu-mips64el-static.  See linux-cross.cmake.
set(PAL_TRIPLE mips64el-linux-gnuabi64)
set(PAL_PROCESSOR mips64el)
set(PAL_QEMU mips64el)
set(PAL_CC gcc)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
