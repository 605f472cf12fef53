#include "parlayer/runtime/log.hpp"

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <vector>

#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::runtime {

Log::Log(parallel::Comm comm) {
  int rank = 0;
  PARLAYER_MPI_CHECK(MPI_Comm_rank(comm, &rank));
  m_root = rank == 0;
}

void Log::info(std::string_view text) const {
  if (!m_root) return;
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void Log::warning(std::string_view text) const {
  if (!m_root) return;
  std::fputs("warning: ", stderr);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

void Log::block(std::string_view text) const {
  if (!m_root) return;
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (!text.empty() && text.back() != '\n') std::fputc('\n', stdout);
  std::fflush(stdout);
}

std::string format(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  va_list copy;
  va_copy(copy, args);
  const int n = std::vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  std::string out;
  if (n > 0) {
    std::vector<char> buffer(static_cast<std::size_t>(n) + 1);
    std::vsnprintf(buffer.data(), buffer.size(), fmt, args);
    out.assign(buffer.data(), static_cast<std::size_t>(n));
  }
  va_end(args);
  return out;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  if (seconds < 1.0) return format("%.0f ms", seconds * 1e3);
  if (seconds < 60.0) return format("%.1f s", seconds);
  const long s = std::lround(seconds);
  if (s < 3600) return format("%ld min %02ld s", s / 60, s % 60);
  return format("%ld h %02ld min", s / 3600, (s % 3600) / 60);
}

std::string format_model_time(double seconds) {
  if (std::fabs(seconds) < 3600.0) return format("%.0f s", seconds);
  if (std::fabs(seconds) < 86400.0) return format("%.2f h", seconds / 3600.0);
  return format("%.2f d", seconds / 86400.0);
}

std::string format_rate(double per_second, const char* unit) {
  static const char* const prefix[] = {"", "k", "M", "G", "T"};
  int p = 0;
  while (p < 4 && std::fabs(per_second) >= 1000.0) per_second /= 1000.0, ++p;
  return format("%.1f %s%s", per_second, prefix[p], unit);
}

}  // namespace parlayer::runtime
