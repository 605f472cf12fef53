#include "coupler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "bulk.hpp"
#include "output.hpp"  // parlayer-climate's snapshot fields
#include "parlayer/balance/weights.hpp"
#include "parlayer/error.hpp"
#include "parlayer/parallel/collective.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/runtime/log.hpp"
#include "parlayer/runtime/parallel_options.hpp"
#include "parlayer/parallel/interop.hpp"

namespace coupled {

using parlayer::CollectiveError;
using parlayer::coupling::Exchange;
using parlayer::coupling::PendingExchange;
using parlayer::domain::Decomposition;
using parlayer::domain::IndexBox;
using parlayer::runtime::ExactSum;
using parlayer::runtime::format;

namespace {

// The channel (periodic in x, walls in y) decomposed as parlayer-climate does: [<c>.parallel]
// keys, and with continents and parallel.box_size, boxes without a wet cell get no owner.
Decomposition decompose_channel(const LayerSettings& s, int ranks, const std::vector<double>& wet) {
  const climate::Parameters& p = s.p;
  Decomposition d = parlayer::runtime::decompose({{p.nx, p.ny}, {true, false}, {}}, ranks, *s.config);
  if (wet.empty() || !p.eliminate_land || s.parallel.box_size.empty()) return d;
  const std::vector<double> weights = parlayer::balance::box_weights(d.layout(), wet);
  return {d.layout(), parlayer::balance::weighted_ownership(d.layout(), ranks, weights, s.parallel.distribution)};
}

// Runs `step` on every rank and throws the same CollectiveError on every rank of `comm` if it
// failed on any (a component's failure must not leave the others waiting).
template <class F>
void agreed(MPI_Comm comm, F&& step) {
  if (const parlayer::parallel::Failure why = parlayer::parallel::agree(comm, parlayer::parallel::attempt(step)))
    throw CollectiveError(*why);
}

double max_over(MPI_Comm comm, double x) { return parlayer::runtime::global_max(x, comm); }

std::unique_ptr<Field> field_on(const std::string& name, const Decomposition& d, int rank, int ghosts = 0) {
  if (rank < 0) return nullptr;
  return std::make_unique<Field>(name, d, rank, ghosts);
}

// Visits every interior cell of every box of `f` (its local box index and global i, j).
template <class F>
void for_cells(const Field& f, F&& body) {
  for (int l = 0; l < f.box_count(); ++l) {
    const IndexBox& b = f.box(l).interior();
    for (int j = b.lo[1]; j < b.hi[1]; ++j)
      for (int i = b.lo[0]; i < b.hi[0]; ++i) body(l, i, j);
  }
}

}  // namespace

Layer::Layer(const LayerSettings& s, const parlayer::coupling::Component& c)
    : settings(s), component(c), wet(climate::ShallowWater::wet_mask(s.p)), decomposition([&] {
        try {
          return decompose_channel(s, c.size(), wet);
        } catch (const CollectiveError& e) {
          throw in_component(s.name, e);
        }
      }()) {}

CoupledModel::CoupledModel(const Settings& s, const parlayer::coupling::Components& components, ComponentTiming& timing)
    : m_s(s), m_components(components), m_timing(timing) {
  const MPI_Comm parent = components.parent();
  m_atmosphere = std::make_unique<Layer>(s.atmosphere, components["atmosphere"]);
  m_ocean = std::make_unique<Layer>(s.ocean, components["ocean"]);
  m_ratio = {s.ocean.p.nx / s.atmosphere.p.nx, s.ocean.p.ny / s.atmosphere.p.ny, 1};
  m_fine_per_coarse = std::int64_t{m_ratio[0]} * m_ratio[1];

  // The models, their initial states (temperatures from tracer.pattern) and time steps.
  for (Layer* layer : {m_atmosphere.get(), m_ocean.get()}) {
    Layer& L = *layer;
    agreed(parent, [&] {
      if (!L.here()) return;
      try {
        const MPI_Comm comm = L.component.communicator().get();
        L.threads = std::make_unique<parlayer::parallel::ThreadPool>(L.settings.parallel.threads);
        L.exchange = std::make_unique<parlayer::halo::HaloExchange>(
            parlayer::runtime::make_halo_plan(L.decomposition, L.rank(), climate::ShallowWater::halo_width,
                                              climate::ShallowWater::stencil, *L.settings.config),
            comm, L.settings.parallel.backend);
        const parlayer::halo::StepOptions how{L.settings.parallel.overlap, L.threads.get(), L.settings.parallel.tile_size};
        L.model = std::make_unique<climate::ShallowWater>(L.settings.p, L.decomposition, L.rank(), *L.exchange, how);
        L.model->initialise();
        const double south = L.settings.temperature_south, north = L.settings.temperature_north;
        Field& t = L.model->state().tracer;
        for_cells(t, [&](int l, int i, int j) {
          const bool wet = L.wet.empty() || L.wet[static_cast<std::size_t>(i) + static_cast<std::size_t>(L.settings.p.nx) * static_cast<std::size_t>(j)] != 0.0;
          t[l](i, j) = wet ? south + (north - south) * t[l](i, j) : 0.0;
        });
        const climate::LocalDiagnostics d = L.model->local_diagnostics();
        const double h_min = -parlayer::runtime::global_max(-d.h_min, comm);
        if (!(h_min > 0))
          throw L.settings.config->error("initial.state", format("gives a layer thickness h_min = %g m <= 0", h_min));
        L.dt = climate::choose_time_step(L.settings.p, *L.settings.config,
                                         parlayer::runtime::global_max(d.h_max, comm),
                                         parlayer::runtime::global_max(d.speed_max, comm));
        if (L.settings.p.dt == 0.0) {
          // Automatic: the largest stable step interval / k that k steps add up to exactly (3600 / 14
          // is not such a step; 3600 / 15 is).
          double k = std::ceil(s.interval / L.dt);
          while (k < 1e9 && (s.interval / k) * k != s.interval) ++k;
          L.dt = s.interval / k;
        }
        L.steps = steps_per_interval(s.interval, L.dt, L.settings.name + ".time.dt",
                                     L.settings.p.dt == 0.0 ? "automatic" : "given");
        L.model->set_dt(L.dt);
      } catch (const CollectiveError& e) {
        throw in_component(L.settings.name, e);
      }
    });
    L.dt = max_over(parent, L.dt);  // every rank knows every time step (for the log)
    L.steps = static_cast<std::int64_t>(max_over(parent, static_cast<double>(L.steps)));
  }
  m_land = std::make_unique<LandSlab>(s, components["land"], m_ocean->wet);

  // The fields.
  const int a = m_atmosphere->rank(), o = m_ocean->rank(), g = components["land"].rank();
  const Decomposition &da = m_atmosphere->decomposition, &dob = m_ocean->decomposition, &dl = m_land->decomposition();
  m_air_t = field_on("air_temperature", da, a);
  m_air_u = field_on("air_u", da, a);
  m_air_v = field_on("air_v", da, a);
  m_got_q_ocean = field_on("heat_flux_ocean", da, a);
  m_got_q_land = field_on("heat_flux_land", da, a);
  m_got_t_ocean = field_on("sst_part", da, a);
  m_got_t_land = field_on("land_t_part", da, a);
  m_air_heating = field_on("heating", da, a);
  m_air_surface_temperature = field_on("surface_temperature", da, a);
  for (Field* f : {m_air_heating.get(), m_air_surface_temperature.get()})
    if (f) f->fill(0.0);
  const std::vector<double>& wet = m_ocean->wet;
  auto is_wet = [&](int i, int j) {
    return wet.empty() || wet[static_cast<std::size_t>(i) + static_cast<std::size_t>(s.ocean.p.nx) * static_cast<std::size_t>(j)] != 0.0;
  };
  if (o >= 0) {
    m_water = std::make_unique<Mask>("water", dob, o, 0);
    for (auto& box : *m_water) box.for_each(box.interior(), [&](int i, int j, int) { box(i, j) = is_wet(i, j) ? 1 : 0; });
  }
  m_ocean_air_t = field_on("air_temperature", dob, o);
  m_ocean_air_u = field_on("air_u", dob, o);
  m_ocean_air_v = field_on("air_v", dob, o);
  m_ocean_flux = field_on("heat_flux", dob, o);
  m_sst = field_on("sst", dob, o);
  m_stress_x = field_on("stress_x", dob, o, climate::ShallowWater::halo_width);
  m_stress_y = field_on("stress_y", dob, o, climate::ShallowWater::halo_width);
  for (Field* f : {m_ocean_air_t.get(), m_ocean_air_u.get(), m_ocean_air_v.get(), m_ocean_flux.get(), m_sst.get(),
                   m_stress_x.get(), m_stress_y.get()})
    if (f) f->fill(0.0);
  for (Field* f : {m_stress_x.get(), m_stress_y.get()})
    if (f) f->set_boundary_condition(1, parlayer::domain::BoundaryCondition::reflect());
  // Boxes without an owner are land: a snapshot writes their cells with the field's land value.
  for (Field* f : {m_ocean_air_t.get(), m_ocean_air_u.get(), m_ocean_air_v.get(), m_ocean_flux.get(), m_sst.get(),
                   m_stress_x.get(), m_stress_y.get()})
    if (f) f->set_land_condition(parlayer::domain::BoundaryCondition::constant(0.0));
  m_land_air_t = field_on("air_temperature", dl, g);
  m_land_air_u = field_on("air_u", dl, g);
  m_land_air_v = field_on("air_v", dl, g);
  m_land_flux = field_on("heat_flux", dl, g);
  m_land_surface_t = field_on("land_surface_temperature", dl, g);
  for (Field* f : {m_land_air_t.get(), m_land_air_u.get(), m_land_air_v.get(), m_land_flux.get(), m_land_surface_t.get()})
    if (f) f->fill(0.0);

  for (Field* f : {m_air_heating.get(), m_ocean_flux.get(), m_land_flux.get()})
    if (f) f->set_units("W m-2");
  for (Field* f : {m_stress_x.get(), m_stress_y.get()})
    if (f) f->set_units("N m-2");
  if (m_air_surface_temperature) m_air_surface_temperature->set_units("degC");

  // The exchanges, declared once. A: expanded onto the fine grid, over water (ocean) or land
  // (land) only. D: averaged onto the coarse grid over all fine cells; each side holds 0 on the
  // other's cells, so the two averages add up to the area-weighted mean of the whole surface.
  const parlayer::coupling::ExchangeOptions masked{.masked = true, .fill = 0.0};
  for (int k = 0; k < 3; ++k) {
    m_air_to_ocean.emplace_back(components, "atmosphere", da, "ocean", dob, masked, m_water.get());
    m_air_to_land.emplace_back(components, "atmosphere", da, "land", dl, masked, m_land->mask());
  }
  m_surface_to_air.emplace_back(components, "ocean", dob, "atmosphere", da);
  m_surface_to_air.emplace_back(components, "ocean", dob, "atmosphere", da);
  m_surface_to_air.emplace_back(components, "land", dl, "atmosphere", da);
  m_surface_to_air.emplace_back(components, "land", dl, "atmosphere", da);
}

CoupledModel::~CoupledModel() = default;

int CoupledModel::source_or_target(int source, int target) const {
  return m_components.all()[static_cast<std::size_t>(target)].here() ? target : source;
}

std::vector<PendingExchange> CoupledModel::start_air() {
  std::vector<PendingExchange> pending;
  m_timing.measure(source_or_target(atmosphere, ocean), ComponentTiming::couple, [&] {
    Field* ocean_targets[] = {m_ocean_air_t.get(), m_ocean_air_u.get(), m_ocean_air_v.get()};
    Field* land_targets[] = {m_land_air_t.get(), m_land_air_u.get(), m_land_air_v.get()};
    const Field* sources[] = {m_air_t.get(), m_air_u.get(), m_air_v.get()};
    for (std::size_t k = 0; k < 3; ++k) {
      pending.push_back(m_air_to_ocean[k].start(sources[k], ocean_targets[k]));
      pending.push_back(m_air_to_land[k].start(sources[k], land_targets[k]));
    }
  });
  return pending;
}

std::vector<PendingExchange> CoupledModel::start_surface() {
  std::vector<PendingExchange> pending;
  m_timing.measure(source_or_target(ocean, atmosphere), ComponentTiming::couple, [&] {
    pending.push_back(m_surface_to_air[0].start(m_ocean_flux.get(), m_got_q_ocean.get()));
    pending.push_back(m_surface_to_air[1].start(m_sst.get(), m_got_t_ocean.get()));
    pending.push_back(m_surface_to_air[2].start(m_land_flux.get(), m_got_q_land.get()));
    pending.push_back(m_surface_to_air[3].start(m_land_surface_t.get(), m_got_t_land.get()));
  });
  return pending;
}

void CoupledModel::finish(std::vector<PendingExchange>& pending, const std::vector<int>& owners) {
  for (std::size_t k = 0; k < pending.size(); ++k)
    m_timing.measure(owners[k], ComponentTiming::wait, [&] { pending[k].finish(); });
  pending.clear();
}

void CoupledModel::export_air() {
  if (!m_atmosphere->here()) return;
  m_timing.measure(atmosphere, ComponentTiming::couple, [&] {
    climate::State& s = m_atmosphere->model->state();
    m_atmosphere->exchange->exchange(s.u, s.v);  // centre winds read u(i+1) and v(j+1)
    for_cells(*m_air_t, [&](int l, int i, int j) {
      (*m_air_t)[l](i, j) = s.tracer[l](i, j);
      (*m_air_u)[l](i, j) = 0.5 * (s.u[l](i, j) + s.u[l](i + 1, j));
      (*m_air_v)[l](i, j) = 0.5 * (s.v[l](i, j) + s.v[l](i, j + 1));
    });
  });
}

void CoupledModel::surface_fluxes() {
  const double rho = m_s.atmosphere.density, c = m_s.atmosphere.heat_capacity;
  ExactSum surface;
  double magnitude = 0.0;
  if (m_ocean->here())
    m_timing.measure(ocean, ComponentTiming::couple, [&] {
      const Field& sst = m_ocean->model->state().tracer;
      for_cells(*m_ocean_flux, [&](int l, int i, int j) {
        double q = 0.0, tx = 0.0, ty = 0.0;
        if ((*m_water)[l](i, j)) {
          const AirAtCell air{(*m_ocean_air_t)[l](i, j), (*m_ocean_air_u)[l](i, j), (*m_ocean_air_v)[l](i, j)};
          q = heat_flux(m_s.bulk, rho, c, air, sst[l](i, j));
          wind_stress(m_s.bulk, rho, air, tx, ty);
        }
        (*m_ocean_flux)[l](i, j) = q;
        (*m_sst)[l](i, j) = (*m_water)[l](i, j) ? sst[l](i, j) : 0.0;
        (*m_stress_x)[l](i, j) = tx;
        (*m_stress_y)[l](i, j) = ty;
        surface.add(q);
        magnitude += std::fabs(q);
      });
    });
  if (m_land->here())
    m_timing.measure(land, ComponentTiming::couple, [&] {
      const Field& t = m_land->temperature();
      for_cells(*m_land_flux, [&](int l, int i, int j) {
        double q = 0.0;
        const bool here = m_land->is_land(l, i, j);
        if (here) {
          const AirAtCell air{(*m_land_air_t)[l](i, j), (*m_land_air_u)[l](i, j), (*m_land_air_v)[l](i, j)};
          q = heat_flux(m_s.bulk, rho, c, air, t[l](i, j));
        }
        (*m_land_flux)[l](i, j) = q;
        (*m_land_surface_t)[l](i, j) = here ? t[l](i, j) : 0.0;
        surface.add(q);
        magnitude += std::fabs(q);
      });
    });
  m_flux_difference.push_back(surface);
  m_flux_surface.push_back(surface);
  m_flux_magnitude.push_back(magnitude);
  m_in_transit = surface;
}

void CoupledModel::absorb_surface() {
  if (!m_atmosphere->here()) return;
  m_timing.measure(atmosphere, ComponentTiming::couple, [&] {
    ExactSum lost;
    const double n = static_cast<double>(m_fine_per_coarse);
    for_cells(*m_air_heating, [&](int l, int i, int j) {
      const double q = (*m_got_q_ocean)[l](i, j) + (*m_got_q_land)[l](i, j);
      (*m_air_heating)[l](i, j) = -q;
      (*m_air_surface_temperature)[l](i, j) = (*m_got_t_ocean)[l](i, j) + (*m_got_t_land)[l](i, j);
      lost.add(-n * q);
    });
    m_flux_difference.back() += lost;
  });
}

void CoupledModel::step_atmosphere() {
  if (!m_atmosphere->here()) return;
  m_timing.measure(atmosphere, ComponentTiming::busy, [&] {
    climate::SurfaceForcing forcing{nullptr, nullptr, m_air_heating.get(), m_s.atmosphere.density,
                                    m_s.atmosphere.heat_capacity};
    for (std::int64_t k = 0; k < m_atmosphere->steps; ++k) {
      m_atmosphere->model->step();
      m_atmosphere->model->apply_forcing(forcing);
    }
  });
}

void CoupledModel::step_ocean() {
  if (!m_ocean->here()) return;
  m_timing.measure(ocean, ComponentTiming::busy, [&] {
    climate::SurfaceForcing forcing{m_stress_x.get(), m_stress_y.get(), m_ocean_flux.get(), m_s.ocean.density,
                                    m_s.ocean.heat_capacity};
    for (std::int64_t k = 0; k < m_ocean->steps; ++k) {
      m_ocean->model->step();
      m_ocean->model->apply_forcing(forcing);
    }
  });
}

void CoupledModel::step_land() {
  if (m_land->here()) m_timing.measure(land, ComponentTiming::busy, [&] { m_land->step(*m_land_flux); });
}

void CoupledModel::start() {
  // No heat flux in transit at time 0: the atmosphere's first interval has none (see advance()).
  if (m_s.schedule == Schedule::concurrent) {
    export_air();
    std::vector<PendingExchange> air = start_air();
    finish(air, std::vector<int>(air.size(), source_or_target(atmosphere, ocean)));
  }
}

void CoupledModel::advance() {
  const int air_owner = source_or_target(atmosphere, ocean);
  const int surface_owner = source_or_target(ocean, atmosphere);
  if (m_s.schedule == Schedule::sequential) {
    step_atmosphere();
    export_air();
    std::vector<PendingExchange> air = start_air();
    finish(air, std::vector<int>(air.size(), air_owner));
    surface_fluxes();
    step_ocean();
    step_land();
    std::vector<PendingExchange> surface = start_surface();
    finish(surface, std::vector<int>(surface.size(), surface_owner));
    absorb_surface();
    return;
  }
  // Concurrent: every send starts before the computing and finishes after it.
  export_air();
  surface_fluxes();  // from the A of the previous coupling time
  std::vector<PendingExchange> air = start_air();
  std::vector<PendingExchange> surface = start_surface();
  step_atmosphere();
  step_ocean();
  step_land();
  finish(air, std::vector<int>(air.size(), air_owner));
  finish(surface, std::vector<int>(surface.size(), surface_owner));
  absorb_surface();
}

std::vector<parlayer::checkpoint::FieldToRead> CoupledModel::state_fields(ComponentIndex c) {
  std::vector<parlayer::checkpoint::FieldToRead> fields;
  if (c == land) {
    if (!m_land->here()) return fields;
    return {{"temperature", &m_land->temperature()}, {"air_temperature", m_land_air_t.get()},
            {"air_u", m_land_air_u.get()}, {"air_v", m_land_air_v.get()}, {"heat_flux", m_land_flux.get()}};
  }
  Layer& L = layer(c);
  if (!L.here()) return fields;
  climate::State& s = L.model->state();
  fields = {{"h", &s.h}, {"u", &s.u}, {"v", &s.v}, {"tracer", &s.tracer}};
  if (c == atmosphere) {
    fields.push_back({"heating", m_air_heating.get()});
    fields.push_back({"surface_temperature", m_air_surface_temperature.get()});
  } else {
    fields.push_back({"air_temperature", m_ocean_air_t.get()});
    fields.push_back({"air_u", m_ocean_air_u.get()});
    fields.push_back({"air_v", m_ocean_air_v.get()});
    fields.push_back({"heat_flux", m_ocean_flux.get()});
  }
  return fields;
}

std::vector<parlayer::checkpoint::FieldToWrite> CoupledModel::checkpoint_fields(ComponentIndex c) {
  std::vector<parlayer::checkpoint::FieldToWrite> fields;
  const std::vector<parlayer::checkpoint::FieldToRead> state = state_fields(c);
  std::size_t k = 0;
  if (c != land && layer(c).here()) {
    fields = climate::snapshot_fields(layer(c).model->state(), layer(c).model->bottom());  // h, u, v, tracer, bottom
    k = 4;
  }
  for (; k < state.size(); ++k) fields.push_back({state[k].name, state[k].field});
  return fields;
}

void CoupledModel::state_restored() {
  // What surface_fluxes() summed when it computed the D now in transit (exact: any order gives the same).
  ExactSum surface;
  for (const Field* f : {m_ocean_flux.get(), m_land_flux.get()})
    if (f) for_cells(*f, [&](int l, int i, int j) { surface.add((*f)[l](i, j)); });
  m_in_transit = surface;
}

HeatBudget CoupledModel::heat_budget() {
  const MPI_Comm parent = m_components.parent();
  ExactSum sums[4];  // sum h T (atmosphere), sum h T (ocean), sum T (land), in transit
  double h_min[2] = {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
  std::int64_t nonfinite = 0;
  int k = 0;
  for (Layer* L : {m_atmosphere.get(), m_ocean.get()}) {
    if (L->here()) {
      const climate::LocalDiagnostics d = L->model->local_diagnostics();
      sums[k] = d.tracer_mass;
      h_min[k] = d.h_min;
      nonfinite += d.nonfinite;
    }
    ++k;
  }
  sums[2] = m_land->temperature_sum();
  sums[3] = m_in_transit;
  parlayer::runtime::global_sum(sums, parent);
  double minima[2] = {-h_min[0], -h_min[1]};
  parlayer::runtime::global_max(minima, parent);
  const climate::Parameters &pa = m_s.atmosphere.p, &po = m_s.ocean.p;
  const double area_a = pa.dx() * pa.dy(), area_o = po.dx() * po.dy();
  HeatBudget b;
  b.atmosphere = m_s.atmosphere.density * m_s.atmosphere.heat_capacity * area_a * sums[0].value();
  b.ocean = m_s.ocean.density * m_s.ocean.heat_capacity * area_o * sums[1].value();
  b.land = m_s.land.heat_capacity * area_o * sums[2].value();
  b.in_transit = -m_s.interval * area_o * sums[3].value();
  b.nonfinite = parlayer::runtime::global_sum(nonfinite, parent);
  b.atmosphere_h_min = -minima[0];
  b.ocean_h_min = -minima[1];
  return b;
}

FluxCheck CoupledModel::check_fluxes() {
  const MPI_Comm parent = m_components.parent();
  // Every rank has the same number of couplings since the last check (advance() is collective).
  std::vector<ExactSum> sums = m_flux_difference;
  sums.insert(sums.end(), m_flux_surface.begin(), m_flux_surface.end());
  parlayer::runtime::global_sum(sums, parent);
  std::vector<double> magnitude = m_flux_magnitude;
  if (!magnitude.empty()) parlayer::runtime::global_max(magnitude, parent);  // a bound: max over ranks x ranks below
  int ranks = 1;
  PARLAYER_MPI_CHECK(MPI_Comm_size(parent, &ranks));
  const double area = m_s.ocean.p.dx() * m_s.ocean.p.dy();
  const double n = static_cast<double>(m_fine_per_coarse);
  const bool exact = (m_ratio[0] & (m_ratio[0] - 1)) == 0 && (m_ratio[1] & (m_ratio[1] - 1)) == 0;
  const double u = std::ldexp(1.0, -53);
  FluxCheck check;
  const std::size_t count = m_flux_difference.size();
  for (std::size_t c = 0; c < count; ++c) {
    const double difference = std::fabs(sums[c].value()) * area;
    // remap.hpp: |n c - S| <= gamma_n sum|f| per coarse cell; plus one rounding of the sum of the
    // ocean's and the land's averages and of n x that sum.
    const double gamma = n * u / (1 - n * u);
    const double bound = exact ? 0.0 : (gamma + 3 * u) * magnitude[c] * ranks * area;
    if (difference > bound)
      throw CollectiveError(format("coupling: the heat flux the atmosphere lost differs from what the surface gained "
                                   "by %.6e W (bound %.3e W) at a coupling; conservation is broken",
                                   difference, bound));
    check.max_difference = std::max(check.max_difference, difference);
    check.max_bound = std::max(check.max_bound, bound);
    check.last_flux = sums[count + c].value() * area;
  }
  check.couplings = static_cast<std::int64_t>(count);
  m_flux_difference.clear();
  m_flux_surface.clear();
  m_flux_magnitude.clear();
  return check;
}

}  // namespace coupled
