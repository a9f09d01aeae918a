// Every automated check as a badge: failing first, then warnings, then the ones that could
// not be assessed, then the passes; each with its measured value and limit. Up/Down focus a
// badge, which highlights its geometry on the photos and shows the engine's detail here.
#include "workstation/views/views.h"

namespace pd::workstation {

ImU32 verdict_colour(review::Verdict v) {
    switch (v) {
        case review::Verdict::fail: return colour::fail;
        case review::Verdict::warn: return colour::warn;
        case review::Verdict::pass: return colour::pass;
        case review::Verdict::not_assessable: return colour::na;
    }
    return colour::na;
}

ImVec4 verdict_colour_vec(const review::Check* c) {
    return ImGui::ColorConvertU32ToFloat4(c ? verdict_colour(c->verdict) : colour::na);
}

const char* verdict_symbol(review::Verdict v) {
    switch (v) {
        case review::Verdict::fail: return "×";
        case review::Verdict::warn: return "!";
        case review::Verdict::pass: return "✓";
        case review::Verdict::not_assessable: return "—";
    }
    return "?";
}

void draw_checks_panel(ViewContext& v, ImVec2 pos, ImVec2 size) {
    const review::Slot* s = v.session.current();
    if (!s) return;
    const review::ReviewItem& it = s->item;
    const int focused = v.session.view().focused_check;
    // The title, then the badges in a scrolling child right below it (both at pos: after an
    // item ImGui returns to the window's left edge, so the child gets its own position).
    ImGui::GetWindowDrawList()->AddText(pos, colour::dim,
                                        v.text.pattern(v.tr("checks.title"), it.fails, it.warns, it.checks.size()));
    const float title_h = ImGui::GetTextLineHeightWithSpacing() + 2 * v.scale;
    ImGui::SetCursorScreenPos({pos.x, pos.y + title_h});
    ImGui::BeginChild("##checks", {size.x, size.y - title_h}, false);
    v.mark("checks_visible", ImGui::GetWindowPos(), {ImGui::GetWindowPos().x + ImGui::GetWindowSize().x,
                                                     ImGui::GetWindowPos().y + ImGui::GetWindowSize().y});
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float row_h = ImGui::GetTextLineHeightWithSpacing();
    for (int i = 0; i < int(it.checks.size()); ++i) {
        const review::Check& c = it.checks[size_t(i)];
        const ImU32 col = verdict_colour(c.verdict);
        const ImVec2 p = ImGui::GetCursorScreenPos();
        const float w = ImGui::GetContentRegionAvail().x;
        if (i == focused) {
            dl->AddRectFilled({p.x - 2, p.y - 1}, {p.x + w, p.y + row_h}, IM_COL32(60, 70, 95, 255), 3);
            dl->AddRect({p.x - 2, p.y - 1}, {p.x + w, p.y + row_h}, col, 3);
            ImGui::SetScrollHereY(0.3f);
        }
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(col), "%s", verdict_symbol(c.verdict));
        if (v.layout) v.mark(fmt::format("badge:{}:{}", c.id, review::to_string(c.verdict)), p, {p.x + w, p.y + row_h});
        ImGui::SameLine(22 * v.scale);
        ImGui::TextUnformatted(v.session.strings().has("check.", c.id) ? v.tr("check.", c.id) : c.title.c_str());
        // Value and limit, right-aligned in the row.
        const char* value = c.verdict == review::Verdict::not_assessable
                                ? "—"
                                : v.text("{}", review::measured_text(c, v.session.strings()));
        const float vw = ImGui::CalcTextSize(value).x;
        ImGui::SameLine(std::max(ImGui::GetCursorPosX() + 8, w - vw - 4));
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(c.verdict == review::Verdict::pass ? colour::dim : col), "%s",
                           value);
        if (i == focused || ImGui::IsItemHovered()) {
            ImGui::Indent(22 * v.scale);
            ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + w - 30 * v.scale);
            ImGui::TextDisabled("%s", v.text.pattern(v.tr("checks.limit"), c.threshold));
            if (!c.detail.empty()) ImGui::TextWrapped("%s", c.detail.c_str());
            if (!c.reason.empty() && c.verdict != review::Verdict::pass)
                ImGui::TextDisabled("%s", v.text.pattern(v.tr("checks.suggests"), v.tr("reason.", c.reason)));
            if (!c.geometry.map.error.empty())
                ImGui::TextDisabled("%s", v.text.pattern(v.tr("checks.map_unreadable"), c.geometry.map.error));
            ImGui::PopTextWrapPos();
            ImGui::Unindent(22 * v.scale);
        }
    }
    ImGui::EndChild();
}

}  // namespace pd::workstation
