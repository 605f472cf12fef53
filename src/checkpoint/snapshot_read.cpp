// Reading and verifying snapshots (snapshot.hpp, docs/checkpoint.md): rank 0 inspects the
// metadata of a possibly damaged file serially and broadcasts its verdict; only then do all ranks
// open it and read their boxes collectively; checksums are compared with one reduction. Every
// failure is agreed first, so all ranks throw the same CollectiveError.
#include <hdf5.h>
#include <hdf5_hl.h>

#include <algorithm>
#include <map>
#include <cstdio>
#include <cstring>
#include <variant>
#include <system_error>

#include "layout.hpp"
#include "parlayer/checkpoint/checksum.hpp"
#include "parlayer/checkpoint/snapshot.hpp"
#include "parlayer/parallel/collective.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "snapshot_file.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::checkpoint {

namespace fs = std::filesystem;
using namespace detail;
using domain::ElementType;
using parallel::agree;
using parallel::attempt;
using parallel::Failure;

// ---- rank 0's view of a file (snapshot_file.hpp) ----

namespace detail {

namespace {

// The extent (x first) of a dataset's dataspace, its C-order dims reversed.
std::vector<hsize_t> shape_of(hid_t ds, const std::string& where) {
  h5::Dataspace space(PARLAYER_H5_CHECK(H5Dget_space(ds), where));
  const int rank = PARLAYER_H5_CHECK(H5Sget_simple_extent_ndims(space.get()), where);
  std::vector<hsize_t> shape(std::size_t(std::max(rank, 0)));
  PARLAYER_H5_CHECK(H5Sget_simple_extent_dims(space.get(), shape.data(), nullptr), where);
  return shape;
}

std::vector<int> x_first(const std::vector<hsize_t>& shape) {
  std::vector<int> extent;
  for (auto it = shape.rbegin(); it != shape.rend(); ++it) extent.push_back(int(*it));
  return extent;
}

// A field dataset's parlayer attributes and type.
FieldRecord read_field_record(hid_t ds, const std::string& name, const std::string& dwhere, bool units_required) {
  FieldRecord r;
  r.name = name;
  const std::string type_name = read_string(ds, "element_type", dwhere);
  const auto type = element_type_named(type_name);
  if (!type) throw Error("field '" + name + "' has unknown element_type '" + type_name + "'");
  r.type = *type;
  if (units_required || PARLAYER_H5_CHECK(H5Aexists(ds, "units"), dwhere) > 0) r.units = read_string(ds, "units", dwhere);
  r.checksum = read_number<std::uint64_t>(ds, "checksum", H5T_NATIVE_UINT64, H5T_INTEGER, dwhere);
  h5::Datatype t(PARLAYER_H5_CHECK(H5Dget_type(ds), dwhere));
  if (PARLAYER_H5_CHECK(H5Tequal(t.get(), file_type(r.type)), dwhere) <= 0)
    throw Error("field '" + name + "': dataset type does not match its element_type " + type_name);
  return r;
}

std::string optional_string(hid_t object, const char* name, const std::string& where) {
  return PARLAYER_H5_CHECK(H5Aexists(object, name), where + " attribute " + name) > 0 ? read_string(object, name, where)
                                                                                     : std::string();
}

std::vector<std::string> link_names(hid_t group, const std::string& where) {
  std::vector<std::string> names;
  PARLAYER_H5_CHECK(H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, nullptr,
                               [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
                                 static_cast<std::vector<std::string>*>(out)->emplace_back(name);
                                 return 0;
                               },
                               &names),
                    where);
  return names;
}

// Format 1 and 2: one dataset per field in /fields, of the global extent.
std::vector<FieldRecord> read_fields_group(hid_t root, const std::string& where, const SnapshotInfo& info) {
  const std::string group_where = "group /fields of " + where;
  if (PARLAYER_H5_CHECK(H5Lexists(root, fields_group, H5P_DEFAULT), group_where) <= 0) throw Error("has no group /fields");
  h5::Group group(PARLAYER_H5_CHECK(H5Gopen2(root, fields_group, H5P_DEFAULT), group_where));
  std::vector<FieldRecord> all;
  for (const std::string& name : link_names(group.get(), group_where)) {
    const std::string dwhere = "dataset /fields/" + name + " of " + where;
    h5::Dataset ds(PARLAYER_H5_CHECK(H5Dopen2(group.get(), name.c_str(), H5P_DEFAULT), dwhere));
    FieldRecord r = read_field_record(ds.get(), name, dwhere, true);
    const std::vector<int> extent = x_first(shape_of(ds.get(), dwhere));
    if (extent != info.global_extent)
      throw Error("field '" + name + "' has extent " + extent_text(extent) + ", the snapshot's grid is " +
                  extent_text(info.global_extent));
    all.push_back(std::move(r));
  }
  group.close(group_where);
  return all;
}

// The (dataset address, dimension) pairs a dimension scale is attached to: its REFERENCE_LIST, a
// compound attribute in its (checksummed) object header. The fields' DIMENSION_LIST, the other half
// of the link, is not read: it holds variable-length data in HDF5's global heap, which has no
// checksum, and a corrupted global heap can send HDF5 into an endless loop.
std::vector<std::pair<haddr_t, int>> attached_to(hid_t scale, const std::string& where) {
  std::vector<std::pair<haddr_t, int>> out;
  if (PARLAYER_H5_CHECK(H5Aexists(scale, "REFERENCE_LIST"), where) <= 0) return out;
  struct Entry {
    hobj_ref_t dataset;
    int dimension;
  };
  const std::string at = where + " attribute REFERENCE_LIST";
  h5::Attribute a(PARLAYER_H5_CHECK(H5Aopen(scale, "REFERENCE_LIST", H5P_DEFAULT), at));
  h5::Datatype stored(PARLAYER_H5_CHECK(H5Aget_type(a.get()), at));
  if (H5Tget_class(stored.get()) != H5T_COMPOUND) throw Error(at + " is not a compound");
  h5::Datatype t(PARLAYER_H5_CHECK(H5Tcreate(H5T_COMPOUND, sizeof(Entry)), at));
  PARLAYER_H5_CHECK(H5Tinsert(t.get(), "dataset", HOFFSET(Entry, dataset), H5T_STD_REF_OBJ), at);
  PARLAYER_H5_CHECK(H5Tinsert(t.get(), "dimension", HOFFSET(Entry, dimension), H5T_NATIVE_INT), at);
  std::vector<Entry> entries(std::size_t(attribute_size(a, at)));
  if (!entries.empty()) PARLAYER_H5_CHECK(H5Aread(a.get(), t.get(), entries.data()), at);
  for (const Entry& e : entries) out.emplace_back(haddr_t(e.dataset), e.dimension);
  return out;
}

}  // namespace

