// Overlap on vs off, packed vs datatypes, 1..4 ranks: Jacobi sweeps give byte-identical fields,
// equal to a single-rank reference written with plain arrays (no parlayer code in the reference).
#include <catch2/catch.hpp>
#include <atomic>
#include <vector>

#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"
#include "parlayer/halo/overlap.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/parallel/thread_pool.hpp"
#include "support.hpp"

using namespace parlayer::domain;
using namespace parlayer::halo;
using namespace parlayer::transfer;
using parlayer::testing::gather_global;
using parlayer::testing::random_at;
using parlayer::testing::same_bytes;

namespace {

enum class Kernel { five_point, nine_point, seven_point_3d };

// One output cell from its neighbours, written once and used by both the library run and the
// reference, so both evaluate the very same floating-point expression.
struct Neighbourhood {
  double c, w, e, s, n, sw, se, nw, ne, b, t;
};
double update(Kernel kernel, const Neighbourhood& v) {
  switch (kernel) {
    case Kernel::five_point: return 0.25 * ((v.w + v.e) + (v.s + v.n));
    case Kernel::nine_point: return (4.0 * v.c + ((v.w + v.e) + (v.s + v.n)) + 0.5 * ((v.sw + v.se) + (v.nw + v.ne))) / 10.0;
    case Kernel::seven_point_3d: return (((v.w + v.e) + (v.s + v.n)) + (v.b + v.t) - 2.0 * v.c) / 4.0;
  }
  return 0;
}

template <class At>
Neighbourhood gather(Kernel kernel, At&& at, int i, int j, int k) {
  Neighbourhood v{at(i, j, k), at(i - 1, j, k), at(i + 1, j, k), at(i, j - 1, k), at(i, j + 1, k), 0, 0, 0, 0, 0, 0};
  if (kernel == Kernel::nine_point) {
    v.sw = at(i - 1, j - 1, k), v.se = at(i + 1, j - 1, k), v.nw = at(i - 1, j + 1, k), v.ne = at(i + 1, j + 1, k);
  }
  if (kernel == Kernel::seven_point_3d) v.b = at(i, j, k - 1), v.t = at(i, j, k + 1);
  return v;
}

struct Setup {
  Kernel kernel;
  std::vector<int> extent;
  std::vector<bool> periodic;
  Stencil stencil;
};

// Reference: the global grid with one ghost layer in plain vectors; periodic axes wrap, walls use
// zero gradient; ghosts are filled axis by axis (x, then y, then z) over the full padded range.
std::vector<double> reference(const Setup& s, int steps) {
  const int nx = s.extent[0], ny = s.extent[1], nz = s.extent.size() == 3 ? s.extent[2] : 1;
  const int gz = nz > 1 ? 1 : 0;
  const int px = nx + 2, py = ny + 2, pz = nz + 2 * gz;
  std::vector<double> in(static_cast<std::size_t>(px) * py * pz), out(in.size());
  auto idx = [&](int i, int j, int k) { return static_cast<std::size_t>((i + 1) + px * ((j + 1) + py * (k + gz))); };
  for (int k = 0; k < nz; ++k)
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) in[idx(i, j, k)] = random_at(7, i, j, k);
  const int n[3] = {nx, ny, nz};
  auto fill_ghosts = [&](std::vector<double>& a) {
    for (int axis = 0; axis < (gz ? 3 : 2); ++axis) {
      for (int k = -gz; k < nz + gz; ++k)
        for (int j = -1; j < ny + 1; ++j)
          for (int i = -1; i < nx + 1; ++i) {
            int c[3] = {i, j, k};
            if (c[axis] != -1 && c[axis] != n[axis]) continue;
            // Along lower axes the padded range is already filled; along higher ones use the interior.
            bool inside_higher = true;
            for (int b = axis + 1; b < 3; ++b) inside_higher &= (c[b] >= 0 && c[b] < n[b]);
            if (!inside_higher) continue;
            int src[3] = {i, j, k};
            src[axis] = s.periodic[axis] ? (c[axis] + n[axis]) % n[axis] : (c[axis] < 0 ? 0 : n[axis] - 1);
            a[idx(i, j, k)] = a[idx(src[0], src[1], src[2])];
          }
    }
  };
  for (int step = 0; step < steps; ++step) {
    fill_ghosts(in);
    auto at = [&](int i, int j, int k) { return in[idx(i, j, k)]; };
    for (int k = 0; k < nz; ++k)
      for (int j = 0; j < ny; ++j)
        for (int i = 0; i < nx; ++i) out[idx(i, j, k)] = update(s.kernel, gather(s.kernel, at, i, j, k));
    std::swap(in, out);
  }
  std::vector<double> interior;
  for (int k = 0; k < nz; ++k)
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) interior.push_back(in[idx(i, j, k)]);
  return interior;
}

