// Coupling: components on rank groups (and every bad layout's message), first-order conservative
// remapping between integer-ratio grids (exact round trips, conservation: exact or bounded), and
// exchanges between components on disjoint or shared ranks, byte-identical to a serial reference
// computed with plain arrays, for several component layouts and decompositions.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "parlayer/coupling/components.hpp"
#include "parlayer/coupling/exchange.hpp"
#include "parlayer/coupling/remap.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/runtime/reproducible_sum.hpp"
#include "support.hpp"

using namespace parlayer::domain;
using namespace parlayer::coupling;
using parlayer::CollectiveError;
using parlayer::runtime::ExactSum;
using parlayer::testing::error_of;
using parlayer::testing::random_at;
using parlayer::testing::world_rank;
using parlayer::testing::world_size;

namespace {

// ---- plain-array reference ----

struct Grid {
  int nx, ny, nz;
  std::size_t at(int i, int j, int k) const { return std::size_t(i) + std::size_t(nx) * (std::size_t(j) + std::size_t(ny) * std::size_t(k)); }
  std::size_t cells() const { return std::size_t(nx) * std::size_t(ny) * std::size_t(nz); }
};

// The mean over each coarse cell's masked fine cells, x fastest, as documented in remap.hpp.
std::vector<double> reference_average(const std::vector<double>& f, const std::vector<std::uint8_t>* mask, Grid fine,
                                      Ratio r, double fill) {
  const Grid coarse{fine.nx / r[0], fine.ny / r[1], fine.nz / r[2]};
  std::vector<double> c(coarse.cells());
  for (int ck = 0; ck < coarse.nz; ++ck)
    for (int cj = 0; cj < coarse.ny; ++cj)
      for (int ci = 0; ci < coarse.nx; ++ci) {
        std::vector<double> terms;
        for (int k = ck * r[2]; k < (ck + 1) * r[2]; ++k)
          for (int j = cj * r[1]; j < (cj + 1) * r[1]; ++j)
            for (int i = ci * r[0]; i < (ci + 1) * r[0]; ++i)
              if (!mask || (*mask)[fine.at(i, j, k)] != 0) terms.push_back(f[fine.at(i, j, k)]);
        double v = fill;
        if (!terms.empty()) {
          bool equal = true;
          double sum = terms[0];
          for (std::size_t t = 1; t < terms.size(); ++t) {
            equal = equal && std::memcmp(&terms[t], &terms[0], sizeof(double)) == 0;
            sum += terms[t];
          }
          v = equal ? terms[0] : sum / double(terms.size());
        }
        c[coarse.at(ci, cj, ck)] = v;
      }
  return c;
}

std::vector<double> reference_expand(const std::vector<double>& c, const std::vector<std::uint8_t>* mask, Grid fine,
                                     Ratio r, double fill) {
  const Grid coarse{fine.nx / r[0], fine.ny / r[1], fine.nz / r[2]};
  std::vector<double> f(fine.cells());
  for (int k = 0; k < fine.nz; ++k)
    for (int j = 0; j < fine.ny; ++j)
      for (int i = 0; i < fine.nx; ++i)
        f[fine.at(i, j, k)] = mask && (*mask)[fine.at(i, j, k)] == 0 ? fill : c[coarse.at(i / r[0], j / r[1], k / r[2])];
  return f;
}

// Deterministic global values: "random" in [-50, 50), a land mask of islands.
double value_at(int seed, int i, int j, int k) { return random_at(std::uint64_t(seed), i, j, k) * 100.0 - 50.0; }
std::uint8_t water_at(int i, int j, int k) { return random_at(77, i / 2, j, k) < 0.7 ? 1 : 0; }

template <class T, class Fn>
std::vector<T> global_array(Grid g, Fn fn) {
  std::vector<T> a(g.cells());
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) a[g.at(i, j, k)] = fn(i, j, k);
  return a;
}

