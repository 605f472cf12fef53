#pragma once
// Restarting parlayer-coupled: is a checkpoint generation this program's, with this configuration
// and these time steps? Each component's part records the same typed parameters
// (parlayer::checkpoint::Parameter), so each part can be checked on its own ranks.
//
// What must match, and why (must_match):
//  - every key of the atmosphere's and the ocean's model tables (grid, physics, topography,
//    initial, tracer, layer), every land.* and coupling.* key (the schedule included: the fields
//    in transit of one schedule are not those of the other): they define the equations;
//  - each shallow-water component's effective time step, bit for bit ("<c>.time.effective_dt"):
//    its automatic step comes from the initial state and coupling.interval, and another one would
//    change the answers. (<c>.time.dt and <c>.time.cfl may differ if the step comes out the same.)
// What may change (may_change, reported in the log): the layout (layout.*), each component's
// decomposition and threads (<c>.parallel.*, <c>.balance.eliminate_land), time.steps, output.*,
// checkpoint.*, log.*.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "parlayer/checkpoint/snapshot.hpp"
#include "parlayer/runtime/config.hpp"

namespace coupled {

// The `model` attribute of a component's snapshots and checkpoints: "parlayer-coupled ocean".
std::string model_name(const std::string& component);

// True for the keys a restart must keep (see the file comment).
bool is_model_key(const std::string& key);

// The parameters every checkpoint part records: every config key, and the effective time steps
// of the atmosphere and the ocean. Local.
std::vector<parlayer::checkpoint::Parameter> run_parameters(const parlayer::runtime::Config& config,
                                                            double atmosphere_dt, double ocean_dt);

// Throws a CollectiveError (one line, naming `part` and the first difference, with where this
// run's value comes from) unless `header` is a checkpoint part of `component` written with the
// same must_match parameters as `now`, at step header.step = time / interval <= last_step.
// Returns one line per may_change parameter that differs, for the log. Local.
std::vector<std::string> check_restart_compatible(const std::filesystem::path& part, const std::string& component,
                                                  const parlayer::checkpoint::SnapshotHeader& header,
                                                  const parlayer::runtime::Config& config,
                                                  const std::vector<parlayer::checkpoint::Parameter>& now,
                                                  double interval, std::int64_t last_step);

}  // namespace coupled
