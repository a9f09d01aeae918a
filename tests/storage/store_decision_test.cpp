// Decisions (idempotency, conflicts), overturn, export locking, the events feed and audit.
#include <gtest/gtest.h>

#include <set>

#include "storage/store_fixture.h"

namespace pd::test {
namespace {

using namespace pd::storage;
constexpr std::int64_t T0 = 1'760'000'000;

Decision approve(const std::string& id, std::int64_t sub, const std::string& rev = "rev") {
    return {id, sub, rev, Verdict::approve, {}, "", "", T0};
}
Decision reject(const std::string& id, std::int64_t sub, const std::string& rev = "rev") {
    return {id, sub, rev, Verdict::reject, {"head_tilted"}, "tilted left", "", T0};
}

TEST_P(StoreTest, SameDecisionIdTwiceHasOneEffect) {
    auto id = add(*store_, student(1), T0).id;
    ASSERT_EQ(MUST(store_->claim("rev", 1, 60, T0, {})).size(), 1u);
    auto first = MUST(store_->apply_decisions({reject("d-1", id)}, T0 + 1));
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].status, DecisionStatus::applied);
    EXPECT_EQ(first[0].state, SubmissionState::rejected);

    auto again = MUST(store_->apply_decisions({reject("d-1", id)}, T0 + 2));
    EXPECT_EQ(again[0].status, DecisionStatus::duplicate);
    EXPECT_EQ(again[0].state, SubmissionState::rejected);
    // Even from another connection, and inside a batch that repeats it.
    auto other = open();
    auto third = MUST(other->apply_decisions({reject("d-1", id), reject("d-1", id)}, T0 + 3));
    EXPECT_EQ(third[0].status, DecisionStatus::duplicate);
    EXPECT_EQ(third[1].status, DecisionStatus::duplicate);

    EXPECT_EQ(MUST(store_->events_since(0, 100)).size(), 1u);
    AuditFilter f;
    f.action = "decision";
    EXPECT_EQ(MUST(store_->audit_list(f, 100, 0)).size(), 1u);
    EXPECT_EQ(MUST(store_->stats(T0)).reviewers.at(0).decisions, 1);
}

TEST_P(StoreTest, DecisionWithoutALeaseIsAConflict) {
    auto pending = add(*store_, student(1), T0).id;
    auto a = add(*store_, student(2), T0 + 1).id;
    ASSERT_EQ(MUST(store_->claim("alice", 2, 60, T0, {})).size(), 2u);
    MUST(store_->release("alice", {pending}, T0));

    auto out = MUST(store_->apply_decisions(
        {approve("p", pending, "alice"), approve("other", a, "bob"),
         approve("ghost", 424242, "alice"), approve("", a, "alice")},
        T0 + 60));
    ASSERT_EQ(out.size(), 4u);
    for (const auto& o : out) EXPECT_EQ(o.status, DecisionStatus::conflict) << o.decision_id;
    EXPECT_EQ(out[0].state, SubmissionState::pending);
    EXPECT_NE(out[0].message.find("no lease"), std::string::npos) << out[0].message;
    EXPECT_EQ(out[1].state, SubmissionState::leased);
    EXPECT_NE(out[1].message.find("another reviewer"), std::string::npos);
    EXPECT_FALSE(out[2].state.has_value());
    EXPECT_TRUE(MUST(store_->events_since(0, 10)).empty());

    // Already decided: a second, different decision conflicts and reports the state.
    ASSERT_EQ(MUST(store_->claim("alice", 1, 60, T0 + 100, {})).size(), 1u);
    auto won = MUST(store_->apply_decisions({approve("w1", pending, "alice")}, T0 + 101));
    ASSERT_EQ(won[0].status, DecisionStatus::applied);
    auto lost = MUST(store_->apply_decisions({reject("w2", pending, "alice")}, T0 + 102));
    EXPECT_EQ(lost[0].status, DecisionStatus::conflict);
    EXPECT_EQ(lost[0].state, SubmissionState::approved);
}

