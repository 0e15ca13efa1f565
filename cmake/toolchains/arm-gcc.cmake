# arm (arm-linux-gnueabihf) with gcc, tests under qemu-arm-static.  See linux-cross.cmake.
set(PAL_TRIPLE arm-linux-gnueabihf)
set(PAL_PROCESSOR armv7l)
set(PAL_QEMU arm)
set(PAL_CC gcc)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
