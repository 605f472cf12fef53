#include "redistribution_bench.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <utility>

#include "parlayer/parallel/mpi_check.hpp"
#include "stencils.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::bench {

using domain::Decomposition;
using domain::Field;
using domain::FieldBase;

namespace {


std::string grid_string(const domain::Index3& g, int dimensions) {
  return dimensions == 3 ? format("%dx%dx%d", g[0], g[1], g[2]) : format("%dx%d", g[0], g[1]);
}

// The bytes of one double field between each ordered pair of distinct ranks (source, target).
std::map<std::pair<int, int>, std::int64_t> pair_bytes(const Decomposition& from, const Decomposition& to) {
  std::map<std::pair<int, int>, std::int64_t> bytes;
  for (int t = 0; t < to.layout().size(); ++t) {
    const int target = to.ownership().owner(t);
    if (target == domain::no_owner) continue;
    for (const int s : from.layout().boxes_intersecting(to.layout().box(t))) {
      const int source = from.ownership().owner(s);
      if (source == domain::no_owner || source == target) continue;
      bytes[{source, target}] +=
          to.layout().box(t).intersection(from.layout().box(s)).cells() * static_cast<std::int64_t>(sizeof(double));
    }
  }
  return bytes;
}

}  // namespace

const char* to_string(Direction direction) { return direction == Direction::forward ? "forward" : "back"; }

std::vector<RedistributionTarget> redistribution_targets(const std::vector<int>& extent, int ranks, int boxes_per_rank) {
  const Decomposition blocks = block_decomposition(extent, ranks);
  const domain::Index3 g = blocks.process_grid();
  std::vector<RedistributionTarget> targets;
  if (extent.size() == 2 && g[0] != g[1]) {
    const domain::Decomposition transposed(domain::GridSpec{extent, {}, {g[1], g[0]}}, ranks);
    targets.push_back({"transposed", grid_string(transposed.process_grid(), 2) + " process grid (default " +
                                         grid_string(g, 2) + ")",
                       transposed});
  }
  const Decomposition sfc = many_box_decomposition(extent, ranks, boxes_per_rank);
  const std::string boxes = grid_string(sfc.layout().block_grid(), sfc.dimensions()) + " boxes";
  targets.push_back({format("sfc-%d", boxes_per_rank), boxes + ", Morton-curve owners", sfc});
  targets.push_back({format("round-robin-%d", boxes_per_rank), boxes + ", owners round robin",
                     Decomposition(sfc.layout(), domain::Ownership::round_robin(sfc.layout(), ranks))});
  if (ranks > 1) {
    std::vector<int> owners(static_cast<std::size_t>(blocks.layout().size()));
    for (std::size_t b = 0; b < owners.size(); ++b) owners[b] = ranks - 1 - blocks.ownership().owner(static_cast<int>(b));
    targets.push_back({"reversed", "the default blocks, owners in reverse rank order",
                       Decomposition(blocks.layout(), domain::Ownership(std::move(owners), ranks))});
  }
  targets.erase(std::remove_if(targets.begin(), targets.end(),
                               [&](const RedistributionTarget& t) { return t.decomposition == blocks; }),
                targets.end());
  return targets;
}

std::vector<std::int64_t> redistribution_message_sizes(const Decomposition& from, const Decomposition& to) {
  std::set<std::int64_t> sizes;
  for (const auto& [pair, bytes] : pair_bytes(from, to)) sizes.insert(bytes);
  return {sizes.begin(), sizes.end()};
}

// The four moves of one target: [backend][direction], built in place and never moved (each binds
// its fields on the first run).
struct RedistributionBench::Moves {
  std::unique_ptr<transfer::Redistribution> move[2][2];
};

