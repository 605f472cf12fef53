// Writes a small 3D series the way a 3D model would, for the output tests: two snapshots of a
// 12 x 8 x 4 grid (cells of 1000 x 500 x 250 m) with a cell-centred T and a w on the z faces,
// and series.xmf describing them (3DRectMesh, one grid per location).
//
//   parlayer_output_write_3d FOLDER
#include <filesystem>
#include <string>
#include <vector>

#include "parlayer/checkpoint/snapshot.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/error.hpp"
#include "parlayer/parallel/environment.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/runtime/xdmf.hpp"

using namespace parlayer;

int main(int argc, char** argv) {
  return parallel::guarded_main(argc, argv, [&](parallel::Environment& env) -> int {
    if (argc != 2) throw CollectiveError("usage: parlayer_output_write_3d FOLDER");
    const std::filesystem::path folder = argv[1];
    const int nx = 12, ny = 8, nz = 4;
    const double dx = 1000.0, dy = 500.0, dz = 250.0;
    const domain::Decomposition d({{nx, ny, nz}, {}, {}}, env.size());
    domain::Field<double> t("T", d, env.rank(), 0), w("w", d, env.rank(), 0);
    t.set_units("K");
    w.set_units("m s-1");
    checkpoint::SnapshotHeader header;
    header.model = "parlayer output test (3D)";
    auto& c = header.coordinates;
    c.centres = {{{"x", dx / 2, dx, "m", "x of cell centres", "projection_x_coordinate"},
                  {"y", dy / 2, dy, "m", "y of cell centres", "projection_y_coordinate"},
                  {"z", dz / 2, dz, "m", "height of cell centres", "height"}}};
    c.faces[2] = {"z_w", 0.0, dz, "m", "height of the lower cell faces (w points)", "height"};
    const std::vector<checkpoint::FieldToWrite> fields{
        {"T", &t, {"temperature", "sea_water_temperature"}},
        {"w", &w, {"vertical velocity", "upward_sea_water_velocity", checkpoint::Location::z_face}}};
    runtime::XdmfSeries series(folder / "series.xmf",
                               {{"cells", nx, ny, nz, 0.0, 0.0, 0.0, dx, dy, dz, {"T"}},
                                {"w_faces", nx, ny, nz, 0.0, 0.0, -dz / 2, dx, dy, dz, {"w"}}});
    for (int step = 0; step < 2; ++step) {
      t.for_each(t.interior(), [&](int i, int j, int k) { t(i, j, k) = 280.0 + i + 0.1 * j + 0.01 * k + step; });
      w.for_each(w.interior(), [&](int i, int j, int k) { w(i, j, k) = 1e-3 * (k - 2) * (1 + step); });
      header.step = step;
      header.time = 600.0 * step;
      const std::filesystem::path path = folder / ("snapshot_" + std::to_string(step) + ".h5");
      checkpoint::write_snapshot(path, env.world(), d, fields, header);
      series.add(path, header.time, env.world());
    }
    return 0;
  });
}
