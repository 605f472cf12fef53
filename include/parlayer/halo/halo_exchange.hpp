#pragma once
/// \file
/// \brief HaloExchange: split-phase ghost-cell exchange of many fields at once.
///
///     halo::HaloPlan plan(decomposition, world.rank(), 1, halo::Stencil::star);
///     halo::HaloExchange exchange(plan, world);              // duplicates the communicator
///     auto pending = exchange.start(h, u, v);                // returns at once
///     ... compute the deep interior ...
///     pending.finish();                                      // ghosts valid, walls filled
///     ... compute the boundary strip ...
///
/// All fields of one start() travel in ONE message per neighbour. The first start() on a set of
/// fields builds the MPI datatypes or pack buffers and the persistent requests for that set; later
/// start()s on the same fields reuse them (no allocation per step). Messages never block in
/// start(). Ghosts that come from the field's own interior are filled in start(): each field's
/// boundary conditions at walls, and the copies along an axis that is periodic with one rank along
/// it (a local copy, no message). So the deep interior next to those sides can be computed while
/// messages fly. For box stencils on ranks with neighbours, finish() fills the walls again (the
/// edge and corner ghosts of a wall slab mirror ghosts received by message). finish() waits and
/// unpacks.
///
/// While an exchange is in flight its fields must not be written: start() has packed (or MPI is
/// reading) the boundary strip, and finish() may fill the walls again from the interior.
#include <mpi.h>

#include <boost/mpi/communicator.hpp>

#include <array>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "parlayer/domain/field.hpp"
#include "parlayer/halo/halo_plan.hpp"
#include "parlayer/parallel/handles.hpp"

namespace parlayer::halo {

/// \brief How ghost data travels; chosen at run time, both give identical ghosts.
enum class Backend {
  packed,     ///< copy boxes into one contiguous buffer per neighbour, send bytes
  datatypes,  ///< MPI derived datatypes (subarrays combined in a struct) describe the boxes in place
};

/// \brief "packed" or "datatypes".
const char* to_string(Backend backend) noexcept;
/// \brief Parses "packed" / "datatypes"; throws CollectiveError otherwise.
Backend backend_from_string(const std::string& name);

class HaloExchange;
struct FieldSetBinding;  // the cached datatypes/buffers/requests of one set of fields

/// \brief An exchange in flight. Move-only; finish() completes it. If it is destroyed unfinished,
///        its destructor finishes it (waiting, never abandoning live requests).
class [[nodiscard]] PendingExchange {
public:
  PendingExchange(PendingExchange&& other) noexcept;
  PendingExchange& operator=(PendingExchange&& other) noexcept;
  PendingExchange(const PendingExchange&) = delete;
  PendingExchange& operator=(const PendingExchange&) = delete;
  ~PendingExchange();

  /// \brief Waits for every message, unpacks, fills walls. Neighbour-wise collective.
  void finish();
  /// \brief True until finish().
  bool in_flight() const noexcept { return m_binding != nullptr; }

private:
  friend class HaloExchange;
  explicit PendingExchange(FieldSetBinding* binding) noexcept : m_binding(binding) {}
  FieldSetBinding* m_binding = nullptr;
};

/// \brief Exchanges ghost cells of fields laid out by one HaloPlan. Move-only.
class HaloExchange {
public:
  /// \brief Collective over `comm` (it is duplicated, so parlayer's tags never meet the user's).
  HaloExchange(HaloPlan plan, MPI_Comm comm, Backend backend = Backend::packed);
  HaloExchange(HaloPlan plan, const boost::mpi::communicator& comm, Backend backend = Backend::packed)
      : HaloExchange(std::move(plan), static_cast<MPI_Comm>(comm), backend) {}
  /// \brief Waits for exchanges still in flight (never frees live requests).
  ~HaloExchange();
  HaloExchange(HaloExchange&&) noexcept;
  HaloExchange& operator=(HaloExchange&&) noexcept;

  /// \brief Starts exchanging the ghosts of `fields` and returns without waiting.
  ///        Neighbour-wise collective: every rank starts the same fields in the same order.
  /// \throws std::logic_error if a field is already in flight or listed twice;
  ///         std::invalid_argument if a field does not match the plan's boxes.
  template <class... Fields>
  PendingExchange start(Fields&... fields) {
    domain::FieldBase* list[] = {&fields...};
    return start(std::span<domain::FieldBase* const>(list));
  }
  PendingExchange start(std::span<domain::FieldBase* const> fields);

  /// \brief start() then finish(). Neighbour-wise collective.
  template <class... Fields>
  void exchange(Fields&... fields) {
    start(fields...).finish();
  }

  const HaloPlan& plan() const noexcept { return *m_plan; }
  /// \brief The plan's interior split into deep interior and boundary strip (for a stencil
  ///        reaching the halo width), computed once: run_stencil_step allocates nothing per step.
  ///        Only the sides whose ghosts arrive by message are peeled into the strip; the deep
  ///        interior extends to walls and to local periodic sides (filled in start()), so a grid
  ///        cut along y alone gets whole rows for its strip and no narrow columns.
  const domain::InteriorSplit& interior_split() const noexcept { return m_split; }
  Backend backend() const noexcept { return m_backend; }
  /// \brief Bytes this rank sends per exchange of `fields` (all neighbours, counting the local
  ///        copies of an axis that is periodic with one rank along it). Local.
  std::int64_t bytes_sent(std::span<domain::FieldBase* const> fields) const;

private:
  FieldSetBinding& binding_for(std::span<domain::FieldBase* const> fields);

  std::unique_ptr<const HaloPlan> m_plan;  // on the heap: bindings point to it across moves
  domain::InteriorSplit m_split;
  Backend m_backend;
  parallel::Communicator m_comm;
  std::vector<std::unique_ptr<FieldSetBinding>> m_bindings;  // most recently used last
};

}  // namespace parlayer::halo
