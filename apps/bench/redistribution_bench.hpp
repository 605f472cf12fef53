#pragma once
/// \file
/// \brief Redistribution benchmark (issue 10): one double field of a 2D grid moved by
///        transfer::Redistribution between the default block decomposition and other decompositions
///        of the same grid, compared with the ping-pong of the same message size (limits.hpp).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"
#include "parlayer/halo/halo_exchange.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/transfer/redistribution.hpp"

namespace parlayer::bench {

/// \brief A decomposition the field is moved to from (and back to) the default block one.
struct RedistributionTarget {
  std::string name;  ///< "transposed", "sfc-16", "round-robin-16", "reversed"
  std::string what;  ///< one line for tables: "2x1 process grid" etc.
  domain::Decomposition decomposition;
};

/// \brief The targets for `extent` over `ranks` ranks. Local.
///   transposed: the process grid with its axes swapped (1x2 -> 2x1): a quarter of the grid moves
///               each way at 2 ranks, in pieces of half rows; a quarter stays (local copies).
///   sfc-N:      Layout::chopped into about N boxes per rank, Ownership::space_filling_curve (the
///               layout benchmark's decomposition): what moves depends on where the curve cuts
///               (at 2 ranks on a square grid, nowhere: the curve's halves are the default blocks).
///   round-robin-N: the same boxes, Ownership::round_robin: half of every rank's boxes move, so a
///               message is many box pieces.
///   reversed:   the same blocks, owners in reverse rank order: every cell moves, whole rows,
///               nothing stays: the case closest to the ping-pong.
/// A target equal to the default decomposition (e.g. the transpose of a square process grid) is
/// left out.
std::vector<RedistributionTarget> redistribution_targets(const std::vector<int>& extent, int ranks, int boxes_per_rank);

/// \brief Bytes per message (one double per cell) between each ordered pair of distinct ranks that
///        exchange anything when moving from `from` to `to`: what the ping-pong should also
///        measure. Computed from the layouts alone. Local.
std::vector<std::int64_t> redistribution_message_sizes(const domain::Decomposition& from, const domain::Decomposition& to);

/// \brief Directions of a move.
enum class Direction { forward, back };  ///< default -> target, target -> default
const char* to_string(Direction direction);

/// \brief One field of `extent` on the default decomposition and one on each target, with a
///        Redistribution per (target, backend, direction), each bound on its first run. Fields
///        have `ghost_width` ghost layers (1 by default, as a model's fields; only interiors move,
///        so with ghosts a box's rows are not contiguous with each other).
class RedistributionBench {
public:
  /// \brief Collective over `comm`.
  RedistributionBench(MPI_Comm comm, const std::vector<int>& extent, int boxes_per_rank, int ghost_width = 1);
  ~RedistributionBench();
  RedistributionBench(const RedistributionBench&) = delete;
  RedistributionBench& operator=(const RedistributionBench&) = delete;

  const std::vector<RedistributionTarget>& targets() const { return m_targets; }
  /// \brief Moves the field `count` times; \return the slowest rank's seconds per move. Collective.
  double run(std::size_t target, transfer::Backend backend, Direction direction, int count);

  /// \brief Per target: the largest message between two ranks, in bytes (max over ranks).
  std::int64_t message_bytes(std::size_t target) const;
  /// \brief Per target: the bytes a rank sends to other ranks per move (max over ranks).
  std::int64_t sent_bytes(std::size_t target) const;
  /// \brief Per target: the bytes a rank copies between its own boxes per move (max over ranks).
  std::int64_t local_bytes(std::size_t target) const;
  /// \brief Per target: messages a rank sends per move (max over ranks).
  int messages(std::size_t target) const;
  /// \brief Moves forward and back with `backend` from a known state, each into a zeroed field,
  ///        and checks that every cell arrives with its exact bits. Collective.
  bool check(std::size_t target, transfer::Backend backend);

private:
  struct Moves;
  MPI_Comm m_comm;
  domain::Decomposition m_default;
  std::vector<RedistributionTarget> m_targets;
  std::unique_ptr<domain::Field<double>> m_source;
  std::vector<std::unique_ptr<domain::Field<double>>> m_moved;  // one per target
  std::vector<std::unique_ptr<Moves>> m_moves;                  // one per target
  std::vector<std::int64_t> m_message_bytes, m_sent_bytes, m_local_bytes;
  std::vector<int> m_messages;
};

}  // namespace parlayer::bench
