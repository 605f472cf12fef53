#pragma once
/// \file
/// \brief Components: a job's ranks divided into named rank groups (FMS pelists, CESM PE layouts).
///
///     // 3 ranks: the atmosphere on ranks 0-1, the ocean on rank 2, the land after the atmosphere
///     // on the atmosphere's ranks (as CESM runs land on atmosphere ranks).
///     coupling::Components components({{"atmosphere", 2}, {"ocean", 1}, {"land", "atmosphere"}}, MPI_COMM_WORLD);
///     const coupling::Component& ocean = components["ocean"];
///     if (ocean.here()) run_ocean(ocean.communicator().get(), ocean.rank());
///
/// Components with a rank count get consecutive ranks of the parent communicator, in the order of
/// the spec; a component that runs on another's ranks gets exactly those ranks (in the same order),
/// and a communicator of its own, so its messages never match the host's. The spec is checked
/// before anything communicates: every rank reaches the same verdict, so a bad layout is a
/// CollectiveError (one line; exit 2 in a program run under parallel::guarded_main).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parlayer/parallel/comm.hpp"
#include "parlayer/parallel/communicator.hpp"

namespace parlayer::coupling {

/// \brief One component of a layout: a name and either a rank count or the component it runs on.
struct ComponentSpec {
  /// \brief A component on `ranks` ranks of its own.
  ComponentSpec(std::string component, int rank_count) : name(std::move(component)), ranks(rank_count) {}
  /// \brief A component on the ranks of component `host`, one after the other with it.
  ComponentSpec(std::string component, std::string host) : name(std::move(component)), runs_on(std::move(host)) {}
  ComponentSpec(std::string component, const char* host) : ComponentSpec(std::move(component), std::string(host)) {}

  std::string name;
  int ranks = 0;        ///< ranks of its own (when runs_on is empty)
  std::string runs_on;  ///< the component whose ranks it shares, or empty
};

/// \brief A component's rank group, as seen from this rank. Owned by Components.
class Component {
public:
  const std::string& name() const noexcept { return m_name; }
  /// \brief The component whose ranks this one runs on (after following every reference), or
  ///        empty if it has ranks of its own.
  const std::string& runs_on() const noexcept { return m_runs_on; }
  /// \brief Its ranks in the parent communicator, ascending: component rank r is parent rank
  ///        ranks()[r]. The same on every rank. Local.
  const std::vector<int>& ranks() const noexcept { return m_ranks; }
  /// \brief Number of ranks. Local.
  int size() const noexcept { return static_cast<int>(m_ranks.size()); }
  /// \brief True if this rank takes part in the component. Local.
  bool here() const noexcept { return m_rank >= 0; }
  /// \brief This rank's rank in the component (its index in ranks()), or -1 if not here(). Local.
  int rank() const noexcept { return m_rank; }
  /// \brief The component's own communicator (ranks in the order of ranks()); empty
  ///        (get() == MPI_COMM_NULL) on a rank that does not take part. Local.
  const parallel::Communicator& communicator() const noexcept { return m_comm; }

private:
  friend class Components;
  std::string m_name;
  std::string m_runs_on;
  std::vector<int> m_ranks;
  int m_rank = -1;
  parallel::Communicator m_comm;
};

/// \brief The components of a job. Move-only (it owns communicators).
class Components {
public:
  /// \brief Divides the ranks of `parent` as `spec` says. Collective over `parent` (duplicated;
  ///        one MPI_Comm_split per component).
  /// \throws CollectiveError (one line, naming the component) for: no components, an empty or
  ///         duplicate name, a component with no ranks (a count < 1), a reference to a component
  ///         that does not exist, references that form a cycle, or rank counts that do not add up
  ///         to the size of `parent`. Thrown before any communication, on every rank alike.
  Components(const std::vector<ComponentSpec>& spec, parallel::Comm parent);
  Components(Components&&) noexcept = default;
  Components& operator=(Components&&) noexcept = default;

  /// \brief The component called `name`. Local.
  /// \throws CollectiveError listing the components if there is none of that name (every rank
  ///         asking for it sees the same answer).
  const Component& operator[](std::string_view name) const;
  /// \brief True if a component is called `name`. Local.
  bool contains(std::string_view name) const noexcept;
  /// \brief Every component, in the order of the spec. Local.
  const std::vector<Component>& all() const noexcept { return m_components; }
  /// \brief The parent communicator (a duplicate of the one given): exchanges between components
  ///        run over it. Local.
  parallel::Comm parent() const noexcept { return m_parent.get(); }
  /// \brief This rank in the parent communicator. Local.
  int parent_rank() const noexcept { return m_parent_rank; }
  /// \brief "atmosphere: ranks 0-1; ocean: rank 2; land: ranks 0-1 (on atmosphere)", for a log. Local.
  std::string describe() const;

private:
  parallel::Communicator m_parent;
  int m_parent_rank = -1;
  std::vector<Component> m_components;
};

/// \brief Checks `spec` against a job of `job_ranks` ranks and returns every component's parent
///        ranks (in the order of the spec), without communicating: what Components does first.
///        Local (a serial tool can check a layout).
/// \throws CollectiveError as Components' constructor.
std::vector<std::vector<int>> assign_ranks(const std::vector<ComponentSpec>& spec, int job_ranks);

}  // namespace parlayer::coupling
