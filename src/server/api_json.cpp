// Request bodies in (api_json.h): shapes, types and ranges. The review rules that need the
// catalog or the data are the services' (verdict_rules.h, the store).
#include "server/api_json.h"

#include <cmath>
#include <limits>

#include "server/ingest_service.h"

namespace pd::server {

using nlohmann::json;

namespace {

[[noreturn]] void bad(const std::string& field, const std::string& what) {
    reject(refusal(Refusal::malformed, "invalid_field", field + ": " + what, field));
}

// Field readers on an object `o` whose path is `where` ("" for the body itself).
class Fields {
public:
    Fields(const json& o, std::string where) : o_(o), where_(std::move(where)) {}

    std::string path(const std::string& key) const { return where_.empty() ? key : where_ + "." + key; }
    bool has(const std::string& key) const { return o_.contains(key) && !o_.at(key).is_null(); }

    std::string str(const std::string& key) const {
        if (!has(key)) bad(path(key), "is required");
        const auto& v = o_.at(key);
        if (!v.is_string()) bad(path(key), "must be a string");
        return v.get<std::string>();
    }
    std::string str_or(const std::string& key, std::string fallback) const {
        return has(key) ? str(key) : fallback;
    }
    std::int64_t int_in(const std::string& key, std::int64_t lo, std::int64_t hi) const {
        if (!has(key)) bad(path(key), "is required");
        const auto& v = o_.at(key);
        if (!v.is_number_integer()) bad(path(key), "must be an integer");
        const auto x = v.get<std::int64_t>();
        if (x < lo || x > hi)
            bad(path(key), "must be within " + std::to_string(lo) + ".." + std::to_string(hi) + " (got " +
                               std::to_string(x) + ")");
        return x;
    }
    std::int64_t int_or(const std::string& key, std::int64_t fallback, std::int64_t lo, std::int64_t hi) const {
        return has(key) ? int_in(key, lo, hi) : fallback;
    }
    std::int64_t positive_id(const std::string& key) const {
        if (!has(key)) bad(path(key), "is required");
        const auto& v = o_.at(key);
        if (!v.is_number_integer() || v.get<std::int64_t>() < 1) bad(path(key), "must be a positive integer");
        return v.get<std::int64_t>();
    }
    bool bool_or(const std::string& key, bool fallback) const {
        if (!has(key)) return fallback;
        if (!o_.at(key).is_boolean()) bad(path(key), "must be true or false");
        return o_.at(key).get<bool>();
    }
    std::vector<std::string> strings_or_empty(const std::string& key) const {
        std::vector<std::string> out;
        if (!has(key)) return out;
        const auto& v = o_.at(key);
        if (!v.is_array()) bad(path(key), "must be an array of strings");
        out.reserve(v.size());
        for (size_t i = 0; i < v.size(); ++i) {
            if (!v[i].is_string()) bad(path(key) + "[" + std::to_string(i) + "]", "must be a string");
            out.push_back(v[i].get<std::string>());
        }
        return out;
    }
    // Required, non-empty, at most max_count positive integers.
    std::vector<std::int64_t> ids(const std::string& key, size_t max_count) const {
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
    const json& array(const std::string& key) const {
        if (!has(key)) bad(path(key), "is required");
        if (!o_.at(key).is_array()) bad(path(key), "must be an array");
        return o_.at(key);
    }
    const json& object(const std::string& key) const {
        if (!has(key)) bad(path(key), "is required");
        if (!o_.at(key).is_object()) bad(path(key), "must be an object");
        return o_.at(key);
    }

private:
    const json& o_;
    std::string where_;
};

// The one reader of lease_seconds (claim and renew): [lease] min_seconds..max_seconds,
// default_seconds when absent.
std::int64_t read_lease_seconds(const Fields& f, const domain::ServerSettings& s) {
    return f.int_or("lease_seconds", s.lease_default_s, s.lease_min_s, s.lease_max_s);
}

// A crop is exactly {"x", "y", "width"}, finite numbers, width >= [decisions] min_crop_width;
// any other key is refused by name, and the stored crop is rebuilt from the three numbers
// (never the body's object).
CropWindow read_crop(const Fields& parent, const domain::ServerSettings& s) {
    const json& c = parent.object("crop");
    const Fields f(c, parent.path("crop"));
    for (const auto& [key, value] : c.items())
        if (key != "x" && key != "y" && key != "width")
            bad(f.path(key), "unknown key (a crop has x, y and width)");
    auto number = [&](const char* k) {
        if (!f.has(k) || !c.at(k).is_number() || !std::isfinite(c.at(k).get<double>())) bad(f.path(k), "must be a number");
        return c.at(k).get<double>();
    };
    CropWindow w{number("x"), number("y"), number("width")};
    if (w.width < s.min_crop_width)
        bad(f.path("width"), "must be at least " + std::to_string(s.min_crop_width) + " px");
    return w;
}

VerdictInput read_verdict(const Fields& f, const domain::ServerSettings& s) {
    VerdictInput v;
    const std::string verdict = f.str("verdict");
    auto parsed = storage::parse_verdict(verdict);
    if (!parsed) bad(f.path("verdict"), "'" + verdict + "' is not approve, reject or approve_recropped");
    v.verdict = *parsed;
    v.reasons = f.strings_or_empty("reasons");
    v.note = f.str_or("note", "");
    if (v.note.size() > size_t(s.max_note_bytes))
        bad(f.path("note"), "longer than " + std::to_string(s.max_note_bytes) + " bytes");
    if (v.verdict == storage::Verdict::approve_recropped) v.crop = read_crop(f, s);
    else if (f.has("crop")) bad(f.path("crop"), "only an approve_recropped decision carries a crop");
    return v;
}

// Arrays and objects nested deeper than max_depth anywhere in `s` (strings skipped).
bool nested_deeper(std::string_view s, int max_depth) {
    int depth = 0;
    bool in_string = false, escaped = false;
    for (const char c : s) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth) return true;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return false;
}

}  // namespace

json parse_body(std::string_view body, int max_depth) {
    if (nested_deeper(body, max_depth))
        reject(refusal(Refusal::malformed, "invalid_json",
                       "the request body is nested deeper than " + std::to_string(max_depth) + " levels"));
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) reject(refusal(Refusal::malformed, "invalid_json", "the request body is not valid JSON"));
    if (!j.is_object()) reject(refusal(Refusal::malformed, "invalid_json", "the request body must be a JSON object"));
    return j;
}

