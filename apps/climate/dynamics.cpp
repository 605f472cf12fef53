#include "dynamics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

namespace climate {

namespace {
constexpr int buffer_rows = 13;  // the row pointers of RowBuffers
}

RowBuffers::RowBuffers(int max_width) {
  // Each row: 8 entries of front slack (entries -2, -1 are used), then max_width + 2 entries,
  // rounded up to whole 64-byte lines so that every row starts on a line.
  const std::size_t row = 8 + (static_cast<std::size_t>(max_width) + 2 + 7) / 8 * 8;
  m_storage.assign(buffer_rows * row + 8, 0.0);
  double* next = m_storage.data();
  next += (8 - reinterpret_cast<std::uintptr_t>(next) / sizeof(double) % 8) % 8;
  auto take = [&] {
    double* p = next + 8;
    next += row;
    return p;
  };
  for (int k = 0; k < 2; ++k) {
    mass_x[k] = take();
    mass_y[k] = take();
    pv_flux_x[k] = take();
    pv_flux_y[k] = take();
    bernoulli[k] = take();
    tracer_y[k] = take();
  }
  tracer_x = take();
}

namespace {

// The boxes of one local box index that a stage reads and writes: row pointers come from these
// (FieldBox::ptr, inline), not from the multi-box Fields.
struct StageBoxes {
  StateBoxes<const Field::Box> in;
  const StateBoxes<const Field::Box>* base;  // null for the first stage
  StateBoxes<Field::Box> out;
  const Field::Box& bottom;
};

// The tracer at a face between cells "m" (west/south) and "p" (east/north) for a mass flux `flow`
// through it: the upwind cell's value, plus (limited scheme) half its slope limited with the
// monotonised-central limiter of van Leer (1977): 0 at extrema, else the smallest of twice each
// one-sided difference and the central difference. Written with selects so that loops vectorise.
// The result lies between the upwind and downwind cell values.
template <TracerScheme scheme>
[[gnu::always_inline]] inline double face_value(double qmm, double qm, double qp, double qpp, double flow) {
  const bool forward = flow >= 0.0;
  const double centre = forward ? qm : qp;
  if constexpr (scheme == TracerScheme::upwind) {
    (void)qmm, (void)qpp;
    return centre;
  } else {
    const double upstream = forward ? qmm : qpp;
    const double downstream = forward ? qp : qm;
    const double a = centre - upstream, b = downstream - centre;
    const double two_a = 2.0 * std::fabs(a), two_b = 2.0 * std::fabs(b), central = 0.5 * std::fabs(a + b);
    double m = two_a < two_b ? two_a : two_b;
    m = central < m ? central : m;
    return centre + 0.5 * (a * b > 0.0 ? std::copysign(m, a) : 0.0);
  }
}

// One Euler stage over `box`, row by row (south to north). Per row j, four loops over the row:
//   1. momentum_rows: the Bernoulli function B of row j and, one row ahead, the mass fluxes
//      U = h^x u, V = h^y v of row j + 1 and the two PV fluxes of the corner row j + 1,
//      P = q (V(i-1) + V(i)) (used by u) and R = q (U(j) + U(j+1)) (used by v), q = (zeta + f) / h
//      the potential vorticity, which is needed nowhere else;
//   2. tracer_rows: the tracer at the y-faces of row j + 1 and at the x-faces of row j;
//   3. the mass and tracer update of row j;
//   4. the momentum update of row j.
// Loops 1 and 2 have no dependence between iterations; loops 3 and 4 read the buffers at i and
// i + 1. (The earlier kernel ran eight loops per row: one per buffered quantity, then two updates;
// fusing the producers and buffering P and R instead of q cut the instructions per cell by ~20%.
// Fewer, fatter loops lose again: their row pointers no longer fit in registers.)
// Every value is the same expression of the input values as in the earlier kernel (P and R are
// the products the Coriolis terms formed), evaluated identically in the vector loops and the
// scalar end entries (no contraction: -ffp-contract=off): the results are bit-for-bit those of
// the earlier kernel, and neither the box nor the vector width changes a bit.
template <TracerScheme scheme, bool first_stage>
[[gnu::always_inline]] inline void stage_rows(const StageArgs& a, const StageBoxes& b, RowBuffers& rows,
                                              const parlayer::domain::IndexBox& box) {
  const int i0 = box.lo[0], n = box.extent(0);
  const int j0 = box.lo[1], j1 = box.hi[1];
  const Field::Box& h = b.in.h;
  const Field::Box& u = b.in.u;
  const Field::Box& v = b.in.v;
  const Field::Box& q = b.in.tracer;
  const double rdx = a.rdx, rdy = a.rdy, rdx2 = a.rdx * a.rdx, rdy2 = a.rdy * a.rdy;
  const double g = a.gravity, nu = a.viscosity, dt = a.dt, alpha = a.alpha;

  // Mass flux at the x-face i of row hr/ur, and at the y-face i between rows hs and hn.
  auto mass_x_at = [](const double* hr, const double* ur, int i) { return 0.5 * (hr[i - 1] + hr[i]) * ur[i]; };
  auto mass_y_at = [](const double* hs, const double* hn, const double* vr, int i) {
    return 0.5 * (hs[i] + hn[i]) * vr[i];
  };
  // Potential vorticity (zeta + f) / h at the south-west corner of cell i of row "n".
  auto pv_at = [&](const double* hs, const double* hn, const double* us, const double* un, const double* vr,
                   double f, int i) {
    const double zeta = (vr[i] - vr[i - 1]) * rdx - (un[i] - us[i]) * rdy;
    const double h_corner = 0.25 * ((hn[i - 1] + hn[i]) + (hs[i - 1] + hs[i]));
    return (zeta + f) / h_corner;
  };
  // Bernoulli function g (h + b) + K at the centre of cell i.
  auto bernoulli_at = [&](const double* hr, const double* br, const double* ur, const double* vs, const double* vn,
                          int i) {
    const double k = 0.25 * ((ur[i] * ur[i] + ur[i + 1] * ur[i + 1]) + (vs[i] * vs[i] + vn[i] * vn[i]));
    return g * (hr[i] + br[i]) + k;
  };

  // Loop 1 for row j: B(j) at cells -1..n-1; U(j+1) and R(j+1) at faces/corners 0..n; V(j+1) and
  // P(j+1) at 0..n-1. Reads U(j) (`U_j`, from the previous row).
  auto momentum_rows = [&](int j, const double* U_j, double* U_n, double* V_n, double* P_n, double* R_n,
                           double* B_j) {
    const double f = a.f_corner[j + 1 - a.f_corner_j0];
    const double* hs = h.ptr(i0, j);
    const double* hn = h.ptr(i0, j + 1);
    const double* us = u.ptr(i0, j);
    const double* un = u.ptr(i0, j + 1);
    const double* vs = v.ptr(i0, j);
    const double* vn = v.ptr(i0, j + 1);
    const double* br = b.bottom.ptr(i0, j);
#pragma GCC ivdep
    for (int i = 0; i < n; ++i) {
      const double U = mass_x_at(hn, un, i);
      const double V = mass_y_at(hs, hn, vn, i);
      const double pv = pv_at(hs, hn, us, un, vn, f, i);
      U_n[i] = U;
      V_n[i] = V;
      P_n[i] = pv * (mass_y_at(hs, hn, vn, i - 1) + V);
      R_n[i] = pv * (U_j[i] + U);
      B_j[i] = bernoulli_at(hs, br, us, vs, vn, i);
    }
    const double U = mass_x_at(hn, un, n);
    U_n[n] = U;
    R_n[n] = pv_at(hs, hn, us, un, vn, f, n) * (U_j[n] + U);
    B_j[-1] = bernoulli_at(hs, br, us, vs, vn, -1);
  };
  // Loop 2 for row j: the tracer at the y-faces 0..n-1 of row j + 1 (upwind of V(j+1)) and at the
  // x-faces 0..n of row j (upwind of U(j)).
  auto tracer_rows = [&](int j, const double* U_j, const double* V_n, double* T_n, double* X_j) {
    const double* qs = q.ptr(i0, j - 1);
    const double* qr = q.ptr(i0, j);
    const double* qn = q.ptr(i0, j + 1);
    const double* qnn = q.ptr(i0, j + 2);
#pragma GCC ivdep
    for (int i = 0; i < n; ++i) {
      T_n[i] = face_value<scheme>(qs[i], qr[i], qn[i], qnn[i], V_n[i]);
      X_j[i] = face_value<scheme>(qr[i - 2], qr[i - 1], qr[i], qr[i + 1], U_j[i]);
    }
    X_j[n] = face_value<scheme>(qr[n - 2], qr[n - 1], qr[n], qr[n + 1], U_j[n]);
  };

  // Rolling rows: "c" the current row j (for B also "m", row j - 1), "n" the next row j + 1.
  double* Uc = rows.mass_x[0];
  double* Un = rows.mass_x[1];
  double* Vc = rows.mass_y[0];
  double* Vn = rows.mass_y[1];
  double* Pc = rows.pv_flux_x[0];
  double* Pn = rows.pv_flux_x[1];
  double* Rc = rows.pv_flux_y[0];
  double* Rn = rows.pv_flux_y[1];
  double* Bm = rows.bernoulli[0];
  double* Bc = rows.bernoulli[1];
  double* Tc = rows.tracer_y[0];
  double* Tn = rows.tracer_y[1];
  double* X = rows.tracer_x;
  auto advance = [&] {
    std::swap(Uc, Un);
    std::swap(Vc, Vn);
    std::swap(Pc, Pn);
    std::swap(Rc, Rn);
    std::swap(Bm, Bc);
    std::swap(Tc, Tn);
  };
  // Prime the rolling rows with loops 1 and 2 of row j0 - 1 (its x-face tracer is not used).
  {
    const double* hr = h.ptr(i0, j0 - 1);
    const double* ur = u.ptr(i0, j0 - 1);
#pragma GCC ivdep
    for (int i = 0; i <= n; ++i) Uc[i] = mass_x_at(hr, ur, i);
    momentum_rows(j0 - 1, Uc, Un, Vn, Pn, Rn, Bc);
    tracer_rows(j0 - 1, Uc, Vn, Tn, X);
    advance();
  }

  for (int j = j0; j < j1; ++j) {
    momentum_rows(j, Uc, Un, Vn, Pn, Rn, Bc);
    tracer_rows(j, Uc, Vn, Tn, X);

    const double* hr = h.ptr(i0, j);
    const double* qr = q.ptr(i0, j);
    double* ho = b.out.h.ptr(i0, j);
    double* qo = b.out.tracer.ptr(i0, j);
    const double* h0 = first_stage ? nullptr : b.base->h.ptr(i0, j);
    const double* q0 = first_stage ? nullptr : b.base->tracer.ptr(i0, j);
    // Loop 3: mass and tracer.
#pragma GCC ivdep
    for (int i = 0; i < n; ++i) {
      // Continuity in flux form: h' = h - dt div(U, V).
      const double flux_e = Uc[i + 1], flux_w = Uc[i], flux_n = Vn[i], flux_s = Vc[i];
      const double h1 = hr[i] - dt * ((flux_e - flux_w) * rdx + (flux_n - flux_s) * rdy);
      // Tracer: the flux form h'q' = h q - dt div(F), F = U q_face, evaluated as
      // q' = q + dt [sum over faces of +-U (q - q_face)] / h', which equals it exactly in real
      // arithmetic and keeps uniform tracer and rest states unchanged to the bit.
      const double qc = qr[i];
      const double advection = (flux_e * (qc - X[i + 1]) - flux_w * (qc - X[i])) * rdx +
                               (flux_n * (qc - Tn[i]) - flux_s * (qc - Tc[i])) * rdy;
      if constexpr (first_stage) {
        ho[i] = h1;
        qo[i] = qc + dt * advection / h1;
      } else {
        // SSP-RK3 combination s = s0 + alpha (s' - s0), written as an increment so that a state
        // at rest stays bitwise at rest; the tracer combines h q, written as an increment of q.
        // (Folding the two divisions into one, q0 + alpha (h' (q - q0) + dt advection) / h_new,
        // changes the tracer's bits and measured no faster: the divisions do not limit this loop.)
        const double h_new = h0[i] + alpha * (h1 - h0[i]);
        ho[i] = h_new;
        const double q1 = qc + dt * advection / h1;
        qo[i] = q0[i] + alpha * h1 * (q1 - q0[i]) / h_new;
      }
    }

    const double* ur = u.ptr(i0, j);
    const double* us = u.ptr(i0, j - 1);
    const double* un = u.ptr(i0, j + 1);
    const double* vr = v.ptr(i0, j);
    const double* vs = v.ptr(i0, j - 1);
    const double* vn = v.ptr(i0, j + 1);
    double* uo = b.out.u.ptr(i0, j);
    double* vo = b.out.v.ptr(i0, j);
    const double* u0 = first_stage ? nullptr : b.base->u.ptr(i0, j);
    const double* v0 = first_stage ? nullptr : b.base->v.ptr(i0, j);
    // Loop 4: momentum, vector-invariant form: Sadourny's energy-conserving PV flux (from P and R),
    // Bernoulli gradient, Laplacian viscosity.
#pragma GCC ivdep
    for (int i = 0; i < n; ++i) {
      const double coriolis_u = 0.25 * (Pn[i] + Pc[i]);
      const double laplace_u = (ur[i - 1] - 2.0 * ur[i] + ur[i + 1]) * rdx2 + (us[i] - 2.0 * ur[i] + un[i]) * rdy2;
      const double u1 = ur[i] + dt * ((coriolis_u - (Bc[i] - Bc[i - 1]) * rdx) + nu * laplace_u);
      const double coriolis_v = -0.25 * (Rc[i] + Rc[i + 1]);
      const double laplace_v = (vr[i - 1] - 2.0 * vr[i] + vr[i + 1]) * rdx2 + (vs[i] - 2.0 * vr[i] + vn[i]) * rdy2;
      const double v1 = vr[i] + dt * ((coriolis_v - (Bc[i] - Bm[i]) * rdy) + nu * laplace_v);
      if constexpr (first_stage) {
        uo[i] = u1;
        vo[i] = v1;
      } else {
        uo[i] = u0[i] + alpha * (u1 - u0[i]);
        vo[i] = v0[i] + alpha * (v1 - v0[i]);
      }
    }
    if (j == 0) std::fill_n(vo, n, 0.0);  // v(i, 0) is the south wall
    advance();
  }
}

// The portable build targets baseline x86-64 (SSE2). GCC's function multiversioning compiles the
// stage for AVX-512 and AVX2 as well and picks one at load time (an ifunc), so the binary stays
// portable and uses wide vectors where the CPU has them. The vector width changes no result:
// there are no reductions and no contraction (-ffp-contract=off holds for every clone; check with
// objdump that the clones contain no vfmadd). `flatten` inlines the lambdas into each clone.
// (ifunc needs glibc; a build that already targets AVX2 or better, e.g. PARLAYER_NATIVE, needs no
// clones. A ThreadSanitizer build has none either: the ifunc resolver runs before TSan's runtime
// is up and crashes the program at load time.)
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__GLIBC__) && !defined(__AVX2__) && \
    !defined(__SANITIZE_THREAD__)
#define CLIMATE_TARGET_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLIMATE_TARGET_CLONES
#endif

CLIMATE_TARGET_CLONES [[gnu::flatten]] void stage_any(const StageArgs& args, const StageBoxes& boxes,
                                                       RowBuffers& rows, const parlayer::domain::IndexBox& box) {
  const bool first = args.base == nullptr;
  if (args.scheme == TracerScheme::upwind)
    first ? stage_rows<TracerScheme::upwind, true>(args, boxes, rows, box)
          : stage_rows<TracerScheme::upwind, false>(args, boxes, rows, box);
  else
    first ? stage_rows<TracerScheme::limited, true>(args, boxes, rows, box)
          : stage_rows<TracerScheme::limited, false>(args, boxes, rows, box);
}

}  // namespace

void euler_stage(const StageArgs& args, RowBuffers& rows, const parlayer::domain::Tile& tile) {
  if (tile.box.empty()) return;
  const int l = tile.local;
  if (args.base == nullptr) {
    stage_any(args, {args.in.box(l), nullptr, args.out.box(l), args.bottom[l]}, rows, tile.box);
  } else {
    const StateBoxes<const Field::Box> base = args.base->box(l);
    stage_any(args, {args.in.box(l), &base, args.out.box(l), args.bottom[l]}, rows, tile.box);
  }
}

}  // namespace climate
