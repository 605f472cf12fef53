#pragma once
/// \file
/// \brief SnapshotSeries: the generations of snapshots of one run in one folder, and finding the
///        newest valid one to restart from.
///
///     checkpoint::SnapshotSeries series("out/checkpoints", "climate", world);   // keep 3
///     // restart:
///     if (auto latest = series.restore_latest(decomposition, fields)) step = latest->header.step;
///     // in the time loop, when the driver decides (cadence is the caller's business):
///     series.write(decomposition, fields, {step, time, model, config});
///
/// Files: `<folder>/<prefix>_<step, 10 digits>.h5`, e.g. `climate_0000001200.h5`; a write in
/// progress is `.<that name>.tmp-<token>` (see write_snapshot). Generations are ordered by step.
/// One run writes to a folder+prefix at a time; the class never touches files of other prefixes.
///
/// Failure model (docs/checkpoint.md): a crash or kill at any moment leaves every committed
/// generation intact and at most one temporary, removed by the next SnapshotSeries on that folder.
/// A generation is pruned only after a newer one is committed.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "parlayer/checkpoint/snapshot.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"
#include "parlayer/parallel/comm.hpp"
#include "parlayer/parallel/communicator.hpp"

namespace parlayer::checkpoint {

/// \brief A committed snapshot of the series.
struct Generation {
  std::int64_t step = 0;
  std::filesystem::path path;
};

/// \brief A snapshot file that cannot be used, and why (e.g. "checksum mismatch ...").
struct Rejected {
  std::filesystem::path path;
  std::string reason;
};

/// \brief What SnapshotSeries::find_latest_valid found.
struct LatestValid {
  /// The newest valid generation; nullopt only if the folder holds no generation at all.
  std::optional<SnapshotInfo> snapshot;
  /// Every file passed over on the way, newest first, with its reason (leftover temporaries too).
  std::vector<Rejected> rejected;
};

/// \brief The snapshot generations of one run: `<folder>/<prefix>_<step>.h5`, the newest `keep`
///        of them kept. Move-only (owns a duplicate of the communicator).
class SnapshotSeries {
public:
  /// \brief Receives one line of progress or warning. Called on rank 0 only.
  using Log = std::function<void(const std::string& line)>;

  /// \brief Opens the series: creates `folder` if it does not exist, removes (and logs) the
  ///        leftover temporaries of this prefix from interrupted writes, and checks that a file can
  ///        be created in the folder. Collective over `comm`.
  /// \param keep generations kept after each write (>= 1; default 3).
  /// \param sink where progress and warnings go; default: stderr, prefixed "parlayer checkpoint: ".
  /// \throws CollectiveError naming the folder if it cannot be created, is not a folder (a file, or
  ///         under a file) or is not writable; or for a bad prefix or keep.
  SnapshotSeries(std::filesystem::path folder, std::string prefix, parallel::Comm comm, int keep = 3, Log sink = {});

  const std::filesystem::path& folder() const noexcept { return m_folder; }
  const std::string& prefix() const noexcept { return m_prefix; }
  int keep() const noexcept { return m_keep; }

  /// \brief The file of the generation at `step`. Local.
  std::filesystem::path path_of(std::int64_t step) const;

  /// \brief The committed generations in the folder, oldest first, as rank 0 sees them.
  ///        Collective.
  std::vector<Generation> generations() const;

  /// \brief Writes the generation `header.step` atomically (write_snapshot), then removes the
  ///        oldest generations beyond keep(). Pruning failures are logged, not thrown: the new
  ///        generation is committed by then. Collective.
  /// \return the new generation's path.
  /// \throws CollectiveError as write_snapshot (every earlier generation is then untouched), or for
  ///         a negative step.
  std::filesystem::path write(const domain::Decomposition& decomposition,
                              std::span<const domain::FieldBase* const> fields, const SnapshotHeader& header);
  /// \brief The same, each field under the name given with it (see NamedField), verified as
  ///        `options` says.
  std::filesystem::path write(const domain::Decomposition& decomposition, std::span<const FieldToWrite> fields,
                              const SnapshotHeader& header, const WriteOptions& options = {});

  /// \brief Walks the generations newest first and returns the first valid one for this grid
  ///        and these fields (verify_snapshot: opens, metadata checksums, grid, fields and types,
  ///        data checksums). Each rejected file is logged with its reason. Collective.
  /// \param needed the fields a restart needs (empty: every field of the snapshot is verified).
  /// \throws CollectiveError if generations exist but none is valid (a restart must never
  ///         silently start from step 0); the message lists each file's reason.
  LatestValid find_latest_valid(const domain::Decomposition& decomposition, std::span<const FieldSpec> needed = {}) const;

  /// \brief find_latest_valid and read_snapshot in one pass: reads the newest valid generation
  ///        into `fields` (any decomposition of the same grid), each generation read once.
  ///        Collective.
  /// \param rejected if not null, receives the rejected files, newest first.
  /// \return the snapshot read, or nullopt if the folder holds no generation (fields untouched).
  /// \throws CollectiveError if generations exist but none is valid.
  std::optional<SnapshotInfo> restore_latest(const domain::Decomposition& decomposition,
                                             std::span<domain::FieldBase* const> fields,
                                             std::vector<Rejected>* rejected = nullptr) const;
  /// \brief The same, each field read from the dataset named with it (see NamedField).
  std::optional<SnapshotInfo> restore_latest(const domain::Decomposition& decomposition,
                                             std::span<const FieldToRead> fields,
                                             std::vector<Rejected>* rejected = nullptr) const;

private:
  void log(const std::string& line) const;
  std::vector<Rejected> leftover_temporaries() const;
  template <class TryOne>
  LatestValid walk_newest_first(TryOne&& try_one) const;

  std::filesystem::path m_folder;
  std::string m_prefix;
  int m_keep = 3;
  Log m_log;
  parallel::Communicator m_comm;
  int m_rank = 0;
};

}  // namespace parlayer::checkpoint