// A reviewer offline past their lease's expiry keeps their work as long as nobody claimed the
// item since: the expired lease is still the one recorded for it.
TEST_P(StoreTest, LateDecisionOnAnExpiredLeaseNobodyTookApplies) {
    auto id = add(*store_, student(1), T0).id;
    ASSERT_EQ(MUST(store_->claim("alice", 1, 60, T0, {})).size(), 1u);
    auto late = MUST(store_->apply_decisions({reject("late-1", id, "alice")}, T0 + 600));
    ASSERT_EQ(late[0].status, DecisionStatus::applied) << late[0].message;
    EXPECT_EQ(late[0].state, SubmissionState::rejected);
    const auto s = MUST(store_->get_submission(id));
    EXPECT_EQ(s.state, SubmissionState::rejected);
    EXPECT_FALSE(s.lease.has_value());
    ASSERT_TRUE(s.decision.has_value());
    EXPECT_EQ(s.decision->reviewer, "alice");
    EXPECT_EQ(MUST(store_->events_since(0, 10)).size(), 1u);
    // Still one effect per decision id.
    EXPECT_EQ(MUST(store_->apply_decisions({reject("late-1", id, "alice")}, T0 + 601))[0].status,
              DecisionStatus::duplicate);
}

// Once anyone else claimed the item, the late decision is a conflict, whatever happened next.
TEST_P(StoreTest, LateDecisionAfterAnotherReviewerClaimedIsAConflict) {
    auto a = add(*store_, student(1), T0).id;
    auto b = add(*store_, student(2), T0 + 1).id;
    auto c = add(*store_, student(3), T0 + 2).id;
    ASSERT_EQ(MUST(store_->claim("alice", 3, 60, T0, {})).size(), 3u);
    // After expiry bob takes all three: one he keeps, one he decides, one he releases.
    auto other = open();
    ASSERT_EQ(MUST(other->claim("bob", 3, 60, T0 + 60, {})).size(), 3u);
    ASSERT_EQ(MUST(other->apply_decisions({approve("bob-b", b, "bob")}, T0 + 61))[0].status,
              DecisionStatus::applied);
    ASSERT_EQ(MUST(other->release("bob", {c}, T0 + 61)), 1);

    auto out = MUST(store_->apply_decisions(
        {reject("alice-a", a, "alice"), reject("alice-b", b, "alice"), reject("alice-c", c, "alice")},
        T0 + 62));
    ASSERT_EQ(out.size(), 3u);
    for (const auto& o : out) EXPECT_EQ(o.status, DecisionStatus::conflict) << o.decision_id;
    EXPECT_EQ(out[0].state, SubmissionState::leased);
    EXPECT_NE(out[0].message.find("another reviewer"), std::string::npos) << out[0].message;
    EXPECT_EQ(out[1].state, SubmissionState::approved);
    EXPECT_NE(out[1].message.find("already decided"), std::string::npos) << out[1].message;
    EXPECT_EQ(out[2].state, SubmissionState::pending);
    EXPECT_EQ(MUST(store_->get_submission(a)).lease->reviewer, "bob");
    EXPECT_EQ(MUST(store_->events_since(0, 10)).size(), 1u);   // bob's approval only
}

TEST_P(StoreTest, BatchAnswersInInputOrder) {
    auto a = add(*store_, student(1), T0).id;
    auto b = add(*store_, student(2), T0 + 1).id;
    ASSERT_EQ(MUST(store_->claim("rev", 2, 60, T0, {})).size(), 2u);
    auto out = MUST(store_->apply_decisions(
        {approve("b1", b), reject("a1", a), approve("b1", b), approve("a2", a)}, T0 + 1));
    ASSERT_EQ(out.size(), 4u);
    EXPECT_EQ(out[0].status, DecisionStatus::applied);
    EXPECT_EQ(out[1].status, DecisionStatus::applied);
    EXPECT_EQ(out[2].status, DecisionStatus::duplicate);
    EXPECT_EQ(out[3].status, DecisionStatus::conflict);
    auto s = MUST(store_->get_submission(a));
    EXPECT_EQ(s.state, SubmissionState::rejected);
    ASSERT_TRUE(s.decision);
    EXPECT_EQ(s.decision->reviewer, "rev");
    EXPECT_EQ(s.decision->note, "tilted left");
    EXPECT_FALSE(s.lease);
}

