// Internal to pd_demo: one ingest through API v1 with the demo's answers to each status, and a
// small pool of threads (one ApiClient each) that runs many of them and reports each result
// on the calling thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "client/api_client.h"
#include "common/result.h"
#include "demo/students.h"

namespace pd::demo::detail {

struct IngestOutcome {
    enum class Kind {
        added,    // 201: a new submission
        present,  // 409 in_review / needs_unlock: the student is in already (resumed run)
        failed,   // refused for this item only (422, 413, 5xx ...): the build goes on
        fatal,    // the server is gone, a token is refused, the calendar lacks a year: stop
        skipped,  // not attempted (stopped, or nothing to do)
    };
    Kind kind = Kind::skipped;
    std::int64_t submission_id = 0;
    int attempt = 0;
    std::string state;                // present items: the blocking attempt's state when known
    std::int64_t sla_deadline = 0;    // 0 when unknown
    std::optional<bool> honoured;     // added items: did the server keep our submitted_at
    std::string message;              // failed / fatal
    ErrorCode code = ErrorCode::Internal;  // fatal
};

// Whether to send `submitted_at`: cleared (once, with a note) when the server refuses the key.
struct SubmittedAtPolicy {
    std::atomic<bool> send{true};
    std::atomic<bool> refused{false};
};

// Ingests one photo. Transport failures are retried (ingest is idempotent here: a repeat
// answers 409 for the same student); a 409 is `present`, and with `fetch_present` the blocking
// submission is read (GET, admin) for its deadline and state.
IngestOutcome ingest_one(client::ApiClient& c, const Student& s, std::optional<std::int64_t> submitted_at,
                         const std::vector<std::uint8_t>& bytes, const std::string& filename,
                         SubmittedAtPolicy& policy, bool fetch_present);

// Runs work(i, client) for i in [0, n) on `threads` threads, each with its own
// ApiClient(base_url, token); done(i, outcome) runs on the calling thread as each finishes,
// in completion order. After `stop` or a fatal outcome no new job starts. Returns the first
// fatal outcome, if any.
std::optional<IngestOutcome> run_pool(const std::string& base_url, const std::string& token, int threads, int n,
                                      const std::function<IngestOutcome(int, client::ApiClient&)>& work,
                                      const std::function<void(int, const IngestOutcome&)>& done,
                                      const std::atomic<bool>& stop);

// "IMG_20261127_193512.jpg": a phone camera's name for a photo taken at `t` (local time).
std::string camera_filename(std::int64_t t, int utc_offset_minutes, const std::string& extension);

}  // namespace pd::demo::detail
