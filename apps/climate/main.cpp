// parlayer-climate: rotating shallow water with a passive tracer on a beta-plane channel
// (periodic in x, walls in y), on an Arakawa C-grid, with SSP-RK3 time stepping. docs/climate.md
// describes the model, its numerics and every config key.
//
// Sample runs (from the repository root, after building into build/):
//   mpirun -np 2 build/apps/climate/parlayer-climate --config apps/climate/configs/jet.toml
//   mpirun -np 4 --oversubscribe build/apps/climate/parlayer-climate --config apps/climate/configs/jet.toml
//          --set grid.nx=768 --set grid.ny=384 --set time.dt=0 --output out/jet-768     (one command)
//   mpirun -np 3 --oversubscribe build/apps/climate/parlayer-climate --config apps/climate/configs/lake_at_rest.toml
//   build/apps/climate/parlayer-climate --help
//   scripts/plot out/climate          # PNG frames (tracer, vorticity) and an animated GIF
//
// Any rank count and both overlap modes produce byte-identical snapshots.
#include <mpi.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>

#include "output.hpp"
#include "parameters.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/error.hpp"
#include "parlayer/halo/halo_exchange.hpp"
#include "parlayer/parallel/environment.hpp"
#include "parlayer/runtime/config.hpp"
#include "parlayer/runtime/log.hpp"
#include "parlayer/runtime/parallel_options.hpp"
#include "parlayer/runtime/reproducible_sum.hpp"
#include "parlayer/runtime/time_loop.hpp"
#include "parlayer/runtime/timers.hpp"
#include "shallow_water.hpp"

using namespace parlayer;
using runtime::format;

namespace {

runtime::ProgramInfo program_info() {
  return {"parlayer-climate",
          "rotating shallow water with a passive tracer on a beta-plane channel (periodic in x, walls "
          "in y), C-grid, SSP-RK3; snapshots in HDF5 + XDMF. The model is described in docs/climate.md.",
          "  mpirun -np 2 parlayer-climate --config apps/climate/configs/jet.toml\n"
          "  mpirun -np 4 parlayer-climate --config apps/climate/configs/jet.toml --set grid.nx=768 "
          "--set grid.ny=384 --set time.dt=0\n"
          "  mpirun -np 3 parlayer-climate --config apps/climate/configs/lake_at_rest.toml --steps 500\n",
          "time.steps", "output.dir"};
}

// The global diagnostics: exact (rank-count independent) sums and exact extrema.
struct Summary {
  double mass = 0, energy = 0, tracer_mass = 0;  // m3, m5 s-2 (energy per unit density), m3
  double h_min = 0, h_max = 0, tracer_min = 0, tracer_max = 0, speed_max = 0;
  std::int64_t nonfinite = 0;
};

Summary summarise(climate::ShallowWater& model, MPI_Comm comm) {
  climate::LocalDiagnostics d = model.local_diagnostics();
  runtime::ExactSum sums[] = {d.mass, d.energy, d.tracer_mass};
  runtime::global_sum(sums, comm);
  double minima[] = {d.h_min, d.tracer_min};
  double maxima[] = {d.h_max, d.tracer_max, d.speed_max};
  runtime::global_min(minima, comm);
  runtime::global_max(maxima, comm);
  const double area = model.parameters().dx() * model.parameters().dy();
  return {sums[0].value() * area, sums[1].value() * area, sums[2].value() * area,
          minima[0], maxima[0], minima[1], maxima[1], maxima[2], runtime::global_sum(d.nonfinite, comm)};
}

}  // namespace

