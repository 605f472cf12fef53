#pragma once
/// \file
/// \brief Checkpointer: checkpoints that cost the model almost nothing. Asynchronous writes (a
///        writer thread), and two levels: node-local files with a copy on a partner rank of
///        another node (level 1), and the parallel-HDF5 SnapshotSeries (level 2).
///
///     checkpoint::Checkpointer ckpt("out/checkpoints", "checkpoint", world,
///                                   {.asynchronous = true, .local_folder = "/dev/shm/run42",
///                                    .global_every = 10});
///     if (auto restored = ckpt.restore_latest(decomposition, fields)) step = restored->info.header.step;
///     ... every interval: ckpt.write(decomposition, fields, header);   // returns at memory speed
///     ... on a stop or at the end: ckpt.write(..., Checkpointer::Level::global); ckpt.wait();
///
/// Writing (Collective): write() copies every field's interior into a staging buffer and returns;
/// a writer thread then writes the checkpoint while the model steps. A write still in flight when
/// the next one is due is waited for first. Only the writer thread calls HDF5 while a write is in
/// flight: the caller must wait() before any other snapshot call (write_snapshot, read_snapshot...
/// throw std::logic_error otherwise). With asynchronous = false the same work runs inside write().
///
/// Level 1 (when local_folder is set): each rank writes its own boxes to
/// `<local_folder>/<prefix>_<step>.rank<r>.l1` (plain POSIX, temporary + one writev + rename; the
/// header records the rank's checksum of each field, made while staging, and is itself
/// checksummed), and sends them to its partner: the rank with the same index on the next node
/// (nodes: MPI_COMM_TYPE_SHARED), which stores `<prefix>_<step>.rank<r>.copy.l1` in its own local
/// folder. A level-1 generation is committed when every rank has written both (agreed). The newest
/// `local_keep` are kept. Level 2: the SnapshotSeries of `folder` (write_snapshot's commit
/// protocol): every global_every-th generation (by step, see CheckpointerOptions) and every
/// Level::global one.
///
/// Restart (restore_latest) takes the newest valid generation of either level. A level-1
/// generation is usable only on the same rank count and layout (each rank must find its own
/// boxes): a rank's data comes from its own file or, when that is missing or damaged (a lost
/// node), from its partner's copy through MPI; the fields' global checksums are then compared with
/// those recorded at writing. On another rank count or layout, level 2 is read (N→M): level-1
/// files of another rank count are logged as ignored; if level 2 holds nothing, restore_latest
/// throws a CollectiveError saying so (level 1 is never rebuilt on another rank count).
///
/// Failure model: a crash at any moment leaves every committed generation of both levels intact
/// (the write in flight leaves temporaries, removed by the next Checkpointer). A failed write
/// (full disk, unwritable folder) is a CollectiveError, thrown by write() (synchronous) or by the
/// next write()/wait() (asynchronous), identical on every rank.
#include <cstdint>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "parlayer/checkpoint/series.hpp"
#include "parlayer/checkpoint/snapshot.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"
#include "parlayer/parallel/comm.hpp"
#include "parlayer/parallel/communicator.hpp"

namespace parlayer::checkpoint {

struct CheckpointerOptions {
  /// Write in a writer thread while the model steps (needs MPI_THREAD_MULTIPLE: the writer's
  /// collective MPI-IO runs beside the model's messages).
  bool asynchronous = false;
  /// Level 1: a node-local folder (e.g. /dev/shm/run, $TMPDIR); empty: level 2 only. "{node}" in
  /// it is replaced by the node's index (0 .. nodes-1, nodes ordered by their lowest rank), for
  /// test hosts that share one file system.
  std::filesystem::path local_folder = {};
  /// With level 1: Level::automatic checkpoints of generation g = step / interval go to level 2
  /// when g % global_every == 0, the others to level 1. A function of the step, not of how many
  /// writes this run made, so a restarted run puts the same steps on the same levels as a straight
  /// one (a run from step 0 sends its global_every-th, 2·global_every-th, ... checkpoint to level 2).
  int global_every = 1;
  /// Steps between the caller's automatic checkpoints (>= 1; global_every counts in these).
  std::int64_t interval = 1;
  int keep = 3;        ///< level-2 generations kept (SnapshotSeries::keep)
  int local_keep = 2;  ///< level-1 generations kept (>= 1)
  /// How write_snapshot verifies level-2 files.
  WriteOptions write_options = {};
};

/// \brief What restore_latest restored.
struct Restored {
  SnapshotInfo info;  ///< header, writer rank count, ... (path: the level-2 file, or the level-1 files' pattern)
  int level = 2;      ///< 1: node-local files (and partner copies); 2: the parallel HDF5 file
  int from_partner_copies = 0;  ///< level 1: ranks whose data came from their partner's copy
};

/// \brief Checkpoints of one run at two levels, written synchronously or by a writer thread.
///        Not copyable or movable (the writer thread holds its address).
class Checkpointer {
public:
  enum class Level {
    automatic,  ///< level 1 if configured; level 2 for every global_every-th generation (by step)
    global,     ///< level 2 (a stop, the end of a run: node-local files may not outlive the job)
  };