template <class T>
void fill_from(Field<T>& field, const std::vector<T>& global, Grid g) {
  for (FieldBox<T>& b : field) for_each_cell(b.interior(), [&](int i, int j, int k) { b(i, j, k) = global[g.at(i, j, k)]; });
}

// One box covering a whole grid, for the serial remap tests.
template <class T>
std::unique_ptr<Field<T>> whole(const char* name, Grid g, const std::vector<T>& values) {
  auto f = std::make_unique<Field<T>>(name, IndexBox{{0, 0, 0}, {g.nx, g.ny, g.nz}}, Index3{0, 0, 0});
  fill_from(*f, values, g);
  return f;
}

template <class T>
std::vector<T> values_of(const std::unique_ptr<Field<T>>& f) {
  const auto v = (*f)[0].values();
  return {v.begin(), v.end()};
}

// The exact integral of `values`, each counted `weight` times (cells of area 1).
double integral(const std::vector<double>& values, const std::vector<int>& weight = {}) {
  ExactSum s;
  for (std::size_t c = 0; c < values.size(); ++c)
    for (int w = 0; w < (weight.empty() ? 1 : weight[c]); ++w) s.add(values[c]);
  return s.value();
}

std::vector<int> masked_counts(const std::vector<std::uint8_t>& mask, Grid fine, Ratio r) {
  const Grid coarse{fine.nx / r[0], fine.ny / r[1], fine.nz / r[2]};
  std::vector<int> n(coarse.cells(), 0);
  for (int k = 0; k < fine.nz; ++k)
    for (int j = 0; j < fine.ny; ++j)
      for (int i = 0; i < fine.nx; ++i) n[coarse.at(i / r[0], j / r[1], k / r[2])] += mask[fine.at(i, j, k)];
  return n;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------

TEST_CASE("components divide the job's ranks into named groups", "[coupling]") {
  const int ranks = world_size(), rank = world_rank();
  const int atmosphere_ranks = ranks > 1 ? ranks - 1 : 1;
  std::vector<ComponentSpec> spec{{"atmosphere", atmosphere_ranks}, {"land", "atmosphere"}};
  if (ranks > 1) spec.insert(spec.begin() + 1, ComponentSpec{"ocean", 1});
  const Components components(spec, MPI_COMM_WORLD);

  const Component& atmosphere = components["atmosphere"];
  const Component& land = components["land"];
  std::vector<int> expect(static_cast<std::size_t>(atmosphere_ranks));
  for (int r = 0; r < atmosphere_ranks; ++r) expect[std::size_t(r)] = r;
  CHECK(atmosphere.ranks() == expect);
  CHECK(land.ranks() == expect);
  CHECK(land.runs_on() == "atmosphere");
  CHECK(atmosphere.runs_on().empty());
  CHECK(atmosphere.here() == (rank < atmosphere_ranks));
  CHECK(atmosphere.rank() == (rank < atmosphere_ranks ? rank : -1));
  CHECK(components.parent_rank() == rank);
  CHECK(components.contains("land"));
  CHECK_FALSE(components.contains("sea"));
  if (ranks > 1) {
    const Component& ocean = components["ocean"];
    CHECK(ocean.ranks() == std::vector<int>{ranks - 1});
    CHECK(ocean.here() == (rank == ranks - 1));
    CHECK(bool(ocean.communicator()) == ocean.here());
  }
  if (ranks == 3) CHECK(components.describe() == "atmosphere: ranks 0-1; ocean: rank 2; land: ranks 0-1 (on atmosphere)");
  if (ranks == 1) CHECK(components.describe() == "atmosphere: rank 0; land: rank 0 (on atmosphere)");

  // Each component's own communicator: its members, in the order of ranks(); land and atmosphere
  // share ranks but not communicators.
  for (const Component& c : components.all()) {
    CHECK(bool(c.communicator()) == c.here());
    if (!c.here()) continue;
    CHECK(c.communicator().size() == c.size());
    CHECK(c.communicator().rank() == c.rank());
    int sum = 0;
    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, c.communicator().get());
    int expect_sum = 0;
    for (const int r : c.ranks()) expect_sum += r;
    CHECK(sum == expect_sum);
  }
  if (land.here()) {
    int same = MPI_IDENT;
    MPI_Comm_compare(land.communicator().get(), atmosphere.communicator().get(), &same);
    CHECK(same == MPI_CONGRUENT);
  }

  // A chain of references ends at the component with ranks: every one gets its ranks.
  const auto chain = assign_ranks({{"ice", "land"}, {"atmosphere", 3}, {"ocean", 2}, {"land", "atmosphere"}}, 5);
  CHECK(chain == std::vector<std::vector<int>>{{0, 1, 2}, {0, 1, 2}, {3, 4}, {0, 1, 2}});
  const Components nested({{"a", ranks}, {"b", "a"}, {"c", "b"}}, MPI_COMM_WORLD);
  CHECK(nested["c"].runs_on() == "a");
  CHECK(nested["c"].size() == ranks);
  CHECK(nested["c"].rank() == rank);
}

