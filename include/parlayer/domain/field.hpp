#pragma once
/// \file
/// \brief Field<T>: a grid variable's boxes on this rank, each a FieldBox with ghost (halo) cells.
///
/// A Field holds every box its rank owns in a Decomposition: zero, one or many (AMReX's MultiFab
/// of FArrayBoxes). Each FieldBox stores one box with its ghosts, laid out as below (ghost width
/// w = 2, 2D shown; z works the same in 3D):
///
///         global i:  lo-2 lo-1  lo  lo+1  ...  hi-2 hi-1  hi  hi+1
///                   +----+----+----+----+-...-+----+----+----+----+
///          hi+1     | g  | g  | g  | g  |     | g  | g  | g  | g  |   g = ghost cell: a copy of a
///          hi       | g  | g  | g  | g  |     | g  | g  | g  | g  |       neighbour's interior, or
///                   +----+----+====+====+=...=+====+====+----+----+       filled by a boundary
///          hi-1     | g  | g  ‖ s  | s  |     | s  | s  ‖ g  | g  |       condition at a wall
///          hi-2     | g  | g  ‖ s  | s  |     | s  | s  ‖ g  | g  |
///           ...     | g  | g  ‖ s  | s  |  d  | s  | s  ‖ g  | g  |   s = boundary strip: interior
///          lo+1     | g  | g  ‖ s  | s  |     | s  | s  ‖ g  | g  |       cells whose stencil reads
///          lo       | g  | g  ‖ s  | s  |     | s  | s  ‖ g  | g  |       ghosts
///                   +----+----+====+====+=...=+====+====+----+----+
///          lo-1     | g  | g  | g  | g  |     | g  | g  | g  | g  |   d = deep interior: computable
///          lo-2     | g  | g  | g  | g  |     | g  | g  | g  | g  |       while ghosts are in flight
///                   +----+----+----+----+-...-+----+----+----+----+
///        global j ↑
///
/// ‖ and = mark interior(); the whole picture is allocated(). The corner ghosts are exchanged by a
/// box stencil only. Storage is contiguous, x fastest, so one row of a box is one memcpy.
///
/// Cells are addressed with GLOBAL indices everywhere: `box(i, j, k)` for any cell of allocated().
/// So the same physics loop works unchanged on any rank count and any layout. Loop over a field's
/// boxes with `for (FieldBox<T>& box : field)`; a kernel called by the overlap driver gets a Tile
/// and reads `field[tile]`. A field with exactly one box on this rank (the default decomposition)
/// also answers `field(i, j, k)`, `field.ptr(...)` and `field.interior()` directly; on a rank with
/// another number of boxes those shortcuts throw std::logic_error naming the field.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <new>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "parlayer/domain/checked.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/index_box.hpp"
#include "parlayer/domain/tile.hpp"

namespace parlayer::domain {

/// \brief The element types a Field may hold (what checkpoint files and MPI messages describe).
enum class ElementType { float32, float64, int32, int64, uint8 };

template <class T>
struct ElementTypeOf;  // defined only for the supported element types
template <> struct ElementTypeOf<float> { static constexpr ElementType value = ElementType::float32; };
template <> struct ElementTypeOf<double> { static constexpr ElementType value = ElementType::float64; };
template <> struct ElementTypeOf<std::int32_t> { static constexpr ElementType value = ElementType::int32; };
template <> struct ElementTypeOf<std::int64_t> { static constexpr ElementType value = ElementType::int64; };
template <> struct ElementTypeOf<std::uint8_t> { static constexpr ElementType value = ElementType::uint8; };

/// \brief "float64" etc.
const char* to_string(ElementType type) noexcept;
/// \brief Bytes per element.
std::size_t size_of(ElementType type) noexcept;

/// \brief Which end of an axis.
enum class Side { low = 0, high = 1 };

class FieldBase;
class FieldBoxBase;

/// \brief How ghost cells beyond a physical wall are filled (by halo exchange: see halo_exchange.hpp).
///
/// For a ghost cell at distance g = 1..w beyond the wall, with interior cells numbered 0, 1, ...
/// inward from the wall: constant → value; zero_gradient → interior 0; reflect → interior g-1
/// (mirror image about the wall face); reflect_odd → -(interior g-1) (a normal velocity at a
/// free-slip wall); custom → the hook, given the box whose ghosts to fill and the ghost cells.
struct BoundaryCondition {
  /// unset: nothing was said (the default); a checked run reports an exchange of a field with an
  /// unset condition at a wall (its wall ghosts would never be filled). none: leave them as they are.
  enum class Kind { unset, none, constant, zero_gradient, reflect, reflect_odd, custom };
  using Hook = std::function<void(FieldBoxBase& box, int axis, Side side, const IndexBox& ghosts)>;

