// The degradation suite: each real photo is spoiled in a known way, and the check that should
// notice it must notice it. Clean variants of the same photos measure false alarms. A table
// prints, per check, the detection rate on its own degradations and the false-alarm rate on
// the clean photos.
//
// Photos: astronaut.png (always) and ../shared/data/portraits (when present). A few clean
// photos really are positives for a check (the astronaut's cluttered studio backdrop and its
// 512 px source; the street and the room behind two portraits): those pairs are listed in
// kTruePositives and not counted as false alarms.
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "engine/engine_fixture.h"
#include "support/test_support.h"

using namespace pd;
using namespace pd::engine;

namespace {

struct Photo {
    std::string name;
    cv::Mat bgr;
    // From the engine's analysis of the clean photo, in this photo's pixel coordinates.
    Face face;
    cv::Mat alpha;  // person matte, CV_32F, full size
    double tilt_deg = 0;
};

struct Case {
    std::string photo, degradation, target;
    std::vector<std::uint8_t> bytes;
};

const std::set<std::pair<std::string, std::string>> kTruePositives = {
    {"astronaut", "background_uniformity"},  // flag, shuttle model and props behind her
    {"astronaut", "source_resolution"},      // 512 px source, 93 px face: x2 up-scaling needed
    {"astronaut", "sharpness"},              // the same x2 up-scaling softens every edge
    {"girl-room-bg", "background_uniformity"},
    {"woman-street-bg", "background_uniformity"},
    // Four of the shared demo portraits are airbrushed (no pores, no grain; the skin texture
    // measures like a beauty filter's), and their makeup is obvious: true beauty-filter cases.
    {"girl-room-bg", "skin_smoothing"},
    {"woman-dark-suit-plain-bg", "skin_smoothing"},
    {"woman-street-bg", "skin_smoothing"},
    {"woman-uniform-beige-bg", "skin_smoothing"},
};

// Checks whose degradation cannot be seen in pixels: the rate is printed, not asserted.
const std::set<std::string> kKnownGaps = {"mirrored"};

Photo analyse(const std::string& name, const cv::Mat& bgr) {
    Photo p{name, bgr};
    const auto& E = test::shared_engine();
    auto a = E.analyze(test::encode_png(bgr));
    if (!a || !a->has_face()) throw std::runtime_error(name + ": clean photo has no face");
    const double k = 1.0 / a->working_per_original;
    p.face = a->subject();
    for (auto& pt : p.face.points) pt *= float(k);
    p.face.box = cv::Rect2f(p.face.box.x * float(k), p.face.box.y * float(k), p.face.box.width * float(k), p.face.box.height * float(k));
    cv::resize(a->matte.alpha, p.alpha, bgr.size(), 0, 0, cv::INTER_LINEAR);
    const auto ea = p.face.eye_centre_a(), eb = p.face.eye_centre_b();
    p.tilt_deg = std::atan2(eb.y - ea.y, eb.x - ea.x) * 180 / CV_PI;
    return p;
}

// [SECTION] Degradations

cv::Mat rotate(const Photo& p, double deg) {
    // Turn the same way the head already leans, so the tilt grows by `deg`.
    const double sign = p.tilt_deg >= 0 ? 1 : -1;
    const cv::Mat R = cv::getRotationMatrix2D(p.face.eyes_midpoint(), -sign * deg, 1.0);
    cv::Mat out;
    cv::warpAffine(p.bgr, out, R, p.bgr.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    return out;
}

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

cv::Mat blue_clothes(const Photo& p) {
    cv::Mat f, lab;
    p.bgr.convertTo(f, CV_32FC3, 1 / 255.0);
    cv::cvtColor(f, lab, cv::COLOR_BGR2Lab);
    const cv::Vec3f bg = [] {
        cv::Mat px(1, 1, CV_32FC3, cv::Scalar(255 / 255.0, 197 / 255.0, 100 / 255.0)), l;
        cv::cvtColor(px, l, cv::COLOR_BGR2Lab);
        return l.at<cv::Vec3f>(0, 0);
    }();
    const int neck = int(p.face.points[lm::kChin].y + 0.35 * p.face.face_width());
    for (int y = std::max(0, neck); y < lab.rows; ++y)
        for (int x = 0; x < lab.cols; ++x) {
            const float a = p.alpha.at<float>(y, x);
            if (a < 0.5f) continue;
            auto& v = lab.at<cv::Vec3f>(y, x);
            v = cv::Vec3f(bg[0] + (v[0] - 50) * 0.3f, bg[1], bg[2]);
        }
    cv::cvtColor(lab, f, cv::COLOR_Lab2BGR);
    cv::Mat out;
    f.convertTo(out, CV_8UC3, 255);
    return out;
}

cv::Mat dark_border(const Photo& p, double frac) {
    const int w = std::max(6, int(frac * p.bgr.cols));
    cv::Mat out;
    cv::copyMakeBorder(p.bgr, out, w, w, w, w, cv::BORDER_CONSTANT, cv::Scalar(8, 8, 8));
    return out;
}

cv::Mat shrink_enlarge(const Photo& p, double k) {
    cv::Mat small, out;
    cv::resize(p.bgr, small, cv::Size(), 1 / k, 1 / k, cv::INTER_AREA);
    cv::resize(small, out, p.bgr.size(), 0, 0, cv::INTER_LINEAR);
    return out;
}

// Skin mask: jaw and forehead hull minus eyes, brows and mouth, feathered.
cv::Mat skin_mask(const Photo& p) {
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

cv::Mat tint_lenses(const Photo& p) {
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
    p.bgr.convertTo(dark, -1, 0.3);
    return blend(p.bgr, dark, w);
}

cv::Mat add_noise(const Photo& p, double sigma, unsigned seed) {
    cv::Mat n(p.bgr.size(), CV_16SC3);
    cv::theRNG().state = seed;
    cv::randn(n, 0, sigma);
    cv::Mat out;
    cv::add(p.bgr, n, out, cv::noArray(), CV_8UC3);
    return out;
}

cv::Mat second_face(const Photo& p) {
    const cv::Rect2f b = p.face.box;
    const cv::Rect src = cv::Rect(int(b.x - 0.2 * b.width), int(b.y - 0.3 * b.height), int(1.4 * b.width), int(1.6 * b.height)) &
                         cv::Rect(0, 0, p.bgr.cols, p.bgr.rows);
    const double k = std::max(0.8, 110.0 / b.width);
    cv::Mat face;
    cv::resize(p.bgr(src), face, cv::Size(), k, k, cv::INTER_AREA);
    cv::Mat out = p.bgr.clone();
    // Into the top corner farther from the subject.
    const bool left = p.face.eyes_midpoint().x > p.bgr.cols / 2.0;
    const int x = left ? 0 : p.bgr.cols - face.cols;
    const cv::Rect dst = cv::Rect(x, 0, face.cols, face.rows) & cv::Rect(0, 0, out.cols, out.rows);
    face(cv::Rect(0, 0, dst.width, dst.height)).copyTo(out(dst));
    return out;
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

std::vector<Case> make_cases(const Photo& p) {
    std::vector<Case> c;
    const auto jpg = [](const cv::Mat& m) { return test::encode_jpeg_q(m, 95); };
    const auto add = [&](std::string deg, std::string target, std::vector<std::uint8_t> bytes) {
        c.push_back({p.name, std::move(deg), std::move(target), std::move(bytes)});
    };
    for (double d : {4.0, 6.0, 8.0, 10.0}) add("rotate " + std::to_string(int(d)) + " deg", "eye_tilt", jpg(rotate(p, d)));
    cv::Mat mirrored;
    cv::flip(p.bgr, mirrored, 1);
    add("mirror (pixels only)", "mirrored", jpg(mirrored));
    add("mirror, front-camera EXIF", "mirrored", test::with_exif(jpg(mirrored), "TP-1 front camera 2.7mm f/2.2", "", 1));
    add("front-camera EXIF", "exif_front_camera", test::with_exif(jpg(p.bgr), "TP-1 front camera 2.7mm f/2.2", "", 1));
    add("beauty-app EXIF", "exif_beauty_software", test::with_exif(jpg(p.bgr), "", "Meitu 9.2.1", 1));
    for (double k : {2.0, 3.0, 4.0}) add("blur x" + std::to_string(int(k)), "sharpness", jpg(blur(p, k)));
    for (double s : {-2.5, -3.0}) add("under-expose " + std::to_string(s).substr(0, 4) + " EV", "exposure", jpg(expose(p, s)));
    for (double s : {1.5, 2.0}) add("over-expose +" + std::to_string(s).substr(0, 3) + " EV", "exposure", jpg(expose(p, s)));
    add("clothes recoloured blue", "blue_clothing", jpg(blue_clothes(p)));
    for (double f : {0.02, 0.04}) add("dark border " + std::to_string(int(f * 100)) + "%", "black_border", jpg(dark_border(p, f)));
    for (double k : {3.0, 4.0}) add("shrink+enlarge x" + std::to_string(int(k)), "source_resolution", jpg(shrink_enlarge(p, k)));
    add("skin smoothing", "skin_smoothing", jpg(smooth_skin(p)));
    add("eye region darkened", "tinted_lenses", jpg(tint_lenses(p)));
    for (double s : {12.0, 18.0}) add("noise sigma " + std::to_string(int(s)), "noise", jpg(add_noise(p, s, 7)));
    add("second face pasted", "other_faces", jpg(second_face(p)));
    add("cluttered background", "background_uniformity", jpg(clutter(p, 11)));
    return c;
}

std::vector<Case> clean_cases(const Photo& p) {
    std::vector<Case> c;
    c.push_back({p.name, "clean q95", "", test::encode_jpeg_q(p.bgr, 95)});
    c.push_back({p.name, "clean q75", "", test::encode_jpeg_q(p.bgr, 75)});
    cv::Mat small;
    cv::resize(p.bgr, small, cv::Size(), 0.8, 0.8, cv::INTER_AREA);
    c.push_back({p.name, "clean 80%", "", test::encode_jpeg_q(small, 92)});
    return c;
}

bool alarmed(const CheckResult& r) { return r.verdict == Verdict::Warn || r.verdict == Verdict::Fail; }

}  // namespace

TEST(Degradation, EachCheckCatchesItsDegradationAndStaysQuietOnCleanPhotos) {
    std::vector<Photo> photos;
    photos.push_back(analyse("astronaut", test::load_bgr(test::astronaut_path())));
    const auto shared = test::shared_portraits();
    if (shared.empty()) std::printf("note: %s absent, degradation suite on astronaut only\n", PD_SHARED_PORTRAITS);
    for (const auto& path : shared) photos.push_back(analyse(path.stem().string(), test::load_bgr(path.string())));

    const auto& E = test::shared_engine();
    // PD_DEGRADATION_VERBOSE=1 prints every measured value (for calibrating config/checks.toml).
    const bool verbose = std::getenv("PD_DEGRADATION_VERBOSE") != nullptr;
    struct Tally { int hit = 0, n = 0, fa = 0, clean = 0; std::vector<std::string> misses, alarms; };
    std::map<std::string, Tally> t;

    for (const auto& p : photos) {
        for (const auto& c : make_cases(p)) {
            auto o = E.standardize(c.bytes);
            ASSERT_TRUE(o) << c.photo << " / " << c.degradation << ": " << o.error().message;
            const auto& r = test::find_check(o->checks, c.target);
            auto& tt = t[c.target];
            ++tt.n;
            if (verbose) std::printf("  %-26s %-28s %-22s %-14s %.3f\n", c.photo.c_str(), c.degradation.c_str(), c.target.c_str(), to_string(r.verdict), r.value);
            if (alarmed(r)) ++tt.hit;
            else tt.misses.push_back(c.photo + " / " + c.degradation + " -> " + to_string(r.verdict) + " " + std::to_string(r.value));
        }
    }
    std::set<std::string> targets;
    for (const auto& [id, _] : t) targets.insert(id);
    for (const auto& p : photos) {
        for (const auto& c : clean_cases(p)) {
            auto o = E.standardize(c.bytes);
            ASSERT_TRUE(o) << c.photo << " / " << c.degradation << ": " << o.error().message;
            for (const auto& id : targets) {
                if (kTruePositives.count({p.name, id})) continue;
                const auto& r = test::find_check(o->checks, id);
                if (verbose) std::printf("  %-26s %-28s %-22s %-14s %.3f\n", c.photo.c_str(), c.degradation.c_str(), id.c_str(), to_string(r.verdict), r.value);
                auto& tt = t[id];
                ++tt.clean;
                if (alarmed(r)) {
                    ++tt.fa;
                    tt.alarms.push_back(c.photo + " / " + c.degradation + " -> " + to_string(r.verdict) + " " + std::to_string(r.value));
                }
            }
        }
    }

    std::printf("\n%-24s %12s %9s %12s %9s  %s\n", "check", "detected", "rate", "false alarm", "rate", "status");
    for (const auto& [id, tt] : t) {
        const double det = tt.n ? 100.0 * tt.hit / tt.n : 0, fa = tt.clean ? 100.0 * tt.fa / tt.clean : 0;
        const bool ok = det >= 95.0 && fa <= 5.0;
        std::printf("%-24s %5d/%-6d %8.1f%% %5d/%-6d %8.1f%%  %s\n", id.c_str(), tt.hit, tt.n, det, tt.fa, tt.clean, fa,
                    ok ? "ok" : kKnownGaps.count(id) ? "KNOWN GAP" : "BELOW TARGET");
        for (const auto& m : tt.misses) std::printf("    missed: %s\n", m.c_str());
        for (const auto& m : tt.alarms) std::printf("    false alarm: %s\n", m.c_str());
        if (kKnownGaps.count(id)) continue;
        EXPECT_GE(det, 95.0) << id;
        EXPECT_LE(fa, 5.0) << id;
    }
}
