#pragma once
/// \file
/// \brief Decomposition: which rank owns which part of a structured grid ("who", not "what").
///
/// A 2D or 3D grid of global extents (nx, ny[, nz]) is split over a Cartesian process grid
/// (px, py[, pz]) into blocks. Along an axis of n cells over p ranks the first n % p blocks get
/// one cell more, so block sizes differ by at most one. Ranks are numbered x-fastest:
/// rank = cx + px * (cy + py * cz), matching the x-fastest storage of fields.
///
/// Everything here is computed from the GridSpec and the rank count alone, with no communication:
/// any rank can tell who owns any cell, which is what halo plans and N→M restart need.
#include <optional>
#include <vector>

#include "parlayer/domain/index_box.hpp"

namespace parlayer::domain {

/// \brief The inputs of a decomposition.
struct GridSpec {
  /// Cells along x, y (and z for a 3D grid): 2 or 3 entries, each >= 1.
  std::vector<int> extent;
  /// Per axis: true wraps around (periodic), false ends at a wall. Empty means all walled.
  std::vector<bool> periodic;
  /// Ranks along each axis. Empty, or all zeros, chooses automatically (see Decomposition).
  std::vector<int> process_grid;
};

/// \brief Block decomposition of a global grid over a Cartesian process grid. Immutable, copyable;
///        every function is Local.
class Decomposition {
public:
  /// \brief Decomposes `spec` over `rank_count` ranks.
  ///
  /// An automatic process grid is the factorisation of rank_count (one factor per axis, each at
  /// most that axis's extent) with the least halo surface (cell faces cut between blocks); ties go
  /// to the grid with fewer cuts along x, then y, so messages stay long and contiguous.
  /// \throws CollectiveError naming the problem for: not 2 or 3 axes, an extent < 1, rank_count
  ///         < 1, a process grid whose product is not rank_count, more ranks than cells along an
  ///         axis, or no process grid that fits.
  Decomposition(const GridSpec& spec, int rank_count);

  /// \brief 2 or 3.
  int dimensions() const noexcept { return m_dimensions; }
  int rank_count() const noexcept { return m_rank_count; }
  /// \brief [0, extent) along every axis; z is [0, 1) in 2D.
  const IndexBox& global_box() const noexcept { return m_global; }
  /// \brief Ranks along x, y, z (pz = 1 in 2D).
  const Index3& process_grid() const noexcept { return m_grid; }
  bool periodic(int axis) const noexcept { return m_periodic[axis]; }

  /// \brief Process-grid coordinates of `rank`.
  Index3 coords_of(int rank) const;
  /// \brief Rank at process-grid coordinates, wrapping periodic axes; nullopt beyond a wall.
  std::optional<int> rank_at(Index3 coords) const;
  /// \brief The cells `rank` owns.
  IndexBox box_of(int rank) const;
  /// \brief The rank owning global cell `cell` (periodic axes wrap); nullopt outside a walled axis.
  std::optional<int> owner_of(Index3 cell) const;
  /// \brief The neighbour of `rank` in `direction` (each component -1, 0 or +1; z is 0 in 2D),
  ///        possibly `rank` itself on a periodic axis with one rank; nullopt beyond a wall.
  std::optional<int> neighbour(int rank, const Index3& direction) const;
  /// \brief Every direction to a neighbour sharing a face, edge or corner with a block
  ///        (8 in 2D, 26 in 3D), whether or not a neighbour exists there.
  std::vector<Index3> directions() const;
  /// \brief Ghost widths for halo width `width`: {w, w, w} in 3D, {w, w, 0} in 2D.
  Index3 ghost_widths(int width) const noexcept;
  /// \brief The smallest block extent along `axis`.
  int min_block_extent(int axis) const noexcept;

  friend bool operator==(const Decomposition&, const Decomposition&) = default;

private:
  int block_start(int axis, int coord) const noexcept;

  int m_dimensions = 0;
  int m_rank_count = 0;
  IndexBox m_global;
  Index3 m_grid{1, 1, 1};
  std::array<bool, 3> m_periodic{false, false, false};
};

}  // namespace parlayer::domain
