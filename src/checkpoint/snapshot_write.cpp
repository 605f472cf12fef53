// Writing snapshots (snapshot.hpp, docs/checkpoint.md). One rule throughout: a rank that fails
// never throws alone. Work is split into phases; each rank runs its part of a phase inside
// attempt(), then all ranks agree() and, if anyone failed, every rank cleans up the same way and
// throws the same CollectiveError. What only one rank needs to do (checking the folder, reserving
// space, the commit's fsync/rename) runs on rank 0 and its verdict is broadcast (on_root()).
#include <hdf5.h>
#include <unistd.h>

#include <set>
#include <system_error>

#include "files.hpp"
#include "layout.hpp"
#include "parlayer/checkpoint/checksum.hpp"
#include "parlayer/checkpoint/snapshot.hpp"
#include "parlayer/parallel/collective.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "snapshot_file.hpp"

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
};

std::string pack_plan(const WritePlan& plan) { return plan.temporary_name + "\n" + detail::pack(plan.info); }

WritePlan unpack_plan(const std::string& bytes) {
  const std::size_t nl = bytes.find('\n');
  return {unpack(bytes.substr(nl + 1)), bytes.substr(0, nl)};
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
  for (const auto& [name, f] : fields) {
    if (!f) throw Error("a field pointer is null");
    check_name(name);
    if (!names.insert(name).second) throw Error("field '" + name + "' is given twice");
    check_field_boxes(*f, d, rank);
  }
}

// Disk space the file will need at most: the data plus a generous allowance for HDF5's metadata
// (superblock, object headers, attributes: a few KiB plus the header strings in practice).
std::uint64_t space_estimate(const SnapshotInfo& info, const domain::Decomposition& d) {
  std::uint64_t bytes = 64 * 1024 + 2 * (info.header.config.size() + info.header.model.size());
  for (const FieldRecord& r : info.fields)
    bytes += std::uint64_t(d.global_box().cells()) * domain::size_of(r.type) + 4 * 1024 + 2 * r.units.size();
  return bytes;
}

