// Redistribution: fields move between any two decompositions of one grid, on the same ranks or on
// disjoint groups of ranks, to the exact byte; ghosts and cells of box-less owners stay untouched.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"
#include "parlayer/error.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/transfer/redistribution.hpp"
#include "support.hpp"

using namespace parlayer::domain;
using namespace parlayer::transfer;
using parlayer::testing::world_rank;
using parlayer::testing::world_size;
using parlayer::testing::random_at;

namespace {


template <class T>
T value_at(int i, int j, int k) {
  return static_cast<T>(random_at(11, i, j, k) * 1e6);
}

template <class T>
void fill_values(Field<T>& f) {
  f.fill(T(-1));
  for (FieldBox<T>& b : f) for_each_cell(b.interior(), [&](int i, int j, int k) { b(i, j, k) = value_at<T>(i, j, k); });
}

// Cells of the field's interiors holding other bytes than value_at, plus ghosts not holding `ghost`.
template <class T>
int count_wrong(const Field<T>& f, T ghost) {
  int wrong = 0;
  for (const FieldBox<T>& b : f)
    for_each_cell(b.allocated(), [&](int i, int j, int k) {
      const T want = b.interior().contains(Index3{i, j, k}) ? value_at<T>(i, j, k) : ghost;
      wrong += std::memcmp(&b(i, j, k), &want, sizeof(T)) != 0;
    });
  return wrong;
}

std::vector<int> range(int first, int count) {
  std::vector<int> r(static_cast<std::size_t>(count));
  std::iota(r.begin(), r.end(), first);
  return r;
}

}  // namespace

TEST_CASE("redistribution between two layouts on the same ranks is exact", "[redistribution]") {
  const int ranks = world_size(), rank = world_rank();
  for (const GridSpec& g : {GridSpec{{37, 23}, {true, false}, {}}, GridSpec{{11, 9, 7}, {false, true, false}, {}}}) {
    const bool three = g.extent.size() == 3;
    const Decomposition blocks(g, ranks);
    const Layout chopped = Layout::chopped(g, three ? Index3{4, 4, 3} : Index3{8, 6, 1});
    const Decomposition curve(chopped, Ownership::space_filling_curve(chopped, ranks));
    const Decomposition robin(chopped, Ownership::round_robin(chopped, ranks));
    for (Backend backend : {Backend::packed, Backend::datatypes}) {
      INFO((three ? "3D" : "2D") << ", " << to_string(backend));
      Field<double> a("a", blocks, rank, 1), back("back", blocks, rank, 1);
      Field<std::int32_t> n("n", blocks, rank, 2);
      Field<double> b("b", curve, rank, 2), c("c", robin, rank, 0);
      Field<std::int32_t> m("m", curve, rank, 1);
      fill_values(a);
      fill_values(n);
      b.fill(-2.0);
      c.fill(-3.0);
      m.fill(-4);
      back.fill(-1.0);
      // Two fields of two types in one run; then a chain blocks -> curve -> round-robin -> blocks.
      Redistribution to_curve(blocks, curve, MPI_COMM_WORLD, backend);
      const FieldBase* from[] = {&a, &n};
      FieldBase* to[] = {&b, &m};
      for (int round = 0; round < 2; ++round) to_curve.run(from, to);  // the second reuses the binding
      CHECK(count_wrong(b, -2.0) == 0);
      CHECK(count_wrong(m, std::int32_t{-4}) == 0);
      Redistribution(curve, robin, MPI_COMM_WORLD, backend).run(&b, &c);
      CHECK(count_wrong(c, -3.0) == 0);
      Redistribution(robin, blocks, MPI_COMM_WORLD, backend).run(&c, &back);
      CHECK(count_wrong(back, -1.0) == 0);
    }
  }
}

