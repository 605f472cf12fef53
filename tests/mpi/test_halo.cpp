// Halo exchange: every ghost cell equals the global cell it mirrors (periodic wrap, or the field's
// boundary condition at a wall); ghosts outside the stencil shape stay untouched.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <sstream>

#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"
#include "parlayer/error.hpp"
#include "parlayer/halo/halo_exchange.hpp"
#include "support.hpp"
#include "parlayer/halo/overlap.hpp"
#include "parlayer/parallel/interop.hpp"

using namespace parlayer::domain;
using namespace parlayer::halo;
using namespace parlayer::transfer;
using parlayer::testing::world_rank;
using parlayer::testing::world_size;

namespace {


// The value field `fid` holds at global interior cell c (exact in float, int32 and double).
double cell_value(int fid, const Index3& c, const IndexBox& g, int round) {
  return double(fid * 100000 + round * 20000 + c[0] + g.hi[0] * (c[1] + g.hi[1] * c[2]));
}

// What the ghost at global (possibly outside) cell c must hold, computed from the definitions
// alone: periodic axes wrap; at a wall, the highest walled axis c lies beyond is filled last, from
// its mirror image (which may itself lie beyond a lower wall).
double expected(int fid, Index3 c, const Decomposition& d, const BoundaryCondition (&bc)[3][2], int round) {
  const IndexBox& g = d.global_box();
  for (int a = 0; a < 3; ++a)
    if (d.periodic(a)) c[a] = ((c[a] % g.hi[a]) + g.hi[a]) % g.hi[a];
  for (int a = 2; a >= 0; --a) {
    if (c[a] >= 0 && c[a] < g.hi[a]) continue;
    const bool low = c[a] < 0;
    const BoundaryCondition& b = bc[a][low ? 0 : 1];
    const int dist = low ? -c[a] : c[a] - g.hi[a] + 1;  // 1 next to the wall
    Index3 src = c;
    switch (b.kind) {
      case BoundaryCondition::Kind::constant: return b.value;
      case BoundaryCondition::Kind::zero_gradient: src[a] = low ? 0 : g.hi[a] - 1; break;
      case BoundaryCondition::Kind::reflect:
      case BoundaryCondition::Kind::reflect_odd: src[a] = low ? dist - 1 : g.hi[a] - dist; break;
      default: return std::numeric_limits<double>::quiet_NaN();
    }
    const double v = expected(fid, src, d, bc, round);
    return b.kind == BoundaryCondition::Kind::reflect_odd ? -v : v;
  }
  return cell_value(fid, c, g, round);
}

struct Case {
  std::vector<int> extent;
  std::vector<bool> periodic;
  std::vector<int> grid;  // empty: automatic
};

// Whether a plan of `width` can serve `d`, from the rule's definition: a periodic axis has at
// least `width` cells; along a walled axis, a box touching a wall has at least `width` cells and a
// box not touching it lies at least `width` cells away from it.
bool plan_fits(const Decomposition& d, int width) {
  const IndexBox& g = d.global_box();
  for (int a = 0; a < d.dimensions(); ++a)
    for (const IndexBox& b : d.layout().boxes()) {
      if (d.periodic(a)) {
        if (g.extent(a) < width) return false;
        continue;
      }
      const bool low = b.lo[a] == 0, high = b.hi[a] == g.hi[a];
      if ((low || high) && b.extent(a) < width) return false;
      if ((!low && b.lo[a] < width) || (!high && g.hi[a] - b.hi[a] < width)) return false;
    }
  return true;
}

std::string describe(const Case& c, Stencil s, int w, Backend b) {
  std::ostringstream o;
  o << c.extent.size() << "D extent";
  for (int e : c.extent) o << ' ' << e;
  o << " periodic";
  for (bool p : c.periodic) o << ' ' << p;
  o << " grid";
  for (int p : c.grid) o << ' ' << p;
  o << ' ' << to_string(s) << " width " << w << ' ' << to_string(b);
  return o.str();
}

// Boundary conditions of the three test fields (one per element type), per axis and side.
void set_conditions(FieldBase& f, int fid, BoundaryCondition (&bc)[3][2]) {
  const BoundaryCondition table[3][3][2] = {
      {{BoundaryCondition::reflect(), BoundaryCondition::reflect_odd()},
       {BoundaryCondition::reflect_odd(), BoundaryCondition::zero_gradient()},
       {BoundaryCondition::zero_gradient(), BoundaryCondition::reflect()}},
      {{BoundaryCondition::constant(-5), BoundaryCondition::constant(-6)},
       {BoundaryCondition::zero_gradient(), BoundaryCondition::reflect()},
       {BoundaryCondition::reflect(), BoundaryCondition::constant(-7)}},
      {{BoundaryCondition::zero_gradient(), BoundaryCondition::zero_gradient()},
       {BoundaryCondition::reflect(), BoundaryCondition::constant(3)},
       {BoundaryCondition::constant(4), BoundaryCondition::reflect_odd()}}};
  for (int a = 0; a < 3; ++a)
    for (int s = 0; s < 2; ++s) {
      bc[a][s] = table[fid][a][s];
      f.set_boundary_condition(a, static_cast<Side>(s), bc[a][s]);
    }
}

template <class T>
void fill_interior(Field<T>& f, int fid, const IndexBox& g, int round) {
  for (FieldBox<T>& box : f)
    for_each_cell(box.interior(),
                  [&](int i, int j, int k) { box(i, j, k) = static_cast<T>(cell_value(fid, {i, j, k}, g, round)); });
}

// Counts cells (interior included) holding the wrong bytes; a ghost outside the stencil must hold the sentinel.
template <class T>
int count_wrong(const Field<T>& field, int fid, const Decomposition& d, const BoundaryCondition (&bc)[3][2],
                Stencil stencil, T sentinel, int round) {
  int wrong = 0;
  for (const FieldBox<T>& f : field)
  for_each_cell(f.allocated(), [&](int i, int j, int k) {
    const Index3 c{i, j, k};
    int outside = 0;
    for (int a = 0; a < 3; ++a) outside += (c[a] < f.interior().lo[a] || c[a] >= f.interior().hi[a]);
    T want;
    if (outside == 0)
      want = static_cast<T>(cell_value(fid, c, d.global_box(), round));
    else if (stencil == Stencil::star && outside > 1)
      want = sentinel;
    else
      want = static_cast<T>(expected(fid, c, d, bc, round));
    if (std::memcmp(&f(i, j, k), &want, sizeof(T)) != 0) {  // bytes: a NaN sentinel compares too
      if (wrong < 3)
        UNSCOPED_INFO("field " << fid << " cell (" << i << "," << j << "," << k << ") holds "
                               << double(f(i, j, k)) << ", expected " << double(want) << " (box "
                               << f.interior().to_string() << ")");
      ++wrong;
    }
  });
  return wrong;
}


// Every stencil, width 1..3 and backend on `d`: every ghost of three fields of three element
// types holds what it mirrors, in two rounds (the second reuses the cached binding).
void check_every_ghost(const Decomposition& d, const std::string& what) {
  const int rank = world_rank();
  for (Stencil stencil : {Stencil::star, Stencil::box})
    for (int width = 1; width <= 3; ++width)
      for (Backend backend : {Backend::packed, Backend::datatypes}) {
        INFO(what << ", " << to_string(stencil) << " width " << width << " " << to_string(backend) << " on "
                  << d.rank_count() << " ranks");
        if (!plan_fits(d, width)) {
          CHECK_THROWS_AS(HaloPlan(d, rank, width, stencil), parlayer::CollectiveError);
          continue;
        }
        HaloExchange exchange(HaloPlan(d, rank, width, stencil), MPI_COMM_WORLD, backend);
        Field<double> f0("f0", d, rank, width);
        Field<std::int32_t> f1("f1", d, rank, width);
        Field<float> f2("f2", d, rank, width);
        BoundaryCondition bc[3][3][2];
        set_conditions(f0, 0, bc[0]);
        set_conditions(f1, 1, bc[1]);
        set_conditions(f2, 2, bc[2]);
        const double nan = std::numeric_limits<double>::quiet_NaN();
        for (int round = 0; round < 2; ++round) {
          f0.fill(nan);
          f1.fill(-123456);
          f2.fill(1e30f);
          fill_interior(f0, 0, d.global_box(), round);
          fill_interior(f1, 1, d.global_box(), round);
          fill_interior(f2, 2, d.global_box(), round);
          PendingExchange pending = exchange.start(f0, f1, f2);
          CHECK(pending.in_flight());
          CHECK(f0.exchange_in_flight());
          pending.finish();
          CHECK_FALSE(f0.exchange_in_flight());
          CHECK(count_wrong(f0, 0, d, bc[0], stencil, nan, round) == 0);
          CHECK(count_wrong(f1, 1, d, bc[1], stencil, std::int32_t{-123456}, round) == 0);
          CHECK(count_wrong(f2, 2, d, bc[2], stencil, 1e30f, round) == 0);
        }
      }
}

}  // namespace

