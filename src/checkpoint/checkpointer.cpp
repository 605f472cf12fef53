// Checkpointer (checkpointer.hpp): staging, the writer thread, level-1 files with partner copies,
// and restart from the newest valid generation of either level. The rule of the module holds in
// the writer too: a failure on some ranks is agreed (on the writer's communicator) and becomes the
// same CollectiveError everywhere; anything else ends the job (parallel::abort_job).
#include "parlayer/checkpoint/checkpointer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include "files.hpp"
#include "layout.hpp"
#include "packing.hpp"
#include "parlayer/checkpoint/checksum.hpp"
#include "parlayer/error.hpp"
#include "parlayer/parallel/collective.hpp"
#include "parlayer/parallel/environment.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "snapshot_file.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::checkpoint {

namespace fs = std::filesystem;
using parallel::agree;
using parallel::attempt;
using parallel::Failure;

namespace {

// v2: the file's checksum covers everything but the values; the values are covered by each
// field's partial checksum of this rank's cells (checksum.hpp, keyed by global index), recorded in
// the header (one hashing pass over the data, made while staging). v1 (one checksum over the whole
// file) is not read: level-1 files live as long as a job's node-local folder, and a rejected one
// falls back to its partner copy or level 2.
constexpr char local_magic[8] = {'P', 'L', 'Y', 'R', 'L', '1', 'v', '2'};
constexpr int tag_copy = 7101, tag_restore = 7102;

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// checksum.hpp's construction over the bytes of a file taken as 8-byte words (the last one
// zero-padded and marked with its length), fed in pieces of any size.
class WordHasher {
public:
  void put(const std::byte* data, std::size_t n) {
    while (n > 0) {
      if (m_fill == 0 && n >= 8) {
        std::uint64_t w;
        std::memcpy(&w, data, 8);
        m_sum += cell_hash(m_index++, w);
        data += 8, n -= 8;
        continue;
      }
      const std::size_t take = std::min<std::size_t>(8 - m_fill, n);
      std::memcpy(m_carry + m_fill, data, take);
      m_fill += take, data += take, n -= take;
      if (m_fill == 8) {
        std::uint64_t w;
        std::memcpy(&w, m_carry, 8);
        m_sum += cell_hash(m_index++, w);
        m_fill = 0;
      }
    }
  }
  std::uint64_t sum() const {
    if (m_fill == 0) return m_sum;
    std::uint64_t w = 0;
    std::memcpy(&w, m_carry, m_fill);
    return m_sum + cell_hash(m_index, w ^ (std::uint64_t(m_fill) << 56));
  }

private:
  std::uint64_t m_sum = 0, m_index = 0;
  std::byte m_carry[8] = {};
  std::size_t m_fill = 0;
};

std::unique_ptr<domain::FieldBase> field_like(const domain::FieldBase& f, const domain::Decomposition& d, int rank) {
  std::unique_ptr<domain::FieldBase> made;
  switch (f.element_type()) {
    case domain::ElementType::float32: made = std::make_unique<domain::Field<float>>(f.name(), d, rank, 0); break;
    case domain::ElementType::float64: made = std::make_unique<domain::Field<double>>(f.name(), d, rank, 0); break;
    case domain::ElementType::int32: made = std::make_unique<domain::Field<std::int32_t>>(f.name(), d, rank, 0); break;
    case domain::ElementType::int64: made = std::make_unique<domain::Field<std::int64_t>>(f.name(), d, rank, 0); break;
    case domain::ElementType::uint8: made = std::make_unique<domain::Field<std::uint8_t>>(f.name(), d, rank, 0); break;
  }
  made->set_units(f.units());
  return made;
}

// Copies the interior of every box of `from` into (or, with to_field = false, out of) `bytes`,
// packed x fastest, box after box.
void copy_interiors(const domain::FieldBase& from, domain::FieldBase& to) {
  const std::size_t es = domain::size_of(from.element_type());
  for (int b = 0; b < from.box_count(); ++b) {
    const domain::FieldBoxBase& s = from.box(b);
    domain::FieldBoxBase& t = to.box(b);
    const domain::IndexBox in = s.interior();
    const std::size_t row = std::size_t(in.extent(0)) * es;
    for (int k = in.lo[2]; k < in.hi[2]; ++k)
      for (int j = in.lo[1]; j < in.hi[1]; ++j)
        std::memcpy(t.bytes() + t.offset(in.lo[0], j, k) * std::int64_t(es), s.bytes() + s.offset(in.lo[0], j, k) * std::int64_t(es), row);
  }
}

// copy_interiors that also returns the partial checksum (checksum.hpp) of what it copied: one
// pass over the data instead of two. `global` is the grid's box.
std::uint64_t copy_and_hash_interiors(const domain::FieldBase& from, domain::FieldBase& to, const domain::IndexBox& global) {
  const std::size_t es = domain::size_of(from.element_type());
  std::uint64_t sum = 0;
  for (int b = 0; b < from.box_count(); ++b) {
    const domain::FieldBoxBase& s = from.box(b);
    domain::FieldBoxBase& t = to.box(b);
    const domain::IndexBox in = s.interior();
    for (int k = in.lo[2]; k < in.hi[2]; ++k)
      for (int j = in.lo[1]; j < in.hi[1]; ++j) {
        std::byte* target = t.bytes() + t.offset(in.lo[0], j, k) * std::int64_t(es);
        std::memcpy(target, s.bytes() + s.offset(in.lo[0], j, k) * std::int64_t(es), std::size_t(in.extent(0)) * es);
        // Hashing the row just copied (it is in cache) costs about what a second copy would.
        sum += partial_checksum(target, es, domain::IndexBox{{in.lo[0], j, k}, {in.hi[0], j + 1, k + 1}}, global);
      }
  }
  return sum;
}

// Bytes of the interiors of `boxes` (layout box ids) for each element size in `sizes`.
std::uint64_t payload_bytes(const domain::Decomposition& d, const std::vector<int>& boxes,
                            const std::vector<std::size_t>& sizes) {
  std::uint64_t cells = 0, total = 0;
  for (const int b : boxes) cells += std::uint64_t(d.layout().box(b).cells());
  for (const std::size_t s : sizes) total += cells * s;
  return total;
}

std::string step_text(std::int64_t step) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%010lld", static_cast<long long>(step));
  return digits;
}

