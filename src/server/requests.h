// The typed requests of API v1 (docs/api.md): what the API layer (api_json.h) parses out of a
// body or query and the services take. Parsing checks types, ranges and shapes; the services
// check the rules that need the catalog or the data (verdict_rules.h, the store).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "storage/model.h"

namespace pd::server {

// Who calls: a user's name and role (after authentication), or an admin command.
struct Caller {
    std::string name;
    storage::Role role = storage::Role::reviewer;
};

// [SECTION] reviewer

struct ClaimRequest {
    int n = 1;
    std::int64_t lease_seconds = 0;
    storage::ClaimFilter filter;
};

struct RenewRequest {
    std::vector<std::int64_t> ids;
    std::int64_t lease_seconds = 0;
};

struct ReleaseRequest {
    std::vector<std::int64_t> ids;
};

// The output window of a re-crop in pixels of the upright original (height = width * 4 / 3).
// Only these three numbers: it is stored and audited as {"x":…,"y":…,"width":…}.
struct CropWindow {
    double x = 0, y = 0, width = 0;
};
std::string crop_json(const CropWindow& c);

// What a decision and an overturn both carry.
struct VerdictInput {
    storage::Verdict verdict = storage::Verdict::approve;
    std::vector<std::string> reasons;
    std::string note;
    std::optional<CropWindow> crop;   // exactly for approve_recropped
};

struct DecisionRequest {
    std::string decision_id;
    std::int64_t submission_id = 0;
    VerdictInput verdict;
    std::optional<std::int64_t> decided_at;   // the client's clock; absent: the server's
};

struct DecisionBatchRequest {
    std::vector<DecisionRequest> decisions;
};

// [SECTION] supervisors and the platform

struct OverturnRequest {
    std::int64_t submission_id = 0;
    VerdictInput verdict;
};

struct EventsQuery {
    std::int64_t after = 0;
    int limit = 0;
};

struct AuditQuery {
    storage::AuditFilter filter;
    int limit = 0;
    int offset = 0;
    int sample = 0;             // > 0: a uniform sample of this many among the filtered records
    std::uint64_t seed = 0;     // 0: a random sample
};

struct ExportRequest {
    std::string school;
    std::string grade;          // empty: every grade
    std::filesystem::path out;  // empty: DATA/exports/<package name>; else a .zip or a folder
};

// [SECTION] ingest and admin

struct IngestRequest {
    storage::Student student;
    std::optional<std::int64_t> submitted_at;   // admins importing a backlog only
    std::span<const unsigned char> photo;
};

struct UnlockRequest {
    std::string id_number;
    std::string note;
};

struct NewUserRequest {
    std::string name;
    storage::Role role = storage::Role::reviewer;
};

}  // namespace pd::server
