#pragma once
/// \file
/// \brief Backend: how the bytes of a transfer travel. Chosen at run time, by name; every backend
///        gives identical bytes.
///
/// Each backend is one class behind one interface (src/transfer/message_backend.hpp): it describes
/// the regions of one peer's message and moves them between the fields and MPI. A new way of
/// sending (neighbourhood collectives, a simulated network) is one more class and one more name
/// here.
#include <string>
#include <string_view>

#include "parlayer/named_choice.hpp"

namespace parlayer::transfer {

enum class Backend {
  packed,     ///< copy regions into one contiguous buffer per peer, send bytes
  datatypes,  ///< MPI derived datatypes (subarrays combined in a struct) describe the regions in place
};

/// \brief The backends by name (parallel.halo_backend; a new backend adds its name here).
inline constexpr auto backend_choices =
    named_choices<Backend>({{Backend::packed, "packed"}, {Backend::datatypes, "datatypes"}});

/// \brief "packed" or "datatypes". (Parse a name with backend_choices.parse(name, what), or
///        runtime::Config::choice.)
const char* to_string(Backend backend) noexcept;

}  // namespace parlayer::transfer
