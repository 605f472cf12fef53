#pragma once
/// \file
/// \brief HaloExchange: split-phase ghost-cell exchange of many fields at once.
///
///     halo::HaloPlan plan(decomposition, rank, 1, halo::Stencil::star);
///     halo::HaloExchange exchange(plan, comm);               // duplicates the communicator
///     transfer::Pending pending = exchange.start(h, u, v);   // returns at once
///     ... compute the deep interior of each box ...          // (pending.test() polls)
///     pending.finish();                                      // ghosts valid, walls filled
///     ... compute the boundary strip of each box ...
///
/// All fields of one start() travel in ONE message per pair of ranks, whatever the number of
/// boxes: every piece of every box between two ranks is packed into it. The first start() on a set
/// of fields builds the MPI datatypes or pack buffers and the persistent requests for that set;
/// later start()s on the same fields reuse them (no allocation per step). Messages never block in
/// start(). Ghosts that come from this rank's own boxes are filled in start(): copies between its
/// boxes (and from a box to itself across a periodic axis it spans), then each field's boundary
/// conditions at walls. So the deep interior next to those sides can be computed while messages
/// fly. For box stencils on ranks with neighbours, finish() fills the walls again (the edge and
/// corner ghosts of a wall slab mirror ghosts received by message). finish() waits and unpacks.
///
/// While an exchange is in flight its fields must not be written: start() has packed (or MPI is
/// reading) the boundary strip, and finish() may fill the walls again from the interior.
///
/// The exchange is a user of the transfer module: its plan is a transfer::TransferPlan, its bytes
/// move with a transfer::Backend, and start() returns the one transfer::Pending handle every
/// transfer returns (test(), finish(), the same misuse errors: pending.hpp).
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "parlayer/domain/field.hpp"
#include "parlayer/domain/tile.hpp"
#include "parlayer/halo/halo_plan.hpp"
#include "parlayer/parallel/comm.hpp"
#include "parlayer/parallel/communicator.hpp"
#include "parlayer/transfer/backend.hpp"
#include "parlayer/transfer/pending.hpp"

namespace parlayer::transfer::detail {
class TransferCache;
}

namespace parlayer::halo {

/// \brief An exchange in flight: the transfer layer's one handle (pending.hpp).
using PendingExchange = transfer::Pending;

/// \brief How far a kernel reads from the cell it writes: `width` cells, along the axes only
///        (star) or diagonally too (box). The overlap driver checks it against the exchange.
struct Reach {
  int width = 1;
  Stencil shape = Stencil::star;
};

/// \brief Exchanges ghost cells of fields laid out by one HaloPlan. Move-only.
class HaloExchange {
public:
  /// \brief Collective over `comm` (it is duplicated, so parlayer's tags never meet the user's).
  /// \throws CollectiveError if the decomposition is for another number of ranks than `comm` has.
  HaloExchange(HaloPlan plan, parallel::Comm comm, transfer::Backend backend = transfer::Backend::packed);
  /// \brief Waits for exchanges still in flight (never frees live requests).
  ~HaloExchange();
  HaloExchange(HaloExchange&&) noexcept;
  HaloExchange& operator=(HaloExchange&&) noexcept;

  /// \brief Starts exchanging the ghosts of `fields` and returns without waiting.
  ///        Neighbour-wise collective: every rank starts the same fields in the same order.
  /// \throws CollectiveError (every rank alike: one line, exit 2) if a field is already in flight
  ///         (a second start() before finish()) or listed twice, has another ghost width than the
  ///         plan, or (checked mode, transfer/checks.hpp) has no boundary condition at a wall;
  ///         std::invalid_argument if a field does not hold this rank's boxes of the plan.
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
  /// \brief Per local box, its interior split into deep interior and boundary strip (for a stencil
  ///        reaching the halo width), computed once: run_stencil_step allocates nothing per step.
  ///        Only the sides whose ghosts arrive by message are peeled into the strip; the deep
  ///        interior extends to walls and to sides filled by local copies (in start()), so a grid
  ///        cut along y alone gets whole rows for its strip and no narrow columns.
  const std::vector<domain::InteriorSplit>& interior_splits() const noexcept { return m_splits; }
  /// \brief The split of this rank's one box. \throws std::logic_error unless it has exactly one.
  const domain::InteriorSplit& interior_split() const;
  /// \brief The deep interiors and the boundary-strip pieces of interior_splits(), each cut into
  ///        tiles of at most `tile_size` cells (domain::tile_boxes), box by box. Computed on the
  ///        first call for a size and kept (the last size asked), so the threaded overlap driver
  ///        allocates nothing per step. Local.
  struct Tiles {
    domain::Index3 size{};
    std::vector<domain::Tile> interior;
    std::vector<domain::Tile> strip;
  };
  const Tiles& tiles(const domain::Index3& tile_size);
  /// \brief Throws CollectiveError if a kernel reaching `reach` cannot be served by this exchange:
  ///        wider than its ghosts, or diagonal (box) over a star exchange. Every rank decides alike.
  void check_reach(const Reach& reach) const;
  transfer::Backend backend() const noexcept { return m_backend; }
  /// \brief Bytes this rank sends per exchange of `fields` (all peers, counting the local copies
  ///        between its boxes). Local.
  std::int64_t bytes_sent(std::span<domain::FieldBase* const> fields) const;

private:
  struct Walls;  // what start() and finish() fill of each wall (halo_exchange.cpp)

  std::unique_ptr<const HaloPlan> m_plan;  // on the heap: bound transfers point to it across moves
  std::unique_ptr<const Walls> m_walls;    // likewise, for the completion steps
  std::vector<domain::InteriorSplit> m_splits;
  std::unique_ptr<Tiles> m_tiles;  // tiles() of the last size asked
  transfer::Backend m_backend;
  parallel::Communicator m_comm;
  std::unique_ptr<transfer::detail::TransferCache> m_transfers;
};

}  // namespace parlayer::halo
