#include "parlayer/domain/layout.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "parlayer/error.hpp"

namespace parlayer::domain {

namespace {

const char* const axis_name[3] = {"x", "y", "z"};

// The grid's dimensions, global box and periodic flags, checked.
struct Grid {
  int dimensions = 0;
  IndexBox global;
  std::array<bool, 3> periodic{false, false, false};
};

Grid check_grid(const GridSpec& spec) {
  Grid g;
  g.dimensions = static_cast<int>(spec.extent.size());
  if (g.dimensions != 2 && g.dimensions != 3)
    throw CollectiveError("layout: the grid needs 2 or 3 extents, got " + std::to_string(g.dimensions));
  if (!spec.periodic.empty() && static_cast<int>(spec.periodic.size()) != g.dimensions)
    throw CollectiveError("layout: periodic flags for " + std::to_string(spec.periodic.size()) + " axes on a " +
                          std::to_string(g.dimensions) + "D grid");
  Index3 extent{1, 1, 1};
  for (int a = 0; a < g.dimensions; ++a) {
    extent[a] = spec.extent[a];
    if (extent[a] < 1)
      throw CollectiveError(std::string("layout: grid extent along ") + axis_name[a] + " must be >= 1, got " +
                            std::to_string(extent[a]));
    g.periodic[a] = spec.periodic.empty() ? false : static_cast<bool>(spec.periodic[a]);
  }
  g.global = IndexBox{{0, 0, 0}, extent};
  return g;
}

// Even split of n cells into p blocks, the first n % p one cell longer.
std::vector<int> even_extents(int n, int p) {
  std::vector<int> e(static_cast<std::size_t>(p), n / p);
  for (int b = 0; b < n % p; ++b) ++e[static_cast<std::size_t>(b)];
  return e;
}

}  // namespace

Layout Layout::from_extents(const GridSpec& spec, const std::vector<std::vector<int>>& extents) {
  const Grid g = check_grid(spec);
  if (static_cast<int>(extents.size()) != g.dimensions)
    throw CollectiveError("layout: block extents for " + std::to_string(extents.size()) + " axes on a " +
                          std::to_string(g.dimensions) + "D grid");
  std::array<std::vector<int>, 3> starts;
  Layout layout;
  for (int a = 0; a < 3; ++a) {
    const std::vector<int> e = a < g.dimensions ? extents[static_cast<std::size_t>(a)] : std::vector<int>{1};
    if (e.empty()) throw CollectiveError(std::string("layout: no block extents along ") + axis_name[a]);
    std::int64_t sum = 0;
    starts[a].push_back(0);
    for (const int n : e) {
      if (n < 1)
        throw CollectiveError(std::string("layout: a block extent along ") + axis_name[a] + " is " +
                              std::to_string(n) + "; every block needs at least one cell");
      sum += n;
      if (sum > g.global.hi[a]) break;
      starts[a].push_back(static_cast<int>(sum));
    }
    if (sum != g.global.hi[a])
      throw CollectiveError(std::string("layout: the block extents along ") + axis_name[a] + " add up to " +
                            std::to_string(sum) + ", but the grid has " + std::to_string(g.global.hi[a]) + " cells");
    layout.m_block_grid[a] = static_cast<int>(e.size());
  }
  layout.m_dimensions = g.dimensions;
  layout.m_global = g.global;
  layout.m_periodic = g.periodic;
  const Index3& n = layout.m_block_grid;
  layout.m_boxes.reserve(static_cast<std::size_t>(n[0]) * n[1] * n[2]);
  for (int cz = 0; cz < n[2]; ++cz)
    for (int cy = 0; cy < n[1]; ++cy)
      for (int cx = 0; cx < n[0]; ++cx)
        layout.m_boxes.push_back(IndexBox{{starts[0][cx], starts[1][cy], starts[2][cz]},
                                          {starts[0][cx + 1], starts[1][cy + 1], starts[2][cz + 1]}});
  layout.index_boxes();
  return layout;
}

Layout Layout::blocks(const GridSpec& spec, const Index3& counts) {
  const Grid g = check_grid(spec);
  std::vector<std::vector<int>> extents;
  for (int a = 0; a < g.dimensions; ++a) {
    if (counts[a] < 1)
      throw CollectiveError(std::string("layout: block count along ") + axis_name[a] + " must be >= 1, got " +
                            std::to_string(counts[a]));
    if (counts[a] > g.global.hi[a])
      throw CollectiveError("layout: " + std::to_string(counts[a]) + " blocks along " + axis_name[a] + " but only " +
                            std::to_string(g.global.hi[a]) + " cells");
    extents.push_back(even_extents(g.global.hi[a], counts[a]));
  }
  if (g.dimensions == 2 && counts[2] != 1)
    throw CollectiveError("layout: a 2D grid has one block along z, got " + std::to_string(counts[2]));
  return from_extents(spec, extents);
}

Layout Layout::chopped(const GridSpec& spec, const Index3& max_size) {
  const Grid g = check_grid(spec);
  Index3 counts{1, 1, 1};
  for (int a = 0; a < g.dimensions; ++a)
    if (max_size[a] > 0) counts[a] = (g.global.hi[a] + max_size[a] - 1) / max_size[a];
  return blocks(spec, counts);
}

Layout::Layout(const GridSpec& spec, std::vector<IndexBox> boxes) {
  const Grid g = check_grid(spec);
  m_dimensions = g.dimensions;
  m_global = g.global;
  m_periodic = g.periodic;
  m_boxes = std::move(boxes);
  if (m_boxes.empty()) throw CollectiveError("layout: no boxes");
  std::int64_t cells = 0;
  for (std::size_t b = 0; b < m_boxes.size(); ++b) {
    const IndexBox& box = m_boxes[b];
    if (box.empty() || !m_global.contains(box))
      throw CollectiveError("layout: box " + std::to_string(b) + " " + box.to_string() +
                            (box.empty() ? " is empty" : " reaches outside the grid " + m_global.to_string()));
    cells += box.cells();
  }
  index_boxes();
  for (std::size_t b = 0; b < m_boxes.size(); ++b)
    for (const int other : boxes_intersecting(m_boxes[b]))
      if (other != static_cast<int>(b))
        throw CollectiveError("layout: boxes " + std::to_string(std::min<std::size_t>(b, other)) + " " +
                              m_boxes[std::min<std::size_t>(b, other)].to_string() + " and " +
                              std::to_string(std::max<std::size_t>(b, other)) + " " +
                              m_boxes[std::max<std::size_t>(b, other)].to_string() + " overlap");
  // Disjoint boxes inside the grid cover it exactly when their cells add up to the grid's.
  if (cells != m_global.cells())
    throw CollectiveError("layout: the boxes leave a hole: they cover " + std::to_string(cells) + " of the " +
                          std::to_string(m_global.cells()) + " cells of the grid");
}

void Layout::index_boxes() {
  for (int a = 0; a < 3; ++a) {
    int largest = 1;
    for (const IndexBox& b : m_boxes) largest = std::max(largest, b.extent(a));
    m_bin_size[a] = largest;
    m_bins[a] = (m_global.extent(a) + largest - 1) / largest;
  }
  m_bin_boxes.assign(static_cast<std::size_t>(m_bins[0]) * m_bins[1] * m_bins[2], {});
  for (std::size_t b = 0; b < m_boxes.size(); ++b) {
    const IndexBox& box = m_boxes[b];
    Index3 lo{}, hi{};
    for (int a = 0; a < 3; ++a) {
      lo[a] = box.lo[a] / m_bin_size[a];
      hi[a] = (box.hi[a] - 1) / m_bin_size[a];
    }
    for (int z = lo[2]; z <= hi[2]; ++z)
      for (int y = lo[1]; y <= hi[1]; ++y)
        for (int x = lo[0]; x <= hi[0]; ++x)
          m_bin_boxes[static_cast<std::size_t>(x + m_bins[0] * (y + m_bins[1] * z))].push_back(static_cast<int>(b));
  }
}

std::vector<int> Layout::boxes_intersecting(const IndexBox& region) const {
  const IndexBox r = region.intersection(m_global);
  std::vector<int> found;
  if (r.empty()) return found;
  Index3 lo{}, hi{};
  for (int a = 0; a < 3; ++a) {
    lo[a] = r.lo[a] / m_bin_size[a];
    hi[a] = (r.hi[a] - 1) / m_bin_size[a];
  }
  for (int z = lo[2]; z <= hi[2]; ++z)
    for (int y = lo[1]; y <= hi[1]; ++y)
      for (int x = lo[0]; x <= hi[0]; ++x)
        for (const int b : m_bin_boxes[static_cast<std::size_t>(x + m_bins[0] * (y + m_bins[1] * z))])
          if (!m_boxes[static_cast<std::size_t>(b)].intersection(r).empty()) found.push_back(b);
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  return found;
}

std::optional<int> Layout::box_containing(Index3 cell) const {
  for (int a = 0; a < 3; ++a) {
    const int n = m_global.hi[a];
    if (cell[a] >= 0 && cell[a] < n) continue;
    if (!m_periodic[a]) return std::nullopt;
    cell[a] = ((cell[a] % n) + n) % n;
  }
  const std::vector<int> hit = boxes_intersecting(IndexBox{cell, {cell[0] + 1, cell[1] + 1, cell[2] + 1}});
  if (hit.empty()) return std::nullopt;
  return hit.front();
}

Index3 Layout::ghost_widths(int width) const noexcept { return {width, width, m_dimensions == 3 ? width : 0}; }

int Layout::min_box_extent(int axis) const noexcept {
  int smallest = m_global.extent(axis);
  for (const IndexBox& b : m_boxes) smallest = std::min(smallest, b.extent(axis));
  return smallest;
}

}  // namespace parlayer::domain
