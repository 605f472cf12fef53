#pragma once
// The rotating shallow-water model with a passive tracer on a beta-plane channel (docs/climate.md).
//
// Physics only: no MPI, no HDF5. The model sees the decomposition through its Fields (global
// indices) and communicates only through the halo exchange it is given, so every rank count, every
// layout (one block per rank, many boxes per rank, ranks with no box) and both overlap modes
// produce the same bytes.
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "parameters.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"
#include "parlayer/halo/halo_exchange.hpp"
#include "parlayer/halo/overlap.hpp"
#include "parlayer/runtime/reproducible_sum.hpp"

namespace climate {

using Field = parlayer::domain::Field<double>;

// One box of each prognostic variable: what a kernel working on a Tile reads or writes
// (`state.box(tile.local)`). Box is Field::Box or const Field::Box.
template <class Box>
struct StateBoxes {
  Box& h;
  Box& u;
  Box& v;
  Box& tracer;
};

// The prognostic variables. All four live on the same cell-index boxes (C-grid mapping): every
// box the rank owns (none, one or many), each with 2 ghost layers.
//
//            v(i,j+1)                 h(i,j), tracer(i,j): centre of cell (i,j),
//        +-----^-----+                    x = (i+1/2) dx, y = (j+1/2) dy - ly/2
//        |           |                u(i,j): west face of cell (i,j), x = i dx
//  u(i,j)>   h(i,j)  >u(i+1,j)        v(i,j): south face of cell (i,j), y = j dy - ly/2
//        |           |                v(i,0) is the south wall (kept 0); the north wall face
//        +-----^-----+                v(i,ny) lies in the ghost row and is set to 0 by the
//            v(i,j)                   wall condition.
struct State {
  State(const parlayer::domain::Decomposition& decomposition, int rank);
  Field h;       // layer thickness [m]
  Field u;       // x velocity [m s-1]
  Field v;       // y velocity [m s-1]
  Field tracer;  // passive tracer concentration [1]
  std::array<parlayer::domain::FieldBase*, 4> fields() { return {&h, &u, &v, &tracer}; }
  std::array<const parlayer::domain::FieldBase*, 4> fields() const { return {&h, &u, &v, &tracer}; }
  // Local box `local` (0 .. h.box_count() - 1) of each variable.
  StateBoxes<Field::Box> box(int local) { return {h[local], u[local], v[local], tracer[local]}; }
  StateBoxes<const Field::Box> box(int local) const { return {h[local], u[local], v[local], tracer[local]}; }
};

// This rank's share of the diagnostics: exact sums (reduce with runtime::global_sum) and extrema.
struct LocalDiagnostics {
  parlayer::runtime::ExactSum mass;         // sum of h                       (x dx dy: m3)
  parlayer::runtime::ExactSum energy;       // sum of h K + g h (b + h/2)     (x dx dy: m5 s-2)
  parlayer::runtime::ExactSum tracer_mass;  // sum of h * tracer              (x dx dy: m3)
  double h_min = 0, h_max = 0, tracer_min = 0, tracer_max = 0, speed_max = 0;
  std::int64_t nonfinite = 0;               // cells with a NaN or infinity in any variable
};

// Row buffers the stage kernel reuses (defined in dynamics.cpp).
struct RowBuffers;

// Surface forcing from a coupler (apps/coupled): fields at cell centres on the model's own boxes
// with halo_width ghosts (apply_forcing fills them), each optional. parlayer-climate gives none.
struct SurfaceForcing {
  Field* stress_x = nullptr;  // wind stress on the layer, x component [N m-2]
  Field* stress_y = nullptr;  // y component [N m-2]
  Field* heating = nullptr;   // heat flux into the layer [W m-2]; the tracer is a temperature [K or degC]
  double density = 1.0;        // of the layer [kg m-3]
  double heat_capacity = 1.0;  // specific, of the layer [J kg-1 K-1]
};

class ShallowWater {
public:
  // The stencil reaches 2 cells (the limited tracer fluxes) and diagonal neighbours (Coriolis).
  static constexpr int halo_width = 2;
  static constexpr parlayer::halo::Stencil stencil = parlayer::halo::Stencil::box;
  // The fields it allocates, each over every local box with halo_width ghosts: three states of
  // h, u, v and tracer (the step's start and two RK3 stages) and the bottom.
  static constexpr int field_count = 3 * 4 + 1;

