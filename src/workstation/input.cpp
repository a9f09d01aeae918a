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
    forward_(key, scancode, action, mods);
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
        forward_(it->key, it->scancode, it->action, it->mods);
        it = deferred_.erase(it);
    }
}

// [SECTION] KeyInput

namespace {

bool mods_match(const review::Chord& c, const ImGuiIO& io) {
    return c.ctrl == io.KeyCtrl && c.shift == io.KeyShift && c.alt == io.KeyAlt;
}

bool pressed(const review::Chord& c, bool repeat) {
    if (c.key < 0 || c.key >= int(IM_ARRAYSIZE(ImGui::GetIO().KeysDown))) return false;
    return ImGui::IsKeyPressed(c.key, repeat) && mods_match(c, ImGui::GetIO());
}

}  // namespace

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
