#include "parlayer/runtime/xdmf.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "parlayer/error.hpp"
#include "parlayer/parallel/collective.hpp"
#include "parlayer/runtime/log.hpp"

namespace parlayer::runtime {

XdmfSeries::XdmfSeries(std::filesystem::path file, std::vector<XdmfGrid> grids)
    : m_file(std::move(file)), m_grids(std::move(grids)) {}

std::string XdmfSeries::text() const {
  std::string x = "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n";
  x += "<Xdmf Version=\"2.0\">\n <Domain>\n";
  x += "  <Grid Name=\"series\" GridType=\"Collection\" CollectionType=\"Temporal\">\n";
  for (const auto& [file, time] : m_steps) {
    x += "   <Grid Name=\"step\" GridType=\"Collection\" CollectionType=\"Spatial\">\n";
    x += format("    <Time Value=\"%.17g\"/>\n", time);
    for (const XdmfGrid& g : m_grids) {
      x += "    <Grid Name=\"" + g.name + "\" GridType=\"Uniform\">\n";
      x += format("     <Topology TopologyType=\"2DCoRectMesh\" Dimensions=\"%d %d\"/>\n", g.ny + 1, g.nx + 1);
      x += "     <Geometry GeometryType=\"ORIGIN_DXDY\">\n";
      x += format("      <DataItem Dimensions=\"2\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">%.17g %.17g</DataItem>\n",
                  g.y0, g.x0);
      x += format("      <DataItem Dimensions=\"2\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">%.17g %.17g</DataItem>\n",
                  g.dy, g.dx);
      x += "     </Geometry>\n";
      for (const std::string& f : g.fields) {
        x += "     <Attribute Name=\"" + f + "\" AttributeType=\"Scalar\" Center=\"Cell\">\n";
        x += format("      <DataItem Dimensions=\"%d %d\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">", g.ny, g.nx);
        x += file + ":/fields/" + f + "</DataItem>\n     </Attribute>\n";
      }
      x += "    </Grid>\n";
    }
    x += "   </Grid>\n";
  }
  x += "  </Grid>\n </Domain>\n</Xdmf>\n";
  return x;
}

void XdmfSeries::add(const std::filesystem::path& snapshot, double time, MPI_Comm comm) {
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
