#include "stencils.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <set>
#include <utility>

#include "openmp_tiles.hpp"
#include "parlayer/error.hpp"
#include "parlayer/halo/halo_plan.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/parallel/interop.hpp"


namespace parlayer::bench {

using domain::Field;
using domain::IndexBox;
using domain::Tile;

namespace {

const KernelInfo kernels[] = {
    {Kernel::five_point_2d, kernel_choices.name(Kernel::five_point_2d), 2, halo::Stencil::star, 16, 24, 4},
    {Kernel::nine_point_2d, kernel_choices.name(Kernel::nine_point_2d), 2, halo::Stencil::box, 16, 24, 12},
    {Kernel::seven_point_3d, kernel_choices.name(Kernel::seven_point_3d), 3, halo::Stencil::star, 16, 24, 6},
};

// The initial condition, by global index (reference_jacobi.cpp uses the same formula).
double initial_value(int i, int j, int k) { return 1.0 + 0.01 * ((7 * i + 13 * j + 5 * k) % 17); }

// Row kernels, two output rows per call ("unroll and jam"): rows j and j+1 of the output share
// the input rows j and j+1, so each input element is loaded once for both and a sweep reads two
// input rows per output row instead of three (+24% on one core, docs/performance.md). Every
// output cell is the same expression as in a one-row loop: the results do not depend on the
// pairing. restrict-qualified parameters tell the compiler that the output rows do not alias the
// input rows, so the loops vectorise without a run-time overlap check.
//   s, c, n, nn: input rows j-1, j, j+1, j+2; o, o2: output rows j, j+1 (o2, nn unused unless pair).
inline double five_point(const double* c, const double* s, const double* n, int i) {
  return 0.25 * ((c[i - 1] + c[i + 1]) + (s[i] + n[i]));
}
inline double nine_point(const double* c, const double* s, const double* n, int i) {
  return 0.1 * (4.0 * c[i] + ((c[i - 1] + c[i + 1]) + (s[i] + n[i])) +
                0.5 * ((s[i - 1] + s[i + 1]) + (n[i - 1] + n[i + 1])));
}
template <double (*Point)(const double*, const double*, const double*, int)>
inline void rows_2d(double* __restrict o, double* __restrict o2, const double* __restrict s,
                    const double* __restrict c, const double* __restrict n, const double* __restrict nn,
                    int len, bool pair) {
  if (!pair) {
    for (int i = 0; i < len; ++i) o[i] = Point(c, s, n, i);
    return;
  }
  for (int i = 0; i < len; ++i) {
    o[i] = Point(c, s, n, i);
    o2[i] = Point(n, c, nn, i);
  }
}

// b, t: row j of the planes below (k-1) and above (k+1). One row per call (see pairs_pay).
inline void row_7pt(double* __restrict o, const double* __restrict s, const double* __restrict c,
                    const double* __restrict n, const double* __restrict b, const double* __restrict t,
                    int len) {
  constexpr double sixth = 1.0 / 6.0;
  for (int i = 0; i < len; ++i) o[i] = sixth * (((c[i - 1] + c[i + 1]) + (s[i] + n[i])) + (b[i] + t[i]));
}

// Whether processing rows in pairs pays for a kernel, measured at 1 rank: 2D 5-point +24%,
// 2D 9-point +8%; the 3D 7-point runs 37% slower in pairs (ten row streams instead of five),
// so it keeps one row per call.
template <Kernel K>
constexpr bool pairs_pay = K != Kernel::seven_point_3d;

// The kernel on one box of the interior: one call per pair of rows (j, j+1) of the box (where
// pairs pay), else and at the end of an odd count one call per row.
template <Kernel K>
void apply_box(const domain::FieldBox<double>& in, domain::FieldBox<double>& out, const IndexBox& b) {
  const std::ptrdiff_t sy = in.stride_y(), sz = in.stride_z();
  const int len = b.extent(0);
  if (len == 0) return;
  for (int k = b.lo[2]; k < b.hi[2]; ++k)
    for (int j = b.lo[1]; j < b.hi[1];) {
      const bool pair = pairs_pay<K> && j + 1 < b.hi[1];
      const double* c = in.ptr(b.lo[0], j, k);
      double* o = out.ptr(b.lo[0], j, k);
      // The second output row and the row after next exist only for a pair (never read otherwise).
      double* o2 = pair ? o + sy : o;
      const double* nn = pair ? c + 2 * sy : c;
      if constexpr (K == Kernel::five_point_2d) rows_2d<five_point>(o, o2, c - sy, c, c + sy, nn, len, pair);
      if constexpr (K == Kernel::nine_point_2d) rows_2d<nine_point>(o, o2, c - sy, c, c + sy, nn, len, pair);
      if constexpr (K == Kernel::seven_point_3d) row_7pt(o, c - sy, c, c + sy, c - sz, c + sz, len);
      j += pair ? 2 : 1;
    }
}

// The kernel on one tile: `field[tile]` is the box the tile lies in (any layout, any number of
// boxes per rank), the loops are apply_box's.
void apply(Kernel kernel, const Field<double>& in, Field<double>& out, const Tile& t) {
  switch (kernel) {
    case Kernel::five_point_2d: return apply_box<Kernel::five_point_2d>(in[t], out[t], t.box);
    case Kernel::nine_point_2d: return apply_box<Kernel::nine_point_2d>(in[t], out[t], t.box);
    case Kernel::seven_point_3d: return apply_box<Kernel::seven_point_3d>(in[t], out[t], t.box);
  }
}

// splitmix64's finaliser: a well-mixed hash of one cell's bits and global index.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A boundary-strip box that is an x strip: narrower along x than the interior, at most one halo
// wide (split_interior peels x first, so these are the columns at the x ends of every row). The
// library's split has them only where x is cut (or periodic).
bool is_x_strip(const IndexBox& box, const IndexBox& interior) {
  return box.extent(0) <= 1 && interior.extent(0) > 2;
}


}  // namespace

const KernelInfo& info(Kernel kernel) {
  for (const KernelInfo& k : kernels)
    if (k.kernel == kernel) return k;
  return kernels[0];
}

const char* to_string(Mode mode) {
  switch (mode) {
    case Mode::blocking: return "blocking";
    case Mode::overlap: return "overlap";
    case Mode::overlap_progress: return "overlap+progress";
    case Mode::exchange_only: return "exchange-only";
    case Mode::compute_only: return "compute-only";
    case Mode::overlap_all_sides: return "overlap-all-sides";
  }
  return "?";
}

const char* to_string(Team team) {
  switch (team) {
    case Team::one_thread: return "one-thread";
    case Team::pool: return "pool";
    case Team::serial_tiles: return "serial-tiles";
    case Team::openmp: return "openmp";
  }
  return "?";
}

std::vector<std::int64_t> halo_message_sizes(Kernel kernel, const std::vector<int>& extent, int ranks) {
  const domain::Decomposition d = block_decomposition(extent, ranks);
  std::set<std::int64_t> sizes;
  for (int r = 0; r < ranks; ++r) {
    const halo::HaloPlan plan(d, r, 1, info(kernel).stencil);
    for (const transfer::PeerTransfer& peer : plan.transfers().peers) {
      std::int64_t cells = 0;
      for (const transfer::BoxRegion& region : peer.send) cells += region.cells.cells();
      sizes.insert(cells * static_cast<std::int64_t>(sizeof(double)));
    }
  }
  return {sizes.begin(), sizes.end()};
}

void fill_initial(Field<double>& field) {
  for (domain::FieldBox<double>& f : field) {
    const IndexBox& b = f.interior();
    for (int k = b.lo[2]; k < b.hi[2]; ++k)
      for (int j = b.lo[1]; j < b.hi[1]; ++j) {
        double* row = f.ptr(b.lo[0], j, k);
        for (int i = b.lo[0]; i < b.hi[0]; ++i) row[i - b.lo[0]] = initial_value(i, j, k);
      }
  }
}

std::uint64_t fingerprint(MPI_Comm comm, const Field<double>& field, const IndexBox& global) {
  const auto nx = static_cast<std::uint64_t>(global.extent(0)), ny = static_cast<std::uint64_t>(global.extent(1));
  std::uint64_t local = 0;
  for (const domain::FieldBox<double>& f : field) {
    const IndexBox& b = f.interior();
    for (int k = b.lo[2]; k < b.hi[2]; ++k)
      for (int j = b.lo[1]; j < b.hi[1]; ++j) {
        const double* row = f.ptr(b.lo[0], j, k);
        for (int i = b.lo[0]; i < b.hi[0]; ++i) {
          std::uint64_t bits = 0;
          std::memcpy(&bits, &row[i - b.lo[0]], sizeof bits);
          const std::uint64_t index = static_cast<std::uint64_t>(i) +
                                      nx * (static_cast<std::uint64_t>(j) + ny * static_cast<std::uint64_t>(k));
          local += mix(bits ^ mix(index));
        }
      }
  }
  std::uint64_t total = 0;
  PARLAYER_MPI_CHECK(MPI_Allreduce(&local, &total, 1, MPI_UINT64_T, MPI_SUM, comm));
  return total;
}

domain::Decomposition block_decomposition(const std::vector<int>& extent, int ranks) {
  return domain::Decomposition(domain::GridSpec{extent, {}, {}}, ranks);
}

domain::Decomposition many_box_decomposition(const std::vector<int>& extent, int ranks, int boxes_per_rank,
                                             bool whole_rows) {
  const domain::GridSpec grid{extent, {}, {}};
  // Boxes per axis as a process grid for ranks * boxes_per_rank ranks would have them: the least
  // halo surface, long rows first (for whole rows: of a grid one cell wide, so x is never cut).
  // Layout::chopped then makes boxes of at most that size.
  domain::GridSpec counted = grid;
  if (whole_rows) counted.extent[0] = 1;
  const domain::Index3 counts = domain::automatic_process_grid(counted, ranks * boxes_per_rank);
  std::vector<int> max_size(extent.size());
  for (std::size_t a = 0; a < extent.size(); ++a)
    max_size[a] = counts[a] > 0 ? (extent[a] + counts[a] - 1) / counts[a] : extent[a];
  return chopped_decomposition(extent, ranks, max_size);
}

domain::Decomposition chopped_decomposition(const std::vector<int>& extent, int ranks, const std::vector<int>& box_size) {
  domain::Index3 max_size{0, 0, 0};
  for (std::size_t a = 0; a < extent.size() && a < box_size.size(); ++a) max_size[a] = box_size[a];
  domain::Layout layout = domain::Layout::chopped(domain::GridSpec{extent, {}, {}}, max_size);
  domain::Ownership owners = domain::Ownership::space_filling_curve(layout, ranks);
  return domain::Decomposition(std::move(layout), std::move(owners));
}

LibraryStencil::LibraryStencil(MPI_Comm comm, Kernel kernel, const std::vector<int>& extent)
    : LibraryStencil(comm, kernel, block_decomposition(extent, comm_size(comm))) {}

LibraryStencil::LibraryStencil(MPI_Comm comm, Kernel kernel, domain::Decomposition decomposition)
    : m_comm(comm),
      m_rank(comm_rank(comm)),
      m_kernel(kernel),
      m_decomposition(std::move(decomposition)),
      m_packed(halo::HaloPlan(m_decomposition, m_rank, 1, info(kernel).stencil), comm, transfer::Backend::packed),
      m_datatypes(halo::HaloPlan(m_decomposition, m_rank, 1, info(kernel).stencil), comm,
                  transfer::Backend::datatypes),
      m_a(std::make_unique<Field<double>>("u", m_decomposition, m_rank, 1)),
      m_b(std::make_unique<Field<double>>("u_next", m_decomposition, m_rank, 1)),
      m_in(m_a.get()),
      m_out(m_b.get()) {
  std::int64_t largest = 0;
  for (const transfer::PeerTransfer& peer : m_packed.plan().transfers().peers) {
    std::int64_t cells = 0;
    for (const transfer::BoxRegion& r : peer.send) cells += r.cells.cells();
    largest = std::max(largest, cells * static_cast<std::int64_t>(sizeof(double)));
  }
  m_max_message = static_cast<std::int64_t>(max_over(comm, static_cast<double>(largest)));
  m_max_neighbours = static_cast<int>(max_over(comm, static_cast<double>(m_packed.plan().transfers().peers.size())));
  std::int64_t local_cells = 0;
  for (const transfer::LocalCopy& copy : m_packed.plan().transfers().local) local_cells += copy.from.cells.cells();
  m_local_copy_bytes = static_cast<std::int64_t>(
      max_over(comm, static_cast<double>(local_cells * static_cast<std::int64_t>(sizeof(double)))));
  std::int64_t deep_cells = 0, strip_cells = 0, x_cells = 0;
  const std::vector<domain::InteriorSplit>& splits = m_packed.interior_splits();
  for (std::size_t l = 0; l < splits.size(); ++l) {
    const IndexBox& interior = m_packed.plan().interior(static_cast<int>(l));
    deep_cells += splits[l].deep.cells();
    strip_cells += interior.cells() - splits[l].deep.cells();
    for (const IndexBox& box : splits[l].strip)
      if (is_x_strip(box, interior)) x_cells += box.cells();
  }
  m_deep_cells = static_cast<std::int64_t>(max_over(comm, static_cast<double>(deep_cells)));
  m_strip_cells = static_cast<std::int64_t>(max_over(comm, static_cast<double>(strip_cells)));
  m_strip_x_cells = static_cast<std::int64_t>(max_over(comm, static_cast<double>(x_cells)));
  // Walled on every axis with ghosts that stay 0 (a Dirichlet boundary, as the reference has):
  // said explicitly, so a checked run does not report walls without a condition.
  for (Field<double>* f : {m_a.get(), m_b.get()})
    for (int axis = 0; axis < 3; ++axis) f->set_boundary_condition(axis, domain::BoundaryCondition::none());
  reset();
}

LibraryStencil::~LibraryStencil() = default;

void LibraryStencil::reset() {
  m_in = m_a.get();
  m_out = m_b.get();
  fill_initial(*m_in);
}

StepTiming LibraryStencil::run(int steps, Mode mode, transfer::Backend backend) {
  halo::HaloExchange& exchange = backend == transfer::Backend::packed ? m_packed : m_datatypes;
  const std::vector<domain::InteriorSplit>& splits = exchange.interior_splits();
  std::vector<IndexBox> interiors;
  std::vector<domain::InteriorSplit> all_sides;
  for (std::size_t l = 0; l < splits.size(); ++l) {
    interiors.push_back(exchange.plan().interior(static_cast<int>(l)));
    all_sides.push_back(domain::split_interior(interiors.back(), exchange.plan().ghost_widths()));
  }
  double deep = 0, strip = 0, strip_x = 0;
  auto deep_kernel = [&](const Tile& t) {
    const double t0 = now();
    apply(m_kernel, *m_in, *m_out, t);
    deep += now() - t0;
  };
  // The deep interior in ~32 slabs along the slowest axis, with an MPI call between slabs: Open
  // MPI moves messages only inside MPI calls, so this is what lets a rendezvous-sized message
  // travel while we compute. (The library has no progress hook; MPI_Iprobe drives the engine.)
  // The time inside MPI_Iprobe is communication, not kernel time.
  auto deep_kernel_progress = [&](const Tile& t) {
    const IndexBox& box = t.box;
    const int axis = box.extent(2) > 1 ? 2 : 1;
    const int chunk = std::max(1, box.extent(axis) / 32);
    for (int lo = box.lo[axis]; lo < box.hi[axis]; lo += chunk) {
      IndexBox slab = box;
      slab.lo[axis] = lo;
      slab.hi[axis] = std::min(lo + chunk, box.hi[axis]);
      const double t0 = now();
      apply(m_kernel, *m_in, *m_out, Tile{slab, t.local});
      deep += now() - t0;
      int flag = 0;
      PARLAYER_MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, m_comm, &flag, MPI_STATUS_IGNORE));
    }
  };
  auto strip_kernel = [&](const Tile& t) {
    const double t0 = now();
    apply(m_kernel, *m_in, *m_out, t);
    const double dt = now() - t0;
    strip += dt;
    if (is_x_strip(t.box, interiors[static_cast<std::size_t>(t.local)])) strip_x += dt;
  };
  // The kernels on every box as the library's split has them, or as `all_sides` has them.
  auto deep_parts = [&](const std::vector<domain::InteriorSplit>& split) {
    for (std::size_t l = 0; l < split.size(); ++l)
      if (!split[l].deep.empty()) deep_kernel(Tile{split[l].deep, static_cast<int>(l)});
  };
  auto strip_parts = [&](const std::vector<domain::InteriorSplit>& split) {
    for (std::size_t l = 0; l < split.size(); ++l)
      for (const IndexBox& box : split[l].strip) strip_kernel(Tile{box, static_cast<int>(l)});
  };

  std::vector<double> comm(static_cast<std::size_t>(steps)), comm_min(comm.size());
  PARLAYER_MPI_CHECK(MPI_Barrier(m_comm));
  const double t0 = now();
  for (int step = 0; step < steps; ++step) {
    const double step_start = now(), kernels_before = deep + strip;
    switch (mode) {
      case Mode::blocking:
        halo::run_stencil_step(exchange, halo::Overlap::off, deep_kernel, strip_kernel, *m_in);
        break;
      case Mode::overlap:
        halo::run_stencil_step(exchange, halo::Overlap::on, deep_kernel, strip_kernel, *m_in);
        break;
      case Mode::overlap_progress:
        halo::run_stencil_step(exchange, halo::Overlap::on, deep_kernel_progress, strip_kernel, *m_in);
        break;
      case Mode::overlap_all_sides: {
        halo::PendingExchange pending = exchange.start(*m_in);
        deep_parts(all_sides);
        pending.finish();
        strip_parts(all_sides);
        break;
      }
      case Mode::exchange_only: exchange.exchange(*m_in); break;
      case Mode::compute_only:
        deep_parts(splits);
        strip_parts(splits);
        break;
    }
    if (mode != Mode::exchange_only) std::swap(m_in, m_out);
    comm[static_cast<std::size_t>(step)] = (now() - step_start) - (deep + strip - kernels_before);
  }
  const double total = now() - t0;
  PARLAYER_MPI_CHECK(MPI_Allreduce(comm.data(), comm_min.data(), steps, MPI_DOUBLE, MPI_MIN, m_comm));
  double exposed = 0, exposed_here = 0;
  for (int s = 0; s < steps; ++s) exposed += comm_min[static_cast<std::size_t>(s)], exposed_here += comm[static_cast<std::size_t>(s)];
  StepTiming t;
  t.step_s = max_over(m_comm, total) / steps;
  t.exposed_s = exposed / steps;
  t.exposed_wait_s = max_over(m_comm, exposed_here) / steps;
  t.deep_s = max_over(m_comm, deep) / steps;
  t.strip_s = max_over(m_comm, strip) / steps;
  t.strip_x_s = max_over(m_comm, strip_x) / steps;
  t.kernel_s = max_over(m_comm, deep + strip) / steps;
  return t;
}

