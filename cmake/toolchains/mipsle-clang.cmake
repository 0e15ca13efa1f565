# mipsle (mipsel-linux-gnu) with clang, tests under qemu-mipsel-static.  See linux-cross.cmake.
set(PAL_TRIPLE mipsel-linux-gnu)
set(PAL_PROCESSOR mipsel)
set(PAL_QEMU mipsel)
set(PAL_CC clang)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
