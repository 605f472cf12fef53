#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>

#include "parlayer/domain/field.hpp"
#include "parlayer/halo/boundary_fill.hpp"
#include "parlayer/halo/halo_plan.hpp"

using namespace parlayer::domain;
using parlayer::halo::HaloPlan;
using parlayer::halo::Stencil;

TEST_CASE("Field layout: global indexing, strides, local mapping", "[field]") {
  Field<double> field("h", IndexBox{{4, 10, 0}, {8, 13, 1}}, {2, 2, 0});
  CHECK(field.box_count() == 1);
  FieldBox<double>& f = field.only();
  CHECK(&field(5, 11) == &f(5, 11));
  CHECK(f.allocated() == IndexBox{{2, 8, 0}, {10, 15, 1}});
  CHECK(f.size() == 8 * 7);
  CHECK(f.stride_y() == 8);
  CHECK(f.offset(2, 8, 0) == 0);
  CHECK(f.offset(4, 10, 0) == 2 + 2 * 8);
  CHECK(reinterpret_cast<std::uintptr_t>(f.data()) % 64 == 0);
  f(5, 11) = 3.5;
  CHECK(f.data()[f.offset(5, 11, 0)] == 3.5);
  CHECK(&f.at({5, 11, 0}) == &f(5, 11));
  CHECK_THROWS_AS(f.at({1, 11, 0}), std::out_of_range);
  CHECK(f.to_local({4, 10, 0}) == Index3{0, 0, 0});
  CHECK(f.to_local({2, 8, 0}) == Index3{-2, -2, 0});
  CHECK(f.to_global({-1, 3, 0}) == Index3{3, 13, 0});
  CHECK(f.element_type() == ElementType::float64);
  CHECK(Field<std::int32_t>("n", f.interior(), {1, 1, 0}).element_type() == ElementType::int32);
  CHECK(&f.field() == &field);
}

TEST_CASE("Field ghost boxes cover exactly the ghost cells", "[field]") {
  for (const Index3 g : {Index3{1, 1, 0}, Index3{3, 2, 0}, Index3{2, 2, 2}}) {
    const IndexBox interior = g[2] ? IndexBox{{0, 0, 0}, {5, 4, 3}} : IndexBox{{0, 0, 0}, {5, 4, 1}};
    Field<int> f("n", interior, g);
    f.fill(0);
    for (const IndexBox& b : f.only().ghost_boxes()) {
      CHECK(f.allocated().contains(b));
      CHECK(b.intersection(interior).empty());
      for_each_cell(b, [&](int i, int j, int k) { f(i, j, k) += 1; });
    }
    for_each_cell(f.allocated(), [&](int i, int j, int k) {
      CHECK(f(i, j, k) == (interior.contains(Index3{i, j, k}) ? 0 : 1));
    });
    CHECK(f.only().ghost_boxes().size() == (g[2] ? 26u : 8u));
  }
}

TEST_CASE("boundary conditions fill ghosts beyond walls", "[field][boundary]") {
  // One rank owns the whole 6x5 grid, walled on both axes; width 2; star and box.
  const Decomposition d(GridSpec{{6, 5}, {false, false}, {}}, 1);
  for (Stencil stencil : {Stencil::star, Stencil::box}) {
    const HaloPlan plan(d, 0, 2, stencil);
    CHECK(plan.transfers().peers.empty());
    CHECK(plan.transfers().local.empty());
    CHECK(plan.walls().size() == 4);
    Field<double> f("q", d, 0, 2);
    const double sentinel = -999.0;
    f.fill(sentinel);
    for_each_cell(f.interior(), [&](int i, int j, int k) { f(i, j, k) = 10 * i + j + 1; });
    f.set_boundary_condition(0, Side::low, BoundaryCondition::constant(7.0));
    f.set_boundary_condition(0, Side::high, BoundaryCondition::zero_gradient());
    f.set_boundary_condition(1, Side::low, BoundaryCondition::reflect());
    f.set_boundary_condition(1, Side::high, BoundaryCondition::reflect_odd());
    parlayer::halo::fill_walls(f, plan);
    CHECK(f(-1, 2) == 7.0);
    CHECK(f(-2, 4) == 7.0);
    CHECK(f(6, 3) == f(5, 3));
    CHECK(f(7, 3) == f(5, 3));
    CHECK(f(2, -1) == f(2, 0));
    CHECK(f(2, -2) == f(2, 1));
    CHECK(f(2, 5) == -f(2, 4));
    CHECK(f(2, 6) == -f(2, 3));
    if (stencil == Stencil::star) {
      CHECK(f(-1, -1) == sentinel);  // corners untouched under a star stencil
      CHECK(f(7, 6) == sentinel);
    } else {
      CHECK(f(-1, -1) == 7.0);       // x wall first (constant), then the y wall mirrors it
      CHECK(f(7, 6) == -f(7, 3));    // y wall (odd mirror) of the x-filled ghost
      CHECK(f(7, 3) == f(5, 3));
    }
  }
}

TEST_CASE("a custom boundary hook receives the ghost box", "[field][boundary]") {
  const Decomposition d(GridSpec{{4, 4}, {true, false}, {}}, 1);
  const HaloPlan plan(d, 0, 1, Stencil::star);
  Field<float> f("t", d, 0, 1);
  int calls = 0;
  f.set_boundary_condition(1, BoundaryCondition::custom([&](FieldBoxBase& base, int axis, Side side, const IndexBox& ghosts) {
    ++calls;
    CHECK(axis == 1);
    CHECK(ghosts.extent(1) == 1);
    CHECK(ghosts.extent(0) == 4);
    auto& typed = static_cast<FieldBox<float>&>(base);
    CHECK(typed.field().name() == "t");
    typed.fill(side == Side::low ? 1.f : 2.f, ghosts);
  }));
  parlayer::halo::fill_walls(f, plan);
  CHECK(calls == 2);
  CHECK(f(0, -1) == 1.f);
  CHECK(f(3, 4) == 2.f);
}

TEST_CASE("large fields are 2 MiB aligned (huge pages) and behave like small ones", "[field]") {
  // 600 x 600 doubles with 1 ghost = 2.9 MB: the huge-page path of the allocator.
  Field<double> big("big", IndexBox{{0, 0, 0}, {600, 600, 1}}, {1, 1, 0});
  CHECK(reinterpret_cast<std::uintptr_t>(big.only().data()) % (std::uintptr_t{2} << 20) == 0);
  CHECK(big(-1, -1) == 0.0);
  CHECK(big(599, 599) == 0.0);
  big.fill(2.5);
  big(300, 300) = 7.0;
  double sum = 0;
  for (double v : big.only().values()) sum += v;
  CHECK(sum == 2.5 * (602.0 * 602.0 - 1) + 7.0);
  Field<double> small("small", IndexBox{{0, 0, 0}, {10, 10, 1}}, {1, 1, 0});
  CHECK(reinterpret_cast<std::uintptr_t>(small.only().data()) % 64 == 0);
}
