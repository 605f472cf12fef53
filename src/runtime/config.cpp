#include "parlayer/runtime/config.hpp"

#include <CLI/CLI.hpp>
#include <toml.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "parlayer/parallel/collective.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::runtime {

namespace {

using TomlValue = toml::basic_value<toml::discard_comments, std::map, std::vector>;

// The one-line message helpers (quoting user text, did-you-mean) are parlayer::message's, shared with
// every named choice (named_choice.hpp).
using message::escaped;
using message::in_quotes;
using message::is_control;
using message::printable;

std::string number_text(double x) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, x);
  std::string text(buffer, result.ptr);
  if (std::isfinite(x) && text.find_first_of(".eE") == std::string::npos) text += ".0";
  return text;
}

std::string bound_text(double x) {
  // Bounds read better without a forced ".0": "must be >= 4".
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, x);
  return std::string(buffer, result.ptr);
}

// " (did you mean 'grid.nx'?)" or "".
std::string suggestion(const ConfigSchema& schema, const std::string& key) {
  const std::string name = key.substr(key.rfind('.') + 1);
  std::string best;
  std::size_t best_distance = message::misspelling_limit(key) + 1;
  for (const KeySpec& spec : schema.keys()) {
    std::size_t d = message::edit_distance(key, spec.key());
    if (spec.name() == name) d = std::min<std::size_t>(d, 1);  // right name, wrong table
    if (d < best_distance) best = spec.key(), best_distance = d;
    if (const std::size_t t = message::edit_distance(key, spec.table()); t < best_distance)  // a misspelt table
      best = spec.table(), best_distance = t;
  }
  return message::did_you_mean(best);
}

bool is_table_prefix(const ConfigSchema& schema, const std::string& path) {
  return std::any_of(schema.keys().begin(), schema.keys().end(),
                     [&](const KeySpec& s) { return s.key().rfind(path + ".", 0) == 0; });
}

std::string describe_type(const ValueType type) {
  switch (type) {
    case ValueType::boolean: return "a boolean (true or false)";
    case ValueType::integer: return "an integer";
    case ValueType::real: return "a number";
    case ValueType::string: return "a string";
    case ValueType::integer_list: return "a list of integers, e.g. [2, 1]";
    case ValueType::integer_or_string: return "an integer or a string";
  }
  return "?";
}

std::string describe_toml(const TomlValue& v) {
  switch (v.type()) {
    case toml::value_t::boolean: return std::string("a boolean (") + (v.as_boolean() ? "true" : "false") + ")";
    case toml::value_t::integer: return "an integer (" + std::to_string(v.as_integer()) + ")";
    case toml::value_t::floating: return "a float (" + number_text(v.as_floating()) + ")";
    case toml::value_t::string: return "a string (\"" + printable(v.as_string().str) + "\")";
    case toml::value_t::array: return "an array";
    case toml::value_t::table: return "a table";
    default: return "a date or time";
  }
}

// The TOML value as the key's type, or nullopt if it has another type.
std::optional<Value> from_toml(const KeySpec& spec, const TomlValue& v) {
  switch (spec.type()) {
    case ValueType::boolean:
      if (v.is_boolean()) return Value(v.as_boolean());
      break;
    case ValueType::integer:
      if (v.is_integer()) return Value(static_cast<std::int64_t>(v.as_integer()));
      break;
    case ValueType::real:
      if (v.is_floating()) return Value(v.as_floating());
      if (v.is_integer()) return Value(static_cast<double>(v.as_integer()));
      break;
    case ValueType::string:
      if (v.is_string()) return Value(v.as_string().str);
      break;
    case ValueType::integer_list:
      if (v.is_array()) {
        IntegerList list;
        for (const TomlValue& e : v.as_array()) {
          if (!e.is_integer()) return std::nullopt;
          list.push_back(static_cast<std::int64_t>(e.as_integer()));
        }
        return Value(std::move(list));
      }
      break;
    case ValueType::integer_or_string:
      if (v.is_integer()) return Value(static_cast<std::int64_t>(v.as_integer()));
      if (v.is_string()) return Value(v.as_string().str);
      break;
  }
  return std::nullopt;
}

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

template <class T>
bool parse_number(const std::string& text, T& out) {
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+') ++begin;
  const auto result = std::from_chars(begin, end, out);
  return result.ec == std::errc() && result.ptr == end && begin != end;
}

