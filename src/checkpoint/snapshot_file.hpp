#pragma once
// Internal to the checkpoint module: rank 0's serial look at one snapshot file.
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "parlayer/checkpoint/snapshot.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::checkpoint::detail {

/// Opens `path` serially (no MPI) and checks everything but the data: it is a regular, non-empty
/// HDF5 file of format parlayer-snapshot with a version this library reads, every attribute is
/// present, the metadata checksum matches, every dataset has the snapshot's global extent and a
/// type matching its element_type; then that the grid is `expected_extent` (x first; empty: any)
/// and that every field of `needed` is there with its type (empty: all fields). Local.
/// \return the snapshot's description; `fields` lists the needed ones (all if none is named).
/// \throws parlayer::Error whose message is the reason, without the file name
///         (e.g. "has no field 'h'", "is empty (0 bytes)").
SnapshotInfo inspect_snapshot_file(const std::filesystem::path& path, const std::vector<int>& expected_extent,
                                   std::span<const FieldSpec> needed);

}  // namespace parlayer::checkpoint::detail

namespace parlayer::checkpoint::detail {

/// "snapshot '<path>': ", the start of every read/verify error message.
inline std::string snapshot_error_prefix(const std::filesystem::path& path) {
  return "snapshot '" + path.string() + "': ";
}

/// read_snapshot and verify_snapshot: inspects on rank 0, then reads every field of `needed`
/// (all fields if empty) collectively into `targets` (same order as `needed`) or, where there is
/// no target, into a scratch buffer; compares every checksum. Collective.
/// \throws CollectiveError starting with snapshot_error_prefix(path).
SnapshotInfo read_snapshot_info(const std::filesystem::path& path, parallel::Comm comm,
                                const domain::Decomposition& decomposition, std::span<const FieldSpec> needed,
                                std::span<domain::FieldBase* const> targets);

}  // namespace parlayer::checkpoint::detail

namespace parlayer::checkpoint::detail {

/// Where one field variable's values lie in a snapshot file: its chunk shape and every chunk's
/// logical offset and byte address (unfiltered chunks: the bytes are the values, little-endian).
struct ChunkMap {
  std::string name;
  std::vector<std::uint64_t> chunk;                  // chunk dims, C order (time first if any)
  std::vector<std::vector<std::uint64_t>> offsets;   // per chunk, C order
  std::vector<std::uint64_t> addresses;              // per chunk, byte offset in the file
  std::uint64_t element_size = 8;
};

/// Rank 0 (serially, no MPI): the chunk maps of the datasets `names` of a format 3 snapshot, and
/// checks that every chunk is stored unfiltered, whole, and within the file's size. Local.
/// \throws parlayer::Error naming the variable.
std::vector<ChunkMap> chunk_maps(const std::filesystem::path& path, const std::vector<std::string>& names);
std::string pack(const std::vector<ChunkMap>& maps);
std::vector<ChunkMap> unpack_chunk_maps(const std::string& bytes);

/// Each rank: checksum.hpp's partial sums of the interiors of `boxes` of each field, computed from
/// the bytes of the file `path` (mmap) as `maps` locate them (one sum per map). Local.
/// \throws parlayer::Error if the file cannot be mapped.
std::vector<std::uint64_t> file_partial_checksums(const std::filesystem::path& path, const std::vector<ChunkMap>& maps,
                                                  const std::vector<std::vector<domain::IndexBox>>& boxes,
                                                  const domain::IndexBox& global, int dims);

}  // namespace parlayer::checkpoint::detail

namespace parlayer::checkpoint::detail {

/// HDF5 is not thread-safe: while a Checkpointer's asynchronous write is in flight, only its writer
/// thread may call HDF5. Set and cleared by the Checkpointer on the main thread (at write() and
/// wait(), so the flag is the same on every rank at the same point of the program).
void set_async_write_pending(bool pending) noexcept;
/// Throws std::logic_error naming `call` if an asynchronous write is in flight and this is not its
/// writer thread (the caller forgot Checkpointer::wait()). Local.
void check_no_async_write(const char* call);
/// Marks the current thread as the writer thread while it lives.
struct AsyncWriterScope {
  AsyncWriterScope() noexcept;
  ~AsyncWriterScope();
  AsyncWriterScope(const AsyncWriterScope&) = delete;
  AsyncWriterScope& operator=(const AsyncWriterScope&) = delete;
};

}  // namespace parlayer::checkpoint::detail
