// The command table and the keymap loader: the shipped keymap binds every command, the
// issue's defaults hold, and every way a keymap file can be wrong is refused with a message
// that names the problem (and, for a conflict, both bindings).
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "review/keymap.h"
#include "support/test_support.h"

using namespace pd::review;

namespace {

Keymap shipped() {
    auto k = load_keymap(pd::test::config_dir());
    EXPECT_TRUE(k.ok()) << k.error().message;
    return k.ok() ? k.value() : Keymap{};
}

// The shipped file with one line replaced (or appended to a table).
std::string edited(const std::string& from, const std::string& to) {
    std::ifstream in(pd::test::config_dir() + "/keymap.toml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

std::string error_of(const std::string& text) {
    auto k = parse_keymap(text, "keymap.toml");
    return k.ok() ? "" : k.error().message;
}

TEST(CommandTable, NamesAreUniqueAndDecisionsNeverRepeat) {
    std::set<std::string_view> names;
    for (const auto& c : command_table()) {
        EXPECT_TRUE(names.insert(c.name).second) << c.name;
        EXPECT_EQ(command_from_name(c.name), c.id);
    }
    for (Command c : {Command::approve, Command::reject, Command::skip, Command::undo, Command::crop_confirm})
        EXPECT_FALSE(info(c).repeat) << info(c).name << ": holding a key must not decide twice";
    EXPECT_EQ(info(Command::show_original).trigger, Trigger::hold);
    EXPECT_EQ(reason_slot(Command::reason_1), 0);
    EXPECT_EQ(reason_slot(Command::reason_9), 8);
    EXPECT_EQ(reason_slot(Command::approve), -1);
}

TEST(Chords, ParseAndName) {
    auto c = parse_chord("Shift+Slash");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->key, key::Slash);
    EXPECT_TRUE(c->shift);
    EXPECT_EQ(chord_name(*c), "Shift+Slash");
    EXPECT_EQ(chord_label(*c), "?");
    EXPECT_EQ(parse_chord("KP_Add")->key, key::KPAdd);
    EXPECT_EQ(parse_chord("F12")->key, key::F1 + 11);
    EXPECT_EQ(chord_label(*parse_chord("Right")), "→");
    EXPECT_FALSE(parse_chord("Hyper+A"));
    EXPECT_FALSE(parse_chord("F13"));
    EXPECT_FALSE(parse_chord("a"));
    for (int k = 0; k <= key::Last; ++k)
        if (!key_name(k).empty()) {
            EXPECT_EQ(key_from_name(key_name(k)), k) << key_name(k);
        }
}

TEST(Keymap, TheShippedDefaultsAreTheOnesReviewersAreTold) {
    const Keymap k = shipped();
    auto cmd = [&](Context ctx, const char* chord) {
        const Command* c = k.find(ctx, *parse_chord(chord));
        return c ? std::string(info(*c).name) : std::string("-");
    };
    EXPECT_EQ(cmd(Context::review, "A"), "approve");
    EXPECT_EQ(cmd(Context::review, "R"), "reject");
    EXPECT_EQ(cmd(Context::review, "1"), "reason_1");
    EXPECT_EQ(cmd(Context::review, "9"), "reason_9");
    EXPECT_EQ(cmd(Context::review, "N"), "note");
    EXPECT_EQ(cmd(Context::review, "Z"), "undo");
    EXPECT_EQ(cmd(Context::review, "J"), "next");
    EXPECT_EQ(cmd(Context::review, "Right"), "next");
    EXPECT_EQ(cmd(Context::review, "K"), "previous");
    EXPECT_EQ(cmd(Context::review, "Left"), "previous");
    EXPECT_EQ(cmd(Context::review, "Space"), "show_original");
    EXPECT_EQ(cmd(Context::review, "W"), "wipe");
    EXPECT_EQ(cmd(Context::review, "O"), "overlays");
    EXPECT_EQ(cmd(Context::review, "Equal"), "zoom_in");
    EXPECT_EQ(cmd(Context::review, "Minus"), "zoom_out");
    EXPECT_EQ(cmd(Context::review, "0"), "zoom_reset");
    EXPECT_EQ(cmd(Context::review, "S"), "skip");
    EXPECT_EQ(cmd(Context::review, "Shift+Slash"), "help");
    EXPECT_EQ(cmd(Context::review, "F2"), "language");
    EXPECT_EQ(cmd(Context::recrop, "Enter"), "crop_confirm");
    EXPECT_EQ(cmd(Context::review, "Shift+A"), "-") << "modifiers are part of the chord";
    EXPECT_EQ(k.label(Command::next), "J / →");
    EXPECT_GE(k.picker_slots().size(), 25u) << "a hotkey for every reason of the catalog";
}

TEST(Keymap, ConflictNamesBothBindings) {
    const std::string e = error_of(edited("skip = [\"S\"]", "skip = [\"A\"]"));
    EXPECT_NE(e.find("'A' is bound to both review.approve (line"), std::string::npos) << e;
    EXPECT_NE(e.find("and review.skip (line"), std::string::npos) << e;
}

TEST(Keymap, TheSameKeyInTwoContextsIsFine) {
    // Right moves to the next item in [review] and the crop window in [recrop] (the default).
    const Keymap k = shipped();
    EXPECT_EQ(*k.find(Context::recrop, *parse_chord("Right")), Command::crop_right);
}

TEST(Keymap, UnknownKeyIsRefused) {
    const std::string e = error_of(edited("approve = [\"A\"]", "approve = [\"Ä\"]"));
    EXPECT_NE(e.find("review.approve: unknown key 'Ä'"), std::string::npos) << e;
    EXPECT_NE(e.find("keymap.toml:"), std::string::npos) << "the line is named: " << e;
}

TEST(Keymap, UnknownCommandIsRefused) {
    const std::string e = error_of(edited("approve = [\"A\"]", "approve = [\"A\"]\napprove_all = [\"Q\"]"));
    EXPECT_NE(e.find("unknown command 'review.approve_all'"), std::string::npos) << e;
}

TEST(Keymap, CommandInTheWrongTableIsRefused) {
    const std::string e = error_of(edited("approve = [\"A\"]", "approve = [\"A\"]\ncrop_left = [\"Q\"]"));
    EXPECT_NE(e.find("'crop_left' belongs in [recrop], not [review]"), std::string::npos) << e;
}

TEST(Keymap, ACommandWithoutAKeyIsRefused) {
    const std::string e = error_of(edited("undo = [\"Z\", \"Ctrl+Z\"]\n", ""));
    EXPECT_NE(e.find("review.undo has no key"), std::string::npos) << e;
}

TEST(Keymap, APickerHotkeyMayNotShadowAPickerCommand) {
    const std::string e = error_of(edited("picker_toggle = [\"Space\"]", "picker_toggle = [\"Q\"]"));
    EXPECT_NE(e.find("'Q' is bound to both"), std::string::npos) << e;
}

TEST(Keymap, WrongTypesAreRefused) {
    EXPECT_NE(error_of(edited("approve = [\"A\"]", "approve = 65")).find("must be a key name"), std::string::npos);
    EXPECT_NE(error_of(edited("approve = [\"A\"]", "approve = [65]")).find("is not a key name"), std::string::npos);
    EXPECT_NE(error_of("[review]\napprove = ").find("TOML syntax error"), std::string::npos);
}

TEST(Keymap, ASingleStringIsAccepted) {
    auto k = parse_keymap(edited("approve = [\"A\"]", "approve = \"Y\""), "keymap.toml");
    ASSERT_TRUE(k.ok()) << k.error().message;
    EXPECT_EQ(*k->find(Context::review, *parse_chord("Y")), Command::approve);
    EXPECT_EQ(k->find(Context::review, *parse_chord("A")), nullptr);
}

}  // namespace
