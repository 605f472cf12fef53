// The climate model in-process: exact rest, conservation, bit-for-bit across rank counts, layouts
// (many boxes per rank, ranks with none) and overlap/halo modes, and the gravity-wave phase speed
// against theory.
#include <catch2/catch.hpp>
#include <cmath>
#include <iomanip>
#include <numbers>
#include <string>
#include <vector>

#include "parlayer/parallel/interop.hpp"

#include "model_support.hpp"

using climate::testing::ModelRun;
using parlayer::transfer::Backend;
using parlayer::halo::Overlap;
using parlayer::runtime::describe_layout;
using parlayer::runtime::parallel_options;
using parlayer::testing::same_bytes;

namespace {

// A small jet that develops quickly (the instability grows within the test's steps).
std::vector<std::string> small_jet(const std::string& scheme = "limited") {
  return {"grid.nx=48",           "grid.ny=24",          "grid.lx=1.2e6",         "grid.ly=6.0e5",
          "initial.state=jet",    "initial.jet_speed=30", "initial.jet_width=6e4", "initial.perturbation=0.3",
          "physics.viscosity=300", "time.cfl=0.6",         "tracer.scheme=" + scheme};
}

// The reference the bit-for-bit tests compare with: the small jet after `steps` steps on rank 0
// alone (MPI_COMM_SELF), overlap off, one thread; empty on the other ranks.
std::vector<double> serial_jet(int steps) {
  if (climate::testing::rank_of(MPI_COMM_WORLD) != 0) return {};
  ModelRun single(small_jet(), MPI_COMM_SELF, Overlap::off);
  single.run(steps);
  return single.gather();
}

}  // namespace

TEST_CASE("a lake at rest over a seamount stays exactly at rest", "[lake]") {
  for (const char* shape : {"seamount", "ridge"}) {
    ModelRun run({"grid.nx=40", "grid.ny=20", "grid.lx=2e6", "grid.ly=1e6", "initial.state=lake_at_rest",
                  std::string("topography.shape=") + shape, "topography.height=777.7", "topography.width=2.1e5",
                  "physics.depth=1000.3", "physics.viscosity=1000", "tracer.pattern=bands"},
                 MPI_COMM_WORLD);
    const std::vector<double> before = run.gather();
    run.run(300);
    const std::vector<double> after = run.gather();
    INFO("topography " << shape);
    CHECK(same_bytes(before, after));  // h, u, v and tracer: every bit
  }
}

TEST_CASE("mass is conserved to round-off and the tracer stays within its initial bounds", "[conservation]") {
  // Tracer patterns whose extremes sit in the jet, where the flow stirs them hardest.
  for (const std::string scheme : {"limited", "upwind"})
    for (const std::string pattern : {"bands", "blob"}) {
    std::vector<std::string> settings = small_jet(scheme);
    settings.insert(settings.end(), {"tracer.pattern=" + pattern, "initial.radius=1e5"});
    ModelRun run(settings, MPI_COMM_WORLD);
    const ModelRun::Totals start = run.totals();
    run.run(150);
    const ModelRun::Totals end = run.totals();
    INFO(std::setprecision(17) << "tracer " << pattern << ", " << scheme << " scheme: mass " << start.mass << " -> "
                               << end.mass << ", tracer [" << start.tracer_min << ", " << start.tracer_max
                               << "] -> [" << end.tracer_min << ", " << end.tracer_max << "], tracer mass "
                               << start.tracer_mass << " -> " << end.tracer_mass);
    CHECK(std::fabs(end.mass - start.mass) / start.mass < 1e-13);
    CHECK(std::fabs(end.tracer_mass - start.tracer_mass) / start.tracer_mass < 1e-12);
    // Monotone advection: no new extrema (exactly: no tolerance).
    CHECK(end.tracer_min >= start.tracer_min);
    CHECK(end.tracer_max <= start.tracer_max);
    CHECK(end.h_min > 0);
  }
}

