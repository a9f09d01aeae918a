// Many reviewers at once, each with its own connection: short leases, random abandons and
// releases, retried pushes. Every item must end decided exactly once and none stay stuck.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "storage/store_fixture.h"

namespace pd::test {
namespace {

using namespace pd::storage;
constexpr std::int64_t T0 = 1'760'000'000;

TEST_P(StoreTest, EightReviewersDecideEveryItemExactlyOnce) {
    constexpr int kItems = 1000, kThreads = 8, kLease = 40;
    const auto fill_start = std::chrono::steady_clock::now();
    for (int i = 0; i < kItems; ++i) add(*store_, student(i), T0 + (i * 7919) % kItems, -1, false);
    const auto fill_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - fill_start)
                             .count();

    // A shared virtual clock: every claim advances it by one "second", so an abandoned lease
    // (kLease seconds) comes back after a few dozen claims without real waiting.
    std::atomic<std::int64_t> clock{T0};
    std::atomic<int> applied{0}, duplicates{0}, conflicts{0}, abandoned{0};
    std::atomic<bool> failed{false};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);

    auto reviewer = [&](int t) {
        auto store = open();
        if (!store) return void(failed = true);
        const std::string name = "rev" + std::to_string(t);
        std::mt19937 rng(t);
        int seq = 0;
        while (applied.load() < kItems && !failed) {
            if (std::chrono::steady_clock::now() > deadline) return void(failed = true);
            auto items = store->claim(name, 1 + int(rng() % 5), kLease, clock++, {});
            if (!items) return void(failed = true);
            if (items->empty()) {
                std::this_thread::yield();
                continue;
            }
            std::vector<Decision> batch;
            std::vector<std::int64_t> to_release;
            for (const auto& s : *items) {
                int dice = int(rng() % 100);
                if (dice < 10) {
                    ++abandoned;  // walk away: the lease must expire and come back
                } else if (dice < 15) {
                    to_release.push_back(s.id);
                } else {
                    Verdict v = dice < 40 ? Verdict::reject : Verdict::approve;
                    batch.push_back({name + "-" + std::to_string(seq++), s.id, name, v,
                                     v == Verdict::reject ? std::vector<std::string>{"blurry"}
                                                          : std::vector<std::string>{},
                                     "", "", clock.load()});
                }
            }
            if (!to_release.empty() && !store->release(name, to_release, clock.load()))
                return void(failed = true);
            if (batch.empty()) continue;
            int pushes = rng() % 4 == 0 ? 2 : 1;  // a lost response: the client pushes again
            for (int p = 0; p < pushes; ++p) {
                auto out = store->apply_decisions(batch, clock.load());
                if (!out) {
                    ADD_FAILURE() << out.error().message;
                    return void(failed = true);
                }
                for (const auto& o : *out) {
                    if (o.status == DecisionStatus::applied) ++applied;
                    else if (o.status == DecisionStatus::duplicate) ++duplicates;
                    else ++conflicts;
                }
            }
        }
    };
    auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) threads.emplace_back(reviewer, t);
    for (auto& th : threads) th.join();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - started)
                  .count();
    ASSERT_FALSE(failed) << "a reviewer failed or the run exceeded 60 s";
    std::printf("[%s] %d items added one per transaction in %lld ms; %d threads decided them in "
                "%lld ms: %d duplicates, %d conflicts, %d abandons\n",
                GetParam().c_str(), kItems, (long long)fill_ms, kThreads, (long long)ms,
                duplicates.load(),
                conflicts.load(), abandoned.load());

    EXPECT_EQ(applied.load(), kItems);
    auto st = MUST(store_->stats(clock.load()));
    EXPECT_EQ(st.by_state[SubmissionState::approved] + st.by_state[SubmissionState::rejected], kItems);
    EXPECT_EQ(st.by_state[SubmissionState::pending], 0);
    EXPECT_EQ(st.by_state[SubmissionState::leased], 0);
    std::int64_t decisions = 0;
    for (const auto& r : st.reviewers) decisions += r.decisions;
    EXPECT_EQ(decisions, kItems);

    // One decision event per item, cursors strictly increasing.
    auto events = MUST(store_->events_since(0, 2 * kItems));
    ASSERT_EQ(events.size(), size_t(kItems));
    std::map<std::int64_t, int> per_item;
    for (size_t i = 0; i < events.size(); ++i) {
        ++per_item[events[i].submission_id];
        if (i) {
            ASSERT_GT(events[i].cursor, events[i - 1].cursor);
        }
    }
    EXPECT_EQ(per_item.size(), size_t(kItems));
}

}  // namespace
}  // namespace pd::test

namespace pd::test {
namespace {

using namespace pd::storage;

// Two connections add the same photo for two different students at the same moment: whichever
// commits second must see the first and flag both, every time.
TEST_P(StoreTest, ConcurrentIngestsOfOneImageAreBothFlagged) {
    constexpr int kRounds = 20;
    auto a = open(), b = open();
    ASSERT_TRUE(a && b);
    for (int r = 0; r < kRounds; ++r) {
        const int seed = 5'000'000 + r;
        std::int64_t ids[2] = {0, 0};
        std::thread t1([&] { ids[0] = add(*a, student(2 * r), 1'760'000'000, seed).id; });
        std::thread t2([&] { ids[1] = add(*b, student(2 * r + 1), 1'760'000'000, seed).id; });
        t1.join();
        t2.join();
        for (auto id : ids)
            EXPECT_EQ(MUST(store_->get_submission(id)).flags,
                      std::vector<std::string>{kFlagDuplicateImage})
                << "round " << r << " submission " << id;
    }
}

}  // namespace
}  // namespace pd::test
