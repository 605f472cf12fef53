#pragma once
/// \file
/// \brief The time-loop driver: advance, and the cadence of output, progress lines, checkpoints
///        (by steps, by wall time, at the end, on a stop request) and stops.
///
///     runtime::LoopSettings settings{.first_step = 0, .last_step = 1000, .dt = 60.0,
///                                    .output_interval = 100, .checkpoint_interval = 500,
///                                    .checkpoint_wall_interval = 3600.0, .checkpoint_at_end = true,
///                                    .stop_on_request = true, .comm = world, .cells = nx * ny};
///     runtime::LoopHooks hooks{.advance = [&](auto, auto) { model.step(); },
///                              .output = [&](auto step, auto time) { write(step, time); },
///                              .diagnostics = [&](auto, auto) { return model_summary(); },
///                              .checkpoint = [&](auto step, auto time, runtime::CheckpointReasons why) {
///                                checkpoints.write(..., why == runtime::CheckpointReason::interval
///                                                           ? Level::automatic : Level::global);
///                              }};
///     const runtime::LoopResult result = runtime::run_time_loop(settings, hooks, log, timers);
///     return result.stopped ? runtime::exit_code_checkpointed : 0;
///
/// Model time is step * dt (computed, never accumulated), so a run restarted at step n has
/// bit-identical times to one that never stopped.
///
/// Cadence at a step boundary (steps counted from 0, not from the restart), in this order:
///  - stop: with stop_on_request, a SIGUSR1/SIGTERM or StopRequest::request() on any rank ends the
///    loop at an agreed step before last_step (result.stopped); a request at last_step changes
///    nothing (the run is complete).
///  - output: at first_step when output_at_start, at every multiple of output_interval, and at
///    the last step reached (last_step or a stop); none when output_interval is 0.
///  - checkpoint, with the reasons that hold (CheckpointReasons, several at once):
///    interval (a multiple of checkpoint_interval), wall_time (checkpoint_wall_interval seconds of
///    rank 0's clock since the last checkpoint of any reason or the loop's start), end (last_step,
///    with checkpoint_at_end), stop (a stop, always).
///  - progress line: at first_step, every progress_interval steps, and at the last step reached.
///
/// Agreement, without a blocking collective per step: every `agree_every` steps (counting from
/// first_step) the loop completes one MPI_Iallreduce (a FlagAgreement) carrying {a stop was
/// requested on some rank, rank 0 says a wall-time checkpoint is due} started at the previous
/// check, acts on it at that very step on every rank, and starts the next one after the step's
/// checkpoint. So:
///  - a stop requested during step n is acted on at most 2 * agree_every boundaries later (a
///    request before the loop: at its first check, first_step + agree_every);
///  - wall time: only rank 0 reads `clock` (the other ranks' clocks are never called, so the ranks
///    cannot disagree). At a check, rank 0 flags "due" when the interval will have passed by the
///    next check, judging by the length of the last check interval (its checkpoints left out; at
///    the first check, by the clock alone), and the checkpoint is written at that next check. With
///    steady steps that is the first check past the interval; otherwise it may come up to one check
///    interval early (the steps sped up) or late (they slowed down). A flag started before a
///    checkpoint of any reason is dropped (that checkpoint restarted the clock). An interval
///    shorter than a check interval gives a checkpoint at every check.
/// Every decision depends only on agreed flags and step numbers: the same on every rank.
#include <cstdint>
#include <functional>
#include <string>

#include "parlayer/parallel/comm.hpp"
#include "parlayer/runtime/log.hpp"
#include "parlayer/runtime/timers.hpp"

namespace parlayer::runtime {

/// \brief One reason to write a checkpoint at a step.
enum class CheckpointReason : std::uint8_t {
  interval = 1,   ///< a multiple of checkpoint_interval
  wall_time = 2,  ///< checkpoint_wall_interval of rank 0's clock has passed
  end = 4,        ///< last_step, with checkpoint_at_end
  stop = 8,       ///< a stop was agreed (the loop returns with stopped = true)
};

/// \brief The reasons that hold at a step (a set). `why == CheckpointReason::interval` is "only
///        the step count": e.g. a cheap level-1 checkpoint, where end, stop and wall time (the job
///        may be ending) want the durable level.
class CheckpointReasons {
public:
  constexpr CheckpointReasons() noexcept = default;
  constexpr CheckpointReasons(CheckpointReason reason) noexcept : m_bits(static_cast<std::uint8_t>(reason)) {}
  constexpr CheckpointReasons& operator|=(CheckpointReason reason) noexcept {
    m_bits = static_cast<std::uint8_t>(m_bits | static_cast<std::uint8_t>(reason));
    return *this;
  }
  constexpr bool contains(CheckpointReason reason) const noexcept {
    return (m_bits & static_cast<std::uint8_t>(reason)) != 0;
  }
  constexpr bool empty() const noexcept { return m_bits == 0; }
  constexpr bool operator==(const CheckpointReasons&) const noexcept = default;
  /// \brief e.g. "interval+end"; "none" for the empty set.
  std::string names() const;

private:
  std::uint8_t m_bits = 0;
};

struct LoopSettings {
  std::int64_t first_step = 0;         ///< step of the state the loop starts from
  std::int64_t last_step = 0;          ///< the loop stops once this step is reached
  double dt = 0.0;                     ///< model time per step
  std::int64_t output_interval = 0;    ///< 0: no output
  bool output_at_start = true;         ///< write the state at first_step (a restart would not)
  std::int64_t progress_interval = 0;  ///< 0: about 20 progress lines per run
  std::int64_t checkpoint_interval = 0;    ///< steps, counted from 0; 0: none by steps
  double checkpoint_wall_interval = 0.0;   ///< seconds of rank 0's clock; 0: none by wall time (needs comm)
  bool checkpoint_at_end = false;          ///< a checkpoint at last_step
  bool stop_on_request = false;        ///< SIGUSR1/SIGTERM/StopRequest::request() stop the loop (needs comm);
                                       ///< the loop installs the handlers (StopRequest::install_handlers())
  parallel::Comm comm;  ///< the ranks that run the loop together: needed for the agreement
  int agree_every = 1;                 ///< steps between checks of the agreement (>= 1)
  std::function<double()> clock = wall_seconds;  ///< seconds; read on rank 0 of comm only (tests inject one), but
                                                 ///< given on every rank (an empty one is refused everywhere)
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
  /// Writes a checkpoint of the state at `step`, for the reasons `why` (never empty; the same on
  /// every rank). Optional. Collective.
  std::function<void(std::int64_t step, double time, CheckpointReasons why)> checkpoint;
};

struct LoopResult {
  std::int64_t step = 0;        ///< the last step reached
  double time = 0.0;            ///< its model time
  double wall_seconds = 0.0;    ///< the whole loop, output included (this rank)
  double advance_seconds = 0.0; ///< inside advance() only (this rank)
  bool stopped = false;         ///< ended early by a stop request (a checkpoint was written at `step`)
};

/// \brief Runs the loop; timers "advance", "output", "diagnostics", "checkpoint" are added to
///        `timers`. Collective over settings.comm (and over the communicator the hooks use).
/// \throws std::invalid_argument if there is no advance hook, last_step < first_step,
///         agree_every < 1, or stop_on_request / checkpoint_wall_interval without a comm.
LoopResult run_time_loop(const LoopSettings& settings, const LoopHooks& hooks, const Log& log, Timers& timers);

/// \brief The progress interval used for progress_interval = 0: about 20 lines per run.
std::int64_t automatic_progress_interval(std::int64_t steps) noexcept;

}  // namespace parlayer::runtime
