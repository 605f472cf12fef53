// parlayer-bench: stencil, halo-exchange and checkpoint performance against the machine's own
// limits, measured in the same run (issue 6). Prints tables on stdout (rank 0), writes one JSON.
//
// Sample runs (scripts/bench runs all of them and scripts/plot-bench draws the charts):
//   mpirun -np 1 --bind-to core parlayer-bench --json out/bench/np1.json
//   mpirun -np 2 --bind-to core parlayer-bench --json out/bench/np2.json
//   mpirun -np 2 --bind-to core --mca btl tcp,self parlayer-bench --suite comm --json out/bench/np2-tcp.json
//   mpirun -np 4 --oversubscribe parlayer-bench --suite scaling --json out/bench/scaling-np4.json
//   mpirun -np 2 --bind-to core parlayer-bench --suite layout --json out/bench/layout-np2.json
//   mpirun -np 2 --bind-to core parlayer-bench --suite redistribution --json out/bench/redistribution-np2.json
//   mpirun -np 1 --bind-to none parlayer-bench --suite threads --threads 2 --json out/bench/threads-1x2.json
//   mpirun -np 2 parlayer-bench --tiny --json /tmp/t.json     (seconds: what the smoke test runs)
//   (apps/bench/threads_bench.py runs 1x1, 1x2 and 2x1 ranks x threads and the climate step, and
//   prints the ratios of issue 13)
//
// 1. parse the options   2. machine limits (triad, ping-pong, disk)   3. stencils: library and
// reference, throughput and exchange exposure; layouts (many boxes per rank against one);
// redistribution   4. scaling   5. snapshot   6. targets, tables, JSON.
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench.hpp"
#include "limits.hpp"
#include "openmp_tiles.hpp"
#include "parlayer/error.hpp"
#include "parlayer/parallel/environment.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "redistribution_bench.hpp"
#include "reference_jacobi.hpp"
#include "snapshot_bench.hpp"
#include "stencils.hpp"

#ifndef PARLAYER_BENCH_FLAGS
#define PARLAYER_BENCH_FLAGS "unknown"
#endif
#ifndef PARLAYER_BENCH_BUILD_TYPE
#define PARLAYER_BENCH_BUILD_TYPE "unknown"
#endif
#ifndef PARLAYER_BENCH_NATIVE
#define PARLAYER_BENCH_NATIVE 0
#endif

namespace {

using namespace parlayer::bench;
using parlayer::transfer::Backend;

struct Suites {
  bool triad = false, pingpong = false, disk = false, stencil = false, halo = false, snapshot = false,
       scaling = false, layout = false, redistribution = false, threads = false;
};

Suites parse_suites(const std::vector<std::string>& names) {
  Suites s;
  for (const std::string& n : names) {
    if (n == "all") s.triad = s.pingpong = s.disk = s.stencil = s.halo = s.snapshot = true;
    else if (n == "limits") s.triad = s.pingpong = s.disk = true;
    else if (n == "comm") s.pingpong = s.halo = true;
    else if (n == "triad") s.triad = true;
    else if (n == "pingpong") s.pingpong = true;
    else if (n == "disk") s.disk = true;
    else if (n == "stencil") s.stencil = true;
    else if (n == "halo") s.halo = true;
    else if (n == "snapshot") s.snapshot = true;
    else if (n == "scaling") s.scaling = true;
    else if (n == "layout") s.layout = true;
    else if (n == "redistribution") s.redistribution = true;
    else if (n == "threads") s.threads = true;
    else throw parlayer::CollectiveError("unknown suite '" + n + "'");
  }
  if (s.stencil || s.layout) s.triad = true;  // a throughput is reported against this run's roofline
  if (s.redistribution) s.pingpong = true;    // a move is reported against this run's ping-pong
  return s;
}

// One thing timed repeatedly: the best (smallest) of each quantity over the repetitions is kept.
struct Case {
  std::string key;
  std::function<StepTiming(int)> run;
  StepTiming best{1e300, 1e300, 1e300, 1e300, 1e300, 1e300, 1e300};
  std::vector<double> step_samples{};  // step_s of every repetition (all rounds), for the median
};

// The median of the repetitions' step times.
double median_step(const Case& c) {
  std::vector<double> v = c.step_samples;
  if (v.empty()) return c.best.step_s;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Keeps the smaller of each quantity.
void keep_best(StepTiming& best, const StepTiming& t) {
  best.step_s = std::min(best.step_s, t.step_s);
  best.kernel_s = std::min(best.kernel_s, t.kernel_s);
  best.exposed_s = std::min(best.exposed_s, t.exposed_s);
  best.exposed_wait_s = std::min(best.exposed_wait_s, t.exposed_wait_s);
  best.deep_s = std::min(best.deep_s, t.deep_s);
  best.strip_s = std::min(best.strip_s, t.strip_s);
  best.strip_x_s = std::min(best.strip_x_s, t.strip_x_s);
}

// Repetitions interleave all cases, so a burst of load from elsewhere hits all of them alike.
void measure(MPI_Comm comm, std::vector<Case>& cases, const Config& cfg) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  for (Case& c : cases) c.run(1);  // warm-up: binds the exchange (builds its plan), faults pages in
  for (int rep = 0; rep < cfg.reps; ++rep)
    for (Case& c : cases) {
      wait_for_quiet(comm);
      const StepTiming t = c.run(cfg.steps);
      keep_best(c.best, t);
      c.step_samples.push_back(t.step_s);
      if (rank == 0) sample_other_load(size);
    }
}

// Runs measure() in cfg.rounds rounds, each on freshly allocated fields made by `make_cases`
// (which gets the round number), keeping the best of every quantity over all rounds. Where the
// pages of a big array land changes its streaming speed by up to ~10% on this VM (measured: the
// same loop on two allocations), so one allocation must not decide a comparison.
std::vector<Case> measure_rounds(MPI_Comm comm, const Config& cfg,
                                 const std::function<std::vector<Case>(int round)>& make_cases) {
  std::vector<Case> best;
  for (int round = 0; round < cfg.rounds; ++round) {
    std::vector<Case> cases = make_cases(round);
    measure(comm, cases, cfg);
    if (best.empty()) best = cases;
    else
      for (std::size_t i = 0; i < cases.size(); ++i) {
        keep_best(best[i].best, cases[i].best);
        best[i].step_samples.insert(best[i].step_samples.end(), cases[i].step_samples.begin(),
                                    cases[i].step_samples.end());
      }
  }
  return best;
}

const Case* find(const std::vector<Case>& cases, const std::string& key) {
  for (const Case& c : cases)
    if (c.key == key) return &c;
  return nullptr;
}

std::vector<int> extent_of(Kernel k, const Config& cfg) {
  return info(k).dimensions == 2 ? std::vector<int>{cfg.n2d, cfg.n2d} : std::vector<int>{cfg.n3d, cfg.n3d, cfg.n3d};
}

std::string extent_string(const std::vector<int>& e) {
  std::string s;
  for (int v : e) {
    if (!s.empty()) s += 'x';
    s += std::to_string(v);
  }
  return s;
}

double pingpong_one_way_s(const json& pingpong, std::int64_t bytes) {
  if (!pingpong.is_object()) return 0;
  for (const json& r : pingpong["results"])
    if (r["bytes"].get<std::int64_t>() == bytes) return r["one_way_us"].get<double>() * 1e-6;
  return 0;
}

// The ping-pong's one-way times for `bytes`: plain memory, field memory, field memory cold (0 if
// not measured).
struct PingPongTimes {
  double plain = 0, field = 0, cold = 0, exchange = 0;
};
PingPongTimes pingpong_one_way_all_s(const json& pingpong, std::int64_t bytes) {
  if (!pingpong.is_object()) return {};
  for (const json& r : pingpong["results"])
    if (r["bytes"].get<std::int64_t>() == bytes)
      return {r["one_way_us"].get<double>() * 1e-6, r.value("field_memory_one_way_us", 0.0) * 1e-6,
              r.value("field_memory_cold_one_way_us", 0.0) * 1e-6, r.value("exchange_us", 0.0) * 1e-6};
  return {};
}

bool oversubscribed(int ranks) { return ranks > static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)); }

// The threads suite's tile: --tile-size, else whole rows in slabs of 16 (2D) and whole planes in
// slabs of 8 (3D: tiles cut along y cost the 7-point kernel ~15% on one thread here, measured with
// the serial-tiles case; docs/performance.md).
std::vector<int> tile_list(const Config& cfg, Kernel kernel) {
  if (!cfg.tile_size.empty()) return cfg.tile_size;
  return info(kernel).dimensions == 2 ? std::vector<int>{0, 16} : std::vector<int>{0, 0, 8};
}
parlayer::domain::Index3 tile_of(const std::vector<int>& list) {
  parlayer::domain::Index3 t{0, 0, 0};
  for (std::size_t a = 0; a < 3 && a < list.size(); ++a) t[a] = list[a];
  return t;
}