bool is_oversized_integer_text(const std::string& text);

// A --set value as the key's type, or nullopt.
std::optional<Value> from_text(const KeySpec& spec, std::string text) {
  text = trim(text);
  switch (spec.type()) {
    case ValueType::boolean:
      if (text == "true" || text == "on") return Value(true);
      if (text == "false" || text == "off") return Value(false);
      return std::nullopt;
    case ValueType::integer: {
      std::int64_t x = 0;
      if (parse_number(text, x)) return Value(x);
      return std::nullopt;
    }
    case ValueType::real: {
      double x = 0;
      if (parse_number(text, x)) return Value(x);
      return std::nullopt;
    }
    case ValueType::string:
      if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') && text.back() == text.front())
        text = text.substr(1, text.size() - 2);
      return Value(text);
    case ValueType::integer_list: {
      if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
      IntegerList list;
      std::string item;
      std::istringstream in(text);
      while (std::getline(in, item, ',')) {
        std::int64_t x = 0;
        if (!parse_number(trim(item), x)) return std::nullopt;
        list.push_back(x);
      }
      return Value(std::move(list));
    }
    case ValueType::integer_or_string: {
      std::int64_t x = 0;
      if (parse_number(text, x)) return Value(x);
      if (is_oversized_integer_text(text)) return std::nullopt;  // an integer, but beyond 64 bits
      if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') && text.back() == text.front())
        text = text.substr(1, text.size() - 2);
      return Value(text);
    }
  }
  return std::nullopt;
}

// toml11 parses arrays, inline tables and dotted keys recursively: a file nested some thousand
// levels deep (20 KB of '[') overflows the stack. A config needs a few levels, never this many.
constexpr int max_toml_nesting = 64;