  /// \brief Opens both levels: the SnapshotSeries of `folder` and, if configured, the local folder
  ///        of every rank (created; leftover temporaries removed; probed). Finds each rank's
  ///        partner. Collective over `comm`.
  /// \throws CollectiveError naming the folder if a level cannot be used, or if asynchronous
  ///         writes are asked for and MPI provides less than MPI_THREAD_MULTIPLE.
  Checkpointer(std::filesystem::path folder, std::string prefix, parallel::Comm comm, CheckpointerOptions options = {},
               SnapshotSeries::Log sink = {});
  /// \brief Waits for a write in flight; a failure is logged (a destructor cannot throw).
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  /// \brief Checkpoints `fields` at `header.step`: waits for the previous write, copies the
  ///        fields into staging buffers, then writes (in the writer thread if asynchronous).
  ///        Collective.
  /// \throws CollectiveError of this write (synchronous) or of the previous one (asynchronous).
  void write(const domain::Decomposition& decomposition, std::span<const FieldToWrite> fields,
             const SnapshotHeader& header, Level level = Level::automatic);

  /// \brief Waits until no write is in flight. Collective.
  /// \throws CollectiveError if that write failed (earlier generations are intact).
  void wait();

  /// \brief True between an asynchronous write() and the wait() that follows it. Local (the same
  ///        on every rank).
  bool in_flight() const noexcept { return m_writer.joinable(); }

  /// \brief Reads the newest valid generation of either level into `fields` (see the file
  ///        comment); each rejected candidate is logged with its reason. Collective.
  /// \return nullopt if neither level holds any generation (fields untouched).
  /// \throws CollectiveError if generations exist but none is valid.
  std::optional<Restored> restore_latest(const domain::Decomposition& decomposition, std::span<const FieldToRead> fields);

  /// \brief The level-2 series. Local.
  const SnapshotSeries& series() const noexcept { return m_series; }
  /// \brief The level-1 folder of this rank ({node} replaced); empty without level 1. Local.
  const std::filesystem::path& local_folder() const noexcept { return m_local_folder; }
  /// \brief This rank's partner (-1: none, a one-rank job). Local.
  int partner() const noexcept { return m_partner; }
  /// \brief Seconds write() spent before returning, summed over the run (this rank). Local.
  double stopped_seconds() const noexcept { return m_stopped_seconds; }

private:
  struct Staging;
  struct Job;
  void run_job(Job& job);
  void write_local(Job& job);
  std::filesystem::path spare_path(int rank, bool copy) const;
  void remove_spares() const;
  void log(const std::string& line) const;

  SnapshotSeries m_series;
  std::string m_prefix;
  CheckpointerOptions m_options;
  SnapshotSeries::Log m_log;
  parallel::Communicator m_comm;    // the main thread's (restore, agreements in write())
  parallel::Communicator m_writer_comm;  // the writer's (level-1 exchange and agreement)
  int m_rank = 0, m_size = 1;
  std::filesystem::path m_local_folder;
  int m_partner = -1;
  std::vector<int> m_holder_of;  // m_holder_of[r]: the rank that stores r's copy (-1: none)
  std::unique_ptr<Staging> m_staging;
  std::unique_ptr<Job> m_job;
  std::exception_ptr m_failure;  // of the write in flight (a CollectiveError)
  std::jthread m_writer;
  double m_stopped_seconds = 0.0;
};

}  // namespace parlayer::checkpoint
