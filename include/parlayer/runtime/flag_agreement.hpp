#pragma once
/// \file
/// \brief FlagAgreement: every rank learns the OR of a few flags, without a blocking collective.
///
///     runtime::FlagAgreement agreement(world);
///     agreement.start(step, mine);               // non-blocking: an MPI_Iallreduce (bitwise OR)
///     ...                                        // a step of work while it travels
///     const auto agreed = agreement.complete();  // normally complete already: no wait
///     if (agreed.flags & stop_bit) ...           // the same flags on every rank
///
/// The building block of the pipelined agreements at step boundaries (runtime::StopRequest, the
/// time loop's stop and wall-time cadence): a caller starts one reduction at a check and completes
/// it at the next, so ranks wait in it only when one is a whole check interval ahead of another.
/// Flags are agreed in the order they were started, so `started` (the step the caller passed to
/// start()) tells every rank, identically, how old the agreed information is.
#include <cstdint>
#include <memory>

#include "parlayer/parallel/communicator.hpp"

namespace parlayer::runtime {

/// \brief One non-blocking OR of a few flags over a communicator, at most one in flight. Owns its
///        communicator (a duplicate) and its request. Not copyable, not movable (MPI writes into
///        it while a reduction is in flight).
class FlagAgreement {
public:
  using Flags = std::uint32_t;
  /// \brief What complete() returns.
  struct Agreed {
    Flags flags = 0;            ///< the OR of every rank's flags given to start()
    std::int64_t started = -1;  ///< the step given to start(); -1: nothing was in flight
  };

  /// \brief Collective over `comm` (duplicates it).
  explicit FlagAgreement(parallel::Comm comm);
  /// \brief Completes a reduction still in flight: every rank has the same one, so all ranks must
  ///        destroy their FlagAgreement at the same point. Aborts the job if MPI fails then.
  ~FlagAgreement();
  FlagAgreement(const FlagAgreement&) = delete;
  FlagAgreement& operator=(const FlagAgreement&) = delete;

  /// \brief Starts the OR of every rank's `mine` (MPI_Iallreduce). Collective, non-blocking.
  /// \param step recorded, returned by complete() as `started`.
  /// \throws std::logic_error if one is in flight already; MpiError if MPI fails.
  void start(std::int64_t step, Flags mine);
  /// \brief Waits for the reduction in flight and returns it; {0, -1} if none is. Collective.
  /// \throws MpiError if MPI fails.
  Agreed complete();
  /// \brief True between start() and complete(). Local.
  bool in_flight() const noexcept;

private:
  struct Reduction;  // the MPI request and the buffers MPI reads and writes, kept out of this header
  parallel::Communicator m_comm;
  std::unique_ptr<Reduction> m_reduction;
  std::int64_t m_started = -1;
};

}  // namespace parlayer::runtime
