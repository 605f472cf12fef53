// parlayer::runtime: reproducible sums, the config parser and the layout keys (the time loop:
// test_time_loop.cpp).
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include "parlayer/error.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/runtime/config.hpp"
#include "parlayer/runtime/log.hpp"
#include "parlayer/runtime/parallel_options.hpp"
#include "parlayer/runtime/reproducible_sum.hpp"
#include "parlayer/runtime/timers.hpp"
#include "support.hpp"

using parlayer::CollectiveError;
using parlayer::testing::error_of;
using parlayer::runtime::Config;
using parlayer::runtime::ConfigSchema;
using parlayer::runtime::ExactSum;

namespace {

// Terms over 600 orders of magnitude, both signs: a naive sum depends heavily on the order.
std::vector<double> nasty_terms(std::size_t n) {
  std::vector<double> terms;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = parlayer::testing::random_at(11, static_cast<int>(i), 0, 0);
    const double s = parlayer::testing::random_at(12, static_cast<int>(i), 0, 0);
    terms.push_back((s < 0.5 ? -1.0 : 1.0) * std::ldexp(0.5 + r, static_cast<int>(s * 2000.0) - 1000));
  }
  return terms;
}

}  // namespace

TEST_CASE("ExactSum is exact and independent of the order of the terms", "[runtime][sum]") {
  ExactSum a;
  a.add(1e100);
  a.add(1.0);
  a.add(-1e100);
  CHECK(a.value() == 1.0);

  ExactSum tenth;
  for (int i = 0; i < 10; ++i) tenth.add(0.1);
  CHECK(tenth.value() == 1.0);  // exact sum 1.000000000000000055511151231257827, rounded

  ExactSum tiny;
  tiny.add(std::numeric_limits<double>::denorm_min());
  tiny.add(std::numeric_limits<double>::denorm_min());
  CHECK(tiny.value() == 2 * std::numeric_limits<double>::denorm_min());

  std::vector<double> terms = nasty_terms(5000);
  ExactSum forward, backward, shuffled;
  forward.add(terms.data(), terms.size());
  for (auto it = terms.rbegin(); it != terms.rend(); ++it) backward.add(*it);
  std::mt19937 g(5);
  std::shuffle(terms.begin(), terms.end(), g);
  // Shuffled and split into two partial sums merged afterwards.
  ExactSum half;
  shuffled.add(terms.data(), terms.size() / 2);
  half.add(terms.data() + terms.size() / 2, terms.size() - terms.size() / 2);
  shuffled += half;
  CHECK(forward.value() == backward.value());
  CHECK(forward.value() == shuffled.value());

  ExactSum cancel;  // x + (-x) for every term: exactly zero
  for (const double t : terms) cancel.add(t), cancel.add(-t);
  CHECK(cancel.value() == 0.0);

  ExactSum special;
  special.add(1.0);
  special.add(std::numeric_limits<double>::infinity());
  CHECK(special.value() == std::numeric_limits<double>::infinity());
  special.add(-std::numeric_limits<double>::infinity());
  CHECK(std::isnan(special.value()));
}

TEST_CASE("global_sum gives the single-rank sum, bit for bit, on any rank count", "[runtime][sum]") {
  int ranks = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  const std::vector<double> terms = nasty_terms(3001);
  ExactSum all;
  all.add(terms.data(), terms.size());
  ExactSum mine, mine_squared;
  for (std::size_t i = 0; i < terms.size(); ++i)
    if (static_cast<int>(i % static_cast<std::size_t>(ranks)) == parlayer::parallel::world_rank()) {
      mine.add(terms[i]);
      mine_squared.add(terms[i] * terms[i]);
    }
  ExactSum both[] = {mine, mine_squared};
  parlayer::runtime::global_sum(both, MPI_COMM_WORLD);
  CHECK(both[0].value() == all.value());
  ExactSum squares;
  for (const double t : terms) squares.add(t * t);
  CHECK(both[1].value() == squares.value());
  CHECK(parlayer::runtime::global_sum(mine, MPI_COMM_WORLD) == all.value());
}

