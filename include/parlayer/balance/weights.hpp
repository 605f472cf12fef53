#pragma once
/// \file
/// \brief Static load balance: box weights from a per-cell cost (or land mask), boxes without an
///        active cell eliminated (no owner), the rest distributed by weight, and the efficiency.
///
///     std::vector<double> cost(nx * ny);                      // per cell, x fastest: 0 = land
///     const auto w = balance::box_weights(layout, cost);      // throws for a bad mask
///     const domain::Ownership o = balance::weighted_ownership(layout, ranks, w, domain::OwnershipStrategy::sfc);
///     const balance::LoadReport r = balance::load_report(layout, o, w);   // r.efficiency, r.eliminated
///
/// A box whose cells all cost 0 has no active cell: it gets no owner (domain::no_owner), so no
/// rank computes it or exchanges it, and the ghosts next to it are filled as walls (a field's
/// land_condition(), halo_plan.hpp). This is MOM6's land-block elimination and NEMO's land
/// suppression, computed from the mask alone. Everything here is a pure function of its inputs:
/// every rank computes the same weights and owners. All functions are Local.
#include <span>
#include <string>
#include <vector>

#include "parlayer/domain/layout.hpp"
#include "parlayer/domain/ownership.hpp"

namespace parlayer::balance {

/// \brief The weight of every box of `layout`: the sum of `cell_cost` over its cells. `cell_cost`
///        holds one value per cell of the global grid, x fastest (then y, then z). Summed in cell
///        order, so every rank gets the same doubles. Local.
/// \throws CollectiveError (one line) if `cell_cost` has another size than the grid ("mask of
///         the wrong shape"), a value is negative, NaN or infinite (naming the first such cell),
///         or every value is 0 (the domain is all land: nothing to compute).
std::vector<double> box_weights(const domain::Layout& layout, std::span<const double> cell_cost);

/// \brief `box_weights` checked: one per box, finite and >= 0, not all 0. Local.
/// \throws CollectiveError naming the first offending box.
void check_box_weights(const domain::Layout& layout, std::span<const double> box_weights);

/// \brief Boxes of weight 0 get no owner; the others are dealt to `rank_count` ranks on their
///        weights: heaviest first to the lightest rank for `knapsack` (domain::Ownership::knapsack),
///        else in contiguous runs along a Morton curve (domain::Ownership::space_filling_curve):
///        `cartesian` and `round_robin` do not weigh boxes, so a layout distributed by them is
///        dealt by weight as `sfc` would (parallel.distribution's meaning with land boxes). Local
///        (pure function of its inputs).
/// \throws CollectiveError for bad weights (check_box_weights).
domain::Ownership weighted_ownership(const domain::Layout& layout, int rank_count, std::span<const double> box_weights,
                                     domain::OwnershipStrategy strategy);

/// \brief The load of every rank and the balance of an ownership.
struct LoadReport {
  std::vector<double> rank_load;  ///< per rank: the sum of its boxes' weights
  double efficiency = 1.0;        ///< mean / max of rank_load (1 = perfect balance)
  int boxes = 0;                  ///< boxes of the layout
  int eliminated = 0;             ///< boxes with no owner
};

/// \brief The load per rank of `ownership` for box weights `box_weights`. Local.
LoadReport load_report(const domain::Layout& layout, const domain::Ownership& ownership,
                       std::span<const double> box_weights);

/// \brief mean / max of `loads` (1 if all are 0). Local.
double efficiency_of(std::span<const double> loads);

}  // namespace parlayer::balance
