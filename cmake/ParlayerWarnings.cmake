include_guard(GLOBAL)
# parlayer_set_warnings(<target>): the project's warning set; the build is kept warning-free.
function(parlayer_set_warnings target)
  # -ffp-contract=off: no fused multiply-add unless written, so results do not depend on how a
  # loop was compiled (vectorised or not, inlined or not): part of the bit-for-bit contract.
  target_compile_options(${target} PRIVATE -ffp-contract=off)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
  if(PARLAYER_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
endfunction()