StepTiming LibraryStencil::run_team(int steps, Team team, parallel::ThreadPool& pool, const domain::Index3& tile_size) {
  halo::HaloExchange& exchange = m_packed;
  // Per-thread time inside the kernels, each on its own cache line (threads write them at once).
  struct alignas(64) Busy {
    double seconds = 0;
  };
  std::vector<Busy> busy(static_cast<std::size_t>(std::max(pool.size(), 1)));
  auto kernel = [&](const Tile& t, int thread) {
    const double t0 = now();
    apply(m_kernel, *m_in, *m_out, t);
    busy[static_cast<std::size_t>(thread)].seconds += now() - t0;
  };
  auto tile_kernel = [&](const Tile& t) { kernel(t, t.thread); };
  const halo::HaloExchange::Tiles* tiles =
      team == Team::serial_tiles || team == Team::openmp ? &exchange.tiles(tile_size) : nullptr;
  auto openmp = [&](const std::vector<Tile>& list) {
    openmp_run_tiles(list, pool.size(),
                     [](void* k, const Tile& t, int thread) { (*static_cast<decltype(kernel)*>(k))(t, thread); },
                     &kernel);
  };

  PARLAYER_MPI_CHECK(MPI_Barrier(m_comm));
  const double t0 = now();
  for (int step = 0; step < steps; ++step) {
    switch (team) {
      case Team::one_thread:
        halo::run_stencil_step(exchange, halo::StepOptions{halo::Overlap::on, nullptr, tile_size}, tile_kernel,
                               tile_kernel, *m_in);
        break;
      case Team::pool:
        halo::run_stencil_step(exchange, halo::StepOptions{halo::Overlap::on, &pool, tile_size}, tile_kernel,
                               tile_kernel, *m_in);
        break;
      case Team::serial_tiles: {
        halo::PendingExchange pending = exchange.start(*m_in);
        for (const Tile& t : tiles->interior) kernel(t, 0);
        pending.finish();
        for (const Tile& t : tiles->strip) kernel(t, 0);
        break;
      }
      case Team::openmp: {
        halo::PendingExchange pending = exchange.start(*m_in);
        openmp(tiles->interior);
        pending.finish();
        openmp(tiles->strip);
        break;
      }
    }
    std::swap(m_in, m_out);
  }
  const double total = now() - t0;
  double busiest = 0;
  for (const Busy& b : busy) busiest = std::max(busiest, b.seconds);
  StepTiming t;
  t.step_s = max_over(m_comm, total) / steps;
  t.kernel_s = max_over(m_comm, busiest) / steps;
  return t;
}

