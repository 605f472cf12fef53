#include <catch2/catch.hpp>

#include <set>

#include "parlayer/domain/index_box.hpp"

using parlayer::domain::Index3;
using parlayer::domain::IndexBox;
using parlayer::domain::PeeledSides;
using parlayer::domain::split_interior;

TEST_CASE("IndexBox basics", "[index_box]") {
  const IndexBox b{{2, 3, 0}, {7, 5, 1}};
  CHECK(b.extents() == Index3{5, 2, 1});
  CHECK(b.cells() == 10);
  CHECK(b.contains(Index3{2, 3, 0}));
  CHECK_FALSE(b.contains(Index3{7, 3, 0}));
  CHECK(b.grown({1, 1, 0}) == IndexBox{{1, 2, 0}, {8, 6, 1}});
  CHECK(b.shifted({-2, 1, 0}) == IndexBox{{0, 4, 0}, {5, 6, 1}});
  CHECK(b.intersection(IndexBox{{5, 0, 0}, {9, 4, 1}}) == IndexBox{{5, 3, 0}, {7, 4, 1}});
  CHECK(b.intersection(IndexBox{{8, 0, 0}, {9, 4, 1}}).empty());
  CHECK(IndexBox{{0, 0, 0}, {0, 4, 1}}.empty());
  CHECK(b.to_string() == "[(2,3,0)..(7,5,1))");
}

// The deep part and the strip boxes must tile the interior exactly once, whatever the widths.
TEST_CASE("split_interior tiles the interior exactly once", "[index_box]") {
  for (const IndexBox interior : {IndexBox{{0, 0, 0}, {10, 7, 1}}, IndexBox{{3, -2, 0}, {6, 9, 1}},
                                  IndexBox{{0, 0, 0}, {9, 8, 6}}, IndexBox{{0, 0, 0}, {2, 2, 2}}}) {
    const bool three_d = interior.extent(2) > 1;
    for (int w = 1; w <= 4; ++w) {
      const Index3 width{w, w, three_d ? w : 0};
      const auto split = split_interior(interior, width);
      std::multiset<std::tuple<int, int, int>> seen;
      auto add = [&](const IndexBox& box) {
        CHECK(interior.contains(box));
        for (int k = box.lo[2]; k < box.hi[2]; ++k)
          for (int j = box.lo[1]; j < box.hi[1]; ++j)
            for (int i = box.lo[0]; i < box.hi[0]; ++i) seen.insert({i, j, k});
      };
      add(split.deep);
      for (const IndexBox& s : split.strip) {
        CHECK_FALSE(s.empty());
        add(s);
      }
      CHECK(static_cast<std::int64_t>(seen.size()) == interior.cells());
      CHECK(std::set<std::tuple<int, int, int>>(seen.begin(), seen.end()).size() == seen.size());
      // Every deep cell's stencil stays inside the interior.
      if (!split.deep.empty()) CHECK(interior.contains(split.deep.grown(width)));
    }
  }
}

// Peeling only some sides: deep reaches the unpeeled sides, the strip still tiles the rest once,
// and the strip boxes come as whole rows/planes when x is not peeled.
TEST_CASE("split_interior peels only the sides asked for", "[index_box]") {
  const IndexBox interior{{0, 0, 0}, {9, 8, 6}};
  const Index3 width{2, 2, 2};
  for (int mask = 0; mask < 64; ++mask) {
    PeeledSides peel{};
    for (int a = 0; a < 3; ++a)
      for (int side = 0; side < 2; ++side) peel[a][side] = (mask >> (2 * a + side)) & 1;
    INFO("mask " << mask);
    const auto split = split_interior(interior, width, peel);
    for (int a = 0; a < 3; ++a) {
      CHECK(split.deep.lo[a] == interior.lo[a] + (peel[a][0] ? 2 : 0));
      CHECK(split.deep.hi[a] == interior.hi[a] - (peel[a][1] ? 2 : 0));
    }
    std::int64_t cells = split.deep.cells();
    for (const IndexBox& s : split.strip) {
      CHECK(interior.contains(s));
      CHECK_FALSE(s.empty());
      CHECK(s.intersection(split.deep).empty());
      for (const IndexBox& t : split.strip)
        if (&s != &t) CHECK(s.intersection(t).empty());
      if (!peel[0][0] && !peel[0][1]) CHECK(s.extent(0) == interior.extent(0));  // whole rows
      cells += s.cells();
    }
    CHECK(cells == interior.cells());
    if (mask == 0) CHECK(split.strip.empty());
  }
}