namespace {

ConfigSchema test_schema() {
  ConfigSchema s;
  s.add_int("grid.nx", 64, "cells").at_least(4);
  s.add_real("time.dt", 1.5, "step", "s").greater_than(0);
  s.add_bool("run.fast", false, "fast");
  s.add_string("ic.name", "jet", "initial state").one_of({"jet", "lake"});
  s.add_int_list("parallel.grid", {0, 0}, "process grid").entries(2).at_least(0);
  s.add_string("out.dir", "out", "folder");
  return s;
}


// Config::load on a file with `text` (written by rank 0) and extra arguments.
Config load(const ConfigSchema& schema, const std::string& text, std::vector<std::string> args = {}) {
  const std::string path = "/tmp/parlayer-config-test-" + std::to_string(getppid()) + ".toml";
  if (parlayer::parallel::world_rank() == 0) std::ofstream(path) << text;
  MPI_Barrier(MPI_COMM_WORLD);
  std::vector<std::string> all = {"prog", "--config", path};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<const char*> argv;
  for (const std::string& a : all) argv.push_back(a.c_str());
  const parlayer::runtime::ProgramInfo info{"prog", "test", "", "", ""};
  struct Cleanup {
    std::string p;
    ~Cleanup() {
      MPI_Barrier(MPI_COMM_WORLD);
      if (parlayer::parallel::world_rank() == 0) std::remove(p.c_str());
    }
  } cleanup{path};
  return Config::load(schema, info, static_cast<int>(argv.size()), argv.data(), MPI_COMM_WORLD);
}

}  // namespace

TEST_CASE("config: file, --set and types; every mistake names the key", "[runtime][config]") {
  const ConfigSchema schema = test_schema();
  const Config c = load(schema, "[grid]\nnx = 128\n[time]\ndt = 3\n[parallel]\ngrid = [2, 1]\n",
                        {"--set", "ic.name=lake", "--set", "run.fast=true", "--set", "grid.nx=256"});
  CHECK(c.integer("grid.nx") == 256);  // --set wins over the file
  CHECK(c.real("time.dt") == 3.0);     // an integer is a valid real
  CHECK(c.boolean("run.fast"));
  CHECK(c.string("ic.name") == "lake");
  CHECK(c.integer_list("parallel.grid") == parlayer::runtime::IntegerList{2, 1});
  CHECK(c.string("out.dir") == "out");  // default
  // A choice key read as an enum through its named choices; a name the table lacks (a table
  // that disagrees with the schema's list) is the key's one-line error.
  enum class Ic { jet, lake };
  constexpr auto ic_choices = parlayer::named_choices<Ic>({{Ic::jet, "jet"}, {Ic::lake, "lake"}});
  CHECK(c.choice("ic.name", ic_choices) == Ic::lake);
  constexpr auto jet_only = parlayer::named_choices<Ic>({{Ic::jet, "jet"}});
  CHECK_THAT(error_of([&] { c.choice("ic.name", jet_only); }),
             Catch::StartsWith("config key 'ic.name' = \"lake\" (--set ic.name=lake)") &&
                 Catch::EndsWith(": must be one of jet"));

  // The echoed config parses back to the same values.
  const Config again = load(schema, c.to_toml());
  for (const auto& spec : schema.keys()) CHECK(again.value(spec.key()) == c.value(spec.key()));

  CHECK_THAT(error_of([&] { load(schema, "[grid]\nnxx = 3\n"); }),
             Catch::Contains("unknown config key 'grid.nxx'") && Catch::Contains("line 2") &&
                 Catch::Contains("did you mean 'grid.nx'"));
  CHECK_THAT(error_of([&] { load(schema, "[grid]\nnx = 2.5\n"); }),
             Catch::Contains("'grid.nx'") && Catch::Contains("expected an integer"));
  CHECK_THAT(error_of([&] { load(schema, "[grid]\nnx = 2\n"); }),
             Catch::Contains("'grid.nx' = 2") && Catch::Contains(">= 4"));
  CHECK_THAT(error_of([&] { load(schema, "[time]\ndt = 0\n"); }), Catch::Contains("'time.dt'") && Catch::Contains("> 0"));
  CHECK_THAT(error_of([&] { load(schema, "[ic]\nname = \"storm\"\n"); }), Catch::Contains("one of jet, lake"));
  CHECK_THAT(error_of([&] { load(schema, "", {"--set", "ic.name=lak"}); }),
             Catch::EndsWith("(--set ic.name=lak): must be one of jet, lake (did you mean 'lake'?)"));
  CHECK_THAT(error_of([&] { load(schema, "[parallel]\ngrid = [1, 2, 3]\n"); }), Catch::Contains("'parallel.grid'"));
  CHECK_THAT(error_of([&] { load(schema, "[grid\nnx = 1\n"); }), Catch::Contains("malformed TOML") && Catch::Contains("line 1"));
  CHECK_THAT(error_of([&] { load(schema, "", {"--set", "grid.nx=many"}); }),
             Catch::Contains("'grid.nx'") && Catch::Contains("--set"));
  CHECK_THAT(error_of([&] { load(schema, "", {"--set", "nx=5"}); }), Catch::Contains("did you mean 'grid.nx'"));
  CHECK_THAT(error_of([&] { load(schema, "", {"--frobnicate"}); }), Catch::Contains("command line"));
  for (const std::string& message :
       {error_of([&] { load(schema, "[grid]\nnxx = 3\n"); }), error_of([&] { load(schema, "[grid\n"); })})
    CHECK(message.find('\n') == std::string::npos);  // one line each

  CHECK_THAT(error_of([&] { Config::from_settings(schema, {"time.dt=-1"}); }), Catch::Contains("'time.dt' = -1.0"));
  const std::string help = Config::help_text(schema, {"prog", "test", "", "", ""});
  for (const auto& spec : schema.keys()) CHECK_THAT(help, Catch::Contains(spec.name() + " = "));
}

