// SqlStore, the queue: adding attempts, reading submissions, claiming/renewing/releasing leases.
#include <nlohmann/json.hpp>

#include <algorithm>

#include "storage/sql_store.h"

namespace pd::storage {

// [SECTION] submissions

Result<AddedSubmission> SqlStore::add_submission(const NewSubmission& n) {
    const Student& st = n.student;
    if (st.id_number.empty() || st.school.empty())
        return make_error(ErrorCode::InvalidArgument, "student id_number and school are required");
    if (!is_sha256_hex(n.images.original))
        return make_error(ErrorCode::InvalidArgument, "original image hash is not a SHA-256 hex");
    if (n.sla_deadline <= 0 || n.submitted_at <= 0)
        return make_error(ErrorCode::InvalidArgument, "submitted_at and sla_deadline are required");

    return tx<AddedSubmission>(true, [&] {
        // Lock the student row: concurrent ingests of one student serialise here, so attempt
        // numbers cannot collide (UNIQUE (student_id, attempt) is the backstop).
        const std::string lock_student = std::string("SELECT id, unlocked FROM students WHERE "
                                                     "id_number = $1") + conn_->for_update();
        auto rows = conn_->query(lock_student, {st.id_number});
        if (rows.empty()) {
            conn_->query("INSERT INTO students (id_number, name, student_no, school, station, "
                         "grade) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id_number) DO NOTHING",
                         {st.id_number, st.name, st.student_no, st.school, st.station, st.grade});
            rows = conn_->query(lock_student, {st.id_number});
        }
        const std::int64_t student_id = rows.at(0).i64(0);
        const bool unlocked = rows.at(0).i64(1) != 0;

        int attempt = 1;
        auto last = conn_->query("SELECT id, attempt, state FROM submissions WHERE student_id = $1 "
                                 "ORDER BY attempt DESC LIMIT 1",
                                 {student_id});
        if (!last.empty()) {
            const auto state = parse_state(last[0].str(2)).value_or(SubmissionState::pending);
            AddedSubmission refused;
            refused.id = last[0].i64(0);
            refused.attempt = int(last[0].i64(1));
            refused.blocking_state = state;
            switch (state) {
                case SubmissionState::pending:
                case SubmissionState::leased:
                    refused.status = AddStatus::in_review;
                    return refused;
                case SubmissionState::approved:
                case SubmissionState::locked:
                    if (!unlocked) {
                        refused.status = AddStatus::needs_unlock;
                        return refused;
                    }
                    // The approved photo this attempt replaces is superseded and no longer
                    // exported.
                    conn_->query("UPDATE submissions SET superseded = 1 WHERE id = $1",
                                 {refused.id});
                    break;
                case SubmissionState::rejected:
                    break;
            }
            attempt = refused.attempt + 1;
        }
        // An admin's unlock is spent on the next attempt added, whatever made it possible, so
        // a permission given long ago never carries over to a later approved photo.
        if (unlocked) conn_->query("UPDATE students SET unlocked = 0 WHERE id = $1", {student_id});
        // Roster data may have been corrected since the last attempt: the latest wins.
        conn_->query("UPDATE students SET name = $2, student_no = $3, school = $4, station = $5, "
                     "grade = $6 WHERE id = $1",
                     {student_id, st.name, st.student_no, st.school, st.station, st.grade});

        // The same original photo for two different students: flag every submission involved.
        // Two ingests of one image serialise here, so the later one sees the earlier one.
        conn_->lock_key("image:" + n.images.original);
        std::vector<std::string> flags;
        auto dups = conn_->query(std::string("SELECT id, flags_json FROM submissions WHERE "
                                             "img_original = $1 AND student_id <> $2") +
                                     conn_->for_update(),
                                 {n.images.original, student_id});
        if (!dups.empty()) flags.push_back(kFlagDuplicateImage);
        for (const auto& d : dups) {
            auto f = from_json_array(d.str(1));
            if (std::find(f.begin(), f.end(), kFlagDuplicateImage) != f.end()) continue;
            f.push_back(kFlagDuplicateImage);
            conn_->query("UPDATE submissions SET flags_json = $2, flagged = 1 WHERE id = $1",
                         {d.i64(0), to_json_array(f)});
        }

        auto ins = conn_->query(
            "INSERT INTO submissions (student_id, attempt, state, school, grade, submitted_at, "
            "sla_deadline, img_original, img_standardized, img_matte, img_thumbnail, checks_json, "
            "flags_json, flagged) VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9, $10, $11, "
            "$12, $13) RETURNING id",
            {student_id, std::int64_t(attempt), st.school, st.grade, n.submitted_at,
             n.sla_deadline, n.images.original, n.images.standardized, n.images.matte,
             n.images.thumbnail, n.checks_json.empty() ? std::string("{}") : n.checks_json,
             to_json_array(flags), std::int64_t(flags.empty() ? 0 : 1)});
        AddedSubmission added;
        added.id = ins.at(0).i64(0);
        added.attempt = attempt;
        added.flags = std::move(flags);
        return added;
    });
}

Result<Submission> SqlStore::get_submission(std::int64_t id) {
    return tx<Submission>(false, [&] {
        auto s = load(id, false);
        if (!s)
            throw StoreFailure{make_error(ErrorCode::NotFound,
                                          "no submission " + std::to_string(id))};
        load_history({&*s});
        return *s;
    });
}

// The earlier attempts of every item with attempt > 1, in one statement: each item joined to
// its student's rows with a lower attempt number. The UNIQUE (student_id, attempt) index
// serves the join as a range scan, so the cost is the number of earlier attempts, not the
// size of the table.
void SqlStore::load_history(const std::vector<Submission*>& subs) {
    std::map<std::int64_t, Submission*> later;
    for (Submission* s : subs)
        if (s->attempt > 1) later.emplace(s->id, s);
    if (later.empty()) return;
    std::vector<std::int64_t> ids;
    for (const auto& [id, s] : later) ids.push_back(id);
    for_each_chunk(ids, kMaxStatementParams, [&](const std::string& in, const sql::Params& params) {
        const auto rows = conn_->query(
            "SELECT c.id, e.id, e.attempt, e.state, e.img_thumbnail, e.verdict, e.reasons_json, "
            "e.note, e.crop_json, e.decided_by, e.decided_at, e.overturned_by, e.overturned_at "
            "FROM submissions c JOIN submissions e ON e.student_id = c.student_id AND "
            "e.attempt < c.attempt WHERE c.id IN (" + in + ") ORDER BY c.id, e.attempt",
            params);
        for (const auto& r : rows) {
            AttemptSummary a;
            a.submission_id = r.i64(1);
            a.attempt = int(r.i64(2));
            a.state = parse_state(r.str(3)).value_or(SubmissionState::pending);
            a.thumbnail = r.str(4);
            if (!r.null(5)) {
                a.decision = DecisionSummary{parse_verdict(r.str(5)).value_or(Verdict::approve),
                                             from_json_array(r.str(6)), r.str(7), r.str(8),
                                             r.str(9), r.i64(10), r.str(11), r.i64(12)};
            }
            later.at(r.i64(0))->history.push_back(std::move(a));
        }
    });
}

Result<std::vector<EngineOutput>> SqlStore::engine_outputs(const std::string& original,
                                                           int limit) {
    return tx<std::vector<EngineOutput>>(false, [&] {
        // submissions_original serves the lookup. A decided item's crop_json is '' unless the
        // decision in force is a re-crop; an overturn may have re-cropped and then been
        // overturned again, so overturned items are skipped altogether.
        const auto rows = conn_->query(
            "SELECT id, checks_json, img_original, img_standardized, img_matte, img_thumbnail "
            "FROM submissions WHERE img_original = $1 AND overturned_by IS NULL AND "
            "(crop_json IS NULL OR crop_json = '') ORDER BY id DESC LIMIT $2",
            {original, std::int64_t(std::max(limit, 0))});
        std::vector<EngineOutput> out;
        for (const auto& r : rows)
            out.push_back({r.i64(0), r.str(1), {r.str(2), r.str(3), r.str(4), r.str(5)}});
        return out;
    });
}

Result<std::vector<Submission>> SqlStore::student_history(const std::string& id_number) {
    return tx<std::vector<Submission>>(false, [&] {
        std::vector<Submission> out;
        for (const auto& r : conn_->query(std::string(kSubmissionSelect) +
                                              "WHERE st.id_number = $1 ORDER BY s.attempt",
                                          {id_number}))
            out.push_back(parse_submission(r));
        return out;
    });
}

Result<ChangeOutcome> SqlStore::unlock_student(const std::string& admin,
                                               const std::string& id_number,
                                               const std::string& note, std::int64_t now) {
    return tx<ChangeOutcome>(true, [&] {
        const auto student = conn_->query(std::string("SELECT id, school FROM students WHERE id_number = $1") +
                                              conn_->for_update(),
                                          {id_number});
        if (student.empty())
            throw StoreFailure{make_error(ErrorCode::NotFound, "no such student")};
        const std::int64_t student_id = student[0].i64(0);
        const auto last = conn_->query("SELECT attempt, state FROM submissions WHERE student_id = $1 "
                                       "ORDER BY attempt DESC LIMIT 1",
                                       {student_id});
        ChangeOutcome out;
        out.state = last.empty() ? SubmissionState::pending
                                 : parse_state(last[0].str(1)).value_or(SubmissionState::pending);
        // Only an approved or locked photo needs an unlock; one given earlier would otherwise
        // wait for the photo to be approved and let it be replaced without anyone deciding so.
        if (out.state != SubmissionState::approved && out.state != SubmissionState::locked) {
            out.message = "the student's attempt " + (last.empty() ? std::string("?") : last[0].str(0)) +
                          " is " + to_string(out.state) +
                          ": an unlock is only for a student whose photo is approved or locked";
            return out;
        }
        conn_->query("UPDATE students SET unlocked = 1 WHERE id = $1", {student_id});
        // The audit detail never holds the full ID number (it is shown in UIs and logs).
        append_audit(now, admin, "unlock", 0, student[0].str(1),
                     nlohmann::json{{"student_id", student_id}, {"note", note}}.dump());
        out.applied = true;
        return out;
    });
}

// [SECTION] leases

Result<std::vector<Submission>> SqlStore::claim(const std::string& reviewer, int n,
                                                std::int64_t lease_seconds, std::int64_t now,
                                                const ClaimFilter& f) {
    if (reviewer.empty()) return make_error(ErrorCode::InvalidArgument, "reviewer is required");
    if (n < 1 || n > 1000) return make_error(ErrorCode::InvalidArgument, "claim 1..1000 items");
    if (lease_seconds < 1)
        return make_error(ErrorCode::InvalidArgument, "lease_seconds must be positive");

    // Free = pending, or leased with an expired lease. The subquery walks the partial
    // "open" index in deadline order; on PostgreSQL SKIP LOCKED makes concurrent claimers
    // take different rows instead of waiting on each other. On SQLite the write
    // transaction (BEGIN IMMEDIATE) already excludes other claimers.
    sql::Params p = {reviewer, now + lease_seconds, now, std::int64_t(n)};
    std::string sql =
        "UPDATE submissions SET state = 'leased', lease_reviewer = $1, lease_expires = $2 "
        "WHERE id IN (SELECT id FROM submissions WHERE state IN ('pending','leased') "
        "AND (state = 'pending' OR lease_expires <= $3)";
    // PostgreSQL must infer every parameter's type: only pass the ones the SQL uses.
    auto where = [&](const char* cond, std::string value) {
        p.push_back(std::move(value));
        sql += std::string(" AND ") + cond + " = $" + std::to_string(p.size());
    };
    if (!f.school.empty()) where("school", f.school);
    if (!f.grade.empty()) where("grade", f.grade);
    if (f.flagged_only) sql += " AND flagged = 1";
    if (f.resubmissions_only) sql += " AND attempt > 1";
    sql += " ORDER BY sla_deadline, id LIMIT $4";
    sql += conn_->for_update_skip_locked();
    sql += ") RETURNING id";

    return tx<std::vector<Submission>>(true, [&] {
        std::vector<Submission> out;
        const auto taken = conn_->query(sql, p);
        if (taken.empty()) return out;
        // One query loads every claimed row.
        std::vector<std::int64_t> ids;
        for (const auto& r : taken) ids.push_back(r.i64(0));
        for (auto& [id, sub] : load_many(ids, false)) out.push_back(std::move(sub));
        std::sort(out.begin(), out.end(), [](const Submission& a, const Submission& b) {
            return a.sla_deadline != b.sla_deadline ? a.sla_deadline < b.sla_deadline : a.id < b.id;
        });
        std::vector<Submission*> items;
        for (auto& sub : out) items.push_back(&sub);
        load_history(items);
        return out;
    });
}

Result<std::vector<Lease>> SqlStore::renew(const std::string& reviewer,
                                           const std::vector<std::int64_t>& ids,
                                           std::int64_t lease_seconds, std::int64_t now) {
    if (lease_seconds < 1)
        return make_error(ErrorCode::InvalidArgument, "lease_seconds must be positive");
    // An expired lease still recorded for the reviewer is renewed too: nobody claimed the
    // item since (a claim would have replaced lease_reviewer), so the reviewer's work on it
    // is not lost.
    return tx<std::vector<Lease>>(true, [&] {
        std::vector<Lease> out;
        for (auto id : ids) {
            auto r = conn_->query("UPDATE submissions SET lease_expires = $1 WHERE id = $2 AND "
                                  "state = 'leased' AND lease_reviewer = $3 "
                                  "RETURNING id, lease_expires",
                                  {now + lease_seconds, id, reviewer});
            if (!r.empty()) out.push_back({r[0].i64(0), reviewer, r[0].i64(1)});
        }
        return out;
    });
}

Result<int> SqlStore::release(const std::string& reviewer, const std::vector<std::int64_t>& ids,
                              std::int64_t /*now*/) {
    return tx<int>(true, [&] {
        int released = 0;
        for (auto id : ids) {
            auto r = conn_->query("UPDATE submissions SET state = 'pending', lease_reviewer = NULL, "
                                  "lease_expires = NULL WHERE id = $1 AND state = 'leased' AND "
                                  "lease_reviewer = $2 RETURNING id",
                                  {id, reviewer});
            released += int(r.size());
        }
        return released;
    });
}

}  // namespace pd::storage
