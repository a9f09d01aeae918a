#include "workstation/input.h"

#include <GLFW/glfw3.h>
#include <imgui.h>

#include <algorithm>

namespace pd::workstation {

namespace k = review::key;
// The keymap's codes are GLFW's (review/keys.h says so; this holds it to it).
static_assert(k::A == GLFW_KEY_A && k::Num0 == GLFW_KEY_0 && k::Space == GLFW_KEY_SPACE);
static_assert(k::Escape == GLFW_KEY_ESCAPE && k::Enter == GLFW_KEY_ENTER && k::Right == GLFW_KEY_RIGHT);
static_assert(k::Left == GLFW_KEY_LEFT && k::Up == GLFW_KEY_UP && k::Down == GLFW_KEY_DOWN);
static_assert(k::F1 == GLFW_KEY_F1 && k::KP0 == GLFW_KEY_KP_0 && k::KPAdd == GLFW_KEY_KP_ADD);
static_assert(k::KPSubtract == GLFW_KEY_KP_SUBTRACT && k::KPEnter == GLFW_KEY_KP_ENTER);
static_assert(k::Slash == GLFW_KEY_SLASH && k::Equal == GLFW_KEY_EQUAL && k::Minus == GLFW_KEY_MINUS);
static_assert(k::Delete == GLFW_KEY_DELETE && k::Last == GLFW_KEY_LAST);

// [SECTION] KeyGate

void KeyGate::on_key(int key, int scancode, int action, int mods) {
    const bool busy = std::find(fresh_.begin(), fresh_.end(), key) != fresh_.end() ||
                      std::any_of(deferred_.begin(), deferred_.end(), [&](const Event& e) { return e.key == key; });
    if (busy && action != GLFW_REPEAT) {
        deferred_.push_back({key, scancode, action, mods});
        return;
    }
    if (action != GLFW_REPEAT) fresh_.push_back(key);
    send({key, scancode, action, mods});
}

void KeyGate::send(const Event& e) {
    // Noted when ImGui gets the press, not when GLFW reports it: a deferred press of a key keeps
    // the modifiers of the press before it until a frame has seen that one.
    if (e.action == GLFW_PRESS && e.key >= 0 && e.key < int(press_mods_.size())) press_mods_[e.key] = e.mods;
    forward_(e.key, e.scancode, e.action, e.mods);
}

int KeyGate::press_mods(int key) const {
    return key >= 0 && key < int(press_mods_.size()) ? press_mods_[key] : 0;
}

void KeyGate::after_new_frame() {
    fresh_.clear();
    // One deferred transition per key goes through now; later ones wait for later frames.
    std::vector<int> moved;
    for (auto it = deferred_.begin(); it != deferred_.end();) {
        if (std::find(moved.begin(), moved.end(), it->key) != moved.end()) {
            ++it;
            continue;
        }
        moved.push_back(it->key);
        fresh_.push_back(it->key);
        send(*it);
        it = deferred_.erase(it);
    }
}

// [SECTION] KeyInput

bool KeyInput::pressed(const review::Chord& c, bool repeat) const {
    if (c.key < 0 || c.key >= int(IM_ARRAYSIZE(ImGui::GetIO().KeysDown))) return false;
    if (!ImGui::IsKeyPressed(c.key, repeat)) return false;
    // The modifiers of the press, not ImGui's io.KeyShift: by this frame a fast "?" has let go
    // of Shift already (input.h). Super and the lock keys are not part of chords.
    const int mods = gate_.press_mods(c.key);
    return c.ctrl == bool(mods & GLFW_MOD_CONTROL) && c.shift == bool(mods & GLFW_MOD_SHIFT) &&
           c.alt == bool(mods & GLFW_MOD_ALT);
}

int KeyInput::process(review::ReviewSession& session) {
    int applied = 0;
    const review::Context ctx = session.context();
    // Hold commands follow the key's state (Space shows the original while held).
    if (ctx == review::Context::review) {
        bool down = false;
        for (const auto& ch : keymap_.chords(review::Command::show_original))
            down = down || (ch.key < int(IM_ARRAYSIZE(ImGui::GetIO().KeysDown)) && ImGui::IsKeyDown(ch.key));
        session.set_hold(review::Command::show_original, down);
    }
    if (ctx == review::Context::picker) {
        const auto& slots = keymap_.picker_slots();
        for (size_t i = 0; i < slots.size(); ++i)
            if (pressed(slots[i], false)) {
                session.picker_hotkey(int(i));
                ++applied;
            }
    }
    for (const auto& info : review::command_table()) {
        if (info.context != ctx || info.trigger != review::Trigger::press) continue;
        for (const auto& ch : keymap_.chords(info.id)) {
            if (!pressed(ch, info.repeat)) continue;
            // A picker hotkey that is also a picker command (none by default) is the hotkey.
            if (ctx == review::Context::picker && keymap_.picker_slot(ch) >= 0) continue;
            session.apply(info.id);
            ++applied;
            if (session.context() != ctx) return applied;   // e.g. R opened the picker: the rest waits
            break;
        }
    }
    return applied;
}

}  // namespace pd::workstation
