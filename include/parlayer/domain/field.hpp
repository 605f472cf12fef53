#pragma once
/// \file
/// \brief Field<T>: one rank's block of a grid variable, with ghost (halo) cells ("data").
///
/// Layout of one rank's field with ghost width w = 2 (2D shown; z works the same in 3D):
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
/// Cells are addressed with GLOBAL indices everywhere: `f(i, j, k)` for any cell of allocated().
/// So the same physics loop works unchanged on any rank count.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <new>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/index_box.hpp"

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

/// \brief How ghost cells beyond a physical wall are filled (by halo exchange: see halo_exchange.hpp).
///
/// For a ghost cell at distance g = 1..w beyond the wall, with interior cells numbered 0, 1, ...
/// inward from the wall: constant → value; zero_gradient → interior 0; reflect → interior g-1
/// (mirror image about the wall face); reflect_odd → -(interior g-1) (a normal velocity at a
/// free-slip wall); custom → the hook, given the ghost box to fill.
struct BoundaryCondition {
  enum class Kind { none, constant, zero_gradient, reflect, reflect_odd, custom };
  using Hook = std::function<void(FieldBase& field, int axis, Side side, const IndexBox& ghosts)>;

  Kind kind = Kind::none;
  double value = 0.0;
  Hook hook;

  /// \brief Ghosts left untouched (the default).
  static BoundaryCondition none() { return {}; }
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

/// \brief The type-independent part of a field: name, boxes, boundary conditions, raw storage.
///
/// Halo exchange and checkpoint work through this interface, so one exchange or one snapshot can
/// hold fields of different element types. Not copyable (a field is big; copy with Field::clone).
class FieldBase {
public:
  virtual ~FieldBase() = default;
  FieldBase(const FieldBase&) = delete;
  FieldBase& operator=(const FieldBase&) = delete;

  const std::string& name() const noexcept { return m_name; }
  /// \brief Physical units, for self-describing output ("m", "m s-1"); empty if unset.
  const std::string& units() const noexcept { return m_units; }
  void set_units(std::string units) { m_units = std::move(units); }

  /// \brief The cells this rank owns, in global indices.
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
    return (i - m_allocated.lo[0]) + m_stride_y * (j - m_allocated.lo[1]) +
           m_stride_z * (k - m_allocated.lo[2]);
  }
  /// \brief Elements between (i, j, k) and (i, j+1, k), and (i, j, k+1).
  std::int64_t stride_y() const noexcept { return m_stride_y; }
  std::int64_t stride_z() const noexcept { return m_stride_z; }
  /// \brief Global index → index relative to the interior's first cell (ghosts are negative).
  Index3 to_local(const Index3& global) const noexcept;
  /// \brief Inverse of to_local.
  Index3 to_global(const Index3& local) const noexcept;

  /// \brief Boundary condition applied at a wall on (axis, side); none by default.
  const BoundaryCondition& boundary_condition(int axis, Side side) const {
    return m_bc[axis][static_cast<int>(side)];
  }
  void set_boundary_condition(int axis, Side side, BoundaryCondition bc);
  /// \brief The same condition at both ends of `axis`.
  void set_boundary_condition(int axis, const BoundaryCondition& bc);

  virtual ElementType element_type() const noexcept = 0;
  virtual std::byte* bytes() noexcept = 0;
  virtual const std::byte* bytes() const noexcept = 0;
  /// \brief Elements stored (allocated().cells()).
  std::int64_t size() const noexcept { return m_allocated.cells(); }

  /// \brief True between a halo exchange's start() and finish() on this field. Set by
  ///        halo::HaloExchange only; while true, the field must not be written (MPI may be reading
  ///        its boundary strip, and finish() writes its ghosts).
  bool exchange_in_flight() const noexcept { return m_in_flight; }
  void set_exchange_in_flight(bool in_flight) noexcept { m_in_flight = in_flight; }

protected:
  FieldBase(std::string name, const IndexBox& interior, const Index3& ghost_widths);

private:
  std::string m_name;
  std::string m_units;
  IndexBox m_interior;
  Index3 m_ghost;
  IndexBox m_allocated;
  std::int64_t m_stride_y = 0;
  std::int64_t m_stride_z = 0;
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

/// \brief One rank's block of a grid variable of element type T, ghosts included. Local.
template <class T>
class Field final : public FieldBase {
public:
  using value_type = T;

