#pragma once
// Internal to the checkpoint module: the POSIX steps of the commit protocol and the names of
// temporary files. All functions are Local and throw parlayer::Error naming the call and path.
#include <cstdint>
#include <filesystem>
#include <string>

namespace parlayer::checkpoint::detail {

/// ".<file name>.tmp-": every temporary of the snapshot `final_name` starts with this.
std::string temporary_prefix(const std::string& final_name);

/// A token unique to this write: the batch job id (if any), the pid and 64 random bits.
std::string unique_token();

/// open + fsync + close of a regular file (its data and metadata reach the disk).
void fsync_file(const std::filesystem::path& file);

/// open(O_DIRECTORY) + fsync + close: makes a rename or unlink in `folder` durable.
void fsync_folder(const std::filesystem::path& folder);

/// rename(2), atomic within one file system; replaces `to` if it exists.
void rename_file(const std::filesystem::path& from, const std::filesystem::path& to);

/// Removes `file` if present; returns "" or the reason it could not be removed. Never throws.
std::string remove_quietly(const std::filesystem::path& file) noexcept;

/// strerror(errno) as a std::string.
std::string errno_text(int error);

}  // namespace parlayer::checkpoint::detail

namespace parlayer::checkpoint::detail {

/// Whether the file system could reserve space.
enum class Reserved { yes, unsupported };

/// Creates `file` (which must not exist) and allocates `bytes` of disk space for it
/// (fallocate(2)), so that later writes within that size cannot fail for lack of space.
/// \return Reserved::unsupported (and no file) where the file system cannot preallocate.
/// \throws parlayer::Error (and leaves no file) if the space is not available (ENOSPC, EDQUOT).
Reserved reserve_new_file(const std::filesystem::path& file, std::uint64_t bytes);

/// Allocates disk space for the first `bytes` bytes of the existing `file` (extending its size
/// to at least `bytes`). Same results as reserve_new_file.
Reserved reserve_existing_file(const std::filesystem::path& file, std::uint64_t bytes);

}  // namespace parlayer::checkpoint::detail
