#include "parlayer/transfer/pending.hpp"

#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

#include "parlayer/parallel/environment.hpp"
#include "transfer.hpp"

namespace parlayer::transfer {

namespace {

// A Pending dropped (destroyed or overwritten) while in flight. Whatever was computed from its
// fields since start() missed what had not arrived: a wrong answer on more than one rank. So this
// is an error, not a convenience; except while unwinding from another error, when the messages
// are completed quietly (live requests are never freed).
void drop_in_flight(detail::Transfer* transfer) noexcept {
  if (std::uncaught_exceptions() > 0) {
    transfer->finish_quietly();
    return;
  }
  parallel::abort_job(("a " + transfer->description() +
                       " was started and dropped without finish(); call finish() (or test() until it returns "
                       "true) before using its fields")
                          .c_str());
}

}  // namespace

Pending::Pending(Pending&& other) noexcept
    : m_transfer(std::exchange(other.m_transfer, nullptr)),
      m_completed_by_test(std::exchange(other.m_completed_by_test, false)) {}

Pending& Pending::operator=(Pending&& other) noexcept {
  if (this != &other) {
    if (m_transfer) drop_in_flight(m_transfer);
    m_transfer = std::exchange(other.m_transfer, nullptr);
    m_completed_by_test = std::exchange(other.m_completed_by_test, false);
  }
  return *this;
}

Pending::~Pending() {
  if (m_transfer) drop_in_flight(m_transfer);
}

bool Pending::test() {
  if (m_completed_by_test) return true;
  if (!m_transfer) throw std::logic_error("transfer: test() on a Pending that holds no transfer (finished or moved from)");
  if (!m_transfer->test()) return false;
  m_transfer = nullptr;
  m_completed_by_test = true;
  return true;
}

void Pending::finish() {
  if (m_completed_by_test) {
    m_completed_by_test = false;  // a second finish() is misuse, as after any finish()
    return;
  }
  if (!m_transfer) throw std::logic_error("transfer: finish() called twice (or on a Pending that holds no transfer)");
  std::exchange(m_transfer, nullptr)->finish();
}

}  // namespace parlayer::transfer
