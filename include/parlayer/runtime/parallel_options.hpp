#pragma once
/// \file
/// \brief The config keys every parlayer program shares for its parallel layout, and the
///        decomposition built from them.
///
///     [parallel]
///     process_grid = [0, 0]      # ranks along x, y; [0, 0] chooses automatically
///     overlap = true             # hide the halo exchange behind the deep interior
///     halo_backend = "packed"    # "packed" or "datatypes"
#include <vector>

#include "parlayer/domain/decomposition.hpp"
#include "parlayer/halo/halo_exchange.hpp"
#include "parlayer/halo/overlap.hpp"
#include "parlayer/runtime/config.hpp"

namespace parlayer::runtime {

/// \brief Adds parallel.process_grid (with `dimensions` entries), parallel.overlap and
///        parallel.halo_backend to `schema`.
void add_parallel_keys(ConfigSchema& schema, int dimensions = 2);

struct ParallelOptions {
  std::vector<int> process_grid;  ///< empty: automatic
  halo::Overlap overlap = halo::Overlap::on;
  halo::Backend backend = halo::Backend::packed;
};

/// \brief The parallel.* keys of `config`. Local.
ParallelOptions parallel_options(const Config& config);

/// \brief Decomposes `spec` (its process_grid replaced by parallel.process_grid) over `rank_count`
///        ranks. Local (no communication).
/// \throws CollectiveError naming parallel.process_grid when the process grid does not fit the
///         rank count or the grid, or the grid keys otherwise.
domain::Decomposition decompose(domain::GridSpec spec, int rank_count, const Config& config);

}  // namespace parlayer::runtime
