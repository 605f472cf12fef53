#pragma once
// Internal to the checkpoint module: the snapshot file layout (group and attribute names, element
// types, shapes), typed attribute access, the metadata checksum, and the HDF5/MPI plumbing shared
// by the writer (snapshot_write.cpp) and the reader (snapshot_read.cpp). All functions are Local
// and throw parlayer::Error / h5::Hdf5Error naming the file, object and attribute.
#include <hdf5.h>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/hdf5.hpp"
#include "parlayer/checkpoint/snapshot.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"
#include "parallel/mpi_owners.hpp"
#include "parlayer/parallel/communicator.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::checkpoint::detail {

/// The group holding one dataset per field (format_version 1 and 2).
inline constexpr const char* fields_group = "fields";
/// The time variable and dimension (format_version 3).
inline constexpr const char* time_name = "time";
/// The value of the global attribute Conventions.
inline constexpr const char* cf_conventions = "CF-1.8";

/// The dataset of field `name` in a file of format `version`: "/fields/<name>" or "/<name>".
std::string field_path(int version, const std::string& name);

/// One coordinate variable a writer creates: its record (name, attributes, size, checksum) and
/// how its values are made (first + i * spacing).
struct CoordinatePlan {
  CoordinateRecord record;
  double first = 0.0, spacing = 1.0;
  int along = 0;      // the grid axis (0 = x)
  bool face = false;  // the low faces along it, not the centres
};
/// The coordinate variables of a grid of `extent` (x first): the centre axis of every dimension,
/// and the face axes that some location in `used` needs; defaults filled in (snapshot.hpp).
std::vector<CoordinatePlan> plan_coordinates(const Coordinates& c, const std::vector<int>& extent,
                                             const std::vector<FieldDescription>& used);
/// The values of one coordinate variable.
std::vector<double> coordinate_values(const CoordinatePlan& plan);
/// checksum.hpp's sum over `values` as a 1D grid.
std::uint64_t values_checksum(const std::vector<double>& values);
/// The dimension names of a field (C order: [time,] [z,] y, x, faces where it lives).
std::vector<std::string> field_dimensions(const FieldDescription& d, const std::vector<CoordinatePlan>& axes, int dims);
/// HDF5 chunk dimensions of a field variable of `shape` (C order, time first if any): whole
/// spatial fields, halved along the slowest axis until a chunk holds at most 4 MiB. A function of
/// the shape and type only, so the file does not depend on the writer's rank count.
std::vector<hsize_t> chunk_dims(const std::vector<hsize_t>& shape, std::size_t element_size);

/// "0x%016x", for checksums in messages.
std::string hex(std::uint64_t v);
/// "parlayer <version>, HDF5 <version>".
std::string library_version();

/// The HDF5 type of an element type in the file (little-endian) and in memory (native).
hid_t file_type(domain::ElementType t);
hid_t memory_type(domain::ElementType t);
/// Inverse of domain::to_string(ElementType).
std::optional<domain::ElementType> element_type_named(const std::string& name);

/// parlayer boxes are x first, HDF5 dims C order: (z,) y, x.
std::vector<hsize_t> c_order(const domain::Index3& v, int dims);
std::vector<std::int64_t> widen(const std::vector<int>& v);
/// "64x32".
std::string extent_text(const std::vector<int>& extent);
/// The global extent of `d`, x first, one entry per axis.
std::vector<int> extent_of(const domain::Decomposition& d);
/// Throws unless `field` holds exactly the boxes `rank` owns in `d`.
void check_field_boxes(const domain::FieldBase& field, const domain::Decomposition& d, int rank);
/// Who transfers what of a dataset. Every cell of the global grid is written, and hashed when a
/// snapshot is verified, by exactly one rank: the cells of a box by its owner, those of a box with
/// no owner (domain::no_owner) by the rank assigned to it here. Boxes with no owner are dealt in
/// box order, each to the rank with the fewest boxes so far (owned plus assigned; ties to the
/// lowest rank), so the rounds grow as little as possible. A pure function of the decomposition:
/// every rank computes the same plan, with no communication.
struct TransferPlan {
  /// The boxes with no owner this rank handles, ascending (empty on every rank when every box
  /// has an owner: then nothing differs from a plain one-round-per-box transfer).
  std::vector<int> land;
  /// Collective transfers per dataset: one per box a rank handles (its own boxes first, then its
  /// `land` boxes), as many as the busiest rank has (at least 1: ranks with fewer join with an
  /// empty selection).
  int rounds = 1;
};
TransferPlan transfer_plan(const domain::Decomposition& d, int rank);
/// transfer_plan(d, any rank).rounds.
int transfer_rounds(const domain::Decomposition& d);

