#include "parlayer/domain/ownership.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>

#include "parlayer/error.hpp"

namespace parlayer::domain {

namespace {

void check_rank_count(int rank_count) {
  if (rank_count < 1) throw CollectiveError("ownership: rank count must be >= 1, got " + std::to_string(rank_count));
}

// The weight of each box: `weights` checked, or the box's cells when empty.
std::vector<double> weights_of(const Layout& layout, std::span<const double> weights) {
  std::vector<double> w;
  if (weights.empty()) {
    for (const IndexBox& b : layout.boxes()) w.push_back(static_cast<double>(b.cells()));
    return w;
  }
  if (static_cast<int>(weights.size()) != layout.size())
    throw CollectiveError("ownership: " + std::to_string(weights.size()) + " weights for " +
                          std::to_string(layout.size()) + " boxes");
  for (std::size_t b = 0; b < weights.size(); ++b)
    if (!(weights[b] >= 0.0) || !std::isfinite(weights[b]))
      throw CollectiveError("ownership: the weight of box " + std::to_string(b) + " is " + std::to_string(weights[b]) +
                            "; weights must be finite and >= 0");
  return {weights.begin(), weights.end()};
}

// Interleaves the bits of three 21-bit coordinates: the box's position along a Morton curve.
std::uint64_t morton(const Index3& c) {
  auto spread = [](std::uint64_t v) {
    v &= 0x1fffff;
    v = (v | v << 32) & 0x1f00000000ffffULL;
    v = (v | v << 16) & 0x1f0000ff0000ffULL;
    v = (v | v << 8) & 0x100f00f00f00f00fULL;
    v = (v | v << 4) & 0x10c30c30c30c30c3ULL;
    v = (v | v << 2) & 0x1249249249249249ULL;
    return v;
  };
  return spread(static_cast<std::uint64_t>(c[0])) | spread(static_cast<std::uint64_t>(c[1])) << 1 |
         spread(static_cast<std::uint64_t>(c[2])) << 2;
}

}  // namespace

Ownership::Ownership(std::vector<int> owners, int rank_count) : m_rank_count(rank_count), m_owners(std::move(owners)) {
  check_rank_count(rank_count);
  m_boxes_of.assign(static_cast<std::size_t>(rank_count), {});
  for (std::size_t b = 0; b < m_owners.size(); ++b) {
    const int r = m_owners[b];
    if (r == no_owner) continue;
    if (r < 0 || r >= rank_count)
      throw CollectiveError("ownership: box " + std::to_string(b) + " is given to rank " + std::to_string(r) +
                            ", but the job has ranks 0.." + std::to_string(rank_count - 1));
    m_boxes_of[static_cast<std::size_t>(r)].push_back(static_cast<int>(b));
  }
}

const char* to_string(OwnershipStrategy strategy) noexcept { return ownership_strategy_choices.name(strategy); }

Ownership Ownership::of(OwnershipStrategy strategy, const Layout& layout, int rank_count,
                        std::span<const double> weights) {
  switch (strategy) {
    case OwnershipStrategy::cartesian: return cartesian(layout, rank_count);
    case OwnershipStrategy::sfc: return space_filling_curve(layout, rank_count, weights);
    case OwnershipStrategy::round_robin: return round_robin(layout, rank_count);
    case OwnershipStrategy::knapsack: return knapsack(layout, rank_count, weights);
  }
  throw std::logic_error("ownership: unknown strategy");
}

Ownership Ownership::cartesian(const Layout& layout, int rank_count) {
  check_rank_count(rank_count);
  if (layout.size() != rank_count)
    throw CollectiveError("ownership: the Cartesian ownership needs one box per rank, but the layout has " +
                          std::to_string(layout.size()) + " boxes for " + std::to_string(rank_count) + " ranks");
  std::vector<int> owners(static_cast<std::size_t>(layout.size()));
  std::iota(owners.begin(), owners.end(), 0);
  return Ownership(std::move(owners), rank_count);
}

Ownership Ownership::round_robin(const Layout& layout, int rank_count) {
  check_rank_count(rank_count);
  std::vector<int> owners(static_cast<std::size_t>(layout.size()));
  for (std::size_t b = 0; b < owners.size(); ++b) owners[b] = static_cast<int>(b % static_cast<std::size_t>(rank_count));
  return Ownership(std::move(owners), rank_count);
}

Ownership Ownership::space_filling_curve(const Layout& layout, int rank_count, std::span<const double> weights) {
  check_rank_count(rank_count);
  const std::vector<double> w = weights_of(layout, weights);
  std::vector<int> order(static_cast<std::size_t>(layout.size()));
  std::iota(order.begin(), order.end(), 0);
  std::vector<std::uint64_t> key(order.size());
  for (std::size_t b = 0; b < order.size(); ++b) key[b] = morton(layout.box(static_cast<int>(b)).lo);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return key[a] < key[b]; });
  // Cut the curve where the running weight passes k * total / ranks: a box belongs to the rank
  // whose share holds the middle of its weight. Summed in curve order, so every rank computes the
  // same doubles.
  double total = 0.0;
  for (const double x : w) total += x;
  std::vector<int> owners(order.size(), 0);
  double before = 0.0;
  for (std::size_t n = 0; n < order.size(); ++n) {
    const int b = order[n];
    int r = 0;
    if (total > 0.0)
      r = static_cast<int>(std::floor((before + 0.5 * w[b]) / total * rank_count));
    else
      r = static_cast<int>(n * static_cast<std::size_t>(rank_count) / order.size());
    owners[static_cast<std::size_t>(b)] = std::clamp(r, 0, rank_count - 1);
    before += w[b];
  }
  return Ownership(std::move(owners), rank_count);
}

Ownership Ownership::knapsack(const Layout& layout, int rank_count, std::span<const double> weights) {
  check_rank_count(rank_count);
  const std::vector<double> w = weights_of(layout, weights);
  std::vector<int> order(static_cast<std::size_t>(layout.size()));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return w[a] > w[b]; });
  std::vector<double> load(static_cast<std::size_t>(rank_count), 0.0);
  std::vector<int> owners(order.size(), 0);
  for (const int b : order) {
    const auto lightest = std::min_element(load.begin(), load.end());  // first of equals: lowest rank
    owners[static_cast<std::size_t>(b)] = static_cast<int>(lightest - load.begin());
    *lightest += w[b];
  }
  return Ownership(std::move(owners), rank_count);
}

const std::vector<int>& Ownership::boxes_of(int rank) const {
  if (rank < 0 || rank >= m_rank_count)
    throw std::out_of_range("ownership: rank " + std::to_string(rank) + " outside 0.." + std::to_string(m_rank_count - 1));
  return m_boxes_of[static_cast<std::size_t>(rank)];
}

int Ownership::max_boxes_per_rank() const noexcept {
  std::size_t most = 0;
  for (const auto& b : m_boxes_of) most = std::max(most, b.size());
  return static_cast<int>(most);
}

double balance_efficiency(const Layout& layout, const Ownership& ownership, std::span<const double> weights) {
  const std::vector<double> w = weights_of(layout, weights);
  std::vector<double> load(static_cast<std::size_t>(ownership.rank_count()), 0.0);
  for (int b = 0; b < ownership.size(); ++b)
    if (ownership.owner(b) != no_owner) load[static_cast<std::size_t>(ownership.owner(b))] += w[static_cast<std::size_t>(b)];
  double sum = 0.0, most = 0.0;
  for (const double l : load) sum += l, most = std::max(most, l);
  return most > 0.0 ? sum / static_cast<double>(load.size()) / most : 1.0;
}

}  // namespace parlayer::domain
