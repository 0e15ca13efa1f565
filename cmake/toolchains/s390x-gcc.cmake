# s390x (s390x-linux-gnu) with gcc, tests under qemu-s390x-static.  See linux-cross.cmake.
set(PAL_TRIPLE s390x-linux-gnu)
set(PAL_PROCESSOR s390x)
set(PAL_QEMU s390x)
set(PAL_CC gcc)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
