#include "parlayer/transfer/checks.hpp"

#include <atomic>
#include <cstdlib>
#include <string>

#include "parlayer/domain/checked.hpp"

namespace parlayer::transfer {

namespace {

bool from_environment() {
  const char* v = std::getenv("PARLAYER_CHECK");
  return domain::checked_build || (v && std::string(v) != "" && std::string(v) != "0");
}

double timeout_from_environment() {
  const char* v = std::getenv("PARLAYER_CHECK_TIMEOUT");
  if (!v) return 60.0;
  char* end = nullptr;
  const double t = std::strtod(v, &end);
  return end != v && t > 0 ? t : 60.0;
}

std::atomic<int>& enabled() {
  static std::atomic<int> on{from_environment() ? 1 : 0};
  return on;
}

std::atomic<double>& timeout() {
  static std::atomic<double> t{timeout_from_environment()};
  return t;
}

}  // namespace

bool checks_enabled() noexcept { return enabled().load() != 0; }
void set_checks_enabled(bool on) noexcept { enabled().store(on ? 1 : 0); }
double check_timeout_seconds() noexcept { return timeout().load(); }
void set_check_timeout_seconds(double seconds) noexcept { timeout().store(seconds); }

}  // namespace parlayer::transfer
