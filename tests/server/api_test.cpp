// Every endpoint of docs/api.md against a real photodeskd, on both backends.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "server/server_fixture.h"
#include "support/test_support.h"

namespace pd::test {
namespace {

using client::ApiClient;
using client::DecisionInput;
using nlohmann::json;

// Unwraps a client Result (transport errors fail the test with their message).
client::Response must_respond(Result<client::Response> r, const char* what) {
    if (!r.ok()) {
        ADD_FAILURE() << what << ": " << r.error().message;
        return {};
    }
    return std::move(r).value();
}
#define CALL(expr) must_respond((expr), #expr)

json meta_for(int i, const std::string& school = "示例大学") {
    return {{"name", "学生" + std::to_string(i)}, {"id_number", ServerTest::valid_id(i)},
            {"student_no", "S" + std::to_string(i)}, {"school", school},
            {"station", "本部"}, {"grade", "2026"}};
}

DecisionInput decision(std::int64_t id, const std::string& verdict,
                       std::vector<std::string> reasons = {}, std::string note = "") {
    return {client::new_decision_id(), id, verdict, std::move(reasons), std::move(note), std::nullopt, 0};
}

bool starts_with(const std::string& s, std::string_view magic) { return s.rfind(magic, 0) == 0; }

TEST_P(ServerTest, HealthzAndVersionHeader) {
    auto r = CALL(client("").healthz());
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("PhotoDesk-API"), "1");
    EXPECT_EQ(r.json()["status"], "ok");
    EXPECT_EQ(r.json()["api_version"], 1);
    EXPECT_EQ(r.json()["backend"], is_postgres() ? "postgres" : "sqlite");
    EXPECT_GE(r.json()["schema_version"].get<int>(), 1);
}

TEST_P(ServerTest, MeReasonsAndMetrics) {
    auto rev = client("rev1");
    auto me = CALL(rev.me());
    EXPECT_EQ(me.status, 200);
    EXPECT_EQ(me.json()["name"], "rev1");
    EXPECT_EQ(me.json()["role"], "reviewer");

    auto reasons = CALL(rev.reasons());
    ASSERT_EQ(reasons.status, 200);
    std::set<std::string> codes;
    const json list = reasons.json();  // keep the document alive while iterating
    for (const auto& r : list["reasons"]) codes.insert(r["code"]);
    EXPECT_TRUE(codes.count("other"));
    EXPECT_TRUE(codes.count("head_tilted"));

    auto m = CALL(client("").metrics());
    ASSERT_EQ(m.status, 200);
    EXPECT_NE(m.body.find("photodesk_http_requests_total{route=\"/v1/me\",status=\"200\"} 1"), std::string::npos)
        << m.body;
    EXPECT_NE(m.body.find("photodesk_http_request_duration_seconds_bucket{route=\"/v1/reasons\",le=\"+Inf\"} 1"),
              std::string::npos);
    EXPECT_NE(m.body.find("# TYPE photodesk_http_request_duration_seconds histogram"), std::string::npos);
}

TEST_P(ServerTest, IngestRunsTheEngineAndStoresEveryImage) {
    auto ing = client("ing");
    const auto photo = read_bytes(astronaut_path());
    auto r = CALL(ing.ingest(meta_for(1), photo, "astronaut.png"));
    ASSERT_EQ(r.status, 201) << r.body;
    const json s = r.json()["submission"];
    EXPECT_EQ(s["state"], "pending");
    EXPECT_EQ(s["attempt"], 1);
    EXPECT_EQ(s["student"]["id_number"], valid_id(1));  // ingest sees it in full
    EXPECT_GT(s["sla_deadline"].get<std::int64_t>(), s["submitted_at"].get<std::int64_t>());
    for (const char* k : {"original", "standardized", "matte", "thumbnail"})
        EXPECT_EQ(s["images"][k].get<std::string>().size(), 64u) << k;
    ASSERT_TRUE(s["checks"]["checks"].is_array());
    EXPECT_GT(s["checks"]["checks"].size(), 20u);

    // A second photo while the first is in review is refused, naming the blocking attempt.
    auto again = CALL(ing.ingest(meta_for(1), photo, "astronaut.png"));
    EXPECT_EQ(again.status, 409);
    EXPECT_EQ(again.error_code(), "in_review");
    EXPECT_EQ(again.json()["error"]["submission_id"], s["id"]);

    // Every image kind comes back with its type and hash.
    auto sup = client("sup");
    const auto id = s["id"].get<std::int64_t>();
    auto orig = CALL(sup.image(id, "original"));
    EXPECT_EQ(orig.status, 200);
    EXPECT_EQ(orig.body.size(), photo.size());
    EXPECT_EQ(orig.content_type, "image/png");
    auto std_ = CALL(sup.image(id, "standardized"));
    EXPECT_TRUE(starts_with(std_.body, "\xFF\xD8\xFF"));
    EXPECT_EQ(std_.header("ETag"), "\"" + s["images"]["standardized"].get<std::string>() + "\"");
    EXPECT_TRUE(starts_with(CALL(sup.image(id, "matte")).body, "\x89PNG"));
    EXPECT_TRUE(starts_with(CALL(sup.image(id, "thumbnail")).body, "\xFF\xD8\xFF"));
    EXPECT_EQ(CALL(sup.image(id, "sideways")).error_code(), "invalid_id");
}

TEST_P(ServerTest, ClaimRenewReleaseEarliestDeadlineFirst) {
    const auto ids = seed(3);
    auto rev1 = client("rev1"), rev2 = client("rev2");
    auto claim = CALL(rev1.claim({2, 60}));
    ASSERT_EQ(claim.status, 200) << claim.body;
    const json items = claim.json()["items"];
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0]["id"], ids[0]);
    EXPECT_EQ(items[1]["id"], ids[1]);
    EXPECT_EQ(items[0]["lease"]["reviewer"], "rev1");
    // Reviewers see masked ID numbers.
    EXPECT_EQ(items[0]["student"]["id_number"].get<std::string>().find("********"), 6u);

    auto renew = CALL(rev1.renew({ids[0], ids[1], ids[2]}, 120));
    ASSERT_EQ(renew.status, 200);
    EXPECT_EQ(renew.json()["renewed"].size(), 2u);  // ids[2] is not theirs

    auto released = CALL(rev1.release({ids[0]}));
    EXPECT_EQ(released.json()["released"], 1);

    auto other = CALL(rev2.claim({5, 60}));
    std::set<std::int64_t> got;
    const json offered = other.json();
    for (const auto& it : offered["items"]) got.insert(it["id"].get<std::int64_t>());
    EXPECT_EQ(got, (std::set<std::int64_t>{ids[0], ids[2]}));

    // Filters: another school is not offered.
    seed(1, "另一所大学", "2026", 100);
    client::ClaimRequest f{5, 60, "另一所大学"};
    auto filtered = CALL(rev1.claim(f));
    ASSERT_EQ(filtered.json()["items"].size(), 1u);
    EXPECT_EQ(filtered.json()["items"][0]["student"]["school"], "另一所大学");
}

