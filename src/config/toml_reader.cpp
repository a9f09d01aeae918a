#include "config/toml_reader.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace pd::config::detail {

namespace {

std::string first_line(std::string_view text) {
    const std::size_t nl = text.find('\n');
    return std::string(text.substr(0, nl));
}

// toml11 writes multi-line, coloured diagnostics; keep "problem (hint)" on one line.
std::string one_line_syntax_error(const std::string& what) {
    std::string head = first_line(what);
    if (head.rfind("[error] ", 0) == 0) head = head.substr(8);
    if (head.rfind("toml::", 0) == 0) {
        const std::size_t colon = head.find(": ");
        if (colon != std::string::npos) head = head.substr(colon + 2);
    }
    std::string hint;
    std::istringstream lines(what);
    for (std::string line; std::getline(lines, line);) {
        std::size_t mark = line.find("^---");
        if (mark != std::string::npos) {
            hint = line.substr(mark + 4);
        } else if ((mark = line.find("~~~")) != std::string::npos) {
            const std::size_t end = line.find_first_not_of('~', mark);
            hint = end == std::string::npos ? "" : line.substr(end);
        }
    }
    while (!hint.empty() && hint.front() == ' ') hint.erase(hint.begin());
    while (!hint.empty() && (hint.back() == '.' || hint.back() == ' ')) hint.pop_back();
    while (!head.empty() && (head.back() == '.' || head.back() == ' ')) head.pop_back();
    return hint.empty() ? head : head + " (" + hint + ")";
}

}  // namespace

std::string format_number(double v) {
    char buf[64];
    if (std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 1e15)
        std::snprintf(buf, sizeof buf, "%.0f", v);
    else
        std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

const char* type_name(const toml::value& v) {
    switch (v.type()) {
        case toml::value_t::empty: return "nothing";
        case toml::value_t::boolean: return "boolean";
        case toml::value_t::integer: return "integer";
        case toml::value_t::floating: return "float";
        case toml::value_t::string: return "string";
        case toml::value_t::offset_datetime:
        case toml::value_t::local_datetime: return "date-time";
        case toml::value_t::local_date: return "date";
        case toml::value_t::local_time: return "time";
        case toml::value_t::array: return "array";
        case toml::value_t::table: return "table";
    }
    return "value";
}

std::string describe(const toml::value& v) {
    switch (v.type()) {
        case toml::value_t::boolean: return v.as_boolean() ? "true" : "false";
        case toml::value_t::integer: return std::to_string(v.as_integer());
        case toml::value_t::floating: return format_number(v.as_floating());
        case toml::value_t::string: {
            std::string s = v.as_string().str;
            if (s.size() > 40) s = s.substr(0, 37) + "...";
            return "\"" + s + "\"";
        }
        case toml::value_t::array: {
            std::string out = "[";
            const auto& a = v.as_array();
            for (std::size_t i = 0; i < a.size(); ++i) {
                if (i == 6) { out += ", ..."; break; }
                out += (i ? ", " : "") + describe(a[i]);
            }
            return out + "]";
        }
        case toml::value_t::table: return "{table}";
        default: return type_name(v);
    }
}

std::string where(const toml::value& v, const std::string& origin) {
    const auto line = v.location().line();
    if (line == 0) return origin;
    return origin + ":" + std::to_string(line);
}

Node::Node(const toml::value& table, std::string path, std::string origin)
    : table_(table), path_(std::move(path)), origin_(std::move(origin)) {
    if (!table_.is_table()) fail_at(table_, "'" + path_ + "' must be a table, got " + type_name(table_));
}

std::string Node::key_path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void Node::fail(const std::string& problem) const {
    if (path_.empty()) throw ConfigFailure{origin_ + ": " + problem};
    fail_at(table_, problem);
}

void Node::fail_at(const toml::value& at, const std::string& problem) const {
    throw ConfigFailure{where(at, origin_) + ": " + problem};
}

void Node::fail_value(std::string_view key, const std::string& problem) const {
    const toml::value& v = require(key);
    fail_at(v, key_path(key) + " = " + describe(v) + ": " + problem);
}

std::vector<std::pair<std::string, const toml::value*>> Node::entries() const {
    std::vector<std::pair<std::string, const toml::value*>> out;
    for (const auto& [k, v] : table_.as_table()) out.emplace_back(k, &v);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        const auto la = a.second->location().line(), lb = b.second->location().line();
        return la != lb ? la < lb : a.first < b.first;
    });
    return out;
}

void Node::allow_only(std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, value] : entries()) {
        if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
        const bool is_table = value->is_table() ||
                              (value->is_array() && !value->as_array().empty() &&
                               value->as_array().front().is_table());
        fail_at(*value, std::string(is_table ? "unknown table '" : "unknown key '") + key_path(key) + "'");
    }
}

