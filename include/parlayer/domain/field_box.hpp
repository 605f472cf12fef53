#pragma once
/// \file
/// \brief FieldBox<T>: one box of a grid variable with its ghost (halo) cells (AMReX's FArrayBox).
///
/// A Field (field.hpp) holds every box its rank owns; each FieldBox stores one box with its ghosts,
/// laid out as below (ghost width w = 2, 2D shown; z works the same in 3D):
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
/// So the same physics loop works unchanged on any rank count and any layout.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "parlayer/domain/checked.hpp"
#include "parlayer/domain/element_type.hpp"
#include "parlayer/domain/index_box.hpp"

namespace parlayer::domain {

class FieldBase;

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

protected:
  /// \brief Throws std::invalid_argument: `other` has another allocated box (copy_from).
  [[noreturn]] void throw_mismatch(const FieldBoxBase& other) const;

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
  if (other.allocated() != allocated()) throw_mismatch(other);
  std::copy(other.m_data.begin(), other.m_data.end(), m_data.begin());
}


}  // namespace parlayer::domain
