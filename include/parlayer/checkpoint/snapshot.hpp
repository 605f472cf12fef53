#pragma once
/// \file
/// \brief Snapshots: a set of fields written as ONE parallel HDF5 file that does not depend on the
///        rank count, and read back into any decomposition.
///
/// File layout (what ParaView's XDMF reader, h5py and h5dump see):
///
///     /                       attributes: format "parlayer-snapshot", format_version, step, time,
///                             model, config (the complete effective config text), rank_count,
///                             process_grid, global_extent, library_version (+ checksum_algorithm,
///                             metadata_checksum: see docs/checkpoint.md)
///     /parameters/must_match  one typed attribute per Parameter (int64, double or string), and
///     /parameters/may_change  likewise: the model's parameters and what a restart may change
///     /fields/<name>          one dataset per field, the global interior (ghosts excluded), in C
///                             order: dims (ny, nx) for a 2D grid, (nz, ny, nx) for 3D;
///                             attributes units, element_type, checksum (checksum.hpp)
///
/// process_grid and global_extent are listed x first, like GridSpec (the reverse of the dataset
/// dims). The file uses HDF5's 1.10 format (libver bounds v110..latest): superblock and object
/// headers carry checksums, so corrupted metadata is detected too. Readers need HDF5 >= 1.10.
///
/// Writing is collective, through MPI-IO, with one hyperslab per rank (ranks that own nothing still
/// take part), and atomic: the file appears under its final name only once complete and verified;
/// a crash leaves at most a temporary file, never a half-written snapshot under the final name.
#include <mpi.h>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"

namespace parlayer::checkpoint {

/// \brief A model parameter recorded in a snapshot, typed, with what a restart may do with it.
///
///     header.parameters = {{"physics.gravity", 9.81},                       // must match on restart
///                          {"output.interval", std::int64_t{100}, Parameter::Rule::may_change}};
struct Parameter {
  enum class Rule {
    must_match,  ///< a restart with another value is an error naming the parameter and both values
    may_change,  ///< recorded; a restart may change it (check_parameters reports the change)
  };
  using Value = std::variant<std::int64_t, double, std::string>;

  Parameter() = default;
  Parameter(std::string n, Value v, Rule r = Rule::must_match) : name(std::move(n)), value(std::move(v)), rule(r) {}

  std::string name;  ///< e.g. "physics.gravity" (any text but "/")
  Value value;
  Rule rule = Rule::must_match;

