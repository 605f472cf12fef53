// runtime::StopRequest (include/parlayer/runtime/stop_request.hpp).
#include "parlayer/runtime/stop_request.hpp"

#include <signal.h>

#include <csignal>
#include <cstdio>
#include <string>

#include "parlayer/error.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::runtime {

namespace {

// Written by the signal handler only (signals are blocked inside it, so never concurrently).
volatile std::sig_atomic_t g_first_signal = 0;
volatile std::sig_atomic_t g_count = 0;
volatile std::sig_atomic_t g_requested = 0;
bool g_installed = false;         // a StopRequest exists
bool g_process_handlers = false;  // install_handlers() was called: the handlers stay until exit

constexpr int handled[] = {SIGUSR1, SIGTERM};
struct sigaction g_previous[2];

extern "C" void on_stop_signal(int signal) {
  if (g_first_signal == 0) g_first_signal = signal;
  g_count = g_count + 1;
  g_requested = 1;
}

// Installs on_stop_signal for SIGUSR1 and SIGTERM, keeping the previous actions in g_previous.
void install(const char* who) {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  for (int s : handled) sigaddset(&action.sa_mask, s);
  action.sa_flags = SA_RESTART;  // a signal must not make a write in progress fail with EINTR
  for (int i = 0; i < 2; ++i)
    if (sigaction(handled[i], &action, &g_previous[i]) != 0) {
      for (int j = 0; j < i; ++j) sigaction(handled[j], &g_previous[j], nullptr);
      throw Error(std::string(who) + ": sigaction failed");
    }
}

}  // namespace

void StopRequest::install_handlers() {
  if (g_process_handlers) return;
  if (!g_installed) install("StopRequest::install_handlers");  // else a StopRequest's are in place already
  g_process_handlers = true;
}

StopRequest::StopRequest(parallel::Comm comm, int check_every) : m_agreement(comm), m_check_every(check_every) {
  if (check_every < 1) throw CollectiveError("StopRequest: check_every must be >= 1, got " + std::to_string(check_every));
  if (g_installed) throw CollectiveError("StopRequest: only one may exist at a time");
  if (!g_process_handlers) {
    // The handlers are this object's: requests count from now, and the destructor restores.
    g_first_signal = 0;
    g_count = 0;
    g_requested = 0;
    install("StopRequest");
    m_restore = true;
  }
  // Otherwise the handlers were installed at start-up: a request recorded since then (a signal
  // during MPI's start-up, say) is kept and honoured at the first checks.
  g_installed = true;
}

StopRequest::~StopRequest() {
  // (m_agreement completes a reduction still in flight.)
  // After an agreed stop the process is on its way out (snapshot, exit code 3): a late signal
  // (a second SIGTERM) must not turn that into death by signal, so the handlers stay. Handlers
  // installed by install_handlers() stay in any case.
  if (m_restore && !m_agreed && !g_process_handlers)  // (install_handlers() may have come since)
    for (int i = 0; i < 2; ++i) sigaction(handled[i], &g_previous[i], nullptr);
  g_installed = false;
}

bool StopRequest::should_stop(std::int64_t step) {
  if (m_agreed) return true;
  if (m_calls++ % m_check_every != 0) return false;
  if (m_agreement.complete().flags != 0) {
    m_agreed = true;
    m_stop_step = step;
    return true;
  }
  m_agreement.start(step, g_requested ? 1 : 0);
  return false;
}

void StopRequest::request() noexcept {
  g_count = g_count + 1;
  g_requested = 1;
}

bool StopRequest::requested_here() noexcept { return g_requested != 0; }
int StopRequest::first_signal() noexcept { return g_first_signal; }
int StopRequest::request_count() noexcept { return g_count; }

}  // namespace parlayer::runtime
