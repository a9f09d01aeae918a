// SqlStore: opening and migrating, images, shared helpers, and the read-mostly parts
// (events feed, audit list, stats, users). Queue operations are in sql_store_queue.cpp,
// decisions/overturn/export in sql_store_decisions.cpp.
#include "storage/sql_store.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace pd::storage {

// [SECTION] row helpers

const std::string& sql::Row::str(size_t i) const {
    static const std::string empty;
    const auto& c = cols.at(i);
    return c ? *c : empty;
}

std::int64_t sql::Row::i64(size_t i) const {
    const auto& c = cols.at(i);
    if (!c) return 0;
    std::int64_t v = 0;
    std::from_chars(c->data(), c->data() + c->size(), v);
    return v;
}

std::string to_json_array(const std::vector<std::string>& v) { return nlohmann::json(v).dump(); }

std::string sql_placeholders(size_t n) {
    std::string out;
    for (size_t i = 1; i <= n; ++i) {
        if (i > 1) out += ", ";
        out += '$';
        out += std::to_string(i);
    }
    return out;
}

std::vector<std::string> from_json_array(const std::string& json) {
    if (json.empty()) return {};
    auto j = nlohmann::json::parse(json, nullptr, false);
    std::vector<std::string> out;
    if (!j.is_array()) return out;
    for (const auto& e : j)
        if (e.is_string()) out.push_back(e.get<std::string>());
    return out;
}

#define PD_SUBMISSION_COLUMNS                                                                   \
    "SELECT s.id, st.name, st.id_number, st.student_no, st.school, st.station, st.grade, "      \
    "s.attempt, s.state, s.submitted_at, s.sla_deadline, s.img_original, s.img_standardized, " \
    "s.img_matte, s.img_thumbnail, s.checks_json, s.flags_json, s.lease_reviewer, "            \
    "s.lease_expires, s.verdict, s.reasons_json, s.note, s.crop_json, s.decided_by, "          \
    "s.decided_at, s.overturned_by, s.overturned_at "
const char* const kSubmissionColumnList = PD_SUBMISSION_COLUMNS;
const char* const kSubmissionSelect =
    PD_SUBMISSION_COLUMNS "FROM submissions s JOIN students st ON st.id = s.student_id ";
#undef PD_SUBMISSION_COLUMNS

Submission parse_submission(const sql::Row& r) {
    Submission s;
    s.id = r.i64(0);
    s.student = {r.str(1), r.str(2), r.str(3), r.str(4), r.str(5), r.str(6)};
    s.attempt = int(r.i64(7));
    s.state = parse_state(r.str(8)).value_or(SubmissionState::pending);
    s.submitted_at = r.i64(9);
    s.sla_deadline = r.i64(10);
    s.images = {r.str(11), r.str(12), r.str(13), r.str(14)};
    s.checks_json = r.str(15);
    s.flags = from_json_array(r.str(16));
    if (s.state == SubmissionState::leased && !r.null(17))
        s.lease = Lease{s.id, r.str(17), r.i64(18)};
    if (!r.null(19)) {
        DecisionSummary d;
        d.verdict = parse_verdict(r.str(19)).value_or(Verdict::approve);
        d.reasons = from_json_array(r.str(20));
        d.note = r.str(21);
        d.crop_json = r.str(22);
        d.reviewer = r.str(23);
        d.decided_at = r.i64(24);
        d.overturned_by = r.str(25);
        d.overturned_at = r.i64(26);
        s.decision = std::move(d);
    }
    return s;
}

// [SECTION] open and migrate

SqlStore::SqlStore(std::unique_ptr<sql::SqlConn> conn, ImageStore images)
    : conn_(std::move(conn)), images_(std::move(images)) {}

