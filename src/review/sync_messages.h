// What the review session asks of the sync worker, and what comes back. Plain values: a request
// is a snapshot of everything the worker needs (as darktable's commit_params), so the worker
// never reads the session's state. Every request and result carries the session's generation;
// the session drops results of an older generation (a logout, a new server).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "review/item.h"
#include "review/journal.h"
#include "review/pixels.h"

namespace pd::review {

// [SECTION] requests

struct HelloRequest {};                      // healthz (API version), me (role), reasons
struct RestoreRequest {};                    // items cached by an earlier run
struct ClaimRequest {
    int n = 10;
    int lease_seconds = 300;
};
struct FetchImageRequest {
    std::int64_t submission_id = 0;          // whose image URL to use
    std::string kind;                        // original | standardized | thumbnail
    std::string hash;                        // expected SHA-256 (the cache key)
    int max_side = 0;                        // downscale bound for the decoded pixels
};
struct PushRequest {
    std::vector<JournalEntry> batch;
};
struct RenewRequest {
    std::vector<std::int64_t> ids;
    int lease_seconds = 300;
};
struct ReleaseRequest {
    std::vector<std::int64_t> ids;
};
struct ForgetRequest {                       // decided and answered: drop from the local cache
    std::vector<std::int64_t> ids;
};
struct QueueRequest {};                      // GET /v1/queue for the status bar

using Request = std::variant<HelloRequest, RestoreRequest, ClaimRequest, FetchImageRequest, PushRequest,
                             RenewRequest, ReleaseRequest, ForgetRequest, QueueRequest>;

// [SECTION] results

struct ReasonInfo {
    std::string code, label_zh, label_en;
    std::vector<std::string> suggested_by_checks;
    std::vector<std::string> suggested_by_refusals;   // spec_error kinds (no spec photo) that tick it
    bool note_required = false;
};

enum class HelloProblem { none, unreachable, bad_version, unauthorized, wrong_role, bad_answer };

struct HelloResult {
    HelloProblem problem = HelloProblem::none;
    std::string message;                     // for the login screen when problem != none
    std::string user, role;
    std::vector<ReasonInfo> reasons;
};
struct RestoreResult {
    std::vector<ReviewItem> items;
    std::vector<std::string> errors;         // cached rows that no longer parse
};
struct ClaimResult {
    bool ok = false;
    std::vector<ReviewItem> items;
    std::string message;                     // when !ok
};
struct ImageResult {
    std::int64_t submission_id = 0;
    std::string kind, hash;
    bool ok = false;
    Pixels pixels;
    std::string message;                     // when !ok: why (404, corrupt, network)
    bool retry = false;                      // a transport failure: worth asking again later
};
struct PushResult {
    bool ok = false;                         // an answer for every decision
    std::vector<Answer> answers;
    std::vector<std::string> batch_ids;      // the decision ids that were sent
    bool transport = false;                  // !ok because the server could not be reached
    bool refused = false;                    // !ok because the server refused the batch (4xx)
    int status = 0;
    std::string message;
};
struct RenewResult {
    bool ok = false;
    std::vector<std::int64_t> asked;
    std::vector<std::pair<std::int64_t, std::int64_t>> renewed;  // id, expires_at
};
struct ReleaseResult {
    bool ok = false;
    std::vector<std::int64_t> ids;
};
struct QueueResult {
    bool ok = false;
    std::int64_t now = 0, open = 0, overdue = 0, due_today = 0, oldest_deadline = 0;
};
// Sent whenever the worker's view of the server changes (a call failed or succeeded again).
struct ConnectionResult {
    bool online = true;
    std::string message;                     // the transport error while offline
    bool unauthorized = false;               // a 401: the token was revoked
};

using Result_ = std::variant<HelloResult, RestoreResult, ClaimResult, ImageResult, PushResult, RenewResult,
                             ReleaseResult, QueueResult, ConnectionResult>;

struct Envelope {
    std::uint64_t generation = 0;
    Request request;
};
struct Reply {
    std::uint64_t generation = 0;
    Result_ result;
};

}  // namespace pd::review