// "<prefix>_<step>.rank<r>.l1" or "...rank<r>.copy.l1".
std::string local_name(const std::string& prefix, std::int64_t step, int rank, bool copy) {
  return prefix + "_" + step_text(step) + ".rank" + std::to_string(rank) + (copy ? ".copy.l1" : ".l1");
}

struct LocalName {
  std::int64_t step = 0;
  int rank = 0;
  bool copy = false;
};

std::optional<LocalName> parse_local_name(const std::string& name, const std::string& prefix) {
  const std::string head = prefix + "_";
  if (name.compare(0, head.size(), head) != 0 || name.size() < head.size() + 10) return std::nullopt;
  LocalName n;
  const char* p = name.data() + head.size();
  if (std::from_chars(p, p + 10, n.step).ec != std::errc()) return std::nullopt;
  std::string rest = name.substr(head.size() + 10);
  if (rest.compare(0, 5, ".rank") != 0) return std::nullopt;
  rest = rest.substr(5);
  std::size_t used = 0;
  const auto r = std::from_chars(rest.data(), rest.data() + rest.size(), n.rank);
  if (r.ec != std::errc()) return std::nullopt;
  used = std::size_t(r.ptr - rest.data());
  rest = rest.substr(used);
  if (rest == ".l1") return n;
  if (rest == ".copy.l1") return n.copy = true, n;
  return std::nullopt;
}

// The rank-specific part of a level-1 file: the snapshot's description (identical on every rank),
// whose data it holds, that rank's boxes and its partial checksum of each field.
std::string local_header(const SnapshotInfo& info, int data_rank, const domain::Decomposition& d,
                         const std::vector<std::uint64_t>& partial_sums) {
  detail::Packer p;
  p.put(detail::pack(info)).put(data_rank).put(d.rank_count());
  std::vector<int> boxes;
  for (const int b : d.boxes_of(data_rank)) {
    const domain::IndexBox box = d.layout().box(b);
    boxes.insert(boxes.end(), {box.lo[0], box.lo[1], box.lo[2], box.hi[0], box.hi[1], box.hi[2]});
  }
  p.put(boxes);
  p.put(partial_sums);
  return std::move(p.bytes());
}

struct LocalContent {
  SnapshotInfo info;
  int data_rank = 0, rank_count = 0;
  std::vector<int> boxes;
  std::string bytes;            // the whole file
  std::size_t payload_at = 0;   // where the values start in `bytes`
  std::uint64_t payload_size = 0;
};

// write(2) of every byte of `parts` (a few writev calls: up to IOV_MAX pieces each, short writes
// resumed). Returns 0 or the errno.
int write_all(int fd, std::vector<std::span<const std::byte>> parts) {
  std::vector<iovec> iov;
  for (const auto& p : parts)
    if (!p.empty()) iov.push_back({const_cast<std::byte*>(p.data()), p.size()});
  std::size_t first = 0;
  while (first < iov.size()) {
    const int count = int(std::min<std::size_t>(iov.size() - first, IOV_MAX));
    const ssize_t n = ::writev(fd, iov.data() + first, count);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : ENOSPC;
    std::size_t done = std::size_t(n);
    while (first < iov.size() && done >= iov[first].iov_len) done -= iov[first++].iov_len;
    if (done > 0) {
      iov[first].iov_base = static_cast<std::byte*>(iov[first].iov_base) + done;
      iov[first].iov_len -= done;
    }
  }
  return 0;
}

