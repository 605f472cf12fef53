#include "parlayer/parallel/interop.hpp"
#include "parlayer/parallel/mpi_check.hpp"

#include <string>

namespace parlayer::parallel {

int world_rank() noexcept {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (!initialized || finalized) return -1;
  int rank = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

void check_mpi(int rc, const char* call, const char* file, int line) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  if (MPI_Error_string(rc, text, &length) != MPI_SUCCESS) length = 0;
  throw MpiError(std::string(call) + " failed on rank " + std::to_string(world_rank()) + ": " +
                     std::string(text, static_cast<std::size_t>(length)) + " (" + file + ":" +
                     std::to_string(line) + ")",
                 rc);
}

}  // namespace parlayer::parallel
