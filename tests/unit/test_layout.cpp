// Layout (boxes tiling a grid) and Ownership (box -> rank): pure functions, checked exhaustively.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <numeric>
#include <vector>

#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/layout.hpp"
#include "parlayer/domain/ownership.hpp"
#include "parlayer/error.hpp"

using namespace parlayer::domain;
using Catch::Matchers::Contains;
using parlayer::CollectiveError;

namespace {

// Every cell lies in exactly one box, and box_containing / boxes_intersecting agree with a scan.
void check_tiling(const Layout& layout) {
  const IndexBox& g = layout.global_box();
  std::vector<int> box_of(static_cast<std::size_t>(g.cells()), -1);
  for (int b = 0; b < layout.size(); ++b)
    for_each_cell(layout.box(b), [&](int i, int j, int k) {
      int& slot = box_of[static_cast<std::size_t>(i + g.hi[0] * (j + g.hi[1] * k))];
      REQUIRE(slot == -1);
      slot = b;
    });
  for_each_cell(g, [&](int i, int j, int k) {
    const int b = box_of[static_cast<std::size_t>(i + g.hi[0] * (j + g.hi[1] * k))];
    REQUIRE(b >= 0);
    REQUIRE(layout.box_containing({i, j, k}) == b);
  });
  // A few regions, clipped and not: the intersecting boxes are exactly those a scan finds.
  for (const IndexBox& r : {IndexBox{{-2, -2, 0}, {3, 4, 1}}, IndexBox{{2, 1, 0}, {g.hi[0] - 1, g.hi[1], g.hi[2]}},
                            g.grown({1, 1, 1}), IndexBox{{1, 1, 0}, {2, 2, 1}}}) {
    std::vector<int> scan;
    for (int b = 0; b < layout.size(); ++b)
      if (!layout.box(b).intersection(r).empty()) scan.push_back(b);
    CHECK(layout.boxes_intersecting(r) == scan);
  }
}

}  // namespace

TEST_CASE("block, extent and chopped layouts tile the grid", "[layout]") {
  const GridSpec g2{{23, 17}, {true, false}, {}};
  const Layout blocks = Layout::blocks(g2, {4, 3, 1});
  CHECK(blocks.size() == 12);
  CHECK(blocks.block_grid() == Index3{4, 3, 1});
  CHECK(blocks.box(0) == IndexBox{{0, 0, 0}, {6, 6, 1}});   // 23 = 6+6+6+5, 17 = 6+6+5
  CHECK(blocks.box(5) == IndexBox{{6, 6, 0}, {12, 12, 1}});  // x-fastest numbering
  check_tiling(blocks);
  const Layout extents = Layout::from_extents(g2, {{1, 10, 12}, {17}});
  CHECK(extents.box(1) == IndexBox{{1, 0, 0}, {11, 17, 1}});
  check_tiling(extents);
  const Layout chopped = Layout::chopped(GridSpec{{9, 10, 7}, {}, {}}, {4, 4, 0});
  CHECK(chopped.block_grid() == Index3{3, 3, 1});
  CHECK(chopped.min_box_extent(0) == 3);
  check_tiling(chopped);
  CHECK(Layout::chopped(g2, {8, 8, 1}).block_grid() == Index3{3, 3, 1});
  CHECK(blocks.box_containing({-1, 0, 0}) == 3);  // periodic x wraps
  CHECK(blocks.box_containing({0, -1, 0}) == std::nullopt);  // wall
}

TEST_CASE("any boxes: overlaps, holes and strays are clear errors", "[layout]") {
  const GridSpec g{{8, 6}, {}, {}};
  const Layout ok(g, {IndexBox{{0, 0, 0}, {5, 6, 1}}, IndexBox{{5, 0, 0}, {8, 2, 1}}, IndexBox{{5, 2, 0}, {8, 6, 1}}});
  CHECK(ok.block_grid() == Index3{0, 0, 0});
  check_tiling(ok);
  CHECK_THROWS_WITH(Layout(g, {IndexBox{{0, 0, 0}, {5, 6, 1}}, IndexBox{{4, 0, 0}, {8, 6, 1}}}),
                    Contains("boxes 0 [(0,0,0)..(5,6,1)) and 1 [(4,0,0)..(8,6,1)) overlap"));
  CHECK_THROWS_WITH(Layout(g, {IndexBox{{0, 0, 0}, {5, 6, 1}}, IndexBox{{5, 0, 0}, {8, 5, 1}}}),
                    Contains("leave a hole: they cover 45 of the 48 cells"));
  CHECK_THROWS_WITH(Layout(g, {IndexBox{{0, 0, 0}, {9, 6, 1}}}), Contains("box 0 [(0,0,0)..(9,6,1)) reaches outside"));
  CHECK_THROWS_WITH(Layout(g, {IndexBox{{0, 0, 0}, {0, 6, 1}}}), Contains("is empty"));
  CHECK_THROWS_WITH(Layout::from_extents(g, {{3, 4}, {6}}), Contains("along x add up to 7, but the grid has 8"));
  CHECK_THROWS_WITH(Layout::from_extents(g, {{8, 0}, {6}}), Contains("is 0; every block needs at least one cell"));
  CHECK_THROWS_WITH(Layout::blocks(g, {9, 1, 1}), Contains("9 blocks along x but only 8 cells"));
  CHECK_THROWS_AS(Layout::blocks(g, {0, 1, 1}), CollectiveError);
}

