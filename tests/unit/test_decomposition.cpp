#include <catch2/catch.hpp>

#include <vector>

#include "parlayer/domain/decomposition.hpp"
#include "parlayer/error.hpp"

using parlayer::CollectiveError;
using parlayer::domain::Decomposition;
using parlayer::domain::GridSpec;
using parlayer::domain::Index3;
using parlayer::domain::IndexBox;

namespace {

// Every global cell is owned exactly once, owner_of agrees with box_of, and block sizes along an
// axis differ by at most one.
void check_exact_cover(const Decomposition& d) {
  const IndexBox& g = d.global_box();
  std::vector<int> owner(static_cast<std::size_t>(g.cells()), -1);
  auto linear = [&](int i, int j, int k) {
    return static_cast<std::size_t>(i + g.hi[0] * (j + g.hi[1] * k));
  };
  for (int r = 0; r < d.rank_count(); ++r) {
    const IndexBox b = d.box_of(r);
    REQUIRE_FALSE(b.empty());
    REQUIRE(g.contains(b));
    for (int k = b.lo[2]; k < b.hi[2]; ++k)
      for (int j = b.lo[1]; j < b.hi[1]; ++j)
        for (int i = b.lo[0]; i < b.hi[0]; ++i) {
          REQUIRE(owner[linear(i, j, k)] == -1);  // never owned twice
          owner[linear(i, j, k)] = r;
        }
  }
  for (int k = 0; k < g.hi[2]; ++k)
    for (int j = 0; j < g.hi[1]; ++j)
      for (int i = 0; i < g.hi[0]; ++i) {
        REQUIRE(owner[linear(i, j, k)] >= 0);  // owned at least once
        REQUIRE(d.owner_of({i, j, k}) == owner[linear(i, j, k)]);
      }
  for (int a = 0; a < 3; ++a) {
    int smallest = g.extent(a), largest = 0;
    for (int r = 0; r < d.rank_count(); ++r) {
      smallest = std::min(smallest, d.box_of(r).extent(a));
      largest = std::max(largest, d.box_of(r).extent(a));
    }
    CHECK(largest - smallest <= 1);
    CHECK(smallest == d.min_block_extent(a));
  }
}

// Whether some process grid of `ranks` fits `extent` (at least one cell per rank along each axis).
bool some_grid_fits(const std::vector<int>& extent, int ranks) {
  const int nz = extent.size() == 3 ? extent[2] : 1;
  for (int px = 1; px <= extent[0]; ++px)
    for (int py = 1; py <= extent[1]; ++py)
      for (int pz = 1; pz <= nz; ++pz)
        if (px * py * pz == ranks) return true;
  return false;
}

}  // namespace

TEST_CASE("every cell is owned exactly once (2D, many sizes and rank counts)", "[decomposition]") {
  for (int nx : {1, 2, 5, 7, 16, 31}) {
    for (int ny : {1, 3, 8, 13}) {
      for (int ranks = 1; ranks <= 13; ++ranks) {
        const GridSpec spec{{nx, ny}, {true, false}, {}};
        if (!some_grid_fits(spec.extent, ranks)) {
          CHECK_THROWS_AS(Decomposition(spec, ranks), CollectiveError);
          continue;
        }
        Decomposition d(spec, ranks);
        INFO(nx << "x" << ny << " on " << ranks << " ranks: grid " << d.process_grid()[0] << "x"
                << d.process_grid()[1]);
        CHECK(d.process_grid()[0] * d.process_grid()[1] == ranks);
        check_exact_cover(d);
      }
    }
  }
}

TEST_CASE("every cell is owned exactly once (3D, user and automatic grids)", "[decomposition]") {
  for (const Index3 n : {Index3{5, 6, 7}, Index3{13, 4, 9}, Index3{2, 2, 2}}) {
    for (int ranks : {1, 2, 3, 4, 5, 6, 7, 8, 11, 12}) {
      const GridSpec spec{{n[0], n[1], n[2]}, {}, {}};
      INFO(n[0] << "x" << n[1] << "x" << n[2] << " on " << ranks);
      if (!some_grid_fits(spec.extent, ranks)) {
        CHECK_THROWS_AS(Decomposition(spec, ranks), CollectiveError);
        continue;
      }
      check_exact_cover(Decomposition(spec, ranks));
    }
  }
  check_exact_cover(Decomposition(GridSpec{{13, 4, 9}, {}, {3, 1, 2}}, 6));
  check_exact_cover(Decomposition(GridSpec{{7, 5, 3}, {true, true, true}, {7, 1, 1}}, 7));
}

