// The one Pending handle (transfer/pending.hpp): a halo exchange, a redistribution and a coupling
// exchange polled with test() until done give the same bytes as finish(); the handle's misuse
// errors are the same for all three.
#include <catch2/catch.hpp>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "parlayer/coupling/components.hpp"
#include "parlayer/coupling/exchange.hpp"
#include "parlayer/halo/halo_exchange.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/transfer/redistribution.hpp"
#include "support.hpp"

using namespace parlayer::domain;
using namespace parlayer::transfer;
using parlayer::testing::random_at;
using parlayer::testing::world_rank;
using parlayer::testing::world_size;

namespace {

void fill(Field<double>& f, std::uint64_t seed) {
  for (FieldBox<double>& box : f) {
    box.fill(-1.0, box.allocated());
    box.for_each(box.interior(), [&](int i, int j, int k) { box(i, j, k) = random_at(seed, i, j, k); });
  }
}

// Every allocated byte (ghosts included) of two fields with the same boxes.
bool same_bytes(const Field<double>& a, const Field<double>& b) {
  if (a.box_count() != b.box_count()) return false;
  for (int l = 0; l < a.box_count(); ++l) {
    const FieldBoxBase& x = a.box(l);
    const FieldBoxBase& y = b.box(l);
    const std::size_t n = static_cast<std::size_t>(x.allocated().cells()) * sizeof(double);
    if (std::memcmp(x.bytes(), y.bytes(), n) != 0) return false;
  }
  return true;
}

// Polls until complete; returns how many test() calls said "not yet".
int poll(Pending& pending) {
  int misses = 0;
  while (!pending.test()) ++misses;
  return misses;
}

void check_completed_handle(Pending& pending) {
  CHECK_FALSE(pending.in_flight());
  CHECK(pending.test());       // stays complete
  CHECK_NOTHROW(pending.finish());  // after test() said true: returns at once
  CHECK_THROWS_AS(pending.finish(), std::logic_error);
}

}  // namespace

TEST_CASE("pending: test() until done gives finish()'s bytes (halo, redistribution, coupling)", "[pending]") {
  const int ranks = world_size(), rank = world_rank();
  const GridSpec g{{37, 23}, {true, false}, {}};
  const Decomposition d(g, ranks);
  const Layout boxes = Layout::blocks(g, {5, 3, 1});
  const Decomposition many(boxes, Ownership::knapsack(boxes, ranks));
  for (const Backend backend : {Backend::packed, Backend::datatypes}) {
    INFO(to_string(backend) << " on " << ranks << " ranks");

    // Halo exchange, box stencil, width 2, walls along y.
    parlayer::halo::HaloExchange exchange(parlayer::halo::HaloPlan(many, rank, 2, parlayer::halo::Stencil::box),
                                          MPI_COMM_WORLD, backend);
    Field<double> waited("waited", many, rank, 2), polled("polled", many, rank, 2);
    for (Field<double>* f : {&waited, &polled}) {
      f->set_boundary_condition(1, BoundaryCondition::reflect_odd());
      fill(*f, 7);
    }
    exchange.exchange(waited);
    Pending halo = exchange.start(polled);
    CHECK(halo.in_flight());
    poll(halo);
    check_completed_handle(halo);
    CHECK(same_bytes(waited, polled));

    // Redistribution from blocks to many boxes.
    Redistribution move(d, many, MPI_COMM_WORLD, backend);
    Field<double> source("source", d, rank, 1), by_finish("by finish", many, rank, 1), by_test("by test", many, rank, 1);
    fill(source, 8);
    fill(by_finish, 9);
    fill(by_test, 9);
    move.run(&source, &by_finish);
    const FieldBase* from[] = {&source};
    FieldBase* to[] = {&by_test};
    Pending redistribution = move.start(from, to);
    poll(redistribution);
    check_completed_handle(redistribution);
    CHECK(same_bytes(by_finish, by_test));
  }

  // Coupling exchange, ocean (fine) -> atmosphere (coarse), the remap runs at completion.
  using namespace parlayer::coupling;
  const int ocean_ranks = ranks > 1 ? ranks / 2 : 1;
  const std::vector<ComponentSpec> spec = ranks > 1 ? std::vector<ComponentSpec>{{"ocean", ocean_ranks}, {"atmosphere", ranks - ocean_ranks}}
                                                    : std::vector<ComponentSpec>{{"ocean", 1}, {"atmosphere", "ocean"}};
  const Components components(spec, MPI_COMM_WORLD);
  const Component& ocean = components["ocean"];
  const Component& atmosphere = components["atmosphere"];
  const Decomposition od(GridSpec{{24, 18}, {true, false}, {}}, ocean.size());
  const Decomposition ad(GridSpec{{8, 6}, {true, false}, {}}, atmosphere.size());
  Exchange sst(components, "ocean", od, "atmosphere", ad);
  std::unique_ptr<Field<double>> o, by_finish, by_test;
  if (ocean.here()) o = std::make_unique<Field<double>>("sst", od, ocean.rank(), 1), fill(*o, 10);
  if (atmosphere.here()) {
    by_finish = std::make_unique<Field<double>>("sst", ad, atmosphere.rank(), 1);
    by_test = std::make_unique<Field<double>>("sst", ad, atmosphere.rank(), 1);
    fill(*by_finish, 11);
    fill(*by_test, 11);
  }
  sst.run(o.get(), by_finish.get());
  Pending coupling = sst.start(o.get(), by_test.get());
  poll(coupling);
  check_completed_handle(coupling);
  if (atmosphere.here()) CHECK(same_bytes(*by_finish, *by_test));
}

TEST_CASE("pending: a moved-from halo exchange, redistribution or coupling exchange refuses start()", "[pending]") {
  const int ranks = world_size(), rank = world_rank();
  const GridSpec g{{16, 12}, {true, true}, {}};  // periodic: no walls, so checked mode needs no conditions
  const Decomposition d(g, ranks);
  Field<double> a("a", d, rank, 1), b("b", d, rank, 1);

  parlayer::halo::HaloExchange halo(parlayer::halo::HaloPlan(d, rank, 1, parlayer::halo::Stencil::star), MPI_COMM_WORLD);
  parlayer::halo::HaloExchange halo_moved_to(std::move(halo));
  CHECK(parlayer::testing::error_of([&] { halo.exchange(a); }) ==
        "HaloExchange::start: this halo exchange was moved from; use the object it was moved to");
  halo_moved_to.exchange(a);  // the object moved to works

  Redistribution move(d, d, MPI_COMM_WORLD);
  Redistribution move_moved_to(std::move(move));
  CHECK(parlayer::testing::error_of([&] { move.run(&a, &b); }) ==
        "Redistribution::start: this redistribution was moved from; use the object it was moved to");
  move_moved_to.run(&a, &b);

  using namespace parlayer::coupling;
  const Components components({{"ocean", ranks}, {"atmosphere", "ocean"}}, MPI_COMM_WORLD);
  Exchange sst(components, "ocean", d, "atmosphere", d);
  Exchange sst_moved_to(std::move(sst));
  CHECK(parlayer::testing::error_of([&] { sst.run(&a, &b); }) ==
        "coupling::Exchange::start: this coupling exchange was moved from; use the object it was moved to");
  sst_moved_to.run(&a, &b);
}
