#include "files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <system_error>

#include "parlayer/error.hpp"

namespace parlayer::checkpoint::detail {

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

void fsync_folder(const std::filesystem::path& folder) {
  fsync_path(folder, O_RDONLY | O_DIRECTORY, "folder");
}

void rename_file(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (std::rename(from.c_str(), to.c_str()) != 0)
    throw Error("rename('" + from.string() + "', '" + to.string() + "') failed: " + errno_text(errno));
}

namespace {

Reserved allocate(int fd, const std::filesystem::path& file, std::uint64_t bytes) {
  if (bytes == 0) return Reserved::yes;
  int rc;
  do rc = ::fallocate(fd, 0, 0, static_cast<off_t>(bytes));
  while (rc != 0 && errno == EINTR);
  if (rc == 0) return Reserved::yes;
  const int e = errno;
  if (e == EOPNOTSUPP || e == ENOSYS) return Reserved::unsupported;
  throw Error("cannot reserve " + std::to_string(bytes) + " bytes for '" + file.string() +
              "': fallocate failed: " + errno_text(e));
}

}  // namespace

Reserved reserve_new_file(const std::filesystem::path& file, std::uint64_t bytes) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw Error("open('" + file.string() + "') failed: " + errno_text(errno));
  Reserved r = Reserved::unsupported;
  try {
    r = allocate(fd, file, bytes);
  } catch (...) {
    ::close(fd);
    ::unlink(file.c_str());
    throw;
  }
  ::close(fd);
  if (r == Reserved::unsupported) ::unlink(file.c_str());
  return r;
}

Reserved reserve_existing_file(const std::filesystem::path& file, std::uint64_t bytes) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw Error("open('" + file.string() + "') failed: " + errno_text(errno));
  Reserved r = Reserved::unsupported;
  try {
    r = allocate(fd, file, bytes);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return r;
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
