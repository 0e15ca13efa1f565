# host_checks.cmake - checks of the Linux tables that run on the build
# machine, in the harness's output format (a line per check, then
# "N passed, N failed, N skipped"):
#
#   cmake -DCHECK=defs_check -DSOURCE_DIR=<repo> -DCLANG=clang-19 -P host_checks.cmake
#       tests/linux/defs_check.c compiled (-fsyntax-only) for every family
#       against that family's kernel headers: one line per LX_ value
#   cmake -DCHECK=gen_linux_defs -DSOURCE_DIR=<repo> -DPYTHON=python3 -P host_checks.cmake
#       the committed defs_<family>.h equal a fresh run of the generator
#   cmake -DCHECK=arm_modes -DSOURCE_DIR=<repo> -DCLANG=clang-19 -P host_checks.cmake
#       32-bit Arm: ARM and Thumb-2 compile, Thumb-1 and pre-ARMv6 are refused
cmake_minimum_required(VERSION 3.20)

set(passed 0)
set(failed 0)
set(skipped 0)
set(out "")

macro(report kind text)
  if(${kind} STREQUAL "ok")
    string(APPEND out "ok   ${text}\n")
    math(EXPR passed "${passed} + 1")
  elseif(${kind} STREQUAL "skip")
    string(APPEND out "skipped ${text}\n")
    math(EXPR skipped "${skipped} + 1")
  else()
    string(APPEND out "FAIL ${text}\n")
    math(EXPR failed "${failed} + 1")
  endif()
endmacro()

