#pragma once
/// \file
/// \brief The time-loop driver: advance, output and progress cadence, progress lines on rank 0.
///
///     runtime::LoopSettings settings{.first_step = 0, .last_step = 1000, .dt = 60.0,
///                                    .output_interval = 100, .cells = nx * ny};
///     runtime::run_time_loop(settings, {.advance = [&](auto, auto) { model.step(); },
///                                       .output = [&](auto step, auto time) { write(step, time); },
///                                       .diagnostics = [&](auto, auto) { return model_summary(); }},
///                            log, timers);
///
/// Model time is step * dt (computed, never accumulated), so a run restarted at step n has
/// bit-identical times to one that never stopped.
///
/// Cadence (steps, counted from 0, not from the restart):
///  - output: at first_step when output_at_start, at every multiple of output_interval, and at
///    last_step, each step at most once; none when output_interval is 0.
///  - progress line: at first_step, every progress_interval steps, and at last_step.
///  - checkpoint: every multiple of checkpoint_interval and at last_step (none when 0).
///  - stop: should_stop(step) after every step; when it returns true (on every rank at once: it
///    must be collective, e.g. runtime::StopRequest::should_stop) the loop writes a checkpoint
///    (if any) and returns with stopped = true.
#include <cstdint>
#include <functional>
#include <string>

#include "parlayer/runtime/log.hpp"
#include "parlayer/runtime/timers.hpp"

namespace parlayer::runtime {

struct LoopSettings {
  std::int64_t first_step = 0;         ///< step of the state the loop starts from
  std::int64_t last_step = 0;          ///< the loop stops once this step is reached
  double dt = 0.0;                     ///< model time per step
  std::int64_t output_interval = 0;    ///< 0: no output
  bool output_at_start = true;         ///< write the state at first_step (a restart would not)
  std::int64_t progress_interval = 0;  ///< 0: about 20 progress lines per run
  std::int64_t checkpoint_interval = 0;  ///< 0: no checkpoints
  double cells = 0.0;                  ///< cells updated per step (all ranks), for the cells/s rate
  std::string team = {};               ///< who computes, after the rate, e.g. "2 ranks x 2 threads"; empty: nothing
};

struct LoopHooks {
  /// Advances the state from `step` (at `time`) to step + 1. Required. Collective in practice.
  std::function<void(std::int64_t step, double time)> advance;
  /// Writes the state at `step`. Optional. Collective.
  std::function<void(std::int64_t step, double time)> output;
  /// Returns the model's part of the progress line (e.g. "mass ... energy ..."); may throw a
  /// CollectiveError to stop a run that has gone wrong. Optional. Collective.
  std::function<std::string(std::int64_t step, double time)> diagnostics;
  /// Writes a checkpoint of the state at `step`. Optional. Collective.
  std::function<void(std::int64_t step, double time)> checkpoint;
  /// Asked after every step: true ends the loop there. Optional. Collective (same answer on every
  /// rank at the same step).
  std::function<bool(std::int64_t step)> should_stop;
};

struct LoopResult {
  std::int64_t step = 0;        ///< the last step reached
  double time = 0.0;            ///< its model time
  double wall_seconds = 0.0;    ///< the whole loop, output included (this rank)
  double advance_seconds = 0.0; ///< inside advance() only (this rank)
  bool stopped = false;         ///< ended early by should_stop
};

/// \brief Runs the loop; timers "advance", "output", "diagnostics", "checkpoint" are added to
///        `timers`.
///        Collective (over the communicator the hooks use).
LoopResult run_time_loop(const LoopSettings& settings, const LoopHooks& hooks, const Log& log, Timers& timers);

/// \brief The progress interval used for progress_interval = 0: about 20 lines per run.
std::int64_t automatic_progress_interval(std::int64_t steps) noexcept;

}  // namespace parlayer::runtime
