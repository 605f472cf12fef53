#pragma once
/// \file
/// \brief parallel::Comm: the communicator every parlayer call takes, without MPI's header.
///
///     #include "parlayer/parallel/interop.hpp"         // C++ callers that hold an MPI_Comm
///     halo::HaloExchange exchange(plan, MPI_COMM_WORLD);  // an MPI_Comm converts to a Comm
///     MPI_Barrier(exchange_comm);                        // and a Comm back to an MPI_Comm
///
///     parallel::Comm comm = parallel::Comm::from_fortran(fortran_handle);  // C and Fortran callers
///
/// Comm is a value: copying it copies the handle, never the communicator (it owns nothing; see
/// Communicator for an owner). It is what lets the public headers stay free of MPI's header, so a C or
/// Fortran binding, or a program built without MPI's include path, can use them.
///
/// The conversions to and from MPI_Comm are templates that only accept MPI_Comm, and only where
/// parlayer/parallel/interop.hpp (the one public header that includes MPI's) has been included.
/// Without it they do not exist, so a call that needs one fails to compile instead of guessing.
#include <concepts>
#include <cstdint>

namespace parlayer::parallel {

namespace detail {
/// \brief How a handle type maps to and from the bits a Comm stores. Specialised for MPI_Comm in
///        parlayer/parallel/interop.hpp; there is no other specialisation.
template <class Handle>
struct CommHandle;

template <class Handle>
concept comm_handle = requires(Handle handle, std::uintptr_t bits) {
  { CommHandle<Handle>::to_bits(handle) } noexcept -> std::same_as<std::uintptr_t>;
  { CommHandle<Handle>::from_bits(bits) } noexcept -> std::same_as<Handle>;
};
}  // namespace detail

/// \brief A communicator handle (an MPI_Comm by value). Default-constructed: MPI_COMM_NULL.
class Comm {
public:
  /// \brief The null communicator (MPI_COMM_NULL).
  constexpr Comm() noexcept = default;

  /// \brief From an MPI_Comm (needs parlayer/parallel/interop.hpp). Local, no MPI call.
  template <detail::comm_handle Handle>
  Comm(Handle handle) noexcept  // NOLINT(google-explicit-constructor): MPI_Comm converts implicitly
      : m_bits(detail::CommHandle<Handle>::to_bits(handle)) {}

  /// \brief Back to an MPI_Comm (needs parlayer/parallel/interop.hpp). Local, no MPI call.
  template <detail::comm_handle Handle>
  operator Handle() const noexcept {  // NOLINT(google-explicit-constructor)
    return detail::CommHandle<Handle>::from_bits(m_bits);
  }

  /// \brief From a Fortran communicator handle (an `integer`, MPI_Comm_f2c). Local.
  static Comm from_fortran(int handle) noexcept;
  /// \brief The Fortran handle of this communicator (MPI_Comm_c2f). Local.
  int to_fortran() const noexcept;

  /// \brief MPI_COMM_WORLD. Local; valid between MPI_Init and MPI_Finalize.
  static Comm world() noexcept;

  /// \brief True for MPI_COMM_NULL.
  constexpr bool is_null() const noexcept { return m_bits == 0; }
  /// \brief This rank's rank in the communicator (MPI_Comm_rank). Local.
  /// \throws MpiError if the handle is not a valid communicator.
  int rank() const;
  /// \brief The number of ranks (MPI_Comm_size). Local.
  /// \throws MpiError if the handle is not a valid communicator.
  int size() const;

  /// \brief The same handle (not: congruent communicators).
  friend constexpr bool operator==(const Comm&, const Comm&) noexcept = default;

private:
  std::uintptr_t m_bits = 0;  // the handle's bits; 0 is MPI_COMM_NULL, whatever MPI's value for it
};

}  // namespace parlayer::parallel
