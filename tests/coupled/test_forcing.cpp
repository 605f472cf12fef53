// climate::ShallowWater::apply_forcing, the surface forcing parlayer-coupled adds to the shared
// physics: the exact increments of u (wind stress) and of the tracer (heating), walls and coasts
// keeping no velocity, nothing changed without forcing, and the same bytes on every rank count.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "parlayer/parallel/interop.hpp"

#include "model_support.hpp"

using climate::testing::ModelRun;
using parlayer::testing::same_bytes;

namespace {

std::vector<std::string> lake(const std::string& topography) {
  return {"grid.nx=32",          "grid.ny=16",     "grid.lx=3.2e6", "grid.ly=1.6e6", "physics.depth=200",
          "physics.gravity=0.02", "initial.state=lake_at_rest",    "topography.shape=" + topography,
          "topography.height=400", "topography.width=3e5", "time.dt=3600"};
}

// Forcing fields on the model's boxes with its ghosts: stresses (tx, ty) and heating q everywhere.
struct Forcing {
  Forcing(const ModelRun& run, int rank)
      : tx("stress_x", run.decomposition, rank, climate::ShallowWater::halo_width),
        ty("stress_y", run.decomposition, rank, climate::ShallowWater::halo_width),
        q("heating", run.decomposition, rank, 0) {
    for (climate::Field* f : {&tx, &ty}) {
      f->set_boundary_condition(1, parlayer::domain::BoundaryCondition::reflect());
      f->set_land_condition(parlayer::domain::BoundaryCondition::constant(0.0));
    }
  }
  climate::Field tx, ty, q;
};

constexpr double rho = 1025.0, c = 3990.0;

}  // namespace

TEST_CASE("wind stress and heating add their exact increments; no forcing changes nothing", "[forcing]") {
  const MPI_Comm world = MPI_COMM_WORLD;
  const int rank = climate::testing::rank_of(world);
  ModelRun run(lake("flat"), world);
  climate::ShallowWater& model = run.model;
  for (auto& box : model.state().tracer) box.for_each(box.interior(), [&](int i, int j, int) { box(i, j) = 10.0 + 0.1 * j + 0.01 * i; });
  const std::vector<double> before = run.gather();

  model.apply_forcing({});  // nothing given: not one bit changes
  CHECK(same_bytes(run.gather(), before));

  Forcing f(run, rank);
  f.tx.fill(0.1);
  f.ty.fill(-0.05);
  f.q.fill(200.0);
  model.apply_forcing({&f.tx, &f.ty, &f.q, rho, c});
  const double dt = model.dt(), h = 200.0;
  const double du = dt / rho * (0.1 + 0.1) / (h + h), dv = dt / rho * (-0.05 + -0.05) / (h + h);
  int wrong = 0;
  for (int l = 0; l < model.state().h.box_count(); ++l) {
    const auto& s = model.state();
    s.h[l].for_each(s.h[l].interior(), [&](int i, int j, int) {
      const double t0 = 10.0 + 0.1 * j + 0.01 * i;
      wrong += s.h[l](i, j) != h;
      wrong += s.u[l](i, j) != du;
      wrong += s.v[l](i, j) != (j == 0 ? 0.0 : dv);  // v(i, 0) is the south wall
      wrong += s.tracer[l](i, j) != t0 + dt / rho * 200.0 / (c * h);
    });
  }
  CHECK(parlayer::runtime::global_sum(std::int64_t{wrong}, world) == 0);
}

TEST_CASE("forcing keeps coasts closed and land untouched, with the same bytes on every rank count", "[forcing]") {
  const MPI_Comm world = MPI_COMM_WORLD;
  auto forced = [](MPI_Comm comm) {
    ModelRun run(lake("continents"), comm);
    Forcing f(run, climate::testing::rank_of(comm));
    // Stresses that vary in space, so the face averages matter.
    for (int l = 0; l < f.tx.box_count(); ++l)
      f.tx[l].for_each(f.tx[l].interior(), [&](int i, int j, int) {
        f.tx[l](i, j) = 0.1 + 0.01 * ((i * 7 + j * 3) % 5);
        f.ty[l](i, j) = 0.05 - 0.01 * ((i * 3 + j * 5) % 7);
        f.q[l](i, j) = 100.0 - 10.0 * ((i + j) % 4);
      });
    for (int k = 0; k < 3; ++k) {
      run.model.step();
      run.model.apply_forcing({&f.tx, &f.ty, &f.q, rho, c});
    }
    return std::make_pair(run.gather(), climate::ShallowWater::wet_mask(run.p));
  };
  const auto [state, wet] = forced(world);
  std::vector<double> serial;
  if (climate::testing::rank_of(world) == 0) serial = forced(MPI_COMM_SELF).first;
  CHECK(same_bytes(state, serial));
  if (climate::testing::rank_of(world) != 0) return;
  const int nx = 32, ny = 16, n = nx * ny;
  auto is_wet = [&](int i, int j) { return j >= 0 && j < ny && wet[static_cast<std::size_t>((i + nx) % nx + nx * j)] != 0.0; };
  int land = 0, wrong = 0, moving = 0;
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i) {
      const double u = state[static_cast<std::size_t>(n + i + nx * j)], v = state[static_cast<std::size_t>(2 * n + i + nx * j)];
      if (!(is_wet(i, j) && is_wet(i - 1, j))) wrong += u != 0.0;  // a face touching land
      if (!(is_wet(i, j) && is_wet(i, j - 1))) wrong += v != 0.0;  // and the south wall
      land += !is_wet(i, j);
      moving += u != 0.0;
    }
  CHECK(land > 0);
  CHECK(wrong == 0);
  CHECK(moving > n / 2);  // the stress moved the sea
}
