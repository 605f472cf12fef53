#pragma once
// Where each component's time goes on each rank: computing (busy), waiting at coupling points
// (finishing an exchange: the messages and the receiving side's remap), and the coupler's own
// work (starting exchanges, which packs and expands, and the bulk formulas). Kept apart from the
// rest so CPMIP figures and a layout advisor can be built on it.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "cpmip.hpp"
#include "parlayer/coupling/components.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/runtime/timers.hpp"

namespace coupled {

class ComponentTiming {
public:
  enum Phase { busy = 0, wait = 1, couple = 2 };
  static constexpr int phase_count = 3;

  // One row per component, in the order of `components.all()`. Local.
  explicit ComponentTiming(const parlayer::coupling::Components& components);

  // Adds the seconds of `body()` to (component, phase) on this rank. Local.
  // Also keeps the interval as an event of the timeline (the first max_events per rank).
  template <class F>
  void measure(int component, Phase phase, F&& body) {
    const double c0 = cpu_seconds(), t0 = parlayer::runtime::wall_seconds();
    body();
    const double t1 = parlayer::runtime::wall_seconds(), c1 = cpu_seconds();
    add(component, phase, t1 - t0);
    m_cpu[index(component, phase)] += c1 - c0;
    if (m_events.size() < 4 * max_events)
      m_events.insert(m_events.end(), {double(component), double(phase), t0 - m_origin, t1 - m_origin});
  }
  static constexpr std::size_t max_events = 100000;
  void add(int component, Phase phase, double seconds) { m_seconds[index(component, phase)] += seconds; }
  // This rank's seconds. Local.
  double seconds(int component, Phase phase) const { return m_seconds[index(component, phase)]; }

  // This process's CPU seconds (all its threads) so far. Unlike wall time, it leaves out the time
  // the rank was descheduled: on a shared or oversubscribed machine the layout advisor fits it.
  static double cpu_seconds() noexcept;

  // Every rank's seconds, gathered: seconds_of(rank)[component * phase_count + phase] (the CPU
  // seconds with `cpu`). Collective over the parent communicator.
  std::vector<std::vector<double>> gather(bool cpu = false) const;

  // One line per component: mean and max over its ranks of busy, wait and couple, in seconds and
  // per coupling interval. Collective over the parent communicator.
  std::string report(std::int64_t intervals) const;

  // What the run measured, on every rank: the layout, `threads[c]` threads per rank of component c
  // (in the order of `components.all()`; missing = 1) and every rank's busy / wait / couple seconds,
  // for cpmip::figures. Collective over the parent communicator.
  cpmip::Run run(std::int64_t intervals, double interval_seconds, double wall_seconds, const std::string& schedule,
                 const std::vector<int>& threads) const;

  // Writes `path` (JSON, by rank 0): the run (schedule, intervals, model seconds per interval, wall
  // seconds), each component's ranks and threads, every rank's busy / wait / couple seconds per
  // component, the CPMIP figures ("cpmip": cpmip::to_json), and every rank's timeline events
  // [component, phase, start, end] in seconds since the ComponentTiming was made (what a layout
  // advisor and a timeline plot need). Collective over the parent communicator; a failure to
  // write is a CollectiveError.
  void write_json(const std::filesystem::path& path, const cpmip::Run& run) const;

private:
  std::size_t index(int component, Phase phase) const {
    return static_cast<std::size_t>(component) * phase_count + static_cast<std::size_t>(phase);
  }
  const parlayer::coupling::Components& m_components;
  std::vector<double> m_seconds;
  std::vector<double> m_cpu;  // CPU seconds of the same intervals
  double m_origin = parlayer::runtime::wall_seconds();
  std::vector<double> m_events;  // 4 per event: component, phase, start, end
};

}  // namespace coupled
