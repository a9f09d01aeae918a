#include "review/keys.h"

#include <array>
#include <utility>

namespace pd::review {

namespace {

struct NamedKey {
    std::string_view name;
    int code;
    std::string_view label;  // key cap; empty = the name
};

// Named keys other than letters, digits, F-keys and keypad digits (generated below).
constexpr std::array<NamedKey, 31> kNamed{{
    {"Space", key::Space, "Space"},       {"Apostrophe", key::Apostrophe, "'"},
    {"Comma", key::Comma, ","},           {"Minus", key::Minus, "-"},
    {"Period", key::Period, "."},         {"Slash", key::Slash, "/"},
    {"Semicolon", key::Semicolon, ";"},   {"Equal", key::Equal, "="},
    {"LeftBracket", key::LeftBracket, "["}, {"Backslash", key::Backslash, "\\"},
    {"RightBracket", key::RightBracket, "]"}, {"Grave", key::Grave, "`"},
    {"Escape", key::Escape, "Esc"},       {"Enter", key::Enter, "Enter"},
    {"Tab", key::Tab, "Tab"},             {"Backspace", key::Backspace, "Backspace"},
    {"Insert", key::Insert, "Ins"},       {"Delete", key::Delete, "Del"},
    {"Right", key::Right, "→"},           {"Left", key::Left, "←"},
    {"Down", key::Down, "↓"},             {"Up", key::Up, "↑"},
    {"PageUp", key::PageUp, "PgUp"},      {"PageDown", key::PageDown, "PgDn"},
    {"Home", key::Home, "Home"},          {"End", key::End, "End"},
    {"KP_Decimal", key::KPDecimal, "Num."}, {"KP_Divide", key::KPDivide, "Num/"},
    {"KP_Multiply", key::KPMultiply, "Num*"}, {"KP_Subtract", key::KPSubtract, "Num-"},
    {"KP_Add", key::KPAdd, "Num+"},
}};
constexpr NamedKey kKpEnter{"KP_Enter", key::KPEnter, "NumEnter"};

// "F" + 12 -> "F12" (appending, which spares GCC 12 a false -Wrestrict on operator+).
std::string prefixed(const char* prefix, int n) {
    std::string s(prefix);
    s.append(std::to_string(n));
    return s;
}

}  // namespace

std::optional<int> key_from_name(std::string_view n) {
    if (n.size() == 1) {
        const char c = n[0];
        if (c >= 'A' && c <= 'Z') return key::A + (c - 'A');
        if (c >= '0' && c <= '9') return key::Num0 + (c - '0');
        return std::nullopt;
    }
    if (n.size() >= 2 && n.size() <= 3 && n[0] == 'F') {
        int v = 0;
        for (char c : n.substr(1)) {
            if (c < '0' || c > '9') return std::nullopt;
            v = v * 10 + (c - '0');
        }
        if (v >= 1 && v <= 12) return key::F1 + v - 1;
        return std::nullopt;
    }
    if (n.size() == 4 && n.substr(0, 3) == "KP_" && n[3] >= '0' && n[3] <= '9') return key::KP0 + (n[3] - '0');
    if (n == kKpEnter.name) return kKpEnter.code;
    for (const auto& k : kNamed)
        if (k.name == n) return k.code;
    return std::nullopt;
}

std::string key_name(int code) {
    if (code >= key::A && code <= key::A + 25) return std::string(1, char('A' + code - key::A));
    if (code >= key::Num0 && code <= key::Num0 + 9) return std::string(1, char('0' + code - key::Num0));
    if (code >= key::F1 && code <= key::F1 + 11) return prefixed("F", code - key::F1 + 1);
    if (code >= key::KP0 && code <= key::KP0 + 9) return prefixed("KP_", code - key::KP0);
    if (code == kKpEnter.code) return std::string(kKpEnter.name);
    for (const auto& k : kNamed)
        if (k.code == code) return std::string(k.name);
    return "";
}

std::optional<Chord> parse_chord(std::string_view text) {
    Chord c;
    while (true) {
        const auto plus = text.find('+');
        if (plus == std::string_view::npos || plus == text.size() - 1) break;  // "KP_Add" has none
        const std::string_view mod = text.substr(0, plus);
        if (mod == "Ctrl") c.ctrl = true;
        else if (mod == "Shift") c.shift = true;
        else if (mod == "Alt") c.alt = true;
        else return std::nullopt;
        text.remove_prefix(plus + 1);
    }
    auto k = key_from_name(text);
    if (!k) return std::nullopt;
    c.key = *k;
    return c;
}

std::string chord_name(const Chord& c) {
    std::string s;
    if (c.ctrl) s += "Ctrl+";
    if (c.shift) s += "Shift+";
    if (c.alt) s += "Alt+";
    return s + key_name(c.key);
}

std::string chord_label(const Chord& c) {
    // Shifted punctuation as the character it types on a US layout, the way people name it.
    if (c.shift && !c.ctrl && !c.alt) {
        if (c.key == key::Slash) return "?";
        if (c.key == key::Equal) return "+";
    }
    std::string s;
    if (c.ctrl) s += "Ctrl+";
    if (c.shift) s += "Shift+";
    if (c.alt) s += "Alt+";
    if (c.key == kKpEnter.code) return s + std::string(kKpEnter.label);
    for (const auto& k : kNamed)
        if (k.code == c.key) return s + std::string(k.label);
    if (c.key >= key::KP0 && c.key <= key::KP0 + 9) return s + prefixed("Num", c.key - key::KP0);
    return s + key_name(c.key);
}

}  // namespace pd::review
