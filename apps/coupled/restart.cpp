#include "restart.hpp"

#include <variant>

#include "parlayer/error.hpp"
#include "parlayer/runtime/log.hpp"

namespace coupled {

using parlayer::CollectiveError;
using parlayer::checkpoint::Parameter;
using parlayer::runtime::format;

namespace {

// A config value as a parameter: integers and reals keep their type (reals compared bit for
// bit); booleans and integer lists are recorded as their TOML text (as parlayer-climate does).
Parameter::Value parameter_value(const parlayer::runtime::Value& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return *i;
  if (const auto* d = std::get_if<double>(&value)) return *d;
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  return parlayer::runtime::to_toml_text(value);
}

}  // namespace

std::string model_name(const std::string& component) { return "parlayer-coupled " + component; }

bool is_model_key(const std::string& key) {
  if (key.starts_with("coupling.") || key.starts_with("land.")) return true;
  for (const char* c : {"atmosphere.", "ocean."}) {
    if (!key.starts_with(c)) continue;
    const std::string rest = key.substr(std::char_traits<char>::length(c));
    for (const char* table : {"grid.", "physics.", "topography.", "initial.", "tracer.", "layer."})
      if (rest.starts_with(table)) return true;
  }
  return false;
}

std::vector<Parameter> run_parameters(const parlayer::runtime::Config& config, double atmosphere_dt, double ocean_dt) {
  std::vector<Parameter> parameters;
  for (const parlayer::runtime::KeySpec& spec : config.schema().keys())
    parameters.emplace_back(spec.key(), parameter_value(config.value(spec.key())),
                            is_model_key(spec.key()) ? Parameter::Rule::must_match : Parameter::Rule::may_change);
  parameters.emplace_back("atmosphere.time.effective_dt", atmosphere_dt, Parameter::Rule::must_match);
  parameters.emplace_back("ocean.time.effective_dt", ocean_dt, Parameter::Rule::must_match);
  return parameters;
}

std::vector<std::string> check_restart_compatible(const std::filesystem::path& part, const std::string& component,
                                                  const parlayer::checkpoint::SnapshotHeader& header,
                                                  const parlayer::runtime::Config& config,
                                                  const std::vector<Parameter>& now, double interval,
                                                  std::int64_t last_step) {
  const std::string cannot = "cannot restart from '" + part.string() + "': ";
  if (header.model != model_name(component))
    throw CollectiveError(cannot + "it was written by '" + header.model + "', not as parlayer-coupled's " + component);
  std::vector<std::string> changed;
  try {
    changed = parlayer::checkpoint::check_parameters(part, header, parlayer::checkpoint::snapshot_format_version, now);
  } catch (const parlayer::checkpoint::ParameterMismatch& e) {
    // Say where this run's value comes from (a file line or --set), and what a restart may change.
    const bool key = config.schema().find(e.parameter()) != nullptr;
    throw CollectiveError(std::string(e.what()) + (key ? " (" + config.origin(e.parameter()) + ")" : "") +
                          "; a restart must keep every model, layer, land and coupling key and each component's "
                          "time step (the layout, parallel.*, time.steps, output, checkpoint and log may change)");
  }
  if (header.step < 0 || header.time != static_cast<double>(header.step) * interval)
    throw CollectiveError(cannot + format("its time %.17g s is not step %lld x coupling.interval %.17g s", header.time,
                                          static_cast<long long>(header.step), interval));
  if (header.step > last_step)
    throw CollectiveError(cannot + format("it is at coupling interval %lld, beyond time.steps = %lld (the interval to "
                                          "reach); raise time.steps or --steps",
                                          static_cast<long long>(header.step), static_cast<long long>(last_step)));
  return changed;
}

}  // namespace coupled