TEST_CASE("layout keys: one block per rank, or boxes dealt by a distribution; every mistake names its key",
          "[runtime][layout]") {
  using parlayer::runtime::decompose;
  using parlayer::runtime::describe_layout;
  using parlayer::runtime::parallel_options;
  ConfigSchema schema;
  parlayer::runtime::add_parallel_keys(schema, 2);
  const parlayer::domain::GridSpec grid{{96, 64}, {true, false}, {}};
  auto config = [&](std::vector<std::string> settings) { return Config::from_settings(schema, settings); };

  // Default: today's one block per rank, and its start-up words.
  const Config plain = config({});
  CHECK(decompose(grid, 4, plain) == parlayer::domain::Decomposition(grid, 4));
  CHECK(describe_layout(decompose(grid, 4, plain), parallel_options(plain)) == "4 ranks (process grid 2x2)");
  const Config grid_1x3 = config({"parallel.process_grid=[1,3]"});
  CHECK(decompose(grid, 3, grid_1x3).process_grid() == parlayer::domain::Index3{1, 3, 1});

  // Boxes of 16 x 16: 6 x 4 = 24 boxes, 8 per rank on 3 ranks.
  const Config sfc = config({"parallel.box_size=[16,16]", "parallel.distribution=\"sfc\""});
  const parlayer::domain::Decomposition d = decompose(grid, 3, sfc);
  CHECK(d.layout().size() == 24);
  CHECK(d.ownership() == parlayer::domain::Ownership::space_filling_curve(d.layout(), 3));
  CHECK(describe_layout(d, parallel_options(sfc)) == "24 boxes of 16x16 cells (6x4) over 3 ranks, sfc, 8 per rank");
  for (const char* name : {"round_robin", "knapsack"}) {
    const Config c = config({"parallel.box_size=[16,16]", std::string("parallel.distribution=") + name});
    CHECK(decompose(grid, 5, c).layout() == d.layout());
  }
  CHECK(decompose(grid, 5, config({"parallel.box_size=[16,16]", "parallel.distribution=round_robin"})).ownership() ==
        parlayer::domain::Ownership::round_robin(d.layout(), 5));
  const Config three = config({"parallel.box_size=[0,30]", "parallel.distribution=round_robin"});
  CHECK(describe_layout(decompose(grid, 4, three), parallel_options(three)) ==
        "3 boxes of up to 96x22 cells (1x3) over 4 ranks, round_robin, 0-1 per rank (1 rank owns none)");
  const Config one_each = config({"parallel.box_size=[32,0]"});  // 3 boxes, Cartesian on 3 ranks
  CHECK(decompose(grid, 3, one_each).boxes_of(2) == std::vector<int>{2});

  // Mistakes: one line naming the key.
  CHECK_THAT(error_of([&] { decompose(grid, 3, config({"parallel.box_size=[16,16]", "parallel.process_grid=[3,1]"})); }),
             Catch::StartsWith("config key 'parallel.box_size' = [16, 16] (--set") &&
                 Catch::Contains("cannot be combined with parallel.process_grid"));
  CHECK_THAT(error_of([&] { decompose(grid, 3, config({"parallel.distribution=sfc"})); }),
             Catch::StartsWith("config key 'parallel.distribution' = \"sfc\"") &&
                 Catch::Contains("needs parallel.box_size"));
  CHECK_THAT(error_of([&] { decompose(grid, 3, config({"parallel.box_size=[16,16]"})); }),
             Catch::StartsWith("config key 'parallel.box_size' = [16, 16]") &&
                 Catch::Contains("24 boxes for 3 ranks") && Catch::Contains("\"cartesian\""));
  CHECK_THAT(error_of([&] { decompose(grid, 30, config({"parallel.box_size=[16,16]"})); }),
             Catch::Contains("24 boxes for 30 ranks"));
  CHECK_THAT(error_of([&] { config({"parallel.distribution=hilbert"}); }),
             Catch::Contains("'parallel.distribution'") && Catch::Contains("one of cartesian, sfc, round_robin, knapsack"));
  CHECK_THAT(error_of([&] { config({"parallel.distribution=round-robin"}); }),
             Catch::EndsWith("must be one of cartesian, sfc, round_robin, knapsack (did you mean 'round_robin'?)"));
  CHECK_THAT(error_of([&] { config({"parallel.halo_backend=datatype"}); }),
             Catch::EndsWith("must be one of packed, datatypes (did you mean 'datatypes'?)"));
  CHECK_THAT(error_of([&] { config({"parallel.box_size=[16,-1]"}); }), Catch::Contains("'parallel.box_size'"));
  const Config thin = config({"parallel.box_size=[16,1]", "parallel.distribution=sfc"});
  CHECK_THAT(error_of([&] {
               parlayer::runtime::make_halo_plan(decompose(grid, 3, thin), 0, 2, parlayer::halo::Stencil::box, thin);
             }),
             Catch::StartsWith("config key 'parallel.box_size' = [16, 1]") && Catch::Contains("halo plan: box 0") &&
                 Catch::Contains("narrower than the halo width 2"));
  // Width 1 fits boxes of one row.
  CHECK(error_of([&] {
          parlayer::runtime::make_halo_plan(decompose(grid, 3, thin), 0, 1, parlayer::halo::Stencil::box, thin);
        }) == "");
}

