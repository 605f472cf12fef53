#include "parlayer/halo/halo_exchange.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "parlayer/error.hpp"
#include "parlayer/halo/boundary_fill.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/transfer/checks.hpp"
#include "transfer/transfer.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::halo {

using domain::FieldBase;
using transfer::BoxRegion;
using transfer::LocalCopy;
using transfer::PeerTransfer;
using transfer::checks_enabled;

namespace {

constexpr const char* kind = "halo exchange";

const char* const axis_name[3] = {"x", "y", "z"};

// A hash of every box's interior bytes (FNV-1a over 64-bit words and the tail bytes, row by row):
// what checked mode compares between start() and finish() to notice a write to a field in flight.
std::uint64_t interior_hash(const FieldBase& f) {
  std::uint64_t h = 1469598103934665603ULL;
  const std::int64_t elem = static_cast<std::int64_t>(domain::size_of(f.element_type()));
  for (int b = 0; b < f.box_count(); ++b) {
    const domain::FieldBoxBase& box = f.box(b);
    const IndexBox& in = box.interior();
    const std::size_t row = static_cast<std::size_t>(in.extent(0) * elem);
    for (int k = in.lo[2]; k < in.hi[2]; ++k)
      for (int j = in.lo[1]; j < in.hi[1]; ++j) {
        const std::byte* p = box.bytes() + box.offset(in.lo[0], j, k) * elem;
        std::size_t n = 0;
        for (; n + 8 <= row; n += 8) {
          std::uint64_t w;
          std::memcpy(&w, p + n, 8);
          h = (h ^ w) * 1099511628211ULL;
        }
        for (; n < row; ++n) h = (h ^ std::to_integer<std::uint64_t>(p[n])) * 1099511628211ULL;
      }
  }
  return h;
}

// Checked mode: a field exchanged over a decomposition with walls must say what its wall ghosts
// hold. Every rank knows the decomposition's walls, so every rank finds the same.
void check_walls_have_conditions(const HaloPlan& plan, std::span<FieldBase* const> fields) {
  const domain::Decomposition& d = plan.decomposition();
  for (const FieldBase* f : fields)
    for (int a = 0; a < d.dimensions(); ++a) {
      if (d.periodic(a)) continue;
      for (const domain::Side side : {domain::Side::low, domain::Side::high})
        if (f->boundary_condition(a, side).kind == domain::BoundaryCondition::Kind::unset)
          throw CollectiveError(std::string("halo exchange: field '") + f->name() + "' has no boundary condition at the " +
                                (side == domain::Side::low ? "low" : "high") + " wall of axis " + axis_name[a] +
                                ", so its ghosts there would never be filled; call set_boundary_condition(" +
                                std::to_string(a) + ", ...) (BoundaryCondition::none() leaves them as they are)");
    }
  // Land (boxes with no owner): coasts take the land condition, or the wall condition of the axis
  // and side they lie beyond, on any axis (periodic ones too).
  const std::vector<int>& owners = d.ownership().owners();
  if (std::find(owners.begin(), owners.end(), domain::no_owner) == owners.end()) return;
  for (const FieldBase* f : fields) {
    if (f->land_condition().kind != domain::BoundaryCondition::Kind::unset) continue;
    for (int a = 0; a < d.dimensions(); ++a)
      for (const domain::Side side : {domain::Side::low, domain::Side::high})
        if (f->boundary_condition(a, side).kind == domain::BoundaryCondition::Kind::unset)
          throw CollectiveError(std::string("halo exchange: field '") + f->name() +
                                "' has neither a land condition nor a boundary condition on axis " + axis_name[a] +
                                ", so its ghosts next to boxes with no owner (land) would never be filled; call "
                                "set_land_condition(...)");
  }
}

// Checked mode: the lowest-numbered field written while in flight, on any rank, is reported by
// every rank alike (one reduction).
void check_not_written(const std::vector<FieldBase*>& fields, const std::vector<std::uint64_t>& hashes, parallel::Comm comm) {
  int written = static_cast<int>(fields.size());
  for (std::size_t f = 0; f < fields.size(); ++f)
    if (interior_hash(*fields[f]) != hashes[f]) {
      written = static_cast<int>(f);
      break;
    }
  int first = 0;
  PARLAYER_MPI_CHECK(MPI_Allreduce(&written, &first, 1, MPI_INT, MPI_MIN, comm));
  if (first < static_cast<int>(fields.size()))
    throw CollectiveError("halo exchange: field '" + fields[static_cast<std::size_t>(first)]->name() +
                          "' was written between start() and finish(); a field in flight must not be written "
                          "(its strip is being sent, its ghosts are being received)");
}

}  // namespace

