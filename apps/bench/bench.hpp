#pragma once
/// \file
/// \brief What every parlayer benchmark shares: run settings, collective timing, the JSON report.
///
/// Benchmarks are programs, never timed tests: they measure, print a table and write JSON; they
/// assert nothing about time. Every ratio they print compares two numbers measured in the SAME run
/// (a stencil against the triad bandwidth of this run, an exchange against this run's ping-pong).
///
/// Timing rule: each measurement is repeated `reps` times, interleaved with the measurements it is
/// compared with (so a burst of load from another process hits both), and the best repetition is
/// kept. A repetition's time is the slowest rank's time (barrier, time, MPI max).
#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "parlayer/parallel/interop.hpp"

namespace parlayer::bench {

using json = nlohmann::json;

/// \brief Sizes and repetitions of one run (see `parlayer-bench --help`).
struct Config {
  int n2d = 4000;                      ///< 2D grids are n2d x n2d (strong) ...
  int n3d = 256;                       ///< ... and 3D grids n3d^3
  int weak_rows_per_rank = 1000;       ///< weak scaling: 2D grid n2d x (rows * ranks)
  int weak_planes_per_rank = 128;      ///< weak scaling: 3D grid n3d^2 x (planes * ranks)
  int steps = 10;                      ///< time steps per timed repetition
  int reps = 4;                        ///< repetitions per round; the best is kept
  int rounds = 2;                      ///< rounds, each on freshly allocated fields
  std::int64_t triad_array_bytes = std::int64_t{128} << 20;  ///< per array per rank (3 arrays)
  std::int64_t disk_bytes = std::int64_t{64} << 20;           ///< bytes written by the disk test
  int pingpong_max_iterations = 200;   ///< per size and repetition; fewer for big messages
  std::int64_t pingpong_cold_arena_bytes = std::int64_t{256} << 20;  ///< cold ping-pong: memory cycled through
  int boxes_per_rank = 16;             ///< layout benchmark: boxes per rank of the chopped layout
  std::vector<int> box_size_2d, box_size_3d;  ///< layout benchmark: explicit box size (empty: from boxes_per_rank)
  std::vector<int> redistribution_sizes{1024, 2048, 4096};  ///< redistribution: N x N doubles
  int redistribution_ghost_width = 1;  ///< redistribution: ghost layers of the moved fields
  int threads = 1;                     ///< threads suite: threads per rank (parallel::ThreadPool)
  std::vector<int> tile_size;          ///< threads suite: cells per tile along x, y, z (0: whole);
                                       ///< empty: 2D [0, 16] (rows), 3D [0, 0, 8] (whole planes)
  std::string out_dir = "out/bench";   ///< where the disk and snapshot tests write
  std::string local_dir = "/dev/shm";  ///< the snapshot suite's level-1 (node-local) checkpoint folder
  std::string transport;               ///< "shm" or "tcp" (from OMPI_MCA_btl unless given)
};

/// \brief MPI_Wtime.
inline double now() { return MPI_Wtime(); }

/// This rank in `comm`, and the size of `comm`.
inline int comm_rank(MPI_Comm comm) {
  int r = 0;
  MPI_Comm_rank(comm, &r);
  return r;
}
inline int comm_size(MPI_Comm comm) {
  int s = 1;
  MPI_Comm_size(comm, &s);
  return s;
}

/// \brief The largest `value` over `comm`. Collective.
double max_over(MPI_Comm comm, double value);
/// \brief The sum of `value` over `comm`. Collective.
double sum_over(MPI_Comm comm, double value);

/// \brief /proc/loadavg's 1, 5 and 15 minute averages (zeros if unreadable). Local.
std::array<double, 3> load_average();

/// \brief The CPUs this process may run on, e.g. "1" when bound or "0-1". Local.
std::string cpu_affinity();

/// \brief Records how many OTHER tasks are runnable right now: /proc/stat's procs_running minus
///        this job's `own_ranks` (all of which are running or spinning in MPI when this is called
///        between measurements). The 1-minute load average lags and counts this job too; this is
///        the load a measurement actually competed with. Call on rank 0 only. Local.
void sample_other_load(int own_ranks);
/// \brief {"mean", "max", "samples", "busy_fraction", "quiet_wait_s", "unquiet_starts"} so far. Local.
json other_load_summary();

/// \brief Quiet gate before a repetition: waits until no other task has been runnable in 5 samples
///        10 ms apart, or until the run's waiting budget (set_quiet_budget) is spent. Does nothing
///        with a zero budget (the default). Collective.
void wait_for_quiet(MPI_Comm comm);
/// \brief Total seconds wait_for_quiet may wait in this run (e.g. 60). Local.
void set_quiet_budget(double seconds);

/// \brief A fixed-width text table for stdout.
class Table {
public:
  Table(std::string title, std::vector<std::string> header);
  void add(std::vector<std::string> row);
  /// \brief Prints to stdout (call on one rank only).
  void print() const;

private:
  std::string m_title;
  std::vector<std::string> m_header;
  std::vector<std::vector<std::string>> m_rows;
};

/// \brief printf-style formatting into a std::string.
std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace parlayer::bench
