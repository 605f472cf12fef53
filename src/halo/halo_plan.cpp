#include "parlayer/halo/halo_plan.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>

#include "parlayer/error.hpp"

namespace parlayer::halo {

using transfer::BoxRegion;
using transfer::LocalCopy;
using transfer::PeerTransfer;

namespace {

const char* const axis_name[3] = {"x", "y", "z"};

// A piece of the ghost region of layout box `dst_box`: cells `src` of layout box `src_box` land on
// cells `dst` (the same cells, or their periodic image).
struct Piece {
  int src_box;
  IndexBox src;
  IndexBox dst;
};

// Every piece of the ghost region of layout box `b`, in the one order both ranks of a pair use:
// ghost directions (z, y, x from -1 to +1), then periodic images, then source boxes ascending.
std::vector<Piece> ghost_pieces(const domain::Layout& layout, int b, const Index3& g, Stencil stencil) {
  const IndexBox& box = layout.box(b);
  const IndexBox& global = layout.global_box();
  std::vector<int> shifts[3];
  for (int a = 0; a < 3; ++a) {
    shifts[a] = {0};
    if (layout.periodic(a)) shifts[a] = {0, -global.extent(a), global.extent(a)};
  }
  std::vector<Piece> pieces;
  for (int dz = -1; dz <= 1; ++dz)
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const Index3 d{dx, dy, dz};
        const int nonzero = (dx != 0) + (dy != 0) + (dz != 0);
        if (nonzero == 0 || (stencil == Stencil::star && nonzero != 1)) continue;
        IndexBox ghost;
        for (int a = 0; a < 3; ++a) {
          if (d[a] < 0) ghost.lo[a] = box.lo[a] - g[a], ghost.hi[a] = box.lo[a];
          if (d[a] == 0) ghost.lo[a] = box.lo[a], ghost.hi[a] = box.hi[a];
          if (d[a] > 0) ghost.lo[a] = box.hi[a], ghost.hi[a] = box.hi[a] + g[a];
        }
        if (ghost.empty()) continue;  // along z in 2D
        for (const int sz : shifts[2])
          for (const int sy : shifts[1])
            for (const int sx : shifts[0]) {
              const Index3 shift{sx, sy, sz};
              const IndexBox image = ghost.shifted(shift);
              for (const int source : layout.boxes_intersecting(image)) {
                const IndexBox cells = image.intersection(layout.box(source));
                pieces.push_back({source, cells, cells.shifted({-sx, -sy, -sz})});
              }
            }
      }
  return pieces;
}

void check_geometry(const domain::Layout& layout, int width) {
  if (width < 1 || width > 4) throw CollectiveError("halo plan: width must be 1..4, got " + std::to_string(width));
  const IndexBox& global = layout.global_box();
  for (int a = 0; a < layout.dimensions(); ++a) {
    if (layout.periodic(a)) {
      if (global.extent(a) < width)
        throw CollectiveError("halo plan: width " + std::to_string(width) + " exceeds the " +
                              std::to_string(global.extent(a)) + " cells of the periodic axis " + axis_name[a]);
      continue;
    }
    for (int b = 0; b < layout.size(); ++b) {
      const IndexBox& box = layout.box(b);
      const bool low = box.lo[a] == global.lo[a], high = box.hi[a] == global.hi[a];
      std::string problem;
      if ((low || high) && box.extent(a) < width)
        problem = "is " + std::to_string(box.extent(a)) + " cells along " + axis_name[a] +
                  " at a wall, narrower than the halo width " + std::to_string(width) +
                  " (wall ghosts mirror the box's own cells)";
      else if ((!low && box.lo[a] - global.lo[a] < width) || (!high && global.hi[a] - box.hi[a] < width))
        problem = "lies closer than the halo width " + std::to_string(width) + " to the wall along " + axis_name[a] +
                  " without touching it (its ghosts would reach beyond the wall)";
      if (!problem.empty())
        throw CollectiveError("halo plan: box " + std::to_string(b) + " " + box.to_string() + " " + problem +
                              "; use larger boxes or a narrower halo");
    }
  }
}

}  // namespace

const char* to_string(Stencil stencil) noexcept { return stencil == Stencil::star ? "star" : "box"; }

