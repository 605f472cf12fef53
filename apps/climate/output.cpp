#include "output.hpp"

#include <array>
#include <cstdio>

#include "parlayer/checkpoint/snapshot.hpp"
#include "parlayer/runtime/files.hpp"

namespace climate {

std::vector<parlayer::runtime::XdmfGrid> xdmf_grids(const Parameters& p) {
  const double dx = p.dx(), dy = p.dy(), y0 = -0.5 * p.ly;
  return {
      {"cells", p.nx, p.ny, 0.0, y0, dx, dy, {"h", "tracer"}},
      {"u_faces", p.nx, p.ny, -0.5 * dx, y0, dx, dy, {"u"}},
      {"v_faces", p.nx, p.ny, 0.0, y0 - 0.5 * dy, dx, dy, {"v"}},
  };
}

Output::Output(const Parameters& p, const parlayer::domain::Decomposition& decomposition, MPI_Comm comm,
               std::string config_text)
    : m_folder(p.output_dir), m_decomposition(decomposition), m_comm(comm), m_config(std::move(config_text)),
      m_xdmf(m_folder / "climate.xmf", xdmf_grids(p)) {
  parlayer::runtime::ensure_folder(m_folder, comm);
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
  header.model = "parlayer-climate rotating shallow water + tracer (C-grid, SSP-RK3)";
  header.config = m_config;
  parlayer::checkpoint::write_snapshot(path, m_comm, m_decomposition, fields, header);
  m_xdmf.add(path, time, m_comm);
}

}  // namespace climate
