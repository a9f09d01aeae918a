// Standardization must never change the face: the notice forbids retouching and CHSI compares
// the face with the ID card photo. Measured from outside the renderer: the source (the
// analysis' working image) is mapped through the crop window the engine chose onto the spec
// frame, and the spec photo is compared with it.
//
//  - recoloured face pixels: inside the face (jaw line up to the forehead above the brows,
//    always skin or hair, both person), pixels whose colour moved by more than dE76 12;
//  - wall fringe: just outside the hair line, spec pixels that hold the old backdrop (split
//    into the new background, the hair beside them and the backdrop beside them);
//  - padded rows: rows at the bottom of the frame that lie below the source (the renderer can
//    only smear the last row into them).
//
// Photos: every real photo on the machine (astronaut, the shared portraits, the development
// portraits, the photos Debian ships with dlib). Under ASan only the first six (the run would
// take minutes); the release run covers them all.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/engine_fixture.h"
#include "engine/validation_config.h"
#include "support/test_support.h"

using namespace pd;
using namespace pd::engine;
namespace fs = std::filesystem;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

std::vector<fs::path> real_photos() {
    std::vector<fs::path> out = {test::astronaut_path()};
    for (const auto& p : test::shared_portraits()) out.push_back(p);
    if (kSanitized) return out;
    const auto add_dir = [&](const fs::path& dir) {
        if (!fs::is_directory(dir)) return;
        std::vector<fs::path> v;
        for (const auto& e : fs::directory_iterator(dir)) {
            const auto ext = e.path().extension().string();
            if (ext == ".jpg" || ext == ".jpeg" || ext == ".png") v.push_back(e.path());
        }
        std::sort(v.begin(), v.end());
        out.insert(out.end(), v.begin(), v.end());
    };
    add_dir(fs::path(PD_SHARED_PORTRAITS).parent_path() / "portraits-dev");
    add_dir("/usr/share/doc/libdlib19.1/examples/faces");
    return out;
}

cv::Mat to_lab(const cv::Mat& bgr) {
    cv::Mat f, lab;
    bgr.convertTo(f, CV_32FC3, 1.0 / 255);
    cv::cvtColor(f, lab, cv::COLOR_BGR2Lab);
    return lab;
}

struct Fidelity {
    std::string name;
    std::string skipped;       // why no spec photo was made (not a failure here)
    int face_px = 0, recoloured = 0;
    cv::Point worst{-1, -1};
    double worst_de = 0;
    int rim_px = 0, fringe = 0;
    int padded_rows = 0;
    double wall_l = 0, wall_noise = 0;  // the source wall's lightness (L*) and noise (dE)
    // source_background's verdict and what drove it ("L*": dark, "chroma": coloured, "%": busy).
    Verdict backdrop = Verdict::NotAssessable;
    std::string backdrop_unit;
    // The backdrop is dark or coloured, and the report says so to the reviewer.
    bool flagged_dark_or_coloured() const {
        return (backdrop == Verdict::Warn || backdrop == Verdict::Fail) && (backdrop_unit == "L*" || backdrop_unit == "chroma");
    }
};

// The mean colour of the pixels under `mask` around each pixel (a normalized Gaussian blur);
// none where too few of them are near.
class LocalMean {
public:
    LocalMean(const cv::Mat& lab, const cv::Mat& mask, double sigma) {
        cv::Mat w;
        mask.convertTo(w, CV_32F, 1.0 / 255);
        std::vector<cv::Mat> ch;
        cv::split(lab, ch);
        for (auto& c : ch) c = c.mul(w);
        cv::merge(ch, sum_);
        cv::GaussianBlur(sum_, sum_, {}, sigma);
        cv::GaussianBlur(w, n_, {}, sigma);
    }
    std::optional<cv::Vec3f> at(int y, int x) const {
        const float n = n_.at<float>(y, x);
        if (n < 0.05f) return std::nullopt;
        return cv::Vec3f(sum_.at<cv::Vec3f>(y, x) / n);
    }

private:
    cv::Mat sum_, n_;
};

