#pragma once
/// \file
/// \brief parallel::Communicator: a move-only owner of a communicator parlayer creates.
///
/// The destructor frees the communicator (MPI_Comm_free) and never throws: a failure there is
/// reported on stderr. A moved-from owner holds the null Comm.
#include "parlayer/parallel/comm.hpp"

namespace parlayer::parallel {

/// \brief An owned communicator (created by MPI_Comm_dup). Collective to create and destroy.
class Communicator {
public:
  Communicator() = default;
  /// \brief Duplicates `parent` (MPI_Comm_dup), so parlayer's messages never match the user's.
  ///        Collective over `parent`.
  explicit Communicator(Comm parent);
  /// \brief The ranks of `parent` passing the same `color` get a new communicator together
  ///        (MPI_Comm_split), ordered by `key`, then by their rank in `parent`; a rank passing
  ///        MPI_UNDEFINED gets an empty owner (get().is_null()). Collective over `parent`.
  /// \throws MpiError if MPI_Comm_split fails.
  static Communicator split(Comm parent, int color, int key);
  ~Communicator();
  Communicator(Communicator&& other) noexcept;
  Communicator& operator=(Communicator&& other) noexcept;
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  /// \brief The owned handle (the null Comm for an empty owner).
  Comm get() const noexcept { return m_comm; }
  /// \brief False for an empty owner (default-constructed, moved from, or split with MPI_UNDEFINED).
  explicit operator bool() const noexcept { return !m_comm.is_null(); }
  int rank() const;
  int size() const;

private:
  Comm m_comm;
};

}  // namespace parlayer::parallel
