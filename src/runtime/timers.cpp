#include "parlayer/runtime/timers.hpp"

#include <algorithm>

#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/runtime/log.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::runtime {

double wall_seconds() noexcept {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

std::size_t Timers::index_of(const std::string& name) {
  const auto it = std::find(m_names.begin(), m_names.end(), name);
  if (it != m_names.end()) return static_cast<std::size_t>(it - m_names.begin());
  m_names.push_back(name);
  m_seconds.push_back(0.0);
  m_counts.push_back(0);
  return m_names.size() - 1;
}

double Timers::seconds(const std::string& name) const {
  const auto it = std::find(m_names.begin(), m_names.end(), name);
  return it == m_names.end() ? 0.0 : m_seconds[static_cast<std::size_t>(it - m_names.begin())];
}

std::int64_t Timers::count(const std::string& name) const {
  const auto it = std::find(m_names.begin(), m_names.end(), name);
  return it == m_names.end() ? 0 : m_counts[static_cast<std::size_t>(it - m_names.begin())];
}

std::string Timers::report(parallel::Comm comm, double total_seconds) const {
  int size = 1;
  PARLAYER_MPI_CHECK(MPI_Comm_size(comm, &size));
  std::vector<double> max(m_seconds.size()), sum(m_seconds.size());
  const int n = static_cast<int>(m_seconds.size());
  PARLAYER_MPI_CHECK(MPI_Allreduce(m_seconds.data(), max.data(), n, MPI_DOUBLE, MPI_MAX, comm));
  PARLAYER_MPI_CHECK(MPI_Allreduce(m_seconds.data(), sum.data(), n, MPI_DOUBLE, MPI_SUM, comm));
  std::string out = format("%-16s %10s %10s %8s %7s\n", "timer", "max s", "mean s", "calls", "share");
  for (std::size_t t = 0; t < m_names.size(); ++t) {
    out += format("%-16s %10.3f %10.3f %8lld", m_names[t].c_str(), max[t], sum[t] / size,
                  static_cast<long long>(m_counts[t]));
    out += total_seconds > 0 ? format(" %6.1f%%\n", 100.0 * max[t] / total_seconds) : "\n";
  }
  return out;
}

}  // namespace parlayer::runtime
