#include "parlayer/runtime/time_loop.hpp"

#include <algorithm>
#include <stdexcept>

namespace parlayer::runtime {

std::int64_t automatic_progress_interval(std::int64_t steps) noexcept {
  return std::max<std::int64_t>(1, steps / 20 + (steps % 20 != 0));  // (steps + 19) / 20 would overflow
}

LoopResult run_time_loop(const LoopSettings& s, const LoopHooks& hooks, const Log& log, Timers& timers) {
  if (!hooks.advance) throw std::invalid_argument("run_time_loop: no advance hook");
  if (s.last_step < s.first_step) throw std::invalid_argument("run_time_loop: last_step < first_step");
  const std::int64_t steps = s.last_step - s.first_step;
  const std::int64_t progress_every =
      s.progress_interval > 0 ? s.progress_interval : automatic_progress_interval(steps);
  const int width = static_cast<int>(std::to_string(s.last_step).size());

  const double start = wall_seconds();
  const double advance_before = timers.seconds("advance");  // the timers may have been used before
  double advance_at_last_line = advance_before;
  std::int64_t step_at_last_line = s.first_step;

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

  auto checkpoint = [&](std::int64_t step) {
    if (!hooks.checkpoint) return;
    auto t = timers.measure("checkpoint");
    hooks.checkpoint(step, static_cast<double>(step) * s.dt);
  };

  std::int64_t step = s.first_step;
  bool stopped = false;
  if (s.output_interval > 0 && s.output_at_start) output(step);
  progress(step);
  while (step < s.last_step && !stopped) {
    {
      auto t = timers.measure("advance");
      hooks.advance(step, static_cast<double>(step) * s.dt);
    }
    ++step;
    stopped = hooks.should_stop && hooks.should_stop(step) && step < s.last_step;
    const bool last = step == s.last_step || stopped;
    if (s.output_interval > 0 && (step % s.output_interval == 0 || last)) output(step);
    if (s.checkpoint_interval > 0 && (step % s.checkpoint_interval == 0 || last)) checkpoint(step);
    else if (stopped) checkpoint(step);
    if (step % progress_every == 0 || last) progress(step);
  }
  if (stopped) log.info(format("stopped on request at step %lld", static_cast<long long>(step)));
  return LoopResult{step, static_cast<double>(step) * s.dt, wall_seconds() - start,
                    timers.seconds("advance") - advance_before, stopped};
}

}  // namespace parlayer::runtime