  /// \brief A field over `interior` with `ghost_widths` ghost cells per side, zero-initialised.
  Field(std::string name, const IndexBox& interior, const Index3& ghost_widths)
      : FieldBase(std::move(name), interior, ghost_widths),
        m_data(static_cast<std::size_t>(allocated().cells()), T{}) {}
  /// \brief The block `rank` owns in `decomposition`, with halo width `ghost_width`.
  Field(std::string name, const Decomposition& decomposition, int rank, int ghost_width)
      : Field(std::move(name), decomposition.box_of(rank), decomposition.ghost_widths(ghost_width)) {}

  Field(Field&&) = delete;  // halo exchanges hold the address of a field they have bound

  /// \brief The cell at global (i, j, k); any cell of allocated(). Unchecked.
  T& operator()(int i, int j, int k = 0) noexcept { return m_data[offset(i, j, k)]; }
  const T& operator()(int i, int j, int k = 0) const noexcept { return m_data[offset(i, j, k)]; }
  /// \brief Checked access: throws std::out_of_range outside allocated().
  T& at(const Index3& cell);
  const T& at(const Index3& cell) const { return const_cast<Field&>(*this).at(cell); }

  /// \brief Pointer to global cell (i, j, k); rows are contiguous along x.
  T* ptr(int i, int j, int k = 0) noexcept { return m_data.data() + offset(i, j, k); }
  const T* ptr(int i, int j, int k = 0) const noexcept { return m_data.data() + offset(i, j, k); }
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

  /// \brief Copies values (ghosts included) from a field with the same boxes.
  void copy_from(const Field& other);

  ElementType element_type() const noexcept override { return ElementTypeOf<T>::value; }
  std::byte* bytes() noexcept override { return reinterpret_cast<std::byte*>(m_data.data()); }
  const std::byte* bytes() const noexcept override {
    return reinterpret_cast<const std::byte*>(m_data.data());
  }

private:
  std::vector<T, CacheLineAllocator<T>> m_data;
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

/// \brief Calls fn(i, j, k) for every cell of `box`, x fastest. Local.
template <class Fn>
void for_each_cell(const IndexBox& box, Fn&& fn) {
  for (int k = box.lo[2]; k < box.hi[2]; ++k)
    for (int j = box.lo[1]; j < box.hi[1]; ++j)
      for (int i = box.lo[0]; i < box.hi[0]; ++i) fn(i, j, k);
}

// ---- implementation of the templates ----

template <class T>
T& Field<T>::at(const Index3& cell) {
  if (!allocated().contains(cell))
    throw std::out_of_range("field '" + name() + "': cell (" + std::to_string(cell[0]) + "," +
                            std::to_string(cell[1]) + "," + std::to_string(cell[2]) +
                            ") outside its allocated box " + allocated().to_string());
  return (*this)(cell[0], cell[1], cell[2]);
}

template <class T>
void Field<T>::fill(const T& value, const IndexBox& box) {
  const IndexBox b = box.intersection(allocated());
  for (int k = b.lo[2]; k < b.hi[2]; ++k)
    for (int j = b.lo[1]; j < b.hi[1]; ++j) std::fill_n(ptr(b.lo[0], j, k), b.extent(0), value);
}

template <class T>
template <class Fn>
void Field<T>::for_each(const IndexBox& box, Fn&& fn) const {
  for_each_cell(box, std::forward<Fn>(fn));
}

template <class T>
void Field<T>::copy_from(const Field& other) {
  if (other.allocated() != allocated())
    throw std::invalid_argument("Field::copy_from: '" + other.name() + "' " +
                                other.allocated().to_string() + " does not match '" + name() + "' " +
                                allocated().to_string());
  std::copy(other.m_data.begin(), other.m_data.end(), m_data.begin());
}

}  // namespace parlayer::domain
