#include "parlayer/halo/halo_exchange.hpp"

#include <algorithm>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>

#include "parlayer/error.hpp"
#include "parlayer/halo/boundary_fill.hpp"
#include "parlayer/halo/checks.hpp"
#include "parlayer/parallel/environment.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "transfer.hpp"

namespace parlayer::halo {

using domain::FieldBase;

namespace {

constexpr std::size_t max_cached_bindings = 16;
constexpr int max_tag = 32767;  // the least MPI_TAG_UB the standard allows

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

std::string field_names(const std::vector<FieldBase*>& fields) {
  std::string names;
  for (const FieldBase* f : fields) names += (names.empty() ? "'" : ", '") + f->name() + "'";
  return names;
}

}  // namespace

const char* to_string(Backend backend) noexcept { return backend == Backend::packed ? "packed" : "datatypes"; }

Backend backend_from_string(const std::string& name) {
  if (name == "packed") return Backend::packed;
  if (name == "datatypes") return Backend::datatypes;
  throw CollectiveError("halo backend must be 'packed' or 'datatypes', got '" + name + "'");
}

// The cached state of one set of fields: the engine that moves its bytes, and its walls.
struct FieldSetBinding {
  const HaloPlan* plan = nullptr;
  std::vector<FieldBase*> fields;
  std::unique_ptr<detail::TransferEngine> engine;
  // What start() fills of each wall's ghost slab: the slab without its ghost ranges along other
  // axes on sides that receive by message (a box stencil's corners at a cut axis). Those parts
  // mirror ghosts that are still in flight (MPI may be writing them: not to be read), so finish()
  // fills the whole slabs again when any part was left out.
  std::vector<Wall> start_walls;
  bool refill_walls = false;
  bool in_flight = false;
  MPI_Comm comm = MPI_COMM_NULL;
  bool checked = false;                  // checked mode, fixed when the binding is made
  std::vector<std::uint64_t> hashes;     // checked mode: each field's interior hash in start()

  FieldSetBinding(const HaloPlan& p, std::span<FieldBase* const> list, MPI_Comm c, int tag, Backend backend)
      : plan(&p), fields(list.begin(), list.end()),
        engine(std::make_unique<detail::TransferEngine>(p.transfers(), list, list, c, tag, backend)), comm(c),
        checked(checks_enabled()) {
    for (const Wall& wall : p.walls()) {
      const IndexBox& interior = p.interior(wall.box);
      const domain::PeeledSides& by_message = p.sides_by_message()[static_cast<std::size_t>(wall.box)];
      Wall part = wall;
      for (int b = 0; b < 3; ++b) {
        if (b == wall.axis) continue;
        if (by_message[b][0]) part.ghosts.lo[b] = std::max(part.ghosts.lo[b], interior.lo[b]);
        if (by_message[b][1]) part.ghosts.hi[b] = std::min(part.ghosts.hi[b], interior.hi[b]);
      }
      refill_walls = refill_walls || !(part.ghosts == wall.ghosts);
      start_walls.push_back(part);
    }
  }

  bool matches(std::span<FieldBase* const> list) const { return engine->matches(list, list); }

  void start() {
    if (checked) {
      hashes.clear();
      for (const FieldBase* f : fields) hashes.push_back(interior_hash(*f));
      engine->poison_receives();
    }
    // Local copies first, then walls: both read only the fields' own interiors (a box-stencil wall
    // slab's corners also read the local copies' ghosts, hence the order), which are final when
    // start() is called. So a kernel on the deep interior may read these ghosts while messages
    // fly, and the deep interior runs up to these sides.
    engine->start();
    for (FieldBase* f : fields)
      for (const Wall& part : start_walls)
        if (!part.ghosts.empty()) fill_wall(f->box(part.box), part);
    in_flight = true;
    for (FieldBase* f : fields) f->set_exchange_in_flight(true);
  }

  void finish() {
    if (checked) {
      const std::vector<int> missing = engine->wait_for(check_timeout_seconds());
      if (!missing.empty()) {
        std::string ranks;
        for (const int r : missing) ranks += (ranks.empty() ? "" : ", ") + std::to_string(r);
        parallel::abort_job(("halo exchange of " + field_names(fields) + ": finish() has waited " +
                             std::to_string(static_cast<int>(check_timeout_seconds())) +
                             " s for the messages of rank(s) " + ranks +
                             "; did every rank start() the same exchange? (PARLAYER_CHECK_TIMEOUT sets the wait)")
                                .c_str());
      }
    }
    engine->finish();
    in_flight = false;
    // The wall parts start() left out mirror ghosts that have just arrived (see start_walls).
    for (FieldBase* f : fields) {
      if (refill_walls)
        for (const Wall& wall : plan->walls()) fill_wall(f->box(wall.box), wall);
      f->set_exchange_in_flight(false);
    }
    if (checked) check_not_written();
  }

