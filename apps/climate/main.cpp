// parlayer-climate: rotating shallow water with a passive tracer on a beta-plane channel
// (periodic in x, walls in y), on an Arakawa C-grid, with SSP-RK3 time stepping. docs/climate.md
// describes the model, its numerics and every config key.
//
// Sample runs (from the repository root, after building into build/):
//   mpirun -np 2 build/apps/climate/parlayer-climate --config apps/climate/configs/jet.toml
//   mpirun -np 4 --oversubscribe build/apps/climate/parlayer-climate --config apps/climate/configs/jet.toml
//          --set grid.nx=768 --set grid.ny=384 --set time.dt=0 --output out/jet-768     (one command)
//   mpirun -np 3 --oversubscribe build/apps/climate/parlayer-climate --config apps/climate/configs/lake_at_rest.toml
//   mpirun -np 3 --oversubscribe build/apps/climate/parlayer-climate --config apps/climate/configs/jet.toml
//          --set parallel.box_size=[32,32] --set parallel.distribution=\"sfc\"    (one command; 72 boxes)
//   build/apps/climate/parlayer-climate --help
//   scripts/plot out/climate          # PNG frames (tracer, vorticity) and an animated GIF
//   mpirun -np 2 build/apps/climate/parlayer-climate --config apps/climate/configs/jet.toml
//          --set checkpoint.interval=1000 --steps 5000                                   (one command)
//   mpirun -np 3 build/apps/climate/parlayer-climate --config apps/climate/configs/jet.toml
//          --restart latest          # continues from the newest valid checkpoint, on any rank count
//
// Any rank count, any layout (one block per rank or many boxes per rank) and both overlap modes
// produce byte-identical snapshots, and a restarted run continues bit for bit. Exit codes: 0
// finished, 2 error (one "error:" line), 3 stopped on SIGUSR1 or SIGTERM after writing a checkpoint
// (requeue, then --restart latest), 1 crash.
#include <array>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "output.hpp"
#include "parameters.hpp"
#include "parlayer/balance/balancer.hpp"
#include "parlayer/balance/weights.hpp"
#include "parlayer/checkpoint/checkpointer.hpp"
#include "parlayer/checkpoint/series.hpp"
#include "parlayer/checkpoint/snapshot.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/error.hpp"
#include "parlayer/halo/halo_exchange.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/transfer/redistribution.hpp"
#include "parlayer/parallel/environment.hpp"
#include "parlayer/parallel/thread_pool.hpp"
#include "parlayer/runtime/config.hpp"
#include "parlayer/runtime/files.hpp"
#include "parlayer/runtime/log.hpp"
#include "parlayer/runtime/memory.hpp"
#include "parlayer/runtime/parallel_options.hpp"
#include "parlayer/runtime/reproducible_sum.hpp"
#include "parlayer/runtime/stop_request.hpp"
#include "parlayer/runtime/time_loop.hpp"
#include "parlayer/runtime/timers.hpp"
#include "restart.hpp"
#include "shallow_water.hpp"

using namespace parlayer;
using runtime::format;

