#include "parlayer/parallel/environment.hpp"

#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "parlayer/error.hpp"
#include "parlayer/parallel/mpi_check.hpp"

namespace parlayer::parallel {

namespace {

// std::terminate (an exception escaping a noexcept function, a destructor or a thread) on one rank
// must not leave the others hanging in a collective.
[[noreturn]] void terminate_handler() noexcept {
  std::string what = "std::terminate called";
  if (std::exception_ptr current = std::current_exception()) {
    try {
      std::rethrow_exception(current);
    } catch (const std::exception& e) {
      what = std::string("uncaught exception: ") + e.what();
    } catch (...) {
      what = "uncaught exception of unknown type";
    }
  }
  abort_job(what.c_str(), 1);
}

}  // namespace

void abort_job(const char* message, int exit_code) noexcept {
  std::fprintf(stderr, "parlayer: error on rank %d: %s\n", world_rank(), message);
  std::fflush(stderr);
  if (world_rank() >= 0) MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);
}

Environment::Environment(int& argc, char**& argv)
    : m_env(std::make_unique<boost::mpi::environment>(argc, argv, /*abort_on_exception=*/true)) {
  PARLAYER_MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  std::set_terminate(terminate_handler);
}

Environment::~Environment() = default;

int guarded_main(int argc, char** argv, const std::function<int(Environment&)>& program) {
  Environment env(argc, argv);
  try {
    return program(env);
  } catch (const CollectiveError& e) {
    // Every rank threw this at the same point: report once, exit cleanly everywhere.
    if (env.is_root()) {
      std::fprintf(stderr, "error: %s\n", e.what());
      std::fflush(stderr);
    }
    return e.exit_code();
  } catch (const std::exception& e) {
    abort_job(e.what(), 1);
  } catch (...) {
    abort_job("exception of unknown type", 1);
  }
}

}  // namespace parlayer::parallel
