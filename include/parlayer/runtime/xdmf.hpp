#pragma once
/// \file
/// \brief An XDMF (2.x) description of a time series of snapshot files, so ParaView and VisIt open
///        the output directly (File > Open > climate.xmf; ParaView's "Xdmf Reader" and both
///        "Xdmf3 Reader"s show it with their default settings).
///
/// Layout, chosen for what ParaView does with it:
///
///     Domain
///       DataItem <grid>_x, <grid>_y[, <grid>_z]   node coordinates of each grid, inline, once
///       Grid <series> (spatial collection)
///         Grid <grid> (temporal collection)       one per XdmfGrid: a block whose name is the
///           Grid <grid> (uniform), Time t         same at every time step, so a selection made
///             2DRectMesh + VXVY (3DRectMesh +     at one time holds at the next
///             VXVYVZ), the coordinates xi:included
///             Attribute <field> (cell-centred) -> <file>:/<field>
///
/// A rectilinear mesh with node coordinates lies in the X-Y plane (X-Y-Z in 3D). Node
/// coordinates are written once at the top and included in every step (XInclude), so the file
/// stays small. A grid's attributes are cell-centred and point at the variables `<file>:/<name>`
/// of checkpoint::write_snapshot's format 3 (float64, dims (1, [nz,] ny, nx), or ([nz,] ny, nx)
/// for a field without a time dimension). A staggered variable gets a grid of its own whose cell
/// centres are its points (e.g. a C-grid u at x faces: the cell grid shifted half a cell along x).
#include <filesystem>
#include <string>
#include <vector>

#include "parlayer/parallel/comm.hpp"

namespace parlayer::runtime {

/// \brief One rectilinear grid of every time step, and the fields shown on it.
struct XdmfGrid {
  std::string name;                 ///< the block name, e.g. "cells", "u_faces"
  int nx = 0, ny = 0, nz = 0;       ///< cells; nz = 0 for a 2D grid
  double x0 = 0.0, y0 = 0.0, z0 = 0.0;  ///< the first node (corner of cell (0, 0, 0))
  double dx = 1.0, dy = 1.0, dz = 1.0;  ///< node spacing
  std::vector<std::string> fields;  ///< variable names in the snapshot's root group (float64)
};

/// \brief The time series file, rewritten (atomically, by rank 0) whenever a snapshot is added.
class XdmfSeries {
public:
  /// \brief Local. `file` is the .xmf path; snapshot paths are stored relative to its folder.
  XdmfSeries(std::filesystem::path file, std::vector<XdmfGrid> grids);

  /// \brief Adds a snapshot at model time `time` and rewrites the file (rank 0 writes a temporary
  ///        and renames it). Collective over `comm`.
  /// \throws CollectiveError naming the file if rank 0 could not write it.
  void add(const std::filesystem::path& snapshot, double time, parallel::Comm comm);

  /// \brief The XML text for the snapshots added so far. Local.
  std::string text() const;
  const std::filesystem::path& file() const noexcept { return m_file; }

private:
  std::filesystem::path m_file;
  std::vector<XdmfGrid> m_grids;
  std::vector<std::pair<std::string, double>> m_steps;  // relative snapshot path, time
};

}  // namespace parlayer::runtime
