#include "shallow_water.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numbers>
#include <utility>

#include "dynamics.hpp"

namespace climate {

using parlayer::domain::BoundaryCondition;
using parlayer::domain::FieldBase;
using parlayer::domain::IndexBox;
using parlayer::domain::Side;

namespace {

constexpr int y_axis = 1;

// v at the walls (v is stored at south faces, so the walls are faces, not cell boundaries):
// the wall face itself holds 0 and the ghosts beyond it mirror the interior with a sign change,
// v(j_wall - m) = -v(j_wall + m). The library's reflect_odd mirrors about a cell boundary, which
// is right for a variable at cell centres but one row off for v: hence this custom hook.
void fill_v_wall(parlayer::domain::FieldBoxBase& base, int axis, Side side, const IndexBox& ghosts) {
  auto& v = static_cast<Field::Box&>(base);
  const int wall = side == Side::low ? v.interior().lo[axis] : v.interior().hi[axis];
  for (int j = ghosts.lo[1]; j < ghosts.hi[1]; ++j) {
    double* row = v.ptr(ghosts.lo[0], j);
    if (j == wall) {
      std::fill_n(row, ghosts.extent(0), 0.0);
      continue;
    }
    const double* mirror = v.ptr(ghosts.lo[0], 2 * wall - j);
    for (int i = 0; i < ghosts.extent(0); ++i) row[i] = -mirror[i];
  }
}

void set_wall_conditions(State& s) {
  // Free-slip, no-flux walls: h, u and the tracer mirror evenly about the wall.
  s.h.set_boundary_condition(y_axis, BoundaryCondition::reflect());
  s.u.set_boundary_condition(y_axis, BoundaryCondition::reflect());
  s.tracer.set_boundary_condition(y_axis, BoundaryCondition::reflect());
  s.v.set_boundary_condition(y_axis, BoundaryCondition::custom(fill_v_wall));
}

// Bottom heights are rounded to multiples of 2^-30 m (~1e-9 m): then h = depth - b and h + b are
// exact in double precision (for |values| < 2^23 m), so a lake at rest has an exactly flat surface
// and stays exactly at rest.
double quantise(double x) { return std::ldexp(std::nearbyint(std::ldexp(x, 30)), -30); }

// The raw continental bottom height at (x, y): two Gaussian continents (periodic in x).
double continent_height(const Parameters& p, double x, double y) {
  const double w = p.topography_width;
  auto bump = [&](double cx, double cy, double sx, double sy) {
    double dx = std::fabs(x - cx);
    dx = std::min(dx, p.lx - dx);
    const double dy = y - cy;
    return std::exp(-(dx * dx) / (2 * sx * sx) - (dy * dy) / (2 * sy * sy));
  };
  return p.topography_height * std::max(bump(0.25 * p.lx, 0.1 * p.ly, w, 1.4 * w),
                                        bump(0.7 * p.lx, -0.15 * p.ly, 1.3 * w, w));
}

double sech2(double x) {
  const double c = std::cosh(x);
  return 1.0 / (c * c);
}

}  // namespace

State::State(const parlayer::domain::Decomposition& d, int rank)
    : h("h", d, rank, ShallowWater::halo_width), u("u", d, rank, ShallowWater::halo_width),
      v("v", d, rank, ShallowWater::halo_width), tracer("tracer", d, rank, ShallowWater::halo_width) {
  h.set_units("m");
  u.set_units("m s-1");
  v.set_units("m s-1");
  tracer.set_units("1");
  set_wall_conditions(*this);
}

ShallowWater::ShallowWater(const Parameters& parameters, const parlayer::domain::Decomposition& decomposition,
                           int rank, parlayer::halo::HaloExchange& exchange, const parlayer::halo::StepOptions& how)
    : m_p(parameters), m_exchange(exchange), m_how(how), m_threads(how.threads ? how.threads->size() : 1),
      m_bottom("b", decomposition, rank, halo_width) {
  for (auto& s : m_state) s = std::make_unique<State>(decomposition, rank);
  m_bottom.set_units("m");
  m_bottom.set_boundary_condition(y_axis, BoundaryCondition::reflect());
  for (int j = -halo_width; j <= m_p.ny + halo_width; ++j)
    m_f_corner.push_back(m_p.f0 + m_p.beta * (j * m_p.dy() - 0.5 * m_p.ly));
  m_land = m_p.topography == Topography::continents;
  if (m_land) {
    m_wet = wet_mask(m_p);
    // Ghosts next to boxes with no owner (all land) hold what land cells hold.
    const double surface = quantise(m_p.depth);
    m_bottom.set_land_condition(BoundaryCondition::constant(surface));
    for (auto& st : m_state) {
      st->h.set_land_condition(BoundaryCondition::constant(surface));
      for (Field* f : {&st->u, &st->v, &st->tracer}) f->set_land_condition(BoundaryCondition::constant(0.0));
    }
  }
  const auto boxes = static_cast<std::size_t>(m_bottom.box_count());
  const auto threads = static_cast<std::size_t>(m_threads);
  m_box_cost.assign(boxes, 0.0);
  m_box_seconds.assign(threads, std::vector<double>(boxes, 0.0));
  m_box_work.assign(threads, std::vector<std::int64_t>(boxes, 0));
  int widest = 0;  // a kernel tile lies inside one local box
  for (const Field::Box& box : m_bottom) widest = std::max(widest, box.interior().extent(0));
  for (std::size_t t = 0; t < threads; ++t) m_rows.push_back(std::make_unique<RowBuffers>(widest));
  for (int l = 0; l < m_bottom.box_count(); ++l)
    for (const IndexBox& t : parlayer::domain::tile_boxes(m_bottom[l].interior(),
                                                                 parlayer::domain::tile_size_or_default(how.tile_size, 2)))
      m_tiles.push_back({t, l});
}

const std::vector<double>& ShallowWater::box_costs() {
  for (std::size_t l = 0; l < m_box_cost.size(); ++l) {
    std::int64_t work = 0;
    double seconds = 0.0;
    for (std::size_t t = 0; t < m_box_work.size(); ++t) {
      work += m_box_work[t][l];
      seconds += m_box_seconds[t][l];
    }
    m_box_cost[l] = m_p.balance_model_cost ? 1e-9 * static_cast<double>(work) : seconds;
  }
  return m_box_cost;
}

void ShallowWater::reset_box_costs() {
  for (auto& v : m_box_seconds) std::fill(v.begin(), v.end(), 0.0);
  for (auto& v : m_box_work) std::fill(v.begin(), v.end(), 0);
}

ShallowWater::~ShallowWater() = default;

std::vector<double> ShallowWater::wet_mask(const Parameters& p) {
  if (p.topography != Topography::continents) return {};
  std::vector<double> wet(static_cast<std::size_t>(p.nx) * static_cast<std::size_t>(p.ny), 1.0);
  const double surface = quantise(p.depth);
  for (int j = 0; j < p.ny; ++j)
    for (int i = 0; i < p.nx; ++i)
      if (quantise(continent_height(p, (i + 0.5) * p.dx(), (j + 0.5) * p.dy() - 0.5 * p.ly)) >= surface)
        wet[static_cast<std::size_t>(i) + static_cast<std::size_t>(p.nx) * static_cast<std::size_t>(j)] = 0.0;
  return wet;
}

bool ShallowWater::wet(int i, int j) const {
  if (j < 0 || j >= m_p.ny) return false;
  i = ((i % m_p.nx) + m_p.nx) % m_p.nx;
  return m_wet[static_cast<std::size_t>(i) + static_cast<std::size_t>(m_p.nx) * static_cast<std::size_t>(j)] != 0.0;
}

void ShallowWater::apply_land(StateBoxes<Field::Box> out, const IndexBox& box) const {
  const double surface = quantise(m_p.depth);
  for_each_cell(box, [&](int i, int j, int) {
    const bool here = wet(i, j);
    if (!here) {
      out.h(i, j) = surface;
      out.tracer(i, j) = 0.0;
    }
    if (!(here && wet(i - 1, j))) out.u(i, j) = 0.0;
    if (!(here && wet(i, j - 1))) out.v(i, j) = 0.0;
  });
}

void ShallowWater::initialise_bottom() {
  const Parameters& p = m_p;
  const double dx = p.dx(), dy = p.dy();
  const double xc = 0.5 * p.lx;
  const double w = p.topography_width;
  const double surface = quantise(p.depth);
  for (Field::Box& bottom : m_bottom)
    bottom.for_each(bottom.interior(), [&](int i, int j, int) {
      const double x = (i + 0.5) * dx - xc, y = (j + 0.5) * dy - 0.5 * p.ly;
      double b = 0.0;
      if (p.topography == Topography::seamount) b = p.topography_height * std::exp(-(x * x + y * y) / (2 * w * w));
      if (p.topography == Topography::ridge) b = p.topography_height * std::exp(-(x * x) / (2 * w * w));
      if (p.topography == Topography::continents) {
        // Land holds the surface height; the ocean is at least half the depth deep (no wetting and drying).
        b = wet(i, j) ? std::min(continent_height(p, x + xc, y), 0.5 * p.depth) : surface;
      }
      bottom(i, j) = quantise(b);
    });
  m_exchange.exchange(m_bottom);
}

void ShallowWater::column_physics(double time) {
  if (m_p.sun_work <= 0) return;
  const double pi = std::numbers::pi;
  const double rate = m_dt * m_p.sun_heating;
  const double phase = time / m_p.sun_period;
  State& s = state();
  parlayer::halo::run_tiles(m_how.threads, m_tiles, [&](const parlayer::domain::Tile& tile) {
    const auto t0 = std::chrono::steady_clock::now();
    Field::Box& q = s.tracer[tile];
    std::int64_t work = 0;
    for_each_cell(tile.box, [&](int i, int j, int) {
      if (m_land && !wet(i, j)) return;
      const double sun = std::cos(2 * pi * ((i + 0.5) / m_p.nx + phase));
      if (!(sun > 0.0)) return;
      // "Radiation": Newton's iteration for sqrt(sun), sun.work times (it converges in a few; the
      // rest is the cost a real scheme's bands and layers would have).
      double r = 1.0;
      for (int k = 0; k < m_p.sun_work; ++k) r = 0.5 * (r + sun / r);
      q(i, j) = q(i, j) + rate * r * (1.0 - q(i, j));
      work += m_p.sun_work;
    });
    const auto t = static_cast<std::size_t>(tile.thread), l = static_cast<std::size_t>(tile.local);
    m_box_work[t][l] += work;
    m_box_seconds[t][l] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  });
}

void ShallowWater::apply_forcing(const SurfaceForcing& f) {
  State& s = state();
  const bool stress = f.stress_x || f.stress_y;
  if (stress) {
    // Faces average the stresses of their two cells and the layer thickness of both.
    if (f.stress_x && f.stress_y) m_exchange.exchange(s.h, *f.stress_x, *f.stress_y);
    else m_exchange.exchange(s.h, f.stress_x ? *f.stress_x : *f.stress_y);
  }
  const double rdt = m_dt / f.density;
  for (int l = 0; l < s.h.box_count(); ++l) {
    const StateBoxes<Field::Box> box = s.box(l);
    const IndexBox& cells = box.h.interior();
    for_each_cell(cells, [&](int i, int j, int) {
      if (m_land && !wet(i, j)) return;
      if (f.stress_x) {
        const Field::Box& tx = (*f.stress_x)[l];
        box.u(i, j) += rdt * (tx(i - 1, j) + tx(i, j)) / (box.h(i - 1, j) + box.h(i, j));
      }
      if (f.stress_y && j > 0) {  // v(i, 0) is the south wall
        const Field::Box& ty = (*f.stress_y)[l];
        box.v(i, j) += rdt * (ty(i, j - 1) + ty(i, j)) / (box.h(i, j - 1) + box.h(i, j));
      }
      if (f.heating) box.tracer(i, j) += rdt * (*f.heating)[l](i, j) / (f.heat_capacity * box.h(i, j));
    });
    if (m_land) apply_land(box, cells);
  }
}

void ShallowWater::initialise() {
  const Parameters& p = m_p;
  const double dx = p.dx(), dy = p.dy();
  const double pi = std::numbers::pi;
  auto x_centre = [&](int i) { return (i + 0.5) * dx; };
  auto y_centre = [&](int j) { return (j + 0.5) * dy - 0.5 * p.ly; };
  auto y_face = [&](int j) { return j * dy - 0.5 * p.ly; };
  const double xc = 0.5 * p.lx;  // centre of the channel: x = lx/2, y = 0

  // 1. Bottom topography (exchanged once: it never changes).
  initialise_bottom();

  // 2. The surface height eta = h + b and the velocities.
  State& s = state();
  const double surface = quantise(p.depth);
  std::vector<double> jet_u, jet_eta;  // zonal-mean jet profiles at cell-centre rows 0..ny-1
  double perturbation = 0.0;
  if (p.initial == InitialState::jet) {
    // u = U sech^2(y/L) in geostrophic balance g d(eta)/dy = -f u, integrated face by face in
    // global row order (the same numbers on every rank), then shifted to zero mean.
    jet_u.resize(static_cast<std::size_t>(p.ny));
    jet_eta.assign(static_cast<std::size_t>(p.ny), 0.0);
    for (int j = 0; j < p.ny; ++j) jet_u[j] = p.jet_speed * sech2(y_centre(j) / p.jet_width);
    for (int j = 1; j < p.ny; ++j) {
      const double f = p.f0 + p.beta * y_face(j);
      jet_eta[j] = jet_eta[j - 1] - dy / p.gravity * f * 0.5 * (jet_u[j - 1] + jet_u[j]);
    }
    double mean = 0.0;
    for (const double e : jet_eta) mean += e;
    mean /= p.ny;
    for (double& e : jet_eta) e -= mean;
    perturbation = p.perturbation * std::fabs(jet_eta.back() - jet_eta.front());
  }
  // The perturbation: the jet's most unstable zonal mode (k L ~ 0.9 for a sech^2 jet) plus weaker
  // modes 1..12 with fixed "random" phases, so the eddies differ from one another.
  constexpr int modes = 12;
  const int dominant = std::max(1, static_cast<int>(std::lround(0.9 * p.lx / (2 * pi * p.jet_width))));
  auto jet_perturbation = [&](double x, double y) {
    double sum = std::cos(2 * pi * dominant * x / p.lx);
    for (int m = 1; m <= modes; ++m) {
      const double phase = 2 * pi * std::fmod(m * 0.6180339887498949, 1.0);
      sum += 0.25 * std::cos(2 * pi * m * x / p.lx + phase);
    }
    return perturbation * sech2(y / p.jet_width) * sum;
  };
  const double edge = 2.0 * std::max(dx, dy);  // dam-break column edge width

  for (int l = 0; l < s.h.box_count(); ++l) {
    const StateBoxes<Field::Box> box = s.box(l);
    const Field::Box& bottom = m_bottom[l];
    for_each_cell(bottom.interior(), [&](int i, int j, int) {
      const double x = x_centre(i), y = y_centre(j);
      const double b = bottom(i, j);
      double eta = surface, u = 0.0;
      switch (p.initial) {
        case InitialState::jet:
          eta = surface + jet_eta[j] + jet_perturbation(x, y);
          u = jet_u[j];  // u(i, j) sits at the same y as the cell centre
          break;
        case InitialState::dam_break: {
          const double r = std::hypot(x - xc, y);
          eta = surface + p.amplitude * 0.5 * (1.0 - std::tanh((r - p.radius) / edge));
          break;
        }
        case InitialState::gravity_wave:
          eta = surface + p.amplitude * std::cos(2 * pi * p.wavenumber * x / p.lx);
          break;
        case InitialState::lake_at_rest: eta = surface; break;
      }
      box.h(i, j) = eta - b;  // exact for the lake at rest (see quantise)
      box.u(i, j) = u;
      box.v(i, j) = 0.0;
      double t = 0.0;
      switch (p.tracer_pattern) {
        case TracerPattern::front: t = 0.5 * (1.0 + std::tanh(y / p.jet_width)); break;
        case TracerPattern::bands: t = 0.5 * (1.0 + std::sin(2 * pi * 3.0 * (y / p.ly + 0.5))); break;
        case TracerPattern::blob: {
          const double r = std::hypot(x - xc, y);
          t = std::exp(-(r * r) / (2 * p.radius * p.radius));
          break;
        }
      }
      box.tracer(i, j) = t;
    });
    if (m_land) apply_land(box, bottom.interior());
  }
}

void ShallowWater::stage(State& in, const State* base, State& out, double alpha) {
  const StageArgs args{in, base, out, m_bottom, m_f_corner.data(), -halo_width, alpha,
                       m_dt, 1.0 / m_p.dx(), 1.0 / m_p.dy(), m_p.gravity, m_p.viscosity, m_p.tracer_scheme};
  auto kernel = [&](const parlayer::domain::Tile& tile) {
    const auto t0 = std::chrono::steady_clock::now();
    euler_stage(args, *m_rows[static_cast<std::size_t>(tile.thread)], tile);
    if (m_land) apply_land(out.box(tile.local), tile.box);
    const auto t = static_cast<std::size_t>(tile.thread), l = static_cast<std::size_t>(tile.local);
    m_box_work[t][l] += tile.box.cells();  // cells computed, land ones too
    m_box_seconds[t][l] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  parlayer::halo::run_stencil_step(m_exchange, m_how, kernel, kernel, in.h, in.u, in.v, in.tracer);
}

void ShallowWater::step() {
  State& s0 = *m_state[m_current];
  State& s1 = *m_state[(m_current + 1) % 3];
  State& s2 = *m_state[(m_current + 2) % 3];
  stage(s0, nullptr, s1, 1.0);       // s1 = s0 + dt L(s0)
  stage(s1, &s0, s2, 0.25);          // s2 = 3/4 s0 + 1/4 (s1 + dt L(s1))
  stage(s2, &s0, s1, 2.0 / 3.0);     // s3 = 1/3 s0 + 2/3 (s2 + dt L(s2))
  m_current = (m_current + 1) % 3;  // s1 now holds the new state
}

LocalDiagnostics ShallowWater::local_diagnostics() {
  State& s = state();
  m_exchange.exchange(s.h, s.u, s.v, s.tracer);  // the kinetic energy reads u(i+1) and v(j+1)
  // One partial result per thread, combined afterwards: the sums are exact and the extrema are
  // extrema, so the result does not depend on which thread took which tile.
  std::vector<LocalDiagnostics> partial(static_cast<std::size_t>(m_threads));
  constexpr double inf = std::numeric_limits<double>::infinity();
  for (LocalDiagnostics& d : partial) {
    d.h_min = d.tracer_min = inf;
    d.h_max = d.tracer_max = d.speed_max = -inf;
  }
  const double g = m_p.gravity;
  parlayer::halo::run_tiles(m_how.threads, m_tiles, [&](const parlayer::domain::Tile& tile) {
    LocalDiagnostics& d = partial[static_cast<std::size_t>(tile.thread)];
    const StateBoxes<const Field::Box> box = std::as_const(s).box(tile.local);
    const IndexBox& in = tile.box;
    const int n = in.extent(0);
    for (int j = in.lo[1]; j < in.hi[1]; ++j) {
      const double* h = box.h.ptr(in.lo[0], j);
      const double* b = m_bottom[tile].ptr(in.lo[0], j);
      const double* u = box.u.ptr(in.lo[0], j);
      const double* v = box.v.ptr(in.lo[0], j);
      const double* vn = box.v.ptr(in.lo[0], j + 1);
      const double* q = box.tracer.ptr(in.lo[0], j);
      for (int i = 0; i < n; ++i) {
        if (m_land && !wet(in.lo[0] + i, j)) continue;  // land: not part of the ocean's sums
        const double k = 0.25 * ((u[i] * u[i] + u[i + 1] * u[i + 1]) + (v[i] * v[i] + vn[i] * vn[i]));
        d.mass.add(h[i]);
        d.energy.add(h[i] * k + g * h[i] * (b[i] + 0.5 * h[i]));
        d.tracer_mass.add(h[i] * q[i]);
        if (!(std::isfinite(h[i]) && std::isfinite(u[i]) && std::isfinite(v[i]) && std::isfinite(q[i]))) {
          ++d.nonfinite;
          continue;
        }
        d.h_min = std::min(d.h_min, h[i]);
        d.h_max = std::max(d.h_max, h[i]);
        d.tracer_min = std::min(d.tracer_min, q[i]);
        d.tracer_max = std::max(d.tracer_max, q[i]);
        d.speed_max = std::max({d.speed_max, std::fabs(u[i]), std::fabs(v[i])});
      }
    }
  });
  LocalDiagnostics d = partial.front();
  for (std::size_t t = 1; t < partial.size(); ++t) {
    const LocalDiagnostics& e = partial[t];
    d.mass += e.mass;
    d.energy += e.energy;
    d.tracer_mass += e.tracer_mass;
    d.nonfinite += e.nonfinite;
    d.h_min = std::min(d.h_min, e.h_min);
    d.h_max = std::max(d.h_max, e.h_max);
    d.tracer_min = std::min(d.tracer_min, e.tracer_min);
    d.tracer_max = std::max(d.tracer_max, e.tracer_max);
    d.speed_max = std::max(d.speed_max, e.speed_max);
  }
  return d;
}

}  // namespace climate
