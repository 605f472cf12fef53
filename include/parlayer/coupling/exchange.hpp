#pragma once
/// \file
/// \brief Exchange: one field of one component moved, remapped, into a field of another
///        (OASIS's put/get of one coupling field, MCT's router + rearranger).
///
///     // Declared once (collective over the parent communicator): SST from the ocean's fine grid to
///     // the atmosphere's coarse grid, averaged over water cells only, 0 where a coarse cell has none.
///     coupling::Exchange sst(components, "ocean", ocean_decomposition, "atmosphere", atmosphere_decomposition,
///                            {.masked = true, .fill = 0.0}, ocean.here() ? &water : nullptr);
///     // Every coupling interval: the ocean's ranks give the source, the atmosphere's the target.
///     transfer::Pending pending =
///         sst.start(ocean.here() ? &ocean_sst : nullptr, atmosphere.here() ? &atmosphere_sst : nullptr);
///     ... other work ...                 // pending.test() polls
///     pending.finish();                  // the target holds the remapped field
///
/// How it maps onto the redistribution (transfer::Redistribution, one plan between two index sets):
///  - fine → coarse (average): the source field moves onto the *aligned* decomposition of the fine
///    grid, whose boxes are the target's boxes refined (coarse box B → fine cells B * r) and owned
///    by the target box's rank. Every fine cell of a coarse cell thus arrives on the rank of that
///    coarse cell, which averages them in a fixed order at completion: same bytes on every layout.
///  - coarse → fine (expand): the source ranks expand their coarse boxes to the fine grid in start()
///    (boxes B * r, same owners), and that field moves onto the target decomposition; finish() only
///    applies the mask. This sends r^d values per coarse value (simple and exact; sending the coarse
///    cover of each target box would send fewer bytes).
///  The remap is the redistribution's completion step: it runs when finish() returns, or when
///  test() first returns true.
///  - equal grids: the average with ratio 1 (a copy, with the mask's fill).
/// The source and target components may be the same ranks, overlapping or disjoint.
///
/// Neither field may be written, nor the source read-modified, between start() and finish().
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "parlayer/coupling/components.hpp"
#include "parlayer/coupling/remap.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"
#include "parlayer/transfer/redistribution.hpp"

namespace parlayer::coupling {

/// \brief How an exchange remaps, decided from the two grids.
enum class Remap {
  average,  ///< the source grid is finer (or equal): area-weighted average over (masked) fine cells
  expand,   ///< the target grid is finer: piecewise constant
};

/// \brief Options of an exchange.
struct ExchangeOptions {
  /// Use a 0/1 mask on the fine grid (nonzero counts as 1): fine → coarse averages the masked
  /// fine cells only; coarse → fine sets unmasked target cells to `fill`.
  bool masked = false;
  /// The value of a coarse target cell without any masked fine cell, and of an unmasked fine one.
  double fill = 0.0;
  /// Packed buffers or MPI datatypes, as for a halo exchange.
  transfer::Backend backend = transfer::Backend::packed;
};

/// \brief An exchange in flight: the transfer layer's one handle (transfer/pending.hpp).
using PendingExchange = transfer::Pending;

/// \brief One declared exchange: a field of component `source` on `source_decomposition` into a
///        field of component `target` on `target_decomposition`. Move-only.
class Exchange {
public:
  /// \brief Builds the plan (and copies the mask). Collective over components.parent(): every
  ///        rank constructs, also one in neither component.
  /// \param mask with options.masked, the 0/1 mask of the fine grid: a field on the source
  ///        decomposition (given on the source's ranks) when the source grid is finer or equal, on
  ///        the target decomposition (given on the target's ranks) when the target is finer;
  ///        nullptr on other ranks. Copied: a later change needs a new Exchange.
  /// \throws CollectiveError (one line) for an unknown component, a decomposition whose rank count
  ///         is not its component's, grids whose extents are not integer multiples of each other
  ///         (grid_ratio), grids of different dimensions, or a mask missing (or with other boxes
  ///         than its decomposition's) on some rank (agreed over the parent communicator).
  Exchange(const Components& components, std::string_view source, const domain::Decomposition& source_decomposition,
           std::string_view target, const domain::Decomposition& target_decomposition, ExchangeOptions options = {},
           const domain::Field<std::uint8_t>* mask = nullptr);
  ~Exchange();
  Exchange(Exchange&&) noexcept;
  Exchange& operator=(Exchange&&) noexcept;

  /// \brief Starts moving `source` into `target` and returns without waiting. A rank of the
  ///        source component passes its field (this rank's boxes of the source decomposition),
  ///        a rank of the target component its field (boxes of the target decomposition), nullptr
  ///        otherwise. Collective over the pairs of ranks that exchange pieces.
  /// \throws std::invalid_argument if a field is missing, given on a rank outside its component
  ///         or does not hold this rank's boxes; CollectiveError if this exchange is in flight.
  PendingExchange start(const domain::Field<double>* source, domain::Field<double>* target);
  /// \brief start() then finish().
  void run(const domain::Field<double>* source, domain::Field<double>* target) { start(source, target).finish(); }

  /// \brief average or expand. Local.
  Remap remap() const noexcept { return m_remap; }
  /// \brief Fine cells per coarse cell along each axis ({1, 1, 1} for equal grids). Local.
  const Ratio& ratio() const noexcept { return m_ratio; }
  /// \brief "ocean -> atmosphere", for messages. Local.
  const std::string& name() const noexcept { return m_name; }
  /// \brief Bytes this rank sends to other ranks per exchange. Local.
  std::int64_t bytes_sent() const { return m_move->bytes_sent(8); }

private:
  void complete(domain::Field<double>* target);  // the local remap, at completion

  std::string m_name;
  Remap m_remap = Remap::average;
  Ratio m_ratio{1, 1, 1};
  ExchangeOptions m_options;
  domain::Decomposition m_source, m_target, m_aligned;  // aligned: see the file comment
  int m_source_rank = -1, m_target_rank = -1;
  std::unique_ptr<transfer::Redistribution> m_move;  // source (or its expansion) → aligned (or target)
  std::unique_ptr<domain::Field<double>> m_staged;        // aligned field (average) or expansion (expand)
  std::unique_ptr<domain::Field<std::uint8_t>> m_mask;    // on the aligned or the target decomposition
};

}  // namespace parlayer::coupling
