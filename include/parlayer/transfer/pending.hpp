#pragma once
/// \file
/// \brief Pending: a transfer in flight — a halo exchange, a redistribution or a coupling
///        exchange. One handle for all of them.
///
///     transfer::Pending pending = exchange.start(h, u);   // or redistribution.start(...), ...
///     while (!pending.test()) do_other_work();             // poll without blocking, or
///     pending.finish();                                    // wait
///
/// The transfer is complete when finish() returns or test() has returned true: every message of
/// this rank has arrived, been unpacked, and the transfer's completion steps have run in order
/// (a halo exchange refills its walls and, in checked mode, checks that no field was written in
/// flight; a coupling exchange remaps into its target field). Both ways give the same bytes.
///
/// Misuse, alike for every transfer:
///  - dropping a Pending that is still in flight (destroyed, or overwritten by another) ends the
///    job with one line naming the transfer and its fields: whatever was computed from those
///    fields meanwhile is wrong. While an exception unwinds, it completes quietly instead (live
///    requests are never abandoned);
///  - start() again on fields in flight is a CollectiveError naming the field (transfer.hpp users
///    say so in their start());
///  - finish() on a Pending that finish() already completed, or that holds nothing (moved from,
///    default-constructed), throws std::logic_error. finish() after test() returned true returns
///    at once, as MPI_Wait does on a completed request.
namespace parlayer::transfer {

namespace detail {
class Transfer;
}

class [[nodiscard]] Pending {
public:
  /// \brief A handle that holds nothing (in_flight() is false).
  Pending() noexcept = default;
  Pending(Pending&& other) noexcept;
  /// \brief Drops what this handle holds (see the file comment), then takes `other`'s transfer.
  Pending& operator=(Pending&& other) noexcept;
  Pending(const Pending&) = delete;
  Pending& operator=(const Pending&) = delete;
  ~Pending();

  /// \brief Advances the transfer without blocking. Returns true once it is complete; then it has
  ///        been completed here (unpacked, completion steps run). Local, except that in checked
  ///        mode a halo exchange's completion agrees over all ranks (see checks.hpp).
  /// \throws std::logic_error if the handle holds nothing.
  bool test();
  /// \brief Waits for every message of this rank, unpacks, runs the completion steps.
  ///        Neighbour-wise collective (the peers must have started the same transfer).
  /// \throws std::logic_error if finish() completed it already or the handle holds nothing.
  void finish();
  /// \brief True from start() until the transfer is complete.
  bool in_flight() const noexcept { return m_transfer != nullptr; }

private:
  friend class detail::Transfer;
  explicit Pending(detail::Transfer* transfer) noexcept : m_transfer(transfer) {}
  detail::Transfer* m_transfer = nullptr;
  bool m_completed_by_test = false;
};

}  // namespace parlayer::transfer