// The library run: the same sweeps through run_stencil_step on this rank's boxes of `d`, on the
// calling thread or (with `options.threads`) on a team running tiles.
std::vector<double> library_run(const Setup& s, const Decomposition& d, int steps, const StepOptions& options,
                                Backend backend) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  HaloExchange exchange(HaloPlan(d, rank, 1, s.stencil), MPI_COMM_WORLD, backend);
  Field<double> a("a", d, rank, 1), b("b", d, rank, 1);
  for (Field<double>* f : {&a, &b})
    for (int axis = 0; axis < 3; ++axis) f->set_boundary_condition(axis, BoundaryCondition::zero_gradient());
  for (FieldBox<double>& box : a)
    for_each_cell(box.interior(), [&](int i, int j, int k) { box(i, j, k) = random_at(7, i, j, k); });
  Field<double>* in = &a;
  Field<double>* out = &b;
  const Reach reach{1, s.stencil};
  for (int step = 0; step < steps; ++step) {
    auto kernel = [&](const Tile& t) {
      const FieldBox<double>& from = (*in)[t];
      FieldBox<double>& to = (*out)[t];
      auto at = [&](int i, int j, int k) { return from(i, j, k); };
      for_each_cell(t.box, [&](int i, int j, int k) { to(i, j, k) = update(s.kernel, gather(s.kernel, at, i, j, k)); });
    };
    run_stencil_step(exchange, options, reach, kernel, kernel, *in);
    std::swap(in, out);
  }
  return gather_global(*in, d, MPI_COMM_WORLD);
}
std::vector<double> library_run(const Setup& s, const Decomposition& d, int steps, Overlap overlap, Backend backend) {
  return library_run(s, d, steps, StepOptions{overlap}, backend);
}

}  // namespace

TEST_CASE("overlap on and off give byte-identical fields, equal to the serial reference", "[overlap]") {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const int steps = 12;
  const Setup setups[] = {
      {Kernel::five_point, {37, 29}, {true, false}, Stencil::star},
      {Kernel::nine_point, {31, 23}, {true, false}, Stencil::box},
      {Kernel::nine_point, {19, 26}, {false, true}, Stencil::box},
      {Kernel::seven_point_3d, {14, 11, 9}, {true, false, true}, Stencil::star},
  };
  for (const Setup& s : setups) {
    INFO("kernel " << int(s.kernel) << ", " << s.extent.size() << "D");
    const std::vector<double> want = rank == 0 ? reference(s, steps) : std::vector<double>{};
    int ranks = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    const GridSpec grid{s.extent, s.periodic, {}};
    // The default one block per rank, and 12 (2D) or 18 (3D) boxes over the ranks.
    const Layout many = s.extent.size() == 2 ? Layout::blocks(grid, {4, 3, 1}) : Layout::blocks(grid, {3, 3, 2});
    const std::pair<const char*, Decomposition> layouts[] = {
        {"one block per rank", Decomposition(grid, ranks)},
        {"boxes on a space-filling curve", Decomposition(many, Ownership::space_filling_curve(many, ranks))},
        {"boxes round-robin", Decomposition(many, Ownership::round_robin(many, ranks))}};
    for (const auto& [name, d] : layouts)
      for (Backend backend : {Backend::packed, Backend::datatypes}) {
        const auto off = library_run(s, d, steps, Overlap::off, backend);
        const auto on = library_run(s, d, steps, Overlap::on, backend);
        if (rank == 0) {
          INFO(name << ", backend " << to_string(backend));
          CHECK(same_bytes(off, want));
          CHECK(same_bytes(on, want));
        }
      }
  }
}

