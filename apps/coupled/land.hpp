#pragma once
// The land: a slab of surface temperature T with a heat capacity C per unit area on the land cells
// of the ocean's grid, C dT/dt = Q (Q the heat flux into the land). Its own decomposition: the
// ocean's grid in one block per rank of the land component. Sea cells hold 0 and never change.
#include <cstdint>
#include <memory>
#include <vector>

#include "parlayer/coupling/components.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"
#include "parlayer/runtime/reproducible_sum.hpp"
#include "settings.hpp"

namespace coupled {

class LandSlab {
public:
  using Field = parlayer::domain::Field<double>;
  using Mask = parlayer::domain::Field<std::uint8_t>;

  // `wet`: the ocean's wet mask (climate::ShallowWater::wet_mask), one value per cell of the
  // ocean's grid, x fastest. Throws a CollectiveError naming land.dt if it does not divide
  // coupling.interval. Local (the fields exist on the land's ranks only).
  LandSlab(const Settings& s, const parlayer::coupling::Component& component, const std::vector<double>& wet);

  bool here() const { return m_component.here(); }
  const parlayer::domain::Decomposition& decomposition() const { return m_decomposition; }
  // On the land's ranks only (else nullptr / undefined).
  const Mask* mask() const { return m_mask.get(); }
  bool is_land(int local, int i, int j) const { return (*m_mask)[local](i, j) != 0; }
  Field& temperature() { return *m_temperature; }
  const Field& temperature() const { return *m_temperature; }
  double dt() const { return m_dt; }
  std::int64_t steps() const { return m_steps; }  // per coupling interval

  // One coupling interval: steps() steps of T += dt Q / C on the land cells. Local.
  void step(const Field& heat_flux);
  // This rank's exact sum of T over its land cells (x C dx dy: the heat [J]). Local.
  parlayer::runtime::ExactSum temperature_sum() const;

private:
  const parlayer::coupling::Component& m_component;
  double m_heat_capacity = 0.0;
  parlayer::domain::Decomposition m_decomposition;
  std::unique_ptr<Mask> m_mask;
  std::unique_ptr<Field> m_temperature;
  double m_dt = 0.0;
  std::int64_t m_steps = 0;
};

}  // namespace coupled
