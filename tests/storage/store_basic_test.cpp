// Opening and migrating, images, attempts, the duplicate-image flag, users and stats.
#include <gtest/gtest.h>

#include <filesystem>

#include "storage/store_fixture.h"

namespace pd::test {
namespace {

using namespace pd::storage;
constexpr std::int64_t T0 = 1'760'000'000;  // 2025-10-09

TEST_P(StoreTest, MigratesFromEmptyAndReopenKeepsData) {
    EXPECT_EQ(store_->backend(), GetParam());
    EXPECT_EQ(store_->schema_version(), 3);
    auto a = add(*store_, student(1), T0);
    ASSERT_EQ(a.status, AddStatus::added);
    store_.reset();

    auto again = open();
    ASSERT_TRUE(again);
    EXPECT_EQ(again->schema_version(), 3);
    auto s = MUST(again->get_submission(a.id));
    EXPECT_EQ(s.student.id_number, student(1).id_number);
    EXPECT_EQ(s.student.name, "学生1");
    EXPECT_EQ(s.state, SubmissionState::pending);
    EXPECT_EQ(s.sla_deadline, T0);
    EXPECT_EQ(s.checks_json, R"({"checks":[]})");
    EXPECT_EQ(again->get_submission(a.id + 1000).error().code, ErrorCode::NotFound);
}

TEST_P(StoreTest, ImagesAreContentAddressedAndDurable) {
    std::vector<unsigned char> bytes = {'a', 'b', 'c'};
    auto h = MUST(store_->put_image(bytes));
    EXPECT_EQ(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(MUST(store_->put_image(bytes)), h);  // idempotent
    EXPECT_TRUE(std::filesystem::exists(dir_ / "images" / "ba" / h.substr(2)));
    EXPECT_EQ(MUST(store_->get_image(h)), bytes);
    EXPECT_TRUE(std::filesystem::is_empty(dir_ / "images" / "tmp"));

    EXPECT_EQ(store_->get_image(std::string(64, 'a')).error().code, ErrorCode::NotFound);
    EXPECT_EQ(store_->get_image("../etc/passwd").error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(store_->put_image({}).error().code, ErrorCode::EmptyInput);
}

TEST_P(StoreTest, AttemptsAreNumberedAndApprovedStudentNeedsUnlock) {
    auto st = student(7);
    auto a1 = add(*store_, st, T0);
    EXPECT_EQ(a1.attempt, 1);

    auto busy = add(*store_, st, T0);  // attempt 1 still pending
    EXPECT_EQ(busy.status, AddStatus::in_review);
    EXPECT_EQ(busy.id, a1.id);

    ASSERT_EQ(MUST(store_->claim("rev", 1, 60, T0, {})).size(), 1u);
    auto out = MUST(store_->apply_decisions(
        {{"d1", a1.id, "rev", Verdict::reject, {"ears_hidden"}, "", "", T0}}, T0));
    ASSERT_EQ(out[0].status, DecisionStatus::applied);

    auto a2 = add(*store_, st, T0 + 100);  // a rejected student retakes: attempt 2
    ASSERT_EQ(a2.status, AddStatus::added);
    EXPECT_EQ(a2.attempt, 2);

    ASSERT_EQ(MUST(store_->claim("rev", 1, 60, T0, {})).size(), 1u);
    out = MUST(store_->apply_decisions({{"d2", a2.id, "rev", Verdict::approve, {}, "", "", T0}}, T0));
    ASSERT_EQ(out[0].status, DecisionStatus::applied);

    auto refused = add(*store_, st, T0 + 200);
    EXPECT_EQ(refused.status, AddStatus::needs_unlock);
    EXPECT_EQ(refused.blocking_state, SubmissionState::approved);

    EXPECT_EQ(store_->unlock_student("admin", "000000000000000000", "", T0).error().code,
              ErrorCode::NotFound);
    ASSERT_TRUE(MUST(store_->unlock_student("admin", st.id_number, "wrong photo approved", T0)).applied);
    auto a3 = add(*store_, st, T0 + 300);
    ASSERT_EQ(a3.status, AddStatus::added);
    EXPECT_EQ(a3.attempt, 3);
    // The unlock is spent: attempt 3 in review blocks, and after approval a 4th needs a new one.
    EXPECT_EQ(add(*store_, st, T0).status, AddStatus::in_review);

    auto history = MUST(store_->student_history(st.id_number));
    ASSERT_EQ(history.size(), 3u);
    EXPECT_EQ(history[0].state, SubmissionState::rejected);
    EXPECT_EQ(history[0].decision->reasons, std::vector<std::string>{"ears_hidden"});
    EXPECT_EQ(history[1].state, SubmissionState::approved);
    EXPECT_EQ(history[2].attempt, 3);
}

TEST_P(StoreTest, SameImageForTwoStudentsIsFlaggedOnBoth) {
    auto a = add(*store_, student(1), T0, 42);
    EXPECT_TRUE(a.flags.empty());
    auto b = add(*store_, student(2), T0, 42);
    EXPECT_EQ(b.flags, std::vector<std::string>{kFlagDuplicateImage});
    EXPECT_EQ(MUST(store_->get_submission(a.id)).flags,
              std::vector<std::string>{kFlagDuplicateImage});
    auto c = add(*store_, student(3), T0, 42);  // a third: flags once, not twice
    EXPECT_EQ(MUST(store_->get_submission(a.id)).flags.size(), 1u);
    EXPECT_EQ(c.flags.size(), 1u);
    auto d = add(*store_, student(4), T0, 43);
    EXPECT_TRUE(MUST(store_->get_submission(d.id)).flags.empty());
}

TEST_P(StoreTest, UsersByTokenHash) {
    auto u = MUST(store_->add_user("admin", "alice", Role::supervisor, "h-alice", T0));
    EXPECT_GT(u.id, 0);
    auto found = MUST(store_->find_user_by_token_hash("h-alice"));
    EXPECT_EQ(found.name, "alice");
    EXPECT_EQ(found.role, Role::supervisor);
    EXPECT_EQ(found.created_at, T0);
    EXPECT_EQ(store_->add_user("admin", "alice", Role::admin, "h-other", T0).error().code,
              ErrorCode::InvalidArgument);
    EXPECT_EQ(store_->add_user("admin", "bob", Role::admin, "h-alice", T0).error().code,
              ErrorCode::InvalidArgument);
    // The audit names who added the user: there is no user_add without an actor.
    EXPECT_EQ(store_->add_user("", "carol", Role::admin, "h-carol", T0).error().code,
              ErrorCode::InvalidArgument);
    EXPECT_EQ(store_->find_user_by_token_hash("nope").error().code, ErrorCode::NotFound);
}

TEST_P(StoreTest, StatsCountExpiredLeasesAsPending) {
    for (int i = 0; i < 4; ++i) add(*store_, student(i), T0 + i);
    auto mine = MUST(store_->claim("rev", 3, 60, T0, {}));
    ASSERT_EQ(mine.size(), 3u);
    MUST(store_->apply_decisions(
        {{"a", mine[0].id, "rev", Verdict::reject, {"blurry"}, "", "", T0},
         {"b", mine[1].id, "rev", Verdict::approve, {}, "", "", T0}},
        T0));
    auto st = MUST(store_->stats(T0 + 10));
    EXPECT_EQ(st.by_state[SubmissionState::pending], 1);
    EXPECT_EQ(st.by_state[SubmissionState::leased], 1);
    EXPECT_EQ(st.by_state[SubmissionState::approved], 1);
    EXPECT_EQ(st.by_state[SubmissionState::rejected], 1);
    auto later = MUST(store_->stats(T0 + 61));
    EXPECT_EQ(later.expired_leases, 1);
    EXPECT_EQ(later.by_state[SubmissionState::pending], 2);
    EXPECT_EQ(later.by_state[SubmissionState::leased], 0);
    ASSERT_EQ(st.reviewers.size(), 1u);
    EXPECT_EQ(st.reviewers[0].reviewer, "rev");
    EXPECT_EQ(st.reviewers[0].decisions, 2);
    EXPECT_EQ(st.reviewers[0].rejections, 1);
}

}  // namespace
}  // namespace pd::test
