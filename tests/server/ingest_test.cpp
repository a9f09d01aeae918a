// Ingest beyond the basics of api_test.cpp: an admin's backlog import with its own time of
// receipt (meta.submitted_at), the reuse of the engine's results for bytes analysed before, and
// a file already at the spec's pixel size kept as it is.
#include <gtest/gtest.h>

#include "domain/calendar.h"
#include "server/server_checks.h"
#include "server/server_fixture.h"
#include "support/test_support.h"

namespace pd::test {
namespace {

using nlohmann::json;

json meta_for(int i, const std::string& school = "导入大学") {
    return {{"name", "学生" + std::to_string(i)}, {"id_number", ServerTest::valid_id(i)},
            {"student_no", "S" + std::to_string(i)}, {"school", school},
            {"station", "本部"}, {"grade", "2026"}};
}

// The value of one counter series in a /metrics body, 0 when absent.
long metric(const std::string& body, const std::string& series) {
    const auto at = body.find(series + " ");
    return at == std::string::npos ? 0 : std::stol(body.substr(at + series.size() + 1));
}

TEST_P(ServerTest, SubmittedAtIsForAdminsImportingABacklog) {
    const auto photo = read_bytes(astronaut_path());
    ASSERT_FALSE(photo.empty());
    auto store = open_store();
    ASSERT_TRUE(store);
    const Footprint before = footprint(*store, dir_ / "data");
    auto ing = client("ing"), admin = client("admin");

    // The ingest role may not set it, whatever the value.
    for (const json& value : {json(unix_now() - 3600), json("yesterday")}) {
        json meta = meta_for(1);
        meta["submitted_at"] = value;
        auto r = must_respond(ing.ingest(meta, photo, "a.png"), "ing ingest");
        EXPECT_EQ(r.status, 403) << r.body;
        EXPECT_EQ(r.error_code(), "forbidden");
        EXPECT_EQ(r.json()["error"]["field"], "meta.submitted_at");
        EXPECT_NE(r.error_message().find("admin"), std::string::npos) << r.error_message();
    }
    // An admin's value must be a positive integer, not in the future beyond the clock skew.
    const std::int64_t now = unix_now();
    for (const json& value : {json("yesterday"), json(0), json(-5), json(now + 3600), json(1.5e9)}) {
        json meta = meta_for(1);
        meta["submitted_at"] = value;
        auto r = must_respond(admin.ingest(meta, photo, "a.png"), "admin ingest");
        EXPECT_EQ(r.status, 400) << value << ": " << r.body;
        EXPECT_EQ(r.error_code(), "invalid_field") << value;
        EXPECT_EQ(r.json()["error"]["field"], "meta.submitted_at") << value;
    }
    // A year the calendar lacks: the deadline cannot be computed, nothing is stored.
    json old = meta_for(1);
    old["submitted_at"] = domain::local_midnight({2024, 6, 3}, 480) + 10 * 3600;
    auto missing = must_respond(admin.ingest(old, photo, "a.png"), "2024 ingest");
    EXPECT_EQ(missing.status, 503) << missing.body;
    EXPECT_EQ(missing.error_code(), "calendar_missing_year");
    EXPECT_NE(missing.error_message().find("2024"), std::string::npos) << missing.error_message();
    EXPECT_EQ(footprint(*store, dir_ / "data"), before) << "a refused ingest stored something";

    // Accepted: the deadline counts from the given time (docs: Fri 2025-09-26 14:00 +08:00 ->
    // 2025-09-30 00:00 +08:00, Sun 09-28 being a make-up working day).
    json backlog = meta_for(1);
    backlog["submitted_at"] = domain::local_midnight({2025, 9, 26}, 480) + 14 * 3600;
    auto added = must_respond(admin.ingest(backlog, photo, "a.png"), "backlog ingest");
    ASSERT_EQ(added.status, 201) << added.body;
    const json s = added.json()["submission"];
    EXPECT_EQ(s["submitted_at"], backlog["submitted_at"]);
    EXPECT_EQ(s["sla_deadline"], domain::local_midnight({2025, 9, 30}, 480));
    // Overdue long ago, so it comes first in the queue.
    auto first = must_respond(client("rev1").claim({1, 60}), "claim");
    ASSERT_EQ(first.json()["items"].size(), 1u);
    EXPECT_EQ(first.json()["items"][0]["id"], s["id"]);

    // A little ahead of the server's clock is tolerated (clock skew of the importing system).
    json ahead = meta_for(2);
    ahead["submitted_at"] = unix_now() + 60;
    auto skewed = must_respond(admin.ingest(ahead, photo, "a.png"), "skewed ingest");
    ASSERT_EQ(skewed.status, 201) << skewed.body;
    EXPECT_EQ(skewed.json()["submission"]["submitted_at"], ahead["submitted_at"]);
}

TEST_P(ServerTest, SameBytesAgainReuseTheEngineResults) {
    const auto photo = read_bytes(astronaut_path());
    ASSERT_FALSE(photo.empty());
    auto ing = client("ing");
    const std::string engine = R"(photodesk_ingest_analysis_total{source="engine"})";
    const std::string reused = R"(photodesk_ingest_analysis_total{source="reused"})";

    auto first = must_respond(ing.ingest(meta_for(21), photo, "a.png"), "first ingest");
    ASSERT_EQ(first.status, 201) << first.body;
    auto m1 = must_respond(client("").metrics(), "metrics").body;
    EXPECT_EQ(metric(m1, engine), 1) << m1;
    EXPECT_EQ(metric(m1, reused), 0) << m1;

    // Another student with the very same file: no engine run, the same report and images.
    auto second = must_respond(ing.ingest(meta_for(22), photo, "b.png"), "second ingest");
    ASSERT_EQ(second.status, 201) << second.body;
    auto m2 = must_respond(client("").metrics(), "metrics").body;
    EXPECT_EQ(metric(m2, engine), 1) << m2;
    EXPECT_EQ(metric(m2, reused), 1) << m2;
    const json a = first.json()["submission"], b = second.json()["submission"];
    EXPECT_EQ(b["checks"], a["checks"]);
    EXPECT_EQ(b["images"], a["images"]);
    for (const char* k : {"original", "standardized", "matte", "thumbnail"})
        EXPECT_EQ(b["images"][k].get<std::string>().size(), 64u) << k;
    EXPECT_EQ(b["flags"], json::array({"duplicate_image"}));   // the duplicate check as before
    auto sup = client("sup");
    EXPECT_EQ(must_respond(sup.image(b["id"], "standardized"), "std").body,
              must_respond(sup.image(a["id"], "standardized"), "std").body);

    // The student retakes with the same file after a rejection: attempt 2, reused again.
    auto rev = client("rev1");
    ASSERT_EQ(must_respond(rev.claim({1, 60}), "claim").json()["items"][0]["id"], a["id"]);
    client::DecisionInput d{client::new_decision_id(), a["id"].get<std::int64_t>(), "reject", {"head_tilted"}, "", std::nullopt, 0};
    ASSERT_EQ(must_respond(rev.push_decisions({d}), "reject").json()["results"][0]["status"], "applied");
    auto retake = must_respond(ing.ingest(meta_for(21), photo, "a.png"), "retake");
    ASSERT_EQ(retake.status, 201) << retake.body;
    EXPECT_EQ(retake.json()["submission"]["attempt"], 2);
    EXPECT_EQ(retake.json()["submission"]["checks"], a["checks"]);
    EXPECT_EQ(metric(must_respond(client("").metrics(), "metrics").body, reused), 2);
}

// A photo the engine can make no spec photo from (a cup of coffee: no face) is queued all the
// same, and the reply says why as the report does ({code, kind, message}), also when the
// results are reused for the same bytes.
TEST_P(ServerTest, AnIngestReplySaysWhyNoSpecPhotoWasMade) {
    const auto faceless = read_bytes("/usr/lib/python3/dist-packages/skimage/data/coffee.png");
    ASSERT_FALSE(faceless.empty());
    auto ing = client("ing");
    for (int k : {31, 32}) {   // the second is reused
        auto r = must_respond(ing.ingest(meta_for(k), faceless, "coffee.png"), "ingest");
        ASSERT_EQ(r.status, 201) << r.body;
        const json j = r.json();
        ASSERT_TRUE(j.contains("spec_error") && j["spec_error"].is_object()) << r.body;
        EXPECT_EQ(j["spec_error"]["code"], "no_face");
        EXPECT_EQ(j["spec_error"]["kind"], "no_face");
        EXPECT_FALSE(j["spec_error"]["message"].get<std::string>().empty());
        EXPECT_EQ(j["spec_error"], j["submission"]["checks"]["spec_error"]);
        EXPECT_EQ(j["submission"]["images"]["standardized"], "");
    }
    // A photo that makes one: no spec_error.
    auto ok = must_respond(ing.ingest(meta_for(33), read_bytes(astronaut_path()), "a.png"), "ingest");
    ASSERT_EQ(ok.status, 201) << ok.body;
    EXPECT_FALSE(ok.json().contains("spec_error")) << ok.body;
}

// A photo at the spec's pixel size (480x640) is judged as it is: its standardized image is the
// uploaded file, byte for byte; any other photo is standardized.
TEST_P(ServerTest, AFinalSizeFileIsKeptAsItIs) {
    const auto photo = read_bytes(astronaut_path());  // 512x512 PNG
    ASSERT_FALSE(photo.empty());
    auto ing = client("ing"), sup = client("sup");

    auto first = must_respond(ing.ingest(meta_for(31), photo, "a.png"), "first ingest");
    ASSERT_EQ(first.status, 201) << first.body;
    const json a = first.json()["submission"];
    EXPECT_EQ(a["checks"]["judged_as_final"], false);
    EXPECT_NE(a["images"]["standardized"], a["images"]["original"]);
    const std::string spec_photo = must_respond(sup.image(a["id"], "standardized"), "standardized").body;
    ASSERT_FALSE(spec_photo.empty());
    EXPECT_EQ(a["checks"]["output"]["width"], 480);
    EXPECT_EQ(a["checks"]["output"]["height"], 640);

    // That 480x640 JPEG sent in by another student: stored as it is, not re-rendered.
    const std::vector<unsigned char> final_file(spec_photo.begin(), spec_photo.end());
    auto second = must_respond(ing.ingest(meta_for(32), final_file, "b.jpg"), "final-size ingest");
    ASSERT_EQ(second.status, 201) << second.body;
    const json b = second.json()["submission"];
    EXPECT_EQ(b["checks"]["judged_as_final"], true);
    EXPECT_EQ(b["checks"]["source"]["width"], 480);
    EXPECT_EQ(b["checks"]["source"]["height"], 640);
    EXPECT_EQ(b["images"]["standardized"], b["images"]["original"]);
    EXPECT_TRUE(must_respond(sup.image(b["id"], "standardized"), "standardized").body == spec_photo)
        << "a final-size file was re-encoded";
    EXPECT_TRUE(must_respond(sup.image(b["id"], "original"), "original").body == spec_photo);
}

}  // namespace
}  // namespace pd::test
