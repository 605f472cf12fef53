#pragma once
// Internal to the checkpoint module: the POSIX steps of the commit protocol and the names of
// temporary files. All functions are Local and throw parlayer::Error naming the call and path.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace parlayer::checkpoint::detail {

/// ".<file name>.tmp-": every temporary of the snapshot `final_name` starts with this.
std::string temporary_prefix(const std::string& final_name);

/// A token unique to this write: the batch job id (if any), the pid and 64 random bits.
std::string unique_token();

/// open + fsync + close of a regular file (its data and metadata reach the disk).
void fsync_file(const std::filesystem::path& file);

/// Starts writing the file's dirty pages to the device without waiting (sync_file_range
/// SYNC_FILE_RANGE_WRITE), so that a later fsync finds less to do. A hint: never fails.
void start_writeback(const std::filesystem::path& file) noexcept;

/// open(O_DIRECTORY) + fsync + close: makes a rename or unlink in `folder` durable.
void fsync_folder(const std::filesystem::path& folder);

/// rename(2), atomic within one file system; replaces `to` if it exists.
void rename_file(const std::filesystem::path& from, const std::filesystem::path& to);

/// Removes `file` if present; returns "" or the reason it could not be removed. Never throws.
std::string remove_quietly(const std::filesystem::path& file) noexcept;

/// strerror(errno) as a std::string.
std::string errno_text(int error);

/// One line of a checkpoint log, on rank 0 only: to `sink` if set, else to stderr with the prefix
/// "parlayer checkpoint: " (SnapshotSeries and Checkpointer). Local.
void log_on_root(int rank, const std::function<void(const std::string&)>& sink, const std::string& line);

}  // namespace parlayer::checkpoint::detail

namespace parlayer::checkpoint::detail {

// Space reservation. Both functions guarantee, when they return, that the disk blocks for the
// first `bytes` bytes of the file are allocated, so later writes within that range cannot fail
// for lack of space (ENOSPC, EDQUOT): fallocate(2) where the file system supports it; where it
// does not (EOPNOTSUPP, ENOSYS: ext2/ext3 files, some NFS and FUSE mounts, ...) by writing zeros
// and fsync, so that a full disk or quota is reported here and not by a later write. There is no
// "not reserved" outcome: the write protocol relies on the space being there (docs/checkpoint.md).

/// Creates `file` (which must not exist) and reserves `bytes` of disk space for it.
/// \throws parlayer::Error (and leaves no file) if the space is not available or a call fails.
void reserve_new_file(const std::filesystem::path& file, std::uint64_t bytes);

/// Reserves disk space for the first `bytes` bytes of the existing `file`, extending its size
/// to at least `bytes`. Bytes already written are never changed: without fallocate, zeros go only
/// into the range beyond the file's current size and into holes (SEEK_HOLE) below it.
/// \throws parlayer::Error if the space is not available or a call fails (the file stays).
void reserve_existing_file(const std::filesystem::path& file, std::uint64_t bytes);

}  // namespace parlayer::checkpoint::detail
