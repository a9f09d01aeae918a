// Exactly-once check after a load run (bench_load --verify, tests/ops): reads what the server
// recorded through its API and compares it with the queue at the start and with every
// decision the load tool saw acknowledged.
//
//   - the events feed holds exactly one `decision` event per item and nothing for any other
//     submission: every item decided, none twice;
//   - the audit's `decision` records agree: one per item, the same items;
//   - every decision answered `applied` or `duplicate` (an earlier send of the same id was
//     applied, its answer lost) is in the audit, on the same submission: nothing acknowledged
//     was lost (a node killed with -9 included);
//   - GET /v1/stats counts no pending or leased item.
// Needs the queue to hold only the run's items (a freshly seeded database) and a supervisor
// or admin token (the audit).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "load/load.h"

namespace pd::load {

struct VerifyReport {
    std::int64_t expected_items = 0;
    std::int64_t items_with_events = 0, decision_events = 0, items_decided_twice = 0;
    std::int64_t audit_decisions = 0, audit_items = 0, audit_items_twice = 0;
    std::int64_t acked = 0, acked_missing = 0, acked_elsewhere = 0;
    std::int64_t still_pending = -1, still_leased = -1;
    double seconds = 0;
    std::vector<std::string> problems;   // empty = exactly once, nothing lost

    bool ok() const { return problems.empty(); }
    std::string summary() const;         // one line
};

// Throws std::runtime_error when the server cannot be read at all.
VerifyReport verify_exactly_once(const std::string& url, const std::string& supervisor_token,
                                 const std::string& ca_file, std::int64_t expected_items,
                                 const std::vector<Ack>& acks);

}  // namespace pd::load
