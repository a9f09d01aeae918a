// SQLite backend of SqlConn: one sqlite3 connection in WAL mode with synchronous=FULL.
//
// Why FULL and not NORMAL: with WAL, NORMAL fsyncs only at checkpoints, so a commit that was
// acknowledged can vanish on power loss. The contract is "nothing acknowledged before it is
// durable", so every commit fsyncs the WAL (decisions arrive in batches, which amortises it).
// Writers serialise with BEGIN IMMEDIATE and wait up to busy_timeout for the lock; readers
// never block writers (WAL).
#include <sqlite3.h>
#include <filesystem>
#include <memory>
#include <mutex>

#include <map>

#include "storage/sql_conn.h"

namespace pd::storage::sql {
namespace {

class SqliteConn final : public SqlConn {
public:
    explicit SqliteConn(const std::string& path) {
        int rc = sqlite3_open_v2(path.c_str(), &db_,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
        if (rc != SQLITE_OK) {
            std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
            sqlite3_close(db_);
            db_ = nullptr;
            throw SqlError("cannot open " + path + ": " + msg);
        }
        sqlite3_busy_timeout(db_, 30000);
        gate_ = writer_gate(path);
        exec_script("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
    }
    ~SqliteConn() override {
        for (auto& [sql, st] : cache_) sqlite3_finalize(st);
        sqlite3_close(db_);
    }

    const char* backend() const override { return "sqlite"; }
    // Writers of this process queue on a mutex before BEGIN IMMEDIATE: SQLite's own busy
    // handler sleeps and polls (up to 100 ms a step), which under load gave seconds of tail
    // latency and unfair service. Other processes (an admin command) still meet the busy
    // timeout.
    void begin(bool write) override {
        if (write) gate_hold_ = std::unique_lock<std::mutex>(*gate_);
        try {
            exec_script(write ? "BEGIN IMMEDIATE" : "BEGIN");
        } catch (...) {
            if (gate_hold_.owns_lock()) gate_hold_.unlock();
            throw;
        }
    }
    void commit() override {
        exec_script("COMMIT");
        if (gate_hold_.owns_lock()) gate_hold_.unlock();
    }
    void rollback() noexcept override {
        if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        if (gate_hold_.owns_lock()) gate_hold_.unlock();
    }

    Rows query(const std::string& sql, const Params& params) override {
        sqlite3_stmt* st = prepare(sql);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        for (size_t i = 0; i < params.size(); ++i) {
            std::string name = "$";  // (not "$" + ...: GCC 12 -Wrestrict false positive)
            name += std::to_string(i + 1);
            int idx = sqlite3_bind_parameter_index(st, name.c_str());
            if (idx == 0) continue;  // parameter not used by this statement
            const Param& p = params[i];
            int rc = SQLITE_OK;
            if (std::holds_alternative<std::nullptr_t>(p)) rc = sqlite3_bind_null(st, idx);
            else if (auto* v = std::get_if<std::int64_t>(&p)) rc = sqlite3_bind_int64(st, idx, *v);
            else {
                const auto& s = std::get<std::string>(p);
                rc = sqlite3_bind_text(st, idx, s.data(), int(s.size()), SQLITE_TRANSIENT);
            }
            if (rc != SQLITE_OK) fail("bind", sql);
        }
        Rows rows;
        int ncol = sqlite3_column_count(st);
        for (;;) {
            int rc = sqlite3_step(st);
            if (rc == SQLITE_DONE) break;
            if (rc != SQLITE_ROW) {
                sqlite3_reset(st);
                fail("step", sql, rc);
            }
            Row row;
            row.cols.reserve(ncol);
            for (int c = 0; c < ncol; ++c) {
                if (sqlite3_column_type(st, c) == SQLITE_NULL) {
                    row.cols.emplace_back(std::nullopt);
                } else {
                    auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
                    row.cols.emplace_back(std::string(t, sqlite3_column_bytes(st, c)));
                }
            }
            rows.push_back(std::move(row));
        }
        sqlite3_reset(st);
        return rows;
    }

    void exec_script(const std::string& sql) override {
        char* err = nullptr;
        int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
        if (rc != SQLITE_OK) {
            std::string msg = err ? err : sqlite3_errstr(rc);
            sqlite3_free(err);
            throw SqlError("sqlite: " + msg, is_busy(rc));
        }
    }

    Dialect dialect() const override { return Dialect::sqlite; }
    int read_schema_version() override {
        return int(query("PRAGMA user_version", {}).at(0).i64(0));
    }
    void write_schema_version(int v) override {
        exec_script("PRAGMA user_version = " + std::to_string(v));
    }

    const char* for_update() const override { return ""; }
    const char* for_update_skip_locked() const override { return ""; }
    void serialize_events() override {}
    void lock_key(const std::string&) override {}

private:
    // One mutex per database file, shared by every connection of this process.
    static std::shared_ptr<std::mutex> writer_gate(const std::string& path) {
        static std::mutex mu;
        static std::map<std::string, std::weak_ptr<std::mutex>> gates;
        std::error_code ec;
        auto key = std::filesystem::weakly_canonical(path, ec).string();
        if (ec) key = path;
        std::lock_guard<std::mutex> lock(mu);
        auto g = gates[key].lock();
        if (!g) gates[key] = g = std::make_shared<std::mutex>();
        return g;
    }
    std::shared_ptr<std::mutex> gate_;
    std::unique_lock<std::mutex> gate_hold_;

    static bool is_busy(int rc) {
        rc &= 0xff;
        return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
    }
    [[noreturn]] void fail(const char* what, const std::string& sql, int rc = 0) {
        int code = rc ? rc : sqlite3_errcode(db_);
        throw SqlError(std::string("sqlite ") + what + ": " + sqlite3_errmsg(db_) + " in: " +
                           sql.substr(0, 120),
                       is_busy(code));
    }
    sqlite3_stmt* prepare(const std::string& sql) {
        if (auto it = cache_.find(sql); it != cache_.end()) return it->second;
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), int(sql.size()), &st, nullptr) != SQLITE_OK)
            fail("prepare", sql);
        if (cache_.size() > 256) {  // dynamic IN lists: keep the cache bounded
            for (auto& [s, old] : cache_) sqlite3_finalize(old);
            cache_.clear();
        }
        cache_.emplace(sql, st);
        return st;
    }

    sqlite3* db_ = nullptr;
    std::map<std::string, sqlite3_stmt*> cache_;  // SQL text -> prepared statement
};

}  // namespace

std::unique_ptr<SqlConn> connect_sqlite(const std::string& db_path) {
    return std::make_unique<SqliteConn>(db_path);
}

}  // namespace pd::storage::sql
