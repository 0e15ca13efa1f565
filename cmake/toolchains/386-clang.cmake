# 386 (i686-linux-gnu) with clang, tests under qemu-i386-static.  See linux-cross.cmake.
set(PAL_TRIPLE i686-linux-gnu)
set(PAL_PROCESSOR i686)
set(PAL_QEMU i386)
set(PAL_CC clang)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
