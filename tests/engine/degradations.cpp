#include "engine/degradations.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

#include "engine/engine_fixture.h"

namespace pd::test {

using namespace pd::engine;

Photo analyse_photo(const std::string& name, const cv::Mat& bgr) {
    Photo p{name, bgr};
    const auto& E = shared_engine();
    auto a = E.analyze(encode_png(bgr));
    if (!a) throw std::runtime_error(name + ": clean photo cannot be analysed: " + a.error().message);
    if (!a->has_face()) throw std::runtime_error(name + ": clean photo has no face");
    const double k = 1.0 / a->working_per_original;
    p.face = a->subject();
    for (auto& pt : p.face.points) pt *= float(k);
    p.face.box = cv::Rect2f(p.face.box.x * float(k), p.face.box.y * float(k), p.face.box.width * float(k), p.face.box.height * float(k));
    cv::resize(a->matte.alpha, p.alpha, bgr.size(), 0, 0, cv::INTER_LINEAR);
    const auto ea = p.face.eye_centre_a(), eb = p.face.eye_centre_b();
    p.tilt_deg = std::atan2(eb.y - ea.y, eb.x - ea.x) * 180 / CV_PI;
    return p;
}

// [SECTION] Geometry

static cv::Mat rotate_about_eyes(const Photo& p, double ccw_deg) {
    const cv::Mat R = cv::getRotationMatrix2D(p.face.eyes_midpoint(), ccw_deg, 1.0);
    cv::Mat out;
    cv::warpAffine(p.bgr, out, R, p.bgr.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    return out;
}

cv::Mat rotate_with_lean(const Photo& p, double deg) {
    // Turn the same way the head already leans, so the tilt grows by `deg`.
    const double sign = p.tilt_deg >= 0 ? 1 : -1;
    return rotate_about_eyes(p, -sign * deg);
}

cv::Mat tilt_to(const Photo& p, double deg) {
    // getRotationMatrix2D turns counter-clockwise for positive angles (y down), which lowers
    // the image-left eye: the eye line angle (atan2 of b - a) decreases by the angle.
    return rotate_about_eyes(p, p.tilt_deg - deg);
}

// [SECTION] Tone and sharpness

cv::Mat blur(const Photo& p, double k) {
    cv::Mat out;
    cv::GaussianBlur(p.bgr, out, cv::Size(), k * p.face.face_width() / 150.0);
    return out;
}

cv::Mat expose(const Photo& p, double stops) {
    cv::Mat lut(1, 256, CV_8U);
    const double gain = std::pow(2.0, stops);
    for (int i = 0; i < 256; ++i) {
        double c = i / 255.0;
        double lin = c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
        lin = std::min(1.0, lin * gain);
        const double s = lin <= 0.0031308 ? lin * 12.92 : 1.055 * std::pow(lin, 1 / 2.4) - 0.055;
        lut.at<uchar>(i) = cv::saturate_cast<uchar>(s * 255);
    }
    cv::Mat out;
    cv::LUT(p.bgr, lut, out);
    return out;
}

cv::Mat shrink_enlarge(const Photo& p, double k) {
    cv::Mat small, out;
    cv::resize(p.bgr, small, cv::Size(), 1 / k, 1 / k, cv::INTER_AREA);
    cv::resize(small, out, p.bgr.size(), 0, 0, cv::INTER_LINEAR);
    return out;
}

cv::Mat add_noise(const Photo& p, double sigma, unsigned seed) {
    cv::Mat n(p.bgr.size(), CV_16SC3);
    cv::RNG rng(seed);  // local: the photos are spoiled on several threads
    rng.fill(n, cv::RNG::NORMAL, 0, sigma);
    cv::Mat out;
    cv::add(p.bgr, n, out, cv::noArray(), CV_8UC3);
    return out;
}

// [SECTION] Clothing and borders

// The garment: person below the neck, and beside the neck (outside the jaw's ends) from the
// chin down, where the shoulders of a tight crop are. CV_8U, 255 on the garment.
static cv::Mat garment_mask(const Photo& p) {
    cv::Mat m = cv::Mat::zeros(p.bgr.size(), CV_8U);
    const int chin = std::max(0, int(p.face.points[lm::kChin].y));
    const int neck = int(p.face.points[lm::kChin].y + 0.35 * p.face.face_width());
    const float jaw0 = p.face.points[lm::kJawLeft].x, jaw1 = p.face.points[lm::kJawRight].x;
    for (int y = chin; y < m.rows; ++y)
        for (int x = 0; x < m.cols; ++x)
            if (p.alpha.at<float>(y, x) >= 0.5f && !(y < neck && x >= jaw0 && x <= jaw1)) m.at<uchar>(y, x) = 255;
    return m;
}

static cv::Vec3f bgr_to_lab(const cv::Scalar& bgr) {
    cv::Mat px(1, 1, CV_32FC3, bgr * (1 / 255.0)), l;
    cv::cvtColor(px, l, cv::COLOR_BGR2Lab);
    return l.at<cv::Vec3f>(0, 0);
}

// Paints the garment with colour_at(x, y) (Lab), keeping 30 % of the garment's own shading
// (folds, light). Empty when the frame shows no garment.
template <class ColourAt>
static cv::Mat repaint_garment(const Photo& p, ColourAt colour_at) {
    const cv::Mat garment = garment_mask(p);
    if (cv::countNonZero(garment) < 400) return {};
    cv::Mat f, lab;
    p.bgr.convertTo(f, CV_32FC3, 1 / 255.0);
    cv::cvtColor(f, lab, cv::COLOR_BGR2Lab);
    for (int y = 0; y < lab.rows; ++y)
        for (int x = 0; x < lab.cols; ++x) {
            if (!garment.at<uchar>(y, x)) continue;
            auto& v = lab.at<cv::Vec3f>(y, x);
            const cv::Vec3f t = colour_at(x, y);
            v = cv::Vec3f(std::clamp(t[0] + (v[0] - 50) * 0.3f, 0.0f, 100.0f), t[1], t[2]);
        }
    cv::cvtColor(lab, f, cv::COLOR_Lab2BGR);
    cv::Mat out;
    f.convertTo(out, CV_8UC3, 255);
    return out;
}

cv::Mat recolour_clothes(const Photo& p, const cv::Scalar& bgr_colour) {
    const cv::Vec3f target = bgr_to_lab(bgr_colour);
    return repaint_garment(p, [&](int, int) { return target; });
}

cv::Mat pattern_clothes(const Photo& p, GarmentPattern kind) {
    // Sizes follow the face: a face is about 15 cm wide, so 0.1 face widths is 1.5 cm of cloth.
    const double fw = p.face.face_width();
    const cv::Vec3f cream = bgr_to_lab({215, 235, 245}), red = bgr_to_lab({40, 40, 170}),
                    pink = bgr_to_lab({150, 150, 225}), green = bgr_to_lab({50, 100, 30}),
                    beige = bgr_to_lab({170, 200, 225});
    switch (kind) {
    case GarmentPattern::Stripes: {
        // Breton stripes: 0.12 face widths from one red stripe to the next.
        const double period = std::max(4.0, 0.12 * fw);
        return repaint_garment(p, [=](int, int y) { return std::fmod(y, period) < period / 2 ? red : cream; });
    }
    case GarmentPattern::Checks: {
        // Gingham: red where two bands cross, pink where one runs, cream between.
        const double period = std::max(4.0, 0.16 * fw);
        return repaint_garment(p, [=](int x, int y) {
            const int bands = (std::fmod(x, period) < period / 2) + (std::fmod(y, period) < period / 2);
            return bands == 2 ? red : bands == 1 ? pink : cream;
        });
    }
    case GarmentPattern::Print: {
        // Green dots on beige, each row shifted by half a dot: a small all-over print.
        const double pitch = std::max(6.0, 0.14 * fw), r = 0.3 * pitch;
        return repaint_garment(p, [=](int x, int y) {
            const double row = std::floor(y / pitch);
            const double cx = (std::floor(x / pitch - 0.5 * std::fmod(row, 2.0)) + 0.5 + 0.5 * std::fmod(row, 2.0)) * pitch;
            const double cy = (row + 0.5) * pitch;
            return std::hypot(x - cx, y - cy) < r ? green : beige;
        });
    }
    }
    return {};
}

static cv::Mat skin_mask(const Photo& p);  // below, with smooth_skin

cv::Mat bare_skin(const Photo& p, Neckline kind) {
    const cv::Mat garment = garment_mask(p);
    if (cv::countNonZero(garment) < 400) return {};
    cv::Mat f, lab;
    p.bgr.convertTo(f, CV_32FC3, 1 / 255.0);
    cv::cvtColor(f, lab, cv::COLOR_BGR2Lab);
    // The face's skin colour: the median of each Lab channel over the skin mask.
    const cv::Mat skin = skin_mask(p) > 0.5f;
    cv::Vec3f tone;
    for (int ch = 0; ch < 3; ++ch) {
        std::vector<float> v;
        for (int y = 0; y < lab.rows; ++y)
            for (int x = 0; x < lab.cols; ++x)
                if (skin.at<uchar>(y, x)) v.push_back(lab.at<cv::Vec3f>(y, x)[ch]);
        if (v.empty()) return {};
        std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
        tone[ch] = v[v.size() / 2];
    }
    const float fw = float(p.face.face_width()), chin = p.face.points[lm::kChin].y;
    // A frame that ends within half a face width below the chin shows no neckline to bare.
    if (float(p.bgr.rows) - chin < 0.5f * fw) return {};
    const float axis = (p.face.points[lm::kJawLeft].x + p.face.points[lm::kJawRight].x) / 2;
    const auto bare = [&](int x, int y) {
        const float below = float(y) - chin;
        if (kind == Neckline::Strapless) return below < 0.9f * fw;
        const float depth = 1.4f * fw;
        return below < depth && std::abs(float(x) - axis) <= 0.7f * fw * (depth - below) / depth;
    };
    // Lit like the face, with 30 % of the garment's own folds (its shading about its mean).
    double sum_l = 0;
    int n = 0;
    for (int y = 0; y < lab.rows; ++y)
        for (int x = 0; x < lab.cols; ++x)
            if (garment.at<uchar>(y, x) && bare(x, y)) sum_l += lab.at<cv::Vec3f>(y, x)[0], ++n;
    if (n == 0) return {};
    const float mean_l = float(sum_l / n);
    for (int y = 0; y < lab.rows; ++y)
        for (int x = 0; x < lab.cols; ++x) {
            if (!garment.at<uchar>(y, x) || !bare(x, y)) continue;
            auto& v = lab.at<cv::Vec3f>(y, x);
            v = cv::Vec3f(std::clamp(tone[0] + (v[0] - mean_l) * 0.3f, 0.0f, 100.0f), tone[1], tone[2]);
        }
    cv::cvtColor(lab, f, cv::COLOR_Lab2BGR);
    cv::Mat out;
    f.convertTo(out, CV_8UC3, 255);
    return out;
}

cv::Mat blue_clothes(const Photo& p) { return recolour_clothes(p, cv::Scalar(255, 197, 100)); }

cv::Mat dark_border(const Photo& p, double frac) {
    const int w = std::max(6, int(frac * p.bgr.cols));
    cv::Mat out;
    cv::copyMakeBorder(p.bgr, out, w, w, w, w, cv::BORDER_CONSTANT, cv::Scalar(8, 8, 8));
    return out;
}

// [SECTION] Skin and eyes

// Skin mask: jaw and forehead hull minus eyes, brows and mouth, feathered.
static cv::Mat skin_mask(const Photo& p) {
    const Face& f = p.face;
    std::vector<cv::Point> pts, hull;
    for (int i = 0; i <= 16; ++i) pts.emplace_back(f.points[i]);
    for (int i = 17; i <= 26; ++i) pts.emplace_back(f.points[i] - cv::Point2f(0, float(0.15 * f.face_width())));
    cv::convexHull(pts, hull);
    cv::Mat m = cv::Mat::zeros(p.bgr.size(), CV_32F);
    cv::fillConvexPoly(m, hull, cv::Scalar(1));
    const auto cut = [&](int a, int b, double grow) {
        std::vector<cv::Point> q;
        for (int i = a; i <= b; ++i) q.emplace_back(f.points[i]);
        cv::Rect r = cv::boundingRect(q);
        const int g = int(grow * f.face_width());
        m(cv::Rect(r.x - g, r.y - g, r.width + 2 * g, r.height + 2 * g) & cv::Rect(0, 0, m.cols, m.rows)).setTo(0);
    };
    cut(36, 41, 0.03);
    cut(42, 47, 0.03);
    cut(17, 21, 0.01);
    cut(22, 26, 0.01);
    cut(48, 59, 0.02);
    cv::GaussianBlur(m, m, cv::Size(), f.face_width() / 60.0);
    return m;
}

cv::Mat blend(const cv::Mat& a, const cv::Mat& b, const cv::Mat& w) {
    cv::Mat out = a.clone();
    for (int y = 0; y < a.rows; ++y)
        for (int x = 0; x < a.cols; ++x) {
            const float k = w.at<float>(y, x);
            if (k <= 0) continue;
            for (int c = 0; c < 3; ++c)
                out.at<cv::Vec3b>(y, x)[c] = cv::saturate_cast<uchar>(a.at<cv::Vec3b>(y, x)[c] * (1 - k) + b.at<cv::Vec3b>(y, x)[c] * k);
        }
    return out;
}

cv::Mat smooth_skin(const Photo& p) {
    cv::Mat s = p.bgr.clone();
    const double sigma = p.face.face_width() / 30.0;
    for (int i = 0; i < 3; ++i) {
        cv::Mat t;
        cv::bilateralFilter(s, t, 0, 45, sigma);
        s = t;
    }
    return blend(p.bgr, s, skin_mask(p));
}

cv::Mat tint_lenses(const Photo& p, double k) {
    cv::Mat w = cv::Mat::zeros(p.bgr.size(), CV_32F);
    for (int e : {36, 42}) {
        cv::Point2f c(0, 0);
        for (int i = e; i < e + 6; ++i) c += p.face.points[i];
        c *= 1.0f / 6;
        const float ew = float(cv::norm(p.face.points[e] - p.face.points[e + 3]));
        cv::ellipse(w, cv::RotatedRect(c, cv::Size2f(2.0f * ew, 1.5f * ew), 0), cv::Scalar(1), cv::FILLED);
    }
    cv::GaussianBlur(w, w, cv::Size(), p.face.face_width() / 100.0);
    cv::Mat dark;
    p.bgr.convertTo(dark, -1, k);
    return blend(p.bgr, dark, w);
}

// [SECTION] Other faces and backgrounds

// The subject's head: the box widened to the ears and raised to the hair. A pasted face is
// cut from here.
static cv::Rect head_rect(const Photo& p) {
    const cv::Rect2f b = p.face.box;
    return cv::Rect(int(b.x - 0.2 * b.width), int(b.y - 0.3 * b.height), int(1.4 * b.width), int(1.6 * b.height)) &
           cv::Rect(0, 0, p.bgr.cols, p.bgr.rows);
}

// Where the subject's head, scaled by k, goes: the top corner farther from the subject.
static cv::Rect paste_rect(const Photo& p, double k) {
    const cv::Rect src = head_rect(p);
    const int w = int(std::lround(src.width * k)), h = int(std::lround(src.height * k));
    const bool left = p.face.eyes_midpoint().x > p.bgr.cols / 2.0;
    return cv::Rect(left ? 0 : p.bgr.cols - w, 0, w, h) & cv::Rect(0, 0, p.bgr.cols, p.bgr.rows);
}

// Would the pasted head cover the subject's face (its detector box)? Hair may be covered.
static bool covers_face(const Photo& p, double k) {
    const cv::Rect2f b = p.face.box;
    return (paste_rect(p, k) & cv::Rect(int(b.x), int(b.y), int(b.width), int(b.height))).area() > 0;
}

static cv::Mat paste_face(const Photo& p, double k) {
    const cv::Rect src = head_rect(p);
    cv::Mat face;
    cv::resize(p.bgr(src), face, cv::Size(), k, k, k < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    cv::Mat out = p.bgr.clone();
    const cv::Rect dst = paste_rect(p, k);
    const bool left = dst.x == 0;
    // Cut at the frame edge on the far side, as a face at the corner of a photo would be.
    face(cv::Rect(left ? face.cols - dst.width : 0, 0, dst.width, dst.height)).copyTo(out(dst));
    return out;
}

cv::Mat second_face(const Photo& p) {
    // As large as 0.8 of the subject when that leaves the subject's face uncovered, else
    // smaller, down to 110 px; a tight portrait with no room for even that gets nothing (a
    // face pasted over the subject's own replaces the subject instead of adding a face).
    const double floor = 110.0 / p.face.box.width;
    for (double k = std::max(0.8, floor);; k = std::max(floor, k * 0.93)) {
        if (!covers_face(p, k)) return paste_face(p, k);
        if (k == floor) return {};
    }
}

cv::Mat second_face_at(const Photo& p, double px_at_512) {
    const double long_side = std::max(p.bgr.cols, p.bgr.rows);
    const double k = px_at_512 * long_side / 512.0 / p.face.box.width;
    if (covers_face(p, k)) return {};
    return paste_face(p, k);
}

cv::Mat clutter(const Photo& p, unsigned seed) {
    std::mt19937 rng(seed);
    cv::Mat out = p.bgr.clone(), layer = p.bgr.clone();
    const int n = 40;
    for (int i = 0; i < n; ++i) {
        const cv::Point c(int(rng() % unsigned(out.cols)), int(rng() % unsigned(std::max(1, int(p.face.points[8].y)))));
        const int r = int(rng() % unsigned(std::max(8, out.cols / 10))) + 6;
        const cv::Scalar col(rng() % 256, rng() % 256, rng() % 256);
        if (i % 2) cv::circle(layer, c, r, col, cv::FILLED);
        else cv::rectangle(layer, cv::Rect(c.x, c.y, r * 2, r), col, cv::FILLED);
    }
    // Only behind the person.
    cv::Mat w = 1.0 - p.alpha;
    return blend(out, layer, w);
}

cv::Mat replace_background(const Photo& p, const cv::Mat& backdrop) {
    cv::Mat w = 1.0 - p.alpha;
    return blend(p.bgr, backdrop, w);
}

cv::Mat dark_plain_backdrop(const Photo& p) {
    return replace_background(p, cv::Mat(p.bgr.size(), CV_8UC3, cv::Scalar(38, 34, 32)));
}

cv::Mat dark_curtain_backdrop(const Photo& p) {
    // Vertical folds about a tenth of the frame wide, dark red, lit unevenly from one side.
    cv::Mat bg(p.bgr.size(), CV_8UC3);
    const double fold = std::max(8.0, p.bgr.cols / 10.0);
    for (int y = 0; y < bg.rows; ++y)
        for (int x = 0; x < bg.cols; ++x) {
            const double s = 0.55 + 0.45 * std::sin(2 * CV_PI * x / fold) * std::sin(2 * CV_PI * x / fold);
            const double light = 0.7 + 0.3 * double(x) / bg.cols;
            bg.at<cv::Vec3b>(y, x) = cv::Vec3b(cv::saturate_cast<uchar>(22 * s * light), cv::saturate_cast<uchar>(20 * s * light),
                                               cv::saturate_cast<uchar>(95 * s * light));
        }
    return replace_background(p, bg);
}

cv::Mat patterned_backdrop(const Photo& p) {
    // Checks of mid-grey and beige, a dark diamond in every other check: wallpaper or a
    // printed studio backdrop.
    cv::Mat bg(p.bgr.size(), CV_8UC3);
    const int cell = std::max(8, p.bgr.cols / 12);
    for (int y = 0; y < bg.rows; ++y)
        for (int x = 0; x < bg.cols; ++x) {
            const int cx = x / cell, cy = y / cell;
            const bool odd = (cx + cy) % 2;
            const double u = (x % cell) / double(cell) - 0.5, v = (y % cell) / double(cell) - 0.5;
            cv::Vec3b c = odd ? cv::Vec3b(150, 175, 190) : cv::Vec3b(120, 120, 120);
            if (odd && std::abs(u) + std::abs(v) < 0.25) c = cv::Vec3b(60, 40, 90);
            bg.at<cv::Vec3b>(y, x) = c;
        }
    return replace_background(p, bg);
}

}  // namespace pd::test
