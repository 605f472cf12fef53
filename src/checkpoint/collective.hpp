#pragma once
// Internal to the checkpoint module: agreeing on failures across ranks, and a tiny byte
// serialisation to broadcast rank 0's findings. The rule these helpers implement: a rank that
// fails never throws on its own; every rank first reaches the same agreement point, learns
// whether anyone failed and why, and then all of them throw the same CollectiveError.
#include <mpi.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace parlayer::checkpoint::detail {

/// A local step's outcome: nullopt = success, otherwise a one-line reason.
using Failure = std::optional<std::string>;

/// Runs `step`, turning any exception into a Failure. Local.
template <class Step>
Failure attempt(Step&& step) noexcept {
  try {
    step();
    return std::nullopt;
  } catch (const std::exception& e) {
    try {
      return std::string(e.what());
    } catch (...) {
      return Failure(std::in_place);
    }
  } catch (...) {
    return std::string("unknown exception");
  }
}

/// Collective: nullopt if no rank failed; otherwise the reason of the lowest failing rank, on
/// every rank (suffixed with "(rank r)" when only some ranks failed).
Failure agree(MPI_Comm comm, const Failure& local);

/// Collective: `text` on `root` is copied to every rank.
void broadcast(MPI_Comm comm, std::string& text, int root = 0);

/// Appends plain values and strings to a byte string.
class Packer {
public:
  template <class T>
  Packer& put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    m_bytes.append(reinterpret_cast<const char*>(&value), sizeof value);
    return *this;
  }
  Packer& put(const std::string& text) {
    put(std::uint64_t(text.size()));
    m_bytes += text;
    return *this;
  }
  template <class T>
  Packer& put(const std::vector<T>& values) {
    put(std::uint64_t(values.size()));
    for (const T& v : values) put(v);
    return *this;
  }
  std::string& bytes() noexcept { return m_bytes; }

private:
  std::string m_bytes;
};

/// Reads back what a Packer wrote, in the same order.
class Unpacker {
public:
  explicit Unpacker(const std::string& bytes) : m_bytes(bytes) {}
  template <class T>
  void get(T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    need(sizeof value);
    std::memcpy(&value, m_bytes.data() + m_pos, sizeof value);
    m_pos += sizeof value;
  }
  void get(std::string& text) {
    std::uint64_t n = 0;
    get(n);
    need(n);
    text.assign(m_bytes, m_pos, n);
    m_pos += n;
  }
  template <class T>
  void get(std::vector<T>& values) {
    std::uint64_t n = 0;
    get(n);
    values.resize(n);
    for (T& v : values) get(v);
  }

private:
  void need(std::uint64_t n) const {
    if (m_pos + n > m_bytes.size()) throw std::logic_error("checkpoint: truncated broadcast message");
  }
  const std::string& m_bytes;
  std::size_t m_pos = 0;
};

}  // namespace parlayer::checkpoint::detail

namespace parlayer::checkpoint::detail {

/// What rank 0 found out, on every rank: a failure, or rank 0's payload.
struct RootResult {
  Failure failure;
  std::string payload;
};

/// Collective: runs `work` on rank 0 only (an exception becomes the failure) and broadcasts the
/// outcome, so every rank returns the same RootResult.
template <class Work>
RootResult on_root(MPI_Comm comm, int rank, Work&& work) {
  std::string message;  // 'F' + reason, or 'S' + payload
  if (rank == 0) {
    std::string payload;
    Failure f = attempt([&] { payload = work(); });
    message = f ? "F" + *f : "S" + payload;
  }
  broadcast(comm, message, 0);
  if (!message.empty() && message[0] == 'S') return {std::nullopt, message.substr(1)};
  return {message.empty() ? std::string("no answer from rank 0") : message.substr(1), {}};
}

}  // namespace parlayer::checkpoint::detail