// ---- 3. stencils through the library (and the hand-written reference), throughput and halo ----
void measure_kernel(MPI_Comm comm, const Config& cfg, const Suites& suites, Kernel kernel, json& doc) {
  const int ranks = doc["run"]["ranks"].get<int>();
  const KernelInfo& k = info(kernel);
  const std::vector<int> extent = extent_of(kernel, cfg);
  const bool with_reference = suites.stencil && kernel == Kernel::five_point_2d;
  const bool halo = suites.halo && ranks > 1;
  std::unique_ptr<LibraryStencil> lib_owner;
  std::unique_ptr<ReferenceJacobi2D> ref_owner;

  const std::vector<Case> cases = measure_rounds(comm, cfg, [&](int round) {
    // Fresh fields every round; in odd rounds the reference allocates first (see measure_rounds).
    lib_owner.reset();
    ref_owner.reset();
    if (with_reference && round % 2 == 1) ref_owner = std::make_unique<ReferenceJacobi2D>(comm, extent[0], extent[1]);
    lib_owner = std::make_unique<LibraryStencil>(comm, kernel, extent);
    if (with_reference && !ref_owner) ref_owner = std::make_unique<ReferenceJacobi2D>(comm, extent[0], extent[1]);
    LibraryStencil* lib = lib_owner.get();
    ReferenceJacobi2D* ref = ref_owner.get();

    std::vector<Case> list;
    auto lib_case = [&](Mode mode, Backend backend) {
      list.push_back({std::string("library/") + to_string(mode) + "/" + to_string(backend),
                      [lib, mode, backend](int steps) { return lib->run(steps, mode, backend); }});
    };
    lib_case(Mode::overlap, Backend::packed);
    lib_case(Mode::blocking, Backend::packed);
    if (suites.stencil) lib_case(Mode::overlap_all_sides, Backend::packed);
    if (ref)
      for (bool overlap : {true, false})
        list.push_back({std::string("reference/") + (overlap ? "overlap" : "blocking") + "/plain",
                        [ref, overlap](int steps) { return StepTiming{ref->run(steps, overlap), 0, 0, 0, 0, 0, 0}; }});
    if (halo) {
      lib_case(Mode::overlap_progress, Backend::packed);
      lib_case(Mode::exchange_only, Backend::packed);
      lib_case(Mode::compute_only, Backend::packed);
      lib_case(Mode::overlap, Backend::datatypes);
      lib_case(Mode::blocking, Backend::datatypes);
      lib_case(Mode::exchange_only, Backend::datatypes);
    }
    return list;
  });
  LibraryStencil& lib = *lib_owner;
  ReferenceJacobi2D* ref = ref_owner.get();

  const double cells = static_cast<double>(lib.global_cells());
  if (suites.stencil) {
    // Same answers? Every path from the same initial state, a few steps, the same global sum.
    lib.reset();
    lib.run(3, Mode::overlap);
    const double lib_sum = lib.checksum();
    lib.reset();
    lib.run(3, Mode::overlap_all_sides);
    const double all_sides_sum = lib.checksum();
    for (const Case& c : cases) {
      const bool reference = c.key.rfind("reference/", 0) == 0;
      const bool all_sides = c.key == "library/overlap-all-sides/packed";
      if (!reference && !all_sides && c.key != "library/overlap/packed" && c.key != "library/blocking/packed")
        continue;
      const double rate = cells / c.best.step_s;
      json e{{"kernel", k.name},
             {"path", reference ? "reference" : all_sides ? "all-sides" : "library"},
             {"mode", c.key.substr(c.key.find('/') + 1, c.key.rfind('/') - c.key.find('/') - 1)},
             {"ranks", ranks},
             {"process_grid", reference ? format("1x%d", ranks) : lib.process_grid()},
             {"global_extent", extent},
             {"cells", lib.global_cells()},
             {"step_s", c.best.step_s},
             {"gcells_per_s", rate / 1e9},
             {"bytes_per_cell_counted", k.bytes_counted},
             {"bytes_per_cell_write_allocate", k.bytes_write_allocate},
             {"oversubscribed", oversubscribed(ranks)}};  // roofline: add_rooflines(), after the last triad
      if (all_sides) e["same_result_as_library"] = all_sides_sum == lib_sum;
      if (!reference && !all_sides) {
        e["deep_ns_per_cell"] = 1e9 * c.best.deep_s / static_cast<double>(std::max<std::int64_t>(lib.deep_cells(), 1));
        e["strip_ns_per_cell"] = 1e9 * c.best.strip_s / static_cast<double>(std::max<std::int64_t>(lib.strip_cells(), 1));
        e["strip_x_ns_per_cell"] =
            1e9 * c.best.strip_x_s / static_cast<double>(std::max<std::int64_t>(lib.strip_x_cells(), 1));
        e["strip_other_ns_per_cell"] = 1e9 * (c.best.strip_s - c.best.strip_x_s) /
                                       static_cast<double>(std::max<std::int64_t>(lib.strip_cells() - lib.strip_x_cells(), 1));
        e["strip_time_fraction"] = c.best.strip_s / c.best.kernel_s;
        e["strip_cell_fraction"] = static_cast<double>(lib.strip_cells()) /
                                   static_cast<double>(lib.strip_cells() + lib.deep_cells());
      }
      doc["stencils"].push_back(e);
    }
    if (ref) {
      ref->reset();
      ref->run(3, true);
      const double ref_sum = ref->checksum();
      for (const char* mode : {"overlap", "blocking"}) {
        const double l = find(cases, std::string("library/") + mode + "/packed")->best.step_s;
        const double r = find(cases, std::string("reference/") + mode + "/plain")->best.step_s;
        doc["library_vs_reference"].push_back({{"kernel", k.name},
                                               {"ranks", ranks},
                                               {"mode", mode},
                                               {"library_step_s", l},
                                               {"reference_step_s", r},
                                               {"ratio", r / l},
                                               {"checksum_library", lib_sum},
                                               {"checksum_reference", ref_sum},
                                               {"same_result", lib_sum == ref_sum}});
      }
    }
  }
  if (halo) {
    for (Backend backend : {Backend::packed, Backend::datatypes}) {
      const std::string b = to_string(backend);
      const StepTiming& block = find(cases, "library/blocking/" + b)->best;
      const StepTiming& over = find(cases, "library/overlap/" + b)->best;
      const StepTiming& exch = find(cases, "library/exchange-only/" + b)->best;
      const double pingpong = pingpong_one_way_s(doc["limits"]["pingpong"], lib.max_message_bytes());
      json e{{"kernel", k.name},
             {"transport", cfg.transport},
             {"backend", b},
             {"ranks", ranks},
             {"process_grid", lib.process_grid()},
             {"message_bytes_per_neighbour", lib.max_message_bytes()},
             {"neighbours", lib.max_neighbours()},
             {"pingpong_one_way_s", pingpong},
             {"exchange_s", exch.step_s},
             {"exchange_vs_pingpong", pingpong > 0 ? exch.step_s / pingpong : 0.0},
             {"blocking_step_s", block.step_s},
             {"blocking_exposed_s", block.exposed_s},
             {"blocking_exposed_with_wait_s", block.exposed_wait_s},
             {"comm_visible_fraction", block.exposed_s / block.step_s},
             {"overlap_step_s", over.step_s},
             {"overlap_exposed_s", over.exposed_s},
             {"overlap_exposed_with_wait_s", over.exposed_wait_s},
             {"exposed_fraction", over.exposed_s / block.exposed_s},
             {"hidden_fraction", 1.0 - over.exposed_s / block.exposed_s},
             {"hidden_with_wait_fraction", 1.0 - over.exposed_wait_s / block.exposed_wait_s}};
      if (backend == Backend::packed) {
        const StepTiming& prog = find(cases, "library/overlap+progress/packed")->best;
        e["compute_s"] = find(cases, "library/compute-only/packed")->best.step_s;
        // The step-time view of the same question (noisier: a difference of two long times).
        e["blocking_minus_compute_s"] = block.step_s - e["compute_s"].get<double>();
        e["overlap_minus_compute_s"] = over.step_s - e["compute_s"].get<double>();
        e["overlap_progress_step_s"] = prog.step_s;
        e["overlap_progress_exposed_s"] = prog.exposed_s;
        e["progress_hidden_fraction"] = 1.0 - prog.exposed_s / block.exposed_s;
        e["overlap_progress_exposed_with_wait_s"] = prog.exposed_wait_s;
      }
      doc["halo"].push_back(e);
    }
  }
}

