#pragma once
// Internal to parlayer (used by the transfer, halo and coupling modules): one bound field set of a
// plan, as a Pending handle sees it, and the cache of them that every transfer keeps.
//
// A Transfer is an engine (the bytes) plus what every transfer does around it alike: the fields
// in flight are marked (a second start is one error for every user), checked mode poisons the
// receives and bounds the wait, and completion runs the steps its user gave, in order.
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/transfer/pending.hpp"

namespace parlayer::transfer::detail {

class Transfer {
public:
  /// `kind` names the transfer in messages ("halo exchange", "redistribution", "coupling
  /// exchange ocean -> atmosphere").
  Transfer(std::string kind, const TransferPlan& plan, std::span<const domain::FieldBase* const> from,
           std::span<domain::FieldBase* const> to, parallel::Comm comm, int tag, Backend backend);

  TransferEngine& engine() noexcept { return m_engine; }
  const TransferEngine& engine() const noexcept { return m_engine; }
  bool in_flight() const noexcept { return m_in_flight; }
  /// "halo exchange of 'h', 'u'": the kind and the fields it writes (or reads, on a rank that only
  /// sends).
  std::string description() const;

  /// Starts the messages and marks the target fields in flight. Checked mode: poisons the cells
  /// the messages will write first. \throws CollectiveError if this transfer is in flight.
  Pending start();
  /// Adds a step to run when the transfer now in flight completes, after the messages are
  /// unpacked and the earlier steps have run. Steps are dropped once they have run.
  void then(std::function<void()> step) { m_steps.push_back(std::move(step)); }

  // For Pending:
  bool test();
  void finish();
  void finish_quietly() noexcept;  // while an exception unwinds: completes, reports nothing

private:
  void complete();  // after every message has completed: unpack, unmark, run the steps

  std::string m_kind;
  TransferEngine m_engine;
  bool m_in_flight = false;
  bool m_checked = false;  // checked mode, fixed when the transfer is bound
  std::vector<std::function<void()>> m_steps;
};

/// \throws CollectiveError naming `kind` and the field if a field of `to` is in flight already
///         (a second start before finish) or listed twice. Every transfer's start() calls it
///         first, so the mistake is one message for every user.
void check_startable(const std::string& kind, std::span<domain::FieldBase* const> to);

/// \brief Throws CollectiveError("<call>: this <what> was moved from; use the object it was moved
///        to") if `state` (the object's plan) is null, as it is after a move: a moved-from exchange
///        or redistribution refuses use instead of dereferencing nothing. Every rank moves alike.
void check_not_moved_from(const void* state, const char* what, const char* call);

/// The bound field sets of one plan: most recently used last, at most 16 (an idle one is dropped
/// past that), each with a tag of its own (in creation order, the same on every rank, since
/// start() is neighbour-wise collective), so two sets in flight at once never match each other's
/// messages. One cache per exchange or redistribution; each holds its own duplicated communicator.
class TransferCache {
public:
  TransferCache() = default;
  TransferCache(TransferCache&&) noexcept = default;
  TransferCache& operator=(TransferCache&&) noexcept = default;

  /// The transfer bound to `from` -> `to`, bound now if there is none.
  Transfer& bind(const std::string& kind, const TransferPlan& plan, std::span<const domain::FieldBase* const> from,
                 std::span<domain::FieldBase* const> to, parallel::Comm comm, Backend backend);
  /// The same for a halo exchange (the sources are the targets).
  Transfer& bind(const std::string& kind, const TransferPlan& plan, std::span<domain::FieldBase* const> fields,
                 parallel::Comm comm, Backend backend);

private:
  template <class Matches, class Make>
  Transfer& find_or_make(const Matches& matches, const Make& make);

  std::vector<std::unique_ptr<Transfer>> m_transfers;
  int m_next_tag = 0;
};

}  // namespace parlayer::transfer::detail