TEST_CASE("the jet gives the same bytes on every rank count, overlap on/off and both halo backends",
          "[bitwise]") {
  const int steps = 40;
  const std::vector<double> reference = serial_jet(steps);
  for (const Overlap overlap : {Overlap::on, Overlap::off})
    for (const Backend backend : {Backend::packed, Backend::datatypes}) {
      ModelRun run(small_jet(), MPI_COMM_WORLD, overlap, backend);
      run.run(steps);
      const std::vector<double> mine = run.gather();
      if (climate::testing::rank_of(MPI_COMM_WORLD) == 0) {
        INFO("overlap " << to_string(overlap) << ", " << to_string(backend) << " halo, "
                        << climate::testing::size_of(MPI_COMM_WORLD) << " ranks, process grid "
                        << run.decomposition.process_grid()[0] << "x" << run.decomposition.process_grid()[1]);
        CHECK(same_bytes(reference, mine));
      }
    }
  // A process grid split along y too (walls inside rank blocks' neighbourhoods).
  const int ranks = climate::testing::size_of(MPI_COMM_WORLD);
  ModelRun split_y(small_jet(), MPI_COMM_WORLD, Overlap::on, Backend::packed, {1, ranks});
  split_y.run(steps);
  const std::vector<double> mine = split_y.gather();
  if (climate::testing::rank_of(MPI_COMM_WORLD) == 0) {
    INFO("process grid 1x" << ranks);
    CHECK(same_bytes(reference, mine));
  }
}

TEST_CASE("the jet gives the same bytes on layouts of many boxes per rank, and with ranks that own none",
          "[layouts]") {
  const int steps = 40;
  const int ranks = climate::testing::size_of(MPI_COMM_WORLD);
  const std::vector<double> reference = serial_jet(steps);
  auto check_layout = [&](const std::vector<std::string>& layout, Overlap overlap, Backend backend) {
    std::vector<std::string> settings = small_jet();
    settings.insert(settings.end(), layout.begin(), layout.end());
    ModelRun run(settings, MPI_COMM_WORLD, overlap, backend);
    run.run(steps);
    const std::vector<double> mine = run.gather();
    if (climate::testing::rank_of(MPI_COMM_WORLD) == 0) {
      INFO(describe_layout(run.decomposition, parallel_options(run.config))
           << ", overlap " << to_string(overlap) << ", " << to_string(backend) << " halo");
      CHECK(same_bytes(reference, mine));
    }
  };
  // 48 x 24 cells in boxes of 8 x 6: 6 x 4 = 24 boxes; every distribution, overlap and backend.
  for (const char* distribution : {"sfc", "round_robin", "knapsack"})
    for (const Overlap overlap : {Overlap::on, Overlap::off})
      for (const Backend backend : {Backend::packed, Backend::datatypes})
        check_layout({"parallel.box_size=[8,6]", std::string("parallel.distribution=") + distribution}, overlap,
                     backend);
  // Uneven boxes narrower than the halo along x (and 3 rows: at least the halo width at the walls).
  check_layout({"parallel.box_size=[1,3]", "parallel.distribution=sfc"}, Overlap::on, Backend::packed);
  // Two boxes, cut along x or along y: on 3 or 4 ranks some rank owns none.
  check_layout({"parallel.box_size=[24,0]", "parallel.distribution=round_robin"}, Overlap::on, Backend::packed);
  check_layout({"parallel.box_size=[0,12]", "parallel.distribution=sfc"}, Overlap::off, Backend::datatypes);
  // One box per rank from box_size, Cartesian ownership.
  check_layout({"parallel.box_size=[" + std::to_string((48 + ranks - 1) / ranks) + ",0]"}, Overlap::on,
               Backend::packed);
}

TEST_CASE("a lake at rest stays exactly at rest on many boxes per rank", "[layouts]") {
  ModelRun run({"grid.nx=40", "grid.ny=20", "grid.lx=2e6", "grid.ly=1e6", "initial.state=lake_at_rest",
                "topography.shape=seamount", "topography.height=777.7", "topography.width=2.1e5",
                "physics.depth=1000.3", "physics.viscosity=1000", "tracer.pattern=bands", "parallel.box_size=[7,4]",
                "parallel.distribution=knapsack"},
               MPI_COMM_WORLD);
  const std::vector<double> before = run.gather();
  run.run(100);
  CHECK(same_bytes(before, run.gather()));
}

