// SqlStore, decisions: applying reviewer decisions in batches, supervisor overturns, and
// locking approved items for export. Each public method is one transaction in which the
// state change, the decision row, the audit record and the event commit together.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <numeric>

#include "storage/sql_store.h"

namespace pd::storage {

// [SECTION] decisions

// A batch costs a constant number of statements whatever its size (up to kMaxStatementParams
// per statement): lock all its submission rows (one SELECT … FOR UPDATE, id order), look up all
// its decision ids (one SELECT), decide every item in memory, then write with one multi-row
// UPDATE of submissions, one INSERT into decisions, one into audit, and (in tx()) one into
// events. Only a duplicate whose earlier decision is on a submission outside the batch costs
// one more SELECT (unlocked, as before).
//
// The in-memory decisions reproduce the per-item sequence exactly: items are taken in the order
// the rows used to be locked (submission id, then input order), and every applied item updates
// the in-memory row and the known decision ids, so a later item of the same batch sees what a
// fresh load / lookup would have seen inside the transaction.
struct SqlStore::DecisionBatch {
    struct Prev {
        std::int64_t submission_id;
        std::string verdict, reviewer, applied_at;
    };
    std::map<std::int64_t, Submission> locked;  // the batch's rows, as modified so far
    std::map<std::int64_t, Submission> others;  // earlier decisions' rows outside the batch
    std::map<std::string, Prev> known;          // decision ids already applied (DB or batch)
    std::vector<sql::Params> updates, decisions, audits;

    Submission* find(std::int64_t id, bool include_others) {
        if (auto it = locked.find(id); it != locked.end()) return &it->second;
        if (include_others)
            if (auto it = others.find(id); it != others.end()) return &it->second;
        return nullptr;
    }
};

static bool decidable(const Decision& d) { return !d.decision_id.empty() && !d.reviewer.empty(); }

Result<std::vector<DecisionOutcome>> SqlStore::apply_decisions(const std::vector<Decision>& batch,
                                                               std::int64_t now) {
    return tx<std::vector<DecisionOutcome>>(true, [&] {
        // Decide in submission-id order (stable for repeats), the order the rows are locked
        // in; answers stay in input order.
        std::vector<size_t> order(batch.size());
        std::iota(order.begin(), order.end(), size_t{0});
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
            return batch[a].submission_id < batch[b].submission_id;
        });

        // Lock every row first (one statement, id order, so two batches cannot deadlock),
        // then look up the decision ids: a concurrent push of the same decision waits on the
        // row lock and then sees the committed decision (duplicate), never "already decided".
        DecisionBatch b;
        std::vector<std::int64_t> ids;
        std::vector<std::string> dids;
        for (const auto& d : batch) {
            if (!decidable(d)) continue;  // answered without touching the database
            ids.push_back(d.submission_id);
            dids.push_back(d.decision_id);
        }
        b.locked = load_many(ids, true);
        std::sort(dids.begin(), dids.end());
        dids.erase(std::unique(dids.begin(), dids.end()), dids.end());
        for (size_t at = 0; at < dids.size(); at += kMaxStatementParams) {
            const size_t n = std::min(kMaxStatementParams, dids.size() - at);
            std::string sql = "SELECT decision_id, submission_id, verdict, reviewer, applied_at "
                              "FROM decisions WHERE decision_id IN (";
            sql::Params params;
            params.reserve(n);
            for (size_t i = 0; i < n; ++i) {
                if (i) sql += ", ";
                sql += '$';
                sql += std::to_string(i + 1);
                params.emplace_back(dids[at + i]);
            }
            sql += ')';
            for (const auto& r : conn_->query(sql, params))
                b.known.emplace(r.str(0),
                                DecisionBatch::Prev{r.i64(1), r.str(2), r.str(3), r.str(4)});
        }
        // A known decision id pushed with another submission id reports the state of the
        // submission it was applied to (read without a lock, as before).
        std::vector<std::int64_t> elsewhere;
        for (const auto& d : batch) {
            if (!decidable(d)) continue;
            auto it = b.known.find(d.decision_id);
            if (it != b.known.end() && it->second.submission_id != d.submission_id &&
                !b.locked.count(it->second.submission_id))
                elsewhere.push_back(it->second.submission_id);
        }
        if (!elsewhere.empty()) b.others = load_many(elsewhere, false);

        std::vector<DecisionOutcome> out(batch.size());
        for (size_t i : order) out[i] = decide_one(batch[i], now, b);

        // Each submission is applied at most once per batch (a second decision for it is a
        // conflict), so the UPDATE's VALUES rows have distinct ids. PostgreSQL types untyped
        // parameters in a FROM (VALUES …) as text: the casts keep id/decided_at bigint.
        exec_rows("UPDATE submissions SET state = v.column2, lease_reviewer = NULL, "
                  "lease_expires = NULL, verdict = v.column3, reasons_json = v.column4, "
                  "note = v.column5, crop_json = v.column6, decided_by = v.column7, "
                  "decided_at = v.column8, overturned_by = NULL, overturned_at = NULL, "
                  "img_standardized = COALESCE(v.column9, img_standardized) FROM (VALUES ",
                  {"CAST(? AS BIGINT)", "CAST(? AS TEXT)", "CAST(? AS TEXT)", "CAST(? AS TEXT)",
                   "CAST(? AS TEXT)", "CAST(? AS TEXT)", "CAST(? AS TEXT)", "CAST(? AS BIGINT)",
                   "CAST(? AS TEXT)"},
                  ") AS v WHERE submissions.id = v.column1", b.updates);
        exec_rows("INSERT INTO decisions (decision_id, submission_id, reviewer, verdict, "
                  "reasons_json, note, crop_json, decided_at, applied_at, result_state) VALUES ",
                  {"?", "?", "?", "?", "?", "?", "?", "?", "?", "?"}, "", b.decisions);
        exec_rows("INSERT INTO audit (at, actor, action, submission_id, school, detail_json) "
                  "VALUES ",
                  {"?", "?", "?", "?", "?", "?"}, "", b.audits);
        return out;
    });
}