ClaimRequest read_claim(const json& body, const domain::ServerSettings& s) {
    const Fields f(body, "");
    ClaimRequest r;
    r.n = int(f.int_or("n", 1, 1, s.max_claim));
    r.lease_seconds = read_lease_seconds(f, s);
    r.filter.school = f.str_or("school", "");
    r.filter.grade = f.str_or("grade", "");
    r.filter.flagged_only = f.bool_or("flagged_only", false);
    r.filter.resubmissions_only = f.bool_or("resubmissions_only", false);
    return r;
}

RenewRequest read_renew(const json& body, const domain::ServerSettings& s) {
    const Fields f(body, "");
    return {f.ids("ids", size_t(s.max_lease_ids)), read_lease_seconds(f, s)};
}

ReleaseRequest read_release(const json& body, const domain::ServerSettings& s) {
    return {Fields(body, "").ids("ids", size_t(s.max_lease_ids))};
}

DecisionBatchRequest read_decisions(const json& body, const domain::ServerSettings& s) {
    const Fields f(body, "");
    const json& arr = f.array("decisions");
    if (arr.empty()) bad("decisions", "must not be empty");
    if (arr.size() > size_t(s.max_batch))
        bad("decisions", "at most " + std::to_string(s.max_batch) + " per push (got " + std::to_string(arr.size()) + ")");
    DecisionBatchRequest r;
    r.decisions.reserve(arr.size());
    for (size_t i = 0; i < arr.size(); ++i) {
        const std::string where = "decisions[" + std::to_string(i) + "]";
        if (!arr[i].is_object()) bad(where, "must be an object");
        const Fields d(arr[i], where);
        DecisionRequest x;
        x.decision_id = d.str("decision_id");
        if (x.decision_id.empty() || x.decision_id.size() > size_t(s.max_decision_id_chars))
            bad(d.path("decision_id"), "must be 1.." + std::to_string(s.max_decision_id_chars) + " characters");
        x.submission_id = d.positive_id("submission_id");
        x.verdict = read_verdict(d, s);
        if (d.has("decided_at")) x.decided_at = d.int_in("decided_at", 0, std::int64_t(1) << 40);
        r.decisions.push_back(std::move(x));
    }
    return r;
}

OverturnRequest read_overturn(const json& body, std::int64_t submission_id, const domain::ServerSettings& s) {
    return {submission_id, read_verdict(Fields(body, ""), s)};
}

ExportRequest read_export(const json& body) {
    const Fields f(body, "");
    ExportRequest r;
    r.school = f.str("school");
    r.grade = f.str_or("grade", "");
    return r;
}

UnlockRequest read_unlock(const json& body, std::string id_number) {
    return {std::move(id_number), Fields(body, "").str_or("note", "")};
}

NewUserRequest read_new_user(const json& body) {
    const Fields f(body, "");
    NewUserRequest r;
    r.name = f.str("name");
    const std::string role = f.str("role");
    auto parsed = storage::parse_role(role);
    if (!parsed) bad("role", "'" + role + "' is not reviewer, supervisor, ingest or admin");
    r.role = *parsed;
    return r;
}

IngestRequest read_ingest_meta(const json& meta, const Caller& by) {
    const Fields f(meta, "meta");
    IngestRequest r;
    storage::Student& st = r.student;
    st.name = f.str("name");
    st.id_number = f.str("id_number");
    st.student_no = f.str("student_no");
    st.school = f.str("school");
    st.station = f.str_or("station", "");
    st.grade = f.str("grade");
    if (f.has("submitted_at")) {
        if (auto e = IngestService::refuse_submitted_at(by)) reject(*e);   // before the value is read
        r.submitted_at = f.int_in("submitted_at", std::numeric_limits<std::int64_t>::min(),
                                  std::numeric_limits<std::int64_t>::max());
    }
    return r;
}

}  // namespace pd::server
