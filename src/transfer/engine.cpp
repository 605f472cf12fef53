#include "engine.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::transfer::detail {

using domain::FieldBase;
using domain::FieldBoxBase;
using domain::IndexBox;

namespace {

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

const std::byte* first_box_storage(const FieldBase* f) { return f->box_count() > 0 ? f->box(0).bytes() : nullptr; }

}  // namespace

std::int64_t region_bytes(const FieldBase& field, const IndexBox& cells) {
  return cells.cells() * static_cast<std::int64_t>(domain::size_of(field.element_type()));
}

TransferEngine::TransferEngine(const TransferPlan& plan, std::span<const FieldBase* const> from,
                               std::span<FieldBase* const> to, parallel::Comm comm, int tag, Backend backend)
    : m_plan(&plan), m_from(from.begin(), from.end()), m_to(to.begin(), to.end()),
      m_backend(make_message_backend(backend)) {
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
  for (const FieldBase* f : m_from) m_storage.push_back(first_box_storage(f));
  for (const FieldBase* f : m_to) m_storage.push_back(first_box_storage(f));
  if (!plan.local.empty() && (m_from.empty() || m_to.empty()))
    throw std::invalid_argument("transfer: this rank has local copies to make but no source or no target fields");

  // One persistent request per peer and direction, all receives first.
  std::vector<MPI_Request> sends;
  std::vector<int> send_peers;
  for (std::size_t p = 0; p < plan.peers.size(); ++p) {
    const PeerTransfer& peer = plan.peers[p];
    if (!peer.recv.empty()) {
      if (m_to.empty()) throw std::invalid_argument("transfer: this rank receives but was given no target fields");
      m_handles.push_back(m_backend->receive_request(m_to, peer.recv, peer.rank, tag, comm));
      m_handle_peers.push_back(peer.rank);
      m_recv_peers.push_back(p);
    }
    if (!peer.send.empty()) {
      if (m_from.empty()) throw std::invalid_argument("transfer: this rank sends but was given no source fields");
      sends.push_back(m_backend->send_request(m_from, peer.send, peer.rank, tag, comm));
      send_peers.push_back(peer.rank);
    }
  }
  m_handles.insert(m_handles.end(), sends.begin(), sends.end());
  m_handle_peers.insert(m_handle_peers.end(), send_peers.begin(), send_peers.end());
  for (MPI_Request r : m_handles) m_requests.add(r);
  m_done.assign(m_handles.size(), 0);
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

bool TransferEngine::test() {
  bool all = true;
  for (std::size_t h = 0; h < m_handles.size(); ++h) {
    if (m_done[h]) continue;
    // MPI_Test on a copy of a persistent request: it completes the operation and leaves the
    // request inactive (the handle stays valid), so RequestSet::wait_all returns at once later.
    MPI_Request copy = m_handles[h];
    PARLAYER_MPI_CHECK(MPI_Test(&copy, &m_done[h], MPI_STATUS_IGNORE));
    all = all && m_done[h];
  }
  return all;
}

std::vector<int> TransferEngine::wait_for(double seconds) {
  const double start = MPI_Wtime();
  while (!test()) {
    const double waited = MPI_Wtime() - start;
    if (waited > seconds) {
      std::vector<int> missing;
      for (std::size_t h = 0; h < m_handles.size(); ++h)
        if (!m_done[h] && std::find(missing.begin(), missing.end(), m_handle_peers[h]) == missing.end())
          missing.push_back(m_handle_peers[h]);
      return missing;
    }
    // Messages usually arrive within microseconds: poll freely at first, then sleep between polls
    // so a rank that waits long (a peer that never comes) does not burn its core.
    if (waited < 0.05)
      sched_yield();
    else
      usleep(1000);
  }
  return {};
}

bool TransferEngine::matches(std::span<const FieldBase* const> from, std::span<FieldBase* const> to) const {
  if (from.size() != m_from.size() || to.size() != m_to.size()) return false;
  for (std::size_t n = 0; n < from.size(); ++n)
    if (from[n] != m_from[n] || first_box_storage(from[n]) != m_storage[n]) return false;
  for (std::size_t n = 0; n < to.size(); ++n)
    if (to[n] != m_to[n] || first_box_storage(to[n]) != m_storage[m_from.size() + n]) return false;
  return true;
}

bool TransferEngine::matches(std::span<FieldBase* const> fields) const {
  if (fields.size() != m_from.size() || fields.size() != m_to.size()) return false;
  for (std::size_t n = 0; n < fields.size(); ++n)
    if (fields[n] != m_to[n] || m_from[n] != m_to[n] || first_box_storage(fields[n]) != m_storage[n]) return false;
  return true;
}

void TransferEngine::start() {
  for (const LocalCopy& copy : m_plan->local)
    for (std::size_t f = 0; f < m_from.size(); ++f)
      copy_between(m_from[f]->box(copy.from.box), copy.from.cells, m_to[f]->box(copy.to.box), copy.to.cells);
  m_backend->before_start();
  std::fill(m_done.begin(), m_done.end(), 0);
  m_requests.start_all();
}

void TransferEngine::finish() {
  m_requests.wait_all();
  m_backend->after_completion();
}

}  // namespace parlayer::transfer::detail
