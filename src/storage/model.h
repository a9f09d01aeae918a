// Plain records of the review queue as the storage layer sees them: students, submissions
// (one attempt of one student), leases, decisions, audit records and the events feed.
// No I/O here; the Store (store.h) persists them. Times are unix seconds (UTC); callers pass
// `now` explicitly so tests and the server agree on one clock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pd::storage {

// pending -> leased -> approved | rejected; approved -> locked once exported.
// A lease past its expiry is still stored as `leased`; claim and the queue figures treat it as
// pending (no sweeper thread is needed; claim simply takes it). Until someone else claims it,
// the reviewer it is recorded for may still decide on it or renew it.
enum class SubmissionState { pending, leased, approved, rejected, locked };
enum class Verdict { approve, reject, approve_recropped };
enum class Role { reviewer, supervisor, ingest, admin };

const char* to_string(SubmissionState s);
const char* to_string(Verdict v);
const char* to_string(Role r);
std::optional<SubmissionState> parse_state(std::string_view s);
std::optional<Verdict> parse_verdict(std::string_view s);
std::optional<Role> parse_role(std::string_view s);
// The state a verdict puts a submission in (approve and approve_recropped -> approved).
SubmissionState state_after(Verdict v);

struct Student {
    std::string name;
    std::string id_number;   // 18 characters, validated by the caller (domain/id_number.h)
    std::string student_no;
    std::string school;
    std::string station;     // teaching station
    std::string grade;       // grade / batch, the export unit within a school
};

// SHA-256 hex of images held by the ImageStore. Empty when not (yet) produced.
struct ImageHashes {
    std::string original, standardized, matte, thumbnail;
};

struct Lease {
    std::int64_t submission_id = 0;
    std::string reviewer;
    std::int64_t expires_at = 0;
};

// The decision currently in force for a submission (the reviewer's, or a supervisor's overturn).
struct DecisionSummary {
    Verdict verdict = Verdict::approve;
    std::vector<std::string> reasons;
    std::string note;
    std::string crop_json;              // for approve_recropped, else empty
    std::string reviewer;               // who decided first
    std::int64_t decided_at = 0;
    std::string overturned_by;          // empty unless a supervisor overturned it
    std::int64_t overturned_at = 0;
};

// One earlier attempt of a student, as the "history" of a later attempt shows it: its state,
// the decision in force (if decided) and its thumbnail hash.
struct AttemptSummary {
    std::int64_t submission_id = 0;
    int attempt = 1;
    SubmissionState state = SubmissionState::pending;
    std::optional<DecisionSummary> decision;
    std::string thumbnail;              // SHA-256 hex, or empty
};

struct Submission {
    std::int64_t id = 0;
    Student student;
    int attempt = 1;
    SubmissionState state = SubmissionState::pending;
    std::int64_t submitted_at = 0;
    std::int64_t sla_deadline = 0;
    ImageHashes images;
    std::string checks_json;            // the engine's check report, opaque to storage
    std::vector<std::string> flags;     // e.g. "duplicate_image"
    std::optional<Lease> lease;         // set while stored as leased (check expires_at vs now)
    std::optional<DecisionSummary> decision;
    // The student's earlier attempts (attempt < this one), oldest first. Filled by
    // get_submission and claim; empty for attempt 1 and in list results (student_history,
    // lock_for_export).
    std::vector<AttemptSummary> history;
};

struct NewSubmission {
    Student student;
    ImageHashes images;
    std::string checks_json = "{}";
    std::int64_t submitted_at = 0;
    std::int64_t sla_deadline = 0;
};

enum class AddStatus {
    added,
    in_review,        // the student already has a pending or leased attempt
    needs_unlock,     // the student's photo is approved or locked: an admin must unlock first
};
const char* to_string(AddStatus s);

struct AddedSubmission {
    AddStatus status = AddStatus::added;
    std::int64_t id = 0;        // the new submission, or the one that blocks a new attempt
    int attempt = 0;            // of that submission
    SubmissionState blocking_state = SubmissionState::pending;  // when refused
    std::vector<std::string> flags;
};

inline constexpr const char* kFlagDuplicateImage = "duplicate_image";

struct ClaimFilter {
    std::string school;              // empty: any
    std::string grade;               // empty: any
    bool flagged_only = false;
    bool resubmissions_only = false; // attempt > 1
};

