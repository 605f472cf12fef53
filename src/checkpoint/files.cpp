#include "files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <system_error>

#include "parlayer/error.hpp"

namespace parlayer::checkpoint::detail {

void log_on_root(int rank, const std::function<void(const std::string&)>& sink, const std::string& line) {
  if (rank != 0) return;
  if (sink) {
    sink(line);
  } else {
    std::fprintf(stderr, "parlayer checkpoint: %s\n", line.c_str());
    std::fflush(stderr);
  }
}

std::string errno_text(int error) { return std::generic_category().message(error); }

std::string temporary_prefix(const std::string& final_name) { return "." + final_name + ".tmp-"; }

std::string unique_token() {
  std::string token;
  for (const char* var : {"SLURM_JOB_ID", "PBS_JOBID", "LSB_JOBID"})
    if (const char* id = std::getenv(var); id && *id) {
      for (const char* c = id; *c && token.size() < 24; ++c)
        if (std::isalnum(static_cast<unsigned char>(*c))) token += *c;
      token = "j" + token + "-";
      break;
    }
  std::random_device device;
  const unsigned long long bits = (static_cast<unsigned long long>(device()) << 32) ^ device();
  char text[64];
  std::snprintf(text, sizeof text, "p%ld-%016llx", static_cast<long>(getpid()), bits);
  return token + text;
}

namespace {

void fsync_path(const std::filesystem::path& p, int flags, const char* what) {
  const int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0) throw Error(std::string("open(") + what + " '" + p.string() + "') failed: " + errno_text(errno));
  if (::fsync(fd) != 0) {
    const int e = errno;
    ::close(fd);
    // Some file systems cannot fsync a folder (EINVAL): nothing more can be done there.
    if (!(flags & O_DIRECTORY && (e == EINVAL || e == ENOTSUP)))
      throw Error(std::string("fsync(") + what + " '" + p.string() + "') failed: " + errno_text(e));
    return;
  }
  if (::close(fd) != 0)
    throw Error(std::string("close(") + what + " '" + p.string() + "') failed: " + errno_text(errno));
}

}  // namespace

void fsync_file(const std::filesystem::path& file) { fsync_path(file, O_RDONLY, "file"); }

void start_writeback(const std::filesystem::path& file) noexcept {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);  // a hint: errors show at the fsync
  ::close(fd);
}

void fsync_folder(const std::filesystem::path& folder) {
  fsync_path(folder, O_RDONLY | O_DIRECTORY, "folder");
}

void rename_file(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (std::rename(from.c_str(), to.c_str()) != 0)
    throw Error("rename('" + from.string() + "', '" + to.string() + "') failed: " + errno_text(errno));
}

namespace {

// What a reservation needs to name in its errors.
struct Target {
  int fd;
  const std::filesystem::path& file;
  std::uint64_t bytes;

  [[noreturn]] void fail(const std::string& call, int error) const {
    throw Error("cannot reserve " + std::to_string(bytes) + " bytes for '" + file.string() + "': " + call +
                " failed: " + errno_text(error));
  }
};

// fallocate(fd, 0, 0, bytes): true if the space is allocated, false if the file system cannot
// preallocate (EOPNOTSUPP, ENOSYS); any other failure (ENOSPC, EDQUOT, EIO, ...) throws.
bool try_fallocate(const Target& t) {
  int rc;
  do rc = ::fallocate(t.fd, 0, 0, static_cast<off_t>(t.bytes));
  while (rc != 0 && errno == EINTR);
  if (rc == 0) return true;
  const int e = errno;
  if (e == EOPNOTSUPP || e == ENOSYS) return false;
  t.fail("fallocate", e);
}

// Writes zeros to [from, to) of the file. A short write continues where it stopped; a write that
// makes no progress is reported as ENOSPC (what the file system would have said).
void write_zeros(const Target& t, std::uint64_t from, std::uint64_t to) {
  static constexpr std::size_t block = 1 << 20;
  static const char zeros[block] = {};
  while (from < to) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(block - from % block, to - from));
    const ssize_t written = ::pwrite(t.fd, zeros, n, static_cast<off_t>(from));
    if (written < 0) {
      if (errno == EINTR) continue;
      t.fail("writing zeros (the file system does not support fallocate)", errno);
    }
    if (written == 0) t.fail("writing zeros (the file system does not support fallocate)", ENOSPC);
    from += static_cast<std::uint64_t>(written);
  }
}

