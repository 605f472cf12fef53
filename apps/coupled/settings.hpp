#pragma once
// parlayer-coupled's configuration: the layout of the components on the job's ranks, the coupling
// (interval, schedule, bulk formulas), and per shallow-water component every model key of
// parlayer-climate under the component's name ([atmosphere.grid], [ocean.physics], ...), read by
// the climate's own code (docs/coupled.md lists them).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "parameters.hpp"
#include "parlayer/error.hpp"
#include "parlayer/coupling/components.hpp"
#include "parlayer/runtime/config.hpp"
#include "parlayer/runtime/parallel_options.hpp"
#include "parlayer/parallel/interop.hpp"

namespace coupled {

// When each component sees the others' fields (docs/coupled.md, "Two schedules").
enum class Schedule {
  sequential,  // the atmosphere steps, then the surface with the atmosphere of the end of the interval
  concurrent,  // every component steps at once with the fields of the previous coupling time
};
const char* to_string(Schedule schedule) noexcept;

// A shallow-water component (the atmosphere or the ocean): the climate model's config of its keys.
struct LayerSettings {
  std::string name;                          // "atmosphere" or "ocean": the config table
  std::shared_ptr<const parlayer::runtime::Config> config;  // climate::make_schema()'s keys, from [<name>.*]
  climate::Parameters p;                     // climate::parameters_from(config)
  parlayer::runtime::ParallelOptions parallel;
  double density = 0.0;        // of the layer [kg m-3]
  double heat_capacity = 0.0;  // specific [J kg-1 K-1]
  double temperature_south = 0.0, temperature_north = 0.0;  // initial temperature [degC] (tracer.pattern)
};

// The land: a slab of surface temperature on the land cells of the ocean's grid.
struct LandSettings {
  double dt = 0.0;             // its time step [s]; 0 = the coupling interval
  double heat_capacity = 0.0;  // per unit area [J m-2 K-1]
  double temperature = 0.0;    // initial [degC]
};

// The bulk formulas: tau = rho_a C_D |U| U, Q = rho_a c_a C_H (|U| + w) (T_a - T_s).
struct BulkSettings {
  double drag = 0.0;           // C_D
  double heat_transfer = 0.0;  // C_H
  double gustiness = 0.0;      // w [m s-1]: the heat flux of still air
};

// Checkpoints of the whole coupled state (parlayer-climate's keys; docs/coupled.md, "Checkpoints").
struct CheckpointSettings {
  std::int64_t interval = 0;   // coupling intervals between checkpoints; 0 = none by count
  double wall_interval = 0.0;  // seconds of rank 0's clock; 0 = none
  bool at_end = true;          // one at the last interval of a run
  int keep = 3;                // complete generations kept
  std::string dir;             // resolved: "" in the config means <output.dir>/checkpoints
};

struct Settings {
  std::vector<parlayer::coupling::ComponentSpec> layout;  // atmosphere, ocean, land
  std::string layout_text;  // "layout.atmosphere = 2, layout.ocean = 1, layout.land = \"atmosphere\"", for messages
  Schedule schedule = Schedule::sequential;
  double interval = 0.0;        // coupling interval [s]
  std::int64_t steps = 0;       // coupling intervals to run (the time loop's steps)
  std::string output_dir;
  std::int64_t output_interval = 0;  // coupling intervals between snapshots; 0 = none
  std::int64_t log_interval = 0;
  LayerSettings atmosphere, ocean;
  LandSettings land;
  BulkSettings bulk;
  CheckpointSettings checkpoint;
};

// Every key of parlayer-coupled. Local.
parlayer::runtime::ConfigSchema make_schema();

// The settings of `config`. Throws a CollectiveError naming the key for a bad value or an
// impossible combination (grids of different sizes or not in an integer ratio; the components'
// own keys are checked by the climate's code, and its messages name them with the component's
// table). The layout itself is checked by coupling::Components (see check_layout).
Settings settings_from(const parlayer::runtime::Config& config);

// The components on `parent`, with a layout error turned into one line naming the layout keys.
// Collective over `parent`.
parlayer::coupling::Components make_components(const Settings& s, MPI_Comm parent);

// A CollectiveError of the climate's code for component `component`, with the component in front
// and every climate key it names ('time.dt') given as this program's ('ocean.time.dt'). Local.
parlayer::CollectiveError in_component(const std::string& component, const parlayer::CollectiveError& e);

// The number of time steps of `dt` in `interval` if it is a whole number (exactly), else throws
// a CollectiveError naming `dt_key` and coupling.interval. Local.
std::int64_t steps_per_interval(double interval, double dt, const std::string& dt_key, const std::string& how);

}  // namespace coupled
