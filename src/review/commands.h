// The command table: every action of the workstation as one explicit list, so what a key does
// is testable without ImGui (the engine's check catalogue is built the same way). The keymap
// (keymap.h) binds chords to these commands; the ImGui layer only turns key state into
// commands; ReviewSession::apply (session.h) gives each command its effect.
//
// Commands live in contexts: `review` is the main loop; `recrop` is active while a crop window
// is being moved; `picker` while the reason picker is open; `note` while the note is edited.
// A chord may be bound once per context (the keymap refuses a second binding).
//
// Thread-safe: constant tables.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace pd::review {

enum class Context { review, recrop, picker, note };

enum class Command {
    // [review] decisions
    approve, reject, reason_1, reason_2, reason_3, reason_4, reason_5, reason_6, reason_7,
    reason_8, reason_9, reasons, note, undo, skip, recrop,
    // [review] moving through the queue
    next, previous,
    // [review] looking
    show_original, wipe, overlays, landmarks, false_colour, zoom_in, zoom_out, zoom_reset,
    pan_left, pan_right, pan_up, pan_down, check_next, check_previous,
    // [review] the workstation
    help, language, conflicts, dismiss_conflicts, close, quit,
    // [recrop]
    crop_left, crop_right, crop_up, crop_down, crop_grow, crop_shrink, crop_reset, crop_confirm,
    crop_cancel,
    // [picker]
    picker_up, picker_down, picker_toggle, picker_confirm, picker_cancel,
    // [note]
    note_confirm, note_cancel,
};

enum class Trigger {
    press,  // once per key press (auto-repeat only when `repeat`)
    hold,   // active while the key is down (show_original)
};

struct CommandInfo {
    Command id;
    std::string_view name;   // as written in config/keymap.toml and in ui.*.toml "cmd.NAME"
    Context context;
    Trigger trigger = Trigger::press;
    bool repeat = false;     // auto-repeat while held (navigation, zoom); never for decisions
};

// Every command, in the order the help overlay lists them.
std::span<const CommandInfo> command_table();
const CommandInfo& info(Command c);
std::optional<Command> command_from_name(std::string_view name);
std::string_view context_name(Context c);
std::optional<Context> context_from_name(std::string_view name);

// reason_1 .. reason_9 -> 0 .. 8; other commands -> -1.
int reason_slot(Command c);

}  // namespace pd::review
