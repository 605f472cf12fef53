#pragma once
/// \file
/// \brief Field<T>: a grid variable's boxes on this rank, each a FieldBox with ghost cells.
///
/// A Field holds every box its rank owns in a Decomposition: zero, one or many (AMReX's MultiFab
/// of FArrayBoxes; field_box.hpp draws one box). Loop over a field's boxes with
/// `for (FieldBox<T>& box : field)`; a kernel called by the overlap driver gets a Tile and reads
/// `field[tile]`. A field with exactly one box on this rank (the default decomposition) also
/// answers `field(i, j, k)`, `field.ptr(...)` and `field.interior()` directly; on a rank with
/// another number of boxes those shortcuts throw std::logic_error naming the field.
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "parlayer/domain/boundary_condition.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/element_type.hpp"
#include "parlayer/domain/field_box.hpp"
#include "parlayer/domain/index_box.hpp"
#include "parlayer/domain/tile.hpp"

namespace parlayer::domain {

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
  /// \brief Renames the field (the name messages and output use). Local.
  void set_name(std::string name) { m_name = std::move(name); }
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
  /// \brief How ghosts next to a box with no owner (all land: see domain::no_owner) are filled,
  ///        as a wall at the coast. Unset (the default): the wall condition of the axis and side
  ///        the ghost lies beyond. Mirror conditions mirror along every axis the ghost lies beyond
  ///        (an edge or corner ghost mirrors the box's own corner cells). Local.
  const BoundaryCondition& land_condition() const noexcept { return m_land; }
  void set_land_condition(BoundaryCondition bc);

  virtual ElementType element_type() const noexcept = 0;

  /// \brief The one box of a field with exactly one box on this rank.
  /// \throws std::logic_error naming the field otherwise (loop over box(local) instead).
  FieldBoxBase& only_box() { return const_cast<FieldBoxBase&>(std::as_const(*this).only_box()); }
  const FieldBoxBase& only_box() const;
  /// \brief Shortcuts for a field with one box on this rank: only_box().interior() etc.
  const IndexBox& interior() const { return only_box().interior(); }
  const IndexBox& allocated() const { return only_box().allocated(); }

  /// \brief True while a transfer that writes this field is in flight (a halo exchange between
  ///        start() and finish(), a redistribution or coupling exchange into it). Set by the
  ///        transfer layer only; while true, the field must not be written (MPI may be reading its
  ///        boundary strip, and finishing writes its ghosts or interior).
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
  BoundaryCondition m_land;
  bool m_in_flight = false;
};

/// \brief Empty if `field` holds exactly `rank`'s boxes of `decomposition` (the same layout
///        boxes, in the same order); otherwise what differs, e.g. "3 boxes where rank 1 owns 2" or
///        "box [0,8)x[0,4) where rank 1 owns [0,8)x[4,8)". The one check every exchange,
///        redistribution, coupling and snapshot makes of the fields it is given. Local.
std::string boxes_mismatch(const FieldBase& field, const Decomposition& decomposition, int rank);

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

// ---- implementation of the templates ----

template <class T>
void Field<T>::copy_from(const Field& other) {
  if (other.box_count() != box_count())
    throw std::invalid_argument("Field::copy_from: '" + other.name() + "' has " + std::to_string(other.box_count()) +
                                " boxes, '" + name() + "' " + std::to_string(box_count()));
  for (std::size_t b = 0; b < m_boxes.size(); ++b) m_boxes[b]->copy_from(*other.m_boxes[b]);
}

}  // namespace parlayer::domain
