// ReviewService: the queue and its decisions, as reviewers (and the status bars of every
// workstation) use them: claim, renew and release leases; push decisions; read the items they
// hold and their images; the queue's figures. It takes typed requests (requests.h) and answers
// values or ServiceErrors; it knows no HTTP and no JSON.
//
// Thread-safe: every method takes a connection from the pool for one Store call (one
// transaction); re-crops render under the engine gate (recrop.h).
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "server/recrop.h"
#include "server/requests.h"
#include "server/service_context.h"
#include "server/service_error.h"

namespace pd::server {

struct ImageReply {
    std::vector<unsigned char> bytes;
    std::string content_type;
    std::string sha256;
};

struct QueueReply {
    std::int64_t now = 0;          // when the figures were computed
    storage::QueueFigures figures;
};

class ReviewService {
public:
    ReviewService(ServiceContext& ctx, Recropper& recrop) : ctx_(ctx), recrop_(recrop) {}

    Outcome<std::vector<storage::Submission>> claim(const Caller& by, const ClaimRequest& r);
    Outcome<std::vector<storage::Lease>> renew(const Caller& by, const RenewRequest& r);
    Outcome<int> release(const Caller& by, const ReleaseRequest& r);

    // Checks every decision's rules first (verdict_rules.h: nothing applied on a refusal),
    // renders re-crops (once per item the caller holds: the first re-crop of it in input
    // order), then applies the batch in one transaction; one outcome per decision, in order.
    Outcome<std::vector<storage::DecisionOutcome>> decide(const Caller& by, DecisionBatchRequest batch);

    // An item as the caller may see it: reviewers only their live leases (forbidden otherwise).
    Outcome<storage::Submission> submission(const Caller& by, std::int64_t id);
    // kind: original | standardized | matte | thumbnail. Reviewers: the images of their live
    // leases, plus the thumbnail and standardized image of the earlier attempts of a student
    // whose later attempt they hold (forbidden otherwise).
    Outcome<ImageReply> image(const Caller& by, std::int64_t id, const std::string& kind);

    // The queue's size and SLA figures, recomputed at most once per [queue] cache_seconds (all
    // callers share the answer).
    Outcome<QueueReply> queue();

private:
    Outcome<storage::Submission> load(std::int64_t id);
    std::optional<ServiceError> require_later_attempt_held(const Caller& by, const storage::Submission& s,
                                                           const std::string& kind);

    ServiceContext& ctx_;
    Recropper& recrop_;
    // The queue figures' last answer and when it was computed (steady clock). Guarded by
    // queue_mu_, which stays held while the figures are recomputed: callers arriving then wait
    // for that one query and share its answer instead of each running it.
    std::mutex queue_mu_;
    std::optional<QueueReply> queue_cached_;
    std::chrono::steady_clock::time_point queue_cached_at_{};
};

}  // namespace pd::server
