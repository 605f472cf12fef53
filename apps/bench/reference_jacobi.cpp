// The reference kernel: what a careful programmer writes by hand for a 2D 5-point Jacobi with MPI.
// Plain arrays, one contiguous ghost row above and below each rank's row block, one ghost column
// left and right (zero: a Dirichlet wall), rows sent in place (no packing), no parlayer code.
// It must stay self-contained: it is the yardstick the library path is compared with.
#include "reference_jacobi.hpp"
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <new>
#include <utility>

#include "parlayer/parallel/interop.hpp"

namespace parlayer::bench {

namespace {

// The same initial value as the library path (stencils.cpp, initial_value), by global index.
double initial_value(int i, int j) { return 1.0 + 0.01 * ((7 * i + 13 * j) % 17); }

// Output rows r and r+1 in one loop (rows r and r+1 of the input are loaded once for both):
// restrict parameters, so the loop vectorises without a run-time alias check. up/down: the input
// rows below r and above r+1. The same technique and expression as the library path's kernel.
inline void jacobi_rows(double* __restrict out, double* __restrict out2, const double* __restrict down,
                        const double* __restrict in, const double* __restrict in2, const double* __restrict up,
                        int n) {
  for (int i = 0; i < n; ++i) {
    out[i] = 0.25 * ((in[i - 1] + in[i + 1]) + (down[i] + in2[i]));
    out2[i] = 0.25 * ((in2[i - 1] + in2[i + 1]) + (in[i] + up[i]));
  }
}
inline void jacobi_row(double* __restrict out, const double* __restrict down, const double* __restrict in,
                       const double* __restrict up, int n) {
  for (int i = 0; i < n; ++i) out[i] = 0.25 * ((in[i - 1] + in[i + 1]) + (down[i] + up[i]));
}

void check(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  std::fprintf(stderr, "reference_jacobi: %s failed (%d)\n", call, rc);
  MPI_Abort(MPI_COMM_WORLD, 1);
}

}  // namespace

struct ReferenceJacobi2D::State {
  MPI_Comm comm = MPI_COMM_NULL;
  int nx = 0, rows = 0, row0 = 0;  // local rows [row0, row0 + rows) of the global grid
  int down = MPI_PROC_NULL, up = MPI_PROC_NULL;
  std::ptrdiff_t stride = 0;        // nx + 2
  double* in = nullptr;             // (rows + 2) x (nx + 2), row 0 and row rows+1 are ghosts
  double* out = nullptr;

  double* row(double* a, int local_row) const { return a + stride * local_row + 1; }

  void sweep(int first, int last) {  // local rows [first, last], 1-based
    int r = first;
    for (; r + 1 <= last; r += 2)
      jacobi_rows(row(out, r), row(out, r + 1), row(in, r - 1), row(in, r), row(in, r + 1), row(in, r + 2), nx);
    if (r == last) jacobi_row(row(out, r), row(in, r - 1), row(in, r), row(in, r + 1), nx);
  }
};

ReferenceJacobi2D::ReferenceJacobi2D(MPI_Comm comm, int nx, int ny) : m(std::make_unique<State>()) {
  check(MPI_Comm_dup(comm, &m->comm), "MPI_Comm_dup");
  MPI_Comm_set_errhandler(m->comm, MPI_ERRORS_ARE_FATAL);
  int rank = 0, size = 1;
  MPI_Comm_rank(m->comm, &rank);
  MPI_Comm_size(m->comm, &size);
  // Blocks of ny / size rows, the first ny % size one row longer (as parlayer's Decomposition).
  const int base = ny / size, extra = ny % size;
  m->rows = base + (rank < extra ? 1 : 0);
  m->row0 = rank * base + std::min(rank, extra);
  m->nx = nx;
  m->stride = nx + 2;
  m->down = rank > 0 ? rank - 1 : MPI_PROC_NULL;
  m->up = rank < size - 1 ? rank + 1 : MPI_PROC_NULL;
  const std::size_t n = static_cast<std::size_t>(m->stride) * static_cast<std::size_t>(m->rows + 2);
  m->in = new (std::align_val_t{64}) double[n]();  // zero: ghosts at walls stay 0
  m->out = new (std::align_val_t{64}) double[n]();
  reset();
}

ReferenceJacobi2D::~ReferenceJacobi2D() {
  ::operator delete[](m->in, std::align_val_t{64});
  ::operator delete[](m->out, std::align_val_t{64});
  MPI_Comm_free(&m->comm);
}

void ReferenceJacobi2D::reset() {
  for (int r = 1; r <= m->rows; ++r) {
    double* p = m->row(m->in, r);
    for (int i = 0; i < m->nx; ++i) p[i] = initial_value(i, m->row0 + r - 1);
  }
}

double ReferenceJacobi2D::run(int steps, bool overlap) {
  State& s = *m;
  const int rows = s.rows;
  check(MPI_Barrier(s.comm), "MPI_Barrier");
  const double t0 = MPI_Wtime();
  for (int step = 0; step < steps; ++step) {
    if (overlap) {
      MPI_Request req[4];
      MPI_Irecv(s.row(s.in, 0), s.nx, MPI_DOUBLE, s.down, 0, s.comm, &req[0]);
      MPI_Irecv(s.row(s.in, rows + 1), s.nx, MPI_DOUBLE, s.up, 1, s.comm, &req[1]);
      MPI_Isend(s.row(s.in, 1), s.nx, MPI_DOUBLE, s.down, 1, s.comm, &req[2]);
      MPI_Isend(s.row(s.in, rows), s.nx, MPI_DOUBLE, s.up, 0, s.comm, &req[3]);
      s.sweep(2, rows - 1);  // rows that read no ghost row
      MPI_Waitall(4, req, MPI_STATUSES_IGNORE);
      s.sweep(1, 1);
      if (rows > 1) s.sweep(rows, rows);
    } else {
      MPI_Sendrecv(s.row(s.in, 1), s.nx, MPI_DOUBLE, s.down, 1, s.row(s.in, rows + 1), s.nx, MPI_DOUBLE,
                   s.up, 1, s.comm, MPI_STATUS_IGNORE);
      MPI_Sendrecv(s.row(s.in, rows), s.nx, MPI_DOUBLE, s.up, 0, s.row(s.in, 0), s.nx, MPI_DOUBLE,
                   s.down, 0, s.comm, MPI_STATUS_IGNORE);
      s.sweep(1, rows);
    }
    std::swap(s.in, s.out);
  }
  double t = (MPI_Wtime() - t0) / steps, slowest = 0;
  MPI_Allreduce(&t, &slowest, 1, MPI_DOUBLE, MPI_MAX, s.comm);
  return slowest;
}

double ReferenceJacobi2D::checksum() const {
  double local = 0, global = 0;
  for (int r = 1; r <= m->rows; ++r) {
    const double* p = m->row(m->in, r);
    for (int i = 0; i < m->nx; ++i) local += p[i];
  }
  MPI_Allreduce(&local, &global, 1, MPI_DOUBLE, MPI_SUM, m->comm);
  return global;
}

}  // namespace parlayer::bench
