#pragma once
/// \file
/// \brief Snapshots: a set of fields written as ONE parallel HDF5 file that does not depend on the
///        rank count, and read back into any decomposition.
///
/// File layout (what ParaView's XDMF reader, h5py and h5dump see):
///
///     /                       attributes: format "parlayer-snapshot", format_version, step, time,
///                             model, config (the complete effective config text), rank_count,
///                             process_grid, global_extent, library_version
///     /fields/<name>          one dataset per field, the global interior (ghosts excluded), in C
///                             order: dims (ny, nx) for a 2D grid, (nz, ny, nx) for 3D;
///                             attributes units, element_type, checksum
///
/// Writing is collective, through MPI-IO, with one hyperslab per rank (ranks that own nothing still
/// take part), and atomic: the file appears under its final name only once complete and verified;
/// a crash leaves at most a temporary file, never a half-written snapshot under the final name.
#include <mpi.h>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"

namespace parlayer::checkpoint {

/// \brief What a snapshot records besides the fields.
struct SnapshotHeader {
  std::int64_t step = 0;  ///< time steps taken
  double time = 0.0;      ///< model time
  std::string model;      ///< who wrote it, e.g. "parlayer-climate shallow-water"
  std::string config;     ///< the complete effective configuration, as text
};

/// \brief Writes `fields` (each field's interior, ghosts excluded) and `header` to `path`,
///        atomically (see the file comment). Collective over `comm`.
/// \throws CollectiveError naming the file and the failing call if any rank fails; the file is
///         then absent and every other file in its folder untouched.
void write_snapshot(const std::filesystem::path& path, MPI_Comm comm,
                    const domain::Decomposition& decomposition,
                    std::span<const domain::FieldBase* const> fields, const SnapshotHeader& header);

/// \brief Reads the fields named like `fields` from `path` into their interiors (any decomposition
///        of the same global grid), after checking the file is a valid snapshot of that grid and
///        that every dataset's checksum matches. Ghosts are not touched. Collective over `comm`.
/// \return the snapshot's header.
/// \throws CollectiveError naming the file and the reason (unreadable, not a snapshot, other grid,
///         missing field, other element type, checksum mismatch).
SnapshotHeader read_snapshot(const std::filesystem::path& path, MPI_Comm comm,
                             const domain::Decomposition& decomposition,
                             std::span<domain::FieldBase* const> fields);

}  // namespace parlayer::checkpoint
