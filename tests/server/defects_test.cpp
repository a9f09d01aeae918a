// Defects found by attacking a running server (issue 9), each against a real photodeskd on both
// backends: exports that locked items they could not package or overwrote each other, an
// unlock that never expired, the wrong actor in the audit, reasons that amplified the events
// feed, decision ids shared across reviewers, formulas and client clocks in the manifest, and a
// batch of re-crops that rendered the same item a hundred times.
#include <gtest/gtest.h>
#include <zip.h>

#include <fstream>
#include <set>

#include "server/server_checks.h"
#include "server/server_fixture.h"
#include "storage/image_store.h"
#include "support/test_support.h"

namespace pd::test {
namespace {

namespace fs = std::filesystem;
using client::DecisionInput;
using nlohmann::json;
using storage::SubmissionState;

DecisionInput decision(std::int64_t id, const std::string& verdict, std::vector<std::string> reasons = {},
                       std::string note = "", std::int64_t decided_at = 0) {
    return {client::new_decision_id(), id, verdict, std::move(reasons), std::move(note), std::nullopt, decided_at};
}

// The value of one counter series (a line of its own) in a /metrics body, 0 when absent.
long metric(const std::string& body, const std::string& series) {
    const auto at = ("\n" + body).find("\n" + series + " ");
    return at == std::string::npos ? 0 : std::stol(body.substr(at + series.size() + 1));
}

// The names of the entries of a zip held in memory, and the text of one of them.
struct ZipContents {
    std::set<std::string> names;
    std::string manifest;
};
ZipContents read_zip(const std::string& bytes, const fs::path& scratch) {
    ZipContents out;
    std::ofstream(scratch, std::ios::binary) << bytes;
    int err = 0;
    zip_t* z = zip_open(scratch.c_str(), ZIP_RDONLY, &err);
    if (!z) {
        ADD_FAILURE() << "not a zip (" << bytes.size() << " bytes)";
        return out;
    }
    for (zip_int64_t i = 0; i < zip_get_num_entries(z, 0); ++i) out.names.insert(zip_get_name(z, zip_uint64_t(i), 0));
    if (zip_file_t* f = zip_fopen(z, "manifest.csv", 0)) {
        char buf[4096];
        for (zip_int64_t n; (n = zip_fread(f, buf, sizeof buf)) > 0;) out.manifest.append(buf, size_t(n));
        zip_fclose(f);
    }
    zip_close(z);
    return out;
}

SubmissionState state_of(storage::Store& store, std::int64_t id) {
    auto s = store.get_submission(id);
    EXPECT_TRUE(s.ok());
    return s.ok() ? s->state : SubmissionState::pending;
}

// [SECTION] items 4, 5, 13: exports

TEST_P(ServerTest, DefectsExportValidatesBeforeLockingNamesUniquelyAndDefusesFormulas) {
    auto store = open_store();
    ASSERT_TRUE(store);
    auto rev = client("rev1"), sup = client("sup"), admin = client("admin");

    // Item 4: an item without a standardized photo (no face) cannot be approved.
    const auto faceless = seed_one({"无脸", valid_id(200), "S200", "验证大学", "本部", "2026"}, false);
    ASSERT_EQ(must_respond(rev.claim({.n = 1, .lease_seconds = 600}), "claim").json()["items"].size(), 1u);
    auto refused = must_respond(rev.push_decisions({decision(faceless, "approve")}), "approve faceless").json();
    EXPECT_EQ(refused["results"][0]["status"], "conflict") << refused.dump();
    EXPECT_NE(refused["results"][0]["message"].get<std::string>().find("standardized"), std::string::npos)
        << refused.dump();
    EXPECT_EQ(state_of(*store, faceless), SubmissionState::leased);
    auto rejected = must_respond(rev.push_decisions({decision(faceless, "reject", {"head_tilted"})}), "reject").json();
    EXPECT_EQ(rejected["results"][0]["status"], "applied") << rejected.dump();
    auto overturn = must_respond(sup.overturn(faceless, "approve", {}, "looks fine"), "overturn to approve");
    EXPECT_EQ(overturn.status, 409) << overturn.body;

    // An approved item without a standardized photo left by an older version blocks the export
    // of its school with 409 before anything is locked; once overturned, the export works.
    const auto good = seed(1, "验证大学", "2026", 201);
    const auto legacy = seed(1, "验证大学", "2026", 202);
    ASSERT_EQ(must_respond(rev.claim({.n = 2, .lease_seconds = 600}), "claim").json()["items"].size(), 2u);
    ASSERT_EQ(must_respond(rev.push_decisions({decision(good[0], "approve"), decision(legacy[0], "approve")}), "push")
                  .json()["results"][1]["status"],
              "applied");
    exec_sql("UPDATE submissions SET img_standardized = '' WHERE id = " + std::to_string(legacy[0]));
    auto blocked = must_respond(sup.create_export("验证大学"), "export");
    EXPECT_EQ(blocked.status, 409) << blocked.body;
    EXPECT_EQ(blocked.error_code(), "export_blocked") << blocked.body;
    EXPECT_NE(blocked.error_message().find(std::to_string(legacy[0])), std::string::npos) << blocked.body;
    EXPECT_EQ(state_of(*store, good[0]), SubmissionState::approved);   // nothing locked
    EXPECT_EQ(state_of(*store, legacy[0]), SubmissionState::approved);
    EXPECT_TRUE(all_audit(*store, "lock").empty());
    ASSERT_EQ(must_respond(sup.overturn(legacy[0], "reject", {"head_tilted"}, "no photo to send"), "overturn").status, 200);
    auto exported = must_respond(sup.create_export("验证大学"), "export again");
    ASSERT_EQ(exported.status, 200) << exported.body;
    EXPECT_EQ(exported.json()["items"], 1);
    EXPECT_EQ(state_of(*store, good[0]), SubmissionState::locked);

    // A photo missing from the image store blocks the export the same way.
    const auto lost = seed(1, "丢图大学", "2026", 203);
    ASSERT_EQ(must_respond(rev.claim({.n = 1, .lease_seconds = 600}), "claim").json()["items"].size(), 1u);
    must_respond(rev.push_decisions({decision(lost[0], "approve")}), "approve lost");
    const std::string lost_hash = store->get_submission(lost[0])->images.standardized;
    const fs::path lost_file = dir_ / "data" / "images" / lost_hash.substr(0, 2) / lost_hash.substr(2);
    ASSERT_TRUE(fs::exists(lost_file));
    fs::rename(lost_file, dir_ / "lost.jpg");
    auto missing = must_respond(sup.create_export("丢图大学"), "export with a lost photo");
    EXPECT_EQ(missing.status, 409) << missing.body;
    EXPECT_EQ(state_of(*store, lost[0]), SubmissionState::approved);
    EXPECT_EQ(missing.body.find(dir_.string()), std::string::npos) << "a server path in the body: " << missing.body;
    fs::rename(dir_ / "lost.jpg", lost_file);
    EXPECT_EQ(must_respond(sup.create_export("丢图大学"), "export restored").status, 200);

    // Item 5: school "A" grade "B" and school "A-B" get different packages.
    const auto ab = seed(1, "A", "B", 210);
    const auto a_b = seed(1, "A-B", "2026", 211);
    ASSERT_EQ(must_respond(rev.claim({.n = 2, .lease_seconds = 600}), "claim").json()["items"].size(), 2u);
    must_respond(rev.push_decisions({decision(ab[0], "approve"), decision(a_b[0], "approve")}), "approve both");
    auto e1 = must_respond(sup.create_export("A", "B"), "export A/B");
    auto e2 = must_respond(sup.create_export("A-B"), "export A-B");
    ASSERT_EQ(e1.status, 200) << e1.body;
    ASSERT_EQ(e2.status, 200) << e2.body;
    const std::string n1 = e1.json()["name"], n2 = e2.json()["name"];
    EXPECT_NE(n1, n2);
    const auto z1 = read_zip(must_respond(sup.download_export(n1), "download 1").body, dir_ / "1.zip");
    const auto z2 = read_zip(must_respond(sup.download_export(n2), "download 2").body, dir_ / "2.zip");
    EXPECT_TRUE(z1.names.count(valid_id(210) + ".jpg")) << n1;
    EXPECT_FALSE(z1.names.count(valid_id(211) + ".jpg")) << n1;
    EXPECT_TRUE(z2.names.count(valid_id(211) + ".jpg")) << n2;
    EXPECT_FALSE(z2.names.count(valid_id(210) + ".jpg")) << n2;
    EXPECT_EQ(must_respond(sup.create_export("A", "B"), "again").json()["name"], n1);   // stable
    // Schools whose names read the same once cleaned for a file name ("C D" and "C_D") too.
    const auto spaced = seed(1, "C D", "2026", 212);
    const auto underscored = seed(1, "C_D", "2026", 213);
    ASSERT_EQ(must_respond(rev.claim({.n = 2, .lease_seconds = 600}), "claim").json()["items"].size(), 2u);
    must_respond(rev.push_decisions({decision(spaced[0], "approve"), decision(underscored[0], "approve")}), "approve");
    auto e3 = must_respond(sup.create_export("C D", "2026"), "export C D");
    auto e4 = must_respond(sup.create_export("C_D", "2026"), "export C_D");
    ASSERT_EQ(e3.status, 200) << e3.body;
    ASSERT_EQ(e4.status, 200) << e4.body;
    const std::string n3 = e3.json()["name"], n4 = e4.json()["name"];
    EXPECT_NE(n3, n4);
    const auto z3 = read_zip(must_respond(sup.download_export(n3), "download 3").body, dir_ / "3.zip");
    EXPECT_TRUE(z3.names.count(valid_id(212) + ".jpg")) << n3 << " was overwritten by " << n4;
    EXPECT_FALSE(z3.names.count(valid_id(213) + ".jpg")) << n3;

    // Item 13: formulas are neutralised and decided_at is the server's time, not the client's.
    auto added = must_respond(admin.add_user("@evil", "reviewer"), "add @evil");
    ASSERT_EQ(added.status, 201) << added.body;
    client::ApiClient evil(base_url(), added.json()["token"].get<std::string>());
    const auto formula = seed_one({"=HYPERLINK(\"http://x\")", valid_id(220), "+123", "公式大学", "本部", "2026"});
    ASSERT_EQ(must_respond(evil.claim({.n = 1, .lease_seconds = 600}), "claim").json()["items"].size(), 1u);
    ASSERT_EQ(must_respond(evil.push_decisions({decision(formula, "approve", {}, "", 1)}), "approve at 1")
                  .json()["results"][0]["status"],
              "applied");
    auto fe = must_respond(sup.create_export("公式大学"), "export formulas");
    ASSERT_EQ(fe.status, 200) << fe.body;
    const auto zf = read_zip(must_respond(sup.download_export(fe.json()["name"].get<std::string>()), "dl").body,
                             dir_ / "f.zip");
    const std::string m = zf.manifest;
    EXPECT_NE(m.find("\"'=HYPERLINK(\"\"http://x\"\")\""), std::string::npos) << m;
    EXPECT_NE(m.find(",'+123,"), std::string::npos) << m;
    EXPECT_NE(m.find(",'@evil\n"), std::string::npos) << m;
    EXPECT_EQ(m.find(",1970-"), std::string::npos) << m;
    EXPECT_NE(m.find(",20"), std::string::npos) << m;
}

// [SECTION] items 6, 7: unlock and the audit's actor

TEST_P(ServerTest, DefectsUnlockOnlyForAnApprovedPhotoAndAuditNamesTheAdmin) {
    auto store = open_store();
    ASSERT_TRUE(store);
    auto admin = client("admin"), rev = client("rev1");
    const auto ids = seed(1, "解锁大学", "2026", 300);
    // Item 6: an unlock while the attempt is pending is refused and stores nothing.
    auto early = must_respond(admin.unlock(valid_id(300), "ahead of time"), "early unlock");
    EXPECT_EQ(early.status, 409) << early.body;
    EXPECT_EQ(early.error_code(), "conflict") << early.body;
    EXPECT_EQ(early.json()["error"].value("state", ""), "pending") << early.body;
    EXPECT_TRUE(all_audit(*store, "unlock").empty());

    ASSERT_EQ(must_respond(rev.claim({.n = 1, .lease_seconds = 600}), "claim").json()["items"].size(), 1u);
    must_respond(rev.push_decisions({decision(ids[0], "approve")}), "approve");
    storage::NewSubmission next;
    next.student = {"学生300", valid_id(300), "S300", "解锁大学", "本部", "2026"};
    const std::string bytes = "unlock-next";
    next.images.original = store->put_image({reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()}).value();
    next.images.standardized = next.images.original;
    next.submitted_at = unix_now();
    next.sla_deadline = unix_now() + 86400;
    EXPECT_EQ(store->add_submission(next)->status, storage::AddStatus::needs_unlock);

    // Approved: the unlock is accepted and spent on the next attempt.
    ASSERT_EQ(must_respond(admin.unlock(valid_id(300), "the school asked"), "unlock").status, 200);
    auto second = store->add_submission(next);
    ASSERT_EQ(second->status, storage::AddStatus::added);
    ASSERT_EQ(must_respond(rev.claim({.n = 1, .lease_seconds = 600}), "claim").json()["items"].size(), 1u);
    must_respond(rev.push_decisions({decision(second->id, "approve")}), "approve 2");
    EXPECT_EQ(store->add_submission(next)->status, storage::AddStatus::needs_unlock);

    // Item 7: user_add is audited under the admin who added the user.
    ASSERT_EQ(must_respond(admin.add_user("bob", "reviewer"), "add bob").status, 201);
    const auto adds = all_audit(*store, "user_add");
    ASSERT_FALSE(adds.empty());
    EXPECT_EQ(adds.front().actor, "admin");   // newest first
    EXPECT_EQ(json::parse(adds.front().detail_json).value("user", ""), "bob") << adds.front().detail_json;
}

// [SECTION] items 8, 9: reasons and decision ids

TEST_P(ServerTest, DefectsReasonsAreCappedAndDecisionIdsBelongToTheirReviewer) {
    const auto ids = seed(5, "决定大学", "2026", 400);
    auto rev1 = client("rev1"), rev2 = client("rev2"), sup = client("sup");
    ASSERT_EQ(must_respond(rev1.claim({.n = 3, .lease_seconds = 600}), "claim").json()["items"].size(), 3u);
    ASSERT_EQ(must_respond(rev2.claim({.n = 2, .lease_seconds = 600}), "claim").json()["items"].size(), 2u);
    const std::size_t catalog = must_respond(rev1.reasons(), "reasons").json()["reasons"].size();

    // Item 8: duplicates are dropped (in order); more reasons than the catalog holds are refused.
    auto dup = must_respond(rev1.push_decisions({decision(ids[0], "reject", {"blurry", "blurry", "head_tilted", "blurry"})}),
                            "duplicated reasons");
    ASSERT_EQ(dup.json()["results"][0]["status"], "applied") << dup.body;
    EXPECT_EQ(must_respond(sup.submission(ids[0]), "get").json()["submission"]["decision"]["reasons"],
              json::array({"blurry", "head_tilted"}));
    const json events = must_respond(sup.events(0, 10), "events").json()["events"];
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0]["payload"]["reasons"].size(), 2u);
    auto flood = must_respond(
        rev1.push_decisions({decision(ids[1], "reject", std::vector<std::string>(50000, "blurry"))}), "flood");
    EXPECT_EQ(flood.status, 400) << flood.body.substr(0, 300);
    EXPECT_EQ(flood.json()["error"].value("field", ""), "decisions[0].reasons");
    EXPECT_NE(flood.error_message().find(std::to_string(catalog)), std::string::npos) << flood.error_message();

