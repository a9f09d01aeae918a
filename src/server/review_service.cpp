// ReviewService (review_service.h): leases, decisions, the reviewer's reads, queue figures.
#include "server/review_service.h"

#include <algorithm>
#include <map>

#include "engine/decode/decode.h"
#include "server/verdict_rules.h"

namespace pd::server {

using storage::Role;
using storage::SubmissionState;

namespace {

bool is_live_lease_of(const storage::Submission& s, const std::string& who, std::int64_t now) {
    return s.state == SubmissionState::leased && s.lease && s.lease->reviewer == who &&
           s.lease->expires_at > now;
}

// Still recorded as leased to `who`, expired or not: a decision from them applies (nobody has
// claimed the item since; docs/storage.md).
bool is_held_by(const storage::Submission& s, const std::string& who) {
    return s.state == SubmissionState::leased && s.lease && s.lease->reviewer == who;
}

// What the original really is, whatever the uploader named it (the engine's sniffer, which
// decode trusts too).
const char* media_type_of(const std::vector<unsigned char>& bytes) {
    switch (engine::sniff_format(bytes)) {
        case engine::ImageFormat::Jpeg: return "image/jpeg";
        case engine::ImageFormat::Png: return "image/png";
        case engine::ImageFormat::WebP: return "image/webp";
        case engine::ImageFormat::Heif: return "image/heif";
        case engine::ImageFormat::Bmp: return "image/bmp";
        case engine::ImageFormat::Unknown: break;
    }
    return "application/octet-stream";
}

}  // namespace

// [SECTION] leases

Outcome<std::vector<storage::Submission>> ReviewService::claim(const Caller& by, const ClaimRequest& r) {
    auto store = ctx_.stores().acquire();
    auto items = store->claim(by.name, r.n, r.lease_seconds, ctx_.now(), r.filter);
    if (!items) return store_failure(items.error());
    return std::move(items).value();
}

Outcome<std::vector<storage::Lease>> ReviewService::renew(const Caller& by, const RenewRequest& r) {
    auto store = ctx_.stores().acquire();
    auto leases = store->renew(by.name, r.ids, r.lease_seconds, ctx_.now());
    if (!leases) return store_failure(leases.error());
    return std::move(leases).value();
}

Outcome<int> ReviewService::release(const Caller& by, const ReleaseRequest& r) {
    auto store = ctx_.stores().acquire();
    auto n = store->release(by.name, r.ids, ctx_.now());
    if (!n) return store_failure(n.error());
    return n.value();
}

// [SECTION] decisions

Outcome<std::vector<storage::DecisionOutcome>> ReviewService::decide(const Caller& by, DecisionBatchRequest req) {
    const std::int64_t t = ctx_.now();
    std::vector<storage::Decision> batch;
    batch.reserve(req.decisions.size());
    for (size_t i = 0; i < req.decisions.size(); ++i) {
        DecisionRequest& d = req.decisions[i];
        if (auto e = check_verdict(d.verdict, ctx_.reasons(), "decisions[" + std::to_string(i) + "]")) return *e;
        storage::Decision x;
        x.decision_id = d.decision_id;
        x.submission_id = d.submission_id;
        x.reviewer = by.name;
        x.verdict = d.verdict.verdict;
        x.reasons = std::move(d.verdict.reasons);
        x.note = std::move(d.verdict.note);
        x.decided_at = d.decided_at.value_or(t);
        if (d.verdict.crop) x.crop_json = crop_json(*d.verdict.crop);
        batch.push_back(std::move(x));
    }
    // Re-crops: at most one render per item, and only for an item the caller holds. The first
    // re-crop of an item in input order is the one that can apply (any later decision for
    // the item finds it decided); a retry of an applied decision finds the item decided too
    // and renders nothing.
    std::map<std::int64_t, size_t> first_recrop;
    for (size_t i = 0; i < batch.size(); ++i)
        if (req.decisions[i].verdict.crop) first_recrop.emplace(batch[i].submission_id, i);
    for (const auto& [id, i] : first_recrop) {
        auto s = load(id);
        if (!s) {
            if (s.error().kind == Refusal::not_found) continue;   // the store answers the conflict
            return s.error();
        }
        if (!is_held_by(s.value(), by.name)) continue;
        auto hash = recrop_.render(s.value(), *req.decisions[i].verdict.crop,
                                   "decisions[" + std::to_string(i) + "].crop");
        if (!hash) return hash.error();
        batch[i].recropped_image = std::move(hash).value();
    }
    auto store = ctx_.stores().acquire();
    auto out = store->apply_decisions(batch, ctx_.now());
    if (!out) return store_failure(out.error());
    return std::move(out).value();
}

// [SECTION] reads

Outcome<storage::Submission> ReviewService::load(std::int64_t id) {
    auto store = ctx_.stores().acquire();
    auto s = store->get_submission(id);
    if (!s) {
        if (s.error().code == ErrorCode::NotFound)
            return refusal(Refusal::not_found, "not_found", "no submission " + std::to_string(id));
        return store_failure(s.error());
    }
    return std::move(s).value();
}

Outcome<storage::Submission> ReviewService::submission(const Caller& by, std::int64_t id) {
    auto s = load(id);
    if (s && by.role == Role::reviewer && !is_live_lease_of(s.value(), by.name, ctx_.now()))
        return refusal(Refusal::forbidden, "forbidden", "submission " + std::to_string(id) + " is not leased to you");
    return s;
}

// The reviewer compares the attempt they hold with the student's earlier ones: the history in
// the item names them, and their thumbnail and standardized image may be read. An attempt
// still pending or leased has no later attempt (ingest refuses one), so the common refusal
// costs no query.
std::optional<ServiceError> ReviewService::require_later_attempt_held(const Caller& by,
                                                                      const storage::Submission& s,
                                                                      const std::string& kind) {
    const auto denied = refusal(Refusal::forbidden, "forbidden", "submission " + std::to_string(s.id) + " is not leased to you");
    if (s.state == SubmissionState::pending || s.state == SubmissionState::leased) return denied;
    std::vector<storage::Submission> attempts;
    {
        auto store = ctx_.stores().acquire();
        auto h = store->student_history(s.student.id_number);
        if (!h) return store_failure(h.error());
        attempts = std::move(h).value();
    }
    const std::int64_t t = ctx_.now();
    const auto held = std::find_if(attempts.begin(), attempts.end(), [&](const storage::Submission& a) {
        return a.attempt > s.attempt && is_live_lease_of(a, by.name, t);
    });
    if (held == attempts.end()) return denied;
    if (kind != "thumbnail" && kind != "standardized")
        return refusal(Refusal::forbidden, "forbidden",
                       "submission " + std::to_string(s.id) + " is attempt " + std::to_string(s.attempt) +
                           " of the student whose attempt " + std::to_string(held->attempt) +
                           " is leased to you: of an earlier attempt only the thumbnail and standardized "
                           "images may be read, not '" + kind + "'");
    return std::nullopt;
}

Outcome<ImageReply> ReviewService::image(const Caller& by, std::int64_t id, const std::string& kind) {
    static const std::pair<const char*, std::string storage::ImageHashes::*> kKinds[] = {
        {"original", &storage::ImageHashes::original},
        {"standardized", &storage::ImageHashes::standardized},
        {"matte", &storage::ImageHashes::matte},
        {"thumbnail", &storage::ImageHashes::thumbnail}};
    const auto k = std::find_if(std::begin(kKinds), std::end(kKinds), [&](const auto& e) { return kind == e.first; });
    if (k == std::end(kKinds))
        return refusal(Refusal::malformed, "invalid_id", "'" + kind + "' is not original, standardized, matte or thumbnail");
    auto s = load(id);
    if (!s) return s.error();
    if (by.role == Role::reviewer && !is_live_lease_of(s.value(), by.name, ctx_.now()))
        if (auto e = require_later_attempt_held(by, s.value(), kind)) return *e;
    ImageReply reply;
    reply.sha256 = s.value().images.*(k->second);
    if (reply.sha256.empty())
        return refusal(Refusal::not_found, "not_found", "submission " + std::to_string(id) + " has no " + kind + " image");
    auto store = ctx_.stores().acquire();
    auto bytes = store->get_image(reply.sha256);
    if (!bytes) return store_failure(bytes.error());
    reply.bytes = std::move(bytes).value();
    reply.content_type = kind == "original" ? media_type_of(reply.bytes) : kind == "matte" ? "image/png" : "image/jpeg";
    return reply;
}

// [SECTION] queue figures

Outcome<QueueReply> ReviewService::queue() {
    std::lock_guard<std::mutex> lock(queue_mu_);
    const auto fresh_for = std::chrono::seconds(ctx_.settings().queue_cache_s);
    const auto tick = std::chrono::steady_clock::now();
    if (queue_cached_ && tick - queue_cached_at_ < fresh_for) return *queue_cached_;

    QueueReply reply;
    reply.now = ctx_.now();
    // "Due today": the deadline falls before the next local midnight of the calendar's zone.
    const int offset = ctx_.calendar().utc_offset_minutes();
    const std::int64_t end_of_day =
        domain::local_midnight(domain::add_days(domain::local_date(reply.now, offset), 1), offset);
    {
        auto store = ctx_.stores().acquire();
        auto q = store->queue_figures(reply.now, end_of_day);
        if (!q) return store_failure(q.error());
        reply.figures = q.value();
    }
    queue_cached_ = reply;
    queue_cached_at_ = tick;
    return reply;
}

}  // namespace pd::server
