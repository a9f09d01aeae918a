#include "engine/checks/check_registry.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include <opencv2/imgproc.hpp>

#include "engine/checks/check_context.h"
#include "engine/checks/checks_impl.h"

namespace pd::engine {

const char* to_string(Verdict v) {
    switch (v) {
        case Verdict::Pass: return "pass";
        case Verdict::Warn: return "warn";
        case Verdict::Fail: return "fail";
        case Verdict::NotAssessable: return "not_assessable";
    }
    return "not_assessable";
}

const char* to_string(Space s) { return s == Space::Original ? "original" : "standardized"; }

const std::vector<CheckDef>& check_catalogue() {
    using namespace checks;
    static const std::vector<CheckDef> catalogue = {
        {"file_format", "JPEG, baseline, 24-bit", {}, file_format},
        {"file_dimensions", "Pixel size", {}, file_dimensions},
        {"file_dpi", "Resolution (dpi)", {}, file_dpi},
        {"file_size", "File size", {"tolerance_kb"}, file_size},
        {"jpeg_quality", "JPEG quality", {}, jpeg_quality},
        {"crown_position", "Crown position", {"tolerance_px"}, crown_position},
        {"eye_position", "Eye line position", {"tolerance_px"}, eye_position},
        {"face_width", "Face width", {"tolerance_px"}, face_width},
        {"centring", "Head centred", {"tolerance_px"}, centring},
        {"eye_tilt", "Eye line level", {"warn_deg", "fail_deg"}, eye_tilt},
        {"yaw", "Face turned (yaw)", {"warn_deg", "fail_deg"}, yaw},
        {"pitch", "Head raised or lowered (pitch)", {"neutral_ratio", "warn_dev", "fail_dev"}, pitch},
        {"eyes_open", "Eyes open", {"warn_ratio", "fail_ratio"}, eyes_open},
        {"mouth_closed", "Lips closed", {"warn_ratio", "fail_ratio"}, mouth_closed},
        {"glasses", "Glasses", {"warn_score"}, glasses},
        {"tinted_lenses", "Tinted lenses", {"warn_ratio", "fail_ratio"}, tinted_lenses},
        {"lens_glare", "Glare on lenses", {"bright_l", "warn_percent", "fail_percent"}, lens_glare},
        {"face_shadow", "Shadow on one side of the face", {"warn_delta_l", "fail_delta_l"}, face_shadow},
        {"exposure", "Exposure",
         {"high_percentile", "dark_warn_high_l", "dark_fail_high_l", "head_percentile", "bright_warn_head_l",
          "bright_fail_head_l", "skin_warn_high", "skin_fail_high"},
         exposure},
        {"clipping", "Clipped highlights and shadows", {"warn_percent", "fail_percent"}, clipping},
        {"sharpness", "Sharpness", {"warn", "fail"}, sharpness},
        {"noise", "Noise", {"warn_sigma", "fail_sigma", "chroma_weight"}, noise},
        {"skin_smoothing", "Skin smoothing (beauty filter)", {"warn_ratio", "fail_ratio"}, skin_smoothing},
        {"source_resolution", "Source resolution (up-scaling)", {"warn_upscale", "fail_upscale", "detail_ratio_x2", "detail_ratio_x3"}, source_resolution},
        {"background_uniformity", "Background plain and even", {"warn_delta_e", "fail_delta_e"}, background_uniformity},
        {"background_colour", "Background colour", {"tolerance_delta_e"}, background_colour},
        {"other_faces", "Other people in the photo", {"min_size_ratio", "min_score"}, other_faces},
        {"blue_clothing", "Blue clothing",
         {"max_delta_e", "min_chroma", "min_l", "hue_min_deg", "hue_max_deg", "warn_percent", "fail_percent"},
         blue_clothing},
        {"patterned_clothing", "Patterned clothing", {"edge_threshold", "warn_percent", "fail_percent"}, patterned_clothing},
        {"black_border", "Dark border", {"max_l", "min_px", "flat_levels", "flat_percent", "step_levels"}, black_border},
        {"source_background", "Taken against a light plain wall",
         {"edge_delta_e", "warn_l", "fail_l", "warn_chroma", "fail_chroma", "warn_texture_percent", "fail_texture_percent"},
         source_background},
        {"matte_quality", "Person cut out cleanly (matte)",
         {"edge_delta_e", "warn_face_percent", "fail_face_percent", "warn_torso_percent", "fail_torso_percent",
          "warn_hole_percent", "fail_hole_percent", "warn_edge_percent", "fail_edge_percent"},
         matte_quality},
        {"exif_front_camera", "Front camera (selfie) in EXIF", {}, exif_front_camera},
        {"exif_beauty_software", "Beauty app in EXIF", {}, exif_beauty_software},
        {"mirrored", "Mirrored (selfie) hints", {}, mirrored},
        {"stored_on_its_side", "Stored on its side (turned by the engine)", {}, stored_on_its_side},
    };
    return catalogue;
}

Status validate_check_settings(const domain::CheckSettings& settings) {
    std::set<std::string> known;
    for (const auto& def : check_catalogue()) {
        known.insert(def.id);
        auto it = settings.find(def.id);
        if (it == settings.end()) {
            return make_error(ErrorCode::ConfigInvalid, std::string("checks.toml: check '") + def.id + "' is not configured");
        }
        for (const auto& p : def.params) {
            if (!it->second.params.count(p)) {
                return make_error(ErrorCode::ConfigInvalid, std::string("checks.toml: checks.") + def.id +
                                                                " is missing parameter '" + p + "'");
            }
        }
        for (const auto& [name, value] : it->second.params) {
            if (std::find(def.params.begin(), def.params.end(), name) == def.params.end()) {
                return make_error(ErrorCode::ConfigInvalid, std::string("checks.toml: unknown key 'checks.") +
                                                                def.id + "." + name + "'");
            }
        }
    }
    for (const auto& [id, cfg] : settings) {
        if (!known.count(id)) {
            return make_error(ErrorCode::ConfigInvalid, "checks.toml: unknown check 'checks." + id + "'");
        }
    }
    return Ok{};
}

// A face check judged on the source's head view (no spec photo): its geometry back to the
// working image, and the reviewer told where it was measured.
static void view_to_working(const CheckContext& c, CheckResult& r) {
    Geometry& g = r.geometry;
    const float k = float(1.0 / c.view_scale);
    const cv::Point2f o(float(c.view_origin.x), float(c.view_origin.y));
    const auto map = [&](cv::Point2f& p) { p = p * k + o; };
    for (auto& p : g.points) map(p);
    for (auto& [a, b] : g.lines) { map(a); map(b); }
    for (auto& poly : g.polygons) for (auto& p : poly) map(p);
    for (auto& rc : g.rects) rc = cv::Rect2f(rc.x * k + o.x, rc.y * k + o.y, rc.width * k, rc.height * k);
    g.hbands.clear();  // spec bands belong to the spec photo
    if (!g.map.empty()) {
        const cv::Size work = c.in.source.working.size();
        const cv::Rect at = cv::Rect(cv::Point(int(o.x), int(o.y)), cv::Size(int(std::lround(g.map.cols * k)), int(std::lround(g.map.rows * k)))) &
                            cv::Rect({}, work);
        cv::Mat full = cv::Mat::zeros(work, CV_8U);
        if (!at.empty()) cv::resize(g.map, full(at), at.size(), 0, 0, cv::INTER_NEAREST);
        g.map = full;
    }
    g.space = Space::Original;
    r.detail += " (measured on the source photo: no spec photo could be made)";
}

std::vector<CheckResult> run_checks(const CheckInput& in, const domain::CheckSettings& settings) {
    const CheckContext ctx = make_check_context(in);
    std::vector<CheckResult> out;
    out.reserve(check_catalogue().size());
    for (const auto& def : check_catalogue()) {
        const auto it = settings.find(def.id);
        if (it == settings.end() || !it->second.enabled) continue;
        CheckResult r;
        r.id = def.id;
        r.title = def.title;
        r.reason = it->second.reason;
        def.run(ctx, it->second, r);
        if (!ctx.has_photo && ctx.has_face_view && r.verdict != Verdict::NotAssessable && r.geometry.space == Space::Standardized)
            view_to_working(ctx, r);
        out.push_back(std::move(r));
    }
    return out;
}

Verdict grade_high(double value, double warn, double fail) {
    if (!std::isfinite(value)) return Verdict::NotAssessable;
    return value > fail ? Verdict::Fail : value > warn ? Verdict::Warn : Verdict::Pass;
}

Verdict grade_low(double value, double warn, double fail) {
    if (!std::isfinite(value)) return Verdict::NotAssessable;
    return value < fail ? Verdict::Fail : value < warn ? Verdict::Warn : Verdict::Pass;
}

Verdict grade_band(double value, double lo, double hi, double tolerance) {
    if (!std::isfinite(value)) return Verdict::NotAssessable;
    if (value >= lo && value <= hi) return Verdict::Pass;
    const double off = value < lo ? lo - value : value - hi;
    return off <= tolerance ? Verdict::Warn : Verdict::Fail;
}

std::string fmt_num(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

namespace checks {
void not_assessable(CheckResult& r, const char* why) {
    r.verdict = Verdict::NotAssessable;
    r.detail = why;
}
}  // namespace checks

}  // namespace pd::engine