  // `exchange` must be built from a HaloPlan(decomposition, rank, halo_width, stencil). `how` says
  // whether the exchange overlaps the deep interiors and which threads (tiles of what size) run
  // the kernels; results are the same bytes either way.
  ShallowWater(const Parameters& parameters, const parlayer::domain::Decomposition& decomposition, int rank,
               parlayer::halo::HaloExchange& exchange, const parlayer::halo::StepOptions& how);
  ~ShallowWater();
  ShallowWater(const ShallowWater&) = delete;
  ShallowWater& operator=(const ShallowWater&) = delete;

  // Sets the initial condition parameters().initial. Neighbour-wise collective (fills the
  // topography's ghosts).
  void initialise();
  // Only the bottom topography (after a rebalance: the state arrives by redistribution).
  // Neighbour-wise collective.
  void initialise_bottom();

  // The land mask of topography "continents": 1 on wet cells, 0 on land (where the bottom reaches
  // the surface), one value per cell, x fastest; empty for other topographies. The same on every
  // rank: it is the per-cell cost that decides which boxes have no owner.
  static std::vector<double> wet_mask(const Parameters& p);
  bool has_land() const { return m_land; }

  // The column physics of the sun ([sun]): on every wet cell of the day side (the sun sweeps around
  // in x), sun.work iterations of a radiation-like computation, then the tracer relaxes towards 1.
  // Each cell's result depends on its own values, its place and `time` only: the same bits on
  // any layout. Local.
  void column_physics(double time);

  // This rank's cost per local box since the last reset: seconds spent in each box's kernels
  // (balance.cost = "measured") or wet cells + sun work (balance.cost = "model", deterministic).
  const std::vector<double>& box_costs();
  void reset_box_costs();
  // The time step of step(); set before the first step.
  void set_dt(double dt) { m_dt = dt; }
  double dt() const { return m_dt; }
  // One SSP-RK3 step (three forward-Euler stages, each one halo exchange + one kernel sweep).
  // Neighbour-wise collective.
  void step();

  // Adds the surface forcing over one time step dt() to the current state, after step() (operator
  // splitting, as column_physics): u += dt tau_x / (rho h) on x faces, v likewise on y faces (the
  // walls and coasts keep no velocity), tracer += dt Q / (rho c h) on wet cells. Each value
  // depends on its cell and neighbours only: the same bytes on every layout. Neighbour-wise
  // collective (fills the ghosts of h and of the stresses) when a stress is given, else Local.
  void apply_forcing(const SurfaceForcing& forcing);

  State& state() { return *m_state[m_current]; }
  const State& state() const { return *m_state[m_current]; }
  const Field& bottom() const { return m_bottom; }
  const Parameters& parameters() const { return m_p; }

  // This rank's diagnostics of the current state (all its boxes; the identities of the
  // reductions if it owns none). Neighbour-wise collective (refreshes ghosts).
  LocalDiagnostics local_diagnostics();

private:
  void stage(State& in, const State* base, State& out, double alpha);
  bool wet(int i, int j) const;
  // Walls at coasts: land cells hold the land values, faces touching land no velocity.
  void apply_land(StateBoxes<Field::Box> out, const parlayer::domain::IndexBox& box) const;

  Parameters m_p;
  parlayer::halo::HaloExchange& m_exchange;
  parlayer::halo::StepOptions m_how;
  int m_threads = 1;
  std::vector<parlayer::domain::Tile> m_tiles;  // every local box's interior in tiles (column physics, diagnostics)
  std::unique_ptr<State> m_state[3];
  int m_current = 0;
  Field m_bottom;                  // bottom height b [m], cell centres, ghosts filled once
  std::vector<double> m_f_corner;  // f at the global corner rows j = -2 .. ny+2 (index j + 2)
  std::vector<std::unique_ptr<RowBuffers>> m_rows;  // per thread
  double m_dt = 0.0;
  bool m_land = false;             // topography "continents"
  std::vector<double> m_wet;       // wet_mask(), when m_land
  // Per thread, per local box: seconds in its kernels, and cells + sun work (the model cost, kept
  // as an integer so that its sum does not depend on which thread ran which tile).
  std::vector<std::vector<double>> m_box_seconds;
  std::vector<std::vector<std::int64_t>> m_box_work;
  std::vector<double> m_box_cost;  // box_costs(): their sum over threads
};

}  // namespace climate
