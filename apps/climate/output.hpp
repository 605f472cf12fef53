#pragma once
// Snapshots of the model state (parlayer::checkpoint HDF5 files) and the XDMF time series that
// lets ParaView open them. No HDF5 or MPI calls here: the library's collective writers do both.
#include <mpi.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "parameters.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/runtime/xdmf.hpp"
#include "shallow_water.hpp"

namespace climate {

class Output {
public:
  // Creates the output folder. Collective over `comm`.
  Output(const Parameters& p, const parlayer::domain::Decomposition& decomposition, MPI_Comm comm,
         std::string config_text);

  // Writes <dir>/climate_<step>.h5 (h, u, v, tracer: global datasets /fields/<name>) and rewrites
  // <dir>/climate.xmf. Collective over `comm`.
  void write(const State& state, std::int64_t step, double time);

  // The snapshot file of `step`.
  std::filesystem::path snapshot_path(std::int64_t step) const;
  const std::filesystem::path& folder() const { return m_folder; }
  const std::filesystem::path& xdmf_path() const { return m_xdmf.file(); }

private:
  std::filesystem::path m_folder;
  const parlayer::domain::Decomposition& m_decomposition;
  MPI_Comm m_comm;
  std::string m_config;
  parlayer::runtime::XdmfSeries m_xdmf;
};

// The XDMF grids of the C-grid variables: h and tracer on the cell grid, u on the cell grid shifted
// half a cell west (its cells centred on the x-faces), v shifted half a cell south.
std::vector<parlayer::runtime::XdmfGrid> xdmf_grids(const Parameters& p);

}  // namespace climate
