#pragma once
/// \file
/// \brief HaloPlan: where every ghost cell of this rank's boxes comes from.
///
/// Built by intersection, as AMReX builds FillBoundary: each local box's ghost region (width w,
/// faces only for a star stencil, faces, edges and corners for a box stencil; periodic images
/// included) is intersected with every box of the layout. Pieces from a box of this rank are local
/// copies; pieces from another rank travel in one message per rank pair; ghosts beyond a wall are
/// filled from the field's boundary conditions, and pieces in a box with no owner (land) are filled
/// as a wall at the coast (the field's land_condition()). Built once per (decomposition, rank, width,
/// stencil) and reused every step. Pure geometry, no MPI.
#include <vector>

#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"
#include "parlayer/transfer/plan.hpp"

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

/// \brief A wall of the global grid that one of this rank's boxes touches, or a coast: a piece of
///        a box's ghost region that lies in a box with no owner (land), filled as a wall.
struct Wall {
  int box;  ///< local box index
  int axis;  ///< for a coast: the first axis the piece lies beyond
  domain::Side side;
  IndexBox ghosts;  ///< the ghost slab beyond the wall to fill (range along the other axes:
                    ///< interior for star, interior plus ghosts for box); for a coast, the piece
  bool land = false;  ///< a coast: filled from the field's land_condition()
  Index3 beyond{0, 0, 0};  ///< for a coast: per axis -1 / +1 if the piece lies below / above the box
};

/// \brief Where this rank's ghosts come from. Immutable, copyable, Local.
class HaloPlan {
public:
  /// \throws CollectiveError (every rank finds the same) if width is not in 1..4, a periodic axis
  ///         has fewer cells than the width, or along a walled axis a box touching a wall is
  ///         narrower than the width or a box not touching it lies closer to it than the width
  ///         (its ghosts would reach beyond the wall, or a wall ghost would mirror another box).
  HaloPlan(const domain::Decomposition& decomposition, int rank, int width, Stencil stencil);

  const domain::Decomposition& decomposition() const noexcept { return m_decomposition; }
  int rank() const noexcept { return m_rank; }
  int width() const noexcept { return m_width; }
  Stencil stencil() const noexcept { return m_stencil; }
  /// \brief Ghost widths of fields this plan serves ({w, w, 0} in 2D).
  Index3 ghost_widths() const noexcept { return m_decomposition.ghost_widths(m_width); }
  /// \brief This rank's boxes (layout indices, ascending: local box n is boxes()[n]).
  const std::vector<int>& boxes() const { return m_decomposition.boxes_of(m_rank); }
  /// \brief Local box `local`'s interior.
  const IndexBox& interior(int local) const { return m_decomposition.layout().box(boxes().at(static_cast<std::size_t>(local))); }
  /// \brief Local copies and messages.
  const transfer::TransferPlan& transfers() const noexcept { return m_transfers; }
  /// \brief First the coasts (ghost pieces in boxes with no owner: land), then the walls this
  ///        rank's boxes touch, box by box, each in axis order (x low, x high, y low, ...): the
  ///        order in which boundary conditions are applied, so box-stencil corners at two walls are
  ///        well defined (a coast reads only its box's interior; a wall slab may mirror a coast).
  const std::vector<Wall>& walls() const noexcept { return m_walls; }
  /// \brief Per local box: the sides ([axis][low/high]) with ghosts that arrive by message.
  const std::vector<domain::PeeledSides>& sides_by_message() const noexcept { return m_by_message; }

  /// \brief Throws std::invalid_argument unless `field` has this plan's boxes and ghost widths.
  void check_compatible(const domain::FieldBase& field) const;

private:
  domain::Decomposition m_decomposition;
  int m_rank;
  int m_width;
  Stencil m_stencil;
  transfer::TransferPlan m_transfers;
  std::vector<Wall> m_walls;
  std::vector<domain::PeeledSides> m_by_message;
};

}  // namespace parlayer::halo
