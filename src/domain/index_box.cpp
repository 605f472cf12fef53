#include "parlayer/domain/index_box.hpp"

#include <algorithm>

namespace parlayer::domain {

IndexBox IndexBox::grown(const Index3& by) const noexcept {
  IndexBox b = *this;
  for (int a = 0; a < 3; ++a) {
    b.lo[a] -= by[a];
    b.hi[a] += by[a];
  }
  return b;
}

IndexBox IndexBox::shifted(const Index3& offset) const noexcept {
  IndexBox b = *this;
  for (int a = 0; a < 3; ++a) {
    b.lo[a] += offset[a];
    b.hi[a] += offset[a];
  }
  return b;
}

IndexBox IndexBox::intersection(const IndexBox& other) const noexcept {
  IndexBox b;
  for (int a = 0; a < 3; ++a) {
    b.lo[a] = std::max(lo[a], other.lo[a]);
    b.hi[a] = std::max(b.lo[a], std::min(hi[a], other.hi[a]));
  }
  return b;
}

std::string IndexBox::to_string() const {
  // Built with append(): GCC 12 warns falsely (-Wrestrict, bug 105329) on "(" + std::string.
  std::string text = "[";
  auto append_triple = [&text](const Index3& v) {
    text.append("(").append(std::to_string(v[0])).append(",").append(std::to_string(v[1]));
    text.append(",").append(std::to_string(v[2])).append(")");
  };
  append_triple(lo);
  text.append("..");
  append_triple(hi);
  return text.append(")");
}

InteriorSplit split_interior(const IndexBox& interior, const Index3& width) {
  return split_interior(interior, width, PeeledSides{{{true, true}, {true, true}, {true, true}}});
}

InteriorSplit split_interior(const IndexBox& interior, const Index3& width, const PeeledSides& peel) {
  InteriorSplit split;
  split.deep = interior;
  for (int a = 0; a < 3; ++a) {
    if (width[a] <= 0) continue;
    if (peel[a][0]) split.deep.lo[a] += width[a];
    if (peel[a][1]) split.deep.hi[a] -= width[a];
  }
  if (split.deep.empty()) {
    if (!interior.empty()) split.strip.push_back(interior);
    split.deep = IndexBox{interior.lo, interior.lo};
    return split;
  }
  // Peel slabs axis by axis: x slabs span the full y/z range, y slabs the deep x range and full z
  // range, z slabs the deep x and y ranges. The slabs are disjoint and cover interior \ deep.
  IndexBox rest = interior;
  for (int a = 0; a < 3; ++a) {
    IndexBox low = rest, high = rest;
    low.hi[a] = split.deep.lo[a];
    high.lo[a] = split.deep.hi[a];
    if (!low.empty()) split.strip.push_back(low);
    if (!high.empty()) split.strip.push_back(high);
    rest.lo[a] = split.deep.lo[a];
    rest.hi[a] = split.deep.hi[a];
  }
  return split;
}

}  // namespace parlayer::domain
