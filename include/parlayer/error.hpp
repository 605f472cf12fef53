#pragma once
/// \file
/// \brief The exception types every parlayer module throws.
///
/// Two kinds of failure need different handling in an MPI job:
///  - a **collective** error is detected identically on every rank of a communicator (a bad config
///    key, an impossible decomposition, a snapshot that every rank agreed is invalid). The job can
///    report it once, from rank 0, and every rank exits cleanly with a non-zero code.
///  - any other error may have hit one rank only. The others could be waiting for it inside a
///    collective, so the only safe reaction is to abort the whole job (parallel::Environment does).
#include <stdexcept>
#include <string>

namespace parlayer {

/// \brief Base class of all parlayer errors. Message: one line, naming the call, file or key.
class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// \brief An error thrown at the same point on every rank of the communicator in use.
///
/// Throw it only where every rank is guaranteed to reach the same verdict (inputs known to all
/// ranks, or a verdict already agreed through a reduction). parallel::guarded_main() prints it once
/// from rank 0 and exits with exit_code() on every rank, without MPI_Abort's multi-line banner.
class CollectiveError : public Error {
public:
  explicit CollectiveError(const std::string& message, int exit_code = 2)
      : Error(message), m_exit_code(exit_code) {}
  /// \brief The process exit code the job should end with.
  int exit_code() const noexcept { return m_exit_code; }

private:
  int m_exit_code;
};

}  // namespace parlayer
