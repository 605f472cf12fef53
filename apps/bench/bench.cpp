#include "bench.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <fstream>
#include <utility>

#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::bench {

double max_over(MPI_Comm comm, double value) {
  double result = 0;
  PARLAYER_MPI_CHECK(MPI_Allreduce(&value, &result, 1, MPI_DOUBLE, MPI_MAX, comm));
  return result;
}

double sum_over(MPI_Comm comm, double value) {
  double result = 0;
  PARLAYER_MPI_CHECK(MPI_Allreduce(&value, &result, 1, MPI_DOUBLE, MPI_SUM, comm));
  return result;
}

std::array<double, 3> load_average() {
  std::array<double, 3> load{0, 0, 0};
  std::ifstream in("/proc/loadavg");
  in >> load[0] >> load[1] >> load[2];
  return load;
}

std::string cpu_affinity() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return "?";
  std::string out;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &set)) continue;
    int last = cpu;
    while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set)) ++last;
    if (!out.empty()) out += ',';
    out += last == cpu ? std::to_string(cpu) : std::to_string(cpu) + "-" + std::to_string(last);
    cpu = last;
  }
  return out;
}

namespace {
std::vector<int> g_other_load;  // samples of sample_other_load()
double g_quiet_budget = 0, g_quiet_waited = 0;
int g_unquiet_starts = 0;

// Runnable tasks on the machine besides `own_ranks` of this job (/proc/stat procs_running).
int other_runnable(int own_ranks) {
  std::ifstream in("/proc/stat");
  std::string key;
  long value = 0;
  while (in >> key) {
    if (key == "procs_running" && in >> value) return std::max(0, static_cast<int>(value) - own_ranks);
    in.ignore(1 << 20, '\n');
  }
  return 0;
}
}  // namespace

void sample_other_load(int own_ranks) { g_other_load.push_back(other_runnable(own_ranks)); }

void set_quiet_budget(double seconds) { g_quiet_budget = seconds; }

void wait_for_quiet(MPI_Comm comm) {
  if (g_quiet_budget <= 0) return;
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  int quiet = 0;
  if (rank == 0) {
    const double t0 = now();
    // The other ranks spin in MPI_Bcast meanwhile (runnable), rank 0 runs while it reads: `size`.
    for (;;) {
      int others = 0;
      for (int s = 0; s < 5 && others == 0; ++s) {
        others = other_runnable(size);
        if (others == 0) usleep(10000);
      }
      if (others == 0) {
        quiet = 1;
        break;
      }
      if (g_quiet_waited + (now() - t0) >= g_quiet_budget) break;
      usleep(50000);
    }
    g_quiet_waited += now() - t0;
    if (!quiet) ++g_unquiet_starts;
  }
  MPI_Bcast(&quiet, 1, MPI_INT, 0, comm);
}

json other_load_summary() {
  if (g_other_load.empty()) return {{"samples", 0}, {"quiet_wait_s", g_quiet_waited}, {"unquiet_starts", g_unquiet_starts}};
  double sum = 0;
  int max = 0, busy = 0;
  for (int v : g_other_load) sum += v, max = std::max(max, v), busy += v > 0;
  const double n = static_cast<double>(g_other_load.size());
  return {{"samples", g_other_load.size()}, {"mean", sum / n}, {"max", max}, {"busy_fraction", busy / n},
          {"quiet_wait_s", g_quiet_waited}, {"unquiet_starts", g_unquiet_starts}};
}

std::string format(const char* fmt, ...) {
  char buffer[256];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buffer, sizeof buffer, fmt, args);
  va_end(args);
  return buffer;
}

Table::Table(std::string title, std::vector<std::string> header)
    : m_title(std::move(title)), m_header(std::move(header)) {}

void Table::add(std::vector<std::string> row) {
  row.resize(m_header.size());
  m_rows.push_back(std::move(row));
}

void Table::print() const {
  std::vector<std::size_t> width(m_header.size());
  for (std::size_t c = 0; c < m_header.size(); ++c) {
    width[c] = m_header[c].size();
    for (const auto& row : m_rows) width[c] = std::max(width[c], row[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      // First column left-aligned (a name), the rest right-aligned (numbers).
      const std::string pad(width[c] - cells[c].size(), ' ');
      s += c == 0 ? cells[c] + pad : pad + cells[c];
      s += c + 1 < cells.size() ? "  " : "";
    }
    std::printf("%s\n", s.c_str());
  };
  std::printf("\n%s\n", m_title.c_str());
  line(m_header);
  std::size_t total = 0;
  for (std::size_t w : width) total += w + 2;
  std::printf("%s\n", std::string(total > 2 ? total - 2 : 0, '-').c_str());
  for (const auto& row : m_rows) line(row);
  std::fflush(stdout);
}

}  // namespace parlayer::bench