// The first line at which `text` nests tables and arrays deeper than `limit` (0: nowhere), found
// without parsing and without recursion. Strings and comments are skipped; a table header or a
// dotted key counts one level per part, an array or inline table one level; every '[' or '{'
// outside strings counts, so malformed text errs on the deep side (toml11 then reports it).
std::uint32_t line_nested_too_deep(const std::string& text, int limit) {
  const std::size_t n = text.size();
  std::size_t i = 0;
  std::uint32_t line = 1;
  // Skips the string that starts at text[i]: '...', "...", '''...''' or """...""".
  auto skip_string = [&] {
    const char quote = text[i];
    const bool triple = i + 2 < n && text[i + 1] == quote && text[i + 2] == quote;
    i += triple ? 3 : 1;
    while (i < n) {
      const char c = text[i];
      if (c == '\n') {
        if (!triple) return;  // malformed: a one-line string ends with its line
        ++line;
      } else if (c == '\\' && quote == '"') {  // an escape: the next character ends nothing
        if (i + 1 < n && text[i + 1] == '\n') ++line;
        i += 2;
        continue;
      } else if (c == quote && (!triple || (i + 2 < n && text[i + 1] == quote && text[i + 2] == quote))) {
        i += triple ? 3 : 1;
        while (triple && i < n && text[i] == quote) ++i;  // """a"""" ends with a quote in the string
        return;
      }
      ++i;
    }
  };
  struct Open {
    bool array;
    int depth;
  };
  std::vector<Open> open;  // the arrays and inline tables around text[i]
  int table_depth = 0;     // of the last [table] header
  enum class Expect { statement, key, value, other } expect = Expect::statement;
  int pending = 0;  // the depth of an array or inline table that opens where a value is expected
  auto depth_here = [&] { return open.empty() ? table_depth : open.back().depth; };
  while (i < n) {
    const char c = text[i];
    if (c == '\n') {
      ++line, ++i;
      if (open.empty()) expect = Expect::statement;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (c == '#') {
      while (i < n && text[i] != '\n') ++i;
    } else if (expect == Expect::statement && c == '[') {  // [a.b] or [[a.b]]
      const bool array_of_tables = i + 1 < n && text[i + 1] == '[';
      i += array_of_tables ? 2 : 1;
      int parts = 1;
      while (i < n && text[i] != ']' && text[i] != '\n') {
        if (text[i] == '"' || text[i] == '\'') {
          skip_string();
          continue;
        }
        parts += text[i] == '.';
        ++i;
      }
      table_depth = parts + (array_of_tables ? 1 : 0);
      if (table_depth > limit) return line;
      expect = Expect::other;
    } else if (expect == Expect::statement || expect == Expect::key) {  // key parts up to '='
      int parts = 1;
      while (i < n && text[i] != '=' && text[i] != '\n' && text[i] != '#' && text[i] != '[' && text[i] != '{' &&
             text[i] != '}' && text[i] != ',') {
        if (text[i] == '"' || text[i] == '\'') {
          skip_string();
          continue;
        }
        parts += text[i] == '.';
        ++i;
      }
      pending = depth_here() + parts;
      if (pending > limit) return line;
      expect = Expect::other;
      if (i < n && text[i] == '=') ++i, expect = Expect::value;
    } else if (c == '[' || c == '{') {
      const int depth = expect == Expect::value ? pending : depth_here() + 1;
      if (depth > limit) return line;
      open.push_back({c == '[', depth});
      ++i;
      expect = c == '[' ? Expect::value : Expect::key;
      pending = depth + 1;
    } else if (c == ']' || c == '}') {
      if (!open.empty()) open.pop_back();
      ++i;
      expect = Expect::other;
    } else if (c == ',') {
      ++i;
      if (!open.empty()) {
        expect = open.back().array ? Expect::value : Expect::key;
        pending = open.back().depth + 1;
      }
    } else if (c == '"' || c == '\'') {
      skip_string();
      expect = Expect::other;
    } else {
      ++i;  // a number, boolean or date (or malformed text)
      if (expect == Expect::value) expect = Expect::other;
    }
  }
  return 0;
}

// toml11 reads an integer beyond 64 bits as the nearest limit, where the TOML specification
// requires an error. The literal's own text (from the value's location) is read again here:
// returns it if it does not fit in 64 bits, else "".
std::string oversized_literal(const TomlValue& v) {
  const toml::source_location where = v.location();
  const std::string& line = where.line_str();
  if (where.column() < 1 || where.column() - 1 + std::size_t{where.region()} > line.size()) return "";
  const std::string literal = line.substr(where.column() - 1, where.region());
  std::string digits;
  for (const char c : literal)
    if (c != '_') digits += c;
  std::size_t at = 0;
  const bool negative = !digits.empty() && digits[0] == '-';
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) at = 1;
  int base = 10;
  if (digits.size() > at + 1 && digits[at] == '0' && (digits[at + 1] == 'x' || digits[at + 1] == 'o' || digits[at + 1] == 'b')) {
    base = digits[at + 1] == 'x' ? 16 : digits[at + 1] == 'o' ? 8 : 2;
    at += 2;
  }
  std::uint64_t magnitude = 0;
  const char* end = digits.data() + digits.size();
  const auto result = std::from_chars(digits.data() + at, end, magnitude, base);
  if (result.ec == std::errc::result_out_of_range) return printable(literal);
  if (result.ec != std::errc() || result.ptr != end) return "";  // not the literal we expect: trust toml11
  const std::uint64_t largest = negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
  return magnitude > largest ? printable(literal) : "";
}

// An integer literal in `v` (or among its array entries) beyond 64 bits, or "".
std::string oversized_integer(const TomlValue& v) {
  if (v.is_integer()) return oversized_literal(v);
  if (v.is_array())
    for (const TomlValue& e : v.as_array())
      if (e.is_integer())
        if (std::string literal = oversized_literal(e); !literal.empty()) return literal;
  return "";
}

// A --set value that is an integer beyond 64 bits (from_chars says "out of range").
bool is_oversized_integer_text(const std::string& text) {
  std::int64_t x = 0;
  const std::string t = trim(text);
  const char* begin = t.data() + (!t.empty() && t[0] == '+' ? 1 : 0);
  const auto result = std::from_chars(begin, t.data() + t.size(), x);
  return result.ec == std::errc::result_out_of_range;
}

constexpr const char* int64_range = "TOML integers are -9223372036854775808 .. 9223372036854775807";

// Rank 0 reads the file; every rank gets its text or the same error.
std::string read_file_on_root(const std::string& path, parallel::Comm comm) {
  parallel::RootResult read = parallel::on_root(comm, [&] {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw Error("it is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(std::strerror(errno));
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) throw Error(std::strerror(errno));
    return content.str();
  });
  if (read.failure) throw CollectiveError("cannot read config file " + in_quotes(path) + ": " + *read.failure);
  return std::move(read.payload);
}

