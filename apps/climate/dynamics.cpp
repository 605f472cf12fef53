#include "dynamics.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace climate {

RowBuffers::RowBuffers(int max_width) {
  auto init = [&](Row& r) {
    r.storage.assign(static_cast<std::size_t>(max_width) + 4, 0.0);
    r.p = r.storage.data() + 2;
  };
  for (int k = 0; k < 2; ++k) {
    init(mass_x[k]);
    init(mass_y[k]);
    init(pv[k]);
    init(bernoulli[k]);
    init(tracer_y[k]);
  }
  init(tracer_x);
}

namespace {

// Monotonised-central slope limiter (van Leer 1977): 0 at extrema, else the smallest of twice each
// one-sided difference and the central difference. Written with selects so loops vectorise.
inline double mc_slope(double a, double b) {
  const double two_a = 2.0 * std::fabs(a), two_b = 2.0 * std::fabs(b), central = 0.5 * std::fabs(a + b);
  double m = two_a < two_b ? two_a : two_b;
  m = central < m ? central : m;
  return a * b > 0.0 ? std::copysign(m, a) : 0.0;
}

// The tracer at a face between cells "m" (west/south) and "p" (east/north) for a mass flux `flow`
// through it: the upwind cell's value, plus (limited scheme) half its limited slope towards the
// face. The result lies between the upwind and downwind cell values.
template <TracerScheme scheme>
inline double face_value(double qmm, double qm, double qp, double qpp, double flow) {
  const bool forward = flow >= 0.0;
  const double centre = forward ? qm : qp;
  if constexpr (scheme == TracerScheme::upwind) {
    (void)qmm, (void)qpp;
    return centre;
  } else {
    const double upstream = forward ? qmm : qpp;
    const double downstream = forward ? qp : qm;
    return centre + 0.5 * mc_slope(centre - upstream, downstream - centre);
  }
}

template <TracerScheme scheme, bool first_stage>
void stage_rows(const StageArgs& a, RowBuffers& rows, const parlayer::domain::IndexBox& box) {
  const int i0 = box.lo[0], n = box.extent(0);
  const int j0 = box.lo[1], j1 = box.hi[1];
  const Field& h = a.in.h;
  const Field& u = a.in.u;
  const Field& v = a.in.v;
  const Field& q = a.in.tracer;
  const double rdx = a.rdx, rdy = a.rdy, rdx2 = a.rdx * a.rdx, rdy2 = a.rdy * a.rdy;
  const double g = a.gravity, nu = a.viscosity, dt = a.dt, alpha = a.alpha;

  // Mass flux U = h^x u at the x-faces i = 0..n of row j.
  auto mass_x = [&](int j, double* out) {
    const double* hr = h.ptr(i0, j);
    const double* ur = u.ptr(i0, j);
#pragma GCC ivdep
    for (int i = 0; i <= n; ++i) out[i] = 0.5 * (hr[i - 1] + hr[i]) * ur[i];
  };
  // Mass flux V = h^y v at the y-faces of row j (south faces of cells -1..n-1).
  auto mass_y = [&](int j, double* out) {
    const double* hs = h.ptr(i0, j - 1);
    const double* hn = h.ptr(i0, j);
    const double* vr = v.ptr(i0, j);
#pragma GCC ivdep
    for (int i = -1; i < n; ++i) out[i] = 0.5 * (hs[i] + hn[i]) * vr[i];
  };
  // Potential vorticity (zeta + f) / h at the south-west corners of cells 0..n of row j.
  auto potential_vorticity = [&](int j, double* out) {
    const double f = a.f_corner[j - a.f_corner_j0];
    const double* hs = h.ptr(i0, j - 1);
    const double* hn = h.ptr(i0, j);
    const double* us = u.ptr(i0, j - 1);
    const double* un = u.ptr(i0, j);
    const double* vr = v.ptr(i0, j);
#pragma GCC ivdep
    for (int i = 0; i <= n; ++i) {
      const double zeta = (vr[i] - vr[i - 1]) * rdx - (un[i] - us[i]) * rdy;
      const double h_corner = 0.25 * ((hn[i - 1] + hn[i]) + (hs[i - 1] + hs[i]));
      out[i] = (zeta + f) / h_corner;
    }
  };
  // Bernoulli function g (h + b) + K at the centres of cells -1..n-1 of row j.
  auto bernoulli = [&](int j, double* out) {
    const double* hr = h.ptr(i0, j);
    const double* br = a.bottom.ptr(i0, j);
    const double* ur = u.ptr(i0, j);
    const double* vs = v.ptr(i0, j);
    const double* vn = v.ptr(i0, j + 1);
#pragma GCC ivdep
    for (int i = -1; i < n; ++i) {
      const double k = 0.25 * ((ur[i] * ur[i] + ur[i + 1] * ur[i + 1]) + (vs[i] * vs[i] + vn[i] * vn[i]));
      out[i] = g * (hr[i] + br[i]) + k;
    }
  };
  // Tracer at the y-faces (south faces of cells 0..n-1) of row j, upwind of the mass flux `flow`.
  auto tracer_y = [&](int j, const double* flow, double* out) {
    const double* q2 = q.ptr(i0, j - 2);
    const double* q1 = q.ptr(i0, j - 1);
    const double* q0 = q.ptr(i0, j);
    const double* qn = q.ptr(i0, j + 1);
#pragma GCC ivdep
    for (int i = 0; i < n; ++i) out[i] = face_value<scheme>(q2[i], q1[i], q0[i], qn[i], flow[i]);
  };
  // Tracer at the x-faces 0..n of row j.
  auto tracer_x = [&](int j, const double* flow, double* out) {
    const double* qr = q.ptr(i0, j);
#pragma GCC ivdep
    for (int i = 0; i <= n; ++i) out[i] = face_value<scheme>(qr[i - 2], qr[i - 1], qr[i], qr[i + 1], flow[i]);
  };

  // Rolling rows: U and B for rows j-1 and j; V, PV and the y-face tracer for rows j and j+1.
  double* um = rows.mass_x[0].p;
  double* uc = rows.mass_x[1].p;
  double* bm = rows.bernoulli[0].p;
  double* bc = rows.bernoulli[1].p;
  double* vc = rows.mass_y[0].p;
  double* vn = rows.mass_y[1].p;
  double* pc = rows.pv[0].p;
  double* pn = rows.pv[1].p;
  double* tc = rows.tracer_y[0].p;
  double* tn = rows.tracer_y[1].p;
  double* tx = rows.tracer_x.p;
  mass_x(j0 - 1, um);
  mass_x(j0, uc);
  bernoulli(j0 - 1, bm);
  bernoulli(j0, bc);
  mass_y(j0, vc);
  mass_y(j0 + 1, vn);
  potential_vorticity(j0, pc);
  potential_vorticity(j0 + 1, pn);
  tracer_y(j0, vc, tc);
  tracer_y(j0 + 1, vn, tn);

  for (int j = j0; j < j1; ++j) {
    if (j > j0) {
      std::swap(um, uc);
      mass_x(j, uc);
      std::swap(bm, bc);
      bernoulli(j, bc);
      std::swap(vc, vn);
      mass_y(j + 1, vn);
      std::swap(pc, pn);
      potential_vorticity(j + 1, pn);
      std::swap(tc, tn);
      tracer_y(j + 1, vn, tn);
    }
    tracer_x(j, uc, tx);

    const double* hr = h.ptr(i0, j);
    const double* qr = q.ptr(i0, j);
    const double* ur = u.ptr(i0, j);
    const double* us = u.ptr(i0, j - 1);
    const double* un = u.ptr(i0, j + 1);
    const double* vr = v.ptr(i0, j);
    const double* vs = v.ptr(i0, j - 1);
    const double* vnr = v.ptr(i0, j + 1);
    double* ho = a.out.h.ptr(i0, j);
    double* uo = a.out.u.ptr(i0, j);
    double* vo = a.out.v.ptr(i0, j);
    double* qo = a.out.tracer.ptr(i0, j);
    const double* h0 = first_stage ? nullptr : a.base->h.ptr(i0, j);
    const double* u0 = first_stage ? nullptr : a.base->u.ptr(i0, j);
    const double* v0 = first_stage ? nullptr : a.base->v.ptr(i0, j);
    const double* q0 = first_stage ? nullptr : a.base->tracer.ptr(i0, j);

    // Two sweeps over the row (mass and tracer, then momentum) keep each loop's pointers in registers.
#pragma GCC ivdep
    for (int i = 0; i < n; ++i) {
      // Continuity in flux form: h' = h - dt div(U, V).
      const double flux_e = uc[i + 1], flux_w = uc[i], flux_n = vn[i], flux_s = vc[i];
      const double h1 = hr[i] - dt * ((flux_e - flux_w) * rdx + (flux_n - flux_s) * rdy);
      // Tracer: the flux form h'q' = h q - dt div(F), F = U q_face, evaluated as
      // q' = q + dt [sum over faces of +-U (q - q_face)] / h', which equals it exactly in real
      // arithmetic and keeps uniform tracer and rest states unchanged to the bit.
      const double qc = qr[i];
      const double advection = (flux_e * (qc - tx[i + 1]) - flux_w * (qc - tx[i])) * rdx +
                               (flux_n * (qc - tn[i]) - flux_s * (qc - tc[i])) * rdy;
      const double q1 = qc + dt * advection / h1;
      if constexpr (first_stage) {
        ho[i] = h1;
        qo[i] = q1;
      } else {
        // SSP-RK3 combination s = s0 + alpha (s' - s0), written as an increment so that a state
        // at rest stays bitwise at rest; the tracer combines h q, written as an increment of q.
        const double h_new = h0[i] + alpha * (h1 - h0[i]);
        ho[i] = h_new;
        qo[i] = q0[i] + alpha * h1 * (q1 - q0[i]) / h_new;
      }
    }
#pragma GCC ivdep
    for (int i = 0; i < n; ++i) {
      // Momentum, vector-invariant form: Sadourny's energy-conserving PV flux, Bernoulli gradient,
      // Laplacian viscosity.
      const double coriolis_u = 0.25 * (pn[i] * (vn[i - 1] + vn[i]) + pc[i] * (vc[i - 1] + vc[i]));
      const double laplace_u = (ur[i - 1] - 2.0 * ur[i] + ur[i + 1]) * rdx2 + (us[i] - 2.0 * ur[i] + un[i]) * rdy2;
      const double u1 = ur[i] + dt * ((coriolis_u - (bc[i] - bc[i - 1]) * rdx) + nu * laplace_u);
      const double coriolis_v = -0.25 * (pc[i] * (um[i] + uc[i]) + pc[i + 1] * (um[i + 1] + uc[i + 1]));
      const double laplace_v = (vr[i - 1] - 2.0 * vr[i] + vr[i + 1]) * rdx2 + (vs[i] - 2.0 * vr[i] + vnr[i]) * rdy2;
      const double v1 = vr[i] + dt * ((coriolis_v - (bc[i] - bm[i]) * rdy) + nu * laplace_v);
      if constexpr (first_stage) {
        uo[i] = u1;
        vo[i] = v1;
      } else {
        uo[i] = u0[i] + alpha * (u1 - u0[i]);
        vo[i] = v0[i] + alpha * (v1 - v0[i]);
      }
    }
    if (j == 0) std::fill_n(vo, n, 0.0);  // v(i, 0) is the south wall
  }
}

}  // namespace

void euler_stage(const StageArgs& args, RowBuffers& rows, const parlayer::domain::IndexBox& box) {
  if (box.empty()) return;
  const bool first = args.base == nullptr;
  if (args.scheme == TracerScheme::upwind)
    first ? stage_rows<TracerScheme::upwind, true>(args, rows, box)
          : stage_rows<TracerScheme::upwind, false>(args, rows, box);
  else
    first ? stage_rows<TracerScheme::limited, true>(args, rows, box)
          : stage_rows<TracerScheme::limited, false>(args, rows, box);
}

}  // namespace climate
