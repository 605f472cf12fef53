// Built when the checkpoint module has no sources yet (see apps/bench/CMakeLists.txt): the raw
// bound is still measured, and the snapshot's own numbers are reported as a gap.
#include "limits.hpp"
#include "snapshot_bench.hpp"

namespace parlayer::bench {

json bench_snapshot(MPI_Comm comm, const Config& cfg, const std::filesystem::path& dir) {
  return {{"status", "gap"},
          {"reason", "parlayer was built without checkpoint sources (src/checkpoint/*.cpp), so "
                     "write_snapshot/read_snapshot cannot be timed; rebuild once the module exists"},
          {"bytes", cfg.disk_bytes},
          {"raw", bench_disk(comm, dir, cfg.disk_bytes)}};
}

}  // namespace parlayer::bench