  Kind kind = Kind::unset;
  double value = 0.0;
  Hook hook;

  /// \brief Ghosts left untouched, on purpose (the default, unset, leaves them untouched too, but a
  ///        checked run reports it).
  static BoundaryCondition none() { return {Kind::none, 0.0, {}}; }
  /// \brief Dirichlet: every ghost cell holds `v`.
  static BoundaryCondition constant(double v) { return {Kind::constant, v, {}}; }
  /// \brief Neumann, zero gradient: ghosts copy the interior cell next to the wall.
  static BoundaryCondition zero_gradient() { return {Kind::zero_gradient, 0.0, {}}; }
  /// \brief Even mirror about the wall face.
  static BoundaryCondition reflect() { return {Kind::reflect, 0.0, {}}; }
  /// \brief Odd mirror about the wall face (value changes sign).
  static BoundaryCondition reflect_odd() { return {Kind::reflect_odd, 0.0, {}}; }
  /// \brief A user function fills the ghost box.
  static BoundaryCondition custom(Hook h) { return {Kind::custom, 0.0, std::move(h)}; }
};

/// \brief One box of a field: its interior cells and ghosts, contiguous, x fastest (the diagram
///        above). The type-independent part; FieldBox<T> adds typed access. Not copyable.
class FieldBoxBase {
public:
  virtual ~FieldBoxBase() = default;
  FieldBoxBase(const FieldBoxBase&) = delete;
  FieldBoxBase& operator=(const FieldBoxBase&) = delete;

  /// \brief The field this box belongs to (its name, units, boundary conditions).
  const FieldBase& field() const noexcept { return *m_field; }
  /// \brief This box's index in the decomposition's layout (0 for a field made from one box).
  int layout_index() const noexcept { return m_layout_index; }
  /// \brief The cells of this box, in global indices.
  const IndexBox& interior() const noexcept { return m_interior; }
  /// \brief interior() grown by the ghost widths: every cell stored.
  const IndexBox& allocated() const noexcept { return m_allocated; }
  /// \brief Ghost widths along x, y, z (z is 0 for 2D fields).
  const Index3& ghost_widths() const noexcept { return m_ghost; }
  /// \brief The deep interior and boundary strip for a stencil reaching `width` cells, every side
  ///        peeled. With a halo::HaloExchange prefer its interior_split(), which peels only the
  ///        sides whose ghosts arrive by message (a larger deep interior, no narrow columns).
  InteriorSplit split(int width) const;
  /// \brief The ghost cells as disjoint boxes: faces, edges and corners.
  std::vector<IndexBox> ghost_boxes() const;

  /// \brief Offset of global cell (i, j, k) from data start. The cell must lie in allocated().
  std::int64_t offset(int i, int j, int k) const noexcept {
    return (i - m_allocated.lo[0]) + m_stride_y * (j - m_allocated.lo[1]) + m_stride_z * (k - m_allocated.lo[2]);
  }
  /// \brief Elements between (i, j, k) and (i, j+1, k), and (i, j, k+1).
  std::int64_t stride_y() const noexcept { return m_stride_y; }
  std::int64_t stride_z() const noexcept { return m_stride_z; }
  /// \brief Global index → index relative to the interior's first cell (ghosts are negative).
  Index3 to_local(const Index3& global) const noexcept;
  /// \brief Inverse of to_local.
  Index3 to_global(const Index3& local) const noexcept;

  virtual ElementType element_type() const noexcept = 0;
  virtual std::byte* bytes() noexcept = 0;
  virtual const std::byte* bytes() const noexcept = 0;
  /// \brief Elements stored (allocated().cells()).
  std::int64_t size() const noexcept { return m_allocated.cells(); }

  /// \brief Throws std::out_of_range naming the field, the cell and the box unless (i, j, k) lies
  ///        in allocated(). Local.
  void check_cell(int i, int j, int k) const {
    if (i < m_allocated.lo[0] || i >= m_allocated.hi[0] || j < m_allocated.lo[1] || j >= m_allocated.hi[1] ||
        k < m_allocated.lo[2] || k >= m_allocated.hi[2])
      throw_outside(i, j, k);
  }

protected:
  FieldBoxBase(const FieldBase& field, int layout_index, const IndexBox& interior, const Index3& ghost_widths);

private:
  [[noreturn]] void throw_outside(int i, int j, int k) const;