TEST_P(ServerTest, DecisionsAnswerAppliedDuplicateConflict) {
    const auto ids = seed(2);
    auto rev1 = client("rev1"), rev2 = client("rev2");
    ASSERT_EQ(CALL(rev1.claim({2, 60})).json()["items"].size(), 2u);
    auto d1 = decision(ids[0], "reject", {"head_tilted"});
    auto d2 = decision(ids[1], "approve");
    auto r = CALL(rev1.push_decisions({d1, d2}));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["results"][0]["status"], "applied");
    EXPECT_EQ(r.json()["results"][0]["state"], "rejected");
    EXPECT_EQ(r.json()["results"][1]["state"], "approved");

    auto retry = CALL(rev1.push_decisions({d1}));
    EXPECT_EQ(retry.json()["results"][0]["status"], "duplicate");
    auto stolen = CALL(rev2.push_decisions({decision(ids[1], "reject", {"blurry"})}));
    EXPECT_EQ(stolen.json()["results"][0]["status"], "conflict");
    EXPECT_EQ(stolen.json()["results"][0]["state"], "approved");

    auto sub = CALL(client("sup").submission(ids[0]));
    EXPECT_EQ(sub.json()["submission"]["decision"]["reasons"], json::array({"head_tilted"}));
    EXPECT_EQ(sub.json()["submission"]["decision"]["reviewer"], "rev1");
}

