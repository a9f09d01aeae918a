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
// events.
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
    std::map<std::string, Prev> known;          // decision ids already applied (DB or batch)
    std::vector<sql::Params> updates, decisions, audits;

    Submission* find(std::int64_t id) {
        auto it = locked.find(id);
        return it == locked.end() ? nullptr : &it->second;
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
        for_each_chunk(dids, kMaxStatementParams, [&](const std::string& in, const sql::Params& params) {
            for (const auto& r : conn_->query("SELECT decision_id, submission_id, verdict, reviewer, "
                                              "applied_at FROM decisions WHERE decision_id IN (" +
                                                  in + ")",
                                              params))
                b.known.emplace(r.str(0), DecisionBatch::Prev{r.i64(1), r.str(2), r.str(3), r.str(4)});
        });

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

    Submission* s = b.find(d.submission_id);
    if (auto prev = b.known.find(d.decision_id); prev != b.known.end()) {
        const auto& p = prev->second;
        // A retry: the same reviewer, the same id, the same submission. Anything else reusing
        // an id is a conflict that says nothing of the decision that holds it.
        if (s) out.state = s->state;   // of the item named, as in every conflict
        if (p.reviewer != d.reviewer || p.submission_id != d.submission_id)
            return conflict("decision_id is already used by another decision: send this one with a new id");
        out.status = DecisionStatus::duplicate;
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
    // An approved item must have a photo to export (the engine found no face: nothing to send).
    if (d.verdict == Verdict::approve && s->images.standardized.empty())
        return conflict("no standardized photo (the engine found no face): reject it, or approve a re-crop");
    if (d.verdict == Verdict::approve_recropped && d.recropped_image.empty())
        return conflict("the re-crop was not rendered: push the decision again");

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
        if (o.verdict == Verdict::approve && s->images.standardized.empty())
            return refuse("no standardized photo (the engine found no face): approve a re-crop instead");
        if (o.verdict == Verdict::approve_recropped && o.recropped_image.empty())
            return refuse("the re-crop was not rendered");
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

std::vector<ExportItem> SqlStore::select_for_export(const std::string& school,
                                                   const std::string& grade, bool lock_rows) {
    // The applied time comes from the item's decision row (decisions_submission index).
    std::vector<ExportItem> out;
    for (const auto& r : conn_->query(
             std::string(kSubmissionColumnList) +
                 ", (SELECT MAX(d.applied_at) FROM decisions d WHERE d.submission_id = s.id) "
                 "FROM submissions s JOIN students st ON st.id = s.student_id "
                 "WHERE s.school = $1 AND ($2 = '' OR s.grade = $2) AND "
                 "s.state IN ('approved', 'locked') AND s.superseded = 0 ORDER BY s.id" +
                 (lock_rows && *conn_->for_update() ? " FOR UPDATE OF s" : ""),
             {school, grade}))
        out.push_back({parse_submission(r), r.i64(kSubmissionColumns)});
    return out;
}

Result<std::vector<ExportItem>> SqlStore::export_selection(const std::string& school,
                                                           const std::string& grade) {
    if (school.empty()) return make_error(ErrorCode::InvalidArgument, "school is required");
    return tx<std::vector<ExportItem>>(false, [&] { return select_for_export(school, grade, false); });
}

Result<std::vector<ExportItem>> SqlStore::lock_for_export(const std::string& actor,
                                                          const std::string& school,
                                                          const std::string& grade,
                                                          std::int64_t now,
                                                          const ExportCheck& check) {
    if (school.empty()) return make_error(ErrorCode::InvalidArgument, "school is required");
    return tx<std::vector<ExportItem>>(true, [&] {
        // The whole selection, rows locked (PostgreSQL) so that no overturn changes it between
        // the check and the lock.
        std::vector<ExportItem> out = select_for_export(school, grade, true);
        std::vector<std::int64_t> newly;
        for (auto& item : out) {
            if (item.submission.state == SubmissionState::approved) newly.push_back(item.submission.id);
            item.submission.state = SubmissionState::locked;   // as the package will show it
        }
        if (check)
            if (auto ok = check(out); !ok) throw StoreFailure{ok.error()};
        if (newly.empty()) return out;
        for_each_chunk(newly, kMaxStatementParams, [&](const std::string& in, const sql::Params& params) {
            conn_->query("UPDATE submissions SET state = 'locked' WHERE state = 'approved' AND id IN (" +
                             in + ")",
                         params);
        });
        append_audit(now, actor, "lock", 0, school,
                     nlohmann::json{{"grade", grade}, {"count", newly.size()}}.dump());
        for (const auto& item : out)
            if (std::binary_search(newly.begin(), newly.end(), item.submission.id))
                queue_event(now, "locked", item.submission);
        return out;
    });
}

}  // namespace pd::storage