// Format 3: every variable in the root group. Dimension scales are the time and the coordinates;
// every other dataset is a field on (time, [z,] y, x) or ([z,] y, x). Reads the time, the
// coordinates' values (checked against their checksums) and every field's attributes into `info`.
static std::vector<FieldRecord> read_root_variables(hid_t root, const std::string& where, SnapshotInfo& info) {
  const std::string root_where = "group / of " + where;
  if (read_string(root, "Conventions", root_where) != cf_conventions)
    throw Error("has Conventions other than " + std::string(cf_conventions));
  info.header.title = read_string(root, "title", root_where);
  // Pass 1: the dimension scales (time, coordinates), and which dataset axis each is attached to.
  std::map<std::pair<haddr_t, int>, std::string> dimension_of;  // (field address, axis) -> scale
  std::vector<std::pair<std::string, haddr_t>> field_names;
  bool have_time = false;
  for (const std::string& name : link_names(root, root_where)) {
    H5O_info_t object;
    PARLAYER_H5_CHECK(H5Oget_info_by_name2(root, name.c_str(), &object, H5O_INFO_BASIC, H5P_DEFAULT), root_where);
    if (object.type != H5O_TYPE_DATASET) continue;  // the group /parameters
    const std::string dwhere = "variable /" + name + " of " + where;
    h5::Dataset ds(PARLAYER_H5_CHECK(H5Dopen2(root, name.c_str(), H5P_DEFAULT), dwhere));
    if (PARLAYER_H5_CHECK(H5DSis_scale(ds.get()), dwhere) <= 0) {
      field_names.emplace_back(name, object.addr);
      continue;
    }
    for (const auto& [address, axis] : attached_to(ds.get(), dwhere)) dimension_of[{address, axis}] = name;
    const std::vector<hsize_t> shape = shape_of(ds.get(), dwhere);
    h5::Datatype t(PARLAYER_H5_CHECK(H5Dget_type(ds.get()), dwhere));
    if (shape.size() != 1 || PARLAYER_H5_CHECK(H5Tequal(t.get(), H5T_IEEE_F64LE), dwhere) <= 0)
      throw Error("coordinate '" + name + "' is not a float64 vector");
    std::vector<double> values(shape[0]);
    if (!values.empty())
      PARLAYER_H5_CHECK(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), dwhere);
    if (name == time_name) {
      if (values.size() != 1) throw Error("has " + std::to_string(values.size()) + " time steps, not 1");
      info.header.time = values[0];
      const std::string units = read_string(ds.get(), "units", dwhere), since = "seconds since ";
      if (units.compare(0, since.size(), since) != 0) throw Error("has time units '" + units + "', not seconds since ...");
      info.header.reference_time = units.substr(since.size());
      info.header.calendar = read_string(ds.get(), "calendar", dwhere);
      have_time = true;
      continue;
    }
    CoordinateRecord c{name, optional_string(ds.get(), "units", dwhere), optional_string(ds.get(), "long_name", dwhere),
                       optional_string(ds.get(), "standard_name", dwhere), std::int64_t(values.size()),
                       read_number<std::uint64_t>(ds.get(), "checksum", H5T_NATIVE_UINT64, H5T_INTEGER, dwhere)};
    if (const std::uint64_t sum = values_checksum(values); sum != c.checksum)
      throw Error("coordinate '" + name + "': checksum mismatch (data corrupted): stored " + hex(c.checksum) +
                  ", computed " + hex(sum));
    info.coordinates.push_back(std::move(c));
  }
  if (!have_time) throw Error("has no time variable");
  // Pass 2: every other dataset is a field on (time, [z,] y, x) or ([z,] y, x).
  std::vector<FieldRecord> all;
  for (const auto& [name, address] : field_names) {
    const std::string dwhere = "variable /" + name + " of " + where;
    h5::Dataset ds(PARLAYER_H5_CHECK(H5Dopen2(root, name.c_str(), H5P_DEFAULT), dwhere));
    FieldRecord r = read_field_record(ds.get(), name, dwhere, false);
    r.long_name = optional_string(ds.get(), "long_name", dwhere);
    r.standard_name = optional_string(ds.get(), "standard_name", dwhere);
    const std::vector<hsize_t> shape = shape_of(ds.get(), dwhere);
    for (int a = 0; a < int(shape.size()); ++a) {
      const auto it = dimension_of.find({address, a});
      r.dimensions.push_back(it == dimension_of.end() ? std::string() : it->second);
    }
    std::vector<hsize_t> spatial = shape;
    if (!r.dimensions.empty() && r.dimensions.front() == time_name) {
      if (shape[0] != 1) throw Error("field '" + name + "' has " + std::to_string(shape[0]) + " time steps, not 1");
      spatial.erase(spatial.begin());
    }
    const std::vector<int> extent = x_first(spatial);
    if (extent != info.global_extent)
      throw Error("field '" + name + "' has extent " + extent_text(extent) + ", the snapshot's grid is " +
                  extent_text(info.global_extent));
    all.push_back(std::move(r));
  }
  return all;
}

