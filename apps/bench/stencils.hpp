#pragma once
/// \file
/// \brief Stencil kernels through the library's path: Field + HaloPlan + HaloExchange +
///        run_stencil_step, written as a user of the public API would: a kernel gets a Tile and
///        reads the rows of `field[tile]` (FieldBox::ptr), so one kernel serves one box per rank
///        (the default decomposition) and many (a chopped layout), unchanged.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"
#include "parlayer/halo/halo_exchange.hpp"
#include "parlayer/halo/overlap.hpp"
#include "parlayer/parallel/thread_pool.hpp"
#include "parlayer/named_choice.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::bench {

enum class Kernel { five_point_2d, nine_point_2d, seven_point_3d };
/// \brief The kernels by name (--kernels, the JSON's "kernel").
inline constexpr auto kernel_choices = named_choices<Kernel>(
    {{Kernel::five_point_2d, "2d-5pt"}, {Kernel::nine_point_2d, "2d-9pt"}, {Kernel::seven_point_3d, "3d-7pt"}});

/// \brief What a kernel is and what it moves per cell update (double precision, two arrays).
struct KernelInfo {
  Kernel kernel;
  const char* name;            ///< kernel_choices.name(kernel): "2d-5pt", "2d-9pt", "3d-7pt"
  int dimensions;
  halo::Stencil stencil;
  double bytes_counted;        ///< read the input once + write the output: 16
  double bytes_write_allocate; ///< + the output line read before it is written: 24
  int flops;                   ///< adds and multiplies per cell
};
const KernelInfo& info(Kernel kernel);

/// \brief How one step is run, for the throughput and exchange-exposure measurements.
enum class Mode {
  blocking,          ///< run_stencil_step(Overlap::off)
  overlap,           ///< run_stencil_step(Overlap::on)
  overlap_progress,  ///< Overlap::on, the deep interior in chunks with an MPI progress poke between
  exchange_only,     ///< HaloExchange::exchange() alone (no computation)
  compute_only,      ///< the kernels on the same boxes, no exchange
  /// For comparison, not the library's path: start(); the deep interior as split_interior() with
  /// every side peeled (the split HaloExchange used before it peeled only the sides with a
  /// neighbour, so one-cell-wide x strips even where x is not cut); finish(); the rest.
  overlap_all_sides,
};
const char* to_string(Mode mode);

/// \brief How the tiles of a step are run, for the threads suite (issue 13). Every one overlaps
///        (start, deep interior, finish, strips) and computes the same bytes.
enum class Team {
  one_thread,    ///< run_stencil_step(StepOptions{Overlap::on}): the calling thread, regions whole
  pool,          ///< run_stencil_step(StepOptions{Overlap::on, &pool, tile_size}): the library's path
  serial_tiles,  ///< the same tiles as `pool`, one after the other on the calling thread
  openmp,        ///< the same tiles under `#pragma omp parallel for` (openmp_tiles.cpp; if built)
};
const char* to_string(Team team);

/// \brief One timed repetition; every time is per step.
///
/// Communication time of a rank in a step = its step time minus its time inside the kernels
/// (MPI progress calls made from inside a kernel count as communication). Per step, the MINIMUM
/// over ranks is the communication itself: a larger value on another rank is that rank waiting
/// for a slower partner (load imbalance, another process on its core), not communication.
struct StepTiming {
  double step_s = 0;         ///< wall time per step (max over ranks)
  double kernel_s = 0;       ///< inside the kernels (max over ranks)
  double exposed_s = 0;      ///< communication not hidden: per step min over ranks, averaged
  double exposed_wait_s = 0; ///< the same, max over ranks: includes waiting for a slower rank
  double deep_s = 0;         ///< inside the deep-interior kernel (max over ranks)
  double strip_s = 0;        ///< inside the boundary-strip kernels (max over ranks)
  double strip_x_s = 0;      ///< of which the x strips: columns one halo wide (max over ranks)
};
/// \brief Sets every interior cell of every box of `field` to the benchmarks' initial value of its
///        global index (the reference Jacobi uses the same formula). Local.
void fill_initial(domain::Field<double>& field);
/// \brief A hash of every interior cell's bits and global index (in `global`), summed modulo 2^64
///        over all boxes and ranks: equal for equal values on any decomposition, whatever the order
///        of the sum. Collective over `comm`.
std::uint64_t fingerprint(MPI_Comm comm, const domain::Field<double>& field, const domain::IndexBox& global);

