// The student panel: who this is (name, masked ID number, school, station, grade, attempt),
// the item's SLA countdown in working time, what was decided on it in this session, and for a
// resubmission the earlier photo beside the reasons it was rejected for.
#include <algorithm>
#include <ctime>

#include "review/sla.h"
#include "workstation/views/views.h"

namespace pd::workstation {

namespace {

// "11-27 14:03" in the calendar's time zone.
const char* short_time(ViewContext& v, std::int64_t t) {
    const std::int64_t local = t + std::int64_t(v.session.calendar().utc_offset_minutes()) * 60;
    const std::time_t tt = std::time_t(local);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    return v.text("{:02}-{:02} {:02}:{:02}", tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

void draw_sla(ViewContext& v, const review::ReviewItem& it) {
    const auto c = review::countdown(v.session.calendar(), v.session.clock().unix_seconds(), it.sla_deadline);
    if (!c.known) {
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::warn), "%s", v.tr("sla.unknown"));
        return;
    }
    if (c.overdue) {
        const int h = int(c.overdue_seconds / 3600);
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::fail), "%s",
                           v.text.pattern(v.tr("sla.overdue"), h / 24, h % 24));
        return;
    }
    const ImU32 col = c.due_today ? colour::fail : c.days < 1 ? colour::warn : colour::text;
    const char* label = c.due_today ? v.text.pattern(v.tr("sla.due_today"), c.hours, c.minutes)
                                    : v.text.pattern(v.tr("sla.left"), c.days, c.hours);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(col), "%s", label);
}

void draw_decision(ViewContext& v, const review::Slot& s) {
    if (!s.decision) return;
    const review::JournalEntry& d = *s.decision;
    const char* verdict = d.verdict == "reject" ? v.tr("verdict.reject")
                          : d.verdict == "approve_recropped" ? v.tr("verdict.approve_recropped")
                                                             : v.tr("verdict.approve");
    const char* state = d.outcome == review::Outcome::queued ? v.tr("decision.queued")
                        : d.outcome == review::Outcome::conflict ? v.tr("decision.conflict")
                                                                 : v.tr("decision.sent");
    const ImU32 col = d.outcome == review::Outcome::conflict ? colour::fail
                      : d.verdict == "reject" ? colour::warn : colour::pass;
    ImGui::Spacing();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(col), "%s", v.text("{} · {}", verdict, state));
    if (d.outcome == review::Outcome::conflict && !d.message.empty()) ImGui::TextWrapped("%s", d.message.c_str());
}

void draw_history(ViewContext& v, const review::ReviewItem& it, float width) {
    if (it.history.empty()) return;
    ImGui::Spacing();
    ImGui::Separator();
    for (const auto& h : it.history) {
        ImGui::PushID(int(h.submission_id));
        const float thumb_w = 96 * v.scale, thumb_h = thumb_w * 4 / 3;
        const ImVec2 p = ImGui::GetCursorScreenPos();
        if (auto tex = v.gfx.texture(h.thumbnail)) {
            const float th = thumb_w * tex->height / std::max(1, tex->width);
            ImGui::GetWindowDrawList()->AddImage(tex->id, p, {p.x + thumb_w, p.y + th});
        } else {
            ImGui::GetWindowDrawList()->AddRectFilled(p, {p.x + thumb_w, p.y + thumb_h}, IM_COL32(45, 45, 50, 255), 4);
        }
        ImGui::SetCursorScreenPos({p.x + thumb_w + 10 * v.scale, p.y});
        ImGui::BeginGroup();
        const char* verdict = h.verdict == "reject" ? v.tr("verdict.reject")
                              : h.verdict.empty() ? v.tr("verdict.none") : v.tr("verdict.approve");
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(h.verdict == "reject" ? colour::warn : colour::dim), "%s",
                           v.text.pattern(v.tr("student.earlier_attempt"), h.attempt, verdict));
        if (h.decided_at > 0) ImGui::TextDisabled("%s", short_time(v, h.decided_at));
        ImGui::PushTextWrapPos(p.x + width);
        for (const auto& code : h.reasons) ImGui::BulletText("%s", v.tr("reason.", code));
        if (!h.note.empty()) ImGui::TextWrapped("%s", v.text.pattern(v.tr("student.note"), h.note));
        ImGui::PopTextWrapPos();
        ImGui::EndGroup();
        ImGui::SetCursorScreenPos({p.x, std::max(ImGui::GetCursorScreenPos().y, p.y + thumb_h) + 6 * v.scale});
        ImGui::Dummy({1, 1});
        ImGui::PopID();
    }
}

}  // namespace

float draw_student_panel(ViewContext& v, ImVec2 pos, ImVec2 size) {
    const review::Slot* s = v.session.current();
    if (!s) return 0;
    const review::ReviewItem& it = s->item;
    // No child window: the panel takes the height its content needs and the checks follow.
    ImGui::GetWindowDrawList()->PushClipRect(pos, {pos.x + size.x, pos.y + size.y}, true);
    ImGui::SetCursorScreenPos(pos);
    ImGui::BeginGroup();
    ImGui::PushFont(v.fonts.large());
    ImGui::TextUnformatted(it.name.c_str());
    ImGui::PopFont();
    v.mark("name", ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
    // A character the font cannot show (beyond the BMP) is named, never silently a "?".
    char32_t missing = 0;
    review::for_each_codepoint(it.name, [&](char32_t c) {
        if (c >= 0x80 && !v.fonts.has_glyph(c)) missing = c;
        return missing == 0;
    });
    if (missing) {
        ImGui::SameLine();
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::warn), "%s",
                           v.text.pattern(v.tr("student.missing_glyph"), fmt::format("U+{:04X}", unsigned(missing))));
    }
    ImGui::TextDisabled("%s", v.text("{} · {}", it.id_number, it.student_no));
    ImGui::TextUnformatted(v.text("{} · {} · {}", it.school, it.station.empty() ? "—" : it.station, it.grade));
    if (it.attempt > 1)
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::warn), "%s",
                           v.text.pattern(v.tr("student.attempt_n"), it.attempt));
    else
        ImGui::TextUnformatted(v.text.pattern(v.tr("student.attempt_n"), it.attempt));
    for (const auto& flag : it.flags)
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::warn), "⚠ %s", v.tr("flag.", flag));
    draw_sla(v, it);
    if (s->lease_lost) ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour::fail), "%s", v.tr("student.lease_lost"));
    draw_decision(v, *s);
    draw_history(v, it, size.x);
    ImGui::EndGroup();
    ImGui::GetWindowDrawList()->PopClipRect();
    return std::min(size.y, ImGui::GetItemRectMax().y - pos.y);
}

}  // namespace pd::workstation
