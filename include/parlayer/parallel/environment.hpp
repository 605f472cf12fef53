#pragma once
/// \file
/// \brief The MPI environment of a parlayer program, and the error policy of its main().
///
///     int main(int argc, char** argv) {
///       return parlayer::parallel::guarded_main(argc, argv, [&](parlayer::parallel::Environment& env) {
///         ... // the program; return its exit code
///       });
///     }
///
/// Error policy (the reason this exists): an exception that escapes on one rank must end the whole
/// job, never leave the other ranks waiting in a collective. guarded_main() prints a
/// CollectiveError once from rank 0 and exits cleanly on every rank with its exit code; any other
/// exception is printed with its rank and the job is ended with MPI_Abort (a std::bad_alloc as
/// "out of memory (std::bad_alloc): ..."). A std::terminate on any rank (an exception escaping a
/// noexcept function or a thread) also ends in MPI_Abort. Every message is printed on one line:
/// control characters in it (a newline in a user's value) are printed as escapes ("\n").
///
/// MPI is started through Boost.MPI inside the library; nothing of Boost is in this header.
#include <functional>
#include <memory>

#include "parlayer/parallel/comm.hpp"

namespace parlayer::parallel {

/// \brief How much thread support the program needs from MPI (MPI_THREAD_*), weakest first.
enum class ThreadLevel {
  single,      ///< one thread only
  funneled,    ///< threads, but only the main thread calls MPI
  serialized,  ///< any thread calls MPI, never two at once
  multiple,    ///< any thread calls MPI at any time
};

/// \brief "single", "funneled", "serialized" or "multiple".
const char* to_string(ThreadLevel level) noexcept;

/// \brief Owns MPI initialisation for the lifetime of the program.
///
/// Construct exactly one, first thing in main(). Collective over MPI_COMM_WORLD.
/// Sets MPI_ERRORS_RETURN on MPI_COMM_WORLD so every failure reaches PARLAYER_MPI_CHECK.
/// Destroyed while an exception is unwinding, it ends the job with MPI_Abort (another rank may be
/// waiting in a collective); otherwise it finalizes MPI.
class Environment {
public:
  /// \brief Initialises MPI with at least the thread support `required`.
  /// \throws CollectiveError "MPI provides thread level X, the run needs Y" (exit code 2) if the
  ///         MPI library provides less. Every rank gets the same level, so every rank throws; MPI
  ///         is finalized before the throw, so the job ends cleanly.
  explicit Environment(int& argc, char**& argv, ThreadLevel required = ThreadLevel::funneled)
      : Environment(argc, argv, required, required) {}
  /// \brief The same, asking MPI for `requested` (more than the run needs, for a feature that
  ///        may be switched on later, e.g. asynchronous checkpoints): only less than `required` is
  ///        an error; thread_level() says what MPI gave, and the feature checks it.
  Environment(int& argc, char**& argv, ThreadLevel required, ThreadLevel requested);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  /// \brief MPI_COMM_WORLD (with MPI_ERRORS_RETURN set). Pass it wherever an MPI_Comm is expected.
  Comm world() const noexcept { return Comm::world(); }
  int rank() const noexcept { return m_rank; }
  int size() const noexcept { return m_size; }
  /// \brief True on rank 0, the rank that reports to the user.
  bool is_root() const noexcept { return m_rank == 0; }
  /// \brief The thread support MPI provides (at least the one required). Local.
  ThreadLevel thread_level() const noexcept { return m_thread_level; }

private:
  struct Mpi;  // Boost.MPI's environment, kept out of this header
  std::unique_ptr<Mpi> m_mpi;
  int m_rank = 0;
  int m_size = 1;
  ThreadLevel m_thread_level = ThreadLevel::single;
};

/// \brief Runs `program` inside an Environment with parlayer's error policy (see file comment),
///        with MPI thread support ThreadLevel::funneled.
/// \return the program's exit code, or a CollectiveError's exit code. Collective.
int guarded_main(int argc, char** argv, const std::function<int(Environment&)>& program);

/// \brief As above, with MPI thread support at least `required`. If MPI provides less, every rank
///        returns 2 and rank 0 prints "error: MPI provides thread level X, the run needs Y".
int guarded_main(int argc, char** argv, ThreadLevel required, const std::function<int(Environment&)>& program);
/// \brief As above, asking MPI for `requested` but failing only below `required` (see Environment).
int guarded_main(int argc, char** argv, ThreadLevel required, ThreadLevel requested,
                 const std::function<int(Environment&)>& program);

/// \brief Ends the whole job now: prints `message` (prefixed with the rank) and calls MPI_Abort.
[[noreturn]] void abort_job(const char* message, int exit_code = 1) noexcept;

}  // namespace parlayer::parallel