// Writes a level-1 file (v2): temporary, one writev of every piece, fsync, rename. The trailing
// checksum covers the magic, the sizes and the header; the values are covered by the partial sums
// in the header. Throws Error naming the file.
void write_local_file(const fs::path& path, const std::string& header, const std::vector<std::span<const std::byte>>& pieces,
                      const fs::path& spare) {
  const fs::path tmp = path.parent_path() / ("." + path.filename().string() + ".tmp-" + detail::unique_token());
  const auto fail = [&](const std::string& call, int e) {
    detail::remove_quietly(tmp);
    return Error("writing level-1 file '" + path.string() + "': " + call + " failed: " + detail::errno_text(e));
  };
  std::uint64_t payload = 0;
  for (const auto& p : pieces) payload += p.size();
  const std::uint64_t header_size = header.size();
  WordHasher hasher;
  hasher.put(reinterpret_cast<const std::byte*>(local_magic), sizeof local_magic);
  hasher.put(reinterpret_cast<const std::byte*>(&header_size), 8);
  hasher.put(reinterpret_cast<const std::byte*>(header.data()), header.size());
  hasher.put(reinterpret_cast<const std::byte*>(&payload), 8);
  const std::uint64_t sum = hasher.sum();
  std::vector<std::span<const std::byte>> all;
  all.push_back(std::as_bytes(std::span(local_magic)));
  all.push_back(std::as_bytes(std::span(&header_size, 1)));
  all.push_back(std::as_bytes(std::span(header.data(), header.size())));
  all.push_back(std::as_bytes(std::span(&payload, 1)));
  for (const auto& p : pieces) all.push_back(p);
  all.push_back(std::as_bytes(std::span(&sum, 1)));
  const off_t total = off_t(sizeof local_magic + 8 + header_size + 8 + payload + 8);

  // A spare (an old generation's file) is overwritten in place, then cut to size.
  int fd = -1;
  if (::rename(spare.c_str(), tmp.c_str()) == 0) fd = ::open(tmp.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw fail("open", errno);
  if (const int e = write_all(fd, std::move(all))) {
    ::close(fd);
    throw fail("write", e);
  }
  if (::ftruncate(fd, total) != 0) {
    const int e = errno;
    ::close(fd);
    throw fail("ftruncate", e);
  }
  if (::fsync(fd) != 0) {
    const int e = errno;
    ::close(fd);
    throw fail("fsync", e);
  }
  if (::close(fd) != 0) throw fail("close", errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw fail("rename", errno);
}

// Parses `bytes` (a whole level-1 file) and checks its checksum. Throws Error with the reason.
LocalContent parse_local(std::string bytes) {
  LocalContent c;
  const std::size_t fixed = sizeof local_magic + 8;
  if (bytes.size() < fixed + 8 + 8) throw Error("is truncated (" + std::to_string(bytes.size()) + " bytes)");
  if (std::memcmp(bytes.data(), local_magic, sizeof local_magic) != 0)
    throw Error("is not a parlayer level-1 file of format v2");
  std::uint64_t header_size = 0, payload = 0, stored = 0;
  std::memcpy(&header_size, bytes.data() + sizeof local_magic, 8);
  if (header_size > bytes.size() - fixed - 16) throw Error("is truncated (header)");
  std::memcpy(&payload, bytes.data() + fixed + header_size, 8);
  if (payload != bytes.size() - fixed - header_size - 16) throw Error("is truncated or too long (values)");
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  WordHasher hasher;  // all but the values (and the checksum itself)
  const auto* all = reinterpret_cast<const std::byte*>(bytes.data());
  hasher.put(all, fixed + header_size + 8);
  const std::uint64_t sum = hasher.sum();
  if (sum != stored)
    throw Error("checksum mismatch (data corrupted): stored " + detail::hex(stored) + ", computed " + detail::hex(sum));
  const std::string header = bytes.substr(fixed, header_size);
  detail::Unpacker u(header);
  std::string info;
  u.get(info);
  c.info = detail::unpack(info);
  u.get(c.data_rank);
  u.get(c.rank_count);
  u.get(c.boxes);
  c.payload_at = fixed + header_size + 8;
  c.payload_size = payload;
  {
    // The values: each field's partial checksum of these boxes, keyed by global index.
    std::vector<std::uint64_t> recorded;
    u.get(recorded);
    if (recorded.size() != c.info.fields.size() || c.info.global_extent.empty()) throw Error("has a damaged header");
    domain::IndexBox global{{0, 0, 0}, {1, 1, 1}};
    for (std::size_t a = 0; a < c.info.global_extent.size() && a < 3; ++a) global.hi[a] = c.info.global_extent[a];
    std::uint64_t expected = 0;
    for (std::size_t b = 0; b + 6 <= c.boxes.size(); b += 6) {
      const domain::IndexBox box{{c.boxes[b], c.boxes[b + 1], c.boxes[b + 2]}, {c.boxes[b + 3], c.boxes[b + 4], c.boxes[b + 5]}};
      for (const FieldRecord& r : c.info.fields) expected += std::uint64_t(box.cells()) * domain::size_of(r.type);
    }
    if (expected != payload) throw Error("holds " + std::to_string(payload) + " bytes of values, its boxes need " + std::to_string(expected));
    const std::byte* at = all + c.payload_at;
    for (std::size_t f = 0; f < c.info.fields.size(); ++f) {
      const std::size_t es = domain::size_of(c.info.fields[f].type);
      std::uint64_t partial = 0;
      for (std::size_t b = 0; b + 6 <= c.boxes.size(); b += 6) {
        const domain::IndexBox box{{c.boxes[b], c.boxes[b + 1], c.boxes[b + 2]}, {c.boxes[b + 3], c.boxes[b + 4], c.boxes[b + 5]}};
        partial += partial_checksum(at, es, box, global);
        at += std::size_t(box.cells()) * es;
      }
      if (partial != recorded[f])
        throw Error("checksum mismatch (data corrupted) in field '" + c.info.fields[f].name + "': stored " +
                    detail::hex(recorded[f]) + ", computed " + detail::hex(partial));
    }
  }
  c.bytes = std::move(bytes);
  return c;
}

std::string read_whole(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot be opened: " + detail::errno_text(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw Error("cannot be read");
  }
  std::string bytes(std::size_t(st.st_size), '\0');
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      throw Error("cannot be read: " + detail::errno_text(n < 0 ? errno : EIO));
    }
    done += std::size_t(n);
  }
  ::close(fd);
  return bytes;
}

// Checks that a level-1 file holds `data_rank`'s boxes of `d` and the fields `needed`.
void check_local_fits(const LocalContent& c, const domain::Decomposition& d, std::span<const FieldSpec> needed) {
  if (c.rank_count != d.rank_count())
    throw Error("was written by " + std::to_string(c.rank_count) + " ranks, this run has " + std::to_string(d.rank_count()));
  if (c.info.global_extent != detail::extent_of(d))
    throw Error("is for a grid of " + detail::extent_text(c.info.global_extent) + ", this run's grid is " +
                detail::extent_text(detail::extent_of(d)));
  std::vector<int> mine;
  for (const int b : d.boxes_of(c.data_rank)) {
    const domain::IndexBox box = d.layout().box(b);
    mine.insert(mine.end(), {box.lo[0], box.lo[1], box.lo[2], box.hi[0], box.hi[1], box.hi[2]});
  }
  if (mine != c.boxes) throw Error("holds other boxes than rank " + std::to_string(c.data_rank) + " owns in this layout");
  for (const FieldSpec& s : needed) {
    auto it = std::find_if(c.info.fields.begin(), c.info.fields.end(), [&](const FieldRecord& r) { return r.name == s.name; });
    if (it == c.info.fields.end()) throw Error("has no field '" + s.name + "'");
    if (it->type != s.type) throw Error("field '" + s.name + "' has another element type");
  }
}

// Copies the values of a level-1 file into the interiors of `targets` (named as `needed`).
void unpack_local(const LocalContent& c, std::span<const FieldSpec> needed, std::span<domain::FieldBase* const> targets) {
  const std::byte* at = reinterpret_cast<const std::byte*>(c.bytes.data()) + c.payload_at;
  for (const FieldRecord& r : c.info.fields) {
    const std::size_t es = domain::size_of(r.type);
    domain::FieldBase* target = nullptr;
    for (std::size_t i = 0; i < needed.size(); ++i)
      if (needed[i].name == r.name) target = targets[i];
    const std::size_t boxes = c.boxes.size() / 6;
    for (std::size_t b = 0; b < boxes; ++b) {
      const domain::IndexBox in{{c.boxes[6 * b], c.boxes[6 * b + 1], c.boxes[6 * b + 2]},
                                {c.boxes[6 * b + 3], c.boxes[6 * b + 4], c.boxes[6 * b + 5]}};
      const std::size_t row = std::size_t(in.extent(0)) * es;
      for (int k = in.lo[2]; k < in.hi[2]; ++k)
        for (int j = in.lo[1]; j < in.hi[1]; ++j) {
          if (target) {
            domain::FieldBoxBase& t = target->box(int(b));
            std::memcpy(t.bytes() + t.offset(in.lo[0], j, k) * std::int64_t(es), at, row);
          }
          at += row;
        }
    }
  }
}

