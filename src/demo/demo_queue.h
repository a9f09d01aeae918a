// The demo review queue: `photodesk --demo` starts a local photodeskd on an empty data
// directory and calls build_demo_queue() to fill it, through API v1, with a realistic queue
// made of real photos found on a fresh Debian machine (docs/demo.md):
//
//   photos         find the sources, decode them, find and judge every face (photos.h);
//   resubmissions  students rejected once: attempt 1 (with a defect) is ingested, claimed by
//                  the `senior` reviewer and rejected with the defect's catalog reasons and a
//                  note, then attempt 2 (the corrected photo) is ingested;
//   ingest         every other student, `ingest_threads` clients at once so that the server's
//                  engine workers stay busy.
// The queue opens as soon as the first items land: every ingest is reported as it finishes.
//
// Submission times go in the ingest meta as `submitted_at` (unix seconds). A server that
// honours it (admin role) computes each SLA deadline from it, so the queue holds overdue,
// due-today and later items; a server that ignores it stamps the time of receipt (every item
// is then due later). DemoSummary::submitted_at_honoured says which one answered. A server
// that refuses the key (400 naming meta.submitted_at, or 403) is asked again without it.
//
// Deterministic given the seed and `now`; resumable: run it again after a crash and it
// finishes the queue without duplicates (ingest answers 409 in_review / needs_unlock for
// students already in; the events feed says which first attempts were already rejected).
//
// Threading: both functions block the calling thread (the workstation calls them on a
// worker) and start their own threads: one ApiClient per ingest thread. `progress` is called
// on the calling thread only, after every source and every ingest, never concurrently; keep
// it cheap (it delays the next report, not the ingests). `stop` is polled between items: in-
// flight ingests finish, then the call returns the summary so far with `stopped` set.
//
// Errors (Result): configuration (demo.toml, calendar.toml, reasons.toml, engine.toml) invalid;
// no usable photo source; the face model missing (libdlib-data); the server unreachable after
// the client's retries (Unavailable); a token refused or of the wrong role (InvalidArgument);
// the calendar lacking a year the deadlines need (NotFound, from the planner or the server's
// 503 calendar_missing_year). A single item the server refuses otherwise (e.g. 422) does not
// stop the build: it is counted in `failed` and described in `notes`.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace pd::demo {

struct DemoOptions {
    std::string config_dir;        // config/ (demo, calendar, reasons, engine); empty: the default
    std::string shared_portraits;  // ../shared/data/portraits, or empty (skipped with a note)
    int count = 0;                 // pending submissions (students); 0 = demo.toml's (240)
    std::uint64_t seed = 0;        // 0 = demo.toml's
    std::int64_t now = 0;          // unix seconds the times are planned around; 0 = the clock.
                                   // A server refuses submitted_at in its future: keep it near
                                   // the server's clock (tests of the plan use fixed values)
    int ingest_threads = 3;        // concurrent ingests (the server runs 2 engine workers)
};

struct DemoProgress {
    int done = 0;
    int total = 0;
    std::string stage;   // "photos" (done/total: sources), then "resubmissions" and "ingest",
                         // which share one count: every ingest of the queue (attempts 1 and 2)
    std::string item;    // what just finished: a source file, or a student's name
};

struct DemoSummary {
    int submitted = 0;        // pending submissions of the demo students now in the queue
    int added = 0;            // ingests that created a submission in this call (both attempts)
    int already_present = 0;  // students found in the queue already (a resumed run)
    int resubmissions = 0;    // students whose attempt 2 is pending after a rejected attempt 1
    int overdue = 0;          // of `submitted`, by the server's deadline relative to `now`
    int due_today = 0;
    int failed = 0;           // items the server refused (see notes)
    int portraits = 0;        // usable portraits (astronaut + shared + dlib faces)
    int dlib_faces = 0;       // of which faces from dlib's examples
    std::map<std::string, int> by_defect;     // pending attempts per defect (all listed)
    std::optional<bool> submitted_at_honoured;  // unknown when nothing was added
    bool stopped = false;
    double photos_seconds = 0;  // sources decoded and judged
    double total_seconds = 0;
    std::vector<std::string> notes;  // skipped sources and faces, refused items, fallbacks
};

// Builds the queue through API v1. `admin_token`: an admin (ingest with submitted_at, read
// the events feed and items). `senior_token`: a reviewer, used only to claim and reject the
// first attempts of resubmitting students (claims come earliest deadline first: it claims in
// pages, decides the ones it is after and releases the rest).
Result<DemoSummary> build_demo_queue(const std::string& base_url, const std::string& admin_token,
                                     const std::string& senior_token, const DemoOptions& options,
                                     const std::function<void(const DemoProgress&)>& progress,
                                     const std::atomic<bool>& stop);

// For benchmarks: adds n more pending submissions with new students (indices after those the
// server already holds), re-using the photo bytes of the first demo.toml grow_pool demo items
// (the server can re-use its engine results for identical bytes). Returns how many were
// added (fewer than n only when stopped or when items were refused).
Result<int> grow_queue(const std::string& base_url, const std::string& admin_token, int n,
                       const DemoOptions& options, const std::function<void(const DemoProgress&)>& progress,
                       const std::atomic<bool>& stop);

}  // namespace pd::demo
