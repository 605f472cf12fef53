// A small MPI program the checkpoint shell tests drive (check_bad_places, check_signals, check_kill).
//
//   tool write  dir=D [prefix=P] step=S [extent=NXxNY[xNZ]] [keep=K]
//        writes generation S (the test model's values at step S) into the series D/P
//   tool latest dir=D [prefix=P] [extent=...] [all=1]
//        restores the newest valid generation, checks every value against the generator, prints
//        "latest <step> values-ok" and one "rejected <file>: <reason>" line per file passed over;
//        all=1 first verifies every committed generation ("generations invalid: <n>")
//   tool verify file=F [extent=...]
//        verify_snapshot on one file: prints "valid <step>"
//   tool run    dir=D [prefix=P] [extent=...] [steps=N] [every=E] [sleep_ms=M] [keep=K]
//        the time loop of a model: state(step) = generator(step); a snapshot every E steps;
//        StopRequest at every step boundary; on a stop: print "writing <step>", snapshot, print
//        "stopped <step> signal <n> count <signals>", exit runtime::exit_code_checkpointed. Prints "pid <rank> <pid>" at start and
//        "step <n>" (rank 0) as it goes.
//
// Exit codes: 0 ok, 2 CollectiveError (printed once as "error: ..."), 3 stopped on request,
// 4 a value check failed.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "generate.hpp"
#include "parlayer/checkpoint/series.hpp"
#include "parlayer/checkpoint/snapshot.hpp"
#include "parlayer/error.hpp"
#include "parlayer/parallel/environment.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/runtime/stop_request.hpp"

using namespace parlayer;

namespace {

std::vector<int> parse_extent(const std::string& text) {
  std::vector<int> e;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, 'x');) e.push_back(std::stoi(part));
  return e;
}

checkpoint::SnapshotHeader header_at(std::int64_t step) {
  return {step, 0.25 * double(step), "checkpoint_tool", "extent and seed are fixed; step = " + std::to_string(step)};
}

}  // namespace

int main(int argc, char** argv) {
  return parallel::guarded_main(argc, argv, [&](parallel::Environment& env) -> int {
    if (argc < 2) throw CollectiveError("usage: checkpoint_tool write|latest|verify|run key=value...");
    const std::string mode = argv[1];
    std::map<std::string, std::string> opt{{"prefix", "ckpt"}, {"extent", "48x40"}, {"keep", "3"},
                                           {"steps", "1000000"}, {"every", "0"}, {"sleep_ms", "20"}};
    for (int a = 2; a < argc; ++a) {
      const std::string kv = argv[a];
      const auto eq = kv.find('=');
      if (eq == std::string::npos) throw CollectiveError("argument '" + kv + "' is not key=value");
      opt[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    const MPI_Comm world = env.world();
    const domain::Decomposition d({parse_extent(opt["extent"]), {}, {}}, env.size());
    testing::Model model(d, env.rank());
    const int keep = std::stoi(opt["keep"]);

    if (mode == "write") {
      checkpoint::SnapshotSeries series(opt["dir"], opt["prefix"], world, keep);
      const std::int64_t step = std::stoll(opt["step"]);
      model.generate(step);
      series.write(d, model.const_fields(), header_at(step));
      return 0;
    }
    if (mode == "latest") {
      checkpoint::SnapshotSeries series(opt["dir"], opt["prefix"], world, keep);
      if (opt["all"] == "1") {  // first verify every committed generation
        int invalid = 0;
        for (const auto& g : series.generations()) {
          try {
            checkpoint::verify_snapshot(g.path, world, d);
          } catch (const CollectiveError& e) {
            ++invalid;
            if (env.is_root()) std::printf("invalid %s: %s\n", g.path.filename().c_str(), e.what());
          }
        }
        if (env.is_root()) std::printf("generations invalid: %d\n", invalid);
      }
      std::vector<checkpoint::Rejected> rejected;
      model.scramble();
      const auto latest = series.restore_latest(d, model.fields(), &rejected);
      if (env.is_root())
        for (const auto& r : rejected) std::printf("rejected %s: %s\n", r.path.filename().c_str(), r.reason.c_str());
      if (!latest) {
        if (env.is_root()) std::printf("latest none\n");
        return 0;
      }
      const bool ok = testing::all_ranks(model.matches(latest->header.step), world);
      if (env.is_root()) std::printf("latest %lld %s\n", static_cast<long long>(latest->header.step), ok ? "values-ok" : "VALUES-WRONG");
      return ok ? 0 : 4;
    }
    if (mode == "verify") {
      const auto info = checkpoint::verify_snapshot(opt["file"], world, d);
      if (env.is_root()) std::printf("valid %lld\n", static_cast<long long>(info.header.step));
      return 0;
    }
    if (mode == "run") {
      checkpoint::SnapshotSeries series(opt["dir"], opt["prefix"], world, keep);
      runtime::StopRequest stop(world);
      std::printf("pid %d %ld\n", env.rank(), static_cast<long>(getpid()));
      std::fflush(stdout);
      const std::int64_t steps = std::stoll(opt["steps"]);
      const int every = std::stoi(opt["every"]);
      const int sleep_ms = std::stoi(opt["sleep_ms"]);
      for (std::int64_t step = 0; step < steps; ++step) {
        // "advance" the model to step + 1 (a real model's work; here: regenerate and wait)
        model.generate(step + 1);
        std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
        if (env.is_root()) {
          std::printf("step %lld\n", static_cast<long long>(step + 1));
          std::fflush(stdout);
        }
        if (stop.should_stop(step + 1)) {
          if (env.is_root()) {
            std::printf("writing %lld\n", static_cast<long long>(step + 1));
            std::fflush(stdout);
          }
          series.write(d, model.const_fields(), header_at(step + 1));
          if (env.is_root()) {
            std::printf("stopped %lld signal %d count %d\n", static_cast<long long>(step + 1),
                        runtime::StopRequest::first_signal(), runtime::StopRequest::request_count());
            std::fflush(stdout);
          }
          return runtime::exit_code_checkpointed;
        }
        if (every > 0 && (step + 1) % every == 0) series.write(d, model.const_fields(), header_at(step + 1));
      }
      return 0;
    }
    throw CollectiveError("unknown mode '" + mode + "'");
  });
}