TEST_CASE("config: tables and arrays nested thousands deep are refused, not a stack overflow (issue 15)",
          "[runtime][config]") {
  const ConfigSchema schema = test_schema();
  // Arrays, inline tables, dotted keys and table headers ~10000 levels deep: toml11 would recurse
  // until the stack overflows. One line naming the file and the line, before toml11 sees it.
  // (Built by appending: GCC 12 warns, wrongly, about `"literal" + string` here.)
  std::string arrays = "a = ", unclosed = "a = [", dotted = "[grid]\nnx = 8\nx", header = "[x", inline_tables = "x = ";
  arrays.append(10000, '[').append(10000, ']').append("\n");
  unclosed.append(10000, '[').append("\n");
  for (int i = 0; i < 10000; ++i) dotted += ".x", header += ".x";
  dotted += " = 1\n", header += "]\n";
  for (int i = 0; i < 5000; ++i) inline_tables += "{y=";
  inline_tables.append("1").append(5000, '}').append("\n");
  for (const std::string& text : {arrays, dotted, header, inline_tables, unclosed})
    CHECK_THAT(error_of([&] { load(schema, text); }),
               Catch::StartsWith("malformed TOML in /tmp/parlayer-config-test-") &&
                   Catch::Contains("nested deeper than 64 levels"));
  CHECK_THAT(error_of([&] { load(schema, dotted); }), Catch::Contains(" line 3: "));
  // Up to 64 levels toml11 parses as before (here: an unknown key), and brackets in strings and
  // comments, multi-line strings and arrays across lines are no nesting at all.
  CHECK_THAT(error_of([&] { load(schema, "a = " + std::string(60, '[') + std::string(60, ']') + "\n"); }),
             Catch::StartsWith("unknown config key 'a'"));
  const Config odd = load(schema, "# [[[[[[ {{{{{{\n[ic] # ]]]]\nname = \"lake\" # [[[[[\n[out]\ndir = \"\"\"x\n"
                                  "[[[[[[[[ \\\"\"\" {{{{\"\"\"\n[parallel]\ngrid = [ 2, # [[[[\n  1 ] # ]\n"
                                  "['run']\n'fast' = true\n");
  CHECK(odd.string("ic.name") == "lake");
  CHECK(odd.string("out.dir") == "x\n[[[[[[[[ \"\"\" {{{{");
  CHECK(odd.integer_list("parallel.grid") == parlayer::runtime::IntegerList{2, 1});
  CHECK(odd.boolean("run.fast"));
}

