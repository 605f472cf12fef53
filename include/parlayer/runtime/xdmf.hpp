#pragma once
/// \file
/// \brief An XDMF (2.x) description of a time series of snapshot files, so ParaView and VisIt open
///        the HDF5 output directly (File > Open > climate.xmf, "Xdmf Reader").
///
/// Each time step is a spatial collection of uniform 2D grids (2DCoRectMesh, ORIGIN_DXDY with the
/// values slowest axis first: "y x"). A grid's attributes are cell-centred and point at datasets
/// `<file>:/fields/<name>` of dims (ny, nx), the layout checkpoint::write_snapshot produces. A
/// staggered variable gets a grid of its own whose cell centres are its points (e.g. a C-grid u
/// at x-faces: the cell grid shifted by half a cell along x).
#include <mpi.h>

#include <filesystem>
#include <string>
#include <vector>

namespace parlayer::runtime {

/// \brief One uniform grid of every time step, and the fields shown on it.
struct XdmfGrid {
  std::string name;                 ///< e.g. "cells", "u_faces"
  int nx = 0, ny = 0;               ///< cells
  double x0 = 0.0, y0 = 0.0;        ///< the first node (corner of cell (0, 0))
  double dx = 1.0, dy = 1.0;        ///< node spacing
  std::vector<std::string> fields;  ///< dataset names under /fields, float64, dims (ny, nx)
};

/// \brief The time series file, rewritten (atomically, by rank 0) whenever a snapshot is added.
class XdmfSeries {
public:
  /// \brief Local. `file` is the .xmf path; snapshot paths are stored relative to its folder.
  XdmfSeries(std::filesystem::path file, std::vector<XdmfGrid> grids);

  /// \brief Adds a snapshot at model time `time` and rewrites the file (rank 0 writes a temporary
  ///        and renames it). Collective over `comm`.
  /// \throws CollectiveError naming the file if rank 0 could not write it.
  void add(const std::filesystem::path& snapshot, double time, MPI_Comm comm);

  /// \brief The XML text for the snapshots added so far. Local.
  std::string text() const;
  const std::filesystem::path& file() const noexcept { return m_file; }

private:
  std::filesystem::path m_file;
  std::vector<XdmfGrid> m_grids;
  std::vector<std::pair<std::string, double>> m_steps;  // relative snapshot path, time
};

}  // namespace parlayer::runtime
