// runtime::check_memory and its helpers (include/parlayer/runtime/memory.hpp).
#include "parlayer/runtime/memory.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <limits>
#include <new>
#include <sstream>
#include <string_view>
#include <vector>

#include "parlayer/error.hpp"
#include "parlayer/parallel/collective.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/runtime/log.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::runtime {

namespace {

constexpr std::uint64_t huge_page = std::uint64_t{2} << 20;  // domain::Field's rounding
constexpr std::uint64_t saturated = std::numeric_limits<std::uint64_t>::max();

std::uint64_t times(std::uint64_t a, std::uint64_t b) {
  std::uint64_t product = 0;
  return __builtin_mul_overflow(a, b, &product) ? saturated : product;
}
std::uint64_t plus(std::uint64_t a, std::uint64_t b) { return a > saturated - b ? saturated : a + b; }

// The number after `name` in a "name value" file (/proc/meminfo "MemAvailable:  123 kB", a
// cgroup's memory.stat "inactive_file 123"), times 1024 if followed by "kB".
std::optional<std::uint64_t> field_of(const std::string& path, std::string_view name) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.compare(0, name.size(), name) != 0) continue;
    std::istringstream fields(line.substr(name.size()));
    std::uint64_t value = 0;
    std::string unit;
    if (!(fields >> value)) return std::nullopt;
    fields >> unit;
    return unit == "kB" ? times(value, 1024) : value;
  }
  return std::nullopt;
}

// A file holding one number ("max" or a value near 2^63 mean no limit: nullopt).
std::optional<std::uint64_t> number_in(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return std::nullopt;
  std::uint64_t value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || value >= (std::uint64_t{1} << 62)) return std::nullopt;
  return value;
}

struct Available {
  std::uint64_t bytes = 0;
  std::string source;  // where the figure comes from, for the message
};

// The room left under the memory limits of this process's cgroup and its ancestors (the
// smallest), if any limit is set. Page cache the kernel can reclaim (inactive files) counts as free.
std::optional<Available> cgroup_room() {
  std::ifstream in("/proc/self/cgroup");
  std::optional<Available> best;
  for (std::string line; std::getline(in, line);) {
    // "0::/path" (v2), "N:memory:/path" or "N:...,memory,...:/path" (v1)
    const auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string_view controllers = std::string_view(line).substr(first + 1, second - first - 1);
    const bool v2 = controllers.empty();
    bool memory = false;  // "memory" among the comma-separated controllers
    for (std::size_t at = 0; !v2 && at <= controllers.size();) {
      const std::size_t end = std::min(controllers.find(',', at), controllers.size());
      memory = memory || controllers.substr(at, end - at) == "memory";
      at = end + 1;
    }
    if (!v2 && !memory) continue;
    const std::string root = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory";
    const std::string limit_file = v2 ? "/memory.max" : "/memory.limit_in_bytes";
    const std::string usage_file = v2 ? "/memory.current" : "/memory.usage_in_bytes";
    const std::string_view inactive = v2 ? "inactive_file " : "total_inactive_file ";
    // Inside a container the path may not exist below the mount: its ancestors, or the root, do.
    for (std::string path = line.substr(second + 1);; path = path.substr(0, path.rfind('/'))) {
      const std::string folder = root + (path == "/" ? "" : path);
      const std::optional<std::uint64_t> limit = number_in(folder + limit_file);
      const std::optional<std::uint64_t> usage = number_in(folder + usage_file);
      if (limit && usage) {
        const std::uint64_t reclaimable = field_of(folder + "/memory.stat", inactive).value_or(0);
        const std::uint64_t used = *usage > reclaimable ? *usage - reclaimable : 0;
        const std::uint64_t room = *limit > used ? *limit - used : 0;
        if (!best || room < best->bytes)
          best = Available{room, "the memory limit of cgroup " + (path.empty() ? "/" : path)};
      }
      if (path.empty() || path == "/") break;
    }
  }
  return best;
}

std::optional<Available> available() {
  std::optional<Available> found;
  if (const std::optional<std::uint64_t> kb = field_of("/proc/meminfo", "MemAvailable:"))
    found = Available{*kb, "MemAvailable in /proc/meminfo"};
  else if (const long pages = sysconf(_SC_AVPHYS_PAGES), size = sysconf(_SC_PAGESIZE); pages > 0 && size > 0)
    found = Available{times(std::uint64_t(pages), std::uint64_t(size)), "free pages (sysconf)"};
  if (const std::optional<Available> room = cgroup_room(); room && (!found || room->bytes < found->bytes))
    found = room;
  return found;
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "?";
  return name;
}

}  // namespace

