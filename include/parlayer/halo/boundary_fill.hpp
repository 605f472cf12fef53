#pragma once
/// \file
/// \brief Filling ghost cells beyond physical walls from a field's BoundaryCondition.
#include "parlayer/domain/field.hpp"
#include "parlayer/halo/halo_plan.hpp"

namespace parlayer::halo {

/// \brief Applies the boundary condition of `box`'s field to one wall's ghost slab of that box.
///        Local.
void fill_wall(domain::FieldBoxBase& box, const Wall& wall);

/// \brief Applies `field`'s boundary conditions at every wall of `plan`, box by box in
///        plan.walls() order. HaloExchange::start() (and for box stencils finish()) calls this;
///        call it yourself only for fields you do not exchange. A custom hook is called with the
///        box and a wall's ghost cells, or in start() with the part of them that mirrors no ghost
///        still in flight; it may read the box's interior and, for box stencils, the other axes'
///        ghosts. Local.
void fill_walls(domain::FieldBase& field, const HaloPlan& plan);

}  // namespace parlayer::halo