// Decides one item against the batch's in-memory rows and known decision ids, and queues its
// writes (see apply_decisions). Same outcomes and messages as loading and looking up afresh.
DecisionOutcome SqlStore::decide_one(const Decision& d, std::int64_t now, DecisionBatch& b) {
    DecisionOutcome out;
    out.decision_id = d.decision_id;
    out.submission_id = d.submission_id;
    auto conflict = [&](std::string why) {
        out.status = DecisionStatus::conflict;
        out.message = std::move(why);
        return out;
    };
    if (d.decision_id.empty()) return conflict("decision_id is required");
    if (d.reviewer.empty()) return conflict("reviewer is required");

    Submission* s = b.find(d.submission_id, false);
    if (auto prev = b.known.find(d.decision_id); prev != b.known.end()) {
        const auto& p = prev->second;
        out.status = DecisionStatus::duplicate;
        out.submission_id = p.submission_id;
        if (out.submission_id != d.submission_id) s = b.find(out.submission_id, true);
        if (s) out.state = s->state;
        out.message = "already applied: " + p.verdict + " by " + p.reviewer + " at " + p.applied_at;
        return out;
    }
    if (!s) return conflict("unknown submission");
    out.state = s->state;
    switch (s->state) {
        case SubmissionState::approved:
        case SubmissionState::rejected:
        case SubmissionState::locked:
            return conflict(std::string("already decided (") + to_string(s->state) + ")");
        case SubmissionState::pending:
            return conflict("no lease: claim the item first");
        case SubmissionState::leased:
            // An expired lease still recorded for this reviewer counts as theirs: a claim
            // would have replaced lease_reviewer, so nobody else has worked on the item and
            // a reviewer who was offline for a while does not lose their decision.
            if (!s->lease || s->lease->reviewer != d.reviewer)
                return conflict("leased to another reviewer");
            break;
    }

    const SubmissionState next = state_after(d.verdict);
    const std::string next_s = to_string(next);
    const std::string verdict = to_string(d.verdict);
    const std::string reasons = to_json_array(d.reasons);
    b.updates.push_back({d.submission_id, next_s, verdict, reasons, d.note, d.crop_json,
                         d.reviewer, d.decided_at,
                         d.recropped_image.empty() ? sql::Param(nullptr)
                                                   : sql::Param(d.recropped_image)});
    if (!d.recropped_image.empty()) s->images.standardized = d.recropped_image;
    b.decisions.push_back({d.decision_id, d.submission_id, d.reviewer, verdict, reasons, d.note,
                           d.crop_json, d.decided_at, now, next_s});
    b.audits.push_back({now, d.reviewer, std::string("decision"), d.submission_id,
                        s->student.school,
                        nlohmann::json{{"decision_id", d.decision_id},
                                       {"verdict", verdict},
                                       {"reasons", d.reasons},
                                       {"note", d.note},
                                       {"attempt", s->attempt}}
                            .dump()});
    // What a reload inside the transaction would now show.
    s->state = next;
    s->lease.reset();
    s->decision = DecisionSummary{d.verdict, d.reasons, d.note, d.crop_json, d.reviewer,
                                  d.decided_at, "", 0};
    b.known.emplace(d.decision_id,
                    DecisionBatch::Prev{d.submission_id, verdict, d.reviewer, std::to_string(now)});
    queue_event(now, "decision", *s);
    out.status = DecisionStatus::applied;
    out.state = next;
    return out;
}