// What start() fills of each wall's ghost slab: the slab without its ghost ranges along other axes
// on sides that receive by message (a box stencil's corners at a cut axis). Those parts mirror
// ghosts that are still in flight (MPI may be writing them: not to be read), so the exchange's
// completion fills the whole slabs again when any part was left out. Pure geometry of the plan.
struct HaloExchange::Walls {
  std::vector<Wall> all;
  std::vector<Wall> at_start;
  bool refill = false;

  explicit Walls(const HaloPlan& p) : all(p.walls()) {
    for (const Wall& wall : p.walls()) {
      const IndexBox& interior = p.interior(wall.box);
      const domain::PeeledSides& by_message = p.sides_by_message()[static_cast<std::size_t>(wall.box)];
      Wall part = wall;
      for (int b = 0; b < 3; ++b) {
        if (b == wall.axis) continue;
        if (by_message[b][0]) part.ghosts.lo[b] = std::max(part.ghosts.lo[b], interior.lo[b]);
        if (by_message[b][1]) part.ghosts.hi[b] = std::min(part.ghosts.hi[b], interior.hi[b]);
      }
      refill = refill || !(part.ghosts == wall.ghosts);
      at_start.push_back(part);
    }
  }
};

// ---- HaloExchange ----

HaloExchange::HaloExchange(HaloPlan plan, parallel::Comm comm, transfer::Backend backend)
    : m_plan(std::make_unique<const HaloPlan>(std::move(plan))), m_walls(std::make_unique<const Walls>(*m_plan)),
      m_backend(backend), m_comm(comm), m_transfers(std::make_unique<transfer::detail::TransferCache>()) {
  if (m_comm.size() != m_plan->decomposition().rank_count())
    throw CollectiveError("halo exchange: the decomposition is for " +
                          std::to_string(m_plan->decomposition().rank_count()) + " ranks but the communicator has " +
                          std::to_string(m_comm.size()));
  if (m_comm.rank() != m_plan->rank())
    throw std::invalid_argument("halo exchange: plan built for rank " + std::to_string(m_plan->rank()) +
                                " used on rank " + std::to_string(m_comm.rank()));
  // The strip holds only the cells next to a side whose ghosts arrive by message. Walls and local
  // copies are filled in start(), so the deep interior runs up to those sides.
  for (std::size_t l = 0; l < m_plan->boxes().size(); ++l)
    m_splits.push_back(domain::split_interior(m_plan->interior(static_cast<int>(l)), m_plan->ghost_widths(),
                                              m_plan->sides_by_message()[l]));
}

HaloExchange::~HaloExchange() = default;
HaloExchange::HaloExchange(HaloExchange&&) noexcept = default;
HaloExchange& HaloExchange::operator=(HaloExchange&&) noexcept = default;

const HaloExchange::Tiles& HaloExchange::tiles(const domain::Index3& tile_size) {
  if (m_tiles && m_tiles->size == tile_size) return *m_tiles;
  auto tiles = std::make_unique<Tiles>();
  tiles->size = tile_size;
  for (std::size_t l = 0; l < m_splits.size(); ++l) {
    const int local = static_cast<int>(l);
    for (const IndexBox& t : domain::tile_boxes(m_splits[l].deep, tile_size)) tiles->interior.push_back({t, local});
    for (const IndexBox& piece : m_splits[l].strip)
      for (const IndexBox& t : domain::tile_boxes(piece, tile_size)) tiles->strip.push_back({t, local});
  }
  m_tiles = std::move(tiles);
  return *m_tiles;
}

