#include "engine/matte/person_matte.h"

#include <algorithm>
#include <cstdint>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "engine/matte/wall_model.h"

namespace pd::engine {

namespace {

// [SECTION] Geometry priors from the face

struct HeadGeometry {
    cv::Point2f centre;  // between the eyes
    float fw = 0;        // face width
    float chin_y = 0;
};

HeadGeometry head_geometry(const Face& f, double s) {
    HeadGeometry g;
    g.centre = f.eyes_midpoint() * float(s);
    g.fw = float(f.face_width() * s);
    g.chin_y = f.points[lm::kChin].y * float(s);
    return g;
}

// Everything the person can plausibly occupy: a head ellipse and a widening torso.
cv::Mat person_envelope(cv::Size size, const HeadGeometry& g) {
    cv::Mat env(size, CV_8U, cv::Scalar(0));
    const float fw = g.fw, cx = g.centre.x;
    cv::ellipse(env, cv::RotatedRect(cv::Point2f(cx, g.centre.y - 0.1f * fw), cv::Size2f(2.0f * fw, 2.9f * fw), 0),
                cv::Scalar(255), cv::FILLED);
    const float top = g.chin_y - 0.3f * fw, mid = g.chin_y + 1.5f * fw, h = float(size.height + 1);
    std::vector<cv::Point> torso = {
        {int(cx - 0.9f * fw), int(top)}, {int(cx + 0.9f * fw), int(top)},
        {int(cx + 3.5f * fw), int(mid)}, {int(cx + 3.5f * fw), int(h)},
        {int(cx - 3.5f * fw), int(h)},   {int(cx - 3.5f * fw), int(mid)}};
    cv::fillConvexPoly(env, torso, cv::Scalar(255));
    return env;
}

// Jaw, brows and the forehead above them (a shiny forehead can match a white wall).
std::vector<cv::Point> face_hull(const Face& f, double s, double forehead_lift) {
    std::vector<cv::Point> pts;
    for (int i = 0; i <= lm::kBrowLast; ++i) pts.emplace_back(cv::Point(f.points[i] * float(s)));
    const float lift = float(forehead_lift * f.face_width() * s);
    for (int i = lm::kBrowFirst; i <= lm::kBrowLast; ++i) {
        pts.emplace_back(cv::Point(f.points[i] * float(s) - cv::Point2f(0, lift)));
    }
    std::vector<cv::Point> hull;
    cv::convexHull(pts, hull);
    return hull;
}

// GrabCut on a small copy, seeded: the face hull and the torso centre are person, what is
// outside the envelope or well above the head is wall, the colour alpha says "probably".
cv::Mat grabcut_matte(const cv::Mat& small_bgr, const cv::Mat& alpha, const cv::Mat& env,
                      const std::vector<cv::Point>& hull, const HeadGeometry& g, int long_side) {
    const double k = std::min(1.0, double(long_side) / std::max(small_bgr.cols, small_bgr.rows));
    cv::Mat img, a, e;
    cv::resize(small_bgr, img, cv::Size(std::max(2, int(small_bgr.cols * k)), std::max(2, int(small_bgr.rows * k))), 0, 0,
               cv::INTER_AREA);
    cv::resize(alpha, a, img.size(), 0, 0, cv::INTER_AREA);
    cv::resize(env, e, img.size(), 0, 0, cv::INTER_NEAREST);
    cv::Mat mask(img.size(), CV_8U, cv::Scalar(cv::GC_PR_BGD));
    mask.setTo(cv::GC_PR_FGD, a > 0.6f);
    mask.setTo(cv::GC_BGD, e == 0);
    const float fw = g.fw * float(k), cx = g.centre.x * float(k), ey = g.centre.y * float(k);
    const int above = int(ey - 1.7f * fw);
    if (above > 0) mask.rowRange(0, above).setTo(cv::GC_BGD);
    std::vector<cv::Point> h;
    for (const auto& p : hull) h.emplace_back(int(p.x * k), int(p.y * k));
    cv::fillConvexPoly(mask, h, cv::Scalar(cv::GC_FGD));
    const int torso_top = int(g.chin_y * float(k) + 0.4f * fw);
    const cv::Rect torso = cv::Rect(int(cx - 0.45f * fw), torso_top, int(0.9f * fw), img.rows - torso_top) &
                           cv::Rect(0, 0, img.cols, img.rows);
    if (torso.area() > 0) mask(torso).setTo(cv::GC_FGD);
    cv::Mat bgd, fgd;
    // GrabCut seeds its colour models from OpenCV's per-thread RNG: fix the state for the
    // call (and restore it) so the same photo always gives the same matte and the same bytes.
    cv::RNG& rng = cv::theRNG();
    const std::uint64_t saved = rng.state;
    rng.state = 0x5eed'9a7e'c0ffee11ULL;
    try {
        cv::grabCut(img, mask, cv::Rect(), bgd, fgd, 3, cv::GC_INIT_WITH_MASK);
    } catch (const cv::Exception&) {
        rng.state = saved;
        return alpha;  // degenerate seeds (all one class): keep the colour matte
    }
    rng.state = saved;
    cv::Mat fg = (mask == cv::GC_FGD) | (mask == cv::GC_PR_FGD);
    cv::Mat out;
    fg.convertTo(out, CV_32F, 1.0 / 255);
    cv::resize(out, out, alpha.size(), 0, 0, cv::INTER_LINEAR);
    return out;
}

// Fast guided filter (He and Sun 2015): the linear coefficients are computed on a copy
// subsampled by `sub`, then upsampled and applied to the full guide. Same edges as the
// full guided filter at a fraction of the cost.
cv::Mat fast_guided_filter(const cv::Mat& grey_u8, const cv::Mat& p, int r, double eps, int sub = 4) {
    cv::Mat I;
    grey_u8.convertTo(I, CV_32F, 1.0 / 255.0);
    const cv::Size small(std::max(1, I.cols / sub), std::max(1, I.rows / sub));
    cv::Mat Is, ps;
    cv::resize(I, Is, small, 0, 0, cv::INTER_AREA);
    cv::resize(p, ps, small, 0, 0, cv::INTER_AREA);
    const int rs = std::max(1, r / sub);
    const cv::Size k(2 * rs + 1, 2 * rs + 1);
    cv::Mat mean_I, mean_p, corr_II, corr_Ip;
    cv::boxFilter(Is, mean_I, CV_32F, k);
    cv::boxFilter(ps, mean_p, CV_32F, k);
    cv::boxFilter(Is.mul(Is), corr_II, CV_32F, k);
    cv::boxFilter(Is.mul(ps), corr_Ip, CV_32F, k);
    cv::Mat var_I = corr_II - mean_I.mul(mean_I);
    cv::Mat cov_Ip = corr_Ip - mean_I.mul(mean_p);
    cv::Mat a = cov_Ip / (var_I + eps);
    cv::Mat b = mean_p - a.mul(mean_I);
    cv::boxFilter(a, a, CV_32F, k);
    cv::boxFilter(b, b, CV_32F, k);
    cv::resize(a, a, I.size(), 0, 0, cv::INTER_LINEAR);
    cv::resize(b, b, I.size(), 0, 0, cv::INTER_LINEAR);
    return a.mul(I) + b;
}

// [SECTION] Stages of the matte, in the order compute_person_matte calls them

// The image at the small working size, and where the head is in it.
struct WorkingImage {
    double s = 1.0;   // working size / full size
    cv::Mat small;    // CV_8UC3, `bgr` itself when it is small enough already
    cv::Mat lab;      // CV_32FC3
    HeadGeometry g;   // in working coordinates
};

// 1. Working copy.
WorkingImage working_copy(const cv::Mat& bgr, const Face& face, int work_long_side) {
    WorkingImage w;
    const int long_side = std::max(bgr.cols, bgr.rows);
    w.s = long_side > work_long_side ? double(work_long_side) / long_side : 1.0;
    if (w.s < 1.0) {
        cv::resize(bgr, w.small, cv::Size(std::max(2, int(bgr.cols * w.s)), std::max(2, int(bgr.rows * w.s))), 0, 0,
                   cv::INTER_AREA);
    }
    else w.small = bgr;
    w.small.convertTo(w.lab, CV_32FC3, 1.0 / 255.0);
    cv::cvtColor(w.lab, w.lab, cv::COLOR_BGR2Lab);
    w.g = head_geometry(face, w.s);
    return w;
}

// 2. Wall samples: everything around the head down to the chin, outside the envelope.
// Only the wall near the head matters for the hair edge, and a flag or a door at the far
// side of the frame should not bend the model.
std::vector<wall::Sample> wall_samples(const cv::Mat& lab, const cv::Mat& env, const HeadGeometry& g) {
    const int W = lab.cols, H = lab.rows;
    std::vector<wall::Sample> samples;
    const int side_bottom = std::clamp(int(g.chin_y), 1, H - 1);
    const int x_lo = std::max(0, int(g.centre.x - 2.2f * g.fw)), x_hi = std::min(W - 1, int(g.centre.x + 2.2f * g.fw));
    for (int y = 0; y <= side_bottom; y += 2) {
        for (int x = x_lo; x <= x_hi; x += 2) {
            if (env.at<uchar>(y, x)) continue;
            samples.push_back({2.0 * x / (W - 1) - 1.0, 2.0 * y / (H - 1) - 1.0, lab.at<cv::Vec3f>(y, x)});
        }
    }
    // A head filling the frame leaves too few samples: fall back to every border pixel.
    if (samples.size() < 24) {
        samples.clear();
        for (int x = 0; x < W; ++x) samples.push_back({2.0 * x / (W - 1) - 1.0, -1.0, lab.at<cv::Vec3f>(0, x)});
        for (int y = 0; y < side_bottom; ++y) {
            samples.push_back({-1.0, 2.0 * y / (H - 1) - 1.0, lab.at<cv::Vec3f>(y, 0)});
            samples.push_back({1.0, 2.0 * y / (H - 1) - 1.0, lab.at<cv::Vec3f>(y, W - 1)});
        }
    }
    return samples;
}

// How far the wall strays from its model: the noise sets the alpha thresholds (stage 3) and
// decides, with the crown, whether GrabCut takes over (stage 3b).
void record_wall_fit(const wall::Fit& fit, size_t n_samples, PersonMatte& out) {
    out.wall_samples = int(n_samples);
    out.wall_residual_p95 = wall::percentile(fit.residuals, 0.95);
    out.wall_noise = std::max(0.5, 1.4826 * wall::percentile(fit.residuals, 0.5));
}

struct ColourMatte {
    cv::Mat dist;   // CV_32FC1 ΔE from the wall model
    cv::Mat alpha;  // CV_32FC1 in [0,1]
};

// 3. Alpha from the distance to the wall, thresholds from the wall's own noise. The face
// hull is person by construction.
ColourMatte alpha_from_distance(const cv::Mat& lab, const cv::Mat& wall_lab, double wall_noise,
                                const std::vector<cv::Point>& hull) {
    cv::Mat diff = lab - wall_lab;
    std::vector<cv::Mat> ch;
    cv::split(diff, ch);
    cv::Mat dist;
    cv::magnitude(ch[0], ch[1], dist);
    cv::magnitude(dist, ch[2], dist);
    const double t_lo = std::max(5.0, 3.0 * wall_noise);
    const double t_hi = t_lo + std::max(6.0, 3.0 * wall_noise);
    cv::Mat alpha;
    dist.convertTo(alpha, CV_32F, 1.0 / (t_hi - t_lo), -t_lo / (t_hi - t_lo));
    cv::min(cv::max(alpha, 0.0), 1.0, alpha);
    cv::fillConvexPoly(alpha, hull, cv::Scalar(1.0));
    return {dist, alpha};
}

// Keep components touching the face or the bottom edge under the envelope. Returns the kept
// foreground (CV_8U, 255 = person).
cv::Mat kept_components(const cv::Mat& alpha, const cv::Mat& env, const std::vector<cv::Point>& hull) {
    const int W = alpha.cols, H = alpha.rows;
    cv::Mat fg = alpha > 0.5;
    fg &= env;
    cv::Mat labels;
    const int n = cv::connectedComponents(fg, labels, 8, CV_32S);
    std::vector<char> keep(n, 0);
    cv::Mat hull_mask(alpha.size(), CV_8U, cv::Scalar(0));
    cv::fillConvexPoly(hull_mask, hull, cv::Scalar(255));
    for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x)
            if (hull_mask.at<uchar>(y, x)) keep[labels.at<int>(y, x)] = 1;
    for (int x = 0; x < W; ++x) keep[labels.at<int>(H - 1, x)] |= fg.at<uchar>(H - 1, x) != 0;
    keep[0] = 0;
    for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x)
            if (!keep[labels.at<int>(y, x)]) fg.at<uchar>(y, x) = 0;
    return fg;
}