// toml11's multi-line syntax error as one line: "<what> (line N)".
std::string one_line_syntax_error(const toml::syntax_error& e) {
  std::string first(e.what());
  first = first.substr(0, first.find('\n'));
  if (first.rfind("[error] ", 0) == 0) first = first.substr(8);
  if (const auto colon = first.find(": "); first.rfind("toml::", 0) == 0 && colon != std::string::npos)
    first = first.substr(colon + 2);
  // The hint under the caret ("^--- should be `=`") helps; keep it.
  std::string hint;
  std::istringstream lines(e.what());
  for (std::string line; std::getline(lines, line);)
    if (const auto caret = line.find("--- "); caret != std::string::npos && line.find('|') != std::string::npos)
      hint = line.substr(caret + 4);
  return "line " + std::to_string(e.location().line()) + ": " + first + (hint.empty() ? "" : " (" + hint + ")");
}

}  // namespace

const char* to_string(ValueType type) noexcept {
  switch (type) {
    case ValueType::boolean: return "boolean";
    case ValueType::integer: return "integer";
    case ValueType::real: return "real";
    case ValueType::string: return "string";
    case ValueType::integer_list: return "integer list";
    case ValueType::integer_or_string: return "integer or string";
  }
  return "?";
}

std::string to_toml_text(const Value& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          return number_text(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          std::string out = "\"";  // a TOML basic string: every control character escaped
          for (const char c : v) {
            if (c == '"' || c == '\\') out += '\\';
            out += is_control(c) ? escaped(c, "\\u%04X") : std::string(1, c);
          }
          return out + "\"";
        } else {
          std::string out = "[";
          for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
          return out + "]";
        }
      },
      value);
}

// ---- KeySpec ----

KeySpec::KeySpec(std::string key, ValueType type, Value default_value, std::string meaning, std::string units)
    : m_key(std::move(key)), m_type(type), m_default(std::move(default_value)),
      m_meaning(std::move(meaning)), m_units(std::move(units)) {
  if (m_key.find('.') == std::string::npos || m_key.front() == '.' || m_key.back() == '.')
    throw std::logic_error("config schema: key " + in_quotes(m_key) + " must be table.name");
  const bool either = m_type == ValueType::integer_or_string &&
                      (std::holds_alternative<std::int64_t>(m_default) || std::holds_alternative<std::string>(m_default));
  if (!either && m_default.index() != static_cast<std::size_t>(m_type))
    throw std::logic_error("config schema: default of " + in_quotes(m_key) + " has the wrong type");
}

KeySpec& KeySpec::at_least(double bound) {
  m_min = bound;
  m_min_exclusive = false;
  return *this;
}
KeySpec& KeySpec::greater_than(double bound) {
  m_min = bound;
  m_min_exclusive = true;
  return *this;
}
KeySpec& KeySpec::at_most(double bound) {
  m_max = bound;
  return *this;
}
KeySpec& KeySpec::one_of(std::vector<std::string> choices) {
  m_choices = std::move(choices);
  return *this;
}
KeySpec& KeySpec::entries(std::size_t n) {
  m_entries = n;
  return *this;
}

std::string KeySpec::table() const { return m_key.substr(0, m_key.rfind('.')); }
std::string KeySpec::name() const { return m_key.substr(m_key.rfind('.') + 1); }

std::string KeySpec::constraint_text() const {
  std::string text = to_string(m_type);
  if (m_type == ValueType::integer_list && m_entries) text = "list of " + std::to_string(*m_entries) + " integers";
  if (m_type == ValueType::integer_list && (m_min || m_max)) text += ", each";
  if (m_min) text += std::string(m_min_exclusive ? " > " : " >= ") + bound_text(*m_min);
  if (m_max) text += (m_min ? " and <= " : " <= ") + bound_text(*m_max);
  if (!m_choices.empty()) text = message::one_of(m_choices);
  return text;
}

