#pragma once
// Internal to the transfer module: what a Backend does. One class per Backend value; the engine
// asks it for one persistent request per peer and direction and calls it around the messages.
#include <memory>
#include <vector>

#include "parlayer/domain/field.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/transfer/backend.hpp"
#include "parlayer/transfer/plan.hpp"

namespace parlayer::transfer::detail {

class MessageBackend {
public:
  virtual ~MessageBackend() = default;
  /// A persistent receive of `regions` of `fields` (field by field, region by region) from `peer`.
  /// The vectors outlive the backend (the engine owns the fields' list, the plan its regions).
  virtual MPI_Request receive_request(const std::vector<domain::FieldBase*>& fields,
                                      const std::vector<BoxRegion>& regions, int peer, int tag, parallel::Comm comm) = 0;
  /// A persistent send of `regions` of `fields` to `peer`, in the same order.
  virtual MPI_Request send_request(const std::vector<const domain::FieldBase*>& fields,
                                   const std::vector<BoxRegion>& regions, int peer, int tag, parallel::Comm comm) = 0;
  /// Before the requests start (the packed backend copies the send regions into its buffers).
  virtual void before_start() = 0;
  /// After every request has completed (the packed backend copies its buffers into the fields).
  virtual void after_completion() = 0;
};

/// The implementation of `backend`.
std::unique_ptr<MessageBackend> make_message_backend(Backend backend);

/// The MPI type of one element of `type`.
MPI_Datatype mpi_type_of(domain::ElementType type);

}  // namespace parlayer::transfer::detail
