// A throwaway PostgreSQL 15 cluster for the storage tests: started on first use (so a run
// that selects only SQLite tests, or gtest's test listing, starts nothing), on a free
// ephemeral port on 127.0.0.1, in a temporary directory; stopped and removed by
// PgClusterEnvironment::TearDown. As root the server runs as user postgres (runuser).
//
// PD_PG_BINDIR overrides /usr/lib/postgresql/15/bin.
// Missing binaries are a loud failure, not a skip: CI must run the PostgreSQL suite. Only
// PD_SKIP_POSTGRES=1 turns the PostgreSQL cases into skips.
// Thread safety: database() may be called from any thread; start-up is guarded by a mutex.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>
#include <string>

namespace pd::test {

bool postgres_skipped();  // PD_SKIP_POSTGRES=1
int free_port();          // a free TCP port on 127.0.0.1 (0 when none could be found)

class PgCluster {
public:
    static PgCluster& instance();

    // Creates a fresh database and returns its libpq conninfo; on failure returns "" and sets
    // *error (with the server log's tail).
    std::string create_database(std::string* error);
    void stop();

private:
    bool start(std::string* error);

    std::mutex mu_;
    bool started_ = false;
    std::string start_error_;         // sticky: one failed start fails every PostgreSQL test
    std::filesystem::path root_;      // temp dir holding data/, sock/ and the logs
    int port_ = 0;
    int next_db_ = 0;
};

class PgClusterEnvironment : public ::testing::Environment {
public:
    void TearDown() override { PgCluster::instance().stop(); }
};

}  // namespace pd::test
