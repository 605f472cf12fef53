#include "parlayer/domain/field.hpp"

#include <sys/mman.h>

#include <new>
#include <stdexcept>

namespace parlayer::domain {

namespace detail {

namespace {
constexpr std::size_t cache_line = 64;
constexpr std::size_t huge_page = std::size_t{2} << 20;
std::size_t rounded_to_huge_pages(std::size_t bytes) { return (bytes + huge_page - 1) / huge_page * huge_page; }
}  // namespace

void* allocate_field_storage(std::size_t bytes) {
  if (bytes < huge_page) return ::operator new(bytes, std::align_val_t{cache_line});
  const std::size_t size = rounded_to_huge_pages(bytes);
  void* p = ::operator new(size, std::align_val_t{huge_page});
  // Best effort: where transparent huge pages are off or unsupported this fails harmlessly.
  ::madvise(p, size, MADV_HUGEPAGE);
  return p;
}

void free_field_storage(void* p, std::size_t bytes) noexcept {
  if (bytes < huge_page)
    ::operator delete(p, bytes, std::align_val_t{cache_line});
  else
    ::operator delete(p, rounded_to_huge_pages(bytes), std::align_val_t{huge_page});
}

}  // namespace detail

const char* to_string(ElementType type) noexcept {
  switch (type) {
    case ElementType::float32: return "float32";
    case ElementType::float64: return "float64";
    case ElementType::int32: return "int32";
    case ElementType::int64: return "int64";
    case ElementType::uint8: return "uint8";
  }
  return "unknown";
}

std::size_t size_of(ElementType type) noexcept {
  switch (type) {
    case ElementType::float32: return 4;
    case ElementType::float64: return 8;
    case ElementType::int32: return 4;
    case ElementType::int64: return 8;
    case ElementType::uint8: return 1;
  }
  return 0;
}

FieldBoxBase::FieldBoxBase(const FieldBase& field, int layout_index, const IndexBox& interior,
                           const Index3& ghost_widths)
    : m_field(&field), m_layout_index(layout_index), m_interior(interior), m_ghost(ghost_widths) {
  m_allocated = interior.grown(ghost_widths);
  m_stride_y = m_allocated.extent(0);
  m_stride_z = m_stride_y * m_allocated.extent(1);
}

FieldBase::FieldBase(std::string name, const Index3& ghost_widths) : m_name(std::move(name)), m_ghost(ghost_widths) {
  for (int a = 0; a < 3; ++a)
    if (ghost_widths[a] < 0) throw std::invalid_argument("field '" + m_name + "': negative ghost width");
}

const FieldBoxBase& FieldBase::only_box() const {
  if (m_box_list.size() != 1)
    throw std::logic_error("field '" + m_name + "' has " + std::to_string(m_box_list.size()) +
                           " boxes on this rank; access its boxes with field[tile] or field.box(n), not as one box");
  return *m_box_list.front();
}

void FieldBoxBase::throw_outside(int i, int j, int k) const {
  throw std::out_of_range("field '" + m_field->name() + "': cell (" + std::to_string(i) + "," + std::to_string(j) +
                          "," + std::to_string(k) + ") is outside box " + m_interior.to_string() +
                          " and its ghosts " + m_allocated.to_string() +
                          " (does the kernel read farther than the halo width?)");
}

void FieldBoxBase::throw_mismatch(const FieldBoxBase& other) const {
  throw std::invalid_argument("Field::copy_from: '" + other.field().name() + "' " + other.allocated().to_string() +
                              " does not match '" + m_field->name() + "' " + m_allocated.to_string());
}

InteriorSplit FieldBoxBase::split(int width) const {
  Index3 w{};
  for (int a = 0; a < 3; ++a) w[a] = m_ghost[a] > 0 ? width : 0;
  return split_interior(m_interior, w);
}

std::vector<IndexBox> FieldBoxBase::ghost_boxes() const {
  std::vector<IndexBox> boxes;
  for (int dz = -1; dz <= 1; ++dz)
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        if (dx == 0 && dy == 0 && dz == 0) continue;
        const Index3 d{dx, dy, dz};
        IndexBox b;
        for (int a = 0; a < 3; ++a) {
          if (d[a] < 0) b.lo[a] = m_allocated.lo[a], b.hi[a] = m_interior.lo[a];
          if (d[a] == 0) b.lo[a] = m_interior.lo[a], b.hi[a] = m_interior.hi[a];
          if (d[a] > 0) b.lo[a] = m_interior.hi[a], b.hi[a] = m_allocated.hi[a];
        }
        if (!b.empty()) boxes.push_back(b);
      }
  return boxes;
}

Index3 FieldBoxBase::to_local(const Index3& global) const noexcept {
  return {global[0] - m_interior.lo[0], global[1] - m_interior.lo[1], global[2] - m_interior.lo[2]};
}

Index3 FieldBoxBase::to_global(const Index3& local) const noexcept {
  return {local[0] + m_interior.lo[0], local[1] + m_interior.lo[1], local[2] + m_interior.lo[2]};
}

void FieldBase::set_boundary_condition(int axis, Side side, BoundaryCondition bc) {
  if (axis < 0 || axis > 2) throw std::invalid_argument("set_boundary_condition: axis must be 0..2");
  if (bc.kind == BoundaryCondition::Kind::custom && !bc.hook)
    throw std::invalid_argument("set_boundary_condition: custom condition without a hook");
  m_bc[axis][static_cast<int>(side)] = std::move(bc);
}

void FieldBase::set_land_condition(BoundaryCondition bc) {
  if (bc.kind == BoundaryCondition::Kind::custom && !bc.hook)
    throw std::invalid_argument("set_land_condition: custom condition without a hook");
  m_land = std::move(bc);
}

void FieldBase::set_boundary_condition(int axis, const BoundaryCondition& bc) {
  set_boundary_condition(axis, Side::low, bc);
  set_boundary_condition(axis, Side::high, bc);
}

std::string boxes_mismatch(const FieldBase& field, const Decomposition& decomposition, int rank) {
  const std::vector<int>& mine = decomposition.boxes_of(rank);
  if (field.box_count() != static_cast<int>(mine.size()))
    return std::to_string(field.box_count()) + " boxes where rank " + std::to_string(rank) + " owns " +
           std::to_string(mine.size());
  for (std::size_t l = 0; l < mine.size(); ++l) {
    const FieldBoxBase& box = field.box(static_cast<int>(l));
    const IndexBox& expected = decomposition.layout().box(mine[l]);
    if (box.layout_index() != mine[l] || box.interior() != expected)
      return "box " + box.interior().to_string() + " where rank " + std::to_string(rank) + " owns " +
             expected.to_string();
  }
  return {};
}

}  // namespace parlayer::domain
