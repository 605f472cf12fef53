// parlayer-heat: 2D heat diffusion, the smallest complete parlayer program.
//
// Sample runs:
//   mpirun -np 2 build/apps/examples/parlayer-heat
//   mpirun -np 4 --oversubscribe build/apps/examples/parlayer-heat --nx 512 --ny 256 --steps 500 --overlap off
//
// Every rank count and both overlap modes print the same final min/max/centre values, to the bit.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"
#include "parlayer/error.hpp"
#include "parlayer/halo/overlap.hpp"
#include "parlayer/parallel/environment.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/parallel/mpi_check.hpp"

using namespace parlayer;
using domain::Field;
using domain::FieldBox;
using domain::IndexBox;
using domain::Tile;

namespace {

struct Options {
  int nx = 256, ny = 128, steps = 200;
  double kappa = 0.2;  // diffusion number: stable for <= 0.25
  std::string overlap = "on", backend = "packed";
};

// One explicit diffusion step on `box`: a 5-point stencil over contiguous rows.
void diffuse(const FieldBox<double>& in, FieldBox<double>& out, double kappa, const IndexBox& box) {
  const int n = box.extent(0);
  for (int j = box.lo[1]; j < box.hi[1]; ++j) {
    const double* c = in.ptr(box.lo[0], j);
    const double* s = in.ptr(box.lo[0], j - 1);
    const double* north = in.ptr(box.lo[0], j + 1);
    double* o = out.ptr(box.lo[0], j);
    for (int i = 0; i < n; ++i) o[i] = c[i] + kappa * (((c[i - 1] + c[i + 1]) + (s[i] + north[i])) - 4.0 * c[i]);
  }
}

}  // namespace

int main(int argc, char** argv) {
  return parallel::guarded_main(argc, argv, [&](parallel::Environment& env) {
    // 1. Options.
    Options opt;
    CLI::App cli{"parlayer-heat: 2D heat diffusion on a channel (periodic in x, insulated walls in y)"};
    cli.add_option("--nx", opt.nx, "cells along x")->capture_default_str()->check(CLI::Range(1, 1 << 24));
    cli.add_option("--ny", opt.ny, "cells along y")->capture_default_str()->check(CLI::Range(1, 1 << 24));
    cli.add_option("--steps", opt.steps, "time steps")->capture_default_str()->check(CLI::Range(0, 1 << 30));
    cli.add_option("--kappa", opt.kappa, "diffusion number (stable for <= 0.25)")->capture_default_str()->check(CLI::Range(0.0, 0.25));
    cli.add_option("--overlap", opt.overlap,
                   "hide halo exchange behind the interior: " + message::one_of(halo::overlap_choices.names()))
        ->capture_default_str();
    cli.add_option("--backend", opt.backend, "halo backend: " + message::one_of(transfer::backend_choices.names()))
        ->capture_default_str();
    try {
      cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == 0) {  // --help
        if (env.is_root()) std::printf("%s", cli.help().c_str());
        return 0;
      }
      throw CollectiveError("parlayer-heat: " + std::string(e.what()));
    }
    // Named choices, not CLI11's IsMember: the error names the option and the nearest name.
    const transfer::Backend backend = transfer::backend_choices.parse(opt.backend, "parlayer-heat: --backend");
    const halo::Overlap overlap = halo::overlap_choices.parse(opt.overlap, "parlayer-heat: --overlap");

    // 2. Decompose: periodic in x, walls in y; the process grid is chosen automatically.
    const domain::Decomposition decomposition({{opt.nx, opt.ny}, {true, false}, {}}, env.size());

    // 3. Fields with one ghost layer; insulated walls = zero gradient.
    Field<double> a("T", decomposition, env.rank(), 1), b("T_next", decomposition, env.rank(), 1);
    for (Field<double>* f : {&a, &b}) f->set_boundary_condition(1, domain::BoundaryCondition::zero_gradient());
    // A hot square in a cold channel, on each of this rank's boxes (one with the default layout).
    for (FieldBox<double>& box : a)
      box.for_each(box.interior(), [&](int i, int j, int) {
        box(i, j) = (i > opt.nx / 4 && i < opt.nx / 2 && j > opt.ny / 4 && j < 3 * opt.ny / 4) ? 1.0 : 0.0;
      });

    // 4. The time loop: exchange + compute through the overlap driver.
    halo::HaloExchange exchange(halo::HaloPlan(decomposition, env.rank(), 1, halo::Stencil::star), env.world(),
                                backend);
    Field<double>* in = &a;
    Field<double>* out = &b;
    const double start = MPI_Wtime();
    for (int step = 0; step < opt.steps; ++step) {
      auto kernel = [&](const Tile& t) { diffuse((*in)[t], (*out)[t], opt.kappa, t.box); };
      halo::run_stencil_step(exchange, overlap, halo::Reach{1, halo::Stencil::star}, kernel, kernel, *in);
      std::swap(in, out);
    }
    const double seconds = MPI_Wtime() - start;

    // 5. Report: min/max are exact reductions, so every rank count prints the same digits.
    double local[2] = {1e300, -1e300}, global[2] = {};
    for (const FieldBox<double>& box : *in)
      box.for_each(box.interior(), [&](int i, int j, int) {
        local[0] = std::min(local[0], box(i, j));
        local[1] = std::max(local[1], box(i, j));
      });
    PARLAYER_MPI_CHECK(MPI_Allreduce(&local[0], &global[0], 1, MPI_DOUBLE, MPI_MIN, env.world()));
    PARLAYER_MPI_CHECK(MPI_Allreduce(&local[1], &global[1], 1, MPI_DOUBLE, MPI_MAX, env.world()));
    if (env.is_root()) {
      const auto& grid = decomposition.process_grid();
      std::printf("parlayer-heat: %dx%d cells on %d ranks (process grid %dx%d), %d steps, overlap %s, %s halo\n",
                  opt.nx, opt.ny, env.size(), grid[0], grid[1], opt.steps, opt.overlap.c_str(), opt.backend.c_str());
      std::printf("  T min %.17g  max %.17g\n", global[0], global[1]);
      std::printf("  %.3f s, %.1f Mcell/s\n", seconds, double(opt.nx) * opt.ny * opt.steps / seconds / 1e6);
    }
    return 0;
  });
}
