// pd::storage::Store: the review queue's persistence behind one interface, with two backends
// (SQLite in a data directory, PostgreSQL through libpqxx). Images live on disk in both cases
// (image_store.h). docs/storage.md describes the schema, migrations and the semantics.
//
// Threading and transactions
// - One Store object owns ONE database connection. Its methods are serialised by an internal
//   mutex, so sharing one Store between threads is safe but runs one call at a time; for
//   parallelism open one Store per worker thread (the server keeps a pool).
// - Every method is one database transaction: it either commits completely or has no effect.
//   Nothing is acknowledged (returned as ok) before the commit is durable (SQLite
//   synchronous=FULL in WAL mode; PostgreSQL's default synchronous_commit=on).
// - Several Stores (threads or processes) may work on one database at once: SQLite serialises
//   writers with BEGIN IMMEDIATE and a busy timeout; PostgreSQL claims with
//   FOR UPDATE SKIP LOCKED and locks each submission row before deciding on it.
// - No exception escapes: library errors become pd::Error (code Internal unless stated).
//   Refusals that are part of the workflow (a conflict, a student who may not resubmit) are
//   values in the result, not errors, so callers can answer them precisely.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "storage/model.h"

namespace pd::storage {

class Store {
public:
    virtual ~Store() = default;

    virtual std::string backend() const = 0;   // "sqlite" | "postgres"
    virtual int schema_version() const = 0;    // after open: the latest migration

    // [SECTION] images (content-addressed files under DATA/images/ab/cdef...)
    // Durable (tmp + fsync + rename + fsync dir) before returning the SHA-256 hex.
    virtual Result<std::string> put_image(std::span<const unsigned char> bytes) = 0;
    // NotFound for an unknown hash, InvalidArgument for a malformed one.
    virtual Result<std::vector<unsigned char>> get_image(const std::string& sha256_hex) = 0;
    // Deletes files under images/tmp/ older than `min_age_seconds` (left by a crash between
    // write and rename; younger ones may belong to a put in progress, on this or another
    // node sharing the folder). Answers how many were deleted.
    virtual Result<int> sweep_image_tmp(std::int64_t min_age_seconds) = 0;

    // [SECTION] submissions
    // Numbers the attempt (a rejected student's next photo is attempt n+1), refuses a student
    // with an attempt in review or approved/locked (unless an admin unlocked them: the unlock
    // is consumed and the approved attempt superseded), and flags the same original image
    // used for different students on every submission involved.
    virtual Result<AddedSubmission> add_submission(const NewSubmission& s) = 0;
    // With its history (earlier attempts). NotFound.
    virtual Result<Submission> get_submission(std::int64_t id) = 0;
    // What the engine made of this original image on earlier submissions whose standardized
    // image is still the engine's own (no re-crop, no overturn), newest first, at most
    // `limit`. Empty when the image was never ingested.
    virtual Result<std::vector<EngineOutput>> engine_outputs(const std::string& original_sha256,
                                                             int limit) = 0;
    // All attempts of one student, oldest first (empty when unknown).
    virtual Result<std::vector<Submission>> student_history(const std::string& id_number) = 0;
    // Lets a student whose latest attempt is approved or locked submit a new attempt; the
    // next attempt added uses the permission up. Refused (applied = false, state = the latest
    // attempt's, nothing written) for an attempt in review or rejected. NotFound when the
    // student is unknown. Audited.
    virtual Result<ChangeOutcome> unlock_student(const std::string& admin,
                                                 const std::string& id_number,
                                                 const std::string& note, std::int64_t now) = 0;

    // [SECTION] leases
    // Leases up to n free items (pending, or leased with an expired lease) matching the
    // filter to `reviewer` until now + lease_seconds, earliest SLA deadline first (ties by id).
    // Items come with their history (one extra statement for all items with attempt > 1).
    virtual Result<std::vector<Submission>> claim(const std::string& reviewer, int n,
                                                  std::int64_t lease_seconds, std::int64_t now,
                                                  const ClaimFilter& filter) = 0;
    // Extends the leases among `ids` still recorded for the reviewer, expired ones included
    // (nobody claimed them since); returns the leases renewed (an item someone else claimed,
    // released or decided is not renewed).
    virtual Result<std::vector<Lease>> renew(const std::string& reviewer,
                                             const std::vector<std::int64_t>& ids,
                                             std::int64_t lease_seconds, std::int64_t now) = 0;
    // Returns the reviewer's leased items among `ids` to the queue; answers how many.
    virtual Result<int> release(const std::string& reviewer, const std::vector<std::int64_t>& ids,
                                std::int64_t now) = 0;

