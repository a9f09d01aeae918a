// Keys in, commands out.
//
// KeyGate sits between GLFW's key callback and ImGui's. Dear ImGui 1.86 reads keys as state
// (io.KeysDown[], no event queue; AddKeyEvent came in 1.87), so a key pressed and released
// between two frames would never be seen: xdotool, a fast typist or a busy frame lose keys. The
// gate forwards at most one transition per key per frame to ImGui and defers the rest to the
// following frames, so every press is visible to exactly one frame's IsKeyPressed. Injected
// keys (the bench, scripted runs) enter through the same on_key() as real ones.
//
// Spacing presses out in time means a frame may see a key's press after its modifiers have
// been released (xdotool's "?" is Shift down, / down, / up, Shift up within a millisecond;
// the Shift release of a fast typist can even arrive before the frame that sees the /). So
// the gate also keeps, for each key, the modifiers GLFW reported with its press, and chords
// are matched with those, never with ImGui's io.KeyShift/KeyCtrl/KeyAlt of the moment.
//
// KeyInput turns this frame's key presses into session commands through the keymap, for the
// context the session is in (review, recrop, picker, note), with modifiers matched exactly.
//
// Threading: UI thread only (GLFW calls key callbacks from glfwPollEvents on that thread).
#pragma once

#include <array>
#include <deque>
#include <functional>
#include <vector>

#include "review/keymap.h"
#include "review/session.h"

struct GLFWwindow;

namespace pd::workstation {

class KeyGate {
public:
    using Forward = std::function<void(int key, int scancode, int action, int mods)>;
    explicit KeyGate(Forward forward) : forward_(std::move(forward)) {}

    // From GLFW's key callback (or an injected key): action is GLFW_PRESS / REPEAT / RELEASE.
    void on_key(int key, int scancode, int action, int mods);
    // Right after ImGui::NewFrame: the frame has seen this round's transitions; release the
    // next deferred one of each key.
    void after_new_frame();
    bool pending() const { return !deferred_.empty(); }
    // Nothing forwarded that a frame has not seen yet, nothing deferred: a new key press now is
    // seen by the very next frame (the bench and scripted keys wait for this).
    bool idle() const { return deferred_.empty() && fresh_.empty(); }
    // The modifiers (GLFW_MOD_* bits) GLFW reported with the latest press of `key` that the
    // gate has forwarded to ImGui, i.e. those down when it was pressed; 0 for a key never
    // pressed. A held key's repeats keep the modifiers of its press.
    int press_mods(int key) const;

private:
    struct Event {
        int key, scancode, action, mods;
    };
    void send(const Event& e);

    Forward forward_;
    std::array<int, review::key::Last + 1> press_mods_{};
    std::vector<int> fresh_;          // keys that changed since the last NewFrame
    std::deque<Event> deferred_;
};

class KeyInput {
public:
    // Presses come from ImGui's state, their modifiers from the gate that forwarded them.
    KeyInput(const review::Keymap& keymap, const KeyGate& gate) : keymap_(keymap), gate_(gate) {}
    // Inside a frame (after NewFrame and the gate's after_new_frame): applies every command
    // whose chord was pressed. Returns how many commands were applied.
    int process(review::ReviewSession& session);

private:
    bool pressed(const review::Chord& c, bool repeat) const;

    const review::Keymap& keymap_;
    const KeyGate& gate_;
};

}  // namespace pd::workstation
