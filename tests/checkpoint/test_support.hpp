#pragma once
// Shared by the checkpoint Catch2 tests: a folder all ranks use, sub-communicators of the first m
// ranks, and catching a CollectiveError's message.
#include <catch2/catch.hpp>
#include <hdf5.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "../mpi/support.hpp"  // world_rank, world_size
#include "parlayer/error.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::testing {

/// A fresh folder made by rank 0 and known to every rank; removed when the test ends. Collective.
class SharedDir {
public:
  SharedDir() {
    std::string name;
    if (world_rank() == 0) {
      std::string tmpl = (std::filesystem::temp_directory_path() / "parlayer-ckpt-XXXXXX").string();
      if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
      name = tmpl;
    }
    int n = int(name.size());
    MPI_Bcast(&n, 1, MPI_INT, 0, MPI_COMM_WORLD);
    name.resize(std::size_t(n));
    MPI_Bcast(name.data(), n, MPI_CHAR, 0, MPI_COMM_WORLD);
    m_path = name;
  }
  ~SharedDir() {
    MPI_Barrier(MPI_COMM_WORLD);
    std::error_code ec;
    if (world_rank() == 0) std::filesystem::remove_all(m_path, ec);
  }
  SharedDir(const SharedDir&) = delete;
  SharedDir& operator=(const SharedDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

private:
  std::filesystem::path m_path;
};

/// The first `m` ranks of MPI_COMM_WORLD (MPI_COMM_NULL on the others). Collective over world.
class FirstRanks {
public:
  explicit FirstRanks(int m) {
    MPI_Comm_split(MPI_COMM_WORLD, world_rank() < m ? 0 : MPI_UNDEFINED, world_rank(), &m_comm);
  }
  ~FirstRanks() {
    if (m_comm != MPI_COMM_NULL) MPI_Comm_free(&m_comm);
  }
  FirstRanks(const FirstRanks&) = delete;
  FirstRanks& operator=(const FirstRanks&) = delete;
  bool member() const { return m_comm != MPI_COMM_NULL; }
  MPI_Comm get() const { return m_comm; }
  int rank() const {
    int r = 0;
    MPI_Comm_rank(m_comm, &r);
    return r;
  }

private:
  MPI_Comm m_comm = MPI_COMM_NULL;
};

/// The concatenation of `parts` (by appending: GCC 12 warns wrongly (-Wrestrict) about
/// "literal" + std::string temporaries).
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string s;
  (s.append(parts), ...);
  return s;
}

/// The message of the CollectiveError `f` throws, or "(no CollectiveError)".
inline std::string collective_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const parlayer::CollectiveError& e) {
    return e.what();
  }
  return "(no CollectiveError)";
}

/// True if `text` is the same on every rank of `comm`. Collective.
inline bool same_on_all_ranks(const std::string& text, MPI_Comm comm) {
  std::string root = text;
  int n = int(root.size());
  MPI_Bcast(&n, 1, MPI_INT, 0, comm);
  root.resize(std::size_t(n));
  MPI_Bcast(root.data(), n, MPI_CHAR, 0, comm);
  int same = root == text ? 1 : 0, all = 0;
  MPI_Allreduce(&same, &all, 1, MPI_INT, MPI_MIN, comm);
  return all == 1;
}

/// Every file name in `dir` (hidden ones too), sorted. Local.
inline std::vector<std::string> listing(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Where a dataset's values lie in its file: (offset, length) of each chunk, or of the contiguous
// storage. Snapshot variables are chunked since format 3 (H5Dget_offset is undefined for them).
inline std::vector<std::pair<std::uint64_t, std::uint64_t>> storage_ranges(hid_t dataset) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  if (const haddr_t offset = H5Dget_offset(dataset); offset != HADDR_UNDEF) {
    ranges.emplace_back(offset, H5Dget_storage_size(dataset));
    return ranges;
  }
  const hid_t space = H5Dget_space(dataset);
  hsize_t chunks = 0;
  H5Dget_num_chunks(dataset, space, &chunks);
  for (hsize_t c = 0; c < chunks; ++c) {
    hsize_t at[4] = {};
    unsigned filters = 0;
    haddr_t address = HADDR_UNDEF;
    hsize_t size = 0;
    if (H5Dget_chunk_info(dataset, space, c, at, &filters, &address, &size) >= 0) ranges.emplace_back(address, size);
  }
  H5Sclose(space);
  return ranges;
}

inline std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

}  // namespace parlayer::testing
