#include "parlayer/halo/halo_exchange.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "parlayer/error.hpp"
#include "parlayer/halo/boundary_fill.hpp"
#include "parlayer/parallel/environment.hpp"
#include "parlayer/parallel/mpi_check.hpp"

namespace parlayer::halo {

using domain::FieldBase;

namespace {

constexpr std::size_t max_cached_bindings = 16;

MPI_Datatype mpi_type_of(domain::ElementType type) {
  switch (type) {
    case domain::ElementType::float32: return MPI_FLOAT;
    case domain::ElementType::float64: return MPI_DOUBLE;
    case domain::ElementType::int32: return MPI_INT32_T;
    case domain::ElementType::int64: return MPI_INT64_T;
    case domain::ElementType::uint8: return MPI_UINT8_T;
  }
  throw std::logic_error("halo: unknown element type");
}

std::int64_t box_bytes(const FieldBase& f, const IndexBox& box) {
  return box.cells() * static_cast<std::int64_t>(domain::size_of(f.element_type()));
}

// Copies `box` of a field to/from a contiguous buffer, one memcpy per row.
enum class Direction { pack, unpack };
std::byte* copy_box(FieldBase& f, const IndexBox& box, std::byte* buffer, Direction dir) {
  const std::size_t elem = domain::size_of(f.element_type());
  const std::size_t row_bytes = static_cast<std::size_t>(box.extent(0)) * elem;
  std::byte* base = f.bytes();
  for (int k = box.lo[2]; k < box.hi[2]; ++k)
    for (int j = box.lo[1]; j < box.hi[1]; ++j) {
      std::byte* row = base + f.offset(box.lo[0], j, k) * static_cast<std::int64_t>(elem);
      if (dir == Direction::pack)
        std::memcpy(buffer, row, row_bytes);
      else
        std::memcpy(row, buffer, row_bytes);
      buffer += row_bytes;
    }
  return buffer;
}

// Copies the cells of box `from` to box `to` (same extents, disjoint) of one field, one memcpy per
// row: a local periodic copy, without a buffer in between.
void copy_within(FieldBase& f, const IndexBox& from, const IndexBox& to) {
  const std::int64_t elem = static_cast<std::int64_t>(domain::size_of(f.element_type()));
  const std::size_t row_bytes = static_cast<std::size_t>(from.extent(0) * elem);
  std::byte* base = f.bytes();
  for (int dk = 0; dk < from.extent(2); ++dk)
    for (int dj = 0; dj < from.extent(1); ++dj)
      std::memcpy(base + f.offset(to.lo[0], to.lo[1] + dj, to.lo[2] + dk) * elem,
                  base + f.offset(from.lo[0], from.lo[1] + dj, from.lo[2] + dk) * elem, row_bytes);
}

// One subarray of a field's storage, as an uncommitted MPI datatype.
MPI_Datatype subarray_type(const FieldBase& f, const IndexBox& box) {
  const IndexBox& all = f.allocated();
  // MPI_ORDER_C: the last dimension varies fastest, so list z, y, x.
  int sizes[3] = {all.extent(2), all.extent(1), all.extent(0)};
  int subsizes[3] = {box.extent(2), box.extent(1), box.extent(0)};
  int starts[3] = {box.lo[2] - all.lo[2], box.lo[1] - all.lo[1], box.lo[0] - all.lo[0]};
  MPI_Datatype t = MPI_DATATYPE_NULL;
  PARLAYER_MPI_CHECK(MPI_Type_create_subarray(3, sizes, subsizes, starts, MPI_ORDER_C,
                                              mpi_type_of(f.element_type()), &t));
  return t;
}

// All fields' boxes of one link as one committed datatype with absolute addresses (use MPI_BOTTOM).
parallel::Datatype fields_type(const std::vector<FieldBase*>& fields, bool send, const NeighbourLink& link) {
  const std::size_t n = fields.size();
  std::vector<MPI_Datatype> parts(n);
  std::vector<MPI_Aint> displacements(n);
  std::vector<int> lengths(n, 1);
  for (std::size_t f = 0; f < n; ++f) {
    parts[f] = subarray_type(*fields[f], send ? link.send : link.recv);
    PARLAYER_MPI_CHECK(MPI_Get_address(fields[f]->bytes(), &displacements[f]));
  }
  MPI_Datatype combined = MPI_DATATYPE_NULL;
  const int rc = MPI_Type_create_struct(static_cast<int>(n), lengths.data(), displacements.data(),
                                        parts.data(), &combined);
  for (MPI_Datatype& t : parts) MPI_Type_free(&t);  // the struct keeps what it needs
  PARLAYER_MPI_CHECK(rc);
  return parallel::Datatype(combined);
}

// A link to this rank itself (an axis with one rank that is periodic) is a local copy, made in
// start(): its ghosts mirror the field's own interior, like a wall's.
bool is_local(const HaloPlan& plan, const NeighbourLink& link) { return link.rank == plan.rank(); }

// The sides of the interior ([axis][low/high]) whose ghosts arrive by message from another rank.
domain::PeeledSides sides_by_message(const HaloPlan& plan) {
  domain::PeeledSides sides{};
  for (const NeighbourLink& link : plan.links()) {
    if (is_local(plan, link)) continue;
    for (int a = 0; a < 3; ++a)
      if (link.direction[a] != 0) sides[a][link.direction[a] < 0 ? 0 : 1] = true;
  }
  return sides;
}

// The strip holds only the cells next to a side whose ghosts arrive by message. Walls and local
// periodic copies are filled in start(), so the deep interior runs up to those sides.
domain::InteriorSplit split_for(const HaloPlan& plan) {
  return domain::split_interior(plan.interior(), plan.ghost_widths(), sides_by_message(plan));
}

}  // namespace

const char* to_string(Backend backend) noexcept {
  return backend == Backend::packed ? "packed" : "datatypes";
}

Backend backend_from_string(const std::string& name) {
  if (name == "packed") return Backend::packed;
  if (name == "datatypes") return Backend::datatypes;
  throw CollectiveError("halo backend must be 'packed' or 'datatypes', got '" + name + "'");
}

// The cached state of one set of fields: what start() and finish() need, built once.
struct FieldSetBinding {
  const HaloPlan* plan = nullptr;
  Backend backend = Backend::packed;
  std::vector<FieldBase*> fields;
  std::vector<const std::byte*> storage;  // with `fields`, the cache key: a reallocated field rebinds
  std::vector<const NeighbourLink*> remote;  // links by message
  // Links to this rank itself: copy `from->send` into `to->recv`, where `from` is the link in the
  // opposite direction (the box a neighbour in direction d receives is what it sends towards -d).
  struct LocalCopy {
    const NeighbourLink* from;
    const NeighbourLink* to;
  };
  std::vector<LocalCopy> local;
  std::vector<std::vector<std::byte>> send_buffers, recv_buffers;  // packed: one per remote link
  std::vector<parallel::Datatype> send_types, recv_types;          // datatypes: one per remote link
  // What start() fills of each wall's ghost slab: the slab without its ghost ranges along other
  // axes on sides that receive by message (a box stencil's corners at a cut axis). Those parts
  // mirror ghosts that are still in flight (MPI may be writing them: not to be read), so finish()
  // fills the whole slabs again when any part was left out.
  std::vector<Wall> start_walls;
  bool refill_walls = false;
  parallel::RequestSet requests;  // persistent: all receives first, then all sends
  bool in_flight = false;

