// Catch2 main for the MPI test binary (after MFEM's punit_test_main.cpp).
//
// Every rank runs the same test cases in the same order. Rank 0 reports to the console; the other
// ranks report to a private file, printed (prefixed with the rank) only if that rank saw a
// failure. The exit code is the same on every rank: non-zero if any rank failed.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "parlayer/parallel/environment.hpp"
#include "parlayer/parallel/interop.hpp"

int main(int argc, char** argv) {
  parlayer::parallel::Environment env(argc, argv);
  Catch::Session session;
  if (const int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;

  const std::string private_log =
      "/tmp/parlayer-test-rank" + std::to_string(env.rank()) + "-" + std::to_string(getpid()) + ".log";
  session.configData().useColour = Catch::UseColour::No;  // logs, not terminals
  // A tag that matches no test (a test binary older than its ctest entry, a typo) is a failure,
  // never a pass.
  session.configData().warnings =
      static_cast<Catch::WarnAbout::What>(session.configData().warnings | Catch::WarnAbout::NoTests);
  if (env.rank() != 0) {
    session.configData().outputFilename = private_log;
    session.configData().reporterName = "compact";
  }
  const int failures = session.run();

  if (env.rank() != 0) {
    if (failures != 0) {
      std::ifstream log(private_log);
      for (std::string line; std::getline(log, line);)
        std::cerr << "[rank " << env.rank() << "] " << line << '\n';
    }
    std::remove(private_log.c_str());
  }
  int local_failed = failures != 0 ? 1 : 0, failed_ranks = 0;
  MPI_Allreduce(&local_failed, &failed_ranks, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (env.rank() == 0 && failed_ranks != 0)
    std::cerr << failed_ranks << " of " << env.size() << " ranks saw failures\n";
  return failed_ranks != 0 ? 1 : 0;
}
