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

// The automatic process grid (see the header): least cut surface, then fewest cuts along x, then y.
Index3 choose_process_grid(const Index3& extent, int dims, int ranks) {
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

}  // namespace

Decomposition::Decomposition(const GridSpec& spec, int rank_count) : m_rank_count(rank_count) {
  m_dimensions = static_cast<int>(spec.extent.size());
  if (m_dimensions != 2 && m_dimensions != 3)
    throw CollectiveError("decomposition: the grid needs 2 or 3 extents, got " +
                          std::to_string(m_dimensions));
  if (rank_count < 1)
    throw CollectiveError("decomposition: rank count must be >= 1, got " + std::to_string(rank_count));
  if (!spec.periodic.empty() && static_cast<int>(spec.periodic.size()) != m_dimensions)
    throw CollectiveError("decomposition: periodic flags for " + std::to_string(spec.periodic.size()) +
                          " axes on a " + std::to_string(m_dimensions) + "D grid");
  Index3 extent{1, 1, 1};
  for (int a = 0; a < m_dimensions; ++a) {
    extent[a] = spec.extent[a];
    if (extent[a] < 1)
      throw CollectiveError(std::string("decomposition: grid extent along ") + axis_name[a] +
                            " must be >= 1, got " + std::to_string(extent[a]));
    m_periodic[a] = spec.periodic.empty() ? false : static_cast<bool>(spec.periodic[a]);
  }
  m_global = IndexBox{{0, 0, 0}, extent};

  const bool automatic =
      spec.process_grid.empty() ||
      std::all_of(spec.process_grid.begin(), spec.process_grid.end(), [](int p) { return p == 0; });
  if (automatic) {
    m_grid = choose_process_grid(extent, m_dimensions, rank_count);
    if (m_grid[0] == 0)
      throw CollectiveError("decomposition: no process grid fits " + std::to_string(rank_count) +
                            " ranks on a " + grid_text(extent, m_dimensions) +
                            " grid (each rank needs at least one cell along every axis)");
    return;
  }
  if (static_cast<int>(spec.process_grid.size()) != m_dimensions)
    throw CollectiveError("decomposition: process grid has " +
                          std::to_string(spec.process_grid.size()) + " entries for a " +
                          std::to_string(m_dimensions) + "D grid");
  std::int64_t product = 1;
  for (int a = 0; a < m_dimensions; ++a) {
    m_grid[a] = spec.process_grid[a];
    if (m_grid[a] < 1)
      throw CollectiveError(std::string("decomposition: process grid entry along ") + axis_name[a] +
                            " must be >= 1, got " + std::to_string(m_grid[a]));
    product *= m_grid[a];
  }
  if (product != rank_count)
    throw CollectiveError("decomposition: process grid " + grid_text(m_grid, m_dimensions) + " has " +
                          std::to_string(product) + " ranks, but the job has " +
                          std::to_string(rank_count));
  for (int a = 0; a < m_dimensions; ++a)
    if (m_grid[a] > extent[a])
      throw CollectiveError(std::string("decomposition: ") + std::to_string(m_grid[a]) +
                            " ranks along " + axis_name[a] + " but only " +
                            std::to_string(extent[a]) + " cells");
}

int Decomposition::block_start(int axis, int coord) const noexcept {
  const int n = m_global.hi[axis], p = m_grid[axis];
  const int q = n / p, r = n % p;
  return coord * q + std::min(coord, r);
}

Index3 Decomposition::coords_of(int rank) const {
  if (rank < 0 || rank >= m_rank_count)
    throw std::out_of_range("decomposition: rank " + std::to_string(rank) + " outside 0.." +
                            std::to_string(m_rank_count - 1));
  return {rank % m_grid[0], (rank / m_grid[0]) % m_grid[1], rank / (m_grid[0] * m_grid[1])};
}

std::optional<int> Decomposition::rank_at(Index3 coords) const {
  for (int a = 0; a < 3; ++a) {
    if (coords[a] >= 0 && coords[a] < m_grid[a]) continue;
    if (!m_periodic[a]) return std::nullopt;
    coords[a] = ((coords[a] % m_grid[a]) + m_grid[a]) % m_grid[a];
  }
  return coords[0] + m_grid[0] * (coords[1] + m_grid[1] * coords[2]);
}

IndexBox Decomposition::box_of(int rank) const {
  const Index3 c = coords_of(rank);
  IndexBox b;
  for (int a = 0; a < 3; ++a) {
    b.lo[a] = block_start(a, c[a]);
    b.hi[a] = block_start(a, c[a] + 1);
  }
  return b;
}

std::optional<int> Decomposition::owner_of(Index3 cell) const {
  Index3 coords{};
  for (int a = 0; a < 3; ++a) {
    const int n = m_global.hi[a];
    if (cell[a] < 0 || cell[a] >= n) {
      if (!m_periodic[a]) return std::nullopt;
      cell[a] = ((cell[a] % n) + n) % n;
    }
    const int p = m_grid[a], q = n / p, r = n % p;
    // The first r blocks hold q+1 cells, the others q.
    coords[a] = cell[a] < r * (q + 1) ? cell[a] / (q + 1) : r + (cell[a] - r * (q + 1)) / q;
  }
  return rank_at(coords);
}

std::optional<int> Decomposition::neighbour(int rank, const Index3& direction) const {
  Index3 c = coords_of(rank);
  for (int a = 0; a < 3; ++a) c[a] += direction[a];
  return rank_at(c);
}

std::vector<Index3> Decomposition::directions() const {
  std::vector<Index3> dirs;
  const int zmax = m_dimensions == 3 ? 1 : 0;
  for (int dz = -zmax; dz <= zmax; ++dz)
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx)
        if (dx != 0 || dy != 0 || dz != 0) dirs.push_back({dx, dy, dz});
  return dirs;
}

Index3 Decomposition::ghost_widths(int width) const noexcept {
  return {width, width, m_dimensions == 3 ? width : 0};
}

int Decomposition::min_block_extent(int axis) const noexcept {
  return m_global.hi[axis] / m_grid[axis];
}

}  // namespace parlayer::domain
