#include "parlayer/halo/halo_plan.hpp"

#include <stdexcept>
#include <string>

#include "parlayer/error.hpp"

namespace parlayer::halo {

namespace {

// Tag of a message travelling in `direction`: 0..26, distinct for every direction, so that two
// links to the same rank (2 ranks on a periodic axis, or 1 rank: itself) never match each other.
int direction_tag(const Index3& d) { return (d[0] + 1) + 3 * (d[1] + 1) + 9 * (d[2] + 1); }

int nonzero_count(const Index3& d) { return (d[0] != 0) + (d[1] != 0) + (d[2] != 0); }

}  // namespace

const char* to_string(Stencil stencil) noexcept { return stencil == Stencil::star ? "star" : "box"; }

HaloPlan::HaloPlan(const domain::Decomposition& decomposition, int rank, int width, Stencil stencil)
    : m_decomposition(decomposition), m_rank(rank), m_width(width), m_stencil(stencil),
      m_interior(decomposition.box_of(rank)) {
  static const char* const axis_name[3] = {"x", "y", "z"};
  if (width < 1 || width > 4)
    throw CollectiveError("halo plan: width must be 1..4, got " + std::to_string(width));
  for (int a = 0; a < decomposition.dimensions(); ++a)
    if (decomposition.min_block_extent(a) < width)
      throw CollectiveError("halo plan: width " + std::to_string(width) +
                            " exceeds the smallest block along " + axis_name[a] + " (" +
                            std::to_string(decomposition.min_block_extent(a)) + " cells: " +
                            std::to_string(decomposition.global_box().extent(a)) + " over " +
                            std::to_string(decomposition.process_grid()[a]) +
                            " ranks); use fewer ranks along that axis or a narrower halo");

  const Index3 g = ghost_widths();
  const IndexBox& in = m_interior;
  for (const Index3& d : decomposition.directions()) {
    if (stencil == Stencil::star && nonzero_count(d) != 1) continue;
    const std::optional<int> peer = decomposition.neighbour(rank, d);
    if (!peer) continue;
    NeighbourLink link{d, *peer, in, in, direction_tag(d), direction_tag({-d[0], -d[1], -d[2]})};
    for (int a = 0; a < 3; ++a) {
      if (d[a] > 0) {
        link.send.lo[a] = in.hi[a] - g[a];
        link.recv.lo[a] = in.hi[a];
        link.recv.hi[a] = in.hi[a] + g[a];
      } else if (d[a] < 0) {
        link.send.hi[a] = in.lo[a] + g[a];
        link.recv.lo[a] = in.lo[a] - g[a];
        link.recv.hi[a] = in.lo[a];
      }
    }
    m_links.push_back(link);
  }

  const IndexBox& global = decomposition.global_box();
  const IndexBox across = stencil == Stencil::box ? in.grown(g) : in;
  for (int a = 0; a < decomposition.dimensions(); ++a) {
    if (decomposition.periodic(a)) continue;
    if (in.lo[a] == global.lo[a]) {
      Wall wall{a, domain::Side::low, across};
      wall.ghosts.lo[a] = in.lo[a] - g[a];
      wall.ghosts.hi[a] = in.lo[a];
      m_walls.push_back(wall);
    }
    if (in.hi[a] == global.hi[a]) {
      Wall wall{a, domain::Side::high, across};
      wall.ghosts.lo[a] = in.hi[a];
      wall.ghosts.hi[a] = in.hi[a] + g[a];
      m_walls.push_back(wall);
    }
  }
}

void HaloPlan::check_compatible(const domain::FieldBase& field) const {
  if (field.interior() != m_interior || field.ghost_widths() != ghost_widths())
    throw std::invalid_argument("halo exchange: field '" + field.name() + "' has interior " +
                                field.interior().to_string() + " and ghost width " +
                                std::to_string(field.ghost_widths()[0]) + ", but the plan of rank " +
                                std::to_string(m_rank) + " expects " + m_interior.to_string() +
                                " and " + std::to_string(m_width));
}

}  // namespace parlayer::halo
