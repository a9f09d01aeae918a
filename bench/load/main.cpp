// bench_load: load test of photodeskd's review queue (docs/benchmarks.md, "Review-queue load").
//
//   bench_load seed --data DIR [--db CONNINFO] --pending N [--reviewers N]
//                   --tokens-out FILE --feed-token-out FILE
//       fresh database: schema by the real migrations, then N pending items in bulk SQL and
//       the load users (reviewers load-r0.., supervisor load-feed); run before `serve`.
//   bench_load --url http://127.0.0.1:PORT --tokens FILE [--feed-token FILE]
//              [--reviewers 32] [--seconds 15] [--batch 20] [--rate R] [--events]
//              [--server-pid PID] [--tsv FILE] [--no-header]
//       N reviewers claim(batch) -> decide(batch) in a loop on one curl multi handle, then
//       the events feed read to the end; prints one table row (and details on stderr).
//       Without --rate the loop is closed (each reviewer claims again as soon as its decisions
//       are answered: saturation); --rate R paces the claims at R per second in total, on a
//       fixed schedule (load.h), which is the claim latency under a working load.
//
//   Several nodes and their failures (scripts/ops-load.sh, docs/operations.md):
//     --url repeated: reviewer i talks to the i-th URL modulo their number (nodes without a
//     balancer); https URLs with --ca-file; --spread-sources gives each reviewer its own
//     loopback source address (separate clients for nginx's per-client limits);
//     --drain: run until every item of the queue at the start is decided (--seconds is then
//     the time limit); --lease-seconds S and --abandon F: short leases, a fraction F of claims
//     walked away from; --retry: resend on 502/503/504 or a lost answer, same decision ids;
//     --kill-pid PID --kill-after N: SIGKILL that process once N decisions are acknowledged;
//     --verify: then check exactly-once against the events feed and the audit (verify.h);
//     exit 4 when it fails.
#include <CLI/CLI.hpp>
#include <curl/curl.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "load/load.h"
#include "load/seed.h"
#include "load/verify.h"

namespace {

std::vector<std::string> read_lines(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) out.push_back(l);
    return out;
}

