#include "parlayer/parallel/thread_pool.hpp"

#include <stdexcept>
#include <string>

namespace parlayer::parallel {

ThreadPool::ThreadPool(int threads) : m_size(threads) {
  if (threads < 1) throw std::invalid_argument("ThreadPool: " + std::to_string(threads) + " threads (at least 1)");
  m_workers.reserve(static_cast<std::size_t>(threads - 1));
  for (int t = 1; t < threads; ++t) m_workers.emplace_back([this, t] { worker_loop(t); });
}

ThreadPool::~ThreadPool() {
  m_stop.store(true, std::memory_order_relaxed);
  m_generation.fetch_add(1, std::memory_order_release);
  m_generation.notify_all();
  for (std::thread& w : m_workers) w.join();
}

void ThreadPool::work(int thread) noexcept {
  for (int i; (i = m_next.fetch_add(1, std::memory_order_relaxed)) < m_count;) {
    try {
      m_call(m_task, i, thread);
    } catch (...) {
      const std::lock_guard<std::mutex> lock(m_error_mutex);
      if (!m_error) m_error = std::current_exception();
    }
  }
}

void ThreadPool::worker_loop(int thread) noexcept {
  std::uint64_t seen = 0;
  for (;;) {
    m_generation.wait(seen, std::memory_order_acquire);  // sleeps until run() (or ~ThreadPool) bumps it
    seen = m_generation.load(std::memory_order_acquire);
    if (m_stop.load(std::memory_order_relaxed)) return;
    work(thread);
    if (m_busy_workers.fetch_sub(1, std::memory_order_acq_rel) == 1) m_busy_workers.notify_one();
  }
}

void ThreadPool::run_erased(int count, void* task, Call call) {
  if (count <= 0) return;
  if (m_size == 1 || count == 1) {
    for (int i = 0; i < count; ++i) call(task, i, 0);
    return;
  }
  m_task = task;
  m_call = call;
  m_count = count;
  m_error = nullptr;
  m_next.store(0, std::memory_order_relaxed);
  m_busy_workers.store(m_size - 1, std::memory_order_relaxed);
  m_generation.fetch_add(1, std::memory_order_release);  // publishes the fields above
  m_generation.notify_all();
  work(0);
  for (int busy; (busy = m_busy_workers.load(std::memory_order_acquire)) != 0;) m_busy_workers.wait(busy);
  if (m_error) std::rethrow_exception(std::exchange(m_error, nullptr));
}

}  // namespace parlayer::parallel