SnapshotInfo inspect_snapshot_file(const fs::path& path, const std::vector<int>& expected_extent,
                                   std::span<const FieldSpec> needed) {
  const std::string where = "file '" + path.string() + "'";
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw Error("does not exist");
  if (!fs::is_regular_file(st)) throw Error("is not a regular file");
  const auto bytes = fs::file_size(path, ec);
  if (ec) throw Error("cannot get its size: " + ec.message());
  if (bytes == 0) throw Error("is empty (0 bytes)");
  if (PARLAYER_H5_CHECK(H5Fis_hdf5(path.c_str()), where) <= 0) throw Error("is not an HDF5 file (no HDF5 signature)");

  h5::PropertyList fapl = serial_fapl(where);
  h5::File file(PARLAYER_H5_CHECK(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), where));
  const hid_t root = file.get();
  const std::string root_where = "group / of " + where;

  SnapshotInfo info;
  info.path = path;
  const std::string format = read_string(root, "format", root_where);
  if (format != snapshot_format) throw Error("is not a parlayer snapshot (format '" + format + "')");
  const auto version = read_number<std::int64_t>(root, "format_version", H5T_NATIVE_INT64, H5T_INTEGER, root_where);
  if (version < 1 || version > snapshot_format_version)
    throw Error("has format_version " + std::to_string(version) + ", this library reads 1.." +
                std::to_string(snapshot_format_version));
  info.format_version = int(version);
  info.header.step = read_number<std::int64_t>(root, "step", H5T_NATIVE_INT64, H5T_INTEGER, root_where);
  if (info.format_version < 3) info.header.time = read_number<double>(root, "time", H5T_NATIVE_DOUBLE, H5T_FLOAT, root_where);
  info.header.model = read_string(root, "model", root_where);
  info.header.config = read_string(root, "config", root_where);
  info.writer_rank_count = int(read_number<std::int64_t>(root, "rank_count", H5T_NATIVE_INT64, H5T_INTEGER, root_where));
  for (std::int64_t v : read_ints(root, "process_grid", root_where)) info.writer_process_grid.push_back(int(v));
  for (std::int64_t v : read_ints(root, "global_extent", root_where)) info.global_extent.push_back(int(v));
  info.library_version = read_string(root, "library_version", root_where);
  const std::string algorithm = read_string(root, "checksum_algorithm", root_where);
  if (algorithm != checksum_algorithm)
    throw Error("uses checksum algorithm '" + algorithm + "', this library knows '" + checksum_algorithm + "'");
  const std::uint64_t stored_meta = read_number<std::uint64_t>(root, "metadata_checksum", H5T_NATIVE_UINT64, H5T_INTEGER, root_where);
  if (info.format_version >= 2) info.header.parameters = read_parameters(root, where);

  // Every dataset's attributes take part in the metadata checksum, so all are read.
  const int dims = int(info.global_extent.size());
  std::vector<FieldRecord> all =
      info.format_version >= 3 ? read_root_variables(root, where, info) : read_fields_group(root, where, info);
  if (dims < 2 || dims > 3) throw Error("has a global_extent of " + std::to_string(dims) + " axes");
  const std::uint64_t meta = metadata_checksum(info, all);
  if (meta != stored_meta)
    throw Error("metadata checksum mismatch (attributes altered): stored " + hex(stored_meta) + ", computed " + hex(meta));

  if (!expected_extent.empty() && expected_extent != info.global_extent)
    throw Error("is for a grid of " + extent_text(info.global_extent) + ", this run's grid is " +
                extent_text(expected_extent));
  if (needed.empty()) {
    info.fields = std::move(all);
  } else {
    for (const FieldSpec& spec : needed) {
      auto it = std::find_if(all.begin(), all.end(), [&](const FieldRecord& r) { return r.name == spec.name; });
      if (it == all.end()) throw Error("has no field '" + spec.name + "'");
      if (it->type != spec.type)
        throw Error("field '" + spec.name + "' is " + domain::to_string(it->type) + " in the snapshot, " +
                    domain::to_string(spec.type) + " here");
      info.fields.push_back(*it);
    }
  }
  file.close(where);
  return info;
}

}  // namespace detail