// Gathers each rank's byte string on rank 0 (in rank order). Collective.
std::vector<std::string> gather_strings(parallel::Comm comm, const std::string& mine, int rank, int size) {
  int n = int(mine.size());
  std::vector<int> counts(static_cast<std::size_t>(size)), displs(static_cast<std::size_t>(size));
  PARLAYER_MPI_CHECK(MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm));
  std::string all;
  if (rank == 0) {
    int total = 0;
    for (int r = 0; r < size; ++r) displs[std::size_t(r)] = total, total += counts[std::size_t(r)];
    all.resize(std::size_t(total));
  }
  PARLAYER_MPI_CHECK(MPI_Gatherv(mine.data(), n, MPI_BYTE, all.data(), counts.data(), displs.data(), MPI_BYTE, 0, comm));
  std::vector<std::string> out;
  if (rank == 0)
    for (int r = 0; r < size; ++r) out.push_back(all.substr(std::size_t(displs[std::size_t(r)]), std::size_t(counts[std::size_t(r)])));
  return out;
}

// Thread-level check for the writer thread.
int provided_thread_level() {
  int provided = MPI_THREAD_SINGLE;
  PARLAYER_MPI_CHECK(MPI_Query_thread(&provided));
  return provided;
}

}  // namespace

namespace detail {
namespace {
std::atomic<bool> async_pending{false};
thread_local bool is_writer_thread = false;
}  // namespace
void set_async_write_pending(bool pending) noexcept { async_pending.store(pending); }
void check_no_async_write(const char* call) {
  if (async_pending.load() && !is_writer_thread)
    throw std::logic_error(std::string(call) + " called while an asynchronous checkpoint is being written (HDF5 is "
                           "not thread-safe): call Checkpointer::wait() first");
}
AsyncWriterScope::AsyncWriterScope() noexcept { is_writer_thread = true; }
AsyncWriterScope::~AsyncWriterScope() { is_writer_thread = false; }
}  // namespace detail

// ---- staging and jobs ----

struct Checkpointer::Staging {
  std::vector<std::unique_ptr<domain::FieldBase>> fields;
  std::vector<FieldToWrite> named;
  std::vector<std::string> names;  // to recognise the same field list next time
  std::vector<domain::ElementType> types;
  std::vector<std::vector<std::byte>> received;  // partner copies held by this rank
  std::vector<std::uint64_t> partial_sums;       // level 1: this rank's checksum of each field, made while copying
};

struct Checkpointer::Job {
  std::optional<domain::Decomposition> decomposition;
  SnapshotHeader header;
  bool local = false;  // level 1; otherwise level 2
};

Checkpointer::Checkpointer(fs::path folder, std::string prefix, parallel::Comm comm, CheckpointerOptions options,
                           SnapshotSeries::Log sink)
    : m_series(folder, prefix, comm, options.keep, sink),
      m_prefix(std::move(prefix)),
      m_options(std::move(options)),
      m_log(std::move(sink)),
      m_comm(comm),
      m_writer_comm(comm) {
  PARLAYER_MPI_CHECK(MPI_Comm_set_errhandler(m_comm.get(), MPI_ERRORS_RETURN));
  PARLAYER_MPI_CHECK(MPI_Comm_set_errhandler(m_writer_comm.get(), MPI_ERRORS_RETURN));
  m_rank = m_comm.rank();
  m_size = m_comm.size();
  if (m_options.global_every < 1)
    throw CollectiveError("checkpointer: global_every must be >= 1, got " + std::to_string(m_options.global_every));
  if (m_options.interval < 1)
    throw CollectiveError("checkpointer: interval must be >= 1, got " + std::to_string(m_options.interval));
  if (m_options.local_keep < 1)
    throw CollectiveError("checkpointer: local_keep must be >= 1, got " + std::to_string(m_options.local_keep));
  if (m_options.asynchronous && provided_thread_level() < MPI_THREAD_MULTIPLE)
    throw CollectiveError("checkpointer: asynchronous checkpoints need MPI thread level 'multiple' (the writer thread's "
                          "MPI-IO runs beside the model's messages); start MPI with parallel::ThreadLevel::multiple");

  // Nodes and partners: the same index on the next node. A node is a host name plus, on Linux,
  // the network namespace (test hosts on one machine share the host name).
  // (Not MPI_Comm_split_type(MPI_COMM_TYPE_SHARED): Open MPI 4.1.4 segfaults in it across the
  // network-namespace test hosts, at every thread level.)
  constexpr int key_size = 320;
  char key[key_size] = {};
  {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    char ns[64] = {};
    const ssize_t n = ::readlink("/proc/self/ns/net", ns, sizeof ns - 1);
    std::snprintf(key, sizeof key, "%s|%s", host, n > 0 ? ns : "");
  }
  std::vector<char> keys(std::size_t(m_size) * key_size);
  PARLAYER_MPI_CHECK(MPI_Allgather(key, key_size, MPI_CHAR, keys.data(), key_size, MPI_CHAR, m_comm.get()));
  std::vector<int> leaders(std::size_t(m_size), 0);
  for (int r = 0; r < m_size; ++r)
    for (int q = 0; q <= r; ++q)
      if (std::memcmp(&keys[std::size_t(q) * key_size], &keys[std::size_t(r) * key_size], key_size) == 0) {
        leaders[std::size_t(r)] = q;
        break;
      }
  std::vector<int> distinct = leaders;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  std::vector<std::vector<int>> members(distinct.size());
  std::vector<int> node_of(static_cast<std::size_t>(m_size));
  for (int r = 0; r < m_size; ++r) {
    node_of[std::size_t(r)] = int(std::lower_bound(distinct.begin(), distinct.end(), leaders[std::size_t(r)]) - distinct.begin());
    members[std::size_t(node_of[std::size_t(r)])].push_back(r);
  }
  m_holder_of.assign(std::size_t(m_size), -1);
  const std::size_t nodes = distinct.size();
  for (int r = 0; r < m_size && m_size > 1; ++r) {
    if (nodes == 1) {
      m_holder_of[std::size_t(r)] = (r + 1) % m_size;
      continue;
    }
    const std::size_t n = std::size_t(node_of[std::size_t(r)]);
    const auto& here = members[n];
    const std::size_t index = std::size_t(std::find(here.begin(), here.end(), r) - here.begin());
    const auto& next = members[(n + 1) % nodes];
    m_holder_of[std::size_t(r)] = next[index % next.size()];
  }
  m_partner = m_holder_of[std::size_t(m_rank)];

  if (m_options.local_folder.empty()) return;
  std::string folder_text = m_options.local_folder.string();
  for (std::size_t at; (at = folder_text.find("{node}")) != std::string::npos;)
    folder_text.replace(at, 6, std::to_string(node_of[std::size_t(m_rank)]));
  m_local_folder = folder_text;
  if (Failure why = agree(m_comm.get(), attempt([&] {
        const std::string shown = "level-1 folder '" + m_local_folder.string() + "' (checkpoint.local_dir)";
        std::error_code ec;
        fs::create_directories(m_local_folder, ec);
        if (!fs::is_directory(m_local_folder)) throw Error("cannot create " + shown + (ec ? ": " + ec.message() : ""));
        for (fs::directory_iterator it(m_local_folder, ec), end; !ec && it != end; it.increment(ec)) {
          const std::string name = it->path().filename().string();
          if (name.size() > 1 && name[0] == '.' && name.compare(1, m_prefix.size() + 1, m_prefix + "_") == 0 &&
              name.find(".l1.tmp-") != std::string::npos)
            detail::remove_quietly(it->path());
        }
        const fs::path probe = m_local_folder / ("." + m_prefix + ".probe-" + detail::unique_token());
        const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) throw Error(shown + " is not writable: " + detail::errno_text(errno));
        ::close(fd);
        detail::remove_quietly(probe);
      })))
    throw CollectiveError("checkpointer: " + *why);
  if (nodes == 1 && m_size > 1)
    log("level 1: all ranks are on one node: partner copies are kept on the same node (they survive a "
        "lost folder, not a lost node)");
}

