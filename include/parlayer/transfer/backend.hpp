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

namespace parlayer::transfer {

enum class Backend {
  packed,     ///< copy regions into one contiguous buffer per peer, send bytes
  datatypes,  ///< MPI derived datatypes (subarrays combined in a struct) describe the regions in place
};

/// \brief "packed" or "datatypes".
const char* to_string(Backend backend) noexcept;
/// \brief Parses "packed" / "datatypes"; throws CollectiveError naming the choices otherwise.
Backend backend_from_string(std::string_view name);

}  // namespace parlayer::transfer