TEST_CASE("config: integers beyond 64 bits, or beyond the type they are used as, are errors (issue 15)",
          "[runtime][config]") {
  const ConfigSchema schema = test_schema();
  // TOML integers beyond 64 bits are an error (toml11 alone would clamp them), in any notation.
  for (const char* literal : {"99999999999999999999", "9_223_372_036_854_775_808", "-9223372036854775809",
                              "0x1_0000_0000_0000_0000", "0x8000000000000000", "0o1000000000000000000000"})
    CHECK_THAT(error_of([&] { load(schema, std::string("[grid]\nnx = ") + literal + "\n"); }),
               Catch::StartsWith(std::string("config key 'grid.nx' (/tmp/parlayer-config-test-")) &&
                   Catch::Contains(std::string("line 2): integer ") + literal + " does not fit in 64 bits"));
  CHECK_THAT(error_of([&] { load(schema, "[parallel]\ngrid = [1, 18446744073709551616]\n"); }),
             Catch::Contains("'parallel.grid'") && Catch::Contains("integer 18446744073709551616 does not fit"));
  CHECK_THAT(error_of([&] { load(schema, "[time]\ndt = 100000000000000000000\n"); }),
             Catch::Contains("'time.dt'") && Catch::Contains("does not fit in 64 bits"));
  CHECK_THAT(error_of([&] { load(schema, "[grid]\nnx = -9223372036854775808\n"); }),  // the limit itself fits
             Catch::Contains("'grid.nx' = -9223372036854775808") && Catch::Contains("must be an integer >= 4"));
  CHECK(load(schema, "[grid]\nnx = 0x7FFF_FFFF_FFFF_FFFF\n").integer("grid.nx") == std::numeric_limits<std::int64_t>::max());
  CHECK_THAT(error_of([&] { Config::from_settings(schema, {"grid.nx=18446744073709551617"}); }),
             Catch::Contains("integer 18446744073709551617 does not fit in 64 bits"));
  CHECK_THAT(error_of([&] { Config::from_settings(schema, {"parallel.grid=[1, -99999999999999999999]"}); }),
             Catch::Contains("integer -99999999999999999999 does not fit in 64 bits"));

  // A key narrowed to int is range-checked against int: never truncated.
  const Config wide = Config::from_settings(schema, {"grid.nx=4294967298", "parallel.grid=[12884901892, 1]"});
  CHECK(wide.integer_as<std::int64_t>("grid.nx") == 4294967298);
  CHECK_THAT(error_of([&] { static_cast<void>(wide.integer_as<int>("grid.nx")); }),
             Catch::StartsWith("config key 'grid.nx' = 4294967298 (--set grid.nx=4294967298): does not fit the 32-bit "
                               "integer it is used as (-2147483648 .. 2147483647)"));
  CHECK_THAT(error_of([&] { static_cast<void>(wide.integer_list_as<int>("parallel.grid")); }),
             Catch::Contains("'parallel.grid' = [12884901892, 1]") && Catch::Contains("entry 12884901892 does not fit"));
  CHECK_THAT(error_of([&] { static_cast<void>(Config::from_settings(schema, {"grid.nx=70000"}).integer_as<std::uint16_t>("grid.nx")); }),
             Catch::Contains("does not fit the 16-bit unsigned integer it is used as (0 .. 65535)"));
  CHECK(Config::from_settings(schema, {"grid.nx=2147483647"}).integer_as<int>("grid.nx") == 2147483647);
  CHECK(Config::from_settings(schema, {"parallel.grid=[3, 1]"}).integer_list_as<int>("parallel.grid") == std::vector<int>{3, 1});
}

