// parlayer-coupled: an atmosphere, an ocean and a land surface, each on its own grid, ranks and
// time step, exchanging fields every coupling interval (docs/coupled.md).
//   atmosphere: parlayer-climate's rotating shallow-water model; its tracer is the air temperature
//   ocean:      the same model as a reduced-gravity layer on a finer grid with continents; its
//               tracer is the sea-surface temperature
//   land:       a slab of surface temperature on the land cells of the ocean's grid
// Bulk formulas give the wind stress on the ocean and the heat fluxes between the air and the sea
// and the air and the land (what the surface gains, the atmosphere loses, to the bit).
//
// Sample runs (from the repository root, after building into build/):
//   mpirun -np 3 build/apps/coupled/parlayer-coupled --config apps/coupled/configs/demo.toml
//   mpirun -np 2 build/apps/coupled/parlayer-coupled --config apps/coupled/configs/small.toml
//          --set coupling.schedule=\"concurrent\"                                   (one command)
//   mpirun -np 4 --oversubscribe build/apps/coupled/parlayer-coupled --config apps/coupled/configs/demo.toml
//          --set layout.atmosphere=1 --set layout.ocean=2 --set layout.land=1
//   mpirun -np 2 build/apps/coupled/parlayer-coupled --config apps/coupled/configs/small.toml
//          --set checkpoint.interval=4 --steps 8                                   (one command)
//   mpirun -np 3 build/apps/coupled/parlayer-coupled --config apps/coupled/configs/small.toml
//          --set layout.atmosphere=2 --restart latest     (continues on another layout, bit for bit)
//   build/apps/coupled/parlayer-coupled --help
//
// For each schedule, every layout (which ranks, how many per component, shared or disjoint) and
// rank count writes byte-identical snapshots, and a restart on any layout continues bit for bit.
// Exit codes: 0 finished, 2 error (one "error:" line), 3 stopped on SIGUSR1 or SIGTERM after
// writing a checkpoint (requeue, then --restart latest), 1 crash.
#include <cmath>
#include <csignal>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkpoints.hpp"
#include "component_output.hpp"
#include "coupler.hpp"
#include "parlayer/coupling/components.hpp"
#include "parlayer/error.hpp"
#include "parlayer/parallel/environment.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/runtime/config.hpp"
#include "parlayer/parallel/collective.hpp"
#include "parlayer/runtime/files.hpp"
#include "parlayer/runtime/log.hpp"
#include "parlayer/runtime/parallel_options.hpp"
#include "parlayer/runtime/stop_request.hpp"
#include "parlayer/runtime/time_loop.hpp"
#include "parlayer/runtime/timers.hpp"
#include "output.hpp"  // parlayer-climate's snapshot fields and XDMF grids
#include "restart.hpp"
#include "settings.hpp"
#include "timing.hpp"

using namespace parlayer;
using runtime::format;

namespace {

runtime::ProgramInfo program_info() {
  return {"parlayer-coupled",
          "an atmosphere (rotating shallow water, air temperature), an ocean (reduced-gravity shallow water with "
          "continents, sea-surface temperature, on a finer grid) and a land slab, each on its own ranks, grid and "
          "time step, coupled by bulk wind stress and heat fluxes every coupling.interval, sequentially or "
          "concurrently; per-component snapshots in CF NetCDF-4 + XDMF. docs/coupled.md describes it.",
          "  mpirun -np 3 parlayer-coupled --config apps/coupled/configs/demo.toml\n"
          "  mpirun -np 2 parlayer-coupled --config apps/coupled/configs/small.toml --set "
          "coupling.schedule=\\\"concurrent\\\"\n"
          "  mpirun -np 4 parlayer-coupled --config apps/coupled/configs/demo.toml --set layout.atmosphere=1 "
          "--set layout.ocean=2 --set layout.land=1\n"
          "  mpirun -np 3 parlayer-coupled --config apps/coupled/configs/demo.toml --set checkpoint.interval=12\n"
          "  mpirun -np 4 parlayer-coupled --config apps/coupled/configs/demo.toml --set layout.ocean=2 --set "
          "layout.land=1 --restart latest\n"
          "\nLayout: [layout] atmosphere = A, ocean = O, land = L ranks of their own (they must add up to the\n"
          "job's ranks), or the name of another component to run on its ranks, one after the other with it\n"
          "(the default: land = \"atmosphere\").\n"
          "Restart: --restart latest continues from the newest complete, valid checkpoint generation in\n"
          "checkpoint.dir (one file per component; damaged or incomplete generations are reported and skipped),\n"
          "--restart DIR/<component>_<step>.h5 from that generation; on any layout and rank count.\n"
          "Stop: SIGUSR1 (to mpirun or the ranks) or SIGTERM (to the ranks) stop the run at a coupling interval\n"
          "all ranks agree on, after writing a checkpoint.\n"
          "Exit codes: 0 finished; 2 error (one 'error:' line, e.g. a bad layout or key); 3 stopped on a\n"
          "signal with a checkpoint written (requeue and use --restart latest); 1 crash.\n",
          "time.steps", "output.dir"};
}

std::string ranks_text(const coupling::Component& c) {
  const std::vector<int>& r = c.ranks();
  std::string text = r.size() == 1 ? "rank " + std::to_string(r.front())
                                   : "ranks " + std::to_string(r.front()) + "-" + std::to_string(r.back());
  if (!c.runs_on().empty()) text += " (on " + c.runs_on() + ")";
  return text;
}

const char* signal_name(int signal) {
  return signal == SIGUSR1 ? "SIGUSR1" : signal == SIGTERM ? "SIGTERM" : "a request";
}

}  // namespace

