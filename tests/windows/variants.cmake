# Variants of the Windows backend, each run through the whole Windows suite
# (test_contract, test_bad_input, test_features, test_fuzz, tests/windows)
# under wine.  Included by tests/CMakeLists.txt.

# Placeholders (Windows 10 1803+), which wine 8 lacks: the memory calls of
# kernel32 go to placeholders/ph_emu.c, which keeps Windows' placeholder
# rules over wine's plain reservations, in the library and the tests alike
# (-include placeholders/ph_emu.h renames them).  White-box tests that
# compile the backend themselves are left out: they replace VirtualAlloc2.
set(pal_ph_dir ${CMAKE_CURRENT_SOURCE_DIR}/windows/placeholders)
add_library(pal_ph_emu STATIC ${pal_ph_dir}/ph_emu.c)
target_compile_options(pal_ph_emu PRIVATE -Wall -Wextra -Werror)
add_library(pal_ph STATIC ${PROJECT_SOURCE_DIR}/pal/pal_mem.c
  ${PROJECT_SOURCE_DIR}/pal/windows/mem_windows.c)
target_include_directories(pal_ph PUBLIC ${PROJECT_SOURCE_DIR}/pal)
set_target_properties(pal_ph PROPERTIES C_STANDARD 99 C_EXTENSIONS ON
  UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 0)
target_compile_options(pal_ph PRIVATE -Wall -Wextra -Werror -include ${pal_ph_dir}/ph_emu.h)

set(pal_test_library pal_ph pal_ph_emu)
foreach(src ${CMAKE_CURRENT_SOURCE_DIR}/test_contract.c
    ${CMAKE_CURRENT_SOURCE_DIR}/test_bad_input.c
    ${CMAKE_CURRENT_SOURCE_DIR}/test_features.c
    ${CMAKE_CURRENT_SOURCE_DIR}/test_acquire.c
    ${CMAKE_CURRENT_SOURCE_DIR}/test_fuzz.c
    ${CMAKE_CURRENT_SOURCE_DIR}/test_track.c
    ${CMAKE_CURRENT_SOURCE_DIR}/windows/test_windows.c)
  get_filename_component(name ${src} NAME_WE)
  pal_add_test(ph_${name} ${src})
  target_compile_options(ph_${name} PRIVATE -include ${pal_ph_dir}/ph_emu.h)
  target_compile_definitions(ph_${name} PRIVATE PAL_TEST_PLACEHOLDERS=1)
endforeach()
set(pal_test_library pal::pal)