namespace {

runtime::ProgramInfo program_info() {
  return {"parlayer-climate",
          "rotating shallow water with a passive tracer on a beta-plane channel (periodic in x, walls "
          "in y), C-grid, SSP-RK3; snapshots in CF NetCDF-4 (parallel HDF5) + XDMF. The model is described in docs/climate.md.",
          "  mpirun -np 2 parlayer-climate --config apps/climate/configs/jet.toml\n"
          "  mpirun -np 4 parlayer-climate --config apps/climate/configs/jet.toml --set grid.nx=768 "
          "--set grid.ny=384 --set time.dt=0\n"
          "  mpirun -np 3 parlayer-climate --config apps/climate/configs/lake_at_rest.toml --steps 500\n"
          "  mpirun -np 3 parlayer-climate --config apps/climate/configs/jet.toml --set parallel.box_size=[32,32] "
          "--set parallel.distribution=\\\"sfc\\\"\n"
          "  mpirun -np 2 parlayer-climate --config apps/climate/configs/jet.toml --set checkpoint.interval=500\n"
          "  mpirun -np 3 parlayer-climate --config apps/climate/configs/jet.toml --restart latest\n"
          "\nRestart: --restart latest continues from the newest valid checkpoint in checkpoint.dir (damaged\n"
          "ones are reported and skipped), --restart PATH from that snapshot file (a checkpoint or an\n"
          "output snapshot); any rank count and layout; time.steps stays the step to reach, counted\n"
          "from 0. The grid, physics, topography, initial and tracer keys and the time step must be those\n"
          "of the snapshot.\n"
          "Signals: SIGUSR1 or SIGTERM (under mpirun send SIGUSR1 to mpirun; srun/Slurm send SIGTERM to\n"
          "every rank) stop the run at the next step boundary all ranks agree on, after writing a\n"
          "checkpoint; one during start-up stops it at its first steps; one after the last step is ignored.\n"
          "One run per folder: a second run into a running run's output.dir or checkpoint.dir stops at\n"
          "once, naming the other run (its lock file .parlayer.lock: pid, host, start time).\n"
          "Exit codes: 0 finished; 2 error (one 'error:' line, e.g. a bad key or no valid snapshot);\n"
          "3 stopped on a signal with a checkpoint written (requeue and use --restart latest); 1 crash.\n",
          "time.steps", "output.dir"};
}

// The library's checkpoint messages on rank 0 (stdout: stderr carries only the one error line).
checkpoint::SnapshotSeries::Log checkpoint_log(const runtime::Log& log) {
  return [log](const std::string& line) { log.info("  checkpoint: " + line); };
}

const char* signal_name(int signal) {
  return signal == SIGUSR1 ? "SIGUSR1" : signal == SIGTERM ? "SIGTERM" : "a signal";
}

// The global diagnostics: exact (rank-count independent) sums and exact extrema.
struct Summary {
  double mass = 0, energy = 0, tracer_mass = 0;  // m3, m5 s-2 (energy per unit density), m3
  double h_min = 0, h_max = 0, tracer_min = 0, tracer_max = 0, speed_max = 0;
  std::int64_t nonfinite = 0;
};

// The decomposition of the channel: parallel.* as for every program; with land (topography
// "continents") and parallel.box_size, boxes without a wet cell get no owner and the others are
// dealt by their wet cells (balance.eliminate_land). Local.
domain::Decomposition decompose_channel(const climate::Parameters& p, int ranks, const runtime::Config& config,
                                        const std::vector<double>& wet) {
  domain::Decomposition d = runtime::decompose({{p.nx, p.ny}, {true, false}, {}}, ranks, config);
  if (wet.empty()) return d;  // no land
  const runtime::ParallelOptions o = runtime::parallel_options(config);
  std::vector<double> weights;
  try {
    weights = balance::box_weights(d.layout(), wet);  // all land is an error here
  } catch (const CollectiveError& e) {
    throw config.error("topography.height", std::string(e.what()) + "; lower topography.height or topography.width");
  }
  if (p.topography != climate::Topography::continents || !p.eliminate_land || o.box_size.empty()) return d;
  return {d.layout(), balance::weighted_ownership(d.layout(), ranks, weights, o.distribution)};
}

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
  // First of all: from now until exit, SIGUSR1/SIGTERM only ask for a stop (a checkpoint at an
  // agreed step, exit code 3). One that arrives before the time loop is honoured at its first
  // steps; one after the last step is ignored (the run is complete: exit 0).
  runtime::StopRequest::install_handlers();
  // MPI_THREAD_MULTIPLE: an asynchronous checkpoint's writer thread (checkpoint.async) runs MPI-IO
  // beside the model's halo exchanges. The config is read after MPI starts, so it is always asked
  // for (docs/performance.md: no measurable cost on the model's step here).
  // MPI only from this thread (FUNNELED) is all a run needs, threads included; MULTIPLE is asked
  // for so that checkpoint.async's writer thread can do MPI-IO beside the model's messages (the
  // Checkpointer refuses async with one line if MPI gives less).
  return parallel::guarded_main(argc, argv, parallel::ThreadLevel::funneled, parallel::ThreadLevel::multiple,
                                [&](parallel::Environment& env) {
    const MPI_Comm world = env.world();
    const runtime::Log log(world);
    runtime::Timers timers;
    const double start = runtime::wall_seconds();

    // 1. Configuration: schema defaults < --config FILE < --set KEY=VALUE < --steps / --output.
    const runtime::ConfigSchema schema = climate::make_schema();
    const runtime::Config config = runtime::Config::load(schema, program_info(), argc, argv, world);
    if (config.help_requested()) return 0;
    const climate::Parameters p = climate::parameters_from(config);
    const runtime::ParallelOptions parallel_options = runtime::parallel_options(config);
    // The threads of this rank (parallel.threads; the caller is one of them). MPI stays on this
    // thread: the FUNNELED level guarded_main asks for is enough.
    parallel::ThreadPool threads(parallel_options.threads);
    const halo::StepOptions step_options{parallel_options.overlap, &threads, parallel_options.tile_size};

    // 2. Decompose the channel (periodic in x, walls in y): one block per rank, or boxes of
    //    parallel.box_size dealt out by parallel.distribution (a rank may own many, or none).
    //    Then plan the halo exchange.
    const std::vector<double> wet = climate::ShallowWater::wet_mask(p);
    domain::Decomposition decomposition = decompose_channel(p, env.size(), config, wet);
    auto make_exchange = [&](const domain::Decomposition& d) {
      return std::make_unique<halo::HaloExchange>(
          runtime::make_halo_plan(d, env.rank(), climate::ShallowWater::halo_width, climate::ShallowWater::stencil,
                                  config),
          world, parallel_options.backend);
    };
    std::unique_ptr<halo::HaloExchange> exchange = make_exchange(decomposition);

    // 3. The initial state, and the time step it allows (CFL check). A restart computes them too:
    //    the bottom topography, the initial mass (the drift's reference) and the automatic dt all
    //    come from the initial state, so they are those of the run being continued.
    //    First the memory: what this rank's fields take (and one box more, to read a snapshot
    //    back), against what its machine has, before any of it is allocated.
    //    Asynchronous and level-1 checkpoints stage the 5 snapshot fields; level 1 also holds a
    //    partner's 5.
    const int staged = (p.checkpoint_async || !p.checkpoint_local_dir.empty() ? 5 : 0) +
                       (p.checkpoint_local_dir.empty() ? 0 : 5);
    runtime::check_memory(runtime::field_bytes(decomposition, env.rank(), climate::ShallowWater::halo_width,
                                               sizeof(double), climate::ShallowWater::field_count + 1 + staged),
                          world,
                          format("%d arrays of doubles over the rank's cells with %d ghost layers (grid.nx x grid.ny "
                                 "= %d x %d)",
                                 climate::ShallowWater::field_count + 1 + staged, climate::ShallowWater::halo_width, p.nx,
                                 p.ny));
    std::unique_ptr<climate::ShallowWater> allocated;
    runtime::allocate_agreed(world, "the model's fields", [&] {
      allocated = std::make_unique<climate::ShallowWater>(p, decomposition, env.rank(), *exchange, step_options);
    });
    climate::ShallowWater* model = allocated.get();
    model->initialise();
    const Summary initial = summarise(*model, world);
    if (initial.nonfinite != 0 || !(initial.h_min > 0))
      throw config.error("initial.state", format("gives a layer thickness h_min = %g m <= 0; raise physics.depth "
                                                 "or lower topography.height / initial.amplitude",
                                                 initial.h_min));
    const double dt = climate::choose_time_step(p, config, initial.h_max, initial.speed_max);
    model->set_dt(dt);
    const climate::CourantNumbers courant = climate::courant_numbers(p, dt, initial.h_max, initial.speed_max);

    // 4. Say what runs.
    const std::string team = format("%d rank%s x %d thread%s", env.size(), env.size() == 1 ? "" : "s",
                                    threads.size(), threads.size() == 1 ? "" : "s");
    log.info(format("parlayer-climate: %s on %dx%d cells (dx %.4g km, dy %.4g km), %s, overlap %s, %s halo, %d "
                    "thread%s per rank",
                    config.string("initial.state").c_str(), p.nx, p.ny, p.dx() / 1e3, p.dy() / 1e3,
                    runtime::describe_layout(decomposition, parallel_options).c_str(),
                    halo::to_string(parallel_options.overlap), transfer::to_string(parallel_options.backend),
                    threads.size(), threads.size() == 1 ? "" : "s"));
    log.info(format("  dt %.6g s%s, %lld steps = %s; Courant numbers: gravity wave %.3f, advective %.3f, "
                    "viscous %.3f",
                    dt, p.dt == 0.0 ? " (automatic)" : "", static_cast<long long>(p.steps),
                    runtime::format_model_time(dt * static_cast<double>(p.steps)).c_str(), courant.gravity_wave,
                    courant.advective, courant.viscous));
    // Load balance: the wet cells per rank (what the dynamics compute) and the boxes eliminated.
    const std::vector<double> box_wet =
        wet.empty() ? std::vector<double>{} : balance::box_weights(decomposition.layout(), wet);  // {}: cells
    {
      const balance::LoadReport r = balance::load_report(decomposition.layout(), decomposition.ownership(), box_wet);
      double wet_cells = 0.0;
      for (const double w : wet) wet_cells += w;
      if (wet.empty()) wet_cells = 1.0;  // no land: 0% below
      log.info(format("  load balance: efficiency %.3f (mean/max wet cells per rank), %d of %d boxes eliminated "
                      "(no wet cell), land %.1f%% of the cells%s",
                      r.efficiency, r.eliminated, r.boxes, wet.empty() ? 0.0 : 100.0 * (1.0 - wet_cells / double(wet.size())),
                      p.balance_interval > 0 ? format(", rebalancing every %lld steps (threshold %.2f, %s costs)",
                                                      static_cast<long long>(p.balance_interval), p.balance_threshold,
                                                      p.balance_model_cost ? "model" : "measured")
                                                   .c_str()
                                             : ""));
    }
    if (p.balance_interval > 0 && parallel_options.box_size.empty())
      throw config.error("balance.interval", "needs parallel.box_size: with one block per rank there is nothing to move");
    balance::Balancer balancer(decomposition.layout(), decomposition.ownership(),
                               {p.balance_interval, p.balance_threshold, p.balance_smoothing,
                                parallel_options.distribution},
                               world);
    const climate::RunRecord record = climate::run_record(config, dt);
    if (config.boolean("log.echo_config")) log.block("effective configuration:\n" + record.config_text);

    // 5. One run per folder: lock the output and checkpoint folders (held by rank 0 until exit)
    //    before anything in them is written or cleaned up; a second run stops here with one line.
    std::vector<runtime::FolderLock::Folder> folders{{p.checkpoint_dir, "checkpoint folder", "checkpoint.dir"}};
    if (p.output_interval > 0) folders.insert(folders.begin(), {p.output_dir, "output folder", "output.dir"});
    const runtime::FolderLock lock(folders, world, "parlayer-climate");

    //    Output: CF NetCDF-4 snapshots + climate.xmf every output.interval steps.
    std::unique_ptr<climate::Output> output;
    if (p.output_interval > 0) {
      output = std::make_unique<climate::Output>(p, decomposition, world, record, checkpoint_log(log));
      log.info("  snapshots every " + std::to_string(p.output_interval) + " steps in " + output->folder().string() +
               "/ (open " + output->xdmf_path().string() + " in ParaView)");
    }

    // 6. Checkpoints: generations checkpoint_<step>.h5 in checkpoint.dir (level 2) and, with
    //    checkpoint.local_dir, node-local files with partner copies (level 1). Opening them removes
    //    the temporaries of a write a crash interrupted and proves the folders writable, before
    //    any time is spent on steps.
    checkpoint::Checkpointer checkpoints(p.checkpoint_dir, "checkpoint", world,
                                         {.asynchronous = p.checkpoint_async,
                                          .local_folder = p.checkpoint_local_dir,
                                          .global_every = p.checkpoint_global_every,
                                          .interval = p.checkpoint_interval > 0 ? p.checkpoint_interval : 1,
                                          .keep = p.checkpoint_keep,
                                          .local_keep = p.checkpoint_local_keep},
                                         checkpoint_log(log));
    {
      std::string cadence;
      if (p.checkpoint_interval > 0) cadence += "every " + std::to_string(p.checkpoint_interval) + " steps, ";
      if (p.checkpoint_wall_interval > 0)
        cadence += "every " + runtime::format_duration(p.checkpoint_wall_interval) + " of wall time, ";
      if (p.checkpoint_at_end) cadence += "at the end, ";
      std::string levels = checkpoints.series().folder().string() + "/, keeping " + std::to_string(p.checkpoint_keep);
      if (!checkpoints.local_folder().empty())
        levels = "level 1 " + checkpoints.local_folder().string() + "/ (partner copies), every " +
                 std::to_string(p.checkpoint_global_every) + "th to level 2 " + levels;
      log.info("  checkpoints " + cadence + "on SIGUSR1/SIGTERM (then exit code 3)" +
               (p.checkpoint_async ? ", asynchronous," : "") + " in " + levels);
    }
    if (!lock.warning().empty()) log.warning(lock.warning());
    const std::array<domain::FieldBase*, 4> state_fields = model->state().fields();

    // 7. Restart: the newest valid checkpoint (--restart latest) or a snapshot file (--restart PATH),
    //    read into this decomposition (any rank count), checked against this model and config.
    std::int64_t first_step = 0;
    if (const std::string& request = config.restart_request(); !request.empty()) {
      std::filesystem::path used;
      checkpoint::SnapshotHeader header;
      std::string writer;
      if (request == "latest") {
        std::vector<checkpoint::FieldToRead> targets;
        for (domain::FieldBase* f : state_fields) targets.push_back({f->name(), f});
        const std::optional<checkpoint::Restored> latest = checkpoints.restore_latest(decomposition, targets);
        if (!latest)
          throw CollectiveError("--restart latest: no checkpoint in '" + checkpoints.series().folder().string() +
                                "' (checkpoint.dir)" +
                                (checkpoints.local_folder().empty() ? "" : " or in checkpoint.local_dir") +
                                " to restart from; run without --restart to start from step 0, or give --restart PATH");
        used = latest->info.path;
        header = latest->info.header;
        std::string pgrid;  // all 0: the writer's layout was not one block per rank
        for (const int n : latest->info.writer_process_grid) {
          if (!pgrid.empty()) pgrid += 'x';
          pgrid += std::to_string(n);
        }
        const bool blocks = !latest->info.writer_process_grid.empty() && latest->info.writer_process_grid[0] > 0;
        const std::string layout = blocks ? "process grid " + pgrid : "boxes, not one block per rank";
        writer = format(", written by %d ranks (%s), level %d", latest->info.writer_rank_count, layout.c_str(),
                        latest->level);
      } else {
        used = request;
        header = checkpoint::read_snapshot(used, world, decomposition, state_fields);
      }
      const std::vector<std::string> changed = climate::check_restart_compatible(used, header, config, dt, p.steps);
      first_step = header.step;
      log.info(format("  restarted from %s: step %lld, t = %s%s", used.string().c_str(),
                      static_cast<long long>(first_step), runtime::format_model_time(header.time).c_str(),
                      writer.c_str()));
      for (const std::string& change : changed) log.info("  changed since that snapshot: " + change);
      if (output) output->resume(first_step, dt);
    }

    // 8. The time loop.
    const double advective_limit = p.tracer_scheme == climate::TracerScheme::upwind
                                       ? 1.0
                                       : climate::CourantLimits::advective;
    bool warned = false;
    runtime::LoopSettings settings;
    settings.first_step = first_step;
    settings.last_step = p.steps;
    settings.dt = dt;
    settings.output_interval = p.output_interval;
    settings.output_at_start = first_step == 0;  // a restart's first state was written by the run it continues
    settings.progress_interval = p.log_interval;
    settings.checkpoint_interval = p.checkpoint_interval;
    settings.checkpoint_wall_interval = p.checkpoint_wall_interval;  // rank 0's clock, agreed without blocking
    settings.checkpoint_at_end = p.checkpoint_at_end;
    settings.stop_on_request = true;  // SIGUSR1/SIGTERM since main() began: a checkpoint, then exit code 3
    settings.comm = world;
    settings.cells = double(p.nx) * double(p.ny);
    settings.team = team;
    runtime::LoopHooks hooks;
    // Rebalancing: a new decomposition of the same boxes, its exchange (plans built once) and model;
    // the state moves by redistribution, the bottom is recomputed; then the old ones go.
    double rebalance_seconds = 0.0;
    auto rebalance = [&](const domain::Ownership& ownership) {
      const double t0 = runtime::wall_seconds();
      domain::Decomposition to(decomposition.layout(), ownership);
      std::unique_ptr<halo::HaloExchange> to_exchange = make_exchange(to);
      auto to_model = std::make_unique<climate::ShallowWater>(p, to, env.rank(), *to_exchange, step_options);
      to_model->set_dt(dt);
      to_model->initialise_bottom();
      const std::array<const domain::FieldBase*, 4> from_fields{&model->state().h, &model->state().u,
                                                                &model->state().v, &model->state().tracer};
      const std::array<domain::FieldBase*, 4> to_fields = to_model->state().fields();
      transfer::Redistribution(decomposition, to, world, parallel_options.backend).run(from_fields, to_fields);
      allocated = std::move(to_model);
      model = allocated.get();
      exchange = std::move(to_exchange);
      decomposition = std::move(to);
      balancer.adopt(ownership);
      rebalance_seconds += runtime::wall_seconds() - t0;
    };
    hooks.advance = [&](std::int64_t step, double time) {
      model->step();
      model->column_physics(time);
      const std::vector<int>& mine = decomposition.boxes_of(env.rank());
      for (std::size_t l = 0; l < mine.size(); ++l) balancer.add(mine[l], model->box_costs()[l]);
      model->reset_box_costs();
      if (!balancer.due(step + 1)) return;
      const balance::Proposal proposal = balancer.propose();
      if (proposal.adopt) {
        log.info(format("  step %lld: rebalancing, efficiency %.3f -> %.3f (predicted)",
                        static_cast<long long>(step + 1), proposal.current, proposal.predicted));
        rebalance(proposal.ownership);
      }
    };
    if (output)
      hooks.output = [&](std::int64_t step, double time) {
        checkpoints.wait();  // HDF5 is not thread-safe: an asynchronous checkpoint in flight finishes first
        output->write(model->state(), model->bottom(), step, time);
      };
    hooks.diagnostics = [&](std::int64_t step, double time) {
      const Summary s = summarise(*model, world);
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
      std::string line = format("mass %.13e m3 (drift %+.1e)  energy %.10e m5/s2  tracer [%.6f, %.6f]", s.mass,
                                (s.mass - initial.mass) / initial.mass, s.energy, s.tracer_min, s.tracer_max);
      if (p.balance_interval > 0) line += format("  efficiency %.3f", balancer.efficiency());
      return line;
    };
    std::filesystem::path last_checkpoint;
    hooks.checkpoint = [&](std::int64_t step, double time, runtime::CheckpointReasons why) {
      // A stop, the last step (with or without checkpoint.at_end) and wall-time checkpoints go to
      // level 2 (node-local files may not outlive the job); the interval's to level 1 when configured
      // (every global_every-th to level 2). `why` and `step` are the same on every rank, so all ranks
      // take the same branch.
      const bool interval_only = why == runtime::CheckpointReason::interval && step != settings.last_step;
      const auto level = interval_only ? checkpoint::Checkpointer::Level::automatic : checkpoint::Checkpointer::Level::global;
      checkpoints.write(decomposition, climate::snapshot_fields(model->state(), model->bottom()),
                        climate::snapshot_header(p, step, time, record), level);
      last_checkpoint = level == checkpoint::Checkpointer::Level::global || checkpoints.local_folder().empty()
                            ? checkpoints.series().path_of(step)
                            : checkpoints.local_folder() / ("checkpoint_" + std::to_string(step) + " (level 1)");
    };
    const runtime::LoopResult result = runtime::run_time_loop(settings, hooks, log, timers);
    {
      auto t = timers.measure("checkpoint");
      checkpoints.wait();  // the end of the run (or a stop) waits for the checkpoint in flight
    }
    if (p.checkpoint_async)
      log.info(format("  asynchronous checkpoints stopped the model for %.3f s in total (rank 0)",
                      checkpoints.stopped_seconds()));

    // 9. Report.
    const double advance = result.advance_seconds;
    const double cell_steps = settings.cells * double(result.step - settings.first_step);
    log.info(format("done: %lld steps in %s (model step %s, %.1f ns per cell-step per rank)",
                    static_cast<long long>(result.step - settings.first_step),
                    runtime::format_duration(runtime::wall_seconds() - start).c_str(),
                    runtime::format_rate(advance > 0 ? cell_steps / advance : 0.0, "cell/s").c_str(),
                    cell_steps > 0 ? advance * 1e9 * env.size() / cell_steps : 0.0));
    const std::string timer_report = timers.report(world, runtime::wall_seconds() - start);
    log.block(timer_report);
    {
      // Busy time: what each rank spent in its boxes' kernels (dynamics + column physics).
      const std::vector<double> busy = balancer.busy_per_rank();
      std::string line = p.balance_model_cost ? "busy time per rank (model cost units):" : "busy time per rank (s):";
      for (const double b : busy) line += format(" %.3f", b);
      line += format("; efficiency (mean/max) %.3f", balance::efficiency_of(busy));
      if (p.balance_interval > 0)
        line += format("; %d rebalance(s) took %.3f s", balancer.rebalances(), runtime::global_max(rebalance_seconds, world));
      log.info(line);
    }
    if (result.stopped) {
      // What rank 0 itself received (a signal may have reached other ranks only).
      const int signal = runtime::StopRequest::first_signal();
      const int received = runtime::StopRequest::request_count();
      log.info(format("stopped on request%s%s at step %lld of %lld: checkpoint %s written; exit code %d "
                      "(checkpointed): continue with --restart latest",
                      signal ? format(" by %s", signal_name(signal)).c_str() : "",
                      received > 1 ? format(" (%d signals)", received).c_str() : "",
                      static_cast<long long>(result.step), static_cast<long long>(settings.last_step),
                      last_checkpoint.string().c_str(), runtime::exit_code_checkpointed));
      return runtime::exit_code_checkpointed;
    }
    if (runtime::StopRequest::requested_here())  // too late to matter: the run is complete
      log.info("a stop request arrived at the end of the run: ignored, the run is complete (exit code 0)");
    return 0;
  });
}
