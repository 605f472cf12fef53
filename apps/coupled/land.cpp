#include "land.hpp"

#include "parlayer/runtime/parallel_options.hpp"

namespace coupled {

LandSlab::LandSlab(const Settings& s, const parlayer::coupling::Component& component, const std::vector<double>& wet)
    : m_component(component), m_heat_capacity(s.land.heat_capacity),
      m_decomposition(parlayer::runtime::decompose({{s.ocean.p.nx, s.ocean.p.ny}, {true, false}, {}}, component.size(),
                                                   parlayer::runtime::Config::from_settings(s.ocean.config->schema(), {}))),
      m_dt(s.land.dt == 0.0 ? s.interval : s.land.dt),
      m_steps(steps_per_interval(s.interval, m_dt, "land.dt", "given")) {
  if (!here()) return;
  auto is_wet = [&](int i, int j) {
    return wet.empty() || wet[static_cast<std::size_t>(i) + static_cast<std::size_t>(s.ocean.p.nx) * static_cast<std::size_t>(j)] != 0.0;
  };
  m_mask = std::make_unique<Mask>("land", m_decomposition, component.rank(), 0);
  m_temperature = std::make_unique<Field>("temperature", m_decomposition, component.rank(), 0);
  m_temperature->set_units("degC");
  for (int l = 0; l < m_mask->box_count(); ++l) {
    auto& mask = (*m_mask)[l];
    auto& t = (*m_temperature)[l];
    mask.for_each(mask.interior(), [&](int i, int j, int) {
      mask(i, j) = is_wet(i, j) ? 0 : 1;
      t(i, j) = is_wet(i, j) ? 0.0 : s.land.temperature;
    });
  }
}

void LandSlab::step(const Field& heat_flux) {
  const double rate = m_dt / m_heat_capacity;
  for (std::int64_t k = 0; k < m_steps; ++k)
    for (int l = 0; l < m_temperature->box_count(); ++l) {
      auto& t = (*m_temperature)[l];
      const auto& q = heat_flux[l];
      t.for_each(t.interior(), [&](int i, int j, int) {
        if (is_land(l, i, j)) t(i, j) += rate * q(i, j);
      });
    }
}

parlayer::runtime::ExactSum LandSlab::temperature_sum() const {
  parlayer::runtime::ExactSum sum;
  if (!here()) return sum;
  for (int l = 0; l < m_temperature->box_count(); ++l) {
    const auto& t = (*m_temperature)[l];
    t.for_each(t.interior(), [&](int i, int j, int) {
      if (is_land(l, i, j)) sum.add(t(i, j));
    });
  }
  return sum;
}

}  // namespace coupled
