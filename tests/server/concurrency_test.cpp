// Many reviewers at once against a real photodeskd, on both backends: short leases, releases,
// abandoned claims, decisions pushed after the lease ran out, retried and concurrent pushes of
// the same decision ids. Whatever the interleaving, every item is decided exactly once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "server/server_checks.h"
#include "server/server_fixture.h"

namespace pd::test {
namespace {

using client::ApiClient;
using client::DecisionInput;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kItems = 5000;
constexpr int kReviewers = 16;

// What all reviewer threads saw. Guarded by `mu` (the counters are atomics so that the loop
// condition can read them without the lock).
struct Tally {
    std::mutex mu;
    std::map<std::int64_t, int> applied_per_item;          // submission -> applied outcomes
    std::map<std::int64_t, std::string> decided_by;        // submission -> reviewer
    std::set<std::string> applied_decision_ids;
    std::map<std::string, std::int64_t> applied_per_reviewer;
    std::int64_t rejections = 0;
    std::vector<std::string> failures;                     // reported by the main thread
    std::atomic<int> applied{0};
    std::atomic<int> late_pushes{0}, late_conflicts{0}, lease_ran_out{0};
    std::atomic<int> released{0}, abandoned{0}, claims{0}, pushes{0};

    void fail(std::string what) {
        std::lock_guard lock(mu);
        if (failures.size() < 50) failures.push_back(std::move(what));
    }
};

DecisionInput random_decision(std::int64_t id, std::mt19937& rng) {
    static const std::vector<std::string> kReasons = {"head_tilted", "eyes_closed", "headwear", "other"};
    DecisionInput d;
    d.decision_id = client::new_decision_id();
    d.submission_id = id;
    if (rng() % 10 < 6) {
        d.verdict = "approve";
    } else {
        d.verdict = "reject";
        d.reasons = {kReasons[rng() % kReasons.size()]};
        if (d.reasons[0] == "other") d.note = "background has a poster";
    }
    return d;
}

// One reviewer: claim a handful with a 1-2 s lease, release some, abandon some, decide the rest
// (now, or once per thread after sleeping past the lease), until every item is decided.
void reviewer_loop(const std::string& base_url, const std::string& name, const std::string& token,
                   unsigned seed, Tally& t, Clock::time_point give_up) {
    client::ClientOptions opt;
    opt.timeout_ms = 20000;
    ApiClient c(base_url, token, opt);
    std::mt19937 rng(seed);
    int late_budget = seed % 2 == 0 ? 1 : 0;   // half the reviewers push one batch too late
    while (t.applied.load() < kItems) {
        if (Clock::now() > give_up) {
            t.fail(name + ": gave up with " + std::to_string(t.applied.load()) + " items decided");
            return;
        }
        client::ClaimRequest req;
        req.n = 1 + int(rng() % 20);
        req.lease_seconds = 1 + int(rng() % 2);
        const auto claimed_at = Clock::now();
        auto r = c.claim(req);
        ++t.claims;
        if (!r.ok() || r->status != 200) {
            t.fail(name + ": claim: " + (r.ok() ? std::to_string(r->status) + " " + r->body : r.error().message));
            return;
        }
        const json items = r->json()["items"];
        if (items.empty()) {   // the rest is leased by others (or abandoned and not expired yet)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
        }
        const bool late = late_budget > 0 && rng() % 8 == 0;
        std::vector<std::int64_t> to_release;
        std::vector<DecisionInput> batch;
        for (const auto& it : items) {
            const std::int64_t id = it["id"].get<std::int64_t>();
            const unsigned roll = rng() % 100;
            if (!late && roll < 4) {
                to_release.push_back(id);
            } else if (!late && roll < 8) {
                ++t.abandoned;   // left to expire
            } else {
                batch.push_back(random_decision(id, rng));
            }
        }
        if (!to_release.empty()) {
            auto rel = c.release(to_release);
            if (!rel.ok() || rel->status != 200) {
                t.fail(name + ": release: " + (rel.ok() ? rel->body : rel.error().message));
                return;
            }
            // A 1 s lease may have run out already; never more than asked.
            const int n = rel->json()["released"].get<int>();
            if (n < 0 || n > int(to_release.size())) t.fail(name + ": released " + std::to_string(n));
            t.released += n;
        }
        if (batch.empty()) continue;
        if (late) {
            --late_budget;
            // Leases are whole server seconds (expires_at = now + lease_seconds, live while
            // expires_at > now): lease_seconds + 1 s after the claim it has certainly run out.
            std::this_thread::sleep_until(claimed_at + std::chrono::seconds(req.lease_seconds + 1) +
                                          std::chrono::milliseconds(100));
        }
        auto p = c.push_decisions(batch);
        ++t.pushes;
        if (!p.ok() || p->status != 200) {
            t.fail(name + ": push: " + (p.ok() ? std::to_string(p->status) + " " + p->body : p.error().message));
            return;
        }
        const json results = p->json()["results"];
        if (results.size() != batch.size()) {
            t.fail(name + ": " + std::to_string(results.size()) + " results for " + std::to_string(batch.size()));
            return;
        }
        if (late) t.late_pushes += int(batch.size());
        std::lock_guard lock(t.mu);
        for (size_t i = 0; i < batch.size(); ++i) {
            const json& res = results[i];
            const std::string status = res["status"];
            if (res["decision_id"] != batch[i].decision_id || res["submission_id"] != batch[i].submission_id) {
                t.failures.push_back(name + ": results out of order: " + res.dump());
                continue;
            }
            if (status == "applied") {
                if (late) t.failures.push_back(name + ": applied after the lease ran out: " + res.dump());
                ++t.applied_per_item[batch[i].submission_id];
                t.decided_by[batch[i].submission_id] = name;
                t.applied_decision_ids.insert(batch[i].decision_id);
                ++t.applied_per_reviewer[name];
                if (batch[i].verdict == "reject") ++t.rejections;
                ++t.applied;
            } else if (status == "conflict") {
                ++(late ? t.late_conflicts : t.lease_ran_out);
                if (res["message"].get<std::string>().empty())
                    t.failures.push_back(name + ": conflict without a message");
            } else {
                t.failures.push_back(name + ": fresh decision id answered " + res.dump());
            }
        }
    }
}

TEST_P(ServerTest, ConcurrencySixteenReviewersDecideEveryItemExactlyOnce) {
    const auto t0 = Clock::now();
    const auto ids = seed_in_parallel(kItems, 8, [this](int n, int first) {
        return seed(n, "示例大学", "2026", first);
    });
    ASSERT_EQ(ids.size(), size_t(kItems));
    const auto t_seeded = Clock::now();

    auto admin = client("admin");
    std::vector<std::pair<std::string, std::string>> reviewers;   // name, token
    for (int i = 0; i < kReviewers; ++i) {
        const std::string name = "crev" + std::to_string(i);
        auto r = must_respond(admin.add_user(name, "reviewer"), "add_user");
        ASSERT_EQ(r.status, 201) << r.body;
        reviewers.emplace_back(name, r.json()["token"].get<std::string>());
    }

    Tally t;
    const auto give_up = Clock::now() + std::chrono::seconds(180);
    {
        std::vector<std::thread> threads;
        for (int i = 0; i < kReviewers; ++i)
            threads.emplace_back(reviewer_loop, base_url(), reviewers[i].first, reviewers[i].second,
                                 unsigned(1000 + i), std::ref(t), give_up);
        for (auto& th : threads) th.join();
    }
    const auto t_done = Clock::now();
    for (const auto& f : t.failures) ADD_FAILURE() << f;

    // The client's view: each item applied exactly once, by a distinct decision id.
    EXPECT_EQ(t.applied.load(), kItems);
    EXPECT_EQ(t.applied_per_item.size(), size_t(kItems));
    for (const auto& [id, n] : t.applied_per_item) EXPECT_EQ(n, 1) << "submission " << id;
    EXPECT_EQ(t.applied_decision_ids.size(), size_t(kItems));
    EXPECT_GT(t.late_pushes.load(), 0) << "no reviewer pushed after its lease ran out";
    EXPECT_EQ(t.late_conflicts.load(), t.late_pushes.load());
    EXPECT_GT(t.released.load(), 0);
    EXPECT_GT(t.abandoned.load(), 0);

    // The server's view, read behind its back.
    auto store = open_store();
    ASSERT_TRUE(store);
    auto st = store->stats(unix_now());
    ASSERT_TRUE(st.ok()) << st.error().message;
    auto count = [&](storage::SubmissionState s) {
        auto it = st->by_state.find(s);
        return it == st->by_state.end() ? std::int64_t(0) : it->second;
    };
    EXPECT_EQ(count(storage::SubmissionState::pending) + count(storage::SubmissionState::leased), 0)
        << "items stuck in the queue";
    EXPECT_EQ(count(storage::SubmissionState::approved) + count(storage::SubmissionState::rejected), kItems);
    EXPECT_EQ(count(storage::SubmissionState::rejected), t.rejections);
    std::int64_t stats_decisions = 0;
    for (const auto& r : st->reviewers) {
        stats_decisions += r.decisions;
        EXPECT_EQ(r.decisions, t.applied_per_reviewer[r.reviewer]) << r.reviewer;
    }
    EXPECT_EQ(stats_decisions, kItems);

    const auto events = all_events(*store);
    std::set<std::int64_t> event_items;
    std::set<std::string> event_decision_ids;
    int decision_events = 0;
    for (const auto& e : events) {
        if (e.type != "decision") continue;
        ++decision_events;
        event_items.insert(e.submission_id);
    }
    EXPECT_EQ(decision_events, kItems);
    EXPECT_EQ(event_items, std::set<std::int64_t>(ids.begin(), ids.end()));

    const auto audit = all_audit(*store, "decision");
    std::set<std::int64_t> audit_items;
    for (const auto& a : audit) {
        audit_items.insert(a.submission_id);
        auto who = t.decided_by.find(a.submission_id);
        if (who != t.decided_by.end()) {
            EXPECT_EQ(a.actor, who->second) << "submission " << a.submission_id;
        }
    }
    EXPECT_EQ(audit.size(), size_t(kItems));
    EXPECT_EQ(audit_items.size(), size_t(kItems));

    using std::chrono::duration;
    std::cout << "[ concurrency ] " << GetParam() << ": seed " << duration<double>(t_seeded - t0).count()
              << " s, review " << duration<double>(t_done - t_seeded).count() << " s; claims " << t.claims
              << ", pushes " << t.pushes << ", released " << t.released << ", abandoned " << t.abandoned
              << ", late " << t.late_pushes << ", lease ran out before push " << t.lease_ran_out << "\n";
}

// A batch pushed three times, and the same batch pushed by two threads at once: one `applied`
// per decision id, every other answer `duplicate`, one event and one audit record per item.
TEST_P(ServerTest, ConcurrencyRetriedPushesHaveOneEffect) {
    const auto ids = seed(40);
    ASSERT_EQ(ids.size(), 40u);
    auto rev = client("rev1");
    auto batch_for = [](const json& items) {
        std::vector<DecisionInput> batch;
        int i = 0;
        for (const auto& it : items) {
            DecisionInput d;
            d.decision_id = client::new_decision_id();
            d.submission_id = it["id"].get<std::int64_t>();
            d.verdict = i++ % 2 ? "reject" : "approve";
            if (d.verdict == "reject") d.reasons = {"head_tilted"};
            batch.push_back(d);
        }
        return batch;
    };

    // Sequential retries.
    auto claimed = must_respond(rev.claim({.n = 20, .lease_seconds = 300}), "claim");
    ASSERT_EQ(claimed.status, 200);
    const auto a = batch_for(claimed.json()["items"]);
    ASSERT_EQ(a.size(), 20u);
    for (int round = 0; round < 3; ++round) {
        auto r = must_respond(rev.push_decisions(a), "push");
        ASSERT_EQ(r.status, 200) << r.body;
        const json results = r.json()["results"];
        ASSERT_EQ(results.size(), a.size());
        for (size_t i = 0; i < a.size(); ++i) {
            EXPECT_EQ(results[i]["decision_id"], a[i].decision_id);
            EXPECT_EQ(results[i]["submission_id"], a[i].submission_id);
            EXPECT_EQ(results[i]["status"], round == 0 ? "applied" : "duplicate") << "round " << round;
            EXPECT_EQ(results[i]["state"], a[i].verdict == "reject" ? "rejected" : "approved");
        }
    }
    // A retry that (wrongly) changed its mind is still the same decision: no second effect.
    auto flipped = a;
    for (auto& d : flipped) {
        d.verdict = d.verdict == "reject" ? "approve" : "reject";
        d.reasons = d.verdict == "reject" ? std::vector<std::string>{"eyes_closed"} : std::vector<std::string>{};
    }
    {
        auto r = must_respond(rev.push_decisions(flipped), "push flipped");
        ASSERT_EQ(r.status, 200) << r.body;
        for (size_t i = 0; i < a.size(); ++i) {
            EXPECT_EQ(r.json()["results"][i]["status"], "duplicate");
            EXPECT_EQ(r.json()["results"][i]["state"], a[i].verdict == "reject" ? "rejected" : "approved");
        }
    }

    // Concurrent retries from two connections of the same reviewer.
    claimed = must_respond(rev.claim({.n = 20, .lease_seconds = 300}), "claim");
    ASSERT_EQ(claimed.status, 200);
    const auto b = batch_for(claimed.json()["items"]);
    ASSERT_EQ(b.size(), 20u);
    std::mutex mu;
    std::map<std::string, std::map<std::string, int>> seen;   // decision id -> status -> count
    std::vector<std::string> errors;
    std::latch go(2);
    auto pusher = [&] {
        ApiClient c(base_url(), token("rev1"));
        go.arrive_and_wait();
        for (int round = 0; round < 3; ++round) {
            auto r = c.push_decisions(b);
            std::lock_guard lock(mu);
            if (!r.ok() || r->status != 200) {
                errors.push_back(r.ok() ? std::to_string(r->status) + " " + r->body : r.error().message);
                continue;
            }
            const json body = r->json();   // keep the document alive while iterating it
            for (const auto& res : body["results"])
                ++seen[res["decision_id"].get<std::string>()][res["status"].get<std::string>()];
        }
    };
    std::thread t1(pusher), t2(pusher);
    t1.join();
    t2.join();
    for (const auto& e : errors) ADD_FAILURE() << "concurrent push: " << e;
    ASSERT_EQ(seen.size(), b.size());
    for (const auto& d : b) {
        auto& s = seen[d.decision_id];
        EXPECT_EQ(s["applied"], 1) << d.decision_id;
        EXPECT_EQ(s["duplicate"], 5) << d.decision_id;
        EXPECT_EQ(s["conflict"], 0) << d.decision_id;
    }

    auto store = open_store();
    ASSERT_TRUE(store);
    std::map<std::int64_t, int> events_per_item;
    for (const auto& e : all_events(*store)) {
        EXPECT_EQ(e.type, "decision");
        ++events_per_item[e.submission_id];
    }
    EXPECT_EQ(events_per_item.size(), 40u);
    for (const auto& [id, n] : events_per_item) EXPECT_EQ(n, 1) << "submission " << id;
    EXPECT_EQ(all_audit(*store, "decision").size(), 40u);
    for (const auto& d : a) {
        auto s = store->get_submission(d.submission_id);
        ASSERT_TRUE(s.ok());
        ASSERT_TRUE(s->decision.has_value());
        EXPECT_EQ(storage::to_string(s->decision->verdict), d.verdict) << "a duplicate changed the verdict";
    }
}

}  // namespace
}  // namespace pd::test