TEST_P(StoreTest, OverturnAllowedUntilLocked) {
    auto a = add(*store_, student(1), T0).id;
    auto b = add(*store_, student(2), T0 + 1).id;
    auto c = add(*store_, student(3), T0 + 2).id;
    Overturn o{"sup", a, Verdict::approve, {}, "ears are visible", "", T0 + 10};
    EXPECT_EQ(MUST(store_->overturn(o)).message, "not decided yet");
    EXPECT_EQ(store_->overturn({"sup", 999999, Verdict::approve, {}, "", "", T0}).error().code,
              ErrorCode::NotFound);

    ASSERT_EQ(MUST(store_->claim("rev", 3, 60, T0, {})).size(), 3u);
    MUST(store_->apply_decisions({reject("a", a), reject("b", b), approve("c", c)}, T0 + 1));

    auto r = MUST(store_->overturn(o));
    EXPECT_TRUE(r.applied);
    EXPECT_EQ(r.state, SubmissionState::approved);
    auto s = MUST(store_->get_submission(a));
    EXPECT_EQ(s.state, SubmissionState::approved);
    EXPECT_EQ(s.decision->overturned_by, "sup");
    EXPECT_EQ(s.decision->reviewer, "rev");
    EXPECT_EQ(MUST(store_->stats(T0)).reviewers.at(0).overturned, 1);

    // A rejection the student already retook cannot become an approval.
    add(*store_, student(2), T0 + 20);
    auto refused = MUST(store_->overturn({"sup", b, Verdict::approve, {}, "", "", T0 + 21}));
    EXPECT_FALSE(refused.applied);
    EXPECT_EQ(refused.state, SubmissionState::rejected);

    MUST(store_->lock_for_export("op", "PKU", "2025", T0 + 30));
    auto locked = MUST(store_->overturn({"sup", c, Verdict::reject, {"blurry"}, "", "", T0 + 31}));
    EXPECT_FALSE(locked.applied);
    EXPECT_EQ(locked.state, SubmissionState::locked);
    EXPECT_EQ(locked.message, "locked for export");

    AuditFilter f;
    f.actor = "sup";
    auto audit = MUST(store_->audit_list(f, 10, 0));
    ASSERT_EQ(audit.size(), 1u);
    EXPECT_EQ(audit[0].action, "overturn");
    EXPECT_EQ(audit[0].submission_id, a);
}

TEST_P(StoreTest, LockForExportIsIdempotent) {
    std::set<std::int64_t> expect;
    for (int i = 0; i < 3; ++i) expect.insert(add(*store_, student(i, "PKU", "2025"), T0 + i).id);
    auto other_grade = add(*store_, student(10, "PKU", "2024"), T0 + 10).id;
    auto other_school = add(*store_, student(11, "THU", "2025"), T0 + 11).id;
    auto rejected = add(*store_, student(12, "PKU", "2025"), T0 + 12).id;
    add(*store_, student(13, "PKU", "2025"), T0 + 13);  // still pending
    auto leased = MUST(store_->claim("rev", 6, 60, T0, {}));
    ASSERT_EQ(leased.size(), 6u);
    std::vector<Decision> batch;
    for (auto id : expect) batch.push_back(approve("d" + std::to_string(id), id));
    batch.push_back(approve("g", other_grade));
    batch.push_back(approve("s", other_school));
    batch.push_back(reject("r", rejected));
    MUST(store_->apply_decisions(batch, T0 + 1));
    auto events_before = MUST(store_->events_since(0, 100)).size();

    auto first = MUST(store_->lock_for_export("op", "PKU", "2025", T0 + 5));
    std::set<std::int64_t> got;
    for (const auto& e : first) {
        got.insert(e.submission.id);
        EXPECT_EQ(e.submission.state, SubmissionState::locked);
        EXPECT_EQ(e.submission.decision->reviewer, "rev");
    }
    EXPECT_EQ(got, expect);
    auto events_after = MUST(store_->events_since(0, 100));
    EXPECT_EQ(events_after.size(), events_before + 3);
    EXPECT_EQ(events_after.back().type, "locked");

    auto second = MUST(store_->lock_for_export("op", "PKU", "2025", T0 + 6));
    ASSERT_EQ(second.size(), first.size());
    for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(second[i].submission.id, first[i].submission.id);
    EXPECT_EQ(MUST(store_->events_since(0, 100)).size(), events_after.size());
    EXPECT_EQ(MUST(store_->get_submission(other_grade)).state, SubmissionState::approved);
    EXPECT_EQ(MUST(store_->lock_for_export("op", "PKU", "", T0 + 7)).size(), 4u);  // all grades
    EXPECT_EQ(store_->lock_for_export("op", "", "", T0).error().code, ErrorCode::InvalidArgument);
}

