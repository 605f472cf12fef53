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
//          --set layout.atmosphere=1 --set layout.ocean=2 --set layout.land=1 --set layout.land_on=\"\"
//   build/apps/coupled/parlayer-coupled --help
//
// For each schedule, every layout (which ranks, how many per component, shared or disjoint) and
// rank count writes byte-identical snapshots. Exit codes: 0 finished, 2 error (one "error:" line), 1 crash.
#include <mpi.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "component_output.hpp"
#include "coupler.hpp"
#include "parlayer/coupling/components.hpp"
#include "parlayer/error.hpp"
#include "parlayer/parallel/environment.hpp"
#include "parlayer/runtime/config.hpp"
#include "parlayer/runtime/log.hpp"
#include "parlayer/runtime/parallel_options.hpp"
#include "parlayer/runtime/time_loop.hpp"
#include "parlayer/runtime/timers.hpp"
#include "output.hpp"  // parlayer-climate's snapshot fields and XDMF grids
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
          "--set layout.ocean=2 --set layout.land=1 --set layout.land_on=\\\"\\\"\n"
          "\nLayout: [layout] atmosphere = A, ocean = O, land = L ranks of their own (they must add up to the\n"
          "job's ranks), or 0 and <component>_on = \"other\" to run on another component's ranks, one after the\n"
          "other (the default: land_on = \"atmosphere\").\n"
          "Exit codes: 0 finished; 2 error (one 'error:' line, e.g. a bad layout or key); 1 crash.\n",
          "time.steps", "output.dir"};
}

std::string ranks_text(const coupling::Component& c) {
  const std::vector<int>& r = c.ranks();
  std::string text = r.size() == 1 ? "rank " + std::to_string(r.front())
                                   : "ranks " + std::to_string(r.front()) + "-" + std::to_string(r.back());
  if (!c.runs_on().empty()) text += " (on " + c.runs_on() + ")";
  return text;
}

}  // namespace

int main(int argc, char** argv) {
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
    if (!config.restart_request().empty())  // the loader offers --restart to every program; this one has no checkpoints yet
      throw CollectiveError("--restart " + config.restart_request() +
                            ": parlayer-coupled writes no checkpoints yet (docs/coupled.md, 'Not yet'); run without --restart");
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

    // 5. Output: each component's snapshots, written by its own ranks.
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

    // 6. The time loop: one loop step = one coupling interval.
    model.start();
    const coupled::HeatBudget initial = model.heat_budget();
    std::int64_t couplings = 0;
    double max_difference = 0.0, max_bound = 0.0;
    runtime::LoopSettings settings;
    settings.first_step = 0;
    settings.last_step = s.steps;
    settings.dt = s.interval;
    settings.output_interval = s.output_interval;
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
    const runtime::LoopResult result = runtime::run_time_loop(settings, hooks, log, timers);

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
    return 0;
  });
}
