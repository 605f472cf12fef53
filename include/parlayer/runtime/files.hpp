#pragma once
/// \file
/// \brief Folder handling shared by output writers: creating folders, and locking a run's folders
///        against a second run writing into them at the same time.
#include <filesystem>
#include <string>
#include <vector>

#include "parlayer/parallel/comm.hpp"

namespace parlayer::runtime {

/// \brief Creates `folder` (and its parents) on rank 0 unless it exists; every rank learns the
///        outcome (parallel::on_root). Collective over `comm`.
/// \throws CollectiveError "cannot create output folder '<folder>': <reason>" on every rank.
void ensure_folder(const std::filesystem::path& folder, parallel::Comm comm);

/// \brief The name of the lock file FolderLock keeps in each folder.
inline constexpr const char* lock_file_name = ".parlayer.lock";

/// \brief An advisory lock on the folders a run writes into, held by rank 0 for the object's
///        lifetime: one run per folder at a time.
///
/// Take it before anything is written or cleaned up in the folders (a second run would remove
/// the first one's temporaries, or overwrite its generations). Each folder gets a lock file
/// `.parlayer.lock`, locked with flock(2) and holding one line naming the holder: pid, host,
/// start time and program. A second run finds the lock taken and stops with one error line
/// naming the folder and that line. The lock is the flock, not the file: the kernel drops it when
/// the holding process ends in any way (exit, crash, SIGKILL), so a crashed run never blocks the
/// next one, and the stale file is simply reused. The file stays in the folder (removing it would
/// let two runs lock two different files of the same name).
///
/// A folder that cannot be created or where the lock file cannot be made is not an error here
/// (the writer that uses the folder reports that itself, with its own message); neither is a file
/// system without flock: the run then goes on unprotected, and warning() says why.
class FolderLock {
public:
  struct Folder {
    std::filesystem::path path;  ///< the folder
    std::string what;            ///< what it is, for messages: "output folder"
    std::string key;             ///< the config key that names it: "output.dir"
  };

  FolderLock() = default;
  /// \brief Creates each folder (and its parents) if needed and locks it; a folder given twice
  ///        (the same folder under two names) is locked once. Collective over `comm`; rank 0
  ///        holds the locks.
  /// \param holder written into the lock files after "pid P on host H, started T": the program
  ///        (e.g. "parlayer-climate").
  /// \throws CollectiveError, on every rank, if another process holds the lock of a folder:
  ///         "output folder 'out' (output.dir) is in use by another run: pid 4242 on host n1,
  ///         started 2026-11-28 10:31:02 UTC (parlayer-climate); lock file out/.parlayer.lock; wait
  ///         for it to end (or stop it), or use another output.dir". No lock is held then.
  FolderLock(const std::vector<Folder>& folders, parallel::Comm comm, const std::string& holder);
  /// \brief Releases the locks (rank 0). Local.
  ~FolderLock();
  FolderLock(FolderLock&& other) noexcept;
  FolderLock& operator=(FolderLock&& other) noexcept;
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

  /// \brief Why some folder could not be locked (the run goes on without that protection), or "".
  ///        The same on every rank.
  const std::string& warning() const noexcept { return m_warning; }

private:
  void release() noexcept;
  std::vector<int> m_descriptors;  // rank 0: the locked lock files
  std::string m_warning;
};

}  // namespace parlayer::runtime
