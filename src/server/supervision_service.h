// SupervisionService: what supervisors and the collection platform read and change after the
// reviewers: the events feed, the audit log (with uniform samples), overturns, per-reviewer
// statistics and SLA compliance. Typed requests in, values or ServiceErrors out; no HTTP.
//
// Thread-safe: one Store call (one transaction) per method; an overturn's re-crop renders
// under the engine gate.
#pragma once

#include <vector>

#include "server/recrop.h"
#include "server/requests.h"
#include "server/service_context.h"
#include "server/service_error.h"

namespace pd::server {

struct EventsPage {
    std::vector<storage::Event> events;
    std::int64_t next_cursor = 0;   // the last event's cursor, or the query's `after`
};

struct SlaReply {
    std::int64_t now = 0;
    storage::SlaSummary summary;
};

class SupervisionService {
public:
    SupervisionService(ServiceContext& ctx, Recropper& recrop) : ctx_(ctx), recrop_(recrop) {}

    Outcome<EventsPage> events(const EventsQuery& q);
    // Newest first; with q.sample > 0 a uniform sample (in that order) of the filtered records.
    Outcome<std::vector<storage::AuditRecord>> audit(const AuditQuery& q);
    // Applies the verdict rules (verdict_rules.h) and an overturn note; conflict (with the
    // item's state in `extra`) when the item's state refuses it; not_found.
    Outcome<storage::ChangeOutcome> overturn(const Caller& by, OverturnRequest r);
    Outcome<storage::Stats> stats();
    Outcome<SlaReply> sla();

private:
    ServiceContext& ctx_;
    Recropper& recrop_;
};

}  // namespace pd::server
