// Load balancing (issue 11): box weights from a land mask, boxes without an active cell eliminated
// (no owner, ghosts next to them filled as coasts), the efficiency, the bad-input errors, and a
// masked 9-point model that gives the same bytes on the wet cells with and without elimination
// and with and without rebalancing, on any rank count.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "parlayer/balance/balancer.hpp"
#include "parlayer/balance/weights.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"
#include "parlayer/halo/halo_exchange.hpp"
#include "parlayer/halo/overlap.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/transfer/redistribution.hpp"
#include "support.hpp"

using namespace parlayer;
using namespace parlayer::domain;
using parlayer::testing::error_of;
using parlayer::testing::world_rank;
using parlayer::testing::world_size;

namespace {

constexpr int nx = 24, ny = 16;
constexpr double land_value = 7.0;

// Land: a continent x in [8, 16) for every y, and a square island; about 40% land.
bool wet(int i, int j) {
  i = ((i % nx) + nx) % nx;
  if (i >= 8 && i < 16) return false;
  if (i >= 18 && i < 22 && j >= 4 && j < 12) return false;
  return true;
}

std::vector<double> mask() {
  std::vector<double> m(nx * ny);
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i) m[static_cast<std::size_t>(i + nx * j)] = wet(i, j) ? 1.0 : 0.0;
  return m;
}

const GridSpec grid{{nx, ny}, {true, false}, {}};

// A masked 9-point smoother: land cells keep land_value, wet cells mix with all eight neighbours
// (land ones included, so the coast ghosts' values matter). Periodic in x, reflecting walls in y.
struct Model {
  Decomposition d;
  halo::HaloExchange exchange;
  Field<double> q, next;
  Model(const Decomposition& decomposition, int rank)
      : d(decomposition), exchange(halo::HaloPlan(d, rank, 1, halo::Stencil::box), MPI_COMM_WORLD),
        q("q", d, rank, 1), next("next", d, rank, 1) {
    for (Field<double>* f : {&q, &next}) {
      f->set_boundary_condition(1, BoundaryCondition::reflect());
      f->set_land_condition(BoundaryCondition::constant(land_value));
      f->fill(-1.0);
    }
  }
  void initialise() {
    for (FieldBox<double>& b : q)
      for_each_cell(b.interior(), [&](int i, int j, int) {
        b(i, j) = wet(i, j) ? std::sin(0.3 * i) + std::cos(0.7 * j) + 0.01 * i * j : land_value;
      });
  }
  void step() {
    auto kernel = [&](const Tile& t) {
      const FieldBox<double>& in = q[t.local];
      FieldBox<double>& out = next[t.local];
      for_each_cell(t.box, [&](int i, int j, int) {
        if (!wet(i, j)) {
          out(i, j) = land_value;
          return;
        }
        double s = 0.0;
        for (int dj = -1; dj <= 1; ++dj)
          for (int di = -1; di <= 1; ++di) s += in(i + di, j + dj) - in(i, j);
        out(i, j) = in(i, j) + 0.05 * s;
      });
    };
    halo::run_stencil_step(exchange, halo::Overlap::on, kernel, kernel, q);
    for (int l = 0; l < q.box_count(); ++l) {
      const std::span<const double> from = next[l].values();
      std::copy(from.begin(), from.end(), q[l].values().begin());
    }
  }
};

// The wet cells of a field gathered on rank 0 (land cells read as NaN there), x fastest.
std::vector<double> wet_cells(const Field<double>& f, const Decomposition& d) {
  std::vector<double> all = parlayer::testing::gather_global(f, d, MPI_COMM_WORLD);
  for (std::size_t n = 0; n < all.size(); ++n)
    if (!wet(static_cast<int>(n % nx), static_cast<int>(n / nx))) all[n] = 0.0;
  return all;
}

}  // namespace