    // [SECTION] decisions
    // One transaction for the whole batch; one outcome per decision, in input order.
    // applied: state, decision, audit record and event written. duplicate: this reviewer
    // applied this decision_id to this submission before (no second effect). conflict: the
    // item is not leased to this reviewer (never claimed, released, or claimed by someone else
    // since the reviewer's lease expired), already decided, or unknown; an approval of an item
    // without a standardized photo; a re-crop without its rendered image; or a decision_id
    // already used by another reviewer or for another submission (the message says which and
    // never describes the other decision; state = current state).
    // A lease that expired but is still the one recorded for the item counts as held.
    virtual Result<std::vector<DecisionOutcome>> apply_decisions(
        const std::vector<Decision>& batch, std::int64_t now) = 0;
    // A supervisor changes the decision of an approved or rejected item (refused once locked,
    // before any decision, when approving a rejection the student has already retaken, or
    // when approving an item without a standardized photo). NotFound for an unknown submission.
    virtual Result<ChangeOutcome> overturn(const Overturn& o) = 0;
    // Locks the approved items of a school (and grade/batch unless empty) for export and
    // returns every locked item of that selection, so a second call returns the same set.
    // `check` (optional) sees the whole selection (approved and locked items, rows locked)
    // before anything is changed: an error from it rolls back and is returned as it is, so a
    // package that cannot be written locks nothing.
    using ExportCheck = std::function<Status(const std::vector<ExportItem>& selection)>;
    // What lock_for_export would package now (approved and locked items of the selection, as
    // they are: nothing is locked), for checks that must not run inside its transaction, such
    // as reading every photo.
    virtual Result<std::vector<ExportItem>> export_selection(const std::string& school,
                                                             const std::string& grade) = 0;
    virtual Result<std::vector<ExportItem>> lock_for_export(const std::string& actor,
                                                            const std::string& school,
                                                            const std::string& grade,
                                                            std::int64_t now,
                                                            const ExportCheck& check = {}) = 0;

    // [SECTION] feeds and reports
    // Events with cursor > `cursor`, in commit order, at most `limit`.
    virtual Result<std::vector<Event>> events_since(std::int64_t cursor, int limit) = 0;
    // Newest first.
    virtual Result<std::vector<AuditRecord>> audit_list(const AuditFilter& f, int limit,
                                                        int offset) = 0;
    virtual Result<Stats> stats(std::int64_t now) = 0;
    virtual Result<SlaSummary> sla_summary(std::int64_t now) = 0;
    // One statement of index range scans (docs/storage.md): cheap at a million open items.
    // `end_of_day`: the next local midnight after `now` (due_today's bound).
    virtual Result<QueueFigures> queue_figures(std::int64_t now, std::int64_t end_of_day) = 0;

    // [SECTION] users
    // InvalidArgument when the name or token hash is taken. Audited under `actor` (who added
    // the user).
    virtual Result<User> add_user(const std::string& actor, const std::string& name, Role role,
                                  const std::string& token_hash, std::int64_t now) = 0;
    // Marks the user's token revoked (audited under `actor`); revoking again changes nothing
    // and returns the first revocation's time. NotFound for an unknown name.
    virtual Result<User> revoke_user(const std::string& actor, const std::string& name,
                                     std::int64_t now) = 0;
    // Revoked users are found too (User::revoked_at says so). NotFound.
    virtual Result<User> find_user_by_token_hash(const std::string& token_hash) = 0;

    // [SECTION] health
    // A committed write (one row per `node` in health_probes): fails when the database is
    // unreachable or refuses writes.
    virtual Status probe_database(const std::string& node, std::int64_t now) = 0;
    // Writes, fsyncs and removes a file under images/tmp/, where every image is written first.
    virtual Status probe_images() = 0;
};

// SQLite in `data_dir` (created if missing): data_dir/photodesk.db plus data_dir/images/.
// Runs pending migrations. Refuses a database written by a newer schema.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& data_dir);

// PostgreSQL at `conninfo` (libpq syntax or postgresql:// URI); images in data_dir/images/.
Result<std::unique_ptr<Store>> open_postgres_store(const std::string& conninfo,
                                                   const std::filesystem::path& data_dir);

}  // namespace pd::storage
