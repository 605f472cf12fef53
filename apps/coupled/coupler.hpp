#pragma once
// The coupled model: the atmosphere and the ocean (parlayer-climate's shallow-water model, each on
// its own grid, ranks and time step), the land slab, and the fields that move between them, all
// owned here, so that the whole coupled state (every component's prognostic fields and the
// fields in transit of the lagged schedule) is reachable from one place.
//
// One coupling interval (advance()):
//   sequential:  atmosphere steps (with the surface heat flux D of the previous interval)
//                -> its surface fields A go to ocean and land (they wait)
//                -> ocean and land compute D = F(A, their state) and step with it
//                -> D goes to the atmosphere (it waits), for its next interval
//   concurrent:  every component starts sending (A from the atmosphere's state now, D computed
//                from the A of the previous coupling time), all step at once while the messages
//                fly, and the exchanges finish after
// In both the surface applies D in the interval it is computed for and the atmosphere in the
// next one: D is "in transit" between (heat_in_transit()). docs/coupled.md compares the two.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "parlayer/checkpoint/snapshot.hpp"
#include "parlayer/coupling/components.hpp"
#include "parlayer/coupling/exchange.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"
#include "parlayer/halo/halo_exchange.hpp"
#include "parlayer/parallel/thread_pool.hpp"
#include "land.hpp"
#include "parlayer/runtime/reproducible_sum.hpp"
#include "settings.hpp"
#include "shallow_water.hpp"
#include "timing.hpp"

namespace coupled {

using Field = parlayer::domain::Field<double>;
using Mask = parlayer::domain::Field<std::uint8_t>;

// Component indices, in the order of the layout (Settings::layout).
enum ComponentIndex { atmosphere = 0, ocean = 1, land = 2 };

// A shallow-water component: its decomposition (known on every rank), and on its own ranks the
// model with its halo exchange and threads.
struct Layer {
  Layer(const LayerSettings& settings, const parlayer::coupling::Component& component);
  const LayerSettings& settings;
  const parlayer::coupling::Component& component;
  std::vector<double> wet;  // climate::ShallowWater::wet_mask (empty: no land)
  parlayer::domain::Decomposition decomposition;
  std::unique_ptr<parlayer::parallel::ThreadPool> threads;
  std::unique_ptr<parlayer::halo::HaloExchange> exchange;
  std::unique_ptr<climate::ShallowWater> model;
  double dt = 0.0;
  std::int64_t steps = 0;  // time steps per coupling interval
  bool here() const { return component.here(); }
  int rank() const { return component.rank(); }
};

// The global heat of each part [J], from exact sums.
struct HeatBudget {
  double atmosphere = 0, ocean = 0, land = 0, in_transit = 0;
  double total() const { return atmosphere + ocean + land + in_transit; }
  std::int64_t nonfinite = 0;  // cells with a NaN or infinity in any shallow-water variable
  double atmosphere_h_min = 0, ocean_h_min = 0;
};

// The flux check of every coupling since the last report: the heat flux the surface gained and
// the atmosphere lost, from exact sums.
struct FluxCheck {
  std::int64_t couplings = 0;
  double max_difference = 0.0;  // max over couplings of |surface - atmosphere| [W]
  double max_bound = 0.0;       // the rounding bound of the same couplings [W] (0 for power-of-two ratios)
  double last_flux = 0.0;       // the newest coupling's heat flux into the surface [W]
};

class CoupledModel {
public:
  // Builds every component's decomposition, every exchange and, on each component's ranks, its
  // model and initial state; chooses the time steps (each a whole fraction of coupling.interval).
  // Collective over components.parent().
  CoupledModel(const Settings& settings, const parlayer::coupling::Components& components, ComponentTiming& timing);
  ~CoupledModel();

  // Before the first interval: the fields in transit at time 0 (no heat flux yet; the concurrent
  // schedule's surface gets the atmosphere's initial fields). Collective.
  void start();
  // One coupling interval with the configured schedule. Collective.
  void advance();

  // The whole coupled state component `c` holds on this rank, named as a checkpoint names it:
  // the model's prognostic fields and the fields in transit that the next interval reads
  //   atmosphere: h, u, v, tracer; heating (D of the last interval, applied in the next one) and
  //               surface_temperature
  //   ocean:      h, u, v, tracer; air_temperature, air_u, air_v (the A the concurrent schedule's
  //               surface uses next); heat_flux (D, for the heat in transit)
  //   land:       temperature; air_temperature, air_u, air_v; heat_flux
  // Everything else is recomputed from these at the start of an interval. Empty where `c` does
  // not run. Local.
  std::vector<parlayer::checkpoint::FieldToRead> state_fields(ComponentIndex c);
  // The same fields to write, the shallow-water ones as parlayer-climate's snapshots describe them
  // (with its bottom, for people; not read back). Local.
  std::vector<parlayer::checkpoint::FieldToWrite> checkpoint_fields(ComponentIndex c);
  // After state_fields() were read back on every component: recomputes what derives from them
  // (this rank's share of the heat in transit). Local.
  void state_restored();