if(CHECK STREQUAL "gen_linux_defs")
  if(NOT PYTHON)
    report(skip "gen_linux_defs --check: no python3")
  else()
    execute_process(COMMAND ${PYTHON} ${SOURCE_DIR}/tools/gen_linux_defs.py --check
      RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
    if(rc EQUAL 0)
      report(ok "gen_linux_defs --check: the committed tables are the headers'")
    else()
      string(STRIP "${o}${e}" why)
      report(fail "gen_linux_defs --check: ${why}")
    endif()
  endif()

elseif(CHECK STREQUAL "defs_check")
  # family | clang target | header directories... (as tools/gen_linux_defs.py)
  set(families
    "amd64|x86_64-linux-gnu|/usr/include/x86_64-linux-gnu|/usr/include"
    "386|i686-linux-gnu|/usr/i686-linux-gnu/include"
    "arm|arm-linux-gnueabihf|/usr/arm-linux-gnueabihf/include"
    "arm64|aarch64-linux-gnu|/usr/aarch64-linux-gnu/include"
    "mips|mips-linux-gnu|/usr/mips-linux-gnu/include"
    "mips64|mips64-linux-gnuabi64|/usr/mips64-linux-gnuabi64/include"
    "ppc64|powerpc64-linux-gnu|/usr/powerpc64-linux-gnu/include"
    "riscv64|riscv64-linux-gnu|/usr/riscv64-linux-gnu/include"
    "s390x|s390x-linux-gnu|/usr/s390x-linux-gnu/include"
    "loong64|loongarch64-linux-gnu|ref:arm64")
  set(defs_dir ${SOURCE_DIR}/pal/linux)
  foreach(f ${families})
    string(REPLACE "|" ";" f "${f}")
    list(GET f 0 family)
    list(GET f 1 target)
    list(SUBLIST f 2 -1 incs)
    set(defs ${defs_dir}/defs_${family}.h)
    file(STRINGS ${defs} lx_lines REGEX "^#define LX_")
    list(LENGTH lx_lines lx_count)
    set(cmd ${CLANG} --target=${target} -fsyntax-only -std=c11 -nostdinc
      "-DPAL_DEFS=\"defs_${family}.h\"" -I${defs_dir})
    if(incs MATCHES "^ref:(.*)")
      list(APPEND cmd "-DPAL_DEFS_REF=\"defs_${CMAKE_MATCH_1}.h\"")
      set(against "defs_${CMAKE_MATCH_1}.h")
    else()
      list(GET incs 0 first)
      if(NOT EXISTS ${first}/asm/unistd.h)
        report(skip "defs_${family}: no kernel headers at ${first} (libc6-dev-*-cross)")
        continue()
      endif()
      foreach(i ${incs})
        list(APPEND cmd -isystem ${i})
      endforeach()
      set(against "the headers in ${first}")
    endif()
    if(NOT CLANG)
      report(skip "defs_${family}: no clang-19")
      continue()
    endif()
    execute_process(COMMAND ${cmd} ${CMAKE_CURRENT_LIST_DIR}/defs_check.c
      RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
    set(diag "${o}${e}")
    string(REGEX MATCHALL "pal-defs check LX_[A-Za-z0-9_]+" checks "${diag}")
    string(REGEX MATCHALL "pal-defs skip LX_[A-Za-z0-9_]+: [^\n[]*" skips "${diag}")
    string(REGEX MATCHALL "pal-defs FAIL LX_[A-Za-z0-9_]+ != [A-Za-z0-9_]+" fails "${diag}")
    list(REMOVE_DUPLICATES checks)
    list(REMOVE_DUPLICATES fails)
    foreach(c ${fails})
      string(REPLACE "pal-defs FAIL " "" c "${c}")
      report(fail "defs_${family} ${c} (against ${against})")
    endforeach()
    foreach(c ${checks})
      string(REPLACE "pal-defs check " "" name "${c}")
      if(NOT "${fails}" MATCHES "FAIL ${name} ")
        report(ok "defs_${family} ${name}")
      endif()
    endforeach()
    foreach(c ${skips})
      string(REPLACE "pal-defs skip " "" c "${c}")
      string(STRIP "${c}" c)
      report(skip "defs_${family} ${c}")
    endforeach()
    list(LENGTH checks nc)
    list(LENGTH skips ns)
    math(EXPR seen "${nc} + ${ns}")
    if(NOT rc EQUAL 0 AND fails STREQUAL "")
      report(fail "defs_${family}: does not compile:\n${diag}")
    elseif(NOT seen EQUAL lx_count)
      report(fail "defs_${family}: ${lx_count} values in the table, ${seen} checked: defs_check.c lacks some")
    endif()
  endforeach()

elseif(CHECK STREQUAL "arm_modes")
  # 32-bit Arm: the backend compiles as ARM code and as Thumb-2 (ARMv6T2 and
  # later: the matrix's arm-clang builds ARM, arm-gcc Thumb-2), and refuses
  # Thumb-1 and ARM before ARMv6 with its own #error, naming what it takes,
  # rather than failing in the assembler or calling libgcc for atomics.
  # mode | flags | what must happen (ok, or the text of the #error)
  set(modes
    "arm-v7|-marm -march=armv7-a|ok"
    "thumb2-v7|-mthumb -march=armv7-a|ok"
    "arm-v6|-marm -march=armv6|ok"
    "thumb2-v6t2|-mthumb -march=armv6t2|ok"
    "thumb1-v6|-mthumb -march=armv6|Thumb-1 is not supported"
    "thumb1-v5te|-mthumb -march=armv5te|Thumb-1 is not supported"
    "arm-v5te|-marm -march=armv5te|before ARMv6 is not supported")
  foreach(m ${modes})
    string(REPLACE "|" ";" m "${m}")
    list(GET m 0 name)
    list(GET m 1 flags)
    list(GET m 2 want)
    separate_arguments(flags)
    if(NOT CLANG)
      report(skip "arm_modes ${name}: no clang-19")
      continue()
    endif()
    execute_process(COMMAND ${CLANG} --target=arm-linux-gnueabi ${flags} -mfloat-abi=soft
      -c -o /dev/null -O2 -ffreestanding -fno-builtin -I${SOURCE_DIR}/pal
      ${SOURCE_DIR}/pal/linux/mem_linux.c
      RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
    if(want STREQUAL "ok" AND rc EQUAL 0)
      report(ok "arm_modes ${name}: compiles")
    elseif(NOT want STREQUAL "ok" AND NOT rc EQUAL 0 AND "${o}${e}" MATCHES "${want}")
      report(ok "arm_modes ${name}: refused: ${want}")
    else()
      string(STRIP "${o}${e}" why)
      string(SUBSTRING "${why}" 0 400 why)
      report(fail "arm_modes ${name}: want ${want}, got exit ${rc}: ${why}")
    endif()
  endforeach()

else()
  message(FATAL_ERROR "host_checks.cmake: unknown CHECK '${CHECK}'")
endif()

string(APPEND out "${passed} passed, ${failed} failed, ${skipped} skipped")
execute_process(COMMAND ${CMAKE_COMMAND} -E echo "${out}")
