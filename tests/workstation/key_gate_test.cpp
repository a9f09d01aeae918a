// The key gate: with ImGui 1.86 reading keys as state, a press and its release between two
// frames would be lost; the gate makes every press visible to exactly one frame.
#include <gtest/gtest.h>

#include <GLFW/glfw3.h>

#include <vector>

#include "workstation/input.h"

using pd::workstation::KeyGate;

namespace {

struct Recorder {
    std::vector<std::pair<int, int>> seen;   // key, action, as forwarded to ImGui
    KeyGate gate{[this](int key, int, int action, int) { seen.emplace_back(key, action); }};
};

TEST(KeyGate, APressAndReleaseBeforeAFrameAreSpreadOverTwoFrames) {
    Recorder r;
    r.gate.on_key(GLFW_KEY_A, 0, GLFW_PRESS, 0);
    r.gate.on_key(GLFW_KEY_A, 0, GLFW_RELEASE, 0);
    ASSERT_EQ(r.seen.size(), 1u) << "the release waits for the frame that sees the press";
    EXPECT_EQ(r.seen[0], std::make_pair(GLFW_KEY_A, GLFW_PRESS));
    EXPECT_FALSE(r.gate.idle());
    r.gate.after_new_frame();   // frame 1 saw the press
    ASSERT_EQ(r.seen.size(), 2u);
    EXPECT_EQ(r.seen[1], std::make_pair(GLFW_KEY_A, GLFW_RELEASE));
    EXPECT_FALSE(r.gate.idle()) << "frame 2 must see the release";
    r.gate.after_new_frame();
    EXPECT_TRUE(r.gate.idle());
}

TEST(KeyGate, ADoubleTapIsTwoPresses) {
    Recorder r;
    for (int i = 0; i < 2; ++i) {
        r.gate.on_key(GLFW_KEY_A, 0, GLFW_PRESS, 0);
        r.gate.on_key(GLFW_KEY_A, 0, GLFW_RELEASE, 0);
    }
    int frames = 0;
    while (!r.gate.idle() && frames < 10) {
        r.gate.after_new_frame();
        ++frames;
    }
    ASSERT_EQ(r.seen.size(), 4u);
    EXPECT_EQ(r.seen[2], std::make_pair(GLFW_KEY_A, GLFW_PRESS));
    EXPECT_EQ(frames, 4) << "press, release, press, release: one transition per frame";
}

TEST(KeyGate, DifferentKeysDoNotWaitForEachOther) {
    Recorder r;
    r.gate.on_key(GLFW_KEY_LEFT_SHIFT, 0, GLFW_PRESS, GLFW_MOD_SHIFT);
    r.gate.on_key(GLFW_KEY_SLASH, 0, GLFW_PRESS, GLFW_MOD_SHIFT);
    EXPECT_EQ(r.seen.size(), 2u) << "Shift and / reach the same frame";
}

TEST(KeyGate, AKeyKeepsTheModifiersOfItsPressUntilItsNextPressIsForwarded) {
    Recorder r;
    // "?" then "/" before a frame: Shift is let go before any frame sees the first press.
    r.gate.on_key(GLFW_KEY_LEFT_SHIFT, 0, GLFW_PRESS, 0);
    r.gate.on_key(GLFW_KEY_SLASH, 0, GLFW_PRESS, GLFW_MOD_SHIFT);
    r.gate.on_key(GLFW_KEY_SLASH, 0, GLFW_RELEASE, GLFW_MOD_SHIFT);
    r.gate.on_key(GLFW_KEY_LEFT_SHIFT, 0, GLFW_RELEASE, GLFW_MOD_SHIFT);
    r.gate.on_key(GLFW_KEY_SLASH, 0, GLFW_PRESS, 0);
    r.gate.on_key(GLFW_KEY_SLASH, 0, GLFW_RELEASE, 0);
    EXPECT_EQ(r.gate.press_mods(GLFW_KEY_SLASH), GLFW_MOD_SHIFT) << "frame 1 sees the first press";
    r.gate.after_new_frame();
    EXPECT_EQ(r.gate.press_mods(GLFW_KEY_SLASH), GLFW_MOD_SHIFT) << "frame 2 sees its release";
    r.gate.after_new_frame();
    EXPECT_EQ(r.gate.press_mods(GLFW_KEY_SLASH), 0) << "frame 3 sees the second press";
    EXPECT_EQ(r.gate.press_mods(GLFW_KEY_A), 0) << "never pressed";
    EXPECT_EQ(r.gate.press_mods(-1), 0);
}

TEST(KeyGate, RepeatsPassThrough) {
    Recorder r;
    r.gate.on_key(GLFW_KEY_J, 0, GLFW_PRESS, 0);
    r.gate.on_key(GLFW_KEY_J, 0, GLFW_REPEAT, 0);
    EXPECT_EQ(r.seen.size(), 2u);
}

}  // namespace
