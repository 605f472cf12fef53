#pragma once
/// \file
/// \brief The hand-written baseline: a 2D 5-point Jacobi in plain MPI and plain arrays, no
///        parlayer code at all (reference_jacobi.cpp is self-contained). The library's path for the
///        same problem is measured against it to give the library/reference ratio.
#include <memory>

#include "parlayer/parallel/interop.hpp"

namespace parlayer::bench {

/// \brief 5-point Jacobi on an nx x ny grid split into row blocks over `comm` (the block sizes
///        parlayer's Decomposition gives a 1 x P process grid), ghosts zero at the walls.
class ReferenceJacobi2D {
public:
  /// \brief Collective over `comm` (it is duplicated).
  ReferenceJacobi2D(MPI_Comm comm, int nx, int ny);
  ~ReferenceJacobi2D();
  ReferenceJacobi2D(const ReferenceJacobi2D&) = delete;
  ReferenceJacobi2D& operator=(const ReferenceJacobi2D&) = delete;

  /// \brief Back to the initial condition (the same values as the library path's). Local.
  void reset();
  /// \brief Runs `steps` steps; with `overlap`, Isend/Irecv then the rows that need no ghost while
  ///        the messages fly, else MPI_Sendrecv first. \return the slowest rank's seconds per step.
  ///        Collective.
  double run(int steps, bool overlap);
  /// \brief Sum of the current interior over all ranks. Collective.
  double checksum() const;

private:
  struct State;
  std::unique_ptr<State> m;
};

}  // namespace parlayer::bench
