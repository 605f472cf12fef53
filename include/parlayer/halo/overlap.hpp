#pragma once
/// \file
/// \brief The overlap pattern as a library function: hide halo communication behind computation.
///
///     halo::run_stencil_step(exchange, halo::Overlap::on,
///         [&](const IndexBox& b) { jacobi(in, out, b); },   // deep interior, messages in flight
///         [&](const IndexBox& b) { jacobi(in, out, b); },   // each box of the boundary strip
///         in);                                              // the fields whose ghosts it reads
///
/// With Overlap::on: start → interior kernel on the deep interior → finish → boundary kernel on
/// each strip box. With Overlap::off: start+finish → the same kernels on the same boxes in the
/// same order. A kernel that writes each output cell from its inputs alone (any stencil) gives
/// byte-identical results either way; tests/test_overlap.cpp proves it.
#include <string>

#include "parlayer/halo/halo_exchange.hpp"

namespace parlayer::halo {

enum class Overlap { off, on };

/// \brief "on" / "off".
const char* to_string(Overlap overlap) noexcept;

/// \brief One stencil step with (or without) communication hidden behind the deep interior.
///        Neighbour-wise collective.
/// \param interior_kernel called once with the deep interior (possibly empty box: not called)
/// \param boundary_kernel called once per boundary-strip box
/// \param fields the fields whose ghosts the kernels read
template <class InteriorKernel, class BoundaryKernel, class... Fields>
void run_stencil_step(HaloExchange& exchange, Overlap overlap, InteriorKernel&& interior_kernel,
                      BoundaryKernel&& boundary_kernel, Fields&... fields) {
  const domain::InteriorSplit& split = exchange.interior_split();
  if (overlap == Overlap::on) {
    PendingExchange pending = exchange.start(fields...);
    if (!split.deep.empty()) interior_kernel(split.deep);
    pending.finish();
  } else {
    exchange.exchange(fields...);
    if (!split.deep.empty()) interior_kernel(split.deep);
  }
  for (const IndexBox& box : split.strip) boundary_kernel(box);
}

}  // namespace parlayer::halo
