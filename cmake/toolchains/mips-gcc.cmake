# mips (mips-linux-gnu) with gcc, tests under qemu-mips-static.  See linux-cross.cmake.
set(PAL_TRIPLE mips-linux-gnu)
set(PAL_PROCESSOR mips)
set(PAL_QEMU mips)
set(PAL_CC gcc)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
