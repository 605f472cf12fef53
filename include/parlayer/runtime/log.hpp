#pragma once
/// \file
/// \brief Logging from rank 0, and the small formatting helpers progress lines need.
///
/// Every rank may call Log's functions (they are Local); only the communicator's rank 0 prints, so
/// a program reads like serial code and the job's output is not multiplied by the rank count.
/// Lines go to stdout (info) or stderr (warning), flushed at once so they interleave sensibly with
/// MPI launchers' forwarding.
#include <string>
#include <string_view>

#include "parlayer/parallel/comm.hpp"

namespace parlayer::runtime {

/// \brief Rank-0 logger over one communicator. Cheap to copy.
class Log {
public:
  /// \brief Local (asks the communicator for the rank).
  explicit Log(parallel::Comm comm);
  /// \brief True on the rank that prints.
  bool is_root() const noexcept { return m_root; }
  /// \brief Prints `text` and a newline on stdout (rank 0 only). Local.
  void info(std::string_view text) const;
  /// \brief Prints "warning: <text>" on stderr (rank 0 only). Local.
  void warning(std::string_view text) const;
  /// \brief Prints `text` as is (several lines, e.g. the echoed config) on stdout (rank 0). Local.
  void block(std::string_view text) const;

private:
  bool m_root = false;
};

/// \brief printf-style formatting into a std::string.
[[gnu::format(printf, 1, 2)]] std::string format(const char* fmt, ...);

/// \brief A wall-clock duration for humans: "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min".
std::string format_duration(double seconds);

/// \brief A model time for humans: seconds below an hour, then hours, then days ("2.50 d").
std::string format_model_time(double seconds);

/// \brief A rate with an SI prefix: format_rate(1.2e7, "cell/s") = "12.0 Mcell/s".
std::string format_rate(double per_second, const char* unit);

}  // namespace parlayer::runtime