TEST_CASE("halo exchange fills every ghost with the cell it mirrors", "[halo]") {
  const int ranks = world_size();
  std::vector<Case> cases = {
      {{13, 11}, {true, true}, {}},   {{13, 11}, {true, false}, {}}, {{13, 11}, {false, false}, {}},
      {{10, 12}, {false, true}, {1, ranks}},  // all ranks along y: a prime grid at 3 ranks
      {{9, 8, 7}, {true, false, true}, {}},   {{9, 8, 7}, {false, true, false}, {}},
      {{7, 9, 12}, {true, true, true}, {1, 1, ranks}}};
  for (const Case& c : cases)
    check_every_ghost(Decomposition(GridSpec{c.extent, c.periodic, c.grid}, ranks), describe(c, Stencil::star, 0, Backend::packed));
}

TEST_CASE("halo exchange on layouts of many boxes per rank", "[halo][layout]") {
  const int ranks = world_size();
  using Owners = Ownership (*)(const Layout&, int);
  const std::pair<const char*, Owners> owners[] = {
      {"round-robin", [](const Layout& l, int r) { return Ownership::round_robin(l, r); }},
      {"space-filling curve", [](const Layout& l, int r) { return Ownership::space_filling_curve(l, r); }},
      {"knapsack", [](const Layout& l, int r) { return Ownership::knapsack(l, r); }}};
  // 4 x 3 boxes of a 2D grid, both axes periodic, one periodic, none; 3D boxes.
  const GridSpec grids[] = {{{17, 13}, {true, true}, {}}, {{17, 13}, {true, false}, {}},
                            {{17, 13}, {false, false}, {}}, {{9, 10, 8}, {true, false, true}, {}}};
  for (const GridSpec& g : grids) {
    const Layout layout = g.extent.size() == 2 ? Layout::blocks(g, {4, 3, 1}) : Layout::blocks(g, {2, 3, 2});
    for (const auto& [name, make] : owners)
      check_every_ghost(Decomposition(layout, make(layout, ranks)), std::string(name) + " over " +
                                                                        std::to_string(layout.size()) + " boxes");
  }
  // Uneven explicit extents (PETSc lx, ly), boxes thinner than the halo in the middle.
  const GridSpec channel{{20, 12}, {true, false}, {}};
  const Layout uneven = Layout::from_extents(channel, {{1, 7, 2, 10}, {3, 1, 2, 6}});
  check_every_ghost(Decomposition(uneven, Ownership::round_robin(uneven, ranks)), "uneven extents");
}

