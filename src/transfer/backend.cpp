#include "parlayer/transfer/backend.hpp"

#include <stdexcept>
#include <string>

#include "message_backend.hpp"
#include "parlayer/error.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::transfer {

namespace detail {

std::unique_ptr<MessageBackend> make_packed_backend();
std::unique_ptr<MessageBackend> make_datatypes_backend();

std::unique_ptr<MessageBackend> make_message_backend(Backend backend) {
  switch (backend) {
    case Backend::packed: return make_packed_backend();
    case Backend::datatypes: return make_datatypes_backend();
  }
  throw std::logic_error("transfer: unknown backend");
}

MPI_Datatype mpi_type_of(domain::ElementType type) {
  switch (type) {
    case domain::ElementType::float32: return MPI_FLOAT;
    case domain::ElementType::float64: return MPI_DOUBLE;
    case domain::ElementType::int32: return MPI_INT32_T;
    case domain::ElementType::int64: return MPI_INT64_T;
    case domain::ElementType::uint8: return MPI_UINT8_T;
  }
  throw std::logic_error("transfer: unknown element type");
}

}  // namespace detail

const char* to_string(Backend backend) noexcept { return backend_choices.name(backend); }

}  // namespace parlayer::transfer
