// The interface's words in two languages, from config/ui.zh.toml and config/ui.en.toml: every
// UI string, every command's name for the help overlay ("cmd.approve") and every automated
// check's title ("check.eye_tilt"). Reason labels come from the server's catalog
// (GET /v1/reasons, label_zh / label_en), so the codes always match the server's.
//
// The two files must hold the same keys: the loader refuses a key present in one only, naming
// it, so a missing translation is found at start, not on a reviewer's screen. A key looked up
// but absent from both (a programming error) returns the key itself, visibly.
//
// Placeholders: "{0}", "{1}" ... replaced by format(). No other syntax.
//
// Threading: build once, then read from the UI thread (set_language is not synchronised).
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"

namespace pd::review {

enum class Language { zh, en };

class Strings {
public:
    Strings() = default;

    const std::string& tr(std::string_view key) const;
    // tr(prefix + key) without building the key on the heap ("check.", "eye_tilt").
    const std::string& tr(std::string_view prefix, std::string_view key) const;
    bool has(std::string_view key) const;
    bool has(std::string_view prefix, std::string_view key) const;
    // tr(key) with {0}, {1}, ... replaced by args (missing args stay as written).
    std::string format(std::string_view key, const std::vector<std::string>& args) const;

    Language language() const { return language_; }
    void set_language(Language l) { language_ = l; }
    void toggle_language() { language_ = language_ == Language::zh ? Language::en : Language::zh; }

    // All keys, sorted (tests compare them with the keys the code uses).
    std::vector<std::string> keys() const;
    // Every code point used by either language (for the font's glyph ranges).
    std::u32string codepoints() const;

    // Adds or replaces a string in both languages' tables (reason labels from the server).
    void put(const std::string& key, std::string zh, std::string en);

private:
    friend Result<Strings> parse_strings(std::string_view, std::string_view, std::string_view, std::string_view);
    using Table = std::unordered_map<std::string, std::string>;
    const Table& table() const { return language_ == Language::zh ? zh_ : en_; }

    const std::string& lookup(const Table& t) const;   // looks up scratch_

    Table zh_, en_;
    Language language_ = Language::zh;
    mutable std::string scratch_;   // the key being looked up (reused: lookups do not allocate)
};

Result<Strings> parse_strings(std::string_view zh_text, std::string_view zh_origin,
                              std::string_view en_text, std::string_view en_origin);
// config_dir/ui.zh.toml and config_dir/ui.en.toml.
Result<Strings> load_strings(const std::string& config_dir);

// UTF-8 -> code points; invalid sequences become U+FFFD.
std::u32string utf8_codepoints(std::string_view s);
// The same, one at a time and without allocating: fn(char32_t) for each; stops when it
// returns false.
template <class Fn>
void for_each_codepoint(std::string_view s, Fn&& fn) {
    size_t i = 0;
    while (i < s.size()) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        const int extra = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
        char32_t cp = extra == 0 ? c : extra == 1 ? (c & 0x1F) : extra == 2 ? (c & 0x0F) : (c & 0x07);
        bool ok = extra >= 0 && i + size_t(extra) < s.size();
        for (int k = 1; ok && k <= extra; ++k) {
            const unsigned char cc = static_cast<unsigned char>(s[i + size_t(k)]);
            if ((cc & 0xC0) != 0x80) ok = false;
            else cp = (cp << 6) | (cc & 0x3F);
        }
        if (!fn(ok ? cp : U'\uFFFD')) return;
        i += ok ? size_t(extra) + 1 : 1;
    }
}
// Replaces {0}, {1}, ... in `pattern`.
std::string substitute(std::string_view pattern, const std::vector<std::string>& args);

}  // namespace pd::review