// How much of the old backdrop a rim pixel holds: v = a * hair + b * wall (all three relative to
// the new background), a and b non-negative, by least squares; b.
float wall_share(const cv::Vec3f& v, const cv::Vec3f& wall, const cv::Vec3f& hair) {
    const auto along = [&](const cv::Vec3f& u) { return u.dot(u) < 1 ? 0.0f : std::max(0.0f, v.dot(u) / u.dot(u)); };
    const double ww = wall.dot(wall), hh = hair.dot(hair), wh = wall.dot(hair);
    const double det = ww * hh - wh * wh;
    if (det > 1e-3 * ww * hh) {
        const double b = (hh * v.dot(wall) - wh * v.dot(hair)) / det, a = (ww * v.dot(hair) - wh * v.dot(wall)) / det;
        if (a >= 0 && b >= 0) return float(b);
    }
    // On an edge of the cone: the better of hair alone and wall alone.
    const float a = along(hair), b = along(wall);
    return cv::norm(v - b * wall) < cv::norm(v - a * hair) ? b : 0.0f;
}

// A rim pixel is fringe when this share of it is the old backdrop and it is visibly (dE76) off
// the new background.
constexpr float kWallShare = 0.3f, kVisible = 8;

// The spec frame as the source shows it: the working image through the crop window, with the
// same area pre-shrink the renderer uses for strong reductions, so only compositing differs.
cv::Mat source_through_window(const cv::Mat& working, const CropPlan& c) {
    cv::Mat src = working;
    double k = 1;
    if (c.scale < 0.66) {
        k = c.scale * 1.25;
        cv::resize(working, src, cv::Size(), k, k, cv::INTER_AREA);
    }
    const cv::Matx23d M(c.scale / k, 0, -c.scale * c.x, 0, c.scale / k, -c.scale * c.y);
    cv::Mat out;
    cv::warpAffine(src, out, M, cv::Size(c.out_width, c.out_height), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    return out;
}

Fidelity measure(const fs::path& path) {
    Fidelity r;
    r.name = path.filename().string();
    const auto& E = test::shared_engine();
    auto bytes = read_file_bytes(path.string());
    if (!bytes) throw std::runtime_error(r.name + ": " + bytes.error().message);
    auto a = E.analyze(bytes.value());
    if (!a) throw std::runtime_error(r.name + ": " + a.error().message);
    if (!a->has_face()) return r.skipped = "no face", r;
    auto plan = E.plan(a.value());
    if (!plan) return r.skipped = plan.error().message.substr(0, 60), r;
    auto photo = E.render(a.value(), plan.value());
    if (!photo) throw std::runtime_error(r.name + ": " + photo.error().message);
    const CropPlan& c = plan.value();
    const cv::Mat& out = photo->bgr;
    const auto& w = a->matte.wall_mean_bgr;
    r.wall_l = to_lab(cv::Mat(1, 1, CV_8UC3, cv::Scalar(w[0], w[1], w[2]))).at<cv::Vec3f>(0, 0)[0];
    r.wall_noise = a->matte.wall_noise;
    const auto checks = E.check(a.value(), &photo.value());
    const CheckResult& backdrop = test::find_check(checks, "source_background");
    r.backdrop = backdrop.verdict;
    r.backdrop_unit = backdrop.unit;

    // Padded rows: the frame's rows that lie below the last row of the source.
    r.padded_rows = std::max(0, int(std::ceil((c.y + c.out_height / c.scale - a->working.rows) * c.scale - 0.5)));

    const Face& f = a->subject();
    const auto to_out = [&](cv::Point2f p) { return cv::Point(cv::Point2d((p.x - c.x) * c.scale, (p.y - c.y) * c.scale)); };
    // The face: jaw, and the brows lifted by a third of the face width (the forehead up to
    // about the hairline; above the brows it is skin or hair, never wall).
    std::vector<cv::Point> pts;
    for (int i = 0; i <= lm::kBrowLast; ++i) pts.push_back(to_out(f.points[i]));
    const float lift = float(0.33 * f.face_width());
    for (int i = lm::kBrowFirst; i <= lm::kBrowLast; ++i) pts.push_back(to_out(f.points[i] - cv::Point2f(0, lift)));
    std::vector<cv::Point> hull;
    cv::convexHull(pts, hull);
    cv::Mat face(out.size(), CV_8U, cv::Scalar(0));
    cv::fillConvexPoly(face, hull, cv::Scalar(255));
    cv::erode(face, face, cv::getStructuringElement(cv::MORPH_ELLIPSE, {7, 7}));

    // Both images smoothed a little: resampling differences on fine texture are not
    // recolouring; a wall colour bleeding into skin is a smooth shift and survives this.
    cv::Mat expect = source_through_window(a->working, c), got;
    cv::GaussianBlur(expect, expect, {5, 5}, 1.2);
    cv::GaussianBlur(out, got, {5, 5}, 1.2);
    const cv::Mat le = to_lab(expect), lg = to_lab(got);
    std::vector<cv::Point> fringe_px;
    for (int y = 0; y < out.rows; ++y)
        for (int x = 0; x < out.cols; ++x) {
            if (!face.at<uchar>(y, x)) continue;
            ++r.face_px;
            const double de = cv::norm(le.at<cv::Vec3f>(y, x) - lg.at<cv::Vec3f>(y, x));
            if (de > 12) ++r.recoloured;
            if (de > r.worst_de) r.worst_de = de, r.worst = {x, y};
        }

    // Wall fringe: the old backdrop kept as a rim around the hair. Just outside the person,
    // above the eyes (the hair line), a spec pixel should be a mix of the hair beside it and the
    // new background only. Each rim pixel is split into the three colours it may hold, all
    // local: the new background, the hair (the spec photo's person pixels nearby) and the old
    // backdrop (the source where the spec photo is background, clear of the person). It is
    // fringe when at least kWallShare of it is old backdrop and it is visibly off the new
    // background. That holds on any backdrop: a white wall's rim is lighter than the new blue,
    // a dark curtain's darker, and light hair on a dark curtain is hair, not fringe.
    const cv::Mat lo = to_lab(out);
    const auto& bg = test::default_spec().background;
    const cv::Vec3f bg_lab = to_lab(cv::Mat(1, 1, CV_8UC3, cv::Scalar(bg.b, bg.g, bg.r))).at<cv::Vec3f>(0, 0);
    cv::Mat person = photo->alpha >= 0.5f, near, clear;
    cv::dilate(person, near, cv::getStructuringElement(cv::MORPH_ELLIPSE, {9, 9}));
    cv::dilate(person, clear, cv::getStructuringElement(cv::MORPH_ELLIPSE, {17, 17}));
    const LocalMean wall(le, ~clear & (photo->alpha < 0.02f), 8);
    const LocalMean hair(lo, photo->alpha >= 0.95f, 4);
    const int eye_row = std::clamp(int(c.eye_y), 0, out.rows);
    for (int y = 0; y < eye_row; ++y)
        for (int x = 0; x < out.cols; ++x) {
            if (person.at<uchar>(y, x) || !near.at<uchar>(y, x)) continue;
            ++r.rim_px;
            const auto wall_here = wall.at(y, x), hair_here = hair.at(y, x);
            if (!wall_here || !hair_here) continue;  // nothing to compare with: not judged
            const cv::Vec3f v = lo.at<cv::Vec3f>(y, x) - bg_lab;
            if (cv::norm(v) <= kVisible) continue;
            if (wall_share(v, *wall_here - bg_lab, *hair_here - bg_lab) >= kWallShare) {
                ++r.fringe;
                fringe_px.push_back({x, y});
            }
        }
    // PD_FIDELITY_DUMP=DIR: the spec photo beside the source through the window, the face
    // region outlined, recoloured pixels in magenta, fringe in red (to look at them at 200 %),
    // and the spec photo alone (NAME-plain.png).
    if (const char* dir = std::getenv("PD_FIDELITY_DUMP")) {
        cv::Mat src = source_through_window(a->working, c), spec = out.clone();
        for (int y = 0; y < out.rows; ++y)
            for (int x = 0; x < out.cols; ++x)
                if (face.at<uchar>(y, x) && cv::norm(le.at<cv::Vec3f>(y, x) - lg.at<cv::Vec3f>(y, x)) > 12)
                    spec.at<cv::Vec3b>(y, x) = {255, 0, 255};
        for (const auto& q : fringe_px) spec.at<cv::Vec3b>(q) = {0, 0, 255};
        cv::polylines(spec, hull, true, cv::Scalar(0, 200, 0));
        cv::Mat both;
        cv::hconcat(src, spec, both);
        cv::imwrite((fs::path(dir) / (path.stem().string() + ".png")).string(), both);
        cv::imwrite((fs::path(dir) / (path.stem().string() + "-plain.png")).string(), out);
    }
    return r;
}

bool held_out(const std::string& name) {
    // config/validation.toml names the photos no threshold may be tuned on: marked in the table.
    const auto& held = test::validation_config().held_out;
    return std::any_of(held.begin(), held.end(), [&](const std::string& k) { return std::filesystem::path(k).filename() == name; });
}

const std::vector<Fidelity>& all_results() {
    static const std::vector<Fidelity> results = [] {
        const auto photos = real_photos();
        std::vector<Fidelity> v(photos.size());
        // Two workers: the engine is thread-safe and this machine has two cores.
        auto half = std::async(std::launch::async, [&] {
            for (size_t i = 1; i < photos.size(); i += 2) v[i] = measure(photos[i]);
        });
        for (size_t i = 0; i < photos.size(); i += 2) v[i] = measure(photos[i]);
        half.get();
        std::printf("%-36s %8s %6s %8s %7s %6s %6s %6s %5s  %s\n", "photo (* held out)", "face px", "recol", "worst dE", "rim px",
                    "fringe", "padded", "wall L", "noise", "backdrop");
        for (const auto& r : v) {
            const std::string name = r.name + (held_out(r.name) ? " *" : "");
            if (!r.skipped.empty()) {
                std::printf("%-36s no spec photo: %s\n", name.c_str(), r.skipped.c_str());
                continue;
            }
            std::printf("%-36s %8d %6d %8.1f %7d %5.1f%% %6d %6.0f %5.1f  %s\n", name.c_str(), r.face_px, r.recoloured,
                        r.worst_de, r.rim_px, r.rim_px ? 100.0 * r.fringe / r.rim_px : 0.0, r.padded_rows, r.wall_l,
                        r.wall_noise, r.flagged_dark_or_coloured() ? "dark or coloured, flagged" : "");
        }
        return v;
    }();
    return results;
}

}  // namespace