TEST_CASE("redistribution between disjoint rank groups of one job", "[redistribution]") {
  const int ranks = world_size(), rank = world_rank();
  const GridSpec g{{30, 20}, {true, false}, {}};
  // Source on the first half of the ranks, target on the rest (on one rank: both on rank 0).
  const int sources = std::max(1, ranks / 2), targets = ranks > 1 ? ranks - sources : 1;
  const std::vector<int> source_ranks = range(0, sources);
  const std::vector<int> target_ranks = ranks > 1 ? range(sources, targets) : range(0, 1);
  const Decomposition a(g, sources);
  const Layout boxes = Layout::blocks(g, {5, 2, 1});
  const Decomposition b(boxes, Ownership::knapsack(boxes, targets));
  const int in_a = rank < sources ? rank : -1;
  const int in_b = ranks > 1 ? (rank >= sources ? rank - sources : -1) : 0;
  for (Backend backend : {Backend::packed, Backend::datatypes}) {
    INFO(to_string(backend) << " on " << ranks << " ranks");
    Redistribution couple(a, source_ranks, b, target_ranks, MPI_COMM_WORLD, backend);
    std::unique_ptr<Field<float>> source, target;
    if (in_a >= 0) {
      source = std::make_unique<Field<float>>("sst", a, in_a, 1);
      fill_values(*source);
    }
    if (in_b >= 0) {
      target = std::make_unique<Field<float>>("sst_on_b", b, in_b, 1);
      target->fill(-9.f);
    }
    const FieldBase* from[] = {source.get()};
    FieldBase* to[] = {target.get()};
    Pending pending =
        couple.start(std::span<const FieldBase* const>(from, source ? 1 : 0), std::span<FieldBase* const>(to, target ? 1 : 0));
    CHECK(pending.in_flight());
    pending.finish();
    if (target) CHECK(count_wrong(*target, -9.f) == 0);
    if (ranks > 1 && in_a >= 0) CHECK(couple.plan().local.empty());  // disjoint groups: nothing is local
  }
  // Ranks in neither group take part in construction only: rank 0 -> rank ranks-1.
  const Decomposition one(g, 1);
  Redistribution hand_over(one, {0}, one, {ranks - 1}, MPI_COMM_WORLD);
  std::unique_ptr<Field<std::int64_t>> x, y;
  if (rank == 0) x = std::make_unique<Field<std::int64_t>>("x", one, 0, 0), fill_values(*x);
  if (rank == ranks - 1) y = std::make_unique<Field<std::int64_t>>("y", one, 0, 0), y->fill(0);
  hand_over.run(x.get(), y.get());
  if (y) CHECK(count_wrong(*y, std::int64_t{0}) == 0);
}

TEST_CASE("gathering onto one rank is a redistribution to a one-box layout", "[redistribution]") {
  const int ranks = world_size(), rank = world_rank();
  const GridSpec g{{25, 14}, {false, false}, {}};
  const Layout chopped = Layout::chopped(g, {7, 7, 1});
  const Decomposition spread(chopped, Ownership::space_filling_curve(chopped, ranks));
  const Layout whole = Layout::blocks(g, {1, 1, 1});
  const Decomposition on_root(whole, Ownership({0}, ranks));
  Field<double> f("f", spread, rank, 1), all("all", on_root, rank, 0);
  fill_values(f);
  CHECK(all.box_count() == (rank == 0 ? 1 : 0));
  Redistribution(spread, on_root, MPI_COMM_WORLD).run(&f, &all);
  CHECK(count_wrong(all, 0.0) == 0);
}

TEST_CASE("a redistribution keeps working after it is moved", "[redistribution]") {
  const int ranks = world_size(), rank = world_rank();
  const GridSpec g{{19, 13}, {true, false}, {}};
  const Layout boxes = Layout::chopped(g, {5, 5, 1});
  const Decomposition blocks(g, ranks), robin(boxes, Ownership::round_robin(boxes, ranks));
  Field<double> a("a", blocks, rank, 1), b("b", robin, rank, 1);
  fill_values(a);
  b.fill(-1.0);
  Redistribution first(blocks, robin, MPI_COMM_WORLD);
  first.run(&a, &b);  // binds an engine to the plan
  Redistribution moved = std::move(first);
  b.fill(-1.0);
  moved.run(&a, &b);  // the bound engine must still find its plan
  CHECK(count_wrong(b, -1.0) == 0);
}

TEST_CASE("redistribution misuse is a clear error", "[redistribution]") {
  using Catch::Matchers::Contains;
  const int ranks = world_size(), rank = world_rank();
  const Decomposition a(GridSpec{{12, 8}, {}, {}}, ranks), other(GridSpec{{12, 9}, {}, {}}, ranks);
  CHECK_THROWS_WITH(Redistribution(a, other, MPI_COMM_WORLD), Contains("the grids differ"));
  CHECK_THROWS_WITH(Redistribution(a, range(0, ranks + 1), a, range(0, ranks), MPI_COMM_WORLD),
                    Contains("is for " + std::to_string(ranks) + " ranks but " + std::to_string(ranks + 1)));
  CHECK_THROWS_AS(Redistribution(a, range(1, ranks), a, range(0, ranks), MPI_COMM_WORLD), parlayer::CollectiveError);
  Redistribution same(a, a, MPI_COMM_WORLD);
  Field<double> f("f", a, rank, 1);
  Field<double> wrong("wrong", IndexBox{{0, 0, 0}, {1, 1, 1}}, {0, 0, 0});
  CHECK_THROWS_WITH(same.run(&wrong, &f), Contains("source field 'wrong' does not hold this rank's boxes"));
}
