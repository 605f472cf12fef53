#include "parameters.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "parlayer/runtime/log.hpp"
#include "parlayer/runtime/parallel_options.hpp"

namespace climate {

using parlayer::runtime::Config;
using parlayer::runtime::ConfigSchema;
using parlayer::runtime::format;

namespace {

// The names of every choice key, for the schema's one_of() and for parameters_from().
constexpr auto topography_choices = parlayer::named_choices<Topography>({
    {Topography::flat, "flat"},
    {Topography::seamount, "seamount"},
    {Topography::ridge, "ridge"},
    {Topography::continents, "continents"},
});
constexpr auto initial_state_choices = parlayer::named_choices<InitialState>({
    {InitialState::jet, "jet"},
    {InitialState::dam_break, "dam_break"},
    {InitialState::gravity_wave, "gravity_wave"},
    {InitialState::lake_at_rest, "lake_at_rest"},
});
constexpr auto tracer_pattern_choices = parlayer::named_choices<TracerPattern>(
    {{TracerPattern::front, "front"}, {TracerPattern::bands, "bands"}, {TracerPattern::blob, "blob"}});
constexpr auto tracer_scheme_choices =
    parlayer::named_choices<TracerScheme>({{TracerScheme::upwind, "upwind"}, {TracerScheme::limited, "limited"}});
// balance.cost: two choices held as Parameters::balance_model_cost (a table needs no enum).
constexpr auto balance_cost_choices = parlayer::named_choices<bool>({{false, "measured"}, {true, "model"}});

}  // namespace

parlayer::runtime::ConfigSchema make_schema() {
  ConfigSchema s;
  s.add_int("grid.nx", 256, "cells along x (periodic, 'longitude')").at_least(4).at_most(1 << 24);
  s.add_int("grid.ny", 128, "cells along y (between the walls, 'latitude')").at_least(4).at_most(1 << 24);
  s.add_real("grid.lx", 6.0e6, "channel length along x", "m").greater_than(0);
  s.add_real("grid.ly", 3.0e6, "channel width along y", "m").greater_than(0);

  s.add_real("physics.gravity", 9.81, "gravitational acceleration (reduced gravity for a 1.5-layer model)",
             "m s-2").greater_than(0);
  s.add_real("physics.depth", 1000.0, "resting surface height above z = 0 (= layer depth over a flat bottom)",
             "m").greater_than(0);
  s.add_real("physics.f0", 1.0e-4, "Coriolis parameter at the channel centre (y = 0)", "s-1");
  s.add_real("physics.beta", 1.6e-11, "beta = df/dy: f = f0 + beta*y", "m-1 s-1");
  s.add_real("physics.viscosity", 0.0, "Laplacian viscosity on u and v (free-slip walls)", "m2 s-1").at_least(0);

  s.add_string("topography.shape", "flat",
               "bottom height b(x, y): flat, a Gaussian seamount at the centre, a meridional ridge, or "
               "continents (land where the bottom reaches the surface; fields live on wet cells only)")
      .one_of(topography_choices.names());
  s.add_real("topography.height", 0.0,
             "peak bottom height (below physics.depth, except for continents: land where it reaches the surface)",
             "m").at_least(0);
  s.add_real("topography.width", 3.0e5, "Gaussian half-width (standard deviation) of the seamount or ridge",
             "m").greater_than(0);

  s.add_int("sun.work", 0,
            "column physics: iterations per wet day-side cell per step (its cost follows the sun); 0 = off")
      .at_least(0).at_most(1000000);
  s.add_real("sun.period", 86400.0, "model time of one sweep of the sun around the channel (westward)", "s")
      .greater_than(0);
  s.add_real("sun.heating", 1.0e-5, "tracer relaxation rate towards 1 under the zenith sun", "s-1").at_least(0);

  s.add_bool("balance.eliminate_land", true,
             "boxes with no wet cell get no owner (neither computed nor exchanged); needs parallel.box_size");
  s.add_int("balance.interval", 0, "steps between rebalancing proposals (needs parallel.box_size); 0 = off")
      .at_least(0);
  s.add_real("balance.threshold", 1.1,
             "adopt a proposed ownership when its predicted efficiency is at least this times the current one")
      .at_least(1);
  s.add_real("balance.smoothing", 0.5, "weight of the newest measurement in each box's running cost average")
      .greater_than(0).at_most(1);
  s.add_string("balance.cost", "measured",
               "box costs: measured (timers around each box's kernels) or model (wet cells + sun work: deterministic)")
      .one_of(balance_cost_choices.names());

  s.add_string("initial.state", "jet",
               "initial condition: balanced zonal jet + perturbation, dam break (column of water), "
               "standing gravity wave, or lake at rest over the topography")
      .one_of(initial_state_choices.names());
  s.add_real("initial.jet_speed", 25.0, "jet: peak zonal velocity of the sech^2 jet", "m s-1");
  s.add_real("initial.jet_width", 1.5e5, "jet: half-width L of u = U sech^2(y/L)", "m").greater_than(0);
  s.add_real("initial.perturbation", 0.02,
             "jet: surface perturbation seeding the instability, relative to the jet's surface drop").at_least(0);
  s.add_real("initial.amplitude", 10.0, "dam_break: column height above the surface; gravity_wave: amplitude", "m");
  s.add_real("initial.radius", 5.0e5, "dam_break: column radius", "m").greater_than(0);
  s.add_int("initial.wavenumber", 1, "gravity_wave: waves per channel length").at_least(1);

  s.add_string("tracer.pattern", "front",
               "initial tracer ('temperature', 0..1): front across the channel centre, zonal bands, or a blob")
      .one_of(tracer_pattern_choices.names());
  s.add_string("tracer.scheme", "limited",
               "tracer advection: first-order upwind, or second order with the monotonised-central limiter")
      .one_of(tracer_scheme_choices.names());

  s.add_real("time.dt", 0.0, "time step; 0 = automatic from time.cfl and the initial state", "s").at_least(0);
  s.add_real("time.cfl", 0.5, "gravity-wave Courant number of the automatic time step").greater_than(0).at_most(0.8);
  s.add_int("time.steps", 1000, "time steps to run").at_least(0);

  s.add_string("output.dir", "out/climate", "folder for snapshots (climate_<step>.h5) and climate.xmf");
  s.add_int("output.interval", 100, "steps between snapshots (also at the first and last step); 0 = none")
      .at_least(0);

  s.add_int("checkpoint.interval", 0,
            "steps between checkpoints (restart files in checkpoint.dir; counted from step 0); 0 = none")
      .at_least(0);
  s.add_real("checkpoint.wall_interval", 0.0,
             "wall time between checkpoints (rank 0's clock, agreed by all ranks); 0 = none", "s")
      .at_least(0);
  s.add_int("checkpoint.keep", 3, "checkpoint generations kept (older ones are removed after each write)")
      .at_least(1).at_most(1000000);
  s.add_string("checkpoint.dir", "",
               "folder for checkpoints (checkpoint_<step>.h5); \"\" = <output.dir>/checkpoints");
  s.add_bool("checkpoint.at_end", true, "write a checkpoint at the last step of a run");
  s.add_bool("checkpoint.async", false,
             "write checkpoints in a writer thread while the model steps (the model stops only to copy its fields)");
  s.add_string("checkpoint.local_dir", "",
               "level 1: a node-local folder (e.g. /dev/shm/run) for fast checkpoints, each rank's data also copied "
               "to a partner rank on another node; \"{node}\" is replaced by the node's index; \"\" = level 2 only");
  s.add_int("checkpoint.global_every", 1,
            "with checkpoint.local_dir: every k-th checkpoint goes to checkpoint.dir (level 2, parallel HDF5), the "
            "others to level 1; a stop and the end of a run always go to level 2")
      .at_least(1);
  s.add_int("checkpoint.local_keep", 2, "level-1 generations kept").at_least(1).at_most(1000000);

  s.add_int("log.interval", 0, "steps between progress lines; 0 = about 20 per run").at_least(0);
  s.add_bool("log.echo_config", true, "print the effective configuration at start-up");

  parlayer::runtime::add_parallel_keys(s, 2);
  return s;
}

Parameters parameters_from(const Config& c) {
  Parameters p;
  p.nx = c.integer_as<int>("grid.nx");
  p.ny = c.integer_as<int>("grid.ny");
  p.lx = c.real("grid.lx");
  p.ly = c.real("grid.ly");
  p.gravity = c.real("physics.gravity");
  p.depth = c.real("physics.depth");
  p.f0 = c.real("physics.f0");
  p.beta = c.real("physics.beta");
  p.viscosity = c.real("physics.viscosity");
  p.topography = c.choice("topography.shape", topography_choices);
  p.topography_height = c.real("topography.height");
  p.topography_width = c.real("topography.width");
  p.sun_work = c.integer_as<int>("sun.work");
  p.sun_period = c.real("sun.period");
  p.sun_heating = c.real("sun.heating");
  p.eliminate_land = c.boolean("balance.eliminate_land");
  p.balance_interval = c.integer("balance.interval");
  p.balance_threshold = c.real("balance.threshold");
  p.balance_smoothing = c.real("balance.smoothing");
  p.balance_model_cost = c.choice("balance.cost", balance_cost_choices);
  p.initial = c.choice("initial.state", initial_state_choices);
  p.jet_speed = c.real("initial.jet_speed");
  p.jet_width = c.real("initial.jet_width");
  p.perturbation = c.real("initial.perturbation");
  p.amplitude = c.real("initial.amplitude");
  p.radius = c.real("initial.radius");
  p.wavenumber = c.integer_as<int>("initial.wavenumber");
  p.tracer_pattern = c.choice("tracer.pattern", tracer_pattern_choices);
  p.tracer_scheme = c.choice("tracer.scheme", tracer_scheme_choices);
  p.dt = c.real("time.dt");
  p.cfl = c.real("time.cfl");
  p.steps = c.integer("time.steps");
  p.output_dir = c.string("output.dir");
  p.output_interval = c.integer("output.interval");
  p.log_interval = c.integer("log.interval");
  p.checkpoint_interval = c.integer("checkpoint.interval");
  p.checkpoint_wall_interval = c.real("checkpoint.wall_interval");
  p.checkpoint_keep = c.integer_as<int>("checkpoint.keep");
  p.checkpoint_dir = c.string("checkpoint.dir");
  if (p.checkpoint_dir.empty()) p.checkpoint_dir = (std::filesystem::path(p.output_dir) / "checkpoints").string();
  p.checkpoint_at_end = c.boolean("checkpoint.at_end");
  p.checkpoint_async = c.boolean("checkpoint.async");
  p.checkpoint_local_dir = c.string("checkpoint.local_dir");
  p.checkpoint_global_every = c.integer_as<int>("checkpoint.global_every");
  p.checkpoint_local_keep = c.integer_as<int>("checkpoint.local_keep");

  // Combinations no single key's range can rule out.
  if (p.topography != Topography::flat && p.topography != Topography::continents && !(p.topography_height < p.depth))
    throw c.error("topography.height",
                  format("must be below physics.depth = %g m (the layer would run dry; no wetting and drying)",
                         p.depth));
  if (p.topography != Topography::continents && p.initial == InitialState::dam_break &&
      !(p.depth - p.topography_height + p.amplitude > 0))
    throw c.error("initial.amplitude", "leaves the layer inside the dam-break column without water");
  if (p.topography != Topography::continents && p.initial == InitialState::gravity_wave &&
      !(std::fabs(p.amplitude) < p.depth - p.topography_height))
    throw c.error("initial.amplitude", format("must be smaller than the depth (%g m) for a gravity wave",
                                              p.depth - p.topography_height));
  if (p.initial == InitialState::gravity_wave && p.wavenumber > p.nx / 2)
    throw c.error("initial.wavenumber", format("must be <= grid.nx / 2 = %d (the grid cannot carry shorter waves)",
                                               p.nx / 2));
  if (p.output_dir.empty()) throw c.error("output.dir", "must not be empty");
  return p;
}

CourantNumbers courant_numbers(const Parameters& p, double dt, double h_max, double speed_max) {
  const double rdx = 1.0 / p.dx(), rdy = 1.0 / p.dy();
  const double inverse_spacing = std::sqrt(rdx * rdx + rdy * rdy);
  CourantNumbers c;
  c.gravity_wave = dt * (std::sqrt(p.gravity * h_max) + speed_max) * inverse_spacing;
  c.advective = dt * speed_max * (rdx + rdy);
  c.viscous = dt * p.viscosity * (rdx * rdx + rdy * rdy);
  return c;
}

double choose_time_step(const Parameters& p, const Config& config, double h_max, double speed_max) {
  const double advective_limit = p.tracer_scheme == TracerScheme::upwind ? 1.0 : CourantLimits::advective;
  const CourantNumbers unit = courant_numbers(p, 1.0, h_max, speed_max);  // Courant numbers per second of dt
  auto largest = [&](double target_gravity) {
    double dt = target_gravity / unit.gravity_wave;
    if (unit.advective > 0) dt = std::min(dt, advective_limit / unit.advective);
    if (unit.viscous > 0) dt = std::min(dt, CourantLimits::viscous / unit.viscous);
    return dt;
  };
  if (p.dt == 0.0) return largest(p.cfl);

  const CourantNumbers c = courant_numbers(p, p.dt, h_max, speed_max);
  const double limit = largest(CourantLimits::gravity_wave);
  auto fail = [&](const char* what, double number, double bound) {
    return config.error("time.dt", format("unstable: %s Courant number %.3g exceeds %.3g; use time.dt <= %.4g s "
                                          "(or time.dt = 0 for automatic)",
                                          what, number, bound, limit));
  };
  if (c.gravity_wave > CourantLimits::gravity_wave)
    throw fail("gravity-wave", c.gravity_wave, CourantLimits::gravity_wave);
  if (c.advective > advective_limit) throw fail("tracer advection", c.advective, advective_limit);
  if (c.viscous > CourantLimits::viscous) throw fail("viscous", c.viscous, CourantLimits::viscous);
  return p.dt;
}

}  // namespace climate
