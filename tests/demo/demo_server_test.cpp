// The demo queue against a real photodeskd (tests/server/server_fixture.h), on SQLite only:
// what the build reports is what the server holds; resubmissions are attempt 2 after a
// rejected attempt 1; a stopped build finishes on the next run without duplicates.
//
// submitted_at is honoured by the server only once the server change that accepts it from
// admins has landed; until then the server stamps the time of receipt. The deadline-spread
// assertions run when the build reports the server honoured it, and the test prints which
// behaviour it met.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <set>
#include <thread>

#include "demo/demo_queue.h"
#include "demo/demo_support.h"
#include "demo/plan.h"
#include "server/server_checks.h"
#include "server/server_fixture.h"
#include "support/test_support.h"

namespace pd::test {
namespace {

using nlohmann::json;

class DemoServerTest : public ServerTest {
protected:
    void SetUp() override {
        // Before a server is started for nothing.
        const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
        if (name.find("FullQueueTimings") != std::string::npos && !std::getenv("PD_DEMO_FULL"))
            GTEST_SKIP() << "set PD_DEMO_FULL=1 to build the full demo queue";
        ServerTest::SetUp();
    }

    demo::DemoOptions options(int count) const {
        demo::DemoOptions o;
        o.config_dir = config_dir();
        o.shared_portraits = PD_SHARED_PORTRAITS;
        o.count = count;
        o.seed = 20261130;
        o.ingest_threads = 3;
        return o;
    }

    json get(const std::string& user, const std::string& path) {
        auto r = client(user).get(path);
        if (!r) {
            ADD_FAILURE() << path << ": " << r.error().message;
            return json();
        }
        EXPECT_EQ(r->status, 200) << path << ": " << r->body;
        return r->json();
    }

    std::map<std::string, int> by_state() {
        std::map<std::string, int> m;
        const json states = get("sup", "/v1/stats").value("by_state", json::object());
        for (const auto& [k, v] : states.items()) m[k] = v.get<int>();
        return m;
    }

    std::vector<json> decision_events() {
        std::vector<json> out;
        const json events = get("sup", "/v1/events?after=0&limit=5000").value("events", json::array());
        for (const auto& e : events)
            if (e.value("type", "") == "decision") out.push_back(e);
        return out;
    }

    // The queue as a reviewer sees it (claimed, then released).
    std::vector<json> claim_all() {
        auto rev = client("rev1");
        auto r = rev.claim({100, 60, "", "", false, false});
        EXPECT_TRUE(r && r->ok());
        std::vector<json> items;
        std::vector<std::int64_t> ids;
        for (const auto& it : r->json().value("items", json::array())) items.push_back(it), ids.push_back(it["id"]);
        if (!ids.empty()) {
            EXPECT_TRUE(rev.release(ids));
        }
        return items;
    }

