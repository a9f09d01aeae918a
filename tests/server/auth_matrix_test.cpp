// Who may call what: every endpoint of docs/api.md ("Roles") against every role, no token and
// an unknown token, on both backends. 401 without a (valid) token, 403 where the table forbids,
// anything but 401/403 where it allows; refused calls store nothing. Plus the per-item rule
// for reviewers (only their live leases) and ID-number masking.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <set>
#include <thread>

#include "server/server_checks.h"
#include "server/server_fixture.h"
#include "support/test_support.h"

namespace pd::test {
namespace {

using client::ApiClient;
using nlohmann::json;

// The callers of the matrix: the fixture's users plus two without a valid token.
const std::vector<std::string> kCallers = {"admin", "sup", "ing", "rev1", "no-token", "bad-token"};
const std::set<std::string> kAnyUser = {"admin", "sup", "ing", "rev1"};

struct Endpoint {
    std::string method;                 // GET, POST, or INGEST (multipart POST /v1/submissions)
    std::string path;
    json body;                          // POST only
    std::set<std::string> allowed;      // callers the Roles table lets through
    bool open = false;                  // no token needed
};

TEST_P(ServerTest, AuthMatrixEveryEndpointEveryRole) {
    const auto ids = seed(2);
    ASSERT_EQ(ids.size(), 2u);
    const std::string item = std::to_string(ids[0]);   // never leased: reviewers are refused it
    const std::string unknown_student = valid_id(999);
    const auto photo = read_bytes(astronaut_path());
    ASSERT_FALSE(photo.empty());

    // One line per row of the Roles table (the per-item reviewer rule: item not leased -> 403).
    const std::vector<Endpoint> endpoints = {
        {"GET", "/healthz", {}, {}, true},
        {"GET", "/metrics", {}, {}, true},
        {"GET", "/v1/me", {}, kAnyUser},
        {"GET", "/v1/reasons", {}, kAnyUser},
        {"GET", "/v1/queue", {}, kAnyUser},
        {"INGEST", "/v1/submissions", {}, {"ing", "admin"}},
        {"GET", "/v1/submissions/" + item, {}, {"sup", "admin"}},
        {"GET", "/v1/submissions/" + item + "/images/original", {}, {"sup", "admin"}},
        {"POST", "/v1/leases/claim", {{"n", 1}, {"school", "无此学校"}}, {"rev1"}},
        {"POST", "/v1/leases/renew", {{"ids", {ids[0]}}}, {"rev1"}},
        {"POST", "/v1/leases/release", {{"ids", {ids[0]}}}, {"rev1"}},
        {"POST", "/v1/decisions",
         {{"decisions", {{{"decision_id", "auth-matrix-1"}, {"submission_id", ids[0]}, {"verdict", "approve"}}}}},
         {"rev1"}},
        {"GET", "/v1/events", {}, {"sup", "ing", "admin"}},
        {"GET", "/v1/audit", {}, {"sup", "admin"}},
        {"POST", "/v1/submissions/" + item + "/overturn", {{"verdict", "approve"}, {"note", "matrix"}}, {"sup", "admin"}},
        {"GET", "/v1/stats", {}, {"sup", "admin"}},
        {"GET", "/v1/sla", {}, {"sup", "admin"}},
        {"POST", "/v1/exports", {{"school", "无此学校"}}, {"sup", "admin"}},
        {"GET", "/v1/exports/" + client::url_escape("无此学校.zip"), {}, {"sup", "admin"}},
        {"POST", "/v1/students/" + unknown_student + "/unlock", {{"note", "matrix"}}, {"admin"}},
        {"POST", "/v1/users", {{"name", "matrix-user"}, {"role", "reviewer"}}, {"admin"}},
        {"POST", "/v1/users/matrix-nobody/revoke", json::object(), {"admin"}},
    };

    auto caller_client = [&](const std::string& who) {
        if (who == "no-token") return client("");
        if (who == "bad-token") return ApiClient(base_url(), "pdt_" + std::string(64, '0'));
        return client(who);
    };
    std::vector<std::string> ingested;   // the ID number each ingest call sent, in order
    auto call = [&](ApiClient& c, const Endpoint& e) {
        if (e.method == "GET") return must_respond(c.get(e.path), "GET " + e.path);
        if (e.method == "POST") return must_respond(c.post_json(e.path, e.body), "POST " + e.path);
        ingested.push_back(valid_id(100 + int(ingested.size())));
        const json meta = {{"name", "矩阵"}, {"id_number", ingested.back()}, {"student_no", "M1"},
                           {"school", "示例大学"}, {"grade", "2026"}};
        return must_respond(c.ingest(meta, photo, "astronaut.png"), "ingest");
    };

    // Pass 1: every refused combination, then prove none of them stored anything.
    auto store = open_store();
    ASSERT_TRUE(store);
    const Footprint before = footprint(*store, dir_ / "data");
    int refused = 0;
    for (const auto& e : endpoints) {
        for (const auto& who : kCallers) {
            const bool allowed = e.open || e.allowed.count(who);
            if (allowed) continue;
            auto c = caller_client(who);
            const auto r = call(c, e);
            const bool anonymous = who == "no-token" || who == "bad-token";
            const long want = anonymous ? 401 : 403;
            EXPECT_EQ(r.status, want) << who << " " << e.method << " " << e.path << ": " << r.body;
            EXPECT_EQ(r.error_code(), anonymous ? "unauthorized" : "forbidden") << who << " " << e.path;
            EXPECT_FALSE(r.error_message().empty()) << who << " " << e.path;
            EXPECT_EQ(r.header("PhotoDesk-API"), "1") << who << " " << e.path;
            EXPECT_EQ(r.json()["api_version"], 1) << who << " " << e.path;
            ++refused;
        }
    }
    EXPECT_EQ(refused, 80);   // 20 protected endpoints x 2 anonymous callers + the table's 40 role refusals
    EXPECT_EQ(footprint(*store, dir_ / "data"), before) << "a refused request stored something";

    // Pass 2: every allowed combination gets past authorization.
    int allowed = 0;
    for (const auto& e : endpoints) {
        for (const auto& who : kCallers) {
            if (!(e.open || e.allowed.count(who))) continue;
            auto c = caller_client(who);
            Endpoint once = e;
            if (e.path == "/v1/users") once.body["name"] = "matrix-" + who;   // a fresh name each
            const auto r = call(c, once);
            EXPECT_NE(r.status, 401) << who << " " << e.method << " " << e.path << ": " << r.body;
            EXPECT_NE(r.status, 403) << who << " " << e.method << " " << e.path << ": " << r.body;
            EXPECT_TRUE(r.status == 200 || r.status == 201 || r.status == 404 || r.status == 409)
                << who << " " << e.method << " " << e.path << ": " << r.status << " " << r.body;
            EXPECT_EQ(r.header("PhotoDesk-API"), "1") << who << " " << e.path;
            ++allowed;
        }
    }
    EXPECT_EQ(allowed, 52);   // the table's 40 role grants + 2 open endpoints x 6 callers
    // Ingest: refused for the 4 callers without the role, stored for ing and admin.
    ASSERT_EQ(ingested.size(), 6u);
    for (size_t i = 0; i < ingested.size(); ++i) {
        auto history = store->student_history(ingested[i]);
        ASSERT_TRUE(history.ok());
        EXPECT_EQ(history->size(), i < 4 ? 0u : 1u) << ingested[i];
    }
    // The allowed calls that must have succeeded outright did.
    auto me = must_respond(client("ing").me(), "me");
    EXPECT_EQ(me.json()["role"], "ingest");
    EXPECT_EQ(me.json()["name"], "ing");
}

// A reviewer sees an item (and its images) only while it is leased to them, with the ID number
// masked; supervisors and admins see it in full.
TEST_P(ServerTest, AuthReviewerSeesOnlyItsLiveLeases) {
    const auto ids = seed(3);
    ASSERT_EQ(ids.size(), 3u);
    auto rev1 = client("rev1");
    auto rev2 = client("rev2");
    auto get_status = [](ApiClient& c, const std::string& path) { return must_respond(c.get(path), path).status; };
    const auto item = [&](int i) { return "/v1/submissions/" + std::to_string(ids[size_t(i)]); };

    // ids[0] (earliest deadline) leased to rev2; ids[1] not leased at all.
    auto c2 = must_respond(rev2.claim({.n = 1, .lease_seconds = 300}), "rev2 claim");
    ASSERT_EQ(c2.status, 200);
    ASSERT_EQ(c2.json()["items"].size(), 1u);
    ASSERT_EQ(c2.json()["items"][0]["id"], ids[0]);
    for (int i : {0, 1}) {
        for (const std::string suffix : {"", "/images/original", "/images/standardized", "/images/thumbnail"}) {
            auto r = must_respond(rev1.get(item(i) + suffix), item(i) + suffix);
            EXPECT_EQ(r.status, 403) << item(i) + suffix << ": " << r.body;
            EXPECT_EQ(r.error_code(), "forbidden");
            EXPECT_EQ(r.body.find("original-"), std::string::npos) << "image bytes leaked";
        }
    }
    EXPECT_EQ(get_status(rev2, item(0)), 200);

    // Leased to rev1 now: visible, masked, with its images.
    auto c1 = must_respond(rev1.claim({.n = 1, .lease_seconds = 300}), "rev1 claim");
    ASSERT_EQ(c1.status, 200);
    ASSERT_EQ(c1.json()["items"].size(), 1u);
    ASSERT_EQ(c1.json()["items"][0]["id"], ids[1]);
    const std::string full = valid_id(1);
    const std::string masked = full.substr(0, 6) + "********" + full.substr(14);
    EXPECT_EQ(c1.json()["items"][0]["student"]["id_number"], masked);
    auto mine = must_respond(rev1.submission(ids[1]), "rev1 GET");
    ASSERT_EQ(mine.status, 200) << mine.body;
    const std::string shown = mine.json()["submission"]["student"]["id_number"];
    EXPECT_EQ(shown, masked);
    EXPECT_TRUE(std::regex_match(shown, std::regex(R"(110105\*{8}[0-9]{3}[0-9X])"))) << shown;
    EXPECT_EQ(mine.body.find(full), std::string::npos) << "the full ID number reached a reviewer";
    auto original = must_respond(rev1.image(ids[1], "original"), "rev1 original");
    EXPECT_EQ(original.status, 200);
    EXPECT_EQ(original.body, "original-1-示例大学");
    auto standardized = must_respond(rev1.image(ids[1], "standardized"), "rev1 standardized");
    EXPECT_EQ(standardized.status, 200);
    EXPECT_EQ(standardized.body, "standardized-1-示例大学");
    EXPECT_EQ(get_status(rev1, item(1) + "/images/matte"), 404);   // seeded items have none
    EXPECT_EQ(get_status(rev1, item(0)), 403);                     // still rev2's
    EXPECT_EQ(get_status(rev2, item(1)), 403);

    // Supervisors and admins see the full number, leased or not.
    for (const std::string who : {"sup", "admin"}) {
        auto c = client(who);
        for (int i : {0, 1, 2}) {
            auto r = must_respond(c.submission(ids[size_t(i)]), who + " GET");
            ASSERT_EQ(r.status, 200) << r.body;
            EXPECT_EQ(r.json()["submission"]["student"]["id_number"], valid_id(i)) << who;
        }
        EXPECT_EQ(get_status(c, item(2) + "/images/original"), 200);
    }

    // Released: gone again. A lease that ran out: gone too.
    auto rel = must_respond(rev1.release({ids[1]}), "release");
    EXPECT_EQ(rel.json()["released"], 1);
    EXPECT_EQ(get_status(rev1, item(1)), 403);
    // The lease is long enough that a busy CI machine (PostgreSQL, two test processes at once)
    // still reads the item inside it; a 1 s lease once ran out before the first GET. The wait
    // is counted from the claim's answer, so the lease has surely ended when the last GETs run.
    constexpr int kShortLease = 4;
    auto short_lease = must_respond(rev1.claim({.n = 1, .lease_seconds = kShortLease}), "short claim");
    const auto claimed = std::chrono::steady_clock::now();
    ASSERT_EQ(short_lease.json()["items"].size(), 1u);
    const auto short_id = short_lease.json()["items"][0]["id"].get<std::int64_t>();
    EXPECT_EQ(get_status(rev1, "/v1/submissions/" + std::to_string(short_id)), 200);
    std::this_thread::sleep_until(claimed + std::chrono::milliseconds(kShortLease * 1000 + 1100));
    EXPECT_EQ(get_status(rev1, "/v1/submissions/" + std::to_string(short_id)), 403);
    EXPECT_EQ(get_status(rev1, "/v1/submissions/" + std::to_string(short_id) + "/images/original"), 403);
}

}  // namespace
}  // namespace pd::test
