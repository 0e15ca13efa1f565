# Variants of the bsd backend, each built from the same sources and run
# through the whole bsd suite (test_contract, test_bad_input,
# test_features, test_maps, tests/bsd) on this Linux host.  Included by
# tests/CMakeLists.txt.

# NetBSD's PaX MPROTECT (on by default there): PROT_MPROTECT from a
# stand-in header, and mmap/munmap/mprotect emulating what PaX refuses
# (pax/pax_mprotect.c).  Only where the hosted harness is: the emulation
# takes libc's place.
if(NOT PAL_TEST_FREESTANDING AND CMAKE_SYSTEM_NAME STREQUAL "Linux")
  add_library(pal_pax STATIC ${PROJECT_SOURCE_DIR}/pal/pal_mem.c
    ${PROJECT_SOURCE_DIR}/pal/bsd/mem_bsd.c)
  target_include_directories(pal_pax PUBLIC ${PROJECT_SOURCE_DIR}/pal)
  set_target_properties(pal_pax PROPERTIES C_STANDARD 99 C_EXTENSIONS ON
    UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 0)
  target_compile_options(pal_pax PRIVATE -Wall -Wextra -Werror
    -include ${CMAKE_CURRENT_SOURCE_DIR}/bsd/pax/pax_standin.h)

  set(pal_test_library pal_pax ${CMAKE_DL_LIBS})
  set(pal_test_sources ${CMAKE_CURRENT_SOURCE_DIR}/bsd/pax/pax_mprotect.c)
  pal_add_test(pax_test_contract test_contract.c)
  pal_add_test(pax_test_bad_input test_bad_input.c)
  pal_add_test(pax_test_features test_features.c)
  pal_add_test(pax_test_maps test_maps.c)
  foreach(src ${pal_backend_tests} ${CMAKE_CURRENT_SOURCE_DIR}/bsd/pax/test_pax.c)
    get_filename_component(name ${src} NAME_WE)
    pal_add_test(pax_${name} ${src})
    target_include_directories(pax_${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/bsd/pax)
  endforeach()
  set(pal_test_library pal::pal)
  set(pal_test_sources "")
endif()

# The branches of each BSD that Linux cannot take, compiled (not run: the
# flags mean other things to Linux) against stand-in declarations with the
# BSDs' own values (standin/<os>.h): FreeBSD's MAP_GUARD, MAP_EXCL,
# MAP_ALIGNED, largepage shm and vm.ndomains; NetBSD's MAP_TRYFIXED,
# MAP_ALIGNED and PROT_MPROTECT; OpenBSD's __MAP_NOREPLACE and mimmutable.
# A backend that no longer compiles there fails the build.
foreach(os freebsd netbsd openbsd)
  add_library(pal_standin_${os} OBJECT ${PROJECT_SOURCE_DIR}/pal/pal_mem.c
    ${PROJECT_SOURCE_DIR}/pal/bsd/mem_bsd.c)
  target_include_directories(pal_standin_${os} PRIVATE ${PROJECT_SOURCE_DIR}/pal
    ${CMAKE_CURRENT_SOURCE_DIR}/bsd/standin)
  set_target_properties(pal_standin_${os} PROPERTIES C_STANDARD 99 C_EXTENSIONS ON
    UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 0)
  target_compile_options(pal_standin_${os} PRIVATE -Wall -Wextra -Werror
    -include ${CMAKE_CURRENT_SOURCE_DIR}/bsd/standin/${os}.h)
endforeach()
