include_guard(GLOBAL)
# parlayer_set_warnings(<target>): the project's warning set; the build is kept warning-free.
# (-ffp-contract=off is not here: it is a usage requirement of parlayer::core, src/CMakeLists.txt,
# so every target that links parlayer, inside this project or downstream, is compiled with it.)
function(parlayer_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
  if(PARLAYER_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
endfunction()
