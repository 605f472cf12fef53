#include "limits.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "parlayer/domain/field.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::bench {

namespace {

// The triad's arrays come from the allocator Field uses (64-byte aligned; 2 MiB aligned and on
// transparent huge pages where the machine allows): the limit is measured on the same kind of
// memory the stencils stream through, so neither side gains from the page size.
using Array = std::vector<double, domain::CacheLineAllocator<double>>;

// Not inlined, restrict-qualified: the compiler sees three independent streams and vectorises.
__attribute__((noinline)) void triad(double* __restrict a, const double* __restrict b,
                                     const double* __restrict c, double s, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) a[i] = b[i] + s * c[i];
}

// STREAM "scale": one read stream and one written stream, the memory pattern of a Jacobi sweep.
__attribute__((noinline)) void scale(double* __restrict a, const double* __restrict b, double s, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) a[i] = s * b[i];
}

// One row of a triad result: the best times of `elements` elements per kernel (over all active
// ranks or threads) and the bandwidths they give, counted and with write-allocate.
json stream_rates(double elements, double best_triad, double best_scale) {
  return {{"best_s", best_triad},
          {"counted_GBps", 24.0 * elements / best_triad / 1e9},
          {"with_write_allocate_GBps", 32.0 * elements / best_triad / 1e9},
          {"scale_best_s", best_scale},
          {"scale_counted_GBps", 16.0 * elements / best_scale / 1e9},
          {"scale_with_write_allocate_GBps", 24.0 * elements / best_scale / 1e9}};
}

[[noreturn]] void throw_errno(const std::string& what, const std::filesystem::path& path) {
  throw std::runtime_error(what + " '" + path.string() + "': " + std::strerror(errno));
}

}  // namespace

json bench_triad(MPI_Comm comm, const Config& cfg) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  const std::size_t n = static_cast<std::size_t>(cfg.triad_array_bytes) / sizeof(double);
  Array a(n), b(n), c(n);
  // First touch by the rank that uses the arrays (page placement), and values that stay finite.
  for (std::size_t i = 0; i < n; ++i) a[i] = 0.0, b[i] = 1.0, c[i] = 0.5;

  std::vector<int> actives{1};
  if (size > 1) actives.push_back(size);
  std::vector<double> best(actives.size(), 1e300), best_scale(actives.size(), 1e300);
  triad(a.data(), b.data(), c.data(), 0.5, n);  // warm-up: page tables, frequency
  for (int rep = 0; rep < std::max(cfg.reps, 3) * 2; ++rep)
    for (std::size_t m = 0; m < actives.size(); ++m)
      for (int kernel = 0; kernel < 2; ++kernel) {
        wait_for_quiet(comm);
        PARLAYER_MPI_CHECK(MPI_Barrier(comm));
        double t = 0;
        if (rank < actives[m]) {
          const double t0 = now();
          if (kernel == 0) triad(a.data(), b.data(), c.data(), 0.5, n);
          else scale(a.data(), b.data(), 0.5, n);
          t = now() - t0;
        }
        double& slot = kernel == 0 ? best[m] : best_scale[m];
        slot = std::min(slot, max_over(comm, t));
        if (rank == 0) sample_other_load(size);
      }
  // Keep the result observable, so no compiler can drop the stores.
  volatile double sink = a[n / 2];
  (void)sink;

  json out;
  out["array_bytes_per_rank"] = cfg.triad_array_bytes;
  out["arrays"] = 3;
  out["counted_bytes_per_element"] = 24;
  out["with_write_allocate_bytes_per_element"] = 32;
  out["results"] = json::array();
  for (std::size_t m = 0; m < actives.size(); ++m) {
    const double elements = static_cast<double>(n) * actives[m];
    json row = stream_rates(elements, best[m], best_scale[m]);
    row["ranks_active"] = actives[m];
    out["results"].push_back(std::move(row));
  }
  return out;
}

