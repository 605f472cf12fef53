#pragma once
/// \file
/// \brief The seam between parlayer and MPI: include this to pass an MPI_Comm where parlayer takes
///        a parallel::Comm, or to use a Comm in an MPI call.
///
///     #include "parlayer/parallel/interop.hpp"
///     parlayer::parallel::Comm comm = MPI_COMM_WORLD;
///     MPI_Comm raw = comm;
///
/// This is the only public header that includes <mpi.h>; every other one compiles without MPI's
/// include path (tests/build checks that), which is what a C or Fortran binding wraps.
#include <mpi.h>

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "parlayer/parallel/comm.hpp"

namespace parlayer::parallel::detail {

/// \brief MPI_Comm <-> the bits a Comm stores. MPI_COMM_NULL is 0; any other handle keeps its own
///        bits (a pointer in Open MPI, an int in MPICH), so converting costs nothing.
template <>
struct CommHandle<MPI_Comm> {
  static_assert(sizeof(MPI_Comm) <= sizeof(std::uintptr_t) && std::is_trivially_copyable_v<MPI_Comm>,
                "parallel::Comm stores an MPI_Comm in a std::uintptr_t");

  static std::uintptr_t to_bits(MPI_Comm comm) noexcept {
    if (comm == MPI_COMM_NULL) return 0;
    std::uintptr_t bits = 0;
    std::memcpy(&bits, &comm, sizeof comm);
    return bits;
  }

  static MPI_Comm from_bits(std::uintptr_t bits) noexcept {
    if (bits == 0) return MPI_COMM_NULL;
    MPI_Comm comm;
    std::memcpy(&comm, &bits, sizeof comm);
    return comm;
  }
};

}  // namespace parlayer::parallel::detail
