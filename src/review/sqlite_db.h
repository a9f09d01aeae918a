// A small RAII layer over the SQLite C API for the workstation's two local databases (the
// decision journal and the item cache). Statements bind ?1, ?2 ... positionally; failures
// throw DbError, which the owning class turns into pd::Error at its boundary (journal.h,
// item_cache.h), so nothing escapes the review library as an exception.
//
// Not thread-safe: each Db belongs to one thread (the journal to the UI thread, the cache to
// the sync worker), as the headers of those classes say.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace pd::review::db {

struct DbError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

struct Row {
    std::vector<Value> cols;
    std::int64_t i64(size_t i) const;        // 0 for NULL
    double f64(size_t i) const;              // 0 for NULL
    std::string str(size_t i) const;         // "" for NULL
    bool null(size_t i) const { return std::holds_alternative<std::nullptr_t>(cols.at(i)); }
};

class Db {
public:
    // Opens (creating) `path` in WAL mode with synchronous=FULL: a commit returns only once the
    // WAL is fsynced. `migrations[i]` brings PRAGMA user_version from i to i + 1; a database
    // from a newer build (user_version > migrations.size()) is refused.
    Db(const std::string& path, const std::vector<std::string>& migrations);
    ~Db();
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    std::vector<Row> query(const std::string& sql, const std::vector<Value>& params = {});
    void exec(const std::string& sql, const std::vector<Value>& params = {});
    std::int64_t changes() const;

    // One write transaction around fn (BEGIN IMMEDIATE ... COMMIT; ROLLBACK on exception).
    template <class Fn>
    void transaction(Fn&& fn) {
        exec("BEGIN IMMEDIATE");
        try {
            fn();
        } catch (...) {
            rollback_quietly();
            throw;
        }
        exec("COMMIT");
    }

    const std::string& path() const { return path_; }

private:
    sqlite3_stmt* prepare(const std::string& sql);
    void rollback_quietly() noexcept;

    sqlite3* db_ = nullptr;
    std::string path_;
    std::vector<std::pair<std::string, sqlite3_stmt*>> cache_;  // prepared statements by text
};

}  // namespace pd::review::db
