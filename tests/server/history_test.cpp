// The student's earlier attempts: "history" in every submission object (GET, claim, ingest),
// and which earlier-attempt images a reviewer holding the later attempt may read.
#include <gtest/gtest.h>

#include "server/server_checks.h"
#include "server/server_fixture.h"
#include "storage/image_store.h"
#include "support/test_support.h"

namespace pd::test {
namespace {

using client::ApiClient;
using nlohmann::json;

std::vector<unsigned char> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

// Attempts of one student added behind the server's back: each has its own images named
// "<kind>-<k>-<attempt>", the student's school is unique (claims filter on it).
class Attempts {
public:
    Attempts(storage::Store& store, int k, std::string school)
        : store_(store), k_(k), school_(std::move(school)) {}

    // Adds the next attempt (pending); returns its id.
    std::int64_t add() {
        const std::string tag = std::to_string(k_) + "-" + std::to_string(++attempt_);
        storage::NewSubmission n;
        n.student = {"学生" + std::to_string(k_), ServerTest::valid_id(k_), "S" + std::to_string(k_), school_, "本部", "2026"};
        n.images.original = put("original-" + tag);
        n.images.standardized = put("standardized-" + tag);
        n.images.matte = put("matte-" + tag);
        n.images.thumbnail = put("thumbnail-" + tag);
        n.submitted_at = unix_now() - 3600;
        n.sla_deadline = unix_now() + 86400;
        auto r = store_.add_submission(n);
        EXPECT_TRUE(r.ok() && r->status == storage::AddStatus::added) << (r.ok() ? "" : r.error().message);
        return r.ok() ? r->id : 0;
    }
    // Claims the student's pending attempt as "seeder" and rejects it.
    void reject(std::int64_t id, std::vector<std::string> reasons, std::string note) {
        storage::ClaimFilter f;
        f.school = school_;
        auto c = store_.claim("seeder", 1, 60, unix_now(), f);
        ASSERT_TRUE(c.ok() && c->size() == 1 && c->at(0).id == id);
        storage::Decision d{"seed-" + std::to_string(id), id, "seeder", storage::Verdict::reject,
                            std::move(reasons), std::move(note), "", unix_now() - 60};
        auto out = store_.apply_decisions({d}, unix_now());
        ASSERT_TRUE(out.ok() && out->at(0).status == storage::DecisionStatus::applied);
    }
    std::string hash(const std::string& kind, int attempt) const {
        return storage::sha256_hex(bytes_of(kind + "-" + std::to_string(k_) + "-" + std::to_string(attempt)));
    }

private:
    std::string put(const std::string& s) {
        auto h = store_.put_image(bytes_of(s));
        EXPECT_TRUE(h.ok());
        return h.ok() ? h.value() : "";
    }
    storage::Store& store_;
    int k_;
    std::string school_;
    int attempt_ = 0;
};

TEST_P(ServerTest, HistoryInEverySubmissionObject) {
    auto store = open_store();
    ASSERT_TRUE(store);
    Attempts st(*store, 31, "历史大学");
    const auto a1 = st.add();
    st.reject(a1, {"head_tilted"}, "tilted to the left");
    const auto a2 = st.add();
    auto sup = client("sup");

    // GET: attempt 1 has none, attempt 2 lists attempt 1 with the decision in force.
    auto first = must_respond(sup.submission(a1), "GET a1").json()["submission"];
    ASSERT_TRUE(first["history"].is_array());
    EXPECT_TRUE(first["history"].empty());
    auto second = must_respond(sup.submission(a2), "GET a2").json()["submission"];
    ASSERT_EQ(second["history"].size(), 1u) << second["history"];
    const json h = second["history"][0];
    EXPECT_EQ(h["submission_id"], a1);
    EXPECT_EQ(h["attempt"], 1);
    EXPECT_EQ(h["state"], "rejected");
    EXPECT_EQ(h["verdict"], "reject");
    EXPECT_EQ(h["reasons"], json::array({"head_tilted"}));
    EXPECT_EQ(h["note"], "tilted to the left");
    EXPECT_EQ(h["decided_at"], first["decision"]["decided_at"]);
    EXPECT_EQ(h["thumbnail"], st.hash("thumbnail", 1));
    EXPECT_EQ(h.size(), 8u) << h;

    // Claim: the reviewer gets the same history with the item.
    auto rev = client("rev1");
    auto claimed = must_respond(rev.claim({1, 300, "历史大学"}), "claim").json()["items"];
    ASSERT_EQ(claimed.size(), 1u);
    EXPECT_EQ(claimed[0]["history"], second["history"]);

    // Ingest: attempt 3's reply lists attempts 1 and 2, oldest first.
    client::DecisionInput d{client::new_decision_id(), a2, "reject", {"blurry"}, "", std::nullopt, 0};
    ASSERT_EQ(must_respond(rev.push_decisions({d}), "reject a2").json()["results"][0]["status"], "applied");
    json meta = {{"name", "学生31"}, {"id_number", valid_id(31)}, {"student_no", "S31"},
                 {"school", "历史大学"}, {"grade", "2026"}};
    auto third = must_respond(client("ing").ingest(meta, read_bytes(astronaut_path()), "a.png"), "ingest");
    ASSERT_EQ(third.status, 201) << third.body;
    const json hist = third.json()["submission"]["history"];
    ASSERT_EQ(hist.size(), 2u) << hist;
    EXPECT_EQ(hist[0]["submission_id"], a1);
    EXPECT_EQ(hist[1]["submission_id"], a2);
    EXPECT_EQ(hist[1]["attempt"], 2);
    EXPECT_EQ(hist[1]["reasons"], json::array({"blurry"}));
    EXPECT_EQ(hist[1]["note"], "");

    // An overturn is the decision in force, dated when the supervisor made it.
    auto o = must_respond(sup.overturn(a1, "reject", {"ears_hidden"}, "the ears, not the tilt"), "overturn");
    ASSERT_EQ(o.status, 200) << o.body;
    const auto third_id = third.json()["submission"]["id"].get<std::int64_t>();
    const json after = must_respond(sup.submission(third_id), "GET 3").json()["submission"]["history"][0];
    EXPECT_EQ(after["reasons"], json::array({"ears_hidden"}));
    EXPECT_EQ(after["note"], "the ears, not the tilt");
    EXPECT_EQ(after["decided_at"],
              must_respond(sup.submission(a1), "GET a1").json()["submission"]["decision"]["overturned_at"]);
}

// Who may read an earlier attempt's images: the reviewer holding a later attempt of the same
// student, and only its thumbnail and standardized image. Everything else stays 403.
TEST_P(ServerTest, EarlierAttemptImagesForTheReviewerOfTheLaterOne) {
    auto store = open_store();
    ASSERT_TRUE(store);
    Attempts a(*store, 41, "甲大学"), b(*store, 42, "乙大学"), c(*store, 43, "丙大学");
    const auto a1 = a.add();
    a.reject(a1, {"blurry"}, "");
    const auto a2 = a.add();
    const auto b1 = b.add();
    b.reject(b1, {"blurry"}, "");
    const auto b2 = b.add();
    const auto c1 = c.add();
    c.reject(c1, {"blurry"}, "");

    auto rev1 = client("rev1"), rev2 = client("rev2");
    ASSERT_EQ(must_respond(rev1.claim({1, 300, "甲大学"}), "claim a").json()["items"][0]["id"], a2);
    ASSERT_EQ(must_respond(rev2.claim({1, 300, "乙大学"}), "claim b").json()["items"][0]["id"], b2);
    auto get = [](ApiClient& cl, const std::string& path) { return must_respond(cl.get(path), path); };
    auto img = [](std::int64_t id, const std::string& kind) {
        return "/v1/submissions/" + std::to_string(id) + "/images/" + kind;
    };

    // rev1 holds a2: a1's thumbnail and standardized image, nothing else of a1.
    auto thumb = get(rev1, img(a1, "thumbnail"));
    EXPECT_EQ(thumb.status, 200) << thumb.body;
    EXPECT_EQ(thumb.body, "thumbnail-41-1");
    EXPECT_EQ(thumb.header("ETag"), "\"" + a.hash("thumbnail", 1) + "\"");
    auto std1 = get(rev1, img(a1, "standardized"));
    EXPECT_EQ(std1.status, 200) << std1.body;
    EXPECT_EQ(std1.body, "standardized-41-1");
    for (const std::string kind : {"original", "matte"}) {
        auto r = get(rev1, img(a1, kind));
        EXPECT_EQ(r.status, 403) << kind << ": " << r.body;
        EXPECT_EQ(r.error_code(), "forbidden");
        EXPECT_NE(r.error_message().find("thumbnail and standardized"), std::string::npos) << r.error_message();
        EXPECT_EQ(r.body.find(kind + "-41-1"), std::string::npos) << "image bytes leaked";
    }
    EXPECT_EQ(get(rev1, "/v1/submissions/" + std::to_string(a1)).status, 403);   // the item itself: no

    // Someone else's student, an unrelated student, the other reviewer's leased attempt: no.
    for (const auto id : {b1, b2, c1}) {
        for (const std::string kind : {"thumbnail", "standardized"}) {
            auto r = get(rev1, img(id, kind));
            EXPECT_EQ(r.status, 403) << id << " " << kind << ": " << r.body;
            EXPECT_EQ(r.body.find(kind + "-4"), std::string::npos) << "image bytes leaked";
        }
    }
    EXPECT_EQ(get(rev2, img(b1, "thumbnail")).status, 200);   // rev2 holds b2
    EXPECT_EQ(get(rev2, img(a1, "thumbnail")).status, 403);
    EXPECT_EQ(get(rev2, img(b1, "original")).status, 403);

    // Supervisors are unaffected; once rev1 lets a2 go, a1 is closed to them again.
    auto sup = client("sup");
    EXPECT_EQ(get(sup, img(a1, "original")).body, "original-41-1");
    ASSERT_EQ(must_respond(rev1.release({a2}), "release").json()["released"], 1);
    EXPECT_EQ(get(rev1, img(a1, "thumbnail")).status, 403);
    EXPECT_EQ(get(rev1, img(a1, "standardized")).status, 403);
}

}  // namespace
}  // namespace pd::test