int main(int argc, char** argv) {
  return parallel::guarded_main(argc, argv, [&](parallel::Environment& env) {
    const MPI_Comm world = env.world();
    const runtime::Log log(world);
    runtime::Timers timers;
    const double start = runtime::wall_seconds();

    // 1. Configuration: schema defaults < --config FILE < --set KEY=VALUE < --steps / --output.
    const runtime::ConfigSchema schema = climate::make_schema();
    const runtime::Config config = runtime::Config::load(schema, program_info(), argc, argv, world);
    if (config.help_requested()) return 0;
    if (!config.restart_request().empty()) throw CollectiveError("restart is not available yet");
    const climate::Parameters p = climate::parameters_from(config);
    const runtime::ParallelOptions parallel_options = runtime::parallel_options(config);

    // 2. Decompose the channel (periodic in x, walls in y) and plan the halo exchange.
    const domain::Decomposition decomposition =
        runtime::decompose({{p.nx, p.ny}, {true, false}, {}}, env.size(), config);
    halo::HaloExchange exchange(halo::HaloPlan(decomposition, env.rank(), climate::ShallowWater::halo_width,
                                               climate::ShallowWater::stencil),
                                world, parallel_options.backend);

    // 3. The initial state, and the time step it allows (CFL check).
    climate::ShallowWater model(p, decomposition, env.rank(), exchange, parallel_options.overlap);
    model.initialise();
    const Summary initial = summarise(model, world);
    if (initial.nonfinite != 0 || !(initial.h_min > 0))
      throw config.error("initial.state", format("gives a layer thickness h_min = %g m <= 0; raise physics.depth "
                                                 "or lower topography.height / initial.amplitude",
                                                 initial.h_min));
    const double dt = climate::choose_time_step(p, config, initial.h_max, initial.speed_max);
    model.set_dt(dt);
    const climate::CourantNumbers courant = climate::courant_numbers(p, dt, initial.h_max, initial.speed_max);

    // 4. Say what runs.
    const domain::Index3& grid = decomposition.process_grid();
    log.info(format("parlayer-climate: %s on %dx%d cells (dx %.4g km, dy %.4g km), %d ranks (process grid %dx%d), "
                    "overlap %s, %s halo",
                    config.string("initial.state").c_str(), p.nx, p.ny, p.dx() / 1e3, p.dy() / 1e3, env.size(),
                    grid[0], grid[1], halo::to_string(parallel_options.overlap),
                    halo::to_string(parallel_options.backend)));
    log.info(format("  dt %.6g s%s, %lld steps = %s; Courant numbers: gravity wave %.3f, advective %.3f, "
                    "viscous %.3f",
                    dt, p.dt == 0.0 ? " (automatic)" : "", static_cast<long long>(p.steps),
                    runtime::format_model_time(dt * static_cast<double>(p.steps)).c_str(), courant.gravity_wave,
                    courant.advective, courant.viscous));
    const std::string config_text =
        config.to_toml() + format("# effective time step (time.dt = 0 means automatic): %.17g s\n", dt);
    if (config.boolean("log.echo_config")) log.block("effective configuration:\n" + config_text);

    // 5. Output: HDF5 snapshots + climate.xmf every output.interval steps.
    std::unique_ptr<climate::Output> output;
    if (p.output_interval > 0) {
      output = std::make_unique<climate::Output>(p, decomposition, world, config_text);
      log.info("  snapshots every " + std::to_string(p.output_interval) + " steps in " + output->folder().string() +
               "/ (open " + output->xdmf_path().string() + " in ParaView)");
    }

    // 6. The time loop.
    const double advective_limit = p.tracer_scheme == climate::TracerScheme::upwind
                                       ? 1.0
                                       : climate::CourantLimits::advective;
    bool warned = false;
    runtime::LoopSettings settings;
    settings.last_step = p.steps;
    settings.dt = dt;
    settings.output_interval = p.output_interval;
    settings.progress_interval = p.log_interval;
    settings.cells = double(p.nx) * double(p.ny);
    runtime::LoopHooks hooks;
    hooks.advance = [&](std::int64_t, double) { model.step(); };
    if (output) hooks.output = [&](std::int64_t step, double time) { output->write(model.state(), step, time); };
    hooks.diagnostics = [&](std::int64_t step, double time) {
      const Summary s = summarise(model, world);
      if (s.nonfinite != 0 || !(s.h_min > 0))
        throw CollectiveError(format("the model blew up at step %lld (t = %s): %lld non-finite cells, h_min = %g m; "
                                     "reduce time.dt or raise physics.viscosity",
                                     static_cast<long long>(step), runtime::format_model_time(time).c_str(),
                                     static_cast<long long>(s.nonfinite), s.h_min));
      const double advective = climate::courant_numbers(p, dt, s.h_max, s.speed_max).advective;
      if (advective > advective_limit && !warned) {
        log.warning(format("step %lld: advective Courant number %.3f exceeds %.2f; the tracer may leave its bounds",
                           static_cast<long long>(step), advective, advective_limit));
        warned = true;
      }
      return format("mass %.13e m3 (drift %+.1e)  energy %.10e m5/s2  tracer [%.6f, %.6f]", s.mass,
                    (s.mass - initial.mass) / initial.mass, s.energy, s.tracer_min, s.tracer_max);
    };
    const runtime::LoopResult result = runtime::run_time_loop(settings, hooks, log, timers);

    // 7. Report.
    const double advance = result.advance_seconds;
    log.info(format("done: %lld steps in %s (model step %s, %.1f ns per cell-step per rank)",
                    static_cast<long long>(result.step - settings.first_step),
                    runtime::format_duration(runtime::wall_seconds() - start).c_str(),
                    runtime::format_rate(advance > 0 ? settings.cells * double(p.steps) / advance : 0.0, "cell/s").c_str(),
                    p.steps > 0 ? advance * 1e9 * env.size() / (settings.cells * double(p.steps)) : 0.0));
    const std::string timer_report = timers.report(world, runtime::wall_seconds() - start);
    log.block(timer_report);
    return 0;
  });
}