json bench_team_triad(MPI_Comm comm, const Config& cfg, parallel::ThreadPool& pool) {
  const int size = comm_size(comm), rank = comm_rank(comm);
  const std::size_t n = static_cast<std::size_t>(cfg.triad_array_bytes) / sizeof(double);
  const int team = pool.size();
  // Field's allocator, unfilled: every part is first touched by a thread of the team.
  struct Raw {
    explicit Raw(std::size_t count) : n(count), p(domain::CacheLineAllocator<double>().allocate(count)) {}
    std::size_t n;
    double* p;
    ~Raw() { domain::CacheLineAllocator<double>().deallocate(p, n); }
    Raw(const Raw&) = delete;
    Raw& operator=(const Raw&) = delete;
  } a(n), b(n), c(n);
  double* pa = a.p;
  double* pb = b.p;
  double* pc = c.p;
  auto part = [&](int i, int parts) {
    const std::size_t lo = n * static_cast<std::size_t>(i) / static_cast<std::size_t>(parts);
    const std::size_t hi = n * static_cast<std::size_t>(i + 1) / static_cast<std::size_t>(parts);
    return std::pair<std::size_t, std::size_t>{lo, hi};
  };
  pool.run(team, [&](int i, int) {
    const auto [lo, hi] = part(i, team);
    for (std::size_t k = lo; k < hi; ++k) pa[k] = 0.0, pb[k] = 1.0, pc[k] = 0.5;
  });
  std::vector<int> actives{1};
  if (team > 1) actives.push_back(team);
  std::vector<double> best(actives.size(), 1e300), best_scale(actives.size(), 1e300);
  auto stream = [&](int threads, int kernel) {
    pool.run(threads, [&](int i, int) {
      const auto [lo, hi] = part(i, threads);
      if (kernel == 0) triad(pa + lo, pb + lo, pc + lo, 0.5, hi - lo);
      else scale(pa + lo, pb + lo, 0.5, hi - lo);
    });
  };
  stream(team, 0);  // warm-up
  for (int rep = 0; rep < std::max(cfg.reps, 3) * 2; ++rep)
    for (std::size_t m = 0; m < actives.size(); ++m)
      for (int kernel = 0; kernel < 2; ++kernel) {
        wait_for_quiet(comm);
        PARLAYER_MPI_CHECK(MPI_Barrier(comm));
        const double t0 = now();
        stream(actives[m], kernel);
        const double t = now() - t0;
        double& slot = kernel == 0 ? best[m] : best_scale[m];
        slot = std::min(slot, max_over(comm, t));
        if (rank == 0) sample_other_load(size * team);
      }
  volatile double sink = pa[n / 2];
  (void)sink;

  json out;
  out["array_bytes_per_rank"] = cfg.triad_array_bytes;
  out["results"] = json::array();
  for (std::size_t m = 0; m < actives.size(); ++m) {
    const double elements = static_cast<double>(n) * size;
    json row = stream_rates(elements, best[m], best_scale[m]);
    row["threads_active"] = actives[m];
    row["ranks_active"] = size;
    out["results"].push_back(std::move(row));
  }
  return out;
}

double team_roofline_cells_per_s(const json& team_triad, int threads, double bytes_per_cell_with_write_allocate) {
  if (!team_triad.is_object() || !team_triad.contains("results")) return 0;
  for (const json& r : team_triad["results"])
    if (r["threads_active"].get<int>() == threads)
      return r["with_write_allocate_GBps"].get<double>() * 1e9 / bytes_per_cell_with_write_allocate;
  return 0;
}

double roofline_cells_per_s(const json& triad, int ranks, double bytes_per_cell_with_write_allocate,
                            const char* key) {
  if (!triad.is_object() || !triad.contains("results")) return 0;
  for (const json& r : triad["results"])
    if (r["ranks_active"].get<int>() == ranks && r.contains(key))
      return r[key].get<double>() * 1e9 / bytes_per_cell_with_write_allocate;
  return 0;
}

