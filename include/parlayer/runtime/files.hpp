#pragma once
/// \file
/// \brief Folder handling shared by output writers.
#include <mpi.h>

#include <filesystem>

namespace parlayer::runtime {

/// \brief Creates `folder` (and its parents) on rank 0 unless it exists; every rank learns the
///        outcome (parallel::on_root). Collective over `comm`.
/// \throws CollectiveError "cannot create output folder '<folder>': <reason>" on every rank.
void ensure_folder(const std::filesystem::path& folder, MPI_Comm comm);

}  // namespace parlayer::runtime