RedistributionBench::RedistributionBench(MPI_Comm comm, const std::vector<int>& extent, int boxes_per_rank,
                                         int ghost_width)
    : m_comm(comm), m_default(block_decomposition(extent, comm_size(comm))) {
  const int rank = comm_rank(comm);
  m_targets = redistribution_targets(extent, m_default.rank_count(), boxes_per_rank);
  m_source = std::make_unique<Field<double>>("u", m_default, rank, ghost_width);
  fill_initial(*m_source);
  for (const RedistributionTarget& t : m_targets) {
    m_moved.push_back(std::make_unique<Field<double>>("u_" + t.name, t.decomposition, rank, ghost_width));
    auto moves = std::make_unique<Moves>();
    for (const transfer::Backend backend : {transfer::Backend::packed, transfer::Backend::datatypes}) {
      const int b = backend == transfer::Backend::packed ? 0 : 1;
      moves->move[b][0] = std::make_unique<transfer::Redistribution>(m_default, t.decomposition, comm, backend);
      moves->move[b][1] = std::make_unique<transfer::Redistribution>(t.decomposition, m_default, comm, backend);
    }
    const transfer::TransferPlan& plan = moves->move[0][0]->plan();
    std::int64_t largest = 0, local = 0;
    for (const transfer::PeerTransfer& peer : plan.peers) {
      std::int64_t cells = 0;
      for (const transfer::BoxRegion& r : peer.send) cells += r.cells.cells();
      largest = std::max(largest, cells);
    }
    for (const transfer::LocalCopy& copy : plan.local) local += copy.from.cells.cells();
    const auto bytes = [](std::int64_t cells) { return static_cast<double>(cells * std::int64_t{sizeof(double)}); };
    // Both directions move the same pieces, the other way round: one set of sizes describes both.
    m_message_bytes.push_back(static_cast<std::int64_t>(max_over(comm, bytes(largest))));
    m_sent_bytes.push_back(static_cast<std::int64_t>(max_over(comm, static_cast<double>(moves->move[0][0]->bytes_sent(8)))));
    m_local_bytes.push_back(static_cast<std::int64_t>(max_over(comm, bytes(local))));
    m_messages.push_back(static_cast<int>(max_over(comm, static_cast<double>(std::count_if(
        plan.peers.begin(), plan.peers.end(), [](const transfer::PeerTransfer& p) { return !p.send.empty(); })))));
    m_moves.push_back(std::move(moves));
  }
}

RedistributionBench::~RedistributionBench() = default;

double RedistributionBench::run(std::size_t target, transfer::Backend backend, Direction direction, int count) {
  transfer::Redistribution& move =
      *m_moves[target]->move[backend == transfer::Backend::packed ? 0 : 1][direction == Direction::forward ? 0 : 1];
  FieldBase* from = direction == Direction::forward ? static_cast<FieldBase*>(m_source.get()) : m_moved[target].get();
  FieldBase* to = direction == Direction::forward ? static_cast<FieldBase*>(m_moved[target].get()) : m_source.get();
  PARLAYER_MPI_CHECK(MPI_Barrier(m_comm));
  const double t0 = now();
  for (int n = 0; n < count; ++n) move.run(from, to);
  return max_over(m_comm, now() - t0) / count;
}

std::int64_t RedistributionBench::message_bytes(std::size_t target) const { return m_message_bytes.at(target); }
std::int64_t RedistributionBench::sent_bytes(std::size_t target) const { return m_sent_bytes.at(target); }
std::int64_t RedistributionBench::local_bytes(std::size_t target) const { return m_local_bytes.at(target); }
int RedistributionBench::messages(std::size_t target) const { return m_messages.at(target); }

bool RedistributionBench::check(std::size_t target, transfer::Backend backend) {
  const domain::IndexBox& global = m_default.global_box();
  fill_initial(*m_source);
  const std::uint64_t expected = fingerprint(m_comm, *m_source, global);
  m_moved[target]->fill(0.0);
  run(target, backend, Direction::forward, 1);
  const bool there = fingerprint(m_comm, *m_moved[target], global) == expected;
  m_source->fill(0.0);
  run(target, backend, Direction::back, 1);
  const bool back = fingerprint(m_comm, *m_source, global) == expected;
  fill_initial(*m_source);
  return there && back;
}

}  // namespace parlayer::bench
