// The JSON forms of the API (docs/api.md): storage records out, request bodies in. Readers
// throw ApiError 400 invalid_field naming the field ("decisions[2].verdict"), so every
// malformed request gets one specific answer and nothing is stored.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "domain/reason_catalog.h"
#include "storage/model.h"

namespace pd::server {

inline constexpr int kApiVersion = 1;

// [SECTION] out
// `mask_ids`: reviewers see ID numbers masked (domain::mask_id_number).
nlohmann::json to_json(const storage::Submission& s, bool mask_ids);
nlohmann::json to_json(const storage::DecisionOutcome& o);
nlohmann::json to_json(const storage::AuditRecord& r);
// The event with its payload parsed and every reason code expanded with the student-facing
// messages of the catalog, so the platform can tell the student without a second lookup.
nlohmann::json to_json(const storage::Event& e, const domain::ReasonCatalog& reasons);
nlohmann::json to_json(const domain::Reason& r);

// [SECTION] in
// Parses a request body: 400 invalid_json unless it is a JSON object.
nlohmann::json parse_body(const std::string& body);

// Field readers on an object `o` whose path is `where` ("" for the body itself).
class Fields {
public:
    Fields(const nlohmann::json& o, std::string where) : o_(o), where_(std::move(where)) {}

    std::string path(const std::string& key) const { return where_.empty() ? key : where_ + "." + key; }
    bool has(const std::string& key) const { return o_.contains(key) && !o_.at(key).is_null(); }

    std::string str(const std::string& key) const;                            // required
    std::string str_or(const std::string& key, std::string fallback) const;   // optional
    std::int64_t int_or(const std::string& key, std::int64_t fallback, std::int64_t lo, std::int64_t hi) const;
    std::int64_t positive_id(const std::string& key) const;                   // required, >= 1
    bool bool_or(const std::string& key, bool fallback) const;
    std::vector<std::string> strings_or_empty(const std::string& key) const;
    std::vector<std::int64_t> ids(const std::string& key, size_t max_count) const;  // required, non-empty
    const nlohmann::json& array(const std::string& key) const;               // required
    const nlohmann::json& object(const std::string& key) const;              // required

private:
    const nlohmann::json& o_;
    std::string where_;
};

}  // namespace pd::server
