# arm (arm-linux-gnueabihf) with clang, tests under qemu-arm-static.  See linux-cross.cmake.
set(PAL_TRIPLE arm-linux-gnueabihf)
set(PAL_PROCESSOR armv7l)
set(PAL_QEMU arm)
set(PAL_CC clang)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
