#pragma once
/// \file
/// \brief Run-time configuration: a schema of typed keys, read from a TOML file and the command line.
///
/// A program declares every key it understands, with type, default, meaning and valid range:
///
///     runtime::ConfigSchema schema;
///     schema.add_int("grid.nx", 256, "cells along x (periodic)").at_least(4);
///     schema.add_real("time.dt", 60.0, "time step", "s").at_least(0.0);
///     schema.add_string("initial.name", "jet", "initial condition").one_of({"jet", "dam_break"});
///     const runtime::Config config = runtime::Config::load(schema, info, argc, argv, comm);
///     if (config.help_requested()) return 0;
///     const int nx = config.integer_as<int>("grid.nx");   // a value beyond int is an error
///
/// The command line (one contract for every parlayer program):
///
///     --config FILE        a TOML file; keys "a.b" are key b of table [a]
///     --set KEY=VALUE      override any key (repeatable; after the file, in order)
///     --steps N            the same as --set <steps key>=N
///     --output DIR         the same as --set <output key>=DIR
///     --restart latest|PATH  stored for the program (restart_request())
///     -h, --help           every option and every key with its default and meaning
///
/// Precedence, lowest first: schema default, file, --set (in order), --steps/--output.
///
/// Every mistake (unknown option or key, wrong type, value out of range, unreadable file,
/// malformed TOML, an integer beyond 64 bits, tables or arrays nested deeper than 64 levels, an
/// empty --config or --restart) is a CollectiveError with one line naming the key and where it
/// came from: rank 0 reads the file and broadcasts its text, and every rank parses the same text,
/// so every rank reaches the same verdict. User text in a message (a --set value, a file name) has
/// its control characters escaped ("\n"), so a message is always one line. A key the program
/// narrows (to `int`, say) is read with integer_as<int>(), which refuses a value beyond the type.
#include <concepts>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "parlayer/error.hpp"
#include "parlayer/named_choice.hpp"
#include "parlayer/parallel/comm.hpp"

namespace parlayer::runtime {

/// integer_or_string: a key that is either a count or a name, e.g. `[layout] land = 2` (ranks of
/// its own) or `land = "atmosphere"` (on the atmosphere's ranks); its Value holds an int64_t or a
/// string, and bounds (at_least, ...) apply to the integer, one_of to the string.
enum class ValueType { boolean, integer, real, string, integer_list, integer_or_string };

/// \brief "boolean", "integer", "real", "string", "integer list", "integer or string".
const char* to_string(ValueType type) noexcept;

using IntegerList = std::vector<std::int64_t>;
/// \brief A config value; the alternative matches the key's ValueType (for integer_or_string:
///        std::int64_t or std::string).
using Value = std::variant<bool, std::int64_t, double, std::string, IntegerList>;

/// \brief One key of a schema: what it is and what values it accepts.
class KeySpec {
public:
  KeySpec(std::string key, ValueType type, Value default_value, std::string meaning, std::string units);

  /// \brief Numbers (and each list entry): value >= bound.
  KeySpec& at_least(double bound);
  /// \brief Numbers (and each list entry): value <= bound.
  KeySpec& at_most(double bound);
  /// \brief Numbers: value > bound.
  KeySpec& greater_than(double bound);
  /// \brief Strings: one of `choices`.
  KeySpec& one_of(std::vector<std::string> choices);
  /// \brief Lists: exactly `n` entries.
  KeySpec& entries(std::size_t n);

  const std::string& key() const noexcept { return m_key; }
  ValueType type() const noexcept { return m_type; }
  const Value& default_value() const noexcept { return m_default; }
  const std::string& meaning() const noexcept { return m_meaning; }
  const std::string& units() const noexcept { return m_units; }
  /// \brief The table part of the key ("grid" for "grid.nx"), and the name within it ("nx").
  std::string table() const;
  std::string name() const;
  /// \brief The accepted values in words, e.g. "integer >= 4", "one of jet, dam_break".
  std::string constraint_text() const;
  /// \brief Empty if `value` (of the right type) is acceptable, else why not ("must be >= 4").
  std::string check(const Value& value) const;

private:
  friend class ConfigSchema;  // add_like copies a spec under another name
  std::string m_key;
  ValueType m_type;
  Value m_default;
  std::string m_meaning;
  std::string m_units;
  std::optional<double> m_min, m_max;
  bool m_min_exclusive = false;
  std::vector<std::string> m_choices;
  std::optional<std::size_t> m_entries;
};

/// \brief Every key a program understands, in declaration order (the order of --help and of the
///        echoed config). Keys are "table.name" (nested tables allowed: "a.b.c").
class ConfigSchema {
public:
  KeySpec& add_bool(const std::string& key, bool default_value, std::string meaning);
  KeySpec& add_int(const std::string& key, std::int64_t default_value, std::string meaning,
                   std::string units = "");
  KeySpec& add_real(const std::string& key, double default_value, std::string meaning,
                    std::string units = "");
  KeySpec& add_string(const std::string& key, std::string default_value, std::string meaning);
  KeySpec& add_int_list(const std::string& key, IntegerList default_value, std::string meaning);
  /// \brief A key whose value is an integer or a string (a TOML integer or string; on the command
  ///        line, text that reads as an integer is one). Read it with Config::value() and
  ///        std::holds_alternative, then integer() or string().
  KeySpec& add_int_or_string(const std::string& key, Value default_value, std::string meaning);
  /// \brief A key like `model` (its type, units, bounds, choices and list length) under the name
  ///        `key`, with its own default and meaning: e.g. another program's key inside a table of
  ///        this one ("ocean.time.dt" like the climate's "time.dt"), checked as the original is.
  KeySpec& add_like(const KeySpec& model, const std::string& key, Value default_value, std::string meaning);

