// SqlStore: the Store (store.h) implemented once over SqlConn (sql_conn.h), so SQLite and
// PostgreSQL run the same queue rules and differ only where their locking differs. Internal.
//
// Transaction contract: every public method runs in exactly one transaction through tx(),
// under mu_ (one connection, one caller at a time). tx() retries a transaction the backend
// reports as retryable (deadlock, serialization failure, busy) up to kMaxRetries times, so the
// body must have no effect outside the database (images are written before, not inside).
// Events are collected during the body and appended just before commit, after
// SqlConn::serialize_events(), which is what keeps cursors in commit order.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/image_store.h"
#include "storage/sql_conn.h"
#include "storage/store.h"

namespace pd::storage {

// Thrown inside a transaction body to abort it with a specific pd::Error.
struct StoreFailure {
    Error error;
};

class SqlStore final : public Store {
public:
    SqlStore(std::unique_ptr<sql::SqlConn> conn, ImageStore images);

    Status migrate();

    std::string backend() const override { return conn_->backend(); }
    int schema_version() const override { return schema_version_; }

    Result<std::string> put_image(std::span<const unsigned char> bytes) override;
    Result<std::vector<unsigned char>> get_image(const std::string& sha256_hex) override;
    Result<int> sweep_image_tmp(std::int64_t min_age_seconds) override;

    Result<AddedSubmission> add_submission(const NewSubmission& s) override;
    Result<Submission> get_submission(std::int64_t id) override;
    Result<std::vector<EngineOutput>> engine_outputs(const std::string& original_sha256,
                                                     int limit) override;
    Result<std::vector<Submission>> student_history(const std::string& id_number) override;
    Result<ChangeOutcome> unlock_student(const std::string& admin, const std::string& id_number,
                                         const std::string& note, std::int64_t now) override;

    Result<std::vector<Submission>> claim(const std::string& reviewer, int n,
                                          std::int64_t lease_seconds, std::int64_t now,
                                          const ClaimFilter& filter) override;
    Result<std::vector<Lease>> renew(const std::string& reviewer,
                                     const std::vector<std::int64_t>& ids,
                                     std::int64_t lease_seconds, std::int64_t now) override;
    Result<int> release(const std::string& reviewer, const std::vector<std::int64_t>& ids,
                        std::int64_t now) override;

    Result<std::vector<DecisionOutcome>> apply_decisions(const std::vector<Decision>& batch,
                                                         std::int64_t now) override;
    Result<ChangeOutcome> overturn(const Overturn& o) override;
    Result<std::vector<ExportItem>> lock_for_export(const std::string& actor,
                                                    const std::string& school,
                                                    const std::string& grade, std::int64_t now,
                                                    const ExportCheck& check) override;
    Result<std::vector<ExportItem>> export_selection(const std::string& school,
                                                     const std::string& grade) override;

    Result<std::vector<Event>> events_since(std::int64_t cursor, int limit) override;
    Result<std::vector<AuditRecord>> audit_list(const AuditFilter& f, int limit,
                                                int offset) override;
    Result<Stats> stats(std::int64_t now) override;
    Result<SlaSummary> sla_summary(std::int64_t now) override;
    Result<QueueFigures> queue_figures(std::int64_t now, std::int64_t end_of_day) override;

    Result<User> add_user(const std::string& actor, const std::string& name, Role role,
                          const std::string& token_hash, std::int64_t now) override;
    Result<User> revoke_user(const std::string& actor, const std::string& name,
                             std::int64_t now) override;
    Result<User> find_user_by_token_hash(const std::string& token_hash) override;

    Status probe_database(const std::string& node, std::int64_t now) override;
    Status probe_images() override;

private:
    static constexpr int kMaxRetries = 8;
    // Bound on the parameters of one multi-row statement (SQLite allows 32766, PostgreSQL
    // 65535); a default batch of 100 decisions still needs one statement of each kind.
    static constexpr size_t kMaxStatementParams = 1000;

    // Runs body() in one transaction (see the contract above).
    template <class T, class F>
    Result<T> tx(bool write, F&& body);

