#include "parlayer/runtime/parallel_options.hpp"

#include <algorithm>

namespace parlayer::runtime {

void add_parallel_keys(ConfigSchema& schema, int dimensions) {
  schema.add_int_list("parallel.process_grid", IntegerList(static_cast<std::size_t>(dimensions), 0),
                      "ranks along each axis (x first); all 0 = automatic (least halo surface)")
      .entries(static_cast<std::size_t>(dimensions))
      .at_least(0);
  schema.add_bool("parallel.overlap", true,
                  "overlap the halo exchange with the deep interior (results are identical either way)");
  schema.add_string("parallel.halo_backend", "packed",
                    "how ghosts travel: packed buffers or MPI derived datatypes (identical results)")
      .one_of({"packed", "datatypes"});
}

ParallelOptions parallel_options(const Config& config) {
  ParallelOptions o;
  const IntegerList& grid = config.integer_list("parallel.process_grid");
  if (std::any_of(grid.begin(), grid.end(), [](std::int64_t p) { return p != 0; }))
    for (const std::int64_t p : grid) o.process_grid.push_back(static_cast<int>(p));
  o.overlap = config.boolean("parallel.overlap") ? halo::Overlap::on : halo::Overlap::off;
  o.backend = halo::backend_from_string(config.string("parallel.halo_backend"));
  return o;
}

domain::Decomposition decompose(domain::GridSpec spec, int rank_count, const Config& config) {
  spec.process_grid = parallel_options(config).process_grid;
  try {
    return domain::Decomposition(spec, rank_count);
  } catch (const CollectiveError& e) {
    if (spec.process_grid.empty()) throw;
    throw config.error("parallel.process_grid", std::string(e.what()) + " (use [0, 0] for automatic)");
  }
}

}  // namespace parlayer::runtime
