# 386 (i686-linux-gnu) with gcc, tests under qemu-i386-static.  See linux-cross.cmake.
set(PAL_TRIPLE i686-linux-gnu)
set(PAL_PROCESSOR i686)
set(PAL_QEMU i386)
set(PAL_CC gcc)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
