#pragma once
/// \file
/// \brief The run-time checks of transfers (checked mode: see domain/checked.hpp).
///
/// When on, every transfer (halo exchange, redistribution, coupling exchange)
///  - fills the cells it will receive by message with a signalling NaN (floating point) or the
///    lowest value (integers) in start(), so a kernel that reads them before completion computes
///    NaN or garbage that shows, instead of last step's values that look plausible;
///  - in finish(), waits at most PARLAYER_CHECK_TIMEOUT seconds (default 60) and then ends the job
///    naming the ranks whose messages never came (a rank that skipped the transfer), instead of
///    hanging silently.
/// and every halo exchange also
///  - reports a field with no boundary condition set at a wall it has (its wall ghosts would never
///    be filled): a CollectiveError at its first start();
///  - notices a field written between start() and finish() (a hash of every box's interior taken in
///    start() and compared in finish(), agreed over all ranks): a CollectiveError naming the field.
/// The checks are on in a checked build and, in any build, when the environment sets
/// PARLAYER_CHECK=1. They cost a hash of each exchanged field per exchange and one reduction.
namespace parlayer::transfer {

/// \brief True in a checked build or with PARLAYER_CHECK=1 (read once), unless set_checks_enabled
///        said otherwise. Local.
bool checks_enabled() noexcept;
/// \brief Switches the run-time checks on or off (tests; every rank alike). Local.
void set_checks_enabled(bool on) noexcept;
/// \brief Seconds finish() waits before reporting, from PARLAYER_CHECK_TIMEOUT (default 60). Local.
double check_timeout_seconds() noexcept;
/// \brief Sets that time (tests). Local.
void set_check_timeout_seconds(double seconds) noexcept;

}  // namespace parlayer::transfer
