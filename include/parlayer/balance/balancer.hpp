#pragma once
/// \file
/// \brief Dynamic load balance: per-box costs measured while a model runs, and a new ownership
///        proposed every `interval` steps, adopted when its predicted efficiency beats the
///        current one by a threshold (WarpX's rule, 1.1 by default).
///
///     balance::Balancer balancer(layout, ownership, settings, comm);
///     ... each step, around each local box's kernel:
///     balancer.add(layout_box, seconds);                 // or a cost the model reports
///     if (balancer.due(step)) {
///       const balance::Proposal p = balancer.propose();  // collective: every rank gets the same
///       if (p.adopt) { move the fields with transfer::Redistribution(old, new, comm); balancer.adopt(p.ownership); }
///     }
///
/// Costs are smoothed per box (an exponential running average). Boxes with no owner at the start
/// (land) never get one. The decision is made from costs every rank has after one reduction, so
/// every rank adopts the same ownership at the same step. Rebalancing changes who computes a box,
/// never what is computed: a model whose results do not depend on the layout gives the same bytes
/// with and without it.
#include <cstdint>
#include <vector>

#include "parlayer/balance/weights.hpp"
#include "parlayer/domain/layout.hpp"
#include "parlayer/domain/ownership.hpp"
#include "parlayer/parallel/comm.hpp"

namespace parlayer::balance {

/// \brief When and how to rebalance (config keys balance.*).
struct BalancerSettings {
  std::int64_t interval = 0;  ///< steps between proposals; 0: never rebalance
  double threshold = 1.1;     ///< adopt when predicted efficiency >= threshold * current efficiency
  double smoothing = 0.5;     ///< weight of the newest measurement in each box's running average, (0, 1]
  domain::OwnershipStrategy strategy = domain::OwnershipStrategy::sfc;  ///< as weighted_ownership deals
};

/// \brief A proposed ownership and its predicted effect.
struct Proposal {
  bool adopt = false;           ///< the prediction beats the current efficiency by the threshold
  double current = 1.0;         ///< efficiency (mean / max rank cost) of the current ownership
  double predicted = 1.0;       ///< efficiency of `ownership` for the same box costs
  domain::Ownership ownership;  ///< the proposal
};

/// \brief Measures box costs and proposes ownerships. Move-only.
class Balancer {
public:
  /// \brief Starts from `ownership` of `layout` over the ranks of `comm` (rank r of the ownership is
  ///        comm rank r; `comm` is used, not duplicated, and must outlive the balancer). Local.
  /// \throws CollectiveError for settings out of range (interval < 0, threshold < 1, smoothing
  ///         not in (0, 1]) or an ownership for another number of boxes.
  Balancer(domain::Layout layout, domain::Ownership ownership, BalancerSettings settings, parallel::Comm comm);

  /// \brief Adds `cost` (seconds, or any unit the model reports in) to layout box `box`, one of this
  ///        rank's boxes, for the current interval; also counts it as this rank's busy time. Local.
  void add(int box, double cost);
  /// \brief True if a proposal is due after step `step` (interval > 0 and step % interval == 0).
  ///        Local; the same on every rank.
  bool due(std::int64_t step) const noexcept;
  /// \brief Combines the costs measured since the last proposal (one MPI_Allreduce), updates the
  ///        running averages and proposes an ownership. Collective over the communicator; every
  ///        rank returns the same proposal.
  Proposal propose();
  /// \brief Makes `ownership` the current one (after the fields have moved). Local.
  void adopt(domain::Ownership ownership);

  const domain::Ownership& ownership() const noexcept { return m_ownership; }
  const BalancerSettings& settings() const noexcept { return m_settings; }
  /// \brief The efficiency of the current ownership for the averaged costs of the last proposal
  ///        (1 before the first). Local.
  double efficiency() const noexcept { return m_efficiency; }
  /// \brief Proposals adopted so far. Local.
  int rebalances() const noexcept { return m_rebalances; }
  /// \brief The averaged cost of every box (0 for boxes with no owner). Local.
  const std::vector<double>& box_costs() const noexcept { return m_average; }
  /// \brief Every rank's busy time (the sum of everything it add()ed), on every rank. Collective.
  std::vector<double> busy_per_rank() const;

private:
  domain::Layout m_layout;
  domain::Ownership m_ownership;
  BalancerSettings m_settings;
  parallel::Comm m_comm;
  std::vector<bool> m_active;      // boxes that had an owner at the start
  std::vector<double> m_interval;  // this rank's costs since the last proposal, per layout box
  std::vector<double> m_average;   // running averages, the same on every rank
  bool m_measured = false;         // m_average holds a measurement
  double m_busy = 0.0;
  double m_efficiency = 1.0;
  int m_rebalances = 0;
};

}  // namespace parlayer::balance
