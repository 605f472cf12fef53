#pragma once
/// \file
/// \brief Named wall-clock timers, and a collective report of them (max and mean over ranks).
///
///     runtime::Timers timers;
///     { auto t = timers.measure("step"); model.step(); }
///     log.block(timers.report(comm));   // collective
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "parlayer/parallel/comm.hpp"

namespace parlayer::runtime {

/// \brief Seconds since some fixed point (steady clock). Local.
double wall_seconds() noexcept;

/// \brief Accumulated wall time per name, in first-use order. Local except report().
class Timers {
public:
  /// \brief Adds the time until its destruction to a timer.
  class [[nodiscard]] Scope {
  public:
    Scope(Timers& timers, std::size_t index) noexcept : m_timers(&timers), m_index(index), m_start(wall_seconds()) {}
    ~Scope() { m_timers->add(m_index, wall_seconds() - m_start); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

  private:
    Timers* m_timers;
    std::size_t m_index;
    double m_start;
  };

  /// \brief Starts measuring into timer `name` until the returned Scope ends.
  Scope measure(const std::string& name) { return Scope(*this, index_of(name)); }
  /// \brief Adds `seconds` to timer `name`.
  void add(const std::string& name, double seconds) { add(index_of(name), seconds); }
  /// \brief Total seconds and number of measurements of `name` (0 if never used).
  double seconds(const std::string& name) const;
  std::int64_t count(const std::string& name) const;

  /// \brief One line per timer: name, max and mean seconds over the ranks of `comm`, share of
  ///        `total_seconds` (if > 0). Collective: every rank must have used the same timers in
  ///        the same order (true when every rank runs the same code path).
  std::string report(parallel::Comm comm, double total_seconds = 0.0) const;

private:
  std::size_t index_of(const std::string& name);
  void add(std::size_t index, double seconds) noexcept {
    m_seconds[index] += seconds;
    ++m_counts[index];
  }
  std::vector<std::string> m_names;
  std::vector<double> m_seconds;
  std::vector<std::int64_t> m_counts;
};

}  // namespace parlayer::runtime
