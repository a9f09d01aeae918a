// IngestService: one photo of one student into the queue, for POST /v1/submissions and
// `photodeskd ingest`. The engine's results are reused when the same bytes were analysed
// before by the same engine version and spec: re-uploads and bulk (demo, benchmark) queues
// then cost a hash and a lookup instead of an engine run.
//
// Thread-safe: any number of request or CLI worker threads; engine runs share the engine gate.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "server/requests.h"
#include "server/service_context.h"
#include "server/service_error.h"

namespace pd::server {

struct IngestReply {
    storage::Submission submission;
    // Why no standardized photo could be made: the report's {"code", "kind", "message"}
    // (docs/cli.md); null when it was made.
    nlohmann::json spec_error;
    bool reused = false;      // the engine's results came from an earlier ingest of the bytes
};

class IngestService {
public:
    explicit IngestService(ServiceContext& ctx) : ctx_(ctx) {}

    // Validates the student (ID number check digit: rule invalid_id_number), refuses early
    // when the student has an attempt in review (conflict in_review), runs the engine (rule
    // bad_image when the bytes are no photo) unless the same bytes were analysed before,
    // stores original, standardized, matte and thumbnail, computes the SLA deadline
    // (unavailable calendar_missing_year) and adds the submission (conflict in_review /
    // needs_unlock, with submission_id and attempt of the blocking attempt).
    // `submitted_at` (admins only): the time of receipt, > 0 and not after now + [ingest]
    // submitted_at_max_skew_seconds. Absent: now.
    Outcome<IngestReply> ingest(const Caller& by, IngestRequest request);

    // Forbidden (naming meta.submitted_at) unless the caller may set the time of receipt.
    // The API layer asks before it reads the value, so a refused role learns nothing of it.
    static std::optional<ServiceError> refuse_submitted_at(const Caller& by);

private:
    Outcome<std::int64_t> receipt_time(const Caller& by, std::optional<std::int64_t> submitted_at) const;
    std::optional<ServiceError> refuse_if_in_review(const std::string& id_number);
    Outcome<bool> reuse_engine_output(const std::string& original_sha256, storage::NewSubmission& ns,
                                      nlohmann::json* spec_error);
    std::optional<ServiceError> run_engine(std::span<const unsigned char> photo, storage::NewSubmission& ns,
                                           nlohmann::json* spec_error);

    ServiceContext& ctx_;
};

}  // namespace pd::server