json bench_pingpong(MPI_Comm parent, const Config& cfg, std::vector<std::int64_t> sizes) {
  json out;
  out["transport"] = cfg.transport;
  out["cold_arena_bytes"] = 0;
  out["results"] = json::array();
  int rank = 0, size = 1;
  MPI_Comm_rank(parent, &rank);
  MPI_Comm_size(parent, &size);
  if (size < 2) return out;
  MPI_Comm comm = MPI_COMM_NULL;
  PARLAYER_MPI_CHECK(MPI_Comm_dup(parent, &comm));

  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  const std::int64_t largest = sizes.empty() ? 1 : sizes.back();
  // Three kinds of memory, interleaved: plain heap memory (4 KiB pages, what the results have always
  // been), Field's allocator (2 MiB pages for large blocks, like field data), and Field's allocator
  // "cold": every message from and into another part of an arena far larger than the last-level
  // cache, as when a large field is moved (the first two send the same buffer back and forth, which
  // stays in cache up to ~16 MiB). Open MPI's single-copy transport pins every page it copies, so
  // from ~4 MiB on the page size sets the bandwidth (measured 3x apart at 64 MiB on this VM).
  std::vector<char> plain(static_cast<std::size_t>(largest), 1);
  std::vector<char, domain::CacheLineAllocator<char>> field_memory(static_cast<std::size_t>(largest), 1);
  const std::int64_t page = 4096;
  const std::int64_t arena_bytes = std::max(cfg.pingpong_cold_arena_bytes, 4 * ((largest + page - 1) / page * page));
  std::vector<char, domain::CacheLineAllocator<char>> arena(static_cast<std::size_t>(arena_bytes), 1);
  out["cold_arena_bytes"] = arena_bytes;
  const int peer = rank == 0 ? 1 : 0;
  const bool active = rank < 2;

  for (std::int64_t bytes : sizes) {
    const int count = static_cast<int>(bytes);
    // Short repetitions (~4 MiB each way, 10..max round trips) and many of them: on a shared
    // machine the best of many short windows is the one another process did not disturb.
    const int iterations = static_cast<int>(std::clamp<std::int64_t>(
        (std::int64_t{4} << 20) / std::max<std::int64_t>(bytes, 1), 10, cfg.pingpong_max_iterations));
    // Cold: message number m (both directions counted) uses slot m % slots of the arena, so a slot
    // is used again only after the whole arena has been sent through.
    const std::int64_t slot_bytes = (bytes + page - 1) / page * page;
    const std::int64_t slots = std::max<std::int64_t>(1, arena_bytes / slot_bytes);
    std::int64_t message = 0;
    auto slot = [&]() { return arena.data() + (message++ % slots) * slot_bytes; };
    auto round_trips = [&](int k, char* buffer) {
      for (int it = 0; it < k; ++it) {
        char* first = buffer ? buffer : slot();
        char* second = buffer ? buffer : slot();
        if (rank == 0) {
          PARLAYER_MPI_CHECK(MPI_Send(first, count, MPI_BYTE, peer, 1, comm));
          PARLAYER_MPI_CHECK(MPI_Recv(second, count, MPI_BYTE, peer, 1, comm, MPI_STATUS_IGNORE));
        } else {
          PARLAYER_MPI_CHECK(MPI_Recv(first, count, MPI_BYTE, peer, 1, comm, MPI_STATUS_IGNORE));
          PARLAYER_MPI_CHECK(MPI_Send(second, count, MPI_BYTE, peer, 1, comm));
        }
      }
    };
    // Both ways at once (MPI_Sendrecv on cold field memory): what an exchange in which every rank
    // sends and receives a message of this size can reach. On shared memory each side's copy
    // competes with the other's for the memory bandwidth.
    auto exchanges = [&](int k) {
      for (int it = 0; it < k; ++it) {
        char* sent = slot();
        char* received = slot();
        PARLAYER_MPI_CHECK(MPI_Sendrecv(sent, count, MPI_BYTE, peer, 2, received, count, MPI_BYTE, peer, 2, comm,
                                        MPI_STATUS_IGNORE));
      }
    };
    double best[4] = {1e300, 1e300, 1e300, 1e300};  // plain, field memory, field memory cold, exchange
    char* buffers[3] = {plain.data(), field_memory.data(), nullptr};
    if (active) {
      for (char* b : buffers) round_trips(std::min(iterations, 10), b);  // warm-up: connections, registration
      exchanges(std::min(iterations, 10));
    }
    for (int rep = 0; rep < std::max(3 * cfg.reps, 3); ++rep) {
      if (rep % 4 == 0) wait_for_quiet(comm);
      for (int kind = 0; kind < 4; ++kind) {
        PARLAYER_MPI_CHECK(MPI_Barrier(comm));
        double t = 0;
        if (active) {
          const double t0 = now();
          if (kind < 3) {
            round_trips(iterations, buffers[kind]);
            t = (now() - t0) / (2.0 * iterations);
          } else {
            exchanges(iterations);
            t = (now() - t0) / iterations;
          }
        }
        best[kind] = std::min(best[kind], max_over(comm, t));
      }
      if (rank == 0) sample_other_load(size);
    }
    out["results"].push_back({{"bytes", bytes},
                              {"iterations", iterations},
                              {"one_way_us", best[0] * 1e6},
                              {"bandwidth_GBps", static_cast<double>(bytes) / best[0] / 1e9},
                              {"field_memory_one_way_us", best[1] * 1e6},
                              {"field_memory_bandwidth_GBps", static_cast<double>(bytes) / best[1] / 1e9},
                              {"field_memory_cold_one_way_us", best[2] * 1e6},
                              {"field_memory_cold_bandwidth_GBps", static_cast<double>(bytes) / best[2] / 1e9},
                              {"exchange_us", best[3] * 1e6},
                              {"exchange_bandwidth_GBps", static_cast<double>(bytes) / best[3] / 1e9}});
  }
  MPI_Comm_free(&comm);
  return out;
}