/// The value written into every cell of a box with no owner (snapshot.hpp): the constant of the
/// field's land condition converted to its element type, else NaN (floating point) or 0
/// (integers). Its bytes, little-endian, zero-extended to 64 bits.
std::uint64_t land_value_bits(const domain::FieldBase& field);
/// `buffer` resized to `cells` values of `type`, each holding the value whose bits are `bits`.
void fill_land(std::vector<std::byte>& buffer, domain::ElementType type, std::uint64_t bits, std::int64_t cells);

// ---- attributes (scalar unless named *_ints) ----
void write_string(hid_t object, const char* name, const std::string& value, const std::string& where);
void write_int(hid_t object, const char* name, std::int64_t value, const std::string& where);
void write_u64(hid_t object, const char* name, std::uint64_t value, const std::string& where);
void write_double(hid_t object, const char* name, double value, const std::string& where);
void write_ints(hid_t object, const char* name, const std::vector<std::int64_t>& values, const std::string& where);
/// Opens attribute `name`; throws "attribute '<name>' of <where> is missing" if absent.
h5::Attribute open_attribute(hid_t object, const char* name, const std::string& where);
/// Number of elements of an attribute (1 for a scalar).
hssize_t attribute_size(const h5::Attribute& a, const std::string& at);
/// A string attribute, fixed or variable length.
std::string read_string(hid_t object, const char* name, const std::string& where);
/// 1 to 3 integers.
std::vector<std::int64_t> read_ints(hid_t object, const char* name, const std::string& where);
/// A scalar number of HDF5 class `expected`, converted to `mem_t`.
template <class T>
T read_number(hid_t object, const char* name, hid_t mem_t, H5T_class_t expected, const std::string& where) {
  const std::string at = where + " attribute " + name;
  h5::Attribute a = open_attribute(object, name, where);
  h5::Datatype t(PARLAYER_H5_CHECK(H5Aget_type(a.get()), at));
  if (H5Tget_class(t.get()) != expected || attribute_size(a, at) != 1) throw Error(at + " has the wrong type or shape");
  T value{};
  PARLAYER_H5_CHECK(H5Aread(a.get(), mem_t, &value), at);
  return value;
}

/// `parameters` sorted by name; throws on an empty or unusable name, or a name given twice.
std::vector<Parameter> sorted_parameters(const std::vector<Parameter>& parameters);
/// Writes the group /parameters (must_match, may_change) under `root`.
void write_parameters(hid_t root, const std::vector<Parameter>& parameters, const std::string& where);
/// Reads it back (empty if the file has none), sorted by name.
std::vector<Parameter> read_parameters(hid_t root, const std::string& where);

/// FNV-1a over every attribute value (root, then each field sorted by name): detects any change
/// of any attribute value.
std::uint64_t metadata_checksum(const SnapshotInfo& info, const std::vector<FieldRecord>& all_fields);

/// SnapshotInfo as bytes, to broadcast rank 0's findings.
std::string pack(const SnapshotInfo& info);
SnapshotInfo unpack(const std::string& bytes);
/// A list of coordinate plans as bytes.
std::string pack(const std::vector<CoordinatePlan>& plans);
std::vector<CoordinatePlan> unpack_coordinates(const std::string& bytes);

// ---- property lists ----
/// Serial access (sec2), file locking off.
h5::PropertyList serial_fapl(const std::string& where);
/// MPI-IO over `comm`, 1.10 file format (checksummed metadata).
h5::PropertyList parallel_fapl(parallel::Comm comm, const std::string& where);
/// Collective data transfers.
h5::PropertyList collective_transfer(const std::string& where);

/// The file and memory selections of one rank's share of a dataset: `share` (global indices) of
/// the dataset, found in a buffer laid out as box `buffer` (a field's allocated box, or the share
/// itself). An empty share selects nothing in both (the rank still joins the transfer).
struct Selection {
  h5::Dataspace file;
  h5::Dataspace memory;
};
/// A dataset with one more (leading) dimension than `dims` (the time dimension of a version 3
/// field) is selected at index 0 along it.
Selection select(hid_t dataset, const domain::IndexBox& share, const domain::IndexBox& buffer, int dims,
                 const domain::IndexBox& global, const std::string& where);

/// Property lists for groups and datasets the netCDF library can also append to: link and
/// attribute creation order tracked and indexed, attributes kept in the object header.
h5::PropertyList netcdf_group_creation(const std::string& where);

int rank_of(parallel::Comm comm);
int size_of_comm(parallel::Comm comm);
/// A duplicate of `comm` whose errors are returned (so PARLAYER_MPI_CHECK sees them), whatever
/// handler the caller's communicator has. Collective.
parallel::Communicator private_comm(parallel::Comm comm);
/// Throws if `name` cannot be a dataset name.
void check_name(const std::string& name);

}  // namespace parlayer::checkpoint::detail
