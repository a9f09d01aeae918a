// Seeding for bench_load: fills a fresh PhotoDesk database with N pending submissions and the
// load tool's users, straight in SQL (going through the API would run the engine per photo).
// The schema comes from the real migrations: the store is opened once with
// pd::storage::open_sqlite_store / open_postgres_store, then closed, then bulk-inserted into.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace pd::load {

struct SeedOptions {
    std::filesystem::path data_dir;  // images/ (empty) and, for SQLite, photodesk.db
    std::string db;                  // PostgreSQL conninfo; empty = SQLite in data_dir
    std::int64_t pending = 10000;    // pending submissions (one student each)
    int reviewers = 32;              // reviewer users load-r0..load-rN-1
    int checks_per_report = 12;      // entries in each item's checks_json (size of claim bodies)
    std::filesystem::path tokens_out;       // reviewer tokens, one a line
    std::filesystem::path feed_token_out;   // one supervisor token (for GET /v1/events, /v1/stats)
};

struct SeedReport {
    std::int64_t submissions = 0;
    double seconds = 0;
    std::int64_t checks_json_bytes = 0;
};

// Throws std::runtime_error with a specific message on any failure.
SeedReport seed(const SeedOptions& o);

// "pdt_" + 64 hex characters of randomness, the same shape as the server's tokens, and its hash
// as the server stores it (sha256 hex of the token, src/server/auth.cpp).
std::string new_token();
std::string sha256_hex(const std::string& s);

}  // namespace pd::load
