// [SECTION] Face checks: eyes, lips, glasses and light on the face, on the rendered photo.
#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "engine/checks/checks_impl.h"

namespace pd::engine::checks {

namespace {
const char* kNoFace = "no face found";

double dist(const Face& f, int a, int b) { return cv::norm(f.points[a] - f.points[b]); }

// Eye aspect ratio (Soukupova and Cech 2016): eyelid opening over eye width.
double eye_aspect(const Face& f, int first) {
    return (dist(f, first + 1, first + 5) + dist(f, first + 2, first + 4)) / (2.0 * std::max(1.0, dist(f, first, first + 3)));
}

// Lens boxes: each eye grown to where a lens sits.
std::array<cv::Rect, 2> lens_boxes(const CheckContext& c) {
    std::array<cv::Rect, 2> out;
    for (int e = 0; e < 2; ++e) {
        const int a = e == 0 ? lm::kEyeAFirst : lm::kEyeBFirst;
        std::vector<cv::Point> p;
        for (int i = a; i < a + 6; ++i) p.emplace_back(cv::Point(c.face.points[i]));
        const cv::Rect r = cv::boundingRect(p);
        const int gx = int(r.width * 0.35), gy = int(r.width * 0.35);
        out[e] = clamp_rect(cv::Rect(r.x - gx, r.y - gy, r.width + 2 * gx, r.height + 2 * gy), c.grey.size());
    }
    return out;
}

// Cheek boxes (image left and right) between the eye line and the mouth.
std::array<cv::Rect, 2> cheek_boxes(const CheckContext& c) {
    const Face& f = c.face;
    const float top = f.points[29].y, bottom = f.points[33].y;
    const float l0 = f.points[lm::kJawLeft].x + 0.10f * c.fw, l1 = f.points[31].x - 0.04f * c.fw;
    const float r0 = f.points[35].x + 0.04f * c.fw, r1 = f.points[lm::kJawRight].x - 0.10f * c.fw;
    const auto box = [&](float x0, float x1) {
        return clamp_rect(cv::Rect(cv::Point(int(x0), int(top)), cv::Point(int(std::max(x1, x0 + 2)), int(std::max(bottom, top + 2)))),
                          c.grey.size());
    };
    return {box(l0, l1), box(r0, r1)};
}

double median_l(const CheckContext& c, const cv::Rect& r) {
    if (r.area() <= 0) return 0;
    cv::Mat L = channel(c.lab(r), 0);
    return masked_percentile(L, cv::Mat(r.size(), CV_8U, cv::Scalar(255)), 0.5);
}
}  // namespace

// A ratio's warn and fail limits (low or high is bad depending on the check).
struct RatioParams {
    double warn_ratio, fail_ratio;
    static RatioParams read(ParamReader& in) {
        return {.warn_ratio = in.number("warn_ratio"), .fail_ratio = in.number("fail_ratio")};
    }
};

static void eyes_open(const CheckContext& c, const RatioParams& p, CheckResult& r) {
    r.unit = "ratio";
    r.threshold = "warn < " + fmt_num(p.warn_ratio, 2) + ", fail < " + fmt_num(p.fail_ratio, 2);
    if (!c.has_face_view) return not_assessable(r, kNoFace);
    const double a = eye_aspect(c.face, lm::kEyeAFirst), b = eye_aspect(c.face, lm::kEyeBFirst);
    r.value = std::min(a, b);
    r.verdict = grade_low(r.value, p.warn_ratio, p.fail_ratio);
    r.detail = "eyelid opening over eye width: " + fmt_num(a, 2) + " and " + fmt_num(b, 2);
    for (int e : {lm::kEyeAFirst, lm::kEyeBFirst}) {
        std::vector<cv::Point2f> poly(c.face.points.begin() + e, c.face.points.begin() + e + 6);
        r.geometry.polygons.push_back(poly);
    }
}

static void mouth_closed(const CheckContext& c, const RatioParams& p, CheckResult& r) {
    r.unit = "ratio";
    r.threshold = "warn > " + fmt_num(p.warn_ratio, 2) + ", fail > " + fmt_num(p.fail_ratio, 2);
    if (!c.has_face_view) return not_assessable(r, kNoFace);
    r.value = dist(c.face, lm::kInnerLipTop, lm::kInnerLipBottom) / std::max(1.0, dist(c.face, lm::kMouthLeft, lm::kMouthRight));
    r.verdict = grade_high(r.value, p.warn_ratio, p.fail_ratio);
    r.detail = "gap between the lips over mouth width";
    std::vector<cv::Point2f> poly(c.face.points.begin() + 60, c.face.points.begin() + 68);
    r.geometry.polygons.push_back(poly);
}

// Glasses leave strong horizontal edges on the nose bridge (the frame's bridge) and under the
// eyes (the lower rims), where bare skin is smooth.
static double glasses_score(const CheckContext& c) {
    const Face& f = c.face;
    const int x0 = int(f.points[39].x), x1 = int(f.points[42].x);
    const int y0 = int(f.points[lm::kNoseBridgeTop].y - 0.05f * c.fw), y1 = int(f.points[28].y + 0.02f * c.fw);
    const cv::Rect bridge = clamp_rect(cv::Rect(cv::Point(x0, y0), cv::Point(std::max(x1, x0 + 3), std::max(y1, y0 + 3))), c.grey.size());
    const cv::Rect skin = cheek_boxes(c)[0] | cheek_boxes(c)[1];
    if (bridge.area() < 9 || skin.area() < 9) return 0;
    // Vertical gradient over just the region both boxes lie in.
    const cv::Rect roi = clamp_rect(bridge | skin, c.grey.size());
    cv::Mat gy;
    cv::Sobel(c.grey(roi), gy, CV_32F, 0, 1, 3);
    gy = cv::abs(gy);
    const double bridge_edge = cv::mean(gy(bridge - roi.tl()))[0];
    const double skin_edge = cv::mean(gy(skin - roi.tl()))[0];
    return bridge_edge / std::max(4.0, skin_edge);
}

struct GlassesParams {
    double warn_score;  // glasses_score() above this: glasses
    static GlassesParams read(ParamReader& in) { return {.warn_score = in.number("warn_score")}; }
};

static void glasses(const CheckContext& c, const GlassesParams& p, CheckResult& r) {
    r.unit = "score";
    r.threshold = "glasses when > " + fmt_num(p.warn_score);
    if (!c.has_face_view) return not_assessable(r, kNoFace);
    r.value = glasses_score(c);
    const bool present = r.value > p.warn_score;
    // Glasses are allowed; a reviewer confirms clear lenses and frames off the eyes.
    r.verdict = present ? Verdict::Warn : Verdict::Pass;
    r.detail = present ? "glasses likely: confirm clear lenses, no glare, frames off the eyes" : "no glasses found";
    for (const auto& b : lens_boxes(c)) r.geometry.rects.emplace_back(b);
}

static void tinted_lenses(const CheckContext& c, const RatioParams& p, CheckResult& r) {
    r.unit = "ratio";
    r.threshold = "warn < " + fmt_num(p.warn_ratio, 2) + ", fail < " + fmt_num(p.fail_ratio, 2);
    if (!c.has_face_view) return not_assessable(r, kNoFace);
    const auto lenses = lens_boxes(c);
    const auto cheeks = cheek_boxes(c);
    const double skin = std::max(1.0, (median_l(c, cheeks[0]) + median_l(c, cheeks[1])) / 2);
    // The lighter of the two lenses: one dark eye socket in side light is not a tint.
    const double lens = std::max(median_l(c, lenses[0]), median_l(c, lenses[1]));
    r.value = lens / skin;
    r.verdict = grade_low(r.value, p.warn_ratio, p.fail_ratio);
    r.detail = "eye-region lightness over cheek lightness (L* " + fmt_num(lens, 0) + " / " + fmt_num(skin, 0) + ")";
    for (const auto& b : lenses) r.geometry.rects.emplace_back(b);
    for (const auto& b : cheeks) r.geometry.rects.emplace_back(b);
}

struct LensGlareParams {
    double bright_l;  // L* above which a colourless pixel is a reflection
    double warn_percent, fail_percent;
    static LensGlareParams read(ParamReader& in) {
        return {.bright_l = in.number("bright_l"),
                .warn_percent = in.number("warn_percent"),
                .fail_percent = in.number("fail_percent")};
    }
};

static void lens_glare(const CheckContext& c, const LensGlareParams& p, CheckResult& r) {
    r.unit = "%";
    r.threshold = "warn > " + fmt_num(p.warn_percent) + ", fail > " + fmt_num(p.fail_percent);
    if (!c.has_face_view) return not_assessable(r, kNoFace);
    const double bright = p.bright_l;
    int n = 0, hot = 0;
    r.geometry.map = cv::Mat::zeros(c.grey.size(), CV_8U);
    for (const auto& b : lens_boxes(c)) {
        for (int y = b.y; y < b.y + b.height; ++y) {
            const auto* L = c.lab.ptr<cv::Vec3f>(y);
            for (int x = b.x; x < b.x + b.width; ++x) {
                ++n;
                // Near-white and colourless: a reflection, not skin.
                if (L[x][0] > bright && std::hypot(L[x][1], L[x][2]) < 12) {
                    ++hot;
                    r.geometry.map.at<uchar>(y, x) = 255;
                }
            }
        }
        r.geometry.rects.emplace_back(b);
    }
    r.value = n ? 100.0 * hot / n : 0;
    r.verdict = grade_high(r.value, p.warn_percent, p.fail_percent);
    r.detail = "share of near-white pixels where lenses sit";
}

struct FaceShadowParams {
    double warn_delta_l, fail_delta_l;  // L* between the cheeks
    static FaceShadowParams read(ParamReader& in) {
        return {.warn_delta_l = in.number("warn_delta_l"), .fail_delta_l = in.number("fail_delta_l")};
    }
};

static void face_shadow(const CheckContext& c, const FaceShadowParams& p, CheckResult& r) {
    r.unit = "L*";
    r.threshold = "warn > " + fmt_num(p.warn_delta_l) + ", fail > " + fmt_num(p.fail_delta_l);
    if (!c.has_face_view) return not_assessable(r, kNoFace);
    const auto cheeks = cheek_boxes(c);
    const double a = median_l(c, cheeks[0]), b = median_l(c, cheeks[1]);
    r.value = std::abs(a - b);
    r.verdict = grade_high(r.value, p.warn_delta_l, p.fail_delta_l);
    r.detail = "cheek lightness L* " + fmt_num(a, 0) + " (left of image) vs " + fmt_num(b, 0);
    for (const auto& box : cheeks) r.geometry.rects.emplace_back(box);
}

// [SECTION] Setup

CheckRun setup_eyes_open(ParamReader& in) { return bind_params(eyes_open, RatioParams::read(in)); }
CheckRun setup_mouth_closed(ParamReader& in) { return bind_params(mouth_closed, RatioParams::read(in)); }
CheckRun setup_glasses(ParamReader& in) { return bind_params(glasses, GlassesParams::read(in)); }
CheckRun setup_tinted_lenses(ParamReader& in) { return bind_params(tinted_lenses, RatioParams::read(in)); }
CheckRun setup_lens_glare(ParamReader& in) { return bind_params(lens_glare, LensGlareParams::read(in)); }
CheckRun setup_face_shadow(ParamReader& in) { return bind_params(face_shadow, FaceShadowParams::read(in)); }

}  // namespace pd::engine::checks