  const FieldBase* m_field;
  int m_layout_index;
  IndexBox m_interior;
  Index3 m_ghost;
  IndexBox m_allocated;
  std::int64_t m_stride_y = 0;
  std::int64_t m_stride_z = 0;
};

/// \brief The type-independent part of a field: name, units, boundary conditions, its boxes.
///
/// Halo exchange and checkpoint work through this interface, so one exchange or one snapshot can
/// hold fields of different element types. Not copyable, not movable (exchanges hold its address).
class FieldBase {
public:
  virtual ~FieldBase() = default;
  FieldBase(const FieldBase&) = delete;
  FieldBase& operator=(const FieldBase&) = delete;

  const std::string& name() const noexcept { return m_name; }
  /// \brief Physical units, for self-describing output ("m", "m s-1"); empty if unset.
  const std::string& units() const noexcept { return m_units; }
  void set_units(std::string units) { m_units = std::move(units); }

  /// \brief Number of boxes on this rank (0, 1 or many).
  int box_count() const noexcept { return static_cast<int>(m_box_list.size()); }
  /// \brief Local box `local` (0 .. box_count() - 1).
  FieldBoxBase& box(int local) { return *m_box_list.at(static_cast<std::size_t>(local)); }
  const FieldBoxBase& box(int local) const { return *m_box_list.at(static_cast<std::size_t>(local)); }
  /// \brief Ghost widths along x, y, z of every box (z is 0 for 2D fields).
  const Index3& ghost_widths() const noexcept { return m_ghost; }

  /// \brief Boundary condition applied at a wall on (axis, side); none by default.
  const BoundaryCondition& boundary_condition(int axis, Side side) const { return m_bc[axis][static_cast<int>(side)]; }
  void set_boundary_condition(int axis, Side side, BoundaryCondition bc);
  /// \brief The same condition at both ends of `axis`.
  void set_boundary_condition(int axis, const BoundaryCondition& bc);

  virtual ElementType element_type() const noexcept = 0;

  /// \brief The one box of a field with exactly one box on this rank.
  /// \throws std::logic_error naming the field otherwise (loop over box(local) instead).
  FieldBoxBase& only_box() { return const_cast<FieldBoxBase&>(std::as_const(*this).only_box()); }
  const FieldBoxBase& only_box() const;
  /// \brief Shortcuts for a field with one box on this rank: only_box().interior() etc.
  const IndexBox& interior() const { return only_box().interior(); }
  const IndexBox& allocated() const { return only_box().allocated(); }