TEST_P(StoreTest, EventsFollowCommitOrderWithACursor) {
    std::vector<std::int64_t> subs;
    for (int i = 0; i < 4; ++i) subs.push_back(add(*store_, student(i), T0 + i).id);
    ASSERT_EQ(MUST(store_->claim("rev", 4, 60, T0, {})).size(), 4u);
    MUST(store_->apply_decisions({approve("e0", subs[0]), reject("e1", subs[1])}, T0 + 1));
    MUST(store_->apply_decisions({approve("e2", subs[2])}, T0 + 2));
    MUST(store_->overturn({"sup", subs[1], Verdict::approve, {}, "fine", "", T0 + 3}));
    MUST(store_->apply_decisions({reject("e3", subs[3])}, T0 + 4));

    auto all = MUST(store_->events_since(0, 100));
    ASSERT_EQ(all.size(), 5u);
    const char* types[] = {"decision", "decision", "decision", "overturn", "decision"};
    const std::int64_t order[] = {subs[0], subs[1], subs[2], subs[1], subs[3]};
    for (size_t i = 0; i < all.size(); ++i) {
        EXPECT_EQ(all[i].type, types[i]);
        EXPECT_EQ(all[i].submission_id, order[i]);
        if (i) {
            EXPECT_GT(all[i].cursor, all[i - 1].cursor);
        }
    }
    EXPECT_NE(all[1].payload_json.find("head_tilted"), std::string::npos);
    EXPECT_NE(all[1].payload_json.find("\"verdict\":\"reject\""), std::string::npos);

    auto page = MUST(store_->events_since(all[1].cursor, 2));
    ASSERT_EQ(page.size(), 2u);
    EXPECT_EQ(page[0].cursor, all[2].cursor);
    EXPECT_EQ(page[1].cursor, all[3].cursor);
    EXPECT_TRUE(MUST(store_->events_since(all.back().cursor, 10)).empty());
}

TEST_P(StoreTest, AuditListFiltersAndPages) {
    std::vector<std::int64_t> subs;
    for (int i = 0; i < 5; ++i) subs.push_back(add(*store_, student(i), T0 + i).id);
    ASSERT_EQ(MUST(store_->claim("rev", 5, 60, T0, {})).size(), 5u);
    std::vector<Decision> batch;
    for (size_t i = 0; i < subs.size(); ++i) batch.push_back(approve("a" + std::to_string(i), subs[i]));
    batch[4].reviewer = "other";  // conflicts: not audited
    MUST(store_->apply_decisions(batch, T0 + 1));

    AuditFilter f;
    f.actor = "rev";
    auto page1 = MUST(store_->audit_list(f, 3, 0));
    auto page2 = MUST(store_->audit_list(f, 3, 3));
    ASSERT_EQ(page1.size(), 3u);
    ASSERT_EQ(page2.size(), 1u);
    EXPECT_GT(page1[0].id, page1[1].id);  // newest first
    f = {};
    f.submission_id = subs[2];
    auto one = MUST(store_->audit_list(f, 10, 0));
    ASSERT_EQ(one.size(), 1u);
    EXPECT_NE(one[0].detail_json.find("a2"), std::string::npos);
    f = {};
    f.school = "THU";
    EXPECT_TRUE(MUST(store_->audit_list(f, 10, 0)).empty());
}

}  // namespace
}  // namespace pd::test

