#pragma once
/// \file
/// \brief Named choices: an enum's values and their names, written once per enum. Its to_string(),
///        the one_of() list of its config key and the parsing of a config value or a command-line
///        option all come from that one table.
///
///     enum class Backend { packed, datatypes };
///     inline constexpr auto backend_choices =
///         named_choices<Backend>({{Backend::packed, "packed"}, {Backend::datatypes, "datatypes"}});
///
///     backend_choices.name(Backend::packed)           // "packed" (what to_string(Backend) returns)
///     backend_choices.find("datatypes")               // Backend::datatypes; std::nullopt for another name
///     backend_choices.parse("pakced", "--backend")    // throws CollectiveError, one line:
///         --backend = 'pakced': must be one of packed, datatypes (did you mean 'packed'?)
///     schema.add_string("parallel.halo_backend", "packed", "...").one_of(backend_choices.names());
///     config.choice("parallel.halo_backend", backend_choices)   // runtime::Config: the error names the key
///
/// Also the text helpers of every one-line message that quotes user text: control characters
/// escaped (printable, in_quotes) and the did-you-mean suggestion (edit distance), shared with the
/// config parser's unknown-key messages. Header-only (parlayer::core): every module may use it,
/// domain included, and it needs no MPI.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parlayer/error.hpp"

namespace parlayer {

namespace message {

/// \brief Whether `c` is a control character (which would break a one-line message).
constexpr bool is_control(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

/// \brief A control character `c` as an escape: "\n", "\t", ..., else `other` (a printf format)
///        filled with its code ("\\x%02x" -> "\x1b" for messages, "\\u%04X" -> "\u001B" for TOML).
inline std::string escaped(char c, const char* other) {
  switch (c) {
    case '\b': return "\\b";
    case '\t': return "\\t";
    case '\n': return "\\n";
    case '\f': return "\\f";
    case '\r': return "\\r";
    default: break;
  }
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, other, static_cast<unsigned>(static_cast<unsigned char>(c)));
  return buffer;
}

/// \brief User text (a --set value, a file name, an option's argument) as it goes into a one-line
///        message: control characters (a newline inside a value, say) become visible escapes.
inline std::string printable(std::string_view s) {
  std::string out;
  for (const char c : s) out += is_control(c) ? escaped(c, "\\x%02x") : std::string(1, c);
  return out;
}

/// \brief 'text', printable. (Appended, not "'" + printable(s): GCC 12 warns falsely about that
///        form, -Wrestrict, once inlined.)
inline std::string in_quotes(std::string_view s) {
  std::string out = "'";
  out += printable(s);
  out += '\'';
  return out;
}

/// \brief Levenshtein distance: insertions, deletions and substitutions turning `a` into `b`.
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

/// \brief The largest edit distance at which a name is taken for a misspelling of `typed`: two
///        edits, or a third of its length for long text (a key like "physics.gravty").
inline std::size_t misspelling_limit(std::string_view typed) { return std::max<std::size_t>(2, typed.size() / 3); }

/// \brief The name of `names` nearest to `typed` within misspelling_limit (the first of equals),
///        or "" if none is that near. An empty `typed` gets none: any short name is two edits
///        from nothing, which is no evidence of a misspelling.
inline std::string nearest_name(std::string_view typed, const std::vector<std::string>& names) {
  if (typed.empty()) return "";
  std::string best;
  std::size_t best_distance = misspelling_limit(typed) + 1;
  for (const std::string& name : names)
    if (const std::size_t d = edit_distance(typed, name); d < best_distance) best = name, best_distance = d;
  return best;
}

/// \brief " (did you mean 'name'?)", or "" for an empty `name`.
inline std::string did_you_mean(std::string_view name) {
  return name.empty() ? "" : " (did you mean " + in_quotes(name) + "?)";
}

/// \brief "one of a, b, c".
inline std::string one_of(const std::vector<std::string>& names) {
  std::string out = "one of";
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : " ") + names[i];
  return out;
}

/// \brief Why `typed` is refused where one of `names` is expected:
///        "must be one of a, b, c (did you mean 'a'?)". The text of every such one-line error.
inline std::string not_one_of(std::string_view typed, const std::vector<std::string>& names) {
  return "must be " + one_of(names) + did_you_mean(nearest_name(typed, names));
}

}  // namespace message

/// \brief One entry of a NamedChoices table.
template <class E>
struct NamedValue {
  E value;
  const char* name;
};

/// \brief The values of `E` a user may choose, each with its name. `E` is an enum, or any
///        literal type with == (bool for a key of two named choices). Build it with
///        named_choices<E>({...}) as an `inline constexpr` next to the enum.
template <class E, std::size_t N>
class NamedChoices {
public:
  constexpr explicit NamedChoices(const NamedValue<E> (&entries)[N]) {
    for (std::size_t i = 0; i < N; ++i) m_entries[i] = entries[i];
  }

  /// \brief The name of `value`; "?" for a value the table lacks (a programming error, kept
  ///        quiet so to_string() can be noexcept).
  constexpr const char* name(E value) const noexcept {
    for (const NamedValue<E>& e : m_entries)
      if (e.value == value) return e.name;
    return "?";
  }
  /// \brief The value named `name` exactly, or std::nullopt.
  constexpr std::optional<E> find(std::string_view name) const noexcept {
    for (const NamedValue<E>& e : m_entries)
      if (name == e.name) return e.value;
    return std::nullopt;
  }
  /// \brief The value named `name`. `what` says what was being read: an option ("--backend"), a
  ///        config key, a call. For config keys runtime::Config::choice() says it as the config does.
  /// \throws CollectiveError "<what> = '<name>': must be one of a, b (did you mean 'a'?)".
  E parse(std::string_view name, std::string_view what) const {
    if (const std::optional<E> value = find(name)) return *value;
    throw CollectiveError(std::string(what) + " = " + message::in_quotes(name) + ": " + message::not_one_of(name, names()));
  }
  /// \brief Every name, in table order (for one_of(), CLI11's IsMember, messages).
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const NamedValue<E>& e : m_entries) out.emplace_back(e.name);
    return out;
  }
  constexpr const std::array<NamedValue<E>, N>& entries() const noexcept { return m_entries; }

private:
  std::array<NamedValue<E>, N> m_entries{};
};

/// \brief The table of `entries`, N deduced: named_choices<Backend>({{Backend::packed, "packed"}, ...}).
template <class E, std::size_t N>
constexpr NamedChoices<E, N> named_choices(const NamedValue<E> (&entries)[N]) {
  return NamedChoices<E, N>(entries);
}

}  // namespace parlayer
