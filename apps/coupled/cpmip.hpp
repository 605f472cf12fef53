#pragma once
// CPMIP figures of a coupled run (Balaji et al. 2017, "CPMIP: measurements of real computational
// performance of Earth system models", GMD 10, 19-34), from the per-rank busy / wait / couple
// seconds that ComponentTiming measures. Plain arithmetic, no MPI: unit-tested on made-up numbers
// (tests/coupled/test_cpmip.cpp). docs/coupled.md "Where the time goes" defines every figure.
#include <cstdint>
#include <string>
#include <vector>

namespace coupled::cpmip {

// What one run measured.
struct Run {
  struct Component {
    std::string name;
    std::string runs_on;        // the host component whose ranks it shares, or empty: ranks of its own
    std::vector<int> ranks;     // parent ranks
    int threads = 1;            // threads per rank
    std::vector<double> busy;   // seconds, one per entry of ranks: its own time steps
    std::vector<double> wait;   // ... waiting in an exchange's finish
    std::vector<double> couple; // ... the coupler's own work
    // CPU seconds of the process (all threads) in busy and couple, per rank: not used here; the
    // layout advisor fits them on a shared machine (time descheduled left out).
    std::vector<double> cpu_busy, cpu_couple;
  };
  std::string schedule;          // "sequential" or "concurrent" (only reported)
  std::int64_t intervals = 0;    // coupling intervals run
  double interval_seconds = 0;   // model seconds per interval
  double wall_seconds = 0;       // the time loop's wall time (output and diagnostics included)
  int ranks = 0;                 // ranks of the job
  std::vector<Component> components;
};

// The figures. Every ratio is 0 when its denominator is (no intervals run).
struct Figures {
  double simulated_years = 0;  // intervals x interval_seconds / (365 x 86400 s)
  double sypd = 0;             // simulated years per wall-clock day of the time loop
  int cores = 0;               // sum over ranks of the most threads of a component on that rank
  double chsy = 0;             // core-hours per simulated year: cores x wall hours / simulated years
  // 1 - (core-seconds busy in the components) / (core-seconds in the coupled steps): CPMIP's
  // (T_M P_M - sum_C T_C P_C) / (T_M P_M), with T_M P_M summed over ranks of busy + wait + couple.
  // It holds the coupler's own work and the waiting, which is where load imbalance shows.
  double coupling_cost = 0;
  // Between the rank groups that run at the same time (each component with ranks of its own,
  // with the components that run on its ranks): T_G = max over the group's ranks of the busy
  // seconds per interval of every component on that rank; imbalance = max_G T_G / mean_G T_G
  // (1 = balanced; 1 with one group).
  struct Group {
    std::string name;            // "atmosphere+land"
    int ranks = 0;
    double busy_per_interval = 0;  // T_G [s]
  };
  std::vector<Group> groups;
  double load_imbalance = 0;
  double step_per_interval = 0;     // max over ranks of (busy + wait + couple) / intervals [s]
  double slowest_per_interval = 0;  // max_G T_G [s]
  double step_over_slowest = 0;     // step_per_interval / slowest_per_interval (>= 1 concurrent, ~ sum/max sequential)
};

// Computes the figures. Throws std::invalid_argument if a component's vectors do not match its
// ranks or a rank is out of range. Local.
Figures figures(const Run& run);

// A few lines for the end of a run's log.
std::string report(const Figures& f);

// The figures as a JSON object (one line; non-finite numbers as null).
std::string to_json(const Figures& f);

}  // namespace coupled::cpmip
