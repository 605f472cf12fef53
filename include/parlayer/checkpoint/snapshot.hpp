#pragma once
/// \file
/// \brief Snapshots: a set of fields written as ONE parallel HDF5 file that does not depend on the
///        rank count, and read back into any decomposition. The file is also a CF-1.8 NetCDF-4
///        file: ncdump, CDO, NCO, ncview, xarray and ParaView's NetCDF reader open it as it is.
///
/// File layout, format_version 3 (docs/checkpoint.md has the full table):
///
///     /                       global attributes Conventions "CF-1.8", title; parlayer's format
///                             "parlayer-snapshot", format_version, step, model, config (the
///                             complete effective config text), rank_count, process_grid,
///                             global_extent, library_version, checksum_algorithm, metadata_checksum
///     /time                   (time): unlimited dimension of length 1, the model time in seconds
///                             (units "seconds since <reference_time>", calendar)
///     /x, /y[, /z]            cell-centre coordinates; /x_u, /y_v... the faces of staggered fields
///     /<name>                 one variable per field, (time, [z,] y, x) or ([z,] y, x) for a field
///                             that does not change in time: the global interior (ghosts excluded),
///                             chunked; attributes units, long_name, standard_name, element_type,
///                             checksum (checksum.hpp)
///     /parameters/must_match  one typed attribute per Parameter (int64, double or string), and
///     /parameters/may_change  likewise: the model's parameters and what a restart may change
///
/// Every axis is an HDF5 dimension scale, so the netCDF library sees real dimensions; links and
/// attributes track their creation order, so it can also append to the file. process_grid and
/// global_extent are listed x first, like GridSpec (the reverse of the dataset dims). The file uses
/// HDF5's 1.10 format (libver bounds v110..latest): superblock and object headers carry checksums,
/// so corrupted metadata is detected too. Readers need HDF5 >= 1.10. Files of format_version 1
/// and 2 (fields in the group /fields, no coordinates) are still read.
///
/// Every cell of the global grid has a defined value, whatever the decomposition: the cells of a
/// box with no owner (domain::no_owner: an all-land box eliminated by load balancing) hold the
/// field's **land value**: the constant of its land condition
/// (`Field::set_land_condition(BoundaryCondition::constant(v))`, v converted to the element type
/// as the halo converts it), else NaN for float32/float64 fields and 0 for integer fields. They
/// are written by the rank the transfer plan assigns to each such box (the least busy one), and
/// the per-field checksum covers every cell. So a snapshot reads back on any layout: one block per
/// rank, another box size with its own elimination, another rank count; a reader with boxes of
/// its own that have no owner reads their cells into scratch and hashes them (verification of the
/// whole dataset), without storing them. A decomposition where every box has an owner transfers
/// exactly as before (no extra round, no extra pass).
///
/// Writing is collective, through MPI-IO, with one hyperslab per rank (ranks that own nothing still
/// take part), and atomic: the file appears under its final name only once complete and verified;
/// a crash leaves at most a temporary file, never a half-written snapshot under the final name.
#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "parlayer/domain/decomposition.hpp"
#include "parlayer/error.hpp"
#include "parlayer/domain/field.hpp"
#include "parlayer/parallel/comm.hpp"

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

/// \brief One uniform coordinate axis, written as a CF coordinate variable (and a dimension):
///        value(i) = first + i * spacing, i = 0 .. n-1.
struct Axis {
  std::string name;           ///< the dimension and its variable, e.g. "x", "x_u"; empty: the default
  double first = 0.0;         ///< the coordinate of index 0
  double spacing = 1.0;
  std::string units;          ///< e.g. "m" (UDUNITS)
  std::string long_name;      ///< e.g. "x of cell centres"
  std::string standard_name;  ///< a CF standard name, e.g. "projection_x_coordinate"; empty if none
};

/// \brief The coordinates of a snapshot's grid (cell centres and cell faces along x, y, z).
///
/// An axis left without a name gets a default: centres "x", "y", "z" at the cell index (first 0,
/// spacing 1, units "1"); faces "<centre>_face", half a spacing below the centres, with the
/// centres' units. Face axes are written only if some field lives on them (Location).
///
/// CF identifies x and y by their standard_name (projection_x_coordinate, ...). parlayer writes no
/// `axis` attribute on them: ParaView's NetCDF reader takes `axis = "X"`/`"Y"` for longitude and
/// latitude and, with its default settings, wraps a Cartesian grid around a sphere.
struct Coordinates {
  std::array<Axis, 3> centres = {};  ///< x, y, z (x first)
  std::array<Axis, 3> faces = {};    ///< the low faces along x, y, z (a C-grid's u, v, w points)
};

