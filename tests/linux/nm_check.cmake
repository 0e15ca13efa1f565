# nm_check.cmake - the Linux libpal.a must need nothing from outside: no libc,
# no compiler runtime (memset, __stack_chk_fail, __udivdi3, ...)
# (nm_undefined); and give nothing but pal_mem.h's functions, each with the
# build's prefix (nm_exports): a backend function or counter left global
# would bind two copies of libpal in one process to each other.
#
#   cmake -DNM=<nm> -DLIB=<libpal.a> [-DSANITIZE=<name>] [-DPREFIX=<prefix>]
#         -P nm_check.cmake
#
# Prints one line per check in the harness's format and the same summary
# line ("N passed, N failed, N skipped"), so the totals add up with the C
# tests.
# Allowed: the symbols the static linker itself defines in every executable
# as the base of the GOT or TOC, which position-independent code on some
# ABIs refers to by name.  They are no dependency:
#   _GLOBAL_OFFSET_TABLE_  32-bit PIC (i386, arm)
#   _gp_disp               mips o32 PIC (the $gp set-up in each function)
#   __gnu_local_gp         mips o32 non-PIC code in a -mno-shared build
#   .TOC.                  ppc64 ELFv2 (the TOC pointer set-up)
# Anything else (memset, __stack_chk_fail, __aeabi_uidiv, __udivdi3, ...)
# would have to come from libc or the compiler's runtime library.
# A sanitizer build (SANITIZE set) may also call the sanitizer's runtime,
# which its instrumentation needs (__tsan_*, __asan_*, __ubsan_*, and the
# runtimes' common __sanitizer_* entries): those and nothing else.

function(say text)
  execute_process(COMMAND ${CMAKE_COMMAND} -E echo "${text}")
endfunction()

if(NOT NM OR NOT LIB)
  say("skipped nm_undefined: no nm found for this toolchain")
  say("skipped nm_exports: no nm found for this toolchain")
  say("0 passed, 0 failed, 2 skipped")
  return()
endif()

execute_process(COMMAND ${NM} -u ${LIB}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  say("FAIL nm_undefined: ${NM} -u ${LIB} failed (${rc}): ${err}")
  say("0 passed, 1 failed, 1 skipped")
  message(FATAL_ERROR "nm failed")
endif()

# nm -u prints "member.o:" headers and lines "                 U symbol"
# (or "w symbol" for weak references); keep the symbols.
string(REPLACE "\n" ";" lines "${out}")
set(bad "")
foreach(line IN LISTS lines)
  if(line MATCHES "^[ \t]*[A-Za-z][ \t]+([^ \t]+)[ \t]*$")
    set(sym "${CMAKE_MATCH_1}")
    if(sym MATCHES "^(_GLOBAL_OFFSET_TABLE_|_gp_disp|__gnu_local_gp|\\.TOC\\.)$")
      continue()
    endif()
    if(SANITIZE AND sym MATCHES "^(__tsan_|__asan_|__ubsan_|__sanitizer_)")
      continue()
    endif()
    list(APPEND bad "${sym}")
  endif()
endforeach()

set(failed 0)
if(bad)
  list(LENGTH bad count)
  string(REPLACE ";" " " shown "${bad}")
  say("FAIL nm_undefined: ${count} undefined symbol(s) in ${LIB}: ${shown}")
  math(EXPR failed "${failed} + 1")
else()
  say("ok   nm_undefined")
endif()

# The global symbols the archive defines ("addr T symbol"): pal_strerror and
# pal_mem_*, each with the prefix; a lower-case letter is a local symbol.
# Allowed besides: the thunks 32-bit x86 PIC code loads its address with
# (__x86.get_pc_thunk.*, hidden, one copy kept per link), and in a
# sanitizer build what its instrumentation defines (__asan_*, __odr_asan*,
# ...).
execute_process(COMMAND ${NM} -g --defined-only ${LIB}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  say("FAIL nm_exports: ${NM} -g --defined-only ${LIB} failed (${rc}): ${err}")
  say("1 passed, 1 failed, 0 skipped")
  message(FATAL_ERROR "nm failed")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(bad "")
set(public 0)
foreach(line IN LISTS lines)
  if(line MATCHES "^[0-9a-fA-F]*[ \t]+[A-Z][ \t]+([^ \t]+)[ \t]*$")
    set(sym "${CMAKE_MATCH_1}")
    if(sym MATCHES "^${PREFIX}pal_(mem_[a-z0-9_]+|strerror)$")
      math(EXPR public "${public} + 1")
    elseif(sym MATCHES "^__x86\\.get_pc_thunk\\.")
    elseif(SANITIZE AND sym MATCHES "^_*(tsan|asan|ubsan|sanitizer|odr_asan)")
    else()
      list(APPEND bad "${sym}")
    endif()
  endif()
endforeach()
if(bad)
  list(LENGTH bad count)
  string(REPLACE ";" " " shown "${bad}")
  say("FAIL nm_exports: ${count} global symbol(s) in ${LIB} beyond pal_mem.h's ${PREFIX}pal_mem_* and ${PREFIX}pal_strerror: ${shown}")
  math(EXPR failed "${failed} + 1")
elseif(public EQUAL 0)
  say("FAIL nm_exports: no ${PREFIX}pal_mem_* function defined in ${LIB}")
  math(EXPR failed "${failed} + 1")
else()
  say("ok   nm_exports")
endif()

math(EXPR passed "2 - ${failed}")
say("${passed} passed, ${failed} failed, 0 skipped")
if(failed)
  message(FATAL_ERROR "libpal.a needs symbols from outside or gives more than pal_mem.h")
endif()
