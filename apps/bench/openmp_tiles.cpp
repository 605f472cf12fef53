// Compiled with -fopenmp when CMake finds OpenMP (apps/bench/CMakeLists.txt); this file alone.
#include "openmp_tiles.hpp"

#include <cstddef>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace parlayer::bench {

bool openmp_available() noexcept {
#ifdef _OPENMP
  return true;
#else
  return false;
#endif
}

void openmp_run_tiles(const std::vector<domain::Tile>& tiles, int threads,
                      void (*kernel)(void* context, const domain::Tile& tile, int thread), void* context) {
  const int count = static_cast<int>(tiles.size());
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads)
  for (int i = 0; i < count; ++i) kernel(context, tiles[static_cast<std::size_t>(i)], omp_get_thread_num());
#else
  (void)threads;
  for (int i = 0; i < count; ++i) kernel(context, tiles[static_cast<std::size_t>(i)], 0);
#endif
}

}  // namespace parlayer::bench
