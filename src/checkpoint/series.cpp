#include "parlayer/checkpoint/series.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <system_error>

#include "files.hpp"
#include "packing.hpp"
#include "parlayer/error.hpp"
#include "parlayer/parallel/collective.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "snapshot_file.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::checkpoint {

namespace fs = std::filesystem;

namespace {

constexpr int step_digits = 10;

// The step of a generation file name "<prefix>_<digits>.h5", or nullopt.
std::optional<std::int64_t> step_of(const std::string& name, const std::string& prefix) {
  const std::string head = prefix + "_", tail = ".h5";
  if (name.size() <= head.size() + tail.size() || name.compare(0, head.size(), head) != 0 ||
      name.compare(name.size() - tail.size(), tail.size(), tail) != 0)
    return std::nullopt;
  const char* first = name.data() + head.size();
  const char* last = name.data() + name.size() - tail.size();
  if (!std::all_of(first, last, [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  std::int64_t step = 0;
  if (std::from_chars(first, last, step).ec != std::errc()) return std::nullopt;
  return step;
}

// True for ".<generation name>.tmp-<token>" of this prefix.
bool is_temporary(const std::string& name, const std::string& prefix) {
  const std::size_t mark = name.find(".h5.tmp-");
  return name.size() > 1 && name[0] == '.' && mark != std::string::npos &&
         step_of(name.substr(1, mark + 3 - 1), prefix).has_value();
}

std::string strip_prefix(const std::string& message, const fs::path& path) {
  const std::string p = detail::snapshot_error_prefix(path);
  return message.compare(0, p.size(), p) == 0 ? message.substr(p.size()) : message;
}

std::string pack(const std::vector<Generation>& gens) {
  detail::Packer p;
  p.put(std::uint64_t(gens.size()));
  for (const Generation& g : gens) p.put(g.step).put(g.path.string());
  return std::move(p.bytes());
}

std::vector<Generation> unpack_generations(const std::string& bytes) {
  detail::Unpacker u(bytes);
  std::uint64_t n = 0;
  u.get(n);
  std::vector<Generation> gens(n);
  for (Generation& g : gens) {
    std::string path;
    u.get(g.step);
    u.get(path);
    g.path = path;
  }
  return gens;
}

// Rank 0: the generations in `folder`, oldest first.
std::vector<Generation> list_generations(const fs::path& folder, const std::string& prefix) {
  std::vector<Generation> gens;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
    if (auto step = step_of(it->path().filename().string(), prefix)) gens.push_back({*step, it->path()});
  if (ec) throw Error("cannot list folder '" + folder.string() + "': " + ec.message());
  std::sort(gens.begin(), gens.end(), [](const Generation& a, const Generation& b) { return a.step < b.step; });
  return gens;
}

}  // namespace

SnapshotSeries::SnapshotSeries(fs::path folder, std::string prefix, parallel::Comm comm, int keep, Log sink)
    : m_folder(std::move(folder)), m_prefix(std::move(prefix)), m_keep(keep), m_log(std::move(sink)), m_comm(comm) {
  PARLAYER_MPI_CHECK(MPI_Comm_set_errhandler(m_comm.get(), MPI_ERRORS_RETURN));
  m_rank = m_comm.rank();
  if (m_keep < 1) throw CollectiveError("snapshot series: keep must be >= 1, got " + std::to_string(m_keep));
  if (m_prefix.empty() || m_prefix.find('/') != std::string::npos || m_prefix[0] == '.')
    throw CollectiveError("snapshot series: prefix '" + m_prefix + "' must be a plain, non-empty file name start");
  if (m_folder.empty()) m_folder = ".";

  parallel::RootResult opened = parallel::on_root(m_comm.get(), [&] {
    const std::string shown = "'" + m_folder.string() + "'";
    std::error_code ec;
    const fs::file_status st = fs::status(m_folder, ec);
    if (fs::exists(st) && !fs::is_directory(st)) throw Error(shown + " exists and is not a folder");
    if (!fs::exists(st)) {
      fs::create_directories(m_folder, ec);
      if (ec) throw Error("cannot create folder " + shown + ": " + ec.message());
      log("created folder " + shown);
    }
    for (const Rejected& t : leftover_temporaries()) {
      const std::string failed = detail::remove_quietly(t.path);
      log(failed.empty() ? "removed leftover temporary '" + t.path.string() + "' of an interrupted write"
                         : "could not remove leftover temporary: " + failed);
    }
    // Permissions alone do not tell (root, read-only mounts, quotas): create a file to know.
    const fs::path probe = m_folder / ("." + m_prefix + ".probe-" + detail::unique_token());
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw Error("folder " + shown + " is not writable: " + detail::errno_text(errno));
    ::close(fd);
    if (const std::string failed = detail::remove_quietly(probe); !failed.empty())
      throw Error("folder " + shown + " is not usable: " + failed);
    return std::string();
  });
  if (opened.failure) throw CollectiveError("snapshot series: " + *opened.failure);
}

void SnapshotSeries::log(const std::string& line) const { detail::log_on_root(m_rank, m_log, line); }

fs::path SnapshotSeries::path_of(std::int64_t step) const {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%0*lld", step_digits, static_cast<long long>(step));
  return m_folder / (m_prefix + "_" + digits + ".h5");
}

std::vector<Rejected> SnapshotSeries::leftover_temporaries() const {
  std::vector<Rejected> found;
  std::error_code ec;
  for (fs::directory_iterator it(m_folder, ec), end; !ec && it != end; it.increment(ec))
    if (is_temporary(it->path().filename().string(), m_prefix))
      found.push_back({it->path(), "temporary file of an interrupted write (never committed)"});
  return found;
}

std::vector<Generation> SnapshotSeries::generations() const {
  parallel::RootResult listed = parallel::on_root(m_comm.get(), [&] { return pack(list_generations(m_folder, m_prefix)); });
  if (listed.failure) throw CollectiveError("snapshot series: " + *listed.failure);
  return unpack_generations(listed.payload);
}

fs::path SnapshotSeries::write(const domain::Decomposition& decomposition,
                               std::span<const domain::FieldBase* const> fields, const SnapshotHeader& header) {
  return write(decomposition, named_by_field(fields), header);
}

fs::path SnapshotSeries::write(const domain::Decomposition& decomposition, std::span<const FieldToWrite> fields,
                               const SnapshotHeader& header, const WriteOptions& options) {
  if (header.step < 0)
    throw CollectiveError("snapshot series: cannot write step " + std::to_string(header.step) + " (negative)");
  const fs::path path = path_of(header.step);
  write_snapshot(path, m_comm.get(), decomposition, fields, header, options);
  // Committed: now, and only now, older generations beyond keep() may go.
  parallel::RootResult pruned = parallel::on_root(m_comm.get(), [&] {
    log("wrote " + path.string() + " (step " + std::to_string(header.step) + ")");
    std::vector<Generation> gens = list_generations(m_folder, m_prefix);
    const std::size_t excess = gens.size() > std::size_t(m_keep) ? gens.size() - std::size_t(m_keep) : 0;
    if (!gens.empty() && gens.back().step > header.step)
      log("warning: generation " + gens.back().path.string() + " has a later step than the one just written; "
          "restarts prefer it (move it away if it belongs to an abandoned run)");
    for (std::size_t i = 0; i < excess; ++i) {
      if (gens[i].path == path) continue;
      const std::string failed = detail::remove_quietly(gens[i].path);
      log(failed.empty() ? "removed old generation " + gens[i].path.string() : "warning: pruning: " + failed);
    }
    return std::string();
  });
  if (pruned.failure) log("warning: pruning old generations failed: " + *pruned.failure);
  return path;
}

template <class TryOne>
LatestValid SnapshotSeries::walk_newest_first(TryOne&& try_one) const {
  LatestValid result;
  parallel::RootResult temps = parallel::on_root(m_comm.get(), [&] {
    detail::Packer p;
    const std::vector<Rejected> t = leftover_temporaries();
    p.put(std::uint64_t(t.size()));
    for (const Rejected& r : t) p.put(r.path.string()).put(r.reason);
    return std::move(p.bytes());
  });
  if (!temps.failure) {
    detail::Unpacker u(temps.payload);
    std::uint64_t n = 0;
    u.get(n);
    for (std::uint64_t i = 0; i < n; ++i) {
      Rejected r;
      std::string path;
      u.get(path);
      u.get(r.reason);
      r.path = path;
      log("ignoring " + r.path.string() + ": " + r.reason);
      result.rejected.push_back(std::move(r));
    }
  }
  const std::vector<Generation> gens = generations();
  for (auto it = gens.rbegin(); it != gens.rend(); ++it) {
    try {
      result.snapshot = try_one(it->path);
      log("using " + it->path.string() + " (step " + std::to_string(result.snapshot->header.step) + ")");
      return result;
    } catch (const CollectiveError& e) {  // agreed on every rank: safe to carry on collectively
      result.rejected.push_back({it->path, strip_prefix(e.what(), it->path)});
      log("rejected " + it->path.string() + ": " + result.rejected.back().reason);
    }
  }
  if (!gens.empty()) {
    std::string why = "no valid snapshot among the " + std::to_string(gens.size()) + " generation(s) of '" +
                      m_prefix + "' in '" + m_folder.string() + "' (refusing to start from step 0):";
    for (const Rejected& r : result.rejected)
      if (r.reason.find("temporary file") == std::string::npos) why += " " + r.path.filename().string() + ": " + r.reason + ";";
    why.pop_back();
    throw CollectiveError(why);
  }
  return result;
}

LatestValid SnapshotSeries::find_latest_valid(const domain::Decomposition& decomposition,
                                              std::span<const FieldSpec> needed) const {
  return walk_newest_first([&](const fs::path& path) { return verify_snapshot(path, m_comm.get(), decomposition, needed); });
}

std::optional<SnapshotInfo> SnapshotSeries::restore_latest(const domain::Decomposition& decomposition,
                                                           std::span<domain::FieldBase* const> fields,
                                                           std::vector<Rejected>* rejected) const {
  return restore_latest(decomposition, named_by_field(fields), rejected);
}

std::optional<SnapshotInfo> SnapshotSeries::restore_latest(const domain::Decomposition& decomposition,
                                                           std::span<const FieldToRead> fields,
                                                           std::vector<Rejected>* rejected) const {
  std::vector<FieldSpec> needed;
  std::vector<domain::FieldBase*> targets;
  for (const auto& [name, f, description] : fields) {
    needed.push_back({name, f ? f->element_type() : domain::ElementType::float64});
    targets.push_back(f);
  }
  LatestValid found = walk_newest_first([&](const fs::path& path) {
    return detail::read_snapshot_info(path, m_comm.get(), decomposition, needed, targets);
  });
  if (rejected) *rejected = std::move(found.rejected);
  return std::move(found.snapshot);
}

}  // namespace parlayer::checkpoint
