#include "parlayer/parallel/collective.hpp"

#include <algorithm>
#include <cstdint>

#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::parallel {

Failure agree(parallel::Comm comm, const Failure& local) {
  int rank = 0, size = 0;
  PARLAYER_MPI_CHECK(MPI_Comm_rank(comm, &rank));
  PARLAYER_MPI_CHECK(MPI_Comm_size(comm, &size));
  int mine = local ? rank : size, first = size;
  PARLAYER_MPI_CHECK(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm));
  if (first == size) return std::nullopt;
  std::string reason = (rank == first) ? *local : std::string();
  broadcast(comm, reason, first);
  // Count the failing ranks, to tell a problem of some ranks from one of all.
  int failed = local ? 1 : 0, failed_total = 0;
  PARLAYER_MPI_CHECK(MPI_Allreduce(&failed, &failed_total, 1, MPI_INT, MPI_SUM, comm));
  if (failed_total < size) reason += " (rank " + std::to_string(first) + ")";
  return reason;
}

void broadcast(parallel::Comm comm, std::string& text, int root) {
  std::uint64_t n = text.size();
  PARLAYER_MPI_CHECK(MPI_Bcast(&n, 1, MPI_UINT64_T, root, comm));
  text.resize(n);
  // MPI counts are int: send in chunks so configs or messages of any size travel.
  constexpr std::uint64_t chunk = 1u << 30;
  for (std::uint64_t off = 0; off < n; off += chunk) {
    const int count = int(std::min(chunk, n - off));
    PARLAYER_MPI_CHECK(MPI_Bcast(text.data() + off, count, MPI_CHAR, root, comm));
  }
}

RootResult on_root(parallel::Comm comm, const std::function<std::string()>& work) {
  int rank = 0;
  PARLAYER_MPI_CHECK(MPI_Comm_rank(comm, &rank));
  std::string message;  // 'F' + reason, or 'S' + payload
  if (rank == 0) {
    std::string payload;
    const Failure f = attempt([&] { payload = work(); });
    message = f ? "F" + *f : "S" + payload;
  }
  broadcast(comm, message, 0);
  if (!message.empty() && message[0] == 'S') return {std::nullopt, message.substr(1)};
  return {message.empty() ? std::string("no answer from rank 0") : message.substr(1), {}};
}

}  // namespace parlayer::parallel