// [SECTION] overturn

Result<ChangeOutcome> SqlStore::overturn(const Overturn& o) {
    if (o.supervisor.empty()) return make_error(ErrorCode::InvalidArgument, "supervisor is required");
    return tx<ChangeOutcome>(true, [&] {
        auto s = load(o.submission_id, true);
        if (!s)
            throw StoreFailure{make_error(ErrorCode::NotFound,
                                          "no submission " + std::to_string(o.submission_id))};
        ChangeOutcome out;
        out.state = s->state;
        auto refuse = [&](std::string why) {
            out.message = std::move(why);
            return out;
        };
        switch (s->state) {
            case SubmissionState::locked: return refuse("locked for export");
            case SubmissionState::pending:
            case SubmissionState::leased: return refuse("not decided yet");
            case SubmissionState::approved:
            case SubmissionState::rejected: break;
        }
        const SubmissionState next = state_after(o.verdict);
        if (s->state == SubmissionState::rejected && next == SubmissionState::approved) {
            auto later = conn_->query("SELECT attempt FROM submissions WHERE student_id = "
                                      "(SELECT student_id FROM submissions WHERE id = $1) AND "
                                      "attempt > $2",
                                      {s->id, std::int64_t(s->attempt)});
            if (!later.empty())
                return refuse("the student has already submitted attempt " + later[0].str(0));
        }
        const std::string old_verdict = s->decision ? to_string(s->decision->verdict) : "";
        conn_->query("UPDATE submissions SET state = $2, verdict = $3, reasons_json = $4, note = $5, "
                     "crop_json = $6, overturned_by = $7, overturned_at = $8 WHERE id = $1",
                     {s->id, std::string(to_string(next)), std::string(to_string(o.verdict)),
                      to_json_array(o.reasons), o.note, o.crop_json, o.supervisor, o.at});
        if (!o.recropped_image.empty()) {
            conn_->query("UPDATE submissions SET img_standardized = $2 WHERE id = $1",
                         {s->id, o.recropped_image});
            s->images.standardized = o.recropped_image;
        }
        append_audit(o.at, o.supervisor, "overturn", s->id, s->student.school,
                     nlohmann::json{{"from", old_verdict},
                                    {"to", to_string(o.verdict)},
                                    {"reasons", o.reasons},
                                    {"note", o.note}}
                         .dump());
        DecisionSummary d = s->decision.value_or(DecisionSummary{});
        d.verdict = o.verdict;
        d.reasons = o.reasons;
        d.note = o.note;
        d.crop_json = o.crop_json;
        d.overturned_by = o.supervisor;
        d.overturned_at = o.at;
        s->decision = d;
        s->state = next;
        queue_event(o.at, "overturn", *s);
        out.applied = true;
        out.state = next;
        return out;
    });
}

// [SECTION] export lock

Result<std::vector<ExportItem>> SqlStore::lock_for_export(const std::string& actor,
                                                          const std::string& school,
                                                          const std::string& grade,
                                                          std::int64_t now) {
    if (school.empty()) return make_error(ErrorCode::InvalidArgument, "school is required");
    return tx<std::vector<ExportItem>>(true, [&] {
        auto newly = conn_->query("UPDATE submissions SET state = 'locked' WHERE school = $1 AND "
                                  "($2 = '' OR grade = $2) AND state = 'approved' AND "
                                  "superseded = 0 RETURNING id",
                                  {school, grade});
        std::vector<ExportItem> out;
        for (const auto& r : conn_->query(std::string(kSubmissionSelect) +
                                              "WHERE s.school = $1 AND ($2 = '' OR s.grade = $2) "
                                              "AND s.state = 'locked' AND s.superseded = 0 "
                                              "ORDER BY s.id",
                                          {school, grade}))
            out.push_back({parse_submission(r)});
        if (!newly.empty()) {
            std::vector<std::int64_t> ids;
            for (const auto& r : newly) ids.push_back(r.i64(0));
            std::sort(ids.begin(), ids.end());
            append_audit(now, actor, "lock", 0, school,
                         nlohmann::json{{"grade", grade}, {"count", ids.size()}}.dump());
            for (const auto& item : out)
                if (std::binary_search(ids.begin(), ids.end(), item.submission.id))
                    queue_event(now, "locked", item.submission);
        }
        return out;
    });
}

}  // namespace pd::storage
