#include "domain/reason_catalog.h"

#include <algorithm>
#include <set>

namespace pd::domain {

namespace {
Error invalid(std::string message) { return make_error(ErrorCode::InvalidArgument, std::move(message)); }
}  // namespace

bool is_identifier(std::string_view code) {
    if (code.empty()) return false;
    return std::all_of(code.begin(), code.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

Result<ReasonCatalog> ReasonCatalog::create(std::vector<Reason> reasons) {
    std::set<std::string> codes;
    std::set<std::string> refusals;   // across reasons: a refusal suggests one reason
    for (const Reason& r : reasons) {
        if (!is_identifier(r.code))
            return invalid("reason code '" + r.code + "' must be non-empty and use only a-z, 0-9 and _");
        if (!codes.insert(r.code).second) return invalid("reason code '" + r.code + "' is defined twice");
        const std::pair<const char*, const std::string*> texts[] = {
            {"label_zh", &r.label_zh},
            {"label_en", &r.label_en},
            {"student_message_zh", &r.student_message_zh},
            {"student_message_en", &r.student_message_en},
        };
        for (const auto& [name, text] : texts) {
            if (text->empty()) return invalid("reason '" + r.code + "' has an empty " + name);
        }
        std::set<std::string> checks;
        for (const std::string& check : r.suggested_by_checks) {
            if (!is_identifier(check))
                return invalid("reason '" + r.code + "' lists an invalid check id '" + check + "'");
            if (!checks.insert(check).second)
                return invalid("reason '" + r.code + "' lists check '" + check + "' twice");
        }
        for (const std::string& kind : r.suggested_by_refusals) {
            if (!is_identifier(kind))
                return invalid("reason '" + r.code + "' lists an invalid refusal '" + kind + "'");
            if (!refusals.insert(kind).second)
                return invalid("refusal '" + kind + "' suggests more than one reason (again in '" + r.code + "')");
        }
    }
    ReasonCatalog catalog;
    catalog.reasons_ = std::move(reasons);
    return catalog;
}

const Reason* ReasonCatalog::find(std::string_view code) const {
    for (const Reason& r : reasons_) {
        if (r.code == code) return &r;
    }
    return nullptr;
}

std::vector<const Reason*> ReasonCatalog::suggested_by(std::string_view check_id) const {
    std::vector<const Reason*> out;
    for (const Reason& r : reasons_) {
        if (std::find(r.suggested_by_checks.begin(), r.suggested_by_checks.end(), check_id) !=
            r.suggested_by_checks.end())
            out.push_back(&r);
    }
    return out;
}

}  // namespace pd::domain
