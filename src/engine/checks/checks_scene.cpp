// [SECTION] Scene checks: the wall in the original, the new background, other people,
// clothing against the background colour, dark borders.
#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "engine/checks/checks_impl.h"
#include "engine/color/colour.h"

namespace pd::engine::checks {

namespace {
const char* kNoPhoto = "no spec photo was produced";
}

void background_uniformity(const CheckContext& c, const domain::CheckConfig& cfg, CheckResult& r) {
    r.unit = "dE";
    r.threshold = "warn > " + fmt_num(cfg.params.at("warn_delta_e")) + ", fail > " + fmt_num(cfg.params.at("fail_delta_e"));
    if (!c.has_face) return not_assessable(r, "no face found, so the wall cannot be told from the person");
    const PersonMatte& m = c.in.source.matte;
    // The 95th percentile distance of the wall samples from a smooth wall model: objects,
    // shadows and clutter stand out; an even gradient does not (it is reported separately).
    r.value = m.wall_residual_p95;
    r.verdict = grade_high(r.value, cfg.params.at("warn_delta_e"), cfg.params.at("fail_delta_e"));
    r.detail = "wall residual p95 " + fmt_num(m.wall_residual_p95) + " dE, gradient " + fmt_num(m.wall_gradient) +
               " dE across the frame, from " + std::to_string(m.wall_samples) + " samples";
    r.geometry.space = Space::Original;
    // Map: how far each background pixel is from the wall model (x8 per dE), computed at the
    // matte's small size and brought up to the working image.
    if (!m.wall_distance.empty()) {
        cv::Mat small;
        m.wall_distance.convertTo(small, CV_8U, 8.0);
        cv::resize(small, r.geometry.map, c.in.source.working.size(), 0, 0, cv::INTER_NEAREST);
        r.geometry.map.setTo(0, m.alpha > 0.1f);
    }
}

void background_colour(const CheckContext& c, const domain::CheckConfig& cfg, CheckResult& r) {
    r.unit = "dE2000";
    const double limit = c.in.spec.background_max_delta_e;
    r.threshold = "<= " + fmt_num(limit);
    if (!c.has_photo) return not_assessable(r, kNoPhoto);
    const cv::Mat& bgr = c.in.photo->bgr;
    const cv::Mat& alpha = c.in.photo->alpha;
    const cv::Vec3d target = rgb_to_lab(c.in.spec.background);
    // The frame's top and side borders (4 px), where the matte says background.
    std::vector<double> de;
    const int b = 4;
    for (int y = 0; y < bgr.rows; y += 2) {
        for (int x = 0; x < bgr.cols; x += 2) {
            const bool border = y < b || x < b || x >= bgr.cols - b;
            if (!border || alpha.at<float>(y, x) > 0.05f) continue;
            const cv::Vec3b p = bgr.at<cv::Vec3b>(y, x);
            de.push_back(delta_e2000(bgr_to_lab(cv::Vec3d(p[0], p[1], p[2])), target));
        }
    }
    if (de.size() < 20) return not_assessable(r, "the person covers the borders: no background to measure");
    std::sort(de.begin(), de.end());
    r.value = de[size_t(0.95 * double(de.size() - 1))];
    r.verdict = grade_band(r.value, 0, limit, cfg.params.at("tolerance_delta_e"));
    r.detail = "95th percentile dE2000 of border background pixels to RGB(" + std::to_string(c.in.spec.background.r) +
               "," + std::to_string(c.in.spec.background.g) + "," + std::to_string(c.in.spec.background.b) + ")";
    r.geometry.rects.emplace_back(0, 0, float(bgr.cols), float(b));
    r.geometry.rects.emplace_back(0, 0, float(b), float(bgr.rows));
    r.geometry.rects.emplace_back(float(bgr.cols - b), 0, float(b), float(bgr.rows));
}

void other_faces(const CheckContext& c, const domain::CheckConfig& cfg, CheckResult& r) {
    r.unit = "faces";
    r.threshold = "no other face >= " + fmt_num(100 * cfg.params.at("min_size_ratio"), 0) + " % of the subject's width";
    r.geometry.space = Space::Original;
    const auto& faces = c.in.source.faces;
    if (faces.empty()) {
        r.verdict = Verdict::Fail;
        r.reason = "wrong_person";
        r.detail = "no face found at all";
        return;
    }
    const double min_w = cfg.params.at("min_size_ratio") * faces.front().face_width();
    int others = 0;
    std::string scores;
    for (size_t i = 1; i < faces.size(); ++i) {
        // A cascade face has no HOG score: the cascade's own threshold (min_neighbours in
        // engine.toml) already kept it.
        const bool cascade = faces[i].source == FaceSource::Cascade;
        if (faces[i].face_width() >= min_w && (cascade || faces[i].score >= cfg.params.at("min_score"))) {
            ++others;
            r.geometry.rects.push_back(faces[i].box);
            scores += (scores.empty() ? "" : ", ") + (cascade ? std::string("cascade") : fmt_num(faces[i].score, 2));
        }
    }
    r.value = others;
    r.verdict = others > 0 ? Verdict::Fail : Verdict::Pass;
    r.detail = others ? std::to_string(others) + " other face(s) besides the student (detector confidence " + scores + ")"
                      : "only the student";
    r.geometry.rects.insert(r.geometry.rects.begin(), faces.front().box);
}

void blue_clothing(const CheckContext& c, const domain::CheckConfig& cfg, CheckResult& r) {
    r.unit = "%";
    r.threshold = "share of clothing within dE " + fmt_num(cfg.params.at("max_delta_e"), 0) + " of the background: warn > " +
                  fmt_num(cfg.params.at("warn_percent"), 0) + ", fail > " + fmt_num(cfg.params.at("fail_percent"), 0);
    if (!c.has_face) return not_assessable(r, "no face found, so the clothing cannot be located");
    // On the spec photo when there is one (its Lab copy is already made); otherwise on the
    // source, at half size: the clothes are the student's either way.
    cv::Mat lab, clothing;
    cv::Rect band;  // source rows below the neck, when judged on the source
    if (c.has_photo) {
        lab = c.lab;
        clothing = c.clothing_mask;
    } else {
        const SourceAnalysis& a = c.in.source;
        const Face& f = a.subject();
        const int neck = std::clamp(int(f.points[lm::kChin].y + 0.35 * f.face_width()), 0, a.working.rows);
        if (neck >= a.working.rows - 1) return not_assessable(r, "the photo ends at the neck: no clothing in the frame");
        band = cv::Rect(0, neck, a.working.cols, a.working.rows - neck);
        cv::Mat small, f32, alpha;
        cv::resize(a.working(band), small, cv::Size(std::max(1, band.width / 2), std::max(1, band.height / 2)), 0, 0, cv::INTER_AREA);
        small.convertTo(f32, CV_32FC3, 1.0 / 255.0);
        cv::cvtColor(f32, lab, cv::COLOR_BGR2Lab);
        cv::resize(a.matte.alpha(band), alpha, small.size(), 0, 0, cv::INTER_AREA);
        clothing = alpha > 0.9f;
    }
    const int n = cv::countNonZero(clothing);
    if (n < 200) return not_assessable(r, "too little clothing in the frame");
    const cv::Vec3d bg = rgb_to_lab(c.in.spec.background);
    const double limit2 = cfg.params.at("max_delta_e") * cfg.params.at("max_delta_e");
    r.geometry.space = c.has_photo ? Space::Standardized : Space::Original;
    cv::Mat map = cv::Mat::zeros(lab.size(), CV_8U);
    int close = 0;
    for (int y = 0; y < lab.rows; ++y) {
        const auto* L = lab.ptr<cv::Vec3f>(y);
        const uchar* m = clothing.ptr<uchar>(y);
        uchar* out = map.ptr<uchar>(y);
        for (int x = 0; x < lab.cols; ++x) {
            if (!m[x]) continue;
            // dE76 in Lab: close enough at this scale and 30x cheaper than dE2000 per pixel.
            const double d2 = (L[x][0] - bg[0]) * (L[x][0] - bg[0]) + (L[x][1] - bg[1]) * (L[x][1] - bg[1]) +
                              (L[x][2] - bg[2]) * (L[x][2] - bg[2]);
            if (d2 < limit2) {
                ++close;
                out[x] = 255;
            }
        }
    }
    if (c.has_photo) {
        r.geometry.map = map;
    } else {
        // Back to the working image's coordinates.
        r.geometry.map = cv::Mat::zeros(c.in.source.working.size(), CV_8U);
        cv::Mat up;
        cv::resize(map, up, band.size(), 0, 0, cv::INTER_NEAREST);
        up.copyTo(r.geometry.map(band));
    }
    r.value = 100.0 * close / n;
    r.verdict = grade_high(r.value, cfg.params.at("warn_percent"), cfg.params.at("fail_percent"));
    r.detail = "clothing pixels that melt into the background colour";
}

void patterned_clothing(const CheckContext& c, const domain::CheckConfig& cfg, CheckResult& r) {
    r.unit = "%";
    r.threshold = "edge density warn > " + fmt_num(cfg.params.at("warn_percent"), 0) + ", fail > " + fmt_num(cfg.params.at("fail_percent"), 0);
    if (!c.has_photo) return not_assessable(r, kNoPhoto);
    cv::Mat inner;
    cv::erode(c.clothing_mask, inner, cv::getStructuringElement(cv::MORPH_RECT, {7, 7}));
    const int n = cv::countNonZero(inner);
    if (n < 200) return not_assessable(r, "too little clothing in the frame");
    cv::Mat gx, gy, mag;
    cv::Sobel(c.grey, gx, CV_32F, 1, 0, 3);
    cv::Sobel(c.grey, gy, CV_32F, 0, 1, 3);
    cv::magnitude(gx, gy, mag);
    cv::Mat edges = (mag > cfg.params.at("edge_threshold")) & inner;
    r.value = 100.0 * cv::countNonZero(edges) / n;
    r.verdict = grade_high(r.value, cfg.params.at("warn_percent"), cfg.params.at("fail_percent"));
    r.detail = "share of the clothing covered by strong edges (stripes, prints)";
    r.geometry.map = edges;
}

void black_border(const CheckContext& c, const domain::CheckConfig& cfg, CheckResult& r) {
    r.unit = "px";
    r.threshold = "dark band of >= " + fmt_num(cfg.params.at("min_px"), 0) + " px at an edge";
    r.geometry.space = Space::Original;
    const cv::Mat& g = c.work_grey;
    if (g.empty()) return not_assessable(r, "no image");
    // Luma that counts as black (0..255 scale, from L* in config).
    // L* -> relative luminance -> sRGB-encoded grey level.
    const double max_l = cfg.params.at("max_l");
    const double lin = std::pow((max_l + 16.0) / 116.0, 3.0);
    const double max_y = 255.0 * (lin <= 0.0031308 ? 12.92 * lin : 1.055 * std::pow(lin, 1 / 2.4) - 0.055);
    const auto dark_line = [&](const cv::Mat& line) {
        cv::Scalar m, sd;
        cv::meanStdDev(line, m, sd);
        return m[0] <= max_y && sd[0] < 12.0;
    };
    const auto band = [&](bool rows, bool from_end) {
        const int n = rows ? g.rows : g.cols;
        int k = 0;
        while (k < n / 4) {
            const int i = from_end ? n - 1 - k : k;
            if (!dark_line(rows ? g.row(i) : g.col(i))) break;
            ++k;
        }
        return k;
    };
    const int top = band(true, false), bottom = band(true, true), left = band(false, false), right = band(false, true);
    r.value = std::max({top, bottom, left, right});
    r.verdict = r.value >= cfg.params.at("min_px") ? Verdict::Fail : Verdict::Pass;
    r.detail = "dark bands top " + std::to_string(top) + ", bottom " + std::to_string(bottom) + ", left " +
               std::to_string(left) + ", right " + std::to_string(right) + " px";
    const float W = float(g.cols), H = float(g.rows);
    if (top) r.geometry.rects.emplace_back(0.f, 0.f, W, float(top));
    if (bottom) r.geometry.rects.emplace_back(0.f, H - bottom, W, float(bottom));
    if (left) r.geometry.rects.emplace_back(0.f, 0.f, float(left), H);
    if (right) r.geometry.rects.emplace_back(W - right, 0.f, float(right), H);
}

}  // namespace pd::engine::checks
