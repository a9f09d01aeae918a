// Overlays and dialogs over the review screen: the help (generated from the keymap), the
// reason picker, the note editor, the conflicts list and the toast.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>

#include "workstation/views/views.h"

namespace pd::workstation {

namespace {

constexpr ImGuiWindowFlags kDialog = ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings |
                                     ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_AlwaysAutoResize;

void centre_next(ImVec2 max_size) {
    const ImVec2 d = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowPos({d.x / 2, d.y / 2}, ImGuiCond_Always, {0.5f, 0.5f});
    ImGui::SetNextWindowSizeConstraints({200, 80}, max_size);
}

}  // namespace

void draw_help(ViewContext& v) {
    if (!v.session.view().help) return;
    const ImVec2 d = ImGui::GetIO().DisplaySize;
    centre_next({d.x * 0.9f, d.y * 0.9f});
    ImGui::Begin(v.tr("help.title"), nullptr, kDialog);
    const review::Context contexts[] = {review::Context::review, review::Context::recrop, review::Context::picker,
                                        review::Context::note};
    if (ImGui::BeginTable("##help", 4, ImGuiTableFlags_SizingFixedFit)) {
        for (review::Context ctx : contexts) {
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::accent), "%s",
                               v.tr("help.context.", review::context_name(ctx)));
            int col = 0;
            for (const auto& c : review::command_table()) {
                if (c.context != ctx) continue;
                if (col % 2 == 0) ImGui::TableNextRow();
                ImGui::TableSetColumnIndex((col % 2) * 2);
                const std::string keys = v.keymap.label(c.id);
                ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::warn), "%s", keys.c_str());
                if (v.layout) v.mark(fmt::format("help:{}:{}", c.name, keys), ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
                ImGui::TableSetColumnIndex((col % 2) * 2 + 1);
                ImGui::TextUnformatted(v.tr("cmd.", c.name));
                ++col;
            }
        }
        ImGui::EndTable();
    }
    ImGui::Spacing();
    ImGui::TextDisabled("%s", v.text.pattern(v.tr("help.footer"), v.keymap.label(review::Command::help)));
    ImGui::End();
}

void draw_picker(ViewContext& v) {
    const review::PickerState& p = v.session.picker();
    if (!p.open) return;
    const ImVec2 d = ImGui::GetIO().DisplaySize;
    centre_next({d.x * 0.9f, d.y * 0.9f});
    ImGui::Begin(v.tr("picker.title"), nullptr, kDialog);
    const auto& reasons = v.session.reasons();
    const auto& slots = v.keymap.picker_slots();
    const int n = int(p.order.size());
    const int per_column = std::max(1, (n + 1) / 2);
    if (ImGui::BeginTable("##picker", 2, ImGuiTableFlags_SizingFixedFit)) {
        for (int row = 0; row < per_column; ++row) {
            ImGui::TableNextRow();
            for (int colm = 0; colm < 2; ++colm) {
                const int i = colm * per_column + row;
                if (i >= n) continue;
                ImGui::TableSetColumnIndex(colm);
                const auto& r = reasons[size_t(p.order[size_t(i)])];
                const bool ticked = std::find(p.ticked.begin(), p.ticked.end(), r.code) != p.ticked.end();
                const char* key = i < int(slots.size()) ? v.text("{}", review::chord_label(slots[size_t(i)])) : "";
                std::string k = key;
                ImGui::PushID(i);
                const bool hl = i == p.row;
                if (hl) ImGui::PushStyleColor(ImGuiCol_Header, IM_COL32(60, 70, 95, 255));
                if (ImGui::Selectable(v.text("[{}] {} {}{}", k, ticked ? "✓" : "  ", v.tr("reason.", r.code),
                                             r.note_required ? " *" : ""),
                                      hl || ticked, 0, {0, 0}))
                    v.session.picker_hotkey(i);
                if (hl) ImGui::PopStyleColor();
                ImGui::PopID();
            }
        }
        ImGui::EndTable();
    }
    ImGui::Spacing();
    using C = review::Command;
    ImGui::TextDisabled("%s", v.text.pattern(v.tr(p.then_reject ? "picker.footer_reject" : "picker.footer"),
                                             v.keymap.label(C::picker_confirm), v.keymap.label(C::picker_cancel),
                                             v.keymap.label(C::picker_toggle)));
    ImGui::End();
}