// A reviewer offline past their lease's expiry keeps their work unless someone else took the
// item meanwhile; renew revives such a lease too.
TEST_P(ServerTest, LateDecisionAppliesWhenNobodyTookTheItem) {
    const auto ids = seed(3);
    auto rev1 = client("rev1"), rev2 = client("rev2");
    ASSERT_EQ(CALL(rev1.claim({3, 1})).json()["items"].size(), 3u);
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));   // every lease expired
    auto taken = CALL(rev2.claim({1, 60}));
    ASSERT_EQ(taken.json()["items"].size(), 1u);
    ASSERT_EQ(taken.json()["items"][0]["id"], ids[0]);

    auto renewed = CALL(rev1.renew({ids[0], ids[1]}, 60));
    ASSERT_EQ(renewed.json()["renewed"].size(), 1u) << renewed.body;   // not ids[0]: rev2 has it
    EXPECT_EQ(renewed.json()["renewed"][0]["submission_id"], ids[1]);

    auto r = CALL(rev1.push_decisions({decision(ids[0], "approve"), decision(ids[1], "approve"),
                                       decision(ids[2], "reject", {"blurry"})}));
    ASSERT_EQ(r.status, 200) << r.body;
    const json results = r.json()["results"];
    EXPECT_EQ(results[0]["status"], "conflict");
    EXPECT_NE(results[0]["message"].get<std::string>().find("another reviewer"), std::string::npos);
    EXPECT_EQ(results[1]["status"], "applied");
    EXPECT_EQ(results[2]["status"], "applied");   // expired, but still recorded as rev1's
    EXPECT_EQ(results[2]["state"], "rejected");
    EXPECT_EQ(CALL(client("sup").submission(ids[2])).json()["submission"]["decision"]["reviewer"], "rev1");
}

TEST_P(ServerTest, RecropDecisionRendersTheFinalPhoto) {
    auto ing = client("ing");
    auto r = CALL(ing.ingest(meta_for(7), read_bytes(astronaut_path()), "a.png"));
    ASSERT_EQ(r.status, 201) << r.body;
    const json s = r.json()["submission"];
    const json window = s["checks"]["crop"]["window_original"];
    ASSERT_TRUE(window.is_object()) << s["checks"].dump().substr(0, 500);

    auto rev = client("rev1");
    ASSERT_EQ(CALL(rev.claim({1, 60})).json()["items"].size(), 1u);
    // Widen the window by 10 %, keeping its centre: the head gets smaller in the output.
    const double w = window["width"].get<double>() * 1.1;
    client::Crop crop{window["x"].get<double>() - (w - window["width"].get<double>()) / 2,
                      window["y"].get<double>(), w};
    DecisionInput d = decision(s["id"], "approve_recropped");
    d.crop = crop;
    auto out = CALL(rev.push_decisions({d}));
    ASSERT_EQ(out.json()["results"][0]["status"], "applied") << out.body;

    auto after = CALL(client("sup").submission(s["id"])).json()["submission"];
    EXPECT_EQ(after["state"], "approved");
    EXPECT_EQ(after["decision"]["verdict"], "approve_recropped");
    EXPECT_NEAR(after["decision"]["crop"]["width"].get<double>(), w, 1e-6);
    EXPECT_NE(after["images"]["standardized"], s["images"]["standardized"]);
    auto jpeg = CALL(client("sup").image(s["id"], "standardized"));
    EXPECT_TRUE(starts_with(jpeg.body, "\xFF\xD8\xFF"));
}

TEST_P(ServerTest, EventsFeedPagesWithACursorAndCarriesStudentMessages) {
    const auto ids = seed(3);
    auto rev = client("rev1");
    ASSERT_EQ(CALL(rev.claim({3, 60})).json()["items"].size(), 3u);
    CALL(rev.push_decisions({decision(ids[0], "reject", {"head_tilted"}), decision(ids[1], "approve"),
                             decision(ids[2], "reject", {"other"}, "glare on the left lens")}));
    auto feed = client("ing");
    auto page1 = CALL(feed.events(0, 2));
    ASSERT_EQ(page1.status, 200);
    ASSERT_EQ(page1.json()["events"].size(), 2u);
    const auto next = page1.json()["next_cursor"].get<std::int64_t>();
    auto page2 = CALL(feed.events(next, 100));
    ASSERT_EQ(page2.json()["events"].size(), 1u);
    EXPECT_GT(page2.json()["events"][0]["cursor"].get<std::int64_t>(), next);
    EXPECT_EQ(CALL(feed.events(page2.json()["next_cursor"], 100)).json()["events"].size(), 0u);

    const json first = page1.json()["events"][0];
    EXPECT_EQ(first["type"], "decision");
    EXPECT_EQ(first["submission_id"], ids[0]);
    EXPECT_EQ(first["payload"]["id_number"], valid_id(0));
    EXPECT_EQ(first["payload"]["reasons"][0]["code"], "head_tilted");
    EXPECT_FALSE(first["payload"]["reasons"][0]["student_message_zh"].get<std::string>().empty());
}

