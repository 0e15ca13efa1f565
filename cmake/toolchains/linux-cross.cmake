# linux-cross.cmake - what every Linux target toolchain file shares.  A
# target file sets these, then includes this file:
#
#   PAL_TRIPLE     Debian's GNU triple (gcc-<triple>, /usr/<triple>)
#   PAL_PROCESSOR  CMAKE_SYSTEM_PROCESSOR (uname -m)
#   PAL_QEMU       qemu-<PAL_QEMU>-static runs the tests
#   PAL_CC         gcc or clang
#   PAL_LINKER     clang only: lld (default) or bfd
#   PAL_NO_LIBC    ON where there is no libc: freestanding tests only
#   PAL_CFLAGS     extra compiler flags
#
# Test executables are linked statically.  Under qemu-i386 a dynamic i386
# binary finds the host's /lib32 libc through the host's ld.so cache and
# every fork() child hangs; static binaries have no loader to be misled,
# and need no -L for their libraries either.
#
# clang-19 --target=<triple> finds Debian's cross layout by itself
# (headers and libc in /usr/<triple>, crt*.o and libgcc in
# /usr/lib/gcc-cross/<triple>/<version>): --sysroot=/usr/<triple> would hide
# the latter, as it is not a sysroot.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${PAL_PROCESSOR})

if(PAL_CC STREQUAL "gcc")
  set(CMAKE_C_COMPILER ${PAL_TRIPLE}-gcc)
  set(pal_link "-static")
else()
  set(CMAKE_C_COMPILER clang-19)
  set(CMAKE_C_COMPILER_TARGET ${PAL_TRIPLE})
  # the host's GNU ar cannot index foreign objects
  set(CMAKE_AR llvm-ar-19)
  set(CMAKE_RANLIB llvm-ranlib-19)
  if(NOT PAL_LINKER)
    set(PAL_LINKER lld)
  endif()
  set(pal_link "-static -fuse-ld=${PAL_LINKER}")
endif()

set(CMAKE_C_FLAGS_INIT "${PAL_CFLAGS}")
if(PAL_NO_LIBC)
  # nothing to link a hosted program against: check the compiler with a
  # library, build only what needs no libc
  set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
  string(APPEND CMAKE_C_FLAGS_INIT " -ffreestanding")
  set(pal_link "${pal_link} -nostdlib")
  set(PAL_TEST_FREESTANDING ON CACHE BOOL "no libc for ${PAL_TRIPLE}")
else()
  set(CMAKE_FIND_ROOT_PATH /usr/${PAL_TRIPLE})
endif()
set(CMAKE_EXE_LINKER_FLAGS_INIT "${pal_link}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)

# No emulator where the build machine is the target, unless a page size is
# asked for: PAL_QEMU_PAGE_SIZE (e.g. -DPAL_QEMU_PAGE_SIZE=65536) runs the
# guest with that page size, as arm64 kernels with 16 or 64 KiB pages and
# ppc64 ones with 64 KiB do.  qemu-user 9.0 dropped -p for any size but the
# host's, so there the target cannot run as asked: say so rather than test
# with the wrong page size.
#
# PAL_RUN_ON_HOST=ON runs the tests without qemu where the host's kernel
# runs the target's binaries itself: i686 on an x86_64 kernel, through its
# 32-bit compat layer.  qemu-user translates every call into a 64-bit one
# and keeps a 4 GiB guest space of its own, so the top of a real 32-bit
# address space, and the kernel's 32-bit limits (an iovec longer than
# SSIZE_MAX), show only there.
set(pal_host_runs OFF)
if(PAL_RUN_ON_HOST AND PAL_PROCESSOR STREQUAL "i686" AND CMAKE_HOST_SYSTEM_PROCESSOR STREQUAL "x86_64")
  set(pal_host_runs ON)
elseif(PAL_RUN_ON_HOST)
  message(FATAL_ERROR "PAL_RUN_ON_HOST: a ${CMAKE_HOST_SYSTEM_PROCESSOR} host does not run ${PAL_PROCESSOR} binaries")
endif()
if(NOT pal_host_runs AND (PAL_QEMU_PAGE_SIZE OR NOT CMAKE_HOST_SYSTEM_PROCESSOR STREQUAL PAL_PROCESSOR))
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-${PAL_QEMU}-static -L /usr/${PAL_TRIPLE})
  if(PAL_QEMU_PAGE_SIZE)
    execute_process(COMMAND qemu-${PAL_QEMU}-static --version
                    OUTPUT_VARIABLE pal_qemu_version ERROR_QUIET)
    if(pal_qemu_version MATCHES "version ([0-9]+)\\." AND CMAKE_MATCH_1 GREATER_EQUAL 9)
      message(FATAL_ERROR "qemu-${PAL_QEMU}-static ${CMAKE_MATCH_1}.x has no -p: "
                          "it cannot run the guest with ${PAL_QEMU_PAGE_SIZE}-byte pages")
    endif()
    list(APPEND CMAKE_CROSSCOMPILING_EMULATOR -p ${PAL_QEMU_PAGE_SIZE})
  endif()
endif()