    // The queue the build promised: n pending (k of them attempt 2 after a rejected attempt 1).
    void expect_queue(int n, int resubmissions) {
        auto states = by_state();
        EXPECT_EQ(states["pending"], n);
        EXPECT_EQ(states["rejected"], resubmissions);
        int total = 0;
        for (const auto& [_, k] : states) total += k;
        EXPECT_EQ(total, n + resubmissions) << "no duplicates";

        std::set<std::string> rejected_ids;
        const auto catalog = get("sup", "/v1/reasons").value("reasons", json::array());
        std::set<std::string> codes;
        for (const auto& r : catalog) codes.insert(r["code"]);
        // The catalogue tells the workstation which engine refusal pre-selects which reason.
        for (const auto& r : catalog)
            if (r["code"] == "crop_out_of_spec")
                EXPECT_EQ(r.value("suggested_by_refusals", json::array()),
                          json({"crown_cut_off", "head_proportions", "body_too_short"}));
        for (const auto& e : decision_events()) {
            const json& p = e["payload"];
            EXPECT_EQ(p.value("verdict", ""), "reject");
            EXPECT_EQ(p.value("attempt", 0), 1);
            ASSERT_FALSE(p["reasons"].empty());
            for (const auto& r : p["reasons"]) EXPECT_TRUE(codes.count(r.value("code", ""))) << r;
            rejected_ids.insert(p.value("id_number", ""));
        }
        EXPECT_EQ(int(rejected_ids.size()), resubmissions);

        const auto items = claim_all();
        EXPECT_EQ(int(items.size()), n);
        int second = 0;
        for (const auto& it : items) {
            if (it.value("attempt", 0) != 2) continue;
            ++second;
            // Reviewers see masked ID numbers; a supervisor reads the full one.
            const json full = get("sup", "/v1/submissions/" + std::to_string(it["id"].get<std::int64_t>()));
            EXPECT_TRUE(rejected_ids.count(full["submission"]["student"].value("id_number", "")));
        }
        EXPECT_EQ(second, resubmissions);
    }
};

INSTANTIATE_TEST_SUITE_P(Sqlite, DemoServerTest, ::testing::Values("sqlite"), server_backend_name);

}  // namespace

// server_fixture.cpp instantiates ServerTest itself (SQLite and PostgreSQL) for tests/server;
// this binary runs only DemoServerTest, on SQLite.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ServerTest);

namespace {

TEST_P(DemoServerTest, BuildsTheQueueItReports) {
    const auto me = std::this_thread::get_id();
    std::vector<demo::DemoProgress> seen;
    std::atomic<bool> stop{false};
    const auto t0 = std::chrono::steady_clock::now();
    auto sum = demo::build_demo_queue(base_url(), token("admin"), token("rev2"), options(24),
                                      [&](const demo::DemoProgress& p) {
                                          EXPECT_EQ(std::this_thread::get_id(), me) << "progress on the calling thread";
                                          seen.push_back(p);
                                      },
                                      stop);
    ASSERT_TRUE(sum) << sum.error().message << "\n" << server_log();
    std::printf("built 24 in %.1f s (photos %.1f s); submitted_at %s\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), sum->photos_seconds,
                !sum->submitted_at_honoured ? "unknown" : *sum->submitted_at_honoured ? "honoured" : "ignored by this server");
    for (const auto& n : sum->notes) std::printf("  note: %s\n", n.c_str());

    EXPECT_EQ(sum->submitted, 24);
    EXPECT_EQ(sum->added, 24 + 2);
    EXPECT_EQ(sum->resubmissions, 2);
    EXPECT_EQ(sum->failed, 0);
    EXPECT_FALSE(sum->stopped);
    int by_defect = 0;
    for (const auto& [_, n] : sum->by_defect) by_defect += n;
    EXPECT_EQ(by_defect, 24);
    EXPECT_GE(sum->portraits, 5);

    // Progress: sources first, then every ingest counted once, up to the total.
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.front().stage, "photos");
    int last = 0;
    for (const auto& p : seen) {
        if (p.stage == "photos") continue;
        EXPECT_TRUE(p.stage == "resubmissions" || p.stage == "ingest") << p.stage;
        EXPECT_EQ(p.total, 24 + 2);
        EXPECT_EQ(p.done, last + 1);
        last = p.done;
    }
    EXPECT_EQ(last, 26);

    expect_queue(24, 2);

    // The deadlines, against the calendar, as the build counted them.
    const std::int64_t now = unix_now();
    int overdue = 0, today = 0;
    for (const auto& it : claim_all()) {
        const auto due = demo::classify_due(it["sla_deadline"].get<std::int64_t>(), now, 480);
        overdue += due == demo::Due::overdue;
        today += due == demo::Due::due_today;
    }
    if (sum->submitted_at_honoured.value_or(false)) {
        std::printf("the server honours submitted_at: %d overdue, %d due today\n", overdue, today);
        EXPECT_EQ(overdue, sum->overdue);
        EXPECT_GT(overdue, 0);
        const auto working = work_calendar().is_working_day(domain::local_date(now, 480));
        if (working && working.value()) {
            EXPECT_GT(today, 0);
        }
    } else {
        std::printf("the server ignores submitted_at (stamps the time of receipt): every deadline is later\n");
        EXPECT_EQ(overdue, 0);
        EXPECT_EQ(sum->overdue, 0);
    }

