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

const char* kSchemaV1 = R"SQL(
CREATE TABLE students (
  id BIGSERIAL PRIMARY KEY,
  id_number TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL, student_no TEXT NOT NULL, school TEXT NOT NULL,
  station TEXT NOT NULL, grade TEXT NOT NULL,
  unlocked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE submissions (
  id BIGSERIAL PRIMARY KEY,
  student_id BIGINT NOT NULL REFERENCES students(id),
  attempt INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','leased','approved','rejected','locked')),
  school TEXT NOT NULL, grade TEXT NOT NULL,
  submitted_at BIGINT NOT NULL, sla_deadline BIGINT NOT NULL,
  img_original TEXT NOT NULL, img_standardized TEXT NOT NULL,
  img_matte TEXT NOT NULL, img_thumbnail TEXT NOT NULL,
  checks_json TEXT NOT NULL,
  flags_json TEXT NOT NULL DEFAULT '[]', flagged INTEGER NOT NULL DEFAULT 0,
  superseded INTEGER NOT NULL DEFAULT 0,
  lease_reviewer TEXT, lease_expires BIGINT,
  verdict TEXT, reasons_json TEXT, note TEXT, crop_json TEXT,
  decided_by TEXT, decided_at BIGINT, overturned_by TEXT, overturned_at BIGINT,
  UNIQUE (student_id, attempt)
);
CREATE INDEX submissions_open ON submissions (sla_deadline, id)
  WHERE state IN ('pending','leased');
CREATE INDEX submissions_open_school ON submissions (school, sla_deadline, id)
  WHERE state IN ('pending','leased');
CREATE INDEX submissions_open_batch ON submissions (school, grade, sla_deadline, id)
  WHERE state IN ('pending','leased');
CREATE INDEX submissions_open_flagged ON submissions (sla_deadline, id)
  WHERE state IN ('pending','leased') AND flagged = 1;
CREATE INDEX submissions_open_resubmitted ON submissions (sla_deadline, id)
  WHERE state IN ('pending','leased') AND attempt > 1;
CREATE INDEX submissions_original ON submissions (img_original);
CREATE INDEX submissions_export ON submissions (school, grade, state);
CREATE INDEX submissions_decided_by ON submissions (decided_by);
CREATE TABLE decisions (
  decision_id TEXT PRIMARY KEY,
  submission_id BIGINT NOT NULL REFERENCES submissions(id),
  reviewer TEXT NOT NULL, verdict TEXT NOT NULL, reasons_json TEXT NOT NULL,
  note TEXT NOT NULL, crop_json TEXT NOT NULL,
  decided_at BIGINT NOT NULL, applied_at BIGINT NOT NULL, result_state TEXT NOT NULL
);
CREATE INDEX decisions_reviewer ON decisions (reviewer);
CREATE TABLE audit (
  id BIGSERIAL PRIMARY KEY,
  at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
  submission_id BIGINT, school TEXT NOT NULL DEFAULT '', detail_json TEXT NOT NULL
);
CREATE INDEX audit_actor ON audit (actor, id);
CREATE INDEX audit_submission ON audit (submission_id);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'audit is append-only'; END $$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TABLE events (
  seq BIGSERIAL PRIMARY KEY,
  at BIGINT NOT NULL, type TEXT NOT NULL, submission_id BIGINT NOT NULL,
  payload_json TEXT NOT NULL
);
CREATE TABLE users (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL UNIQUE, role TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL
);
)SQL";

// Version 2: live leases for GET /v1/queue. Leased rows are few (reviewers x claim size),
// so counting the live ones is a short range scan of this index instead of a visit to every
// open row.
const char* kSchemaV2 = R"SQL(
CREATE INDEX submissions_leased ON submissions (lease_expires) WHERE state = 'leased';
)SQL";

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

    const std::vector<std::string>& migrations() const override {
        static const std::vector<std::string> m = {kSchemaV1, kSchemaV2};
        return m;
    }
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
    // serialization failures, which READ COMMITTED row locking can produce).
    template <class F>
    void guard(F&& f) {
        try {
            f();
        } catch (const pqxx::deadlock_detected& e) {
            throw SqlError(std::string("postgres deadlock: ") + e.what(), true);
        } catch (const pqxx::serialization_failure& e) {
            throw SqlError(std::string("postgres serialization failure: ") + e.what(), true);
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