// Each migration runs in its own write transaction together with the version bump, so a
// crash leaves the schema at a whole version. Concurrent openers serialise on the write lock
// (SQLite) or an advisory lock (PostgreSQL) and re-read the version inside the transaction.
Status SqlStore::migrate() {
    const auto& steps = sql::schema_migrations(conn_->dialect());
    for (;;) {
        auto r = tx<int>(true, [&] {
            int v = conn_->read_schema_version();
            if (v > int(steps.size()))
                throw StoreFailure{make_error(
                    ErrorCode::ConfigInvalid,
                    "database schema version " + std::to_string(v) +
                        " is newer than this program's " + std::to_string(steps.size()))};
            if (v < int(steps.size())) {
                conn_->exec_script(steps[size_t(v)]);
                conn_->write_schema_version(v + 1);
                return v + 1;
            }
            return v;
        });
        if (!r) return r.error();
        schema_version_ = *r;
        if (*r == int(steps.size())) return Ok{};
    }
}

template <class Connect>
static Result<std::unique_ptr<Store>> open_with(Connect&& connect,
                                                const std::filesystem::path& data_dir) {
    ImageStore images(data_dir / "images");
    if (auto s = images.init(); !s) return s.error();
    std::unique_ptr<sql::SqlConn> conn;
    try {
        conn = connect();
    } catch (const std::exception& e) {
        return make_error(ErrorCode::Internal, e.what());
    }
    auto store = std::make_unique<SqlStore>(std::move(conn), std::move(images));
    if (auto s = store->migrate(); !s) return s.error();
    return std::unique_ptr<Store>(std::move(store));
}

Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& data_dir) {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec) return make_error(ErrorCode::Internal, "cannot create data directory " +
                                                       data_dir.string() + ": " + ec.message());
    return open_with([&] { return sql::connect_sqlite((data_dir / "photodesk.db").string()); },
                     data_dir);
}

Result<std::unique_ptr<Store>> open_postgres_store(const std::string& conninfo,
                                                   const std::filesystem::path& data_dir) {
    return open_with([&] { return sql::connect_postgres(conninfo); }, data_dir);
}

// [SECTION] images

Result<std::string> SqlStore::put_image(std::span<const unsigned char> bytes) {
    return images_.put(bytes);
}

Result<std::vector<unsigned char>> SqlStore::get_image(const std::string& h) {
    return images_.get(h);
}

Result<int> SqlStore::sweep_image_tmp(std::int64_t min_age_seconds) {
    return images_.sweep_tmp(min_age_seconds);
}

// [SECTION] health

Status SqlStore::probe_database(const std::string& node, std::int64_t now) {
    return tx<Ok>(true, [&] {
        conn_->query("INSERT INTO health_probes (node, at) VALUES ($1, $2) "
                     "ON CONFLICT (node) DO UPDATE SET at = excluded.at",
                     {node, now});
        return Ok{};
    });
}

Status SqlStore::probe_images() { return images_.probe(); }

// [SECTION] shared transaction helpers

std::optional<Submission> SqlStore::load(std::int64_t id, bool lock_row) {
    // FOR UPDATE on a join locks both rows on PostgreSQL; "OF s" keeps it to the submission.
    std::string sql = std::string(kSubmissionSelect) + "WHERE s.id = $1";
    if (lock_row && *conn_->for_update()) sql += " FOR UPDATE OF s";
    auto rows = conn_->query(sql, {id});
    if (rows.empty()) return std::nullopt;
    return parse_submission(rows[0]);
}

std::map<std::int64_t, Submission> SqlStore::load_many(std::vector<std::int64_t> ids,
                                                      bool lock_rows) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::map<std::int64_t, Submission> out;
    // Chunks go in ascending id order too, so the locks are always taken in id order. "OF s"
    // keeps the lock to the submission rows (not the students'), as in load().
    const std::string lock = lock_rows && *conn_->for_update() ? " FOR UPDATE OF s" : "";
    for_each_chunk(ids, kMaxStatementParams, [&](const std::string& in, const sql::Params& params) {
        for (const auto& r : conn_->query(std::string(kSubmissionSelect) + "WHERE s.id IN (" + in +
                                              ") ORDER BY s.id" + lock,
                                          params)) {
            auto s = parse_submission(r);
            out.emplace(s.id, std::move(s));
        }
    });
    return out;
}

