// The bottom bar: the reasons 1-9 for this item (the ones failing checks suggest come first and
// are ticked already, so a typical rejection is one key), reasons ticked from the picker beyond
// those nine, the note, and the keys of the main actions.
#include <algorithm>

#include "workstation/views/views.h"

namespace pd::workstation {

namespace {

// A chip: "[1] 头部歪斜", filled when ticked. Returns its width. Clicking it is the key.
float chip(ViewContext& v, ImVec2 p, const char* key, const char* label, bool ticked, float height) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 ks = ImGui::CalcTextSize(key), ls = ImGui::CalcTextSize(label);
    const float pad = 8 * v.scale, w = pad + ks.x + 6 * v.scale + ls.x + pad;
    const ImVec2 p1{p.x + w, p.y + height};
    if (ticked) dl->AddRectFilled(p, p1, IM_COL32(40, 90, 160, 255), 5);
    dl->AddRect(p, p1, ticked ? colour::accent : IM_COL32(90, 90, 100, 255), 5, 0, ticked ? 2.f : 1.f);
    const float ty = p.y + (height - ks.y) / 2;
    dl->AddText({p.x + pad, ty}, ticked ? colour::text : colour::dim, key);
    dl->AddText({p.x + pad + ks.x + 6 * v.scale, ty}, colour::text, label);
    return w;
}

}  // namespace

void draw_reason_bar(ViewContext& v, ImVec2 pos, ImVec2 size) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(pos, {pos.x + size.x, pos.y + size.y}, IM_COL32(24, 25, 28, 255));
    dl->AddLine(pos, {pos.x + size.x, pos.y}, IM_COL32(60, 60, 68, 255));
    const review::Slot* s = v.session.current();
    const float pad = 10 * v.scale;
    const float chip_h = ImGui::GetTextLineHeight() + 10 * v.scale;
    float x = pos.x + pad;
    const float y = pos.y + pad * 0.7f;
    if (s) {
        const auto& ticked = s->ticked;
        auto is_ticked = [&](const std::string& code) { return std::find(ticked.begin(), ticked.end(), code) != ticked.end(); };
        for (size_t i = 0; i < s->bar.size(); ++i) {
            const review::Command cmd = review::Command(int(review::Command::reason_1) + int(i));
            const auto& chords = v.keymap.chords(cmd);
            const char* key = chords.empty() ? "" : v.text("{}", review::chord_label(chords.front()));
            std::string key_copy = key;   // the scratch buffer is reused for the label
            const float w = chip(v, {x, y}, key_copy.c_str(), v.tr("reason.", s->bar[i]), is_ticked(s->bar[i]), chip_h);
            ImGui::SetCursorScreenPos({x, y});
            ImGui::PushID(int(i));
            if (ImGui::InvisibleButton("##reason", {w, chip_h})) v.session.apply(cmd);
            ImGui::PopID();
            x += w + 6 * v.scale;
        }
        // Reasons ticked in the picker that are not in the bar.
        for (const auto& code : ticked)
            if (std::find(s->bar.begin(), s->bar.end(), code) == s->bar.end())
                x += chip(v, {x, y}, "+", v.tr("reason.", code), true, chip_h) + 6 * v.scale;
        if (!s->note.empty()) {
            const char* note = v.text.pattern(v.tr("bar.note"), s->note);
            dl->AddText({x + 4, y + (chip_h - ImGui::GetTextLineHeight()) / 2}, colour::warn, note);
        }
    }
    // The main keys, from the keymap, on the second line.
    const float y2 = y + chip_h + 6 * v.scale;
    float hx = pos.x + pad;
    using C = review::Command;
    for (C c : {C::approve, C::reject, C::reasons, C::note, C::recrop, C::skip, C::undo, C::next, C::wipe, C::help}) {
        const char* hint = v.text("{} {}", v.keymap.label(c), v.tr("cmd.", review::info(c).name));
        dl->AddText({hx, y2}, c == C::approve ? colour::pass : c == C::reject ? colour::warn : colour::dim, hint);
        hx += ImGui::CalcTextSize(hint).x + 18 * v.scale;
    }
}

}  // namespace pd::workstation
