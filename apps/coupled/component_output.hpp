#pragma once
// Per-component snapshots: <output.dir>/<component>/<component>_<step>.h5 (CF NetCDF-4, written by
// the component's own ranks with parlayer::checkpoint::write_snapshot) and <component>.xmf (the
// XDMF time series ParaView opens). Step = coupling intervals.
#include <filesystem>
#include <string>
#include <vector>

#include "parlayer/checkpoint/snapshot.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/runtime/xdmf.hpp"

namespace coupled {

class ComponentOutput {
public:
  // Creates the folder. Collective over `comm` (the component's communicator).
  ComponentOutput(const std::filesystem::path& dir, std::string component, MPI_Comm comm,
                  std::vector<parlayer::runtime::XdmfGrid> grids);
  // Writes one snapshot and adds it to the XDMF series. Collective over the component's communicator.
  void write(const parlayer::domain::Decomposition& decomposition,
             const std::vector<parlayer::checkpoint::FieldToWrite>& fields,
             const parlayer::checkpoint::SnapshotHeader& header);
  // After a restart at `step`: lists the snapshots of steps <= `step` already in the folder (the
  // run it continues wrote them) in the XDMF series, their time step x `interval`. Collective.
  void resume(std::int64_t step, double interval);
  std::filesystem::path path_of(std::int64_t step) const;
  const std::filesystem::path& folder() const { return m_folder; }

private:
  std::filesystem::path m_folder;
  std::string m_component;
  MPI_Comm m_comm;
  parlayer::runtime::XdmfSeries m_xdmf;
};

}  // namespace coupled