TEST_CASE("ownership strategies give every box one rank, deterministically", "[ownership]") {
  const Layout layout = Layout::blocks(GridSpec{{40, 30}, {true, false}, {}}, {8, 6, 1});  // 48 boxes
  for (int ranks = 1; ranks <= 7; ++ranks) {
    INFO(ranks << " ranks");
    std::vector<double> weights(48);
    for (int b = 0; b < 48; ++b) weights[static_cast<std::size_t>(b)] = 1.0 + (b * 7) % 5;
    const Ownership rr = Ownership::round_robin(layout, ranks);
    const Ownership sfc = Ownership::space_filling_curve(layout, ranks);
    const Ownership sfc_w = Ownership::space_filling_curve(layout, ranks, weights);
    const Ownership ks = Ownership::knapsack(layout, ranks, weights);
    for (const Ownership* o : {&rr, &sfc, &sfc_w, &ks}) {
      int boxes = 0;
      for (int r = 0; r < ranks; ++r) {
        for (const int b : o->boxes_of(r)) CHECK(o->owner(b) == r);
        CHECK(std::is_sorted(o->boxes_of(r).begin(), o->boxes_of(r).end()));
        CHECK_FALSE(o->boxes_of(r).empty());  // 48 boxes are enough for every rank
        boxes += static_cast<int>(o->boxes_of(r).size());
      }
      CHECK(boxes == 48);
    }
    CHECK(rr.owner(ranks) == 0);
    CHECK(Ownership::knapsack(layout, ranks, weights) == ks);  // a pure function
    // Equal boxes: the curve cuts into runs of equal length; the knapsack balances weights within
    // the largest weight of one box.
    CHECK(balance_efficiency(layout, sfc) >= 48.0 / ranks / std::ceil(48.0 / ranks) - 1e-12);
    double most = 0, total = 0;
    std::vector<double> load(static_cast<std::size_t>(ranks), 0.0);
    for (int b = 0; b < 48; ++b) load[static_cast<std::size_t>(ks.owner(b))] += weights[static_cast<std::size_t>(b)];
    for (const double l : load) most = std::max(most, l), total += l;
    CHECK(most <= total / ranks + 5.0);
  }
  // The curve keeps neighbours together: on 4 ranks, rank 0's boxes of an 8x8 block layout are
  // the lower-left quarter (Morton order).
  const Layout square = Layout::blocks(GridSpec{{64, 64}, {}, {}}, {8, 8, 1});
  const Ownership sfc4 = Ownership::space_filling_curve(square, 4);
  for (const int b : sfc4.boxes_of(0)) {
    CHECK(square.box(b).lo[0] < 32);
    CHECK(square.box(b).lo[1] < 32);
  }
}

TEST_CASE("ownership errors name the box or the rank", "[ownership]") {
  const Layout layout = Layout::blocks(GridSpec{{8, 8}, {}, {}}, {2, 2, 1});
  CHECK_THROWS_WITH(Ownership({0, 1, 4, 0}, 4), Contains("box 2 is given to rank 4, but the job has ranks 0..3"));
  CHECK_THROWS_WITH(Ownership::cartesian(layout, 3), Contains("one box per rank, but the layout has 4 boxes for 3 ranks"));
  CHECK_THROWS_WITH(Ownership::knapsack(layout, 2, std::vector<double>{1, 2}), Contains("2 weights for 4 boxes"));
  CHECK_THROWS_WITH(Ownership::knapsack(layout, 2, std::vector<double>{1, -2, 1, 1}), Contains("weight of box 1"));
  CHECK_THROWS_WITH(Decomposition(layout, Ownership({0, 0}, 1)), Contains("ownership is for 2 boxes, the layout has 4"));
  // A box without an owner: nobody owns its cells.
  const Decomposition d(layout, Ownership({0, no_owner, 1, 1}, 2));
  CHECK(d.owner_of({5, 1, 0}) == std::nullopt);
  CHECK(d.owner_of({5, 5, 0}) == 1);
  CHECK(d.boxes_of(1) == std::vector<int>{2, 3});
  CHECK_THROWS_AS(d.box_of(1), std::logic_error);
  CHECK(d.process_grid() == Index3{0, 0, 0});
}
