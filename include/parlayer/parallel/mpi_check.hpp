#pragma once
/// \file
/// \brief Checked MPI calls: a failing MPI call becomes a parlayer::parallel::MpiError.
///
///     PARLAYER_MPI_CHECK(MPI_Isend(buf, n, MPI_BYTE, peer, tag, comm, &request));
///
/// The message names the call as written, the source location, the rank (in MPI_COMM_WORLD) and
/// MPI's own error string. Communicators parlayer creates return errors instead of aborting
/// (Environment sets MPI_ERRORS_RETURN on MPI_COMM_WORLD, and duplicates inherit it).
#include <string>

#include "parlayer/error.hpp"

namespace parlayer::parallel {

/// \brief An MPI call returned something other than MPI_SUCCESS.
class MpiError : public Error {
public:
  MpiError(const std::string& message, int error_code) : Error(message), m_error_code(error_code) {}
  /// \brief The MPI error code the call returned.
  int error_code() const noexcept { return m_error_code; }

private:
  int m_error_code;
};

/// \brief Throws MpiError if rc != MPI_SUCCESS. Local. Prefer the PARLAYER_MPI_CHECK macro.
void check_mpi(int rc, const char* call, const char* file, int line);

/// \brief This process's rank in MPI_COMM_WORLD, or -1 before MPI_Init / after MPI_Finalize. Local.
int world_rank() noexcept;

}  // namespace parlayer::parallel

#define PARLAYER_MPI_CHECK(call) ::parlayer::parallel::check_mpi((call), #call, __FILE__, __LINE__)