TEST(FaceFidelity, EveryRealPhotoMakesASpecPhoto) {
    int made = 0;
    for (const auto& r : all_results()) made += r.skipped.empty();
    // The astronaut and the shared portraits always standardize; of the others, most do.
    EXPECT_GE(made, kSanitized ? 1 : 20);
}

TEST(FaceFidelity, NoFacePixelIsRecoloured) {
    for (const auto& r : all_results()) {
        if (!r.skipped.empty()) continue;
        SCOPED_TRACE(r.name);
        ASSERT_GT(r.face_px, 2000);
        // Interpolation at the face's own edge is not recolouring: allow a handful of pixels.
        EXPECT_LE(r.recoloured, r.face_px / 1000) << "worst dE " << r.worst_de << " at (" << r.worst.x << ", "
                                                  << r.worst.y << ") of the spec photo";
    }
}

// On every backdrop but a dark or coloured one, plain or busy (a street, a crowd, a room). On
// a dark or coloured backdrop (the notice asks for a white wall) the spec photo is flagged to
// the reviewer by source_background, which is asserted here; its rim is printed, not asserted:
// against a dark backdrop dark hair and the backdrop are one colour, and the matte loses hair
// there (img44: black hair on black) rather than keeping a rim that could be measured.
TEST(FaceFidelity, NoWallFringeAroundTheHair) {
    int judged = 0;
    for (const auto& r : all_results()) {
        if (!r.skipped.empty()) continue;
        SCOPED_TRACE(r.name);
        // Not a white wall: the reviewer is told (dark, coloured or busy, whichever is worst).
        if (r.wall_l < 65) {
            EXPECT_TRUE(r.backdrop == Verdict::Warn || r.backdrop == Verdict::Fail) << "wall L* " << r.wall_l;
        }
        if (r.flagged_dark_or_coloured()) continue;
        ++judged;
        EXPECT_LE(r.fringe, r.rim_px / 20) << r.fringe << " of " << r.rim_px << " rim pixels hold the old backdrop";
    }
    EXPECT_GE(judged, kSanitized ? 4 : 10);
}

