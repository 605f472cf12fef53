// SnapshotSeries: generations and pruning, leftover temporaries, unusable folders, and the
// corruption matrix on the newest of three generations (each kind detected with its reason, the
// previous generation used; all corrupt: an error, never a silent start from step 0).
#include <catch2/catch.hpp>
#include <hdf5.h>
#include <filesystem>
#include <string>
#include <vector>

#include "generate.hpp"
#include "checkpoint/hdf5.hpp"
#include "parlayer/checkpoint/series.hpp"
#include "parlayer/parallel/interop.hpp"
#include "test_support.hpp"

using namespace parlayer;
using namespace parlayer::testing;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;
namespace h5 = parlayer::checkpoint::h5;

namespace {

const std::vector<int> extent{24, 15};

checkpoint::SnapshotHeader header_at(std::int64_t step) {
  return {step, double(step) / 8, "series test", "steps = " + std::to_string(step)};
}

// Collects the log lines (rank 0 only receives any).
struct Lines {
  std::vector<std::string> lines;
  checkpoint::SnapshotSeries::Log sink() {
    return [this](const std::string& line) { lines.push_back(line); };
  }
  bool any(const std::string& part) const {
    for (const auto& l : lines)
      if (l.find(part) != std::string::npos) return true;
    return false;
  }
};

// Writes generations `steps` into `folder` with every rank.
void write_generations(const fs::path& folder, const std::vector<std::int64_t>& steps, int keep = 3) {
  const domain::Decomposition d({extent, {}, {}}, world_size());
  Model m(d, world_rank());
  checkpoint::SnapshotSeries series(folder, "ckpt", MPI_COMM_WORLD, keep, [](const std::string&) {});
  for (std::int64_t s : steps) {
    m.generate(s);
    series.write(d, m.const_fields(), header_at(s));
  }
}

// File offset of the object header of `object` (e.g. "/", "/h"), of a dataset's data.
std::uint64_t header_address(const fs::path& file, const char* object) {
  h5::File f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  H5O_info_t info;
  REQUIRE(H5Oget_info_by_name2(f.get(), object, &info, H5O_INFO_BASIC, H5P_DEFAULT) >= 0);
  return info.addr;
}
std::uint64_t data_address(const fs::path& file, const char* dataset) {
  h5::File f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  h5::Dataset ds(H5Dopen2(f.get(), dataset, H5P_DEFAULT));
  const auto ranges = storage_ranges(ds.get());
  REQUIRE(!ranges.empty());
  return ranges.front().first;
}

void flip_byte(const fs::path& file, std::uint64_t at) {
  std::string bytes = read_bytes(file);
  REQUIRE(at < bytes.size());
  bytes[at] = char(bytes[at] ^ 0x20);
  write_bytes(file, bytes);
}

std::string bytes_of(const fs::path& file) { return read_bytes(file); }

}  // namespace

TEST_CASE("a series keeps the newest generations and prunes only after a commit", "[series]") {
  SharedDir dir;
  const fs::path folder = dir / "run";
  write_generations(folder, {10, 20, 30, 40}, 2);
  const checkpoint::SnapshotSeries series(folder, "ckpt", MPI_COMM_WORLD, 2);
  const auto gens = series.generations();
  REQUIRE(gens.size() == 2);
  CHECK(gens[0].step == 30);
  CHECK(gens[1].step == 40);
  CHECK(gens[1].path == folder / "ckpt_0000000040.h5");
  CHECK(series.path_of(7) == folder / "ckpt_0000000007.h5");
  if (world_rank() == 0)
    CHECK(listing(folder) == std::vector<std::string>{"ckpt_0000000030.h5", "ckpt_0000000040.h5"});
  // Another prefix in the same folder is a series of its own: neither prunes the other's files.
  {
    const domain::Decomposition d({extent, {}, {}}, world_size());
    Model m(d, world_rank());
    m.generate(5);
    checkpoint::SnapshotSeries other(folder, "other", MPI_COMM_WORLD, 1);
    other.write(d, m.const_fields(), header_at(5));
    m.generate(6);
    other.write(d, m.const_fields(), header_at(6));
    if (world_rank() == 0)
      CHECK(listing(folder) ==
            std::vector<std::string>{"ckpt_0000000030.h5", "ckpt_0000000040.h5", "other_0000000006.h5"});
    CHECK_THAT(collective_error_of([&] { other.write(d, m.const_fields(), header_at(-1)); }), Contains("negative"));
  }
}

