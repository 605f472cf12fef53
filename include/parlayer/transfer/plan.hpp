#pragma once
/// \file
/// \brief TransferPlan: which cells one rank copies locally, sends and receives, as pieces of boxes.
///
/// A halo exchange and a redistribution are the same computation applied to different pairs of
/// index sets (AMReX FillBoundary / ParallelCopy, YAXT xmap -> redist, MCT's router): intersect
/// boxes, group the pieces by rank pair, keep them in an order both ranks of a pair compute
/// alike. halo::HaloPlan (the ghost regions of one decomposition) and transfer::Redistribution
/// (decomposition A to decomposition B, on one or two rank groups) build a TransferPlan; one engine
/// moves the bytes for every user (one message per peer, persistent requests, a Backend).
///
/// Pieces are regions of boxes (global index boxes of a field's local box). A plan between index
/// lists that are not boxes (sparse remapping weights) adds a second kind of piece: offsets into a
/// box's storage, packed in list order; the engine's packing is the one place that reads pieces.
#include <vector>

#include "parlayer/domain/index_box.hpp"

namespace parlayer::transfer {

/// \brief Cells `cells` (global indices) of this rank's local box number `box` of a field.
struct BoxRegion {
  int box = 0;
  domain::IndexBox cells;
};

/// \brief A copy between boxes of this rank: `from` (a source field's box) to `to` (a target
///        field's box, the same field for a halo); both regions have the same extents.
struct LocalCopy {
  BoxRegion from;
  BoxRegion to;
};

/// \brief Everything that travels between this rank and `rank`, as ONE message each way: the
///        pieces in `send` packed one after the other (field by field, each field piece by piece),
///        and `recv` unpacked the same way. The peer's plan lists the same pieces in the same order.
struct PeerTransfer {
  int rank = 0;
  std::vector<BoxRegion> send;  ///< regions of the source field's local boxes
  std::vector<BoxRegion> recv;  ///< regions of the target field's local boxes
};

/// \brief One rank's part of a transfer. Pure data, Local.
struct TransferPlan {
  std::vector<LocalCopy> local;     ///< in the order they are made
  std::vector<PeerTransfer> peers;  ///< ascending by rank; no entry for this rank itself
};

}  // namespace parlayer::transfer