namespace pd::test {
namespace {

using namespace pd::storage;
constexpr std::int64_t T1 = 1'760'000'000;

TEST_P(StoreTest, RecropReplacesTheStandardizedImage) {
    auto id = add(*store_, student(1), T1 + 3600).id;
    const auto before = MUST(store_->get_submission(id)).images.standardized;
    const std::vector<unsigned char> jpeg = {0xFF, 0xD8, 0x01, 0x02, 0xFF, 0xD9};
    const auto rendered = MUST(store_->put_image(jpeg));
    ASSERT_NE(rendered, before);
    ASSERT_EQ(MUST(store_->claim("rev", 1, 60, T1, {})).size(), 1u);
    Decision d{"d-crop", id, "rev", Verdict::approve_recropped, {}, "", R"({"x":1,"y":2,"width":300})",
               T1, rendered};
    auto out = MUST(store_->apply_decisions({d}, T1 + 1));
    ASSERT_EQ(out.at(0).status, DecisionStatus::applied);
    auto s = MUST(store_->get_submission(id));
    EXPECT_EQ(s.state, SubmissionState::approved);
    EXPECT_EQ(s.images.standardized, rendered);
    EXPECT_EQ(s.decision->crop_json, R"({"x":1,"y":2,"width":300})");
}

TEST_P(StoreTest, SlaSummaryCountsOpenAndDecidedAgainstDeadlines) {
    // Three open items: one overdue, one due within 24 h, one later; two decided, one late.
    auto overdue = add(*store_, student(1), T1 - 10).id;
    add(*store_, student(2), T1 + 3600);
    add(*store_, student(3), T1 + 3 * 86400);
    auto on_time = add(*store_, student(4), T1 + 100).id;
    auto late = add(*store_, student(5), T1 + 50).id;
    (void)overdue;
    ClaimFilter f;
    f.school = "PKU";
    MUST(store_->claim("rev", 5, 600, T1, f));
    MUST(store_->release("rev", {overdue}, T1));
    auto other = MUST(store_->get_submission(on_time));
    ASSERT_EQ(other.state, SubmissionState::leased);
    MUST(store_->apply_decisions({{"a", on_time, "rev", Verdict::approve, {}, "", "", T1}}, T1 + 10));
    MUST(store_->apply_decisions(
        {{"b", late, "rev", Verdict::reject, {"head_tilted", "blurry"}, "", "", T1}}, T1 + 60));

    auto sla = MUST(store_->sla_summary(T1));
    EXPECT_EQ(sla.open, 3);
    EXPECT_EQ(sla.overdue, 1);
    EXPECT_EQ(sla.due_24h, 1);
    EXPECT_EQ(sla.oldest_deadline, T1 - 10);
    EXPECT_EQ(sla.decided, 2);
    EXPECT_EQ(sla.decided_on_time, 1);

    auto st = MUST(store_->stats(T1));
    ASSERT_EQ(st.reviewers.size(), 1u);
    EXPECT_EQ(st.reviewers[0].first_at, T1 + 10);
    EXPECT_EQ(st.reviewers[0].last_at, T1 + 60);
    EXPECT_EQ(st.reviewers[0].by_reason.at("head_tilted"), 1);
    EXPECT_EQ(st.reviewers[0].by_reason.at("blurry"), 1);
}

}  // namespace
}  // namespace pd::test