// ---- 3b. layouts (issue 10): the same kernel on many boxes per rank against one block per rank ----
// All through the same LibraryStencil code (kernels on `field[tile]`), the same global grid, in the
// same run, interleaved repetitions, fresh fields every round (in odd rounds the many-box fields
// are allocated first). The ratio many-box / single-box throughput is what the layout costs.
// "many": the least-surface chopped layout (square-ish boxes, 1000x1000 for 4000^2 at 1 rank);
// "rows": as many boxes, but x not chopped (whole rows, 4000x250): a row kernel's speed depends on
// its row length, so the two tell the library's cost per box from the kernel's cost of short rows.
void measure_layout(MPI_Comm comm, const Config& cfg, Kernel kernel, json& doc) {
  const int ranks = doc["run"]["ranks"].get<int>();
  const KernelInfo& k = info(kernel);
  const std::vector<int> extent = extent_of(kernel, cfg);
  std::unique_ptr<LibraryStencil> single_owner, many_owner, rows_owner;
  const std::vector<Case> cases = measure_rounds(comm, cfg, [&](int round) {
    single_owner.reset();
    many_owner.reset();
    rows_owner.reset();
    const std::vector<int>& box_size = k.dimensions == 2 ? cfg.box_size_2d : cfg.box_size_3d;
    auto make_many = [&] {
      many_owner = std::make_unique<LibraryStencil>(
          comm, kernel,
          box_size.empty() ? many_box_decomposition(extent, ranks, cfg.boxes_per_rank)
                           : chopped_decomposition(extent, ranks, box_size));
      rows_owner =
          std::make_unique<LibraryStencil>(comm, kernel, many_box_decomposition(extent, ranks, cfg.boxes_per_rank, true));
    };
    if (round % 2 == 1) make_many();
    single_owner = std::make_unique<LibraryStencil>(comm, kernel, extent);
    if (!many_owner) make_many();
    std::vector<Case> list;
    // The exchange alone (local copies between boxes, messages, walls): where a step's time
    // outside the kernels goes.
    for (Mode mode : {Mode::overlap, Mode::blocking, Mode::exchange_only})
      for (const auto& [name, lib] : {std::pair<const char*, LibraryStencil*>{"single", single_owner.get()},
                                      {"many", many_owner.get()}, {"rows", rows_owner.get()}})
        list.push_back({std::string(name) + "/" + to_string(mode), [lib, mode](int steps) { return lib->run(steps, mode); }});
    return list;
  });
  LibraryStencil& single = *single_owner;
  LibraryStencil& many = *many_owner;
  LibraryStencil& rows = *rows_owner;
  // Same answers: a few steps from the same state on every decomposition, every cell's bits.
  auto print_after_steps = [](LibraryStencil& lib) {
    lib.reset();
    lib.run(3, Mode::overlap);
    return lib.fingerprint();
  };
  const std::uint64_t single_print = print_after_steps(single);
  const std::uint64_t many_print = print_after_steps(many);
  const std::uint64_t rows_print = print_after_steps(rows);
  const double cells = static_cast<double>(single.global_cells());
  auto side = [&](const LibraryStencil& lib, const Case& c, const Case& exchange) {
    return json{{"process_grid", lib.process_grid()},
                {"boxes", lib.decomposition().layout().size()},
                {"boxes_per_rank_max", lib.max_boxes_per_rank()},
                {"box_extent", lib.decomposition().layout().box(0).extents()},
                {"step_s", c.best.step_s},
                {"median_step_s", median_step(c)},
                {"repetitions", c.step_samples.size()},
                {"gcells_per_s", cells / c.best.step_s / 1e9},
                {"median_gcells_per_s", cells / median_step(c) / 1e9},
                {"deep_ns_per_cell", 1e9 * c.best.deep_s / static_cast<double>(std::max<std::int64_t>(lib.deep_cells(), 1))},
                {"strip_ns_per_cell", 1e9 * c.best.strip_s / static_cast<double>(std::max<std::int64_t>(lib.strip_cells(), 1))},
                {"strip_cell_fraction", static_cast<double>(lib.strip_cells()) /
                                            static_cast<double>(lib.strip_cells() + lib.deep_cells())},
                {"kernel_s", c.best.kernel_s},
                {"exchange_only_s", exchange.best.step_s},
                {"messages_per_step", lib.max_neighbours()},
                {"largest_message_bytes", lib.max_message_bytes()},
                {"local_copy_bytes_per_step", lib.local_copy_bytes()}};
  };
  for (Mode mode : {Mode::overlap, Mode::blocking}) {
    const Case& s = *find(cases, std::string("single/") + to_string(mode));
    const Case& m = *find(cases, std::string("many/") + to_string(mode));
    const Case& r = *find(cases, std::string("rows/") + to_string(mode));
    const Case& s_exchange = *find(cases, "single/exchange-only");
    const Case& m_exchange = *find(cases, "many/exchange-only");
    const Case& r_exchange = *find(cases, "rows/exchange-only");
    doc["layouts"].push_back({{"kernel", k.name},
                              {"mode", to_string(mode)},
                              {"ranks", ranks},
                              {"global_extent", extent},
                              {"cells", single.global_cells()},
                              {"boxes_per_rank_asked", cfg.boxes_per_rank},
                              {"box_size_asked", k.dimensions == 2 ? cfg.box_size_2d : cfg.box_size_3d},
                              {"ownership", "space_filling_curve"},
                              {"bytes_per_cell_write_allocate", k.bytes_write_allocate},
                              {"oversubscribed", oversubscribed(ranks)},
                              {"single", side(single, s, s_exchange)},
                              {"many", side(many, m, m_exchange)},
                              {"many_whole_rows", side(rows, r, r_exchange)},
                              {"many_over_single", s.best.step_s / m.best.step_s},
                              {"many_over_single_median", median_step(s) / median_step(m)},
                              {"whole_rows_over_single", s.best.step_s / r.best.step_s},
                              {"whole_rows_over_single_median", median_step(s) / median_step(r)},
                              {"same_result", single_print == many_print && single_print == rows_print}});
  }
}

