#include "parlayer/transfer/redistribution.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>

#include "parlayer/error.hpp"
#include "parlayer/parallel/environment.hpp"
#include "transfer.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::transfer {

using domain::Decomposition;
using domain::FieldBase;

namespace {

void check_ranks(const char* which, const Decomposition& d, const std::vector<int>& ranks, int comm_size) {
  if (static_cast<int>(ranks.size()) != d.rank_count())
    throw CollectiveError(std::string("redistribution: the ") + which + " decomposition is for " +
                          std::to_string(d.rank_count()) + " ranks but " + std::to_string(ranks.size()) +
                          " ranks are given for it");
  std::set<int> seen;
  for (const int r : ranks) {
    if (r < 0 || r >= comm_size)
      throw CollectiveError(std::string("redistribution: the ") + which + " group names rank " + std::to_string(r) +
                            ", but the communicator has ranks 0.." + std::to_string(comm_size - 1));
    if (!seen.insert(r).second)
      throw CollectiveError(std::string("redistribution: the ") + which + " group names rank " + std::to_string(r) +
                            " twice");
  }
}

int index_in(const std::vector<int>& ranks, int rank) {
  const auto it = std::find(ranks.begin(), ranks.end(), rank);
  return it == ranks.end() ? -1 : static_cast<int>(it - ranks.begin());
}

int local_index(const std::vector<int>& boxes, int b) {
  return static_cast<int>(std::lower_bound(boxes.begin(), boxes.end(), b) - boxes.begin());
}

// A field must hold exactly this rank's boxes of its decomposition.
void check_field(const std::string& name, const FieldBase& f, const Decomposition& d, int rank, const char* which) {
  const std::string problem = domain::boxes_mismatch(f, d, rank);
  if (!problem.empty())
    throw std::invalid_argument(name + ": " + which + " field '" + f.name() + "' does not hold this rank's boxes of the " +
                                which + " decomposition: it has " + problem);
}

std::vector<int> all_ranks(int n) {
  std::vector<int> r(static_cast<std::size_t>(n));
  std::iota(r.begin(), r.end(), 0);
  return r;
}

}  // namespace

// ---- Redistribution ----

Redistribution::Redistribution(const Decomposition& from, const Decomposition& to, parallel::Comm comm, Backend backend)
    : Redistribution(from, all_ranks(from.rank_count()), to, all_ranks(to.rank_count()), comm, backend) {}

Redistribution::Redistribution(const Decomposition& from, std::vector<int> from_ranks, const Decomposition& to,
                               std::vector<int> to_ranks, parallel::Comm comm, Backend backend, std::string name)
    : m_name(std::move(name)), m_from(from), m_to(to), m_plan(std::make_unique<TransferPlan>()), m_backend(backend),
      m_comm(comm), m_transfers(std::make_unique<detail::TransferCache>()) {
  if (from.global_box() != to.global_box())
    throw CollectiveError(m_name + ": the grids differ: " + from.global_box().to_string() + " and " +
                          to.global_box().to_string());
  check_ranks("source", from, from_ranks, m_comm.size());
  check_ranks("target", to, to_ranks, m_comm.size());
  const int me = m_comm.rank();
  m_from_rank = index_in(from_ranks, me);
  m_to_rank = index_in(to_ranks, me);
  const std::vector<int> no_boxes;
  const std::vector<int>& my_sources = m_from_rank >= 0 ? from.boxes_of(m_from_rank) : no_boxes;
  const std::vector<int>& my_targets = m_to_rank >= 0 ? to.boxes_of(m_to_rank) : no_boxes;
  std::map<int, PeerTransfer> peers;
  auto peer = [&](int r) -> PeerTransfer& {
    PeerTransfer& p = peers[r];
    p.rank = r;
    return p;
  };
  // Received (and copied locally): each target box, its source boxes ascending.
  for (std::size_t l = 0; l < my_targets.size(); ++l) {
    const domain::IndexBox& target = to.layout().box(my_targets[l]);
    for (const int s : from.layout().boxes_intersecting(target)) {
      const int owner = from.ownership().owner(s);
      if (owner == domain::no_owner) continue;
      const domain::IndexBox cells = target.intersection(from.layout().box(s));
      const int source = from_ranks[static_cast<std::size_t>(owner)];
      if (source == me)
        m_plan->local.push_back({{local_index(my_sources, s), cells}, {static_cast<int>(l), cells}});
      else
        peer(source).recv.push_back({static_cast<int>(l), cells});
    }
  }
  // Sent: the same pieces as their receivers list them, in (target box, source box) order.
  std::map<int, std::vector<std::tuple<int, int, BoxRegion>>> sends;
  for (std::size_t l = 0; l < my_sources.size(); ++l) {
    const domain::IndexBox& source = from.layout().box(my_sources[l]);
    for (const int t : to.layout().boxes_intersecting(source)) {
      const int owner = to.ownership().owner(t);
      if (owner == domain::no_owner) continue;
      const int target = to_ranks[static_cast<std::size_t>(owner)];
      if (target == me) continue;  // a local copy, listed above
      sends[target].emplace_back(t, my_sources[l],
                                 BoxRegion{static_cast<int>(l), source.intersection(to.layout().box(t))});
    }
  }
  for (auto& [r, pieces] : sends) {
    std::sort(pieces.begin(), pieces.end(),
              [](const auto& a, const auto& b) { return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b)); });
    for (const auto& piece : pieces) peer(r).send.push_back(std::get<2>(piece));
  }
  for (auto& [r, p] : peers) m_plan->peers.push_back(std::move(p));
}

Redistribution::~Redistribution() = default;
Redistribution::Redistribution(Redistribution&&) noexcept = default;
Redistribution& Redistribution::operator=(Redistribution&&) noexcept = default;

Pending Redistribution::start(std::span<const FieldBase* const> from, std::span<FieldBase* const> to,
                              std::function<void()> then) {
  detail::check_not_moved_from(m_plan.get(), "redistribution", "Redistribution::start");
  if (m_from_rank < 0 && !from.empty())
    throw std::invalid_argument(m_name + ": this rank is not in the source group but was given source fields");
  if (m_to_rank < 0 && !to.empty())
    throw std::invalid_argument(m_name + ": this rank is not in the target group but was given target fields");
  for (const FieldBase* f : from) check_field(m_name, *f, m_from, m_from_rank, "source");
  for (const FieldBase* f : to) check_field(m_name, *f, m_to, m_to_rank, "target");
  detail::check_startable(m_name, to);
  detail::Transfer& transfer = m_transfers->bind(m_name, *m_plan, from, to, m_comm.get(), m_backend);
  Pending pending = transfer.start();
  if (then) transfer.then(std::move(then));
  return pending;
}

void Redistribution::run(const FieldBase* from, FieldBase* to) {
  const FieldBase* const source[] = {from};
  FieldBase* const target[] = {to};
  run(std::span<const FieldBase* const>(source, from ? 1 : 0), std::span<FieldBase* const>(target, to ? 1 : 0));
}

std::int64_t Redistribution::bytes_sent(std::int64_t bytes_per_cell) const {
  detail::check_not_moved_from(m_plan.get(), "redistribution", "Redistribution::bytes_sent");
  std::int64_t cells = 0;
  for (const PeerTransfer& p : m_plan->peers)
    for (const BoxRegion& r : p.send) cells += r.cells.cells();
  return cells * bytes_per_cell;
}

}  // namespace parlayer::transfer