std::vector<FieldSpec> specs_of(std::span<const domain::FieldBase* const> fields) {
  std::vector<FieldSpec> specs;
  for (const domain::FieldBase* f : fields)
    if (f) specs.push_back({f->name(), f->element_type()});
  return specs;
}

namespace detail {

SnapshotInfo read_snapshot_info(const fs::path& path, parallel::Comm user_comm, const domain::Decomposition& decomposition,
                             std::span<const FieldSpec> needed, std::span<domain::FieldBase* const> targets) {
  check_no_async_write("read_snapshot/verify_snapshot");
  parallel::Communicator owned = private_comm(user_comm);
  const MPI_Comm comm = owned.get();
  const int rank = rank_of(comm), size = size_of_comm(comm);
  h5::ErrorPrintingOff quiet;
  const std::string shown = path.string();
  const auto error = [&](const std::string& why) { return CollectiveError(snapshot_error_prefix(path) + why); };

  if (Failure why = agree(comm, attempt([&] {
        if (decomposition.rank_count() != size)
          throw Error("the decomposition is for " + std::to_string(decomposition.rank_count()) +
                      " ranks, the communicator has " + std::to_string(size));
        for (domain::FieldBase* f : targets) {
          if (!f) throw Error("a field pointer is null");
          check_field_boxes(*f, decomposition, rank);
        }
      })))
    throw error(*why);

  // Rank 0 alone reads the metadata of a possibly damaged file (checksummed by HDF5 and by us);
  // the other ranks only open it once it is known to be sound.
  const std::vector<int> extent = extent_of(decomposition);
  parallel::RootResult inspected =
      parallel::on_root(comm, [&] { return pack(detail::inspect_snapshot_file(path, extent, needed)); });
  if (inspected.failure) throw error(*inspected.failure);
  SnapshotInfo info = unpack(inspected.payload);
  info.path = path;

  const std::string file_where = "file '" + shown + "'";
  h5::File file;
  std::vector<h5::Dataset> open_datasets;
  const auto fail = [&](const std::string& why) {
    open_datasets.clear();
    file.reset();  // every rank has it open (the open was agreed): the collective close is safe
    return error(why);
  };
  if (Failure why = agree(comm, attempt([&] {
        h5::PropertyList fapl = parallel_fapl(comm, file_where);
        file = h5::File(PARLAYER_H5_CHECK(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), file_where));
      })))
    throw error(*why);

