// The demo queue's settings: config/demo.toml (defect mix and strengths, photo-source rules,
// jitter, submission times, resubmissions, the lists students are made from). Plain data plus
// a strict loader: an unknown key, a missing key or an impossible value is an error naming the
// file, the line and the key, as every other config/*.toml loader reports it.
//
// Thread-safe: pure functions; a DemoConfig is immutable once loaded.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "domain/calendar.h"
#include "domain/reason_catalog.h"
#include "domain/spec_profile.h"

namespace pd::demo {

// What was done to a submission's photo. `clean`: nothing but the small jitter.
enum class Defect {
    clean,
    tilt,            // rotated a few degrees about the eyes            -> eye_tilt
    blur,            // Gaussian blur scaled to the face                 -> sharpness
    dark,            // under-exposed in linear light                    -> exposure
    blue_clothes,    // clothing below the neck recoloured light blue    -> blue_clothing
    tinted_lenses,   // dark lens ellipses over the eyes                 -> tinted_lenses
    second_face,     // a smaller face from another source pasted behind -> other_faces
    low_resolution,  // shrunk and enlarged back                         -> source_resolution
    dark_border,     // a near-black band around the photo               -> black_border
};
inline constexpr int kDefectCount = 9;

const char* to_string(Defect d);                     // "blue_clothes"
std::optional<Defect> parse_defect(std::string_view name);
const std::array<Defect, kDefectCount>& all_defects();  // in enum order

struct DefectConfig {
    double share = 0;                  // of the pending queue
    domain::Range amount;              // strength, unit per defect (see demo.toml)
    std::vector<std::string> reasons;  // catalog codes a reviewer rejects it with (not clean)
    std::string note;                  // the reviewer's short note (not clean)
};

struct School {
    std::string name;
    std::string code;                  // two digits, part of the student number
    std::vector<std::string> stations; // teaching stations (本部, 函授站 ...)
    double weight = 0;
};

struct Grade {
    std::string name;                  // "2026"
    double weight = 0;
};

struct StudentLists {
    domain::Date birth_from, birth_to;
    double rare_share = 0;
    int rare_min = 0;
    int study_years = 4;
    std::vector<std::string> surnames, given_male, given_female, rare_given;
    std::vector<std::string> regions;  // 6-digit region codes
    std::vector<Grade> grades;
    std::vector<School> schools;
};

struct SourceRules {
    std::string astronaut;             // file path
    std::string dlib_faces;            // folder of dlib's example photos
    int detect_long_side = 1024;
    double min_face_px = 55;           // jaw width; smaller faces are not used at all
    double full_face_px = 110;         // below: a "small" face, only for low-resolution items
    double small_enlarge = 2.0;        // small faces are enlarged at least this much ...
    double small_face_target = 150;    // ... and to about this jaw width
    double max_yaw_deg = 14;
    double max_roll_deg = 15;
    double crown_margin = 0.05;        // face widths of photo kept above the crown
    double window_width = 2.8;         // face widths
    double min_window_width = 2.0;
    double eye_from_top = 0.36;        // of the window's height, preferred
    double room_above = 1.0;           // face widths kept above the eye line (the crown)
    double room_below = 1.8;           // ... below it (chin, neck, shoulders)
    double room_side = 0.9;            // ... either side of the face centre
    double max_outside_side = 0.05;    // window share that may lie beyond the photo on a side
    double max_outside_bottom = 0.05;  // ... below it
    double max_outside_top = 0.15;     // ... above it (the wall over the head)
};

struct JitterConfig {
    double shift = 0, zoom = 0, roll_deg = 0, ev = 0, white_balance = 0;
    int quality_min = 90, quality_max = 90;
};

struct TimingConfig {
    int days_back = 8;
    double overdue = 0, due_today = 0, night_share = 0;
};

struct ResubmissionConfig {
    double share = 0;
    domain::Range gap_hours;
    domain::Range decided_after_hours;
    int claim_page = 50;
    int max_claim_pages = 10;
};

struct DemoConfig {
    int count = 240;
    std::uint64_t seed = 1;
    int grow_pool = 48;
    std::array<DefectConfig, kDefectCount> defects;  // indexed by Defect
    SourceRules sources;
    JitterConfig jitter;
    TimingConfig timing;
    ResubmissionConfig resubmissions;
    StudentLists students;

    const DefectConfig& defect(Defect d) const { return defects[static_cast<int>(d)]; }
};

// Parses demo.toml text (`origin` names it in messages). Validates ranges, that the shares sum
// to 1, that the resubmission share fits in the clean share, that every region code is 6
// digits and every list is non-empty. Errors: ConfigInvalid.
Result<DemoConfig> parse_demo_config(std::string_view toml_text, std::string_view origin);
// config_dir/demo.toml. NotFound when absent.
Result<DemoConfig> load_demo_config(const std::string& config_dir);

// Every defect's reasons must be known codes (the catalog of config/reasons.toml, or the codes
// GET /v1/reasons returned); reasons whose catalog entry requires a note need a note.
// ConfigInvalid naming the defect and the code otherwise.
Status validate_defect_reasons(const DemoConfig& config, const domain::ReasonCatalog& catalog);
Status validate_defect_reasons(const DemoConfig& config, const std::set<std::string>& codes);

}  // namespace pd::demo
