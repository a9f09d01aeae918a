#include "review/journal.h"

#include <nlohmann/json.hpp>

#include "review/sqlite_db.h"

namespace pd::review {

using db::Row;
using db::Value;

namespace {

const std::vector<std::string> kMigrations = {
    // 1: the journal. seq orders the outbox; the partial index keeps it a cheap query however
    // many answered rows are kept.
    R"SQL(
CREATE TABLE decisions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  decision_id TEXT NOT NULL UNIQUE,
  submission_id INTEGER NOT NULL,
  verdict TEXT NOT NULL,
  reasons_json TEXT NOT NULL,
  note TEXT NOT NULL,
  crop_json TEXT,
  decided_at INTEGER NOT NULL,
  outcome TEXT NOT NULL DEFAULT 'queued',
  server_state TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL DEFAULT '',
  answered_at INTEGER NOT NULL DEFAULT 0,
  student_name TEXT NOT NULL DEFAULT ''
);
CREATE INDEX decisions_outbox ON decisions (seq) WHERE outcome = 'queued';
CREATE INDEX decisions_submission ON decisions (submission_id, seq);
)SQL",
};

const char* kColumns =
    "decision_id, submission_id, verdict, reasons_json, note, crop_json, decided_at, seq, outcome, "
    "server_state, message, answered_at, student_name";

Outcome outcome_from(const std::string& s) {
    if (s == "applied") return Outcome::applied;
    if (s == "duplicate") return Outcome::duplicate;
    if (s == "conflict") return Outcome::conflict;
    if (s == "dismissed") return Outcome::dismissed;
    return Outcome::queued;
}

JournalEntry entry_from(const Row& r) {
    JournalEntry e;
    e.decision_id = r.str(0);
    e.submission_id = r.i64(1);
    e.verdict = r.str(2);
    for (const auto& s : nlohmann::json::parse(r.str(3), nullptr, false)) e.reasons.push_back(s.get<std::string>());
    e.note = r.str(4);
    if (!r.null(5)) {
        auto c = nlohmann::json::parse(r.str(5), nullptr, false);
        if (c.is_object()) e.crop = CropWindow{c.value("x", 0.0), c.value("y", 0.0), c.value("width", 0.0)};
    }
    e.decided_at = r.i64(6);
    e.seq = r.i64(7);
    e.outcome = outcome_from(r.str(8));
    e.server_state = r.str(9);
    e.message = r.str(10);
    e.answered_at = r.i64(11);
    e.student_name = r.str(12);
    return e;
}

template <class T, class Fn>
Result<T> guarded(const std::string& what, Fn&& fn) {
    try {
        return fn();
    } catch (const std::exception& e) {
        return make_error(ErrorCode::Internal, "journal: " + what + ": " + e.what());
    }
}

}  // namespace

const char* to_string(Outcome o) {
    switch (o) {
        case Outcome::queued: return "queued";
        case Outcome::applied: return "applied";
        case Outcome::duplicate: return "duplicate";
        case Outcome::conflict: return "conflict";
        case Outcome::dismissed: return "dismissed";
    }
    return "?";
}

Journal::Journal(std::unique_ptr<db::Db> d, std::string path) : db_(std::move(d)), path_(std::move(path)) {}
Journal::~Journal() = default;

Result<std::unique_ptr<Journal>> Journal::open(const std::string& path) {
    try {
        auto d = std::make_unique<db::Db>(path, kMigrations);
        return std::unique_ptr<Journal>(new Journal(std::move(d), path));
    } catch (const std::exception& e) {
        return make_error(ErrorCode::Unavailable, std::string("decision journal: ") + e.what());
    }
}

Status Journal::record(JournalEntry& e) {
    return guarded<Ok>("record", [&]() -> Result<Ok> {
        if (!db_->query("SELECT 1 FROM decisions WHERE decision_id = ?1", {e.decision_id}).empty())
            return make_error(ErrorCode::InvalidArgument, "journal: decision " + e.decision_id + " is already recorded");
        Value crop = nullptr;
        if (e.crop) crop = nlohmann::json{{"x", e.crop->x}, {"y", e.crop->y}, {"width", e.crop->width}}.dump();
        db_->exec("INSERT INTO decisions (decision_id, submission_id, verdict, reasons_json, note, crop_json, "
                  "decided_at, student_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                  {e.decision_id, e.submission_id, e.verdict, nlohmann::json(e.reasons).dump(), e.note, crop,
                   e.decided_at, e.student_name});
        e.seq = db_->query("SELECT last_insert_rowid()").at(0).i64(0);
        e.outcome = Outcome::queued;
        return Ok{};
    });
}