TEST_CASE("config: a key that is a count or a name ([layout] land = 2 or land = \"atmosphere\")", "[runtime][config]") {
  ConfigSchema schema;
  schema.add_int_or_string("layout.land", parlayer::runtime::Value(std::string("atmosphere")), "ranks, or a host")
      .at_least(1);
  schema.add_int_or_string("layout.ocean", parlayer::runtime::Value(std::int64_t{1}), "ranks, or a host");
  const Config defaults = Config::from_settings(schema, {});
  CHECK(defaults.string("layout.land") == "atmosphere");
  CHECK(defaults.integer("layout.ocean") == 1);
  // From a file: a TOML integer is a count, a TOML string a name.
  const Config file = load(schema, "[layout]\nland = 2\nocean = \"atmosphere\"\n");
  CHECK(file.integer("layout.land") == 2);
  CHECK(file.string("layout.ocean") == "atmosphere");
  // On the command line: text that reads as an integer is one; anything else a name, quoted or not.
  const Config set = Config::from_settings(schema, {"layout.land=3", "layout.ocean=\"land\""});
  CHECK(set.integer("layout.land") == 3);
  CHECK(set.string("layout.ocean") == "land");
  CHECK(Config::from_settings(schema, {"layout.ocean=land"}).string("layout.ocean") == "land");
  // The echoed config parses back to the same values (and kinds).
  const Config again = load(schema, set.to_toml());
  for (const auto& spec : schema.keys()) CHECK(again.value(spec.key()) == set.value(spec.key()));
  // Bounds apply to the integer; other types, and integers beyond 64 bits, are one-line errors.
  CHECK_THAT(error_of([&] { Config::from_settings(schema, {"layout.land=0"}); }),
             Catch::Contains("'layout.land' = 0") && Catch::Contains("must be an integer >= 1 or a string"));
  CHECK_THAT(error_of([&] { load(schema, "[layout]\nland = 1.5\n"); }),
             Catch::Contains("'layout.land'") && Catch::Contains("expected an integer or a string"));
  CHECK_THAT(error_of([&] { Config::from_settings(schema, {"layout.land=99999999999999999999"}); }),
             Catch::Contains("integer 99999999999999999999 does not fit in 64 bits"));
  CHECK_THROWS_WITH(defaults.integer("layout.land"), Catch::Contains("not of type integer"));  // a program's mistake
  // Bounds and choices together: each names its own part.
  ConfigSchema both;
  both.add_int_or_string("layout.sea", parlayer::runtime::Value(std::int64_t{1}), "ranks, or a host").at_least(1).one_of({"air"});
  CHECK_THAT(error_of([&] { Config::from_settings(both, {"layout.sea=0"}); }),
             Catch::Contains("must be an integer >= 1 or a string"));
  CHECK_THAT(error_of([&] { Config::from_settings(both, {"layout.sea=land"}); }),
             Catch::Contains("must be an integer or one of air"));
  CHECK_THAT(Config::help_text(schema, {"prog", "test", "", "", ""}), Catch::Contains("land = \"atmosphere\""));
}

