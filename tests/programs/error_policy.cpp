// A tiny MPI program for tests/programs/check_error_policy: each mode fails in one way.
//   collective   every rank throws the same CollectiveError  → one line from rank 0, exit 2
//   one-rank     only the last rank throws                   → the job ends (MPI_Abort), no hang
//   terminate    the last rank calls std::terminate          → the job ends (MPI_Abort), no hang
//   bad-grid     a process grid that does not match the rank count → one line, exit 2
//   bad-alloc    only the last rank throws std::bad_alloc         → the job ends, "out of memory" named
//   newline      every rank throws a CollectiveError whose text has newlines → still one line, exit 2
//   ok           nothing fails                               → exit 0
//   multiple     asks MPI for ThreadLevel::multiple and prints the level it got → exit 0
// check_error_policy also runs "ok" under an LD_PRELOAD shim (thread_single.cpp) with which MPI
// provides only MPI_THREAD_SINGLE: Environment's CollectiveError, one line from rank 0, exit 2.
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>

#include "parlayer/domain/decomposition.hpp"
#include "parlayer/error.hpp"
#include "parlayer/parallel/environment.hpp"
#include "parlayer/parallel/interop.hpp"

int main(int argc, char** argv) {
  using parlayer::parallel::ThreadLevel;
  const char* mode = argc > 1 ? argv[1] : "ok";
  const ThreadLevel level = std::strcmp(mode, "multiple") == 0 ? ThreadLevel::multiple : ThreadLevel::funneled;
  return parlayer::parallel::guarded_main(argc, argv, level, [&](parlayer::parallel::Environment& env) {
    const bool last = env.rank() == env.size() - 1;
    if (std::strcmp(mode, "collective") == 0)
      throw parlayer::CollectiveError("config file 'x.toml': key grid.nx must be >= 1, got 0");
    if (std::strcmp(mode, "one-rank") == 0 && last)
      throw std::runtime_error("simulated I/O failure on one rank");
    if (std::strcmp(mode, "terminate") == 0 && last) std::terminate();
    if (std::strcmp(mode, "bad-alloc") == 0 && last) throw std::bad_alloc();
    if (std::strcmp(mode, "newline") == 0)
      throw parlayer::CollectiveError("config key 'out.dir' = \"a\nerror: forged\r\n\" is not a folder");
    if (std::strcmp(mode, "bad-grid") == 0)
      parlayer::domain::Decomposition({{64, 64}, {}, {5, 1}}, env.size());
    if (std::strcmp(mode, "multiple") == 0 && env.is_root())
      std::printf("thread level %s\n", parlayer::parallel::to_string(env.thread_level()));
    // The surviving ranks wait in a collective, as a real model would at its next step.
    MPI_Barrier(env.world());
    return 0;
  });
}
