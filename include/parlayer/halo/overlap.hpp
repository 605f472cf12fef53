#pragma once
/// \file
/// \brief The overlap pattern as a library function: hide halo communication behind computation.
///
///     halo::run_stencil_step(exchange, halo::Overlap::on, halo::Reach{1, halo::Stencil::star},
///         [&](const Tile& t) { jacobi(in[t], out[t], t.box); },   // deep interiors, messages in flight
///         [&](const Tile& t) { jacobi(in[t], out[t], t.box); },   // each box of the boundary strips
///         in);                                                    // the fields whose ghosts it reads
///
/// With Overlap::on: start → interior kernel on the deep interior of every local box → finish →
/// boundary kernel on each strip box of every local box. With Overlap::off: start+finish → the
/// same kernels on the same tiles in the same order. A kernel that writes each output cell from
/// its inputs alone (any stencil) gives byte-identical results either way, and on any layout;
/// tests/mpi/test_overlap.cpp proves it. A kernel gets a domain::Tile (its cells and local box);
/// one that takes `const IndexBox&` still works for fields with one box per rank.
///
/// Threads: with StepOptions{overlap, &pool, tile_size}, every deep interior and every strip
/// piece is cut into tiles (domain::tile_boxes) and the tiles run on the pool's threads: the deep
/// interiors' tiles while the messages fly, the strips' after finish(). MPI stays on the calling
/// thread (MPI_THREAD_FUNNELED). Each tile writes its own cells, so the results are the same bytes
/// for any thread count and tile size; `tile.thread` indexes per-thread scratch.
///
/// The Reach says how far the kernels read; it is checked against the exchange before anything
/// runs (a reach wider than the ghosts, or diagonal over a star exchange, is a CollectiveError on
/// every rank count, including 1). Without it, the kernels are taken to read what the exchange fills.
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "parlayer/domain/tile.hpp"
#include "parlayer/halo/halo_exchange.hpp"
#include "parlayer/parallel/thread_pool.hpp"
#include "parlayer/named_choice.hpp"

namespace parlayer::halo {

enum class Overlap { off, on };
/// \brief Overlap by name (a program's --overlap on|off).
inline constexpr auto overlap_choices = named_choices<Overlap>({{Overlap::off, "off"}, {Overlap::on, "on"}});

/// \brief "on" / "off".
const char* to_string(Overlap overlap) noexcept;

/// \brief How run_stencil_step runs its kernels.
struct StepOptions {
  Overlap overlap = Overlap::on;
  /// The team that runs the tiles; nullptr (or a team of one) runs every region whole on the
  /// calling thread, as one tile.
  parallel::ThreadPool* threads = nullptr;
  /// With threads: tiles of at most this many cells along x, y, z (an entry 0: the whole extent
  /// along that axis). All 0 (the default): domain::default_tile_size of the grid's dimensions,
  /// whole rows in slabs of 16 rows (2D) or whole planes in slabs of 8 (3D).
  domain::Index3 tile_size = {0, 0, 0};
};

/// \brief Calls kernel(tile) once for every tile of `tiles`: spread over the team's threads
///        (`tile.thread` says which), or in order on the calling thread when `team` is null. Each
///        tile runs on one thread; returns when all have run. Local.
template <class Kernel>
void run_tiles(parallel::ThreadPool* team, std::span<const domain::Tile> tiles, Kernel&& kernel) {
  auto one = [&](int i, int thread) {
    domain::Tile tile = tiles[static_cast<std::size_t>(i)];
    tile.thread = thread;
    kernel(std::as_const(tile));
  };
  if (team)
    team->run(static_cast<int>(tiles.size()), one);
  else
    for (int i = 0; i < static_cast<int>(tiles.size()); ++i) one(i, 0);
}

/// \brief One stencil step with (or without) communication hidden behind the deep interiors, on
///        one thread or on a team. Neighbour-wise collective.
/// \param reach how far the kernels read (checked: see the file comment)
/// \param interior_kernel called once per tile of each local box's deep interior (not for an empty one)
/// \param boundary_kernel called once per tile of each boundary-strip box of each local box
/// \param fields the fields whose ghosts the kernels read
template <class InteriorKernel, class BoundaryKernel, class... Fields>
void run_stencil_step(HaloExchange& exchange, const StepOptions& options, const Reach& reach,
                      InteriorKernel&& interior_kernel, BoundaryKernel&& boundary_kernel, Fields&... fields) {
  exchange.check_reach(reach);
  parallel::ThreadPool* const team = options.threads && options.threads->size() > 1 ? options.threads : nullptr;
  const std::vector<domain::InteriorSplit>& splits = exchange.interior_splits();
  const HaloExchange::Tiles* tiles =
      team ? &exchange.tiles(domain::tile_size_or_default(options.tile_size,
                                                          exchange.plan().decomposition().dimensions()))
           : nullptr;
  auto interiors = [&] {
    if (team) return run_tiles(team, tiles->interior, interior_kernel);
    for (std::size_t l = 0; l < splits.size(); ++l)
      if (!splits[l].deep.empty()) interior_kernel(domain::Tile{splits[l].deep, static_cast<int>(l)});
  };
  if (options.overlap == Overlap::on) {
    PendingExchange pending = exchange.start(fields...);
    interiors();
    pending.finish();
  } else {
    exchange.exchange(fields...);
    interiors();
  }
  if (team) return run_tiles(team, tiles->strip, boundary_kernel);
  for (std::size_t l = 0; l < splits.size(); ++l)
    for (const IndexBox& box : splits[l].strip) boundary_kernel(domain::Tile{box, static_cast<int>(l)});
}

/// \brief The same on the calling thread alone, overlapping or not.
template <class InteriorKernel, class BoundaryKernel, class... Fields>
void run_stencil_step(HaloExchange& exchange, Overlap overlap, const Reach& reach, InteriorKernel&& interior_kernel,
                      BoundaryKernel&& boundary_kernel, Fields&... fields) {
  run_stencil_step(exchange, StepOptions{overlap}, reach, std::forward<InteriorKernel>(interior_kernel),
                   std::forward<BoundaryKernel>(boundary_kernel), fields...);
}

/// \brief The same, for kernels that read exactly what the exchange fills.
template <class How, class InteriorKernel, class BoundaryKernel, class... Fields>
  requires((std::is_same_v<How, Overlap> || std::is_same_v<How, StepOptions>) &&
           !std::is_same_v<std::remove_cvref_t<InteriorKernel>, Reach>)
void run_stencil_step(HaloExchange& exchange, const How& how, InteriorKernel&& interior_kernel,
                      BoundaryKernel&& boundary_kernel, Fields&... fields) {
  run_stencil_step(exchange, how, Reach{exchange.plan().width(), exchange.plan().stencil()},
                   std::forward<InteriorKernel>(interior_kernel), std::forward<BoundaryKernel>(boundary_kernel),
                   fields...);
}

}  // namespace parlayer::halo