std::string KeySpec::check(const Value& value) const {
  auto in_range = [&](double x) {
    if (std::isnan(x)) return false;
    if (m_min && (m_min_exclusive ? !(x > *m_min) : !(x >= *m_min))) return false;
    if (m_max && !(x <= *m_max)) return false;
    return true;
  };
  switch (m_type) {
    case ValueType::integer:
      if (!in_range(static_cast<double>(std::get<std::int64_t>(value)))) return "must be an " + constraint_text();
      break;
    case ValueType::real: {
      const double x = std::get<double>(value);
      if (!std::isfinite(x)) return "must be a finite number";
      if (!in_range(x)) return "must be a " + constraint_text();
      break;
    }
    case ValueType::string:
      if (const std::string& name = std::get<std::string>(value);
          !m_choices.empty() && std::find(m_choices.begin(), m_choices.end(), name) == m_choices.end())
        return message::not_one_of(name, m_choices);
      break;
    case ValueType::integer_list: {
      const IntegerList& list = std::get<IntegerList>(value);
      if (m_entries && list.size() != *m_entries) return "must be a " + constraint_text();
      for (const std::int64_t x : list)
        if (!in_range(static_cast<double>(x))) return "must be a " + constraint_text();
      break;
    }
    case ValueType::integer_or_string:
      // "must be an integer >= 1 or a string"
      if (const auto* x = std::get_if<std::int64_t>(&value); x && !in_range(static_cast<double>(*x))) {
        std::string bounds;
        if (m_min) bounds += std::string(m_min_exclusive ? " > " : " >= ") + bound_text(*m_min);
        if (m_max) bounds += (m_min ? " and <= " : " <= ") + bound_text(*m_max);
        return "must be an integer" + bounds + " or a string";
      }
      if (const auto* name = std::get_if<std::string>(&value);
          name && !m_choices.empty() && std::find(m_choices.begin(), m_choices.end(), *name) == m_choices.end())
        return "must be an integer or " + constraint_text() +
               message::did_you_mean(message::nearest_name(*name, m_choices));
      break;
    case ValueType::boolean: break;
  }
  return "";
}

// ---- ConfigSchema ----

KeySpec& ConfigSchema::add(KeySpec spec) {
  if (find(spec.key())) throw std::logic_error("config schema: key " + in_quotes(spec.key()) + " declared twice");
  m_keys.push_back(std::move(spec));
  return m_keys.back();
}
KeySpec& ConfigSchema::add_bool(const std::string& key, bool default_value, std::string meaning) {
  return add(KeySpec(key, ValueType::boolean, default_value, std::move(meaning), ""));
}
KeySpec& ConfigSchema::add_int(const std::string& key, std::int64_t default_value, std::string meaning,
                               std::string units) {
  return add(KeySpec(key, ValueType::integer, default_value, std::move(meaning), std::move(units)));
}
KeySpec& ConfigSchema::add_real(const std::string& key, double default_value, std::string meaning,
                                std::string units) {
  return add(KeySpec(key, ValueType::real, default_value, std::move(meaning), std::move(units)));
}
KeySpec& ConfigSchema::add_string(const std::string& key, std::string default_value, std::string meaning) {
  return add(KeySpec(key, ValueType::string, std::move(default_value), std::move(meaning), ""));
}
KeySpec& ConfigSchema::add_int_list(const std::string& key, IntegerList default_value, std::string meaning) {
  return add(KeySpec(key, ValueType::integer_list, std::move(default_value), std::move(meaning), ""));
}
KeySpec& ConfigSchema::add_like(const KeySpec& model, const std::string& key, Value default_value, std::string meaning) {
  KeySpec spec(key, model.m_type, std::move(default_value), std::move(meaning), model.m_units);  // checks key, type
  spec.m_min = model.m_min;
  spec.m_max = model.m_max;
  spec.m_min_exclusive = model.m_min_exclusive;
  spec.m_choices = model.m_choices;
  spec.m_entries = model.m_entries;
  return add(std::move(spec));
}
KeySpec& ConfigSchema::add_int_or_string(const std::string& key, Value default_value, std::string meaning) {
  if (!std::holds_alternative<std::int64_t>(default_value) && !std::holds_alternative<std::string>(default_value))
    throw std::logic_error("config schema: key " + in_quotes(key) + ": the default must be an integer or a string");
  return add(KeySpec(key, ValueType::integer_or_string, std::move(default_value), std::move(meaning), ""));
}

const KeySpec* ConfigSchema::find(const std::string& key) const {
  for (const KeySpec& spec : m_keys)
    if (spec.key() == key) return &spec;
  return nullptr;
}

// ---- Config ----

