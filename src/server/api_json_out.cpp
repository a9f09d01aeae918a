// Records out (api_json.h): the JSON of docs/api.md for submissions, decisions, the feed, the
// audit and the reports.
#include <algorithm>

#include "domain/id_number.h"
#include "server/api_json.h"

namespace pd::server {

using nlohmann::json;

namespace {

json opt_json(const std::string& text) {
    if (text.empty()) return nullptr;
    auto j = json::parse(text, nullptr, false);
    return j.is_discarded() ? json(nullptr) : j;
}

// The earlier attempts as a reviewer compares them: the decision in force (a supervisor's
// overturn dates it), or nulls while undecided.
json history_json(const std::vector<storage::AttemptSummary>& history) {
    json out = json::array();
    for (const auto& a : history) {
        const auto& d = a.decision;
        out.push_back({{"submission_id", a.submission_id},
                       {"attempt", a.attempt},
                       {"state", storage::to_string(a.state)},
                       {"verdict", d ? json(storage::to_string(d->verdict)) : json(nullptr)},
                       {"reasons", d ? json(d->reasons) : json::array()},
                       {"note", d ? d->note : std::string()},
                       {"decided_at", d ? json(d->overturned_by.empty() ? d->decided_at : d->overturned_at)
                                        : json(nullptr)},
                       {"thumbnail", a.thumbnail}});
    }
    return out;
}

json event_json(const storage::Event& e, const domain::ReasonCatalog& reasons) {
    json payload = opt_json(e.payload_json);
    if (payload.is_object() && payload.contains("reasons") && payload["reasons"].is_array()) {
        json expanded = json::array();
        for (const auto& code : payload["reasons"]) {
            const std::string c = code.is_string() ? code.get<std::string>() : std::string();
            const domain::Reason* r = reasons.find(c);
            expanded.push_back({{"code", c},
                                {"student_message_zh", r ? r->student_message_zh : ""},
                                {"student_message_en", r ? r->student_message_en : ""}});
        }
        payload["reasons"] = std::move(expanded);
    }
    return {{"cursor", e.cursor},
            {"at", e.at},
            {"type", e.type},
            {"submission_id", e.submission_id},
            {"payload", payload}};
}

}  // namespace

json to_json(const storage::Submission& s, bool mask_ids) {
    const auto& st = s.student;
    json j = {
        {"id", s.id},
        {"attempt", s.attempt},
        {"state", storage::to_string(s.state)},
        {"student",
         {{"name", st.name},
          {"id_number", mask_ids ? domain::mask_id_number(st.id_number) : st.id_number},
          {"student_no", st.student_no},
          {"school", st.school},
          {"station", st.station},
          {"grade", st.grade}}},
        {"submitted_at", s.submitted_at},
        {"sla_deadline", s.sla_deadline},
        {"flags", s.flags},
        {"images",
         {{"original", s.images.original},
          {"standardized", s.images.standardized},
          {"matte", s.images.matte},
          {"thumbnail", s.images.thumbnail}}},
        {"lease", nullptr},
        {"decision", nullptr},
        {"checks", opt_json(s.checks_json)},
        {"history", history_json(s.history)},
    };
    if (s.lease) j["lease"] = {{"reviewer", s.lease->reviewer}, {"expires_at", s.lease->expires_at}};
    if (s.decision) {
        const auto& d = *s.decision;
        j["decision"] = {{"verdict", storage::to_string(d.verdict)},
                         {"reasons", d.reasons},
                         {"note", d.note},
                         {"crop", opt_json(d.crop_json)},
                         {"reviewer", d.reviewer},
                         {"decided_at", d.decided_at},
                         {"overturned_by", d.overturned_by},
                         {"overturned_at", d.overturned_at}};
    }
    return j;
}

json to_json(const storage::DecisionOutcome& o) {
    return {{"decision_id", o.decision_id},
            {"status", storage::to_string(o.status)},
            {"submission_id", o.submission_id},
            {"state", o.state ? json(storage::to_string(*o.state)) : json(nullptr)},
            {"message", o.message}};
}

json to_json(const storage::AuditRecord& r) {
    return {{"id", r.id},         {"at", r.at},
            {"actor", r.actor},   {"action", r.action},
            {"submission_id", r.submission_id}, {"detail", opt_json(r.detail_json)}};
}

json to_json(const domain::Reason& r) {
    return {{"code", r.code},
            {"label_zh", r.label_zh},
            {"label_en", r.label_en},
            {"student_message_zh", r.student_message_zh},
            {"student_message_en", r.student_message_en},
            {"suggested_by_checks", r.suggested_by_checks},
            {"suggested_by_refusals", r.suggested_by_refusals},
            {"note_required", r.note_required}};
}

json to_json(const EventsPage& page, const domain::ReasonCatalog& reasons) {
    json events = json::array();
    for (const auto& e : page.events) events.push_back(event_json(e, reasons));
    return {{"events", events}, {"next_cursor", page.next_cursor}};
}

json to_json(const QueueReply& q) {
    const auto& f = q.figures;
    return {{"now", q.now},
            {"open", f.open},
            {"pending", f.open - f.leased},
            {"leased", f.leased},
            {"overdue", f.overdue},
            {"due_today", f.due_today},
            {"due_24h", f.due_24h},
            {"oldest_deadline", f.oldest_deadline}};
}

json to_json(const storage::Stats& st) {
    json by_state = json::object();
    for (const auto& [state, n] : st.by_state) by_state[storage::to_string(state)] = n;
    json reviewers = json::array();
    for (const auto& r : st.reviewers) {
        const double hours = std::max(1.0, double(r.last_at - r.first_at) / 3600.0);
        const double n = double(std::max<std::int64_t>(r.decisions, 1));
        reviewers.push_back({{"reviewer", r.reviewer},
                             {"decisions", r.decisions},
                             {"rejections", r.rejections},
                             {"overturned", r.overturned},
                             {"rejection_rate", r.decisions ? r.rejections / n : 0.0},
                             {"overturn_rate", r.decisions ? r.overturned / n : 0.0},
                             {"decisions_per_hour", r.decisions / hours},
                             {"by_reason", r.by_reason}});
    }
    return {{"by_state", by_state}, {"expired_leases", st.expired_leases}, {"reviewers", reviewers}};
}

json to_json(const SlaReply& r) {
    const auto& s = r.summary;
    return {{"now", r.now},
            {"open",
             {{"total", s.open}, {"overdue", s.overdue}, {"due_24h", s.due_24h}, {"oldest_deadline", s.oldest_deadline}}},
            {"decided",
             {{"total", s.decided},
              {"on_time", s.decided_on_time},
              {"late", s.decided - s.decided_on_time},
              {"compliance", s.decided ? double(s.decided_on_time) / s.decided : 1.0}}}};
}

}  // namespace pd::server
