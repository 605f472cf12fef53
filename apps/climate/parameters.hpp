#pragma once
// The model's parameters: every config key of parlayer-climate, its default and meaning
// (docs/climate.md explains the model they drive).
#include <cstdint>
#include <string>

#include "parlayer/runtime/config.hpp"

namespace climate {

enum class InitialState { jet, dam_break, gravity_wave, lake_at_rest };
enum class Topography { flat, seamount, ridge, continents };
enum class TracerPattern { front, bands, blob };
enum class TracerScheme { upwind, limited };

struct Parameters {
  // [grid]
  int nx = 0, ny = 0;         // cells along x (periodic) and y (between the walls)
  double lx = 0.0, ly = 0.0;  // channel length and width [m]
  // [physics]
  double gravity = 0.0;    // [m s-2]
  double depth = 0.0;      // resting surface height above the reference level z = 0 [m]
  double f0 = 0.0;         // Coriolis parameter at the channel centre [s-1]
  double beta = 0.0;       // df/dy [m-1 s-1]
  double viscosity = 0.0;  // Laplacian viscosity on u, v [m2 s-1]
  // [topography]
  Topography topography = Topography::flat;
  double topography_height = 0.0;  // [m]
  double topography_width = 0.0;   // Gaussian half-width (standard deviation) [m]
  // [sun] a column "physics" step whose cost follows a sun sweeping around in x (day side)
  int sun_work = 0;           // iterations per wet day-side cell per step; 0 = no column physics
  double sun_period = 0.0;    // model time of one sweep around the channel [s]
  double sun_heating = 0.0;   // tracer relaxation rate towards 1 under the zenith sun [s-1]
  // [balance]
  bool eliminate_land = true;     // boxes with no wet cell get no owner (needs parallel.box_size)
  std::int64_t balance_interval = 0;  // steps between rebalancing proposals; 0 = off
  double balance_threshold = 1.1;     // adopt when predicted efficiency >= threshold * current
  double balance_smoothing = 0.5;     // weight of the newest cost in each box's running average
  bool balance_model_cost = false;    // costs the model reports (deterministic) instead of timers
  // [initial]
  InitialState initial = InitialState::jet;
  double jet_speed = 0.0;     // peak zonal velocity [m s-1]
  double jet_width = 0.0;     // sech^2 half-width [m]
  double perturbation = 0.0;  // surface perturbation, relative to the jet's surface drop
  double amplitude = 0.0;     // dam-break column height / gravity-wave amplitude [m]
  double radius = 0.0;        // dam-break column radius [m]
  int wavenumber = 1;         // gravity wave: waves per channel length
  // [tracer]
  TracerPattern tracer_pattern = TracerPattern::front;
  TracerScheme tracer_scheme = TracerScheme::limited;
  // [time]
  double dt = 0.0;  // 0: automatic
  double cfl = 0.0;
  std::int64_t steps = 0;
  // [output], [log]
  std::string output_dir;
  std::int64_t output_interval = 0;
  std::int64_t log_interval = 0;
  // [checkpoint] (restart files, apart from the visualisation snapshots of [output])
  std::int64_t checkpoint_interval = 0;   // steps between checkpoints; 0 = none by step count
  double checkpoint_wall_interval = 0.0;  // seconds of wall time between checkpoints; 0 = none [s]
  int checkpoint_keep = 3;                // generations kept
  std::string checkpoint_dir;             // resolved: "" in the config means <output_dir>/checkpoints
  bool checkpoint_at_end = true;          // a checkpoint at the last step of a run
  bool checkpoint_async = false;          // written by a writer thread while the model steps
  std::string checkpoint_local_dir;       // level 1 (node-local, partner copies); "" = level 2 only
  int checkpoint_global_every = 1;        // with level 1: every k-th checkpoint to level 2
  int checkpoint_local_keep = 2;          // level-1 generations kept

  double dx() const { return lx / nx; }
  double dy() const { return ly / ny; }
};

/// Every key of the model (grid, physics, topography, initial, tracer, time, output, checkpoint,
/// log, parallel) with default and meaning.
parlayer::runtime::ConfigSchema make_schema();

/// The parameters of `config`, checked for consistency across keys.
/// Throws a CollectiveError naming the key for an impossible combination.
Parameters parameters_from(const parlayer::runtime::Config& config);

/// The stability limits of the scheme (docs/climate.md, "Time step").
struct CourantLimits {
  static constexpr double gravity_wave = 0.8;  // dt (c + |u|) sqrt(1/dx^2 + 1/dy^2); RK3: sqrt(3)/2
  static constexpr double advective = 0.5;     // dt (|u|/dx + |v|/dy) for the limited tracer (1 for upwind)
  static constexpr double viscous = 0.6;       // dt nu (1/dx^2 + 1/dy^2); RK3 real axis: 2.51 / 4
};

/// Courant numbers of a state with maximum thickness h_max and speed speed_max for time step dt.
struct CourantNumbers {
  double gravity_wave = 0.0, advective = 0.0, viscous = 0.0;
};
CourantNumbers courant_numbers(const Parameters& p, double dt, double h_max, double speed_max);

/// The time step: time.dt if set (checked against the limits), else the largest dt with a
/// gravity-wave Courant number time.cfl that also meets the other limits. Throws a CollectiveError
/// naming time.dt and the limit for an unstable time step.
double choose_time_step(const Parameters& p, const parlayer::runtime::Config& config, double h_max,
                        double speed_max);

}  // namespace climate