    // Item 9: rev2 reusing rev1's decision id learns nothing and keeps the item.
    DecisionInput mine = decision(ids[1], "reject", {"head_tilted"}, "secret note");
    ASSERT_EQ(must_respond(rev1.push_decisions({mine}), "rev1").json()["results"][0]["status"], "applied");
    DecisionInput theirs = decision(ids[3], "approve");
    theirs.decision_id = mine.decision_id;
    const json stolen = must_respond(rev2.push_decisions({theirs}), "rev2 reuses").json()["results"][0];
    EXPECT_EQ(stolen["status"], "conflict") << stolen.dump();
    for (const char* secret : {"rev1", "reject", "head_tilted", "secret", "rejected"})
        EXPECT_EQ(stolen.dump().find(secret), std::string::npos) << secret << " in " << stolen.dump();
    EXPECT_EQ(must_respond(sup.submission(ids[3]), "get").json()["submission"]["state"], "leased");
    theirs.decision_id = client::new_decision_id();
    EXPECT_EQ(must_respond(rev2.push_decisions({theirs}), "rev2 again").json()["results"][0]["status"], "applied");
    // The same reviewer, id and item: a duplicate, as before; another item: a conflict.
    EXPECT_EQ(must_respond(rev1.push_decisions({mine}), "retry").json()["results"][0]["status"], "duplicate");
    DecisionInput elsewhere = decision(ids[2], "approve");
    elsewhere.decision_id = mine.decision_id;
    EXPECT_EQ(must_respond(rev1.push_decisions({elsewhere}), "elsewhere").json()["results"][0]["status"], "conflict");
    EXPECT_EQ(must_respond(sup.submission(ids[2]), "get").json()["submission"]["state"], "leased");
}