    // Helpers valid only inside a transaction body.
    std::optional<Submission> load(std::int64_t id, bool lock_row);
    // Loads the given submissions (any order, repeats allowed) with one statement per
    // kMaxStatementParams ids, in id order; lock_rows takes their row locks in that order.
    std::map<std::int64_t, Submission> load_many(std::vector<std::int64_t> ids, bool lock_rows);
    // Fills the history of every submission with attempt > 1 among `subs`: one statement per
    // kMaxStatementParams such items, none when there are none (sql_store_queue.cpp).
    void load_history(const std::vector<Submission*>& subs);
    // The approved and locked, non-superseded items of a school (and grade unless empty) in id
    // order, with their applied time; lock_rows takes their row locks (sql_store_decisions.cpp).
    std::vector<ExportItem> select_for_export(const std::string& school, const std::string& grade,
                                              bool lock_rows);
    // Runs `head` + "(c1, c2, ...), (...)" + `tail` with one row of parameters per element of
    // `rows`, as few statements as kMaxStatementParams allows (rows keep their order). Each
    // entry of `cols` is the column's expression with '?' standing for its parameter, e.g.
    // "?" or "CAST(? AS BIGINT)".
    void exec_rows(const std::string& head, std::initializer_list<const char*> cols,
                   const std::string& tail, const std::vector<sql::Params>& rows);
    void append_audit(std::int64_t at, const std::string& actor, const std::string& action,
                      std::int64_t submission_id, const std::string& school,
                      const std::string& detail_json);
    void queue_event(std::int64_t at, const std::string& type, const Submission& s);
    struct DecisionBatch;  // sql_store_decisions.cpp
    DecisionOutcome decide_one(const Decision& d, std::int64_t now, DecisionBatch& b);

    struct PendingEvent {
        std::int64_t at;
        std::string type;
        std::int64_t submission_id;
        std::string payload_json;
    };

    std::mutex mu_;  // guards conn_ and pending_events_: one transaction at a time
    std::unique_ptr<sql::SqlConn> conn_;
    ImageStore images_;
    int schema_version_ = 0;
    std::vector<PendingEvent> pending_events_;
};

// The SELECT list and FROM clause that load() and the list queries share, and the row parser
// (which reads the first kSubmissionColumns columns, so a query may append more).
extern const char* const kSubmissionSelect;
extern const char* const kSubmissionColumnList;   // "SELECT <the columns> " without FROM
inline constexpr size_t kSubmissionColumns = 27;
Submission parse_submission(const sql::Row& r);
std::string to_json_array(const std::vector<std::string>& v);
std::vector<std::string> from_json_array(const std::string& json);
// "$1, $2, ..., $n": the placeholders of an IN list whose parameters start at $1.
std::string sql_placeholders(size_t n);

// The one way an IN (...) list is built: calls run(placeholders, params) once per chunk of at
// most `chunk` values, in order, with "$1, ..., $k" and the chunk's k values as parameters.
template <class T, class F>
void for_each_chunk(const std::vector<T>& values, size_t chunk, F&& run) {
    for (size_t at = 0; at < values.size(); at += chunk) {
        const size_t n = std::min(chunk, values.size() - at);
        const sql::Params params(values.begin() + std::ptrdiff_t(at),
                                 values.begin() + std::ptrdiff_t(at + n));
        run(sql_placeholders(n), params);
    }
}

// [SECTION] tx implementation (template, used by all sql_store_*.cpp files)
template <class T, class F>
Result<T> SqlStore::tx(bool write, F&& body) {
    std::lock_guard<std::mutex> lock(mu_);
    for (int attempt = 0;; ++attempt) {
        pending_events_.clear();
        try {
            conn_->begin(write);
            T value = body();
            if (!pending_events_.empty()) {
                // One multi-row INSERT, rows in queue order: seq follows it.
                conn_->serialize_events();
                std::vector<sql::Params> rows;
                rows.reserve(pending_events_.size());
                for (const auto& e : pending_events_)
                    rows.push_back({e.at, e.type, e.submission_id, e.payload_json});
                exec_rows("INSERT INTO events (at, type, submission_id, payload_json) VALUES ",
                          {"?", "?", "?", "?"}, "", rows);
            }
            conn_->commit();
            pending_events_.clear();
            return value;
        } catch (const StoreFailure& f) {
            conn_->rollback();
            return f.error;
        } catch (const sql::SqlError& e) {
            conn_->rollback();
            if (e.retryable && attempt < kMaxRetries) continue;
            return make_error(ErrorCode::Internal, std::string(backend()) + ": " + e.what());
        } catch (const std::exception& e) {
            conn_->rollback();
            return make_error(ErrorCode::Internal, std::string(backend()) + ": " + e.what());
        }
    }
}

}  // namespace pd::storage