// Rank 0 removes a write's temporary and reservation; every rank gets the same note for the error
// message ("" if both went). Collective.
std::string remove_temporaries(MPI_Comm comm, int rank, const fs::path& temporary, const fs::path& reservation) {
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
  h5::Group group;
  std::vector<h5::Dataset> datasets;

  // Closes everything on every rank, then removes the temporary and the reservation (rank 0).
  // Called only after a failure was agreed, so every rank gets here together and the collective
  // H5Fclose is safe. Returns a note for the error message if a file could not be removed.
  std::string abandon(MPI_Comm comm, int rank, const fs::path& temporary, const fs::path& reservation) {
    datasets.clear();
    group.reset();
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

void write_snapshot(const fs::path& path, MPI_Comm comm, const domain::Decomposition& decomposition,
                    std::span<const domain::FieldBase* const> fields, const SnapshotHeader& header) {
  write_snapshot(path, comm, decomposition, named_by_field(fields), header, WriteOptions{});
}

void write_snapshot(const fs::path& path, MPI_Comm comm, const domain::Decomposition& decomposition,
                    std::span<const FieldToWrite> fields, const SnapshotHeader& header) {
  write_snapshot(path, comm, decomposition, fields, header, WriteOptions{});
}

void write_snapshot(const fs::path& path, MPI_Comm comm, const domain::Decomposition& decomposition,
                    std::span<const domain::FieldBase* const> fields, const SnapshotHeader& header,
                    const WriteOptions& options) {
  write_snapshot(path, comm, decomposition, named_by_field(fields), header, options);
}

void write_snapshot(const fs::path& path, MPI_Comm user_comm, const domain::Decomposition& decomposition,
                    std::span<const FieldToWrite> fields, const SnapshotHeader& header,
                    const WriteOptions& options) {
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
    for (const auto& [name, f] : fields) plan.info.fields.push_back({name, f->element_type(), f->units(), 0});
    plan.info.header.parameters = sorted_parameters(header.parameters);
    return pack_plan(plan);
  });
  if (planned.failure) throw error(*planned.failure);
  WritePlan plan = unpack_plan(planned.payload);
  SnapshotInfo& info = plan.info;
  const fs::path temporary = folder / plan.temporary_name;
  const fs::path reservation = temporary.string() + ".reserve";

  if (Failure why = agree(comm, attempt([&] {
        if (fields.size() != info.fields.size()) throw Error("ranks disagree on the number of fields");
        for (std::size_t i = 0; i < fields.size(); ++i)
          if (fields[i].name != info.fields[i].name || fields[i].field->element_type() != info.fields[i].type)
            throw Error("ranks disagree on field " + std::to_string(i) + " ('" + fields[i].name + "' vs '" +
                        info.fields[i].name + "')");
      })))
    throw error(*why);

  // 3. Checksums of the global data: one exact reduction for all fields.
  {
    std::vector<std::uint64_t> local(fields.size()), total(fields.size());
    for (std::size_t i = 0; i < fields.size(); ++i) local[i] = partial_checksum(*fields[i].field, decomposition.global_box());
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
    detail::reserve_new_file(reservation, space_estimate(info, decomposition));
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
        w.file = h5::File(PARLAYER_H5_CHECK(H5Fcreate(temporary.c_str(), H5F_ACC_EXCL, fcpl.get(), fapl.get()), file_where));
      })))
    throw fail(*why);

  // 6. Metadata: root attributes, the group, one dataset per field with its attributes. Every
  //    rank makes the same calls with the same values (HDF5's rule for metadata in parallel).
  //    Dataset storage is allocated now (early allocation), so the file's final size is known.
  if (Failure why = agree(comm, attempt([&] {
        const hid_t root = w.file.get();
        const std::string at = "group / of " + file_where;
        write_string(root, "format", snapshot_format, at);
        write_int(root, "format_version", info.format_version, at);
        write_int(root, "step", info.header.step, at);
        write_double(root, "time", info.header.time, at);
        write_string(root, "model", info.header.model, at);
        write_string(root, "config", info.header.config, at);
        write_int(root, "rank_count", info.writer_rank_count, at);
        write_ints(root, "process_grid", widen(info.writer_process_grid), at);
        write_ints(root, "global_extent", widen(info.global_extent), at);
        write_string(root, "library_version", info.library_version, at);
        write_string(root, "checksum_algorithm", checksum_algorithm, at);
        write_u64(root, "metadata_checksum", metadata_checksum(info, info.fields), at);
        write_parameters(root, info.header.parameters, at);
        w.group = h5::Group(PARLAYER_H5_CHECK(H5Gcreate2(root, fields_group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), at));
        const std::vector<hsize_t> shape = c_order(decomposition.global_box().extents(), dims);
        h5::Dataspace space(PARLAYER_H5_CHECK(H5Screate_simple(dims, shape.data(), nullptr), at));
        h5::PropertyList dcpl(PARLAYER_H5_CHECK(H5Pcreate(H5P_DATASET_CREATE), at));
        PARLAYER_H5_CHECK(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY), at);
        // Every cell is written: filling the dataset first would write it twice.
        PARLAYER_H5_CHECK(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), at);
        for (const FieldRecord& r : info.fields) {
          const std::string dwhere = "dataset /fields/" + r.name + " of " + file_where;
          w.datasets.emplace_back(PARLAYER_H5_CHECK(H5Dcreate2(w.group.get(), r.name.c_str(), file_type(r.type), space.get(),
                                                               H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                                                    dwhere));
          write_string(w.datasets.back().get(), "units", r.units, dwhere);
          write_string(w.datasets.back().get(), "element_type", domain::to_string(r.type), dwhere);
          write_u64(w.datasets.back().get(), "checksum", r.checksum, dwhere);
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

  // 8. The data: per field, one collective write per local box (as many rounds as the rank with
  //    the most boxes has; a rank out of boxes joins with an empty selection), each box's
  //    interior (ghosts excluded).
  const int rounds = transfer_rounds(decomposition);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const domain::FieldBase& f = *fields[i].field;
    if (Failure why = agree(comm, attempt([&] {
          const std::string dwhere = "dataset /fields/" + fields[i].name + " of " + file_where;
          h5::PropertyList dxpl = collective_transfer(dwhere);
          for (int round = 0; round < rounds; ++round) {
            static const std::byte nothing{};
            const domain::IndexBox none;
            const domain::FieldBoxBase* box = round < f.box_count() ? &f.box(round) : nullptr;
            Selection s = select(w.datasets[i].get(), box ? box->interior() : none, box ? box->allocated() : none, dims,
                                 decomposition.global_box(), dwhere);
            const void* data = box && !box->interior().empty() ? static_cast<const void*>(box->bytes()) : &nothing;
            PARLAYER_H5_CHECK(H5Dwrite(w.datasets[i].get(), memory_type(f.element_type()), s.memory.get(),
                                       s.file.get(), dxpl.get(), data),
                              dwhere);
          }
        })))
      throw fail(*why);
  }

  // 9. Close on every rank: only a successful close means the data and metadata are in the file.
  if (Failure why = agree(comm, attempt([&] {
        for (std::size_t i = 0; i < w.datasets.size(); ++i)
          w.datasets[i].close("dataset /fields/" + info.fields[i].name + " of " + file_where);
        w.datasets.clear();
        w.group.close("group /fields of " + file_where);
        w.file.close(file_where);
      })))
    throw fail(*why);

  const auto discard = [&](const std::string& why) {
    return error(why + remove_temporaries(comm, rank, temporary, reservation));
  };

  // 10. Verify what is in the file, as a reader will see it.
  std::vector<FieldSpec> all;
  for (const FieldRecord& r : info.fields) all.push_back({r.name, r.type});
  if (options.verify_data) {
    try {
      const SnapshotInfo back = detail::read_snapshot_info(temporary, comm, decomposition, all, {});
      for (std::size_t i = 0; i < info.fields.size(); ++i)
        if (back.fields[i].checksum != info.fields[i].checksum)
          throw CollectiveError("field '" + info.fields[i].name + "' has checksum attribute " +
                                hex(back.fields[i].checksum) + ", expected " + hex(info.fields[i].checksum));
    } catch (const CollectiveError& e) {  // agreed on every rank
      throw discard(std::string("verifying the written file: ") + e.what());
    }
  }

  // 11. Commit on rank 0: (check the metadata,) fsync, rename, fsync the folder.
  parallel::RootResult committed = parallel::on_root(comm, [&] {
    bool renamed = false;
    try {
      if (!options.verify_data) {
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
      }
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