TEST_P(ServerTest, AuditOverturnStatsAndSla) {
    const auto ids = seed(4);
    auto rev = client("rev1");
    ASSERT_EQ(CALL(rev.claim({3, 60})).json()["items"].size(), 3u);
    CALL(rev.push_decisions({decision(ids[0], "reject", {"head_tilted"}),
                             decision(ids[1], "reject", {"blurry", "head_tilted"}),
                             decision(ids[2], "approve")}));
    auto sup = client("sup");

    client::AuditQuery q;
    q.action = "decision";
    auto audit = CALL(sup.audit(q));
    ASSERT_EQ(audit.status, 200);
    EXPECT_EQ(audit.json()["records"].size(), 3u);
    EXPECT_EQ(audit.json()["records"][0]["submission_id"], ids[2]);  // newest first
    q.sample = 2;
    q.seed = 42;
    auto sample = CALL(sup.audit(q));
    EXPECT_EQ(sample.json()["records"].size(), 2u);
    EXPECT_EQ(CALL(sup.audit(q)).json()["records"], sample.json()["records"]);  // same seed, same sample

    // Overturn needs a note; then it applies and is audited; a second overturn works too.
    auto no_note = CALL(sup.overturn(ids[0], "approve", {}, ""));
    EXPECT_EQ(no_note.status, 422);
    EXPECT_EQ(no_note.error_code(), "note_required");
    auto ok = CALL(sup.overturn(ids[0], "approve", {}, "ears are visible after all"));
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(ok.json()["state"], "approved");
    q = {};
    q.action = "overturn";
    EXPECT_EQ(CALL(sup.audit(q)).json()["records"].size(), 1u);
    auto pending = CALL(sup.overturn(ids[3], "approve", {}, "not decided"));
    EXPECT_EQ(pending.status, 409);
    EXPECT_EQ(pending.json()["error"]["state"], "pending");

    auto stats = CALL(sup.stats());
    ASSERT_EQ(stats.status, 200);
    EXPECT_EQ(stats.json()["by_state"]["pending"], 1);
    EXPECT_EQ(stats.json()["by_state"]["approved"], 2);
    const json r = stats.json()["reviewers"][0];
    EXPECT_EQ(r["reviewer"], "rev1");
    EXPECT_EQ(r["decisions"], 3);
    EXPECT_EQ(r["rejections"], 2);
    EXPECT_EQ(r["overturned"], 1);
    EXPECT_EQ(r["by_reason"]["head_tilted"], 2);
    EXPECT_NEAR(r["rejection_rate"].get<double>(), 2.0 / 3, 1e-9);
    EXPECT_GT(r["decisions_per_hour"].get<double>(), 0);

    auto sla = CALL(sup.sla());
    ASSERT_EQ(sla.status, 200);
    EXPECT_EQ(sla.json()["open"]["total"], 1);
    EXPECT_EQ(sla.json()["open"]["overdue"], 0);
    EXPECT_EQ(sla.json()["decided"]["total"], 3);
    EXPECT_EQ(sla.json()["decided"]["on_time"], 3);
    EXPECT_DOUBLE_EQ(sla.json()["decided"]["compliance"].get<double>(), 1.0);
}

