// Boundary conditions applied by the halo module (halo::fill_walls): geometry only, no messages,
// so a serial test; it links parlayer::halo (tests/unit/test_field.cpp covers Field alone).
#include <catch2/catch.hpp>

#include "parlayer/domain/field.hpp"
#include "parlayer/halo/boundary_fill.hpp"
#include "parlayer/halo/halo_plan.hpp"

using namespace parlayer::domain;
using parlayer::halo::HaloPlan;
using parlayer::halo::Stencil;

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
