#pragma once
/// \file
/// \brief Filling ghost cells beyond physical walls from a field's BoundaryCondition.
#include "parlayer/domain/field.hpp"
#include "parlayer/halo/halo_plan.hpp"

namespace parlayer::halo {

/// \brief Applies `field`'s boundary condition to one wall's ghost slab. Local.
void fill_wall(domain::FieldBase& field, const Wall& wall);

/// \brief Applies `field`'s boundary conditions at every wall of `plan`, in plan.walls() order.
///        HaloExchange::start() (and for box stencils finish()) calls this; call it yourself only
///        for fields you do not exchange. A custom hook is called with a wall's ghost box, or in
///        start() with the part of it that mirrors no ghost still in flight; it may read the
///        field's interior and, for box stencils, the other axes' ghosts. Local.
void fill_walls(domain::FieldBase& field, const HaloPlan& plan);

}  // namespace parlayer::halo
