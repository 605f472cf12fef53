#include "parlayer/runtime/files.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <set>
#include <string>
#include <system_error>
#include <utility>

#include "parlayer/error.hpp"
#include "parlayer/parallel/collective.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::runtime {

namespace {

// "2026-11-28 10:31:02 UTC"
std::string now_utc() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[64] = {};
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &utc);
  return text;
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "?";
  return name;
}

// The first line of the lock file (who holds it), printable, or a note that it is empty.
std::string holder_of(int fd) {
  char buffer[512] = {};
  const ssize_t n = pread(fd, buffer, sizeof buffer - 1, 0);
  std::string line;
  for (ssize_t i = 0; i < n && buffer[i] != '\n'; ++i) {
    const auto c = static_cast<unsigned char>(buffer[i]);
    line += c < 0x20 || c == 0x7f ? '?' : buffer[i];
  }
  return line.empty() ? "a run that has not written its pid yet" : line;
}

}  // namespace

void ensure_folder(const std::filesystem::path& folder, parallel::Comm comm) {
  const parallel::RootResult made = parallel::on_root(comm, [&] {
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) throw Error(ec.message());
    if (!std::filesystem::is_directory(folder, ec)) throw Error("it exists and is not a folder");
    return std::string();
  });
  if (made.failure)
    throw CollectiveError("cannot create output folder '" + folder.string() + "': " + *made.failure);
}

FolderLock::FolderLock(const std::vector<Folder>& folders, parallel::Comm comm, const std::string& holder) {
  const parallel::RootResult locked = parallel::on_root(comm, [&] {
    std::string warning;
    auto cannot = [&](const Folder& f, const std::string& why) {
      if (warning.empty()) warning = "cannot lock the " + f.what + " '" + f.path.string() + "' (" + why +
                                     "): nothing keeps a second run from writing into it at the same time";
    };
    std::set<std::pair<dev_t, ino_t>> seen;
    const std::string line = "pid " + std::to_string(getpid()) + " on host " + host_name() + ", started " +
                             now_utc() + " (" + holder + ")\n";
    try {
      for (const Folder& f : folders) {
        std::error_code ec;
        std::filesystem::create_directories(f.path, ec);
        struct stat folder_stat {};
        if (ec || stat(f.path.c_str(), &folder_stat) != 0 || !S_ISDIR(folder_stat.st_mode))
          continue;  // the folder's writer reports it, with its own message
        if (!seen.insert({folder_stat.st_dev, folder_stat.st_ino}).second) continue;  // the same folder again
        const std::filesystem::path file = f.path / lock_file_name;
        const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
          if (errno != EROFS && errno != EACCES) cannot(f, std::strerror(errno));  // else its writer reports it
          continue;
        }
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
          const int error = errno;
          if (error == EWOULDBLOCK) {
            const std::string other = holder_of(fd);
            ::close(fd);
            throw Error(f.what + " '" + f.path.string() + "' (" + f.key + ") is in use by another run: " + other +
                        "; lock file " + file.string() + "; wait for it to end (or stop it), or use another " +
                        f.key);
          }
          ::close(fd);
          cannot(f, std::string("flock: ") + std::strerror(error));
          continue;
        }
        m_descriptors.push_back(fd);
        // Who holds it, for the message a second run gives. Best effort: the flock is what counts.
        const bool described = ::ftruncate(fd, 0) == 0 && ::pwrite(fd, line.data(), line.size(), 0) == ssize_t(line.size());
        static_cast<void>(described);
      }
    } catch (...) {
      release();
      throw;
    }
    return warning;
  });
  if (locked.failure) throw CollectiveError(*locked.failure);
  m_warning = locked.payload;
}

FolderLock::~FolderLock() { release(); }

FolderLock::FolderLock(FolderLock&& other) noexcept
    : m_descriptors(std::exchange(other.m_descriptors, {})), m_warning(std::move(other.m_warning)) {}

FolderLock& FolderLock::operator=(FolderLock&& other) noexcept {
  if (this != &other) {
    release();
    m_descriptors = std::exchange(other.m_descriptors, {});
    m_warning = std::move(other.m_warning);
  }
  return *this;
}

void FolderLock::release() noexcept {
  for (const int fd : m_descriptors) ::close(fd);  // closing the last descriptor drops the flock
  m_descriptors.clear();
}

}  // namespace parlayer::runtime
