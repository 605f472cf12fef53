// Named choices (named_choice.hpp): one table per enum gives its names, its parsing and the
// one-line error with a did-you-mean. Compiled into the domain-only unit binary, so the header
// (and domain's OwnershipStrategy table) needs no MPI.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "parlayer/domain/ownership.hpp"
#include "parlayer/error.hpp"
#include "parlayer/named_choice.hpp"

using parlayer::CollectiveError;
using parlayer::domain::OwnershipStrategy;
using parlayer::domain::ownership_strategy_choices;

namespace {

enum class Colour { red, green, blue, light_grey };
constexpr auto colour_choices = parlayer::named_choices<Colour>(
    {{Colour::red, "red"}, {Colour::green, "green"}, {Colour::blue, "blue"}, {Colour::light_grey, "light_grey"}});

// The tables are constant expressions: a name can be looked up at compile time.
static_assert(colour_choices.name(Colour::blue) == std::string_view("blue"));
static_assert(colour_choices.find("green") == Colour::green);
static_assert(!colour_choices.find("Green"));

// The message of the CollectiveError `parse` throws (its exit code checked on the way).
template <class Table>
std::string parse_error(const Table& table, std::string_view name, std::string_view what) {
  try {
    table.parse(name, what);
  } catch (const CollectiveError& e) {
    CHECK(e.exit_code() == 2);
    return e.what();
  }
  FAIL("no error for '" << std::string(name) << "'");
  return "";
}

}  // namespace

TEST_CASE("named choices: every name parses back to its value", "[named_choice]") {
  for (const auto& [value, name] : colour_choices.entries()) {
    CHECK(colour_choices.name(value) == std::string(name));
    CHECK(colour_choices.find(name) == value);
    CHECK(colour_choices.parse(name, "colour") == value);
  }
  CHECK(colour_choices.names() == std::vector<std::string>{"red", "green", "blue", "light_grey"});
  CHECK(colour_choices.name(static_cast<Colour>(42)) == std::string("?"));  // not in the table

  // The library's own: parallel.distribution's names, Ownership::of the same as the named function.
  CHECK(ownership_strategy_choices.names() == std::vector<std::string>{"cartesian", "sfc", "round_robin", "knapsack"});
  for (const auto& [value, name] : ownership_strategy_choices.entries()) {
    CHECK(to_string(value) == std::string(name));
    CHECK(ownership_strategy_choices.parse(name, "parallel.distribution") == value);
  }
  using parlayer::domain::Layout;
  using parlayer::domain::Ownership;
  const Layout layout = Layout::chopped({{24, 16}, {true, false}, {}}, {8, 4, 1});  // 12 boxes
  CHECK(Ownership::of(OwnershipStrategy::cartesian, layout, 12) == Ownership::cartesian(layout, 12));
  CHECK(Ownership::of(OwnershipStrategy::sfc, layout, 5) == Ownership::space_filling_curve(layout, 5));
  CHECK(Ownership::of(OwnershipStrategy::round_robin, layout, 5) == Ownership::round_robin(layout, 5));
  CHECK(Ownership::of(OwnershipStrategy::knapsack, layout, 5) == Ownership::knapsack(layout, 5));
}

TEST_CASE("named choices: an unknown name is one line with the choices and the nearest", "[named_choice]") {
  CHECK(parse_error(ownership_strategy_choices, "knapsak", "parallel.distribution") ==
        "parallel.distribution = 'knapsak': must be one of cartesian, sfc, round_robin, knapsack "
        "(did you mean 'knapsack'?)");
  CHECK(parse_error(colour_choices, "light-grey", "--colour") ==
        "--colour = 'light-grey': must be one of red, green, blue, light_grey (did you mean 'light_grey'?)");
  CHECK(parse_error(colour_choices, "Red", "--colour") ==
        "--colour = 'Red': must be one of red, green, blue, light_grey (did you mean 'red'?)");
  // Nothing near: no suggestion.
  CHECK(parse_error(colour_choices, "magenta", "--colour") ==
        "--colour = 'magenta': must be one of red, green, blue, light_grey");
  // User text stays on one line: control characters are escaped.
  CHECK(parse_error(colour_choices, "re\nd", "--colour") ==
        "--colour = 're\\nd': must be one of red, green, blue, light_grey (did you mean 'red'?)");
}

TEST_CASE("named choices: the empty name is refused without a guess", "[named_choice]") {
  // Every name of up to two letters is two edits from "": no evidence of a misspelling.
  const auto short_names = parlayer::named_choices<Colour>({{Colour::red, "r"}, {Colour::green, "gr"}});
  CHECK(!short_names.find(""));
  CHECK(parse_error(short_names, "", "--colour") == "--colour = '': must be one of r, gr");
  CHECK(parse_error(colour_choices, "", "tracer.colour") == "tracer.colour = '': must be one of red, green, blue, light_grey");
}

TEST_CASE("named choices: the did-you-mean helpers the config parser shares", "[named_choice]") {
  namespace message = parlayer::message;
  CHECK(message::edit_distance("", "") == 0);
  CHECK(message::edit_distance("kitten", "sitting") == 3);
  CHECK(message::edit_distance("sfc", "") == 3);
  CHECK(message::misspelling_limit("sfc") == 2);
  CHECK(message::misspelling_limit("physics.gravty") == 4);
  const std::vector<std::string> names{"packed", "datatypes"};
  CHECK(message::nearest_name("pakced", names) == "packed");
  CHECK(message::nearest_name("types", names).empty());  // 4 edits from "datatypes": more than 2
  CHECK(message::nearest_name("", names).empty());
  CHECK(message::nearest_name("ab", {"aa", "bb"}) == "aa");  // the first of equals
  CHECK(message::did_you_mean("packed") == " (did you mean 'packed'?)");
  CHECK(message::did_you_mean("").empty());
  CHECK(message::not_one_of("pakced", names) == "must be one of packed, datatypes (did you mean 'packed'?)");
}