TEST_CASE("a bad component layout is one line naming the problem", "[coupling]") {
  const int n = world_size();
  const std::string job = std::to_string(n) + " rank" + (n == 1 ? "" : "s");
  const auto error = [](const std::vector<ComponentSpec>& spec) {
    return error_of([&] { Components(spec, MPI_COMM_WORLD); });
  };
  CHECK(error({{"atmosphere", n}, {"ocean", 1}}) == "coupling: the components' rank counts add up to " +
                                                        std::to_string(n + 1) + " (atmosphere " + std::to_string(n) +
                                                        " + ocean 1), but the job has " + job);
  CHECK(error({{"atmosphere", n}, {"ocean", 0}}) ==
        "coupling: component 'ocean' has no ranks (0): give it a rank count >= 1 or the name of a component to run on");
  CHECK(error({{"atmosphere", -1}}) ==
        "coupling: component 'atmosphere' has no ranks (-1): give it a rank count >= 1 or the name of a component to run on");
  CHECK(error({{"atmosphere", n}, {"land", "atmos"}}) ==
        "coupling: component 'land' runs on 'atmos', which is not a component (components: atmosphere, land)");
  CHECK(error({{"atmosphere", n}, {"land", "ice"}, {"ice", "land"}}) ==
        "coupling: components run on each other in a cycle (land -> ice -> land): one of them needs a rank count");
  CHECK(error({{"atmosphere", n}, {"land", "land"}}) ==
        "coupling: components run on each other in a cycle (land -> land): one of them needs a rank count");
  CHECK(error({{"ocean", n}, {"ocean", "ocean"}}) == "coupling: component 'ocean' is declared twice");
  CHECK(error({}) == "coupling: the layout has no components");
  CHECK(error({{"", n}}) == "coupling: a component has an empty name (components: )");
  // Counts that add up to the job but leave a component empty: the empty one is named.
  CHECK(error({{"atmosphere", n}, {"ocean", 0}, {"land", "ocean"}}).find("'ocean' has no ranks") != std::string::npos);

  const Components ok({{"atmosphere", n}}, MPI_COMM_WORLD);
  CHECK(error_of([&] { (void)ok["sea"]; }) == "coupling: there is no component 'sea' (components: atmosphere)");

  // Grids whose resolutions are not in an integer ratio.
  CHECK(error_of([] { coarsen(GridSpec{{32, 16}, {}, {}}, {3, 2, 1}); }) ==
        "coupling: a ratio of 3 does not divide the 32 cells of the grid along x");
  CHECK(error_of([] { coarsen(GridSpec{{8, 8, 10}, {}, {}}, {2, 2, 4}); }) ==
        "coupling: a ratio of 4 does not divide the 10 cells of the grid along z");
  CHECK(error_of([] { coarsen(GridSpec{{8, 8}, {}, {}}, {0, 1, 1}); }) == "coupling: a ratio of 0 along x is not >= 1");
  const Components two({{"ocean", n}, {"atmosphere", "ocean"}}, MPI_COMM_WORLD);
  const Decomposition ocean(GridSpec{{20, 12}, {}, {}}, n);
  CHECK(error_of([&] { Exchange(two, "ocean", ocean, "atmosphere", Decomposition(GridSpec{{8, 6}, {}, {}}, n)); }) ==
        "coupling: the grids' 20 and 8 cells along x are not in an integer ratio");
  CHECK(error_of([&] { Exchange(two, "ocean", ocean, "atmosphere", Decomposition(GridSpec{{40, 6}, {}, {}}, n)); }) ==
        "coupling: grids [(0,0,0)..(20,12,1)) and [(0,0,0)..(40,6,1)): one is finer along one axis and coarser along another");
  CHECK(error_of([&] { Exchange(two, "ocean", Decomposition(GridSpec{{20, 12}, {}, {}}, 1), "atmosphere", ocean); }) ==
        (n == 1 ? "" : "coupling: the source decomposition is for 1 ranks, but component 'ocean' has " + std::to_string(n)));
  CHECK(error_of([&] { Exchange(two, "ocean", ocean, "sea", ocean); }) ==
        "coupling: there is no component 'sea' (components: ocean, atmosphere)");
}

