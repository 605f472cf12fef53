#include "output.hpp"

#include <array>
#include <cstdio>

#include <limits>

#include "parlayer/checkpoint/snapshot.hpp"
#include "parlayer/runtime/files.hpp"
#include "restart.hpp"

namespace climate {

std::vector<parlayer::runtime::XdmfGrid> xdmf_grids(const Parameters& p) {
  const double dx = p.dx(), dy = p.dy(), y0 = -0.5 * p.ly;
  return {
      {"cells", p.nx, p.ny, 0.0, y0, dx, dy, {"h", "tracer"}},
      {"u_faces", p.nx, p.ny, -0.5 * dx, y0, dx, dy, {"u"}},
      {"v_faces", p.nx, p.ny, 0.0, y0 - 0.5 * dy, dx, dy, {"v"}},
  };
}

namespace {

// ensure_folder first: its error ("cannot create output folder ...") is the one users know.
parlayer::checkpoint::SnapshotSeries open_folder(const std::filesystem::path& folder, MPI_Comm comm,
                                                 parlayer::checkpoint::SnapshotSeries::Log log) {
  parlayer::runtime::ensure_folder(folder, comm);
  return parlayer::checkpoint::SnapshotSeries(folder, "climate", comm, std::numeric_limits<int>::max(), std::move(log));
}

}  // namespace

Output::Output(const Parameters& p, const parlayer::domain::Decomposition& decomposition, MPI_Comm comm,
               std::string config_text, parlayer::checkpoint::SnapshotSeries::Log log)
    : m_folder(p.output_dir), m_decomposition(decomposition), m_comm(comm), m_config(std::move(config_text)),
      m_xdmf(m_folder / "climate.xmf", xdmf_grids(p)), m_files(open_folder(m_folder, comm, std::move(log))) {}

std::size_t Output::resume(std::int64_t step, double dt) {
  std::size_t listed = 0;
  for (const parlayer::checkpoint::Generation& g : m_files.generations()) {  // oldest first, same on every rank
    if (g.step > step) break;
    m_xdmf.add(g.path, static_cast<double>(g.step) * dt, m_comm);
    ++listed;
  }
  return listed;
}

std::filesystem::path Output::snapshot_path(std::int64_t step) const {
  char name[64];
  std::snprintf(name, sizeof name, "climate_%08lld.h5", static_cast<long long>(step));
  return m_folder / name;
}

void Output::write(const State& state, std::int64_t step, double time) {
  const std::filesystem::path path = snapshot_path(step);
  const std::array<const parlayer::domain::FieldBase*, 4> fields = state.fields();
  parlayer::checkpoint::SnapshotHeader header;
  header.step = step;
  header.time = time;
  header.model = model_name;
  header.config = m_config;
  parlayer::checkpoint::write_snapshot(path, m_comm, m_decomposition, fields, header);
  m_xdmf.add(path, time, m_comm);
}

}  // namespace climate
