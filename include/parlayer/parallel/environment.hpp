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
/// exception is printed with its rank and the job is ended with MPI_Abort. A std::terminate on any
/// rank (an exception escaping a noexcept function or a thread) also ends in MPI_Abort.
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>

#include <functional>
#include <memory>

namespace parlayer::parallel {

/// \brief Owns MPI initialisation (through Boost.MPI) for the lifetime of the program.
///
/// Construct exactly one, first thing in main(). Collective over MPI_COMM_WORLD.
/// Sets MPI_ERRORS_RETURN on MPI_COMM_WORLD so every failure reaches PARLAYER_MPI_CHECK.
class Environment {
public:
  Environment(int& argc, char**& argv);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  /// \brief MPI_COMM_WORLD as a Boost.MPI communicator.
  const boost::mpi::communicator& world() const noexcept { return m_world; }
  int rank() const noexcept { return m_world.rank(); }
  int size() const noexcept { return m_world.size(); }
  /// \brief True on rank 0, the rank that reports to the user.
  bool is_root() const noexcept { return m_world.rank() == 0; }

private:
  std::unique_ptr<boost::mpi::environment> m_env;
  boost::mpi::communicator m_world;
};

/// \brief Runs `program` inside an Environment with parlayer's error policy (see file comment).
/// \return the program's exit code, or a CollectiveError's exit code. Collective.
int guarded_main(int argc, char** argv, const std::function<int(Environment&)>& program);

/// \brief Ends the whole job now: prints `message` (prefixed with the rank) and calls MPI_Abort.
[[noreturn]] void abort_job(const char* message, int exit_code = 1) noexcept;

}  // namespace parlayer::parallel
