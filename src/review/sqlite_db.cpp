#include "review/sqlite_db.h"

#include <sqlite3.h>

namespace pd::review::db {

std::int64_t Row::i64(size_t i) const {
    const Value& v = cols.at(i);
    if (auto p = std::get_if<std::int64_t>(&v)) return *p;
    if (auto p = std::get_if<double>(&v)) return std::int64_t(*p);
    if (auto p = std::get_if<std::string>(&v)) return std::stoll(*p);
    return 0;
}

double Row::f64(size_t i) const {
    const Value& v = cols.at(i);
    if (auto p = std::get_if<double>(&v)) return *p;
    if (auto p = std::get_if<std::int64_t>(&v)) return double(*p);
    return 0;
}

std::string Row::str(size_t i) const {
    const Value& v = cols.at(i);
    if (auto p = std::get_if<std::string>(&v)) return *p;
    if (auto p = std::get_if<std::int64_t>(&v)) return std::to_string(*p);
    if (auto p = std::get_if<double>(&v)) return std::to_string(*p);
    return "";
}

Db::Db(const std::string& path, const std::vector<std::string>& migrations) : path_(path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
        const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw DbError(path + ": cannot open: " + msg);
    }
    sqlite3_busy_timeout(db_, 5000);
    auto mode = query("PRAGMA journal_mode=WAL");
    if (mode.empty() || mode[0].str(0) != "wal") throw DbError(path + ": cannot switch to WAL mode");
    exec("PRAGMA synchronous=FULL");
    exec("PRAGMA foreign_keys=ON");
    const auto version = query("PRAGMA user_version").at(0).i64(0);
    if (version > std::int64_t(migrations.size()))
        throw DbError(path + ": written by a newer photodesk (schema " + std::to_string(version) +
                      ", this build knows " + std::to_string(migrations.size()) + ")");
    for (size_t v = size_t(version); v < migrations.size(); ++v) {
        transaction([&] {
            char* err = nullptr;
            if (sqlite3_exec(db_, migrations[v].c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
                const std::string msg = err ? err : "?";
                sqlite3_free(err);
                throw DbError(path + ": migration " + std::to_string(v + 1) + ": " + msg);
            }
            exec("PRAGMA user_version = " + std::to_string(v + 1));
        });
    }
}

Db::~Db() {
    for (auto& [_, s] : cache_) sqlite3_finalize(s);
    if (db_) sqlite3_close(db_);
}

sqlite3_stmt* Db::prepare(const std::string& sql) {
    for (auto& [text, s] : cache_)
        if (text == sql) {
            sqlite3_reset(s);
            sqlite3_clear_bindings(s);
            return s;
        }
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), int(sql.size()), &s, nullptr) != SQLITE_OK)
        throw DbError(path_ + ": " + sqlite3_errmsg(db_) + " in: " + sql);
    cache_.emplace_back(sql, s);
    return s;
}

std::vector<Row> Db::query(const std::string& sql, const std::vector<Value>& params) {
    sqlite3_stmt* s = prepare(sql);
    for (size_t i = 0; i < params.size(); ++i) {
        const int idx = int(i) + 1;
        const Value& v = params[i];
        int rc = SQLITE_OK;
        if (std::holds_alternative<std::nullptr_t>(v)) rc = sqlite3_bind_null(s, idx);
        else if (auto p = std::get_if<std::int64_t>(&v)) rc = sqlite3_bind_int64(s, idx, *p);
        else if (auto p = std::get_if<double>(&v)) rc = sqlite3_bind_double(s, idx, *p);
        else {
            const auto& str = std::get<std::string>(v);
            rc = sqlite3_bind_text(s, idx, str.data(), int(str.size()), SQLITE_TRANSIENT);
        }
        if (rc != SQLITE_OK) throw DbError(path_ + ": bind: " + sqlite3_errmsg(db_));
    }
    std::vector<Row> rows;
    while (true) {
        const int rc = sqlite3_step(s);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) {
            const std::string msg = sqlite3_errmsg(db_);
            sqlite3_reset(s);
            throw DbError(path_ + ": " + msg);
        }
        Row r;
        const int n = sqlite3_column_count(s);
        r.cols.reserve(size_t(n));
        for (int c = 0; c < n; ++c) {
            switch (sqlite3_column_type(s, c)) {
                case SQLITE_INTEGER: r.cols.emplace_back(std::int64_t(sqlite3_column_int64(s, c))); break;
                case SQLITE_FLOAT: r.cols.emplace_back(sqlite3_column_double(s, c)); break;
                case SQLITE_NULL: r.cols.emplace_back(nullptr); break;
                default: {
                    const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(s, c));
                    r.cols.emplace_back(std::string(t ? t : "", size_t(sqlite3_column_bytes(s, c))));
                }
            }
        }
        rows.push_back(std::move(r));
    }
    sqlite3_reset(s);
    return rows;
}

void Db::exec(const std::string& sql, const std::vector<Value>& params) { (void)query(sql, params); }

std::int64_t Db::changes() const { return sqlite3_changes(db_); }

void Db::rollback_quietly() noexcept { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }

}  // namespace pd::review::db
