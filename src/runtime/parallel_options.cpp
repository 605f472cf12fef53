#include "parlayer/runtime/parallel_options.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace parlayer::runtime {

namespace {

// The entries of an integer list key, or an empty list if they are all 0.
std::vector<int> unless_all_zero(std::vector<int> list) {
  if (std::all_of(list.begin(), list.end(), [](int p) { return p == 0; })) list.clear();
  return list;
}

std::string joined(const std::vector<int>& values, const std::string& separator) {
  std::string out;
  for (const int v : values) {
    if (!out.empty()) out += separator;
    out += std::to_string(v);
  }
  return out;
}

}  // namespace

void add_parallel_keys(ConfigSchema& schema, int dimensions) {
  const IntegerList zeros(static_cast<std::size_t>(dimensions), 0);
  schema.add_int_list("parallel.process_grid", zeros,
                      "ranks along each axis (x first), one block per rank; all 0 = automatic (least halo surface)")
      .entries(static_cast<std::size_t>(dimensions))
      .at_least(0);
  schema.add_int_list("parallel.box_size", zeros,
                      "cells per box along each axis (x first): the grid cut into boxes of at most this size, "
                      "dealt to the ranks by parallel.distribution (a rank may own many or none); 0 = that axis "
                      "uncut; all 0 = one block per rank")
      .entries(static_cast<std::size_t>(dimensions))
      .at_least(0);
  schema.add_string("parallel.distribution", "cartesian",
                    "who owns which box: cartesian (box b on rank b: one per rank), sfc (runs along a space-filling "
                    "curve), round_robin, knapsack (largest first to the least loaded); all but cartesian need "
                    "parallel.box_size")
      .one_of(domain::ownership_strategy_choices.names());
  schema.add_bool("parallel.overlap", true,
                  "overlap the halo exchange with the deep interior (results are identical either way)");
  schema.add_string("parallel.halo_backend", "packed",
                    "how ghosts travel: packed buffers or MPI derived datatypes (identical results)")
      .one_of(transfer::backend_choices.names());
  schema.add_int("parallel.threads", 0,
                 "threads per rank running the kernels' tiles (identical results for any count); 0 = the "
                 "environment's OMP_NUM_THREADS, else 1")
      .at_least(0)
      .at_most(1024);
  schema.add_int_list("parallel.tile_size", IntegerList(static_cast<std::size_t>(dimensions), 0),
                      "with several threads: cells per tile along each axis (x first; an entry 0 = the whole "
                      "extent); tiles are what the threads share out; all 0 = automatic: whole rows in slabs of "
                      "16 rows (2D), whole planes in slabs of 8 (3D)")
      .entries(static_cast<std::size_t>(dimensions))
      .at_least(0);
}

static int threads_from_environment() {
  const char* text = std::getenv("OMP_NUM_THREADS");
  if (!text || !*text) return 1;
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(text, &end, 10);
  // OMP_NUM_THREADS may be a list ("4,2" for nested levels): the first entry is this level's.
  if (end == text || (*end != '\0' && *end != ',') || errno != 0 || n < 1 || n > 1024)
    throw CollectiveError(std::string("environment variable OMP_NUM_THREADS = '") + text +
                          "' is not a thread count from 1 to 1024 (parallel.threads = 0 reads it)");
  return static_cast<int>(n);
}

ParallelOptions parallel_options(const Config& config) {
  ParallelOptions o;
  o.process_grid = unless_all_zero(config.integer_list_as<int>("parallel.process_grid"));
  o.box_size = unless_all_zero(config.integer_list_as<int>("parallel.box_size"));
  o.distribution = config.choice("parallel.distribution", domain::ownership_strategy_choices);
  o.overlap = config.boolean("parallel.overlap") ? halo::Overlap::on : halo::Overlap::off;
  o.backend = config.choice("parallel.halo_backend", transfer::backend_choices);
  o.threads = config.integer_as<int>("parallel.threads");
  if (o.threads == 0) o.threads = threads_from_environment();
  const std::vector<int> tile = config.integer_list_as<int>("parallel.tile_size");
  o.tile_size = {0, 0, 0};
  for (std::size_t a = 0; a < tile.size() && a < 3; ++a) o.tile_size[a] = tile[a];
  return o;
}