// Fill holes: background not reachable from the top or the sides is person (a white shirt).
void fill_holes(cv::Mat& alpha, const cv::Mat& fg) {
    const int W = alpha.cols, H = alpha.rows;
    cv::Mat reach = (fg == 0) / 255;  // 1 = background candidate
    cv::Mat ff_mask(H + 2, W + 2, CV_8U, cv::Scalar(0));
    const auto seed = [&](int x, int y) {
        if (reach.at<uchar>(y, x) == 1) cv::floodFill(reach, ff_mask, {x, y}, cv::Scalar(2), nullptr, 0, 0, 4);
    };
    for (int x = 0; x < W; ++x) seed(x, 0);
    for (int y = 0; y < H; ++y) { seed(0, y); seed(W - 1, y); }
    cv::Mat holes = reach == 1;
    alpha.setTo(1.0, holes);
    // Outside the kept person: no alpha (soft edges next to kept regions survive via dilation).
    cv::Mat near_person;
    cv::dilate(fg | holes, near_person, cv::getStructuringElement(cv::MORPH_ELLIPSE, {5, 5}));
    alpha.setTo(0.0, ~near_person);
}

// 3b. A busy or non-uniform backdrop, or a crown that no head has: the colour model is
// not enough. Fall back to GrabCut at a very small size, seeded from what we know.
bool needs_grabcut(const cv::Mat& alpha, const Face& face, const WorkingImage& w, double wall_noise,
                   double max_wall_noise) {
    Face fs = face;
    for (auto& p : fs.points) p *= float(w.s);
    const int crown = find_crown_row(alpha, fs);
    const double head_ratio = crown < 0 ? 0 : (fs.eyes_midpoint().y - crown) / std::max(1.0, fs.face_width());
    const bool crown_plausible = crown >= 0 ? head_ratio > 0.6 && head_ratio < 1.6
                                            : alpha.at<float>(0, std::clamp(int(w.g.centre.x), 0, alpha.cols - 1)) > 0.5f;
    return wall_noise > max_wall_noise || !crown_plausible;
}