HaloTiles LibraryStencil::tile_counts(const domain::Index3& tile_size) {
  const halo::HaloExchange::Tiles& tiles = m_packed.tiles(tile_size);
  return {static_cast<int>(max_over(m_comm, static_cast<double>(tiles.interior.size()))),
          static_cast<int>(max_over(m_comm, static_cast<double>(tiles.strip.size())))};
}

double LibraryStencil::checksum() const {
  double local = 0;
  for (const domain::FieldBox<double>& f : *m_in) {
    const IndexBox& b = f.interior();
    for (int k = b.lo[2]; k < b.hi[2]; ++k)
      for (int j = b.lo[1]; j < b.hi[1]; ++j) {
        const double* row = f.ptr(b.lo[0], j, k);
        for (int i = 0; i < b.extent(0); ++i) local += row[i];
      }
  }
  return sum_over(m_comm, local);
}

std::uint64_t LibraryStencil::fingerprint() const {
  return bench::fingerprint(m_comm, *m_in, m_decomposition.global_box());
}

std::string LibraryStencil::process_grid() const {
  const bool blocks = m_decomposition.process_grid()[0] > 0;
  const auto& g = blocks ? m_decomposition.process_grid() : m_decomposition.layout().block_grid();
  const std::string grid =
      m_decomposition.dimensions() == 3 ? format("%dx%dx%d", g[0], g[1], g[2]) : format("%dx%d", g[0], g[1]);
  return blocks ? grid : grid + " boxes";
}

}  // namespace parlayer::bench