  bool matches(std::span<FieldBase* const> list) const {
    if (list.size() != fields.size()) return false;
    for (std::size_t f = 0; f < list.size(); ++f)
      if (list[f] != fields[f] || list[f]->bytes() != storage[f]) return false;
    return true;
  }

  void build(MPI_Comm comm) {
    for (const NeighbourLink& link : plan->links()) {
      if (!is_local(*plan, link)) {
        remote.push_back(&link);
        continue;
      }
      const Index3 opposite{-link.direction[0], -link.direction[1], -link.direction[2]};
      const auto from = std::find_if(plan->links().begin(), plan->links().end(),
                                     [&](const NeighbourLink& l) { return l.direction == opposite; });
      if (from == plan->links().end() || !is_local(*plan, *from))
        throw std::logic_error("halo plan: a link to this rank has no local link in the opposite direction");
      local.push_back({&*from, &link});
    }
    const domain::PeeledSides by_message = sides_by_message(*plan);
    const IndexBox& interior = plan->interior();
    for (const Wall& wall : plan->walls()) {
      Wall part = wall;
      for (int b = 0; b < 3; ++b) {
        if (b == wall.axis) continue;
        if (by_message[b][0]) part.ghosts.lo[b] = std::max(part.ghosts.lo[b], interior.lo[b]);
        if (by_message[b][1]) part.ghosts.hi[b] = std::min(part.ghosts.hi[b], interior.hi[b]);
      }
      refill_walls = refill_walls || !(part.ghosts == wall.ghosts);
      start_walls.push_back(part);
    }

    std::vector<MPI_Request> recvs, sends;
    for (const NeighbourLink* link : remote) {
      MPI_Request r = MPI_REQUEST_NULL, s = MPI_REQUEST_NULL;
      if (backend == Backend::packed) {
        std::int64_t send_bytes = 0, recv_bytes = 0;
        for (FieldBase* f : fields) {
          send_bytes += box_bytes(*f, link->send);
          recv_bytes += box_bytes(*f, link->recv);
        }
        auto& sb = send_buffers.emplace_back(static_cast<std::size_t>(send_bytes));
        auto& rb = recv_buffers.emplace_back(static_cast<std::size_t>(recv_bytes));
        PARLAYER_MPI_CHECK(MPI_Recv_init(rb.data(), static_cast<int>(rb.size()), MPI_BYTE, link->rank,
                                         link->recv_tag, comm, &r));
        PARLAYER_MPI_CHECK(MPI_Send_init(sb.data(), static_cast<int>(sb.size()), MPI_BYTE, link->rank,
                                         link->send_tag, comm, &s));
      } else {
        const auto& st = send_types.emplace_back(fields_type(fields, true, *link));
        const auto& rt = recv_types.emplace_back(fields_type(fields, false, *link));
        PARLAYER_MPI_CHECK(MPI_Recv_init(MPI_BOTTOM, 1, rt.get(), link->rank, link->recv_tag, comm, &r));
        PARLAYER_MPI_CHECK(MPI_Send_init(MPI_BOTTOM, 1, st.get(), link->rank, link->send_tag, comm, &s));
      }
      recvs.push_back(r);
      sends.push_back(s);
    }
    for (MPI_Request r : recvs) requests.add(r);
    for (MPI_Request s : sends) requests.add(s);
  }