// In-batch idempotency and conflicts: a batch is decided with a constant number of statements
// (all rows locked at once, all decision ids looked up at once, multi-row writes), and must
// still answer exactly as if every item had been loaded and looked up afresh.
namespace pd::test {
namespace {

using namespace pd::storage;
constexpr std::int64_t T2 = 1'760'000'000;

Decision ok(const std::string& id, std::int64_t sub, const std::string& rev = "rev") {
    return {id, sub, rev, Verdict::approve, {}, "", "", T2};
}
Decision no(const std::string& id, std::int64_t sub, const std::string& rev = "rev") {
    return {id, sub, rev, Verdict::reject, {"blurry"}, "too dark", "", T2};
}
std::size_t decision_audits(Store& s) {
    AuditFilter f;
    f.action = "decision";
    return MUST(s.audit_list(f, 1000, 0)).size();
}

TEST_P(StoreTest, SameDecisionIdTwiceInOneBatch) {
    auto a = add(*store_, student(1), T2).id;
    auto b = add(*store_, student(2), T2 + 1).id;
    auto c = add(*store_, student(3), T2 + 2).id;
    ASSERT_EQ(MUST(store_->claim("rev", 3, 600, T2, {})).size(), 3u);

    // Same id, same submission: the second occurrence is a duplicate of the first.
    // Same id, another submission: a conflict (issue 9: an id is a duplicate only for the
    // reviewer and submission it was applied to); the other submission stays untouched.
    auto out = MUST(store_->apply_decisions({ok("x", a), ok("x", a), no("y", b), no("y", c)},
                                            T2 + 5));
    ASSERT_EQ(out.size(), 4u);
    EXPECT_EQ(out[0].status, DecisionStatus::applied);
    EXPECT_EQ(out[1].status, DecisionStatus::duplicate);
    EXPECT_EQ(out[1].submission_id, a);
    EXPECT_EQ(out[1].state, SubmissionState::approved);
    EXPECT_EQ(out[1].message, "already applied: approve by rev at " + std::to_string(T2 + 5));
    EXPECT_EQ(out[2].status, DecisionStatus::applied);
    EXPECT_EQ(out[3].status, DecisionStatus::conflict);
    EXPECT_EQ(out[3].decision_id, "y");
    EXPECT_EQ(out[3].submission_id, c);
    EXPECT_EQ(out[3].state, SubmissionState::leased);
    EXPECT_EQ(out[3].message, "decision_id is already used by another decision: send this one with a new id");
    EXPECT_EQ(MUST(store_->get_submission(c)).state, SubmissionState::leased);

    EXPECT_EQ(MUST(store_->events_since(0, 100)).size(), 2u);
    EXPECT_EQ(decision_audits(*store_), 2u);
    EXPECT_EQ(MUST(store_->stats(T2)).reviewers.at(0).decisions, 2);
}

TEST_P(StoreTest, TwoDecisionIdsForOneSubmissionInOneBatch) {
    auto a = add(*store_, student(1), T2).id;
    ASSERT_EQ(MUST(store_->claim("rev", 1, 600, T2, {})).size(), 1u);
    auto out = MUST(store_->apply_decisions({no("r1", a), ok("r2", a)}, T2 + 5));
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].status, DecisionStatus::applied);
    EXPECT_EQ(out[0].state, SubmissionState::rejected);
    EXPECT_EQ(out[1].status, DecisionStatus::conflict);
    EXPECT_EQ(out[1].state, SubmissionState::rejected);
    EXPECT_EQ(out[1].message, "already decided (rejected)");

    auto s = MUST(store_->get_submission(a));
    EXPECT_EQ(s.state, SubmissionState::rejected);
    ASSERT_TRUE(s.decision);
    EXPECT_EQ(s.decision->note, "too dark");
    EXPECT_FALSE(s.lease);
    EXPECT_EQ(MUST(store_->events_since(0, 100)).size(), 1u);
    EXPECT_EQ(decision_audits(*store_), 1u);
    // Conflicts are not remembered: r2 pushed again is evaluated again (and conflicts again).
    auto again = MUST(store_->apply_decisions({ok("r2", a)}, T2 + 6));
    EXPECT_EQ(again[0].status, DecisionStatus::conflict);
}

