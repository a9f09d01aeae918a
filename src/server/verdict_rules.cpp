#include "server/verdict_rules.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace pd::server {

std::string crop_json(const CropWindow& c) {
    return nlohmann::json{{"x", c.x}, {"y", c.y}, {"width", c.width}}.dump();
}

bool is_blank(std::string_view note) {
    for (size_t i = 0; i < note.size();) {
        const std::string_view rest = note.substr(i);
        if (rest.starts_with("\u3000")) i += 3;        // ideographic space
        else if (rest.starts_with("\u00A0")) i += 2;   // no-break space
        else if (std::string_view(" \t\r\n\v\f").find(note[i]) != std::string_view::npos) ++i;
        else return false;
    }
    return true;
}

std::optional<ServiceError> check_verdict(VerdictInput& v, const domain::ReasonCatalog& catalog,
                                          const std::string& where) {
    auto path = [&](const std::string& key) { return where.empty() ? key : where + "." + key; };
    // A reason can be given once, so more entries than the catalog holds are no review: refuse
    // them before looking at any (one 0.96 MB rejection once made a 23.5 MB event).
    const size_t most = catalog.all().size();
    if (v.reasons.size() > most)
        return refusal(Refusal::malformed, "invalid_field",
                       path("reasons") + ": at most " + std::to_string(most) + " reasons (the catalog's size), got " +
                           std::to_string(v.reasons.size()),
                       path("reasons"));
    std::set<std::string> seen;
    std::vector<std::string> unique;
    const bool blank_note = is_blank(v.note);
    for (size_t i = 0; i < v.reasons.size(); ++i) {
        const std::string field = path("reasons") + "[" + std::to_string(i) + "]";
        const domain::Reason* r = catalog.find(v.reasons[i]);
        if (!r)
            return refusal(Refusal::rule, "unknown_reason",
                           field + ": unknown reason '" + v.reasons[i] + "' (see GET /v1/reasons)", field);
        if (r->note_required && blank_note)
            return refusal(Refusal::rule, "note_required", field + ": reason '" + r->code + "' needs a note",
                           path("note"));
        if (seen.insert(v.reasons[i]).second) unique.push_back(v.reasons[i]);
    }
    v.reasons = std::move(unique);
    if (v.verdict == storage::Verdict::reject && v.reasons.empty())
        return refusal(Refusal::rule, "reasons_required", path("reasons") + ": a rejection needs at least one reason",
                       path("reasons"));
    return std::nullopt;
}

}  // namespace pd::server