TEST_CASE("restore_latest reads the newest generation on any rank count", "[series]") {
  SharedDir dir;
  write_generations(dir.path(), {3, 6, 9});
  for (int r = 1; r <= world_size(); ++r) {
    FirstRanks sub(r);
    bool ok = true;
    if (sub.member()) {
      const domain::Decomposition d({extent, {}, {}}, r);
      Model m(d, sub.rank());
      m.scramble();
      checkpoint::SnapshotSeries series(dir.path(), "ckpt", sub.get(), 3, [](const std::string&) {});
      std::vector<checkpoint::Rejected> rejected;
      const auto got = series.restore_latest(d, m.fields(), &rejected);
      ok = got && got->header.step == 9 && got->header.config == "steps = 9" && rejected.empty() && m.matches(9);
    }
    CHECK(all_ranks(ok, MPI_COMM_WORLD));
  }
}

TEST_CASE("an empty folder has no latest snapshot (a fresh start is allowed)", "[series]") {
  SharedDir dir;
  const domain::Decomposition d({extent, {}, {}}, world_size());
  Model m(d, world_rank());
  checkpoint::SnapshotSeries series(dir / "new" / "nested", "ckpt", MPI_COMM_WORLD);
  CHECK(fs::is_directory(dir / "new" / "nested"));
  const checkpoint::LatestValid found = series.find_latest_valid(d);
  CHECK_FALSE(found.snapshot);
  CHECK(found.rejected.empty());
  CHECK_FALSE(series.restore_latest(d, m.fields()));
}

TEST_CASE("the corruption matrix: each damage to the newest generation is detected, the previous one used",
          "[series]") {
  struct Damage {
    const char* name;
    std::function<void(const fs::path&)> apply;  // on rank 0
    const char* reason;                          // expected in the rejection
  };
  const std::vector<Damage> damages{
      {"truncated", [](const fs::path& f) { fs::resize_file(f, fs::file_size(f) / 2); }, "truncated file"},
      {"zero bytes", [](const fs::path& f) { fs::resize_file(f, 0); }, "is empty (0 bytes)"},
      {"one byte of data", [](const fs::path& f) { flip_byte(f, data_address(f, "/u") + 17); },
       "field 'u': checksum mismatch (data corrupted): stored 0x"},
      {"one byte of the superblock", [](const fs::path& f) { flip_byte(f, 20); }, "incorrect metadata checksum"},
      {"one byte of the root object header", [](const fs::path& f) { flip_byte(f, header_address(f, "/") + 12); },
       "incorrect metadata checksum"},
      {"one byte of a dataset object header",
       [](const fs::path& f) { flip_byte(f, header_address(f, "/mask") + 8); }, "incorrect metadata checksum"},
      {"not HDF5 at all", [](const fs::path& f) { write_bytes(f, std::string(5000, 'x')); }, "is not an HDF5 file"},
  };
  const domain::Decomposition d({extent, {}, {}}, world_size());
  for (const Damage& damage : damages) {
    SECTION(damage.name) {
      SharedDir dir;
      write_generations(dir.path(), {10, 20, 30});
      const fs::path newest = dir / "ckpt_0000000030.h5", older = dir / "ckpt_0000000020.h5";
      std::string older_bytes;
      if (world_rank() == 0) {
        h5::ErrorPrintingOff quiet;
        damage.apply(newest);
        older_bytes = bytes_of(older);
      }
      MPI_Barrier(MPI_COMM_WORLD);
      Lines log;
      checkpoint::SnapshotSeries series(dir.path(), "ckpt", MPI_COMM_WORLD, 3, log.sink());
      const checkpoint::LatestValid found = series.find_latest_valid(d);
      REQUIRE(found.snapshot);
      CHECK(found.snapshot->header.step == 20);
      REQUIRE(found.rejected.size() == 1);
      CHECK(found.rejected[0].path == newest);
      CHECK_THAT(found.rejected[0].reason, Contains(damage.reason));
      CHECK(same_on_all_ranks(found.rejected[0].reason, MPI_COMM_WORLD));
      if (world_rank() == 0) CHECK(log.any(cat("rejected ", newest.string(), ": ", found.rejected[0].reason)));
      // Restoring reads generation 20 bit for bit; the damaged file and the others stay as they are.
      Model m(d, world_rank());
      m.scramble();
      const auto restored = series.restore_latest(d, m.fields());
      REQUIRE(restored);
      CHECK(restored->header.step == 20);
      CHECK(all_ranks(m.matches(20), MPI_COMM_WORLD));
      if (world_rank() == 0) {
        CHECK(fs::exists(newest));
        CHECK(bytes_of(older) == older_bytes);
      }
      // The run goes on: writing generation 30 again replaces the damaged file.
      m.generate(30);
      series.write(d, m.const_fields(), header_at(30));
      CHECK(series.find_latest_valid(d).snapshot->header.step == 30);
    }
  }
}

