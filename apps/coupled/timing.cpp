#include "timing.hpp"

#include <time.h>

#include <algorithm>
#include <fstream>

#include "parlayer/error.hpp"
#include "parlayer/parallel/collective.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/runtime/log.hpp"
#include "parlayer/parallel/interop.hpp"

namespace coupled {

ComponentTiming::ComponentTiming(const parlayer::coupling::Components& components)
    : m_components(components),
      m_seconds(components.all().size() * phase_count, 0.0),
      m_cpu(components.all().size() * phase_count, 0.0) {}

double ComponentTiming::cpu_seconds() noexcept {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);  // cannot fail for this clock on Linux
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

std::vector<std::vector<double>> ComponentTiming::gather(bool cpu) const {
  int size = 0;
  PARLAYER_MPI_CHECK(MPI_Comm_size(m_components.parent(), &size));
  const int n = static_cast<int>(m_seconds.size());
  std::vector<double> all(static_cast<std::size_t>(n) * static_cast<std::size_t>(size));
  PARLAYER_MPI_CHECK(MPI_Allgather((cpu ? m_cpu : m_seconds).data(), n, MPI_DOUBLE, all.data(), n, MPI_DOUBLE, m_components.parent()));
  std::vector<std::vector<double>> out;
  for (int r = 0; r < size; ++r) out.emplace_back(all.begin() + r * n, all.begin() + (r + 1) * n);
  return out;
}

std::string ComponentTiming::report(std::int64_t intervals) const {
  const std::vector<std::vector<double>> all = gather();
  const double per = intervals > 0 ? 1e3 / static_cast<double>(intervals) : 0.0;
  std::string text = "time per component (mean / max over its ranks; s, and ms per coupling interval):";
  const char* names[phase_count] = {"busy", "wait", "couple"};
  for (std::size_t c = 0; c < m_components.all().size(); ++c) {
    const parlayer::coupling::Component& component = m_components.all()[c];
    text += parlayer::runtime::format("\n  %-10s", component.name().c_str());
    for (int ph = 0; ph < phase_count; ++ph) {
      double sum = 0.0, max = 0.0;
      for (const int r : component.ranks()) {
        const double s = all[static_cast<std::size_t>(r)][c * phase_count + static_cast<std::size_t>(ph)];
        sum += s;
        max = std::max(max, s);
      }
      const double mean = sum / std::max(1, component.size());
      text += parlayer::runtime::format("  %s %.3f / %.3f (%.2f ms)", names[ph], mean, max, mean * per);
    }
  }
  return text;
}

cpmip::Run ComponentTiming::run(std::int64_t intervals, double interval_seconds, double wall_seconds,
                                const std::string& schedule, const std::vector<int>& threads) const {
  const std::vector<std::vector<double>> seconds = gather(), cpu = gather(true);
  cpmip::Run run;
  run.schedule = schedule;
  run.intervals = intervals;
  run.interval_seconds = interval_seconds;
  run.wall_seconds = wall_seconds;
  run.ranks = static_cast<int>(seconds.size());
  for (std::size_t c = 0; c < m_components.all().size(); ++c) {
    const parlayer::coupling::Component& component = m_components.all()[c];
    cpmip::Run::Component out;
    out.name = component.name();
    out.runs_on = component.runs_on();
    out.ranks = component.ranks();
    out.threads = c < threads.size() ? threads[c] : 1;
    for (const int r : component.ranks()) {
      const std::vector<double>& mine = seconds[static_cast<std::size_t>(r)];
      out.busy.push_back(mine[c * phase_count + busy]);
      out.wait.push_back(mine[c * phase_count + wait]);
      out.couple.push_back(mine[c * phase_count + couple]);
      const std::vector<double>& used = cpu[static_cast<std::size_t>(r)];
      out.cpu_busy.push_back(used[c * phase_count + busy]);
      out.cpu_couple.push_back(used[c * phase_count + couple]);
    }
    run.components.push_back(std::move(out));
  }
  return run;
}

void ComponentTiming::write_json(const std::filesystem::path& path, const cpmip::Run& run) const {
  const MPI_Comm comm = m_components.parent();
  int size = 0, rank = 0;
  PARLAYER_MPI_CHECK(MPI_Comm_size(comm, &size));
  PARLAYER_MPI_CHECK(MPI_Comm_rank(comm, &rank));
  // Every rank's events on rank 0.
  const int mine = static_cast<int>(m_events.size());
  std::vector<int> counts(static_cast<std::size_t>(size)), offsets(static_cast<std::size_t>(size));
  PARLAYER_MPI_CHECK(MPI_Gather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm));
  int total = 0;
  for (int r = 0; r < size; ++r) offsets[static_cast<std::size_t>(r)] = total, total += counts[static_cast<std::size_t>(r)];
  std::vector<double> events(rank == 0 ? static_cast<std::size_t>(total) : 0);
  PARLAYER_MPI_CHECK(MPI_Gatherv(m_events.data(), mine, MPI_DOUBLE, events.data(), counts.data(), offsets.data(),
                                 MPI_DOUBLE, 0, comm));
  const parlayer::parallel::RootResult written = parlayer::parallel::on_root(comm, [&] {
    using parlayer::runtime::format;
    const auto list = [](const std::vector<double>& v) {
      std::string t;
      for (std::size_t k = 0; k < v.size(); ++k) t += (k ? ", " : "") + format("%.9g", v[k]);
      return t;
    };
    std::string j = "{\n  \"schedule\": \"" + run.schedule + "\",\n  \"intervals\": " + std::to_string(run.intervals) +
                    format(",\n  \"interval_seconds\": %.17g", run.interval_seconds) +
                    format(",\n  \"wall_seconds\": %.9g", run.wall_seconds) + ",\n  \"ranks\": " + std::to_string(size) +
                    ",\n  \"phases\": [\"busy\", \"wait\", \"couple\"],\n  \"components\": [";
    for (std::size_t c = 0; c < run.components.size(); ++c) {
      const cpmip::Run::Component& component = run.components[c];
      j += std::string(c ? "," : "") + "\n    {\"name\": \"" + component.name + "\", \"runs_on\": \"" + component.runs_on +
           "\", \"threads\": " + std::to_string(component.threads) + ", \"ranks\": [";
      for (std::size_t k = 0; k < component.ranks.size(); ++k) j += (k ? ", " : "") + std::to_string(component.ranks[k]);
      j += "], \"seconds\": {\"busy\": [" + list(component.busy) + "], \"wait\": [" + list(component.wait) +
           "], \"couple\": [" + list(component.couple) +
           "]}, \"cpu_seconds\": {\"busy\": [" + list(component.cpu_busy) + "], \"couple\": [" + list(component.cpu_couple) + "]}}";
    }
    j += "\n  ],\n  \"cpmip\": " + cpmip::to_json(cpmip::figures(run)) + ",\n  \"events\": [";
    for (int r = 0; r < size; ++r) {
      j += std::string(r ? "," : "") + "\n    [";
      const std::size_t first = static_cast<std::size_t>(offsets[static_cast<std::size_t>(r)]);
      for (std::size_t e = 0; e < static_cast<std::size_t>(counts[static_cast<std::size_t>(r)]) / 4; ++e) {
        const double* v = &events[first + 4 * e];
        j += (e ? ", " : "") + format("[%d, %d, %.6f, %.6f]", static_cast<int>(v[0]), static_cast<int>(v[1]), v[2], v[3]);
      }
      j += "]";
    }
    j += "\n  ]\n}\n";
    std::ofstream out(path);
    out << j;
    out.close();
    if (!out) throw std::runtime_error("cannot write the timing file '" + path.string() + "'");
    return std::string();
  });
  if (written.failure) throw parlayer::CollectiveError(*written.failure);
}

}  // namespace coupled