std::uint64_t field_bytes(const domain::Decomposition& decomposition, int rank, int ghost_width,
                          std::size_t element_size, int fields) {
  std::uint64_t one_field = 0;
  const domain::Index3 ghosts = decomposition.ghost_widths(ghost_width);
  for (const int b : decomposition.boxes_of(rank)) {
    const std::int64_t cells = decomposition.layout().box(b).grown(ghosts).cells();
    std::uint64_t bytes = times(std::uint64_t(std::max<std::int64_t>(cells, 0)), element_size);
    if (bytes >= huge_page) bytes = times((bytes - 1) / huge_page + 1, huge_page);
    one_field = plus(one_field, bytes);
  }
  return times(one_field, std::uint64_t(std::max(fields, 0)));
}

std::optional<std::uint64_t> available_memory() {
  if (const std::optional<Available> a = available()) return a->bytes;
  return std::nullopt;
}

std::string format_bytes(std::uint64_t bytes) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (unit < 6 && value >= 1024.0) value /= 1024.0, ++unit;
  return unit == 0 ? std::to_string(bytes) + " B" : format(value < 10 ? "%.1f %s" : "%.0f %s", value, units[unit]);
}

void check_memory(std::uint64_t bytes_needed, parallel::Comm comm, const std::string& what) {
  // Every rank's need, its machine's name and what that machine has available, on every rank:
  // each rank then reaches the same verdict from the same data (no broadcast of it needed).
  // Machines are told apart by host name. (Not MPI_Comm_split_type: Open MPI 4.1 crashes in it
  // where two "hosts" share a name, as the network-namespace hosts of tests/cluster do.)
  struct Report {
    std::uint64_t need = 0;
    std::uint64_t available = 0;
    std::int32_t known = 0;  // whether `available` could be found out
    char host[256] = {};
    char source[200] = {};
  } mine;
  mine.need = plus(bytes_needed, memory_allowance_per_rank);
  if (const std::optional<Available> a = available()) {
    mine.available = a->bytes;
    mine.known = 1;
    a->source.copy(mine.source, sizeof mine.source - 1);
  }
  host_name().copy(mine.host, sizeof mine.host - 1);
  int size = 0;
  PARLAYER_MPI_CHECK(MPI_Comm_size(comm, &size));
  std::vector<Report> all(static_cast<std::size_t>(size));
  PARLAYER_MPI_CHECK(MPI_Allgather(&mine, sizeof mine, MPI_BYTE, all.data(), sizeof mine, MPI_BYTE, comm));

  // Per machine (in order of its first rank): the ranks' needs added up (as doubles: the sum of
  // absurd needs may exceed 2^64; they are only compared and printed), against the figure of its
  // first rank. The machine short by the largest factor is reported.
  struct Machine {
    const Report* first;
    double total = 0, largest = 0;
    int ranks = 0;
  };
  std::vector<Machine> machines;
  for (const Report& r : all) {
    auto m = std::find_if(machines.begin(), machines.end(),
                          [&](const Machine& x) { return std::string_view(x.first->host) == r.host; });
    if (m == machines.end()) m = machines.insert(machines.end(), Machine{&r});
    m->total += static_cast<double>(r.need);
    m->largest = std::max(m->largest, static_cast<double>(r.need));
    ++m->ranks;
  }
  const Machine* worst = nullptr;
  double worst_ratio = 1.0;
  for (const Machine& m : machines) {
    if (!m.first->known) continue;
    const double ratio = m.first->available > 0 ? m.total / static_cast<double>(m.first->available) : 2.0;
    if (ratio > worst_ratio) worst = &m, worst_ratio = ratio;
  }
  if (!worst) return;
  auto bytes = [](double b) { return format_bytes(b >= 1.8e19 ? saturated : static_cast<std::uint64_t>(b)); };
  throw CollectiveError("not enough memory on host '" + std::string(worst->first->host) + "': the run needs about " +
                        bytes(worst->total) + " there (" + std::to_string(worst->ranks) +
                        (worst->ranks == 1 ? " rank" : " ranks, up to " + bytes(worst->largest) + " each") + ": " +
                        what + ", and " + format_bytes(memory_allowance_per_rank) +
                        " per rank for MPI, HDF5 and buffers), but only " + format_bytes(worst->first->available) +
                        " is available (" + worst->first->source + "); use more machines, or a smaller grid");
}

void allocate_agreed(parallel::Comm comm, const std::string& what, const std::function<void()>& allocate) {
  parallel::Failure local;
  try {
    allocate();
  } catch (const std::bad_alloc&) {
    local = "std::bad_alloc";
  }
  if (const parallel::Failure why = parallel::agree(comm, local))
    throw CollectiveError("out of memory while allocating " + what + " (" + *why +
                          "): less memory is left than the estimate found available (other programs, or a "
                          "limit on the process such as ulimit -v); use more machines, or a smaller grid");
}

}  // namespace parlayer::runtime
