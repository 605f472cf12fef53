#pragma once
/// \file
/// \brief Tile: a region of one of this rank's boxes, as kernels receive it.
///
/// The overlap driver (halo/overlap.hpp) calls a kernel once per tile: the deep interior of each
/// local box, then each piece of its boundary strip. `field[tile]` is the FieldBox the tile lies
/// in, so a kernel written for one box works on any number of boxes per rank (AMReX's MFIter):
///
///     auto kernel = [&](const Tile& t) { diffuse(in[t], out[t], t.box); };
///
/// With threads (parallel::ThreadPool), each region is cut further into tiles of at most a given
/// size (tile_boxes), and the tiles run on the team's threads; `t.thread` says which, so a kernel
/// can keep per-thread scratch.
#include <vector>

#include "parlayer/domain/index_box.hpp"

namespace parlayer::domain {

/// \brief Cells `box` of the rank's local box number `local` (0 .. Field::box_count() - 1).
struct Tile {
  IndexBox box;
  int local = 0;
  int thread = 0;  ///< the thread running it (0 .. threads - 1): an index for per-thread scratch
  /// So a kernel that takes `const IndexBox&` can be given a tile.
  operator const IndexBox&() const noexcept { return box; }
};

/// \brief `region` cut into tiles of at most `size` cells along each axis (an entry <= 0: that
///        axis uncut), x fastest, the remainder in the last tile of each row. An empty region has
///        no tiles. Local.
std::vector<IndexBox> tile_boxes(const IndexBox& region, const Index3& size);

/// \brief The tile size threads use when none is asked for: rows kept whole (long inner loops)
///        and cut into slabs of 16 rows in 2D, whole planes in slabs of 8 planes in 3D (cutting a
///        3D tile along y too costs a 7-point kernel ~15% per cell; docs/performance.md). Local.
Index3 default_tile_size(int dimensions) noexcept;
/// \brief `asked`, or default_tile_size(dimensions) if `asked` is all 0 ("automatic"). Local.
Index3 tile_size_or_default(const Index3& asked, int dimensions) noexcept;

}  // namespace parlayer::domain
