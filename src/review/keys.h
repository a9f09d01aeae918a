// Key names and chords for the keymap (config/keymap.toml), with no windowing library here.
// Key codes are GLFW's numeric key codes (GLFW_KEY_A == 65, GLFW_KEY_RIGHT == 262, ...), so
// the workstation passes GLFW's codes straight through; src/workstation static_asserts a few of
// them against <GLFW/glfw3.h> so a mismatch cannot go unnoticed.
//
// A chord is a key plus modifiers, written "A", "Shift+Slash", "Ctrl+Z". Names are the ones in
// kKeyNames (letters, digits, F1-F12, arrows, Space, Enter, Escape, Tab, punctuation by name,
// KP_0-KP_9 and KP_Add/KP_Subtract/KP_Enter for the keypad).
//
// Thread-safe: pure functions over constant tables.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pd::review {

namespace key {
inline constexpr int Space = 32, Apostrophe = 39, Comma = 44, Minus = 45, Period = 46, Slash = 47;
inline constexpr int Num0 = 48;  // '0'..'9' are 48..57
inline constexpr int Semicolon = 59, Equal = 61;
inline constexpr int A = 65;     // 'A'..'Z' are 65..90
inline constexpr int LeftBracket = 91, Backslash = 92, RightBracket = 93, Grave = 96;
inline constexpr int Escape = 256, Enter = 257, Tab = 258, Backspace = 259, Insert = 260,
                     Delete = 261, Right = 262, Left = 263, Down = 264, Up = 265, PageUp = 266,
                     PageDown = 267, Home = 268, End = 269;
inline constexpr int F1 = 290;   // F1..F12 are 290..301
inline constexpr int KP0 = 320;  // KP_0..KP_9 are 320..329
inline constexpr int KPDecimal = 330, KPDivide = 331, KPMultiply = 332, KPSubtract = 333,
                     KPAdd = 334, KPEnter = 335;
inline constexpr int Last = 348; // GLFW_KEY_LAST
}  // namespace key

struct Chord {
    int key = 0;
    bool ctrl = false, shift = false, alt = false;
    bool operator==(const Chord&) const = default;
    auto operator<=>(const Chord&) const = default;
};

// "A" -> key::A. Case-sensitive for names longer than one character ("Right", "KP_Add").
std::optional<int> key_from_name(std::string_view name);
// key::A -> "A"; "" for a code without a name.
std::string key_name(int key);
// "Shift+Slash" -> {Slash, shift}. std::nullopt when a part is unknown.
std::optional<Chord> parse_chord(std::string_view text);
// The canonical spelling: "Ctrl+Shift+Z".
std::string chord_name(const Chord& c);
// What a person sees on the key cap, for the help overlay and hints: "?", "→", "+", "Ctrl+Z".
std::string chord_label(const Chord& c);

}  // namespace pd::review
