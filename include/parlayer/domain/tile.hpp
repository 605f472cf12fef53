#pragma once
/// \file
/// \brief Tile: a region of one of this rank's boxes, as kernels receive it.
///
/// The overlap driver (halo/overlap.hpp) calls a kernel once per tile: the deep interior of each
/// local box, then each piece of its boundary strip. `field[tile]` is the FieldBox the tile lies
/// in, so a kernel written for one box works on any number of boxes per rank (AMReX's MFIter):
///
///     auto kernel = [&](const Tile& t) { diffuse(in[t], out[t], t.box); };
#include "parlayer/domain/index_box.hpp"

namespace parlayer::domain {

/// \brief Cells `box` of the rank's local box number `local` (0 .. Field::box_count() - 1).
struct Tile {
  IndexBox box;
  int local = 0;
  /// So a kernel that takes `const IndexBox&` can be given a tile.
  operator const IndexBox&() const noexcept { return box; }
};

}  // namespace parlayer::domain
