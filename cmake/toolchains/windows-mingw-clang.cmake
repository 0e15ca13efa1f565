# Windows x86-64 with clang-19 and lld-19 over the MinGW-w64 headers and
# libraries (Debian: gcc-mingw-w64-x86-64 brings them); the tests run under
# wine as with windows-mingw.cmake.
include(${CMAKE_CURRENT_LIST_DIR}/windows-mingw.cmake)
set(CMAKE_C_COMPILER clang-19)
set(CMAKE_C_COMPILER_TARGET x86_64-w64-mingw32)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -fuse-ld=lld")
