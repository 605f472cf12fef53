#include "parlayer/runtime/files.hpp"

#include <string>
#include <system_error>

#include "parlayer/error.hpp"
#include "parlayer/parallel/collective.hpp"

namespace parlayer::runtime {

void ensure_folder(const std::filesystem::path& folder, MPI_Comm comm) {
  const parallel::RootResult made = parallel::on_root(comm, [&] {
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) throw Error(ec.message());
    if (!std::filesystem::is_directory(folder, ec)) throw Error("it exists and is not a folder");
    return std::string();
  });
  if (made.failure)
    throw CollectiveError("cannot create output folder '" + folder.string() + "': " + *made.failure);
}

}  // namespace parlayer::runtime
