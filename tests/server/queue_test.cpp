// GET /v1/queue: the status bar's figures for every role, and the server-side cache that keeps
// many polling workstations from costing a query each.
#include <gtest/gtest.h>

#include <thread>

#include "domain/calendar.h"
#include "server/server_checks.h"
#include "server/server_fixture.h"

namespace pd::test {
namespace {

using nlohmann::json;

constexpr int kChinaOffsetMinutes = 480;   // config/calendar.toml utc_offset_minutes

std::int64_t next_local_midnight(std::int64_t t) {
    return domain::local_midnight(domain::add_days(domain::local_date(t, kChinaOffsetMinutes), 1),
                                  kChinaOffsetMinutes);
}

// Adds one pending item of its own school with the given deadline; returns its id.
std::int64_t add_item(storage::Store& store, int k, const std::string& school, std::int64_t deadline) {
    const std::string bytes = "queue-" + std::to_string(k);
    auto h = store.put_image({reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()});
    EXPECT_TRUE(h.ok());
    storage::NewSubmission n;
    n.student = {"学生" + std::to_string(k), ServerTest::valid_id(k), "S" + std::to_string(k), school, "本部", "2026"};
    n.images.original = h.ok() ? h.value() : "";
    n.images.standardized = n.images.original;   // an approval needs one
    n.submitted_at = unix_now() - 3 * 86400;
    n.sla_deadline = deadline;
    auto r = store.add_submission(n);
    EXPECT_TRUE(r.ok() && r->status == storage::AddStatus::added);
    return r.ok() ? r->id : 0;
}

TEST_P(ServerTest, QueueFiguresForTheStatusBarAreCachedBriefly) {
    // The figures depend on the next local midnight: keep clear of it.
    for (std::int64_t t = unix_now(); next_local_midnight(t) - t < 180 || t - (next_local_midnight(t) - 86400) < 180;
         t = unix_now())
        std::this_thread::sleep_for(std::chrono::seconds(10));
    auto store = open_store();
    ASSERT_TRUE(store);
    const std::int64_t now = unix_now(), end_of_day = next_local_midnight(now);
    add_item(*store, 1, "逾期", now - 3600);                   // overdue
    add_item(*store, 2, "今天", end_of_day);                   // due today (the bound is inclusive)
    add_item(*store, 3, "明天", end_of_day + 60);              // due within 24 h, not today
    add_item(*store, 4, "以后", now + 3 * 86400);              // later
    const auto done = add_item(*store, 5, "已决", now - 7200); // decided: not counted
    storage::ClaimFilter f;
    f.school = "已决";
    ASSERT_TRUE(store->claim("seeder", 1, 60, now, f).ok());
    ASSERT_TRUE(store->apply_decisions({{"q-done", done, "seeder", storage::Verdict::approve, {}, "", "", now}}, now).ok());
    f.school = "明天";
    ASSERT_TRUE(store->claim("seeder", 1, 60, now - 600, f).ok());   // a lease that has expired
    auto leased = must_respond(client("rev1").claim({1, 300, "以后"}), "claim");
    ASSERT_EQ(leased.json()["items"].size(), 1u);                    // a live lease

    const std::int64_t before = unix_now();
    auto r = must_respond(client("rev1").queue(), "queue");
    ASSERT_EQ(r.status, 200) << r.body;
    const json q = r.json();
    EXPECT_EQ(q["api_version"], 1);
    EXPECT_GE(q["now"].get<std::int64_t>(), before);
    EXPECT_LE(q["now"].get<std::int64_t>(), unix_now());
    EXPECT_EQ(q["open"], 4);
    EXPECT_EQ(q["pending"], 3);   // the expired lease counts as pending
    EXPECT_EQ(q["leased"], 1);
    EXPECT_EQ(q["overdue"], 1);
    EXPECT_EQ(q["due_today"], 1);
    EXPECT_EQ(q["due_24h"], 2);
    EXPECT_EQ(q["oldest_deadline"], now - 3600);

    // Every role may ask and, within [queue] cache_seconds (5), gets the same answer even
    // though the queue changed meanwhile.
    add_item(*store, 6, "新的", now + 86400 * 2);
    for (const std::string who : {"rev2", "sup", "ing", "admin"}) {
        auto again = must_respond(client(who).queue(), who);
        EXPECT_EQ(again.status, 200) << who << ": " << again.body;
        EXPECT_EQ(again.json(), q) << who;
    }
    EXPECT_EQ(must_respond(client("").queue(), "anonymous").status, 401);

    std::this_thread::sleep_for(std::chrono::milliseconds(5200));
    const json fresh = must_respond(client("rev1").queue(), "queue later").json();
    EXPECT_EQ(fresh["open"], 5);
    EXPECT_EQ(fresh["pending"], 4);
    EXPECT_GT(fresh["now"].get<std::int64_t>(), q["now"].get<std::int64_t>());
}

TEST_P(ServerTest, QueueOfAnEmptyServer) {
    auto r = must_respond(client("rev1").queue(), "queue");
    ASSERT_EQ(r.status, 200) << r.body;
    for (const char* k : {"open", "pending", "leased", "overdue", "due_today", "due_24h", "oldest_deadline"})
        EXPECT_EQ(r.json()[k], 0) << k;
}

}  // namespace
}  // namespace pd::test
