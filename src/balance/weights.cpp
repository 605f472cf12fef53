#include "parlayer/balance/weights.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>

#include "parlayer/error.hpp"

namespace parlayer::balance {

namespace {

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

std::vector<double> box_weights(const domain::Layout& layout, std::span<const double> cell_cost) {
  const domain::IndexBox& g = layout.global_box();
  const std::int64_t cells = g.cells();
  const std::string shape = layout.dimensions() == 3
                                ? std::to_string(g.hi[0]) + "x" + std::to_string(g.hi[1]) + "x" + std::to_string(g.hi[2])
                                : std::to_string(g.hi[0]) + "x" + std::to_string(g.hi[1]);
  if (static_cast<std::int64_t>(cell_cost.size()) != cells)
    throw CollectiveError("balance: the mask has " + std::to_string(cell_cost.size()) + " values, but the " + shape +
                          " grid has " + std::to_string(cells) + " cells (one value per cell, x fastest)");
  auto at = [&](int i, int j, int k) {
    return cell_cost[static_cast<std::size_t>(i + static_cast<std::int64_t>(g.hi[0]) * (j + static_cast<std::int64_t>(g.hi[1]) * k))];
  };
  bool any = false;
  for (std::int64_t n = 0; n < cells; ++n) {
    const double c = cell_cost[static_cast<std::size_t>(n)];
    if (!std::isfinite(c) || c < 0.0) {
      const std::int64_t i = n % g.hi[0], j = n / g.hi[0] % g.hi[1], k = n / g.hi[0] / g.hi[1];
      throw CollectiveError("balance: the cost of cell (" + std::to_string(i) + ", " + std::to_string(j) +
                            (layout.dimensions() == 3 ? ", " + std::to_string(k) : std::string()) + ") is " +
                            number(c) + "; costs and mask values must be finite and >= 0");
    }
    any = any || c > 0.0;
  }
  if (!any)
    throw CollectiveError("balance: every cell of the " + shape +
                          " grid is inactive (all land, cost 0): there is nothing to compute");
  std::vector<double> w(static_cast<std::size_t>(layout.size()), 0.0);
  for (int b = 0; b < layout.size(); ++b) {
    double sum = 0.0;
    domain::for_each_cell(layout.box(b), [&](int i, int j, int k) { sum += at(i, j, k); });
    w[static_cast<std::size_t>(b)] = sum;
  }
  return w;
}

void check_box_weights(const domain::Layout& layout, std::span<const double> box_weights) {
  if (static_cast<int>(box_weights.size()) != layout.size())
    throw CollectiveError("balance: " + std::to_string(box_weights.size()) + " box weights for a layout of " +
                          std::to_string(layout.size()) + " boxes");
  bool any = false;
  for (std::size_t b = 0; b < box_weights.size(); ++b) {
    if (!std::isfinite(box_weights[b]) || box_weights[b] < 0.0)
      throw CollectiveError("balance: the weight of box " + std::to_string(b) + " " +
                            layout.box(static_cast<int>(b)).to_string() + " is " + number(box_weights[b]) +
                            "; weights must be finite and >= 0");
    any = any || box_weights[b] > 0.0;
  }
  if (!any) throw CollectiveError("balance: every box has weight 0 (all land): there is nothing to compute");
}

domain::Ownership weighted_ownership(const domain::Layout& layout, int rank_count, std::span<const double> box_weights,
                                     domain::OwnershipStrategy strategy) {
  check_box_weights(layout, box_weights);
  // Boxes of weight 0 add nothing to any rank's load in either strategy, so dealing them out and
  // then taking them back leaves the other boxes where they would be without them.
  const domain::Ownership dealt = strategy == domain::OwnershipStrategy::knapsack
                                      ? domain::Ownership::knapsack(layout, rank_count, box_weights)
                                      : domain::Ownership::space_filling_curve(layout, rank_count, box_weights);
  std::vector<int> owners = dealt.owners();
  for (std::size_t b = 0; b < owners.size(); ++b)
    if (box_weights[b] == 0.0) owners[b] = domain::no_owner;
  return domain::Ownership(std::move(owners), rank_count);
}

double efficiency_of(std::span<const double> loads) {
  double sum = 0.0, most = 0.0;
  for (const double l : loads) sum += l, most = std::max(most, l);
  return most > 0.0 ? sum / static_cast<double>(loads.size()) / most : 1.0;
}

LoadReport load_report(const domain::Layout& layout, const domain::Ownership& ownership,
                       std::span<const double> box_weights) {
  LoadReport r;
  r.boxes = layout.size();
  r.rank_load.assign(static_cast<std::size_t>(ownership.rank_count()), 0.0);
  for (int b = 0; b < ownership.size(); ++b) {
    const int owner = ownership.owner(b);
    if (owner == domain::no_owner) {
      ++r.eliminated;
      continue;
    }
    r.rank_load[static_cast<std::size_t>(owner)] += box_weights.empty() ? static_cast<double>(layout.box(b).cells())
                                                                        : box_weights[static_cast<std::size_t>(b)];
  }
  r.efficiency = efficiency_of(r.rank_load);
  return r;
}

}  // namespace parlayer::balance
