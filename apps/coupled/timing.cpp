#include "timing.hpp"

#include <algorithm>

#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/runtime/log.hpp"

namespace coupled {

ComponentTiming::ComponentTiming(const parlayer::coupling::Components& components)
    : m_components(components), m_seconds(components.all().size() * phase_count, 0.0) {}

std::vector<std::vector<double>> ComponentTiming::gather() const {
  int size = 0;
  PARLAYER_MPI_CHECK(MPI_Comm_size(m_components.parent(), &size));
  const int n = static_cast<int>(m_seconds.size());
  std::vector<double> all(static_cast<std::size_t>(n) * static_cast<std::size_t>(size));
  PARLAYER_MPI_CHECK(MPI_Allgather(m_seconds.data(), n, MPI_DOUBLE, all.data(), n, MPI_DOUBLE, m_components.parent()));
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

}  // namespace coupled
