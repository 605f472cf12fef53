#pragma once
/// \file
/// \brief Does the run fit in memory? An estimate of what a rank's fields take, checked against
///        what each machine has free, before anything large is allocated.
///
///     const std::uint64_t need = runtime::field_bytes(decomposition, rank, 2, sizeof(double), 13);
///     runtime::check_memory(need, world, "13 fields of 8-byte values with 2 ghost layers");  // may throw
///     runtime::allocate_agreed(world, "the model's fields", [&] { model = std::make_unique<Model>(...); });
///
/// A grid too large for memory otherwise ends in std::bad_alloc on every rank (a crash, exit 1) or,
/// worse, in the kernel's OOM killer once the pages are touched (Linux hands out address space
/// generously). check_memory() turns it into one CollectiveError line saying how much is needed and
/// how much there is. The ranks that share a machine (the same host name) share its memory: their
/// needs are added up and compared with what that machine has available: MemAvailable from
/// /proc/meminfo (sysconf's free pages where there is none), or less if the process's cgroup
/// (a container, a Slurm job) allows less. A per-process limit (ulimit -v) is not looked at: an
/// allocation that still fails is reported by allocate_agreed(), or by guarded_main() as
/// "out of memory".
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "parlayer/domain/decomposition.hpp"
#include "parlayer/parallel/comm.hpp"

namespace parlayer::runtime {

/// \brief Bytes that `fields` fields of `element_size`-byte elements with `ghost_width` ghost
///        layers take on `rank` of `decomposition`: each of its boxes grown by the ghosts (along
///        the decomposition's axes), as domain::Field allocates it (rounded up to whole 2 MiB huge
///        pages from 2 MiB on). Saturates instead of overflowing. Local.
std::uint64_t field_bytes(const domain::Decomposition& decomposition, int rank, int ghost_width,
                          std::size_t element_size, int fields = 1);

/// \brief Bytes this process could still allocate on its machine without swapping: MemAvailable
///        of /proc/meminfo (else sysconf's available pages), bounded by the cgroup's memory limit
///        minus its usage (cgroup v2 memory.max, v1 memory.limit_in_bytes; reclaimable page cache
///        counted as free). nullopt if none of these can be read. Local.
std::optional<std::uint64_t> available_memory();

/// \brief "1.5 GiB", "730 MiB", "12 KiB", "100 B". Local.
std::string format_bytes(std::uint64_t bytes);

/// \brief Checks that every machine has the memory its ranks need: the ranks of `comm` on one
///        machine (one host name) add up their `bytes_needed` (plus a fixed allowance per rank for
///        MPI, HDF5 and the program), and the machine's available_memory() must cover it.
///        Collective over `comm` (one MPI_Allgather); every rank reaches the same verdict.
/// \param what what the bytes are for, for the message (e.g. "13 fields of 2048x1024 cells").
/// \throws CollectiveError, on every rank, for the machine short of memory by the largest factor:
///         "not enough memory on host 'h': the run needs about 9.8 GiB there (2 ranks, up to
///         4.9 GiB each: <what>), but only 3.1 GiB is available (MemAvailable); ...".
void check_memory(std::uint64_t bytes_needed, parallel::Comm comm, const std::string& what);

/// \brief The fixed allowance per rank check_memory() adds (MPI, HDF5 and program buffers).
inline constexpr std::uint64_t memory_allowance_per_rank = std::uint64_t{64} << 20;

/// \brief Runs `allocate` (local work only: no communication) on every rank and agrees on how it
///        went: a std::bad_alloc on any rank becomes one CollectiveError on every rank ("out of
///        memory while allocating <what> ...", exit code 2) instead of a crash on some ranks.
///        Any other exception propagates (the error policy then ends the job). Collective.
void allocate_agreed(parallel::Comm comm, const std::string& what, const std::function<void()>& allocate);

}  // namespace parlayer::runtime
