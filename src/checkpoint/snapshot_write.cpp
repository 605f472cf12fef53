// Writing snapshots (snapshot.hpp, docs/checkpoint.md). One rule throughout: a rank that fails
// never throws alone. Work is split into phases; each rank runs its part of a phase inside
// attempt(), then all ranks agree() and, if anyone failed, every rank cleans up the same way and
// throws the same CollectiveError. What only one rank needs to do (checking the folder, reserving
// space, the commit's fsync/rename) runs on rank 0 and its verdict is broadcast (on_root()).
#include <hdf5.h>
#include <unistd.h>

#include <hdf5_hl.h>

#include <algorithm>
#include <set>
#include <system_error>

#include "files.hpp"
#include "layout.hpp"
#include "packing.hpp"
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

namespace {

// The part of the write every rank agrees on before touching the file system.
struct WritePlan {
  SnapshotInfo info;           // header, grid, fields (name, type, units; checksums after the sums)
  std::string temporary_name;  // file name of the temporary, in the target's folder
  std::vector<CoordinatePlan> coordinates;  // the coordinate variables (x, y, faces), with their values' rule
  std::vector<std::uint64_t> land;          // per field: land_value_bits (the cells of boxes with no owner)
};

std::string pack_plan(const WritePlan& plan) {
  detail::Packer p;
  p.put(plan.temporary_name).put(detail::pack(plan.info)).put(detail::pack(plan.coordinates)).put(plan.land);
  return std::move(p.bytes());
}

WritePlan unpack_plan(const std::string& bytes) {
  detail::Unpacker u(bytes);
  std::string info, coordinates;
  WritePlan plan;
  u.get(plan.temporary_name);
  u.get(info);
  u.get(coordinates);
  u.get(plan.land);
  plan.info = unpack(info);
  plan.coordinates = unpack_coordinates(coordinates);
  return plan;
}

// Local checks of write_snapshot's arguments (each rank checks its own fields).
void check_write_arguments(const fs::path& path, int rank, int size, const domain::Decomposition& d,
                           std::span<const FieldToWrite> fields) {
  if (path.filename().empty() || path.filename() == "." || path.filename() == "..")
    throw Error("the path does not name a file");
  if (d.rank_count() != size)
    throw Error("the decomposition is for " + std::to_string(d.rank_count()) + " ranks, the communicator has " +
                std::to_string(size));
  std::set<std::string> names;
  for (const auto& [name, f, description] : fields) {
    if (!f) throw Error("a field pointer is null");
    check_name(name);
    if (!names.insert(name).second) throw Error("field '" + name + "' is given twice");
    check_field_boxes(*f, d, rank);
  }
}

// Disk space the file will need at most: the data (whole chunks: an edge chunk is allocated whole)
// plus a generous allowance for HDF5's metadata (superblock, object headers, attributes, chunk
// indexes, dimension scale references: a few KiB plus the header strings in practice).
std::uint64_t space_estimate(const SnapshotInfo& info, const std::vector<CoordinatePlan>& coordinates,
                             const domain::Decomposition& d) {
  std::uint64_t bytes = 64 * 1024 + 2 * (info.header.config.size() + info.header.model.size() + info.header.title.size());
  const std::vector<hsize_t> shape = c_order(d.global_box().extents(), d.dimensions());
  for (const FieldRecord& r : info.fields) {
    const std::vector<hsize_t> chunk = chunk_dims(shape, domain::size_of(r.type));
    std::uint64_t chunk_bytes = domain::size_of(r.type), chunks = 1;
    for (std::size_t a = 0; a < shape.size(); ++a) chunk_bytes *= chunk[a], chunks *= (shape[a] + chunk[a] - 1) / chunk[a];
    bytes += chunks * (chunk_bytes + 64) + 4 * 1024 + 2 * (r.units.size() + r.long_name.size() + r.standard_name.size());
  }
  for (const CoordinatePlan& c : coordinates)
    bytes += std::uint64_t(c.record.size) * sizeof(double) + 2 * 1024 + 2 * (c.record.long_name.size() + c.record.units.size());
  return bytes;
}

// Rank 0 removes a write's temporary and reservation; every rank gets the same note for the error
// message ("" if both went). Collective.
std::string remove_temporaries(parallel::Comm comm, int rank, const fs::path& temporary, const fs::path& reservation) {
  std::string note;
  if (rank == 0)
    for (const fs::path& p : {temporary, reservation})
      if (const std::string failed = detail::remove_quietly(p); !failed.empty())
        note += "; the temporary file could not be removed: " + failed;
  parallel::broadcast(comm, note, 0);
  return note;
}

// What a write has open, and the clean-up when it is abandoned.
struct OpenWrite {
  h5::File file;
  std::vector<h5::Dataset> datasets;     // the fields, in the order given
  std::vector<h5::Dataset> coordinates;  // as WritePlan::coordinates
  h5::Dataset time;

