// The migrations of both backends as one text each (schema.h).
#include "storage/schema.h"

#include <stdexcept>
#include <utility>

namespace pd::storage::sql {
namespace {

// Version 1: the whole queue. Partial indexes keep claim fast at a million pending items:
// only open (pending/leased) rows are in them, ordered by deadline.
const char* kSchemaV1 = R"SQL(
CREATE TABLE students (
  id {serial},
  id_number TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL, student_no TEXT NOT NULL, school TEXT NOT NULL,
  station TEXT NOT NULL, grade TEXT NOT NULL,
  unlocked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE submissions (
  id {serial},
  student_id {int64} NOT NULL REFERENCES students(id),
  attempt INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','leased','approved','rejected','locked')),
  school TEXT NOT NULL, grade TEXT NOT NULL,
  submitted_at {int64} NOT NULL, sla_deadline {int64} NOT NULL,
  img_original TEXT NOT NULL, img_standardized TEXT NOT NULL,
  img_matte TEXT NOT NULL, img_thumbnail TEXT NOT NULL,
  checks_json TEXT NOT NULL,
  flags_json TEXT NOT NULL DEFAULT '[]', flagged INTEGER NOT NULL DEFAULT 0,
  superseded INTEGER NOT NULL DEFAULT 0,
  lease_reviewer TEXT, lease_expires {int64},
  verdict TEXT, reasons_json TEXT, note TEXT, crop_json TEXT,
  decided_by TEXT, decided_at {int64}, overturned_by TEXT, overturned_at {int64},
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
  submission_id {int64} NOT NULL REFERENCES submissions(id),
  reviewer TEXT NOT NULL, verdict TEXT NOT NULL, reasons_json TEXT NOT NULL,
  note TEXT NOT NULL, crop_json TEXT NOT NULL,
  decided_at {int64} NOT NULL, applied_at {int64} NOT NULL, result_state TEXT NOT NULL
);
CREATE INDEX decisions_reviewer ON decisions (reviewer);
CREATE TABLE audit (
  id {serial_ordered},
  at {int64} NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
  submission_id {int64}, school TEXT NOT NULL DEFAULT '', detail_json TEXT NOT NULL
);
CREATE INDEX audit_actor ON audit (actor, id);
CREATE INDEX audit_submission ON audit (submission_id);
{audit_append_only}
CREATE TABLE events (
  seq {serial_ordered},
  at {int64} NOT NULL, type TEXT NOT NULL, submission_id {int64} NOT NULL,
  payload_json TEXT NOT NULL
);
CREATE TABLE users (
  id {serial},
  name TEXT NOT NULL UNIQUE, role TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
  created_at {int64} NOT NULL
);
)SQL";

// Version 2: live leases for GET /v1/queue. Leased rows are few (reviewers x claim size),
// so counting the live ones is a short range scan of this index instead of a visit to every
// open row.
const char* kSchemaV2 = R"SQL(
CREATE INDEX submissions_leased ON submissions (lease_expires) WHERE state = 'leased';
)SQL";

// Version 3: revoked tokens (users.revoked_at, NULL while valid); the decision of a
// submission found by its id (the export's applied time, one range scan instead of a scan of
// every decision); one row per host for the health probe's write.
const char* kSchemaV3 = R"SQL(
ALTER TABLE users ADD COLUMN revoked_at {int64};
CREATE INDEX decisions_submission ON decisions (submission_id);
CREATE TABLE health_probes (
  node TEXT PRIMARY KEY,
  at {int64} NOT NULL
);
)SQL";

// The audit table refuses UPDATE and DELETE.
const char* kSqliteAuditGuard = R"SQL(CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;)SQL";
const char* kPostgresAuditGuard = R"SQL(CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'audit is append-only'; END $$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();)SQL";

// {placeholder} -> SQLite text, PostgreSQL text. {serial_ordered} keys must keep increasing
// even after the newest row is deleted (SQLite's AUTOINCREMENT; a PostgreSQL sequence does).
const std::pair<const char*, std::pair<const char*, const char*>> kPlaceholders[] = {
    {"{serial}", {"INTEGER PRIMARY KEY", "BIGSERIAL PRIMARY KEY"}},
    {"{serial_ordered}", {"INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY"}},
    {"{int64}", {"INTEGER", "BIGINT"}},
    {"{audit_append_only}", {kSqliteAuditGuard, kPostgresAuditGuard}},
};

}  // namespace

std::string expand_schema(const std::string& text, Dialect d) {
    std::string out;
    out.reserve(text.size() + 512);
    for (size_t i = 0; i < text.size();) {
        bool replaced = false;
        if (text[i] == '{') {
            for (const auto& [key, values] : kPlaceholders) {
                const std::string k = key;
                if (text.compare(i, k.size(), k) == 0) {
                    out += d == Dialect::sqlite ? values.first : values.second;
                    i += k.size();
                    replaced = true;
                    break;
                }
            }
            if (!replaced) throw std::logic_error("schema: unknown placeholder at " + text.substr(i, 24));
        }
        if (!replaced) out += text[i++];
    }
    return out;
}

const std::vector<std::string>& schema_migrations(Dialect d) {
    static const auto build = [](Dialect dialect) {
        std::vector<std::string> m;
        for (const char* text : {kSchemaV1, kSchemaV2, kSchemaV3}) m.push_back(expand_schema(text, dialect));
        return m;
    };
    static const std::vector<std::string> sqlite = build(Dialect::sqlite);
    static const std::vector<std::string> postgres = build(Dialect::postgres);
    return d == Dialect::sqlite ? sqlite : postgres;
}

}  // namespace pd::storage::sql
