#include "engine/checks/check_registry.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

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
        {"file_format", "JPEG, baseline, 24-bit", setup_file_format},
        {"file_dimensions", "Pixel size", setup_file_dimensions},
        {"file_dpi", "Resolution (dpi)", setup_file_dpi},
        {"file_size", "File size", setup_file_size},
        {"jpeg_quality", "JPEG quality", setup_jpeg_quality},
        {"crown_position", "Crown position", setup_crown_position},
        {"eye_position", "Eye line position", setup_eye_position},
        {"face_width", "Face width", setup_face_width},
        {"centring", "Head centred", setup_centring},
        {"eye_tilt", "Eye line level", setup_eye_tilt},
        {"yaw", "Face turned (yaw)", setup_yaw},
        {"pitch", "Head raised or lowered (pitch)", setup_pitch},
        {"eyes_open", "Eyes open", setup_eyes_open},
        {"mouth_closed", "Lips closed", setup_mouth_closed},
        {"glasses", "Glasses", setup_glasses},
        {"tinted_lenses", "Tinted lenses", setup_tinted_lenses},
        {"lens_glare", "Glare on lenses", setup_lens_glare},
        {"face_shadow", "Shadow on one side of the face", setup_face_shadow},
        {"exposure", "Exposure", setup_exposure},
        {"clipping", "Clipped highlights and shadows", setup_clipping},
        {"sharpness", "Sharpness", setup_sharpness},
        {"noise", "Noise", setup_noise},
        {"skin_smoothing", "Skin smoothing (beauty filter)", setup_skin_smoothing},
        {"source_resolution", "Source resolution (up-scaling)", setup_source_resolution},
        {"background_uniformity", "Background plain and even", setup_background_uniformity},
        {"background_colour", "Background colour", setup_background_colour},
        {"other_faces", "Other people in the photo", setup_other_faces},
        {"blue_clothing", "Blue clothing", setup_blue_clothing},
        {"patterned_clothing", "Patterned clothing", setup_patterned_clothing},
        {"bare_shoulders", "Sleeveless or low-cut top", setup_bare_shoulders},
        {"black_border", "Dark border", setup_black_border},
        {"source_background", "Taken against a light plain wall", setup_source_background},
        {"matte_quality", "Person cut out cleanly (matte)", setup_matte_quality},
        {"exif_front_camera", "Front camera (selfie) in EXIF", setup_exif_front_camera},
        {"exif_beauty_software", "Beauty app in EXIF", setup_exif_beauty_software},
        {"mirrored", "Mirrored (selfie) hints", setup_mirrored},
        {"stored_on_its_side", "Stored on its side (turned by the engine)", setup_stored_on_its_side},
    };
    return catalogue;
}

// [SECTION] Reading the parameters

static std::string show(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

ParamReader::ParamReader(const char* check_id, const std::map<std::string, double>& params)
    : check_(check_id), params_(params) {}

void ParamReader::note(const std::string& problem) {
    if (first_error_.empty()) first_error_ = "checks.toml: checks." + check_ + problem;
}

const double* ParamReader::find(const char* key) {
    read_.emplace_back(key);
    const auto it = params_.find(key);
    if (it != params_.end()) return &it->second;
    note(std::string(" is missing parameter '") + key + "'");
    return nullptr;
}

double ParamReader::number(const char* key) {
    const double* v = find(key);
    if (!v) return 0;
    if (!std::isfinite(*v)) {
        note(std::string(".") + key + " = " + show(*v) + ": must be a finite number");
        return 0;
    }
    return *v;
}

int ParamReader::whole(const char* key) {
    const double* v = find(key);
    if (!v) return 0;
    if (*v != std::floor(*v) || std::abs(*v) > 1e9) {
        note(std::string(".") + key + " = " + show(*v) + ": must be a whole number");
        return 0;
    }
    return int(*v);
}

Status ParamReader::status() const {
    for (const auto& [key, value] : params_) {
        if (std::find(read_.begin(), read_.end(), key) != read_.end()) continue;
        std::string takes;
        for (const auto& k : read_) takes += (takes.empty() ? " takes " : ", ") + k;
        return make_error(ErrorCode::ConfigInvalid, "checks.toml: unknown key 'checks." + check_ + "." + key + "' (" +
                                                        check_ + (takes.empty() ? " takes no parameters" : takes) + ")");
    }
    if (!first_error_.empty()) return make_error(ErrorCode::ConfigInvalid, first_error_);
    return Ok{};
}

std::vector<std::string> check_params(const CheckDef& def) {
    const std::map<std::string, double> none;
    ParamReader in(def.id, none);
    def.setup(in);
    return in.keys_read();
}

// [SECTION] Configuring and running

Result<std::vector<ConfiguredCheck>> configure_checks(const domain::CheckSettings& settings) {
    std::vector<ConfiguredCheck> out;
    for (const auto& def : check_catalogue()) {
        const auto it = settings.find(def.id);
        if (it == settings.end()) {
            return make_error(ErrorCode::ConfigInvalid, std::string("checks.toml: check '") + def.id + "' is not configured");
        }
        // Disabled checks are read too: a typo stays a typo when the check is switched back on.
        ParamReader in(def.id, it->second.params);
        CheckRun run = def.setup(in);
        if (auto st = in.status(); !st) return st.error();
        if (it->second.enabled) out.push_back({&def, it->second.reason, std::move(run)});
    }
    const auto& cat = check_catalogue();
    for (const auto& entry : settings) {
        const std::string& id = entry.first;  // not a structured binding: clang 14 cannot capture one
        if (std::none_of(cat.begin(), cat.end(), [&](const CheckDef& d) { return id == d.id; })) {
            return make_error(ErrorCode::ConfigInvalid, "checks.toml: unknown check 'checks." + id + "'");
        }
    }
    return out;
}

Status validate_check_settings(const domain::CheckSettings& settings) {
    auto checks = configure_checks(settings);
    if (!checks) return checks.error();
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

std::vector<CheckResult> run_checks(const CheckInput& in, const std::vector<ConfiguredCheck>& checks) {
    const CheckContext ctx = make_check_context(in);
    std::vector<CheckResult> out;
    out.reserve(checks.size());
    for (const auto& check : checks) {
        CheckResult r;
        r.id = check.def->id;
        r.title = check.def->title;
        r.reason = check.reason;
        check.run(ctx, r);
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
