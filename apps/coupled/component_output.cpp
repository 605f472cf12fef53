#include "component_output.hpp"

#include <cstdio>
#include <regex>
#include <set>
#include <sstream>

#include "parlayer/error.hpp"
#include "parlayer/parallel/collective.hpp"

#include "parlayer/runtime/files.hpp"
#include "parlayer/parallel/interop.hpp"

namespace coupled {

ComponentOutput::ComponentOutput(const std::filesystem::path& dir, std::string component, MPI_Comm comm,
                                 std::vector<parlayer::runtime::XdmfGrid> grids)
    : m_folder(dir / component), m_component(component), m_comm(comm),
      m_xdmf(m_folder / (component + ".xmf"), std::move(grids)) {
  parlayer::runtime::ensure_folder(m_folder, comm);
}

void ComponentOutput::resume(std::int64_t step, double interval) {
  const parlayer::parallel::RootResult listed = parlayer::parallel::on_root(m_comm, [&] {
    const std::regex name(m_component + R"(_([0-9]{8,})\.h5)");
    std::set<std::int64_t> steps;
    for (const std::filesystem::directory_entry& e : std::filesystem::directory_iterator(m_folder)) {
      std::smatch m;
      const std::string file = e.path().filename().string();
      if (std::regex_match(file, m, name) && std::stoll(m[1].str()) <= step) steps.insert(std::stoll(m[1].str()));
    }
    std::string text;
    for (const std::int64_t s : steps) text += std::to_string(s) + ' ';
    return text;
  });
  if (listed.failure)
    throw parlayer::CollectiveError("cannot list the output folder '" + m_folder.string() + "': " + *listed.failure);
  std::istringstream in(listed.payload);
  for (std::int64_t s = 0; in >> s;) m_xdmf.add(path_of(s), static_cast<double>(s) * interval, m_comm);
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