TEST_CASE("config: add_like copies a key under another name with its type, units, bounds and choices",
          "[runtime][config]") {
  const ConfigSchema model = test_schema();
  ConfigSchema schema;
  schema.add_like(*model.find("grid.nx"), "ocean.grid.nx", parlayer::runtime::Value(std::int64_t{64}), "ocean: cells");
  schema.add_like(*model.find("ic.name"), "ocean.ic.name", model.find("ic.name")->default_value(), "ocean: start");
  CHECK(schema.find("ocean.grid.nx")->type() == parlayer::runtime::ValueType::integer);
  CHECK(schema.find("ocean.grid.nx")->constraint_text() == model.find("grid.nx")->constraint_text());
  CHECK(Config::from_settings(schema, {}).integer("ocean.grid.nx") == 64);
  CHECK_THAT(error_of([&] { Config::from_settings(schema, {"ocean.grid.nx=2"}); }),
             Catch::StartsWith("config key 'ocean.grid.nx' = 2 (--set ocean.grid.nx=2): must be an integer >= 4"));
  CHECK_THAT(error_of([&] { Config::from_settings(schema, {"ocean.ic.name=storm"}); }),
             Catch::Contains("'ocean.ic.name'") && Catch::Contains("one of jet, lake"));
  CHECK_THROWS_AS(schema.add_like(*model.find("grid.nx"), "nodot", parlayer::runtime::Value(std::int64_t{1}), ""),
                  std::logic_error);
  CHECK_THROWS_AS(schema.add_like(*model.find("grid.nx"), "a.b", parlayer::runtime::Value(1.5), ""), std::logic_error);
}

TEST_CASE("config: --restart '' and --config '' are mistakes, not \"not given\" (issue 15)", "[runtime][config]") {
  const ConfigSchema schema = test_schema();
  CHECK_THAT(error_of([&] { load(schema, "", {"--restart", ""}); }),
             Catch::Contains("--restart needs 'latest' or a snapshot file, got an empty string"));
  CHECK_THAT(error_of([&] { load(schema, "", {"--restart="}); }), Catch::StartsWith("command line: --restart"));
  CHECK_THAT(error_of([&] {
               const char* argv[] = {"prog", "--config", ""};
               Config::load(schema, {"prog", "test", "", "", ""}, 3, argv, MPI_COMM_WORLD);
             }),
             Catch::Contains("--config needs a file name, got an empty string"));
}

TEST_CASE("config: newlines in a value never split a message; the echoed config escapes them (issue 15)",
          "[runtime][config]") {
  const ConfigSchema schema = test_schema();
  // Newlines (and other control characters) in a value never split a message, and the echoed
  // config stays valid TOML that reads back to the same value.
  for (const std::string& message :
       {error_of([&] { Config::from_settings(schema, {"ic.name=storm\n\nerror: fake"}); }),
        error_of([&] { Config::from_settings(schema, {"grid.nx=3\n4"}); }),
        error_of([&] { Config::from_settings(schema, {"grid\n.nx=3"}); }),
        error_of([&] { Config::from_settings(schema, {"grid.nx\n3"}); }),
        error_of([&] { load(schema, "[ic]\nname = \"a\\nb\"\n"); })}) {
    CHECK_FALSE(message.empty());
    CHECK(message.find_first_of("\n\r") == std::string::npos);
  }
  CHECK_THAT(error_of([&] { Config::from_settings(schema, {"ic.name=storm\n\nerror: fake"}); }),
             Catch::StartsWith("config key 'ic.name' = \"storm\\n\\nerror: fake\" (--set ic.name=storm\\n\\nerror: fake)"));
  const Config controls = Config::from_settings(schema, {std::string("out.dir=a\nb\tc\x1b[0m\"q\\") + '\x7f'});
  CHECK(controls.string("out.dir") == std::string("a\nb\tc\x1b[0m\"q\\") + '\x7f');
  const Config again = load(schema, controls.to_toml());
  CHECK(again.string("out.dir") == controls.string("out.dir"));
}