Checkpointer::~Checkpointer() {
  if (m_writer.joinable()) m_writer.join();
  remove_spares();  // node-local space (often memory) is not kept beyond the run
  if (m_failure) {
    try {
      std::rethrow_exception(m_failure);
    } catch (const std::exception& e) {
      log(std::string("warning: the last asynchronous checkpoint failed: ") + e.what());
    }
  }
}

void Checkpointer::log(const std::string& line) const { detail::log_on_root(m_rank, m_log, line); }

// A hidden name the start-up clean-up removes (".<prefix>_…l1.tmp-…"): a kill leaves nothing behind.
fs::path Checkpointer::spare_path(int rank, bool copy) const {
  return m_local_folder / ("." + m_prefix + "_spare.rank" + std::to_string(rank) + (copy ? ".copy" : "") + ".l1.tmp-spare");
}

void Checkpointer::remove_spares() const {
  if (m_local_folder.empty()) return;
  detail::remove_quietly(spare_path(m_rank, false));
  for (int q = 0; q < m_size; ++q)
    if (m_holder_of[std::size_t(q)] == m_rank) detail::remove_quietly(spare_path(q, true));
}

void Checkpointer::wait() {
  if (m_writer.joinable()) m_writer.join();
  detail::set_async_write_pending(false);
  if (m_failure) {
    std::exception_ptr failure = std::exchange(m_failure, nullptr);
    std::rethrow_exception(failure);
  }
}

void Checkpointer::write(const domain::Decomposition& decomposition, std::span<const FieldToWrite> fields,
                         const SnapshotHeader& header, Level level) {
  const double t0 = seconds_now();
  wait();  // a write in flight finishes first (and its failure is thrown here)
  if (header.step < 0)
    throw CollectiveError("checkpointer: cannot write step " + std::to_string(header.step) + " (negative)");

  // By step, not by this run's count: a restarted run sends the same generations to level 2.
  const bool global_due = level == Level::global || m_local_folder.empty() ||
                          (header.step / m_options.interval) % m_options.global_every == 0;
  if (global_due && !m_options.asynchronous) {  // straight from the fields: no staging needed
    m_series.write(decomposition, fields, header, m_options.write_options);
    m_stopped_seconds += seconds_now() - t0;
    return;
  }

  // Staging: fields with the same boxes and no ghosts, made once and reused.
  std::vector<std::string> names;
  std::vector<domain::ElementType> types;
  for (const FieldToWrite& f : fields) {
    if (!f.field) throw CollectiveError("checkpointer: a field pointer is null");
    names.push_back(f.name);
    types.push_back(f.field->element_type());
  }
  if (!m_staging || m_staging->names != names || m_staging->types != types ||
      (!fields.empty() && m_staging->fields.front()->box_count() != fields.front().field->box_count())) {
    m_staging = std::make_unique<Staging>();
    m_staging->names = names;
    m_staging->types = types;
    for (const FieldToWrite& f : fields) m_staging->fields.push_back(field_like(*f.field, decomposition, m_rank));
  }
  if (Failure why = agree(m_comm.get(), attempt([&] {
        for (const FieldToWrite& f : fields) detail::check_field_boxes(*f.field, decomposition, m_rank);
      })))
    throw CollectiveError("checkpointer: " + *why);
  m_staging->named.clear();
  m_staging->partial_sums.assign(fields.size(), 0);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (global_due)
      copy_interiors(*fields[i].field, *m_staging->fields[i]);  // write_snapshot hashes what it writes
    else
      m_staging->partial_sums[i] = copy_and_hash_interiors(*fields[i].field, *m_staging->fields[i], decomposition.global_box());
    // A level-2 write fills the cells of boxes with no owner with the field's land value (snapshot.hpp).
    m_staging->fields[i]->set_land_condition(fields[i].field->land_condition());
    m_staging->named.push_back({fields[i].name, m_staging->fields[i].get(), fields[i].description});
  }

  m_job = std::make_unique<Job>();
  m_job->decomposition.emplace(decomposition);
  m_job->header = header;
  m_job->local = !global_due;

  if (!m_options.asynchronous) {
    run_job(*m_job);
    m_stopped_seconds += seconds_now() - t0;
    if (m_failure) std::rethrow_exception(std::exchange(m_failure, nullptr));
    return;
  }
  detail::set_async_write_pending(true);
  m_writer = std::jthread([this] {
    detail::AsyncWriterScope writer;
    run_job(*m_job);
  });
  m_stopped_seconds += seconds_now() - t0;
}

