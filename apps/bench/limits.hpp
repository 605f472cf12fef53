#pragma once
/// \file
/// \brief The machine's own limits, measured in the run that is compared with them.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "bench.hpp"
#include "parlayer/parallel/thread_pool.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::bench {

/// \brief STREAM-style triad a[i] = b[i] + s * c[i] over three arrays of cfg.triad_array_bytes
///        each per rank (far beyond the last-level cache), first on rank 0 alone, then on every
///        rank of `comm` at once. Counted bytes are 24 per element (read b, c, write a); with
///        write-allocate 32 (a's line is read before it is written; no streaming stores).
///        Interleaved with it, STREAM "scale" a[i] = s * b[i] (16 B counted, 24 with
///        write-allocate): one stream in, one out, the memory pattern of a Jacobi sweep. Collective.
json bench_triad(MPI_Comm comm, const Config& cfg);

/// \brief The triad and scale kernels of bench_triad on every rank of `comm` at once, each rank's
///        arrays (cfg.triad_array_bytes each) cut into equal parts streamed by the threads of `pool`
///        (first touched by the thread that streams them): the bandwidth of all the cores a
///        ranks x threads run uses. Results for 1 thread per rank and for the pool's size (one
///        entry if that is 1): {"threads_active", "ranks_active", "best_s", "counted_GBps",
///        "with_write_allocate_GBps", "scale_..."}. Collective.
json bench_team_triad(MPI_Comm comm, const Config& cfg, parallel::ThreadPool& pool);

/// \brief Ping-pong between ranks 0 and 1 of `comm` (others wait) for each message size:
///        one-way time = round trip / 2, bandwidth = size / one-way time. Measured on three kinds
///        of memory, interleaved: plain heap memory ("one_way_us", "bandwidth_GBps"); Field's
///        allocator, huge pages like field data ("field_memory_one_way_us", ...); and Field's
///        allocator cold ("field_memory_cold_..."): every message from and into a fresh part of an
///        arena of cfg.pingpong_cold_arena_bytes (at least 4x the largest message), far beyond the
///        last-level cache, as when a large field is moved. Interleaved with them, the exchange
///        ("exchange_us", "exchange_bandwidth_GBps" per direction): both ranks send and receive a
///        message of the size at once (MPI_Sendrecv, cold field memory). Needs 2 ranks; with one
///        rank it returns an empty result. Collective.
json bench_pingpong(MPI_Comm comm, const Config& cfg, std::vector<std::int64_t> sizes);

/// \brief Raw sequential I/O of `bytes` in `dir`: every rank pwrite()s its contiguous share of one
///        file in 4 MiB blocks, then fsync(); then (pages dropped with posix_fadvise) reads it back.
///        The bound a snapshot of the same byte count is compared with. Collective.
json bench_disk(MPI_Comm comm, const std::filesystem::path& dir, std::int64_t bytes);

/// \brief The bandwidth-bound roofline in cells/s for a kernel moving `bytes_per_cell`, given the
///        triad result for `ranks` active ranks (with-write-allocate bandwidth over
///        with-write-allocate bytes, so both sides count the same DRAM traffic). `key` picks the
///        triad's ("with_write_allocate_GBps") or the scale kernel's bandwidth. 0 if not measured.
/// \brief The roofline from a bench_team_triad result for `threads` threads per rank (0 if not
///        measured); otherwise as roofline_cells_per_s.
double team_roofline_cells_per_s(const json& team_triad, int threads, double bytes_per_cell_with_write_allocate);

double roofline_cells_per_s(const json& triad, int ranks, double bytes_per_cell_with_write_allocate,
                            const char* key = "with_write_allocate_GBps");

}  // namespace parlayer::bench