void SqlStore::exec_rows(const std::string& head, std::initializer_list<const char*> cols,
                         const std::string& tail, const std::vector<sql::Params>& rows) {
    const size_t ncols = cols.size();
    const size_t per = std::max<size_t>(1, kMaxStatementParams / std::max<size_t>(1, ncols));
    for (size_t at = 0; at < rows.size(); at += per) {
        const size_t n = std::min(per, rows.size() - at);
        std::string sql = head;
        sql::Params params;
        params.reserve(n * ncols);
        for (size_t r = 0; r < n; ++r) {
            const auto& row = rows[at + r];
            if (row.size() != ncols) throw std::logic_error("exec_rows: row has wrong width");
            sql += r ? ", (" : "(";
            size_t c = 0;
            for (const char* col : cols) {
                if (c++) sql += ", ";
                for (const char* p = col; *p; ++p) {
                    if (*p != '?') {
                        sql += *p;
                        continue;
                    }
                    sql += '$';
                    sql += std::to_string(params.size() + 1);
                    params.push_back(row[c - 1]);
                }
            }
            sql += ')';
        }
        sql += tail;
        conn_->query(sql, params);
    }
}

void SqlStore::append_audit(std::int64_t at, const std::string& actor, const std::string& action,
                            std::int64_t submission_id, const std::string& school,
                            const std::string& detail_json) {
    conn_->query("INSERT INTO audit (at, actor, action, submission_id, school, detail_json) "
                 "VALUES ($1, $2, $3, $4, $5, $6)",
                 {at, actor, action,
                  submission_id ? sql::Param(submission_id) : sql::Param(nullptr), school,
                  detail_json});
}

// The payload tells the platform what to say to the student without a second lookup.
void SqlStore::queue_event(std::int64_t at, const std::string& type, const Submission& s) {
    nlohmann::json p = {{"submission_id", s.id},
                        {"id_number", s.student.id_number},
                        {"student_no", s.student.student_no},
                        {"school", s.student.school},
                        {"grade", s.student.grade},
                        {"attempt", s.attempt},
                        {"state", to_string(s.state)}};
    if (s.decision) {
        p["verdict"] = to_string(s.decision->verdict);
        p["reasons"] = s.decision->reasons;
    }
    pending_events_.push_back({at, type, s.id, p.dump()});
}

// [SECTION] events, audit, stats

Result<std::vector<Event>> SqlStore::events_since(std::int64_t cursor, int limit) {
    return tx<std::vector<Event>>(false, [&] {
        auto rows = conn_->query("SELECT seq, at, type, submission_id, payload_json FROM events "
                                 "WHERE seq > $1 ORDER BY seq LIMIT $2",
                                 {cursor, std::int64_t(std::max(limit, 0))});
        std::vector<Event> out;
        for (const auto& r : rows)
            out.push_back({r.i64(0), r.i64(1), r.str(2), r.i64(3), r.str(4)});
        return out;
    });
}

Result<std::vector<AuditRecord>> SqlStore::audit_list(const AuditFilter& f, int limit,
                                                      int offset) {
    return tx<std::vector<AuditRecord>>(false, [&] {
        // Unused filters compare a NULL parameter, so one statement serves every combination.
        auto rows = conn_->query(
            "SELECT id, at, actor, action, submission_id, detail_json FROM audit "
            "WHERE ($1 = '' OR actor = $1) AND ($2 = '' OR action = $2) "
            "AND ($3 = '' OR school = $3) AND ($4 = 0 OR submission_id = $4) "
            "AND ($5 = 0 OR at >= $5) AND ($6 = 0 OR at < $6) "
            "ORDER BY id DESC LIMIT $7 OFFSET $8",
            {f.actor, f.action, f.school, f.submission_id, f.from, f.to,
             std::int64_t(std::max(limit, 0)), std::int64_t(std::max(offset, 0))});
        std::vector<AuditRecord> out;
        for (const auto& r : rows)
            out.push_back({r.i64(0), r.i64(1), r.str(2), r.str(3), r.i64(4), r.str(5)});
        return out;
    });
}

