#include "parlayer/parallel/environment.hpp"

#include <boost/mpi/environment.hpp>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <optional>
#include <string>

#include <unistd.h>

#include "parlayer/error.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/parallel/mpi_check.hpp"

namespace parlayer::parallel {

namespace {


int to_mpi(ThreadLevel level) noexcept {
  switch (level) {
    case ThreadLevel::single: return MPI_THREAD_SINGLE;
    case ThreadLevel::funneled: return MPI_THREAD_FUNNELED;
    case ThreadLevel::serialized: return MPI_THREAD_SERIALIZED;
    case ThreadLevel::multiple: return MPI_THREAD_MULTIPLE;
  }
  return MPI_THREAD_MULTIPLE;
}

ThreadLevel from_mpi(int provided) noexcept {
  // The MPI standard orders the levels: SINGLE < FUNNELED < SERIALIZED < MULTIPLE.
  if (provided >= MPI_THREAD_MULTIPLE) return ThreadLevel::multiple;
  if (provided >= MPI_THREAD_SERIALIZED) return ThreadLevel::serialized;
  if (provided >= MPI_THREAD_FUNNELED) return ThreadLevel::funneled;
  return ThreadLevel::single;
}

// How `c` is written in a one-line message: itself, or for a control character (a newline in a
// user's --set value, say) an escape ("\n", "\x1b"). Fills `out`, returns its length; no allocation.
std::size_t escaped_char(char c, char (&out)[4]) noexcept {
  static constexpr char hex[] = "0123456789abcdef";
  const auto u = static_cast<unsigned char>(c);
  const char named = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : '\0';
  if (named) {
    out[0] = '\\', out[1] = named;
    return 2;
  }
  if (u < 0x20 || u == 0x7f) {
    out[0] = '\\', out[1] = 'x', out[2] = hex[u >> 4], out[3] = hex[u & 0xf];
    return 4;
  }
  out[0] = c;
  return 1;
}

// Writes `text` to stderr on one line (escaped_char). Allocates nothing: it also reports running
// out of memory.
void put_one_line(const char* text) noexcept {
  char escape[4];
  for (const char* c = text; *c; ++c) std::fwrite(escape, 1, escaped_char(*c, escape), stderr);
}

void report_collective_error(const CollectiveError& e, bool root) {
  // Every rank threw this at the same point: report once.
  if (root) {
    std::fputs("error: ", stderr);
    put_one_line(e.what());
    std::fputc('\n', stderr);
    std::fflush(stderr);
  }
}

// What a std::bad_alloc that escapes says (never "std::bad_alloc" alone).
constexpr const char* out_of_memory =
    "out of memory (std::bad_alloc): this process could not allocate what the run needs; use more machines, "
    "or a smaller problem";

// std::terminate (an exception escaping a noexcept function, a destructor or a thread) on one rank
// must not leave the others hanging in a collective.
[[noreturn]] void terminate_handler() noexcept {
  std::string what = "std::terminate called";
  if (std::exception_ptr current = std::current_exception()) {
    try {
      std::rethrow_exception(current);
    } catch (const std::bad_alloc&) {
      abort_job(out_of_memory, 1);  // no strings built: there may be no memory for them
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
  // The whole line in one write(): several ranks aborting at once reach the launcher through
  // separate pipes, and a line written piecewise (prefix, text, newline) comes out interleaved
  // with theirs. A write of at most PIPE_BUF bytes to a pipe is atomic. No allocation: this also
  // reports running out of memory.
  char line[PIPE_BUF];
  std::size_t n = 0;
  auto put = [&](char c) {
    if (n < sizeof line - 4) line[n++] = c;
  };
  char prefix[64];
  const int written = std::snprintf(prefix, sizeof prefix, "parlayer: error on rank %d: ", world_rank());
  for (int i = 0; i < written && prefix[i]; ++i) put(prefix[i]);
  char escape[4];
  for (const char* c = message; *c; ++c) {
    const std::size_t length = escaped_char(*c, escape);
    for (std::size_t k = 0; k < length; ++k) put(escape[k]);
  }
  if (n >= sizeof line - 4) line[n++] = '.', line[n++] = '.', line[n++] = '.';  // truncated
  line[n++] = '\n';
  std::fflush(stderr);  // whatever the program printed before comes first
  for (std::size_t done = 0; done < n;) {
    const ssize_t w = ::write(STDERR_FILENO, line + done, n - done);
    if (w <= 0) break;
    done += static_cast<std::size_t>(w);
  }
  if (world_rank() >= 0) MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);
}

const char* to_string(ThreadLevel level) noexcept {
  switch (level) {
    case ThreadLevel::single: return "single";
    case ThreadLevel::funneled: return "funneled";
    case ThreadLevel::serialized: return "serialized";
    case ThreadLevel::multiple: return "multiple";
  }
  return "unknown";
}

// abort_on_exception: destroyed while an exception unwinds, Boost.MPI calls MPI_Abort instead of
// MPI_Finalize (the other ranks may be waiting for this one in a collective).
struct Environment::Mpi {
  boost::mpi::environment env;
  Mpi(int& argc, char**& argv, ThreadLevel required)
      : env(argc, argv, static_cast<boost::mpi::threading::level>(to_mpi(required)), /*abort_on_exception=*/true) {}
};

Environment::Environment(int& argc, char**& argv, ThreadLevel required, ThreadLevel requested)
    : m_mpi(std::make_unique<Mpi>(argc, argv, std::max(required, requested))) {
  PARLAYER_MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  PARLAYER_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &m_rank));
  PARLAYER_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &m_size));
  int provided = MPI_THREAD_SINGLE;
  PARLAYER_MPI_CHECK(MPI_Query_thread(&provided));
  m_thread_level = from_mpi(provided);
  if (m_thread_level < required) {
    // The same library answers every rank the same: a collective error. Finalize first, while no
    // exception is in flight, so that the job ends cleanly instead of in MPI_Abort.
    const std::string message = std::string("MPI provides thread level ") + to_string(m_thread_level) +
                                ", the run needs " + to_string(required);
    // Report before finalizing, and hold every rank in a barrier until rank 0 has printed: a rank
    // that exits with code 2 first makes mpirun end the job, and rank 0's line could be lost.
    report_collective_error(CollectiveError(message), m_rank == 0);
    MPI_Barrier(MPI_COMM_WORLD);
    m_mpi.reset();
    throw CollectiveError(message);
  }
  std::set_terminate(terminate_handler);
}

Environment::~Environment() = default;

int guarded_main(int argc, char** argv, const std::function<int(Environment&)>& program) {
  return guarded_main(argc, argv, ThreadLevel::funneled, program);
}

int guarded_main(int argc, char** argv, ThreadLevel required, const std::function<int(Environment&)>& program) {
  return guarded_main(argc, argv, required, required, program);
}

int guarded_main(int argc, char** argv, ThreadLevel required, ThreadLevel requested,
                 const std::function<int(Environment&)>& program) {
  std::optional<Environment> env;
  try {
    env.emplace(argc, argv, required, requested);
  } catch (const CollectiveError& e) {  // MPI's thread level: reported, and MPI finalized, already
    return e.exit_code();
  }
  try {
    return program(*env);
  } catch (const CollectiveError& e) {
    report_collective_error(e, env->is_root());
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    abort_job(out_of_memory, 1);
  } catch (const std::exception& e) {
    abort_job(e.what(), 1);
  } catch (...) {
    abort_job("exception of unknown type", 1);
  }
}

}  // namespace parlayer::parallel
