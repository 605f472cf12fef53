#pragma once
/// \file
/// \brief BoundaryCondition: how a field's ghost cells beyond a physical wall are filled.
#include <functional>

#include "parlayer/domain/index_box.hpp"

namespace parlayer::domain {

class FieldBoxBase;

/// \brief Which end of an axis.
enum class Side { low = 0, high = 1 };

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

}  // namespace parlayer::domain