  friend bool operator==(const Parameter&, const Parameter&) = default;
};

/// \brief "9.8100000000000005", "100" or "\"jet\"": a value as messages show it. Local.
std::string to_string(const Parameter::Value& value);

/// \brief What a snapshot records besides the fields.
struct SnapshotHeader {
  std::int64_t step = 0;  ///< time steps taken
  double time = 0.0;      ///< model time
  std::string model;      ///< who wrote it, e.g. "parlayer-climate shallow-water"
  std::string config;     ///< the complete effective configuration, as text
  std::vector<Parameter> parameters = {};  ///< typed model parameters (format_version >= 2), by name
};

/// \brief A field and the name of its dataset in a snapshot. The name is the snapshot's, not the
///        Field's: a double buffer whose current state sits in the field named "T_next" is still
///        written (and read back) as "T", so a checkpoint taken at any step restarts cleanly.
template <class F>
struct NamedField {
  std::string name;
  F* field = nullptr;
};
/// \brief What write_snapshot writes.
using FieldToWrite = NamedField<const domain::FieldBase>;
/// \brief What read_snapshot reads into.
using FieldToRead = NamedField<domain::FieldBase>;

/// \brief Each field under its own name (Field::name()). Local.
std::vector<FieldToWrite> named_by_field(std::span<const domain::FieldBase* const> fields);
std::vector<FieldToRead> named_by_field(std::span<domain::FieldBase* const> fields);

/// \brief Writes `fields` (each field's interior, ghosts excluded) and `header` to `path`,
///        atomically (see the file comment). Collective over `comm`.
/// \throws CollectiveError naming the file and the failing call if any rank fails; the file is
///         then absent and every other file in its folder untouched. Every rank throws the same
///         error at the same point (failures are agreed first), so none is left in a collective.
///         Invalid arguments (a field whose interior is not this rank's box of `decomposition`,
///         a rank count other than the communicator's, duplicate or unusable field names) are
///         reported the same way.
///
/// The commit protocol (docs/checkpoint.md): rank 0 reserves the disk space the file needs
/// (fallocate, or where the file system has none, zeros written and fsynced: a full disk or
/// quota fails here, cleanly, before HDF5 writes anything); every rank writes `<folder>/.<file name>.tmp-<token>` (token agreed on rank
/// 0: batch job id, pid, random) collectively; closes it and agrees that every rank succeeded;
/// the file is verified (WriteOptions: by default every dataset is read back and its checksum
/// compared); rank 0 fsyncs it, renames it to `path` (replacing a file of that name) and fsyncs
/// the folder.
void write_snapshot(const std::filesystem::path& path, MPI_Comm comm,
                    const domain::Decomposition& decomposition,
                    std::span<const domain::FieldBase* const> fields, const SnapshotHeader& header);
/// \brief The same, each field written under the name given with it (see NamedField).
void write_snapshot(const std::filesystem::path& path, MPI_Comm comm,
                    const domain::Decomposition& decomposition, std::span<const FieldToWrite> fields,
                    const SnapshotHeader& header);

/// \brief How much write_snapshot checks before it commits.
struct WriteOptions {
  /// Read every dataset back (collectively, each rank its share) and compare its checksum before
  /// the rename. MPI-IO implementations do not always report a failed collective write (Open MPI's
  /// ompio was seen returning success on a full disk), so this is what makes "committed" mean
  /// "readable and correct". Off: rank 0 checks the metadata only (every dataset present, its
  /// checksum attribute as computed). The read usually comes from the page cache.
  bool verify_data = true;
};

/// \brief write_snapshot with explicit options. Collective over `comm`.
void write_snapshot(const std::filesystem::path& path, MPI_Comm comm,
                    const domain::Decomposition& decomposition,
                    std::span<const domain::FieldBase* const> fields, const SnapshotHeader& header,
                    const WriteOptions& options);
void write_snapshot(const std::filesystem::path& path, MPI_Comm comm,
                    const domain::Decomposition& decomposition, std::span<const FieldToWrite> fields,
                    const SnapshotHeader& header, const WriteOptions& options);

/// \brief Reads the fields named like `fields` from `path` into their interiors (any decomposition
///        of the same global grid), after checking the file is a valid snapshot of that grid and
///        that every dataset's checksum matches. Ghosts are not touched. Collective over `comm`.
/// \return the snapshot's header.
/// \throws CollectiveError naming the file and the reason (unreadable, not a snapshot, other grid,
///         missing field, other element type, checksum mismatch). The interiors of `fields` may
///         then hold partly read values.
SnapshotHeader read_snapshot(const std::filesystem::path& path, MPI_Comm comm,
                             const domain::Decomposition& decomposition,
                             std::span<domain::FieldBase* const> fields);
/// \brief The same, each field read from the dataset named with it (see NamedField).
SnapshotHeader read_snapshot(const std::filesystem::path& path, MPI_Comm comm,
                             const domain::Decomposition& decomposition, std::span<const FieldToRead> fields);

/// \brief Checks the parameters a run gives against those a snapshot recorded. Local (the
///        snapshot's header is the same on every rank, so is the verdict).
/// \return one line per `may_change` parameter whose value changed ("output.interval: 100 in the
///         snapshot, 50 now"), for the log.
/// \throws CollectiveError naming the file, the parameter and both values for a `must_match`
///         parameter (of either side) that differs or that the other side lacks. A snapshot of
///         format_version 1 records no parameters: nothing is checked.
std::vector<std::string> check_parameters(const std::filesystem::path& path, const SnapshotHeader& snapshot,
                                          int snapshot_format_version, std::span<const Parameter> now);

/// \brief The value of the root attribute "format".
inline constexpr const char* snapshot_format = "parlayer-snapshot";
/// \brief The format_version this library writes (and the newest it reads). Version 2 adds the
///        group /parameters (must_match and may_change); version 1 files are still read.
inline constexpr int snapshot_format_version = 2;

/// \brief A field a reader needs: its name and element type.
struct FieldSpec {
  std::string name;
  domain::ElementType type = domain::ElementType::float64;
};

/// \brief The name and element type of each of `fields`. Local.
std::vector<FieldSpec> specs_of(std::span<const domain::FieldBase* const> fields);

/// \brief One dataset of a snapshot, as its attributes describe it.
struct FieldRecord {
  std::string name;
  domain::ElementType type = domain::ElementType::float64;
  std::string units;
  std::uint64_t checksum = 0;  ///< see checksum.hpp
};

/// \brief Everything a snapshot records besides the field values.
struct SnapshotInfo {
  std::filesystem::path path;
  SnapshotHeader header;
  int format_version = 0;
  int writer_rank_count = 0;            ///< ranks that wrote it
  std::vector<int> writer_process_grid;  ///< x first
  std::vector<int> global_extent;        ///< (nx, ny[, nz]), x first
  std::string library_version;           ///< e.g. "parlayer 0.1.0, HDF5 1.10.8"
  std::vector<FieldRecord> fields;       ///< the verified datasets
};

/// \brief Checks that `path` is a complete, valid snapshot of the grid of `decomposition` that has
///        every field of `needed` (all of its fields when `needed` is empty) with the right element
///        type, and that every one of those datasets matches its checksum: the same checks as
///        read_snapshot, without touching any field (each rank reads its share into a scratch
///        buffer, one field at a time). Collective over `comm`.
/// \return what the snapshot records.
/// \throws CollectiveError naming the file and the reason, identical on every rank.
SnapshotInfo verify_snapshot(const std::filesystem::path& path, MPI_Comm comm,
                             const domain::Decomposition& decomposition,
                             std::span<const FieldSpec> needed = {});

}  // namespace parlayer::checkpoint