// The kernels see every interior cell exactly once, the deep interior while messages fly; only the
// sides with another rank as neighbour are peeled into the strip, so on walled axes (and axes
// periodic with one rank) the deep interior reaches the edge. `probe` is the exchanged field (fields in flight are never written); `visits` counts.
TEST_CASE("the overlap driver visits each cell once and peels only sides with a neighbour", "[overlap]") {
  int ranks = 0, rank = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  for (const std::vector<bool>& periodic : {std::vector<bool>{true, true}, std::vector<bool>{false, false},
                                            std::vector<bool>{true, false}}) {
    for (Stencil stencil : {Stencil::star, Stencil::box}) {
      INFO("periodic " << periodic[0] << periodic[1] << ", stencil " << to_string(stencil));
      const Decomposition d(GridSpec{{24, 20}, periodic, {}}, ranks);
      const HaloPlan plan(d, rank, 2, stencil);
      HaloExchange exchange(plan, MPI_COMM_WORLD);
      Field<int> probe("probe", d, rank, 2), visits("visits", d, rank, 2);
      probe.set_boundary_condition(0, BoundaryCondition::none());  // its ghosts are never read
      probe.set_boundary_condition(1, BoundaryCondition::none());
      probe.fill(0);
      visits.fill(0);
      int interior_calls = 0;
      run_stencil_step(
          exchange, Overlap::on,
          [&](const IndexBox& box) {
            ++interior_calls;
            CHECK(probe.exchange_in_flight());  // the deep interior runs while messages fly
            for_each_cell(box, [&](int i, int j, int k) { visits(i, j, k) += 1; });
          },
          [&](const IndexBox& box) {
            CHECK_FALSE(probe.exchange_in_flight());
            for_each_cell(box, [&](int i, int j, int k) { visits(i, j, k) += 1; });
          },
          probe);
      CHECK(interior_calls == 1);
      int wrong = 0;
      for_each_cell(visits.interior(), [&](int i, int j, int k) { wrong += visits(i, j, k) != 1; });
      CHECK(wrong == 0);
      // A side is in the strip exactly when another rank owns a ghost cell the stencil reads
      // across it (walls, and an axis periodic with one rank along it, are filled from the rank's
      // own interior in start()).
      const IndexBox& in = plan.interior(0);
      const IndexBox& deep = exchange.interior_split().deep;
      bool remote[2][2] = {};
      for_each_cell(in.grown({2, 2, 0}), [&](int i, int j, int k) {
        const Index3 c{i, j, k};
        const bool outside_x = i < in.lo[0] || i >= in.hi[0], outside_y = j < in.lo[1] || j >= in.hi[1];
        if (!(outside_x || outside_y) || (stencil == Stencil::star && outside_x && outside_y)) return;
        const std::optional<int> owner = d.owner_of(c);
        if (!owner || *owner == rank) return;
        for (int a = 0; a < 2; ++a) {
          if (c[a] < in.lo[a]) remote[a][0] = true;
          if (c[a] >= in.hi[a]) remote[a][1] = true;
        }
      });
      for (int a = 0; a < 2; ++a) {
        CHECK(deep.lo[a] == in.lo[a] + (remote[a][0] ? 2 : 0));
        CHECK(deep.hi[a] == in.hi[a] - (remote[a][1] ? 2 : 0));
      }
      if (ranks == 1) CHECK(exchange.interior_split().strip.empty());
    }
  }
}

