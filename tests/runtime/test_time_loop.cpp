// runtime::run_time_loop: the cadence of output, progress, checkpoints (interval, wall time on
// rank 0's injected clock, end, stop) and stops, the same steps on every rank; FlagAgreement.
//  [time_loop]      no stop requests (the request flag is process-wide and never cleared)
//  [time_loop_stop] requests, in their own process
#include <catch2/catch.hpp>
#include <cstdint>
#include <functional>
#include <limits>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "parlayer/parallel/interop.hpp"
#include "parlayer/runtime/flag_agreement.hpp"
#include "parlayer/runtime/log.hpp"
#include "parlayer/runtime/stop_request.hpp"
#include "parlayer/runtime/time_loop.hpp"
#include "parlayer/runtime/timers.hpp"
#include "support.hpp"

// The MPI profiling interface: this binary's own MPI_Allreduce, MPI_Barrier, MPI_Bcast and
// MPI_Iallreduce count their calls, then call MPI's (PMPI_*). Every call in this binary, parlayer's
// included, goes through them; the counts say which collectives the loop itself makes.
namespace {
long g_blocking = 0;    // MPI_Allreduce + MPI_Barrier + MPI_Bcast
long g_iallreduce = 0;  // MPI_Iallreduce
}  // namespace
extern "C" int MPI_Allreduce(const void* send, void* receive, int count, MPI_Datatype type, MPI_Op op, MPI_Comm comm) {
  ++g_blocking;
  return PMPI_Allreduce(send, receive, count, type, op, comm);
}
extern "C" int MPI_Barrier(MPI_Comm comm) {
  ++g_blocking;
  return PMPI_Barrier(comm);
}
extern "C" int MPI_Bcast(void* buffer, int count, MPI_Datatype type, int root, MPI_Comm comm) {
  ++g_blocking;
  return PMPI_Bcast(buffer, count, type, root, comm);
}
extern "C" int MPI_Iallreduce(const void* send, void* receive, int count, MPI_Datatype type, MPI_Op op, MPI_Comm comm,
                              MPI_Request* request) {
  ++g_iallreduce;
  return PMPI_Iallreduce(send, receive, count, type, op, comm, request);
}

using namespace parlayer;
using runtime::CheckpointReason;
using runtime::CheckpointReasons;
using testing::world_rank;
using testing::world_size;