  // Closes everything on every rank, then removes the temporary and the reservation (rank 0).
  // Called only after a failure was agreed, so every rank gets here together and the collective
  // H5Fclose is safe. Returns a note for the error message if a file could not be removed.
  std::string abandon(parallel::Comm comm, int rank, const fs::path& temporary, const fs::path& reservation) {
    datasets.clear();
    coordinates.clear();
    time.reset();
    if (file.valid()) {
      // Closing flushes HDF5's metadata. After a full disk that flush could fail, on some ranks
      // only (a hang) or leaving HDF5 a half-closed file it retries in MPI_Finalize (a crash).
      // The temporary is discarded anyway: giving its space back first lets the flush succeed.
      PARLAYER_MPI_CHECK(MPI_Barrier(comm));
      if (rank == 0) {
        detail::remove_quietly(reservation);
        if (::truncate(temporary.c_str(), 0) != 0) {
          // Not fatal: the close below reports its own failure, if any.
        }
      }
      PARLAYER_MPI_CHECK(MPI_Barrier(comm));
      file.reset();
    }
    PARLAYER_MPI_CHECK(MPI_Barrier(comm));
    return remove_temporaries(comm, rank, temporary, reservation);
  }
};

}  // namespace

void write_snapshot(const fs::path& path, parallel::Comm comm, const domain::Decomposition& decomposition,
                    std::span<const domain::FieldBase* const> fields, const SnapshotHeader& header) {
  write_snapshot(path, comm, decomposition, named_by_field(fields), header, WriteOptions{});
}

void write_snapshot(const fs::path& path, parallel::Comm comm, const domain::Decomposition& decomposition,
                    std::span<const FieldToWrite> fields, const SnapshotHeader& header) {
  write_snapshot(path, comm, decomposition, fields, header, WriteOptions{});
}

void write_snapshot(const fs::path& path, parallel::Comm comm, const domain::Decomposition& decomposition,
                    std::span<const domain::FieldBase* const> fields, const SnapshotHeader& header,
                    const WriteOptions& options) {
  write_snapshot(path, comm, decomposition, named_by_field(fields), header, options);
}

