#include "cpmip.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace coupled::cpmip {

namespace {

constexpr double seconds_per_year = 365.0 * 86400.0;  // the model has no calendar: a 365-day year

double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }

std::string number(double x) {
  if (!std::isfinite(x)) return "null";
  char text[40];
  std::snprintf(text, sizeof text, "%.9g", x);
  return text;
}

}  // namespace

Figures figures(const Run& run) {
  Figures f;
  const std::size_t P = static_cast<std::size_t>(std::max(0, run.ranks));
  std::vector<double> busy(P, 0.0), step(P, 0.0);
  std::vector<int> cores(P, 0);
  for (const Run::Component& c : run.components) {
    if (c.busy.size() != c.ranks.size() || c.wait.size() != c.ranks.size() || c.couple.size() != c.ranks.size())
      throw std::invalid_argument("cpmip: component '" + c.name + "' has timings for other than its " +
                                  std::to_string(c.ranks.size()) + " ranks");
    for (std::size_t k = 0; k < c.ranks.size(); ++k) {
      if (c.ranks[k] < 0 || static_cast<std::size_t>(c.ranks[k]) >= P)
        throw std::invalid_argument("cpmip: component '" + c.name + "' on rank " + std::to_string(c.ranks[k]) +
                                    " of a job of " + std::to_string(P));
      const std::size_t r = static_cast<std::size_t>(c.ranks[k]);
      busy[r] += c.busy[k];
      step[r] += c.busy[k] + c.wait[k] + c.couple[k];
      cores[r] = std::max(cores[r], std::max(1, c.threads));  // components on one rank run one after the other
    }
  }

  const double simulated = static_cast<double>(run.intervals) * run.interval_seconds;
  f.simulated_years = simulated / seconds_per_year;
  f.sypd = ratio(f.simulated_years, run.wall_seconds / 86400.0);
  double core_busy = 0, core_step = 0, max_step = 0;
  for (std::size_t r = 0; r < P; ++r) {
    f.cores += cores[r];
    core_busy += cores[r] * busy[r];
    core_step += cores[r] * step[r];
    max_step = std::max(max_step, step[r]);
  }
  f.chsy = ratio(f.cores * run.wall_seconds / 3600.0, f.simulated_years);
  f.coupling_cost = core_step > 0 ? 1.0 - core_busy / core_step : 0.0;

  // Rank groups: each component with ranks of its own hosts those that run on it.
  const double per = run.intervals > 0 ? 1.0 / static_cast<double>(run.intervals) : 0.0;
  double sum = 0;
  for (const Run::Component& host : run.components) {
    if (!host.runs_on.empty()) continue;
    Figures::Group g{host.name, static_cast<int>(host.ranks.size()), 0.0};
    for (const Run::Component& guest : run.components)
      if (guest.runs_on == host.name) g.name += "+" + guest.name;
    for (const int r : host.ranks) g.busy_per_interval = std::max(g.busy_per_interval, busy[static_cast<std::size_t>(r)] * per);
    f.slowest_per_interval = std::max(f.slowest_per_interval, g.busy_per_interval);
    sum += g.busy_per_interval;
    f.groups.push_back(g);
  }
  f.load_imbalance = f.groups.empty() ? 0.0 : ratio(f.slowest_per_interval, sum / static_cast<double>(f.groups.size()));
  f.step_per_interval = max_step * per;
  f.step_over_slowest = ratio(f.step_per_interval, f.slowest_per_interval);
  return f;
}

std::string report(const Figures& f) {
  char text[512];
  std::snprintf(text, sizeof text,
                "CPMIP: %.4g simulated years per day (SYPD), %.4g core-hours per simulated year (CHSY, %d cores), "
                "coupling cost %.1f%% (waiting and the coupler's work, of the ranks' coupled-step time), "
                "load imbalance %.3f (max / mean busy per interval of the groups:",
                f.sypd, f.chsy, f.cores, 100.0 * f.coupling_cost, f.load_imbalance);
  std::string out = text;
  for (std::size_t g = 0; g < f.groups.size(); ++g) {
    std::snprintf(text, sizeof text, "%s %s %.3f ms", g ? "," : "", f.groups[g].name.c_str(), 1e3 * f.groups[g].busy_per_interval);
    out += text;
  }
  std::snprintf(text, sizeof text, "); a coupled step takes %.3f ms = %.3f x the slowest group's busy time",
                1e3 * f.step_per_interval, f.step_over_slowest);
  return out + text;
}

std::string to_json(const Figures& f) {
  std::string j = "{\"simulated_years\": " + number(f.simulated_years) + ", \"sypd\": " + number(f.sypd) +
                  ", \"cores\": " + std::to_string(f.cores) + ", \"chsy\": " + number(f.chsy) +
                  ", \"coupling_cost\": " + number(f.coupling_cost) + ", \"load_imbalance\": " + number(f.load_imbalance) +
                  ", \"step_per_interval\": " + number(f.step_per_interval) +
                  ", \"slowest_per_interval\": " + number(f.slowest_per_interval) +
                  ", \"step_over_slowest\": " + number(f.step_over_slowest) + ", \"groups\": [";
  for (std::size_t g = 0; g < f.groups.size(); ++g)
    j += std::string(g ? ", " : "") + "{\"name\": \"" + f.groups[g].name + "\", \"ranks\": " + std::to_string(f.groups[g].ranks) +
         ", \"busy_per_interval\": " + number(f.groups[g].busy_per_interval) + "}";
  return j + "]}";
}

}  // namespace coupled::cpmip