Config::Config(const ConfigSchema& schema) : m_schema(&schema) {
  for (const KeySpec& spec : schema.keys()) {
    m_values.push_back(spec.default_value());
    m_origins.push_back("default");
  }
}

std::size_t Config::index_of(const std::string& key) const {
  const auto& keys = m_schema->keys();
  for (std::size_t k = 0; k < keys.size(); ++k)
    if (keys[k].key() == key) return k;
  throw std::logic_error("config: no key " + in_quotes(key) + " in the schema");
}

void Config::set(const KeySpec& spec, Value value, std::string origin) {
  const std::size_t index = index_of(spec.key());
  const std::string problem = spec.check(value);
  if (!problem.empty())
    throw CollectiveError("config key " + in_quotes(spec.key()) + " = " + to_toml_text(value) + " (" + origin +
                          "): " + problem);
  m_values[index] = std::move(value);
  m_origins[index] = std::move(origin);
}

void Config::apply_setting(const std::string& setting, const std::string& origin) {
  const auto equals = setting.find('=');
  if (equals == std::string::npos)
    throw CollectiveError(origin + " " + in_quotes(setting) + ": expected KEY=VALUE, e.g. --set grid.nx=512");
  const std::string key = trim(setting.substr(0, equals));
  const std::string text = setting.substr(equals + 1);
  const KeySpec* spec = m_schema->find(key);
  const std::string where = origin + " " + printable(setting);  // also the origin in to_toml()'s comments
  if (!spec)
    throw CollectiveError("unknown config key " + in_quotes(key) + " (" + where + ")" + suggestion(*m_schema, key) +
                          "; --help lists every key");
  set_from_text(*spec, text, where);
}

void Config::set_from_text(const KeySpec& spec, const std::string& text, const std::string& where) {
  const std::string& key = spec.key();
  std::optional<Value> value = from_text(spec, text);
  if (!value && (spec.type() == ValueType::integer || spec.type() == ValueType::integer_list ||
                 spec.type() == ValueType::integer_or_string)) {
    std::vector<std::string> items{text};  // say so if what failed is an integer beyond 64 bits
    if (spec.type() == ValueType::integer_list) {
      items.clear();
      std::istringstream list(text);
      for (std::string item; std::getline(list, item, ',');) {
        item = trim(item);
        if (!item.empty() && item.front() == '[') item.erase(0, 1);
        if (!item.empty() && item.back() == ']') item.pop_back();
        items.push_back(item);
      }
    }
    for (const std::string& item : items)
      if (is_oversized_integer_text(item))
        throw CollectiveError("config key " + in_quotes(key) + " (" + where + "): integer " + printable(trim(item)) +
                              " does not fit in 64 bits (" + int64_range + ")");
  }
  if (!value)
    throw CollectiveError("config key " + in_quotes(key) + " (" + where + "): expected " + describe_type(spec.type()) +
                          ", got " + in_quotes(trim(text)));
  set(spec, std::move(*value), where);
}

Config Config::from_settings(const ConfigSchema& schema, const std::vector<std::string>& settings) {
  Config config(schema);
  for (const std::string& s : settings) config.apply_setting(s, "--set");
  return config;
}

