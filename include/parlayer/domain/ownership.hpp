#pragma once
/// \file
/// \brief Ownership: which rank owns each box of a Layout ("who"), or none.
///
/// AMReX's DistributionMapping. Strategies:
///
///     Ownership::cartesian(layout, ranks)              box b -> rank b (one box per rank: today's split)
///     Ownership::round_robin(layout, ranks)            box b -> rank b % ranks
///     Ownership::space_filling_curve(layout, ranks)    boxes along a Morton curve, cut into ranks
///                                                      contiguous pieces of equal weight
///     Ownership::knapsack(layout, ranks, weights)      heaviest box first to the lightest rank
///     Ownership(owners, ranks)                         explicit; `no_owner` for a box without work
///     Ownership::of(strategy, layout, ranks, weights)  one of the four by OwnershipStrategy (config names:
///                                                      ownership_strategy_choices)
///
/// Every strategy is a pure function of its inputs (no MPI, no clocks, ties broken by box index),
/// so every rank, and a serial tool, computes the same owners. All functions are Local.
#include <span>
#include <vector>

#include "parlayer/domain/layout.hpp"
#include "parlayer/named_choice.hpp"

namespace parlayer::domain {

/// \brief The owner of a box that no rank computes (e.g. an all-land box).
inline constexpr int no_owner = -1;

/// \brief The strategies by name: the values of parallel.distribution (runtime/parallel_options.hpp),
///        and how balance deals weighted boxes (balance/weights.hpp, balance::Balancer).
enum class OwnershipStrategy {
  cartesian,    ///< Ownership::cartesian: box b on rank b (one box per rank)
  sfc,          ///< Ownership::space_filling_curve
  round_robin,  ///< Ownership::round_robin
  knapsack,     ///< Ownership::knapsack
};
inline constexpr auto ownership_strategy_choices = named_choices<OwnershipStrategy>({
    {OwnershipStrategy::cartesian, "cartesian"},
    {OwnershipStrategy::sfc, "sfc"},
    {OwnershipStrategy::round_robin, "round_robin"},
    {OwnershipStrategy::knapsack, "knapsack"},
});
/// \brief "cartesian", "sfc", "round_robin" or "knapsack".
const char* to_string(OwnershipStrategy strategy) noexcept;

/// \brief Box -> rank (or no_owner). Immutable, copyable; every function is Local.
class Ownership {
public:
  /// \brief Explicit owners, one per box: a rank in [0, rank_count) or no_owner.
  /// \throws CollectiveError naming the first box whose owner is not a rank of the job.
  Ownership(std::vector<int> owners, int rank_count);

  /// \brief Box b to rank b: needs exactly one box per rank.
  static Ownership cartesian(const Layout& layout, int rank_count);
  /// \brief Box b to rank b % rank_count.
  static Ownership round_robin(const Layout& layout, int rank_count);
  /// \brief Boxes ordered along a Morton (Z-order) curve through their lower corners, then cut into
  ///        rank_count contiguous runs of about equal weight (default weight: the box's cells), so
  ///        each rank's boxes are close together. A box of weight 0 still gets an owner.
  static Ownership space_filling_curve(const Layout& layout, int rank_count, std::span<const double> weights = {});
  /// \brief Longest-processing-time greedy knapsack: boxes by decreasing weight (ties by index),
  ///        each to the rank with the least weight so far (ties to the lowest rank).
  static Ownership knapsack(const Layout& layout, int rank_count, std::span<const double> weights = {});
  /// \brief The ownership `strategy` names: one of the four above (`weights` go to the two that
  ///        weigh boxes, sfc and knapsack; cartesian and round_robin ignore them).
  static Ownership of(OwnershipStrategy strategy, const Layout& layout, int rank_count,
                      std::span<const double> weights = {});

  int rank_count() const noexcept { return m_rank_count; }
  /// \brief Number of boxes.
  int size() const noexcept { return static_cast<int>(m_owners.size()); }
  /// \brief The rank owning box `box`, or no_owner.
  int owner(int box) const { return m_owners.at(static_cast<std::size_t>(box)); }
  const std::vector<int>& owners() const noexcept { return m_owners; }
  /// \brief The boxes `rank` owns, ascending (possibly none).
  const std::vector<int>& boxes_of(int rank) const;
  /// \brief The most boxes any rank owns.
  int max_boxes_per_rank() const noexcept;

  friend bool operator==(const Ownership& a, const Ownership& b) {
    return a.m_rank_count == b.m_rank_count && a.m_owners == b.m_owners;
  }

private:
  int m_rank_count = 0;
  std::vector<int> m_owners;
  std::vector<std::vector<int>> m_boxes_of;  // per rank, ascending
};

/// \brief Mean over max of the per-rank weight sums (1 = perfect balance); weights default to
///        box cells. Local.
double balance_efficiency(const Layout& layout, const Ownership& ownership, std::span<const double> weights = {});

}  // namespace parlayer::domain
