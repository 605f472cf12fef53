#pragma once
// The bulk formulas of the air-surface fluxes, per cell of the surface (fine) grid.
//
// Heat fluxes are rounded to multiples of 2^-20 W m-2 (about 1e-6 W m-2, far below anything the
// physics resolves). Then the coupler's area-weighted average onto the atmosphere's grid adds and
// halves exactly (sums of a few such values are exact doubles, and with a power-of-two ratio so
// is the division by the number of fine cells), so the heat the atmosphere loses is the heat the
// surface gains to the last bit (docs/coupled.md, "Conservation").
#include <cmath>

#include "settings.hpp"

namespace coupled {

// The atmosphere's fields the surface needs, at one surface cell.
struct AirAtCell {
  double temperature;  // [degC]
  double u, v;         // wind at the cell centre [m s-1]
};

inline double quantise_flux(double q) { return std::ldexp(std::nearbyint(std::ldexp(q, 20)), -20); }

// Heat flux into the surface [W m-2]: rho_a c_a C_H (|U| + w) (T_a - T_s), rounded (see above).
inline double heat_flux(const BulkSettings& b, double air_density, double air_heat_capacity, const AirAtCell& air,
                        double surface_temperature) {
  const double speed = std::sqrt(air.u * air.u + air.v * air.v);
  return quantise_flux(air_density * air_heat_capacity * b.heat_transfer * (speed + b.gustiness) *
                       (air.temperature - surface_temperature));
}

// Wind stress on the surface [N m-2]: rho_a C_D |U| U, x and y.
inline void wind_stress(const BulkSettings& b, double air_density, const AirAtCell& air, double& tau_x, double& tau_y) {
  const double speed = std::sqrt(air.u * air.u + air.v * air.v);
  tau_x = air_density * b.drag * speed * air.u;
  tau_y = air_density * b.drag * speed * air.v;
}

}  // namespace coupled