  const int dims = decomposition.dimensions();
  const std::vector<int>& mine = decomposition.boxes_of(rank);
  // This rank's boxes, then the boxes with no owner assigned to it: their cells are in the file
  // (the writer's land values, or any other values) and the checksum covers them, so they are
  // read into scratch and hashed, never stored.
  const TransferPlan transfers = transfer_plan(decomposition, rank);
  const int rounds = transfers.rounds;
  const domain::IndexBox& global = decomposition.global_box();
  std::vector<std::byte> scratch;
  std::vector<std::uint64_t> local(info.fields.size(), 0);
  for (std::size_t i = 0; i < info.fields.size(); ++i) {
    const FieldRecord& r = info.fields[i];
    domain::FieldBase* target = i < targets.size() ? targets[i] : nullptr;
    if (Failure why = agree(comm, attempt([&] {
          const std::string dwhere = "dataset " + field_path(info.format_version, r.name) + " of " + file_where;
          open_datasets.clear();
          open_datasets.emplace_back(PARLAYER_H5_CHECK(H5Dopen2(file.get(), field_path(info.format_version, r.name).c_str(), H5P_DEFAULT), dwhere));
          const hid_t ds = open_datasets.back().get();
          h5::PropertyList dxpl = collective_transfer(dwhere);
          // One collective read per box handled (rounds as in the writer); into the target's box,
          // or into a scratch buffer when only verifying or for a box with no owner.
          static std::byte nothing{};
          for (int round = 0; round < rounds; ++round) {
            const bool own = round < static_cast<int>(mine.size());
            const std::size_t land = std::size_t(round) - mine.size();  // when !own
            const bool have = own || land < transfers.land.size();
            const domain::IndexBox share = own    ? decomposition.layout().box(mine[static_cast<std::size_t>(round)])
                                           : have ? decomposition.layout().box(transfers.land[land])
                                                  : domain::IndexBox{};
            void* data = &nothing;
            domain::IndexBox buffer = share;
            if (own && target) {
              buffer = target->box(round).allocated();
              data = target->box(round).bytes();
            } else if (have) {
              scratch.resize(std::size_t(share.cells()) * domain::size_of(r.type));
              data = scratch.data();
            }
            Selection s = select(ds, share, buffer, dims, global, dwhere);
            PARLAYER_H5_CHECK(H5Dread(ds, memory_type(r.type), s.memory.get(), s.file.get(), dxpl.get(),
                                      share.empty() ? &nothing : data),
                              dwhere);
            if (own && target)
              local[i] += partial_checksum(target->box(round), global);
            else if (have)
              local[i] += partial_checksum(scratch.data(), domain::size_of(r.type), share, global);
          }
          open_datasets.back().close(dwhere);
          open_datasets.clear();
        })))
      throw fail(*why);
    std::uint64_t total = 0;
    PARLAYER_MPI_CHECK(MPI_Allreduce(&local[i], &total, 1, MPI_UINT64_T, MPI_SUM, comm));
    if (total != r.checksum)
      throw fail("field '" + r.name + "': checksum mismatch (data corrupted): stored " + hex(r.checksum) +
                 ", computed " + hex(total));
  }
  if (Failure why = agree(comm, attempt([&] { file.close(file_where); }))) throw fail(*why);
  return info;
}

}  // namespace detail

