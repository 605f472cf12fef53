#include "parlayer/runtime/files.hpp"

#include <string>
#include <system_error>

#include "parlayer/error.hpp"
#include "parlayer/parallel/mpi_check.hpp"

namespace parlayer::runtime {

std::string outcome_on_root(MPI_Comm comm, const std::function<std::string()>& task) {
  int rank = 0;
  PARLAYER_MPI_CHECK(MPI_Comm_rank(comm, &rank));
  std::string problem = rank == 0 ? task() : std::string();
  int length = static_cast<int>(problem.size());
  PARLAYER_MPI_CHECK(MPI_Bcast(&length, 1, MPI_INT, 0, comm));
  problem.resize(static_cast<std::size_t>(length));
  if (length > 0) PARLAYER_MPI_CHECK(MPI_Bcast(problem.data(), length, MPI_CHAR, 0, comm));
  return problem;
}

void ensure_folder(const std::filesystem::path& folder, MPI_Comm comm) {
  const std::string problem = outcome_on_root(comm, [&]() -> std::string {
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) return ec.message();
    if (!std::filesystem::is_directory(folder, ec)) return "it exists and is not a folder";
    return "";
  });
  if (!problem.empty()) throw CollectiveError("cannot create output folder '" + folder.string() + "': " + problem);
}

}  // namespace parlayer::runtime