int main(int argc, char** argv) {
  // First of all: from now until exit, SIGUSR1/SIGTERM only ask for a stop (a checkpoint at an
  // agreed coupling interval, exit code 3), as in parlayer-climate.
  runtime::StopRequest::install_handlers();
  return parallel::guarded_main(argc, argv, parallel::ThreadLevel::funneled, parallel::ThreadLevel::funneled,
                                [&](parallel::Environment& env) {
    const MPI_Comm world = env.world();
    const runtime::Log log(world);
    runtime::Timers timers;
    const double start = runtime::wall_seconds();

    // 1. Configuration: schema defaults < --config FILE < --set KEY=VALUE < --steps / --output.
    const runtime::ConfigSchema schema = coupled::make_schema();
    const runtime::Config config = runtime::Config::load(schema, program_info(), argc, argv, world);
    if (config.help_requested()) return 0;
    const coupled::Settings s = coupled::settings_from(config);

    // 2. The components on the job's ranks ([layout]); a bad layout is one line naming its keys.
    const coupling::Components components = coupled::make_components(s, world);

    // 3. Every component's grid, decomposition, model, initial state and time step, and the
    //    exchanges between them (declared once).
    coupled::ComponentTiming timing(components);
    coupled::CoupledModel model(s, components, timing);

    // 4. Say what runs.
    log.info(format("parlayer-coupled: %s schedule, coupling every %s, %lld intervals = %s, %d ranks",
                    coupled::to_string(s.schedule), runtime::format_model_time(s.interval).c_str(),
                    static_cast<long long>(s.steps),
                    runtime::format_model_time(s.interval * static_cast<double>(s.steps)).c_str(), env.size()));
    for (const coupled::ComponentIndex c : {coupled::atmosphere, coupled::ocean}) {
      const coupled::Layer& L = model.layer(c);
      const climate::Parameters& p = L.settings.p;
      log.info(format("  %-10s %s: %dx%d cells (dx %.4g km), %s, dt %.6g s (%lld per interval)%s",
                      L.settings.name.c_str(), ranks_text(L.component).c_str(), p.nx, p.ny, p.dx() / 1e3,
                      runtime::describe_layout(L.decomposition, L.settings.parallel).c_str(), L.dt,
                      static_cast<long long>(L.steps),
                      L.wet.empty() ? "" : format(", land %.1f%% of the cells", [&] {
                        double w = 0;
                        for (const double x : L.wet) w += x;
                        return 100.0 * (1.0 - w / double(L.wet.size()));
                      }()).c_str()));
    }
    log.info(format("  %-10s %s: slab on the land cells of the ocean's grid, dt %.6g s (%lld per interval)", "land",
                    ranks_text(components["land"]).c_str(), model.land_slab().dt(), static_cast<long long>(model.land_slab().steps())));
    log.info(format("  exchanges: atmosphere -> ocean, land (air temperature, wind; expanded x%d x%d, masked); "
                    "ocean, land -> atmosphere (heat flux, surface temperature; averaged)",
                    model.ratio()[0], model.ratio()[1]));
    if (config.boolean("log.echo_config")) log.block("effective configuration:\n" + config.to_toml());

    // 5. One run per folder: rank 0 locks the output and checkpoint folders (until exit) before
    //    anything in them is written or cleaned up; a second run stops here with one line.
    std::vector<runtime::FolderLock::Folder> folders{{s.checkpoint.dir, "checkpoint folder", "checkpoint.dir"}};
    if (s.output_interval > 0) folders.insert(folders.begin(), {s.output_dir, "output folder", "output.dir"});
    const runtime::FolderLock lock(folders, world, "parlayer-coupled");
    if (!lock.warning().empty()) log.warning(lock.warning());

    //    Output: each component's snapshots, written by its own ranks.
    const std::string config_text = config.to_toml();
    std::unique_ptr<coupled::ComponentOutput> out[3];
    if (s.output_interval > 0) {
      for (const coupled::ComponentIndex c : {coupled::atmosphere, coupled::ocean}) {
        const coupled::Layer& L = model.layer(c);
        if (!L.here()) continue;
        std::vector<runtime::XdmfGrid> grids = climate::xdmf_grids(L.settings.p);
        for (const char* extra : c == coupled::atmosphere ? std::vector<const char*>{"surface_temperature", "heating"}
                                                          : std::vector<const char*>{"heat_flux", "stress_x", "stress_y"})
          grids.front().fields.push_back(extra);
        out[c] = std::make_unique<coupled::ComponentOutput>(s.output_dir, L.settings.name,
                                                            L.component.communicator().get(), grids);
      }
      if (components["land"].here()) {
        std::vector<runtime::XdmfGrid> grids = climate::xdmf_grids(s.ocean.p);
        grids.resize(1);
        grids.front().fields = {"temperature", "heat_flux"};
        out[coupled::land] = std::make_unique<coupled::ComponentOutput>(
            s.output_dir, "land", components["land"].communicator().get(), grids);
      }
      log.info("  snapshots every " + std::to_string(s.output_interval) + " intervals in " + s.output_dir +
               "/{atmosphere,ocean,land}/ (open <component>.xmf in ParaView)");
    }
    auto header = [&](const climate::Parameters& p, const std::string& component, std::int64_t step, double time) {
      checkpoint::SnapshotHeader h = climate::snapshot_header(p, step, time, {config_text, {}});
      h.model = "parlayer-coupled " + component;
      h.title = "parlayer-coupled: the " + component + " of a coupled atmosphere-ocean-land channel";
      return h;
    };
    auto write_output = [&](std::int64_t step, double time) {
      for (const coupled::ComponentIndex c : {coupled::atmosphere, coupled::ocean}) {
        if (!out[c]) continue;
        coupled::Layer& L = model.layer(c);
        L.model->state().tracer.set_units("degC");  // the current one of the model's three states
        std::vector<checkpoint::FieldToWrite> fields = climate::snapshot_fields(L.model->state(), L.model->bottom());
        fields[3].description.long_name = c == coupled::atmosphere ? "air temperature [degC]" : "sea-surface temperature [degC]";
        if (c == coupled::atmosphere) {
          fields.push_back({"surface_temperature", &model.air_surface_temperature(), {"surface temperature (sea and land, area mean) [degC]", ""}});
          fields.push_back({"heating", &model.air_heating(), {"surface heat flux into the air [W m-2]", ""}});
        } else {
          fields.push_back({"heat_flux", &model.ocean_heat_flux(), {"heat flux into the sea [W m-2]", ""}});
          fields.push_back({"stress_x", &model.ocean_stress_x(), {"wind stress, x [N m-2]", ""}});
          fields.push_back({"stress_y", &model.ocean_stress_y(), {"wind stress, y [N m-2]", ""}});
        }
        out[c]->write(L.decomposition, fields, header(L.settings.p, L.settings.name, step, time));
      }
      if (out[coupled::land])
        out[coupled::land]->write(model.land_slab().decomposition(),
                                  {{"temperature", &model.land_temperature(), {"land surface temperature [degC] (0 over the sea)", ""}},
                                   {"heat_flux", &model.land_heat_flux(), {"heat flux into the land [W m-2]", ""}}},
                                  header(s.ocean.p, "land", step, time));
    };

    // 6. Checkpoints of the whole coupled state: one generation per coupling interval, one file
    //    per component (<component>_<step>.h5 in checkpoint.dir), written by the component's ranks;
    //    complete when every part is (docs/coupled.md, "Checkpoints").
    coupled::CoupledCheckpoints checkpoints(s.checkpoint.dir, s.checkpoint.keep, components,
                                            [&log](const std::string& line) { log.info(line); });
    {
      std::string cadence;
      if (s.checkpoint.interval > 0) cadence += "every " + std::to_string(s.checkpoint.interval) + " intervals, ";
      if (s.checkpoint.wall_interval > 0)
        cadence += "every " + runtime::format_duration(s.checkpoint.wall_interval) + " of wall time, ";
      if (s.checkpoint.at_end) cadence += "at the end, ";
      log.info("  checkpoints " + cadence + "on SIGUSR1/SIGTERM (then exit code 3) in " +
               checkpoints.folder().string() + "/, keeping " + std::to_string(s.checkpoint.keep) + " generations");
    }
    const std::vector<checkpoint::Parameter> parameters =
        coupled::run_parameters(config, model.layer(coupled::atmosphere).dt, model.layer(coupled::ocean).dt);
    const char* const names[] = {"atmosphere", "ocean", "land"};
    auto checkpoint_header = [&](coupled::ComponentIndex c, std::int64_t step, double time) {
      checkpoint::SnapshotHeader h = header(c == coupled::atmosphere ? s.atmosphere.p : s.ocean.p, names[c], step, time);
      h.parameters = parameters;
      return h;
    };
    auto decomposition_of = [&](coupled::ComponentIndex c) {
      return c == coupled::land ? &model.land_slab().decomposition() : &model.layer(c).decomposition;
    };

    // 7. The state at time 0 (its heat is the budget's reference, also after a restart), or the
    //    generation to restart from: --restart latest (the newest complete, valid one) or
    //    --restart DIR/<component>_<step>.h5, read into this layout (any ranks per component).
    model.start();
    const coupled::HeatBudget initial = model.heat_budget();
    std::int64_t first_step = 0;
    if (const std::string& request = config.restart_request(); !request.empty()) {
      std::vector<coupled::PartToRead> parts;
      for (const coupled::ComponentIndex c : {coupled::atmosphere, coupled::ocean, coupled::land})
        parts.push_back({decomposition_of(c), model.state_fields(c)});
      coupled::RestoredGeneration g;
      if (request == "latest") {
        std::optional<coupled::RestoredGeneration> latest = checkpoints.restore_latest(parts);
        if (!latest)
          throw CollectiveError("--restart latest: no checkpoint in '" + checkpoints.folder().string() +
                                "' (checkpoint.dir) to restart from; run without --restart to start from interval 0, "
                                "or give --restart DIR/<component>_<step>.h5");
        g = std::move(*latest);
      } else {
        g = checkpoints.restore(request, parts);
      }
      // Every part records the run's parameters: each component's ranks check theirs, and the
      // verdict is agreed (a changed key fails on every rank alike: one line). Every part carries the
      // same parameters, so the changes found in any part (rank 0's, logged) are the run's.
      std::vector<std::string> changed;
      const parallel::Failure incompatible = parallel::agree(world, parallel::attempt([&] {
        for (const coupled::ComponentIndex c : {coupled::atmosphere, coupled::ocean, coupled::land})
          if (g.headers[c])
            changed = coupled::check_restart_compatible(g.paths[c], names[c], *g.headers[c], config, parameters,
                                                        s.interval, s.steps);
      }));
      if (incompatible) throw CollectiveError(*incompatible);
      model.state_restored();
      first_step = g.step;
      log.info(format("  restarted from generation %lld (t = %s): %s, %s, %s", static_cast<long long>(first_step),
                      runtime::format_model_time(s.interval * double(first_step)).c_str(), g.paths[0].string().c_str(),
                      g.paths[1].filename().string().c_str(), g.paths[2].filename().string().c_str()));
      for (const std::string& change : changed) log.info("  changed since that checkpoint: " + change);
      for (auto& o : out)
        if (o) o->resume(first_step, s.interval);
    }

    // 8. The time loop: one loop step = one coupling interval. It owns every cadence: output,
    //    progress, checkpoints by intervals, by wall time and at the end, and stops on request.
    std::int64_t couplings = 0;
    double max_difference = 0.0, max_bound = 0.0;
    runtime::LoopSettings settings;
    settings.first_step = first_step;
    settings.last_step = s.steps;
    settings.dt = s.interval;
    settings.output_interval = s.output_interval;
    settings.output_at_start = first_step == 0;  // a restart's first state was written by the run it continues
    settings.checkpoint_interval = s.checkpoint.interval;
    settings.checkpoint_wall_interval = s.checkpoint.wall_interval;  // rank 0's clock, agreed without blocking
    settings.checkpoint_at_end = s.checkpoint.at_end;
    settings.stop_on_request = true;  // SIGUSR1/SIGTERM since main() began: a checkpoint, then exit code 3
    settings.comm = world;
    settings.progress_interval = s.log_interval;
    settings.cells = double(s.atmosphere.p.nx) * s.atmosphere.p.ny * double(model.layer(coupled::atmosphere).steps) +
                     double(s.ocean.p.nx) * s.ocean.p.ny * double(model.layer(coupled::ocean).steps);
    settings.team = format("%d ranks", env.size());
    runtime::LoopHooks hooks;
    hooks.advance = [&](std::int64_t, double) { model.advance(); };
    if (s.output_interval > 0) hooks.output = write_output;
    hooks.diagnostics = [&](std::int64_t step, double time) {
      const coupled::HeatBudget b = model.heat_budget();
      if (b.nonfinite != 0 || !(b.atmosphere_h_min > 0) || !(b.ocean_h_min > 0))
        throw CollectiveError(format("the coupled model blew up at interval %lld (t = %s): %lld non-finite cells, "
                                     "h_min %g m (atmosphere), %g m (ocean); reduce the time steps",
                                     static_cast<long long>(step), runtime::format_model_time(time).c_str(),
                                     static_cast<long long>(b.nonfinite), b.atmosphere_h_min, b.ocean_h_min));
      const coupled::FluxCheck f = model.check_fluxes();
      couplings += f.couplings;
      max_difference = std::max(max_difference, f.max_difference);
      max_bound = std::max(max_bound, f.max_bound);
      return format("heat [J]: atmosphere %.9e ocean %.9e land %.9e in transit %+.3e total %.12e (drift %+.1e); "
                    "surface gains %+.4e W, atmosphere-surface difference %.3g W (%lld couplings checked)",
                    b.atmosphere, b.ocean, b.land, b.in_transit, b.total(), (b.total() - initial.total()) / initial.total(),
                    f.last_flux, f.max_difference, static_cast<long long>(couplings));
    };
    std::filesystem::path last_checkpoint;
    hooks.checkpoint = [&](std::int64_t step, double time, runtime::CheckpointReasons) {
      std::vector<coupled::PartToWrite> parts;
      for (const coupled::ComponentIndex c : {coupled::atmosphere, coupled::ocean, coupled::land})
        parts.push_back({decomposition_of(c), model.checkpoint_fields(c), checkpoint_header(c, step, time)});
      checkpoints.write(step, parts);
      last_checkpoint = coupled::CoupledCheckpoints::path_of(checkpoints.folder(), "{atmosphere,ocean,land}", step);
    };
    const runtime::LoopResult result = runtime::run_time_loop(settings, hooks, log, timers);
    int exit_code = 0;
    if (result.stopped) {
      // What rank 0 itself received (a signal may have reached other ranks only).
      const int signal = runtime::StopRequest::first_signal();
      log.info(format("stopped on request%s at coupling interval %lld of %lld: checkpoint %s written; exit code %d "
                      "(checkpointed): continue with --restart latest",
                      signal ? (" by " + std::string(signal_name(signal))).c_str() : "",
                      static_cast<long long>(result.step), static_cast<long long>(settings.last_step),
                      last_checkpoint.string().c_str(), runtime::exit_code_checkpointed));
      exit_code = runtime::exit_code_checkpointed;
    } else if (runtime::StopRequest::requested_here()) {  // too late to matter: the run is complete
      log.info("a stop request arrived at the end of the run: ignored, the run is complete (exit code 0)");
    }

    // 7. Report.
    const std::int64_t intervals = result.step - settings.first_step;
    log.info(format("done: %lld coupling intervals (%s of model time) in %s; heat flux conservation: %lld couplings, "
                    "max difference %.3g W (bound %.3g W)",
                    static_cast<long long>(intervals), runtime::format_model_time(s.interval * double(intervals)).c_str(),
                    runtime::format_duration(runtime::wall_seconds() - start).c_str(), static_cast<long long>(couplings),
                    max_difference, max_bound));
    log.block(timing.report(intervals));
    const coupled::cpmip::Run run = timing.run(intervals, s.interval, result.wall_seconds, coupled::to_string(s.schedule),
                                               {s.atmosphere.parallel.threads, s.ocean.parallel.threads, 1});
    log.info(coupled::cpmip::report(coupled::cpmip::figures(run)));
    if (s.output_interval > 0) {
      const std::filesystem::path timing_file = std::filesystem::path(s.output_dir) / "timing.json";
      timing.write_json(timing_file, run);
      log.info("  per-component timing and timeline: " + timing_file.string());
    }
    log.block(timers.report(world, runtime::wall_seconds() - start));
    return exit_code;
  });
}