TEST_CASE("automatic process grid minimises the cut surface", "[decomposition]") {
  CHECK(Decomposition(GridSpec{{64, 64}, {}, {}}, 4).process_grid() == Index3{2, 2, 1});
  // A tie (64x64 on 2 ranks) is broken towards fewer cuts along x: whole contiguous rows.
  CHECK(Decomposition(GridSpec{{64, 64}, {}, {}}, 2).process_grid() == Index3{1, 2, 1});
  // A wide grid is cut across its long axis.
  CHECK(Decomposition(GridSpec{{400, 20}, {}, {}}, 4).process_grid() == Index3{4, 1, 1});
  CHECK(Decomposition(GridSpec{{32, 32, 32}, {}, {}}, 8).process_grid() == Index3{2, 2, 2});
  // A prime rank count has one axis only, and must fit.
  CHECK(Decomposition(GridSpec{{3, 100}, {}, {}}, 7).process_grid() == Index3{1, 7, 1});
  // Deterministic: same inputs, same answer.
  CHECK(Decomposition(GridSpec{{97, 61}, {true, false}, {}}, 12) ==
        Decomposition(GridSpec{{97, 61}, {true, false}, {}}, 12));
}

TEST_CASE("uneven extents: the first n % p blocks get one cell more", "[decomposition]") {
  Decomposition d(GridSpec{{10, 1}, {}, {3, 1}}, 3);
  CHECK(d.box_of(0) == IndexBox{{0, 0, 0}, {4, 1, 1}});
  CHECK(d.box_of(1) == IndexBox{{4, 0, 0}, {7, 1, 1}});
  CHECK(d.box_of(2) == IndexBox{{7, 0, 0}, {10, 1, 1}});
}

TEST_CASE("owners across periodic wraps and walls; rank numbering", "[decomposition]") {
  // 3x2 grid, periodic in x, walled in y. Ranks: row y=0: 0 1 2, row y=1: 3 4 5 (x fastest).
  Decomposition d(GridSpec{{9, 4}, {true, false}, {3, 2}}, 6);
  CHECK(d.process_grid() == Index3{3, 2, 1});
  CHECK(d.box_of(4) == IndexBox{{3, 2, 0}, {6, 4, 1}});
  CHECK(d.boxes_of(4) == std::vector<int>{4});
  CHECK(d.owner_of({-1, 0, 0}) == 2);  // wraps in x
  CHECK(d.owner_of({9, 3, 0}) == 3);
  CHECK(d.owner_of({-1, 2, 0}) == 5);  // corner across the periodic edge
  CHECK(d.owner_of({0, -1, 0}) == std::nullopt);  // wall
  CHECK(d.owner_of({0, 4, 0}) == std::nullopt);
  Decomposition single(GridSpec{{8, 8}, {true, true}, {}}, 1);
  CHECK(single.owner_of({-3, 11, 0}) == 0);
  CHECK(single.ghost_widths(2) == Index3{2, 2, 0});
}

TEST_CASE("impossible decompositions are clear errors", "[decomposition]") {
  using Catch::Matchers::Contains;
  CHECK_THROWS_WITH(Decomposition(GridSpec{{8, 8}, {}, {3, 1}}, 4),
                    Contains("process grid 3x1 has 3 ranks, but the job has 4"));
  CHECK_THROWS_WITH(Decomposition(GridSpec{{2, 8}, {}, {4, 1}}, 4), Contains("4 ranks along x but only 2 cells"));
  CHECK_THROWS_WITH(Decomposition(GridSpec{{3, 3}, {}, {}}, 11), Contains("no process grid fits 11 ranks on a 3x3 grid"));
  CHECK_THROWS_WITH(Decomposition(GridSpec{{0, 8}, {}, {}}, 1), Contains("extent along x must be >= 1, got 0"));
  CHECK_THROWS_WITH(Decomposition(GridSpec{{8}, {}, {}}, 1), Contains("2 or 3 extents"));
  CHECK_THROWS_WITH(Decomposition(GridSpec{{8, 8}, {}, {}}, 0), Contains("rank count must be >= 1"));
  CHECK_THROWS_WITH(Decomposition(GridSpec{{8, 8}, {true}, {}}, 1), Contains("periodic flags for 1 axes"));
  CHECK_THROWS_AS(Decomposition(GridSpec{{8, 8}, {}, {2, 2}}, 3), CollectiveError);
}