bool Node::has(std::string_view key) const { return table_.as_table().count(std::string(key)) != 0; }

const toml::value& Node::require(std::string_view key) const {
    const auto& t = table_.as_table();
    auto it = t.find(std::string(key));
    if (it == t.end()) fail("missing key '" + key_path(key) + "'");
    return it->second;
}

Node Node::table(std::string_view key) const {
    const auto& t = table_.as_table();
    auto it = t.find(std::string(key));
    if (it == t.end()) fail("missing table '" + key_path(key) + "'");
    if (!it->second.is_table())
        fail_at(it->second, "'" + key_path(key) + "' must be a table, got " + type_name(it->second));
    return Node(it->second, key_path(key), origin_);
}

std::int64_t Node::integer(std::string_view key) const {
    const toml::value& v = require(key);
    if (!v.is_integer()) fail_value(key, std::string("must be an integer, got ") + type_name(v));
    return v.as_integer();
}

int Node::int_in(std::string_view key, std::int64_t lo, std::int64_t hi) const {
    const std::int64_t v = integer(key);
    if (v < lo || v > hi) fail_value(key, "must be within " + std::to_string(lo) + ".." + std::to_string(hi));
    return static_cast<int>(v);
}

int Node::positive_int(std::string_view key) const {
    const std::int64_t v = integer(key);
    if (v <= 0) fail_value(key, "must be > 0");
    if (v > INT_MAX) fail_value(key, "is too large");
    return static_cast<int>(v);
}

double Node::number(std::string_view key) const {
    const toml::value& v = require(key);
    if (v.is_integer()) return static_cast<double>(v.as_integer());
    if (!v.is_floating()) fail_value(key, std::string("must be a number, got ") + type_name(v));
    if (!std::isfinite(v.as_floating())) fail_value(key, "must be a finite number");
    return v.as_floating();
}

double Node::number_in(std::string_view key, double lo, double hi) const {
    const double v = number(key);
    if (v < lo || v > hi) fail_value(key, "must be within " + format_number(lo) + ".." + format_number(hi));
    return v;
}

double Node::positive_number(std::string_view key) const {
    const double v = number(key);
    if (v <= 0) fail_value(key, "must be > 0");
    return v;
}

std::string Node::string(std::string_view key) const {
    const toml::value& v = require(key);
    if (!v.is_string()) fail_value(key, std::string("must be a string, got ") + type_name(v));
    if (v.as_string().str.empty()) fail_value(key, "must not be empty");
    return v.as_string().str;
}

bool Node::boolean(std::string_view key, bool fallback) const {
    if (!has(key)) return fallback;
    const toml::value& v = require(key);
    if (!v.is_boolean()) fail_value(key, std::string("must be true or false, got ") + type_name(v));
    return v.as_boolean();
}

domain::Range Node::range(std::string_view key) const {
    const toml::value& v = require(key);
    if (!v.is_array() || v.as_array().size() != 2)
        fail_value(key, "must be [min, max], an array of two numbers");
    double bounds[2];
    for (int i = 0; i < 2; ++i) {
        const toml::value& e = v.as_array()[static_cast<std::size_t>(i)];
        if (e.is_integer()) bounds[i] = static_cast<double>(e.as_integer());
        else if (e.is_floating() && std::isfinite(e.as_floating())) bounds[i] = e.as_floating();
        else fail_value(key, "must be [min, max], an array of two numbers");
    }
    if (bounds[0] < 0) fail_value(key, "min must not be negative");
    if (bounds[0] > bounds[1]) fail_value(key, "min exceeds max");
    return domain::Range{bounds[0], bounds[1]};
}

Status parse_document(std::string_view text, std::string_view origin,
                      const std::function<void(const Node& root)>& build) {
    const std::string name(origin);
    try {
        std::istringstream in{std::string(text)};
        const toml::value root = toml::parse(in, name);
        build(Node(root, "", name));
        return Ok{};
    } catch (const ConfigFailure& failure) {
        return make_error(ErrorCode::ConfigInvalid, failure.message);
    } catch (const toml::syntax_error& e) {
        return make_error(ErrorCode::ConfigInvalid,
                          name + ":" + std::to_string(e.location().line()) +
                              ": TOML syntax error: " + one_line_syntax_error(e.what()));
    } catch (const toml::exception& e) {
        return make_error(ErrorCode::ConfigInvalid,
                          name + ":" + std::to_string(e.location().line()) + ": " + one_line_syntax_error(e.what()));
    } catch (const std::exception& e) {
        return make_error(ErrorCode::ConfigInvalid, name + ": " + first_line(e.what()));
    }
}

Result<std::string> read_text_file(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return make_error(ErrorCode::NotFound, path + ": file not found");
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::NotFound, path + ": cannot open for reading");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) return make_error(ErrorCode::Internal, path + ": read error");
    return buffer.str();
}

}  // namespace pd::config::detail
