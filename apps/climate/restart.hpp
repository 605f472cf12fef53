#pragma once
// Restarting parlayer-climate from a snapshot: is the snapshot this model's, with this model's
// configuration and time step? The checks are pure functions of the snapshot's header (identical
// on every rank: the library broadcasts it) and of the effective config (identical on every rank),
// so every rank reaches the same verdict and may throw a CollectiveError.
//
// What must match, and why:
//  - model: the snapshot's `model` attribute is climate::model_name (another program's fields would
//    have the same names by accident at best);
//  - every key of the tables grid, physics, topography, initial, tracer and sun: they define the
//    equations, the grid and the bottom topography (which is recomputed, not stored);
//  - the effective time step, bit for bit: model time is step * dt, so another dt would change the
//    times and the answers. (time.dt and time.cfl themselves may differ if dt comes out the same.)
// Everything else (time.steps, output.*, checkpoint.*, log.*, parallel.*, balance.*) may change on restart.
//
// Snapshots record all this as typed parameters (parlayer::checkpoint::Parameter): every config
// key, must_match for the model keys and may_change for the others, plus the effective time step
// as "time.effective_dt". Snapshots written before parameters existed are checked against the
// config text they store instead.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "parlayer/checkpoint/snapshot.hpp"
#include "parlayer/runtime/config.hpp"

namespace climate {

// The `model` attribute of every snapshot parlayer-climate writes (output and checkpoints).
inline constexpr const char* model_name = "parlayer-climate rotating shallow water + tracer (C-grid, SSP-RK3)";

// What every snapshot records about the run besides its state: the effective configuration as
// text (for people: h5dump, ncdump) and as typed parameters (for restarts).
struct RunRecord {
  std::string config_text;
  std::vector<parlayer::checkpoint::Parameter> parameters;
};

// The record of a run with `config` and the effective time step `dt`. Local.
RunRecord run_record(const parlayer::runtime::Config& config, double dt);

// The line that ends the config text stored in snapshots; it records the effective time step
// exactly (%.17g round-trips a double).
std::string effective_dt_line(double dt);

// The effective time step recorded in a snapshot's config text, if the line is there.
std::optional<double> recorded_dt(const std::string& config_text);

// The tables whose keys a restart must not change.
bool is_model_key(const std::string& key);

// Throws a CollectiveError (one line, naming `snapshot` and the first difference) unless the
// snapshot `header` was written by this model with the same model keys as `config` and the same
// effective time step `dt`, at a step no later than `last_step`. Returns one line per may_change
// key whose value differs from the snapshot's ("time.steps: 100 in the snapshot, 200 now"), for
// the log. Local (same verdict everywhere).
std::vector<std::string> check_restart_compatible(const std::filesystem::path& snapshot, const parlayer::checkpoint::SnapshotHeader& header,
                              const parlayer::runtime::Config& config, double dt, std::int64_t last_step);

}  // namespace climate
