// The decision journal: every decision the reviewer makes, one row, written and fsynced
// (SQLite WAL, synchronous=FULL) before the view moves on, so a crash, a kill -9 or a power
// cut after the key press loses nothing. The outbox is a query over the journal (rows still
// `queued`), not a second copy; the sync worker pushes it in batches with the decision ids,
// and the server answers a resent id with `duplicate`, so a restart that pushes again sends
// nothing twice in effect.
//
// Row life: queued -> applied | duplicate | conflict (answered by the server). Undo before the
// push deletes the queued row (take_back). A conflict stays until the reviewer dismisses it.
// Answered rows are pruned after `keep_days`.
//
// Threading: one Journal per process, used by the UI thread only (the review session). The sync
// worker never opens it: it receives batches and returns answers through its queues.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace pd::review {

namespace db {
class Db;
}

enum class Outcome { queued, applied, duplicate, conflict, dismissed };
const char* to_string(Outcome o);

struct CropWindow {
    double x = 0, y = 0, width = 0;   // upright original px; height = width * 4 / 3
};

struct JournalEntry {
    std::string decision_id;          // UUID v4, the idempotency key
    std::int64_t submission_id = 0;
    std::string verdict;              // approve | reject | approve_recropped
    std::vector<std::string> reasons;
    std::string note;
    std::optional<CropWindow> crop;
    std::int64_t decided_at = 0;      // unix seconds, this machine's clock
    std::int64_t seq = 0;             // order of recording (set by record)
    Outcome outcome = Outcome::queued;
    std::string server_state;         // the item's state in the server's answer
    std::string message;              // the server's message (why a conflict)
    std::int64_t answered_at = 0;
    // Context kept for the conflicts list (the item itself may be gone by then).
    std::string student_name;
};

struct Answer {
    std::string decision_id;
    Outcome outcome = Outcome::applied;
    std::string server_state, message;
};

class Journal {
public:
    // Opens or creates the journal at `path` (its folder must exist).
    static Result<std::unique_ptr<Journal>> open(const std::string& path);
    ~Journal();

    // Durable before it returns. InvalidArgument for an id already recorded.
    Status record(JournalEntry& e);
    // Deletes a queued row: true when it was taken back, false when it is no longer queued
    // (already pushed and answered) or unknown.
    Result<bool> take_back(const std::string& decision_id);
    // Queued rows, oldest first, at most `limit`.
    Result<std::vector<JournalEntry>> outbox(int limit) const;
    Result<int> outbox_size() const;
    // The server's answers for a pushed batch, in one transaction.
    Status answer(const std::vector<Answer>& answers, std::int64_t now);
    // Conflicts not yet dismissed, newest first.
    Result<std::vector<JournalEntry>> conflicts() const;
    Status dismiss(const std::string& decision_id);
    // The latest row for a submission (any outcome), if any.
    Result<std::optional<JournalEntry>> latest_for(std::int64_t submission_id) const;
    // Rows recorded at or after `since` (any outcome but dismissed), oldest first: the session's
    // decisions for the rate shown in the status bar after a restart.
    Result<std::vector<JournalEntry>> since(std::int64_t since) const;
    // Deletes answered rows older than `before`; returns how many.
    Result<int> prune(std::int64_t before);

    const std::string& path() const { return path_; }

private:
    Journal(std::unique_ptr<db::Db> db, std::string path);
    std::unique_ptr<db::Db> db_;
    std::string path_;
};

}  // namespace pd::review