  /// \brief True between a halo exchange's start() and finish() on this field. Set by
  ///        halo::HaloExchange only; while true, the field must not be written (MPI may be reading
  ///        its boundary strip, and finish() writes its ghosts).
  bool exchange_in_flight() const noexcept { return m_in_flight; }
  void set_exchange_in_flight(bool in_flight) noexcept { m_in_flight = in_flight; }

protected:
  FieldBase(std::string name, const Index3& ghost_widths);
  std::vector<FieldBoxBase*> m_box_list;  // filled by Field<T>

private:
  std::string m_name;
  std::string m_units;
  Index3 m_ghost;
  BoundaryCondition m_bc[3][2];
  bool m_in_flight = false;
};

namespace detail {
/// \brief Storage for field data: 64-byte aligned; blocks of 2 MiB or more are 2 MiB aligned and
///        marked for transparent huge pages (madvise), which saves TLB misses in stencil sweeps.
void* allocate_field_storage(std::size_t bytes);
/// \brief Frees what allocate_field_storage(bytes) returned.
void free_field_storage(void* p, std::size_t bytes) noexcept;
}  // namespace detail

/// \brief Allocator for field data (see detail::allocate_field_storage).
template <class T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(detail::allocate_field_storage(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { detail::free_field_storage(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const CacheLineAllocator<U>&) const noexcept { return true; }
};

/// \brief One box of a grid variable of element type T, ghosts included. Local.
template <class T>
class FieldBox final : public FieldBoxBase {
public:
  using value_type = T;

  /// \brief Zero-initialised storage for `interior` grown by `ghost_widths`.
  FieldBox(const FieldBase& field, int layout_index, const IndexBox& interior, const Index3& ghost_widths)
      : FieldBoxBase(field, layout_index, interior, ghost_widths),
        m_data(static_cast<std::size_t>(allocated().cells()), T{}) {}

  /// \brief The cell at global (i, j, k); any cell of allocated(). Unchecked, except in a checked
  ///        build (PARLAYER_CHECKED), where a cell outside allocated() throws std::out_of_range.
  T& operator()(int i, int j, int k = 0) noexcept(!checked_build) {
    if constexpr (checked_build) check_cell(i, j, k);
    return m_data[offset(i, j, k)];
  }
  const T& operator()(int i, int j, int k = 0) const noexcept(!checked_build) {
    if constexpr (checked_build) check_cell(i, j, k);
    return m_data[offset(i, j, k)];
  }
  /// \brief Checked access: throws std::out_of_range outside allocated().
  T& at(const Index3& cell);
  const T& at(const Index3& cell) const { return const_cast<FieldBox&>(*this).at(cell); }

  /// \brief Pointer to global cell (i, j, k); rows are contiguous along x. In a checked build the
  ///        cell must lie in allocated() (what the pointer is then used for is not checked).
  T* ptr(int i, int j, int k = 0) noexcept(!checked_build) {
    if constexpr (checked_build) check_cell(i, j, k);
    return m_data.data() + offset(i, j, k);
  }
  const T* ptr(int i, int j, int k = 0) const noexcept(!checked_build) {
    if constexpr (checked_build) check_cell(i, j, k);
    return m_data.data() + offset(i, j, k);
  }
  T* data() noexcept { return m_data.data(); }
  const T* data() const noexcept { return m_data.data(); }
  std::span<T> values() noexcept { return m_data; }
  std::span<const T> values() const noexcept { return m_data; }

  /// \brief Sets every cell of `box` (clipped to allocated()) to `value`.
  void fill(const T& value, const IndexBox& box);
  /// \brief Sets every stored cell, ghosts included, to `value`.
  void fill(const T& value) { std::fill(m_data.begin(), m_data.end(), value); }
  /// \brief Calls fn(i, j, k) for every cell of `box`, x fastest.
  template <class Fn>
  void for_each(const IndexBox& box, Fn&& fn) const;
  /// \brief Copies values (ghosts included) from a box with the same allocated box.
  void copy_from(const FieldBox& other);

  ElementType element_type() const noexcept override { return ElementTypeOf<T>::value; }
  std::byte* bytes() noexcept override { return reinterpret_cast<std::byte*>(m_data.data()); }
  const std::byte* bytes() const noexcept override { return reinterpret_cast<const std::byte*>(m_data.data()); }

private:
  std::vector<T, CacheLineAllocator<T>> m_data;
};

/// \brief A grid variable of element type T: every box this rank owns, each with ghosts. Local.
///
///     Field<double> T("T", decomposition, rank, 1);          // this rank's boxes, 1 ghost layer
///     for (FieldBox<double>& box : T)                         // every local box
///       box.for_each(box.interior(), [&](int i, int j, int) { box(i, j) = initial(i, j); });
template <class T>
class Field final : public FieldBase {
public:
  using value_type = T;
  using Box = FieldBox<T>;

  /// \brief The boxes `rank` owns in `decomposition` (possibly none), with halo width
  ///        `ghost_width`, zero-initialised.
  Field(std::string name, const Decomposition& decomposition, int rank, int ghost_width)
      : FieldBase(std::move(name), decomposition.ghost_widths(ghost_width)) {
    for (const int b : decomposition.boxes_of(rank)) add_box(b, decomposition.layout().box(b));
  }
  /// \brief A field of one box `interior` with `ghost_widths` ghost cells per side.
  Field(std::string name, const IndexBox& interior, const Index3& ghost_widths)
      : FieldBase(std::move(name), ghost_widths) {
    add_box(0, interior);
  }

  /// \brief Local box `local`, or the box a tile lies in.
  Box& operator[](int local) { return *m_boxes.at(static_cast<std::size_t>(local)); }
  const Box& operator[](int local) const { return *m_boxes.at(static_cast<std::size_t>(local)); }
  Box& operator[](const Tile& tile) { return *m_boxes[static_cast<std::size_t>(tile.local)]; }
  const Box& operator[](const Tile& tile) const { return *m_boxes[static_cast<std::size_t>(tile.local)]; }

  /// \brief Iterates over the local boxes as FieldBox<T>&.
  auto begin() { return BoxIterator<Box>{m_boxes.data()}; }
  auto end() { return BoxIterator<Box>{m_boxes.data() + m_boxes.size()}; }
  auto begin() const { return BoxIterator<const Box>{m_boxes.data()}; }
  auto end() const { return BoxIterator<const Box>{m_boxes.data() + m_boxes.size()}; }

  /// \brief The one box (see FieldBase::only_box).
  Box& only() { return static_cast<Box&>(only_box()); }
  const Box& only() const { return static_cast<const Box&>(only_box()); }
  /// \brief Shortcuts for a field with one box on this rank (throw std::logic_error otherwise).
  T& operator()(int i, int j, int k = 0) { return only()(i, j, k); }
  const T& operator()(int i, int j, int k = 0) const { return only()(i, j, k); }
  T& at(const Index3& cell) { return only().at(cell); }
  const T& at(const Index3& cell) const { return only().at(cell); }
  T* ptr(int i, int j, int k = 0) { return only().ptr(i, j, k); }
  const T* ptr(int i, int j, int k = 0) const { return only().ptr(i, j, k); }
  template <class Fn>
  void for_each(const IndexBox& box, Fn&& fn) const { only().for_each(box, std::forward<Fn>(fn)); }
  void fill(const T& value, const IndexBox& box) { only().fill(value, box); }

  /// \brief Sets every stored cell of every box, ghosts included, to `value`.
  void fill(const T& value) {
    for (auto& b : m_boxes) b->fill(value);
  }
  /// \brief Copies values (ghosts included) from a field with the same boxes.
  void copy_from(const Field& other);

  ElementType element_type() const noexcept override { return ElementTypeOf<T>::value; }

private:
  template <class B>
  struct BoxIterator {
    const std::unique_ptr<Box>* p;
    B& operator*() const { return **p; }
    B* operator->() const { return p->get(); }
    BoxIterator& operator++() { return ++p, *this; }
    bool operator==(const BoxIterator&) const = default;
  };
  void add_box(int layout_index, const IndexBox& interior) {
    m_boxes.push_back(std::make_unique<Box>(*this, layout_index, interior, ghost_widths()));
    m_box_list.push_back(m_boxes.back().get());
  }
  std::vector<std::unique_ptr<Box>> m_boxes;
};

/// \brief Calls fn(field) with `field` cast to its concrete Field<T>&. Local.
template <class Fn>
decltype(auto) visit_field(FieldBase& field, Fn&& fn) {
  switch (field.element_type()) {
    case ElementType::float32: return fn(static_cast<Field<float>&>(field));
    case ElementType::float64: return fn(static_cast<Field<double>&>(field));
    case ElementType::int32: return fn(static_cast<Field<std::int32_t>&>(field));
    case ElementType::int64: return fn(static_cast<Field<std::int64_t>&>(field));
    case ElementType::uint8: return fn(static_cast<Field<std::uint8_t>&>(field));
  }
  throw std::logic_error("visit_field: unknown element type");
}

/// \brief Calls fn(box) with `box` cast to its concrete FieldBox<T>&. Local.
template <class Fn>
decltype(auto) visit_box(FieldBoxBase& box, Fn&& fn) {
  switch (box.element_type()) {
    case ElementType::float32: return fn(static_cast<FieldBox<float>&>(box));
    case ElementType::float64: return fn(static_cast<FieldBox<double>&>(box));
    case ElementType::int32: return fn(static_cast<FieldBox<std::int32_t>&>(box));
    case ElementType::int64: return fn(static_cast<FieldBox<std::int64_t>&>(box));
    case ElementType::uint8: return fn(static_cast<FieldBox<std::uint8_t>&>(box));
  }
  throw std::logic_error("visit_box: unknown element type");
}

// ---- implementation of the templates ----

template <class T>
T& FieldBox<T>::at(const Index3& cell) {
  check_cell(cell[0], cell[1], cell[2]);
  return m_data[offset(cell[0], cell[1], cell[2])];
}

template <class T>
void FieldBox<T>::fill(const T& value, const IndexBox& box) {
  const IndexBox b = box.intersection(allocated());
  for (int k = b.lo[2]; k < b.hi[2]; ++k)
    for (int j = b.lo[1]; j < b.hi[1]; ++j) std::fill_n(ptr(b.lo[0], j, k), b.extent(0), value);
}

template <class T>
template <class Fn>
void FieldBox<T>::for_each(const IndexBox& box, Fn&& fn) const {
  for_each_cell(box, std::forward<Fn>(fn));
}

template <class T>
void FieldBox<T>::copy_from(const FieldBox& other) {
  if (other.allocated() != allocated())
    throw std::invalid_argument("Field::copy_from: '" + other.field().name() + "' " + other.allocated().to_string() +
                                " does not match '" + field().name() + "' " + allocated().to_string());
  std::copy(other.m_data.begin(), other.m_data.end(), m_data.begin());
}

template <class T>
void Field<T>::copy_from(const Field& other) {
  if (other.box_count() != box_count())
    throw std::invalid_argument("Field::copy_from: '" + other.name() + "' has " + std::to_string(other.box_count()) +
                                " boxes, '" + name() + "' " + std::to_string(box_count()));
  for (std::size_t b = 0; b < m_boxes.size(); ++b) m_boxes[b]->copy_from(*other.m_boxes[b]);
}

}  // namespace parlayer::domain
