#pragma once
/// \file
/// \brief Layout: boxes that tile a structured grid ("what", not "who").
///
/// A layout is a list of disjoint boxes whose union is the whole grid, numbered 0..size()-1. It says
/// nothing about ranks: an Ownership (ownership.hpp) maps each box to a rank, and a Decomposition
/// (decomposition.hpp) is the pair. This is AMReX's BoxArray apart from its DistributionMapping.
///
///     Layout::blocks(grid, {4, 3, 1})          4 x 3 blocks, sizes differing by at most one cell
///     Layout::from_extents(grid, {{10, 6}, {8, 8}})   explicit block extents per axis (PETSc lx, ly)
///     Layout::chopped(grid, {32, 32, 1})       boxes of at most 32 x 32 cells
///     Layout(grid, boxes)                      any boxes, checked to tile the grid
///
/// Every function of a layout is a pure function of its inputs (no MPI): any rank, or a serial
/// tool, computes the same boxes. All functions are Local.
#include <optional>
#include <span>
#include <vector>

#include "parlayer/domain/index_box.hpp"

namespace parlayer::domain {

/// \brief The global grid: extents and boundary type of each axis.
struct GridSpec {
  /// Cells along x, y (and z for a 3D grid): 2 or 3 entries, each >= 1.
  std::vector<int> extent;
  /// Per axis: true wraps around (periodic), false ends at a wall. Empty means all walled.
  std::vector<bool> periodic;
  /// Ranks along each axis, for Decomposition(GridSpec, ranks). Empty, or all zeros, chooses
  /// automatically. Layouts ignore it.
  std::vector<int> process_grid;
};

/// \brief Boxes that tile a 2D or 3D grid. Immutable, copyable; every function is Local.
class Layout {
public:
  /// \brief `counts[a]` blocks along each axis a (counts[2] = 1 in 2D); along an axis of n cells in
  ///        p blocks, the first n % p blocks get one cell more. Boxes are numbered x-fastest.
  /// \throws CollectiveError for a bad grid, a count < 1 or more blocks than cells along an axis.
  static Layout blocks(const GridSpec& grid, const Index3& counts);
  /// \brief Blocks with the given extents along each axis (one list per axis of the grid, each
  ///        summing to that axis's extent), numbered x-fastest: PETSc DMDA's lx, ly, lz.
  /// \throws CollectiveError naming the axis if a list does not sum to the extent or has an
  ///         entry < 1.
  static Layout from_extents(const GridSpec& grid, const std::vector<std::vector<int>>& extents);
  /// \brief The grid chopped into the fewest blocks of at most `max_size[a]` cells along each
  ///        axis, as even as possible (as blocks()). An entry <= 0 means "do not chop this axis".
  static Layout chopped(const GridSpec& grid, const Index3& max_size);
  /// \brief Any boxes; they must lie inside the grid, not overlap and leave no hole.
  /// \throws CollectiveError naming the first offending box (or pair of boxes).
  Layout(const GridSpec& grid, std::vector<IndexBox> boxes);

  /// \brief 2 or 3.
  int dimensions() const noexcept { return m_dimensions; }
  /// \brief [0, extent) along every axis; z is [0, 1) in 2D.
  const IndexBox& global_box() const noexcept { return m_global; }
  bool periodic(int axis) const noexcept { return m_periodic[axis]; }
  /// \brief Number of boxes.
  int size() const noexcept { return static_cast<int>(m_boxes.size()); }
  const IndexBox& box(int index) const { return m_boxes.at(static_cast<std::size_t>(index)); }
  const std::vector<IndexBox>& boxes() const noexcept { return m_boxes; }
  /// \brief Blocks along x, y, z when the layout was made by blocks(), from_extents() or chopped()
  ///        (boxes numbered x-fastest); {0, 0, 0} for a layout of arbitrary boxes.
  const Index3& block_grid() const noexcept { return m_block_grid; }

  /// \brief The box holding global cell `cell` (periodic axes wrap); nullopt beyond a wall.
  std::optional<int> box_containing(Index3 cell) const;
  /// \brief Every box that intersects `region` (global indices, not wrapped), ascending.
  std::vector<int> boxes_intersecting(const IndexBox& region) const;
  /// \brief Ghost widths for halo width `width`: {w, w, w} in 3D, {w, w, 0} in 2D.
  Index3 ghost_widths(int width) const noexcept;
  /// \brief The smallest box extent along `axis`.
  int min_box_extent(int axis) const noexcept;

  friend bool operator==(const Layout& a, const Layout& b) {
    return a.m_global == b.m_global && a.m_periodic == b.m_periodic && a.m_boxes == b.m_boxes;
  }

private:
  Layout() = default;
  void index_boxes();  // fills the bins used by boxes_intersecting

  int m_dimensions = 0;
  IndexBox m_global;
  std::array<bool, 3> m_periodic{false, false, false};
  std::vector<IndexBox> m_boxes;
  Index3 m_block_grid{0, 0, 0};
  // A uniform grid of bins over the global box, each bin the size of the largest box, so a box
  // meets at most 2 bins per axis: boxes_intersecting looks at a few bins, not at every box.
  Index3 m_bin_size{1, 1, 1};
  Index3 m_bins{1, 1, 1};
  std::vector<std::vector<int>> m_bin_boxes;
};

}  // namespace parlayer::domain