TEST_CASE("a periodic axis spanned by one box, and ranks with no box", "[halo][layout]") {
  const int ranks = world_size();
  // One box along x (periodic): its x ghosts are copies of itself; 2 boxes along y for 1..4 ranks
  // (ranks 2 and 3 own nothing and still take part).
  const GridSpec g{{11, 10}, {true, true}, {}};
  const Layout strips = Layout::blocks(g, {1, 2, 1});
  check_every_ghost(Decomposition(strips, Ownership::round_robin(strips, ranks)), "one box along x");
  // The whole grid on the last rank alone.
  const Layout whole = Layout::blocks(g, {1, 1, 1});
  check_every_ghost(Decomposition(whole, Ownership({ranks - 1}, ranks)), "whole grid on the last rank");
}

TEST_CASE("one message per neighbour carries all fields", "[halo]") {
  const int ranks = world_size(), rank = world_rank();
  const Decomposition d(GridSpec{{16, 12}, {true, true}, {}}, ranks);
  HaloExchange exchange(HaloPlan(d, rank, 2, Stencil::box), MPI_COMM_WORLD);
  Field<double> a("a", d, rank, 2);
  Field<float> b("b", d, rank, 2);
  FieldBase* both[] = {&a, &b};
  FieldBase* only_a[] = {&a};
  // Box stencil on a periodic 2D grid: one message per peer, whatever the number of pieces; the
  // pieces (and local copies) cover the whole ghost ring.
  std::set<int> peers;
  for (const PeerTransfer& p : exchange.plan().transfers().peers) peers.insert(p.rank);
  CHECK(peers.size() == exchange.plan().transfers().peers.size());
  CHECK(peers.count(rank) == 0);
  const IndexBox in = d.box_of(rank);
  const std::int64_t ring = in.grown({2, 2, 0}).cells() - in.cells();
  CHECK(exchange.bytes_sent(only_a) == ring * 8);
  CHECK(exchange.bytes_sent(both) == ring * 12);
}