  void start() {
    // Local periodic copies, then walls: both read only the field's own interior (a box-stencil
    // wall slab's corners also read the local copies' ghosts, hence the order), which is final
    // when start() is called. So a kernel on the deep interior may read these ghosts while
    // messages fly, and the deep interior runs up to these sides (split_for).
    for (const LocalCopy& copy : local)
      for (FieldBase* f : fields) copy_within(*f, copy.from->send, copy.to->recv);
    for (FieldBase* f : fields)
      for (const Wall& part : start_walls)
        if (!part.ghosts.empty()) fill_wall(*f, part);
    if (backend == Backend::packed)
      for (std::size_t l = 0; l < remote.size(); ++l) {
        std::byte* p = send_buffers[l].data();
        for (FieldBase* f : fields) p = copy_box(*f, remote[l]->send, p, Direction::pack);
      }
    requests.start_all();
    in_flight = true;
    for (FieldBase* f : fields) f->set_exchange_in_flight(true);
  }

  void finish() {
    requests.wait_all();
    in_flight = false;
    if (backend == Backend::packed)
      for (std::size_t l = 0; l < remote.size(); ++l) {
        std::byte* p = recv_buffers[l].data();
        for (FieldBase* f : fields) p = copy_box(*f, remote[l]->recv, p, Direction::unpack);
      }
    // The wall parts start() left out mirror ghosts that have just arrived (see start_walls).
    for (FieldBase* f : fields) {
      if (refill_walls) fill_walls(*f, *plan);
      f->set_exchange_in_flight(false);
    }
  }
};

// ---- PendingExchange ----

PendingExchange::PendingExchange(PendingExchange&& other) noexcept
    : m_binding(std::exchange(other.m_binding, nullptr)) {}

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
    : m_plan(std::make_unique<const HaloPlan>(std::move(plan))),
      m_split(split_for(*m_plan)),
      m_backend(backend),
      m_comm(comm) {
  if (m_comm.size() != m_plan->decomposition().rank_count())
    throw CollectiveError("halo exchange: the decomposition is for " +
                          std::to_string(m_plan->decomposition().rank_count()) +
                          " ranks but the communicator has " + std::to_string(m_comm.size()));
  if (m_comm.rank() != m_plan->rank())
    throw std::invalid_argument("halo exchange: plan built for rank " + std::to_string(m_plan->rank()) +
                                " used on rank " + std::to_string(m_comm.rank()));
}

HaloExchange::~HaloExchange() = default;
HaloExchange::HaloExchange(HaloExchange&&) noexcept = default;
HaloExchange& HaloExchange::operator=(HaloExchange&&) noexcept = default;

FieldSetBinding& HaloExchange::binding_for(std::span<FieldBase* const> fields) {
  auto hit = std::find_if(m_bindings.begin(), m_bindings.end(),
                          [&](const auto& b) { return b->matches(fields); });
  if (hit != m_bindings.end()) {
    std::rotate(hit, hit + 1, m_bindings.end());  // most recently used last
    return *m_bindings.back();
  }
  if (m_bindings.size() >= max_cached_bindings) {
    auto idle = std::find_if(m_bindings.begin(), m_bindings.end(),
                             [](const auto& b) { return !b->in_flight; });
    if (idle != m_bindings.end()) m_bindings.erase(idle);
  }
  auto binding = std::make_unique<FieldSetBinding>();
  binding->plan = m_plan.get();
  binding->backend = m_backend;
  binding->fields.assign(fields.begin(), fields.end());
  for (FieldBase* f : fields) binding->storage.push_back(f->bytes());
  binding->build(m_comm.get());
  m_bindings.push_back(std::move(binding));
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
      if (fields[g] == fields[f])
        throw std::logic_error("halo exchange: field '" + fields[f]->name() + "' listed twice");
  }
  FieldSetBinding& binding = binding_for(fields);
  binding.start();
  return PendingExchange(&binding);
}

std::int64_t HaloExchange::bytes_sent(std::span<FieldBase* const> fields) const {
  std::int64_t bytes = 0;
  for (const NeighbourLink& link : m_plan->links())
    for (const FieldBase* f : fields) bytes += box_bytes(*f, link.send);
  return bytes;
}

}  // namespace parlayer::halo
