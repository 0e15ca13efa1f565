# amd64 (x86_64-linux-gnu) with clang, tests native on x86-64 (else qemu-x86_64-static).  See linux-cross.cmake.
set(PAL_TRIPLE x86_64-linux-gnu)
set(PAL_PROCESSOR x86_64)
set(PAL_QEMU x86_64)
set(PAL_CC clang)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