TEST_CASE("mistakes every rank makes alike are collective errors", "[halo]") {
  using Catch::Matchers::Contains;
  const int ranks = world_size(), rank = world_rank();
  const Decomposition d(GridSpec{{8, 8}, {true, true}, {}}, ranks);
  HaloExchange exchange(HaloPlan(d, rank, 1, Stencil::star), MPI_COMM_WORLD, Backend::datatypes);
  Field<double> a("a", d, rank, 1), b("b", d, rank, 1);
  PendingExchange pending = exchange.start(a);
  CHECK_THROWS_WITH(exchange.start(a, b), Contains("field 'a' is already in flight: start() was called again"));
  CHECK_THROWS_AS(exchange.start(b, b), parlayer::CollectiveError);
  CHECK_NOTHROW(pending.finish());
  CHECK_THROWS_AS(pending.finish(), std::logic_error);
  CHECK_NOTHROW(exchange.exchange(a, b));
  // A field laid out for another width is rejected before any message is sent.
  Field<double> wide("wide", d, rank, 2);
  CHECK_THROWS_WITH(exchange.start(wide), Contains("field 'wide' has ghost width 2, but the exchange's plan has width 1"));
  // A kernel that reads farther than the ghosts, or diagonally over a star exchange: caught before
  // it runs, on every rank count.
  auto kernel = [](const Tile&) {};
  CHECK_THROWS_WITH(run_stencil_step(exchange, Overlap::on, Reach{2, Stencil::star}, kernel, kernel, a),
                    Contains("the kernel reads 2 cells (star), but the halo exchange fills 1"));
  CHECK_THROWS_WITH(run_stencil_step(exchange, Overlap::off, Reach{1, Stencil::box}, kernel, kernel, a),
                    Contains("reads diagonal neighbours (box), but the halo exchange is a star exchange"));
  CHECK_FALSE(a.exchange_in_flight());  // nothing was started
  CHECK_NOTHROW(run_stencil_step(exchange, Overlap::on, Reach{1, Stencil::star}, kernel, kernel, a));
  CHECK_NOTHROW(run_stencil_step(exchange, Overlap::on, Reach{0, Stencil::box}, kernel, kernel, a));
}

TEST_CASE("a halo that boxes cannot serve is a clear error", "[halo]") {
  using Catch::Matchers::Contains;
  const int ranks = world_size();
  // Walled along x: boxes of 2 cells and a halo of 3.
  const Decomposition d(GridSpec{{ranks * 2, 8}, {false, true}, {ranks, 1}}, ranks);
  CHECK_THROWS_WITH(HaloPlan(d, 0, 3, Stencil::star), Contains("narrower than the halo width 3") && Contains("box 0"));
  CHECK_THROWS_WITH(HaloPlan(d, 0, 5, Stencil::star), Contains("width must be 1..4"));
  // Periodic: small boxes are fine (ghosts come from several boxes), but not fewer cells than the width.
  const Layout thin = Layout::blocks(GridSpec{{8, 8}, {true, true}, {}}, {4, 1, 1});
  CHECK_NOTHROW(HaloPlan(Decomposition(thin, Ownership::round_robin(thin, ranks)), 0, 3, Stencil::box));
  CHECK_THROWS_WITH(HaloPlan(Decomposition(GridSpec{{2, 8}, {true, true}, {1, ranks}}, ranks), 0, 3, Stencil::star),
                    Contains("exceeds the 2 cells of the periodic axis x"));
  // A box in the middle that lies closer to a wall than the halo width, without touching it.
  const GridSpec g{{12, 8}, {false, false}, {}};
  const Layout layout(g, {IndexBox{{0, 0, 0}, {12, 4, 1}}, IndexBox{{1, 4, 0}, {12, 8, 1}}, IndexBox{{0, 4, 0}, {1, 8, 1}}});
  CHECK_THROWS_WITH(HaloPlan(Decomposition(layout, Ownership::round_robin(layout, ranks)), 0, 2, Stencil::star),
                    Contains("box 1") && Contains("closer than the halo width 2"));
}