TEST_CASE("box weights from a mask: land boxes get no owner, the rest are dealt by weight", "[balance]") {
  const Layout layout = Layout::chopped(grid, {4, 4, 1});  // 6 x 4 boxes
  const std::vector<double> w = balance::box_weights(layout, mask());
  REQUIRE(w.size() == 24u);
  CHECK(w[0] == 16.0);  // x [0, 4): all wet
  CHECK(w[2] == 0.0);   // x [8, 12): continent
  CHECK(w[3] == 0.0);   // x [12, 16): continent
  CHECK(w[4] == 16.0);  // x [16, 20), y [0, 4): wet
  CHECK(w[4 + 6] == 8.0);  // x [16, 20), y [4, 8): half island
  for (const auto strategy : {OwnershipStrategy::sfc, OwnershipStrategy::knapsack})
    for (int ranks = 1; ranks <= 4; ++ranks) {
      const Ownership o = balance::weighted_ownership(layout, ranks, w, strategy);
      const balance::LoadReport r = balance::load_report(layout, o, w);
      CHECK(r.eliminated == 8);  // the two continent columns of boxes
      CHECK(r.boxes == 24);
      for (int b = 0; b < layout.size(); ++b) CHECK((o.owner(b) == no_owner) == (w[b] == 0.0));
      CHECK(r.efficiency > 0.0);
      CHECK(r.efficiency <= 1.0);
      if (ranks == 1) CHECK(r.efficiency == 1.0);
      if (strategy == OwnershipStrategy::knapsack) CHECK(r.efficiency >= 0.9);
    }
  // cartesian and round_robin do not weigh boxes: weighted, they are dealt as sfc.
  for (const auto strategy : {OwnershipStrategy::cartesian, OwnershipStrategy::round_robin})
    CHECK(balance::weighted_ownership(layout, 3, w, strategy) ==
          balance::weighted_ownership(layout, 3, w, OwnershipStrategy::sfc));
  // The efficiency is mean / max of the rank loads.
  const std::vector<double> loads{1.0, 3.0};
  CHECK(balance::efficiency_of(loads) == 2.0 / 3.0);
}

TEST_CASE("bad balance input is one clear collective error", "[balance]") {
  const Layout layout = Layout::chopped(grid, {4, 4, 1});
  std::vector<double> m = mask();
  std::vector<double> short_mask(m.begin(), m.end() - 1);
  CHECK(error_of([&] { balance::box_weights(layout, short_mask); }).find("the mask has 383 values, but the 24x16 grid "
                                                                          "has 384 cells") != std::string::npos);
  std::vector<double> land(m.size(), 0.0);
  CHECK(error_of([&] { balance::box_weights(layout, land); }).find("all land") != std::string::npos);
  m[5 + nx * 2] = -1.0;
  CHECK(error_of([&] { balance::box_weights(layout, m); }).find("cost of cell (5, 2) is -1") != std::string::npos);
  m[5 + nx * 2] = std::numeric_limits<double>::quiet_NaN();
  CHECK(error_of([&] { balance::box_weights(layout, m); }).find("is nan") != std::string::npos);
  std::vector<double> w(24, 1.0);
  w[3] = -2.0;
  CHECK(error_of([&] { balance::weighted_ownership(layout, 2, w, OwnershipStrategy::sfc); })
            .find("weight of box 3") != std::string::npos);
  CHECK(error_of([&] { balance::Balancer(layout, Ownership::round_robin(layout, 1), {5, 0.5, 0.5, {}}, MPI_COMM_WORLD); })
            .find("balance.threshold") != std::string::npos);
}

