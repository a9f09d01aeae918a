#include "review/i18n.h"

#include <algorithm>
#include <functional>
#include <set>

#include "config/toml_reader.h"

namespace pd::review {

using config::detail::Node;

namespace {

// Flattens nested tables into dotted keys; every leaf must be a string.
void flatten(const Node& node, const std::string& prefix, std::unordered_map<std::string, std::string>& out,
             std::unordered_map<std::string, int>& lines) {
    for (const auto& [key, value] : node.entries()) {
        const std::string path = prefix.empty() ? key : prefix + "." + key;
        if (value->is_table()) {
            flatten(node.table(key), path, out, lines);
        } else if (value->is_string()) {
            out[path] = value->as_string();
            lines[path] = int(value->location().line());
        } else {
            node.fail_at(*value, path + ": must be a string (got " + config::detail::describe(*value) + ")");
        }
    }
}

}  // namespace

const std::string& Strings::lookup(const Table& t) const {
    auto it = t.find(scratch_);
    if (it != t.end()) return it->second;
    // Absent: remember the key so the returned reference stays valid, and show it as is.
    static thread_local std::unordered_map<std::string, std::string> missing;
    auto [m, _] = missing.try_emplace(scratch_, scratch_);
    return m->second;
}

const std::string& Strings::tr(std::string_view key) const {
    scratch_.assign(key);
    return lookup(table());
}

const std::string& Strings::tr(std::string_view prefix, std::string_view key) const {
    scratch_.assign(prefix);
    scratch_.append(key);
    return lookup(table());
}

bool Strings::has(std::string_view key) const {
    scratch_.assign(key);
    return zh_.count(scratch_) != 0;
}

bool Strings::has(std::string_view prefix, std::string_view key) const {
    scratch_.assign(prefix);
    scratch_.append(key);
    return zh_.count(scratch_) != 0;
}

std::string Strings::format(std::string_view key, const std::vector<std::string>& args) const {
    return substitute(tr(key), args);
}

std::vector<std::string> Strings::keys() const {
    std::vector<std::string> k;
    k.reserve(zh_.size());
    for (const auto& [key, _] : zh_) k.push_back(key);
    std::sort(k.begin(), k.end());
    return k;
}

std::u32string Strings::codepoints() const {
    std::set<char32_t> all;
    for (const Table* t : {&zh_, &en_})
        for (const auto& [_, v] : *t)
            for (char32_t c : utf8_codepoints(v)) all.insert(c);
    return std::u32string(all.begin(), all.end());
}

void Strings::put(const std::string& key, std::string zh, std::string en) {
    zh_[key] = std::move(zh);
    en_[key] = std::move(en);
}

Result<Strings> parse_strings(std::string_view zh_text, std::string_view zh_origin, std::string_view en_text,
                              std::string_view en_origin) {
    Strings s;
    std::unordered_map<std::string, int> zh_lines, en_lines;
    auto st = config::detail::parse_document(zh_text, zh_origin, [&](const Node& root) { flatten(root, "", s.zh_, zh_lines); });
    if (!st) return st.error();
    st = config::detail::parse_document(en_text, en_origin, [&](const Node& root) { flatten(root, "", s.en_, en_lines); });
    if (!st) return st.error();
    // Same keys in both: report the first missing one by line.
    auto first_missing = [](const auto& have, const auto& lines, const auto& other) {
        std::pair<int, std::string> best{0, ""};
        for (const auto& [key, _] : have)
            if (!other.count(key)) {
                const int line = lines.at(key);
                if (best.second.empty() || line < best.first) best = {line, key};
            }
        return best;
    };
    if (auto [line, key] = first_missing(s.zh_, zh_lines, s.en_); !key.empty())
        return make_error(ErrorCode::ConfigInvalid, std::string(zh_origin) + ":" + std::to_string(line) + ": '" + key +
                                                        "' has no translation in " + std::string(en_origin));
    if (auto [line, key] = first_missing(s.en_, en_lines, s.zh_); !key.empty())
        return make_error(ErrorCode::ConfigInvalid, std::string(en_origin) + ":" + std::to_string(line) + ": '" + key +
                                                        "' has no translation in " + std::string(zh_origin));
    return s;
}

Result<Strings> load_strings(const std::string& config_dir) {
    const std::string zh_path = config::detail::join_path(config_dir, "ui.zh.toml");
    const std::string en_path = config::detail::join_path(config_dir, "ui.en.toml");
    auto zh = config::detail::read_text_file(zh_path);
    if (!zh) return zh.error();
    auto en = config::detail::read_text_file(en_path);
    if (!en) return en.error();
    return parse_strings(*zh, zh_path, *en, en_path);
}

std::u32string utf8_codepoints(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    for_each_codepoint(s, [&](char32_t c) {
        out.push_back(c);
        return true;
    });
    return out;
}

std::string substitute(std::string_view pattern, const std::vector<std::string>& args) {
    std::string out;
    out.reserve(pattern.size() + 16);
    for (size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '{') {
            const size_t close = pattern.find('}', i);
            if (close != std::string_view::npos && close > i + 1 && close - i <= 3) {
                const std::string_view num = pattern.substr(i + 1, close - i - 1);
                if (std::all_of(num.begin(), num.end(), [](char c) { return c >= '0' && c <= '9'; })) {
                    const size_t idx = std::stoul(std::string(num));
                    if (idx < args.size()) {
                        out += args[idx];
                        i = close;
                        continue;
                    }
                }
            }
        }
        out += pattern[i];
    }
    return out;
}

}  // namespace pd::review
