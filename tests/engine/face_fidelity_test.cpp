// Standardization must never change the face: the notice forbids retouching and CHSI compares
// the face with the ID card photo. Measured from outside the renderer: the source (the
// analysis' working image) is mapped through the crop window the engine chose onto the spec
// frame, and the spec photo is compared with it.
//
//  - recoloured face pixels: inside the face (jaw line up to the forehead above the brows,
//    always skin or hair, both person), pixels whose colour moved by more than dE76 12;
//  - wall fringe: just outside the hair line, spec pixels lighter than the new background
//    (the old white wall kept as a rim around the head);
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
    // A plain backdrop (the matte's own colour model holds: its noise is under the level at
    // which the matte hands over to GrabCut). Busy backdrops are flagged to the reviewer by
    // the scene checks; their hair edge is not yet clean (see NoWallFringeAroundTheHair).
    bool plain_wall() const { return wall_noise <= 4.0; }
};

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
    for (int y = 0; y < out.rows; ++y)
        for (int x = 0; x < out.cols; ++x) {
            if (!face.at<uchar>(y, x)) continue;
            ++r.face_px;
            const double de = cv::norm(le.at<cv::Vec3f>(y, x) - lg.at<cv::Vec3f>(y, x));
            if (de > 12) ++r.recoloured;
            if (de > r.worst_de) r.worst_de = de, r.worst = {x, y};
        }

    // Wall fringe: the rim just outside the person above the eyes (the hair line), where the
    // spec photo is lighter than its own background by more than the hair could make it.
    const cv::Mat lo = to_lab(out);
    const auto& bg = test::default_spec().background;
    const cv::Mat bg_lab = to_lab(cv::Mat(1, 1, CV_8UC3, cv::Scalar(bg.b, bg.g, bg.r)));
    const float bg_l = bg_lab.at<cv::Vec3f>(0, 0)[0];
    cv::Mat person = photo->alpha >= 0.5f, near;
    cv::dilate(person, near, cv::getStructuringElement(cv::MORPH_ELLIPSE, {9, 9}));
    const int eye_row = std::clamp(int(c.eye_y), 0, out.rows);
    for (int y = 0; y < eye_row; ++y)
        for (int x = 0; x < out.cols; ++x) {
            if (person.at<uchar>(y, x) || !near.at<uchar>(y, x)) continue;
            ++r.rim_px;
            if (lo.at<cv::Vec3f>(y, x)[0] > bg_l + 8) ++r.fringe;
        }
    // PD_FIDELITY_DUMP=DIR: the spec photo beside the source through the window, the face
    // region outlined, recoloured pixels in magenta (to look at them at 200 %).
    if (const char* dir = std::getenv("PD_FIDELITY_DUMP")) {
        cv::Mat src = source_through_window(a->working, c), spec = out.clone();
        for (int y = 0; y < out.rows; ++y)
            for (int x = 0; x < out.cols; ++x)
                if (face.at<uchar>(y, x) && cv::norm(le.at<cv::Vec3f>(y, x) - lg.at<cv::Vec3f>(y, x)) > 12)
                    spec.at<cv::Vec3b>(y, x) = {255, 0, 255};
        cv::polylines(spec, hull, true, cv::Scalar(0, 200, 0));
        cv::Mat both;
        cv::hconcat(src, spec, both);
        cv::imwrite((fs::path(dir) / (path.stem().string() + ".png")).string(), both);
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
        std::printf("%-36s %8s %6s %8s %7s %6s %6s %6s %5s\n", "photo (* held out)", "face px", "recol", "worst dE", "rim px",
                    "fringe", "padded", "wall L", "noise");
        for (const auto& r : v) {
            const std::string name = r.name + (held_out(r.name) ? " *" : "");
            if (!r.skipped.empty()) {
                std::printf("%-36s no spec photo: %s\n", name.c_str(), r.skipped.c_str());
                continue;
            }
            std::printf("%-36s %8d %6d %8.1f %7d %5.1f%% %6d %6.0f %5.1f\n", name.c_str(), r.face_px, r.recoloured,
                        r.worst_de, r.rim_px, r.rim_px ? 100.0 * r.fringe / r.rim_px : 0.0, r.padded_rows, r.wall_l,
                        r.wall_noise);
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

// On plain backdrops only. On a busy one (a street, a crowd; the notice asks for a plain wall)
// the renderer takes the backdrop seen beside the hair out of its edge (engine.toml
// local_wall_sigma), which took the rim from 3.5-41 % to 1.1-13.6 % on the five such photos
// here (img41's 7.5 % is its grey hair, lighter than the new background); what is left is the
// matte's own alpha on those backdrops. Those photos are flagged by background_uniformity.
TEST(FaceFidelity, NoWallFringeAroundTheHair) {
    int plain = 0;
    for (const auto& r : all_results()) {
        if (!r.skipped.empty() || !r.plain_wall()) continue;
        ++plain;
        SCOPED_TRACE(r.name);
        EXPECT_LE(r.fringe, r.rim_px / 20) << r.fringe << " of " << r.rim_px << " rim pixels lighter than the background";
    }
    EXPECT_GE(plain, 3);
}

TEST(FaceFidelity, NoPaddedRows) {
    for (const auto& r : all_results()) {
        if (!r.skipped.empty()) continue;
        EXPECT_EQ(r.padded_rows, 0) << r.name << ": the bottom rows lie below the source and are smeared";
    }
}