// The fringe measure itself, on mixes of known colours (Lab): a rim pixel that is half old
// backdrop is fringe on a white wall and on a dark curtain alike (the old measure, "lighter than
// the new background", saw only the first); hair mixed with the new background is not, even
// light hair on a dark curtain (which the old measure counted).
TEST(FaceFidelity, TheFringeMeasureTellsTheBackdropFromTheHair) {
    const auto& bg = test::default_spec().background;
    const cv::Vec3f N = to_lab(cv::Mat(1, 1, CV_8UC3, cv::Scalar(bg.b, bg.g, bg.r))).at<cv::Vec3f>(0, 0);
    const cv::Vec3f white_wall(95, 0, 2), dark_curtain(30, 2, -1), dark_hair(20, 3, 5), light_hair(88, 1, 4);
    const auto share = [&](const cv::Vec3f& pixel, const cv::Vec3f& wall, const cv::Vec3f& hair) {
        return wall_share(pixel - N, wall - N, hair - N);
    };
    const auto mix = [&](const cv::Vec3f& c, float k) { return k * c + (1 - k) * N; };
    // Half wall: fringe, and the share is the mix's own.
    EXPECT_NEAR(share(mix(white_wall, 0.5f), white_wall, dark_hair), 0.5, 1e-3);
    EXPECT_NEAR(share(mix(dark_curtain, 0.5f), dark_curtain, light_hair), 0.5, 1e-3);
    EXPECT_LT(mix(dark_curtain, 0.5f)[0], N[0]) << "darker than the new background: the old measure missed it";
    // Hair and wall at once: the wall's part is found.
    EXPECT_NEAR(share(0.3f * dark_hair + 0.4f * white_wall + 0.3f * N, white_wall, dark_hair), 0.4, 1e-3);
    // Hair over the new background: no wall.
    EXPECT_LT(share(mix(dark_hair, 0.4f), white_wall, dark_hair), 1e-3);
    EXPECT_LT(share(mix(light_hair, 0.8f), dark_curtain, light_hair), 1e-3);
    EXPECT_GT(mix(light_hair, 0.8f)[0], N[0] + 8) << "lighter than the new background: the old measure counted it";
    // A strand darker than the hair beside it is still hair, not a dark curtain's fringe.
    EXPECT_LT(share(mix(0.7f * dark_hair, 0.5f), white_wall, dark_hair), kWallShare);
}

TEST(FaceFidelity, NoPaddedRows) {
    for (const auto& r : all_results()) {
        if (!r.skipped.empty()) continue;
        EXPECT_EQ(r.padded_rows, 0) << r.name << ": the bottom rows lie below the source and are smeared";
    }
}
