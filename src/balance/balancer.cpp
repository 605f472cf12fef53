#include "parlayer/balance/balancer.hpp"

#include <algorithm>
#include <string>

#include "parlayer/error.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::balance {

Balancer::Balancer(domain::Layout layout, domain::Ownership ownership, BalancerSettings settings, parallel::Comm comm)
    : m_layout(std::move(layout)), m_ownership(std::move(ownership)), m_settings(settings), m_comm(comm) {
  if (settings.interval < 0)
    throw CollectiveError("balance.interval must be >= 0 (0: off), got " + std::to_string(settings.interval));
  if (!(settings.threshold >= 1.0))
    throw CollectiveError("balance.threshold must be >= 1 (adopt when the predicted efficiency is that many times "
                          "the current one), got " + std::to_string(settings.threshold));
  if (!(settings.smoothing > 0.0 && settings.smoothing <= 1.0))
    throw CollectiveError("balance.smoothing must lie in (0, 1], got " + std::to_string(settings.smoothing));
  if (m_ownership.size() != m_layout.size())
    throw CollectiveError("balance: an ownership of " + std::to_string(m_ownership.size()) + " boxes for a layout of " +
                          std::to_string(m_layout.size()));
  const std::size_t n = static_cast<std::size_t>(m_layout.size());
  m_active.resize(n);
  for (std::size_t b = 0; b < n; ++b) m_active[b] = m_ownership.owner(static_cast<int>(b)) != domain::no_owner;
  m_interval.assign(n, 0.0);
  m_average.assign(n, 0.0);
}

void Balancer::add(int box, double cost) {
  m_interval.at(static_cast<std::size_t>(box)) += cost;
  m_busy += cost;
}

bool Balancer::due(std::int64_t step) const noexcept {
  return m_settings.interval > 0 && step > 0 && step % m_settings.interval == 0;
}

Proposal Balancer::propose() {
  // Each box has one owner, so the sum adds one value to zeros: exact, the same on every rank.
  std::vector<double> measured(m_interval.size(), 0.0);
  PARLAYER_MPI_CHECK(MPI_Allreduce(m_interval.data(), measured.data(), static_cast<int>(measured.size()), MPI_DOUBLE,
                                   MPI_SUM, m_comm));
  std::fill(m_interval.begin(), m_interval.end(), 0.0);
  const double a = m_measured ? m_settings.smoothing : 1.0;
  double smallest = 0.0;  // the least positive average: a floor for boxes measured at 0
  for (std::size_t b = 0; b < measured.size(); ++b) {
    if (!m_active[b]) continue;
    m_average[b] = (1.0 - a) * m_average[b] + a * measured[b];
    if (m_average[b] > 0.0 && (smallest == 0.0 || m_average[b] < smallest)) smallest = m_average[b];
  }
  m_measured = true;
  std::vector<double> weights(m_average.size(), 0.0);
  for (std::size_t b = 0; b < weights.size(); ++b)
    if (m_active[b]) weights[b] = m_average[b] > 0.0 ? m_average[b] : (smallest > 0.0 ? smallest : 1.0);
  Proposal p{false, load_report(m_layout, m_ownership, weights).efficiency, 1.0,
             weighted_ownership(m_layout, m_ownership.rank_count(), weights, m_settings.strategy)};
  p.predicted = load_report(m_layout, p.ownership, weights).efficiency;
  p.adopt = p.predicted >= m_settings.threshold * p.current && !(p.ownership == m_ownership);
  m_efficiency = p.current;
  return p;
}

void Balancer::adopt(domain::Ownership ownership) {
  m_ownership = std::move(ownership);
  ++m_rebalances;
}

std::vector<double> Balancer::busy_per_rank() const {
  std::vector<double> all(static_cast<std::size_t>(m_ownership.rank_count()), 0.0);
  PARLAYER_MPI_CHECK(MPI_Allgather(&m_busy, 1, MPI_DOUBLE, all.data(), 1, MPI_DOUBLE, m_comm));
  return all;
}

}  // namespace parlayer::balance