Result<bool> Journal::take_back(const std::string& id) {
    return guarded<bool>("take back", [&]() -> Result<bool> {
        db_->exec("DELETE FROM decisions WHERE decision_id = ?1 AND outcome = 'queued'", {id});
        return db_->changes() == 1;
    });
}

Result<std::vector<JournalEntry>> Journal::outbox(int limit) const {
    return guarded<std::vector<JournalEntry>>("outbox", [&]() -> Result<std::vector<JournalEntry>> {
        std::vector<JournalEntry> out;
        for (const auto& r : db_->query(std::string("SELECT ") + kColumns +
                                            " FROM decisions WHERE outcome = 'queued' ORDER BY seq LIMIT ?1",
                                        {std::int64_t(limit)}))
            out.push_back(entry_from(r));
        return out;
    });
}

Result<int> Journal::outbox_size() const {
    return guarded<int>("outbox size", [&]() -> Result<int> {
        return int(db_->query("SELECT count(*) FROM decisions WHERE outcome = 'queued'").at(0).i64(0));
    });
}

Status Journal::answer(const std::vector<Answer>& answers, std::int64_t now) {
    return guarded<Ok>("answer", [&]() -> Result<Ok> {
        db_->transaction([&] {
            for (const auto& a : answers)
                db_->exec("UPDATE decisions SET outcome = ?2, server_state = ?3, message = ?4, answered_at = ?5 "
                          "WHERE decision_id = ?1 AND outcome = 'queued'",
                          {a.decision_id, std::string(to_string(a.outcome)), a.server_state, a.message, now});
        });
        return Ok{};
    });
}

Result<std::vector<JournalEntry>> Journal::conflicts() const {
    return guarded<std::vector<JournalEntry>>("conflicts", [&]() -> Result<std::vector<JournalEntry>> {
        std::vector<JournalEntry> out;
        for (const auto& r : db_->query(std::string("SELECT ") + kColumns +
                                        " FROM decisions WHERE outcome = 'conflict' ORDER BY seq DESC"))
            out.push_back(entry_from(r));
        return out;
    });
}

Status Journal::dismiss(const std::string& id) {
    return guarded<Ok>("dismiss", [&]() -> Result<Ok> {
        db_->exec("UPDATE decisions SET outcome = 'dismissed' WHERE decision_id = ?1 AND outcome = 'conflict'", {id});
        return Ok{};
    });
}

Result<std::optional<JournalEntry>> Journal::latest_for(std::int64_t submission_id) const {
    return guarded<std::optional<JournalEntry>>("lookup", [&]() -> Result<std::optional<JournalEntry>> {
        auto rows = db_->query(std::string("SELECT ") + kColumns +
                                   " FROM decisions WHERE submission_id = ?1 ORDER BY seq DESC LIMIT 1",
                               {submission_id});
        if (rows.empty()) return std::optional<JournalEntry>{};
        return std::optional<JournalEntry>{entry_from(rows[0])};
    });
}

Result<std::vector<JournalEntry>> Journal::since(std::int64_t t) const {
    return guarded<std::vector<JournalEntry>>("since", [&]() -> Result<std::vector<JournalEntry>> {
        std::vector<JournalEntry> out;
        for (const auto& r : db_->query(std::string("SELECT ") + kColumns +
                                            " FROM decisions WHERE decided_at >= ?1 AND outcome != 'dismissed' "
                                            "ORDER BY seq",
                                        {t}))
            out.push_back(entry_from(r));
        return out;
    });
}

Result<int> Journal::prune(std::int64_t before) {
    return guarded<int>("prune", [&]() -> Result<int> {
        db_->exec("DELETE FROM decisions WHERE outcome IN ('applied', 'duplicate', 'dismissed') AND answered_at < ?1",
                  {before});
        return int(db_->changes());
    });
}

}  // namespace pd::review
