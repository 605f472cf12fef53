#pragma once
/// \file
/// \brief HaloPlan: which boxes of one rank's field travel to and from which neighbour.
///
/// Built once per (decomposition, rank, halo width, stencil shape) and reused every step, like
/// PETSc's DMDA scatter or AMReX's cached FillBoundary pattern. Pure geometry, no MPI.
#include <vector>

#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"

namespace parlayer::halo {

using domain::Index3;
using domain::IndexBox;

/// \brief Which ghost cells a stencil reads.
enum class Stencil {
  star,  ///< faces only: 5-point (2D) / 7-point (3D) style stencils; edge and corner ghosts untouched
  box,   ///< faces, edges and corners: 9-point / 27-point style stencils
};

/// \brief "star" or "box".
const char* to_string(Stencil stencil) noexcept;

/// \brief One message pair with one neighbour, in one direction.
struct NeighbourLink {
  Index3 direction;  ///< from this rank towards the neighbour (components -1, 0, +1)
  int rank;          ///< the neighbour (may be this rank on a periodic axis with one rank)
  IndexBox send;     ///< interior cells sent to it (this rank's global indices)
  IndexBox recv;     ///< ghost cells received from it (this rank's indices; beyond the global box
                     ///< where a periodic axis wraps)
  int send_tag;      ///< unique per direction, so two links to the same rank never cross
  int recv_tag;
};

/// \brief A wall of the global grid that this rank's block touches.
struct Wall {
  int axis;
  domain::Side side;
  IndexBox ghosts;  ///< the ghost slab beyond the wall to fill (range along the other axes:
                    ///< interior for star, interior plus ghosts for box)
};

/// \brief Per-neighbour send/receive boxes for one rank. Immutable, copyable, Local.
class HaloPlan {
public:
  /// \throws CollectiveError if width is not in 1..4, or exceeds the smallest block along an axis
  ///         (a ghost region must come from the nearest neighbour alone).
  HaloPlan(const domain::Decomposition& decomposition, int rank, int width, Stencil stencil);

  const domain::Decomposition& decomposition() const noexcept { return m_decomposition; }
  int rank() const noexcept { return m_rank; }
  int width() const noexcept { return m_width; }
  Stencil stencil() const noexcept { return m_stencil; }
  /// \brief The rank's interior.
  const IndexBox& interior() const noexcept { return m_interior; }
  /// \brief Ghost widths of fields this plan serves ({w, w, 0} in 2D).
  Index3 ghost_widths() const noexcept { return m_decomposition.ghost_widths(m_width); }
  /// \brief Links to existing neighbours, in a fixed order.
  const std::vector<NeighbourLink>& links() const noexcept { return m_links; }
  /// \brief Walls this rank touches, in axis order (x low, x high, y low, ...): the order in which
  ///        boundary conditions are applied, so box-stencil corners at two walls are well defined.
  const std::vector<Wall>& walls() const noexcept { return m_walls; }

  /// \brief Throws std::invalid_argument unless `field` has this plan's interior and ghost widths.
  void check_compatible(const domain::FieldBase& field) const;

private:
  domain::Decomposition m_decomposition;
  int m_rank;
  int m_width;
  Stencil m_stencil;
  IndexBox m_interior;
  std::vector<NeighbourLink> m_links;
  std::vector<Wall> m_walls;
};

}  // namespace parlayer::halo
