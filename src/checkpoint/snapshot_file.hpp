#pragma once
// Internal to the checkpoint module: rank 0's serial look at one snapshot file.
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "parlayer/checkpoint/snapshot.hpp"

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
SnapshotInfo read_snapshot_info(const std::filesystem::path& path, MPI_Comm comm,
                                const domain::Decomposition& decomposition, std::span<const FieldSpec> needed,
                                std::span<domain::FieldBase* const> targets);

}  // namespace parlayer::checkpoint::detail
