// Rules issue 9 added to the store, on both backends: decision ids belong to their reviewer and
// item, no approval without a standardized photo, an unlock only for an approved photo and used
// up by the next attempt, exports checked before anything is locked (dated by the server's
// clock), revoked users, the health probes, the sweep of temp files and the one schema text.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "storage/schema.h"
#include "storage/store_fixture.h"

namespace pd::test {
namespace {

using namespace pd::storage;
constexpr std::int64_t T0 = 1'760'000'000;

Decision approve(const std::string& id, std::int64_t sub, const std::string& rev = "rev") {
    return {id, sub, rev, Verdict::approve, {}, "", "", T0};
}

TEST_P(StoreTest, DecisionIdsBelongToTheirReviewerAndItem) {
    const auto a = add(*store_, student(1), T0).id;
    const auto b = add(*store_, student(2), T0 + 1).id;
    const auto c = add(*store_, student(3), T0 + 2).id;
    ASSERT_EQ(MUST(store_->claim("alice", 2, 600, T0, {})).size(), 2u);   // a, b
    ASSERT_EQ(MUST(store_->claim("bob", 1, 600, T0, {})).size(), 1u);     // c
    Decision first{"same-id", a, "alice", Verdict::reject, {"head_tilted"}, "secret", "", T0};
    ASSERT_EQ(MUST(store_->apply_decisions({first}, T0 + 1))[0].status, DecisionStatus::applied);

    // bob reuses alice's id on his own item: a conflict that names nothing of hers.
    auto stolen = MUST(store_->apply_decisions({approve("same-id", c, "bob")}, T0 + 2))[0];
    EXPECT_EQ(stolen.status, DecisionStatus::conflict);
    for (const char* secret : {"alice", "reject", "head_tilted", "secret"})
        EXPECT_EQ(stolen.message.find(secret), std::string::npos) << stolen.message;
    EXPECT_EQ(MUST(store_->get_submission(c)).state, SubmissionState::leased);
    EXPECT_EQ(MUST(store_->apply_decisions({approve("bobs-own", c, "bob")}, T0 + 3))[0].status,
              DecisionStatus::applied);
    // alice: the same id on the same item is a duplicate, on another item a conflict.
    auto dup = MUST(store_->apply_decisions({first}, T0 + 4))[0];
    EXPECT_EQ(dup.status, DecisionStatus::duplicate);
    EXPECT_EQ(dup.state, SubmissionState::rejected);
    EXPECT_EQ(MUST(store_->apply_decisions({approve("same-id", b, "alice")}, T0 + 5))[0].status,
              DecisionStatus::conflict);
    EXPECT_EQ(MUST(store_->get_submission(b)).state, SubmissionState::leased);
}

TEST_P(StoreTest, ApprovalNeedsAStandardizedPhoto) {
    NewSubmission n;
    n.student = student(1);
    const std::string bytes = "no-face";
    n.images.original = MUST(store_->put_image({reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()}));
    n.submitted_at = T0 - 86400;
    n.sla_deadline = T0;
    const auto id = MUST(store_->add_submission(n)).id;
    ASSERT_EQ(MUST(store_->claim("rev", 1, 600, T0, {})).size(), 1u);
    auto out = MUST(store_->apply_decisions({approve("a", id)}, T0 + 1))[0];
    EXPECT_EQ(out.status, DecisionStatus::conflict);
    EXPECT_NE(out.message.find("standardized"), std::string::npos) << out.message;
    // A re-crop without its rendered image is refused too; a rejection applies.
    Decision recrop{"r", id, "rev", Verdict::approve_recropped, {}, "", R"({"x":1,"y":2,"width":300})", T0};
    EXPECT_EQ(MUST(store_->apply_decisions({recrop}, T0 + 1))[0].status, DecisionStatus::conflict);
    Decision reject{"j", id, "rev", Verdict::reject, {"head_tilted"}, "", "", T0};
    ASSERT_EQ(MUST(store_->apply_decisions({reject}, T0 + 2))[0].status, DecisionStatus::applied);
    auto o = MUST(store_->overturn({"sup", id, Verdict::approve, {}, "fine", "", T0 + 3, ""}));
    EXPECT_FALSE(o.applied);
    EXPECT_NE(o.message.find("standardized"), std::string::npos) << o.message;
    EXPECT_EQ(MUST(store_->get_submission(id)).state, SubmissionState::rejected);
}

TEST_P(StoreTest, UnlockOnlyForAnApprovedPhotoAndUsedUpByTheNextAttempt) {
    const auto st = student(1);
    const auto first = add(*store_, st, T0).id;
    auto early = MUST(store_->unlock_student("admin", st.id_number, "ahead of time", T0));
    EXPECT_FALSE(early.applied);
    EXPECT_EQ(early.state, SubmissionState::pending);
    AuditFilter f;
    f.action = "unlock";
    EXPECT_TRUE(MUST(store_->audit_list(f, 10, 0)).empty());

    ASSERT_EQ(MUST(store_->claim("rev", 1, 600, T0, {})).size(), 1u);
    ASSERT_EQ(MUST(store_->apply_decisions({approve("d1", first)}, T0 + 1))[0].status, DecisionStatus::applied);
    EXPECT_EQ(add(*store_, st, T0 + 10).status, AddStatus::needs_unlock);
    ASSERT_TRUE(MUST(store_->unlock_student("admin", st.id_number, "school asked", T0 + 2)).applied);
    const auto second = add(*store_, st, T0 + 20);
    ASSERT_EQ(second.status, AddStatus::added);
    ASSERT_EQ(MUST(store_->claim("rev", 1, 600, T0, {})).size(), 1u);
    ASSERT_EQ(MUST(store_->apply_decisions({approve("d2", second.id)}, T0 + 3))[0].status, DecisionStatus::applied);
    EXPECT_EQ(add(*store_, st, T0 + 30).status, AddStatus::needs_unlock);
    EXPECT_EQ(MUST(store_->audit_list(f, 10, 0)).size(), 1u);
}

TEST_P(StoreTest, ExportIsCheckedBeforeAnythingIsLockedAndDatedByTheServer) {
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 3; ++i) ids.push_back(add(*store_, student(i, "PKU", "2025"), T0 + i).id);
    ASSERT_EQ(MUST(store_->claim("rev", 3, 600, T0, {})).size(), 3u);
    std::vector<Decision> batch;
    for (auto id : ids) batch.push_back({"d" + std::to_string(id), id, "rev", Verdict::approve, {}, "", "", 1});
    MUST(store_->apply_decisions(batch, T0 + 100));   // the client claims decided_at = 1
    const auto events = MUST(store_->events_since(0, 100)).size();