// ---- 3c. redistribution (issue 10): one field moved between the default decomposition and others ----
// Per size, every (target, backend, direction) is one case, interleaved, fresh fields each round.
// A move's rate is compared with the ping-pong of its largest message measured in this run: the
// ping-pong moves m bytes one way in time p(m); a move whose messages are m bytes (every rank
// sending and receiving at once) takes t; fraction = p(m) / t = (m / t) / (m / p(m)). p(m) is the
// ping-pong on cold field memory (huge pages, every message from memory not in cache, like the
// moved fields); the fractions of the plain-memory and hot field-memory ping-pongs are recorded too.
void measure_redistribution(MPI_Comm comm, const Config& cfg, json& doc) {
  const int ranks = doc["run"]["ranks"].get<int>();
  if (ranks < 2) return;  // nothing travels between ranks
  for (const int n : cfg.redistribution_sizes) {
    const std::vector<int> extent{n, n};
    std::unique_ptr<RedistributionBench> owner;
    const std::vector<Case> cases = measure_rounds(comm, cfg, [&](int) {
      owner.reset();
      owner = std::make_unique<RedistributionBench>(comm, extent, cfg.boxes_per_rank, cfg.redistribution_ghost_width);
      RedistributionBench* b = owner.get();
      std::vector<Case> list;
      for (std::size_t t = 0; t < b->targets().size(); ++t)
        for (Backend backend : {Backend::packed, Backend::datatypes})
          for (Direction dir : {Direction::forward, Direction::back})
            list.push_back({b->targets()[t].name + "/" + parlayer::transfer::to_string(backend) + "/" + to_string(dir),
                            [b, t, backend, dir](int count) {
                              return StepTiming{b->run(t, backend, dir, count), 0, 0, 0, 0, 0, 0};
                            }});
      return list;
    });
    RedistributionBench& bench = *owner;
    for (std::size_t t = 0; t < bench.targets().size(); ++t) {
      const RedistributionTarget& target = bench.targets()[t];
      const std::int64_t message = bench.message_bytes(t);
      // The limit: the ping-pong of this size on cold field memory (the fields are far larger than
      // the cache at the sizes that matter, and on huge pages); the others are reported alongside.
      const PingPongTimes pp = message > 0 ? pingpong_one_way_all_s(doc["limits"]["pingpong"], message) : PingPongTimes{};
      const double pingpong = pp.cold;
      for (Backend backend : {Backend::packed, Backend::datatypes}) {
        const bool same = bench.check(t, backend);
        for (Direction dir : {Direction::forward, Direction::back}) {
          const Case& c = *find(cases, target.name + "/" + parlayer::transfer::to_string(backend) + "/" + to_string(dir));
          const double best = c.best.step_s, median = median_step(c);
          json e{{"size", extent},
                 {"field_bytes", static_cast<std::int64_t>(n) * n * static_cast<std::int64_t>(sizeof(double))},
                 {"ghost_width", cfg.redistribution_ghost_width},
                 {"ranks", ranks},
                 {"transport", cfg.transport},
                 {"target", target.name},
                 {"target_description", target.what},
                 {"backend", parlayer::transfer::to_string(backend)},
                 {"direction", to_string(dir)},
                 {"message_bytes", message},
                 {"messages_per_rank", bench.messages(t)},
                 {"sent_bytes_per_rank", bench.sent_bytes(t)},
                 {"local_copy_bytes_per_rank", bench.local_bytes(t)},
                 {"move_s", best},
                 {"median_move_s", median},
                 {"repetitions", c.step_samples.size()},
                 {"moved_GBps", static_cast<double>(bench.sent_bytes(t) + bench.local_bytes(t)) / best / 1e9},
                 {"same_result", same},
                 {"oversubscribed", oversubscribed(ranks)}};
          if (message > 0 && pingpong > 0) {
            e["pingpong_one_way_s"] = pingpong;
            e["pingpong_GBps"] = static_cast<double>(message) / pingpong / 1e9;
            e["pingpong_plain_memory_GBps"] = static_cast<double>(message) / pp.plain / 1e9;
            e["pingpong_field_memory_GBps"] = static_cast<double>(message) / pp.field / 1e9;
            e["fraction_of_pingpong_plain_memory"] = pp.plain / best;
            e["fraction_of_pingpong_field_memory"] = pp.field / best;
            // Against both ranks sending and receiving that size at once (MPI_Sendrecv).
            e["exchange_GBps"] = static_cast<double>(message) / pp.exchange / 1e9;
            e["fraction_of_exchange"] = pp.exchange / best;
            e["message_GBps"] = static_cast<double>(message) / best / 1e9;
            e["fraction_of_pingpong"] = pingpong / best;
            e["median_fraction_of_pingpong"] = pingpong / median;
            // Everything a rank moves (sent and copied locally) over the message's ping-pong rate.
            e["moved_fraction_of_pingpong"] =
                static_cast<double>(bench.sent_bytes(t) + bench.local_bytes(t)) / best / (static_cast<double>(message) / pingpong);
          } else {
            e["pingpong_one_way_s"] = nullptr;  // no message between ranks: a local copy only
            e["pingpong_GBps"] = nullptr;
            e["pingpong_plain_memory_GBps"] = nullptr;
            e["pingpong_field_memory_GBps"] = nullptr;
            e["fraction_of_pingpong_plain_memory"] = nullptr;
            e["fraction_of_pingpong_field_memory"] = nullptr;
            e["exchange_GBps"] = nullptr;
            e["fraction_of_exchange"] = nullptr;
            e["message_GBps"] = nullptr;
            e["fraction_of_pingpong"] = nullptr;
            e["median_fraction_of_pingpong"] = nullptr;
            e["moved_fraction_of_pingpong"] = nullptr;
          }
          doc["redistribution"].push_back(e);
        }
      }
    }
  }
}

// ---- 4. scaling: fixed total size (strong) and fixed size per rank (weak) ----
void measure_scaling(MPI_Comm comm, const Config& cfg, json& doc) {
  const int ranks = doc["run"]["ranks"].get<int>();
  struct Setup {
    const char* kind;
    Kernel kernel;
    std::vector<int> extent;
  };
  const std::vector<Setup> setups{
      {"strong", Kernel::five_point_2d, {cfg.n2d, cfg.n2d}},
      {"weak", Kernel::five_point_2d, {cfg.n2d, cfg.weak_rows_per_rank * ranks}},
      {"strong", Kernel::seven_point_3d, {cfg.n3d, cfg.n3d, cfg.n3d}},
      {"weak", Kernel::seven_point_3d, {cfg.n3d, cfg.n3d, cfg.weak_planes_per_rank * ranks}},
  };
  for (const Setup& s : setups) {
    std::unique_ptr<LibraryStencil> owner;
    const std::vector<Case> cases = measure_rounds(comm, cfg, [&](int) {
      owner.reset();
      owner = std::make_unique<LibraryStencil>(comm, s.kernel, s.extent);
      LibraryStencil* l = owner.get();
      return std::vector<Case>{{"overlap", [l](int steps) { return l->run(steps, Mode::overlap); }},
                               {"blocking", [l](int steps) { return l->run(steps, Mode::blocking); }}};
    });
    const LibraryStencil& lib = *owner;
    for (const Case& c : cases)
      doc["scaling"].push_back({{"kind", s.kind},
                                {"kernel", info(s.kernel).name},
                                {"mode", c.key},
                                {"ranks", ranks},
                                {"oversubscribed", oversubscribed(ranks)},
                                {"global_extent", s.extent},
                                {"cells", lib.global_cells()},
                                {"cells_per_rank", lib.global_cells() / ranks},
                                {"process_grid", lib.process_grid()},
                                {"step_s", c.best.step_s},
                                {"gcells_per_s", static_cast<double>(lib.global_cells()) / c.best.step_s / 1e9}});
  }
}

// ---- 4b. threads inside ranks (issue 13): the same kernel and grid as the stencil suite, overlapped,
// its tiles on the pool's threads, against one thread (regions whole, the library's path without a
// team) and the same tiles on one thread or under an OpenMP loop, interleaved in the same run. The
// roofline is the team triad: every rank's threads streaming at once (limits.team_triad).
void measure_threads(MPI_Comm comm, const Config& cfg, parlayer::parallel::ThreadPool& pool, Kernel kernel, json& doc) {
  const int ranks = doc["run"]["ranks"].get<int>();
  const int threads = pool.size();
  const KernelInfo& k = info(kernel);
  const std::vector<int> extent = extent_of(kernel, cfg);
  const std::vector<int> tile_sizes = tile_list(cfg, kernel);
  const parlayer::domain::Index3 tile = tile_of(tile_sizes);
  std::vector<Team> teams{Team::one_thread, Team::serial_tiles};
  if (threads > 1) teams.push_back(Team::pool);
  if (threads > 1 && openmp_available()) teams.push_back(Team::openmp);
  std::unique_ptr<LibraryStencil> owner;
  const std::vector<Case> cases = measure_rounds(comm, cfg, [&](int) {
    owner.reset();
    owner = std::make_unique<LibraryStencil>(comm, kernel, extent);
    LibraryStencil* lib = owner.get();
    std::vector<Case> list;
    for (Team team : teams)
      list.push_back({to_string(team), [lib, team, &pool, tile](int steps) { return lib->run_team(steps, team, pool, tile); }});
    return list;
  });
  LibraryStencil& lib = *owner;
  // Same bytes: a few steps from the initial state each way, every cell's bits.
  std::vector<std::uint64_t> prints;
  for (Team team : teams) {
    lib.reset();
    lib.run_team(3, team, pool, tile);
    prints.push_back(lib.fingerprint());
  }
  const HaloTiles counts = lib.tile_counts(tile);
  const double cells = static_cast<double>(lib.global_cells());
  const Case& one = *find(cases, to_string(Team::one_thread));
  for (std::size_t i = 0; i < teams.size(); ++i) {
    const Case& c = *find(cases, to_string(teams[i]));
    const bool team = teams[i] == Team::pool || teams[i] == Team::openmp;
    doc["threads"].push_back({{"kernel", k.name},
                              {"mode", c.key},
                              {"ranks", ranks},
                              {"threads", threads},
                              {"threads_used", team ? threads : 1},
                              {"process_grid", lib.process_grid()},
                              {"global_extent", extent},
                              {"cells", lib.global_cells()},
                              {"tile_size", tile_sizes},
                              {"tiles_interior", counts.interior},
                              {"tiles_strip", counts.strip},
                              {"step_s", c.best.step_s},
                              {"median_step_s", median_step(c)},
                              {"repetitions", c.step_samples.size()},
                              {"gcells_per_s", cells / c.best.step_s / 1e9},
                              {"busiest_thread_kernel_s", c.best.kernel_s},
                              {"over_one_thread", one.best.step_s / c.best.step_s},
                              {"over_one_thread_median", median_step(one) / median_step(c)},
                              {"bytes_per_cell_write_allocate", k.bytes_write_allocate},
                              {"same_result", prints[i] == prints[0]},
                              {"oversubscribed", oversubscribed(ranks * (team ? threads : 1))}});
  }
}

