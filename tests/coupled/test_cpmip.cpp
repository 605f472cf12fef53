// coupled::cpmip: the CPMIP figures of a coupled run from made-up timings whose every figure is
// known by hand (a year of 8 intervals, a quarter of a day of wall time, numbers exact in binary).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "cpmip.hpp"

using coupled::cpmip::figures;
using coupled::cpmip::Run;

namespace {

// 3 ranks: the atmosphere on ranks 0-1 with 2 threads, the land on the atmosphere's ranks, the ocean on rank 2.
Run three_ranks() {
  Run run;
  run.schedule = "concurrent";
  run.intervals = 4;
  run.interval_seconds = 365.0 * 86400.0 / 8.0;  // 4 intervals = half a year
  run.wall_seconds = 86400.0 / 4.0;              // a quarter of a day
  run.ranks = 3;
  run.components = {{"atmosphere", "", {0, 1}, 2, {2.0, 4.0}, {1.0, 0.5}, {0.0, 0.0}, {}, {}},
                    {"ocean", "", {2}, 1, {6.0}, {0.0}, {1.0}, {}, {}},
                    {"land", "atmosphere", {0, 1}, 1, {1.0, 0.5}, {0.0, 0.0}, {0.5, 0.0}, {}, {}}};
  return run;
}

}  // namespace

TEST_CASE("CPMIP figures of a 3-rank run, by hand", "[cpmip]") {
  const coupled::cpmip::Figures f = figures(three_ranks());
  CHECK(f.simulated_years == 0.5);
  CHECK(f.sypd == 2.0);   // half a year in a quarter of a day
  CHECK(f.cores == 5);    // 2 + 2 threads on the atmosphere's ranks (the land adds none), 1 on the ocean's
  CHECK(f.chsy == 60.0);  // 5 cores x 6 h / 0.5 years
  // Busy core-seconds 2*(2+1) + 2*(4+0.5) + 6 = 21 of 2*4.5 + 2*5 + 7 = 26 in the coupled steps.
  CHECK(f.coupling_cost == Approx(5.0 / 26.0).epsilon(1e-15));
  REQUIRE(f.groups.size() == 2);
  CHECK(f.groups[0].name == "atmosphere+land");
  CHECK(f.groups[0].ranks == 2);
  CHECK(f.groups[0].busy_per_interval == 4.5 / 4);  // its slower rank: 4 + 0.5
  CHECK(f.groups[1].name == "ocean");
  CHECK(f.groups[1].busy_per_interval == 1.5);
  CHECK(f.slowest_per_interval == 1.5);
  CHECK(f.load_imbalance == Approx(1.5 / ((1.125 + 1.5) / 2)).epsilon(1e-15));  // 8/7
  CHECK(f.step_per_interval == 7.0 / 4);                                       // rank 2: 6 + 1
  CHECK(f.step_over_slowest == Approx(7.0 / 6).epsilon(1e-15));
  const std::string json = coupled::cpmip::to_json(f);
  CHECK(json.find("\"sypd\": 2,") != std::string::npos);
  CHECK(json.find("\"chsy\": 60,") != std::string::npos);
  CHECK(json.find("{\"name\": \"ocean\", \"ranks\": 1, \"busy_per_interval\": 1.5}") != std::string::npos);
  const std::string text = coupled::cpmip::report(f);
  CHECK(text.find("2 simulated years per day (SYPD), 60 core-hours per simulated year (CHSY, 5 cores)") != std::string::npos);
  CHECK(text.find("coupling cost 19.2%") != std::string::npos);
}

TEST_CASE("CPMIP: every component on the same ranks is one group, balanced", "[cpmip]") {
  Run run = three_ranks();
  run.ranks = 2;
  run.components[1].runs_on = "atmosphere";
  run.components[1].ranks = {0, 1};
  run.components[1].busy = {6.0, 6.0};
  run.components[1].wait = {0.0, 0.0};
  run.components[1].couple = {1.0, 1.0};
  const coupled::cpmip::Figures f = figures(run);
  REQUIRE(f.groups.size() == 1);
  CHECK(f.groups[0].name == "atmosphere+ocean+land");
  CHECK(f.load_imbalance == 1.0);
  CHECK(f.cores == 4);
  CHECK(f.step_over_slowest == Approx(12.0 / 10.5).epsilon(1e-15));  // rank 1: 4 + 0.5 + 6 busy, + 0.5 + 1
}

TEST_CASE("CPMIP: no intervals give zeros, not NaN; NaN input gives JSON null", "[cpmip]") {
  Run run = three_ranks();
  run.intervals = 0;
  const coupled::cpmip::Figures f = figures(run);
  CHECK(f.sypd == 0.0);
  CHECK(f.chsy == 0.0);
  CHECK(f.step_per_interval == 0.0);
  CHECK(f.step_over_slowest == 0.0);
  CHECK(f.load_imbalance == 0.0);
  run = three_ranks();
  run.interval_seconds = std::numeric_limits<double>::quiet_NaN();
  CHECK(coupled::cpmip::to_json(figures(run)).find("\"sypd\": null") != std::string::npos);
}

TEST_CASE("CPMIP: timings that do not match the layout are refused", "[cpmip]") {
  Run run = three_ranks();
  run.components[0].busy.pop_back();
  CHECK_THROWS_WITH(figures(run), Catch::Contains("component 'atmosphere' has timings for other than its 2 ranks"));
  run = three_ranks();
  run.components[1].ranks = {3};
  CHECK_THROWS_WITH(figures(run), Catch::Contains("component 'ocean' on rank 3 of a job of 3"));
}