Result<Stats> SqlStore::stats(std::int64_t now) {
    return tx<Stats>(false, [&] {
        Stats st;
        for (auto s : {SubmissionState::pending, SubmissionState::leased, SubmissionState::approved,
                       SubmissionState::rejected, SubmissionState::locked})
            st.by_state[s] = 0;
        for (const auto& r : conn_->query("SELECT state, COUNT(*) FROM submissions GROUP BY state"))
            if (auto s = parse_state(r.str(0))) st.by_state[*s] = r.i64(1);
        st.expired_leases = conn_->query("SELECT COUNT(*) FROM submissions WHERE state = 'leased' "
                                         "AND lease_expires <= $1",
                                         {now})
                                .at(0)
                                .i64(0);
        st.by_state[SubmissionState::leased] -= st.expired_leases;
        st.by_state[SubmissionState::pending] += st.expired_leases;

        std::map<std::string, ReviewerStats> by;
        for (const auto& r : conn_->query(
                 "SELECT reviewer, COUNT(*), SUM(CASE WHEN verdict = 'reject' THEN 1 ELSE 0 END), "
                 "MIN(applied_at), MAX(applied_at) FROM decisions GROUP BY reviewer")) {
            auto& x = by[r.str(0)];
            x.reviewer = r.str(0);
            x.decisions = r.i64(1);
            x.rejections = r.i64(2);
            x.first_at = r.i64(3);
            x.last_at = r.i64(4);
        }
        for (const auto& r : conn_->query("SELECT reviewer, reasons_json FROM decisions "
                                          "WHERE verdict = 'reject'"))
            for (const auto& code : from_json_array(r.str(1))) ++by[r.str(0)].by_reason[code];
        for (const auto& r : conn_->query("SELECT decided_by, COUNT(*) FROM submissions WHERE "
                                          "overturned_by IS NOT NULL GROUP BY decided_by")) {
            auto& x = by[r.str(0)];
            x.reviewer = r.str(0);
            x.overturned = r.i64(1);
        }
        for (auto& [name, x] : by) st.reviewers.push_back(x);
        return st;
    });
}

Result<SlaSummary> SqlStore::sla_summary(std::int64_t now) {
    return tx<SlaSummary>(false, [&] {
        SlaSummary out;
        const auto open = conn_->query(
            "SELECT COUNT(*), SUM(CASE WHEN sla_deadline <= $1 THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN sla_deadline > $1 AND sla_deadline <= $2 THEN 1 ELSE 0 END), "
            "MIN(sla_deadline) FROM submissions WHERE state IN ('pending', 'leased')",
            {now, now + 24 * 3600});
        out.open = open.at(0).i64(0);
        if (out.open > 0) {
            out.overdue = open[0].i64(1);
            out.due_24h = open[0].i64(2);
            out.oldest_deadline = open[0].i64(3);
        }
        const auto decided = conn_->query(
            "SELECT COUNT(*), SUM(CASE WHEN d.applied_at < s.sla_deadline THEN 1 ELSE 0 END) "
            "FROM decisions d JOIN submissions s ON s.id = d.submission_id");
        out.decided = decided.at(0).i64(0);
        if (out.decided > 0) out.decided_on_time = decided[0].i64(1);
        return out;
    });
}

