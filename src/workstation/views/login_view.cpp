// Before the queue: the login card (server and token, with the reason the last attempt failed:
// a wrong address, a refused token, a server of another API version, an account that is not a
// reviewer), and the demo queue's progress while `photodesk --demo` builds it.
#include <imgui.h>
#include <imgui_stdlib.h>

#include "workstation/views/views.h"

namespace pd::workstation {

void draw_login(ViewContext* v, const review::Strings& t, LoginState& s, ImVec2 size) {
    ImGui::SetNextWindowPos({size.x / 2, size.y / 2}, ImGuiCond_Always, {0.5f, 0.5f});
    ImGui::Begin("##login", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoMove);
    (void)v;
    ImGui::TextUnformatted(t.tr("login.title").c_str());
    ImGui::Separator();
    ImGui::Spacing();
    const float w = 460 * ImGui::GetFontSize() / 17.f;
    ImGui::TextUnformatted(t.tr("login.server").c_str());
    ImGui::SetNextItemWidth(w);
    if (ImGui::IsWindowAppearing() && !s.focus_token) ImGui::SetKeyboardFocusHere();
    const bool enter1 = ImGui::InputText("##server", &s.server, ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::TextUnformatted(t.tr("login.token").c_str());
    ImGui::SetNextItemWidth(w);
    if (s.focus_token) {
        ImGui::SetKeyboardFocusHere();
        s.focus_token = false;
    }
    const bool enter2 =
        ImGui::InputText("##token", &s.token, ImGuiInputTextFlags_Password | ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::Spacing();
    ImGui::BeginDisabled(s.busy);
    const bool clicked = ImGui::Button(t.tr(s.busy ? "login.connecting" : "login.connect").c_str(), {w, 0});
    ImGui::EndDisabled();
    if (!s.busy && (enter1 || enter2 || clicked)) s.submit = true;
    if (!s.message.empty()) {
        ImGui::Spacing();
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + w);
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::fail), "%s", s.message.c_str());
        ImGui::PopTextWrapPos();
    }
    ImGui::Spacing();
    ImGui::TextDisabled("%s", t.tr("login.footer").c_str());
    ImGui::End();
}

void draw_demo_progress(const review::Strings& t, const DemoProgressView& d, ImVec2 pos, ImVec2 size, Scratch& text) {
    if (!d.active && !d.failed) return;
    ImDrawList* dl = ImGui::GetForegroundDrawList();
    // In the middle of the status bar, where it has room.
    const float h = ImGui::GetTextLineHeight() + 8;
    const ImVec2 p0{pos.x + size.x * 0.42f, pos.y + 3}, p1{pos.x + size.x * 0.76f, pos.y + 3 + h};
    dl->AddRectFilled(p0, p1, IM_COL32(30, 34, 44, 240), 6);
    const float frac = d.total > 0 ? float(d.done) / float(d.total) : 0.f;
    dl->AddRectFilled(p0, {p0.x + (p1.x - p0.x) * frac, p1.y}, IM_COL32(50, 110, 190, 240), 6);
    dl->AddRect(p0, p1, colour::accent, 6);
    const char* label = d.failed ? text.pattern(t.tr("demo.failed"), d.message)
                                 : text.pattern(t.tr("demo.building"), d.done, d.total, t.tr("demo.stage.", d.stage.empty() ? std::string_view("starting") : std::string_view(d.stage)));
    dl->AddText({p0.x + 10, p0.y + 4}, d.failed ? colour::fail : colour::text, label);
}

}  // namespace pd::workstation
