#include "parlayer/coupling/components.hpp"

#include <algorithm>
#include <numeric>
#include <set>

#include "parlayer/error.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::coupling {

namespace {

std::string quoted(const std::string& name) { return "'" + name + "'"; }

std::string names_of(const std::vector<ComponentSpec>& spec) {
  std::string s;
  for (const ComponentSpec& c : spec) s += (s.empty() ? "" : ", ") + c.name;
  return s;
}

// "ranks 0-1", "rank 2", "ranks 0, 2"
std::string ranks_text(const std::vector<int>& ranks) {
  if (ranks.size() == 1) return "rank " + std::to_string(ranks[0]);
  const bool consecutive = ranks.back() - ranks.front() + 1 == static_cast<int>(ranks.size());
  if (consecutive) return "ranks " + std::to_string(ranks.front()) + "-" + std::to_string(ranks.back());
  std::string s = "ranks ";
  for (std::size_t i = 0; i < ranks.size(); ++i) s += (i ? ", " : "") + std::to_string(ranks[i]);
  return s;
}

}  // namespace

std::vector<std::vector<int>> assign_ranks(const std::vector<ComponentSpec>& spec, int job_ranks) {
  if (spec.empty()) throw CollectiveError("coupling: the layout has no components");
  std::set<std::string> seen;
  for (const ComponentSpec& c : spec) {
    if (c.name.empty()) throw CollectiveError("coupling: a component has an empty name (components: " + names_of(spec) + ")");
    if (!seen.insert(c.name).second) throw CollectiveError("coupling: component " + quoted(c.name) + " is declared twice");
  }
  const auto index_of = [&](const std::string& name) {
    const auto it = std::find_if(spec.begin(), spec.end(), [&](const ComponentSpec& c) { return c.name == name; });
    return it == spec.end() ? -1 : static_cast<int>(it - spec.begin());
  };
  // Rank counts, then references (a reference to a component with a bad count reports the count).
  for (const ComponentSpec& c : spec)
    if (c.runs_on.empty() && c.ranks < 1)
      throw CollectiveError("coupling: component " + quoted(c.name) + " has no ranks (" + std::to_string(c.ranks) +
                            "): give it a rank count >= 1 or the name of a component to run on");
  std::vector<int> host(spec.size());  // the component with ranks of its own each one ends at
  for (std::size_t i = 0; i < spec.size(); ++i) {
    std::vector<int> chain{static_cast<int>(i)};
    int at = static_cast<int>(i);
    while (!spec[static_cast<std::size_t>(at)].runs_on.empty()) {
      const ComponentSpec& c = spec[static_cast<std::size_t>(at)];
      const int next = index_of(c.runs_on);
      if (next < 0)
        throw CollectiveError("coupling: component " + quoted(c.name) + " runs on " + quoted(c.runs_on) +
                              ", which is not a component (components: " + names_of(spec) + ")");
      if (std::find(chain.begin(), chain.end(), next) != chain.end()) {
        std::string cycle;
        const auto from = std::find(chain.begin(), chain.end(), next);
        for (auto it = from; it != chain.end(); ++it) cycle += spec[static_cast<std::size_t>(*it)].name + " -> ";
        throw CollectiveError("coupling: components run on each other in a cycle (" + cycle +
                              spec[static_cast<std::size_t>(next)].name + "): one of them needs a rank count");
      }
      chain.push_back(next);
      at = next;
    }
    host[i] = at;
  }
  int total = 0;
  std::string terms;
  for (const ComponentSpec& c : spec)
    if (c.runs_on.empty()) {
      total += c.ranks;
      terms += (terms.empty() ? "" : " + ") + c.name + " " + std::to_string(c.ranks);
    }
  if (total != job_ranks)
    throw CollectiveError("coupling: the components' rank counts add up to " + std::to_string(total) + " (" + terms +
                          "), but the job has " + std::to_string(job_ranks) + " rank" + (job_ranks == 1 ? "" : "s"));
  std::vector<std::vector<int>> ranks(spec.size());
  int next = 0;
  for (std::size_t i = 0; i < spec.size(); ++i)
    if (spec[i].runs_on.empty()) {
      ranks[i].resize(static_cast<std::size_t>(spec[i].ranks));
      std::iota(ranks[i].begin(), ranks[i].end(), next);
      next += spec[i].ranks;
    }
  for (std::size_t i = 0; i < spec.size(); ++i) ranks[i] = ranks[static_cast<std::size_t>(host[i])];
  return ranks;
}

Components::Components(const std::vector<ComponentSpec>& spec, parallel::Comm parent) {
  int size = 0;
  PARLAYER_MPI_CHECK(MPI_Comm_size(parent, &size));
  std::vector<std::vector<int>> ranks = assign_ranks(spec, size);  // throws before any communication
  m_parent = parallel::Communicator(parent);
  m_parent_rank = m_parent.rank();
  m_components.resize(spec.size());
  for (std::size_t i = 0; i < spec.size(); ++i) {
    Component& c = m_components[i];
    c.m_name = spec[i].name;
    c.m_ranks = std::move(ranks[i]);
    std::string host = spec[i].runs_on;
    while (!host.empty()) {  // follow the chain to the component with ranks of its own
      const auto it = std::find_if(spec.begin(), spec.end(), [&](const ComponentSpec& s) { return s.name == host; });
      c.m_runs_on = host;
      host = it->runs_on;
    }
    const auto me = std::find(c.m_ranks.begin(), c.m_ranks.end(), m_parent_rank);
    c.m_rank = me == c.m_ranks.end() ? -1 : static_cast<int>(me - c.m_ranks.begin());
    c.m_comm = parallel::Communicator::split(m_parent.get(), c.here() ? 0 : MPI_UNDEFINED, c.m_rank);
  }
}

bool Components::contains(std::string_view name) const noexcept {
  return std::any_of(m_components.begin(), m_components.end(), [&](const Component& c) { return c.name() == name; });
}

const Component& Components::operator[](std::string_view name) const {
  for (const Component& c : m_components)
    if (c.name() == name) return c;
  std::string names;
  for (const Component& c : m_components) names += (names.empty() ? "" : ", ") + c.name();
  throw CollectiveError("coupling: there is no component '" + std::string(name) + "' (components: " + names + ")");
}

std::string Components::describe() const {
  std::string s;
  for (const Component& c : m_components) {
    s += (s.empty() ? "" : "; ") + c.name() + ": " + ranks_text(c.ranks());
    if (!c.runs_on().empty()) s += " (on " + c.runs_on() + ")";
  }
  return s;
}

}  // namespace parlayer::coupling
