// runtime::StopRequest: every rank stops at the same step, within the documented latency, when
// any one rank got a signal or a request; no stop without one; signals never end the process.
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdint>
#include <vector>

#include "parlayer/error.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/runtime/stop_request.hpp"

using namespace parlayer;
using parallel::world_rank;

namespace {

int world_size() {
  int n = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

// Runs up to `steps` step boundaries; on `who` at step `when`, `trigger()` is called. Returns the
// step at which should_stop() first said yes (-1: never), checking all ranks agree on it.
template <class Trigger>
std::int64_t stop_step(int check_every, int who, std::int64_t when, std::int64_t steps, Trigger trigger) {
  runtime::StopRequest stop(MPI_COMM_WORLD, check_every);
  std::int64_t stopped = -1;
  for (std::int64_t step = 1; step <= steps; ++step) {
    if (world_rank() == who && step == when) trigger();
    if (stop.should_stop(step)) {
      stopped = step;
      break;
    }
  }
  CHECK(stop.stop_step() == stopped);
  std::int64_t lo = 0, hi = 0;
  MPI_Allreduce(&stopped, &lo, 1, MPI_INT64_T, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(&stopped, &hi, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
  CHECK(lo == hi);  // the same step on every rank
  return stopped;
}

}  // namespace

TEST_CASE("no request, no stop", "[runtime][stop]") {
  CHECK(stop_step(1, -1, 0, 50, [] {}) == -1);
  CHECK(stop_step(4, -1, 0, 50, [] {}) == -1);
  CHECK_FALSE(runtime::StopRequest::requested_here());
}

TEST_CASE("a request on one rank stops every rank at the same step, within 2 * check_every", "[runtime][stop]") {
  const int last = world_size() - 1;
  for (int every : {1, 2, 5}) {
    INFO("check_every " << every);
    const std::int64_t at = 7;
    const std::int64_t stopped = stop_step(every, last, at, 100, [] { runtime::StopRequest::request(); });
    CHECK(stopped >= at);
    CHECK(stopped <= at + 2 * every);
    if (world_rank() == last) {
      CHECK(runtime::StopRequest::requested_here());
      CHECK(runtime::StopRequest::first_signal() == 0);
    }
  }
}

TEST_CASE("SIGUSR1 and SIGTERM request a stop and never end the process", "[runtime][stop]") {
  for (int sig : {SIGUSR1, SIGTERM}) {
    INFO("signal " << sig);
    const std::int64_t stopped = stop_step(3, 0, 4, 100, [sig] {
      std::raise(sig);
      std::raise(sig);  // a second signal (e.g. during the snapshot write) changes nothing
    });
    CHECK(stopped >= 4);
    CHECK(stopped <= 4 + 6);
    if (world_rank() == 0) {
      CHECK(runtime::StopRequest::first_signal() == sig);
      CHECK(runtime::StopRequest::request_count() == 2);
    }
  }
}

TEST_CASE("one StopRequest at a time, check_every >= 1", "[runtime][stop]") {
  runtime::StopRequest first(MPI_COMM_WORLD);
  CHECK_THROWS_AS(runtime::StopRequest(MPI_COMM_WORLD), CollectiveError);
  CHECK_THROWS_AS(runtime::StopRequest(MPI_COMM_WORLD, 0), CollectiveError);
}

// Its own tag (its own process): install_handlers() lasts for the rest of the process.
TEST_CASE("handlers installed first: a request before the StopRequest is honoured, one after it ends nothing",
          "[runtime][stop_early]") {
  runtime::StopRequest::install_handlers();
  runtime::StopRequest::install_handlers();  // idempotent
  const int last = world_size() - 1;
  // A signal before any StopRequest exists (during MPI's start-up, reading the config, ...).
  if (world_rank() == last) std::raise(SIGUSR1);
  CHECK(stop_step(1, -1, 0, 50, [] {}) == 2);  // sent at the first check, agreed at the second
  if (world_rank() == last) CHECK(runtime::StopRequest::first_signal() == SIGUSR1);
  // No StopRequest any more (as after the last step, or in MPI_Finalize): a signal ends nothing.
  std::raise(SIGTERM);
  std::raise(SIGUSR1);
  CHECK(runtime::StopRequest::requested_here());
  {
    runtime::StopRequest unused(MPI_COMM_WORLD);  // destroyed without an agreed stop: keeps the handlers
  }
  std::raise(SIGTERM);
  CHECK(runtime::StopRequest::request_count() >= 3);  // still alive to count it
}
