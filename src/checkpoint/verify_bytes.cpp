// The write's default verification (Verification::file_bytes): every rank hashes its own cells
// straight from the file's bytes. HDF5 is asked once, by rank 0, where the chunks are; the data is
// then read through mmap from the page cache, without MPI-IO, HDF5 or a copy.
#include <fcntl.h>
#include <hdf5.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>

#include "files.hpp"
#include "layout.hpp"
#include "packing.hpp"
#include "parlayer/checkpoint/checksum.hpp"
#include "snapshot_file.hpp"

namespace parlayer::checkpoint::detail {

namespace fs = std::filesystem;

std::vector<ChunkMap> chunk_maps(const fs::path& path, const std::vector<std::string>& names) {
  const std::string where = "file '" + path.string() + "'";
  std::error_code ec;
  const std::uint64_t file_size = fs::file_size(path, ec);
  if (ec) throw Error("cannot get the size of " + where + ": " + ec.message());
  h5::PropertyList fapl = serial_fapl(where);
  h5::File file(PARLAYER_H5_CHECK(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), where));
  std::vector<ChunkMap> maps;
  for (const std::string& name : names) {
    const std::string dwhere = "variable /" + name + " of " + where;
    h5::Dataset ds(PARLAYER_H5_CHECK(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), dwhere));
    h5::PropertyList dcpl(PARLAYER_H5_CHECK(H5Dget_create_plist(ds.get()), dwhere));
    if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED) throw Error(dwhere + " is not chunked");
    if (PARLAYER_H5_CHECK(H5Pget_nfilters(dcpl.get()), dwhere) != 0) throw Error(dwhere + " has filters");
    ChunkMap m;
    m.name = name;
    const int rank = PARLAYER_H5_CHECK(H5Pget_chunk(dcpl.get(), 0, nullptr), dwhere);
    std::vector<hsize_t> chunk(std::size_t(std::max(rank, 0)));
    PARLAYER_H5_CHECK(H5Pget_chunk(dcpl.get(), rank, chunk.data()), dwhere);
    m.chunk.assign(chunk.begin(), chunk.end());
    h5::Datatype type(PARLAYER_H5_CHECK(H5Dget_type(ds.get()), dwhere));
    m.element_size = H5Tget_size(type.get());
    std::uint64_t chunk_bytes = m.element_size;
    for (hsize_t c : chunk) chunk_bytes *= c;
    h5::Dataspace space(PARLAYER_H5_CHECK(H5Dget_space(ds.get()), dwhere));
    hsize_t n = 0;
    PARLAYER_H5_CHECK(H5Dget_num_chunks(ds.get(), space.get(), &n), dwhere);
    std::vector<hsize_t> offset(chunk.size());
    for (hsize_t c = 0; c < n; ++c) {
      unsigned mask = 0;
      haddr_t address = 0;
      hsize_t size = 0;
      PARLAYER_H5_CHECK(H5Dget_chunk_info(ds.get(), space.get(), c, offset.data(), &mask, &address, &size), dwhere);
      if (mask != 0 || size != chunk_bytes || address == HADDR_UNDEF || address + size > file_size)
        throw Error(dwhere + ": chunk " + std::to_string(c) + " is not stored whole within the file");
      m.offsets.emplace_back(offset.begin(), offset.end());
      m.addresses.push_back(address);
    }
    maps.push_back(std::move(m));
  }
  file.close(where);
  return maps;
}

std::string pack(const std::vector<ChunkMap>& maps) {
  Packer p;
  p.put(std::uint64_t(maps.size()));
  for (const ChunkMap& m : maps) {
    p.put(m.name).put(m.chunk).put(m.addresses).put(m.element_size).put(std::uint64_t(m.offsets.size()));
    for (const auto& o : m.offsets) p.put(o);
  }
  return std::move(p.bytes());
}

