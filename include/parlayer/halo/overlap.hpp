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
/// The Reach says how far the kernels read; it is checked against the exchange before anything
/// runs (a reach wider than the ghosts, or diagonal over a star exchange, is a CollectiveError on
/// every rank count, including 1). Without it, the kernels are taken to read what the exchange fills.
#include <string>
#include <type_traits>

#include "parlayer/domain/tile.hpp"
#include "parlayer/halo/halo_exchange.hpp"

namespace parlayer::halo {

enum class Overlap { off, on };

/// \brief "on" / "off".
const char* to_string(Overlap overlap) noexcept;

/// \brief One stencil step with (or without) communication hidden behind the deep interiors.
///        Neighbour-wise collective.
/// \param reach how far the kernels read (checked: see the file comment)
/// \param interior_kernel called once per local box with its deep interior (not for an empty one)
/// \param boundary_kernel called once per boundary-strip box of each local box
/// \param fields the fields whose ghosts the kernels read
template <class InteriorKernel, class BoundaryKernel, class... Fields>
void run_stencil_step(HaloExchange& exchange, Overlap overlap, const Reach& reach, InteriorKernel&& interior_kernel,
                      BoundaryKernel&& boundary_kernel, Fields&... fields) {
  exchange.check_reach(reach);
  const std::vector<domain::InteriorSplit>& splits = exchange.interior_splits();
  auto interiors = [&] {
    for (std::size_t l = 0; l < splits.size(); ++l)
      if (!splits[l].deep.empty()) interior_kernel(domain::Tile{splits[l].deep, static_cast<int>(l)});
  };
  if (overlap == Overlap::on) {
    PendingExchange pending = exchange.start(fields...);
    interiors();
    pending.finish();
  } else {
    exchange.exchange(fields...);
    interiors();
  }
  for (std::size_t l = 0; l < splits.size(); ++l)
    for (const IndexBox& box : splits[l].strip) boundary_kernel(domain::Tile{box, static_cast<int>(l)});
}

/// \brief The same, for kernels that read exactly what the exchange fills.
template <class InteriorKernel, class BoundaryKernel, class... Fields>
  requires(!std::is_same_v<std::remove_cvref_t<InteriorKernel>, Reach>)
void run_stencil_step(HaloExchange& exchange, Overlap overlap, InteriorKernel&& interior_kernel,
                      BoundaryKernel&& boundary_kernel, Fields&... fields) {
  run_stencil_step(exchange, overlap, Reach{exchange.plan().width(), exchange.plan().stencil()},
                   std::forward<InteriorKernel>(interior_kernel), std::forward<BoundaryKernel>(boundary_kernel),
                   fields...);
}

}  // namespace parlayer::halo