/// \brief Where a field's values sit in its cell: the centre, or the low face along one axis
///        (an Arakawa C-grid's u at x faces, v at y faces, w at z faces).
enum class Location { cell, x_face, y_face, z_face };

/// \brief What a snapshot tells the climate community's tools about one field (CF attributes).
///        The units are the Field's own (Field::units()). The domain module knows nothing of this:
///        a description travels with the field to write_snapshot (NamedField::description).
struct FieldDescription {
  std::string long_name;       ///< e.g. "layer thickness"; empty: the dataset name
  std::string standard_name;   ///< a CF standard name, e.g. "sea_water_x_velocity"; empty if none
  Location location = Location::cell;
  bool time_dependent = true;  ///< false: stored without the time dimension (e.g. a bottom height)
};

/// \brief What a snapshot records besides the fields.
struct SnapshotHeader {
  std::int64_t step = 0;  ///< time steps taken
  double time = 0.0;      ///< model time [s]
  std::string model;      ///< who wrote it, e.g. "parlayer-climate shallow-water"
  std::string config;     ///< the complete effective configuration, as text
  std::vector<Parameter> parameters = {};  ///< typed model parameters (format_version >= 2), by name
  /// The date of model time 0: the time variable's units are "seconds since <reference_time>".
  std::string reference_time = "2000-01-01 00:00:00";
  std::string calendar = "standard";  ///< a CF calendar for those dates
  std::string title = {};             ///< the global attribute "title"; empty: `model`
  /// The grid's coordinates (written; not read back: a reader gets the defaults).
  Coordinates coordinates = {};
};

