// parlayer::runtime's resource checks: the memory estimate and check, and agreed allocations.
#include <catch2/catch.hpp>
#include <mpi.h>

#include <cstdint>
#include <new>
#include <string>

#include "parlayer/domain/decomposition.hpp"
#include "parlayer/error.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/runtime/memory.hpp"

using parlayer::CollectiveError;
using parlayer::parallel::world_rank;
namespace runtime = parlayer::runtime;

namespace {

int world_size() {
  int n = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const CollectiveError& e) {
    return e.what();
  }
  return "";
}

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
