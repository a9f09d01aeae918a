// SqlConn: the little a backend must provide so that SqlStore (sql_store.h) can run the same
// queue logic on SQLite and on PostgreSQL: parameterised statements, transactions, the
// migration list and the few places where the dialects differ (row locks, SKIP LOCKED, how
// the event feed is kept in commit order). Internal to src/storage.
//
// Statements use $1, $2 ... placeholders on both backends (SQLite binds them by name).
// Errors are thrown as SqlError (inside the storage layer only; SqlStore turns them into
// pd::Error). Not thread-safe: SqlStore serialises all use of one connection.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "storage/schema.h"

namespace pd::storage::sql {

using Param = std::variant<std::nullptr_t, std::int64_t, std::string>;
using Params = std::vector<Param>;

// One result row, every column as text or NULL.
struct Row {
    std::vector<std::optional<std::string>> cols;

    bool null(size_t i) const { return !cols.at(i).has_value(); }
    const std::string& str(size_t i) const;        // "" for NULL
    std::int64_t i64(size_t i) const;              // 0 for NULL
};
using Rows = std::vector<Row>;

struct SqlError : std::runtime_error {
    SqlError(const std::string& what, bool retryable = false)
        : std::runtime_error(what), retryable(retryable) {}
    bool retryable;   // deadlock, serialization failure, busy: run the transaction again
};

class SqlConn {
public:
    virtual ~SqlConn() = default;

    virtual const char* backend() const = 0;
    // write = true takes the write lock up front where the backend has one (SQLite
    // BEGIN IMMEDIATE); PostgreSQL runs READ COMMITTED and locks rows as it goes.
    virtual void begin(bool write) = 0;
    virtual void commit() = 0;
    virtual void rollback() noexcept = 0;
    virtual Rows query(const std::string& sql, const Params& params = {}) = 0;
    // Several statements, no parameters, no result (migrations).
    virtual void exec_script(const std::string& sql) = 0;

    // Which SQL the schema is written in (schema.h holds the one text of each migration).
    virtual Dialect dialect() const = 0;
    // Inside a write transaction: lock out concurrent migrators, then read the version.
    virtual int read_schema_version() = 0;
    virtual void write_schema_version(int v) = 0;

    // Dialect: appended to a SELECT that must lock the rows it reads ("" on SQLite, whose
    // write transaction already excludes other writers).
    virtual const char* for_update() const = 0;
    // Appended to the claim subquery: PostgreSQL "FOR UPDATE SKIP LOCKED".
    virtual const char* for_update_skip_locked() const = 0;
    // Called just before the events of a transaction are inserted: after it, no other
    // transaction may insert events until this one ends, so cursors are assigned in commit
    // order (PostgreSQL: transaction-scoped advisory lock; SQLite: nothing, one writer).
    virtual void serialize_events() = 0;
    // Inside a write transaction: waits for, then holds until the end of the transaction, a
    // lock named by `key`, so transactions that must see each other's rows for the same key
    // (two ingests of one image) run one after the other. PostgreSQL: a transaction-scoped
    // advisory lock on hashtext(key); SQLite: nothing, there is one writer.
    virtual void lock_key(const std::string& key) = 0;
};

std::unique_ptr<SqlConn> connect_sqlite(const std::string& db_path);    // throws SqlError
std::unique_ptr<SqlConn> connect_postgres(const std::string& conninfo); // throws SqlError

}  // namespace pd::storage::sql
