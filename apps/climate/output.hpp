#pragma once
// Snapshots of the model state (parlayer::checkpoint HDF5 files) and the XDMF time series that
// lets ParaView open them. No HDF5 or MPI calls here: the library's collective writers do both.
#include <cstdint>
#include <filesystem>
#include <string>

#include "parameters.hpp"
#include "parlayer/checkpoint/series.hpp"
#include "parlayer/checkpoint/snapshot.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/runtime/xdmf.hpp"
#include "restart.hpp"
#include "shallow_water.hpp"

namespace climate {

class Output {
public:
  // Creates the output folder, removes the temporaries of snapshot writes a crash interrupted
  // (logged through `log`) and checks that the folder is writable. Collective over `comm`.
  Output(const Parameters& p, const parlayer::domain::Decomposition& decomposition, MPI_Comm comm,
         RunRecord record, parlayer::checkpoint::SnapshotSeries::Log log = {});

  // A restarted run: lists the snapshots already in the folder up to `step` (the restart step) in
  // climate.xmf, at time step * dt, so that the series shows the whole run without duplicates
  // (later files, left by the interrupted run, are rewritten by this one). Returns how many.
  // Collective over `comm`.
  std::size_t resume(std::int64_t step, double dt);

  // Writes <dir>/climate_<step>.h5 (a CF NetCDF-4 file: h, u, v, tracer on (time, y, x) with x_u
  // for u and y_v for v, and bottom on (y, x); snapshot_fields) and rewrites <dir>/climate.xmf.
  // Collective over `comm`.
  void write(const State& state, const Field& bottom, std::int64_t step, double time);

  // The snapshot file of `step`.
  std::filesystem::path snapshot_path(std::int64_t step) const;
  const std::filesystem::path& folder() const { return m_folder; }
  const std::filesystem::path& xdmf_path() const { return m_xdmf.file(); }

private:
  std::filesystem::path m_folder;
  const parlayer::domain::Decomposition& m_decomposition;
  MPI_Comm m_comm;
  RunRecord m_record;
  Parameters m_p;
  parlayer::runtime::XdmfSeries m_xdmf;
  // The folder's climate_<step>.h5 files seen as generations: lists them and cleans up temporaries.
  // Output never calls its write() (no pruning: every output snapshot is kept).
  parlayer::checkpoint::SnapshotSeries m_files;
};

// The XDMF grids of the C-grid variables: h, tracer and bottom on the cell grid, u on the cell grid
// shifted half a cell west (its cells centred on the x-faces), v shifted half a cell south.
std::vector<parlayer::runtime::XdmfGrid> xdmf_grids(const Parameters& p);

// What every snapshot (output and checkpoint) holds: h, u, v, tracer with their CF descriptions
// and C-grid locations (u on x faces, v on y faces), and the bottom height b as "bottom", which
// does not change in time. A restart reads h, u, v and tracer only (b comes from the config).
std::vector<parlayer::checkpoint::FieldToWrite> snapshot_fields(const State& state, const Field& bottom);

// The header of a snapshot: step, time, model, config text and typed parameters (`record`), and
// the coordinates in metres (x, y at the cell centres; x_u, y_v at the u and v points).
parlayer::checkpoint::SnapshotHeader snapshot_header(const Parameters& p, std::int64_t step, double time,
                                                     const RunRecord& record);

}  // namespace climate
