// SupervisionService (supervision_service.h).
#include "server/supervision_service.h"

#include <algorithm>
#include <iterator>
#include <random>

#include "server/verdict_rules.h"

namespace pd::server {

using storage::SubmissionState;

Outcome<EventsPage> SupervisionService::events(const EventsQuery& q) {
    auto store = ctx_.stores().acquire();
    auto evs = store->events_since(q.after, q.limit);
    if (!evs) return store_failure(evs.error());
    EventsPage page;
    page.events = std::move(evs).value();
    page.next_cursor = page.events.empty() ? q.after : page.events.back().cursor;
    return page;
}

Outcome<std::vector<storage::AuditRecord>> SupervisionService::audit(const AuditQuery& q) {
    std::vector<storage::AuditRecord> records;
    {
        auto store = ctx_.stores().acquire();
        // A sample is drawn from the newest [feeds] audit_max_limit filtered records.
        auto r = store->audit_list(q.filter, q.sample > 0 ? ctx_.settings().audit_max_limit : q.limit,
                                   q.sample > 0 ? 0 : q.offset);
        if (!r) return store_failure(r.error());
        records = std::move(r).value();
    }
    if (q.sample > 0 && size_t(q.sample) < records.size()) {
        std::mt19937_64 rng(q.seed ? q.seed : std::random_device{}());
        std::vector<storage::AuditRecord> picked;
        std::sample(records.begin(), records.end(), std::back_inserter(picked), q.sample, rng);
        records = std::move(picked);   // std::sample keeps the input order: newest first
    }
    return records;
}

Outcome<storage::ChangeOutcome> SupervisionService::overturn(const Caller& by, OverturnRequest r) {
    if (auto e = check_verdict(r.verdict, ctx_.reasons(), "")) return *e;
    if (is_blank(r.verdict.note))
        return refusal(Refusal::rule, "note_required", "note: an overturn needs a note", "note");
    storage::Overturn o;
    o.supervisor = by.name;
    o.submission_id = r.submission_id;
    o.verdict = r.verdict.verdict;
    o.reasons = std::move(r.verdict.reasons);
    o.note = std::move(r.verdict.note);
    o.at = ctx_.now();
    if (r.verdict.crop) {
        o.crop_json = crop_json(*r.verdict.crop);
        storage::Submission s;
        {
            auto store = ctx_.stores().acquire();
            auto got = store->get_submission(r.submission_id);
            if (!got) {
                if (got.error().code == ErrorCode::NotFound)
                    return refusal(Refusal::not_found, "not_found", "no submission " + std::to_string(r.submission_id));
                return store_failure(got.error());
            }
            s = std::move(got).value();
        }
        // Only a decided item can be overturned: render nothing for the others (the store
        // answers them).
        if (s.state == SubmissionState::approved || s.state == SubmissionState::rejected) {
            auto hash = recrop_.render(s, *r.verdict.crop, "crop");
            if (!hash) return hash.error();
            o.recropped_image = std::move(hash).value();
        }
    }
    auto store = ctx_.stores().acquire();
    auto out = store->overturn(o);
    if (!out) {
        if (out.error().code == ErrorCode::NotFound)
            return refusal(Refusal::not_found, "not_found", out.error().message);
        return store_failure(out.error());
    }
    if (!out->applied) {
        auto e = refusal(Refusal::conflict, "conflict", "overturn refused: " + out->message);
        e.extra = {{"state", storage::to_string(out->state)}};
        return e;
    }
    return std::move(out).value();
}

Outcome<storage::Stats> SupervisionService::stats() {
    auto store = ctx_.stores().acquire();
    auto st = store->stats(ctx_.now());
    if (!st) return store_failure(st.error());
    return std::move(st).value();
}

Outcome<SlaReply> SupervisionService::sla() {
    SlaReply reply;
    reply.now = ctx_.now();
    auto store = ctx_.stores().acquire();
    auto s = store->sla_summary(reply.now);
    if (!s) return store_failure(s.error());
    reply.summary = s.value();
    return reply;
}

}  // namespace pd::server