/// \brief A field and the name of its dataset in a snapshot. The name is the snapshot's, not the
///        Field's: a double buffer whose current state sits in the field named "T_next" is still
///        written (and read back) as "T", so a checkpoint taken at any step restarts cleanly.
template <class F>
struct NamedField {
  std::string name;
  F* field = nullptr;
  /// CF attributes and location of the field (written; ignored when reading).
  FieldDescription description = {};
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
///         a rank count other than the communicator's, duplicate or unusable field names, ranks
///         whose fields have different land values when some box has no owner) are reported the
///         same way.
///
/// The commit protocol (docs/checkpoint.md): rank 0 reserves the disk space the file needs
/// (fallocate, or where the file system has none, zeros written and fsynced: a full disk or
/// quota fails here, cleanly, before HDF5 writes anything); every rank writes `<folder>/.<file name>.tmp-<token>` (token agreed on rank
/// 0: batch job id, pid, random) collectively; closes it and agrees that every rank succeeded;
/// the file is verified (WriteOptions: by default every rank hashes its cells from the file's
/// bytes and each field's checksum is compared); rank 0 fsyncs it, renames it to `path` (replacing a file of that name) and fsyncs
/// the folder.
void write_snapshot(const std::filesystem::path& path, parallel::Comm comm,
                    const domain::Decomposition& decomposition,
                    std::span<const domain::FieldBase* const> fields, const SnapshotHeader& header);
/// \brief The same, each field written under the name given with it (see NamedField).
void write_snapshot(const std::filesystem::path& path, parallel::Comm comm,
                    const domain::Decomposition& decomposition, std::span<const FieldToWrite> fields,
                    const SnapshotHeader& header);

/// \brief What write_snapshot checks before it commits (the rename).
enum class Verification {
  /// Rank 0 checks the metadata only (every dataset present with its type, its checksum attribute
  /// as computed). Does not see data that MPI-IO lost without reporting it.
  metadata,
  /// The default. Rank 0 checks the metadata as above and looks up where each dataset's chunks
  /// lie in the file; then every rank hashes its own cells straight from the file's bytes
  /// (mmap, no copy, no MPI-IO) and one reduction compares each field's checksum. Catches the
  /// same torn, lost or short writes as read_back: the checksum covers every cell of every field.
  file_bytes,
  /// Every dataset is read back through HDF5 and MPI-IO (collectively, each rank its share), as a
  /// restart reads it, and its checksum compared. The previous default; about twice the cost.
  read_back,
};

/// \brief How much write_snapshot checks before it commits.
struct WriteOptions {
  /// MPI-IO implementations do not always report a failed collective write (Open MPI's ompio was
  /// seen returning success on a full disk), so the data is checked before it is committed.
  /// The check reads what is in the page cache: it is about the software path, not the device
  /// (the commit's fsync reports device errors).
  Verification verify = Verification::file_bytes;
};

/// \brief write_snapshot with explicit options. Collective over `comm`.
void write_snapshot(const std::filesystem::path& path, parallel::Comm comm,
                    const domain::Decomposition& decomposition,
                    std::span<const domain::FieldBase* const> fields, const SnapshotHeader& header,
                    const WriteOptions& options);
void write_snapshot(const std::filesystem::path& path, parallel::Comm comm,
                    const domain::Decomposition& decomposition, std::span<const FieldToWrite> fields,
                    const SnapshotHeader& header, const WriteOptions& options);

/// \brief Reads the fields named like `fields` from `path` into their interiors (any decomposition
///        of the same global grid), after checking the file is a valid snapshot of that grid and
///        that every dataset's checksum matches. Ghosts are not touched. Collective over `comm`.
/// \return the snapshot's header.
/// \throws CollectiveError naming the file and the reason (unreadable, not a snapshot, other grid,
///         missing field, other element type, checksum mismatch). The interiors of `fields` may
///         then hold partly read values.
SnapshotHeader read_snapshot(const std::filesystem::path& path, parallel::Comm comm,
                             const domain::Decomposition& decomposition,
                             std::span<domain::FieldBase* const> fields);
/// \brief The same, each field read from the dataset named with it (see NamedField).
SnapshotHeader read_snapshot(const std::filesystem::path& path, parallel::Comm comm,
                             const domain::Decomposition& decomposition, std::span<const FieldToRead> fields);

/// \brief The error of check_parameters: a CollectiveError whose message names the file, the
///        parameter and both values, and which says which parameter it was, so a program can add
///        where this run's value came from (a config file line, a --set) without reading the text.
class ParameterMismatch : public CollectiveError {
public:
  ParameterMismatch(const std::string& message, std::string parameter)
      : CollectiveError(message), m_parameter(std::move(parameter)) {}
  /// \brief The name of the parameter that does not match.
  const std::string& parameter() const noexcept { return m_parameter; }

private:
  std::string m_parameter;
};

/// \brief Checks the parameters a run gives against those a snapshot recorded. Local (the
///        snapshot's header is the same on every rank, so is the verdict).
/// \return one line per `may_change` parameter whose value changed ("output.interval: 100 in the
///         snapshot, 50 now"), for the log.
/// \throws ParameterMismatch (a CollectiveError) naming the file, the parameter and both values for
///         a `must_match` parameter (of either side) that differs or that the other side lacks. A
///         snapshot of format_version 1 records no parameters: nothing is checked.
std::vector<std::string> check_parameters(const std::filesystem::path& path, const SnapshotHeader& snapshot,
                                          int snapshot_format_version, std::span<const Parameter> now);

/// \brief The value of the root attribute "format".
inline constexpr const char* snapshot_format = "parlayer-snapshot";
/// \brief The format_version this library writes (and the newest it reads). Version 2 added the
///        group /parameters (must_match and may_change); version 3 is the CF NetCDF-4 layout (fields
///        in the root group on a time dimension, coordinates, dimension scales). Versions 1 and 2
///        (fields in the group /fields) are still read.
inline constexpr int snapshot_format_version = 3;

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
  std::string long_name = {};                ///< format_version >= 3
  std::string standard_name = {};            ///< format_version >= 3
  std::vector<std::string> dimensions = {};  ///< format_version >= 3: C order, e.g. {"time", "y", "x_u"}
};

/// \brief One coordinate variable of a snapshot (format_version >= 3).
struct CoordinateRecord {
  std::string name;  ///< also the dimension's name
  std::string units, long_name, standard_name;
  std::int64_t size = 0;
  std::uint64_t checksum = 0;  ///< checksum.hpp's sum over the values, the index as the cell index
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
  std::vector<CoordinateRecord> coordinates = {};  ///< format_version >= 3: x, y, x_u, ... (not time)
};

/// \brief Checks that `path` is a complete, valid snapshot of the grid of `decomposition` that has
///        every field of `needed` (all of its fields when `needed` is empty) with the right element
///        type, and that every one of those datasets matches its checksum: the same checks as
///        read_snapshot, without touching any field (each rank reads its share into a scratch
///        buffer, one field at a time). Collective over `comm`.
/// \return what the snapshot records.
/// \throws CollectiveError naming the file and the reason, identical on every rank.
SnapshotInfo verify_snapshot(const std::filesystem::path& path, parallel::Comm comm,
                             const domain::Decomposition& decomposition,
                             std::span<const FieldSpec> needed = {});

}  // namespace parlayer::checkpoint