void Checkpointer::run_job(Job& job) {
  try {
    if (job.local) {
      write_local(job);
    } else {
      m_series.write(*job.decomposition, m_staging->named, job.header, m_options.write_options);
    }
  } catch (const CollectiveError&) {
    m_failure = std::current_exception();  // agreed: every rank has the same
  } catch (const std::exception& e) {
    if (m_options.asynchronous) parallel::abort_job((std::string("checkpoint writer thread: ") + e.what()).c_str());
    throw;
  }
}

void Checkpointer::write_local(Job& job) {
  const MPI_Comm comm = m_writer_comm.get();
  const domain::Decomposition& d = *job.decomposition;

  // The global checksums (recorded, and compared after a restart from this level).
  SnapshotInfo info;
  info.header = job.header;
  info.header.parameters = detail::sorted_parameters(job.header.parameters);
  info.format_version = snapshot_format_version;
  info.writer_rank_count = m_size;
  info.global_extent = detail::extent_of(d);
  for (int a = 0; a < d.dimensions(); ++a) info.writer_process_grid.push_back(d.process_grid()[a]);
  info.library_version = detail::library_version();
  // Every rank's partial checksums (made while staging): their sums are the global checksums, and
  // a partner copy's header records its owner's.
  const std::size_t nf = m_staging->named.size();
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < nf; ++i) {
    const domain::FieldBase& f = *m_staging->named[i].field;
    info.fields.push_back({m_staging->named[i].name, f.element_type(), f.units(), 0});
    sizes.push_back(domain::size_of(f.element_type()));
  }
  std::vector<std::uint64_t> partials(nf * std::size_t(m_size));
  if (nf > 0)
    PARLAYER_MPI_CHECK(MPI_Allgather(m_staging->partial_sums.data(), int(nf), MPI_UINT64_T, partials.data(), int(nf),
                                     MPI_UINT64_T, comm));
  const auto sums_of = [&](int q) {
    return std::vector<std::uint64_t>(partials.begin() + std::ptrdiff_t(std::size_t(q) * nf),
                                      partials.begin() + std::ptrdiff_t(std::size_t(q + 1) * nf));
  };
  for (int q = 0; q < m_size; ++q)
    for (std::size_t i = 0; i < nf; ++i) info.fields[i].checksum += partials[std::size_t(q) * nf + i];

  // This rank's values, piece by piece (each staging box is its interior, contiguous).
  std::vector<std::span<const std::byte>> mine;
  for (const FieldToWrite& f : m_staging->named)
    for (int b = 0; b < f.field->box_count(); ++b) {
      const domain::FieldBoxBase& box = f.field->box(b);
      mine.emplace_back(box.bytes(), std::size_t(box.interior().cells()) * domain::size_of(f.field->element_type()));
    }

  // The partner copies: send mine to my holder, receive those I hold (their sizes follow from the
  // decomposition), while this rank writes its own file.
  std::vector<int> held;
  for (int q = 0; q < m_size; ++q)
    if (m_holder_of[std::size_t(q)] == m_rank) held.push_back(q);
  m_staging->received.resize(held.size());
  std::vector<MPI_Request> requests;
  for (std::size_t h = 0; h < held.size(); ++h) {
    std::vector<std::byte>& buffer = m_staging->received[h];
    buffer.resize(payload_bytes(d, d.boxes_of(held[h]), sizes));
    std::size_t at = 0;
    for (const std::size_t es : sizes)
      for (const int b : d.boxes_of(held[h])) {
        const std::size_t n = std::size_t(d.layout().box(b).cells()) * es;
        requests.emplace_back();
        PARLAYER_MPI_CHECK(MPI_Irecv(buffer.data() + at, int(n), MPI_BYTE, held[h], tag_copy, comm, &requests.back()));
        at += n;
      }
  }
  if (m_partner >= 0)
    for (const auto& piece : mine) {
      requests.emplace_back();
      PARLAYER_MPI_CHECK(MPI_Isend(piece.data(), int(piece.size()), MPI_BYTE, m_partner, tag_copy, comm, &requests.back()));
    }

  // The files: mine and the copies, each atomically; then agree.
  const std::int64_t step = job.header.step;
  std::vector<fs::path> written;
  Failure failed = attempt([&] {
    const fs::path own = m_local_folder / local_name(m_prefix, step, m_rank, false);
    write_local_file(own, local_header(info, m_rank, d, sums_of(m_rank)), mine, spare_path(m_rank, false));
    written.push_back(own);
  });
  // The copies have arrived (a failed own write still completes the messages: no rank is left
  // waiting); each is written as it came, with its owner's partial checksums.
  if (!requests.empty()) PARLAYER_MPI_CHECK(MPI_Waitall(int(requests.size()), requests.data(), MPI_STATUSES_IGNORE));
  if (!failed)
    failed = attempt([&] {
      for (std::size_t h = 0; h < held.size(); ++h) {
        const fs::path copy = m_local_folder / local_name(m_prefix, step, held[h], true);
        write_local_file(copy, local_header(info, held[h], d, sums_of(held[h])),
                         {std::span<const std::byte>(m_staging->received[h])}, spare_path(held[h], true));
        written.push_back(copy);
      }
      detail::fsync_folder(m_local_folder);
    });
  if (Failure why = agree(comm, failed)) {
    for (const fs::path& p : written) detail::remove_quietly(p);
    throw CollectiveError("writing level-1 checkpoint of step " + std::to_string(step) + " failed: " + *why);
  }

  // Committed on every rank: prune this rank's level-1 files beyond local_keep generations.
  std::set<std::int64_t> steps;
  std::vector<std::pair<std::int64_t, fs::path>> files;
  std::error_code ec;
  for (fs::directory_iterator it(m_local_folder, ec), end; !ec && it != end; it.increment(ec))
    if (auto n = parse_local_name(it->path().filename().string(), m_prefix)) {
      steps.insert(n->step);
      files.emplace_back(n->step, it->path());
    }
  std::set<std::int64_t> pruned;
  while (steps.size() > std::size_t(m_options.local_keep)) {
    pruned.insert(*steps.begin());
    steps.erase(steps.begin());
  }
  // The oldest generation's files this rank wrote become its spares: the next write overwrites
  // their pages (on a tmpfs, allocating, zeroing and freeing pages cost more than the copy).
  // Then, once every rank has taken its own (a barrier: ranks of a node share the folder),
  // whatever is left of the pruned generations is removed.
  if (!pruned.empty()) {
    const std::int64_t oldest = *pruned.begin();
    const auto recycle = [&](int q, bool copy) {
      const fs::path spare = spare_path(q, copy);
      if (::access(spare.c_str(), F_OK) != 0)
        ::rename((m_local_folder / local_name(m_prefix, oldest, q, copy)).c_str(), spare.c_str());
    };
    recycle(m_rank, false);
    for (const int q : held) recycle(q, true);
  }
  PARLAYER_MPI_CHECK(MPI_Barrier(comm));  // on every rank: folders of other nodes may hold other steps
  for (const auto& [s, p] : files)
    if (pruned.count(s)) detail::remove_quietly(p);
  log("wrote level-1 checkpoint of step " + std::to_string(step) + " in " + m_local_folder.string() +
      (m_partner >= 0 ? " (each rank's data also on its partner)" : ""));
}

