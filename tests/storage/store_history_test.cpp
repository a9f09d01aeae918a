// The submission's history (earlier attempts), the engine outputs ingest may reuse, and the
// queue figures of GET /v1/queue.
#include <gtest/gtest.h>

#include "storage/store_fixture.h"

namespace pd::test {
namespace {

using namespace pd::storage;
constexpr std::int64_t T0 = 1'760'000'000;

Decision reject(const std::string& id, std::int64_t sub, std::vector<std::string> reasons,
                std::string note, std::int64_t at) {
    return {id, sub, "rev", Verdict::reject, std::move(reasons), std::move(note), "", at};
}

// Rejects `id` (claimed by "rev" first) at `at`.
void claim_and_reject(Store& s, std::int64_t id, std::vector<std::string> reasons, std::string note,
                      std::int64_t at) {
    auto claimed = MUST(s.claim("rev", 1000, 60, at, {}));
    bool found = false;
    for (const auto& c : claimed) found = found || c.id == id;
    ASSERT_TRUE(found) << "submission " << id << " was not claimable";
    auto out = MUST(s.apply_decisions({reject("r-" + std::to_string(id), id, std::move(reasons),
                                              std::move(note), at)},
                                      at));
    ASSERT_EQ(out[0].status, DecisionStatus::applied) << out[0].message;
    // Give back whatever else the claim took.
    std::vector<std::int64_t> rest;
    for (const auto& c : claimed)
        if (c.id != id) rest.push_back(c.id);
    if (!rest.empty()) MUST(s.release("rev", rest, at));
}

TEST_P(StoreTest, HistoryListsEarlierAttemptsOldestFirst) {
    const auto st = student(1);
    const auto a1 = add(*store_, st, T0).id;
    claim_and_reject(*store_, a1, {"head_tilted"}, "tilted left", T0 + 10);
    const auto a2 = add(*store_, st, T0 + 100).id;
    claim_and_reject(*store_, a2, {"blurry", "glare_on_glasses"}, "", T0 + 110);
    const auto a3 = add(*store_, st, T0 + 200).id;
    const auto other = add(*store_, student(2), T0 + 50).id;   // attempt 1 of someone else

    EXPECT_TRUE(MUST(store_->get_submission(a1)).history.empty());
    EXPECT_TRUE(MUST(store_->get_submission(other)).history.empty());
    // An earlier attempt's history stops before it: no later attempts, not itself.
    const auto second = MUST(store_->get_submission(a2));
    ASSERT_EQ(second.history.size(), 1u);
    EXPECT_EQ(second.history[0].submission_id, a1);

    const auto third = MUST(store_->get_submission(a3));
    ASSERT_EQ(third.history.size(), 2u);
    const auto& h1 = third.history[0];
    EXPECT_EQ(h1.submission_id, a1);
    EXPECT_EQ(h1.attempt, 1);
    EXPECT_EQ(h1.state, SubmissionState::rejected);
    EXPECT_EQ(h1.thumbnail, MUST(store_->get_submission(a1)).images.thumbnail);
    ASSERT_TRUE(h1.decision.has_value());
    EXPECT_EQ(h1.decision->verdict, Verdict::reject);
    EXPECT_EQ(h1.decision->reasons, (std::vector<std::string>{"head_tilted"}));
    EXPECT_EQ(h1.decision->note, "tilted left");
    EXPECT_EQ(h1.decision->decided_at, T0 + 10);
    EXPECT_EQ(third.history[1].submission_id, a2);
    EXPECT_EQ(third.history[1].attempt, 2);
    EXPECT_EQ(third.history[1].decision->reasons,
              (std::vector<std::string>{"blurry", "glare_on_glasses"}));

    // A supervisor's overturn is the decision in force.
    auto o = MUST(store_->overturn({"sup", a1, Verdict::reject, {"ears_hidden"}, "ears after all", "", T0 + 300, ""}));
    ASSERT_TRUE(o.applied) << o.message;
    const auto h = MUST(store_->get_submission(a3)).history.at(0);
    EXPECT_EQ(h.decision->reasons, (std::vector<std::string>{"ears_hidden"}));
    EXPECT_EQ(h.decision->overturned_by, "sup");
    EXPECT_EQ(h.decision->overturned_at, T0 + 300);

    // A claim loads the histories of its whole batch; first attempts get none.
    auto claimed = MUST(store_->claim("rev2", 10, 60, T0 + 400, {}));
    ASSERT_EQ(claimed.size(), 2u);
    for (const auto& c : claimed) {
        if (c.id == a3) {
            ASSERT_EQ(c.history.size(), 2u);
            EXPECT_EQ(c.history[0].submission_id, a1);
            EXPECT_EQ(c.history[1].submission_id, a2);
        } else {
            EXPECT_EQ(c.id, other);
            EXPECT_TRUE(c.history.empty());
        }
    }
}

TEST_P(StoreTest, HistoryOfManyResubmissionsInOneClaim) {
    // 30 students with three attempts each, plus first attempts in between: one claim of all.
    std::vector<std::int64_t> thirds;
    for (int i = 0; i < 30; ++i) {
        const auto st = student(100 + i);
        auto a1 = add(*store_, st, T0 + i, -1, false).id;
        claim_and_reject(*store_, a1, {"blurry"}, "", T0 + 1000);
        auto a2 = add(*store_, st, T0 + i, -1, false).id;
        claim_and_reject(*store_, a2, {"head_tilted"}, "", T0 + 1001);
        thirds.push_back(add(*store_, st, T0 + 2000 + i, -1, false).id);
        add(*store_, student(500 + i), T0 + 2000 + i, -1, false);
    }
    auto claimed = MUST(store_->claim("rev2", 100, 60, T0 + 3000, {}));
    ASSERT_EQ(claimed.size(), 60u);
    int with_history = 0;
    for (const auto& c : claimed) {
        if (c.attempt == 1) {
            EXPECT_TRUE(c.history.empty()) << c.id;
            continue;
        }
        ++with_history;
        ASSERT_EQ(c.history.size(), 2u) << c.id;
        EXPECT_EQ(c.history[0].attempt, 1);
        EXPECT_EQ(c.history[0].decision->reasons, std::vector<std::string>{"blurry"});
        EXPECT_EQ(c.history[1].attempt, 2);
        EXPECT_EQ(c.history[1].decision->reasons, std::vector<std::string>{"head_tilted"});
    }
    EXPECT_EQ(with_history, 30);
}

TEST_P(StoreTest, EngineOutputsSkipRecroppedAndOverturnedItems) {
    const int image = 4242;   // the same original bytes for every submission below
    const auto a = add(*store_, student(1), T0, image);
    const auto hash = MUST(store_->get_submission(a.id)).images.original;
    EXPECT_TRUE(MUST(store_->engine_outputs(std::string(64, 'a'), 8)).empty());

    auto one = MUST(store_->engine_outputs(hash, 8));
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0].submission_id, a.id);
    EXPECT_EQ(one[0].checks_json, R"({"checks":[]})");
    EXPECT_EQ(one[0].images.standardized, hash);

