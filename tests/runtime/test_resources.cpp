// parlayer::runtime's resource checks: the memory estimate and check, agreed allocations, and the
// folder lock that keeps two runs out of one folder.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <new>
#include <string>

#include "parlayer/domain/decomposition.hpp"
#include "parlayer/error.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/runtime/files.hpp"
#include "parlayer/runtime/memory.hpp"

#include "support.hpp"

using parlayer::CollectiveError;
using parlayer::parallel::world_rank;
using parlayer::testing::error_of;
using parlayer::testing::world_size;
namespace runtime = parlayer::runtime;
namespace fs = std::filesystem;

namespace {


// A scratch folder, the same path on every rank (one machine: mpirun's pid), removed at the end.
struct Scratch {
  fs::path path = fs::temp_directory_path() / ("parlayer-resources-test-" + std::to_string(getppid()));
  Scratch() {
    if (world_rank() == 0) fs::remove_all(path), fs::create_directories(path);
    MPI_Barrier(MPI_COMM_WORLD);
  }
  ~Scratch() {
    MPI_Barrier(MPI_COMM_WORLD);
    if (world_rank() == 0) fs::remove_all(path);
  }
};

}  // namespace

TEST_CASE("memory: the estimate follows the fields' allocation; a run that does not fit is one line",
          "[runtime][memory]") {
  using parlayer::domain::Decomposition;
  // 64 x 32, 2 ghost layers along x and y (none along z in 2D), 8-byte values.
  const Decomposition one({{64, 32}, {true, false}, {}}, 1);
  CHECK(runtime::field_bytes(one, 0, 2, 8) == 68 * 36 * 8);
  CHECK(runtime::field_bytes(one, 0, 2, 8, 13) == 13 * 68 * 36 * 8);
  // From 2 MiB on, a field box is rounded up to whole huge pages.
  const Decomposition big({{1024, 1024}, {true, false}, {}}, 1);
  CHECK(runtime::field_bytes(big, 0, 2, 8) == 5 * (std::uint64_t{2} << 20));
  // Every box of the rank counts; a rank without boxes needs nothing; absurd sizes saturate.
  const Decomposition many({{64, 32}, {true, false}, {}}, 3);
  std::uint64_t sum = 0;
  for (int r = 0; r < 3; ++r) sum += runtime::field_bytes(many, r, 1, 4);
  CHECK(sum > 64 * 32 * 4);
  const Decomposition huge({{1 << 24, 1 << 24}, {true, false}, {}}, 1);
  CHECK(runtime::field_bytes(huge, 0, 2, 8, 1 << 20) == ~std::uint64_t{0});

  CHECK(runtime::format_bytes(100) == "100 B");
  CHECK(runtime::format_bytes(1536) == "1.5 KiB");
  CHECK(runtime::format_bytes(std::uint64_t{3} << 30) == "3.0 GiB");
  CHECK(runtime::format_bytes(std::uint64_t{700} << 20) == "700 MiB");

  const std::optional<std::uint64_t> available = runtime::available_memory();
  REQUIRE(available.has_value());  // Linux: /proc/meminfo
  CHECK(*available > 0);
  CHECK(error_of([] { runtime::check_memory(1 << 20, MPI_COMM_WORLD, "a small test"); }).empty());
  const std::string message =
      error_of([] { runtime::check_memory(std::uint64_t{1} << 62, MPI_COMM_WORLD, "a test's arrays"); });
  CHECK_THAT(message, Catch::StartsWith("not enough memory on host '") &&
                          Catch::Contains(": the run needs about ") && Catch::Contains("a test's arrays") &&
                          Catch::Contains("), but only ") && Catch::Contains(" is available ("));
  CHECK(message.find('\n') == std::string::npos);

  // A std::bad_alloc on one rank becomes one agreed error on every rank; success is silent.
  const int last = world_size() - 1;
  CHECK(error_of([] { runtime::allocate_agreed(MPI_COMM_WORLD, "test arrays", [] {}); }).empty());
  CHECK_THAT(error_of([&] {
               runtime::allocate_agreed(MPI_COMM_WORLD, "test arrays", [&] {
                 if (world_rank() == last) throw std::bad_alloc();
               });
             }),
             Catch::StartsWith("out of memory while allocating test arrays (std::bad_alloc"));
}

TEST_CASE("folder lock: one run per folder; released with its holder", "[runtime][files]") {
  const Scratch scratch;
  const fs::path out = scratch.path / "out", checkpoints = scratch.path / "out" / "checkpoints";
  {
    // The same folder under two names is locked once (no conflict with itself).
    const runtime::FolderLock first({{out, "output folder", "output.dir"}, {checkpoints, "checkpoint folder", "checkpoint.dir"},
                                     {out / ".", "output folder", "output.dir"}},
                                    MPI_COMM_WORLD, "the first run");
    CHECK(first.warning().empty());
    if (world_rank() == 0) {
      std::ifstream file(checkpoints / runtime::lock_file_name);
      std::string line;
      std::getline(file, line);
      CHECK_THAT(line, Catch::StartsWith("pid " + std::to_string(getpid()) + " on host ") &&
                           Catch::Contains(", started ") && Catch::EndsWith(" UTC (the first run)"));
    }
    // A second holder (another open file description: as another process would be) is refused.
    const std::string message =
        error_of([&] { runtime::FolderLock({{checkpoints, "checkpoint folder", "checkpoint.dir"}}, MPI_COMM_WORLD, "a second run"); });
    CHECK_THAT(message, Catch::StartsWith("checkpoint folder '" + checkpoints.string() +
                                          "' (checkpoint.dir) is in use by another run: pid ") &&
                            Catch::Contains("(the first run); lock file " + (checkpoints / ".parlayer.lock").string()) &&
                            Catch::EndsWith("or use another checkpoint.dir"));
    // A refused lock holds nothing: after the first is gone, the second succeeds (below).
    CHECK_THAT(error_of([&] {
                 runtime::FolderLock({{scratch.path / "other", "output folder", "output.dir"}, {out, "output folder", "output.dir"}},
                                     MPI_COMM_WORLD, "a third run");
               }),
               Catch::Contains("output folder '" + out.string() + "' (output.dir) is in use by another run"));
    const runtime::FolderLock other({{scratch.path / "other", "output folder", "output.dir"}}, MPI_COMM_WORLD, "x");
  }
  // Released with the first holder; the stale file is reused.
  runtime::FolderLock again({{out, "output folder", "output.dir"}, {checkpoints, "checkpoint folder", "checkpoint.dir"}},
                            MPI_COMM_WORLD, "the next run");
  runtime::FolderLock moved(std::move(again));
  CHECK_THAT(error_of([&] { runtime::FolderLock({{out, "output folder", "output.dir"}}, MPI_COMM_WORLD, "y"); }),
             Catch::Contains("(the next run)"));
  // A folder that cannot be made is left to its writer to report: no error here, nothing locked.
  if (world_rank() == 0) std::ofstream(scratch.path / "a-file") << "x";
  MPI_Barrier(MPI_COMM_WORLD);
  CHECK(error_of([&] { runtime::FolderLock({{scratch.path / "a-file", "output folder", "output.dir"}}, MPI_COMM_WORLD, "z"); })
            .empty());
  CHECK(error_of([&] {
          runtime::FolderLock({{scratch.path / "a-file" / "sub", "output folder", "output.dir"}}, MPI_COMM_WORLD, "z");
        }).empty());
}
