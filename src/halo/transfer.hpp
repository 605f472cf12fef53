#pragma once
// Internal to the halo module: the engine that moves the bytes of a TransferPlan for one list of
// source fields and one list of target fields (the same list for a halo exchange). Built once per
// field set (buffers or datatypes, persistent requests), then started and finished every step.
#include <mpi.h>

#include <span>
#include <vector>

#include "parlayer/domain/field.hpp"
#include "parlayer/halo/halo_exchange.hpp"
#include "parlayer/halo/transfer_plan.hpp"
#include "parlayer/parallel/handles.hpp"

namespace parlayer::halo::detail {

/// Bytes of `cells` of a field of `field`'s element type.
std::int64_t region_bytes(const domain::FieldBase& field, const IndexBox& cells);

class TransferEngine {
public:
  /// `from` holds the fields the plan's `send` regions and local copies read; `to` those its `recv`
  /// regions and local copies write. Either may be empty on a rank that only sends or only
  /// receives; where both are given they must have the same length and element types. `tag` tells
  /// apart the messages of engines that share `comm`. Local (creates persistent requests).
  TransferEngine(const TransferPlan& plan, std::span<domain::FieldBase* const> from,
                 std::span<domain::FieldBase* const> to, MPI_Comm comm, int tag, Backend backend);

  /// Local copies, then packs and starts every message. Local.
  void start();
  /// Waits for every message and unpacks. Local (but completes only when the peers have started).
  void finish();
  /// Checked mode: fills every cell the messages will write with a poison value (signalling NaN,
  /// or the lowest integer). Call before start(). Local.
  void poison_receives();
  /// Checked mode: waits up to `seconds` for the started messages; on time-out returns the ranks
  /// whose messages to or from this rank have not completed (empty: all done). Local.
  std::vector<int> wait_for(double seconds);
  bool in_flight() const noexcept { return m_requests.active(); }
  /// True if `from` and `to` are this engine's fields, at the storage it bound.
  bool matches(std::span<domain::FieldBase* const> from, std::span<domain::FieldBase* const> to) const;

private:
  const TransferPlan* m_plan;
  Backend m_backend;
  std::vector<domain::FieldBase*> m_from, m_to;
  std::vector<const std::byte*> m_storage;  // first box of each field: a reallocated field rebinds
  std::vector<std::vector<std::byte>> m_send_buffers, m_recv_buffers;  // packed: one per peer
  std::vector<parallel::Datatype> m_send_types, m_recv_types;          // datatypes: one per peer
  std::vector<std::size_t> m_send_peers, m_recv_peers;                 // peers with something to send / receive
  parallel::RequestSet m_requests;  // persistent: all receives first, then all sends
  std::vector<MPI_Request> m_handles;  // the same persistent requests (handles stay valid), for wait_for
  std::vector<int> m_handle_peers;     // the peer rank of each handle
};

}  // namespace parlayer::halo::detail
