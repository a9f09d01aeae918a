#include "review/commands.h"

#include <array>
#include <cassert>

namespace pd::review {

namespace {

using C = Command;
using X = Context;
constexpr Trigger P = Trigger::press;

constexpr std::array kTable{
    CommandInfo{C::approve, "approve", X::review},
    CommandInfo{C::reject, "reject", X::review},
    CommandInfo{C::reason_1, "reason_1", X::review},
    CommandInfo{C::reason_2, "reason_2", X::review},
    CommandInfo{C::reason_3, "reason_3", X::review},
    CommandInfo{C::reason_4, "reason_4", X::review},
    CommandInfo{C::reason_5, "reason_5", X::review},
    CommandInfo{C::reason_6, "reason_6", X::review},
    CommandInfo{C::reason_7, "reason_7", X::review},
    CommandInfo{C::reason_8, "reason_8", X::review},
    CommandInfo{C::reason_9, "reason_9", X::review},
    CommandInfo{C::reasons, "reasons", X::review},
    CommandInfo{C::note, "note", X::review},
    CommandInfo{C::undo, "undo", X::review},
    CommandInfo{C::skip, "skip", X::review},
    CommandInfo{C::recrop, "recrop", X::review},
    CommandInfo{C::next, "next", X::review, P, true},
    CommandInfo{C::previous, "previous", X::review, P, true},
    CommandInfo{C::show_original, "show_original", X::review, Trigger::hold},
    CommandInfo{C::wipe, "wipe", X::review},
    CommandInfo{C::overlays, "overlays", X::review},
    CommandInfo{C::landmarks, "landmarks", X::review},
    CommandInfo{C::false_colour, "false_colour", X::review},
    CommandInfo{C::zoom_in, "zoom_in", X::review, P, true},
    CommandInfo{C::zoom_out, "zoom_out", X::review, P, true},
    CommandInfo{C::zoom_reset, "zoom_reset", X::review},
    CommandInfo{C::pan_left, "pan_left", X::review, P, true},
    CommandInfo{C::pan_right, "pan_right", X::review, P, true},
    CommandInfo{C::pan_up, "pan_up", X::review, P, true},
    CommandInfo{C::pan_down, "pan_down", X::review, P, true},
    CommandInfo{C::check_next, "check_next", X::review, P, true},
    CommandInfo{C::check_previous, "check_previous", X::review, P, true},
    CommandInfo{C::help, "help", X::review},
    CommandInfo{C::language, "language", X::review},
    CommandInfo{C::conflicts, "conflicts", X::review},
    CommandInfo{C::dismiss_conflicts, "dismiss_conflicts", X::review},
    CommandInfo{C::close, "close", X::review},
    CommandInfo{C::quit, "quit", X::review},
    CommandInfo{C::crop_left, "crop_left", X::recrop, P, true},
    CommandInfo{C::crop_right, "crop_right", X::recrop, P, true},
    CommandInfo{C::crop_up, "crop_up", X::recrop, P, true},
    CommandInfo{C::crop_down, "crop_down", X::recrop, P, true},
    CommandInfo{C::crop_grow, "crop_grow", X::recrop, P, true},
    CommandInfo{C::crop_shrink, "crop_shrink", X::recrop, P, true},
    CommandInfo{C::crop_reset, "crop_reset", X::recrop},
    CommandInfo{C::crop_confirm, "crop_confirm", X::recrop},
    CommandInfo{C::crop_cancel, "crop_cancel", X::recrop},
    CommandInfo{C::picker_up, "picker_up", X::picker, P, true},
    CommandInfo{C::picker_down, "picker_down", X::picker, P, true},
    CommandInfo{C::picker_toggle, "picker_toggle", X::picker},
    CommandInfo{C::picker_confirm, "picker_confirm", X::picker},
    CommandInfo{C::picker_cancel, "picker_cancel", X::picker},
    CommandInfo{C::note_confirm, "note_confirm", X::note},
    CommandInfo{C::note_cancel, "note_cancel", X::note},
};

constexpr bool table_is_in_enum_order() {
    for (size_t i = 0; i < kTable.size(); ++i)
        if (size_t(kTable[i].id) != i) return false;
    return true;
}
static_assert(table_is_in_enum_order(), "kTable must list every Command once, in enum order");
static_assert(size_t(Command::note_cancel) + 1 == kTable.size(), "a Command is missing from kTable");

}  // namespace

std::span<const CommandInfo> command_table() { return kTable; }

const CommandInfo& info(Command c) { return kTable[size_t(c)]; }

std::optional<Command> command_from_name(std::string_view name) {
    for (const auto& c : kTable)
        if (c.name == name) return c.id;
    return std::nullopt;
}

std::string_view context_name(Context c) {
    switch (c) {
        case Context::review: return "review";
        case Context::recrop: return "recrop";
        case Context::picker: return "picker";
        case Context::note: return "note";
    }
    return "?";
}

std::optional<Context> context_from_name(std::string_view name) {
    for (Context c : {Context::review, Context::recrop, Context::picker, Context::note})
        if (context_name(c) == name) return c;
    return std::nullopt;
}

int reason_slot(Command c) {
    if (c >= Command::reason_1 && c <= Command::reason_9) return int(c) - int(Command::reason_1);
    return -1;
}

}  // namespace pd::review
