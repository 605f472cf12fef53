#pragma once
// The hot loop: one forward-Euler stage of SSP-RK3 over a box of cells, fused with the Runge-Kutta
// combination (docs/climate.md, "Discretisation"). Rows are processed with raw pointers; the
// quantities shared by neighbouring rows (mass fluxes, PV fluxes, Bernoulli function, tracer face
// values) live in rolling row buffers, so each is computed once per row.
#include <vector>

#include "parameters.hpp"
#include "parlayer/domain/index_box.hpp"
#include "parlayer/domain/tile.hpp"
#include "shallow_water.hpp"

namespace climate {

struct RowBuffers {
  explicit RowBuffers(int max_width);
  // Each row holds entries -2 .. max_width + 1; row pointers are 64-byte aligned at entry 0.
  // Per quantity two rows (the current and the next row of the sweep), except tracer_x.
  double *mass_x[2], *mass_y[2], *pv_flux_x[2], *pv_flux_y[2], *bernoulli[2], *tracer_y[2], *tracer_x;

private:
  std::vector<double> m_storage;
};

struct StageArgs {
  const State& in;            // stage state, ghosts valid
  const State* base;          // state at the start of the step (null for the first stage)
  State& out;                 // result
  const Field& bottom;        // b, ghosts valid
  const double* f_corner;     // f at global corner row j is f_corner[j - f_corner_j0]
  int f_corner_j0;
  double alpha;               // RK weight of this stage's Euler step (1 for the first stage)
  double dt, rdx, rdy, gravity, viscosity;
  TracerScheme scheme;
};

// Writes `out` on every cell of `tile.box`, which lies in local box `tile.local`, from `in` (and
// `base`). Reads in's ghosts up to 2 cells away. Each output value depends only on the input
// values, never on the tile: any layout and any split of its boxes into tiles give the same bytes.
// `rows` must be at least as wide as the tile.
void euler_stage(const StageArgs& args, RowBuffers& rows, const parlayer::domain::Tile& tile);

}  // namespace climate