    auto refused = store_->lock_for_export("op", "PKU", "", T0 + 200, [&](const std::vector<ExportItem>& items) -> Status {
        EXPECT_EQ(items.size(), 3u);
        return make_error(ErrorCode::InvalidArgument, "submission 2 cannot be packaged");
    });
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().message, "submission 2 cannot be packaged");
    for (auto id : ids) EXPECT_EQ(MUST(store_->get_submission(id)).state, SubmissionState::approved);
    EXPECT_EQ(MUST(store_->events_since(0, 100)).size(), events);
    AuditFilter f;
    f.action = "lock";
    EXPECT_TRUE(MUST(store_->audit_list(f, 10, 0)).empty());

    int checked = 0;
    auto locked = MUST(store_->lock_for_export("op", "PKU", "", T0 + 300, [&](const std::vector<ExportItem>&) -> Status {
        ++checked;
        return Ok{};
    }));
    EXPECT_EQ(checked, 1);
    ASSERT_EQ(locked.size(), 3u);
    for (const auto& item : locked) {
        EXPECT_EQ(item.submission.state, SubmissionState::locked);
        EXPECT_EQ(item.applied_at, T0 + 100);
        EXPECT_EQ(item.submission.decision->decided_at, 1);   // what the client sent, kept
    }
    EXPECT_EQ(MUST(store_->events_since(0, 100)).size(), events + 3);
}