  // Checked mode: the lowest-numbered field written while in flight, on any rank, is reported by
  // every rank alike (one reduction).
  void check_not_written() {
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
};

// ---- PendingExchange ----

PendingExchange::PendingExchange(PendingExchange&& other) noexcept : m_binding(std::exchange(other.m_binding, nullptr)) {}

namespace {

// A PendingExchange dropped (destroyed or overwritten) before finish(). Ghosts that arrive only
// then were not there when the boundary strip was computed: a wrong answer on more than one rank.
// So this is an error, not a convenience; except while unwinding from another error, when the
// messages are completed quietly (live requests are never freed).
void drop_unfinished(FieldSetBinding* binding) noexcept {
  if (std::uncaught_exceptions() > 0) {
    try {
      binding->finish();
    } catch (...) {
    }
    return;
  }
  parallel::abort_job(("a halo exchange of " + field_names(binding->fields) +
                       " was started and its PendingExchange dropped without finish(); call finish() before "
                       "reading the ghosts (or use exchange(), or run_stencil_step)")
                          .c_str());
}

}  // namespace

PendingExchange& PendingExchange::operator=(PendingExchange&& other) noexcept {
  if (this != &other) {
    if (m_binding) drop_unfinished(m_binding);
    m_binding = std::exchange(other.m_binding, nullptr);
  }
  return *this;
}

PendingExchange::~PendingExchange() {
  if (m_binding) drop_unfinished(m_binding);
}

void PendingExchange::finish() {
  if (!m_binding) throw std::logic_error("halo exchange: finish() called twice");
  FieldSetBinding* b = std::exchange(m_binding, nullptr);
  b->finish();
}

// ---- HaloExchange ----

HaloExchange::HaloExchange(HaloPlan plan, MPI_Comm comm, Backend backend)
    : m_plan(std::make_unique<const HaloPlan>(std::move(plan))), m_backend(backend), m_comm(comm) {
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

FieldSetBinding& HaloExchange::binding_for(std::span<FieldBase* const> fields) {
  auto hit = std::find_if(m_bindings.begin(), m_bindings.end(), [&](const auto& b) { return b->matches(fields); });
  if (hit != m_bindings.end()) {
    std::rotate(hit, hit + 1, m_bindings.end());  // most recently used last
    return *m_bindings.back();
  }
  if (m_bindings.size() >= max_cached_bindings) {
    auto idle = std::find_if(m_bindings.begin(), m_bindings.end(), [](const auto& b) { return !b->in_flight; });
    if (idle != m_bindings.end()) m_bindings.erase(idle);
  }
  // Each binding has a tag of its own: two field sets in flight at once never match each other's
  // messages. Every rank creates bindings in the same order (start() is neighbour-wise collective).
  const int tag = m_next_tag;
  m_next_tag = (m_next_tag + 1) % max_tag;
  m_bindings.push_back(std::make_unique<FieldSetBinding>(*m_plan, fields, m_comm.get(), tag, m_backend));
  return *m_bindings.back();
}

PendingExchange HaloExchange::start(std::span<FieldBase* const> fields) {
  // Mistakes every rank makes alike are CollectiveErrors (one line from rank 0, exit 2).
  if (fields.empty()) throw CollectiveError("halo exchange: start() needs at least one field");
  for (std::size_t f = 0; f < fields.size(); ++f) {
    m_plan->check_compatible(*fields[f]);
    if (fields[f]->exchange_in_flight())
      throw CollectiveError("halo exchange: field '" + fields[f]->name() +
                            "' is already in flight: start() was called again before finish()");
    for (std::size_t g = 0; g < f; ++g)
      if (fields[g] == fields[f]) throw CollectiveError("halo exchange: field '" + fields[f]->name() + "' listed twice");
  }
  if (checks_enabled()) check_walls_have_conditions(*m_plan, fields);
  FieldSetBinding& binding = binding_for(fields);
  binding.start();
  return PendingExchange(&binding);
}

std::int64_t HaloExchange::bytes_sent(std::span<FieldBase* const> fields) const {
  std::int64_t bytes = 0;
  for (const FieldBase* f : fields) {
    for (const PeerTransfer& peer : m_plan->transfers().peers)
      for (const BoxRegion& r : peer.send) bytes += detail::region_bytes(*f, r.cells);
    for (const LocalCopy& copy : m_plan->transfers().local) bytes += detail::region_bytes(*f, copy.from.cells);
  }
  return bytes;
}

}  // namespace parlayer::halo
