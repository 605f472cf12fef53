#pragma once
/// \file
/// \brief Checkpoint bandwidth: write_snapshot / read_snapshot against raw write + fsync of the
///        same byte count in the same folder, measured in the same run.

#include <filesystem>

#include "bench.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::bench {

/// \brief Writes and reads a snapshot of two 2D double fields holding cfg.disk_bytes in total,
///        and measures raw write + fsync / cold read of the same bytes. Collective.
/// \return {"status": "measured" | "gap", ...}
json bench_snapshot(MPI_Comm comm, const Config& cfg, const std::filesystem::path& dir);

}  // namespace parlayer::bench
