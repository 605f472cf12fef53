#pragma once
/// \file
/// \brief The comparison the threads issue asks for (issue 13: "OpenMP from the compiler, or a
///        small pool of your own ... measure both if unsure"): the same tiles under a plain
///        `#pragma omp parallel for`. Only openmp_tiles.cpp is compiled with -fopenmp, and only
///        parlayer-bench links libgomp: OpenMP is not part of the library.
#include <vector>

#include "parlayer/domain/tile.hpp"

namespace parlayer::bench {

/// \brief True if this build has the OpenMP loop (CMake found OpenMP; not in a TSan build).
bool openmp_available() noexcept;

/// \brief Calls kernel(context, tile, thread) for every tile, spread over `threads` OpenMP threads
///        (a plain `parallel for`: libgomp's default static schedule, equal shares of the tiles in
///        order; the pool instead hands out the next tile to whichever thread is idle); `thread` is
///        omp_get_thread_num(). Without OpenMP, runs them in order on the caller. Local.
void openmp_run_tiles(const std::vector<domain::Tile>& tiles, int threads,
                      void (*kernel)(void* context, const domain::Tile& tile, int thread), void* context);

}  // namespace parlayer::bench