void draw_note_editor(ViewContext& v) {
    review::NoteState& n = v.session.note_editor();
    if (!n.open) return;
    const ImVec2 d = ImGui::GetIO().DisplaySize;
    centre_next({d.x * 0.7f, d.y * 0.5f});
    ImGui::Begin(v.tr("note.title"), nullptr, kDialog);
    ImGui::TextUnformatted(v.tr(n.then_reject ? "note.required" : "note.hint"));
    ImGui::SetNextItemWidth(std::min(640.f * v.scale, d.x * 0.6f));
    if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
    ImGui::InputText("##note", &n.text);
    if (!ImGui::IsItemActive() && !ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere(-1);
    using C = review::Command;
    ImGui::TextDisabled("%s", v.text.pattern(v.tr("note.footer"), v.keymap.label(C::note_confirm),
                                             v.keymap.label(C::note_cancel)));
    ImGui::End();
}

void draw_conflicts(ViewContext& v) {
    if (!v.session.view().conflicts) return;
    const ImVec2 d = ImGui::GetIO().DisplaySize;
    centre_next({d.x * 0.8f, d.y * 0.8f});
    ImGui::Begin(v.tr("conflicts.title"), nullptr, kDialog);
    const auto& list = v.session.conflicts();
    if (list.empty()) ImGui::TextDisabled("%s", v.tr("conflicts.none"));
    if (!list.empty() && ImGui::BeginTable("##conflicts", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
        ImGuiListClipper clip;
        clip.Begin(int(list.size()));
        while (clip.Step())
            for (int i = clip.DisplayStart; i < clip.DisplayEnd; ++i) {
                const auto& c = list[size_t(i)];
                ImGui::TableNextRow();
                ImGui::TableSetColumnIndex(0);
                ImGui::TextUnformatted(c.student_name.c_str());
                ImGui::TableSetColumnIndex(1);
                ImGui::TextUnformatted(v.tr("verdict.", c.verdict));
                ImGui::TableSetColumnIndex(2);
                ImGui::TextDisabled("#%lld", static_cast<long long>(c.submission_id));
                ImGui::TableSetColumnIndex(3);
                ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::fail), "%s", c.message.c_str());
            }
        ImGui::EndTable();
    }
    ImGui::Spacing();
    ImGui::TextDisabled("%s", v.text.pattern(v.tr("conflicts.footer"), v.keymap.label(review::Command::dismiss_conflicts),
                                             v.keymap.label(review::Command::conflicts)));
    ImGui::End();
}

void draw_toast(ViewContext& v, ImVec2 pos, ImVec2 size) {
    const review::Toast& t = v.session.toast();
    if (t.text.empty()) return;
    ImDrawList* dl = ImGui::GetForegroundDrawList();
    const ImVec2 ts = ImGui::CalcTextSize(t.text.c_str(), nullptr, false, size.x * 0.6f);
    const ImVec2 c{pos.x + size.x / 2, pos.y + size.y - ts.y - 30 * v.scale};
    const ImVec2 p0{c.x - ts.x / 2 - 14, c.y - 8}, p1{c.x + ts.x / 2 + 14, c.y + ts.y + 8};
    dl->AddRectFilled(p0, p1, t.error ? IM_COL32(120, 30, 28, 235) : IM_COL32(40, 44, 52, 235), 6);
    dl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), {p0.x + 14, p0.y + 8}, colour::text, t.text.c_str(), nullptr,
                size.x * 0.6f);
}

}  // namespace pd::workstation