// Writes zeros into every hole of [0, end) (bytes never written occupy no blocks); data already
// in the file is left alone. Where the file system cannot tell holes from data (SEEK_HOLE gives
// EINVAL on old kernels), nothing is written: the generic SEEK_HOLE reports no holes either.
void fill_holes(const Target& t, std::uint64_t end) {
  std::uint64_t pos = 0;
  while (pos < end) {
    const off_t hole = ::lseek(t.fd, static_cast<off_t>(pos), SEEK_HOLE);
    if (hole < 0) {
      if (errno == EINVAL || errno == ENXIO) return;  // unsupported / pos beyond the end
      t.fail("lseek(SEEK_HOLE)", errno);
    }
    if (static_cast<std::uint64_t>(hole) >= end) return;
    off_t data = ::lseek(t.fd, hole, SEEK_DATA);
    if (data < 0) {
      if (errno != ENXIO) t.fail("lseek(SEEK_DATA)", errno);
      data = static_cast<off_t>(end);  // ENXIO: no data after the hole
    }
    const std::uint64_t stop = std::min<std::uint64_t>(static_cast<std::uint64_t>(data), end);
    write_zeros(t, static_cast<std::uint64_t>(hole), stop);
    pos = stop;
  }
}

// Allocates [0, bytes) of the open file: fallocate, or zeros into what is not written yet + fsync
// (a network or delayed-allocation file system may only report ENOSPC when the data is flushed).
void allocate(const Target& t) {
  if (t.bytes == 0 || try_fallocate(t)) return;
  struct stat st {};
  if (::fstat(t.fd, &st) != 0) t.fail("fstat", errno);
  const std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
  fill_holes(t, std::min(size, t.bytes));
  if (size < t.bytes) write_zeros(t, size, t.bytes);
  if (::fsync(t.fd) != 0) t.fail("fsync (after writing zeros)", errno);
}

// close(2), checked: on some file systems (NFS) a failed write-back is only reported here.
void close_checked(const Target& t) {
  if (::close(t.fd) != 0) t.fail("close", errno);
}

}  // namespace

void reserve_new_file(const std::filesystem::path& file, std::uint64_t bytes) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw Error("open('" + file.string() + "') failed: " + errno_text(errno));
  const Target t{fd, file, bytes};
  // On failure the file goes again; if even that fails, the message says so.
  const auto discard = [&](const Error& e) {
    if (const std::string failed = remove_quietly(file); !failed.empty())
      throw Error(std::string(e.what()) + "; the reservation file could not be removed: " + failed);
  };
  try {
    allocate(t);
  } catch (const Error& e) {
    ::close(fd);  // unchecked: the error being reported is the allocation's
    discard(e);
    throw;
  }
  try {
    close_checked(t);
  } catch (const Error& e) {
    discard(e);
    throw;
  }
}

void reserve_existing_file(const std::filesystem::path& file, std::uint64_t bytes) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw Error("open('" + file.string() + "') failed: " + errno_text(errno));
  const Target t{fd, file, bytes};
  try {
    allocate(t);
  } catch (...) {
    ::close(fd);  // the error being reported is the allocation's
    throw;
  }
  close_checked(t);
}

std::string remove_quietly(const std::filesystem::path& file) noexcept {
  try {
    if (::unlink(file.c_str()) == 0 || errno == ENOENT) return {};
    return "unlink('" + file.string() + "') failed: " + errno_text(errno);
  } catch (...) {
    return "unlink failed";
  }
}

}  // namespace parlayer::checkpoint::detail
