#include "server/api_json.h"

#include "domain/id_number.h"
#include "server/api_error.h"

namespace pd::server {

using nlohmann::json;

// [SECTION] out

static json opt_json(const std::string& text) {
    if (text.empty()) return nullptr;
    auto j = json::parse(text, nullptr, false);
    return j.is_discarded() ? json(nullptr) : j;
}

// The earlier attempts as a reviewer compares them: the decision in force (a supervisor's
// overturn dates it), or nulls while undecided.
static json history_json(const std::vector<storage::AttemptSummary>& history) {
    json out = json::array();
    for (const auto& a : history) {
        const auto& d = a.decision;
        out.push_back(
            {{"submission_id", a.submission_id},
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
            {"note_required", r.note_required}};
}

json to_json(const storage::Event& e, const domain::ReasonCatalog& reasons) {
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

// [SECTION] in

json parse_body(const std::string& body) {
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) fail(400, "invalid_json", "the request body is not valid JSON");
    if (!j.is_object()) fail(400, "invalid_json", "the request body must be a JSON object");
    return j;
}

[[noreturn]] static void bad(const std::string& field, const std::string& what) {
    fail(400, "invalid_field", field + ": " + what, field);
}

std::string Fields::str(const std::string& key) const {
    if (!has(key)) bad(path(key), "is required");
    const auto& v = o_.at(key);
    if (!v.is_string()) bad(path(key), "must be a string");
    return v.get<std::string>();
}

std::string Fields::str_or(const std::string& key, std::string fallback) const {
    return has(key) ? str(key) : fallback;
}

std::int64_t Fields::int_or(const std::string& key, std::int64_t fallback, std::int64_t lo,
                            std::int64_t hi) const {
    if (!has(key)) return fallback;
    const auto& v = o_.at(key);
    if (!v.is_number_integer()) bad(path(key), "must be an integer");
    const auto x = v.get<std::int64_t>();
    if (x < lo || x > hi)
        bad(path(key), "must be within " + std::to_string(lo) + ".." + std::to_string(hi) +
                           " (got " + std::to_string(x) + ")");
    return x;
}

std::int64_t Fields::positive_id(const std::string& key) const {
    if (!has(key)) bad(path(key), "is required");
    const auto& v = o_.at(key);
    if (!v.is_number_integer() || v.get<std::int64_t>() < 1) bad(path(key), "must be a positive integer");
    return v.get<std::int64_t>();
}

bool Fields::bool_or(const std::string& key, bool fallback) const {
    if (!has(key)) return fallback;
    if (!o_.at(key).is_boolean()) bad(path(key), "must be true or false");
    return o_.at(key).get<bool>();
}

std::vector<std::string> Fields::strings_or_empty(const std::string& key) const {
    std::vector<std::string> out;
    if (!has(key)) return out;
    const auto& v = o_.at(key);
    if (!v.is_array()) bad(path(key), "must be an array of strings");
    for (size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string()) bad(path(key) + "[" + std::to_string(i) + "]", "must be a string");
        out.push_back(v[i].get<std::string>());
    }
    return out;
}

std::vector<std::int64_t> Fields::ids(const std::string& key, size_t max_count) const {
    const auto& v = array(key);
    if (v.empty()) bad(path(key), "must not be empty");
    if (v.size() > max_count) bad(path(key), "at most " + std::to_string(max_count) + " ids");
    std::vector<std::int64_t> out;
    for (size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_number_integer() || v[i].get<std::int64_t>() < 1)
            bad(path(key) + "[" + std::to_string(i) + "]", "must be a positive integer");
        out.push_back(v[i].get<std::int64_t>());
    }
    return out;
}

const json& Fields::array(const std::string& key) const {
    if (!has(key)) bad(path(key), "is required");
    if (!o_.at(key).is_array()) bad(path(key), "must be an array");
    return o_.at(key);
}

const json& Fields::object(const std::string& key) const {
    if (!has(key)) bad(path(key), "is required");
    if (!o_.at(key).is_object()) bad(path(key), "must be an object");
    return o_.at(key);
}

}  // namespace pd::server