  // Collective over the parent communicator.
  HeatBudget heat_budget();
  // The flux checks since the last call (reduced over every rank). Throws a CollectiveError if a
  // difference exceeds its bound. Collective.
  FluxCheck check_fluxes();

  const Layer& layer(ComponentIndex c) const { return c == atmosphere ? *m_atmosphere : *m_ocean; }
  Layer& layer(ComponentIndex c) { return c == atmosphere ? *m_atmosphere : *m_ocean; }
  const LandSlab& land_slab() const { return *m_land; }
  parlayer::coupling::Ratio ratio() const { return m_ratio; }

  // The fields a snapshot shows beside each model's state (only on the component's ranks).
  const Field& air_surface_temperature() const { return *m_air_surface_temperature; }  // atmosphere grid
  const Field& air_heating() const { return *m_air_heating; }                          // atmosphere grid, W m-2
  const Field& ocean_heat_flux() const { return *m_ocean_flux; }                       // ocean grid, W m-2
  const Field& ocean_stress_x() const { return *m_stress_x; }
  const Field& ocean_stress_y() const { return *m_stress_y; }
  const Field& land_temperature() const { return m_land->temperature(); }  // land (ocean) grid; 0 over water
  const Field& land_heat_flux() const { return *m_land_flux; }

private:
  void export_air();           // atmosphere: its temperature and centre winds into the A fields
  void surface_fluxes();       // ocean and land: D from the received A and their own state
  void absorb_surface();       // atmosphere: heating and surface temperature from the received D
  void step_atmosphere();
  void step_ocean();
  void step_land();
  std::vector<parlayer::coupling::PendingExchange> start_air();
  std::vector<parlayer::coupling::PendingExchange> start_surface();
  void finish(std::vector<parlayer::coupling::PendingExchange>& pending, const std::vector<int>& owners);
  int source_or_target(int source, int target) const;  // the component the time is booked to on this rank

  const Settings& m_s;
  const parlayer::coupling::Components& m_components;
  ComponentTiming& m_timing;
  std::unique_ptr<Layer> m_atmosphere, m_ocean;
  parlayer::coupling::Ratio m_ratio{1, 1, 1};
  std::int64_t m_fine_per_coarse = 1;
  std::unique_ptr<LandSlab> m_land;

  // Atmosphere grid (on the atmosphere's ranks).
  std::unique_ptr<Field> m_air_t, m_air_u, m_air_v;             // A: sent
  std::unique_ptr<Field> m_got_q_ocean, m_got_q_land, m_got_t_ocean, m_got_t_land;  // D: received
  std::unique_ptr<Field> m_air_heating, m_air_surface_temperature;  // from D, applied in the next interval
  // Ocean grid (on the ocean's ranks).
  std::unique_ptr<Mask> m_water;
  std::unique_ptr<Field> m_ocean_air_t, m_ocean_air_u, m_ocean_air_v;  // A: received
  std::unique_ptr<Field> m_ocean_flux, m_sst, m_stress_x, m_stress_y;  // D: sent (flux, SST); stresses
  // The land's decomposition of the ocean's grid (on the land's ranks).
  std::unique_ptr<Field> m_land_air_t, m_land_air_u, m_land_air_v;  // A: received
  std::unique_ptr<Field> m_land_flux, m_land_surface_t;               // D: sent

  // The exchanges: A to the ocean (t, u, v) and the land (t, u, v); D from the ocean (flux, SST)
  // and the land (flux, temperature).
  std::vector<parlayer::coupling::Exchange> m_air_to_ocean, m_air_to_land, m_surface_to_air;

  // Conservation bookkeeping: per coupling since the last check, this rank's exact sum of
  // (surface flux over fine cells) - (atmosphere's flux x fine cells per coarse cell), and of the
  // magnitudes for the bound.
  std::vector<parlayer::runtime::ExactSum> m_flux_difference, m_flux_surface;
  std::vector<double> m_flux_magnitude;
  parlayer::runtime::ExactSum m_in_transit;  // this rank's sum of the D heat flux over fine cells not yet applied by the atmosphere
};

}  // namespace coupled
