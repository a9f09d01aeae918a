// The demo queue's plan: which student gets which portrait and defect, when each photo was
// submitted, and which students were rejected once. Pure and deterministic: the same config,
// portraits, calendar, count, seed and `now` give the same plan; without `now` changing, the
// same bytes are uploaded on every run, which makes a second run a no-op (ingest answers 409).
//
// Defects: exact counts by largest remainder of share x count, shuffled over the students.
// Portraits: each item takes the least-used portrait its defect can use, so every source
// appears: low_resolution items take the small faces (enlarged crops of group photos) when
// there are any; every other item a full-size portrait; second_face one with room beside the
// head, its donor a portrait from another file.
// The first clean item of each whole-photo source uploads the file as it is (a PNG, a WebP
// named .jpg), so the queue also holds originals the engine must sniff.
// Times: each item is given a bucket (overdue, due today, later) by the shares of [timing];
// a submission time in the last days_back days is drawn until the calendar's SLA deadline
// falls in that bucket (students submit from 07:30 to midnight, night_share of them later).
// When a bucket cannot be reached (e.g. today is not a working day, so nothing is due at its
// end), the item keeps any time and a note says so.
// Resubmissions: about `share` of the clean items become attempt 2 of a student whose
// attempt 1, submitted gap_hours earlier with a defect drawn from the mix, was rejected
// decided_after_hours after it with that defect's reasons and note.
//
// Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "demo/demo_config.h"
#include "demo/photos.h"
#include "demo/students.h"
#include "domain/calendar.h"

namespace pd::demo {

enum class Due { overdue, due_today, later };
const char* to_string(Due d);

// overdue: deadline <= now; due_today: now < deadline <= the end of today (local time at the
// offset); later otherwise.
Due classify_due(std::int64_t deadline, std::int64_t now, int utc_offset_minutes);

// What the planner needs to know of a portrait.
struct PortraitTraits {
    std::string file;              // portraits from the same file are not each other's donor
    bool room_for_second_face = false;
    bool has_original_bytes = false;  // a whole-photo source: its file can be uploaded as is
    bool small = false;               // a small face: low_resolution items only
};
std::vector<PortraitTraits> traits_of(const std::vector<Portrait>& portraits, const DemoConfig& config,
                                      int engine_detect_long_side = kDefaultEngineDetectLongSide);

struct FirstAttempt {
    PhotoSpec photo;                   // with a defect
    std::int64_t submitted_at = 0;
    std::int64_t decided_at = 0;       // the rejection
    std::vector<std::string> reasons;  // catalog codes
    std::string note;
};

struct PlannedItem {
    Student student;
    PhotoSpec photo;                   // the attempt left pending in the queue
    std::int64_t submitted_at = 0;
    std::int64_t sla_deadline = 0;     // from the calendar (what the server computes when it
                                       // honours submitted_at)
    Due due = Due::later;
    std::optional<FirstAttempt> first; // resubmitting students
};

struct DemoPlan {
    std::vector<PlannedItem> items;    // by student index
    std::vector<std::string> notes;

    std::map<std::string, int> by_defect() const;  // pending attempts, every defect listed
    int resubmissions() const;
    int count(Due d) const;
};

// InvalidArgument for count < 1 or no portraits; NotFound when the calendar lacks the years
// the submission window needs (the message names the year).
Result<DemoPlan> make_plan(const DemoConfig& config, const std::vector<PortraitTraits>& portraits,
                           const domain::WorkCalendar& calendar, int count, std::uint64_t seed, std::int64_t now);

// Items for grow_queue: students first_index .. first_index + n - 1 (rare names by chance,
// names not deduplicated), times as in make_plan, photo.portrait = the index into a pool of
// `pool` photos (student index modulo pool), no resubmissions.
Result<std::vector<PlannedItem>> make_grow_items(const DemoConfig& config, const domain::WorkCalendar& calendar,
                                                 std::uint64_t seed, std::int64_t first_index, int n, int pool,
                                                 std::int64_t now);

}  // namespace pd::demo
