#include "parlayer/halo/boundary_fill.hpp"

namespace parlayer::halo {

namespace {

using domain::BoundaryCondition;
using domain::Side;

// The axes a wall's ghosts are mirrored along: its own axis, or for a coast every axis the piece
// lies beyond (an edge or corner piece mirrors the box's own corner, so it reads only the interior).
template <class T>
void fill_wall_typed(domain::FieldBox<T>& f, const Wall& wall, const BoundaryCondition& bc) {
  domain::Index3 beyond{0, 0, 0};
  if (wall.land)
    beyond = wall.beyond;
  else
    beyond[wall.axis] = wall.side == Side::low ? -1 : 1;
  const IndexBox& in = f.interior();
  domain::for_each_cell(wall.ghosts, [&](int i, int j, int k) {
    if (bc.kind == BoundaryCondition::Kind::constant) {
      f(i, j, k) = static_cast<T>(bc.value);
      return;
    }
    domain::Index3 src{i, j, k};
    for (int a = 0; a < 3; ++a) {
      if (beyond[a] == 0) continue;
      const bool low = beyond[a] < 0;
      // g = 1 for the ghost next to the wall; its mirror image is the interior cell g-1 inward.
      const int g = low ? in.lo[a] - src[a] : src[a] - in.hi[a] + 1;
      switch (bc.kind) {
        case BoundaryCondition::Kind::zero_gradient: src[a] = low ? in.lo[a] : in.hi[a] - 1; break;
        case BoundaryCondition::Kind::reflect:
        case BoundaryCondition::Kind::reflect_odd: src[a] = low ? in.lo[a] + g - 1 : in.hi[a] - g; break;
        default: return;
      }
    }
    const T v = f(src[0], src[1], src[2]);
    f(i, j, k) = bc.kind == BoundaryCondition::Kind::reflect_odd ? static_cast<T>(-v) : v;
  });
}

}  // namespace

void fill_wall(domain::FieldBoxBase& box, const Wall& wall) {
  const domain::FieldBase& field = box.field();
  const bool own_land = wall.land && field.land_condition().kind != BoundaryCondition::Kind::unset;
  const BoundaryCondition& bc = own_land ? field.land_condition() : field.boundary_condition(wall.axis, wall.side);
  switch (bc.kind) {
    case BoundaryCondition::Kind::unset:
    case BoundaryCondition::Kind::none: return;
    case BoundaryCondition::Kind::custom: bc.hook(box, wall.axis, wall.side, wall.ghosts); return;
    default:
      domain::visit_box(box, [&](auto& typed) { fill_wall_typed(typed, wall, bc); });
  }
}

void fill_walls(domain::FieldBase& field, const HaloPlan& plan) {
  plan.check_compatible(field);
  for (const Wall& wall : plan.walls()) fill_wall(field.box(wall.box), wall);
}

}  // namespace parlayer::halo
