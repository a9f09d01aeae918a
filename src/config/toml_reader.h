// Internal to pd_config: strict reading of a parsed TOML document. A `Node` is one table
// with its dotted path; every accessor checks type and presence and reports one specific
// line ("config/specs/x.toml:14: unknown key 'head.crown_yy'"). Failures are thrown as
// ConfigFailure inside a parser and turned into pd::Error by parse_document(), so no
// exception leaves the library.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml.hpp>

#include "common/result.h"
#include "domain/spec_profile.h"

namespace pd::config::detail {

struct ConfigFailure {
    std::string message;  // already prefixed with the origin
};

// A short rendering of a TOML value for messages: 12, 2.5, "text", [50, 110], table.
std::string describe(const toml::value& v);
const char* type_name(const toml::value& v);
std::string format_number(double v);

class Node {
public:
    Node(const toml::value& table, std::string path, std::string origin);

    const std::string& path() const { return path_; }
    const std::string& origin() const { return origin_; }
    std::string key_path(std::string_view key) const;  // "head.crown_y"

    // Fails naming the first (by line) key not in `allowed`: "unknown key 'x.y'" or
    // "unknown table 'x.y'".
    void allow_only(std::initializer_list<std::string_view> allowed) const;

    bool has(std::string_view key) const;
    const toml::value& require(std::string_view key) const;  // fails "missing key 'x.y'"
    Node table(std::string_view key) const;                    // required sub-table

    std::int64_t integer(std::string_view key) const;           // TOML integer only
    int int_in(std::string_view key, std::int64_t lo, std::int64_t hi) const;
    int positive_int(std::string_view key) const;               // 1 .. INT_MAX
    double number(std::string_view key) const;                  // integer or finite float
    double number_in(std::string_view key, double lo, double hi) const;
    double positive_number(std::string_view key) const;         // > 0
    std::string string(std::string_view key) const;             // non-empty string
    bool boolean(std::string_view key, bool fallback) const;    // optional
    domain::Range range(std::string_view key) const;            // [min, max], 0 <= min <= max

    // Entries of this table in file order.
    std::vector<std::pair<std::string, const toml::value*>> entries() const;

    // "origin:LINE: <key path> = <value>: <problem>"
    [[noreturn]] void fail_value(std::string_view key, const std::string& problem) const;
    // "origin:LINE: <problem>", line of `at` when known.
    [[noreturn]] void fail_at(const toml::value& at, const std::string& problem) const;
    [[noreturn]] void fail(const std::string& problem) const;  // "origin[:LINE of table]: problem"

private:
    const toml::value& table_;
    std::string path_;
    std::string origin_;
};

// Where `v` is in the file: "origin:LINE" or just "origin".
std::string where(const toml::value& v, const std::string& origin);

// Parses `text` as TOML and runs `build` on the root table, turning syntax errors,
// ConfigFailure and any library exception into ErrorCode::ConfigInvalid.
Status parse_document(std::string_view text, std::string_view origin,
                      const std::function<void(const Node& root)>& build);

// Reads a whole file; NotFound naming the path when it does not exist.
Result<std::string> read_text_file(const std::string& path);

// config_dir/relative as a string.
std::string join_path(const std::string& config_dir, const std::string& relative);

// Reads `path` and hands its text to `parse(text, path)`.
template <class T, class Parse>
Result<T> load_file(const std::string& path, Parse parse) {
    Result<std::string> text = read_text_file(path);
    if (!text) return text.error();
    return parse(*text, path);
}

}  // namespace pd::config::detail
