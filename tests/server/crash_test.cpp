// photodeskd killed with SIGKILL in the middle of a decision stream, then restarted on the same
// data: every decision it acknowledged is still there (and a retry of it is a duplicate), the
// feed carries it, and the queue works again. And a graceful stop (SIGTERM) lets a slow
// request in flight finish.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "server/server_checks.h"
#include "server/server_fixture.h"
#include "support/test_support.h"

namespace pd::test {
namespace {

using client::ApiClient;
using client::DecisionInput;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kItems = 1200;
constexpr int kLeaseSeconds = 2;

const char* state_after(const DecisionInput& d) { return d.verdict == "reject" ? "rejected" : "approved"; }

// What the streaming reviewer saw before the server died. Guarded by `mu`.
struct Stream {
    std::mutex mu;
    std::vector<DecisionInput> acked;       // 200 with applied / duplicate
    std::vector<DecisionInput> unanswered;  // the push the server died under (maybe empty)
    std::string ended_by;                   // the transport error that stopped the stream
    int conflicts = 0;
    bool ran_out = false;                   // the queue emptied before the kill
};

void stream_decisions(const std::string& base_url, const std::string& token, Stream& s) {
    client::ClientOptions opt;
    opt.retries = 0;              // a dead server ends the stream at once
    opt.connect_timeout_ms = 1000;
    opt.timeout_ms = 10000;
    ApiClient c(base_url, token, opt);
    int k = 0;
    // Runs until the server is gone (the claim or the push fails) or the queue is empty.
    for (;;) {
        auto r = c.claim({.n = 20, .lease_seconds = kLeaseSeconds});
        if (!r.ok()) {
            std::lock_guard lock(s.mu);
            s.ended_by = "claim: " + r.error().message;
            return;
        }
        const json items = r->json()["items"];
        if (r->status != 200 || items.empty()) {
            std::lock_guard lock(s.mu);
            s.ran_out = true;
            s.ended_by = "claim answered " + std::to_string(r->status) + " " + r->body;
            return;
        }
        std::vector<DecisionInput> batch;
        for (const auto& it : items) {
            DecisionInput d;
            d.decision_id = client::new_decision_id();
            d.submission_id = it["id"].get<std::int64_t>();
            d.verdict = k++ % 3 == 0 ? "reject" : "approve";
            if (d.verdict == "reject") d.reasons = {"ears_hidden"};
            batch.push_back(d);
        }
        auto p = c.push_decisions(batch);
        std::lock_guard lock(s.mu);
        if (!p.ok()) {
            s.unanswered = batch;
            s.ended_by = "push: " + p.error().message;
            return;
        }
        if (p->status != 200) {
            s.ended_by = "push answered " + std::to_string(p->status) + " " + p->body;
            return;
        }
        const json results = p->json()["results"];
        for (size_t i = 0; i < batch.size() && i < results.size(); ++i) {
            const std::string st = results[i]["status"];
            if (st == "applied" || st == "duplicate") s.acked.push_back(batch[i]);
            else ++s.conflicts;
        }
        // Paced like a busy workstation (a few hundred decisions a second), so that the queue
        // outlasts the second before the kill.
        s.mu.unlock();
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
        s.mu.lock();
    }
}

TEST_P(ServerTest, CrashKillNineKeepsEveryAcknowledgedDecision) {
    const auto ids = seed_in_parallel(kItems, 8, [this](int n, int first) {
        return seed(n, "示例大学", "2026", first);
    });
    ASSERT_EQ(ids.size(), size_t(kItems));

    Stream s;
    const auto t0 = Clock::now();
    std::thread streamer(stream_decisions, base_url(), token("rev1"), std::ref(s));
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    kill_server();
    streamer.join();   // ends on the first call that finds no server

    ASSERT_FALSE(s.ran_out) << "the queue emptied before the kill: seed more items";
    ASSERT_FALSE(s.acked.empty()) << "nothing acknowledged in 1 s: " << s.ended_by;
    EXPECT_NE(s.ended_by.find("127.0.0.1"), std::string::npos) << s.ended_by;   // a transport error
    std::cout << "[ crash ] " << GetParam() << ": " << s.acked.size() << " decisions acknowledged, "
              << s.unanswered.size() << " unanswered, " << s.conflicts << " conflicts; stream ended by: "
              << s.ended_by << "\n";

    const auto t_killed = Clock::now();
    start_server();
    const auto t_restarted = Clock::now();
    auto health = must_respond(client("").healthz(), "healthz after restart");
    EXPECT_EQ(health.status, 200);

    // 1. A retry of every acknowledged decision is a duplicate: the decision survived the kill.
    auto rev1 = client("rev1");
    for (size_t at = 0; at < s.acked.size(); at += 20) {
        const std::vector<DecisionInput> batch(s.acked.begin() + long(at),
                                               s.acked.begin() + long(std::min(at + 20, s.acked.size())));
        auto r = must_respond(rev1.push_decisions(batch), "re-push");
        ASSERT_EQ(r.status, 200) << r.body;
        const json results = r.json()["results"];
        ASSERT_EQ(results.size(), batch.size());
        for (size_t i = 0; i < batch.size(); ++i) {
            EXPECT_EQ(results[i]["status"], "duplicate") << results[i].dump();
            EXPECT_EQ(results[i]["state"], state_after(batch[i])) << results[i].dump();
        }
    }
    // The push the server died under either committed (duplicate now) or not; it is never
    // half-applied, and a retry settles it.
    if (!s.unanswered.empty()) {
        auto r = must_respond(rev1.push_decisions(s.unanswered), "re-push unanswered");
        ASSERT_EQ(r.status, 200) << r.body;
        const nlohmann::json body = r.json();  // keep the document alive while iterating
        for (const auto& res : body["results"])
            EXPECT_TRUE(res["status"] == "duplicate" || res["status"] == "conflict" || res["status"] == "applied")
                << res.dump();
    }

    const auto t_repushed = Clock::now();
    // 2. Each acknowledged item is decided, as decided, by rev1.
    auto admin = client("admin");
    for (const auto& d : s.acked) {
        auto r = must_respond(admin.submission(d.submission_id), "GET submission");
        ASSERT_EQ(r.status, 200) << r.body;
        const json sub = r.json()["submission"];
        EXPECT_EQ(sub["state"], state_after(d)) << d.submission_id;
        ASSERT_TRUE(sub["decision"].is_object()) << d.submission_id;
        EXPECT_EQ(sub["decision"]["verdict"], d.verdict);
        EXPECT_EQ(sub["decision"]["reviewer"], "rev1");
    }

    // 3. The events feed (read in pages through the API) carries each one, once.
    auto sup = client("sup");
    std::map<std::int64_t, int> decision_events;
    std::int64_t cursor = 0;
    for (;;) {
        auto r = must_respond(sup.events(cursor, 500), "events");
        ASSERT_EQ(r.status, 200) << r.body;
        const json body = r.json();
        if (body["events"].empty()) break;
        for (const auto& e : body["events"]) {
            EXPECT_GT(e["cursor"].get<std::int64_t>(), cursor);
            if (e["type"] == "decision") ++decision_events[e["submission_id"].get<std::int64_t>()];
        }
        cursor = body["next_cursor"].get<std::int64_t>();
    }
    for (const auto& d : s.acked) EXPECT_EQ(decision_events[d.submission_id], 1) << d.submission_id;

    const auto t_checked = Clock::now();
    // 4. The queue works again: once the dead server's leases have run out, another reviewer
    // claims and decides everything left, and nothing stays stuck.
    std::this_thread::sleep_for(std::chrono::seconds(kLeaseSeconds + 1));
    auto rev2 = client("rev2");
    std::set<std::int64_t> decided_after;
    for (int guard = 0; guard < 100; ++guard) {
        auto c = must_respond(rev2.claim({.n = 100, .lease_seconds = 300}), "claim after restart");
        ASSERT_EQ(c.status, 200) << c.body;
        const json items = c.json()["items"];
        if (items.empty()) break;
        std::vector<DecisionInput> batch;
        for (const auto& it : items) {
            EXPECT_NE(it["state"], "approved");
            batch.push_back({.decision_id = client::new_decision_id(),
                             .submission_id = it["id"].get<std::int64_t>(),
                             .verdict = "approve"});
        }
        auto p = must_respond(rev2.push_decisions(batch), "push after restart");
        ASSERT_EQ(p.status, 200) << p.body;
        const nlohmann::json answer = p.json();  // keep the document alive while iterating
        for (const auto& res : answer["results"]) {
            EXPECT_EQ(res["status"], "applied") << res.dump();
            decided_after.insert(res["submission_id"].get<std::int64_t>());
        }
    }
    for (const auto& d : s.acked) EXPECT_EQ(decided_after.count(d.submission_id), 0u) << d.submission_id;
    for (const auto& d : s.unanswered) {
        // The items leased when the server died came back to the queue (or were decided then).
        auto r = must_respond(admin.submission(d.submission_id), "GET unanswered");
        EXPECT_TRUE(r.json()["submission"]["state"] == "approved" || r.json()["submission"]["state"] == "rejected");
    }
    using std::chrono::duration;
    std::cout << "[ crash ] " << GetParam() << " timings: stream " << duration<double>(t_killed - t0).count()
              << " s, restart " << duration<double>(t_restarted - t_killed).count() << " s, re-push "
              << duration<double>(t_repushed - t_restarted).count() << " s, checks "
              << duration<double>(t_checked - t_repushed).count() << " s, drain "
              << duration<double>(Clock::now() - t_checked).count() << " s\n";
    auto st = must_respond(sup.stats(), "stats");
    ASSERT_EQ(st.status, 200);
    const json by_state = st.json()["by_state"];
    EXPECT_EQ(by_state.value("pending", 0) + by_state.value("leased", 0), 0) << by_state.dump();
    EXPECT_EQ(by_state.value("approved", 0) + by_state.value("rejected", 0), kItems) << by_state.dump();

    auto store = open_store();
    ASSERT_TRUE(store);
    std::map<std::int64_t, int> per_item;
    for (const auto& e : all_events(*store))
        if (e.type == "decision") ++per_item[e.submission_id];
    EXPECT_EQ(per_item.size(), size_t(kItems));
    for (const auto& [id, n] : per_item) EXPECT_EQ(n, 1) << "submission " << id;
}

TEST_P(ServerTest, CrashGracefulStopFinishesInFlightIngest) {
    const auto photo = read_bytes(astronaut_path());
    ASSERT_FALSE(photo.empty());
    const json meta = {{"name", "宇航员"}, {"id_number", valid_id(7)}, {"student_no", "2026007"},
                       {"school", "示例大学"}, {"station", "本部"}, {"grade", "2026"}};
    long status = 0;
    std::string body, transport_error;
    Clock::time_point answered;
    std::thread uploader([&] {
        auto c = client("ing");
        auto r = c.ingest(meta, photo, "astronaut.png");
        answered = Clock::now();
        if (!r.ok()) {
            transport_error = r.error().message;
            return;
        }
        status = r->status;
        body = r->body;
    });
    // The engine takes ~0.3 s on this photo: SIGTERM arrives while the request is being served.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto sigterm_at = Clock::now();
    stop_server();   // SIGTERM and wait; expects exit status 0
    uploader.join();

    EXPECT_TRUE(transport_error.empty()) << transport_error;
    EXPECT_EQ(status, 201) << body;
    EXPECT_GT(answered, sigterm_at) << "the ingest finished before SIGTERM: nothing was in flight";
    auto created = json::parse(body, nullptr, false);
    ASSERT_TRUE(created.is_object()) << body;
    const auto id = created["submission"]["id"].get<std::int64_t>();

    // It was stored completely, and the server is gone.
    auto store = open_store();
    ASSERT_TRUE(store);
    auto s = store->get_submission(id);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->student.id_number, valid_id(7));
    EXPECT_EQ(s->state, storage::SubmissionState::pending);
    EXPECT_FALSE(s->images.original.empty());
    EXPECT_TRUE(store->get_image(s->images.original).ok());
    client::ClientOptions once;
    once.retries = 0;
    once.connect_timeout_ms = 500;
    EXPECT_FALSE(client("", once).healthz().ok()) << "photodeskd still answers after SIGTERM";
}

}  // namespace
}  // namespace pd::test
