#pragma once
/// \file
/// \brief IndexBox: a rectangular set of cells in global integer index space ("what", not "who").
///
/// parlayer stores every grid as 3D; a 2D grid has one cell along z (lo.z = 0, hi.z = 1) and no
/// ghosts along z. Boxes are half-open: a cell (i, j, k) is inside when lo <= (i, j, k) < hi.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace parlayer::domain {

/// \brief Three integer indices or extents, x first.
using Index3 = std::array<int, 3>;

/// \brief A half-open box [lo, hi) of cells. Empty when any hi <= lo. All functions are Local.
struct IndexBox {
  Index3 lo{0, 0, 0};
  Index3 hi{0, 0, 0};

  /// \brief Cells along `axis` (0 if empty along it).
  int extent(int axis) const noexcept { return hi[axis] > lo[axis] ? hi[axis] - lo[axis] : 0; }
  Index3 extents() const noexcept { return {extent(0), extent(1), extent(2)}; }
  /// \brief Number of cells.
  std::int64_t cells() const noexcept {
    return std::int64_t{extent(0)} * extent(1) * extent(2);
  }
  bool empty() const noexcept { return cells() == 0; }
  bool contains(const Index3& c) const noexcept {
    return c[0] >= lo[0] && c[0] < hi[0] && c[1] >= lo[1] && c[1] < hi[1] && c[2] >= lo[2] &&
           c[2] < hi[2];
  }
  bool contains(const IndexBox& b) const noexcept {
    return b.empty() || (contains(b.lo) && b.hi[0] <= hi[0] && b.hi[1] <= hi[1] && b.hi[2] <= hi[2]);
  }
  /// \brief This box grown by `by[a]` cells on both sides of each axis a (negative shrinks).
  IndexBox grown(const Index3& by) const noexcept;
  /// \brief This box moved by `offset`.
  IndexBox shifted(const Index3& offset) const noexcept;
  /// \brief The cells in both boxes (possibly empty).
  IndexBox intersection(const IndexBox& other) const noexcept;

  friend bool operator==(const IndexBox&, const IndexBox&) = default;
  /// \brief "[lo..hi)" for messages, e.g. "[(0,0,0)..(64,32,1))".
  std::string to_string() const;
};

/// \brief Calls fn(i, j, k) for every cell of `box`, x fastest. Local.
template <class Fn>
void for_each_cell(const IndexBox& box, Fn&& fn) {
  for (int k = box.lo[2]; k < box.hi[2]; ++k)
    for (int j = box.lo[1]; j < box.hi[1]; ++j)
      for (int i = box.lo[0]; i < box.hi[0]; ++i) fn(i, j, k);
}

/// \brief A rank's interior split for the overlap pattern (see halo/overlap.hpp).
///
/// `deep` holds the cells whose stencil of radius `width` reaches no ghost cell: they can be
/// computed while the halo exchange is in flight. `strip` is the rest of the interior (the
/// boundary strip) as disjoint boxes, to be computed once ghosts have arrived.
struct InteriorSplit {
  IndexBox deep;
  std::vector<IndexBox> strip;
};

/// \brief Which ends of each axis a split peels off into the strip: `[axis][0]` the low end,
///        `[axis][1]` the high end.
using PeeledSides = std::array<std::array<bool, 2>, 3>;

/// \brief Splits `interior` into its deep part and boundary strip for a stencil reaching `width`
///        cells along each axis, peeling every side. If the interior is thinner than 2*width along
///        an axis, `deep` is empty and `strip` covers the whole interior. Local.
InteriorSplit split_interior(const IndexBox& interior, const Index3& width);

/// \brief The same, peeling only the sides marked in `peel`: the cells next to an unpeeled side
///        stay in `deep`. HaloExchange peels only the sides that receive ghosts from a neighbour,
///        so a kernel is never handed one-cell-wide columns along an axis that is not cut.
///        Slabs are peeled x first, then y, then z; each spans the full remaining range of the
///        later axes, so z slabs are whole planes and y slabs whole rows when x is not peeled.
///        Local.
InteriorSplit split_interior(const IndexBox& interior, const Index3& width, const PeeledSides& peel);

}  // namespace parlayer::domain