Config Config::load(const ConfigSchema& schema, const ProgramInfo& info, int argc, const char* const* argv,
                    parallel::Comm comm) {
  Config config(schema);

  // 1. The command line (identical on every rank, so every rank reaches the same verdict).
  CLI::App cli{info.description, info.name};
  cli.set_help_flag();  // our own --help lists the config keys too
  bool help = false;
  std::vector<std::string> settings;
  std::optional<std::string> steps;  // text: read like `--set <steps key>=N`, with its range checks
  std::optional<std::string> output;
  cli.add_flag("-h,--help", help, "print this help and exit");
  cli.add_option("--config", config.m_file, "TOML config file");
  cli.add_option("--set", settings, "KEY=VALUE")->allow_extra_args(false);
  if (!info.steps_key.empty())
    cli.add_option("--steps", steps, "time steps")->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  if (!info.output_key.empty())
    cli.add_option("--output", output, "output folder")->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  cli.add_option("--restart", config.m_restart, "latest|PATH");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    what = what.substr(0, what.find('\n'));
    throw CollectiveError("command line: " + what + " (see --help)");
  }
  if (help) {
    int rank = 0;
    PARLAYER_MPI_CHECK(MPI_Comm_rank(comm, &rank));
    if (rank == 0) {
      const std::string text = help_text(schema, info);
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
    }
    config.m_help = true;
    return config;
  }

  // An empty name is a mistake (a variable that was never set, say), never "not given".
  if (cli.count("--config") > 0 && config.m_file.empty())
    throw CollectiveError("command line: --config needs a file name, got an empty string (see --help)");
  if (cli.count("--restart") > 0 && config.m_restart.empty())
    throw CollectiveError("command line: --restart needs 'latest' or a snapshot file, got an empty string "
                          "(see --help)");

  // 2. The file: read on rank 0, parsed everywhere.
  if (!config.m_file.empty()) {
    const std::string text = read_file_on_root(config.m_file, comm);
    if (const std::uint32_t line = line_nested_too_deep(text, max_toml_nesting))
      throw CollectiveError("malformed TOML in " + printable(config.m_file) + " line " + std::to_string(line) +
                            ": tables and arrays nested deeper than " + std::to_string(max_toml_nesting) +
                            " levels (a config needs a few)");
    TomlValue root;
    try {
      std::istringstream in(text);
      root = toml::parse<toml::discard_comments, std::map, std::vector>(in, config.m_file);
    } catch (const toml::syntax_error& e) {
      throw CollectiveError("malformed TOML in " + printable(config.m_file) + " " + one_line_syntax_error(e));
    } catch (const std::exception& e) {
      std::string what = e.what();
      throw CollectiveError("malformed TOML in " + printable(config.m_file) + ": " + what.substr(0, what.find('\n')));
    }
    // Every problem, reported by its line: the first one in the file, and how many more.
    std::vector<std::pair<std::uint32_t, std::string>> problems;
    std::vector<std::tuple<std::uint32_t, const KeySpec*, Value>> found;
    auto walk = [&](auto&& self, const TomlValue& table, const std::string& prefix) -> void {
      for (const auto& [name, v] : table.as_table()) {
        const std::string path = prefix.empty() ? name : prefix + "." + name;
        const std::uint32_t line = v.location().line();
        const std::string where = printable(config.m_file) + " line " + std::to_string(line);
        if (const KeySpec* spec = schema.find(path)) {
          if (const std::string literal = oversized_integer(v); !literal.empty())
            problems.emplace_back(line, "config key " + in_quotes(path) + " (" + where + "): integer " + literal +
                                            " does not fit in 64 bits (" + int64_range + ")");
          else if (std::optional<Value> value = from_toml(*spec, v))
            found.emplace_back(line, spec, std::move(*value));
          else
            problems.emplace_back(line, "config key " + in_quotes(path) + " (" + where + "): expected " +
                                            describe_type(spec->type()) + ", got " + describe_toml(v));
        } else if (v.is_table() && is_table_prefix(schema, path)) {
          self(self, v, path);
        } else {
          problems.emplace_back(line, std::string("unknown config ") + (v.is_table() ? "table " : "key ") +
                                          in_quotes(path) + " (" + where + ")" + suggestion(schema, path) +
                                          "; --help lists every key");
        }
      }
    };
    walk(walk, root, "");
    if (!problems.empty()) {
      std::sort(problems.begin(), problems.end());
      std::string message = problems.front().second;
      if (problems.size() > 1) message += " (and " + std::to_string(problems.size() - 1) + " more problems)";
      throw CollectiveError(message);
    }
    std::sort(found.begin(), found.end(),
              [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
    for (auto& [line, spec, value] : found)
      config.set(*spec, std::move(value), printable(config.m_file) + " line " + std::to_string(line));
  }

  // 3. Overrides, in order.
  for (const std::string& s : settings) config.apply_setting(s, "--set");
  auto spec_of = [&](const std::string& key) -> const KeySpec& {
    const KeySpec* spec = schema.find(key);
    if (!spec) throw std::logic_error("config: key " + in_quotes(key) + " of an option is not in the schema");
    return *spec;
  };
  if (steps) config.set_from_text(spec_of(info.steps_key), *steps, "--steps " + printable(*steps));
  if (output) config.set(spec_of(info.output_key), Value(*output), "--output");
  return config;
}

const Value& Config::value(const std::string& key) const { return m_values[index_of(key)]; }

const std::string& Config::origin(const std::string& key) const { return m_origins[index_of(key)]; }

const Value& Config::typed(const std::string& key, ValueType type) const {
  const Value& v = value(key);
  if (v.index() != static_cast<std::size_t>(type))
    throw std::logic_error("config: key " + in_quotes(key) + " is not of type " + to_string(type));
  return v;
}

bool Config::boolean(const std::string& key) const { return std::get<bool>(typed(key, ValueType::boolean)); }
std::int64_t Config::integer(const std::string& key) const {
  return std::get<std::int64_t>(typed(key, ValueType::integer));
}
double Config::real(const std::string& key) const { return std::get<double>(typed(key, ValueType::real)); }
const std::string& Config::string(const std::string& key) const {
  return std::get<std::string>(typed(key, ValueType::string));
}
const IntegerList& Config::integer_list(const std::string& key) const {
  return std::get<IntegerList>(typed(key, ValueType::integer_list));
}

CollectiveError Config::does_not_fit(const std::string& key, std::int64_t number, bool is_signed,
                                     std::size_t bytes) const {
  const int bits = static_cast<int>(8 * bytes);
  const std::string lowest = is_signed ? "-" + std::to_string(std::uint64_t{1} << (bits - 1)) : "0";
  const std::uint64_t highest = is_signed ? (std::uint64_t{1} << (bits - 1)) - 1
                                          : bits == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
  const bool list = value(key).index() == static_cast<std::size_t>(ValueType::integer_list);
  return error(key, std::string(list ? "entry " + std::to_string(number) + " " : "") + "does not fit the " +
                        std::to_string(bits) + "-bit " + (is_signed ? "" : "unsigned ") + "integer it is used as (" +
                        lowest + " .. " + std::to_string(highest) + ")");
}

CollectiveError Config::error(const std::string& key, const std::string& what) const {
  return CollectiveError("config key " + in_quotes(key) + " = " + to_toml_text(value(key)) + " (" + origin(key) +
                         "): " + what);
}

std::string Config::to_toml() const {
  std::string out;
  std::string table;
  for (std::size_t k = 0; k < m_values.size(); ++k) {
    const KeySpec& spec = m_schema->keys()[k];
    if (spec.table() != table) {
      table = spec.table();
      out += (out.empty() ? "[" : "\n[") + table + "]\n";
    }
    out += spec.name() + " = " + to_toml_text(m_values[k]);
    if (m_origins[k] != "default") out += "  # " + m_origins[k];
    out += "\n";
  }
  return out;
}

std::string Config::help_text(const ConfigSchema& schema, const ProgramInfo& info) {
  std::string out = info.name + ": " + info.description + "\n\n";
  out += "Usage: mpirun -np N " + info.name + " [options]\n\nOptions:\n";
  auto option = [&](const std::string& name, const std::string& meaning) {
    std::string line = "  " + name;
    line.resize(std::max<std::size_t>(line.size() + 1, 26), ' ');
    out += line + meaning + "\n";
  };
  option("-h, --help", "print this help (options and every config key) and exit");
  option("--config FILE", "read config keys from a TOML file (key a.b = key b of table [a])");
  option("--set KEY=VALUE", "override one config key; repeatable; applied after --config, in order");
  if (!info.steps_key.empty()) option("--steps N", "the same as --set " + info.steps_key + "=N");
  if (!info.output_key.empty()) option("--output DIR", "the same as --set " + info.output_key + "=DIR");
  option("--restart latest|PATH", "continue from the newest valid snapshot, or from PATH");
  if (!info.examples.empty()) out += "\nExamples:\n" + info.examples;
  out += "\nConfig keys (\"key = default  meaning [units]; accepted values\"):\n";
  std::string table;
  for (const KeySpec& spec : schema.keys()) {
    if (spec.table() != table) {
      table = spec.table();
      out += "  [" + table + "]\n";
    }
    std::string line = "    " + spec.name() + " = " + to_toml_text(spec.default_value());
    line.resize(std::max<std::size_t>(line.size() + 2, 34), ' ');
    line += spec.meaning();
    if (!spec.units().empty()) line += " [" + spec.units() + "]";
    if (spec.type() != ValueType::string || !spec.constraint_text().starts_with("string"))
      line += "; " + spec.constraint_text();
    out += line + "\n";
  }
  return out;
}

}  // namespace parlayer::runtime