namespace {

// Phase speed of a linear standing gravity wave h = H + a cos(kx) cos(wt) on nx cells: the time of
// the first zero crossing of its projection on cos(kx) is a quarter period.
double measured_phase_speed(int nx) {
  const double lx = 1.0e6, depth = 100.0;
  ModelRun run({"grid.nx=" + std::to_string(nx), "grid.ny=4", "grid.lx=1e6", "grid.ly=1.25e5",
                "initial.state=gravity_wave", "initial.amplitude=0.01", "initial.wavenumber=1",
                "physics.depth=100", "physics.f0=0", "physics.beta=0", "physics.viscosity=0", "time.cfl=0.2"},
               MPI_COMM_WORLD);
  const double k = 2 * std::numbers::pi / lx, dx = lx / nx, dt = run.model.dt();
  auto projection = [&] {
    parlayer::runtime::ExactSum sum;
    for (const climate::Field::Box& h : run.model.state().h)
      h.for_each(h.interior(), [&](int i, int j, int) { sum.add((h(i, j) - depth) * std::cos(k * (i + 0.5) * dx)); });
    return parlayer::runtime::global_sum(sum, MPI_COMM_WORLD);
  };
  double previous = projection();
  for (int step = 1;; ++step) {
    run.model.step();
    const double now = projection();
    if (now <= 0.0) {  // linear interpolation: the crossing is where cos is straightest
      const double t0 = (step - 1 + previous / (previous - now)) * dt;
      return (std::numbers::pi / 2) / t0 / k;
    }
    previous = now;
    REQUIRE(step < 100000);
  }
}

}  // namespace

TEST_CASE("a linear gravity wave travels at sqrt(gH), converging at second order", "[gravity_wave]") {
  const double c = std::sqrt(9.81 * 100.0);
  const double e32 = measured_phase_speed(32) / c - 1.0;
  const double e64 = measured_phase_speed(64) / c - 1.0;
  // C-grid theory: c_h = c sin(k dx/2) / (k dx/2), so the error is -(k dx)^2 / 24 to leading order.
  auto theory = [&](int nx) {
    const double s = std::numbers::pi / nx;
    return std::sin(s) / s - 1.0;
  };
  INFO("relative phase-speed error: " << e32 << " (32 cells per wave; C-grid theory " << theory(32) << "), "
                                      << e64 << " (64 cells; theory " << theory(64) << ")");
  CHECK(std::fabs(e32) < 2.5e-3);  // stated tolerances: 0.25% and 0.07%
  CHECK(std::fabs(e64) < 7e-4);
  CHECK(std::fabs(e32 / e64 - 4.0) < 0.5);  // second order: halving dx quarters the error
  CHECK(std::fabs(e32 - theory(32)) < 1e-4);  // and it is the error the discretisation predicts
  CHECK(std::fabs(e64 - theory(64)) < 1e-4);
}

TEST_CASE("the jet gives the same bytes with 1, 2 and 4 threads per rank, any tile size", "[threads]") {
  const int steps = 40;
  const std::vector<double> reference = serial_jet(steps);
  auto check = [&](const std::vector<std::string>& extra, Overlap overlap, int threads) {
    std::vector<std::string> settings = small_jet();
    settings.insert(settings.end(), extra.begin(), extra.end());
    ModelRun run(settings, MPI_COMM_WORLD, overlap);
    run.run(steps);
    // The diagnostics are combined per thread: exact sums, so the same bits too.
    const climate::LocalDiagnostics d = run.model.local_diagnostics();
    const double mass = parlayer::runtime::global_sum(d.mass, MPI_COMM_WORLD);
    const std::vector<double> mine = run.gather();
    if (climate::testing::rank_of(MPI_COMM_WORLD) == 0) {
      std::string what;
      for (const std::string& e : extra) what += e + " ";
      INFO(what << "overlap " << to_string(overlap) << ", " << climate::testing::size_of(MPI_COMM_WORLD) << " ranks");
      CHECK(run.threads.size() == threads);
      CHECK(same_bytes(reference, mine));
      parlayer::runtime::ExactSum want;  // the mass of the reference (h comes first), summed exactly
      for (std::size_t c = 0; c < reference.size() / 4; ++c) want.add(reference[c]);
      CHECK(mass == want.value());
    }
  };
  for (const int threads : {1, 2, 4})
    for (const Overlap overlap : {Overlap::on, Overlap::off})
      check({"parallel.threads=" + std::to_string(threads)}, overlap, threads);
  check({"parallel.threads=3", "parallel.tile_size=[5,1]"}, Overlap::on, 3);
  check({"parallel.threads=2", "parallel.tile_size=[0,3]", "parallel.box_size=[8,6]", "parallel.distribution=sfc"},
        Overlap::on, 2);
}
