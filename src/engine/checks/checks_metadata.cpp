// [SECTION] Metadata checks: what the EXIF says about how the photo was taken.
// Pattern lists come from config/exif_hints.toml; matching is case-insensitive substring.
#include <algorithm>
#include <cctype>

#include "engine/checks/checks_impl.h"

namespace pd::engine::checks {

namespace {
std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
    return s;
}

// The first pattern found in any of the fields, or empty.
std::string match_any(const std::vector<std::string>& patterns, std::initializer_list<const std::string*> fields) {
    for (const auto* f : fields) {
        const std::string v = lower(*f);
        if (v.empty()) continue;
        for (const auto& p : patterns) {
            if (!p.empty() && v.find(lower(p)) != std::string::npos) return p;
        }
    }
    return {};
}

bool front_camera(const CheckContext& c, std::string* which) {
    const ExifInfo& e = c.in.source.decoded.exif;
    const std::string m = match_any(c.in.hints.front_camera_patterns, {&e.lens_model, &e.model});
    if (which) *which = m;
    return !m.empty();
}
}  // namespace

static void exif_front_camera(const CheckContext& c, CheckResult& r) {
    r.unit = "flag";
    r.threshold = "lens or model names a front camera";
    r.geometry.space = Space::Original;  // about the source file
    const ExifInfo& e = c.in.source.decoded.exif;
    if (!e.present) return not_assessable(r, "no EXIF in the file");
    std::string which;
    const bool front = front_camera(c, &which);
    r.value = front ? 1 : 0;
    r.verdict = front ? Verdict::Fail : Verdict::Pass;
    r.detail = front ? "EXIF names a front camera (\"" + which + "\"): lens \"" + e.lens_model + "\""
                     : "camera \"" + e.make + " " + e.model + "\", lens \"" + e.lens_model + "\"";
}

static void exif_beauty_software(const CheckContext& c, CheckResult& r) {
    r.unit = "flag";
    r.threshold = "software names a beauty app";
    r.geometry.space = Space::Original;  // about the source file
    const ExifInfo& e = c.in.source.decoded.exif;
    if (!e.present) return not_assessable(r, "no EXIF in the file");
    const std::string m = match_any(c.in.hints.beauty_software_patterns, {&e.software});
    r.value = m.empty() ? 0 : 1;
    r.verdict = m.empty() ? Verdict::Pass : Verdict::Fail;
    r.detail = m.empty() ? "software \"" + e.software + "\"" : "EXIF software \"" + e.software + "\" is a beauty app";
}

// The engine found no face upright and found one with the photo turned: the file is stored on
// its side and says nothing about it (no EXIF orientation). The spec photo is upright, but a
// reviewer should see that the engine turned it, and the collection app is mis-saving files.
static void stored_on_its_side(const CheckContext& c, CheckResult& r) {
    r.unit = "deg";
    r.threshold = "the engine did not have to turn the photo";
    r.geometry.space = Space::Original;  // about the source file
    const int turned = c.in.source.turned_clockwise;
    r.value = turned;
    r.verdict = turned ? Verdict::Warn : Verdict::Pass;
    r.detail = turned ? "stored on its side with no EXIF orientation: the engine turned it " + std::to_string(turned) +
                            " degrees clockwise to find the face; check it is the right way up"
                      : "stored upright (or its EXIF orientation said how to turn it)";
}

static void mirrored(const CheckContext& c, CheckResult& r) {
    r.unit = "flag";
    r.threshold = "EXIF orientation mirrors, or a front camera";
    r.geometry.space = Space::Original;  // about the source file
    const ExifInfo& e = c.in.source.decoded.exif;
    if (!e.present) {
        return not_assessable(r, "no EXIF: a mirrored face cannot be told from its pixels alone");
    }
    // Orientations 2, 4, 5 and 7 include a flip: the file itself says it was mirrored.
    const bool flipped = e.orientation == 2 || e.orientation == 4 || e.orientation == 5 || e.orientation == 7;
    const bool front = front_camera(c, nullptr);
    r.value = flipped ? 2 : front ? 1 : 0;
    r.verdict = flipped ? Verdict::Fail : front ? Verdict::Warn : Verdict::Pass;
    r.detail = flipped ? "EXIF orientation " + std::to_string(e.orientation) + " mirrors the image"
               : front ? "taken with a front camera, which many phones save mirrored"
                       : "no mirroring hint in the metadata";
}

// [SECTION] Setup: none of them takes parameters

CheckRun setup_exif_front_camera(ParamReader&) { return exif_front_camera; }
CheckRun setup_exif_beauty_software(ParamReader&) { return exif_beauty_software; }
CheckRun setup_stored_on_its_side(ParamReader&) { return stored_on_its_side; }
CheckRun setup_mirrored(ParamReader&) { return mirrored; }

}  // namespace pd::engine::checks
