#include "parlayer/runtime/xdmf.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "parlayer/error.hpp"
#include "parlayer/parallel/collective.hpp"
#include "parlayer/runtime/log.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::runtime {

XdmfSeries::XdmfSeries(std::filesystem::path file, std::vector<XdmfGrid> grids)
    : m_file(std::move(file)), m_grids(std::move(grids)) {}

namespace {

// "x0 x0+dx ... x0+n*dx": n + 1 node coordinates.
std::string nodes(double first, double spacing, int n) {
  std::string text;
  for (int i = 0; i <= n; ++i) text += format(i ? " %.17g" : "%.17g", first + i * spacing);
  return text;
}

}  // namespace

std::string XdmfSeries::text() const {
  static const char* const axis[] = {"x", "y", "z"};
  std::string x = "<?xml version=\"1.0\" ?>\n";
  x += "<Xdmf xmlns:xi=\"http://www.w3.org/2001/XInclude\" Version=\"2.0\">\n <Domain>\n";
  for (const XdmfGrid& g : m_grids) {
    const int n[] = {g.nx, g.ny, g.nz};
    const double first[] = {g.x0, g.y0, g.z0}, spacing[] = {g.dx, g.dy, g.dz};
    for (int a = 0; a < (g.nz > 0 ? 3 : 2); ++a)
      x += format("  <DataItem Name=\"%s_%s\" Dimensions=\"%d\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">",
                  g.name.c_str(), axis[a], n[a] + 1) +
           nodes(first[a], spacing[a], n[a]) + "</DataItem>\n";
  }
  const std::string series = m_file.stem().string();
  x += "  <Grid Name=\"" + series + "\" GridType=\"Collection\" CollectionType=\"Spatial\">\n";
  for (const XdmfGrid& g : m_grids) {
    const bool three = g.nz > 0;
    const std::string cells = three ? format("%d %d %d", g.nz, g.ny, g.nx) : format("%d %d", g.ny, g.nx);
    const std::string points =
        three ? format("%d %d %d", g.nz + 1, g.ny + 1, g.nx + 1) : format("%d %d", g.ny + 1, g.nx + 1);
    x += "   <Grid Name=\"" + g.name + "\" GridType=\"Collection\" CollectionType=\"Temporal\">\n";
    for (const auto& [file, time] : m_steps) {
      x += "    <Grid Name=\"" + g.name + "\" GridType=\"Uniform\">\n";
      x += format("     <Time Value=\"%.17g\"/>\n", time);
      x += format("     <Topology TopologyType=\"%s\" Dimensions=\"%s\"/>\n", three ? "3DRectMesh" : "2DRectMesh",
                  points.c_str());
      x += format("     <Geometry GeometryType=\"%s\">\n", three ? "VXVYVZ" : "VXVY");
      for (int a = 0; a < (three ? 3 : 2); ++a)
        x += "      <xi:include xpointer=\"xpointer(//Xdmf/Domain/DataItem[@Name='" + g.name + "_" + axis[a] +
             "'])\"/>\n";
      x += "     </Geometry>\n";
      for (const std::string& f : g.fields) {
        x += "     <Attribute Name=\"" + f + "\" AttributeType=\"Scalar\" Center=\"Cell\">\n";
        x += format("      <DataItem Dimensions=\"%s\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">",
                    cells.c_str());
        x += file + ":/" + f + "</DataItem>\n     </Attribute>\n";
      }
      x += "    </Grid>\n";
    }
    x += "   </Grid>\n";
  }
  x += "  </Grid>\n </Domain>\n</Xdmf>\n";
  return x;
}

void XdmfSeries::add(const std::filesystem::path& snapshot, double time, parallel::Comm comm) {
  const std::filesystem::path folder = m_file.parent_path().empty() ? "." : m_file.parent_path();
  m_steps.emplace_back(std::filesystem::proximate(snapshot, folder).generic_string(), time);

  const parallel::RootResult written = parallel::on_root(comm, [&] {
    const std::filesystem::path temporary = m_file.string() + ".tmp";
    const std::string content = text();
    std::FILE* out = std::fopen(temporary.c_str(), "wb");
    if (!out) throw Error(std::strerror(errno));
    const bool all_written = std::fwrite(content.data(), 1, content.size(), out) == content.size();
    const int write_errno = errno;
    const bool closed = std::fclose(out) == 0;
    std::string why;
    if (!all_written || !closed) why = std::strerror(all_written ? errno : write_errno);
    else if (std::rename(temporary.c_str(), m_file.c_str()) != 0) why = std::strerror(errno);
    if (!why.empty()) {
      std::remove(temporary.c_str());
      throw Error(why);
    }
    return std::string();
  });
  if (written.failure) throw CollectiveError("cannot write " + m_file.string() + ": " + *written.failure);
}

}  // namespace parlayer::runtime
