// config/reasons.toml -> domain::ReasonCatalog. One [[reason]] table per reason, in the order
// reviewers see them:
//   [[reason]]
//   code = "head_tilted"
//   label_zh = "…"  label_en = "…"
//   student_message_zh = "…"  student_message_en = "…"
//   suggested_by_checks = ["eye_tilt", "yaw"]   # optional, default []
//   suggested_by_refusals = ["head_proportions"] # optional, default []: engine refusal kinds
//   note_required = false                       # optional, default false
#include <map>

#include "config/config.h"
#include "config/toml_reader.h"

namespace pd::config {

using detail::Node;

namespace {

// A list of identifiers (check ids, refusal kinds), each once.
std::vector<std::string> read_ids(const Node& node, std::string_view key, std::string_view what) {
    std::vector<std::string> out;
    if (!node.has(key)) return out;
    const toml::value& v = node.require(key);
    if (!v.is_array()) node.fail_value(key, "must be an array of " + std::string(what) + "s");
    const auto& items = v.as_array();
    for (std::size_t i = 0; i < items.size(); ++i) {
        const toml::value& e = items[i];
        const std::string at = node.key_path(key) + "[" + std::to_string(i) + "] = " + detail::describe(e);
        if (!e.is_string() || !domain::is_identifier(e.as_string().str))
            node.fail_at(e, at + ": must be a " + std::string(what) + " (a-z, 0-9 and _)");
        for (const std::string& seen : out) {
            if (seen == e.as_string().str) node.fail_at(e, at + ": listed twice");
        }
        out.push_back(e.as_string().str);
    }
    return out;
}

}  // namespace

Result<domain::ReasonCatalog> parse_reasons(std::string_view toml_text, std::string_view origin) {
    domain::ReasonCatalog catalog;
    Status status = detail::parse_document(toml_text, origin, [&](const Node& root) {
        root.allow_only({"reason"});
        if (!root.has("reason")) root.fail("missing [[reason]] tables");
        const toml::value& list = root.require("reason");
        if (!list.is_array()) root.fail_at(list, "'reason' must be an array of tables, written [[reason]]");

        std::vector<domain::Reason> reasons;
        std::map<std::string, std::string> first_seen;  // code -> "reason[i]"
        const auto& items = list.as_array();
        for (std::size_t i = 0; i < items.size(); ++i) {
            const std::string path = "reason[" + std::to_string(i) + "]";
            const Node r(items[i], path, std::string(origin));
            r.allow_only({"code", "label_zh", "label_en", "student_message_zh", "student_message_en",
                          "suggested_by_checks", "suggested_by_refusals", "note_required"});
            domain::Reason reason;
            reason.code = r.string("code");
            if (!domain::is_identifier(reason.code)) r.fail_value("code", "must use only a-z, 0-9 and _");
            if (auto it = first_seen.find(reason.code); it != first_seen.end())
                r.fail_value("code", "duplicate reason code, already defined by " + it->second);
            first_seen[reason.code] = path;
            reason.label_zh = r.string("label_zh");
            reason.label_en = r.string("label_en");
            reason.student_message_zh = r.string("student_message_zh");
            reason.student_message_en = r.string("student_message_en");
            reason.suggested_by_checks = read_ids(r, "suggested_by_checks", "check id");
            reason.suggested_by_refusals = read_ids(r, "suggested_by_refusals", "refusal kind");
            reason.note_required = r.boolean("note_required", false);
            reasons.push_back(std::move(reason));
        }
        if (reasons.empty()) root.fail("no [[reason]] tables");
        Result<domain::ReasonCatalog> created = domain::ReasonCatalog::create(std::move(reasons));
        if (!created) root.fail(created.error().message);
        catalog = std::move(*created);
    });
    if (!status) return status.error();
    return catalog;
}

Result<domain::ReasonCatalog> load_reasons(const std::string& config_dir) {
    return detail::load_file<domain::ReasonCatalog>(detail::join_path(config_dir, "reasons.toml"), parse_reasons);
}

}  // namespace pd::config