TEST_CASE("remapping between integer-ratio grids: exact round trips, conservation exact or bounded", "[coupling]") {
  const double u = std::ldexp(1.0, -53);
  struct Case {
    Grid fine;
    Ratio ratio;
  };
  for (const Case& c : {Case{{24, 18, 1}, {3, 3, 1}}, Case{{20, 12, 1}, {2, 2, 1}}, Case{{12, 8, 4}, {2, 2, 2}},
                        Case{{16, 9, 1}, {4, 3, 1}}}) {
    const Grid fine = c.fine;
    const Ratio r = c.ratio;
    const Grid coarse{fine.nx / r[0], fine.ny / r[1], fine.nz / r[2]};
    const int n = r[0] * r[1] * r[2];
    const bool power_of_two = (n & (n - 1)) == 0;
    CAPTURE(fine.nx, fine.ny, fine.nz, r[0], r[1], r[2]);
    const IndexBox all_coarse{{0, 0, 0}, {coarse.nx, coarse.ny, coarse.nz}};
    const IndexBox all_fine{{0, 0, 0}, {fine.nx, fine.ny, fine.nz}};

    // average() and expand() on one box each agree with the plain-array reference, to the byte.
    const auto f = global_array<double>(fine, [](int i, int j, int k) { return value_at(5, i, j, k); });
    const auto mask = global_array<std::uint8_t>(fine, water_at);
    const auto ff = whole("f", fine, f);
    const auto fm = whole("mask", fine, mask);
    const auto fc = whole("c", coarse, std::vector<double>(coarse.cells(), 0.0));
    average((*ff)[0], nullptr, (*fc)[0], all_coarse, r, -1.0);
    CHECK(parlayer::testing::same_bytes(values_of(fc), reference_average(f, nullptr, fine, r, -1.0)));
    average((*ff)[0], &(*fm)[0], (*fc)[0], all_coarse, r, -1.0);
    const std::vector<double> masked_coarse = values_of(fc);
    CHECK(parlayer::testing::same_bytes(masked_coarse, reference_average(f, &mask, fine, r, -1.0)));

    // A field constant on each coarse cell survives fine → coarse → fine exactly (and coarse →
    // fine → coarse is the identity), masked or not.
    const auto cvals = global_array<double>(coarse, [](int i, int j, int k) { return value_at(9, i, j, k); });
    const auto cf = whole("c", coarse, cvals);
    const auto expanded = whole("e", fine, std::vector<double>(fine.cells(), 0.0));
    expand((*cf)[0], (*expanded)[0], all_fine, r, nullptr, 0.0);
    CHECK(parlayer::testing::same_bytes(values_of(expanded), reference_expand(cvals, nullptr, fine, r, 0.0)));
    const auto back = whole("b", coarse, std::vector<double>(coarse.cells(), 0.0));
    average((*expanded)[0], nullptr, (*back)[0], all_coarse, r, 0.0);
    CHECK(parlayer::testing::same_bytes(values_of(back), cvals));
    average((*expanded)[0], &(*fm)[0], (*back)[0], all_coarse, r, 7.0);
    const std::vector<int> counts = masked_counts(mask, fine, r);
    std::vector<double> expect_back = cvals;
    for (std::size_t i = 0; i < counts.size(); ++i)
      if (counts[i] == 0) expect_back[i] = 7.0;
    CHECK(parlayer::testing::same_bytes(values_of(back), expect_back));
    const auto again = whole("a", fine, std::vector<double>(fine.cells(), 0.0));
    expand((*back)[0], (*again)[0], all_fine, r, nullptr, 0.0);
    average((*again)[0], nullptr, (*back)[0], all_coarse, r, 0.0);
    CHECK(parlayer::testing::same_bytes(values_of(back), expect_back));

    // Coarse → fine conserves exactly: the fine integral is n times the coarse one (each coarse
    // value counted n times), masked: each counted over its masked fine cells.
    CHECK(integral(values_of(expanded)) == integral(cvals, std::vector<int>(cvals.size(), n)));
    const auto masked_expanded = whole("m", fine, std::vector<double>(fine.cells(), 0.0));
    expand((*cf)[0], (*masked_expanded)[0], all_fine, r, &(*fm)[0], 0.0);
    CHECK(integral(values_of(masked_expanded)) == integral(cvals, counts));

    // Fine → coarse on a dyadic field (multiples of 2^-10 below 2^20: every partial sum exact):
    // exact when n is a power of two (the division is exact too), masked or not.
    const auto dyadic = global_array<double>(
        fine, [](int i, int j, int k) { return std::ldexp(std::floor(value_at(3, i, j, k) * 1024.0 * 1024.0), -10); });
    const auto df = whole("d", fine, dyadic);
    average((*df)[0], nullptr, (*fc)[0], all_coarse, r, 0.0);
    const double fine_total = integral(dyadic);
    const double coarse_total = integral(values_of(fc), std::vector<int>(coarse.cells(), n));
    if (power_of_two) CHECK(fine_total == coarse_total);
    std::vector<double> masked_dyadic = dyadic;
    for (std::size_t i = 0; i < mask.size(); ++i) masked_dyadic[i] = mask[i] ? dyadic[i] : 0.0;
    average((*df)[0], &(*fm)[0], (*fc)[0], all_coarse, r, 1e300);  // the fill is counted 0 times
    const double masked_total = integral(values_of(fc), counts);
    if (power_of_two) CHECK(integral(masked_dyadic) == masked_total);

    // In general (any n, any values): |sum_c n c - sum_f f| <= gamma_n sum|f| (remap.hpp), plus
    // the final rounding of each of the two exact totals.
    std::vector<double> abs_f(f.size());
    for (std::size_t i = 0; i < f.size(); ++i) abs_f[i] = std::fabs(f[i]);
    const double gamma = n * u / (1 - n * u);
    average((*ff)[0], nullptr, (*fc)[0], all_coarse, r, 0.0);
    const double it_f = integral(f), it_c = integral(values_of(fc), std::vector<int>(coarse.cells(), n));
    CHECK(std::fabs(it_c - it_f) <= gamma * integral(abs_f) + u * (std::fabs(it_c) + std::fabs(it_f)));
    std::vector<double> masked_f = f, masked_abs = abs_f;
    for (std::size_t i = 0; i < mask.size(); ++i)
      if (!mask[i]) masked_f[i] = masked_abs[i] = 0.0;
    const double im_f = integral(masked_f), im_c = integral(masked_coarse, counts);
    CHECK(std::fabs(im_c - im_f) <= gamma * integral(masked_abs) + u * (std::fabs(im_c) + std::fabs(im_f)));
  }
  // Boxes that do not hold the cells asked for are a local error.
  const Field<double> small("small", IndexBox{{0, 0, 0}, {4, 4, 1}}, Index3{0, 0, 0});
  Field<double> out("out", IndexBox{{0, 0, 0}, {4, 4, 1}}, Index3{0, 0, 0});
  CHECK_THROWS_AS(average(small[0], nullptr, out[0], IndexBox{{0, 0, 0}, {4, 4, 1}}, {2, 2, 1}, 0.0), std::invalid_argument);
}

