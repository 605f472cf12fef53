#pragma once
/// \file
/// \brief The config keys every parlayer program shares for its parallel layout, and the
///        decomposition built from them.
///
///     [parallel]
///     process_grid = [0, 0]        # ranks along x, y; [0, 0] chooses automatically
///     box_size = [0, 0]            # cells per box along x, y; [0, 0] = one block per rank
///     distribution = "cartesian"   # who owns which box: cartesian, sfc, round_robin, knapsack
///     overlap = true               # hide the halo exchange behind the deep interior
///     halo_backend = "packed"      # "packed" or "datatypes"
///     threads = 0                  # threads per rank; 0 = $OMP_NUM_THREADS, else 1
///     tile_size = [0, 0]           # with threads: cells per tile along x, y; all 0 = automatic
///
/// Two kinds of layout:
///  - one block per rank (box_size all 0, the default): the process grid (automatic, or
///    parallel.process_grid) cuts the grid into one block per rank; distribution "cartesian".
///  - boxes of at most box_size cells (domain::Layout::chopped; an entry 0 leaves that axis
///    uncut), dealt to the ranks by `distribution`: "sfc" (contiguous runs along a Morton
///    curve, about equal cells per rank), "round_robin" (box b to rank b % ranks), "knapsack"
///    (largest box first to the least loaded rank), or "cartesian" (box b to rank b: needs exactly
///    one box per rank). A rank may own many boxes, or none.
#include <string>
#include <vector>

#include "parlayer/domain/decomposition.hpp"
#include "parlayer/halo/halo_exchange.hpp"
#include "parlayer/halo/halo_plan.hpp"
#include "parlayer/halo/overlap.hpp"
#include "parlayer/runtime/config.hpp"

namespace parlayer::runtime {

/// \brief Adds parallel.process_grid, parallel.box_size and parallel.tile_size (with `dimensions`
///        entries each), parallel.distribution, parallel.overlap, parallel.halo_backend and
///        parallel.threads to `schema`.
void add_parallel_keys(ConfigSchema& schema, int dimensions = 2);

struct ParallelOptions {
  std::vector<int> process_grid;  ///< empty: automatic
  std::vector<int> box_size;      ///< empty: one block per rank; else cells per box (0: axis not cut)
  domain::OwnershipStrategy distribution = domain::OwnershipStrategy::cartesian;  ///< weights: cells
  halo::Overlap overlap = halo::Overlap::on;
  transfer::Backend backend = transfer::Backend::packed;
  int threads = 1;                       ///< threads per rank (parallel.threads, or OMP_NUM_THREADS)
  domain::Index3 tile_size = {0, 0, 0};  ///< with threads: tile size (parallel.tile_size; all 0: automatic)
};

/// \brief The parallel.* keys of `config`. Local. parallel.threads = 0 takes the environment's
///        OMP_NUM_THREADS (the variable Slurm's --cpus-per-task scripts and mpirun -x set), else 1.
/// \throws CollectiveError naming the key if a process_grid, box_size or tile_size entry does not
///         fit an int, or naming OMP_NUM_THREADS if it is not a whole number from 1 to 1024.
ParallelOptions parallel_options(const Config& config);

/// \brief Decomposes `spec` over `rank_count` ranks as the parallel.* keys say: one block per rank
///        over the process grid (spec.process_grid replaced by parallel.process_grid), or the grid
///        chopped into boxes of parallel.box_size owned by parallel.distribution. Local (no
///        communication); every rank computes the same decomposition.
/// \throws CollectiveError (one line naming the key) for: a process grid together with box_size,
///         a distribution other than "cartesian" without box_size, "cartesian" with another number
///         of boxes than ranks, a process grid that does not fit the rank count or the grid; the
///         grid keys' errors otherwise.
domain::Decomposition decompose(domain::GridSpec spec, int rank_count, const Config& config);

/// \brief The halo plan of `rank` in `decomposition` (from decompose() with the same `config`).
///        A geometry the plan refuses (a box narrower than the halo width at a wall, or closer to
///        it than the width) is reported against the key that chose the boxes: parallel.box_size,
///        or parallel.process_grid when set; as the plan says otherwise. Local.
/// \throws CollectiveError (every rank finds the same).
halo::HaloPlan make_halo_plan(const domain::Decomposition& decomposition, int rank, int width, halo::Stencil stencil,
                              const Config& config);

/// \brief The layout in words, for a start-up line: "4 ranks (process grid 2x2)" for one block
///        per rank, else e.g. "24 boxes of 16x16 cells (6x4) over 3 ranks, sfc, 8 per rank". Local.
std::string describe_layout(const domain::Decomposition& decomposition, const ParallelOptions& options);

}  // namespace parlayer::runtime