namespace {

constexpr CheckpointReason interval = CheckpointReason::interval;
constexpr CheckpointReason wall_time = CheckpointReason::wall_time;
constexpr CheckpointReason end = CheckpointReason::end;
constexpr CheckpointReason stop = CheckpointReason::stop;

CheckpointReasons operator|(CheckpointReason a, CheckpointReason b) {
  CheckpointReasons r(a);
  r |= b;
  return r;
}

struct Checkpoint {
  std::int64_t step;
  CheckpointReasons why;
  bool operator==(const Checkpoint&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Checkpoint& c) { return os << c.step << ":" << c.why.names(); }

// What a run did, recorded by its hooks.
struct Record {
  std::vector<std::int64_t> advanced, outputs, progress;
  std::vector<Checkpoint> checkpoints;
  runtime::LoopResult result;
};

// Runs the loop with recording hooks; `during_advance(step)` runs inside advance(),
// `during_checkpoint()` inside checkpoint(), `during_output(step)` inside output().
Record run(const runtime::LoopSettings& settings, const std::function<void(std::int64_t)>& during_advance = {},
           const std::function<void()>& during_checkpoint = {},
           const std::function<void(std::int64_t)>& during_output = {}) {
  const runtime::Log log(MPI_COMM_WORLD);
  runtime::Timers timers;
  Record r;
  runtime::LoopHooks hooks;
  hooks.advance = [&](std::int64_t step, double time) {
    CHECK(time == settings.dt * static_cast<double>(step));
    r.advanced.push_back(step);
    if (during_advance) during_advance(step);
  };
  hooks.output = [&](std::int64_t step, double) {
    r.outputs.push_back(step);
    if (during_output) during_output(step);
  };
  hooks.checkpoint = [&](std::int64_t step, double time, CheckpointReasons why) {
    CHECK(time == settings.dt * static_cast<double>(step));
    CHECK_FALSE(why.empty());
    r.checkpoints.push_back({step, why});
    if (during_checkpoint) during_checkpoint();
  };
  hooks.diagnostics = [&](std::int64_t step, double) {
    r.progress.push_back(step);
    return std::string("model text");
  };
  r.result = runtime::run_time_loop(settings, hooks, log, timers);
  CHECK(timers.count("advance") == static_cast<std::int64_t>(r.advanced.size()));
  CHECK(timers.count("checkpoint") == static_cast<std::int64_t>(r.checkpoints.size()));
  return r;
}

// True if every rank has the same checkpoints (steps and reasons) as rank 0.
bool same_on_every_rank(const std::vector<Checkpoint>& checkpoints) {
  std::vector<std::int64_t> mine;
  for (const Checkpoint& c : checkpoints) mine.push_back(c.step * 16 + static_cast<std::int64_t>(c.why.contains(interval)) +
                                                          2 * c.why.contains(wall_time) + 4 * c.why.contains(end) +
                                                          8 * c.why.contains(stop));
  std::int64_t n = static_cast<std::int64_t>(mine.size());
  MPI_Bcast(&n, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
  std::vector<std::int64_t> root = mine;
  root.resize(static_cast<std::size_t>(n));
  MPI_Bcast(root.data(), static_cast<int>(n), MPI_INT64_T, 0, MPI_COMM_WORLD);
  int same = root == mine ? 1 : 0, all = 0;
  MPI_Allreduce(&same, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return all == 1;
}

// A fake clock for rank 0: `now` seconds, advanced by the test's hooks. The other ranks get a
// clock that runs wild and counts its calls: the loop must never read it.
struct FakeClocks {
  double now = 0.0;
  int foreign_calls = 0;
  std::function<double()> clock() {
    if (world_rank() == 0) return [this] { return now; };
    return [this] {
      ++foreign_calls;
      return 1e9 * world_rank() - 1e6 * now;
    };
  }
};

}  // namespace

TEST_CASE("the time loop's cadence: output, checkpoints by steps and at the end, progress", "[runtime][time_loop]") {
  runtime::LoopSettings settings;
  settings.first_step = 3;
  settings.last_step = 25;
  settings.dt = 0.5;
  settings.output_interval = 10;
  settings.checkpoint_interval = 7;
  settings.checkpoint_at_end = true;
  settings.progress_interval = 100;
  Record r = run(settings);
  CHECK(r.result.step == 25);
  CHECK(r.result.time == 12.5);
  CHECK_FALSE(r.result.stopped);
  CHECK(r.advanced.size() == 22);
  CHECK(r.advanced.front() == 3);
  CHECK(r.outputs == std::vector<std::int64_t>{3, 10, 20, 25});
  CHECK(r.checkpoints == std::vector<Checkpoint>{{7, interval}, {14, interval}, {21, interval}, {25, end}});
  CHECK(r.progress == std::vector<std::int64_t>{3, 25});

  // The end and the interval at once; no output at the start (a restart); progress every 5 (from 0).
  settings.last_step = 28;
  settings.output_at_start = false;
  settings.progress_interval = 5;
  r = run(settings);
  CHECK(r.outputs == std::vector<std::int64_t>{10, 20, 28});
  CHECK(r.checkpoints ==
        std::vector<Checkpoint>{{7, interval}, {14, interval}, {21, interval}, {28, interval | end}});
  CHECK(r.progress == std::vector<std::int64_t>{3, 5, 10, 15, 20, 25, 28});

  // No checkpoint at the end unless asked; none at all without an interval.
  settings.checkpoint_at_end = false;
  settings.last_step = 25;
  CHECK(run(settings).checkpoints == std::vector<Checkpoint>{{7, interval}, {14, interval}, {21, interval}});
  settings.checkpoint_interval = 0;
  r = run(settings);
  CHECK(r.checkpoints.empty());
  CHECK(r.advanced.size() == 22);

  // Nothing to do: the start is the end.
  settings.first_step = settings.last_step = 25;
  settings.checkpoint_at_end = true;
  r = run(settings);
  CHECK(r.advanced.empty());
  CHECK(r.checkpoints.empty());  // the state at first_step is the one the run started from
  CHECK(r.progress == std::vector<std::int64_t>{25});
}

TEST_CASE("wall-time checkpoints: rank 0's clock decides, every rank at the same steps", "[runtime][time_loop]") {
  FakeClocks clocks;
  runtime::LoopSettings settings;
  settings.first_step = 0;
  settings.last_step = 20;
  settings.dt = 1.0;
  settings.comm = MPI_COMM_WORLD;
  settings.clock = clocks.clock();
  settings.checkpoint_wall_interval = 3.0;
  const auto one_second_a_step = [&](std::int64_t) { clocks.now += 1.0; };

  SECTION("steady steps: a checkpoint every 3 s of rank 0's clock, on time") {
    const Record r = run(settings, one_second_a_step);
    CHECK(r.checkpoints == std::vector<Checkpoint>{{3, wall_time}, {6, wall_time}, {9, wall_time}, {12, wall_time},
                                                   {15, wall_time}, {18, wall_time}});
    CHECK(same_on_every_rank(r.checkpoints));
  }
  SECTION("a checkpoint of any reason restarts the clock") {
    settings.checkpoint_interval = 4;
    settings.checkpoint_at_end = true;
    const Record r = run(settings, one_second_a_step);
    CHECK(r.checkpoints == std::vector<Checkpoint>{{3, wall_time}, {4, interval}, {7, wall_time}, {8, interval},
                                                   {11, wall_time}, {12, interval}, {15, wall_time}, {16, interval},
                                                   {19, wall_time}, {20, interval | end}});
    CHECK(same_on_every_rank(r.checkpoints));
  }
  SECTION("checks every 2 steps: a flag raised before a checkpoint is dropped") {
    // Checks at 0, 2, 4, ...; rank 0's flag raised at one check is acted on at the next.
    settings.agree_every = 2;
    settings.checkpoint_interval = 3;
    const Record r = run(settings, one_second_a_step);
    // 2: 2 s since the start + 2 s to come >= 3: flag. 3: interval. 4: the flag is stale (the
    // checkpoint at 3 restarted the clock); 1 s + 2 s to come: flag. 6: interval and wall time.
    // 8: 2 + 2: flag. 9: interval. 10: stale; 1 + 2: flag. 12: interval and wall time. ...
    CHECK(r.checkpoints == std::vector<Checkpoint>{{3, interval}, {6, interval | wall_time}, {9, interval},
                                                   {12, interval | wall_time}, {15, interval}, {18, interval | wall_time}});
    CHECK(same_on_every_rank(r.checkpoints));
  }
  SECTION("an interval shorter than a step: a checkpoint at every step once the clock has moved") {
    settings.checkpoint_wall_interval = 1e-6;
    settings.last_step = 8;
    const Record r = run(settings, one_second_a_step);
    // The first flag is raised at step 0, when rank 0's clock has not moved since the start.
    CHECK(r.checkpoints == std::vector<Checkpoint>{{2, wall_time}, {3, wall_time}, {4, wall_time}, {5, wall_time},
                                                   {6, wall_time}, {7, wall_time}, {8, wall_time}});
    CHECK(same_on_every_rank(r.checkpoints));
  }
  SECTION("slow checkpoints: the interval counts from the end of the last one") {
    // Each checkpoint takes 2 s of rank 0's clock. The flag raised right after one must not count
    // that time as the next step's: the next checkpoint comes 3 steps (3 s) later again.
    settings.last_step = 14;
    const Record r = run(settings, one_second_a_step, [&] { clocks.now += 2.0; });
    CHECK(r.checkpoints == std::vector<Checkpoint>{{3, wall_time}, {6, wall_time}, {9, wall_time}, {12, wall_time}});
    CHECK(same_on_every_rank(r.checkpoints));
  }
  SECTION("a slow start (the first output) counts towards the interval, but not as the steps' pace") {
    // Writing the state at step 0 takes 2 s. Had the first check judged the next step by it, it
    // would flag a checkpoint for step 1 (2 s + 2 s to come); the clock reaches 3 s at step 1, so
    // the first checkpoint is at step 2 (acted on one check after the clock passed), then every 3.
    settings.last_step = 9;
    settings.output_interval = 100;
    const Record r = run(settings, one_second_a_step, {}, [&](std::int64_t step) {
      if (step == 0) clocks.now += 2.0;
    });
    CHECK(r.outputs == std::vector<std::int64_t>{0, 9});
    CHECK(r.checkpoints == std::vector<Checkpoint>{{2, wall_time}, {5, wall_time}, {8, wall_time}});
    CHECK(same_on_every_rank(r.checkpoints));
  }
  SECTION("an irregular clock on rank 0 still gives the same steps on every rank") {
    // Rank 0's steps take 0.1 s to 1.9 s (deterministic pattern); other ranks' clocks are ignored.
    const Record r = run(settings, [&](std::int64_t step) { clocks.now += 0.1 + 0.3 * static_cast<double>(step % 7); });
    CHECK_FALSE(r.checkpoints.empty());
    CHECK(same_on_every_rank(r.checkpoints));
  }
  CHECK(clocks.foreign_calls == 0);
}

TEST_CASE("no blocking collective per step: one MPI_Iallreduce per check carries stops and wall time",
          "[runtime][time_loop]") {
  // The issue this loop fixes: the climate ran a blocking reduction at every step for its
  // wall-time cadence. Hooks without collectives here, so every collective counted is the loop's.
  FakeClocks clocks;
  runtime::LoopSettings settings;
  settings.first_step = 10;
  settings.last_step = 50;
  settings.comm = MPI_COMM_WORLD;
  settings.clock = clocks.clock();
  settings.checkpoint_wall_interval = 3.0;
  settings.stop_on_request = true;
  for (const int every : {1, 4}) {
    INFO("agree_every " << every);
    settings.agree_every = every;
    const long blocking_before = g_blocking, iallreduce_before = g_iallreduce;
    const Record r = run(settings, [&](std::int64_t) { clocks.now += 1.0; });
    CHECK(g_blocking - blocking_before == 0);
    CHECK(g_iallreduce - iallreduce_before == 40 / every);  // started at 10, 10 + every, ... < 50
    CHECK(r.result.step == 50);
    CHECK_FALSE(r.checkpoints.empty());  // wall time was agreed all the same
    CHECK(same_on_every_rank(r.checkpoints));
  }
  CHECK(clocks.foreign_calls == 0);
}

TEST_CASE("the time loop refuses what it cannot do", "[runtime][time_loop]") {
  const runtime::Log log(MPI_COMM_WORLD);
  runtime::Timers timers;
  runtime::LoopSettings settings;
  settings.last_step = 3;
  runtime::LoopHooks hooks;
  CHECK_THROWS_AS(runtime::run_time_loop(settings, hooks, log, timers), std::invalid_argument);  // no advance
  hooks.advance = [](std::int64_t, double) {};
  settings.checkpoint_wall_interval = 10.0;  // without a communicator
  CHECK_THROWS_AS(runtime::run_time_loop(settings, hooks, log, timers), std::invalid_argument);
  settings.checkpoint_wall_interval = 0.0;
  settings.stop_on_request = true;
  CHECK_THROWS_AS(runtime::run_time_loop(settings, hooks, log, timers), std::invalid_argument);
  settings.comm = MPI_COMM_WORLD;
  settings.agree_every = 0;
  CHECK_THROWS_AS(runtime::run_time_loop(settings, hooks, log, timers), std::invalid_argument);
  settings.agree_every = 1;
  settings.first_step = 4;
  CHECK_THROWS_AS(runtime::run_time_loop(settings, hooks, log, timers), std::invalid_argument);
  settings.first_step = 0;
  const runtime::LoopResult r = runtime::run_time_loop(settings, hooks, log, timers);
  CHECK(r.step == 3);
  CHECK_FALSE(r.stopped);  // no request in this process
}

TEST_CASE("the automatic progress interval does not overflow for the largest step count", "[runtime][time_loop]") {
  using runtime::automatic_progress_interval;
  CHECK(automatic_progress_interval(0) == 1);
  CHECK(automatic_progress_interval(20) == 1);
  CHECK(automatic_progress_interval(21) == 2);
  CHECK(automatic_progress_interval(1000) == 50);
  const std::int64_t most = std::numeric_limits<std::int64_t>::max();
  CHECK(automatic_progress_interval(most) == most / 20 + 1);
}

TEST_CASE("FlagAgreement: the OR of every rank's flags, and the step it was started at", "[runtime][time_loop]") {
  runtime::FlagAgreement agreement(MPI_COMM_WORLD);
  CHECK_FALSE(agreement.in_flight());
  CHECK(agreement.complete().started == -1);
  const int n = world_size();
  for (std::int64_t step = 0; step < 5; ++step) {
    agreement.start(step, 1u << ((world_rank() + step) % 31));
    CHECK(agreement.in_flight());
    CHECK_THROWS_AS(agreement.start(step, 0), std::logic_error);
    const runtime::FlagAgreement::Agreed agreed = agreement.complete();
    runtime::FlagAgreement::Flags expected = 0;
    for (int r = 0; r < n; ++r) expected |= 1u << ((r + step) % 31);
    CHECK(agreed.flags == expected);
    CHECK(agreed.started == step);
    CHECK_FALSE(agreement.in_flight());
  }
  agreement.start(9, 0);  // left in flight: the destructor completes it
}

TEST_CASE("stop requests: every rank stops at the same step and checkpoints there", "[runtime][time_loop_stop]") {
  runtime::LoopSettings settings;
  settings.first_step = 3;
  settings.last_step = 40;
  settings.dt = 0.5;
  settings.output_interval = 10;
  settings.output_at_start = false;
  settings.checkpoint_interval = 7;
  settings.checkpoint_at_end = true;
  settings.progress_interval = 100;
  settings.stop_on_request = true;
  settings.comm = MPI_COMM_WORLD;
  const int last_rank = world_size() - 1;

  // No request yet: the run ends at last_step.
  Record r = run(settings);
  CHECK_FALSE(r.result.stopped);
  CHECK(r.result.step == 40);
  CHECK(r.checkpoints.back() == Checkpoint{40, end});

  // A request on the last rank during step 9 -> 10 is read at boundary 10 and agreed at 11.
  r = run(settings, [&](std::int64_t step) {
    if (step == 9 && world_rank() == last_rank) runtime::StopRequest::request();
  });
  CHECK(r.result.stopped);
  CHECK(r.result.step == 11);
  CHECK(r.result.time == 5.5);
  CHECK(r.outputs == std::vector<std::int64_t>{10, 11});
  CHECK(r.checkpoints == std::vector<Checkpoint>{{7, interval}, {11, stop}});
  CHECK(r.progress == std::vector<std::int64_t>{3, 11});
  CHECK(same_on_every_rank(r.checkpoints));

  // The request stays recorded (as a signal before the loop would be): the next run stops at its
  // first check, first_step + agree_every, with the interval's reason too when it falls there.
  settings.first_step = 11;
  settings.agree_every = 3;
  r = run(settings);
  CHECK(r.result.stopped);
  CHECK(r.result.step == 14);
  CHECK(r.checkpoints == std::vector<Checkpoint>{{14, interval | stop}});
  CHECK(same_on_every_rank(r.checkpoints));

  // Agreed at last_step: the run is complete, not stopped.
  settings.last_step = 14;
  r = run(settings);
  CHECK_FALSE(r.result.stopped);
  CHECK(r.result.step == 14);
  CHECK(r.checkpoints == std::vector<Checkpoint>{{14, interval | end}});

  // A stop and a wall-time checkpoint in the same agreement: rank 0's clock moves 1 s per reading,
  // so at the first check (step 0) the interval has passed; both are agreed at step 1.
  double now = 0.0;
  int foreign_calls = 0;
  settings.first_step = 0;
  settings.last_step = 40;
  settings.agree_every = 1;
  settings.checkpoint_interval = 0;
  settings.checkpoint_wall_interval = 0.5;
  settings.clock = [&] {
    if (world_rank() != 0) ++foreign_calls;
    return now += 1.0;
  };
  r = run(settings);
  CHECK(r.result.stopped);
  CHECK(r.result.step == 1);
  CHECK(r.checkpoints == std::vector<Checkpoint>{{1, wall_time | stop}});
  CHECK(same_on_every_rank(r.checkpoints));
  CHECK(foreign_calls == 0);
}