// Roofline and % of it for every stencil entry, from this run's triad for the same rank count.
void add_rooflines(json& doc) {
  if (doc["limits"].contains("team_triad"))
    for (json& t : doc["threads"]) {
      const double roofline = team_roofline_cells_per_s(doc["limits"]["team_triad"], t["threads_used"].get<int>(),
                                                        t["bytes_per_cell_write_allocate"].get<double>());
      t["roofline_gcells_per_s"] = roofline / 1e9;
      t["pct_roofline"] = roofline > 0 ? 100.0 * t["gcells_per_s"].get<double>() * 1e9 / roofline : 0.0;
    }
  if (!doc["limits"].contains("triad")) return;
  for (json& s : doc["stencils"]) {
    const double roofline = roofline_cells_per_s(doc["limits"]["triad"], s["ranks"].get<int>(),
                                                 s["bytes_per_cell_write_allocate"].get<double>());
    s["roofline_gcells_per_s"] = roofline / 1e9;
    s["pct_roofline"] = roofline > 0 ? 100.0 * s["gcells_per_s"].get<double>() * 1e9 / roofline : 0.0;
    // The same with the scale kernel's bandwidth: what one stream in and one out can reach.
    const double scale_roof = roofline_cells_per_s(doc["limits"]["triad"], s["ranks"].get<int>(),
                                                   s["bytes_per_cell_write_allocate"].get<double>(),
                                                   "scale_with_write_allocate_GBps");
    s["scale_roofline_gcells_per_s"] = scale_roof / 1e9;
    s["pct_scale_roofline"] = scale_roof > 0 ? 100.0 * s["gcells_per_s"].get<double>() * 1e9 / scale_roof : 0.0;
  }
  for (json& l : doc["layouts"]) {
    const double roofline = roofline_cells_per_s(doc["limits"]["triad"], l["ranks"].get<int>(),
                                                 l["bytes_per_cell_write_allocate"].get<double>());
    l["roofline_gcells_per_s"] = roofline / 1e9;
    for (const char* side : {"single", "many", "many_whole_rows"}) {
      json& x = l[side];
      x["pct_roofline"] = roofline > 0 ? 100.0 * x["gcells_per_s"].get<double>() * 1e9 / roofline : 0.0;
      x["median_pct_roofline"] = roofline > 0 ? 100.0 * x["median_gcells_per_s"].get<double>() * 1e9 / roofline : 0.0;
    }
  }
}

// Triad measured before and after the stencils: the best of both passes is the limit (a burst of
// load from another process during one pass must not lower the roofline).
json merge_triads(const json& before, const json& after) {
  json merged = before;
  merged["passes"] = {before["results"], after["results"]};
  for (std::size_t i = 0; i < merged["results"].size(); ++i) {
    json& r = merged["results"][i];
    const json& a = after["results"][i];
    if (a["best_s"].get<double>() < r["best_s"].get<double>())
      for (const char* key : {"best_s", "counted_GBps", "with_write_allocate_GBps"}) r[key] = a[key];
    if (a["scale_best_s"].get<double>() < r["scale_best_s"].get<double>())
      for (const char* key : {"scale_best_s", "scale_counted_GBps", "scale_with_write_allocate_GBps"}) r[key] = a[key];
  }
  return merged;
}

// ---- 6. targets (issue 6), each from numbers of this run ----
void evaluate_targets(json& doc) {
  if (doc["run"]["tiny"].get<bool>()) return;  // tiny sizes live in cache: not a measurement
  const int ranks = doc["run"]["ranks"].get<int>();
  const std::string transport = doc["run"]["transport"].get<std::string>();
  auto add = [&](const std::string& name, double value, double target, const char* unit) {
    doc["targets"].push_back({{"name", name}, {"value", value}, {"target", target}, {"unit", unit},
                              {"met", value >= target}});
  };
  const bool bound = !doc["run"]["oversubscribed"].get<bool>();
  for (const json& s : doc["stencils"]) {
    if (s["path"] != "library" || s["mode"] != "overlap" || !bound) continue;
    const std::string kernel = s["kernel"];
    const double pct = s["pct_roofline"];
    if (kernel == "2d-5pt" && ranks == 1) add("2d-5pt % of roofline, 1 rank", pct, 55, "%");
    if (kernel == "2d-5pt" && ranks == 2) add("2d-5pt % of roofline, 2 ranks", pct, 85, "%");
    if (kernel == "3d-7pt" && ranks == 2) add("3d-7pt % of roofline, 2 ranks", pct, 75, "%");
  }
  for (const json& r : doc["library_vs_reference"])
    if (r["mode"] == "overlap")
      add(format("library/reference 2d-5pt, %d rank(s)", ranks), r["ratio"], 0.9, "x");
  for (const json& h : doc["halo"]) {
    if (h["backend"] != "packed") continue;
    // "Where exchange is visible": 3D, and anything over TCP.
    if (h["kernel"] == "3d-7pt" || transport == "tcp")
      add(std::string("overlap hides exchange, ") + h["kernel"].get<std::string>() + " " + transport + " (library)",
          100.0 * h["hidden_fraction"].get<double>(), 70, "%");
  }
  // Issue 10.
  for (const json& l : doc["layouts"])
    if (l["mode"] == "overlap" && bound)
      add(format("many-box/single-box %s, %d rank(s) (issue 10)", l["kernel"].get<std::string>().c_str(), ranks),
          l["many_over_single"], 0.9, "x");
  // Redistribution: the largest field, per target and backend the slower direction.
  int largest = 0;
  for (const json& r : doc["redistribution"]) largest = std::max(largest, r["size"][0].get<int>());
  for (const json& r : doc["redistribution"]) {
    if (r["size"][0].get<int>() != largest || r["direction"] != "forward" || r["fraction_of_pingpong"].is_null()) continue;
    double worst = r["fraction_of_pingpong"];
    for (const json& o : doc["redistribution"])
      if (o["size"] == r["size"] && o["target"] == r["target"] && o["backend"] == r["backend"] &&
          !o["fraction_of_pingpong"].is_null())
        worst = std::min(worst, o["fraction_of_pingpong"].get<double>());
    add(format("redistribution %dx%d %s %s, slower direction / ping-pong (issue 10)", largest, largest,
               r["target"].get<std::string>().c_str(), r["backend"].get<std::string>().c_str()),
        worst, 0.7, "x");
  }
}