TEST_P(StoreTest, RevokedUsersAreFoundAsRevoked) {
    MUST(store_->add_user("root", "alice", Role::reviewer, "h-alice", T0));
    AuditFilter f;
    f.action = "user_add";
    const auto adds = MUST(store_->audit_list(f, 10, 0));
    ASSERT_EQ(adds.size(), 1u);
    EXPECT_EQ(adds[0].actor, "root");
    EXPECT_NE(adds[0].detail_json.find("\"alice\""), std::string::npos) << adds[0].detail_json;
    EXPECT_EQ(MUST(store_->find_user_by_token_hash("h-alice")).revoked_at, 0);

    auto r = MUST(store_->revoke_user("root", "alice", T0 + 5));
    EXPECT_EQ(r.revoked_at, T0 + 5);
    EXPECT_EQ(MUST(store_->find_user_by_token_hash("h-alice")).revoked_at, T0 + 5);
    EXPECT_EQ(MUST(store_->revoke_user("root", "alice", T0 + 9)).revoked_at, T0 + 5);   // idempotent
    f.action = "user_revoke";
    const auto revokes = MUST(store_->audit_list(f, 10, 0));
    ASSERT_EQ(revokes.size(), 1u);
    EXPECT_EQ(revokes[0].actor, "root");
    EXPECT_EQ(store_->revoke_user("root", "nobody", T0).error().code, ErrorCode::NotFound);
}

TEST_P(StoreTest, HealthProbesAndTempSweep) {
    EXPECT_TRUE(store_->probe_database("node-a", T0).ok());
    EXPECT_TRUE(store_->probe_database("node-a", T0 + 1).ok());   // an update, not a second row
    EXPECT_TRUE(store_->probe_images().ok());

    namespace fs = std::filesystem;
    const fs::path tmp = dir_ / "images" / "tmp";
    std::ofstream(tmp / "old.1") << "x";
    std::ofstream(tmp / "young.1") << "x";
    fs::last_write_time(tmp / "old.1", fs::file_time_type::clock::now() - std::chrono::hours(2));
    EXPECT_EQ(MUST(store_->sweep_image_tmp(3600)), 1);
    EXPECT_FALSE(fs::exists(tmp / "old.1"));
    EXPECT_TRUE(fs::exists(tmp / "young.1"));

    // images/tmp replaced by a file: no image can be written, and the probe says so.
    fs::remove_all(tmp);
    std::ofstream(tmp) << "not a folder";
    EXPECT_FALSE(store_->probe_images().ok());
    fs::remove(tmp);
    fs::create_directories(tmp);
    EXPECT_TRUE(store_->probe_images().ok());
}

TEST(Schema, OneTextServesBothDialects) {
    using sql::Dialect;
    const auto& lite = sql::schema_migrations(Dialect::sqlite);
    const auto& pg = sql::schema_migrations(Dialect::postgres);
    ASSERT_EQ(lite.size(), 3u);
    ASSERT_EQ(pg.size(), lite.size());
    EXPECT_NE(lite[0].find("id INTEGER PRIMARY KEY,"), std::string::npos);
    EXPECT_NE(pg[0].find("id BIGSERIAL PRIMARY KEY,"), std::string::npos);
    EXPECT_NE(lite[0].find("seq INTEGER PRIMARY KEY AUTOINCREMENT"), std::string::npos);
    EXPECT_NE(pg[0].find("CREATE FUNCTION audit_append_only()"), std::string::npos);
    EXPECT_NE(lite[0].find("CREATE TRIGGER audit_no_delete"), std::string::npos);
    for (const auto& m : {lite, pg})
        for (const auto& text : m) EXPECT_EQ(text.find('{'), std::string::npos) << text.substr(0, 200);
    EXPECT_EQ(lite[1], pg[1]);
    EXPECT_THROW(sql::expand_schema("CREATE TABLE t (id {nope})", Dialect::sqlite), std::logic_error);
}

}  // namespace
}  // namespace pd::test