domain::Decomposition decompose(domain::GridSpec spec, int rank_count, const Config& config) {
  const ParallelOptions o = parallel_options(config);
  if (o.box_size.empty()) {
    if (o.distribution != domain::OwnershipStrategy::cartesian)
      throw config.error("parallel.distribution",
                         "needs parallel.box_size: without it every rank gets one block (\"cartesian\"); set "
                         "parallel.box_size = [nx, ny] to cut the grid into boxes to distribute");
    spec.process_grid = o.process_grid;
    try {
      return domain::Decomposition(spec, rank_count);
    } catch (const CollectiveError& e) {
      if (spec.process_grid.empty()) throw;
      throw config.error("parallel.process_grid", std::string(e.what()) + " (use [0, 0] for automatic)");
    }
  }
  if (!o.process_grid.empty())
    throw config.error("parallel.box_size",
                       "cannot be combined with parallel.process_grid = [" + joined(o.process_grid, ", ") +
                           "]: set the process grid (one block per rank) or the box size (boxes dealt by "
                           "parallel.distribution), not both");
  spec.process_grid.clear();
  domain::Index3 size{0, 0, 0};
  for (std::size_t a = 0; a < o.box_size.size() && a < 3; ++a) size[a] = o.box_size[a];
  domain::Layout layout = domain::Layout::chopped(spec, size);  // grid errors are the grid keys'
  if (o.distribution == domain::OwnershipStrategy::cartesian && layout.size() != rank_count)
    throw config.error("parallel.box_size",
                       "gives " + std::to_string(layout.size()) + " boxes for " + std::to_string(rank_count) +
                           " ranks, but parallel.distribution = \"cartesian\" puts one box on each rank; use "
                           "\"sfc\", \"round_robin\" or \"knapsack\", or a box size giving one box per rank");
  domain::Ownership ownership = domain::Ownership::of(o.distribution, layout, rank_count);
  return domain::Decomposition(std::move(layout), std::move(ownership));
}

halo::HaloPlan make_halo_plan(const domain::Decomposition& decomposition, int rank, int width, halo::Stencil stencil,
                              const Config& config) {
  try {
    return halo::HaloPlan(decomposition, rank, width, stencil);
  } catch (const CollectiveError& e) {
    const ParallelOptions o = parallel_options(config);
    const std::string key = !o.box_size.empty() ? "parallel.box_size"
                            : !o.process_grid.empty() ? "parallel.process_grid"
                                                      : "";
    if (key.empty()) throw;
    throw config.error(key, e.what());
  }
}

std::string describe_layout(const domain::Decomposition& d, const ParallelOptions& options) {
  const int ranks = d.rank_count();
  const domain::Index3& grid = d.process_grid();
  if (options.box_size.empty() && grid[0] > 0) {
    std::vector<int> p(grid.begin(), grid.begin() + d.dimensions());
    return std::to_string(ranks) + " ranks (process grid " + joined(p, "x") + ")";  // as before box_size
  }
  const domain::Layout& layout = d.layout();
  std::vector<int> largest(static_cast<std::size_t>(d.dimensions()), 0);
  bool uniform = true;
  for (const domain::IndexBox& box : layout.boxes())
    for (int a = 0; a < d.dimensions(); ++a) {
      uniform = uniform && box.extent(a) == layout.box(0).extent(a);
      largest[static_cast<std::size_t>(a)] = std::max(largest[static_cast<std::size_t>(a)], box.extent(a));
    }
  std::string text = std::to_string(layout.size()) + (layout.size() == 1 ? " box of " : " boxes of ") +
                     (uniform ? "" : "up to ") + joined(largest, "x") + " cells";
  const domain::Index3& blocks = layout.block_grid();
  if (blocks[0] > 0)
    text += " (" + joined(std::vector<int>(blocks.begin(), blocks.begin() + d.dimensions()), "x") + ")";
  text += " over " + std::to_string(ranks) + (ranks == 1 ? " rank, " : " ranks, ") + to_string(options.distribution);
  int fewest = layout.size(), most = 0, idle = 0;
  for (int r = 0; r < ranks; ++r) {
    const int n = static_cast<int>(d.boxes_of(r).size());
    fewest = std::min(fewest, n);
    most = std::max(most, n);
    idle += n == 0;
  }
  text += ", " + (fewest == most ? std::to_string(most) : std::to_string(fewest) + "-" + std::to_string(most)) +
          " per rank";
  if (idle > 0) text += " (" + std::to_string(idle) + (idle == 1 ? " rank owns none)" : " ranks own none)");
  return text;
}

}  // namespace parlayer::runtime
