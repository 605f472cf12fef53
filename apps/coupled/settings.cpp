#include "settings.hpp"

#include <cmath>
#include <filesystem>
#include <map>
#include <regex>

#include "parlayer/runtime/log.hpp"
#include "parlayer/parallel/interop.hpp"

namespace coupled {

using parlayer::CollectiveError;
using parlayer::runtime::Config;
using parlayer::runtime::ConfigSchema;
using parlayer::runtime::format;

namespace {

const char* const components[] = {"atmosphere", "ocean", "land"};

constexpr auto schedule_choices =
    parlayer::named_choices<Schedule>({{Schedule::sequential, "sequential"}, {Schedule::concurrent, "concurrent"}});

// The climate's schema, kept for the life of the program (a Config refers to its schema).
const ConfigSchema& climate_schema() {
  static const ConfigSchema schema = climate::make_schema();
  return schema;
}

// The climate keys a shallow-water component takes: the model's tables, its time step and its
// decomposition. Not time.steps, output, checkpoint, log (the coupled run's own), sun and the
// rest of balance (not used here).
bool component_key(const std::string& key) {
  for (const char* table : {"grid.", "physics.", "topography.", "initial.", "tracer.", "parallel."})
    if (key.rfind(table, 0) == 0) return true;
  return key == "time.dt" || key == "time.cfl" || key == "balance.eliminate_land";
}

// The coupled demo's defaults where they differ from parlayer-climate's: a 1000 m atmosphere with
// a jet over a reduced-gravity ocean 200 m deep with continents.
const std::map<std::string, parlayer::runtime::Value>& layer_defaults(const std::string& component) {
  static const std::map<std::string, parlayer::runtime::Value> atmosphere{
      {"grid.nx", std::int64_t{64}}, {"grid.ny", std::int64_t{32}}, {"physics.viscosity", 2000.0},
      {"initial.jet_speed", 20.0}, {"initial.jet_width", 3.0e5}, {"initial.perturbation", 0.1}};
  static const std::map<std::string, parlayer::runtime::Value> ocean{
      {"grid.nx", std::int64_t{128}}, {"grid.ny", std::int64_t{64}}, {"physics.gravity", 0.02},
      {"physics.depth", 200.0}, {"physics.viscosity", 500.0}, {"topography.shape", std::string("continents")},
      {"topography.height", 400.0}, {"topography.width", 6.0e5}, {"initial.state", std::string("lake_at_rest")},
      {"tracer.pattern", std::string("front")}};
  return component == "ocean" ? ocean : atmosphere;
}

// The checkpoint keys: parlayer-climate's (its meanings, defaults and bounds), for the whole
// coupled state. Not async and level 1 (checkpoint.async, checkpoint.local_dir, ...): not here.
const char* const checkpoint_keys[] = {"checkpoint.interval", "checkpoint.wall_interval", "checkpoint.at_end",
                                       "checkpoint.keep", "checkpoint.dir"};

void add_layer_keys(ConfigSchema& s, const std::string& c, double density, double heat_capacity, double south,
                    double north) {
  const auto& defaults = layer_defaults(c);
  for (const parlayer::runtime::KeySpec& k : climate_schema().keys()) {
    if (!component_key(k.key())) continue;
    const auto d = defaults.find(k.key());
    const parlayer::runtime::Value value = d == defaults.end() ? k.default_value() : d->second;
    const std::string key = c + "." + k.key();
    const std::string meaning = c + ": " + k.meaning() + " (parlayer-climate's " + k.key() + ")";
    s.add_like(k, key, value, meaning);  // the climate's bounds and choices, reported with this key
  }
  s.add_real(c + ".layer.density", density, c + ": density of the layer (its heat capacity per area is density x heat_capacity x h)", "kg m-3").greater_than(0);
  s.add_real(c + ".layer.heat_capacity", heat_capacity, c + ": specific heat capacity of the layer", "J kg-1 K-1").greater_than(0);
  s.add_real(c + ".layer.temperature_south", south, c + ": initial temperature where tracer.pattern is 0 (south)", "degC");
  s.add_real(c + ".layer.temperature_north", north, c + ": initial temperature where tracer.pattern is 1 (north)", "degC");
}

LayerSettings layer_from(const Config& config, const std::string& c) {
  std::vector<std::string> settings;
  for (const parlayer::runtime::KeySpec& k : climate_schema().keys()) {
    if (!component_key(k.key())) continue;
    const std::string key = c + "." + k.key();
    settings.push_back(k.key() + "=" + parlayer::runtime::to_toml_text(config.value(key)));
  }
  try {
    auto climate = std::make_shared<const Config>(Config::from_settings(climate_schema(), settings));
    climate::Parameters p = climate::parameters_from(*climate);
    parlayer::runtime::ParallelOptions parallel = parlayer::runtime::parallel_options(*climate);
    return {c,
            std::move(climate),
            p,
            std::move(parallel),
            config.real(c + ".layer.density"),
            config.real(c + ".layer.heat_capacity"),
            config.real(c + ".layer.temperature_south"),
            config.real(c + ".layer.temperature_north")};
  } catch (const CollectiveError& e) {
    throw in_component(c, e);
  }
}

}  // namespace

const char* to_string(Schedule schedule) noexcept { return schedule_choices.name(schedule); }

ConfigSchema make_schema() {
  ConfigSchema s;
  // A count (ranks of its own) or a name (on that component's ranks, one after the other with it).
  s.add_int_or_string("layout.atmosphere", parlayer::runtime::Value(std::int64_t{1}),
                      "ranks of the atmosphere, or the component whose ranks it shares");
  s.add_int_or_string("layout.ocean", parlayer::runtime::Value(std::int64_t{1}),
                      "ranks of the ocean, or the component whose ranks it shares");
  s.add_int_or_string("layout.land", parlayer::runtime::Value(std::string("atmosphere")),
                      "ranks of the land, or the component whose ranks it shares");

  s.add_real("coupling.interval", 3600.0, "model time between two exchanges (a whole number of every component's dt)", "s")
      .greater_than(0);
  s.add_string("coupling.schedule", "sequential",
               "sequential (the atmosphere steps, then the surface with the atmosphere's new fields) or concurrent "
               "(all at once with the previous coupling time's fields; messages overlap computing)")
      .one_of(schedule_choices.names());
  s.add_real("coupling.drag", 1.3e-3, "bulk drag coefficient C_D: tau = rho_a C_D |U| U").at_least(0);
  s.add_real("coupling.heat_transfer", 1.3e-3, "bulk heat transfer coefficient C_H: Q = rho_a c_a C_H (|U| + w) (T_a - T_s)")
      .at_least(0);
  s.add_real("coupling.gustiness", 2.0, "w: the wind speed the heat flux sees in still air", "m s-1").at_least(0);

  add_layer_keys(s, "atmosphere", 1.2, 1004.0, 25.0, 0.0);
  add_layer_keys(s, "ocean", 1025.0, 3990.0, 28.0, 5.0);

  s.add_real("land.dt", 0.0, "time step of the land; 0 = coupling.interval", "s").at_least(0);
  s.add_real("land.heat_capacity", 4.0e6, "heat capacity of the land slab per unit area", "J m-2 K-1").greater_than(0);
  s.add_real("land.temperature", 10.0, "initial land temperature", "degC");

  s.add_int("time.steps", 48, "coupling intervals to run").at_least(0);
  s.add_string("output.dir", "out/coupled", "folder for the components' snapshots (<dir>/<component>/)");
  s.add_int("output.interval", 12, "coupling intervals between snapshots (also the first and last); 0 = none")
      .at_least(0);
  for (const char* key : checkpoint_keys) {
    const parlayer::runtime::KeySpec& k = *climate_schema().find(key);
    std::string meaning = k.meaning();
    if (k.key() == "checkpoint.interval")
      meaning = "coupling intervals between checkpoints of the whole coupled state (counted from 0); 0 = none";
    else if (k.key() == "checkpoint.dir")
      meaning = "folder for checkpoints (<component>_<step>.h5 of every component: one generation per step); "
                "\"\" = <output.dir>/checkpoints";
    else if (k.key() == "checkpoint.at_end")
      meaning = "write a checkpoint at the last coupling interval of a run";
    s.add_like(k, k.key(), k.default_value(), meaning);
  }
  s.add_int("log.interval", 0, "coupling intervals between progress lines; 0 = about 20 per run").at_least(0);
  s.add_bool("log.echo_config", true, "print the effective configuration at start-up");
  return s;
}

CollectiveError in_component(const std::string& component, const CollectiveError& e) {
  std::string message = e.what();
  for (const parlayer::runtime::KeySpec& k : climate_schema().keys()) {
    const std::string quoted = "'" + k.key() + "'";
    for (std::size_t at = message.find(quoted); at != std::string::npos; at = message.find(quoted, at + quoted.size() + component.size() + 1))
      message.replace(at, quoted.size(), "'" + component + "." + k.key() + "'");
  }
  // The climate config behind a component is made of settings: its "(--set time.dt=...)" origins say nothing here.
  message = std::regex_replace(message, std::regex(R"( \(--set [a-z_]+\.[a-z_]+=[^)]*\))"), "");
  return CollectiveError(component + ": " + message, e.exit_code());
}

Settings settings_from(const Config& config) {
  Settings s;
  s.atmosphere = layer_from(config, "atmosphere");
  s.ocean = layer_from(config, "ocean");
  for (const char* c : components) {
    const std::string key = std::string("layout.") + c;
    if (!s.layout_text.empty()) s.layout_text += ", ";
    if (std::holds_alternative<std::int64_t>(config.value(key))) {
      const int count = config.integer_as<int>(key);  // < 1 is refused by Components, naming the component
      s.layout.emplace_back(c, count);
      s.layout_text += key + " = " + std::to_string(count);
    } else {
      const std::string& on = config.string(key);
      s.layout.emplace_back(c, on);
      s.layout_text += key + " = \"" + on + "\"";
    }
  }
  s.schedule = config.choice("coupling.schedule", schedule_choices);
  s.interval = config.real("coupling.interval");
  s.bulk = {config.real("coupling.drag"), config.real("coupling.heat_transfer"), config.real("coupling.gustiness")};
  s.steps = config.integer("time.steps");
  s.output_dir = config.string("output.dir");
  s.output_interval = config.integer("output.interval");
  s.log_interval = config.integer("log.interval");
  s.land = {config.real("land.dt"), config.real("land.heat_capacity"), config.real("land.temperature")};
  s.checkpoint.interval = config.integer("checkpoint.interval");
  s.checkpoint.wall_interval = config.real("checkpoint.wall_interval");
  s.checkpoint.at_end = config.boolean("checkpoint.at_end");
  s.checkpoint.keep = config.integer_as<int>("checkpoint.keep");
  s.checkpoint.dir = config.string("checkpoint.dir");
  if (s.checkpoint.dir.empty()) s.checkpoint.dir = (std::filesystem::path(s.output_dir) / "checkpoints").string();

  // The two grids cover the same channel; the ocean's is the finer by a whole ratio along each axis.
  const climate::Parameters &a = s.atmosphere.p, &o = s.ocean.p;
  if (a.lx != o.lx) throw config.error("ocean.grid.lx", format("must equal atmosphere.grid.lx = %g m (the same channel)", a.lx));
  if (a.ly != o.ly) throw config.error("ocean.grid.ly", format("must equal atmosphere.grid.ly = %g m (the same channel)", a.ly));
  if (o.nx % a.nx != 0)
    throw config.error("ocean.grid.nx", format("must be a whole multiple of atmosphere.grid.nx = %d (the ocean's grid "
                                               "refines the atmosphere's by an integer ratio)", a.nx));
  if (o.ny % a.ny != 0)
    throw config.error("ocean.grid.ny", format("must be a whole multiple of atmosphere.grid.ny = %d (the ocean's grid "
                                               "refines the atmosphere's by an integer ratio)", a.ny));
  if (a.topography == climate::Topography::continents)
    throw config.error("atmosphere.topography.shape", "continents are the ocean's (the atmosphere covers land and sea)");
  return s;
}

parlayer::coupling::Components make_components(const Settings& s, MPI_Comm parent) {
  try {
    return parlayer::coupling::Components(s.layout, parent);
  } catch (const CollectiveError& e) {
    throw CollectiveError(std::string("[layout] ") + e.what() + " (" + s.layout_text + ")", e.exit_code());
  }
}

std::int64_t steps_per_interval(double interval, double dt, const std::string& dt_key, const std::string& how) {
  const double n = std::round(interval / dt);
  if (!(n >= 1) || n * dt != interval)
    throw CollectiveError(format("coupling.interval = %.17g s is not a whole number of %s = %.17g s (%s): the "
                                 "components meet only at whole steps; change coupling.interval or %s",
                                 interval, dt_key.c_str(), dt, how.c_str(), dt_key.c_str()));
  return static_cast<std::int64_t>(n);
}

}  // namespace coupled
