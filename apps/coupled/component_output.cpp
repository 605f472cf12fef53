#include "component_output.hpp"

#include <cstdio>

#include "parlayer/runtime/files.hpp"

namespace coupled {

ComponentOutput::ComponentOutput(const std::filesystem::path& dir, std::string component, MPI_Comm comm,
                                 std::vector<parlayer::runtime::XdmfGrid> grids)
    : m_folder(dir / component), m_component(component), m_comm(comm),
      m_xdmf(m_folder / (component + ".xmf"), std::move(grids)) {
  parlayer::runtime::ensure_folder(m_folder, comm);
}

std::filesystem::path ComponentOutput::path_of(std::int64_t step) const {
  char name[32];
  std::snprintf(name, sizeof name, "_%08lld.h5", static_cast<long long>(step));
  return m_folder / (m_component + name);
}

void ComponentOutput::write(const parlayer::domain::Decomposition& decomposition,
                            const std::vector<parlayer::checkpoint::FieldToWrite>& fields,
                            const parlayer::checkpoint::SnapshotHeader& header) {
  const std::filesystem::path path = path_of(header.step);
  parlayer::checkpoint::write_snapshot(path, m_comm, decomposition, fields, header);
  m_xdmf.add(path, header.time, m_comm);
}

}  // namespace coupled
