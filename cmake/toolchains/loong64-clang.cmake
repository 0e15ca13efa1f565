# loong64 (loongarch64-linux-gnu) with clang, tests under qemu-loongarch64-static.  See linux-cross.cmake.
set(PAL_TRIPLE loongarch64-linux-gnu)
set(PAL_PROCESSOR loongarch64)
set(PAL_QEMU loongarch64)
set(PAL_CC clang)
# No libc for loongarch64 in Debian: freestanding tests only.
set(PAL_NO_LIBC ON)
# clang-19's default, la64v1.0, vectorises with LSX, which qemu before 8.1
# does not emulate (SIGILL): the base ISA.
set(PAL_CFLAGS -march=loongarch64)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
