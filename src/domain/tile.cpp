#include "parlayer/domain/tile.hpp"

#include <algorithm>

namespace parlayer::domain {

std::vector<IndexBox> tile_boxes(const IndexBox& region, const Index3& size) {
  std::vector<IndexBox> tiles;
  if (region.empty()) return tiles;
  Index3 step{};
  for (int a = 0; a < 3; ++a) step[a] = size[a] > 0 ? size[a] : region.extent(a);
  for (int k = region.lo[2]; k < region.hi[2]; k += step[2])
    for (int j = region.lo[1]; j < region.hi[1]; j += step[1])
      for (int i = region.lo[0]; i < region.hi[0]; i += step[0]) {
        const Index3 lo{i, j, k};
        Index3 hi{};
        for (int a = 0; a < 3; ++a) hi[a] = std::min(lo[a] + step[a], region.hi[a]);
        tiles.push_back(IndexBox{lo, hi});
      }
  return tiles;
}

Index3 default_tile_size(int dimensions) noexcept {
  return dimensions == 3 ? Index3{0, 0, 8} : Index3{0, 16, 1};
}

Index3 tile_size_or_default(const Index3& asked, int dimensions) noexcept {
  return asked == Index3{0, 0, 0} ? default_tile_size(dimensions) : asked;
}

}  // namespace parlayer::domain