void write_snapshot(const fs::path& path, parallel::Comm user_comm, const domain::Decomposition& decomposition,
                    std::span<const FieldToWrite> fields, const SnapshotHeader& header,
                    const WriteOptions& options) {
  check_no_async_write("write_snapshot");
  parallel::Communicator owned = private_comm(user_comm);
  const MPI_Comm comm = owned.get();
  const int rank = rank_of(comm), size = size_of_comm(comm);
  h5::ErrorPrintingOff quiet;
  const std::string shown = path.string();
  const auto error = [&](const std::string& why) {
    return CollectiveError("writing snapshot '" + shown + "' failed: " + why);
  };

  // 1. Arguments, checked on every rank for its own fields.
  if (Failure why = agree(comm, attempt([&] { check_write_arguments(path, rank, size, decomposition, fields); })))
    throw error(*why);

  // 2. Rank 0 checks the folder, names the temporary and fixes the metadata every rank writes
  //    (attributes must be identical on all ranks: taking rank 0's makes them so).
  const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  parallel::RootResult planned = parallel::on_root(comm, [&] {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) throw Error("folder '" + folder.string() + "' does not exist or is not a folder");
    if (fs::is_directory(path, ec)) throw Error("'" + shown + "' is a folder");
    WritePlan plan;
    plan.temporary_name = detail::temporary_prefix(path.filename().string()) + detail::unique_token();
    plan.info.path = path;
    plan.info.header = header;
    plan.info.format_version = snapshot_format_version;
    plan.info.writer_rank_count = size;
    plan.info.global_extent = extent_of(decomposition);
    for (int a = 0; a < decomposition.dimensions(); ++a)
      plan.info.writer_process_grid.push_back(decomposition.process_grid()[a]);
    plan.info.library_version = library_version();
    plan.info.header.parameters = sorted_parameters(header.parameters);
    if (plan.info.header.title.empty()) plan.info.header.title = header.model;
    std::vector<FieldDescription> descriptions;
    for (const FieldToWrite& f : fields) descriptions.push_back(f.description);
    plan.coordinates = plan_coordinates(header.coordinates, plan.info.global_extent, descriptions);
    for (const CoordinatePlan& c : plan.coordinates) plan.info.coordinates.push_back(c.record);
    std::set<std::string> taken{time_name, "parameters"};
    for (const CoordinatePlan& c : plan.coordinates) {
      check_name(c.record.name);
      if (!taken.insert(c.record.name).second) throw Error("coordinate '" + c.record.name + "' is named twice");
    }
    for (const FieldToWrite& f : fields) {
      if (taken.count(f.name))
        throw Error("field name '" + f.name + "' is taken by a coordinate, the time or the parameters group");
      FieldRecord r{f.name, f.field->element_type(), f.field->units(), 0};
      r.long_name = f.description.long_name.empty() ? f.name : f.description.long_name;
      r.standard_name = f.description.standard_name;
      r.dimensions = field_dimensions(f.description, plan.coordinates, decomposition.dimensions());
      if ((f.description.location == Location::z_face && decomposition.dimensions() < 3) ||
          std::find(r.dimensions.begin(), r.dimensions.end(), std::string()) != r.dimensions.end())
        throw Error("field '" + f.name + "' lives on the faces of an axis the grid does not have");
      plan.info.fields.push_back(std::move(r));
      plan.land.push_back(land_value_bits(*f.field));
    }
    return pack_plan(plan);
  });
  if (planned.failure) throw error(*planned.failure);
  WritePlan plan = unpack_plan(planned.payload);
  SnapshotInfo& info = plan.info;
  const fs::path temporary = folder / plan.temporary_name;
  const fs::path reservation = temporary.string() + ".reserve";

  // Who writes what: each rank its own boxes, and the boxes with no owner assigned to it (land).
  const TransferPlan transfers = transfer_plan(decomposition, rank);
  const std::vector<int>& owners = decomposition.ownership().owners();
  const bool any_land = std::find(owners.begin(), owners.end(), domain::no_owner) != owners.end();
  if (Failure why = agree(comm, attempt([&] {
        if (fields.size() != info.fields.size()) throw Error("ranks disagree on the number of fields");
        for (std::size_t i = 0; i < fields.size(); ++i) {
          if (fields[i].name != info.fields[i].name || fields[i].field->element_type() != info.fields[i].type)
            throw Error("ranks disagree on field " + std::to_string(i) + " ('" + fields[i].name + "' vs '" +
                        info.fields[i].name + "')");
          if (any_land && land_value_bits(*fields[i].field) != plan.land[i])
            throw Error("ranks disagree on the land value of field '" + fields[i].name +
                        "' (its land condition; the cells of boxes with no owner hold it)");
        }
      })))
    throw error(*why);
  std::vector<std::byte> land_values;  // one box of land values (fill_land), reused

  // 3. Checksums of the global data: one exact reduction for all fields.
  {
    std::vector<std::uint64_t> local(fields.size()), total(fields.size());
    for (std::size_t i = 0; i < fields.size(); ++i) {
      local[i] = partial_checksum(*fields[i].field, decomposition.global_box());
      for (const int b : transfers.land) {  // the cells of boxes with no owner, as written below
        const domain::IndexBox& box = decomposition.layout().box(b);
        fill_land(land_values, info.fields[i].type, plan.land[i], box.cells());
        local[i] += partial_checksum(land_values.data(), domain::size_of(info.fields[i].type), box, decomposition.global_box());
      }
    }
    if (!local.empty())
      PARLAYER_MPI_CHECK(MPI_Allreduce(local.data(), total.data(), int(local.size()), MPI_UINT64_T, MPI_SUM, comm));
    for (std::size_t i = 0; i < fields.size(); ++i) info.fields[i].checksum = total[i];
  }
  const int dims = decomposition.dimensions();
  const std::string file_where = "temporary file '" + temporary.string() + "'";

  // 4. Reserve the space before HDF5 writes a byte: a full disk (or quota) fails here, cleanly.
  //    HDF5 and MPI-IO handle a full disk badly (a collective write's error can get lost; a
  //    failing metadata flush can leave ranks in different collectives: with almost no space
  //    left, H5Fclose deadlocked). So there is no way around the reservation: fallocate, or
  //    where the file system has none, zeros written and fsynced (files.hpp). The reservation is
  //    a separate file for now: HDF5 truncates the file it creates. Its space is also what lets
  //    an abandoned write close HDF5's file (OpenWrite::abandon frees it first).
  parallel::RootResult reserved = parallel::on_root(comm, [&] {
    detail::reserve_new_file(reservation, space_estimate(info, plan.coordinates, decomposition));
    return std::string();
  });
  if (reserved.failure) throw error(*reserved.failure);

  OpenWrite w;
  const auto fail = [&](const std::string& why) -> CollectiveError {
    const std::string note = w.abandon(comm, rank, temporary, reservation);
    return error(why + note);
  };

  // 5. Create the file (collective).
  if (Failure why = agree(comm, attempt([&] {
        h5::PropertyList fapl = parallel_fapl(comm, file_where);
        // One collective write for the metadata: its success or failure is shared by all ranks.
        PARLAYER_H5_CHECK(H5Pset_coll_metadata_write(fapl.get(), true), file_where);
        h5::PropertyList fcpl(PARLAYER_H5_CHECK(H5Pcreate(H5P_FILE_CREATE), file_where));
        // Keep all root attributes in the (checksummed) object header, never in a dense heap.
        PARLAYER_H5_CHECK(H5Pset_attr_phase_change(fcpl.get(), 64, 0), file_where);
        // Creation order of links and attributes tracked and indexed: the netCDF library needs it
        // to modify (append to) a file it did not create.
        PARLAYER_H5_CHECK(H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), file_where);
        PARLAYER_H5_CHECK(H5Pset_attr_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), file_where);
        // The root's links (a dozen variables and the parameters group) in its object header too:
        // dense storage (a fractal heap and two B-trees) would double a small file's metadata.
        PARLAYER_H5_CHECK(H5Pset_link_phase_change(fcpl.get(), 64, 0), file_where);
        // Small metadata blocks: less unused space at the end of each in a small file.
        PARLAYER_H5_CHECK(H5Pset_meta_block_size(fapl.get(), 512), file_where);
        w.file = h5::File(PARLAYER_H5_CHECK(H5Fcreate(temporary.c_str(), H5F_ACC_EXCL, fcpl.get(), fapl.get()), file_where));
      })))
    throw fail(*why);

  // 6. Metadata: global attributes, the parameters, the time and coordinate variables, one variable
  //    per field with its attributes, and the dimension scales that make it all NetCDF-4. Every
  //    rank makes the same calls with the same values (HDF5's rule for metadata in parallel).
  //    Storage is allocated now (early allocation), so the file's final size is known.
  if (Failure why = agree(comm, attempt([&] {
        const hid_t root = w.file.get();
        const std::string at = "group / of " + file_where;
        write_string(root, "Conventions", cf_conventions, at);
        write_string(root, "title", info.header.title, at);
        write_string(root, "format", snapshot_format, at);
        write_int(root, "format_version", info.format_version, at);
        write_int(root, "step", info.header.step, at);
        write_string(root, "model", info.header.model, at);
        write_string(root, "config", info.header.config, at);
        write_int(root, "rank_count", info.writer_rank_count, at);
        write_ints(root, "process_grid", widen(info.writer_process_grid), at);
        write_ints(root, "global_extent", widen(info.global_extent), at);
        write_string(root, "library_version", info.library_version, at);
        write_string(root, "checksum_algorithm", checksum_algorithm, at);
        write_u64(root, "metadata_checksum", metadata_checksum(info, info.fields), at);
        write_parameters(root, info.header.parameters, at);

        h5::PropertyList dcpl(PARLAYER_H5_CHECK(H5Pcreate(H5P_DATASET_CREATE), at));
        PARLAYER_H5_CHECK(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY), at);
        // Every value is written: filling the storage first would write it twice.
        PARLAYER_H5_CHECK(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), at);
        PARLAYER_H5_CHECK(H5Pset_attr_creation_order(dcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), at);
        PARLAYER_H5_CHECK(H5Pset_attr_phase_change(dcpl.get(), 64, 0), at);
        // No modification times in object headers: a snapshot's bytes depend on its contents only.
        PARLAYER_H5_CHECK(H5Pset_obj_track_times(dcpl.get(), false), at);

        // time(time): an unlimited dimension of length 1 (ncrcat and open_mfdataset join files
        // along it), chunked as an unlimited dimension must be.
        {
          const std::string twhere = "variable /time of " + file_where;
          const hsize_t one = 1, unlimited = H5S_UNLIMITED;
          h5::Dataspace space(PARLAYER_H5_CHECK(H5Screate_simple(1, &one, &unlimited), twhere));
          h5::PropertyList tdcpl(PARLAYER_H5_CHECK(H5Pcopy(dcpl.get()), twhere));
          PARLAYER_H5_CHECK(H5Pset_chunk(tdcpl.get(), 1, &one), twhere);
          w.time = h5::Dataset(PARLAYER_H5_CHECK(
              H5Dcreate2(root, time_name, H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, tdcpl.get(), H5P_DEFAULT), twhere));
          PARLAYER_H5_CHECK(H5DSset_scale(w.time.get(), time_name), twhere);
          write_string(w.time.get(), "standard_name", "time", twhere);
          write_string(w.time.get(), "long_name", "model time", twhere);
          write_string(w.time.get(), "units", "seconds since " + info.header.reference_time, twhere);
          write_string(w.time.get(), "calendar", info.header.calendar, twhere);
          write_string(w.time.get(), "axis", "T", twhere);
        }
        // The coordinate variables: each one a dimension scale of its own name.
        for (const CoordinatePlan& c : plan.coordinates) {
          const std::string cwhere = "variable /" + c.record.name + " of " + file_where;
          const hsize_t n = hsize_t(c.record.size);
          h5::Dataspace space(PARLAYER_H5_CHECK(H5Screate_simple(1, &n, nullptr), cwhere));
          w.coordinates.emplace_back(PARLAYER_H5_CHECK(
              H5Dcreate2(root, c.record.name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), cwhere));
          const hid_t ds = w.coordinates.back().get();
          PARLAYER_H5_CHECK(H5DSset_scale(ds, c.record.name.c_str()), cwhere);
          if (!c.record.units.empty()) write_string(ds, "units", c.record.units, cwhere);
          if (!c.record.long_name.empty()) write_string(ds, "long_name", c.record.long_name, cwhere);
          if (!c.record.standard_name.empty()) write_string(ds, "standard_name", c.record.standard_name, cwhere);
          write_u64(ds, "checksum", c.record.checksum, cwhere);
        }
        const auto scale = [&](const std::string& name) -> hid_t {
          if (name == time_name) return w.time.get();
          for (std::size_t i = 0; i < plan.coordinates.size(); ++i)
            if (plan.coordinates[i].record.name == name) return w.coordinates[i].get();
          throw Error("no dimension '" + name + "'");
        };
        // The fields: (time, [z,] y, x), chunked (chunk_dims: independent of the rank count).
        const std::vector<hsize_t> spatial = c_order(decomposition.global_box().extents(), dims);
        for (const FieldRecord& r : info.fields) {
          const std::string dwhere = "variable /" + r.name + " of " + file_where;
          const bool timed = !r.dimensions.empty() && r.dimensions.front() == time_name;
          std::vector<hsize_t> shape = spatial, maxdims = spatial;
          if (timed) shape.insert(shape.begin(), 1), maxdims.insert(maxdims.begin(), H5S_UNLIMITED);
          h5::Dataspace space(PARLAYER_H5_CHECK(H5Screate_simple(int(shape.size()), shape.data(), maxdims.data()), dwhere));
          h5::PropertyList fdcpl(PARLAYER_H5_CHECK(H5Pcopy(dcpl.get()), dwhere));
          const std::vector<hsize_t> chunk = chunk_dims(shape, domain::size_of(r.type));
          PARLAYER_H5_CHECK(H5Pset_chunk(fdcpl.get(), int(chunk.size()), chunk.data()), dwhere);
          w.datasets.emplace_back(PARLAYER_H5_CHECK(
              H5Dcreate2(root, r.name.c_str(), file_type(r.type), space.get(), H5P_DEFAULT, fdcpl.get(), H5P_DEFAULT), dwhere));
          const hid_t ds = w.datasets.back().get();
          if (!r.units.empty()) write_string(ds, "units", r.units, dwhere);
          write_string(ds, "long_name", r.long_name, dwhere);
          if (!r.standard_name.empty()) write_string(ds, "standard_name", r.standard_name, dwhere);
          write_string(ds, "element_type", domain::to_string(r.type), dwhere);
          write_u64(ds, "checksum", r.checksum, dwhere);
          for (std::size_t a = 0; a < r.dimensions.size(); ++a)
            PARLAYER_H5_CHECK(H5DSattach_scale(ds, scale(r.dimensions[a]), unsigned(a)), dwhere);
        }
      })))
    throw fail(*why);

  // 7. Move the reservation onto the file: free the reservation, then allocate the file's whole
  //    extent (end of allocated space; nothing has been written to it yet, HDF5 holds the
  //    metadata in its cache until the close). Every byte HDF5 writes from now on, data and the
  //    metadata flush in H5Fclose alike, lands on allocated blocks. The other ranks wait in the
  //    broadcast meanwhile, so nothing else writes to the file.
  {
    parallel::RootResult moved = parallel::on_root(comm, [&] {
      hsize_t extent = 0;
      PARLAYER_H5_CHECK(H5Fget_filesize(w.file.get(), &extent), file_where);
      if (const std::string failed = detail::remove_quietly(reservation); !failed.empty()) throw Error(failed);
      detail::reserve_existing_file(temporary, extent);
      return std::string();
    });
    if (moved.failure) throw fail(*moved.failure);
  }

  // 8. The data: per field, one collective write per local box (as many rounds as the busiest
  //    rank has; a rank out of boxes joins with an empty selection), each box's interior (ghosts
  //    excluded); then the boxes with no owner assigned to this rank, filled with the field's land
  //    value, so that every cell of the file is written.
  //    First the time and the coordinates: rank 0 writes each whole, the others join the
  //    collective write with an empty selection.
  if (Failure why = agree(comm, attempt([&] {
        h5::PropertyList dxpl = collective_transfer(file_where);
        const auto write_line = [&](const h5::Dataset& ds, const std::vector<double>& values, const std::string& dwhere) {
          h5::Dataspace file_space(PARLAYER_H5_CHECK(H5Dget_space(ds.get()), dwhere));
          const hsize_t n = std::max<hsize_t>(values.size(), 1);
          h5::Dataspace memory(PARLAYER_H5_CHECK(H5Screate_simple(1, &n, nullptr), dwhere));
          if (rank != 0) {
            PARLAYER_H5_CHECK(H5Sselect_none(file_space.get()), dwhere);
            PARLAYER_H5_CHECK(H5Sselect_none(memory.get()), dwhere);
          }
          static const double nothing = 0.0;
          PARLAYER_H5_CHECK(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, memory.get(), file_space.get(), dxpl.get(),
                                     values.empty() ? &nothing : values.data()),
                            dwhere);
        };
        write_line(w.time, {info.header.time}, "variable /time of " + file_where);
        for (std::size_t c = 0; c < plan.coordinates.size(); ++c)
          write_line(w.coordinates[c], rank == 0 ? coordinate_values(plan.coordinates[c]) : std::vector<double>{},
                     "variable /" + plan.coordinates[c].record.name + " of " + file_where);
      })))
    throw fail(*why);
  const int rounds = transfers.rounds;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const domain::FieldBase& f = *fields[i].field;
    if (Failure why = agree(comm, attempt([&] {
          const std::string dwhere = "variable /" + fields[i].name + " of " + file_where;
          h5::PropertyList dxpl = collective_transfer(dwhere);
          for (int round = 0; round < rounds; ++round) {
            static const std::byte nothing{};
            const domain::IndexBox none;
            const domain::FieldBoxBase* box = round < f.box_count() ? &f.box(round) : nullptr;
            const int land = round - f.box_count();  // index into transfers.land, when >= 0
            if (!box && land < int(transfers.land.size())) {
              const domain::IndexBox& share = decomposition.layout().box(transfers.land[std::size_t(land)]);
              fill_land(land_values, f.element_type(), plan.land[i], share.cells());
              Selection s = select(w.datasets[i].get(), share, share, dims, decomposition.global_box(), dwhere);
              PARLAYER_H5_CHECK(H5Dwrite(w.datasets[i].get(), memory_type(f.element_type()), s.memory.get(),
                                         s.file.get(), dxpl.get(), share.empty() ? &nothing : static_cast<const void*>(land_values.data())),
                                dwhere);
              continue;
            }
            Selection s = select(w.datasets[i].get(), box ? box->interior() : none, box ? box->allocated() : none, dims,
                                 decomposition.global_box(), dwhere);
            const void* data = box && !box->interior().empty() ? static_cast<const void*>(box->bytes()) : &nothing;
            PARLAYER_H5_CHECK(H5Dwrite(w.datasets[i].get(), memory_type(f.element_type()), s.memory.get(),
                                       s.file.get(), dxpl.get(), data),
                              dwhere);
          }
          // The field is in the page cache: let the device start on it while the next one is
          // written and the file verified; the commit's fsync then waits for less.
          if (rank == 0) detail::start_writeback(temporary);
        })))
      throw fail(*why);
  }

  // 9. Close on every rank: only a successful close means the data and metadata are in the file.
  if (Failure why = agree(comm, attempt([&] {
        for (std::size_t i = 0; i < w.datasets.size(); ++i)
          w.datasets[i].close("variable /" + info.fields[i].name + " of " + file_where);
        w.datasets.clear();
        for (std::size_t i = 0; i < w.coordinates.size(); ++i)
          w.coordinates[i].close("variable /" + plan.coordinates[i].record.name + " of " + file_where);
        w.coordinates.clear();
        w.time.close("variable /time of " + file_where);
        w.file.close(file_where);
      })))
    throw fail(*why);

  const auto discard = [&](const std::string& why) {
    return error(why + remove_temporaries(comm, rank, temporary, reservation));
  };

  // 10. Verify what is in the file. By default (file_bytes) rank 0 checks the metadata serially
  //     and finds where every chunk lies; then each rank hashes its own cells from the file's bytes
  //     (mmap) and one reduction compares each field's checksum with the one computed from memory.
  //     Every cell of every field is covered, so a lost, torn or short write of any rank's data is
  //     caught as surely as by reading it back through HDF5 (read_back), at a fraction of the cost.
  std::vector<FieldSpec> all;
  for (const FieldRecord& r : info.fields) all.push_back({r.name, r.type});
  if (options.verify == Verification::read_back) {
    try {
      const SnapshotInfo back = detail::read_snapshot_info(temporary, comm, decomposition, all, {});
      for (std::size_t i = 0; i < info.fields.size(); ++i)
        if (back.fields[i].checksum != info.fields[i].checksum)
          throw CollectiveError("field '" + info.fields[i].name + "' has checksum attribute " +
                                hex(back.fields[i].checksum) + ", expected " + hex(info.fields[i].checksum));
    } catch (const CollectiveError& e) {  // agreed on every rank
      throw discard(std::string("verifying the written file: ") + e.what());
    }
  } else {
    parallel::RootResult inspected = parallel::on_root(comm, [&] {
      SnapshotInfo back;
      try {
        back = detail::inspect_snapshot_file(temporary, info.global_extent, all);
      } catch (const std::exception& e) {
        throw Error(std::string("verifying the written file: ") + e.what());
      }
      for (std::size_t i = 0; i < info.fields.size(); ++i)
        if (back.fields[i].checksum != info.fields[i].checksum)
          throw Error("verifying the written file: field '" + info.fields[i].name + "' has checksum attribute " +
                      hex(back.fields[i].checksum) + ", expected " + hex(info.fields[i].checksum));
      if (options.verify == Verification::metadata) return std::string();
      std::vector<std::string> names;
      for (const FieldRecord& r : info.fields) names.push_back(r.name);
      try {
        return detail::pack(detail::chunk_maps(temporary, names));
      } catch (const std::exception& e) {
        throw Error(std::string("verifying the written file: ") + e.what());
      }
    });
    if (inspected.failure) throw discard(*inspected.failure);
      if (options.verify == Verification::file_bytes) {
      const std::vector<detail::ChunkMap> maps = detail::unpack_chunk_maps(inspected.payload);
      std::vector<std::vector<domain::IndexBox>> boxes(fields.size());
      for (std::size_t i = 0; i < fields.size(); ++i) {
        for (int b = 0; b < fields[i].field->box_count(); ++b) boxes[i].push_back(fields[i].field->box(b).interior());
        for (const int b : transfers.land) boxes[i].push_back(decomposition.layout().box(b));
      }
      std::vector<std::uint64_t> local(fields.size(), 0), total(fields.size(), 0);
      if (Failure why = agree(comm, attempt([&] {
            local = detail::file_partial_checksums(temporary, maps, boxes, decomposition.global_box(), dims);
          })))
        throw discard("verifying the written file: " + *why);
      if (!local.empty())
        PARLAYER_MPI_CHECK(MPI_Allreduce(local.data(), total.data(), int(local.size()), MPI_UINT64_T, MPI_SUM, comm));
      for (std::size_t i = 0; i < fields.size(); ++i)
        if (total[i] != info.fields[i].checksum)
          throw discard("verifying the written file: field '" + info.fields[i].name + "': its bytes in the file give " +
                        "checksum " + hex(total[i]) + ", expected " + hex(info.fields[i].checksum) +
                        " (a lost, torn or short write)");
    }
  }

  // 11. Commit on rank 0: fsync, rename, fsync the folder.
  parallel::RootResult committed = parallel::on_root(comm, [&] {
    bool renamed = false;
    try {
      detail::fsync_file(temporary);
      detail::rename_file(temporary, path);
      renamed = true;
      detail::fsync_folder(folder);
    } catch (...) {
      detail::remove_quietly(renamed ? path : temporary);
      throw;
    }
    return std::string();
  });
  if (committed.failure) throw error(*committed.failure);
}

}  // namespace parlayer::checkpoint
