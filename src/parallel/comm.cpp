#include "parlayer/parallel/comm.hpp"

#include "parlayer/parallel/interop.hpp"
#include "parlayer/parallel/mpi_check.hpp"

namespace parlayer::parallel {

static_assert(sizeof(MPI_Fint) == sizeof(int), "Comm::from_fortran takes the Fortran handle as an int");

Comm Comm::from_fortran(int handle) noexcept { return MPI_Comm_f2c(static_cast<MPI_Fint>(handle)); }

int Comm::to_fortran() const noexcept { return static_cast<int>(MPI_Comm_c2f(*this)); }

Comm Comm::world() noexcept { return MPI_COMM_WORLD; }

int Comm::rank() const {
  int rank = -1;
  PARLAYER_MPI_CHECK(MPI_Comm_rank(*this, &rank));
  return rank;
}

int Comm::size() const {
  int size = 0;
  PARLAYER_MPI_CHECK(MPI_Comm_size(*this, &size));
  return size;
}

}  // namespace parlayer::parallel
