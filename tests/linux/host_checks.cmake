# host_checks.cmake - checks of the Linux tables that run on the build
# machine, in the harness's output format (a line per check, then
# "N passed, N failed, N skipped"):
#
#   cmake -DCHECK=defs_check -DSOURCE_DIR=<repo> -DCLANG=clang-19 [-DLINUX_LIBC_DEV=<.deb>] -P host_checks.cmake
#       tests/linux/defs_check.c compiled (-fsyntax-only) for every family
#       against that family's own kernel headers (Debian unstable's, and
#       Debian 12's where installed): one line per LX_ value
#   cmake -DCHECK=gen_linux_defs -DSOURCE_DIR=<repo> -DPYTHON=python3 [-DLINUX_LIBC_DEV=<.deb>] -P host_checks.cmake
#       the committed defs_<family>.h equal a fresh run of the generator
#       (these two download Debian unstable's headers: tools/check_generated.sh
#       runs them, with the headers unpacked in the working directory)
#   cmake -DCHECK=arm_modes -DSOURCE_DIR=<repo> -DCLANG=clang-19 -P host_checks.cmake
#       32-bit Arm: ARM and Thumb-2 compile, Thumb-1 and pre-ARMv6 are refused
#       (a ctest test of every native build)
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
    set(deb_arg "")
    if(LINUX_LIBC_DEV)
      set(deb_arg --deb ${LINUX_LIBC_DEV})
    endif()
    execute_process(COMMAND ${PYTHON} ${SOURCE_DIR}/tools/gen_linux_defs.py --check ${deb_arg}
      RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
    if(rc EQUAL 0)
      report(ok "gen_linux_defs --check: the committed tables are the headers'")
    else()
      string(STRIP "${o}${e}" why)
      report(fail "gen_linux_defs --check: ${why}")
    endif()
  endif()

elseif(CHECK STREQUAL "defs_check")
  # Two header sets: Debian unstable's linux-libc-dev (one Architecture: all
  # package with every architecture's asm headers, new enough for every
  # value; fetched by tools/fetch.sh, or LINUX_LIBC_DEV=<the .deb>), and
  # Debian 12's as installed (libc6-dev-*-cross, the host's linux-libc-dev),
  # where it is.  Each family is compiled against its own asm directory
  # only: this list is written here, not taken from the generator, so that
  # a generator that borrows one architecture's headers for another is
  # caught.
  # family | clang target | asm directory in unstable's /usr/include |
  #   Debian 12's header directories (none: not in Debian 12)
  set(families
    "amd64|x86_64-linux-gnu|x86_64-linux-gnu|/usr/include/x86_64-linux-gnu|/usr/include"
    "386|i686-linux-gnu|i386-linux-gnu|/usr/i686-linux-gnu/include"
    "arm|arm-linux-gnueabihf|arm-linux-gnueabihf|/usr/arm-linux-gnueabihf/include"
    "arm64|aarch64-linux-gnu|aarch64-linux-gnu|/usr/aarch64-linux-gnu/include"
    "loong64|loongarch64-linux-gnu|loongarch64-linux-gnu|none"
    "mips|mips-linux-gnu|mips-linux-gnu|/usr/mips-linux-gnu/include"
    "mips64|mips64-linux-gnuabi64|mips64-linux-gnuabi64|/usr/mips64-linux-gnuabi64/include"
    "ppc64|powerpc64-linux-gnu|powerpc64-linux-gnu|/usr/powerpc64-linux-gnu/include"
    "riscv64|riscv64-linux-gnu|riscv64-linux-gnu|/usr/riscv64-linux-gnu/include"
    "s390x|s390x-linux-gnu|s390x-linux-gnu|/usr/s390x-linux-gnu/include")
  set(defs_dir ${SOURCE_DIR}/pal/linux)

  # unstable's headers, unpacked afresh under the working directory
  set(unstable "")
  set(deb "${LINUX_LIBC_DEV}")
  if(NOT deb)
    execute_process(COMMAND ${SOURCE_DIR}/tools/fetch.sh deb linux-libc-dev amd64 sid
      RESULT_VARIABLE rc OUTPUT_VARIABLE deb ERROR_VARIABLE e OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT rc EQUAL 0)
      string(STRIP "${e}" e)
      report(fail "defs_check: cannot fetch Debian unstable's linux-libc-dev (exit ${rc}): ${e}")
      set(deb "")
    endif()
  endif()
  if(deb)
    set(root ${CMAKE_CURRENT_BINARY_DIR}/defs_check_headers)
    file(REMOVE_RECURSE ${root})
    execute_process(COMMAND dpkg-deb -f ${deb} Architecture
      OUTPUT_VARIABLE arch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_VARIABLE e)
    if(NOT arch STREQUAL "all")
      report(fail "defs_check: ${deb}: Architecture '${arch}', not all: not every architecture's headers ${e}")
    else()
      execute_process(COMMAND dpkg-deb -x ${deb} ${root} RESULT_VARIABLE rc ERROR_VARIABLE e)
      if(rc EQUAL 0)
        set(unstable ${root}/usr/include)
      else()
        report(fail "defs_check: cannot unpack ${deb}: ${e}")
      endif()
    endif()
  endif()

  foreach(f ${families})
    string(REPLACE "|" ";" f "${f}")
    list(GET f 0 family)
    list(GET f 1 target)
    list(GET f 2 multiarch)
    list(SUBLIST f 3 -1 old_incs)
    set(defs ${defs_dir}/defs_${family}.h)
    file(STRINGS ${defs} lx_lines REGEX "^#define LX_")
    set(names "")
    foreach(l ${lx_lines})
      string(REGEX REPLACE "^#define (LX_[A-Za-z0-9_]+).*" "\\1" n "${l}")
      list(APPEND names ${n})
    endforeach()
    if(NOT CLANG)
      report(fail "defs_${family}: no clang-19 to compile the check with")
      continue()
    endif()

    # each header set: its name, then its include directories
    set(sets "")
    if(unstable)
      list(APPEND sets "Debian unstable|${unstable}/${multiarch}|${unstable}")
    endif()
    list(GET old_incs 0 first)
    if(EXISTS ${first}/asm/unistd.h)
      string(REPLACE ";" "|" o "${old_incs}")
      list(APPEND sets "Debian 12|${o}")
    endif()

    # per name: the sets that checked it
    foreach(n ${names})
      set(by_${n} "")
      set(failed_${n} "")
    endforeach()
    foreach(set ${sets})
      string(REPLACE "|" ";" set "${set}")
      list(GET set 0 set_name)
      list(SUBLIST set 1 -1 incs)
      set(cmd ${CLANG} --target=${target} -fsyntax-only -std=c11 -nostdinc
        "-DPAL_DEFS=\"defs_${family}.h\"" -I${defs_dir})
      foreach(i ${incs})
        list(APPEND cmd -isystem ${i})
      endforeach()
      execute_process(COMMAND ${cmd} ${CMAKE_CURRENT_LIST_DIR}/defs_check.c
        RESULT_VARIABLE rc OUTPUT_VARIABLE o ERROR_VARIABLE e)
      set(diag "${o}${e}")
      string(REGEX MATCHALL "pal-defs check LX_[A-Za-z0-9_]+" checks "${diag}")
      string(REGEX MATCHALL "pal-defs FAIL LX_[A-Za-z0-9_]+ != [A-Za-z0-9_]+" fails "${diag}")
      list(REMOVE_DUPLICATES fails)
      foreach(c ${fails})
        string(REPLACE "pal-defs FAIL " "" c "${c}")
        string(REGEX REPLACE " .*" "" n "${c}")
        set(failed_${n} 1)
        report(fail "defs_${family} ${c} (${set_name}'s headers: ${incs})")
      endforeach()
      if(NOT rc EQUAL 0 AND fails STREQUAL "")
        # the errors alone: every check's report is a warning with notes
        string(REGEX MATCH "[^\n]*error:[^\n]*" err "${diag}")
        report(fail "defs_${family}: does not compile against ${set_name}'s headers: ${err}")
      endif()
      foreach(c ${checks})
        string(REPLACE "pal-defs check " "" n "${c}")
        if(NOT "${fails}" MATCHES "FAIL ${n} ")
          list(APPEND by_${n} "${set_name}")
          list(REMOVE_DUPLICATES by_${n})
        endif()
      endforeach()
    endforeach()

    # every value of the table held against at least one header set
    foreach(n ${names})
      if(failed_${n})
        # reported above, with the header set that disagrees
      elseif(by_${n} STREQUAL "")
        report(fail "defs_${family} ${n}: checked against no header set")
      else()
        string(REPLACE ";" ", " by "${by_${n}}")
        report(ok "defs_${family} ${n} (${by})")
      endif()
    endforeach()
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
