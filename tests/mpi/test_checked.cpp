// Checked mode (transfer/checks.hpp, domain/checked.hpp): misuse of the halo exchange is an error,
// never a wrong answer, on every rank count including 1. The run-time checks are switched on here
// with set_checks_enabled (PARLAYER_CHECK=1 does the same for a whole program).
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>

#include "parlayer/domain/checked.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"
#include "parlayer/error.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/transfer/checks.hpp"
#include "parlayer/halo/halo_exchange.hpp"
#include "parlayer/halo/overlap.hpp"
#include "support.hpp"

using namespace parlayer::domain;
using namespace parlayer::halo;
using namespace parlayer::transfer;
using parlayer::testing::world_rank;
using parlayer::testing::world_size;
using Catch::Matchers::Contains;

namespace {


// Switches the run-time checks on for one test case, and back to what they were.
struct ChecksOn {
  bool before = checks_enabled();
  ChecksOn() { set_checks_enabled(true); }
  ~ChecksOn() { set_checks_enabled(before); }
};

}  // namespace

TEST_CASE("checked: a wall without a boundary condition is reported", "[checked]") {
  ChecksOn on;
  const int ranks = world_size(), rank = world_rank();
  const Decomposition d(GridSpec{{16, 12}, {true, false}, {}}, ranks);
  HaloExchange exchange(HaloPlan(d, rank, 1, Stencil::star), MPI_COMM_WORLD);
  Field<double> t("T", d, rank, 1);
  // Every rank reports it, also the ranks whose boxes touch no wall.
  CHECK_THROWS_WITH(exchange.exchange(t), Contains("field 'T' has no boundary condition at the low wall of axis y"));
  t.set_boundary_condition(1, BoundaryCondition::none());  // said on purpose: fine
  CHECK_NOTHROW(exchange.exchange(t));
}

TEST_CASE("checked: ghosts read before finish() are poison, not last step's values", "[checked]") {
  ChecksOn on;
  const int ranks = world_size(), rank = world_rank();
  const Decomposition d(GridSpec{{16, 12}, {true, true}, {}}, ranks);
  HaloExchange exchange(HaloPlan(d, rank, 1, Stencil::star), MPI_COMM_WORLD, Backend::packed);
  Field<double> t("T", d, rank, 1);
  Field<std::int32_t> n("n", d, rank, 1);
  t.fill(1.0);
  n.fill(7);
  exchange.exchange(t, n);  // every ghost now holds a plausible value
  PendingExchange pending = exchange.start(t, n);
  // With the packed backend nothing arrives before finish(): every ghost that comes by message
  // holds the poison until then (on 1 rank there is no message: all ghosts are local copies).
  int poisoned = 0, messages = 0;
  for (const PeerTransfer& peer : exchange.plan().transfers().peers)
    for (const BoxRegion& r : peer.recv) {
      messages += static_cast<int>(r.cells.cells());
      for_each_cell(r.cells, [&](int i, int j, int k) {
        poisoned += std::isnan(t[r.box](i, j, k)) && n[r.box](i, j, k) == std::numeric_limits<std::int32_t>::lowest();
      });
    }
  CHECK(poisoned == messages);
  CHECK((ranks == 1 || messages > 0));
  pending.finish();
  int wrong = 0;
  for (FieldBox<double>& b : t) for_each_cell(b.allocated(), [&](int i, int j, int k) { wrong += b(i, j, k) != 1.0; });
  CHECK(wrong == 0);
}

TEST_CASE("checked: a field written while in flight is a collective error", "[checked]") {
  ChecksOn on;
  const int ranks = world_size(), rank = world_rank();
  const Decomposition d(GridSpec{{16, 12}, {true, true}, {}}, ranks);
  HaloExchange exchange(HaloPlan(d, rank, 1, Stencil::star), MPI_COMM_WORLD);
  Field<double> t("T", d, rank, 1), s("S", d, rank, 1);
  auto source_term = [&](const Tile& tile) { t[tile](tile.box.lo[0], tile.box.lo[1]) += 1.0; };
  // Writing T (the exchanged field) in the interior kernel while its ghosts are in flight. Only
  // rank 0 writes; every rank reports it.
  auto interior = [&](const Tile& tile) {
    if (rank == 0) source_term(tile);
  };
  auto boundary = [](const Tile&) {};
  CHECK_THROWS_WITH(run_stencil_step(exchange, Overlap::on, interior, boundary, t),
                    Contains("field 'T' was written between start() and finish()"));
  // Writing another field is fine.
  auto other = [&](const Tile& tile) { s[tile](tile.box.lo[0], tile.box.lo[1]) += 1.0; };
  CHECK_NOTHROW(run_stencil_step(exchange, Overlap::on, other, boundary, t));
}

TEST_CASE("checked build: cells outside a box and its ghosts are errors", "[checked]") {
  const Decomposition d(GridSpec{{8, 8}, {true, true}, {}}, world_size());
  Field<double> t("T", d, world_rank(), 1);
  FieldBox<double>& b = t[0];
  const IndexBox& in = b.interior();
  CHECK_NOTHROW(b(in.lo[0] - 1, in.lo[1]));
  CHECK_THROWS_WITH(b.at({in.lo[0] - 2, in.lo[1], 0}), Contains("field 'T': cell") && Contains("is outside box"));
  if constexpr (checked_build) {
    CHECK_THROWS_AS(b(in.lo[0] - 2, in.lo[1]), std::out_of_range);  // a kernel reading 2 cells, halo 1
    CHECK_THROWS_AS(b.ptr(in.hi[0] + 1, in.lo[1]), std::out_of_range);
  }
}
