#include "restart.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <map>
#include <sstream>
#include <variant>

#include "parlayer/error.hpp"
#include "parlayer/runtime/log.hpp"

namespace climate {

using parlayer::CollectiveError;
using parlayer::checkpoint::Parameter;
using parlayer::runtime::format;

namespace {

constexpr const char* effective_dt_name = "time.effective_dt";

// A config value as a snapshot parameter: integers and reals keep their type (reals compared bit
// for bit); booleans and integer lists are recorded as their TOML text.
Parameter::Value parameter_value(const parlayer::runtime::Value& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return *i;
  if (const auto* d = std::get_if<double>(&value)) return *d;
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  return parlayer::runtime::to_toml_text(value);
}

constexpr const char* dt_line_start = "# effective time step (time.dt = 0 means automatic): ";

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

// The value text of a TOML line "name = value  # comment" (a quoted string may hold '#').
std::string value_text(const std::string& rest) {
  std::string v = trim(rest);
  if (!v.empty() && v.front() == '"') {
    for (std::size_t i = 1; i < v.size(); ++i) {
      if (v[i] == '\\') ++i;
      else if (v[i] == '"') return v.substr(0, i + 1);
    }
    return v;
  }
  return trim(v.substr(0, v.find('#')));
}

// "table.name" -> value text, for the config text Config::to_toml() writes.
std::map<std::string, std::string> config_values(const std::string& text) {
  std::map<std::string, std::string> values;
  std::istringstream in(text);
  std::string line, table;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (line.front() == '[' && line.back() == ']') {
      table = trim(line.substr(1, line.size() - 2));
      continue;
    }
    const auto equals = line.find('=');
    if (equals == std::string::npos) continue;
    values[(table.empty() ? "" : table + ".") + trim(line.substr(0, equals))] = value_text(line.substr(equals + 1));
  }
  return values;
}

}  // namespace

RunRecord run_record(const parlayer::runtime::Config& config, double dt) {
  RunRecord record{config.to_toml() + effective_dt_line(dt), {}};
  for (const parlayer::runtime::KeySpec& spec : config.schema().keys())
    record.parameters.emplace_back(spec.key(), parameter_value(config.value(spec.key())),
                                   is_model_key(spec.key()) ? Parameter::Rule::must_match
                                                            : Parameter::Rule::may_change);
  record.parameters.emplace_back(effective_dt_name, dt, Parameter::Rule::must_match);
  return record;
}

std::string effective_dt_line(double dt) { return dt_line_start + format("%.17g s\n", dt); }

std::optional<double> recorded_dt(const std::string& config_text) {
  const auto at = config_text.find(dt_line_start);
  if (at == std::string::npos) return std::nullopt;
  const char* first = config_text.data() + at + std::char_traits<char>::length(dt_line_start);
  const char* last = config_text.data() + config_text.size();
  double dt = 0.0;
  const auto result = std::from_chars(first, last, dt);
  if (result.ec != std::errc() || !(dt > 0) || !std::isfinite(dt)) return std::nullopt;
  return dt;
}

bool is_model_key(const std::string& key) {
  for (const char* table : {"grid.", "physics.", "topography.", "initial.", "tracer.", "sun."})
    if (key.starts_with(table)) return true;
  return false;
}

namespace {

// Snapshots written before typed parameters: compare the config text they store.
void check_config_text(const std::string& cannot, const parlayer::checkpoint::SnapshotHeader& header,
                       const parlayer::runtime::Config& config, double dt) {
  const std::map<std::string, std::string> stored = config_values(header.config);
  for (const parlayer::runtime::KeySpec& spec : config.schema().keys()) {
    if (!is_model_key(spec.key())) continue;
    const std::string mine = parlayer::runtime::to_toml_text(config.value(spec.key()));
    const auto it = stored.find(spec.key());
    if (it == stored.end()) {
      // A key added after that snapshot was written: the older version ran as its default does.
      if (mine == parlayer::runtime::to_toml_text(spec.default_value())) continue;
      throw CollectiveError(cannot + "its configuration has no key '" + spec.key() + "' (written by an older " +
                            "version, which ran as " + spec.key() + " = " +
                            parlayer::runtime::to_toml_text(spec.default_value()) + " does; this run has " + mine + ")");
    }
    if (it->second != mine)
      throw CollectiveError(cannot + "it was written with " + spec.key() + " = " + it->second + ", this run has " +
                            mine + " (" + config.origin(spec.key()) +
                            "); a restart must keep every grid, physics, topography, initial, tracer and sun key");
  }
  if (const std::optional<double> was = recorded_dt(header.config); was && *was != dt)
    throw CollectiveError(cannot + format("it was run with time step %.17g s, this configuration gives %.17g s; set "
                                          "time.dt = %.17g (or the time.cfl it was run with)",
                                          *was, dt, *was));
}

}  // namespace

std::vector<std::string> check_restart_compatible(const std::filesystem::path& snapshot,
                                                  const parlayer::checkpoint::SnapshotHeader& header,
                                                  const parlayer::runtime::Config& config, double dt,
                                                  std::int64_t last_step) {
  const std::string cannot = "cannot restart from '" + snapshot.string() + "': ";
  if (header.model != model_name)
    throw CollectiveError(cannot + "it was written by '" + header.model + "', not by parlayer-climate");

  std::vector<std::string> changed;
  if (header.parameters.empty()) {
    check_config_text(cannot, header, config, dt);
  } else {
    // The time step first: its message says how to get the same dt again.
    for (const Parameter& p : header.parameters) {
      const auto* was = std::get_if<double>(&p.value);
      if (p.name == effective_dt_name && was && std::memcmp(was, &dt, sizeof dt) != 0)
        throw CollectiveError(cannot + format("it was run with time step %.17g s, this configuration gives %.17g "
                                              "s; set time.dt = %.17g (or the time.cfl it was run with)",
                                              *was, dt, *was));
    }
    const RunRecord now = run_record(config, dt);
    try {
      changed = parlayer::checkpoint::check_parameters(snapshot, header, parlayer::checkpoint::snapshot_format_version,
                                                       now.parameters);
    } catch (const parlayer::checkpoint::ParameterMismatch& e) {
      // Say where this run's value comes from (a file line or --set) and what may change.
      const bool key = config.schema().find(e.parameter()) != nullptr;
      throw CollectiveError(std::string(e.what()) + (key ? " (" + config.origin(e.parameter()) + ")" : "") +
                            "; a restart must keep every grid, physics, topography, initial, tracer and sun key");
    }
  }

  if (header.step < 0 || header.time != static_cast<double>(header.step) * dt)
    throw CollectiveError(cannot + format("its time %.17g s is not step %lld x dt %.17g s", header.time,
                                          static_cast<long long>(header.step), dt));
  if (header.step > last_step)
    throw CollectiveError(cannot + format("it is at step %lld, beyond time.steps = %lld (the step to reach); raise "
                                          "time.steps or --steps",
                                          static_cast<long long>(header.step), static_cast<long long>(last_step)));
  return changed;
}

}  // namespace climate