// What the checks and the renderer read from the matte besides alpha: the backdrop behind the
// edges and the working image, at the small size (the backdrop there is blurred, so that is enough).
void keep_wall(PersonMatte& out, const WorkingImage& w, const cv::Mat& wall_lab, const cv::Mat& env,
               const cv::Mat& dist, const cv::Mat& alpha, double local_sigma, int full_cols) {
    cv::Mat wall_small_bgr;
    cv::cvtColor(wall_lab, wall_small_bgr, cv::COLOR_Lab2BGR);
    wall_small_bgr *= 255.0;
    const cv::Scalar m = cv::mean(wall_small_bgr, ~env);
    out.wall_mean_bgr = cv::Vec3d(m[0], m[1], m[2]);
    if (local_sigma > 0) wall_small_bgr = wall::local_backdrop(w.small, alpha, wall_small_bgr, local_sigma);
    out.wall_distance = dist;
    out.wall_bgr = wall_small_bgr;
    out.wall_scale = double(wall_small_bgr.cols) / full_cols;
    out.small_bgr = w.small;
    out.small_lab = w.lab;
}

// 4. Back to full size, edges refined on the full image's luminance.
cv::Mat refine_edges(const cv::Mat& bgr, const cv::Mat& alpha, double s, bool used_grabcut, const MatteParams& params) {
    if (s >= 1.0) return alpha;  // the working copy was the image itself
    cv::Mat full;
    cv::resize(alpha, full, bgr.size(), 0, 0, cv::INTER_LINEAR);
    cv::Mat grey;
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
    const int r = std::max(params.guided_radius, int(std::lround(2.0 / s)));
    // Subsample the filter's coefficients by up to 4, keeping at least a 2 px radius there.
    full = fast_guided_filter(grey, full, r, params.guided_eps, std::clamp(r / 2, 1, 4));
    // GrabCut's hard mask, upsampled, leaves a wide soft band where the (busy) wall shows
    // through; steepen it so the old wall does not ring the hair as a halo.
    if (used_grabcut) full = (full - 0.3) * 2.5;
    cv::min(cv::max(full, 0.0), 1.0, full);
    return full;
}

