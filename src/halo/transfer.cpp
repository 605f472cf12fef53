#include "transfer.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <limits>
#include <type_traits>
#include <cstring>
#include <stdexcept>
#include <string>

#include "parlayer/parallel/mpi_check.hpp"

namespace parlayer::halo::detail {

using domain::FieldBase;
using domain::FieldBoxBase;

namespace {

MPI_Datatype mpi_type_of(domain::ElementType type) {
  switch (type) {
    case domain::ElementType::float32: return MPI_FLOAT;
    case domain::ElementType::float64: return MPI_DOUBLE;
    case domain::ElementType::int32: return MPI_INT32_T;
    case domain::ElementType::int64: return MPI_INT64_T;
    case domain::ElementType::uint8: return MPI_UINT8_T;
  }
  throw std::logic_error("halo: unknown element type");
}

// Copies `cells` of a box to/from a contiguous buffer, one memcpy per row.
enum class Direction { pack, unpack };
std::byte* copy_region(FieldBoxBase& box, const IndexBox& cells, std::byte* buffer, Direction dir) {
  const std::int64_t elem = static_cast<std::int64_t>(domain::size_of(box.element_type()));
  const std::size_t row_bytes = static_cast<std::size_t>(cells.extent(0) * elem);
  std::byte* base = box.bytes();
  for (int k = cells.lo[2]; k < cells.hi[2]; ++k)
    for (int j = cells.lo[1]; j < cells.hi[1]; ++j) {
      std::byte* row = base + box.offset(cells.lo[0], j, k) * elem;
      if (dir == Direction::pack)
        std::memcpy(buffer, row, row_bytes);
      else
        std::memcpy(row, buffer, row_bytes);
      buffer += row_bytes;
    }
  return buffer;
}

// Copies cells `from` of one box to cells `to` (same extents) of another (or the same, disjoint),
// one memcpy per row, without a buffer in between.
void copy_between(const FieldBoxBase& source, const IndexBox& from, FieldBoxBase& target, const IndexBox& to) {
  const std::int64_t elem = static_cast<std::int64_t>(domain::size_of(source.element_type()));
  const std::size_t row_bytes = static_cast<std::size_t>(from.extent(0) * elem);
  const std::byte* src = source.bytes();
  std::byte* dst = target.bytes();
  for (int dk = 0; dk < from.extent(2); ++dk)
    for (int dj = 0; dj < from.extent(1); ++dj)
      std::memcpy(dst + target.offset(to.lo[0], to.lo[1] + dj, to.lo[2] + dk) * elem,
                  src + source.offset(from.lo[0], from.lo[1] + dj, from.lo[2] + dk) * elem, row_bytes);
}

// One region of a box's storage as an uncommitted MPI datatype.
MPI_Datatype subarray_type(const FieldBoxBase& box, const IndexBox& cells) {
  const IndexBox& all = box.allocated();
  // MPI_ORDER_C: the last dimension varies fastest, so list z, y, x.
  int sizes[3] = {all.extent(2), all.extent(1), all.extent(0)};
  int subsizes[3] = {cells.extent(2), cells.extent(1), cells.extent(0)};
  int starts[3] = {cells.lo[2] - all.lo[2], cells.lo[1] - all.lo[1], cells.lo[0] - all.lo[0]};
  MPI_Datatype t = MPI_DATATYPE_NULL;
  PARLAYER_MPI_CHECK(MPI_Type_create_subarray(3, sizes, subsizes, starts, MPI_ORDER_C,
                                              mpi_type_of(box.element_type()), &t));
  return t;
}

// Every field's regions of one message as one committed datatype with absolute addresses (use
// MPI_BOTTOM), in packing order: field by field, region by region.
parallel::Datatype message_type(const std::vector<FieldBase*>& fields, const std::vector<BoxRegion>& regions) {
  std::vector<MPI_Datatype> parts;
  std::vector<MPI_Aint> displacements;
  for (FieldBase* f : fields)
    for (const BoxRegion& r : regions) {
      FieldBoxBase& box = f->box(r.box);
      parts.push_back(subarray_type(box, r.cells));
      MPI_Aint address = 0;
      PARLAYER_MPI_CHECK(MPI_Get_address(box.bytes(), &address));
      displacements.push_back(address);
    }
  std::vector<int> lengths(parts.size(), 1);
  MPI_Datatype combined = MPI_DATATYPE_NULL;
  const int rc = MPI_Type_create_struct(static_cast<int>(parts.size()), lengths.data(), displacements.data(),
                                        parts.data(), &combined);
  for (MPI_Datatype& t : parts) MPI_Type_free(&t);  // the struct keeps what it needs
  PARLAYER_MPI_CHECK(rc);
  return parallel::Datatype(combined);
}

std::int64_t message_bytes(const std::vector<FieldBase*>& fields, const std::vector<BoxRegion>& regions) {
  std::int64_t bytes = 0;
  for (FieldBase* f : fields)
    for (const BoxRegion& r : regions) bytes += region_bytes(*f, r.cells);
  if (bytes > INT_MAX)
    throw std::length_error("halo: one message would hold " + std::to_string(bytes) +
                            " bytes, more than MPI's int count allows; exchange fewer fields at once");
  return bytes;
}

}  // namespace

std::int64_t region_bytes(const FieldBase& field, const IndexBox& cells) {
  return cells.cells() * static_cast<std::int64_t>(domain::size_of(field.element_type()));
}

TransferEngine::TransferEngine(const TransferPlan& plan, std::span<FieldBase* const> from,
                               std::span<FieldBase* const> to, MPI_Comm comm, int tag, Backend backend)
    : m_plan(&plan), m_backend(backend), m_from(from.begin(), from.end()), m_to(to.begin(), to.end()) {
  if (!m_from.empty() && !m_to.empty()) {
    if (m_from.size() != m_to.size())
      throw std::invalid_argument("transfer: " + std::to_string(m_from.size()) + " source fields but " +
                                  std::to_string(m_to.size()) + " target fields");
    for (std::size_t f = 0; f < m_from.size(); ++f)
      if (m_from[f]->element_type() != m_to[f]->element_type())
        throw std::invalid_argument("transfer: field '" + m_from[f]->name() + "' holds " +
                                    domain::to_string(m_from[f]->element_type()) + " but its target '" +
                                    m_to[f]->name() + "' holds " + domain::to_string(m_to[f]->element_type()));
  }
  for (const auto* list : {&m_from, &m_to})
    for (FieldBase* f : *list) m_storage.push_back(f->box_count() > 0 ? f->box(0).bytes() : nullptr);
  if (!plan.local.empty() && (m_from.empty() || m_to.empty()))
    throw std::invalid_argument("transfer: this rank has local copies to make but no source or no target fields");

  // One persistent request per peer and direction: over a packed buffer, or over a datatype that
  // describes the regions in place. `init` is MPI_Recv_init or MPI_Send_init (same signature but
  // for the buffer's constness, hence the cast in the send call).
  using Init = int (*)(void*, int, MPI_Datatype, int, int, MPI_Comm, MPI_Request*);
  auto make_request = [&](Init init, const std::vector<FieldBase*>& fields, const std::vector<BoxRegion>& regions,
                          std::vector<std::vector<std::byte>>& buffers, std::vector<parallel::Datatype>& types,
                          int peer) {
    MPI_Request r = MPI_REQUEST_NULL;
    if (backend == Backend::packed) {
      auto& buffer = buffers.emplace_back(static_cast<std::size_t>(message_bytes(fields, regions)));
      PARLAYER_MPI_CHECK(init(buffer.data(), static_cast<int>(buffer.size()), MPI_BYTE, peer, tag, comm, &r));
    } else {
      const auto& type = types.emplace_back(message_type(fields, regions));
      PARLAYER_MPI_CHECK(init(MPI_BOTTOM, 1, type.get(), peer, tag, comm, &r));
    }
    return r;
  };
  const Init send_init = [](void* buf, int n, MPI_Datatype t, int peer, int tg, MPI_Comm c, MPI_Request* r) {
    return MPI_Send_init(buf, n, t, peer, tg, c, r);
  };
  std::vector<MPI_Request> recvs, sends;
  for (std::size_t p = 0; p < plan.peers.size(); ++p) {
    const PeerTransfer& peer = plan.peers[p];
    if (!peer.recv.empty()) {
      if (m_to.empty()) throw std::invalid_argument("transfer: this rank receives but was given no target fields");
      recvs.push_back(make_request(MPI_Recv_init, m_to, peer.recv, m_recv_buffers, m_recv_types, peer.rank));
      m_recv_peers.push_back(p);
      m_handle_peers.push_back(peer.rank);
    }
    if (!peer.send.empty()) {
      if (m_from.empty()) throw std::invalid_argument("transfer: this rank sends but was given no source fields");
      sends.push_back(make_request(send_init, m_from, peer.send, m_send_buffers, m_send_types, peer.rank));
      m_send_peers.push_back(p);
    }
  }
  for (std::size_t s = 0; s < sends.size(); ++s) m_handle_peers.push_back(plan.peers[m_send_peers[s]].rank);
  for (MPI_Request r : recvs) m_requests.add(r), m_handles.push_back(r);
  for (MPI_Request s : sends) m_requests.add(s), m_handles.push_back(s);
}

void TransferEngine::poison_receives() {
  for (const std::size_t p : m_recv_peers)
    for (FieldBase* f : m_to)
      domain::visit_field(*f, [&](auto& field) {
        using T = typename std::remove_reference_t<decltype(field)>::value_type;
        T poison;
        if constexpr (std::numeric_limits<T>::has_signaling_NaN)
          poison = std::numeric_limits<T>::signaling_NaN();
        else
          poison = std::numeric_limits<T>::lowest();
        for (const BoxRegion& r : m_plan->peers[p].recv) field[r.box].fill(poison, r.cells);
      });
}

std::vector<int> TransferEngine::wait_for(double seconds) {
  const double start = MPI_Wtime();
  std::vector<int> done(m_handles.size(), 0);
  for (;;) {
    bool all = true;
    for (std::size_t h = 0; h < m_handles.size(); ++h) {
      if (done[h]) continue;
      // MPI_Test on a copy of a persistent request: it completes the operation and leaves the
      // request inactive (the handle stays valid), so RequestSet::wait_all returns at once later.
      MPI_Request copy = m_handles[h];
      PARLAYER_MPI_CHECK(MPI_Test(&copy, &done[h], MPI_STATUS_IGNORE));
      all = all && done[h];
    }
    if (all) return {};
    const double waited = MPI_Wtime() - start;
    if (waited > seconds) break;
    // Messages usually arrive within microseconds: poll freely at first, then sleep between polls
    // so a rank that waits long (a peer that never comes) does not burn its core.
    if (waited < 0.05)
      sched_yield();
    else
      usleep(1000);
  }
  std::vector<int> missing;
  for (std::size_t h = 0; h < m_handles.size(); ++h)
    if (!done[h] && std::find(missing.begin(), missing.end(), m_handle_peers[h]) == missing.end())
      missing.push_back(m_handle_peers[h]);
  return missing;
}

bool TransferEngine::matches(std::span<FieldBase* const> from, std::span<FieldBase* const> to) const {
  // Called on every start(): compares in place, allocates nothing.
  if (from.size() != m_from.size() || to.size() != m_to.size()) return false;
  auto storage = [](const FieldBase* f) { return f->box_count() > 0 ? f->box(0).bytes() : nullptr; };
  for (std::size_t n = 0; n < from.size(); ++n)
    if (from[n] != m_from[n] || storage(from[n]) != m_storage[n]) return false;
  for (std::size_t n = 0; n < to.size(); ++n)
    if (to[n] != m_to[n] || storage(to[n]) != m_storage[m_from.size() + n]) return false;
  return true;
}

void TransferEngine::start() {
  for (const LocalCopy& copy : m_plan->local)
    for (std::size_t f = 0; f < m_from.size(); ++f)
      copy_between(m_from[f]->box(copy.from.box), copy.from.cells, m_to[f]->box(copy.to.box), copy.to.cells);
  if (m_backend == Backend::packed)
    for (std::size_t s = 0; s < m_send_peers.size(); ++s) {
      std::byte* p = m_send_buffers[s].data();
      for (FieldBase* f : m_from)
        for (const BoxRegion& r : m_plan->peers[m_send_peers[s]].send)
          p = copy_region(f->box(r.box), r.cells, p, Direction::pack);
    }
  m_requests.start_all();
}

void TransferEngine::finish() {
  m_requests.wait_all();
  if (m_backend == Backend::packed)
    for (std::size_t r = 0; r < m_recv_peers.size(); ++r) {
      std::byte* p = m_recv_buffers[r].data();
      for (FieldBase* f : m_to)
        for (const BoxRegion& region : m_plan->peers[m_recv_peers[r]].recv)
          p = copy_region(f->box(region.box), region.cells, p, Direction::unpack);
    }
}

}  // namespace parlayer::halo::detail
