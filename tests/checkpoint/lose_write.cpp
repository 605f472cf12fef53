// LD_PRELOAD shim for the checkpoint shell tests (check_places torn): an I/O stack that loses data
// without saying so, as Open MPI's ompio was seen to do on a full disk. In each process, the first
// write of at least PARLAYER_LOSE_WRITE_MIN bytes (default 4096) into a snapshot temporary
// (".h5.tmp-" in its path, not the ".reserve" file) is not performed, and reported as complete.
// Every other write goes through unchanged.
#include <dlfcn.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

std::atomic<bool> lost{false};

bool lose(int fd, std::size_t bytes) {
  static const std::size_t minimum = [] {
    const char* v = std::getenv("PARLAYER_LOSE_WRITE_MIN");
    return v ? std::size_t(std::strtoull(v, nullptr, 10)) : std::size_t{4096};
  }();
  if (bytes < minimum || lost.load()) return false;
  char link[64], target[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = ::readlink(link, target, sizeof target - 1);
  if (n <= 0) return false;
  target[n] = '\0';
  if (!std::strstr(target, ".h5.tmp-") || std::strstr(target, ".reserve")) return false;
  return !lost.exchange(true);
}

std::size_t total(const struct iovec* iov, int count) {
  std::size_t n = 0;
  for (int i = 0; i < count; ++i) n += iov[i].iov_len;
  return n;
}

template <class F>
F next(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  if (lose(fd, count)) return ssize_t(count);
  static auto real = next<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite");
  return real(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off_t offset) {
  if (lose(fd, count)) return ssize_t(count);
  static auto real = next<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite64");
  return real(fd, buf, count, offset);
}

ssize_t write(int fd, const void* buf, size_t count) {
  if (lose(fd, count)) return ssize_t(count);
  static auto real = next<ssize_t (*)(int, const void*, size_t)>("write");
  return real(fd, buf, count);
}

ssize_t pwritev(int fd, const struct iovec* iov, int count, off_t offset) {
  if (lose(fd, total(iov, count))) return ssize_t(total(iov, count));
  static auto real = next<ssize_t (*)(int, const struct iovec*, int, off_t)>("pwritev");
  return real(fd, iov, count, offset);
}

ssize_t pwritev64(int fd, const struct iovec* iov, int count, off_t offset) {
  if (lose(fd, total(iov, count))) return ssize_t(total(iov, count));
  static auto real = next<ssize_t (*)(int, const struct iovec*, int, off_t)>("pwritev64");
  return real(fd, iov, count, offset);
}

ssize_t writev(int fd, const struct iovec* iov, int count) {
  if (lose(fd, total(iov, count))) return ssize_t(total(iov, count));
  static auto real = next<ssize_t (*)(int, const struct iovec*, int)>("writev");
  return real(fd, iov, count);
}

}  // extern "C"