// The face stays person after the edge refinement too (the guided filter follows
// luminance, and a forehead as light as the wall would fade). A 2 px ramp outside the
// hull keeps its edge soft where the matte around it is weaker.
void keep_face(cv::Mat& alpha, const Face& face, double forehead_lift) {
    auto full_hull = face_hull(face, 1.0, forehead_lift);
    const cv::Rect roi = (cv::boundingRect(full_hull) + cv::Size(8, 8) - cv::Point(4, 4)) & cv::Rect({}, alpha.size());
    if (roi.empty()) return;
    for (auto& p : full_hull) p -= roi.tl();
    cv::Mat face_mask(roi.size(), CV_32F, cv::Scalar(0)), ramp;
    cv::fillConvexPoly(face_mask, full_hull, cv::Scalar(1.0));
    cv::dilate(face_mask, ramp, cv::getStructuringElement(cv::MORPH_ELLIPSE, {5, 5}));
    cv::GaussianBlur(ramp, ramp, {5, 5}, 1.0);
    cv::Mat a = alpha(roi);
    cv::max(a, cv::max(face_mask, ramp), a);
}

}  // namespace

// [SECTION] Matte

PersonMatte compute_person_matte(const cv::Mat& bgr, const Face& face, const MatteParams& params) {
    CV_Assert(bgr.type() == CV_8UC3 && !bgr.empty());
    PersonMatte out;
    const WorkingImage w = working_copy(bgr, face, params.work_long_side);
    const cv::Mat env = person_envelope(w.lab.size(), w.g);

    const std::vector<wall::Sample> samples = wall_samples(w.lab, env, w.g);
    const wall::Fit fit = wall::fit_robust(samples);
    record_wall_fit(fit, samples.size(), out);
    const wall::Image model = wall::evaluate(fit.coef, env);
    out.wall_gradient = model.gradient;

    const auto hull = face_hull(face, w.s, params.forehead_lift);
    ColourMatte colour = alpha_from_distance(w.lab, model.lab, out.wall_noise, hull);
    fill_holes(colour.alpha, kept_components(colour.alpha, env, hull));
    cv::Mat alpha = colour.alpha;
    if (needs_grabcut(alpha, face, w, out.wall_noise, params.max_wall_noise)) {
        alpha = grabcut_matte(w.small, alpha, env, hull, w.g, params.grabcut_long_side);
        out.used_grabcut = true;
    }

    keep_wall(out, w, model.lab, env, colour.dist, alpha, params.local_wall_sigma, bgr.cols);
    out.alpha = refine_edges(bgr, alpha, w.s, out.used_grabcut, params);
    keep_face(out.alpha, face, params.forehead_lift);
    return out;
}

int find_crown_row(const cv::Mat& alpha, const Face& face) {
    CV_Assert(alpha.type() == CV_32FC1);
    const float fw = float(face.face_width());
    const float cx = face.eyes_midpoint().x;
    const int x0 = std::clamp(int(cx - 0.25f * fw), 0, alpha.cols - 1);
    const int x1 = std::clamp(int(cx + 0.25f * fw), x0 + 1, alpha.cols);
    const int eye_y = std::clamp(int(face.eyes_midpoint().y), 0, alpha.rows - 1);
    const int run = std::max(2, int(0.02 * fw));
    std::vector<char> row_full(eye_y + 1, 0);
    for (int y = 0; y <= eye_y; ++y) {
        const float* a = alpha.ptr<float>(y);
        int n = 0;
        for (int x = x0; x < x1; ++x) n += a[x] > 0.5f;
        // Most of the central columns: a tuft or a thin bun is not the top of the head.
        row_full[y] = n >= 0.45 * (x1 - x0);
    }
    for (int y = 0; y + run <= eye_y; ++y) {
        bool all = true;
        for (int k = 0; k < run && all; ++k) all = row_full[y + k];
        if (all) return y == 0 ? -1 : y;
    }
    return -1;
}

}  // namespace pd::engine