  /// \brief The key's spec, or nullptr.
  const KeySpec* find(const std::string& key) const;
  const std::deque<KeySpec>& keys() const noexcept { return m_keys; }

private:
  KeySpec& add(KeySpec spec);
  std::deque<KeySpec> m_keys;  // a deque: references returned by add() stay valid
};

/// \brief What --help prints above the key list, and which keys --steps and --output set.
struct ProgramInfo {
  std::string name;         ///< "parlayer-climate"
  std::string description;  ///< one paragraph
  std::string examples;     ///< sample runs, printed after the options
  std::string steps_key;    ///< key set by --steps (empty: no --steps option)
  std::string output_key;   ///< key set by --output (empty: no --output option)
};

/// \brief The effective configuration: a value for every key of the schema. Immutable; refers to
///        its schema, which must outlive it.
class Config {
public:
  /// \brief Parses the command line and the config file; see the file comment. Collective over
  ///        `comm`. With --help, rank 0 prints the help and help_requested() is true.
  /// \throws CollectiveError (one line) for any mistake in the options, the file or a value.
  static Config load(const ConfigSchema& schema, const ProgramInfo& info, int argc,
                     const char* const* argv, parallel::Comm comm);

  /// \brief The values of the schema's defaults, overridden by `settings` ("key=value" each, as
  ///        --set). Local. For tests and programs without a command line.
  static Config from_settings(const ConfigSchema& schema, const std::vector<std::string>& settings);

  bool help_requested() const noexcept { return m_help; }
  /// \brief The --restart argument ("" when not given).
  const std::string& restart_request() const noexcept { return m_restart; }
  /// \brief The --config file ("" when not given).
  const std::string& file() const noexcept { return m_file; }

  /// Typed access. \throws std::logic_error if the key is not in the schema or has another type
  ///  (a programming error, not a user's).
  bool boolean(const std::string& key) const;
  std::int64_t integer(const std::string& key) const;
  double real(const std::string& key) const;
  const std::string& string(const std::string& key) const;
  const IntegerList& integer_list(const std::string& key) const;
  const Value& value(const std::string& key) const;

  /// \brief An integer key as the type the program uses it as (e.g. `int`): every integer key
  ///        that is narrowed is read this way, so a value beyond that type is an error, never a
  ///        silent truncation. Local.
  /// \throws CollectiveError (every rank has the same config) naming the key, its value and the
  ///         type's range if the value does not fit; std::logic_error as integer().
  template <std::integral T>
  T integer_as(const std::string& key) const {
    const std::int64_t x = integer(key);
    if (!std::in_range<T>(x)) throw does_not_fit(key, x, std::numeric_limits<T>::is_signed, sizeof(T));
    return static_cast<T>(x);
  }
  /// \brief An integer list key with every entry as T; as integer_as().
  template <std::integral T>
  std::vector<T> integer_list_as(const std::string& key) const {
    std::vector<T> out;
    for (const std::int64_t x : integer_list(key)) {
      if (!std::in_range<T>(x)) throw does_not_fit(key, x, std::numeric_limits<T>::is_signed, sizeof(T));
      out.push_back(static_cast<T>(x));
    }
    return out;
  }
  /// \brief A string key as the enum value `choices` names it (declare the key with
  ///        one_of(choices.names()), so the schema already refused any other name). Local.
  /// \throws CollectiveError naming the key, as the schema does, for a name not in `choices`;
  ///         std::logic_error as string().
  template <class E, std::size_t N>
  E choice(const std::string& key, const NamedChoices<E, N>& choices) const {
    const std::string& name = string(key);
    if (const std::optional<E> value = choices.find(name)) return *value;
    throw error(key, message::not_one_of(name, choices.names()));
  }
  /// \brief Where the key's value came from.
  const std::string& origin(const std::string& key) const;

  /// \brief A CollectiveError about `key`: "config key 'time.dt' = 500 (jet.toml line 9): <what>".
  ///        Throw it only where every rank reaches the same verdict.
  [[nodiscard]] CollectiveError error(const std::string& key, const std::string& what) const;

  /// \brief The effective configuration as TOML (every key, grouped by table, with a comment
  ///        stating where each non-default value came from). Parses back to the same values.
  std::string to_toml() const;

  /// \brief The --help text: usage, options, program examples, and every key with default and
  ///        meaning. Local.
  static std::string help_text(const ConfigSchema& schema, const ProgramInfo& info);

  const ConfigSchema& schema() const noexcept { return *m_schema; }

private:
  explicit Config(const ConfigSchema& schema);
  std::size_t index_of(const std::string& key) const;
  void set(const KeySpec& spec, Value value, std::string origin);
  void apply_setting(const std::string& setting, const std::string& origin);
  void set_from_text(const KeySpec& spec, const std::string& text, const std::string& where);
  const Value& typed(const std::string& key, ValueType type) const;
  CollectiveError does_not_fit(const std::string& key, std::int64_t value, bool is_signed, std::size_t bytes) const;

  const ConfigSchema* m_schema;
  std::vector<Value> m_values;        // parallel to m_schema->keys()
  std::vector<std::string> m_origins;  // parallel to m_schema->keys()
  bool m_help = false;
  std::string m_restart;
  std::string m_file;
};

/// \brief A value as TOML text ("256", "6.0e3", "\"jet\"", "[2, 1]"). Local.
std::string to_toml_text(const Value& value);

}  // namespace parlayer::runtime
