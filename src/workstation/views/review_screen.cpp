// The review screen's layout (see ../shared/docs/workstation.md): the status bar on top; the
// original on the left, the standardized photo in the centre (the largest: the reviewer's eyes
// go there), the student and the checks on the right; the reasons and keys at the bottom.
#include <algorithm>

#include "workstation/views/views.h"

namespace pd::workstation {

void draw_review_screen(ViewContext& v, ImVec2 pos, ImVec2 size) {
    const float line = ImGui::GetTextLineHeight();
    const float top_h = line + 14 * v.scale;
    const float bottom_h = 2 * line + 30 * v.scale;
    draw_status_bar(v, pos, {size.x, top_h});

    float y = pos.y + top_h;
    // While the server cannot be reached: what happens to the work, in one line.
    if (v.session.server_state() == review::ServerState::offline ||
        v.session.server_state() == review::ServerState::unauthorized) {
        const float bh = line + 12 * v.scale;
        ImDrawList* dl = ImGui::GetWindowDrawList();
        dl->AddRectFilled({pos.x, y}, {pos.x + size.x, y + bh}, IM_COL32(110, 36, 32, 255));
        const char* key = v.session.server_state() == review::ServerState::offline ? "banner.offline" : "banner.unauthorized";
        dl->AddText({pos.x + 10 * v.scale, y + 6 * v.scale}, colour::text,
                    v.text.pattern(v.tr(key), v.session.server_message(), v.session.outbox()));
        y += bh;
    }
    const float mid_h = pos.y + size.y - bottom_h - y;
    const float right_w = std::clamp(size.x * 0.30f, 300 * v.scale, 520 * v.scale);
    const float left_w = std::clamp(size.x * 0.27f, 200 * v.scale, 600 * v.scale);
    const float centre_w = size.x - left_w - right_w;

    draw_original(v, {pos.x, y}, {left_w, mid_h});
    draw_standardized(v, {pos.x + left_w, y}, {centre_w, mid_h});
    const float rx = pos.x + left_w + centre_w + 8 * v.scale;
    const float student_h = draw_student_panel(v, {rx, y + 8 * v.scale}, {right_w - 16 * v.scale, mid_h * 0.55f});
    const float cy = y + student_h + 20 * v.scale;
    draw_checks_panel(v, {rx, cy}, {right_w - 16 * v.scale, pos.y + size.y - bottom_h - cy - 6 * v.scale});
    draw_reason_bar(v, {pos.x, pos.y + size.y - bottom_h}, {size.x, bottom_h});
    draw_toast(v, pos, {size.x, size.y - bottom_h});
}

}  // namespace pd::workstation