const domain::InteriorSplit& HaloExchange::interior_split() const {
  if (m_splits.size() != 1)
    throw std::logic_error("halo exchange: rank " + std::to_string(m_plan->rank()) + " has " +
                           std::to_string(m_splits.size()) + " boxes; use interior_splits()");
  return m_splits.front();
}

void HaloExchange::check_reach(const Reach& reach) const {
  const char* shape = to_string(reach.shape);
  if (reach.width < 0)
    throw CollectiveError("kernel reach: width " + std::to_string(reach.width) + " is negative");
  if (reach.width > m_plan->width())
    throw CollectiveError("kernel reach: the kernel reads " + std::to_string(reach.width) + " cells (" + shape +
                          "), but the halo exchange fills " + std::to_string(m_plan->width()) +
                          "; build the HaloPlan (and the fields) with width >= " + std::to_string(reach.width));
  if (reach.shape == Stencil::box && m_plan->stencil() == Stencil::star && reach.width > 0)
    throw CollectiveError("kernel reach: the kernel reads diagonal neighbours (box), but the halo exchange is a "
                          "star exchange that leaves edge and corner ghosts unfilled; build the HaloPlan with "
                          "Stencil::box");
}

PendingExchange HaloExchange::start(std::span<FieldBase* const> fields) {
  // Mistakes every rank makes alike are CollectiveErrors (one line from rank 0, exit 2).
  transfer::detail::check_not_moved_from(m_plan.get(), "halo exchange", "HaloExchange::start");
  if (fields.empty()) throw CollectiveError("halo exchange: start() needs at least one field");
  for (const FieldBase* f : fields) m_plan->check_compatible(*f);
  transfer::detail::check_startable(kind, fields);
  const bool checked = checks_enabled();
  if (checked) check_walls_have_conditions(*m_plan, fields);
  transfer::detail::Transfer& transfer = m_transfers->bind(kind, m_plan->transfers(), fields, m_comm.get(), m_backend);
  std::vector<std::uint64_t> hashes;  // checked mode: each field's interior, to compare at completion
  if (checked)
    for (const FieldBase* f : fields) hashes.push_back(interior_hash(*f));
  // The local copies (in transfer.start()) first, then walls: both read only the fields' own
  // interiors (a box-stencil wall slab's corners also read the local copies' ghosts, hence the
  // order), which are final when start() is called. So a kernel on the deep interior may read
  // these ghosts while messages fly, and the deep interior runs up to these sides.
  PendingExchange pending = transfer.start();
  for (FieldBase* f : fields)
    for (const Wall& part : m_walls->at_start)
      if (!part.ghosts.empty()) fill_wall(f->box(part.box), part);
  // At completion: the wall parts start() left out mirror ghosts that have just arrived.
  const std::vector<FieldBase*>& bound = transfer.engine().targets();
  if (m_walls->refill)
    transfer.then([walls = m_walls.get(), &bound] {
      for (FieldBase* f : bound)
        for (const Wall& wall : walls->all) fill_wall(f->box(wall.box), wall);
    });
  if (checked)
    transfer.then([&bound, hashes = std::move(hashes), comm = m_comm.get()] { check_not_written(bound, hashes, comm); });
  return pending;
}

std::int64_t HaloExchange::bytes_sent(std::span<FieldBase* const> fields) const {
  std::int64_t bytes = 0;
  for (const FieldBase* f : fields) {
    for (const PeerTransfer& peer : m_plan->transfers().peers)
      for (const BoxRegion& r : peer.send) bytes += transfer::detail::region_bytes(*f, r.cells);
    for (const LocalCopy& copy : m_plan->transfers().local) bytes += transfer::detail::region_bytes(*f, copy.from.cells);
  }
  return bytes;
}

}  // namespace parlayer::halo