// Every count is a range scan of an index that holds only the rows it counts: the partial
// submissions_open (sla_deadline, id) index has only open rows, in deadline order, and live
// leases come from the small partial submissions_leased index. The open total is counted as
// overdue + not overdue, two ranges of submissions_open: a bare COUNT(*) over the state filter
// lets SQLite pick a full scan of submissions_export (every row ever, decided ones included).
Result<QueueFigures> SqlStore::queue_figures(std::int64_t now, std::int64_t end_of_day) {
    return tx<QueueFigures>(false, [&] {
        const auto r = conn_->query(
            "SELECT "
            "(SELECT COUNT(*) FROM submissions WHERE state IN ('pending','leased') "
            "AND sla_deadline <= $1), "
            "(SELECT COUNT(*) FROM submissions WHERE state IN ('pending','leased') "
            "AND sla_deadline > $1), "
            "(SELECT COUNT(*) FROM submissions WHERE state = 'leased' AND lease_expires > $1), "
            "(SELECT COUNT(*) FROM submissions WHERE state IN ('pending','leased') "
            "AND sla_deadline > $1 AND sla_deadline <= $2), "
            "(SELECT COUNT(*) FROM submissions WHERE state IN ('pending','leased') "
            "AND sla_deadline > $1 AND sla_deadline <= $3), "
            "(SELECT sla_deadline FROM submissions WHERE state IN ('pending','leased') "
            "ORDER BY sla_deadline, id LIMIT 1)",
            {now, end_of_day, now + 24 * 3600});
        const auto& row = r.at(0);
        QueueFigures q;
        q.overdue = row.i64(0);
        q.open = q.overdue + row.i64(1);
        q.leased = row.i64(2);
        q.due_today = row.i64(3);
        q.due_24h = row.i64(4);
        q.oldest_deadline = row.i64(5);
        return q;
    });
}

// [SECTION] users

static const char* const kUserColumns = "id, name, role, token_hash, created_at, revoked_at";

static User parse_user(const sql::Row& r) {
    return {r.i64(0), r.str(1), parse_role(r.str(2)).value_or(Role::reviewer), r.str(3),
            r.i64(4), r.i64(5)};
}

Result<User> SqlStore::add_user(const std::string& actor, const std::string& name, Role role,
                                const std::string& token_hash, std::int64_t now) {
    if (actor.empty() || name.empty() || token_hash.empty())
        return make_error(ErrorCode::InvalidArgument, "actor, user name and token hash must be non-empty");
    return tx<User>(true, [&] {
        auto taken = conn_->query("SELECT name FROM users WHERE name = $1 OR token_hash = $2",
                                  {name, token_hash});
        if (!taken.empty())
            throw StoreFailure{make_error(ErrorCode::InvalidArgument,
                                          taken[0].str(0) == name
                                              ? "user '" + name + "' already exists"
                                              : "token hash already in use")};
        auto rows = conn_->query(std::string("INSERT INTO users (name, role, token_hash, created_at) "
                                             "VALUES ($1, $2, $3, $4) RETURNING ") + kUserColumns,
                                 {name, std::string(to_string(role)), token_hash, now});
        append_audit(now, actor, "user_add", 0, "",
                     nlohmann::json{{"user", name}, {"role", to_string(role)}}.dump());
        return parse_user(rows.at(0));
    });
}

Result<User> SqlStore::revoke_user(const std::string& actor, const std::string& name,
                                   std::int64_t now) {
    return tx<User>(true, [&] {
        auto rows = conn_->query(std::string("UPDATE users SET revoked_at = $2 WHERE name = $1 AND "
                                             "revoked_at IS NULL RETURNING ") + kUserColumns,
                                 {name, now});
        if (!rows.empty()) {
            append_audit(now, actor, "user_revoke", 0, "", nlohmann::json{{"user", name}}.dump());
            return parse_user(rows[0]);
        }
        rows = conn_->query(std::string("SELECT ") + kUserColumns + " FROM users WHERE name = $1", {name});
        if (rows.empty())
            throw StoreFailure{make_error(ErrorCode::NotFound, "no user '" + name + "'")};
        return parse_user(rows[0]);   // revoked before: nothing changes
    });
}

Result<User> SqlStore::find_user_by_token_hash(const std::string& token_hash) {
    return tx<User>(false, [&] {
        auto rows = conn_->query(std::string("SELECT ") + kUserColumns + " FROM users WHERE token_hash = $1",
                                 {token_hash});
        if (rows.empty()) throw StoreFailure{make_error(ErrorCode::NotFound, "no such token")};
        return parse_user(rows[0]);
    });
}

}  // namespace pd::storage