TEST_P(ServerTest, ExportLocksApprovedItemsAndIsIdempotent) {
    const auto ids = seed(3, "导出大学");
    auto rev = client("rev1");
    ASSERT_EQ(CALL(rev.claim({3, 60})).json()["items"].size(), 3u);
    CALL(rev.push_decisions({decision(ids[0], "approve"), decision(ids[1], "approve"),
                             decision(ids[2], "reject", {"blurry"})}));
    auto sup = client("sup");
    auto first = CALL(sup.create_export("导出大学"));
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(first.json()["items"], 2);
    const std::string name = first.json()["name"];
    // School, grade and a hash of both: "A" + "B" and "A-B" never share a file (issue 9, item 5).
    EXPECT_EQ(name.rfind("导出大学", 0), 0u) << name;
    EXPECT_EQ(name.substr(name.size() - 4), ".zip") << name;
    auto zip = CALL(sup.download_export(name));
    ASSERT_EQ(zip.status, 200);
    EXPECT_TRUE(starts_with(zip.body, "PK"));
    EXPECT_NE(zip.body.find(valid_id(0) + ".jpg"), std::string::npos);
    EXPECT_NE(zip.body.find("manifest.csv"), std::string::npos);
    EXPECT_EQ(zip.body.find(valid_id(2) + ".jpg"), std::string::npos);  // rejected: not exported

    auto again = CALL(sup.create_export("导出大学"));
    EXPECT_EQ(again.json()["items"], 2);
    EXPECT_EQ(again.json()["sha256"], first.json()["sha256"]);
    EXPECT_EQ(CALL(sup.submission(ids[0])).json()["submission"]["state"], "locked");
    auto locked = CALL(sup.overturn(ids[0], "reject", {"blurry"}, "too late"));
    EXPECT_EQ(locked.status, 409);
    EXPECT_EQ(locked.json()["error"]["state"], "locked");
    EXPECT_EQ(CALL(sup.download_export("nope.zip")).status, 404);
    EXPECT_EQ(CALL(sup.download_export("..hidden.zip")).status, 400);

    client::AuditQuery q;
    q.action = "lock";
    EXPECT_EQ(CALL(sup.audit(q)).json()["records"].size(), 1u);  // the second export locked nothing
}

TEST_P(ServerTest, UnlockLetsAnApprovedStudentSubmitAgain) {
    auto ing = client("ing");
    const auto photo = read_bytes(astronaut_path());
    auto first = CALL(ing.ingest(meta_for(9), photo, "a.png"));
    ASSERT_EQ(first.status, 201) << first.body;
    auto rev = client("rev1");
    ASSERT_EQ(CALL(rev.claim({1, 60})).json()["items"].size(), 1u);
    CALL(rev.push_decisions({decision(first.json()["submission"]["id"], "approve")}));

    auto blocked = CALL(ing.ingest(meta_for(9), photo, "a.png"));
    EXPECT_EQ(blocked.status, 409);
    EXPECT_EQ(blocked.error_code(), "needs_unlock");

    auto admin = client("admin");
    EXPECT_EQ(CALL(admin.unlock(valid_id(9), "")).error_code(), "note_required");
    EXPECT_EQ(CALL(admin.unlock(valid_id(10), "unknown student")).status, 404);
    auto unlocked = CALL(admin.unlock(valid_id(9), "school asked for a new photo"));
    ASSERT_EQ(unlocked.status, 200) << unlocked.body;
    auto second = CALL(ing.ingest(meta_for(9), photo, "a.png"));
    ASSERT_EQ(second.status, 201) << second.body;
    EXPECT_EQ(second.json()["submission"]["attempt"], 2);
    // The same image for another student is flagged.
    auto dup = CALL(ing.ingest(meta_for(11), photo, "a.png"));
    ASSERT_EQ(dup.status, 201);
    EXPECT_EQ(dup.json()["submission"]["flags"], json::array({"duplicate_image"}));
}

TEST_P(ServerTest, AdminCreatesUsersWhoseTokensWork) {
    auto admin = client("admin");
    auto r = CALL(admin.add_user("carol", "supervisor"));
    ASSERT_EQ(r.status, 201) << r.body;
    const std::string token = r.json()["token"];
    EXPECT_EQ(token.rfind("pdt_", 0), 0u);
    client::ApiClient carol(base_url(), token);
    EXPECT_EQ(CALL(carol.me()).json()["role"], "supervisor");
    EXPECT_EQ(CALL(admin.add_user("carol", "reviewer")).status, 409);
    EXPECT_EQ(CALL(admin.add_user("dave", "emperor")).error_code(), "invalid_field");
}

}  // namespace
}  // namespace pd::test