// [SECTION] item 14: a batch of re-crops of one item

TEST_P(ServerTest, DefectsRecropBatchRendersOncePerItem) {
    auto ing = client("ing");
    const json meta = {{"name", "重裁"}, {"id_number", valid_id(500)}, {"student_no", "S500"},
                       {"school", "重裁大学"}, {"station", "本部"}, {"grade", "2026"}};
    auto added = must_respond(ing.ingest(meta, read_bytes(astronaut_path()), "a.png"), "ingest");
    ASSERT_EQ(added.status, 201) << added.body;
    const json s = added.json()["submission"];
    const json window = s["checks"]["crop"]["window_original"];
    ASSERT_TRUE(window.is_object());
    auto rev = client("rev1");
    ASSERT_EQ(must_respond(rev.claim({.n = 1, .lease_seconds = 600}), "claim").json()["items"].size(), 1u);
    std::vector<DecisionInput> batch;
    for (int i = 0; i < 100; ++i) {
        DecisionInput d = decision(s["id"], "approve_recropped");
        d.crop = client::Crop{window["x"].get<double>() + i, window["y"].get<double>(), window["width"].get<double>()};
        batch.push_back(d);
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto r = must_respond(rev.push_decisions(batch), "100 re-crops");
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
    ASSERT_EQ(r.json()["results"].size(), 100u) << r.body.substr(0, 300);
    const json results = r.json()["results"];   // kept alive while iterating
    int applied = 0, conflicts = 0;
    for (const auto& x : results) (x["status"] == "applied" ? applied : conflicts)++;
    EXPECT_EQ(applied, 1);
    EXPECT_EQ(conflicts, 99);
    EXPECT_EQ(results[0]["status"], "applied");   // the first in input order
    const std::string m = must_respond(client("").metrics(), "metrics").body;
    EXPECT_EQ(metric(m, "photodesk_recrop_renders_total"), 1) << m;
    std::cout << "[ recrop ] " << GetParam() << ": 100 re-crops of one item answered in " << secs << " s\n";

    // The lease is checked before rendering: a re-crop of an item the caller no longer holds
    // (decided above) or never held (leased to rev2) is a conflict that renders nothing.
    json other_meta = meta;
    other_meta["name"] = "重裁二";
    other_meta["id_number"] = valid_id(501);
    other_meta["student_no"] = "S501";
    auto other = must_respond(ing.ingest(other_meta, read_bytes(astronaut_path()), "b.png"), "ingest 2");
    ASSERT_EQ(other.status, 201) << other.body;
    const json o = other.json()["submission"];
    ASSERT_EQ(must_respond(client("rev2").claim({.n = 1, .lease_seconds = 600}), "claim 2").json()["items"].size(), 1u);
    DecisionInput again = decision(s["id"], "approve_recropped");
    again.crop = client::Crop{window["x"].get<double>(), window["y"].get<double>(), window["width"].get<double>()};
    DecisionInput foreign = decision(o["id"], "approve_recropped");
    foreign.crop = again.crop;
    const json late = must_respond(rev.push_decisions({again, foreign}), "re-crops not held").json()["results"];
    ASSERT_EQ(late.size(), 2u) << late.dump();
    EXPECT_EQ(late[0]["status"], "conflict") << late.dump();
    EXPECT_EQ(late[1]["status"], "conflict") << late.dump();
    const std::string m2 = must_respond(client("").metrics(), "metrics").body;
    EXPECT_EQ(metric(m2, "photodesk_recrop_renders_total"), 1) << "rendered for items not held: " << m2;
}

}  // namespace
}  // namespace pd::test
