// PostgreSQL backend of SqlConn through libpqxx 6.4: one pqxx::connection, one pqxx::work per
// transaction at READ COMMITTED. Claims use FOR UPDATE SKIP LOCKED; decisions lock the
// submission row with FOR UPDATE; deadlocks and serialization failures surface as retryable
// SqlErrors so SqlStore reruns the transaction. Statements are prepared once per connection,
// keyed by their SQL text. Durability: commit returns after the WAL flush
// (synchronous_commit=on, the server default; we do not lower it).
#include <pqxx/pqxx>

#include <map>

#include "storage/sql_conn.h"

namespace pd::storage::sql {
namespace {

// Advisory lock keys (arbitrary constants, project-wide).
constexpr long long kMigrationLock = 0x5044'0001;  // "PD" 1
constexpr long long kEventsLock = 0x5044'0002;

class PgConn final : public SqlConn {
public:
    explicit PgConn(const std::string& conninfo) try : conn_(conninfo) {
    } catch (const std::exception& e) {
        throw SqlError(std::string("cannot connect to PostgreSQL: ") + e.what());
    }

    const char* backend() const override { return "postgres"; }

    void begin(bool /*write*/) override {
        guard([&] {
            tx_.reset();
            tx_ = std::make_unique<pqxx::work>(conn_);
        });
    }
    void commit() override {
        guard([&] {
            tx_->commit();
            tx_.reset();
        });
    }
    void rollback() noexcept override {
        try {
            if (tx_) tx_->abort();
        } catch (...) {
        }
        tx_.reset();
    }

    Rows query(const std::string& sql, const Params& params) override {
        Rows rows;
        guard([&] {
            std::vector<std::string> texts(params.size());
            std::vector<const char*> values(params.size(), nullptr);
            for (size_t i = 0; i < params.size(); ++i) {
                if (auto* v = std::get_if<std::int64_t>(&params[i])) texts[i] = std::to_string(*v);
                else if (auto* s = std::get_if<std::string>(&params[i])) texts[i] = *s;
                else continue;
                values[i] = texts[i].c_str();
            }
            pqxx::result r = tx_->exec_prepared(statement(sql),
                                                pqxx::prepare::make_dynamic_params(values));
            rows.reserve(r.size());
            for (const auto& pr : r) {
                Row row;
                row.cols.reserve(pr.size());
                for (const auto& f : pr) {
                    if (f.is_null()) row.cols.emplace_back(std::nullopt);
                    else row.cols.emplace_back(std::string(f.c_str(), f.size()));
                }
                rows.push_back(std::move(row));
            }
        });
        return rows;
    }

    void exec_script(const std::string& sql) override {
        guard([&] { tx_->exec(sql); });
    }

    Dialect dialect() const override { return Dialect::postgres; }
    int read_schema_version() override {
        int v = 0;
        guard([&] {
            tx_->exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) + ")");
            tx_->exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
            auto r = tx_->exec("SELECT version FROM schema_version");
            if (r.empty()) tx_->exec("INSERT INTO schema_version VALUES (0)");
            else v = r[0][0].as<int>();
        });
        return v;
    }
    void write_schema_version(int v) override {
        guard([&] { tx_->exec("UPDATE schema_version SET version = " + std::to_string(v)); });
    }

    const char* for_update() const override { return " FOR UPDATE"; }
    const char* for_update_skip_locked() const override { return " FOR UPDATE SKIP LOCKED"; }
    void serialize_events() override {
        guard([&] {
            tx_->exec("SELECT pg_advisory_xact_lock(" + std::to_string(kEventsLock) + ")");
        });
    }
    void lock_key(const std::string& key) override {
        // The two-int form lives in another key space than kEventsLock's bigint form.
        query("SELECT pg_advisory_xact_lock(1, hashtext($1))", {key});
    }

private:
    // Runs f, turning libpqxx exceptions into SqlError (retryable for deadlocks and
    // serialization failures, which READ COMMITTED row locking can produce, and for unique
    // violations of keys that a concurrent transaction inserted first).
    template <class F>
    void guard(F&& f) {
        try {
            f();
        } catch (const pqxx::deadlock_detected& e) {
            throw SqlError(std::string("postgres deadlock: ") + e.what(), true);
        } catch (const pqxx::serialization_failure& e) {
            throw SqlError(std::string("postgres serialization failure: ") + e.what(), true);
        } catch (const pqxx::unique_violation& e) {
            // Two transactions inserting the same key (the same decision id pushed at once on
            // two items, by two reviewers): the loser runs again and then sees the winner's row.
            throw SqlError(std::string("postgres unique violation: ") + e.what(), true);
        } catch (const SqlError&) {
            throw;
        } catch (const std::exception& e) {
            throw SqlError(std::string("postgres: ") + e.what());
        }
    }

    const std::string& statement(const std::string& sql) {
        auto it = prepared_.find(sql);
        if (it != prepared_.end()) return it->second;
        std::string name = "s" + std::to_string(prepared_.size());
        conn_.prepare(name, sql);
        return prepared_.emplace(sql, name).first->second;
    }

    pqxx::connection conn_;
    std::unique_ptr<pqxx::work> tx_;
    std::map<std::string, std::string> prepared_;  // SQL text -> prepared statement name
};

}  // namespace

std::unique_ptr<SqlConn> connect_postgres(const std::string& conninfo) {
    return std::make_unique<PgConn>(conninfo);
}

}  // namespace pd::storage::sql
