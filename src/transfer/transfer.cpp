#include "transfer.hpp"

#include <algorithm>
#include <exception>
#include <string>

#include "parlayer/error.hpp"
#include "parlayer/parallel/environment.hpp"
#include "parlayer/transfer/checks.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::transfer::detail {

using domain::FieldBase;

namespace {

constexpr std::size_t max_cached_transfers = 16;
constexpr int max_tag = 32767;  // the least MPI_TAG_UB the standard allows

template <class Fields>
std::string quoted_names(const Fields& fields) {
  std::string names;
  for (const FieldBase* f : fields) names += (names.empty() ? "'" : ", '") + f->name() + "'";
  return names;
}

}  // namespace

Transfer::Transfer(std::string kind, const TransferPlan& plan, std::span<const FieldBase* const> from,
                   std::span<FieldBase* const> to, parallel::Comm comm, int tag, Backend backend)
    : m_kind(std::move(kind)), m_engine(plan, from, to, comm, tag, backend),
      m_checked(checks_enabled()) {}

std::string Transfer::description() const {
  const std::string names =
      m_engine.targets().empty() ? quoted_names(m_engine.sources()) : quoted_names(m_engine.targets());
  return names.empty() ? m_kind : m_kind + " of " + names;
}

Pending Transfer::start() {
  if (m_in_flight)
    throw CollectiveError(description() + " is already in flight: start() was called again before finish()");
  if (m_checked) m_engine.poison_receives();
  m_engine.start();
  m_in_flight = true;
  for (FieldBase* f : m_engine.targets()) f->set_exchange_in_flight(true);
  return Pending(this);
}

bool Transfer::test() {
  if (!m_engine.test()) return false;
  complete();
  return true;
}

void Transfer::finish() {
  if (m_checked) {
    const std::vector<int> missing = m_engine.wait_for(check_timeout_seconds());
    if (!missing.empty()) {
      std::string ranks;
      for (const int r : missing) ranks += (ranks.empty() ? "" : ", ") + std::to_string(r);
      parallel::abort_job((description() + ": finish() has waited " +
                           std::to_string(static_cast<int>(check_timeout_seconds())) +
                           " s for the messages of rank(s) " + ranks + "; did every rank start() the same " + m_kind +
                           "? (PARLAYER_CHECK_TIMEOUT sets the wait)")
                              .c_str());
    }
  }
  complete();
}

void Transfer::finish_quietly() noexcept {
  try {
    finish();
  } catch (...) {
  }
}

void Transfer::complete() {
  m_engine.finish();
  m_in_flight = false;
  for (FieldBase* f : m_engine.targets()) f->set_exchange_in_flight(false);
  // A step may throw (checked mode's collective checks): the steps are dropped all the same, so
  // the next start() begins with none. clear() keeps the capacity: nothing is allocated per step.
  struct ClearSteps {
    std::vector<std::function<void()>>& steps;
    ~ClearSteps() { steps.clear(); }
  } clear{m_steps};
  for (const std::function<void()>& step : m_steps) step();
}

void check_not_moved_from(const void* state, const char* what, const char* call) {
  if (!state)
    throw CollectiveError(std::string(call) + ": this " + what + " was moved from; use the object it was moved to");
}

void check_startable(const std::string& kind, std::span<FieldBase* const> to) {
  for (std::size_t f = 0; f < to.size(); ++f) {
    if (to[f]->exchange_in_flight())
      throw CollectiveError(kind + ": field '" + to[f]->name() +
                            "' is already in flight: start() was called again before finish()");
    for (std::size_t g = 0; g < f; ++g)
      if (to[g] == to[f]) throw CollectiveError(kind + ": field '" + to[f]->name() + "' listed twice");
  }
}

template <class Matches, class Make>
Transfer& TransferCache::find_or_make(const Matches& matches, const Make& make) {
  auto hit = std::find_if(m_transfers.begin(), m_transfers.end(), [&](const auto& t) { return matches(t->engine()); });
  if (hit != m_transfers.end()) {
    std::rotate(hit, hit + 1, m_transfers.end());  // most recently used last
    return *m_transfers.back();
  }
  if (m_transfers.size() >= max_cached_transfers) {
    auto idle = std::find_if(m_transfers.begin(), m_transfers.end(), [](const auto& t) { return !t->in_flight(); });
    if (idle != m_transfers.end()) m_transfers.erase(idle);
  }
  const int tag = m_next_tag;
  m_next_tag = (m_next_tag + 1) % max_tag;
  m_transfers.push_back(make(tag));
  return *m_transfers.back();
}

Transfer& TransferCache::bind(const std::string& kind, const TransferPlan& plan,
                              std::span<const FieldBase* const> from, std::span<FieldBase* const> to, parallel::Comm comm,
                              Backend backend) {
  return find_or_make([&](const TransferEngine& e) { return e.matches(from, to); },
                      [&](int tag) { return std::make_unique<Transfer>(kind, plan, from, to, comm, tag, backend); });
}

Transfer& TransferCache::bind(const std::string& kind, const TransferPlan& plan, std::span<FieldBase* const> fields,
                              parallel::Comm comm, Backend backend) {
  return find_or_make([&](const TransferEngine& e) { return e.matches(fields); },
                      [&](int tag) {
                        const std::vector<const FieldBase*> sources(fields.begin(), fields.end());
                        return std::make_unique<Transfer>(kind, plan, sources, fields, comm, tag, backend);
                      });
}

}  // namespace parlayer::transfer::detail
