#include "output.hpp"

#include <cstdio>

#include <limits>

#include "parlayer/checkpoint/snapshot.hpp"
#include "parlayer/runtime/files.hpp"
#include "parlayer/parallel/interop.hpp"

namespace climate {

std::vector<parlayer::runtime::XdmfGrid> xdmf_grids(const Parameters& p) {
  const double dx = p.dx(), dy = p.dy(), y0 = -0.5 * p.ly;
  return {
      {"cells", p.nx, p.ny, 0, 0.0, y0, 0.0, dx, dy, 1.0, {"h", "tracer", "bottom"}},
      {"u_faces", p.nx, p.ny, 0, -0.5 * dx, y0, 0.0, dx, dy, 1.0, {"u"}},
      {"v_faces", p.nx, p.ny, 0, 0.0, y0 - 0.5 * dy, 0.0, dx, dy, 1.0, {"v"}},
  };
}

std::vector<parlayer::checkpoint::FieldToWrite> snapshot_fields(const State& state, const Field& bottom) {
  using parlayer::checkpoint::Location;
  return {
      {"h", &state.h, {"layer thickness", "sea_floor_depth_below_sea_surface"}},
      {"u", &state.u, {"x velocity (eastward), at the west cell faces", "sea_water_x_velocity", Location::x_face}},
      {"v", &state.v, {"y velocity (northward), at the south cell faces", "sea_water_y_velocity", Location::y_face}},
      {"tracer", &state.tracer, {"passive tracer concentration", ""}},
      {"bottom", &bottom, {"bottom height above the flat bottom", "", Location::cell, false}},
  };
}

parlayer::checkpoint::SnapshotHeader snapshot_header(const Parameters& p, std::int64_t step, double time,
                                                     const RunRecord& record) {
  parlayer::checkpoint::SnapshotHeader header;
  header.step = step;
  header.time = time;
  header.model = model_name;
  header.config = record.config_text;
  header.parameters = record.parameters;
  header.title = "parlayer-climate: rotating shallow water with a passive tracer on a beta-plane channel";
  const double dx = p.dx(), dy = p.dy(), y0 = -0.5 * p.ly;
  auto& c = header.coordinates;
  c.centres[0] = {"x", 0.5 * dx, dx, "m", "x (eastward) of the cell centres", "projection_x_coordinate"};
  c.centres[1] = {"y", y0 + 0.5 * dy, dy, "m", "y (northward) of the cell centres", "projection_y_coordinate"};
  c.faces[0] = {"x_u", 0.0, dx, "m", "x (eastward) of the west cell faces (u points)", "projection_x_coordinate"};
  c.faces[1] = {"y_v", y0, dy, "m", "y (northward) of the south cell faces (v points)", "projection_y_coordinate"};
  return header;
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
               RunRecord record, parlayer::checkpoint::SnapshotSeries::Log log)
    : m_folder(p.output_dir), m_decomposition(decomposition), m_comm(comm), m_record(std::move(record)), m_p(p),
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

void Output::write(const State& state, const Field& bottom, std::int64_t step, double time) {
  const std::filesystem::path path = snapshot_path(step);
  parlayer::checkpoint::write_snapshot(path, m_comm, m_decomposition, snapshot_fields(state, bottom),
                                       snapshot_header(m_p, step, time, m_record));
  m_xdmf.add(path, time, m_comm);
}

}  // namespace climate