namespace {

// A component's decomposition of `grid` over `ranks` ranks: one block per rank, or many small
// boxes (not aligned to the ratio) dealt round-robin.
Decomposition decompose(const GridSpec& grid, int ranks, bool many_boxes) {
  if (!many_boxes) return Decomposition(grid, ranks);
  const Layout layout = Layout::chopped(grid, {grid.extent[0] / 3 + 1, grid.extent[1] / 2 + 1, 0});
  return Decomposition(layout, Ownership::round_robin(layout, ranks));
}

// Gathers the interior of `field` (a field of `component`) on world rank 0's side: returns the
// global array on the component's rank 0, empty elsewhere.
std::vector<double> gather(const Field<double>* field, const Decomposition& d, const Component& c) {
  if (!c.here()) return {};
  return parlayer::testing::gather_global(*field, d, c.communicator().get());
}

}  // namespace

TEST_CASE("exchanges between components give the serial reference's bytes on every layout", "[coupling]") {
  const int ranks = world_size();
  // Component layouts: shared ranks, and every disjoint split (either component first).
  std::vector<std::vector<ComponentSpec>> layouts{{{"ocean", ranks}, {"atmosphere", "ocean"}},
                                                  {{"atmosphere", ranks}, {"ocean", "atmosphere"}}};
  for (int a = 1; a < ranks; ++a) {
    layouts.push_back({{"ocean", a}, {"atmosphere", ranks - a}});
    layouts.push_back({{"atmosphere", a}, {"ocean", ranks - a}});
  }
  struct Grids {
    GridSpec fine;
    Ratio ratio;
  };
  for (const Grids& grids : {Grids{{{24, 18}, {true, false}, {}}, {3, 3, 1}}, Grids{{{12, 8, 4}, {}, {}}, {2, 2, 2}}}) {
    const GridSpec ocean_grid = grids.fine;
    const GridSpec atmosphere_grid = coarsen(ocean_grid, grids.ratio);
    const bool three_d = ocean_grid.extent.size() == 3;
    const Grid fine{ocean_grid.extent[0], ocean_grid.extent[1], three_d ? ocean_grid.extent[2] : 1};
    const Grid coarse{atmosphere_grid.extent[0], atmosphere_grid.extent[1], three_d ? atmosphere_grid.extent[2] : 1};
    const auto sst = global_array<double>(fine, [](int i, int j, int k) { return value_at(21, i, j, k); });
    const auto water = global_array<std::uint8_t>(fine, water_at);
    const auto wind = global_array<double>(coarse, [](int i, int j, int k) { return value_at(22, i, j, k); });
    const auto expect_sst = reference_average(sst, &water, fine, grids.ratio, -1.0);
    const auto expect_sst_unmasked = reference_average(sst, nullptr, fine, grids.ratio, -1.0);
    const auto expect_wind = reference_expand(wind, &water, fine, grids.ratio, 0.0);

    for (const auto& spec : layouts)
      for (const bool many_boxes : {false, true}) {
        CAPTURE(spec[0].name, spec[1].name, spec[0].ranks, spec[1].ranks, many_boxes, three_d);
        const Components components(spec, MPI_COMM_WORLD);
        const Component& ocean = components["ocean"];
        const Component& atmosphere = components["atmosphere"];
        const Decomposition od = decompose(ocean_grid, ocean.size(), many_boxes);
        const Decomposition ad = decompose(atmosphere_grid, atmosphere.size(), !many_boxes);

        std::unique_ptr<Field<double>> o_sst, o_wind, a_sst, a_sst_all, a_wind;
        std::unique_ptr<Field<std::uint8_t>> o_water;
        if (ocean.here()) {
          o_sst = std::make_unique<Field<double>>("sst", od, ocean.rank(), 1);
          o_wind = std::make_unique<Field<double>>("wind", od, ocean.rank(), 1);
          o_water = std::make_unique<Field<std::uint8_t>>("water", od, ocean.rank(), 0);
          fill_from(*o_sst, sst, fine);
          fill_from(*o_water, water, fine);
          o_wind->fill(99.0);
        }
        if (atmosphere.here()) {
          a_sst = std::make_unique<Field<double>>("sst", ad, atmosphere.rank(), 1);
          a_sst_all = std::make_unique<Field<double>>("sst all", ad, atmosphere.rank(), 1);
          a_wind = std::make_unique<Field<double>>("wind", ad, atmosphere.rank(), 1);
          fill_from(*a_wind, wind, coarse);
        }
        Exchange up(components, "ocean", od, "atmosphere", ad, {.masked = true, .fill = -1.0}, o_water.get());
        Exchange up_all(components, "ocean", od, "atmosphere", ad, {.fill = -1.0});
        Exchange down(components, "atmosphere", ad, "ocean", od, {.masked = true, .fill = 0.0}, o_water.get());
        CHECK(up.remap() == Remap::average);
        CHECK(down.remap() == Remap::expand);
        CHECK(down.ratio() == grids.ratio);

        // Both directions in flight at once (split phase), then the third exchange in one call.
        PendingExchange p_up = up.start(o_sst.get(), a_sst.get());
        PendingExchange p_down = down.start(a_wind.get(), o_wind.get());
        CHECK_THROWS_WITH(up.start(o_sst.get(), a_sst.get()),
                          Catch::Contains("is already in flight: start() was called again before finish()"));
        p_up.finish();
        p_down.finish();
        CHECK_FALSE(p_up.in_flight());
        up_all.run(o_sst.get(), a_sst_all.get());

        const auto got_sst = gather(a_sst.get(), ad, atmosphere);
        const auto got_sst_all = gather(a_sst_all.get(), ad, atmosphere);
        const auto got_wind = gather(o_wind.get(), od, ocean);
        if (atmosphere.rank() == 0) {
          CHECK(parlayer::testing::same_bytes(got_sst, expect_sst));
          CHECK(parlayer::testing::same_bytes(got_sst_all, expect_sst_unmasked));
        }
        if (ocean.rank() == 0) CHECK(parlayer::testing::same_bytes(got_wind, expect_wind));
        // Ghosts are not touched.
        if (ocean.here())
          for (const FieldBox<double>& b : *o_wind)
            for (const IndexBox& g : b.ghost_boxes())
              for_each_cell(g, [&](int i, int j, int k) { CHECK(b(i, j, k) == 99.0); });
      }
  }
}

TEST_CASE("an exchange refuses missing fields and masks", "[coupling]") {
  const int ranks = world_size();
  const Components components({{"ocean", ranks}, {"atmosphere", "ocean"}}, MPI_COMM_WORLD);
  const Decomposition od(GridSpec{{8, 8}, {}, {}}, ranks), ad(GridSpec{{4, 4}, {}, {}}, ranks);
  CHECK(error_of([&] { Exchange(components, "ocean", od, "atmosphere", ad, {.masked = true}); }) ==
        "coupling: ocean -> atmosphere: no mask was given on a rank of component 'ocean'");
  Exchange e(components, "ocean", od, "atmosphere", ad);
  Field<double> o("o", od, world_rank(), 0), a("a", ad, world_rank(), 0);
  CHECK_THROWS_WITH(e.start(nullptr, &a), Catch::Contains("no source field given on a rank of the source component"));
  CHECK_THROWS_WITH(e.start(&a, &a), Catch::Contains("field 'a' does not hold this rank's"));
  e.run(&o, &a);
  CHECK(e.name() == "ocean -> atmosphere");
}
