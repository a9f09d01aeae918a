// Integration fixture: a real photodeskd process on 127.0.0.1 with an ephemeral port, talked
// to through the project's libcurl client. Every TEST_P(ServerTest, ...) runs twice: on
// SQLite (a fresh data directory) and on PostgreSQL (a fresh database in the throwaway cluster
// of tests/storage/pg_cluster.h; images in the data directory).
//
// Users (created with `photodeskd user add` before the server starts): "admin", "sup"
// (supervisor), "ing" (ingest), "rev1" and "rev2" (reviewers).
// seed() adds pending items straight through the Store (no engine), for tests that need many.
//
// PD_TEST_PHOTODESKD and PD_TEST_CONFIG_DIR (environment) run the tests against another
// photodeskd build and config folder, e.g. an unfixed binary, to see a new test fail there.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client/api_client.h"
#include "storage/store.h"

namespace pd::test {

class ServerTest : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override;
    void TearDown() override;

    bool is_postgres() const { return GetParam() == "postgres"; }

    // The server process. start_server() blocks until it prints its address (on listen_port_).
    void start_server();
    void stop_server();   // SIGTERM, wait: a graceful stop
    void kill_server();   // SIGKILL, wait: a crash
    std::string base_url() const { return scheme_ + "://127.0.0.1:" + std::to_string(port_); }
    std::string server_log() const;   // its stderr so far

    client::ApiClient client(const std::string& user, client::ClientOptions opt = {}) const;
    const std::string& token(const std::string& user) const { return tokens_.at(user); }

    // Runs `photodeskd ARGS...` with --data/--db of this test appended; returns stdout.
    std::string run_photodeskd(const std::vector<std::string>& args, int* exit_code,
                               std::string* err = nullptr) const;
    std::vector<std::string> data_args() const;
    // The photodeskd binary and config folder the tests run (see the environment above).
    static std::string photodeskd_path();
    static std::string config_dir_path();

    // Restarts the server with a copy of config/server.toml in which each `key = value` of
    // `overrides` replaces the key's line (keys are unique across the file's tables).
    void restart_with_settings(const std::map<std::string, std::string>& overrides);
    // Writes that copy and returns its path.
    std::filesystem::path write_settings(const std::map<std::string, std::string>& overrides,
                                         const std::string& file_name = "server-test.toml") const;
    // Runs one SQL statement on the server's database behind its back ($1.. parameters), for
    // tests that need rows no API call can make any more (data written by older versions).
    void exec_sql(const std::string& sql, const std::vector<std::string>& params = {}) const;

    // A new Store on the server's database (for seeding and checking behind its back).
    std::unique_ptr<storage::Store> open_store() const;
    // Adds n pending items of `school`/`grade`, deadlines increasing with the index, valid ID
    // numbers (valid_id(first + i)), unique images. Returns their submission ids.
    std::vector<std::int64_t> seed(int n, const std::string& school = "示例大学",
                                   const std::string& grade = "2026", int first = 0);
    // One pending item with the given student (valid ID number expected) and deadline offset;
    // `standardized` false: no standardized image (the engine found no face).
    std::int64_t seed_one(const storage::Student& student, bool standardized = true, int k = 0);

public:
    // A valid (GB 11643) ID number, distinct for every i below 3,360,000.
    static std::string valid_id(int i);

protected:

    std::filesystem::path dir_;
    std::string conninfo_;
    int port_ = 0;
    pid_t pid_ = -1;
    std::map<std::string, std::string> tokens_;
    std::vector<std::string> extra_serve_args_;   // appended to `photodeskd serve` (e.g. --config)
    int listen_port_ = 0;                          // 0: any free port; set to port_ to restart in place
    std::string scheme_ = "http";                 // from the "listening on" line
};

std::string server_backend_name(const ::testing::TestParamInfo<std::string>& info);

// The bytes of a file (test photos).
std::vector<unsigned char> read_bytes(const std::filesystem::path& p);

}  // namespace pd::test
