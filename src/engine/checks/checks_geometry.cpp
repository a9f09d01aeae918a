// [SECTION] Geometry checks: where the head sits in the spec photo, and its pose.
// Positions are measured on the rendered photo (landmarks mapped through the crop, the crown
// found again on the output matte), so they judge what CHSI will see.
#include <cmath>

#include "engine/checks/checks_impl.h"
#include "engine/matte/person_matte.h"

namespace pd::engine::checks {

namespace {
const char* kNoPhoto = "no spec photo was produced";
constexpr double kRadToDeg = 180.0 / 3.14159265358979323846;

std::string band_text(const domain::Range& r) { return fmt_num(r.min, 0) + "-" + fmt_num(r.max, 0); }

void add_band(Geometry& g, const domain::Range& r) { g.hbands.emplace_back(float(r.min), float(r.max)); }

void hline(Geometry& g, float y, float w) { g.lines.push_back({{0, y}, {w, y}}); }
}  // namespace

// Placement: the spec's band, and how far outside it still only warns.
struct PlacementParams {
    double tolerance_px;
    static PlacementParams read(ParamReader& in) { return {.tolerance_px = in.number("tolerance_px")}; }
};

static void crown_position(const CheckContext& c, const PlacementParams& p, CheckResult& r) {
    r.unit = "px";
    r.threshold = band_text(c.in.spec.crown_y);
    if (!c.has_photo) return not_assessable(r, kNoPhoto);
    const int row = find_crown_row(c.in.photo->alpha, c.face);
    r.value = row < 0 ? 0 : row;
    r.verdict = grade_band(r.value, c.in.spec.crown_y.min, c.in.spec.crown_y.max, p.tolerance_px);
    r.detail = row < 0 ? "the hair reaches the top edge" : "top of the hair " + fmt_num(r.value, 0) + " px below the top edge";
    add_band(r.geometry, c.in.spec.crown_y);
    hline(r.geometry, float(r.value), float(c.grey.cols));
}

static void eye_position(const CheckContext& c, const PlacementParams& p, CheckResult& r) {
    r.unit = "px";
    r.threshold = band_text(c.in.spec.eye_y);
    if (!c.has_photo) return not_assessable(r, kNoPhoto);
    r.value = c.face.eyes_midpoint().y;
    r.verdict = grade_band(r.value, c.in.spec.eye_y.min, c.in.spec.eye_y.max, p.tolerance_px);
    r.detail = "eye line " + fmt_num(r.value, 0) + " px below the top edge";
    add_band(r.geometry, c.in.spec.eye_y);
    r.geometry.points = {c.face.eye_centre_a(), c.face.eye_centre_b()};
    r.geometry.lines.push_back({c.face.eye_centre_a(), c.face.eye_centre_b()});
}

static void face_width(const CheckContext& c, const PlacementParams& p, CheckResult& r) {
    r.unit = "px";
    r.threshold = band_text(c.in.spec.face_width);
    if (!c.has_photo) return not_assessable(r, kNoPhoto);
    r.value = c.fw;
    r.verdict = grade_band(r.value, c.in.spec.face_width.min, c.in.spec.face_width.max, p.tolerance_px);
    r.detail = "cheek to cheek at the ear line (landmarks 0-16)";
    const auto& a = c.face.points[lm::kJawLeft];
    const auto& b = c.face.points[lm::kJawRight];
    r.geometry.lines.push_back({a, b});
    // The spec limits as ticks centred on the face.
    const float cx = (a.x + b.x) / 2, y = (a.y + b.y) / 2;
    for (double w : {c.in.spec.face_width.min, c.in.spec.face_width.max}) {
        for (float sgn : {-1.f, 1.f}) {
            const float x = cx + sgn * float(w / 2);
            r.geometry.lines.push_back({{x, y - 12}, {x, y + 12}});
        }
    }
}

static void centring(const CheckContext& c, const PlacementParams& p, CheckResult& r) {
    r.unit = "px";
    const double limit = c.in.spec.max_centre_offset_px;
    r.threshold = "|offset| <= " + fmt_num(limit, 0);
    if (!c.has_photo) return not_assessable(r, kNoPhoto);
    const double cx = (c.face.points[lm::kJawLeft].x + c.face.points[lm::kJawRight].x) / 2;
    const double mid = c.grey.cols / 2.0;
    r.value = cx - mid;
    r.verdict = grade_band(std::abs(r.value), 0, limit, p.tolerance_px);
    r.detail = "face centre " + fmt_num(r.value, 0) + " px from the centre line";
    const float h = float(c.grey.rows);
    r.geometry.lines.push_back({{float(mid), 0}, {float(mid), h}});
    r.geometry.lines.push_back({{float(cx), 0}, {float(cx), h}});
}

// Pose angles, in degrees either way.
struct AngleParams {
    double warn_deg, fail_deg;
    static AngleParams read(ParamReader& in) {
        return {.warn_deg = in.number("warn_deg"), .fail_deg = in.number("fail_deg")};
    }
};

static void eye_tilt(const CheckContext& c, const AngleParams& p, CheckResult& r) {
    r.unit = "deg";
    r.threshold = "warn > " + fmt_num(p.warn_deg) + ", fail > " + fmt_num(p.fail_deg);
    if (!c.has_face) return not_assessable(r, "no face found");
    // No rotation happens in the pipeline, so the angle is the same on the original.
    const Face& f = c.has_photo ? c.face : c.in.source.subject();
    const cv::Point2f a = f.eye_centre_a(), b = f.eye_centre_b();
    r.value = std::atan2(b.y - a.y, b.x - a.x) * kRadToDeg;
    r.verdict = grade_high(std::abs(r.value), p.warn_deg, p.fail_deg);
    r.detail = std::string("eye line ") + (r.value > 0 ? "falls" : "rises") + " to the right by " +
               fmt_num(std::abs(r.value)) + " deg";
    r.geometry.space = c.has_photo ? Space::Standardized : Space::Original;
    r.geometry.points = {a, b};
    r.geometry.lines.push_back({a, b});
    // A level reference through the first eye.
    r.geometry.lines.push_back({a, {b.x, a.y}});
}

static void yaw(const CheckContext& c, const AngleParams& p, CheckResult& r) {
    r.unit = "deg";
    r.threshold = "warn > " + fmt_num(p.warn_deg) + ", fail > " + fmt_num(p.fail_deg);
    if (!c.has_face) return not_assessable(r, "no face found");
    const Face& f = c.has_photo ? c.face : c.in.source.subject();
    // The nose tip's position between the jaw ends: 0 when frontal.
    const cv::Point2f n = f.points[lm::kNoseTip], l = f.points[lm::kJawLeft], rr = f.points[lm::kJawRight];
    const double dl = cv::norm(n - l), dr = cv::norm(rr - n);
    const double asym = (dl - dr) / std::max(1.0, dl + dr);
    r.value = std::asin(std::clamp(asym, -1.0, 1.0)) * kRadToDeg;
    r.verdict = grade_high(std::abs(r.value), p.warn_deg, p.fail_deg);
    r.detail = "nose tip asymmetry between the jaw ends " + fmt_num(asym * 100) + " %";
    r.geometry.space = c.has_photo ? Space::Standardized : Space::Original;
    r.geometry.lines.push_back({l, n});
    r.geometry.lines.push_back({n, rr});
}

struct PitchParams {
    double neutral_ratio;  // (eye line to nose tip) / (eye line to chin) of a frontal pose
    double warn_dev, fail_dev;
    static PitchParams read(ParamReader& in) {
        return {.neutral_ratio = in.number("neutral_ratio"),
                .warn_dev = in.number("warn_dev"),
                .fail_dev = in.number("fail_dev")};
    }
};

static void pitch(const CheckContext& c, const PitchParams& p, CheckResult& r) {
    r.unit = "ratio";
    const double neutral = p.neutral_ratio;
    r.threshold = fmt_num(neutral, 2) + " +/- " + fmt_num(p.warn_dev, 2) + " (fail +/- " +
                  fmt_num(p.fail_dev, 2) + ")";
    if (!c.has_face) return not_assessable(r, "no face found");
    const Face& f = c.has_photo ? c.face : c.in.source.subject();
    // Eye line to nose tip over eye line to chin: grows when the head tips back (chin up).
    const double eye = f.eyes_midpoint().y, nose = f.points[lm::kNoseTip].y, chin = f.points[lm::kChin].y;
    r.value = (nose - eye) / std::max(1.0, chin - eye);
    r.verdict = grade_high(std::abs(r.value - neutral), p.warn_dev, p.fail_dev);
    r.detail = r.value > neutral ? "chin raised relative to a frontal pose" : "chin lowered relative to a frontal pose";
    r.geometry.space = c.has_photo ? Space::Standardized : Space::Original;
    r.geometry.points = {f.eyes_midpoint(), f.points[lm::kNoseTip], f.points[lm::kChin]};
}

// [SECTION] Setup

CheckRun setup_crown_position(ParamReader& in) { return bind_params(crown_position, PlacementParams::read(in)); }
CheckRun setup_eye_position(ParamReader& in) { return bind_params(eye_position, PlacementParams::read(in)); }
CheckRun setup_face_width(ParamReader& in) { return bind_params(face_width, PlacementParams::read(in)); }
CheckRun setup_centring(ParamReader& in) { return bind_params(centring, PlacementParams::read(in)); }
CheckRun setup_eye_tilt(ParamReader& in) { return bind_params(eye_tilt, AngleParams::read(in)); }
CheckRun setup_yaw(ParamReader& in) { return bind_params(yaw, AngleParams::read(in)); }
CheckRun setup_pitch(ParamReader& in) { return bind_params(pitch, PitchParams::read(in)); }

}  // namespace pd::engine::checks
