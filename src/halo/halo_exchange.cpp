#include "parlayer/halo/halo_exchange.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "parlayer/error.hpp"
#include "parlayer/halo/boundary_fill.hpp"
#include "parlayer/parallel/environment.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "transfer.hpp"

namespace parlayer::halo {

using domain::FieldBase;

namespace {

constexpr std::size_t max_cached_bindings = 16;
constexpr int max_tag = 32767;  // the least MPI_TAG_UB the standard allows

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

  FieldSetBinding(const HaloPlan& p, std::span<FieldBase* const> list, MPI_Comm comm, int tag, Backend backend)
      : plan(&p), fields(list.begin(), list.end()),
        engine(std::make_unique<detail::TransferEngine>(p.transfers(), list, list, comm, tag, backend)) {
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
    engine->finish();
    in_flight = false;
    // The wall parts start() left out mirror ghosts that have just arrived (see start_walls).
    for (FieldBase* f : fields) {
      if (refill_walls)
        for (const Wall& wall : plan->walls()) fill_wall(f->box(wall.box), wall);
      f->set_exchange_in_flight(false);
    }
  }
};

// ---- PendingExchange ----

PendingExchange::PendingExchange(PendingExchange&& other) noexcept : m_binding(std::exchange(other.m_binding, nullptr)) {}

PendingExchange& PendingExchange::operator=(PendingExchange&& other) noexcept {
  if (this != &other) {
    if (m_binding) {
      try {
        finish();
      } catch (const std::exception& e) {
        parallel::abort_job(e.what());
      }
    }
    m_binding = std::exchange(other.m_binding, nullptr);
  }
  return *this;
}

PendingExchange::~PendingExchange() {
  if (!m_binding) return;
  try {
    finish();
  } catch (const std::exception& e) {
    parallel::abort_job((std::string("finishing a halo exchange in ~PendingExchange: ") + e.what()).c_str());
  }
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
  if (fields.empty()) throw std::invalid_argument("halo exchange: start() needs at least one field");
  for (std::size_t f = 0; f < fields.size(); ++f) {
    m_plan->check_compatible(*fields[f]);
    if (fields[f]->exchange_in_flight())
      throw std::logic_error("halo exchange: field '" + fields[f]->name() +
                             "' is already in flight (finish() the pending exchange first)");
    for (std::size_t g = 0; g < f; ++g)
      if (fields[g] == fields[f]) throw std::logic_error("halo exchange: field '" + fields[f]->name() + "' listed twice");
  }
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