TEST_P(StoreTest, MixedBatchOfTwentyKeepsInputOrderAndOneEffectPerDecision) {
    std::vector<std::int64_t> subs;
    for (int i = 0; i < 16; ++i) subs.push_back(add(*store_, student(i), T2 + i).id);
    ASSERT_EQ(MUST(store_->claim("rev", 14, 600, T2, {})).size(), 14u);  // subs[0..13]
    ASSERT_EQ(MUST(store_->claim("bob", 2, 600, T2, {})).size(), 2u);    // subs[14..15]
    ASSERT_EQ(MUST(store_->apply_decisions({ok("pre-0", subs[0])}, T2 + 1))[0].status,
              DecisionStatus::applied);
    const auto events_before = MUST(store_->events_since(0, 1000)).size();

    const std::int64_t now = T2 + 10;
    const std::vector<Decision> batch = {
        no("m-3", subs[3]),            //  0 applied
        ok("pre-0", subs[4]),          //  1 conflict: an earlier batch's id, other submission
        ok("m-1", subs[1]),            //  2 applied
        ok("ghost", 99'999'999),       //  3 conflict: unknown submission
        ok("m-4", subs[4]),            //  4 applied
        ok("m-1", subs[1]),            //  5 duplicate of item 2
        ok("m-2", subs[2]),            //  6 applied
        no("m-2x", subs[2]),           //  7 conflict: already decided by item 6
        ok("m-14", subs[14]),          //  8 conflict: leased to bob
        no("m-5", subs[5]),            //  9 applied
        ok("m-6", subs[6]),            // 10 applied
        ok("", subs[7]),               // 11 conflict: no decision id
        ok("m-7", subs[7]),            // 12 applied
        no("m-8", subs[8]),            // 13 applied
        ok("m-9", subs[9]),            // 14 applied
        ok("m-10", subs[10], "bob"),   // 15 conflict: leased to rev
        ok("m-10b", subs[10]),         // 16 applied (the conflict above is not remembered)
        no("m-11", subs[11]),          // 17 applied
        ok("m-12", subs[12]),          // 18 applied
        ok("m-13", subs[13]),          // 19 applied
    };
    ASSERT_EQ(batch.size(), 20u);
    const auto A = DecisionStatus::applied, D = DecisionStatus::duplicate,
               C = DecisionStatus::conflict;
    const DecisionStatus expect[] = {A, C, A, C, A, D, A, C, C, A, A, C, A, A, A, C, A, A, A, A};

    auto out = MUST(store_->apply_decisions(batch, now));
    ASSERT_EQ(out.size(), batch.size());
    std::set<std::int64_t> applied;
    for (size_t i = 0; i < batch.size(); ++i) {
        EXPECT_EQ(out[i].decision_id, batch[i].decision_id) << i;
        EXPECT_EQ(out[i].status, expect[i]) << i << " " << out[i].message;
        if (expect[i] == A) {
            EXPECT_EQ(out[i].submission_id, batch[i].submission_id) << i;
            EXPECT_EQ(out[i].state, state_after(batch[i].verdict)) << i;
            applied.insert(batch[i].submission_id);
        }
    }
    EXPECT_EQ(applied.size(), 13u);
    EXPECT_EQ(out[1].submission_id, subs[4]);
    EXPECT_EQ(out[1].state, SubmissionState::leased);
    EXPECT_EQ(out[1].message, "decision_id is already used by another decision: send this one with a new id");
    EXPECT_EQ(out[5].submission_id, subs[1]);
    EXPECT_EQ(out[5].message, "already applied: approve by rev at " + std::to_string(now));
    EXPECT_FALSE(out[3].state.has_value());
    EXPECT_EQ(out[3].message, "unknown submission");
    EXPECT_EQ(out[7].message, "already decided (approved)");
    EXPECT_EQ(out[8].message, "leased to another reviewer");
    EXPECT_EQ(out[8].state, SubmissionState::leased);
    EXPECT_EQ(out[11].message, "decision_id is required");
    EXPECT_EQ(out[15].message, "leased to another reviewer");

    // Exactly one event and one audit record per applied decision, events in decision order.
    auto events = MUST(store_->events_since(0, 1000));
    ASSERT_EQ(events.size(), events_before + applied.size());
    std::set<std::int64_t> evented;
    for (size_t i = events_before; i < events.size(); ++i) {
        EXPECT_EQ(events[i].type, "decision");
        EXPECT_TRUE(evented.insert(events[i].submission_id).second) << events[i].submission_id;
        if (i > events_before) {
            EXPECT_GT(events[i].cursor, events[i - 1].cursor);
            EXPECT_GT(events[i].submission_id, events[i - 1].submission_id);
        }
    }
    EXPECT_EQ(evented, applied);
    EXPECT_EQ(decision_audits(*store_), applied.size() + 1);
    for (auto id : applied) {
        AuditFilter f;
        f.submission_id = id;
        EXPECT_EQ(MUST(store_->audit_list(f, 10, 0)).size(), 1u) << id;
    }
    EXPECT_EQ(MUST(store_->stats(now)).reviewers.at(0).decisions, std::int64_t(applied.size() + 1));

    // The rows hold what was applied; untouched rows keep their leases.
    auto s3 = MUST(store_->get_submission(subs[3]));
    EXPECT_EQ(s3.state, SubmissionState::rejected);
    ASSERT_TRUE(s3.decision);
    EXPECT_EQ(s3.decision->note, "too dark");
    EXPECT_EQ(s3.decision->reasons, std::vector<std::string>{"blurry"});
    EXPECT_EQ(s3.decision->decided_at, T2);
    EXPECT_FALSE(s3.lease);
    EXPECT_EQ(MUST(store_->get_submission(subs[10])).decision->reviewer, "rev");
    EXPECT_EQ(MUST(store_->get_submission(subs[14])).state, SubmissionState::leased);
    EXPECT_EQ(MUST(store_->get_submission(subs[15])).state, SubmissionState::leased);
}

}  // namespace
}  // namespace pd::test