std::optional<Restored> Checkpointer::restore_latest(const domain::Decomposition& decomposition,
                                                     std::span<const FieldToRead> fields) {
  wait();
  const MPI_Comm comm = m_comm.get();
  std::vector<FieldSpec> needed;
  std::vector<domain::FieldBase*> targets;
  for (const auto& [name, f, description] : fields) {
    needed.push_back({name, f ? f->element_type() : domain::ElementType::float64});
    targets.push_back(f);
  }

  // Level 1: every rank checks the files in its folder; rank 0 finds, per step, a source for
  // every rank (its own file, else a partner's copy) and broadcasts the plan.
  struct Candidate {
    std::int64_t step = 0;
    int level = 2;
    std::vector<int> sources;  // level 1: who supplies each rank's data
    fs::path path;             // level 2
  };
  std::vector<Candidate> candidates;
  int level1_seen = 0;  // some rank found level-1 files of this rank count
  std::string other_counts;  // level-1 files of other rank counts only: why they are not used
  if (!m_local_folder.empty()) {
    detail::Packer found;
    std::vector<std::pair<std::string, std::string>> rejected;
    std::vector<std::int64_t> valid_steps;
    std::vector<int> valid_ranks, valid_copy;
    std::error_code ec;
    std::vector<std::string> elsewhere;  // files written by another rank count
    std::vector<int> elsewhere_counts;
    for (fs::directory_iterator it(m_local_folder, ec), end; !ec && it != end; it.increment(ec)) {
      const auto n = parse_local_name(it->path().filename().string(), m_prefix);
      if (!n) continue;
      try {
        const LocalContent c = parse_local(read_whole(it->path()));
        if (c.data_rank != n->rank) throw Error("holds the data of rank " + std::to_string(c.data_rank));
        if (c.rank_count != m_size) {
          elsewhere.push_back(it->path().string());
          elsewhere_counts.push_back(c.rank_count);
          continue;
        }
        check_local_fits(c, decomposition, needed);
        valid_steps.push_back(n->step);
        valid_ranks.push_back(n->rank);
        valid_copy.push_back(n->copy ? 1 : 0);
      } catch (const std::exception& e) {
        rejected.emplace_back(it->path().string(), e.what());
      }
    }
    found.put(valid_steps).put(valid_ranks).put(valid_copy).put(elsewhere_counts).put(std::uint64_t(rejected.size()));
    for (const std::string& p : elsewhere) found.put(p);
    for (const auto& [p, why] : rejected) found.put(p).put(why);
    const std::vector<std::string> all = gather_strings(comm, found.bytes(), m_rank, m_size);
    parallel::RootResult plan = parallel::on_root(comm, [&] {
      std::map<std::int64_t, std::vector<int>> sources;  // step -> source per rank
      std::set<std::string> ignored;  // ranks of one node see the same folder: count files once
      std::set<int> ignored_counts;
      std::set<std::string> logged;  // ranks of one node see the same folder
      for (int r = 0; r < m_size; ++r) {
        detail::Unpacker u(all[std::size_t(r)]);
        std::vector<std::int64_t> steps;
        std::vector<int> ranks, copies;
        std::vector<int> counts;
        std::uint64_t nr = 0;
        u.get(steps);
        u.get(ranks);
        u.get(copies);
        u.get(counts);
        u.get(nr);
        for (std::uint64_t i = 0; i < nr; ++i) {
          std::string p, why;
          u.get(p);
          u.get(why);
          if (logged.insert(p).second) log("rejected level-1 file " + p + ": " + why);
        }
        for (const int count : counts) {
          std::string p;
          u.get(p);
          ignored.insert(p);
          ignored_counts.insert(count);
        }
        for (std::size_t i = 0; i < steps.size(); ++i) {
          if (ranks[i] < 0 || ranks[i] >= m_size) continue;
          // A rank reads its own file itself; a copy is sent by a rank that sees it, never the rank
          // it belongs to (ranks of one node share a folder: the owner sees its copy there too,
          // but the own-file path would not find it).
          if (copies[i] && ranks[i] == r) continue;
          auto& s = sources.try_emplace(steps[i], std::vector<int>(std::size_t(m_size), -1)).first->second;
          int& src = s[std::size_t(ranks[i])];
          if (src < 0 || !copies[i]) src = copies[i] ? r : ranks[i];
        }
      }
      std::string counts;  // "3" or "3, 4"
      for (const int n : ignored_counts) counts += (counts.empty() ? "" : ", ") + std::to_string(n);
      const std::string others =
          ignored.empty() ? std::string() : std::to_string(ignored.size()) + " file(s) written by " + counts + " ranks";
      if (!others.empty())
        log("level 1: " + others + " ignored: level 1 is read only on the rank count that wrote it (this run: " +
            std::to_string(m_size) + " ranks); level 2 is used");
      detail::Packer p;
      std::vector<std::int64_t> steps;
      std::vector<int> flat;
      for (const auto& [step, s] : sources) {
        if (std::find(s.begin(), s.end(), -1) != s.end()) {
          log("level 1: generation of step " + std::to_string(step) + " is incomplete (a rank's data and its partner copy are both missing or damaged)");
          continue;
        }
        steps.push_back(step);
        flat.insert(flat.end(), s.begin(), s.end());
      }
      p.put(steps).put(flat).put(int(!sources.empty())).put(others);
      return std::move(p.bytes());
    });
    if (plan.failure) throw CollectiveError("checkpointer: " + *plan.failure);
    detail::Unpacker u(plan.payload);
    std::vector<std::int64_t> steps;
    std::vector<int> flat;
    u.get(steps);
    u.get(flat);
    u.get(level1_seen);
    u.get(other_counts);
    for (std::size_t i = 0; i < steps.size(); ++i)
      candidates.push_back({steps[i], 1,
                            std::vector<int>(flat.begin() + std::ptrdiff_t(i) * m_size, flat.begin() + std::ptrdiff_t(i + 1) * m_size), {}});
  }
  for (const Generation& g : m_series.generations()) candidates.push_back({g.step, 2, {}, g.path});
  // Newest first; at the same step level 1 (the faster read) first.
  std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return a.step != b.step ? a.step > b.step : a.level < b.level;
  });

  std::vector<std::string> reasons;
  for (const Candidate& c : candidates) {
    try {
      if (c.level == 2) {
        Restored r;
        r.info = detail::read_snapshot_info(c.path, comm, decomposition, needed, targets);
        r.level = 2;
        log("using " + c.path.string() + " (level 2, step " + std::to_string(c.step) + ")");
        return r;
      }
      // Level 1: own file, or the copy sent by its holder.
      std::optional<LocalContent> content;
      Failure failed = attempt([&] {
        std::vector<MPI_Request> sends;
        std::vector<std::string> outgoing;
        for (int q = 0; q < m_size; ++q) {
          if (c.sources[std::size_t(q)] != m_rank || q == m_rank) continue;
          std::string bytes;
          try {
            bytes = read_whole(m_local_folder / local_name(m_prefix, c.step, q, true));
          } catch (const std::exception&) {
            bytes.clear();  // an empty message: the receiver reports the failure
          }
          outgoing.push_back(std::move(bytes));
        }
        std::size_t o = 0;
        for (int q = 0; q < m_size; ++q) {
          if (c.sources[std::size_t(q)] != m_rank || q == m_rank) continue;
          sends.emplace_back();
          PARLAYER_MPI_CHECK(MPI_Isend(outgoing[o].data(), int(outgoing[o].size()), MPI_BYTE, q, tag_restore, comm, &sends.back()));
          ++o;
        }
        Failure mine;
        const int source = c.sources[std::size_t(m_rank)];
        if (source == m_rank) {
          mine = attempt([&] { content = parse_local(read_whole(m_local_folder / local_name(m_prefix, c.step, m_rank, false))); });
        } else {
          MPI_Status status;
          PARLAYER_MPI_CHECK(MPI_Probe(source, tag_restore, comm, &status));
          int count = 0;
          PARLAYER_MPI_CHECK(MPI_Get_count(&status, MPI_BYTE, &count));
          std::string bytes(std::size_t(count), '\0');
          PARLAYER_MPI_CHECK(MPI_Recv(bytes.data(), count, MPI_BYTE, source, tag_restore, comm, MPI_STATUS_IGNORE));
          mine = attempt([&] {
            if (bytes.empty()) throw Error("the partner copy on rank " + std::to_string(source) + " could not be read");
            content = parse_local(std::move(bytes));
          });
        }
        if (!sends.empty()) PARLAYER_MPI_CHECK(MPI_Waitall(int(sends.size()), sends.data(), MPI_STATUSES_IGNORE));
        if (mine) throw Error(*mine);
        if (content->data_rank != m_rank) throw Error("holds the data of another rank");
        check_local_fits(*content, decomposition, needed);
        unpack_local(*content, needed, targets);
      });
      if (Failure why = agree(comm, failed)) throw CollectiveError(*why);
      // End to end: the global checksums recorded when the generation was written.
      for (std::size_t i = 0; i < needed.size(); ++i) {
        if (!targets[i]) continue;
        const auto it = std::find_if(content->info.fields.begin(), content->info.fields.end(),
                                     [&](const FieldRecord& r) { return r.name == needed[i].name; });
        const std::uint64_t sum = field_checksum(*targets[i], decomposition.global_box(), comm);
        if (sum != it->checksum)
          throw CollectiveError("field '" + needed[i].name + "': checksum mismatch (data corrupted): stored " +
                                detail::hex(it->checksum) + ", computed " + detail::hex(sum));
      }
      Restored r;
      r.info = content->info;
      r.info.path = m_local_folder / (m_prefix + "_" + step_text(c.step) + ".rank*.l1");
      r.level = 1;
      for (int q = 0; q < m_size; ++q) r.from_partner_copies += c.sources[std::size_t(q)] != q;
      log("using level-1 checkpoint of step " + std::to_string(c.step) + " (node-local" +
          (r.from_partner_copies ? ", " + std::to_string(r.from_partner_copies) + " rank(s) from partner copies" : "") + ")");
      return r;
    } catch (const CollectiveError& e) {
      const std::string what = c.level == 2 ? c.path.string() : "level-1 checkpoint of step " + std::to_string(c.step);
      std::string reason = e.what();
      const std::string prefix = detail::snapshot_error_prefix(c.path);
      if (reason.compare(0, prefix.size(), prefix) == 0) reason = reason.substr(prefix.size());
      log("rejected " + what + ": " + reason);
      reasons.push_back((c.level == 2 ? c.path.filename().string() : what) + ": " + reason);
    }
  }
  if (candidates.empty() && !level1_seen && !other_counts.empty())
    throw CollectiveError("no checkpoint of '" + m_prefix + "' to restart from on " + std::to_string(m_size) +
                          " ranks: level 2 '" + m_series.folder().string() + "' holds none, and level 1 '" +
                          m_local_folder.string() + "' holds only " + other_counts +
                          " (level 1 is read only on the rank count that wrote it): restart on that rank count");
  if (candidates.empty() && !level1_seen) return std::nullopt;
  std::string why = "no valid snapshot among the " + std::to_string(candidates.size()) + " generation(s) of '" +
                    m_prefix + "' in '" + m_series.folder().string() + "'" +
                    (m_local_folder.empty() ? "" : " and level 1 '" + m_local_folder.string() + "'") +
                    " (refusing to start from step 0):";
  for (const std::string& r : reasons) why += " " + r + ";";
  why.pop_back();
  throw CollectiveError(why);
}

}  // namespace parlayer::checkpoint