    // grow_queue: ten more students, with the demo's photo bytes.
    auto grown = demo::grow_queue(base_url(), token("admin"), 10, options(24), nullptr, stop);
    ASSERT_TRUE(grown) << grown.error().message;
    EXPECT_EQ(grown.value(), 10);
    EXPECT_EQ(by_state()["pending"], 34);
}

// A build stopped in the middle (after some first attempts, before their rejection) finishes
// on the next run: nothing twice, every resubmission completed.
TEST_P(DemoServerTest, AStoppedBuildFinishesOnTheNextRun) {
    std::atomic<bool> stop{false};
    auto first = demo::build_demo_queue(base_url(), token("admin"), token("rev2"), options(24),
                                        [&](const demo::DemoProgress& p) {
                                            if (p.stage == "resubmissions" && p.done == 1) stop = true;
                                        },
                                        stop);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_TRUE(first->stopped);
    EXPECT_LT(first->submitted, 24);

    std::atomic<bool> go{false};
    auto second = demo::build_demo_queue(base_url(), token("admin"), token("rev2"), options(24), nullptr, go);
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_FALSE(second->stopped);
    EXPECT_EQ(second->submitted, 24);
    EXPECT_EQ(second->failed, 0);
    EXPECT_EQ(second->resubmissions, 2);
    expect_queue(24, 2);

    // A third run is a no-op.
    auto third = demo::build_demo_queue(base_url(), token("admin"), token("rev2"), options(24), nullptr, go);
    ASSERT_TRUE(third) << third.error().message;
    EXPECT_EQ(third->added, 0);
    EXPECT_EQ(third->already_present, 24);
    expect_queue(24, 2);
}

// The full demo queue (demo.toml's count) with timings; PD_DEMO_FULL=1 runs it.
TEST_P(DemoServerTest, FullQueueTimings) {
    std::atomic<bool> stop{false};
    const auto t0 = std::chrono::steady_clock::now();
    double first_item = 0;
    int last_report = 0;
    auto sum = demo::build_demo_queue(base_url(), token("admin"), token("rev2"), options(0),
                                      [&](const demo::DemoProgress& p) {
                                          const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                                          if (p.stage != "photos" && first_item == 0) first_item = t;
                                          if (p.stage != "photos" && p.done >= last_report + 40) {
                                              last_report = p.done;
                                              std::printf("  %6.1f s  %-13s %d/%d\n", t, p.stage.c_str(), p.done, p.total);
                                          }
                                      },
                                      stop);
    ASSERT_TRUE(sum) << sum.error().message;
    std::printf("full queue: %d submitted (%d added, %d resubmissions, %d failed), %d overdue, %d due today\n",
                sum->submitted, sum->added, sum->resubmissions, sum->failed, sum->overdue, sum->due_today);
    for (const auto& [d, n] : sum->by_defect) std::printf("  %-16s %d\n", d.c_str(), n);
    std::printf("portraits %d (dlib faces %d); photos stage %.1f s; first item %.1f s; total %.1f s\n", sum->portraits,
                sum->dlib_faces, sum->photos_seconds, first_item, sum->total_seconds);
    EXPECT_EQ(sum->submitted, demo_config().count);
    EXPECT_EQ(sum->failed, 0);
    const auto t1 = std::chrono::steady_clock::now();
    auto grown = demo::grow_queue(base_url(), token("admin"), 500, options(0), nullptr, stop);
    ASSERT_TRUE(grown) << grown.error().message;
    std::printf("grow_queue 500: %d added in %.1f s\n", grown.value(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count());
}

TEST_P(DemoServerTest, WrongTokensAreClearErrors) {
    std::atomic<bool> stop{false};
    auto a = demo::build_demo_queue(base_url(), token("rev1"), token("rev2"), options(4), nullptr, stop);
    ASSERT_FALSE(a);
    EXPECT_EQ(a.error().code, ErrorCode::InvalidArgument);
    EXPECT_NE(a.error().message.find("admin"), std::string::npos) << a.error().message;
    auto b = demo::build_demo_queue(base_url(), token("admin"), token("sup"), options(20), nullptr, stop);
    ASSERT_FALSE(b);
    EXPECT_NE(b.error().message.find("senior"), std::string::npos) << b.error().message;
    auto c = demo::build_demo_queue("http://127.0.0.1:1", token("admin"), token("rev2"), options(4), nullptr, stop);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, ErrorCode::Unavailable);
}

}  // namespace
}  // namespace pd::test