std::vector<ChunkMap> unpack_chunk_maps(const std::string& bytes) {
  Unpacker u(bytes);
  std::uint64_t n = 0;
  u.get(n);
  std::vector<ChunkMap> maps(n);
  for (ChunkMap& m : maps) {
    std::uint64_t count = 0;
    u.get(m.name);
    u.get(m.chunk);
    u.get(m.addresses);
    u.get(m.element_size);
    u.get(count);
    m.offsets.resize(count);
    for (auto& o : m.offsets) u.get(o);
  }
  return maps;
}

namespace {

// A read-only mapping of a whole file, unmapped on scope exit.
class Mapping {
public:
  explicit Mapping(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error("cannot open '" + path.string() + "': " + errno_text(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int e = errno;
      ::close(fd);
      throw Error("cannot stat '" + path.string() + "': " + errno_text(e));
    }
    m_size = std::size_t(st.st_size);
    if (m_size > 0) {
      void* p = ::mmap(nullptr, m_size, PROT_READ, MAP_SHARED, fd, 0);
      if (p == MAP_FAILED) {
        const int e = errno;
        ::close(fd);
        throw Error("cannot map '" + path.string() + "': " + errno_text(e));
      }
      m_data = static_cast<const std::byte*>(p);
    }
    ::close(fd);
  }
  ~Mapping() {
    if (m_data) ::munmap(const_cast<std::byte*>(m_data), m_size);
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  const std::byte* data() const noexcept { return m_data; }
  std::size_t size() const noexcept { return m_size; }

private:
  const std::byte* m_data = nullptr;
  std::size_t m_size = 0;
};

}  // namespace

std::vector<std::uint64_t> file_partial_checksums(const fs::path& path, const std::vector<ChunkMap>& maps,
                                                  const std::vector<std::vector<domain::IndexBox>>& boxes,
                                                  const domain::IndexBox& global, int dims) {
  static_assert(std::endian::native == std::endian::little, "the file's bytes are hashed as native values");
  const Mapping file(path);
  std::vector<std::uint64_t> sums(maps.size(), 0);
  for (std::size_t f = 0; f < maps.size(); ++f) {
    const ChunkMap& m = maps[f];
    const std::size_t lead = m.chunk.size() - std::size_t(dims);  // 1 with a time dimension
    // Chunk extents x first (a 2D field's z extent is 1).
    domain::Index3 extent{1, 1, 1};
    for (int a = 0; a < dims; ++a) extent[a] = int(m.chunk[m.chunk.size() - 1 - std::size_t(a)]);
    const std::uint64_t chunk_bytes = m.element_size * std::uint64_t(extent[0]) * extent[1] * extent[2];
    for (std::size_t c = 0; c < m.offsets.size(); ++c) {
      if (lead == 1 && m.offsets[c][0] != 0) continue;  // only time index 0 is written
      domain::Index3 lo{0, 0, 0};
      for (int a = 0; a < dims; ++a) lo[a] = int(m.offsets[c][m.chunk.size() - 1 - std::size_t(a)]);
      const domain::IndexBox chunk_box{lo, {lo[0] + extent[0], lo[1] + extent[1], lo[2] + extent[2]}};
      if (m.addresses[c] + chunk_bytes > file.size()) throw Error("chunk beyond the end of the file");
      const std::byte* base = file.data() + m.addresses[c];
      for (const domain::IndexBox& box : boxes[f]) {
        const domain::IndexBox part = box.intersection(chunk_box).intersection(global);
        if (part.empty()) continue;
        for (int k = part.lo[2]; k < part.hi[2]; ++k)
          for (int j = part.lo[1]; j < part.hi[1]; ++j) {
            const std::uint64_t at = (std::uint64_t(k - lo[2]) * extent[1] + std::uint64_t(j - lo[1])) * extent[0] +
                                     std::uint64_t(part.lo[0] - lo[0]);
            const domain::IndexBox row{{part.lo[0], j, k}, {part.hi[0], j + 1, k + 1}};
            sums[f] += partial_checksum(base + at * m.element_size, m.element_size, row, global);
          }
      }
    }
  }
  return sums;
}

}  // namespace parlayer::checkpoint::detail
