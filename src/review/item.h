// ReviewItem: one submission as the workstation shows it, parsed once from the server's JSON
// (docs/api.md, "The submission object"; the report inside it is docs/cli.md's) into plain
// fields the views draw from without further lookups. Parsing is tolerant of fields it does not
// know and strict about the ones it needs: a submission without an id or with a malformed
// report is an error naming the field, never a crash.
//
// Coordinates: the report's geometry comes in two spaces. "standardized" is the 480x640 spec
// photo; "original" (and the landmarks) are pixels of the engine's working image, which is the
// upright original scaled by `per_original` (working px per original px). The crop window
// (`crop.window_*`) is in pixels of the upright original.
//
// Thread-safe: plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "review/i18n.h"

namespace pd::review {

struct Point {
    double x = 0, y = 0;
};

struct Rect {
    double x = 0, y = 0, w = 0, h = 0;
};

enum class Space { standardized, working };

// A check's pixel map (what it counted: glare, clipped pixels, bare skin, a busy backdrop),
// 0 = nothing, 255 = strongest, stretched over the whole of its space. Decoded from the
// report's PNG when the item is parsed (on the sync thread), so drawing it needs no decode.
struct CheckMap {
    int width = 0, height = 0;
    std::vector<std::uint8_t> values;   // width * height, top row first
    std::string key;                    // names the map's pixels, for a texture cache
    // Why a map the report sent could not be read ("" when it could, or when none was sent).
    // A map is an overlay, not something a decision needs: a bad one costs the item only it.
    std::string error;
    bool empty() const { return values.empty(); }
};

struct Geometry {
    Space space = Space::standardized;
    std::vector<Point> points;
    std::vector<std::pair<Point, Point>> lines;
    std::vector<Rect> rects;
    std::vector<std::vector<Point>> polygons;
    std::vector<std::pair<double, double>> hbands;
    CheckMap map;
    bool empty() const {
        return points.empty() && lines.empty() && rects.empty() && polygons.empty() && hbands.empty() && map.empty();
    }
};

enum class Verdict { fail, warn, not_assessable, pass };  // the order badges are listed in
const char* to_string(Verdict v);

struct Check {
    std::string id;
    std::string title;       // the engine's English title; the UI shows tr("check.<id>")
    Verdict verdict = Verdict::pass;
    double value = 0;
    std::string unit;
    std::string threshold;
    std::string reason;      // the reason code a failure suggests
    std::string detail;
    Geometry geometry;
};

struct Crop {
    bool present = false;
    double x = 0, y = 0, scale = 1;           // the window on the working image
    double crown_y = 0, eye_y = 0, face_width = 0, centre_offset = 0;  // output px
    double window_x = 0, window_y = 0, window_w = 0;  // upright original px; height = w * 4/3
};

struct HistoryEntry {
    std::int64_t submission_id = 0;
    int attempt = 0;
    std::string state;
    std::string verdict;
    std::vector<std::string> reasons;
    std::string note;
    std::int64_t decided_at = 0;
    std::string thumbnail;   // image hash, "" when none
};

struct ReviewItem {
    std::int64_t id = 0;
    int attempt = 1;
    std::string state;
    std::string name, id_number, student_no, school, station, grade;
    std::int64_t submitted_at = 0, sla_deadline = 0;
    std::int64_t lease_expires = 0;           // 0 when the server sent no lease
    std::vector<std::string> flags;
    std::string original, standardized, matte, thumbnail;  // image hashes ("" when none)

    // From the engine's report.
    std::string spec;                          // spec profile, e.g. "chsi-2017"
    int source_width = 0, source_height = 0;   // as stored in the file
    int working_width = 0, working_height = 0;
    double per_original = 1;                   // working px per original px
    Crop crop;
    std::vector<Point> landmarks;              // working px, 68 points or none
    std::string spec_error;                    // why there is no spec photo ("" when there is): the engine's English sentence
    std::string spec_error_kind;               // which refusal (spec_error.kind, else its code): engine/crop/crop.h
    std::vector<Check> checks;                 // failing first, then warn, n/a, pass
    int fails = 0, warns = 0;

    std::vector<HistoryEntry> history;         // earlier attempts, oldest first

    // Reason codes the failing checks suggest (preselected), then those of warnings (offered,
    // not ticked); each once, in badge order.
    std::vector<std::string> suggested_fail, suggested_warn;

    const Check* find_check(const std::string& id) const;
    // Working-image point -> standardized output pixel, through the crop.
    Point to_output(Point working) const;
};

// `submission` is one element of a claim's "items" or GET /v1/submissions/{id}'s "submission".
Result<ReviewItem> parse_item(const nlohmann::json& submission);

// Why an item has no spec photo, in the reviewer's language: the catalogue's words for its
// refusal kind (ui.*.toml [spec_refusal]), or the engine's own sentence for a kind this build
// does not know (a newer server).
const std::string& spec_refusal_text(const ReviewItem& item, const Strings& strings);

// A check's measured value as the badge shows it: three significant digits below 100
// ("0.0774", "-2.57", "59.5"), whole numbers from there ("293", "1234"). The engine reports
// full precision; more digits than the limits have only make a column of noise to read.
std::string format_measure(double value);

// "0.389", "-2.57°", "56 像素": format_measure(check.value), then the check's unit in the
// reviewer's language (ui.*.toml [unit]; a unit not listed there as the engine wrote it, an
// empty one not at all). A degree or times sign follows the number directly.
std::string measured_text(const Check& check, const Strings& strings);

}  // namespace pd::review
