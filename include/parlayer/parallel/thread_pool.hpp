#pragma once
/// \file
/// \brief ThreadPool: a fixed team of threads inside one rank that runs the tiles of a step.
///
///     parallel::ThreadPool threads(4);                   // the caller + 3 workers
///     threads.run(tiles.size(), [&](int i, int thread) { kernel(tiles[i], scratch[thread]); });
///
/// Why a pool of our own and not OpenMP: the pool is the only thing parlayer needs (run N
/// independent tasks, wait for all), a pool started once costs one wake-up per run() instead of
/// a parallel region's, it composes with the overlap driver's split phases (MPI stays on the
/// calling thread: MPI_THREAD_FUNNELED is enough), and ThreadSanitizer sees all of its
/// synchronisation (GCC's libgomp is not instrumented, so TSan reports false races in OpenMP
/// code). docs/performance.md compares it with an OpenMP loop.
///
/// Determinism: which thread runs which task is not fixed (idle threads take the next one). Results
/// must not depend on it: a task writes cells no other task writes, and per-thread partial results
/// (sums, costs) are combined in thread order or exactly (runtime::ExactSum).
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace parlayer::parallel {

class ThreadPool {
public:
  /// \brief A team of `threads` threads: the caller of run() is thread 0, threads - 1 workers are
  ///        started here and sleep until run(). Local.
  /// \throws std::invalid_argument if threads < 1.
  explicit ThreadPool(int threads = 1);
  /// \brief Stops and joins the workers (never while a run() is in progress: run() is blocking).
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /// \brief The number of threads, the caller included.
  int size() const noexcept { return m_size; }

  /// \brief Calls task(i, thread) once for every i in [0, count), spread over the team (thread is
  ///        0 .. size() - 1, for per-thread scratch), and returns when all have returned. Local;
  ///        call it from one thread at a time. With one thread, or one task, the tasks run on the
  ///        caller in order. If tasks throw, the others still run and the first exception is
  ///        rethrown here.
  template <class Task>
  void run(int count, Task&& task) {
    using T = std::remove_reference_t<Task>;
    run_erased(count, const_cast<void*>(static_cast<const void*>(&task)),
               [](void* t, int i, int thread) { (*static_cast<T*>(t))(i, thread); });
  }

private:
  using Call = void (*)(void* task, int index, int thread);
  void run_erased(int count, void* task, Call call);
  void work(int thread) noexcept;  // takes tasks until none is left
  void worker_loop(int thread) noexcept;

  int m_size = 1;
  std::vector<std::thread> m_workers;
  // The current run (written by the caller before m_generation is bumped, read by workers after).
  void* m_task = nullptr;
  Call m_call = nullptr;
  int m_count = 0;
  std::atomic<int> m_next{0};            // next task index to take
  std::atomic<int> m_busy_workers{0};    // workers still in the current run
  std::atomic<std::uint64_t> m_generation{0};  // bumped once per run(); workers wait on it
  std::atomic<bool> m_stop{false};
  std::mutex m_error_mutex;
  std::exception_ptr m_error;
};

}  // namespace parlayer::parallel
