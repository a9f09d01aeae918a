// The top bar: the queue (open items, due today, overdue), items cached ahead, the outbox,
// the server's state, conflicts, and this reviewer's decisions this session and rate per hour.
// Below it, while the server cannot be reached, a banner saying that work continues and
// nothing is lost.
#include "review/sla.h"
#include "workstation/views/views.h"

namespace pd::workstation {

namespace {

void segment(ViewContext& v, float& x, float y, const char* text, ImU32 col) {
    ImGui::GetWindowDrawList()->AddText({x, y}, col, text);
    x += ImGui::CalcTextSize(text).x + 22 * v.scale;
}

}  // namespace

void draw_status_bar(ViewContext& v, ImVec2 pos, ImVec2 size) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(pos, {pos.x + size.x, pos.y + size.y}, IM_COL32(24, 25, 28, 255));
    dl->AddLine({pos.x, pos.y + size.y}, {pos.x + size.x, pos.y + size.y}, IM_COL32(60, 60, 68, 255));
    const review::ReviewSession& s = v.session;
    const float y = pos.y + (size.y - ImGui::GetTextLineHeight()) / 2;
    float x = pos.x + 10 * v.scale;

    const auto& q = s.queue();
    if (q.known) {
        segment(v, x, y, v.text.pattern(v.tr("status.queue"), q.open), colour::text);
        segment(v, x, y, v.text.pattern(v.tr("status.due_today"), q.due_today), q.due_today ? colour::warn : colour::dim);
        segment(v, x, y, v.text.pattern(v.tr("status.overdue"), q.overdue), q.overdue ? colour::fail : colour::dim);
        // The queue's own countdown: how long the most urgent item has left (or is late by).
        if (q.oldest_deadline > 0) {
            const auto c = review::countdown(s.calendar(), s.clock().unix_seconds(), q.oldest_deadline);
            if (c.known && c.overdue)
                segment(v, x, y, v.text.pattern(v.tr("status.oldest_overdue"), c.overdue_seconds / 86400,
                                                 c.overdue_seconds % 86400 / 3600),
                        colour::fail);
            else if (c.known)
                segment(v, x, y, v.text.pattern(v.tr("status.oldest_left"), c.days, c.hours),
                        c.due_today ? colour::warn : colour::dim);
        }
    } else {
        segment(v, x, y, v.tr("status.queue_unknown"), colour::dim);
    }
    segment(v, x, y, v.text.pattern(v.tr("status.cached"), s.ahead_ready(), s.ahead()), colour::dim);
    segment(v, x, y, v.text.pattern(v.tr("status.outbox"), s.outbox()), s.outbox() > 0 ? colour::text : colour::dim);
    const char* state = v.tr("status.connecting");
    ImU32 state_col = colour::dim;
    switch (s.server_state()) {
        case review::ServerState::online: state = v.tr("status.online"); state_col = colour::pass; break;
        case review::ServerState::offline: state = v.tr("status.offline"); state_col = colour::fail; break;
        case review::ServerState::unauthorized: state = v.tr("status.unauthorized"); state_col = colour::fail; break;
        case review::ServerState::connecting: break;
    }
    segment(v, x, y, v.text("● {}", state), state_col);
    if (!s.conflicts().empty())
        segment(v, x, y, v.text.pattern(v.tr("status.conflicts"), s.conflicts().size(), v.keymap.label(review::Command::conflicts)),
                colour::fail);

    // Right-aligned: who, how many, how fast.
    const char* mine = v.text.pattern(v.tr("status.mine"), s.user(), s.decisions(), int(s.rate_per_hour() + 0.5));
    const float w = ImGui::CalcTextSize(mine).x;
    dl->AddText({pos.x + size.x - w - 12 * v.scale, y}, colour::text, mine);
}

}  // namespace pd::workstation
