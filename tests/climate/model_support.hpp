#pragma once
// Running the climate model in-process on any communicator, and gathering its state.
#include <string>
#include <vector>

#include "parameters.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/halo/halo_exchange.hpp"
#include "parlayer/halo/overlap.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/runtime/config.hpp"
#include "parlayer/parallel/thread_pool.hpp"
#include "parlayer/runtime/parallel_options.hpp"
#include "parlayer/runtime/reproducible_sum.hpp"
#include "shallow_water.hpp"
#include "support.hpp"

namespace climate::testing {

inline int rank_of(MPI_Comm comm) {
  int r = 0;
  MPI_Comm_rank(comm, &r);
  return r;
}
inline int size_of(MPI_Comm comm) {
  int s = 0;
  MPI_Comm_size(comm, &s);
  return s;
}

// A model built from config settings ("key=value", as --set), on `comm`, with its time step. The
// decomposition is the program's (runtime::decompose: the parallel.* settings choose the layout),
// or one block per rank over `process_grid` when that is given.
struct ModelRun {
  ModelRun(const std::vector<std::string>& settings, MPI_Comm comm_, parlayer::halo::Overlap overlap = parlayer::halo::Overlap::on,
           parlayer::transfer::Backend backend = parlayer::transfer::Backend::packed, std::vector<int> process_grid = {})
      : comm(comm_), schema(make_schema()), config(parlayer::runtime::Config::from_settings(schema, settings)),
        p(parameters_from(config)),
        decomposition(process_grid.empty()
                          ? parlayer::runtime::decompose({{p.nx, p.ny}, {true, false}, {}}, size_of(comm), config)
                          : parlayer::domain::Decomposition({{p.nx, p.ny}, {true, false}, process_grid}, size_of(comm))),
        exchange(parlayer::runtime::make_halo_plan(decomposition, rank_of(comm), ShallowWater::halo_width,
                                                   ShallowWater::stencil, config),
                 comm, backend),
        threads(parlayer::runtime::parallel_options(config).threads),
        model(p, decomposition, rank_of(comm), exchange,
              {overlap, &threads, parlayer::runtime::parallel_options(config).tile_size}) {
    model.initialise();
    const LocalDiagnostics d = model.local_diagnostics();
    const double h_max = parlayer::runtime::global_max(d.h_max, comm);
    const double speed_max = parlayer::runtime::global_max(d.speed_max, comm);
    model.set_dt(choose_time_step(p, config, h_max, speed_max));
  }

  void run(int steps) {
    for (int s = 0; s < steps; ++s) model.step();
  }

  // h, u, v, tracer of the global grid, one after the other, on rank 0 of comm (empty elsewhere).
  std::vector<double> gather() {
    std::vector<double> all;
    for (const Field* f : {&model.state().h, &model.state().u, &model.state().v, &model.state().tracer}) {
      const std::vector<double> g = parlayer::testing::gather_global(*f, decomposition, comm);
      all.insert(all.end(), g.begin(), g.end());
    }
    return all;
  }

  // Global exact sums of mass, energy, tracer mass, and extrema (h, tracer).
  struct Totals {
    double mass, energy, tracer_mass, h_min, tracer_min, tracer_max;
  };
  Totals totals() {
    LocalDiagnostics d = model.local_diagnostics();
    parlayer::runtime::ExactSum sums[] = {d.mass, d.energy, d.tracer_mass};
    parlayer::runtime::global_sum(sums, comm);
    return {sums[0].value(), sums[1].value(), sums[2].value(), parlayer::runtime::global_min(d.h_min, comm),
            parlayer::runtime::global_min(d.tracer_min, comm), parlayer::runtime::global_max(d.tracer_max, comm)};
  }

  MPI_Comm comm;
  parlayer::runtime::ConfigSchema schema;
  parlayer::runtime::Config config;
  Parameters p;
  parlayer::domain::Decomposition decomposition;
  parlayer::halo::HaloExchange exchange;
  parlayer::parallel::ThreadPool threads;  // parallel.threads of the settings (default 1)
  ShallowWater model;
};

}  // namespace climate::testing
