#pragma once
// Internal to the transfer module: the engine that moves the bytes of a TransferPlan for one list
// of source fields and one list of target fields (the same fields for a halo exchange). Built once
// per field set (a MessageBackend's buffers or datatypes, persistent requests), then started and
// completed every step.
#include <memory>
#include <span>
#include <vector>

#include "message_backend.hpp"
#include "parlayer/domain/field.hpp"
#include "parallel/mpi_owners.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/transfer/backend.hpp"
#include "parlayer/transfer/plan.hpp"

namespace parlayer::transfer::detail {

/// Bytes of `cells` of a field of `field`'s element type.
std::int64_t region_bytes(const domain::FieldBase& field, const domain::IndexBox& cells);

class TransferEngine {
public:
  /// `from` holds the fields the plan's `send` regions and local copies read; `to` those its `recv`
  /// regions and local copies write. Either may be empty on a rank that only sends or only
  /// receives; where both are given they must have the same length and element types. `tag` tells
  /// apart the messages of engines that share `comm`. Local (creates persistent requests).
  TransferEngine(const TransferPlan& plan, std::span<const domain::FieldBase* const> from,
                 std::span<domain::FieldBase* const> to, parallel::Comm comm, int tag, Backend backend);
  TransferEngine(const TransferEngine&) = delete;
  TransferEngine& operator=(const TransferEngine&) = delete;

  /// Local copies, then packs and starts every message. Local.
  void start();
  /// True once every message of this rank has completed (nothing unpacked yet). Never blocks.
  bool test();
  /// Waits for every message and unpacks. Local (but completes only when the peers have started).
  void finish();
  /// Checked mode: fills every cell the messages will write with a poison value (signalling NaN,
  /// or the lowest integer). Call before start(). Local.
  void poison_receives();
  /// Waits up to `seconds` for the started messages; on time-out returns the ranks whose
  /// messages to or from this rank have not completed (empty: all done). Local.
  std::vector<int> wait_for(double seconds);
  bool in_flight() const noexcept { return m_requests.active(); }
  /// True if `from` and `to` are this engine's fields, at the storage it bound. Allocates nothing.
  bool matches(std::span<const domain::FieldBase* const> from, std::span<domain::FieldBase* const> to) const;
  /// The same, for a transfer whose sources are its targets (a halo exchange).
  bool matches(std::span<domain::FieldBase* const> fields) const;
  const std::vector<const domain::FieldBase*>& sources() const noexcept { return m_from; }
  const std::vector<domain::FieldBase*>& targets() const noexcept { return m_to; }

private:
  const TransferPlan* m_plan;
  std::vector<const domain::FieldBase*> m_from;
  std::vector<domain::FieldBase*> m_to;
  std::vector<const std::byte*> m_storage;  // first box of each field: a reallocated field rebinds
  std::unique_ptr<MessageBackend> m_backend;
  parallel::RequestSet m_requests;     // persistent: all receives first, then all sends
  std::vector<MPI_Request> m_handles;  // the same persistent requests (handles stay valid), for test()
  std::vector<int> m_handle_peers;     // the peer rank of each handle
  std::vector<int> m_done;             // per handle: completed since start() (test())
  std::vector<std::size_t> m_recv_peers;  // plan.peers indices this rank receives from
};

}  // namespace parlayer::transfer::detail
