// SqlStore, decisions: applying reviewer decisions in batches, supervisor overturns, and
// locking approved items for export. Each public method is one transaction in which the
// state change, the decision row, the audit record and the event commit together.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <numeric>

#include "storage/sql_store.h"

namespace pd::storage {

// [SECTION] decisions

Result<std::vector<DecisionOutcome>> SqlStore::apply_decisions(const std::vector<Decision>& batch,
                                                               std::int64_t now) {
    return tx<std::vector<DecisionOutcome>>(true, [&] {
        // Lock rows in submission-id order (stable for repeats), so two batches touching the
        // same items cannot deadlock on PostgreSQL; answers stay in input order.
        std::vector<size_t> order(batch.size());
        std::iota(order.begin(), order.end(), size_t{0});
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
            return batch[a].submission_id < batch[b].submission_id;
        });
        std::vector<DecisionOutcome> out(batch.size());
        for (size_t i : order) out[i] = decide_one(batch[i], now);
        return out;
    });
}

DecisionOutcome SqlStore::decide_one(const Decision& d, std::int64_t now) {
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

    // Lock the submission first, then look for the decision id: a concurrent push of the same
    // decision waits on the row lock and then sees the committed decision (duplicate), never
    // "already decided".
    auto s = load(d.submission_id, true);
    auto prev = conn_->query("SELECT submission_id, verdict, reviewer, applied_at FROM decisions "
                             "WHERE decision_id = $1",
                             {d.decision_id});
    if (!prev.empty()) {
        out.status = DecisionStatus::duplicate;
        out.submission_id = prev[0].i64(0);
        if (out.submission_id != d.submission_id) s = load(out.submission_id, false);
        if (s) out.state = s->state;
        out.message = "already applied: " + prev[0].str(1) + " by " + prev[0].str(2) + " at " +
                      prev[0].str(3);
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
            if (!s->lease || s->lease->reviewer != d.reviewer)
                return conflict("leased to another reviewer");
            if (s->lease->expires_at <= now) return conflict("lease expired");
            break;
    }

    const SubmissionState next = state_after(d.verdict);
    const std::string reasons = to_json_array(d.reasons);
    conn_->query("UPDATE submissions SET state = $2, lease_reviewer = NULL, lease_expires = NULL, "
                 "verdict = $3, reasons_json = $4, note = $5, crop_json = $6, decided_by = $7, "
                 "decided_at = $8, overturned_by = NULL, overturned_at = NULL WHERE id = $1",
                 {d.submission_id, std::string(to_string(next)), std::string(to_string(d.verdict)),
                  reasons, d.note, d.crop_json, d.reviewer, d.decided_at});
    if (!d.recropped_image.empty()) {
        conn_->query("UPDATE submissions SET img_standardized = $2 WHERE id = $1",
                     {d.submission_id, d.recropped_image});
        s->images.standardized = d.recropped_image;
    }
    conn_->query("INSERT INTO decisions (decision_id, submission_id, reviewer, verdict, "
                 "reasons_json, note, crop_json, decided_at, applied_at, result_state) "
                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                 {d.decision_id, d.submission_id, d.reviewer, std::string(to_string(d.verdict)),
                  reasons, d.note, d.crop_json, d.decided_at, now, std::string(to_string(next))});
    append_audit(now, d.reviewer, "decision", d.submission_id, s->student.school,
                 nlohmann::json{{"decision_id", d.decision_id},
                                {"verdict", to_string(d.verdict)},
                                {"reasons", d.reasons},
                                {"note", d.note},
                                {"attempt", s->attempt}}
                     .dump());
    s->state = next;
    s->decision = DecisionSummary{d.verdict, d.reasons, d.note, d.crop_json, d.reviewer,
                                  d.decided_at, "", 0};
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
