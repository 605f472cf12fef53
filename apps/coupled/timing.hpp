#pragma once
// Where each component's time goes on each rank: computing (busy), waiting at coupling points
// (finishing an exchange: the messages and the receiving side's remap), and the coupler's own
// work (starting exchanges, which packs and expands, and the bulk formulas). Kept apart from the
// rest so CPMIP figures and a layout advisor can be built on it.
#include <mpi.h>

#include <string>
#include <vector>

#include "parlayer/coupling/components.hpp"
#include "parlayer/runtime/timers.hpp"

namespace coupled {

class ComponentTiming {
public:
  enum Phase { busy = 0, wait = 1, couple = 2 };
  static constexpr int phase_count = 3;

  // One row per component, in the order of `components.all()`. Local.
  explicit ComponentTiming(const parlayer::coupling::Components& components);

  // Adds the seconds of `body()` to (component, phase) on this rank. Local.
  template <class F>
  void measure(int component, Phase phase, F&& body) {
    const double t0 = parlayer::runtime::wall_seconds();
    body();
    add(component, phase, parlayer::runtime::wall_seconds() - t0);
  }
  void add(int component, Phase phase, double seconds) { m_seconds[index(component, phase)] += seconds; }
  // This rank's seconds. Local.
  double seconds(int component, Phase phase) const { return m_seconds[index(component, phase)]; }

  // Every rank's seconds, gathered: seconds_of(rank)[component * phase_count + phase].
  // Collective over the parent communicator.
  std::vector<std::vector<double>> gather() const;

  // One line per component: mean and max over its ranks of busy, wait and couple, in seconds and
  // per coupling interval. Collective over the parent communicator.
  std::string report(std::int64_t intervals) const;

private:
  std::size_t index(int component, Phase phase) const {
    return static_cast<std::size_t>(component) * phase_count + static_cast<std::size_t>(phase);
  }
  const parlayer::coupling::Components& m_components;
  std::vector<double> m_seconds;
};

}  // namespace coupled
