#include "parlayer/domain/decomposition.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "parlayer/error.hpp"

namespace parlayer::domain {

namespace {

const char* const axis_name[3] = {"x", "y", "z"};

std::string grid_text(const Index3& g, int dims) {
  std::string s = std::to_string(g[0]) + "x" + std::to_string(g[1]);
  if (dims == 3) s += "x" + std::to_string(g[2]);
  return s;
}

// Cell faces cut between blocks: what a halo exchange of width 1 moves across the whole grid.
std::int64_t cut_surface(const Index3& grid, const Index3& extent) {
  std::int64_t surface = 0;
  for (int a = 0; a < 3; ++a) {
    std::int64_t face = 1;
    for (int b = 0; b < 3; ++b)
      if (b != a) face *= extent[b];
    surface += std::int64_t{grid[a] - 1} * face;
  }
  return surface;
}

// The process grid of Decomposition(spec, rank_count), checked (see the header).
Index3 process_grid_of(const GridSpec& spec, int rank_count) {
  const int dims = static_cast<int>(spec.extent.size());
  if (dims != 2 && dims != 3)
    throw CollectiveError("decomposition: the grid needs 2 or 3 extents, got " + std::to_string(dims));
  if (rank_count < 1)
    throw CollectiveError("decomposition: rank count must be >= 1, got " + std::to_string(rank_count));
  if (!spec.periodic.empty() && static_cast<int>(spec.periodic.size()) != dims)
    throw CollectiveError("decomposition: periodic flags for " + std::to_string(spec.periodic.size()) + " axes on a " +
                          std::to_string(dims) + "D grid");
  Index3 extent{1, 1, 1};
  for (int a = 0; a < dims; ++a) {
    extent[a] = spec.extent[a];
    if (extent[a] < 1)
      throw CollectiveError(std::string("decomposition: grid extent along ") + axis_name[a] + " must be >= 1, got " +
                            std::to_string(extent[a]));
  }
  const bool automatic = spec.process_grid.empty() || std::all_of(spec.process_grid.begin(), spec.process_grid.end(),
                                                                  [](int p) { return p == 0; });
  if (automatic) {
    const Index3 grid = automatic_process_grid(spec, rank_count);
    if (grid[0] == 0)
      throw CollectiveError("decomposition: no process grid fits " + std::to_string(rank_count) + " ranks on a " +
                            grid_text(extent, dims) + " grid (each rank needs at least one cell along every axis)");
    return grid;
  }
  if (static_cast<int>(spec.process_grid.size()) != dims)
    throw CollectiveError("decomposition: process grid has " + std::to_string(spec.process_grid.size()) +
                          " entries for a " + std::to_string(dims) + "D grid");
  Index3 grid{1, 1, 1};
  std::int64_t product = 1;
  for (int a = 0; a < dims; ++a) {
    grid[a] = spec.process_grid[a];
    if (grid[a] < 1)
      throw CollectiveError(std::string("decomposition: process grid entry along ") + axis_name[a] +
                            " must be >= 1, got " + std::to_string(grid[a]));
    product *= grid[a];
  }
  if (product != rank_count)
    throw CollectiveError("decomposition: process grid " + grid_text(grid, dims) + " has " + std::to_string(product) +
                          " ranks, but the job has " + std::to_string(rank_count));
  for (int a = 0; a < dims; ++a)
    if (grid[a] > extent[a])
      throw CollectiveError(std::string("decomposition: ") + std::to_string(grid[a]) + " ranks along " + axis_name[a] +
                            " but only " + std::to_string(extent[a]) + " cells");
  return grid;
}

}  // namespace

Index3 automatic_process_grid(const GridSpec& spec, int ranks) {
  const int dims = static_cast<int>(spec.extent.size());
  Index3 extent{1, 1, 1};
  for (int a = 0; a < dims && a < 3; ++a) extent[a] = spec.extent[a];
  Index3 best{0, 0, 0};
  std::int64_t best_surface = std::numeric_limits<std::int64_t>::max();
  for (int px = 1; px <= ranks; ++px) {
    if (ranks % px != 0 || px > extent[0]) continue;
    for (int py = 1; py <= ranks / px; ++py) {
      if ((ranks / px) % py != 0 || py > extent[1]) continue;
      const int pz = ranks / (px * py);
      if ((dims == 2 && pz != 1) || pz > extent[2]) continue;
      const Index3 grid{px, py, pz};
      const std::int64_t surface = cut_surface(grid, extent);
      // Candidates come in increasing px, then py: a strict < keeps the tie-break rule.
      if (surface < best_surface) {
        best_surface = surface;
        best = grid;
      }
    }
  }
  return best;
}

Decomposition::Decomposition(const GridSpec& spec, int rank_count)
    : m_layout(Layout::blocks(spec, process_grid_of(spec, rank_count))),
      m_ownership(Ownership::cartesian(m_layout, rank_count)),
      m_process_grid(m_layout.block_grid()) {}

Decomposition::Decomposition(Layout layout, Ownership ownership)
    : m_layout(std::move(layout)), m_ownership(std::move(ownership)) {
  if (m_ownership.size() != m_layout.size())
    throw CollectiveError("decomposition: the ownership is for " + std::to_string(m_ownership.size()) +
                          " boxes, the layout has " + std::to_string(m_layout.size()));
  // The one-block-per-rank split of a block layout keeps its process grid (what logs and
  // snapshots report as before).
  const Index3& g = m_layout.block_grid();
  if (g[0] > 0 && m_layout.size() == rank_count() && m_ownership == Ownership::cartesian(m_layout, rank_count()))
    m_process_grid = g;
}

IndexBox Decomposition::box_of(int rank) const {
  const std::vector<int>& mine = boxes_of(rank);
  if (mine.size() != 1)
    throw std::logic_error("decomposition: rank " + std::to_string(rank) + " owns " + std::to_string(mine.size()) +
                           " boxes; box_of() is for one box per rank (use boxes_of())");
  return m_layout.box(mine.front());
}

std::optional<int> Decomposition::owner_of(Index3 cell) const {
  const std::optional<int> box = m_layout.box_containing(cell);
  if (!box) return std::nullopt;
  const int r = m_ownership.owner(*box);
  if (r == no_owner) return std::nullopt;
  return r;
}

}  // namespace parlayer::domain