    const auto b = add(*store_, student(2), T0 + 1, image);
    const auto c = add(*store_, student(3), T0 + 2, image);
    auto three = MUST(store_->engine_outputs(hash, 8));
    ASSERT_EQ(three.size(), 3u);
    EXPECT_EQ(three[0].submission_id, c.id);   // newest first
    EXPECT_EQ(MUST(store_->engine_outputs(hash, 1)).size(), 1u);

    // a: approved with a re-crop (its standardized image is no longer the engine's);
    // b: rejected, then overturned; c: rejected plainly (still reusable).
    const std::string recrop(R"({"x":10,"y":20,"width":300})");
    const std::vector<unsigned char> other_bytes = {'r', 'e', 'c', 'r', 'o', 'p'};
    const auto recropped = MUST(store_->put_image(other_bytes));
    ASSERT_EQ(MUST(store_->claim("rev", 3, 60, T0, {})).size(), 3u);
    auto out = MUST(store_->apply_decisions(
        {{"a", a.id, "rev", Verdict::approve_recropped, {}, "", recrop, T0, recropped},
         {"b", b.id, "rev", Verdict::reject, {"blurry"}, "", "", T0},
         {"c", c.id, "rev", Verdict::reject, {"blurry"}, "", "", T0}},
        T0 + 1));
    for (const auto& o : out) ASSERT_EQ(o.status, DecisionStatus::applied) << o.message;
    ASSERT_TRUE(MUST(store_->overturn({"sup", b.id, Verdict::reject, {"head_tilted"}, "tilt", "", T0 + 2, ""})).applied);

    auto left = MUST(store_->engine_outputs(hash, 8));
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0].submission_id, c.id);
}

TEST_P(StoreTest, QueueFiguresCountOpenLeasedAndDeadlines) {
    const std::int64_t now = T0, end_of_day = T0 + 5000;
    EXPECT_EQ(MUST(store_->queue_figures(now, end_of_day)).open, 0);
    EXPECT_EQ(MUST(store_->queue_figures(now, end_of_day)).oldest_deadline, 0);

    const auto overdue = add(*store_, student(1, "A"), now - 100).id;
    add(*store_, student(2, "B"), now, -1, false);                // deadline == now: overdue
    add(*store_, student(3, "C"), end_of_day, -1, false);         // due today (inclusive)
    add(*store_, student(4, "D"), end_of_day + 1, -1, false);     // tomorrow, within 24 h
    add(*store_, student(5, "E"), now + 86400, -1, false);        // within 24 h (inclusive)
    add(*store_, student(6, "F"), now + 86401, -1, false);        // later
    const auto decided = add(*store_, student(7, "G"), now - 500).id;  // earliest, but decided

    ClaimFilter g;
    g.school = "G";
    ASSERT_EQ(MUST(store_->claim("rev", 1, 60, now - 1000, g)).size(), 1u);
    ASSERT_EQ(MUST(store_->apply_decisions({{"g", decided, "rev", Verdict::approve, {}, "", "", now}}, now))[0].status,
              DecisionStatus::applied);
    ClaimFilter f;
    f.school = "F";
    ASSERT_EQ(MUST(store_->claim("rev", 1, 60, now, f)).size(), 1u);            // live lease
    ClaimFilter d;
    d.school = "D";
    ASSERT_EQ(MUST(store_->claim("rev", 1, 60, now - 1000, d)).size(), 1u);     // expired lease

    const auto q = MUST(store_->queue_figures(now, end_of_day));
    EXPECT_EQ(q.open, 6);
    EXPECT_EQ(q.leased, 1);
    EXPECT_EQ(q.overdue, 2);
    EXPECT_EQ(q.due_today, 1);
    EXPECT_EQ(q.due_24h, 3);
    EXPECT_EQ(q.oldest_deadline, now - 100);
    (void)overdue;
}

}  // namespace
}  // namespace pd::test