/// \brief The default decomposition of `extent` over `ranks` ranks: one block per rank. Local.
domain::Decomposition block_decomposition(const std::vector<int>& extent, int ranks);
/// \brief `extent` chopped into about `boxes_per_rank * ranks` boxes (Layout::chopped, the box
///        counts per axis those of the least-surface process grid for that many "ranks"), owned
///        along a Morton curve (Ownership::space_filling_curve). With `whole_rows`, x is not
///        chopped (boxes span whole rows; the counts along y, z as above). Local.
domain::Decomposition many_box_decomposition(const std::vector<int>& extent, int ranks, int boxes_per_rank,
                                             bool whole_rows = false);
/// \brief `extent` chopped into boxes of at most `box_size` cells per axis (Layout::chopped),
///        owned along a Morton curve. Local.
domain::Decomposition chopped_decomposition(const std::vector<int>& extent, int ranks, const std::vector<int>& box_size);

/// \brief Tiles per step of the busiest rank: of the deep interiors and of the boundary strips.
struct HaloTiles {
  int interior = 0, strip = 0;
};

/// \brief One kernel on one global grid over `comm`, through the library. Allocates two fields.
class LibraryStencil {
public:
  /// \brief The default decomposition (one block per rank). Collective over `comm`.
  LibraryStencil(MPI_Comm comm, Kernel kernel, const std::vector<int>& extent);
  /// \brief Any decomposition over the ranks of `comm`. Collective over `comm`.
  LibraryStencil(MPI_Comm comm, Kernel kernel, domain::Decomposition decomposition);
  ~LibraryStencil();
  LibraryStencil(const LibraryStencil&) = delete;
  LibraryStencil& operator=(const LibraryStencil&) = delete;

  /// \brief Back to the initial condition. Local.
  void reset();
  /// \brief Runs `steps` steps in `mode` with the halo `backend`. Collective.
  StepTiming run(int steps, Mode mode, transfer::Backend backend = transfer::Backend::packed);
  /// \brief Runs `steps` overlapped steps with the tiles run as `team` says (`pool`'s size is the
  ///        thread count of `Team::pool` and `Team::openmp`). step_s as run(); kernel_s is the
  ///        busiest thread's time inside the kernels (per-thread timers); the other fields are 0.
  ///        Collective.
  StepTiming run_team(int steps, Team team, parallel::ThreadPool& pool, const domain::Index3& tile_size);
  /// \brief The tiles of `tile_size` a step runs, on the rank with the most. Collective.
  HaloTiles tile_counts(const domain::Index3& tile_size);
  /// \brief Sum of the interior over all ranks (box by box: depends on the layout in the last
  ///        bits). Collective.
  double checksum() const;
  /// \brief A hash of every interior cell's bits and global index, summed modulo 2^64: equal for
  ///        equal values on any decomposition (the order of the sum does not matter). Collective.
  std::uint64_t fingerprint() const;

  std::int64_t global_cells() const { return m_decomposition.global_box().cells(); }
  const domain::Decomposition& decomposition() const { return m_decomposition; }
  /// \brief The largest message this rank sends to one neighbour, in bytes (max over ranks).
  std::int64_t max_message_bytes() const { return m_max_message; }
  /// \brief Neighbours of the busiest rank.
  int max_neighbours() const { return m_max_neighbours; }
  /// \brief "1x2", "1x1x2" for the default decomposition; "4x8 boxes" for a chopped layout.
  std::string process_grid() const;
  /// \brief The most boxes any rank holds.
  int max_boxes_per_rank() const { return m_decomposition.ownership().max_boxes_per_rank(); }
  /// \brief Bytes this rank copies between its own boxes per exchange (max over ranks).
  std::int64_t local_copy_bytes() const { return m_local_copy_bytes; }
  /// \brief Cells of the deep interior and of the boundary strip on the rank with the most.
  std::int64_t deep_cells() const { return m_deep_cells; }
  std::int64_t strip_cells() const { return m_strip_cells; }
  /// \brief Cells of the x strips (the boundary-strip boxes that are columns) on that rank.
  std::int64_t strip_x_cells() const { return m_strip_x_cells; }

private:
  MPI_Comm m_comm;
  int m_rank;
  Kernel m_kernel;
  domain::Decomposition m_decomposition;
  halo::HaloExchange m_packed, m_datatypes;
  std::unique_ptr<domain::Field<double>> m_a, m_b;
  domain::Field<double>* m_in;
  domain::Field<double>* m_out;
  std::int64_t m_max_message = 0, m_local_copy_bytes = 0;
  int m_max_neighbours = 0;
  std::int64_t m_deep_cells = 0, m_strip_cells = 0, m_strip_x_cells = 0;
};

/// \brief The halo message sizes (bytes per neighbour) of `kernel` on `extent` over `ranks`
///        ranks: what the ping-pong should also measure. Local.
std::vector<std::int64_t> halo_message_sizes(Kernel kernel, const std::vector<int>& extent, int ranks);

}  // namespace parlayer::bench