struct Decision {
    std::string decision_id;         // client-generated idempotency key
    std::int64_t submission_id = 0;
    std::string reviewer;
    Verdict verdict = Verdict::approve;
    std::vector<std::string> reasons;
    std::string note;
    std::string crop_json;
    std::int64_t decided_at = 0;     // client clock, stored; lease checks use the server's now
    // For approve_recropped: the SHA-256 of the photo the server re-rendered with crop_json
    // (already stored with put_image). It replaces the item's standardized image.
    std::string recropped_image;
};

enum class DecisionStatus { applied, duplicate, conflict };
const char* to_string(DecisionStatus s);

struct DecisionOutcome {
    std::string decision_id;
    DecisionStatus status = DecisionStatus::conflict;
    std::int64_t submission_id = 0;
    std::optional<SubmissionState> state;  // current state; empty for an unknown submission
    std::string message;                   // why a conflict, or what the duplicate did
};

struct Overturn {
    std::string supervisor;
    std::int64_t submission_id = 0;
    Verdict verdict = Verdict::reject;
    std::vector<std::string> reasons;
    std::string note;
    std::string crop_json;           // for approve_recropped
    std::int64_t at = 0;
    std::string recropped_image;     // as Decision::recropped_image
};

// Result of an operation that may be refused by the submission's current state.
struct ChangeOutcome {
    bool applied = false;
    SubmissionState state = SubmissionState::pending;  // after the operation
    std::string message;                               // why refused
};

struct AuditRecord {
    std::int64_t id = 0;
    std::int64_t at = 0;
    std::string actor;
    std::string action;            // decision | overturn | lock | unlock | user_add | user_revoke
    std::int64_t submission_id = 0; // 0 when not about a submission
    std::string detail_json;
};

struct AuditFilter {
    std::string actor, action, school;   // empty: any
    std::int64_t submission_id = 0;      // 0: any
    std::int64_t from = 0, to = 0;       // at in [from, to); 0: open
};

struct Event {
    std::int64_t cursor = 0;       // strictly increasing in commit order
    std::int64_t at = 0;
    std::string type;              // decision | overturn | locked
    std::int64_t submission_id = 0;
    std::string payload_json;
};

struct ExportItem {
    Submission submission;         // state locked, decision set
    // When the server applied the reviewer's decision (decisions.applied_at; 0 for rows older
    // than that column's use). The manifest dates a decision by the server's clock, never by
    // the decided_at a client sent.
    std::int64_t applied_at = 0;
};

struct ReviewerStats {
    std::string reviewer;
    std::int64_t decisions = 0;
    std::int64_t rejections = 0;   // decisions with verdict reject (as first decided)
    std::int64_t overturned = 0;   // of their decisions, overturned by a supervisor
    std::int64_t first_at = 0, last_at = 0;            // server time of first / last decision
    std::map<std::string, std::int64_t> by_reason;     // reason code -> rejections citing it
};

struct Stats {
    std::map<SubmissionState, std::int64_t> by_state;  // expired leases count as pending
    std::int64_t expired_leases = 0;
    std::vector<ReviewerStats> reviewers;              // by name
};

// SLA compliance (deadline = exclusive bound; a decision counts when the server applied it).
struct SlaSummary {
    std::int64_t open = 0;             // pending or leased
    std::int64_t overdue = 0;          // open with deadline <= now
    std::int64_t due_24h = 0;          // open with now < deadline <= now + 24 h
    std::int64_t oldest_deadline = 0;  // earliest deadline among open items (0 when none)
    std::int64_t decided = 0;
    std::int64_t decided_on_time = 0;  // applied_at < deadline
};

// The queue's size and SLA figures for a status bar (GET /v1/queue). Deadlines are exclusive
// bounds, as in SlaSummary.
struct QueueFigures {
    std::int64_t open = 0;             // pending or leased (expired leases included)
    std::int64_t leased = 0;           // live leases: lease_expires > now
    std::int64_t overdue = 0;          // open with deadline <= now
    std::int64_t due_today = 0;        // open with now < deadline <= end of the local day
    std::int64_t due_24h = 0;          // open with now < deadline <= now + 24 h
    std::int64_t oldest_deadline = 0;  // earliest deadline among open items (0 when none)
};

// What the engine made of one original image, as kept on a submission whose standardized
// image is still the engine's own (never re-cropped, never overturned): reusable for the same
// bytes when the report's engine version and spec match.
struct EngineOutput {
    std::int64_t submission_id = 0;
    std::string checks_json;           // the engine's report (carries engine_version and spec)
    ImageHashes images;
};

struct User {
    std::int64_t id = 0;
    std::string name;
    Role role = Role::reviewer;
    std::string token_hash;
    std::int64_t created_at = 0;
    std::int64_t revoked_at = 0;       // 0 while the token is valid
};

}  // namespace pd::storage
