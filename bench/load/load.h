// The load phase of bench_load: N simulated reviewers against a running photodeskd, all
// multiplexed on one libcurl multi handle (one easy handle per reviewer, reused, keep-alive),
// each looping claim(n) -> decisions(n). Then, optionally, the events feed read to the end.
//
// Two ways to drive the loop:
//   closed loop (rate == 0): each reviewer claims again as soon as its decisions are answered,
//     so the server runs at saturation and claim latency is mostly queueing delay;
//   paced (rate > 0): claims start on a fixed schedule, `rate` claims/s across all reviewers.
//     Reviewer i of N claims at t0 + i/rate + k*N/rate (k = 0, 1, ...), pushes its decisions
//     as soon as the claim is answered, then idles until its next slot. A reviewer that is
//     still busy at its slot claims as soon as it is free (a late claim); slots it missed
//     entirely are dropped, not made up, so a late schedule never catches up in bursts.
//
// For several nodes and their failures (docs/operations.md, "Several nodes"; tests/ops):
//   urls: reviewer i talks to urls[i % size] (several nodes without a balancer; setup and
//     the feed use urls[0]); with nginx in front there is one URL, https with ca_file;
//   drain: instead of stopping at the first empty claim, reviewers keep claiming until the
//     decisions acknowledged reach the queue's size at the start (or `seconds` runs out);
//   lease_seconds, abandon: short leases, and a fraction of claims walked away from: the
//     reviewer idles past the lease, then (every other time) comes back and pushes its late
//     decisions for them, which apply if nobody claimed the items since and conflict otherwise;
//   retry: a request answered 502/503/504 or lost on the wire is sent again, byte for byte
//     (decision ids included), until it is answered, as the workstation's outbox does;
//   record_acks: every decision answer kept, for verify_exactly_once (verify.h);
//   on_progress: called after every decision answer (tests kill a node from it).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace pd::load {

struct LoadResult;

struct LoadOptions {
    std::vector<std::string> urls;     // http://127.0.0.1:PORT; reviewer i uses urls[i % size]
    std::vector<std::string> tokens;   // reviewer tokens; reviewer i uses tokens[i % size]
    std::string feed_token;            // supervisor/ingest/admin: /v1/stats, /v1/events, optional
    int reviewers = 32;
    double seconds = 15;
    int batch = 20;
    double rate = 0;                   // paced: claims/s across all reviewers; 0 = closed loop
    bool events = false;
    long server_pid = 0;               // read /proc/PID/status and /proc/PID/stat when > 0
    long request_timeout_s = 30;
    std::string ca_file;               // https: the CA (or self-signed certificate) to trust
    bool spread_sources = false;       // reviewer i connects from its own loopback address
                                       // (127.1.x.y), as separate clients for nginx's limits
    int lease_seconds = 0;             // sent with every claim; 0 = the server's default
    double abandon = 0;                // fraction of claims walked away from (0..1)
    bool drain = false;
    bool retry = false;
    bool record_acks = false;
    std::function<void(const LoadResult&)> on_progress;
};

// One decision as the server answered it (record_acks).
struct Ack {
    std::string decision_id;
    std::int64_t submission_id = 0;
    std::string status;                // applied | duplicate | conflict
    bool late = false;                 // pushed after walking away from the item
};

struct Latency {
    std::vector<double> ms;
    double pct(double p) const;        // p in [0,100]; 0 when empty
};

struct LoadResult {
    std::string backend = "?";
    std::int64_t pending_at_start = -1;
    double stats_ms = 0;               // GET /v1/stats once before the load
    Latency claim, decide;
    std::int64_t claimed_items = 0, empty_claims = 0;
    // paced mode: claims started > late_threshold_ms after their slot, slots dropped because
    // the reviewer was busy for a whole period, the worst start delay; claim_from_slot is the
    // claim latency counted from the scheduled slot instead of the send (includes that delay).
    static constexpr double late_threshold_ms = 5;
    std::int64_t late_claims = 0, missed_slots = 0;
    double max_late_ms = 0;
    Latency claim_from_slot;
    std::int64_t applied = 0, conflicts = 0, duplicates = 0;
    std::int64_t http_errors = 0, transport_errors = 0;
    // abandons: claims walked away from, and of the late pushes that followed, decisions
    // applied (nobody took the item meanwhile) and conflicts (somebody did)
    std::int64_t abandoned_claims = 0, abandoned_items = 0, late_applied = 0, late_conflicts = 0;
    std::int64_t retried = 0;          // requests sent again after a 502/503/504 or a lost answer
    std::vector<Ack> acks;             // record_acks
    bool drained = false;              // drain: every item at the start acknowledged
    std::int64_t unanswered_at_end = 0;   // still waiting 5 s after the deadline: abandoned
    std::vector<std::string> first_errors;   // a few, verbatim
    double elapsed_s = 0;              // start of the load to the last answer
    double drained_at_s = -1;          // every reviewer got an empty claim (queue exhausted)
    int reviewers_starved = 0;         // reviewers that completed no claim at all
    std::vector<std::int64_t> claims_per_reviewer;
    double client_cpu_s = 0, server_cpu_s = 0;
    int server_threads = 0;
    // events feed
    std::int64_t event_rows = 0, event_pages = 0;
    double events_s = 0;
    // memory of the server (MB): VmRSS before the load, VmRSS and VmHWM after everything
    double rss_before_mb = -1, rss_after_mb = -1, hwm_after_mb = -1;
    // server-side mean handler time per route from /metrics (ms), when it could be read
    std::map<std::string, double> server_mean_ms;

    double decisions_per_s() const { return elapsed_s > 0 ? double(applied) / elapsed_s : 0; }
    // answered claims that returned items, per second (the achieved claim rate)
    double claims_per_s() const {
        return elapsed_s > 0 ? double(std::int64_t(claim.ms.size()) - empty_claims) / elapsed_s : 0;
    }
    double event_rows_per_s() const { return events_s > 0 ? double(event_rows) / events_s : 0; }
};

// Throws std::runtime_error when the server cannot be used at all (unreachable, bad token).
LoadResult run_load(const LoadOptions& o);

// [SECTION] plain requests (setup, feeds, verification): a fresh connection each, so an idle
// keep-alive connection never holds one of cpp-httplib's request threads.
struct Reply {
    long status = 0;
    std::string body;
    double seconds = 0;
};
// Throws std::runtime_error on a transport error.
Reply http_get(const std::string& url, const std::string& token, const std::string& ca_file = "");

}  // namespace pd::load
