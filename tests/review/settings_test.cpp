// config/workstation.toml and the reviewer's local files: settings validated key by key; the
// token file private (0600) and refused when others can read it; one workstation per account.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "review/profile.h"
#include "review/settings.h"
#include "support/test_support.h"

using namespace pd::review;
namespace fs = std::filesystem;

namespace {

std::string shipped_text() {
    std::ifstream in(pd::test::config_dir() + "/workstation.toml");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

TEST(WorkstationSettings, TheShippedFileLoads) {
    auto s = load_workstation_settings(pd::test::config_dir());
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_GT(s->prefetch, 0);
    EXPECT_FALSE(s->reason_bar.empty());
    EXPECT_LE(s->renew_margin_seconds * 2, s->lease_seconds);
}

TEST(WorkstationSettings, BadValuesAreRefusedByName) {
    const std::string text = shipped_text();
    auto e = [](const std::string& t) {
        auto r = parse_workstation_settings(t, "workstation.toml");
        return r.ok() ? std::string() : r.error().message;
    };
    EXPECT_NE(e(replaced(text, "prefetch = 12", "prefetch = 0")).find("queue.prefetch"), std::string::npos);
    EXPECT_NE(e(replaced(text, "prefetch = 12", "prefetch = 12\nprefech = 3")).find("unknown key 'queue.prefech'"),
              std::string::npos);
    EXPECT_NE(e(replaced(text, "renew_margin_seconds = 120", "renew_margin_seconds = 200")).find("half of lease_seconds"),
              std::string::npos);
    EXPECT_NE(e(replaced(text, "[network]", "[netwrk]")).find("netwrk"), std::string::npos);
}

class ProfileTest : public ::testing::Test {
protected:
    void SetUp() override {
        root = fs::temp_directory_path() / ("pd-profile-" + std::to_string(::getpid()));
        fs::remove_all(root);
        p = Profile::locate(root.string());
    }
    void TearDown() override { fs::remove_all(root); }
    fs::path root;
    Profile p;
};

TEST_F(ProfileTest, TokensAreRememberedPrivately) {
    EXPECT_FALSE(load_token(p, "http://h:1").value().has_value());
    ASSERT_TRUE(save_token(p, "http://h:1", "tok-1").ok());
    ASSERT_TRUE(save_token(p, "http://h:2", "tok-2").ok());
    EXPECT_EQ(load_token(p, "http://h:1").value().value(), "tok-1");
    EXPECT_EQ(last_server(p).value(), "http://h:2");
    struct stat st {};
    ASSERT_EQ(::stat((p.config / "credentials.json").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_TRUE(forget_token(p, "http://h:1").ok());
    EXPECT_FALSE(load_token(p, "http://h:1").value().has_value());
}

TEST_F(ProfileTest, AReadableTokenFileIsRefused) {
    ASSERT_TRUE(save_token(p, "http://h:1", "tok").ok());
    fs::permissions(p.config / "credentials.json", fs::perms::others_read | fs::perms::owner_read |
                                                      fs::perms::owner_write);
    auto t = load_token(p, "http://h:1");
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.error().message.find("chmod 600"), std::string::npos) << t.error().message;
}

TEST_F(ProfileTest, AccountsGetTheirOwnFolders) {
    EXPECT_EQ(Profile::account_key("http://127.0.0.1:8420", "alice"), "127.0.0.1_8420-alice");
    EXPECT_NE(p.journal_path("http://a:1", "alice"), p.journal_path("http://a:1", "bob"));
    EXPECT_EQ(p.journal_path("http://a:1", "alice").filename(), "journal.db");
}

TEST_F(ProfileTest, OneWorkstationPerAccount) {
    const fs::path lock = p.state / "accounts" / "x" / "lock";
    auto first = InstanceLock::acquire(lock);
    ASSERT_TRUE(first.ok()) << first.error().message;
    const pid_t pid = ::fork();   // flock is per open file: another process must be refused
    if (pid == 0) ::_exit(InstanceLock::acquire(lock).ok() ? 1 : 0);
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a second workstation got the lock";
    first.value().reset();
    EXPECT_TRUE(InstanceLock::acquire(lock).ok());
}

}  // namespace
