#pragma once
/// \file
/// \brief Folder handling shared by output writers.
#include <mpi.h>

#include <filesystem>
#include <functional>
#include <string>

namespace parlayer::runtime {

/// \brief Runs `task` on rank 0 only (a file operation, say) and tells every rank how it went:
///        returns task's result ("" for success, else the problem in words) on every rank.
///        Collective over `comm`. Lets callers throw the same CollectiveError everywhere.
std::string outcome_on_root(MPI_Comm comm, const std::function<std::string()>& task);

/// \brief Creates `folder` (and its parents) on rank 0 unless it exists; every rank learns the
///        outcome. Collective over `comm`.
/// \throws CollectiveError "cannot create output folder '<folder>': <reason>" on every rank.
void ensure_folder(const std::filesystem::path& folder, MPI_Comm comm);

}  // namespace parlayer::runtime
