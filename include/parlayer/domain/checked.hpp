#pragma once
/// \file
/// \brief Checked mode: misuse becomes an error, never a wrong answer (docs/mistakes.md).
///
/// A checked build (CMake option PARLAYER_CHECKED=ON, which defines PARLAYER_CHECKED=1 for the
/// library and every program built against it) checks every cell access of a FieldBox against its
/// allocated box. The run-time checks of the halo exchange (ghosts poisoned until they arrive,
/// writes to fields in flight, walls without a boundary condition, a finish() that waits too long)
/// are on in a checked build, and in any build when the environment sets PARLAYER_CHECK=1
/// (see transfer/checks.hpp).
namespace parlayer::domain {

#if defined(PARLAYER_CHECKED) && PARLAYER_CHECKED
inline constexpr bool checked_build = true;
#else
inline constexpr bool checked_build = false;
#endif

}  // namespace parlayer::domain
