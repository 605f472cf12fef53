#pragma once
/// \file
/// \brief StopRequest: SIGUSR1/SIGTERM ask the run to checkpoint and exit; all ranks agree on the
///        step at which to stop, without a blocking collective every step.
///
///     runtime::StopRequest stop(world);                      // installs the signal handlers
///     for (step = first; step < last; ++step) {
///       advance(...);
///       if (stop.should_stop(step)) {                       // same answer, same step, every rank
///         series.write(decomposition, fields, {step + 1, time, model, config});
///         return runtime::exit_code_checkpointed;           // "checkpointed, requeue me"
///       }
///     }
///
/// Signals: the handler only records the signal (async-signal-safe): it never exits, never
/// allocates, never calls MPI. So a signal during a snapshot write (a second SIGTERM, say) does not
/// interrupt the write (handlers use SA_RESTART), and even a kill at that moment cannot corrupt an
/// older generation (the commit protocol, docs/checkpoint.md). Schedulers follow SIGTERM with
/// SIGKILL after a grace period (Slurm: KillWait): checkpoint cadence and grace must fit.
///
/// Agreement: every `check_every`-th call of should_stop() completes the MPI_Iallreduce (OR of
/// "a signal arrived here", a runtime::FlagAgreement) started at the previous check, and starts
/// the next one. A reduction is
/// thus in flight for check_every steps and is normally complete when waited for; only a rank
/// more than check_every steps ahead of another can wait in it. Latency: a signal that reaches any
/// rank is acted on by all ranks at most 2 * check_every step boundaries later.
///
/// Lifetime: a program installs the handlers first thing in main() (install_handlers()), so that
/// a signal at any moment of its life is a request, never death by signal; the StopRequest made
/// later honours a request recorded before it. Without install_handlers(), a StopRequest installs
/// them for its own lifetime.
///
/// Launchers: `srun` and Slurm's time limit deliver SIGTERM to every task; Open MPI's `mpirun`
/// forwards SIGUSR1 to every rank but answers SIGTERM by killing the job itself, so under mpirun
/// send SIGUSR1 (e.g. `sbatch --signal=B:USR1@120` and forward it to mpirun from the batch shell).
#include <cstdint>

#include "parlayer/parallel/comm.hpp"
#include "parlayer/runtime/flag_agreement.hpp"

namespace parlayer::runtime {

/// \brief Exit code of a run that stopped on request (signal) after committing its snapshot:
///        "checkpointed, requeue me". A batch script requeues on 3 and treats 0 as "finished".
///        Distinct from 0 (finished), 1 (crash/abort) and 2 (CollectiveError: bad input).
inline constexpr int exit_code_checkpointed = 3;

/// \brief Turns SIGUSR1 and SIGTERM into an agreed stop at a step boundary. One instance at a
///        time per process (the handlers are process-wide). Not copyable, not movable.
class StopRequest {
public:
  /// \brief Installs the SIGUSR1 and SIGTERM handlers (the previous ones are restored by the
  ///        destructor), unless install_handlers() did so already: then it keeps them, and any
  ///        request recorded since then is honoured at the first checks. Collective over `comm`
  ///        (duplicates it).
  /// \param check_every agree every this many calls of should_stop() (>= 1).
  /// \throws CollectiveError if check_every < 1 or another StopRequest exists.
  explicit StopRequest(parallel::Comm comm, int check_every = 1);
  /// \brief Completes a reduction still in flight (every rank has the same one: all ranks must
  ///        destroy their StopRequest at the same point) and restores the previous handlers,
  ///        unless a stop was agreed (then the process is exiting after its snapshot, and the
  ///        handlers stay so that a late signal cannot turn exit code 3 into death by signal) or
  ///        install_handlers() installed them (they stay until the process exits).
  ~StopRequest();
  StopRequest(const StopRequest&) = delete;
  StopRequest& operator=(const StopRequest&) = delete;

  /// \brief True, on every rank at the same call, once a stop was requested on any rank (see the
  ///        file comment for the latency); stays true afterwards. Call it at every step boundary
  ///        on every rank. Collective (non-blocking: see the file comment).
  /// \param step the step boundary reached (recorded as stop_step()).
  bool should_stop(std::int64_t step);

  /// \brief Installs the SIGUSR1 and SIGTERM handlers for the rest of the process's life
  ///        (idempotent). A program calls it first thing in main(), before MPI starts, so that a
  ///        stop request is never death by signal: one that arrives before the StopRequest exists
  ///        (during MPI's start-up, reading the config, a restart) is recorded and honoured at its
  ///        first checks; one after the StopRequest is gone (after the last step, during
  ///        MPI_Finalize) is recorded and changes nothing. The handler only records (see the file
  ///        comment). Local; call it from the main thread.
  /// \throws Error if sigaction fails.
  static void install_handlers();
  /// \brief Asks for a stop as a signal would (e.g. this rank saw the wall-time budget run out).
  ///        Local, async-signal-safe.
  static void request() noexcept;
  /// \brief True if a signal or request() arrived at this process. Local.
  static bool requested_here() noexcept;
  /// \brief The first signal received here (SIGUSR1, SIGTERM), 0 for request() or none. Local.
  static int first_signal() noexcept;
  /// \brief Number of signals and request()s received here. Local.
  static int request_count() noexcept;
  /// \brief The step passed to the should_stop() call that first returned true, or -1. Local.
  std::int64_t stop_step() const noexcept { return m_stop_step; }

private:
  FlagAgreement m_agreement;
  int m_check_every = 1;
  std::int64_t m_calls = 0;
  bool m_agreed = false;
  bool m_restore = false;  // the handlers are this object's (not install_handlers()'s)
  std::int64_t m_stop_step = -1;
};

}  // namespace parlayer::runtime