void print_details(const pd::load::LoadResult& r, const pd::load::LoadOptions& o) {
    auto& e = std::cerr;
    char b[512];
    std::snprintf(b, sizeof b,
                  "# %s: %d reviewers x batch %d for %.1f s%s; claims %zu (items %lld, empty %lld), "
                  "decisions applied %lld, conflict %lld, duplicate %lld; HTTP errors %lld, transport errors %lld, "
                  "unanswered at the end %lld\n",
                  r.backend.c_str(), o.reviewers, o.batch, r.elapsed_s,
                  r.drained_at_s >= 0 ? (" (queue drained at " + std::to_string(r.drained_at_s) + " s)").c_str() : "",
                  r.claim.ms.size(), (long long)r.claimed_items, (long long)r.empty_claims, (long long)r.applied,
                  (long long)r.conflicts, (long long)r.duplicates, (long long)r.http_errors,
                  (long long)r.transport_errors, (long long)r.unanswered_at_end);
    e << b;
    if (o.rate > 0) {
        std::snprintf(b, sizeof b,
                      "# paced: offered %.1f claims/s (each reviewer every %.2f s), achieved %.1f claims/s; "
                      "late starts (> %.0f ms after the slot) %lld, max %.1f ms; slots dropped %lld; "
                      "claim from its slot p50 %.2f p99 %.2f ms\n",
                      o.rate, double(o.reviewers) / o.rate, r.claims_per_s(), r.late_threshold_ms,
                      (long long)r.late_claims, r.max_late_ms, (long long)r.missed_slots,
                      r.claim_from_slot.pct(50), r.claim_from_slot.pct(99));
        e << b;
    } else {
        std::snprintf(b, sizeof b, "# closed loop (saturation): %.1f claims/s\n", r.claims_per_s());
        e << b;
    }
    std::snprintf(b, sizeof b,
                  "# latency ms: claim p50 %.2f p90 %.2f p99 %.2f max %.1f | decisions(%d) p50 %.2f p90 %.2f p99 %.2f max %.1f\n",
                  r.claim.pct(50), r.claim.pct(90), r.claim.pct(99), r.claim.pct(100), o.batch, r.decide.pct(50),
                  r.decide.pct(90), r.decide.pct(99), r.decide.pct(100));
    e << b;
    if (o.abandon > 0 || o.retry || o.drain) {
        std::snprintf(b, sizeof b,
                      "# abandoned claims %lld (%lld items), late decisions applied %lld, late conflicts %lld; "
                      "requests resent %lld; drain %s\n",
                      (long long)r.abandoned_claims, (long long)r.abandoned_items, (long long)r.late_applied,
                      (long long)r.late_conflicts, (long long)r.retried,
                      !o.drain ? "off" : r.drained ? "complete" : "INCOMPLETE");
        e << b;
    }
    std::int64_t lo = -1, hi = 0;
    for (auto c : r.claims_per_reviewer) {
        lo = lo < 0 ? c : std::min(lo, c);
        hi = std::max(hi, c);
    }
    std::snprintf(b, sizeof b,
                  "# claims per reviewer min %lld max %lld, starved (no claim answered) %d; CPU s: server %.2f "
                  "(%d threads), load tool %.2f; GET /v1/stats %.1f ms\n",
                  (long long)lo, (long long)hi, r.reviewers_starved, r.server_cpu_s, r.server_threads,
                  r.client_cpu_s, r.stats_ms);
    e << b;
    if (!r.server_mean_ms.empty()) {
        e << "# server handler mean ms (/metrics):";
        for (const auto& [route, ms] : r.server_mean_ms) e << " " << route << "=" << ms;
        e << "\n";
    }
    if (r.event_pages)
        e << "# events: " << r.event_rows << " rows in " << r.event_pages << " pages, " << r.events_s << " s\n";
    for (const auto& x : r.first_errors) e << "# error: " << x << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"bench_load: load test of photodeskd's review queue"};
    pd::load::LoadOptions o;
    std::string tokens_file, feed_file, tsv;
    bool no_header = false, verify = false;
    long kill_pid = 0;
    std::int64_t kill_after = 0;
    app.add_option("--url", o.urls, "server base URL, http://127.0.0.1:PORT; repeat for several nodes");
    app.add_option("--tokens", tokens_file, "reviewer tokens, one a line");
    app.add_option("--feed-token", feed_file, "file with one supervisor/ingest/admin token (stats, events)");
    app.add_option("--reviewers", o.reviewers, "simulated concurrent reviewers")->check(CLI::Range(1, 4096));
    app.add_option("--seconds", o.seconds, "length of the load phase")->check(CLI::Range(0.1, 3600.0));
    app.add_option("--batch", o.batch, "items per claim and decisions per push")->check(CLI::Range(1, 1000));
    app.add_option("--rate", o.rate,
                   "paced: claims per second across all reviewers on a fixed schedule (0 = closed loop, "
                   "as fast as the server answers)")
        ->check(CLI::Range(0.0, 100000.0));
    app.add_flag("--events", o.events, "then read GET /v1/events to the end (limit 5000) and time it");
    app.add_option("--server-pid", o.server_pid, "server pid: RSS and CPU from /proc");
    app.add_option("--timeout", o.request_timeout_s, "per-request timeout, seconds");
    app.add_option("--tsv", tsv, "append the result as one tab-separated line to this file");
    app.add_flag("--no-header", no_header, "print the table row without its header");
    app.add_option("--ca-file", o.ca_file, "https: certificate(s) to trust (PEM)");
    app.add_flag("--spread-sources", o.spread_sources, "reviewer i connects from loopback address 127.1.x.y");
    app.add_option("--lease-seconds", o.lease_seconds, "lease asked for with every claim (0 = server default)")
        ->check(CLI::Range(0, 3600));
    app.add_option("--abandon", o.abandon, "fraction of claims walked away from")->check(CLI::Range(0.0, 1.0));
    app.add_flag("--drain", o.drain, "run until every item at the start is decided (--seconds = time limit)");
    app.add_flag("--retry", o.retry, "resend requests answered 502/503/504 or lost, same bytes");
    app.add_flag("--verify", verify, "check exactly-once afterwards (needs --feed-token, a fresh queue)");
    app.add_option("--kill-pid", kill_pid, "SIGKILL this process once --kill-after decisions are acknowledged");
    app.add_option("--kill-after", kill_after, "acknowledged decisions before --kill-pid is killed");

    pd::load::SeedOptions so;
    auto* seed = app.add_subcommand("seed", "create and bulk-fill a fresh database (server stopped)");
    seed->add_option("--data", so.data_dir, "data directory")->required();
    seed->add_option("--db", so.db, "PostgreSQL conninfo (default: SQLite in --data)");
    seed->add_option("--pending", so.pending, "pending submissions")->check(CLI::Range(1LL, 100000000LL));
    seed->add_option("--reviewers", so.reviewers, "reviewer users to create");
    seed->add_option("--checks", so.checks_per_report, "checks per item report (claim body size)");
    seed->add_option("--tokens-out", so.tokens_out, "where the reviewer tokens go")->required();
    seed->add_option("--feed-token-out", so.feed_token_out, "where the supervisor token goes")->required();
    CLI11_PARSE(app, argc, argv);

    try {
        if (seed->parsed()) {
            const auto r = pd::load::seed(so);
            std::printf("seeded %lld pending items (%s, checks_json %lld bytes each) in %.1f s\n",
                        (long long)r.submissions, so.db.empty() ? "sqlite" : "postgres",
                        (long long)r.checks_json_bytes, r.seconds);
            return 0;
        }
        if (o.urls.empty() || tokens_file.empty()) {
            std::cerr << "bench_load: --url and --tokens are required (or the seed subcommand)\n";
            return 1;
        }
        o.tokens = read_lines(tokens_file);
        if (!feed_file.empty()) {
            auto f = read_lines(feed_file);
            if (!f.empty()) o.feed_token = f[0];
        }
        if (verify) o.record_acks = true;
        double killed_at = -1;
        if (kill_pid > 0) {
            const auto t0 = std::chrono::steady_clock::now();
            o.on_progress = [&](const pd::load::LoadResult& p) {
                if (killed_at < 0 && p.applied + p.duplicates >= kill_after) {
                    ::kill(pid_t(kill_pid), SIGKILL);
                    killed_at = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                    std::cerr << "# killed pid " << kill_pid << " (SIGKILL) after " << p.applied + p.duplicates
                              << " acknowledged decisions, at " << killed_at << " s\n";
                }
            };
        }
        curl_global_init(CURL_GLOBAL_DEFAULT);
        const auto r = pd::load::run_load(o);
        int verify_rc = 0;
        if (verify) {
            if (o.feed_token.empty()) throw std::runtime_error("--verify needs --feed-token (a supervisor)");
            const auto v = pd::load::verify_exactly_once(o.urls[0], o.feed_token, o.ca_file, r.pending_at_start, r.acks);
            std::cerr << "# exactly-once: " << (v.ok() ? "OK" : "FAILED") << ": " << v.summary() << "\n";
            for (const auto& p : v.problems) std::cerr << "# exactly-once problem: " << p << "\n";
            if (!v.ok()) verify_rc = 4;
        }
        curl_global_cleanup();
        print_details(r, o);
        std::cerr.flush();
        const std::string load = o.rate > 0 ? "paced " + std::to_string(long(o.rate + 0.5)) + "/s" : "saturation";
        if (!no_header)
            std::printf("%-9s %10s %-12s %9s %13s %13s %12s %14s %14s %13s\n", "backend", "pending", "load",
                        "claims/s", "claim p50 ms", "claim p99 ms", "decisions/s", "events rows/s", "RSS before MB",
                        "RSS after MB");
        std::printf("%-9s %10lld %-12s %9.1f %13.2f %13.2f %12.0f %14.0f %14.1f %13.1f\n", r.backend.c_str(),
                    (long long)r.pending_at_start, load.c_str(), r.claims_per_s(), r.claim.pct(50), r.claim.pct(99),
                    r.decisions_per_s(), r.event_rows_per_s(), r.rss_before_mb, r.rss_after_mb);
        if (!tsv.empty()) {
            // backend pending claim_p50 claim_p99 decisions/s events_rows/s rss_before rss_after
            // hwm_after decide_p50 decide_p99 errors starved drained_at_s elapsed_s unanswered
            // rate(0 = closed loop) claims/s late_claims dropped_slots claim_from_slot_p99
            std::ofstream t(tsv, std::ios::app);
            t << r.backend << '\t' << r.pending_at_start << '\t' << r.claim.pct(50) << '\t' << r.claim.pct(99)
              << '\t' << r.decisions_per_s() << '\t' << r.event_rows_per_s() << '\t' << r.rss_before_mb << '\t'
              << r.rss_after_mb << '\t' << r.hwm_after_mb << '\t' << r.decide.pct(50) << '\t' << r.decide.pct(99)
              << '\t' << (r.http_errors + r.transport_errors) << '\t' << r.reviewers_starved << '\t'
              << r.drained_at_s << '\t' << r.elapsed_s << '\t' << r.unanswered_at_end << '\t' << o.rate << '\t'
              << r.claims_per_s() << '\t' << r.late_claims << '\t' << r.missed_slots << '\t'
              << r.claim_from_slot.pct(99) << '\n';
        }
        if (verify_rc) return verify_rc;
        if (o.drain && !r.drained) return 2;
        return (r.http_errors + r.transport_errors + r.unanswered_at_end) > 0 ? 2 : 0;
    } catch (const std::exception& e) {
        std::cerr << "bench_load: " << e.what() << "\n";
        return 3;
    }
}