// Threads inside each rank: 1, 2 and 4 threads, tiles from whole regions down to single cells,
// overlap on and off, one block and many boxes per rank: always the serial reference's bytes.
TEST_CASE("threads running tiles give the same bytes as one thread, for any tile size", "[threads]") {
  int rank = 0, ranks = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  const int steps = 6;
  const Setup setups[] = {
      {Kernel::nine_point, {31, 23}, {true, false}, Stencil::box},
      {Kernel::seven_point_3d, {14, 11, 9}, {true, false, true}, Stencil::star},
  };
  for (const Setup& s : setups) {
    const std::vector<double> want = rank == 0 ? reference(s, steps) : std::vector<double>{};
    const GridSpec grid{s.extent, s.periodic, {}};
    const Layout many = s.extent.size() == 2 ? Layout::blocks(grid, {4, 3, 1}) : Layout::blocks(grid, {3, 3, 2});
    const std::pair<const char*, Decomposition> layouts[] = {
        {"one block per rank", Decomposition(grid, ranks)},
        {"boxes on a space-filling curve", Decomposition(many, Ownership::space_filling_curve(many, ranks))}};
    for (const int threads : {1, 2, 4}) {
      parlayer::parallel::ThreadPool team(threads);
      for (const Index3 tile : {Index3{0, 8, 8}, Index3{5, 3, 2}, Index3{1, 1, 1}})
        for (const auto& [name, d] : layouts)
          for (const Overlap overlap : {Overlap::on, Overlap::off}) {
            const auto got = library_run(s, d, steps, StepOptions{overlap, &team, tile}, Backend::packed);
            if (rank == 0) {
              INFO(s.extent.size() << "D, " << name << ", " << threads << " threads, tiles " << tile[0] << "x"
                                   << tile[1] << "x" << tile[2] << ", overlap " << to_string(overlap));
              CHECK(same_bytes(got, want));
            }
          }
    }
  }
}

// With threads, the kernels still see every interior cell exactly once, the deep interior's tiles
// while the messages fly, and each tile on one thread of the team.
TEST_CASE("threaded tiles cover each cell once, deep interior while messages fly", "[threads]") {
  int ranks = 0, rank = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const GridSpec grid{{30, 26}, {true, false}, {}};
  const Layout many = Layout::blocks(grid, {3, 2, 1});
  const Decomposition d(many, Ownership::round_robin(many, ranks));
  HaloExchange exchange(HaloPlan(d, rank, 2, Stencil::box), MPI_COMM_WORLD);
  Field<int> probe("probe", d, rank, 2), visits("visits", d, rank, 2);
  for (int axis = 0; axis < 2; ++axis) probe.set_boundary_condition(axis, BoundaryCondition::none());
  probe.fill(0);
  visits.fill(0);
  parlayer::parallel::ThreadPool team(3);
  std::atomic<int> bad_thread{0}, not_in_flight{0}, in_flight_strip{0};
  run_stencil_step(
      exchange, StepOptions{Overlap::on, &team, {4, 3, 0}},
      [&](const Tile& t) {
        if (t.thread < 0 || t.thread >= 3) ++bad_thread;
        if (!probe.exchange_in_flight()) ++not_in_flight;
        for_each_cell(t.box, [&](int i, int j, int k) { visits[t](i, j, k) += 1; });
      },
      [&](const Tile& t) {
        if (t.thread < 0 || t.thread >= 3) ++bad_thread;
        if (probe.exchange_in_flight()) ++in_flight_strip;
        for_each_cell(t.box, [&](int i, int j, int k) { visits[t](i, j, k) += 1; });
      },
      probe);
  CHECK(bad_thread == 0);
  CHECK(not_in_flight == 0);
  CHECK(in_flight_strip == 0);
  int wrong = 0;
  for (FieldBox<int>& box : visits)
    for_each_cell(box.interior(), [&](int i, int j, int k) { wrong += box(i, j, k) != 1; });
  CHECK(wrong == 0);
}
