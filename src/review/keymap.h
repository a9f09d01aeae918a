// The keymap: which chords trigger which command in which context, loaded from
// config/keymap.toml (or a reviewer's own copy). The loader is strict, as every config loader
// of the project: an unknown table, command or key name, a command in the wrong context, a
// command left without a key, or one chord bound twice in a context is refused with one line
// naming the file, the line and, for a conflict, both bindings:
//   "keymap.toml:14: 'A' is bound to both review.approve (line 5) and review.skip (line 14)"
//
// Thread-safe once built (immutable).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "review/commands.h"
#include "review/keys.h"

namespace pd::review {

class Keymap {
public:
    // The command `chord` triggers in `context`, or nullptr.
    const Command* find(Context context, const Chord& chord) const;
    // Every chord of a command, in file order (the first is the one hints show).
    const std::vector<Chord>& chords(Command c) const;
    // Hotkeys of the reason picker's rows, in row order ([picker] slots).
    const std::vector<Chord>& picker_slots() const { return picker_slots_; }
    // The picker row a chord selects, or -1.
    int picker_slot(const Chord& chord) const;
    // "A", "J / →": the labels of a command's chords for hints and the help overlay.
    std::string label(Command c, std::string_view separator = " / ") const;

private:
    friend Result<Keymap> parse_keymap(std::string_view, std::string_view);
    std::map<std::pair<Context, Chord>, Command> by_chord_;
    std::map<Command, std::vector<Chord>> by_command_;
    std::vector<Chord> picker_slots_;
};

Result<Keymap> parse_keymap(std::string_view toml_text, std::string_view origin);
// config_dir/keymap.toml.
Result<Keymap> load_keymap(const std::string& config_dir);
Result<Keymap> load_keymap_file(const std::string& path);

}  // namespace pd::review