SnapshotHeader read_snapshot(const fs::path& path, parallel::Comm comm, const domain::Decomposition& decomposition,
                             std::span<domain::FieldBase* const> fields) {
  return read_snapshot(path, comm, decomposition, named_by_field(fields));
}

SnapshotHeader read_snapshot(const fs::path& path, parallel::Comm comm, const domain::Decomposition& decomposition,
                             std::span<const FieldToRead> fields) {
  std::vector<FieldSpec> needed;
  std::vector<domain::FieldBase*> targets;
  for (const auto& [name, f, description] : fields) {
    needed.push_back({name, f ? f->element_type() : ElementType::float64});
    targets.push_back(f);
  }
  // With no field asked for, every dataset is still verified (into scratch buffers).
  return detail::read_snapshot_info(path, comm, decomposition, needed, targets).header;
}

std::vector<FieldToWrite> named_by_field(std::span<const domain::FieldBase* const> fields) {
  std::vector<FieldToWrite> named;
  for (const domain::FieldBase* f : fields) named.push_back({f ? f->name() : std::string(), f});
  return named;
}

std::vector<FieldToRead> named_by_field(std::span<domain::FieldBase* const> fields) {
  std::vector<FieldToRead> named;
  for (domain::FieldBase* f : fields) named.push_back({f ? f->name() : std::string(), f});
  return named;
}

std::string to_string(const Parameter::Value& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&value)) {
    char text[40];
    std::snprintf(text, sizeof text, "%.17g", *d);
    return text;
  }
  return "\"" + std::get<std::string>(value) + "\"";
}

std::vector<std::string> check_parameters(const fs::path& path, const SnapshotHeader& snapshot, int format_version,
                                          std::span<const Parameter> now) {
  std::vector<std::string> changed;
  if (format_version < 2) return changed;
  const auto error = [&](const std::string& why, const std::string& parameter) {
    return ParameterMismatch("restart from '" + path.string() + "': " + why, parameter);
  };
  auto find = [](const std::vector<Parameter>& list, const std::string& name) {
    return std::find_if(list.begin(), list.end(), [&](const Parameter& p) { return p.name == name; });
  };
  // Values are compared as typed values: doubles bit for bit (9.81 and 9.8100000000000005 are the same double).
  auto same = [](const Parameter::Value& a, const Parameter::Value& b) {
    if (a.index() != b.index()) return false;
    if (const auto* x = std::get_if<double>(&a)) return std::memcmp(x, &std::get<double>(b), sizeof(double)) == 0;
    return a == b;
  };
  for (const Parameter& p : now) {
    const auto there = find(snapshot.parameters, p.name);
    if (there == snapshot.parameters.end()) {
      if (p.rule == Parameter::Rule::must_match)
        throw error("parameter '" + p.name + "' must match, but the snapshot does not record it (this run: " +
                        to_string(p.value) + ")",
                    p.name);
      continue;
    }
    if (same(there->value, p.value)) continue;
    if (p.rule == Parameter::Rule::must_match || there->rule == Parameter::Rule::must_match)
      throw error("parameter '" + p.name + "' must match: the snapshot has " + to_string(there->value) +
                      ", this run " + to_string(p.value),
                  p.name);
    changed.push_back(p.name + ": " + to_string(there->value) + " in the snapshot, " + to_string(p.value) + " now");
  }
  std::vector<Parameter> given(now.begin(), now.end());
  for (const Parameter& q : snapshot.parameters)
    if (q.rule == Parameter::Rule::must_match && find(given, q.name) == given.end())
      throw error("the snapshot's parameter '" + q.name + "' = " + to_string(q.value) +
                      " must match, but this run does not give it",
                  q.name);
  return changed;
}

SnapshotInfo verify_snapshot(const fs::path& path, parallel::Comm comm, const domain::Decomposition& decomposition,
                             std::span<const FieldSpec> needed) {
  return detail::read_snapshot_info(path, comm, decomposition, needed, {});
}

}  // namespace parlayer::checkpoint
