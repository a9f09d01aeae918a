// Claims (deadline order, filters, exclusivity, expiry), renew and release.
#include <gtest/gtest.h>

#include <algorithm>

#include "storage/store_fixture.h"

namespace pd::test {
namespace {

using namespace pd::storage;
constexpr std::int64_t T0 = 1'760'000'000;

std::vector<std::int64_t> ids(const std::vector<Submission>& v) {
    std::vector<std::int64_t> out;
    for (const auto& s : v) out.push_back(s.id);
    return out;
}

TEST_P(StoreTest, ClaimsEarliestDeadlineFirst) {
    const std::int64_t deadlines[] = {T0 + 500, T0 + 100, T0 + 400, T0 + 200, T0 + 300};
    std::vector<std::int64_t> by_deadline(5);
    for (int i = 0; i < 5; ++i) by_deadline[(deadlines[i] - T0) / 100 - 1] = add(*store_, student(i), deadlines[i]).id;

    auto first = MUST(store_->claim("rev", 3, 60, T0, {}));
    ASSERT_EQ(first.size(), 3u);
    EXPECT_EQ(ids(first), (std::vector<std::int64_t>{by_deadline[0], by_deadline[1], by_deadline[2]}));
    for (const auto& s : first) {
        EXPECT_EQ(s.state, SubmissionState::leased);
        ASSERT_TRUE(s.lease);
        EXPECT_EQ(s.lease->reviewer, "rev");
        EXPECT_EQ(s.lease->expires_at, T0 + 60);
    }
    auto rest = MUST(store_->claim("rev", 3, 60, T0, {}));
    EXPECT_EQ(ids(rest), (std::vector<std::int64_t>{by_deadline[3], by_deadline[4]}));
    EXPECT_TRUE(MUST(store_->claim("rev", 3, 60, T0, {})).empty());
}

TEST_P(StoreTest, ClaimFilters) {
    auto pku25 = add(*store_, student(1, "PKU", "2025"), T0 + 1).id;
    auto pku24 = add(*store_, student(2, "PKU", "2024"), T0 + 2).id;
    auto thu = add(*store_, student(3, "THU", "2025"), T0 + 3).id;
    auto dup_a = add(*store_, student(4, "THU", "2025"), T0 + 4, 7).id;
    auto dup_b = add(*store_, student(5, "THU", "2025"), T0 + 5, 7).id;

    ClaimFilter f;
    f.school = "PKU";
    f.grade = "2024";
    EXPECT_EQ(ids(MUST(store_->claim("r", 10, 60, T0, f))), std::vector<std::int64_t>{pku24});
    f = {};
    f.flagged_only = true;
    EXPECT_EQ(ids(MUST(store_->claim("r", 10, 60, T0, f))),
              (std::vector<std::int64_t>{dup_a, dup_b}));
    f = {};
    f.school = "THU";
    EXPECT_EQ(ids(MUST(store_->claim("r", 10, 60, T0, f))), std::vector<std::int64_t>{thu});

    // A resubmission: reject pku25, resubmit, then only the new attempt matches.
    ASSERT_EQ(MUST(store_->claim("r", 10, 60, T0, {})).size(), 1u);
    MUST(store_->apply_decisions({{"x", pku25, "r", Verdict::reject, {"blurry"}, "", "", T0}}, T0));
    auto again = add(*store_, student(1, "PKU", "2025"), T0 + 9).id;
    add(*store_, student(6), T0);  // earlier deadline but a first attempt
    f = {};
    f.resubmissions_only = true;
    EXPECT_EQ(ids(MUST(store_->claim("r", 10, 60, T0, f))), std::vector<std::int64_t>{again});

    EXPECT_EQ(store_->claim("r", 0, 60, T0, {}).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(store_->claim("", 1, 60, T0, {}).error().code, ErrorCode::InvalidArgument);
}

TEST_P(StoreTest, ItemIsNeverLeasedToTwoReviewers) {
    for (int i = 0; i < 6; ++i) add(*store_, student(i), T0 + i);
    auto other = open();
    auto a = MUST(store_->claim("alice", 4, 60, T0, {}));
    auto b = MUST(other->claim("bob", 4, 60, T0 + 1, {}));
    EXPECT_EQ(a.size(), 4u);
    EXPECT_EQ(b.size(), 2u);
    const auto taken = ids(a);
    for (const auto& s : b) EXPECT_EQ(std::count(taken.begin(), taken.end(), s.id), 0);
    EXPECT_TRUE(MUST(other->claim("carol", 4, 60, T0 + 2, {})).empty());
}

TEST_P(StoreTest, ExpiredLeaseReturnsToTheQueue) {
    auto id = add(*store_, student(1), T0).id;
    ASSERT_EQ(MUST(store_->claim("alice", 1, 60, T0, {})).size(), 1u);
    EXPECT_TRUE(MUST(store_->claim("bob", 1, 60, T0 + 59, {})).empty());
    auto taken = MUST(store_->claim("bob", 1, 60, T0 + 60, {}));  // expires_at is exclusive
    ASSERT_EQ(ids(taken), std::vector<std::int64_t>{id});
    EXPECT_EQ(taken[0].lease->reviewer, "bob");

    auto late = MUST(store_->apply_decisions(
        {{"late", id, "alice", Verdict::approve, {}, "", "", T0 + 61}}, T0 + 61));
    EXPECT_EQ(late[0].status, DecisionStatus::conflict);
    EXPECT_EQ(late[0].state, SubmissionState::leased);
    auto ok = MUST(store_->apply_decisions(
        {{"bob1", id, "bob", Verdict::approve, {}, "", "", T0 + 61}}, T0 + 61));
    EXPECT_EQ(ok[0].status, DecisionStatus::applied);
}

TEST_P(StoreTest, RenewAndRelease) {
    auto a = add(*store_, student(1), T0).id;
    auto b = add(*store_, student(2), T0 + 1).id;
    ASSERT_EQ(MUST(store_->claim("alice", 2, 60, T0, {})).size(), 2u);

    auto renewed = MUST(store_->renew("alice", {a, b, 999999}, 120, T0 + 50));
    ASSERT_EQ(renewed.size(), 2u);
    EXPECT_EQ(renewed[0].expires_at, T0 + 170);
    EXPECT_TRUE(MUST(store_->renew("bob", {a}, 120, T0 + 50)).empty());
    EXPECT_TRUE(MUST(store_->claim("bob", 2, 60, T0 + 100, {})).empty());  // still held

    EXPECT_EQ(MUST(store_->release("bob", {b}, T0 + 101)), 0);
    EXPECT_EQ(MUST(store_->release("alice", {b}, T0 + 101)), 1);
    EXPECT_EQ(MUST(store_->get_submission(b)).state, SubmissionState::pending);
    EXPECT_TRUE(MUST(store_->renew("alice", {b}, 120, T0 + 101)).empty());  // released: gone
    auto bob = MUST(store_->claim("bob", 2, 60, T0 + 102, {}));
    EXPECT_EQ(ids(bob), std::vector<std::int64_t>{b});
}

// An expired lease nobody claimed since is still the reviewer's: renew extends it. Once someone
// else claimed the item, it is theirs and the old holder's renew is refused.
TEST_P(StoreTest, RenewRevivesAnExpiredLeaseNobodyTook) {
    auto a = add(*store_, student(1), T0).id;
    ASSERT_EQ(MUST(store_->claim("alice", 1, 60, T0, {})).size(), 1u);

    auto revived = MUST(store_->renew("alice", {a}, 120, T0 + 600));  // expired at T0 + 60
    ASSERT_EQ(revived.size(), 1u);
    EXPECT_EQ(revived[0].expires_at, T0 + 720);
    EXPECT_TRUE(MUST(store_->claim("bob", 1, 60, T0 + 700, {})).empty());  // live again

    auto taken = MUST(store_->claim("bob", 1, 60, T0 + 720, {}));  // expired again: bob takes it
    ASSERT_EQ(ids(taken), std::vector<std::int64_t>{a});
    EXPECT_TRUE(MUST(store_->renew("alice", {a}, 120, T0 + 721)).empty());
    const auto s = MUST(store_->get_submission(a));
    ASSERT_TRUE(s.lease.has_value());
    EXPECT_EQ(s.lease->reviewer, "bob");
    EXPECT_EQ(s.lease->expires_at, T0 + 780);
}

}  // namespace
}  // namespace pd::test
