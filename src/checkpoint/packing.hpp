#pragma once
// Internal to the checkpoint module: a tiny byte serialisation, so that rank 0's findings (a
// snapshot's metadata, a folder listing) travel as the payload of parallel::on_root().
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace parlayer::checkpoint::detail {

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