json bench_disk(MPI_Comm comm, const std::filesystem::path& dir, std::int64_t bytes) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  if (rank == 0) std::filesystem::create_directories(dir);
  PARLAYER_MPI_CHECK(MPI_Barrier(comm));
  const std::filesystem::path path = dir / "parlayer-bench-disk.tmp";

  const std::int64_t share = bytes / size;
  const std::int64_t begin = share * rank;
  const std::int64_t end = rank == size - 1 ? bytes : begin + share;
  constexpr std::int64_t block = std::int64_t{4} << 20;
  std::vector<char> buffer(static_cast<std::size_t>(block));
  for (std::size_t i = 0; i < buffer.size(); ++i) buffer[i] = static_cast<char>(i * 131 + rank);

  double best_write = 1e300, best_read = 1e300;
  for (int rep = 0; rep < 3; ++rep) {
    if (rank == 0) {
      const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
      if (fd < 0) throw_errno("disk benchmark: cannot create", path);
      ::close(fd);
    }
    PARLAYER_MPI_CHECK(MPI_Barrier(comm));
    double t0 = now();
    int fd = ::open(path.c_str(), O_WRONLY);
    if (fd < 0) throw_errno("disk benchmark: cannot open", path);
    for (std::int64_t at = begin; at < end; at += block) {
      const std::size_t n = static_cast<std::size_t>(std::min(block, end - at));
      if (::pwrite(fd, buffer.data(), n, at) != static_cast<ssize_t>(n)) throw_errno("pwrite", path);
    }
    if (::fsync(fd) != 0) throw_errno("fsync", path);
    ::close(fd);
    best_write = std::min(best_write, max_over(comm, now() - t0));

    // Read back after dropping the (now clean) pages: what a restart from a cold cache sees.
    fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) throw_errno("disk benchmark: cannot open", path);
    ::posix_fadvise(fd, begin, end - begin, POSIX_FADV_DONTNEED);
    PARLAYER_MPI_CHECK(MPI_Barrier(comm));
    t0 = now();
    for (std::int64_t at = begin; at < end; at += block) {
      const std::size_t n = static_cast<std::size_t>(std::min(block, end - at));
      if (::pread(fd, buffer.data(), n, at) != static_cast<ssize_t>(n)) throw_errno("pread", path);
    }
    ::close(fd);
    best_read = std::min(best_read, max_over(comm, now() - t0));
    PARLAYER_MPI_CHECK(MPI_Barrier(comm));
    if (rank == 0) std::filesystem::remove(path);
  }
  return {{"dir", dir.string()},
          {"bytes", bytes},
          {"writers", size},
          {"write_fsync_s", best_write},
          {"write_fsync_GBps", static_cast<double>(bytes) / best_write / 1e9},
          {"read_cold_s", best_read},
          {"read_cold_GBps", static_cast<double>(bytes) / best_read / 1e9}};
}

}  // namespace parlayer::bench
