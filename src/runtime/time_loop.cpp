#include "parlayer/runtime/time_loop.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/runtime/flag_agreement.hpp"
#include "parlayer/runtime/stop_request.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::runtime {

namespace {

// The flags of the loop's agreement.
constexpr FlagAgreement::Flags stop_flag = 1;       // a stop was requested on some rank
constexpr FlagAgreement::Flags wall_time_flag = 2;  // rank 0: a wall-time checkpoint is due at the next check

}  // namespace

std::string CheckpointReasons::names() const {
  std::string s;
  for (const auto& [reason, name] : {std::pair{CheckpointReason::interval, "interval"},
                                     std::pair{CheckpointReason::wall_time, "wall_time"},
                                     std::pair{CheckpointReason::end, "end"}, std::pair{CheckpointReason::stop, "stop"}})
    if (contains(reason)) s.append(s.empty() ? "" : "+").append(name);  // (GCC 12 warns, wrongly, on "+" + string)
  return s.empty() ? "none" : s;
}

std::int64_t automatic_progress_interval(std::int64_t steps) noexcept {
  return std::max<std::int64_t>(1, steps / 20 + (steps % 20 != 0));  // (steps + 19) / 20 would overflow
}

LoopResult run_time_loop(const LoopSettings& s, const LoopHooks& hooks, const Log& log, Timers& timers) {
  if (!hooks.advance) throw std::invalid_argument("run_time_loop: no advance hook");
  if (s.last_step < s.first_step) throw std::invalid_argument("run_time_loop: last_step < first_step");
  if (s.agree_every < 1) throw std::invalid_argument("run_time_loop: agree_every must be >= 1");
  const bool wall_cadence = s.checkpoint_wall_interval > 0;
  const bool agreeing = s.stop_on_request || wall_cadence;
  if (agreeing && s.comm == MPI_COMM_NULL)
    throw std::invalid_argument("run_time_loop: stop_on_request and checkpoint_wall_interval need settings.comm");
  if (wall_cadence && !s.clock) throw std::invalid_argument("run_time_loop: no clock");
  const std::int64_t steps = s.last_step - s.first_step;
  const std::int64_t progress_every =
      s.progress_interval > 0 ? s.progress_interval : automatic_progress_interval(steps);
  const int width = static_cast<int>(std::to_string(s.last_step).size());

  const double start = wall_seconds();
  const double advance_before = timers.seconds("advance");  // the timers may have been used before
  double advance_at_last_line = advance_before;
  std::int64_t step_at_last_line = s.first_step;

  if (s.stop_on_request) StopRequest::install_handlers();  // idempotent; main() may have done it earlier
  std::optional<FlagAgreement> agreement;
  if (agreeing) agreement.emplace(s.comm);  // collective
  int rank = 0;
  if (agreeing) PARLAYER_MPI_CHECK(MPI_Comm_rank(s.comm, &rank));
  // Rank 0's clock alone decides the wall-time cadence; the others never read theirs.
  const bool clock_here = wall_cadence && rank == 0;
  double clock_mark = clock_here ? s.clock() : 0.0;  // the loop's start or the end of the last checkpoint
  std::optional<double> last_reading;                 // rank 0's clock at the last check
  std::int64_t last_checkpoint_step = s.first_step - 1;

  auto output = [&](std::int64_t step) {
    if (!hooks.output) return;
    auto t = timers.measure("output");
    hooks.output(step, static_cast<double>(step) * s.dt);
  };
  auto progress = [&](std::int64_t step) {
    std::string model;
    if (hooks.diagnostics) {
      auto t = timers.measure("diagnostics");
      model = hooks.diagnostics(step, static_cast<double>(step) * s.dt);
    }
    const double wall = wall_seconds() - start;
    const std::int64_t done = step - s.first_step;
    const double advance = timers.seconds("advance");
    std::string line = format("step %*lld/%lld  t %s  wall %s", width, static_cast<long long>(step),
                              static_cast<long long>(s.last_step), format_model_time(static_cast<double>(step) * s.dt).c_str(),
                              format_duration(wall).c_str());
    if (done > 0) {
      const double eta = wall / static_cast<double>(done) * static_cast<double>(s.last_step - step);
      const double interval = advance - advance_at_last_line;
      const double rate = interval > 0 ? s.cells * static_cast<double>(step - step_at_last_line) / interval : 0.0;
      line += "  ETA " + format_duration(eta) + "  " + format_rate(rate, "cell/s");
      if (!s.team.empty()) line += " on " + s.team;
    }
    if (!model.empty()) line += "  " + model;
    log.info(line);
    advance_at_last_line = advance;
    step_at_last_line = step;
  };
  auto checkpoint = [&](std::int64_t step, CheckpointReasons why) {
    last_checkpoint_step = step;
    const double before = clock_here ? s.clock() : 0.0;
    if (hooks.checkpoint) {
      auto t = timers.measure("checkpoint");
      hooks.checkpoint(step, static_cast<double>(step) * s.dt, why);
    }
    if (clock_here) {
      clock_mark = s.clock();  // the wall-time interval counts from here
      // The next prediction is of the steps' pace: leave this checkpoint's time out of it.
      if (last_reading) *last_reading += clock_mark - before;
    }
  };
  // Starts the agreement acted on at the next check. Rank 0 flags a wall-time checkpoint when the
  // interval will have passed by then, assuming the next check interval lasts as long as the last
  // (at the first check there is none: the start-up's output says nothing of the steps' pace).
  auto start_agreement = [&](std::int64_t step) {
    FlagAgreement::Flags mine = 0;
    if (s.stop_on_request && StopRequest::requested_here()) mine |= stop_flag;
    if (clock_here) {
      const double now = s.clock();
      const double to_next_check = last_reading ? now - *last_reading : 0.0;
      if ((now - clock_mark) + to_next_check >= s.checkpoint_wall_interval) mine |= wall_time_flag;
      last_reading = now;
    }
    agreement->start(step, mine);
  };

  std::int64_t step = s.first_step;
  bool stopped = false;
  if (s.output_interval > 0 && s.output_at_start) output(step);
  progress(step);
  if (agreement && step < s.last_step) start_agreement(step);
  while (step < s.last_step && !stopped) {
    {
      auto t = timers.measure("advance");
      hooks.advance(step, static_cast<double>(step) * s.dt);
    }
    ++step;
    const bool check = agreement && (step - s.first_step) % s.agree_every == 0;
    bool wall_time_due = false;
    if (check) {
      const FlagAgreement::Agreed agreed = agreement->complete();
      stopped = (agreed.flags & stop_flag) != 0 && step < s.last_step;
      // A flag raised before a checkpoint since then is stale: that checkpoint restarted the clock.
      wall_time_due = (agreed.flags & wall_time_flag) != 0 && last_checkpoint_step <= agreed.started;
    }
    const bool last = step == s.last_step || stopped;
    if (s.output_interval > 0 && (step % s.output_interval == 0 || last)) output(step);
    CheckpointReasons why;
    if (s.checkpoint_interval > 0 && step % s.checkpoint_interval == 0) why |= CheckpointReason::interval;
    if (wall_time_due) why |= CheckpointReason::wall_time;
    if (s.checkpoint_at_end && step == s.last_step) why |= CheckpointReason::end;
    if (stopped) why |= CheckpointReason::stop;
    if (!why.empty()) checkpoint(step, why);
    if (step % progress_every == 0 || last) progress(step);
    if (check && !last) start_agreement(step);
  }
  agreement.reset();  // completes a reduction still in flight (every rank has the same one)
  if (stopped) log.info(format("stopped on request at step %lld", static_cast<long long>(step)));
  return LoopResult{step, static_cast<double>(step) * s.dt, wall_seconds() - start,
                    timers.seconds("advance") - advance_before, stopped};
}

}  // namespace parlayer::runtime
