// The decision journal: durable before record() returns (a child process that records and is
// killed with SIGKILL leaves its rows for the next open), the outbox as a query, take-back only
// while queued, answers, conflicts, pruning, and refusing a newer schema.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "review/journal.h"

using namespace pd::review;
namespace fs = std::filesystem;

namespace {

// "d" + 1 -> "d1" (appending spares GCC 12 a false -Wrestrict on operator+).
std::string numbered(const char* prefix, int i) {
    std::string s(prefix);
    s.append(std::to_string(i));
    return s;
}

class JournalTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("pd-journal-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir);
        path = (dir / "journal.db").string();
        auto j = Journal::open(path);
        ASSERT_TRUE(j.ok()) << j.error().message;
        journal = std::move(j).value();
    }
    void TearDown() override {
        journal.reset();
        fs::remove_all(dir);
    }
    JournalEntry entry(const std::string& id, std::int64_t sub, const std::string& verdict = "approve") {
        JournalEntry e;
        e.decision_id = id;
        e.submission_id = sub;
        e.verdict = verdict;
        e.decided_at = 1796000000 + sub;
        e.student_name = "学生" + std::to_string(sub);
        if (verdict == "reject") e.reasons = {"head_tilted", "blurry"};
        if (verdict == "approve_recropped") e.crop = CropWindow{10.5, 20.25, 300};
        return e;
    }
    fs::path dir;
    std::string path;
    std::unique_ptr<Journal> journal;
};

TEST_F(JournalTest, OutboxIsTheQueuedRowsInOrder) {
    for (auto [id, sub, v] : {std::tuple{"d1", 1, "approve"}, {"d2", 2, "reject"}, {"d3", 3, "approve_recropped"}}) {
        auto e = entry(id, sub, v);
        ASSERT_TRUE(journal->record(e).ok());
        EXPECT_GT(e.seq, 0);
    }
    auto out = journal->outbox(10);
    ASSERT_TRUE(out.ok());
    ASSERT_EQ(out->size(), 3u);
    EXPECT_EQ((*out)[0].decision_id, "d1");
    EXPECT_EQ((*out)[1].reasons, (std::vector<std::string>{"head_tilted", "blurry"}));
    ASSERT_TRUE((*out)[2].crop.has_value());
    EXPECT_DOUBLE_EQ((*out)[2].crop->y, 20.25);
    EXPECT_EQ(journal->outbox(2)->size(), 2u);
    EXPECT_EQ(journal->outbox_size().value(), 3);
}

TEST_F(JournalTest, AnIdIsRecordedOnce) {
    auto e = entry("same", 1);
    ASSERT_TRUE(journal->record(e).ok());
    auto again = entry("same", 2);
    auto st = journal->record(again);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("already recorded"), std::string::npos);
}

TEST_F(JournalTest, TakeBackOnlyWhileQueued) {
    auto a = entry("a", 1), b = entry("b", 2);
    ASSERT_TRUE(journal->record(a).ok());
    ASSERT_TRUE(journal->record(b).ok());
    ASSERT_TRUE(journal->answer({{"b", Outcome::applied, "approved", ""}}, 1796000100).ok());
    EXPECT_TRUE(journal->take_back("a").value());
    EXPECT_FALSE(journal->take_back("b").value()) << "answered: too late";
    EXPECT_FALSE(journal->take_back("nope").value());
    EXPECT_EQ(journal->outbox_size().value(), 0);
    EXPECT_EQ(journal->latest_for(2).value()->outcome, Outcome::applied);
    EXPECT_FALSE(journal->latest_for(1).value().has_value());
}

TEST_F(JournalTest, AnswersConflictsAndDismissal) {
    for (int i = 1; i <= 3; ++i) {
        auto e = entry(numbered("d", i), i);
        ASSERT_TRUE(journal->record(e).ok());
    }
    ASSERT_TRUE(journal->answer({{"d1", Outcome::applied, "approved", ""},
                                 {"d2", Outcome::duplicate, "approved", ""},
                                 {"d3", Outcome::conflict, "leased", "leased to another reviewer"}},
                                1796000100)
                    .ok());
    auto c = journal->conflicts();
    ASSERT_EQ(c->size(), 1u);
    EXPECT_EQ((*c)[0].message, "leased to another reviewer");
    EXPECT_EQ((*c)[0].student_name, "学生3");
    ASSERT_TRUE(journal->dismiss("d3").ok());
    EXPECT_TRUE(journal->conflicts()->empty());
    EXPECT_EQ(journal->outbox_size().value(), 0);
}

TEST_F(JournalTest, PruneKeepsTheOutboxAndConflicts) {
    for (int i = 1; i <= 3; ++i) {
        auto e = entry(numbered("d", i), i);
        ASSERT_TRUE(journal->record(e).ok());
    }
    ASSERT_TRUE(journal->answer({{"d1", Outcome::applied, "", ""}, {"d2", Outcome::conflict, "", "x"}}, 100).ok());
    EXPECT_EQ(journal->prune(200).value(), 1);
    EXPECT_EQ(journal->outbox_size().value(), 1);
    EXPECT_EQ(journal->conflicts()->size(), 1u);
}

TEST_F(JournalTest, RecordIsDurableWhenTheProcessIsKilled) {
    journal.reset();
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        auto j = Journal::open(path);
        if (!j) ::_exit(2);
        for (int i = 0; i < 50; ++i) {
            JournalEntry e;
            e.decision_id = numbered("k", i);
            e.submission_id = i + 1;
            e.verdict = "approve";
            if (!(*j)->record(e)) ::_exit(3);
        }
        (void)!::write(ready[1], "x", 1);
        ::pause();   // killed here, never closing the database
        ::_exit(0);
    }
    char c;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    auto j = Journal::open(path);
    ASSERT_TRUE(j.ok()) << j.error().message;
    EXPECT_EQ((*j)->outbox_size().value(), 50);
}

TEST_F(JournalTest, ANewerSchemaIsRefused) {
    journal.reset();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    auto j = Journal::open(path);
    ASSERT_FALSE(j.ok());
    EXPECT_NE(j.error().message.find("newer photodesk"), std::string::npos) << j.error().message;
}

TEST_F(JournalTest, AnUnwritableFolderIsAClearError) {
    auto j = Journal::open("/proc/photodesk/journal.db");
    ASSERT_FALSE(j.ok());
    EXPECT_NE(j.error().message.find("decision journal"), std::string::npos) << j.error().message;
}

}  // namespace
