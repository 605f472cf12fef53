#pragma once
/// \file
/// \brief Decomposition: a Layout of boxes and the Ownership of each box by a rank.
///
///     Decomposition d(GridSpec{{nx, ny}, {true, false}, {}}, ranks);   // one block per rank (default)
///     Decomposition d(Layout::chopped(grid, {32, 32, 1}),              // many boxes per rank
///                     Ownership::space_filling_curve(layout, ranks));
///
/// The default split is today's Cartesian one: a process grid (px, py[, pz]) of blocks, block b on
/// rank b, ranks numbered x-fastest (rank = cx + px * (cy + py * cz)). Along an axis of n cells
/// over p ranks the first n % p blocks get one cell more.
///
/// Everything here is computed from its inputs alone, with no communication: any rank can tell who
/// owns any cell, which is what halo plans, redistribution and N->M restart need. Every function
/// is Local.
#include <optional>
#include <vector>

#include "parlayer/domain/index_box.hpp"
#include "parlayer/domain/layout.hpp"
#include "parlayer/domain/ownership.hpp"

namespace parlayer::domain {

/// \brief The automatic process grid for `rank_count` ranks: the factorisation (one factor per
///        axis, each at most that axis's extent) with the least halo surface (cell faces cut
///        between blocks); ties go to fewer cuts along x, then y, so messages stay long and
///        contiguous. {0, 0, 0} if none fits. Local.
Index3 automatic_process_grid(const GridSpec& grid, int rank_count);

/// \brief Boxes and their owners. Immutable, copyable; every function is Local.
class Decomposition {
public:
  /// \brief One block per rank over the process grid of `spec` (automatic when empty or all 0).
  /// \throws CollectiveError naming the problem for: not 2 or 3 axes, an extent < 1, rank_count
  ///         < 1, a process grid whose product is not rank_count, more ranks than cells along an
  ///         axis, or no process grid that fits.
  Decomposition(const GridSpec& spec, int rank_count);
  /// \brief Any layout with any ownership of its boxes.
  /// \throws CollectiveError if the ownership is for another number of boxes.
  Decomposition(Layout layout, Ownership ownership);

  const Layout& layout() const noexcept { return m_layout; }
  const Ownership& ownership() const noexcept { return m_ownership; }

  /// \brief 2 or 3.
  int dimensions() const noexcept { return m_layout.dimensions(); }
  int rank_count() const noexcept { return m_ownership.rank_count(); }
  /// \brief [0, extent) along every axis; z is [0, 1) in 2D.
  const IndexBox& global_box() const noexcept { return m_layout.global_box(); }
  bool periodic(int axis) const noexcept { return m_layout.periodic(axis); }
  /// \brief Ranks along x, y, z for the one-block-per-rank split (pz = 1 in 2D); {0, 0, 0} for
  ///        any other decomposition.
  const Index3& process_grid() const noexcept { return m_process_grid; }

  /// \brief The layout indices of the boxes `rank` owns, ascending (possibly none).
  const std::vector<int>& boxes_of(int rank) const { return m_ownership.boxes_of(rank); }
  /// \brief The one box `rank` owns.
  /// \throws std::logic_error if `rank` owns no box or several (use boxes_of()).
  IndexBox box_of(int rank) const;
  /// \brief The rank owning global cell `cell` (periodic axes wrap); nullopt outside a walled axis
  ///        or in a box with no owner.
  std::optional<int> owner_of(Index3 cell) const;
  /// \brief Ghost widths for halo width `width`: {w, w, w} in 3D, {w, w, 0} in 2D.
  Index3 ghost_widths(int width) const noexcept { return m_layout.ghost_widths(width); }
  /// \brief The smallest box extent along `axis`.
  int min_block_extent(int axis) const noexcept { return m_layout.min_box_extent(axis); }

  friend bool operator==(const Decomposition& a, const Decomposition& b) {
    return a.m_layout == b.m_layout && a.m_ownership == b.m_ownership;
  }

private:
  Layout m_layout;
  Ownership m_ownership;
  Index3 m_process_grid{0, 0, 0};
};

}  // namespace parlayer::domain