TEST_CASE("a leftover temporary is ignored, then removed by the next series", "[series]") {
  SharedDir dir;
  write_generations(dir.path(), {10, 20});
  const fs::path temp = dir / ".ckpt_0000000030.h5.tmp-p123-deadbeef";
  const fs::path reserve = dir / ".ckpt_0000000030.h5.tmp-p123-deadbeef.reserve";
  const fs::path foreign = dir / ".notes.h5.tmp-keep";  // not of this series: never touched
  if (world_rank() == 0) {
    write_bytes(temp, std::string(3000, '\0'));
    write_bytes(reserve, std::string(10, '\0'));
    write_bytes(foreign, "x");
  }
  MPI_Barrier(MPI_COMM_WORLD);
  const domain::Decomposition d({extent, {}, {}}, world_size());
  {
    // find_latest_valid on a series opened before the temporary appeared reports it.
    Lines log;
    // (Open the series on a different prefix first to show construction does not touch ckpt's.)
    checkpoint::SnapshotSeries other(dir.path(), "other", MPI_COMM_WORLD);
    if (world_rank() == 0) CHECK(fs::exists(temp));
  }
  Lines log;
  checkpoint::SnapshotSeries series(dir.path(), "ckpt", MPI_COMM_WORLD, 3, log.sink());
  if (world_rank() == 0) {
    CHECK_FALSE(fs::exists(temp));
    CHECK_FALSE(fs::exists(reserve));
    CHECK(fs::exists(foreign));
    CHECK(log.any(cat("removed leftover temporary '", temp.string(), "' of an interrupted write")));
  }
  MPI_Barrier(MPI_COMM_WORLD);
  // A temporary appearing while the series is open is reported, never used.
  if (world_rank() == 0) write_bytes(temp, std::string(3000, '\0'));
  MPI_Barrier(MPI_COMM_WORLD);
  const checkpoint::LatestValid found = series.find_latest_valid(d);
  REQUIRE(found.snapshot);
  CHECK(found.snapshot->header.step == 20);
  REQUIRE(found.rejected.size() == 1);
  CHECK(found.rejected[0].path == temp);
  CHECK_THAT(found.rejected[0].reason, Contains("temporary file of an interrupted write"));
}

TEST_CASE("snapshots that exist but are all invalid stop the restart", "[series]") {
  SharedDir dir;
  write_generations(dir.path(), {10, 20});
  if (world_rank() == 0) {
    fs::resize_file(dir / "ckpt_0000000010.h5", 0);
    fs::resize_file(dir / "ckpt_0000000020.h5", 100);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  const domain::Decomposition d({extent, {}, {}}, world_size());
  checkpoint::SnapshotSeries series(dir.path(), "ckpt", MPI_COMM_WORLD, 3, [](const std::string&) {});
  const std::string message = collective_error_of([&] { series.find_latest_valid(d); });
  CHECK_THAT(message, Contains("no valid snapshot among the 2 generation(s)") && Contains("refusing to start from step 0") &&
                          Contains("ckpt_0000000010.h5: is empty (0 bytes)") && Contains("ckpt_0000000020.h5: "));
  CHECK(same_on_all_ranks(message, MPI_COMM_WORLD));
  Model m(d, world_rank());
  CHECK_THAT(collective_error_of([&] { series.restore_latest(d, m.fields()); }), Contains("refusing to start from step 0"));
  // A grid the snapshots do not fit is the same: they exist, none is usable.
  write_generations(dir.path(), {30});
  const domain::Decomposition other({{24, 16}, {}, {}}, world_size());
  CHECK_THAT(collective_error_of([&] { series.find_latest_valid(other); }),
             Contains("ckpt_0000000030.h5: is for a grid of 24x15, this run's grid is 24x16"));
}

TEST_CASE("an unusable folder is a clear collective error naming it", "[series]") {
  SharedDir dir;
  const fs::path file = dir / "a-file";
  if (world_rank() == 0) write_bytes(file, "x");
  MPI_Barrier(MPI_COMM_WORLD);
  const auto open_error = [&](const fs::path& folder) {
    const std::string message =
        collective_error_of([&] { checkpoint::SnapshotSeries s(folder, "ckpt", MPI_COMM_WORLD); });
    CHECK(same_on_all_ranks(message, MPI_COMM_WORLD));
    return message;
  };
  CHECK_THAT(open_error(file), Contains(cat("'", file.string(), "' exists and is not a folder")));
  CHECK_THAT(open_error(file / "sub"), Contains(cat("cannot create folder '", (file / "sub").string(), "'")));
  CHECK_THAT(collective_error_of([&] { checkpoint::SnapshotSeries s(dir.path(), "a/b", MPI_COMM_WORLD); }),
             Contains("prefix 'a/b'"));
  CHECK_THAT(collective_error_of([&] { checkpoint::SnapshotSeries s(dir.path(), "ckpt", MPI_COMM_WORLD, 0); }),
             Contains("keep must be >= 1"));
}