TEST_CASE("ghosts next to a box with no owner are filled as a coast", "[balance]") {
  const int ranks = world_size(), rank = world_rank();
  const Layout layout = Layout::chopped(grid, {4, 4, 1});
  const Ownership o = balance::weighted_ownership(layout, ranks, balance::box_weights(layout, mask()),
                                                  OwnershipStrategy::sfc);
  const Decomposition d(layout, o);
  for (const halo::Stencil stencil : {halo::Stencil::star, halo::Stencil::box}) {
    halo::HaloExchange exchange(halo::HaloPlan(d, rank, 2, stencil), MPI_COMM_WORLD);
    Field<double> constant("c", d, rank, 2), mirrored("m", d, rank, 2);
    constant.set_boundary_condition(1, BoundaryCondition::reflect());
    constant.set_land_condition(BoundaryCondition::constant(land_value));
    mirrored.set_boundary_condition(1, BoundaryCondition::reflect_odd());  // used at coasts too
    mirrored.set_boundary_condition(0, BoundaryCondition::reflect_odd());
    for (Field<double>* f : {&constant, &mirrored}) {
      f->fill(-99.0);
      for (FieldBox<double>& b : *f) for_each_cell(b.interior(), [&](int i, int j, int) { b(i, j) = 100 * i + j + 1; });
    }
    exchange.exchange(constant, mirrored);
    int coast_cells = 0, wrong = 0;
    for (int l = 0; l < constant.box_count(); ++l) {
      const IndexBox in = constant[l].interior();
      for_each_cell(in.grown({2, 2, 0}), [&](int i, int j, int) {
        if (in.contains(Index3{i, j, 0}) || j < 0 || j >= ny) return;
        const int dx = i < in.lo[0] ? -1 : i >= in.hi[0] ? 1 : 0, dy = j < in.lo[1] ? -1 : j >= in.hi[1] ? 1 : 0;
        if (stencil == halo::Stencil::star && dx != 0 && dy != 0) return;
        const int owner = o.owner(*layout.box_containing({i, j, 0}));
        if (owner != no_owner) {
          const int wi = ((i % nx) + nx) % nx;
          wrong += constant[l](i, j) != 100 * wi + j + 1;
          return;
        }
        ++coast_cells;
        wrong += constant[l](i, j) != land_value;
        // Odd mirror along every axis the ghost lies beyond: the box's own cell, negated.
        const int mi = dx < 0 ? 2 * in.lo[0] - 1 - i : dx > 0 ? 2 * in.hi[0] - 1 - i : i;
        const int mj = dy < 0 ? 2 * in.lo[1] - 1 - j : dy > 0 ? 2 * in.hi[1] - 1 - j : j;
        wrong += mirrored[l](i, j) != -(100 * mi + mj + 1);
      });
    }
    int totals[2] = {coast_cells, wrong};
    MPI_Allreduce(MPI_IN_PLACE, totals, 2, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    CHECK(totals[0] > 0);
    CHECK(totals[1] == 0);
  }
}

TEST_CASE("land elimination and rebalancing give the same bytes on the wet cells", "[balance]") {
  const int ranks = world_size(), rank = world_rank();
  const Layout layout = Layout::chopped(grid, {4, 4, 1});
  // Reference: the whole grid on rank 0 alone (one box, nothing eliminated).
  const Layout whole = Layout::blocks(grid, {1, 1, 1});
  const Decomposition full(whole, Ownership({0}, ranks));
  Model reference(full, rank);
  reference.initialise();
  for (int s = 0; s < 12; ++s) reference.step();
  const std::vector<double> expected = wet_cells(reference.q, full);

  const std::vector<double> w = balance::box_weights(layout, mask());
  const Decomposition eliminated(layout, balance::weighted_ownership(layout, ranks, w, OwnershipStrategy::sfc));
  {
    Model m(eliminated, rank);
    m.initialise();
    for (int s = 0; s < 12; ++s) m.step();
    const std::vector<double> got = wet_cells(m.q, eliminated);
    if (rank == 0) CHECK(parlayer::testing::same_bytes(got, expected));
  }
  // Rebalancing after every 4 steps on a cost the model reports (box index + 1: deliberately
  // uneven), moving the field with a redistribution and rebuilding the exchange once.
  {
    balance::Balancer balancer(layout, eliminated.ownership(), {4, 1.0, 1.0, OwnershipStrategy::knapsack},
                               MPI_COMM_WORLD);
    auto m = std::make_unique<Model>(eliminated, rank);
    m->initialise();
    for (int s = 1; s <= 12; ++s) {
      m->step();
      for (const FieldBox<double>& b : m->q) balancer.add(b.layout_index(), 1.0 + b.layout_index());
      if (!balancer.due(s)) continue;
      const balance::Proposal p = balancer.propose();
      CHECK(p.predicted >= 0.0);
      if (!p.adopt) continue;
      const Decomposition to(layout, p.ownership);
      auto moved = std::make_unique<Model>(to, rank);
      transfer::Redistribution(m->d, to, MPI_COMM_WORLD).run(&m->q, &moved->q);
      m = std::move(moved);
      balancer.adopt(p.ownership);
    }
    const std::vector<double> got = wet_cells(m->q, m->d);
    if (rank == 0) CHECK(parlayer::testing::same_bytes(got, expected));
    if (ranks > 1) CHECK(balancer.rebalances() >= 1);
    const std::vector<double> busy = balancer.busy_per_rank();
    CHECK(static_cast<int>(busy.size()) == ranks);
  }
}