HaloPlan::HaloPlan(const domain::Decomposition& decomposition, int rank, int width, Stencil stencil)
    : m_decomposition(decomposition), m_rank(rank), m_width(width), m_stencil(stencil) {
  const domain::Layout& layout = decomposition.layout();
  const domain::Ownership& owners = decomposition.ownership();
  check_geometry(layout, width);
  const Index3 g = ghost_widths();
  const std::vector<int>& mine = boxes();
  auto local_index = [&](int b) {
    return static_cast<int>(std::lower_bound(mine.begin(), mine.end(), b) - mine.begin());
  };
  std::map<int, PeerTransfer> peers;
  auto peer = [&](int r) -> PeerTransfer& {
    PeerTransfer& p = peers[r];
    p.rank = r;
    return p;
  };

  // What this rank receives: the pieces of its own boxes' ghosts.
  std::vector<Wall> coasts;
  m_by_message.assign(mine.size(), domain::PeeledSides{});
  for (std::size_t l = 0; l < mine.size(); ++l) {
    const IndexBox& box = layout.box(mine[l]);
    for (const Piece& p : ghost_pieces(layout, mine[l], g, stencil)) {
      const int from = owners.owner(p.src_box);
      if (from == domain::no_owner) {  // land: a coast, filled as a wall (boundary_fill.cpp)
        Wall coast{static_cast<int>(l), -1, domain::Side::low, p.dst, true, {0, 0, 0}};
        for (int a = 2; a >= 0; --a) {
          if (p.dst.hi[a] <= box.lo[a]) coast.beyond[a] = -1, coast.axis = a, coast.side = domain::Side::low;
          if (p.dst.lo[a] >= box.hi[a]) coast.beyond[a] = 1, coast.axis = a, coast.side = domain::Side::high;
        }
        coasts.push_back(coast);
        continue;
      }
      const BoxRegion to{static_cast<int>(l), p.dst};
      if (from == rank) {
        m_transfers.local.push_back({{local_index(p.src_box), p.src}, to});
        continue;
      }
      peer(from).recv.push_back(to);
      for (int a = 0; a < 3; ++a) {
        if (p.dst.hi[a] <= box.lo[a]) m_by_message[l][a][0] = true;
        if (p.dst.lo[a] >= box.hi[a]) m_by_message[l][a][1] = true;
      }
    }
  }

  // What this rank sends: the pieces of other ranks' ghosts that lie in its boxes, found by
  // looking at the boxes near its own (periodic images included), in ascending layout order, the
  // order in which the receiver lists them.
  std::vector<int> near;
  const IndexBox& global = layout.global_box();
  for (const int b : mine)
    for (int sz = -1; sz <= 1; ++sz)
      for (int sy = -1; sy <= 1; ++sy)
        for (int sx = -1; sx <= 1; ++sx) {
          const Index3 s{sx, sy, sz};
          Index3 shift{};
          bool valid = true;
          for (int a = 0; a < 3; ++a) {
            if (s[a] != 0 && !layout.periodic(a)) valid = false;
            shift[a] = s[a] * global.extent(a);
          }
          if (!valid) continue;
          const std::vector<int> hits = layout.boxes_intersecting(layout.box(b).grown(g).shifted(shift));
          near.insert(near.end(), hits.begin(), hits.end());
        }
  std::sort(near.begin(), near.end());
  near.erase(std::unique(near.begin(), near.end()), near.end());
  for (const int b : near) {
    const int to = owners.owner(b);
    if (to == rank || to == domain::no_owner) continue;
    for (const Piece& p : ghost_pieces(layout, b, g, stencil))
      if (owners.owner(p.src_box) == rank) peer(to).send.push_back({local_index(p.src_box), p.src});
  }
  for (auto& [r, p] : peers) m_transfers.peers.push_back(std::move(p));

  // Coasts first (they read only their box's interior), then walls, box by box, in axis order.
  m_walls = std::move(coasts);
  for (std::size_t l = 0; l < mine.size(); ++l) {
    const IndexBox& in = layout.box(mine[l]);
    const IndexBox across = stencil == Stencil::box ? in.grown(g) : in;
    for (int a = 0; a < decomposition.dimensions(); ++a) {
      if (decomposition.periodic(a)) continue;
      if (in.lo[a] == global.lo[a]) {
        Wall wall{static_cast<int>(l), a, domain::Side::low, across};
        wall.ghosts.lo[a] = in.lo[a] - g[a];
        wall.ghosts.hi[a] = in.lo[a];
        m_walls.push_back(wall);
      }
      if (in.hi[a] == global.hi[a]) {
        Wall wall{static_cast<int>(l), a, domain::Side::high, across};
        wall.ghosts.lo[a] = in.hi[a];
        wall.ghosts.hi[a] = in.hi[a] + g[a];
        m_walls.push_back(wall);
      }
    }
  }
}

void HaloPlan::check_compatible(const domain::FieldBase& field) const {
  if (field.ghost_widths() != ghost_widths())  // the same on every rank
    throw CollectiveError("halo exchange: field '" + field.name() + "' has ghost width " +
                          std::to_string(field.ghost_widths()[0]) + ", but the exchange's plan has width " +
                          std::to_string(m_width) + " (make fields with the plan's width)");
  const std::string problem = domain::boxes_mismatch(field, m_decomposition, m_rank);
  if (!problem.empty())
    throw std::invalid_argument("halo exchange: field '" + field.name() + "' has " + problem +
                                " (make fields from the same decomposition and halo width as the plan)");
}

}  // namespace parlayer::halo
