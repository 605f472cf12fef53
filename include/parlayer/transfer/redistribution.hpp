#pragma once
/// \file
/// \brief Redistribution: moves fields from one decomposition to another of the same grid.
///
///     // Same ranks, another layout (rebalancing, a change of box size):
///     transfer::Redistribution move(old_decomposition, new_decomposition, comm);
///     move.run(old_h, new_h);
///
///     // Disjoint groups of one job (coupling): ranks {0, 1} hold `a`, ranks {2, 3} receive it.
///     transfer::Redistribution couple(a_decomposition, {0, 1}, b_decomposition, {2, 3}, world);
///     transfer::Pending pending = couple.start(sources, targets);  // a rank passes what it has, {} otherwise
///     while (!pending.test()) other_work();                         // or pending.finish()
///
/// The plan intersects every target box with the source boxes (YAXT's xmap, MCT's router, AMReX's
/// ParallelCopy): pieces between boxes of one rank are local copies, every piece between two ranks
/// travels in ONE message. It is built once (at construction, from the decompositions alone) and
/// bound to a list of fields on their first start() (buffers or datatypes, persistent requests),
/// like a halo exchange. Only interiors move; ghosts of the targets are left as they were. Cells of
/// a target box that lie in a source box with no owner are left as they were too. Exact bytes.
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"
#include "parlayer/parallel/comm.hpp"
#include "parlayer/parallel/communicator.hpp"
#include "parlayer/transfer/backend.hpp"
#include "parlayer/transfer/pending.hpp"
#include "parlayer/transfer/plan.hpp"

namespace parlayer::transfer {

namespace detail {
class TransferCache;
}

/// \brief Moves fields from decomposition `from` to decomposition `to` (the same global grid).
///        Move-only.
class Redistribution {
public:
  /// \brief Both decompositions over all ranks of `comm` (decomposition rank r is comm rank r).
  ///        Collective over `comm` (duplicated).
  /// \throws CollectiveError if the grids differ or a decomposition is for another rank count.
  Redistribution(const domain::Decomposition& from, const domain::Decomposition& to, parallel::Comm comm,
                 Backend backend = Backend::packed);
  /// \brief `from` runs on the ranks `from_ranks` of `comm` (its rank r on comm rank
  ///        from_ranks[r]), `to` on `to_ranks`; the two groups may be the same, overlap or be
  ///        disjoint. Collective over `comm` (duplicated): every rank of it constructs, also one in
  ///        neither group.
  /// \throws CollectiveError if the grids differ, a rank list has the wrong length, repeats a
  ///         rank or names one outside `comm`.
  /// \param name names the redistribution in messages (a coupling exchange passes its own).
  Redistribution(const domain::Decomposition& from, std::vector<int> from_ranks, const domain::Decomposition& to,
                 std::vector<int> to_ranks, parallel::Comm comm, Backend backend = Backend::packed,
                 std::string name = "redistribution");
  ~Redistribution();
  Redistribution(Redistribution&&) noexcept;
  Redistribution& operator=(Redistribution&&) noexcept;

  /// \brief Starts moving `from[i]` into `to[i]` for every i, and returns without waiting. A rank
  ///        of the source group passes its fields over `from` (others pass {}), a rank of the
  ///        target group its fields over `to` (others pass {}); same count, order and element
  ///        types on every rank. Collective over the ranks that exchange pieces. `then`, if given,
  ///        runs on this rank when the redistribution completes (after its fields have arrived).
  /// \throws std::invalid_argument if a field does not hold this rank's boxes of its decomposition;
  ///         CollectiveError if a target field is in flight already (start() again before
  ///         finish()) or listed twice.
  Pending start(std::span<const domain::FieldBase* const> from, std::span<domain::FieldBase* const> to,
                std::function<void()> then = {});
  /// \brief start() then finish().
  void run(std::span<const domain::FieldBase* const> from, std::span<domain::FieldBase* const> to) {
    start(from, to).finish();
  }
  /// \brief One field each way (either may be null on a rank outside that group).
  void run(const domain::FieldBase* from, domain::FieldBase* to);

  /// \brief This rank's local copies and messages.
  const TransferPlan& plan() const noexcept { return *m_plan; }
  /// \brief Bytes this rank sends to other ranks per run of `fields_per_cell_bytes` bytes per cell
  ///        (e.g. 8 for one double field). Local.
  std::int64_t bytes_sent(std::int64_t bytes_per_cell) const;

private:
  std::string m_name;
  domain::Decomposition m_from, m_to;
  int m_from_rank = -1, m_to_rank = -1;  // this rank in each decomposition (-1: not in the group)
  std::unique_ptr<TransferPlan> m_plan;  // on the heap: bound transfers point to it across moves
  Backend m_backend;
  parallel::Communicator m_comm;
  std::unique_ptr<detail::TransferCache> m_transfers;
};

}  // namespace parlayer::transfer
