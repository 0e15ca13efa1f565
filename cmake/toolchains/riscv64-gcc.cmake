# riscv64 (riscv64-linux-gnu) with gcc, tests under qemu-riscv64-static.  See linux-cross.cmake.
set(PAL_TRIPLE riscv64-linux-gnu)
set(PAL_PROCESSOR riscv64)
set(PAL_QEMU riscv64)
set(PAL_CC gcc)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