// ---- tables ----
void print_tables(const json& doc) {
  const json& run = doc["run"];
  const json& other = run["other_runnable"];
  std::printf("parlayer-bench: %d rank(s), transport %s, cpus %s, load %.2f -> %.2f (1-min avg); "
              "other runnable tasks during measurements: mean %.2f, max %d, busy %.0f%% of samples; "
              "waited %.1f s for quiet, %d repetitions started unquiet\n",
              run["ranks"].get<int>(), run["transport"].get<std::string>().c_str(),
              run["affinity"].dump().c_str(), run["load_start"][0].get<double>(),
              run["load_end"][0].get<double>(), other.value("mean", 0.0), other.value("max", 0),
              100 * other.value("busy_fraction", 0.0), other.value("quiet_wait_s", 0.0),
              other.value("unquiet_starts", 0));
  const json& limits = doc["limits"];
  if (limits.contains("triad")) {
    Table t(std::string("Triad a = b + s*c and scale a = s*b, ") +
                format("%.0f MiB", limits["triad"]["array_bytes_per_rank"].get<double>() / 1048576) +
                " per array per rank (no streaming stores)",
            {"ranks active", "triad counted GB/s (24 B)", "triad with write-allocate GB/s (32 B)",
             "scale counted GB/s (16 B)", "scale with write-allocate GB/s (24 B)"});
    for (const json& r : limits["triad"]["results"])
      t.add({std::to_string(r["ranks_active"].get<int>()), format("%.1f", r["counted_GBps"].get<double>()),
             format("%.1f", r["with_write_allocate_GBps"].get<double>()),
             format("%.1f", r["scale_counted_GBps"].get<double>()),
             format("%.1f", r["scale_with_write_allocate_GBps"].get<double>())});
    t.print();
  }
  if (limits.contains("pingpong") && !limits["pingpong"]["results"].empty()) {
    Table t(std::string("MPI ping-pong ranks 0<->1 (") + run["transport"].get<std::string>() + ")",
            {"bytes", "one-way us", "GB/s", "field memory one-way us", "field memory GB/s",
             "cold field memory one-way us", "cold field memory GB/s", "exchange us", "exchange GB/s"});
    for (const json& r : limits["pingpong"]["results"])
      t.add({std::to_string(r["bytes"].get<std::int64_t>()), format("%.2f", r["one_way_us"].get<double>()),
             format("%.2f", r["bandwidth_GBps"].get<double>()),
             format("%.2f", r.value("field_memory_one_way_us", 0.0)),
             format("%.2f", r.value("field_memory_bandwidth_GBps", 0.0)),
             format("%.2f", r.value("field_memory_cold_one_way_us", 0.0)),
             format("%.2f", r.value("field_memory_cold_bandwidth_GBps", 0.0)),
             format("%.2f", r.value("exchange_us", 0.0)), format("%.2f", r.value("exchange_bandwidth_GBps", 0.0))});
    t.print();
  }
  if (limits.contains("disk")) {
    const json& d = limits["disk"];
    Table t(std::string("Raw I/O in ") + d["dir"].get<std::string>(), {"bytes", "writers", "write+fsync GB/s", "cold read GB/s"});
    t.add({std::to_string(d["bytes"].get<std::int64_t>()), std::to_string(d["writers"].get<int>()),
           format("%.2f", d["write_fsync_GBps"].get<double>()), format("%.2f", d["read_cold_GBps"].get<double>())});
    t.print();
  }
  if (limits.contains("team_triad")) {
    Table t(format("Team triad: every rank's threads stream their parts of the arrays at once (%.0f MiB per array per rank)",
                   limits["team_triad"]["array_bytes_per_rank"].get<double>() / 1048576),
            {"ranks x threads", "triad with write-allocate GB/s (32 B)", "scale with write-allocate GB/s (24 B)"});
    for (const json& r : limits["team_triad"]["results"])
      t.add({format("%d x %d", r["ranks_active"].get<int>(), r["threads_active"].get<int>()),
             format("%.1f", r["with_write_allocate_GBps"].get<double>()),
             format("%.1f", r["scale_with_write_allocate_GBps"].get<double>())});
    t.print();
  }
  if (!doc["threads"].empty()) {
    Table t("Threads inside ranks (issue 13), overlapped steps; roofline = team triad GB/s / 24 B per cell for the "
            "threads used; vs 1 thread = best step time of one-thread / this (median in brackets)",
            {"kernel", "grid", "ranks x threads", "mode", "tile", "tiles", "ms/step", "Gcell/s", "% roofline",
             "vs 1 thread", "busiest thread kernel ms", "same result", "note"});
    for (const json& r : doc["threads"]) {
      const std::vector<int> tile = r["tile_size"].get<std::vector<int>>();
      std::string tile_text;
      for (int v : tile) tile_text += (tile_text.empty() ? "" : ",") + std::to_string(v);
      t.add({r["kernel"], extent_string(r["global_extent"].get<std::vector<int>>()),
             format("%d x %d", r["ranks"].get<int>(), r["threads_used"].get<int>()), r["mode"], tile_text,
             format("%d+%d", r["tiles_interior"].get<int>(), r["tiles_strip"].get<int>()),
             format("%.2f", 1e3 * r["step_s"].get<double>()), format("%.3f", r["gcells_per_s"].get<double>()),
             format("%.1f", r.value("pct_roofline", 0.0)),
             format("%.3f (%.3f)", r["over_one_thread"].get<double>(), r["over_one_thread_median"].get<double>()),
             format("%.2f", 1e3 * r["busiest_thread_kernel_s"].get<double>()), r["same_result"].get<bool>() ? "yes" : "NO",
             r["oversubscribed"].get<bool>() ? "oversubscribed" : ""});
    }
    t.print();
  }
  if (!doc["stencils"].empty()) {
    Table t("Stencil throughput (roofline = triad with-write-allocate GB/s / 24 B per cell, same run)",
            {"kernel", "path", "mode", "grid", "ranks", "ms/step", "Gcell/s", "roofline", "% roofline",
             "% scale roofline", "x-strip ns/cell", "other strip ns/cell", "deep ns/cell"});
    for (const json& s : doc["stencils"]) {
      const bool lib = s.contains("deep_ns_per_cell");
      t.add({s["kernel"], s["path"], s["mode"], extent_string(s["global_extent"].get<std::vector<int>>()),
             std::to_string(s["ranks"].get<int>()) + " (" + s["process_grid"].get<std::string>() + ")",
             format("%.2f", 1e3 * s["step_s"].get<double>()), format("%.3f", s["gcells_per_s"].get<double>()),
             format("%.3f", s["roofline_gcells_per_s"].get<double>()), format("%.1f", s["pct_roofline"].get<double>()),
             format("%.1f", s.value("pct_scale_roofline", 0.0)),
             lib ? format("%.2f", s["strip_x_ns_per_cell"].get<double>()) : "",
             lib ? format("%.2f", s["strip_other_ns_per_cell"].get<double>()) : "",
             lib ? format("%.2f", s["deep_ns_per_cell"].get<double>()) : ""});
    }
    t.print();
  }
  if (!doc["library_vs_reference"].empty()) {
    Table t("Library path vs hand-written MPI Jacobi (2d-5pt), ratio = reference time / library time",
            {"mode", "ranks", "library ms", "reference ms", "ratio", "same result"});
    for (const json& r : doc["library_vs_reference"])
      t.add({r["mode"], std::to_string(r["ranks"].get<int>()), format("%.3f", 1e3 * r["library_step_s"].get<double>()),
             format("%.3f", 1e3 * r["reference_step_s"].get<double>()), format("%.3f", r["ratio"].get<double>()),
             r["same_result"].get<bool>() ? "yes" : "NO"});
    t.print();
  }
  if (!doc["layouts"].empty()) {
    Table t("Layouts (issue 10): one block per rank (single) vs many boxes per rank (Layout::chopped, Morton-curve "
            "owners; many: least-surface boxes, rows: the same count of boxes spanning whole rows), same grid; "
            "ratio = many-box / single-box throughput (best; median in brackets)",
            {"kernel", "mode", "ranks", "single", "many", "rows", "boxes/rank", "Gcell/s single/many/rows", "ratio",
             "rows ratio", "% roofline single/many/rows", "kernels ms single/many/rows",
             "exchange ms single/many/rows", "many local copy KB", "many msgs", "same result"});
    for (const json& l : doc["layouts"]) {
      const json &a = l["single"], &b = l["many"], &c = l["many_whole_rows"];
      auto three = [&](const char* fmt, const char* key, double scale) {
        return format(fmt, scale * a[key].get<double>(), scale * b[key].get<double>(), scale * c[key].get<double>());
      };
      t.add({l["kernel"], l["mode"], std::to_string(l["ranks"].get<int>()), a["process_grid"], b["process_grid"],
             c["process_grid"], std::to_string(b["boxes_per_rank_max"].get<int>()),
             three("%.3f / %.3f / %.3f", "gcells_per_s", 1),
             format("%.3f (%.3f)", l["many_over_single"].get<double>(), l["many_over_single_median"].get<double>()),
             format("%.3f (%.3f)", l["whole_rows_over_single"].get<double>(),
                    l["whole_rows_over_single_median"].get<double>()),
             a.contains("pct_roofline") ? three("%.1f / %.1f / %.1f", "pct_roofline", 1) : "",
             three("%.2f / %.2f / %.2f", "kernel_s", 1e3), three("%.3f / %.3f / %.3f", "exchange_only_s", 1e3),
             format("%.0f", b["local_copy_bytes_per_step"].get<double>() / 1024),
             std::to_string(b["messages_per_step"].get<int>()), l["same_result"].get<bool>() ? "yes" : "NO"});
    }
    t.print();
  }
  if (!doc["redistribution"].empty()) {
    Table t(std::string("Redistribution (issue 10) of one double field from the default blocks and back (") +
                run["transport"].get<std::string>() +
                "); fraction = cold field-memory ping-pong one-way time of the message size / move time (best; median "
                "in brackets)",
            {"grid", "target", "backend", "direction", "message bytes", "local bytes", "move ms", "message GB/s",
             "cold ping-pong GB/s", "fraction", "incl. local", "exchange GB/s", "of exchange", "same result"});
    for (const json& r : doc["redistribution"]) {
      const bool msg = !r["fraction_of_pingpong"].is_null();
      t.add({extent_string(r["size"].get<std::vector<int>>()), r["target"], r["backend"], r["direction"],
             std::to_string(r["message_bytes"].get<std::int64_t>()),
             std::to_string(r["local_copy_bytes_per_rank"].get<std::int64_t>()),
             format("%.3f", 1e3 * r["move_s"].get<double>()),
             msg ? format("%.2f", r["message_GBps"].get<double>()) : "-",
             msg ? format("%.2f", r["pingpong_GBps"].get<double>()) : "-",
             msg ? format("%.2f (%.2f)", r["fraction_of_pingpong"].get<double>(), r["median_fraction_of_pingpong"].get<double>()) : "-",
             msg ? format("%.2f", r["moved_fraction_of_pingpong"].get<double>()) : "-",
             msg ? format("%.2f", r["exchange_GBps"].get<double>()) : "-",
             msg ? format("%.2f", r["fraction_of_exchange"].get<double>()) : "-",
             r["same_result"].get<bool>() ? "yes" : "NO"});
    }
    t.print();
  }
  if (!doc["halo"].empty()) {
    Table t(std::string("Halo exchange per step (") + run["transport"].get<std::string>() +
                "); exposed = step - kernel time, per step the least over ranks (incl. wait: the most); "
                "hidden = 1 - exposed(overlap)/exposed(blocking)",
            {"kernel", "backend", "msg bytes", "nbrs", "pingpong us", "exchange us", "exch/pp", "blocking exp us",
             "visible %", "overlap exp us", "hidden %", "+progress hidden %", "hidden % incl. wait"});
    for (const json& h : doc["halo"])
      t.add({h["kernel"], h["backend"], std::to_string(h["message_bytes_per_neighbour"].get<std::int64_t>()),
             std::to_string(h["neighbours"].get<int>()), format("%.1f", 1e6 * h["pingpong_one_way_s"].get<double>()),
             format("%.1f", 1e6 * h["exchange_s"].get<double>()), format("%.2f", h["exchange_vs_pingpong"].get<double>()),
             format("%.1f", 1e6 * h["blocking_exposed_s"].get<double>()),
             format("%.2f", 100 * h["comm_visible_fraction"].get<double>()),
             format("%.1f", 1e6 * h["overlap_exposed_s"].get<double>()),
             format("%.0f", 100 * h["hidden_fraction"].get<double>()),
             h.contains("progress_hidden_fraction") ? format("%.0f", 100 * h["progress_hidden_fraction"].get<double>())
                                                    : "",
             format("%.0f", 100 * h["hidden_with_wait_fraction"].get<double>())});
    t.print();
  }
  if (!doc["scaling"].empty()) {
    Table t("Scaling at this rank count (speed-ups need the other rank counts' files: scripts/bench)",
            {"kind", "kernel", "mode", "grid", "ranks", "cells/rank", "ms/step", "Gcell/s", "note"});
    for (const json& s : doc["scaling"])
      t.add({s["kind"], s["kernel"], s["mode"], extent_string(s["global_extent"].get<std::vector<int>>()),
             std::to_string(s["ranks"].get<int>()) + " (" + s["process_grid"].get<std::string>() + ")",
             std::to_string(s["cells_per_rank"].get<std::int64_t>()), format("%.2f", 1e3 * s["step_s"].get<double>()),
             format("%.3f", s["gcells_per_s"].get<double>()), s["oversubscribed"].get<bool>() ? "oversubscribed" : ""});
    t.print();
  }
  if (doc.contains("snapshot")) {
    const json& s = doc["snapshot"];
    Table t("Checkpoint: snapshot vs raw write+fsync of the same bytes",
            {"status", "bytes", "raw write GB/s", "snapshot write GB/s", "write/raw", "unverified/raw",
             "raw read GB/s", "snapshot read GB/s", "read/raw"});
    const json& raw = s["raw"];
    if (s["status"] == "measured")
      t.add({"measured", std::to_string(s["bytes"].get<std::int64_t>()), format("%.2f", raw["write_fsync_GBps"].get<double>()),
             format("%.2f", s["write_GBps"].get<double>()), format("%.2f", s["write_vs_raw"].get<double>()),
             format("%.2f", s["write_unverified_vs_raw"].get<double>()),
             format("%.2f", raw["read_cold_GBps"].get<double>()), format("%.2f", s["read_GBps"].get<double>()),
             format("%.2f", s["read_vs_raw"].get<double>())});
    else
      t.add({"GAP", std::to_string(s["bytes"].get<std::int64_t>()), format("%.2f", raw["write_fsync_GBps"].get<double>()),
             "-", "-", "-", format("%.2f", raw["read_cold_GBps"].get<double>()), "-", "-"});
    t.print();
    if (s["status"] != "measured") std::printf("  gap: %s\n", s["reason"].get<std::string>().c_str());
    if (s.contains("level1_write_GBps") && limits.contains("triad") && !limits["triad"]["results"].empty()) {
      // Against the triad of as many ranks as wrote (the last row: every rank active).
      const double triad = limits["triad"]["results"].back()["counted_GBps"].get<double>();
      std::printf("  level 1 (%s): checkpoint write %.2f GB/s = %.2f of the triad's %.1f GB/s\n",
                  s["level1_folder"].get<std::string>().c_str(), s["level1_write_GBps"].get<double>(),
                  s["level1_write_GBps"].get<double>() / triad, triad);
    }
  }
  if (!doc["targets"].empty()) {
    Table t("Targets (issues 6 and 10), from this run", {"target", "value", "goal", "verdict"});
    for (const json& g : doc["targets"]) {
      const double v = g["value"], goal = g["target"];
      const std::string unit = g["unit"];
      t.add({g["name"], format(unit == "x" ? "%.3f" : "%.1f", v) + unit, std::string(">= ") + format(unit == "x" ? "%.2f" : "%.0f", goal) + unit,
             g["met"].get<bool>() ? "met" : format(unit == "x" ? "MISSED by %.3f%s" : "MISSED by %.1f%s", goal - v, unit == "x" ? "x" : " pts")});
    }
    t.print();
  }
  std::fflush(stdout);
}

std::string utc_now() {
  char buf[32];
  const std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  return parlayer::parallel::guarded_main(argc, argv, [&](parlayer::parallel::Environment& env) {
    // 1. options
    Config cfg;
    std::vector<std::string> suite_names{"all"};
    std::string json_path = "out/bench/parlayer-bench.json";
    double triad_mib = 128, disk_mib = 64;
    bool tiny = false;
    std::vector<std::string> kernel_names = kernel_choices.names();
    CLI::App app{"parlayer-bench: stencil/halo/checkpoint performance against this machine's limits"};
    app.add_option("--suite", suite_names,
                   "all (triad pingpong disk stencil halo snapshot), limits, comm (pingpong halo), "
                   "triad, pingpong, disk, stencil, halo, snapshot, scaling, layout (many boxes per rank vs one, "
                   "with the triad), redistribution (with the ping-pong; needs 2 ranks), threads (--threads per rank "
                   "against one, 2d-5pt and 3d-7pt of --kernels, with the team triad)")
        ->delimiter(',');
    app.add_option("--json", json_path, "JSON output file");
    app.add_option("--out-dir", cfg.out_dir, "folder the disk and snapshot tests write to");
    app.add_option("--local-dir", cfg.local_dir, "snapshot suite: node-local folder of the level-1 checkpoints");
    app.add_option("--n2d", cfg.n2d, "2D grid is N x N");
    app.add_option("--n3d", cfg.n3d, "3D grid is N^3");
    app.add_option("--weak-rows", cfg.weak_rows_per_rank, "weak scaling 2D: rows per rank");
    app.add_option("--weak-planes", cfg.weak_planes_per_rank, "weak scaling 3D: planes per rank");
    app.add_option("--steps", cfg.steps, "steps per repetition");
    app.add_option("--reps", cfg.reps, "repetitions per round (the best is kept)");
    app.add_option("--rounds", cfg.rounds, "rounds, each with freshly allocated fields (the best is kept)");
    app.add_option("--triad-mib", triad_mib, "triad array size per rank, MiB (x3 arrays)");
    app.add_option("--disk-mib", disk_mib, "bytes for the disk and snapshot tests, MiB");
    app.add_option("--transport", cfg.transport, "label: shm or tcp (default: from OMPI_MCA_btl)");
    app.add_option("--kernels", kernel_names, "stencil kernels to run: 2d-5pt,2d-9pt,3d-7pt (the layout suite runs "
                   "2d-5pt and 3d-7pt of these)")->delimiter(',');
    app.add_option("--boxes-per-rank", cfg.boxes_per_rank, "layout and redistribution suites: boxes per rank of the "
                   "chopped layout");
    app.add_option("--box-size-2d", cfg.box_size_2d, "layout suite: the many-box layout's box size for 2D kernels, "
                   "e.g. 2000,500 (instead of --boxes-per-rank)")
        ->delimiter(',');
    app.add_option("--box-size-3d", cfg.box_size_3d, "layout suite: the same for 3D kernels, e.g. 256,256,16")
        ->delimiter(',');
    app.add_option("--redist-sizes", cfg.redistribution_sizes, "redistribution suite: N of the N x N fields")
        ->delimiter(',');
    app.add_option("--redist-ghosts", cfg.redistribution_ghost_width,
                   "redistribution suite: ghost layers of the fields (1; 0 makes each block's rows contiguous)");
    double quiet_budget = 0;
    app.add_option("--quiet-budget", quiet_budget,
                   "seconds this run may wait, in total, for moments when no other process is runnable "
                   "before starting a repetition (0: never wait)");
    app.add_option("--threads", cfg.threads, "threads suite: threads per rank (the caller + N-1 workers)")
        ->check(CLI::Range(1, 1024));
    app.add_option("--tile-size", cfg.tile_size, "threads suite: cells per tile along x,y[,z] (0: the whole extent; default 0,16 for "
                   "2D kernels, 0,0,8 for 3D)")
        ->delimiter(',')
        ->check(CLI::NonNegativeNumber);
    app.add_flag("--tiny", tiny, "tiny sizes, one repetition: a smoke test, not a measurement");
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      const int rc = env.is_root() ? app.exit(e) : (e.get_exit_code());
      return rc;
    }
    if (tiny) {
      cfg.n2d = 96, cfg.n3d = 24, cfg.weak_rows_per_rank = 24, cfg.weak_planes_per_rank = 8;
      cfg.steps = 2, cfg.reps = 1, cfg.rounds = 1, triad_mib = 1, disk_mib = 1, cfg.pingpong_max_iterations = 20;
      cfg.redistribution_sizes = {64, 96};
      cfg.pingpong_cold_arena_bytes = std::int64_t{1} << 20;
    }
    cfg.triad_array_bytes = static_cast<std::int64_t>(triad_mib * 1048576);
    cfg.disk_bytes = static_cast<std::int64_t>(disk_mib * 1048576);
    if (cfg.transport.empty()) {
      const char* btl = std::getenv("OMPI_MCA_btl");
      cfg.transport = btl && std::string(btl).find("tcp") != std::string::npos &&
                              std::string(btl).find("vader") == std::string::npos &&
                              std::string(btl).find("sm") == std::string::npos
                          ? "tcp"
                          : "shm";
    }
    const Suites suites = parse_suites(suite_names);
    set_quiet_budget(quiet_budget);
    const MPI_Comm world = MPI_COMM_WORLD;

    json doc;
    doc["schema"] = "parlayer-bench/1";
    json& run = doc["run"];
    run["ranks"] = env.size();
    run["transport"] = cfg.transport;
    run["oversubscribed"] = oversubscribed(env.size());
    run["cores_online"] = sysconf(_SC_NPROCESSORS_ONLN);
    run["date_utc"] = utc_now();
    run["tiny"] = tiny;
    const char* tunables = std::getenv("GLIBC_TUNABLES");  // e.g. glibc.malloc.hugetlb=1 (huge pages)
    run["glibc_tunables"] = tunables ? tunables : "";
    run["suites"] = suite_names;
    run["threads"] = cfg.threads;
    run["tile_size"] = cfg.tile_size;
    run["openmp_available"] = openmp_available();
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    run["hostname"] = host;
    run["build"] = {{"type", PARLAYER_BENCH_BUILD_TYPE}, {"cxx_flags", PARLAYER_BENCH_FLAGS},
                    {"native", PARLAYER_BENCH_NATIVE != 0}, {"compiler", __VERSION__}};
    run["config"] = {{"n2d", cfg.n2d}, {"n3d", cfg.n3d}, {"steps", cfg.steps}, {"reps", cfg.reps},
                     {"rounds", cfg.rounds},
                     {"triad_array_bytes", cfg.triad_array_bytes}, {"disk_bytes", cfg.disk_bytes},
                     {"weak_rows_per_rank", cfg.weak_rows_per_rank},
                     {"weak_planes_per_rank", cfg.weak_planes_per_rank},
                     {"boxes_per_rank", cfg.boxes_per_rank},
                     {"box_size_2d", cfg.box_size_2d},
                     {"box_size_3d", cfg.box_size_3d},
                     {"redistribution_sizes", cfg.redistribution_sizes},
                     {"redistribution_ghost_width", cfg.redistribution_ghost_width}};
    {
      char mine[64] = {};
      std::snprintf(mine, sizeof mine, "%s", cpu_affinity().c_str());
      std::vector<char> all(64 * static_cast<std::size_t>(env.size()));
      PARLAYER_MPI_CHECK(MPI_Gather(mine, 64, MPI_CHAR, all.data(), 64, MPI_CHAR, 0, world));
      run["affinity"] = json::array();
      for (int r = 0; r < env.size(); ++r) run["affinity"].push_back(std::string(&all[64 * static_cast<std::size_t>(r)]));
    }
    const auto load_start = load_average();
    run["load_start"] = load_start;
    doc["limits"] = json::object();
    doc["stencils"] = json::array();
    doc["library_vs_reference"] = json::array();
    doc["halo"] = json::array();
    doc["scaling"] = json::array();
    doc["layouts"] = json::array();
    doc["redistribution"] = json::array();
    doc["threads"] = json::array();
    doc["targets"] = json::array();
    std::vector<Kernel> kernels;
    for (const std::string& name : kernel_names) kernels.push_back(kernel_choices.parse(name, "--kernels"));

    // 2. machine limits
    json triad_before;
    if (suites.triad) triad_before = bench_triad(world, cfg);
    if (suites.pingpong) {
      std::vector<std::int64_t> sizes{8, 64, 512, 4096, 32768, 262144, 1 << 20, 4 << 20};
      if (tiny) sizes = {8, 4096};
      for (Kernel k : kernels)
        for (std::int64_t s : halo_message_sizes(k, extent_of(k, cfg), env.size())) sizes.push_back(s);
      if (suites.redistribution)  // the exact message sizes of every move
        for (const int n : cfg.redistribution_sizes) {
          const std::vector<int> extent{n, n};
          const auto blocks = block_decomposition(extent, env.size());
          for (const RedistributionTarget& t : redistribution_targets(extent, env.size(), cfg.boxes_per_rank))
            for (std::int64_t s : redistribution_message_sizes(blocks, t.decomposition)) sizes.push_back(s);
        }
      doc["limits"]["pingpong"] = bench_pingpong(world, cfg, sizes);
    }
    if (suites.disk) doc["limits"]["disk"] = bench_disk(world, cfg.out_dir, cfg.disk_bytes);
    // The threads of this rank (the threads suite; the caller is one of them, MPI stays on it).
    parlayer::parallel::ThreadPool pool(suites.threads ? cfg.threads : 1);
    json team_triad_before;
    if (suites.threads) team_triad_before = bench_team_triad(world, cfg, pool);

    // 3. stencils and halo exchange; layouts; redistribution
    if (suites.stencil || suites.halo)
      for (Kernel k : kernels) measure_kernel(world, cfg, suites, k, doc);
    if (suites.layout)
      for (Kernel k : kernels)
        if (k != Kernel::nine_point_2d) measure_layout(world, cfg, k, doc);
    if (suites.redistribution) measure_redistribution(world, cfg, doc);
    // 4. scaling; threads
    if (suites.scaling) measure_scaling(world, cfg, doc);
    if (suites.threads)
      for (Kernel k : kernels)
        if (k != Kernel::nine_point_2d) measure_threads(world, cfg, pool, k, doc);
    // 5. checkpoint
    if (suites.snapshot) doc["snapshot"] = bench_snapshot(world, cfg, cfg.out_dir);

    if (suites.triad) doc["limits"]["triad"] = merge_triads(triad_before, bench_triad(world, cfg));
    if (suites.threads) doc["limits"]["team_triad"] = merge_triads(team_triad_before, bench_team_triad(world, cfg, pool));

    // 6. targets, tables, JSON
    run["load_end"] = load_average();
    run["other_runnable"] = other_load_summary();
    add_rooflines(doc);
    evaluate_targets(doc);
    if (env.is_root()) {
      print_tables(doc);
      const std::filesystem::path out(json_path);
      if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
      std::ofstream file(out);
      file << doc.dump(2) << '\n';
      if (!file) throw std::runtime_error("cannot write " + json_path);
      std::printf("\nwrote %s\n", json_path.c_str());
    }
    return 0;
  });
}
