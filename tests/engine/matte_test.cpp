// The person matte on real photos (the engine's own face and landmarks), and the crown finder
// on hand-made alpha maps, and the backdrop the renderer takes out of the edge.
#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "engine/engine_fixture.h"
#include "engine/matte/person_matte.h"
#include "engine/matte/wall_model.h"
#include "support/test_support.h"

using namespace pd;
using namespace pd::engine;

namespace {

SourceAnalysis analyse_file(const std::string& path) {
    auto bytes = read_file_bytes(path);
    if (!bytes) throw std::runtime_error(bytes.error().message);
    auto a = test::shared_engine().analyze(bytes.value());
    if (!a) throw std::runtime_error(path + ": " + a.error().message);
    return std::move(a.value());
}

float alpha_at(const cv::Mat& alpha, cv::Point2f p) {
    const int x = std::clamp(int(std::lround(p.x)), 0, alpha.cols - 1);
    const int y = std::clamp(int(std::lround(p.y)), 0, alpha.rows - 1);
    return alpha.at<float>(y, x);
}

// Mean alpha over a small square around p (robust to a single speckled pixel).
double alpha_patch(const cv::Mat& alpha, cv::Point2f p, int half) {
    const cv::Rect r = cv::Rect(int(p.x) - half, int(p.y) - half, 2 * half + 1, 2 * half + 1) &
                       cv::Rect(0, 0, alpha.cols, alpha.rows);
    return cv::mean(alpha(r))[0];
}

void expect_plausible_matte(const std::string& name, const SourceAnalysis& a) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(a.has_face());
    const Face& f = a.subject();
    const cv::Mat& alpha = a.matte.alpha;
    ASSERT_EQ(alpha.type(), CV_32FC1);
    ASSERT_EQ(alpha.size(), a.working.size());
    ASSERT_EQ(a.matte.wall_bgr.type(), CV_32FC3);
    // The wall model is smooth: kept at the matte's small size, with its scale.
    ASSERT_NEAR(a.matte.wall_bgr.cols, a.working.cols * a.matte.wall_scale, 1.0);
    ASSERT_NEAR(a.matte.wall_bgr.rows, a.working.rows * a.matte.wall_scale, 1.0);
    double lo = 0, hi = 0;
    cv::minMaxLoc(alpha, &lo, &hi);
    EXPECT_GE(lo, 0.0);
    EXPECT_LE(hi, 1.0);

    const double fw = f.face_width();
    const cv::Point2f eyes = f.eyes_midpoint();
    const cv::Point2f nose = f.points[lm::kNoseTip];
    const cv::Point2f chin = f.points[lm::kChin];

    // Face centre: between the eyes and the nose tip.
    const cv::Point2f face_centre = (eyes + nose) * 0.5f;
    EXPECT_GT(alpha_at(alpha, face_centre), 0.95f) << "face centre " << face_centre;
    EXPECT_GT(alpha_patch(alpha, face_centre, int(0.1 * fw)), 0.95);
    // Chest: half a face width below the chin, on the face's centre line (when in the image).
    const cv::Point2f chest(float((f.points[lm::kJawLeft].x + f.points[lm::kJawRight].x) / 2),
                            chin.y + float(0.5 * fw));
    if (chest.y < alpha.rows - 2) {
        EXPECT_GT(alpha_patch(alpha, chest, int(0.05 * fw)), 0.9) << "chest " << chest;
    }
    // Top corners: wall.
    const int c = std::max(4, alpha.cols / 20);
    EXPECT_LT(cv::mean(alpha(cv::Rect(0, 0, c, c)))[0], 0.05) << "top-left corner";
    EXPECT_LT(cv::mean(alpha(cv::Rect(alpha.cols - c, 0, c, c)))[0], 0.05) << "top-right corner";

    // Crown: above the eyes by a plausible fraction of the face width, and the analysis
    // agrees with find_crown_row on its own matte.
    ASSERT_GT(a.crown_row, 0);
    EXPECT_FALSE(a.head_cut_off);
    EXPECT_EQ(a.crown_row, find_crown_row(alpha, f));
    const double above = eyes.y - a.crown_row;
    EXPECT_GE(above, 0.6 * fw) << "crown row " << a.crown_row << ", eyes " << eyes.y << ", face width " << fw;
    EXPECT_LE(above, 1.6 * fw) << "crown row " << a.crown_row << ", eyes " << eyes.y << ", face width " << fw;
    // Above the crown, in the head's columns: background.
    if (a.crown_row > 6) {
        const cv::Rect above_crown(int(eyes.x - 0.2 * fw), 0, int(0.4 * fw), a.crown_row - 3);
        EXPECT_LT(cv::mean(alpha(above_crown & cv::Rect(0, 0, alpha.cols, alpha.rows)))[0], 0.2);
    }
    EXPECT_GT(a.matte.wall_samples, 0);
    EXPECT_GE(a.matte.wall_noise, 0.0);
}

}  // namespace

TEST(Matte, AstronautIsPlausible) {
    const SourceAnalysis a = analyse_file(test::astronaut_path());
    expect_plausible_matte("astronaut", a);
}

TEST(Matte, ManSuitPlainBackgroundIsPlausible) {
    const auto portraits = test::shared_portraits();
    PD_REQUIRE_SHARED_PORTRAITS(portraits);
    const auto path = std::filesystem::path(PD_SHARED_PORTRAITS) / "man-suit-plain-bg.jpg";
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent";
    const SourceAnalysis a = analyse_file(path.string());
    expect_plausible_matte("man-suit-plain-bg", a);
    // A plain wall: low noise, and nearly all of the top border rows are background.
    EXPECT_LT(a.matte.wall_noise, 4.0);
    EXPECT_FALSE(a.matte.used_grabcut);
    EXPECT_LT(cv::mean(a.matte.alpha.rowRange(0, 3))[0], 0.05);
}

TEST(Matte, EverySharedPortraitIsPlausible) {
    const auto portraits = test::shared_portraits();
    PD_REQUIRE_SHARED_PORTRAITS(portraits);
    for (const auto& p : portraits) {
        const SourceAnalysis a = analyse_file(p.string());
        expect_plausible_matte(p.stem().string(), a);
    }
}

TEST(Matte, RecomputingGivesTheSameMatte) {
    const SourceAnalysis a = analyse_file(test::astronaut_path());
    ASSERT_TRUE(a.has_face());
    MatteParams mp;
    mp.work_long_side = test::shared_engine().config().settings.matte_long_side;
    const PersonMatte m = compute_person_matte(a.working, a.subject(), mp);
    // Same image, same face, same parameters: the same matte, whatever ran before in this
    // thread (a re-crop, a batch worker and the server all rely on it).
    EXPECT_EQ(cv::norm(m.alpha, a.matte.alpha, cv::NORM_INF), 0.0) << "used_grabcut " << m.used_grabcut;
    EXPECT_EQ(cv::norm(m.wall_bgr, a.matte.wall_bgr, cv::NORM_INF), 0.0) << "used_grabcut " << m.used_grabcut;
    const PersonMatte m2 = compute_person_matte(a.working, a.subject(), mp);
    EXPECT_EQ(cv::norm(m.alpha, m2.alpha, cv::NORM_INF), 0.0) << "used_grabcut " << m.used_grabcut;
}

// [SECTION] find_crown_row on hand-made alpha maps

namespace {

// A face 200 px wide centred at x = 300 with the eyes on row 260.
Face synthetic_face() {
    Face f;
    for (auto& p : f.points) p = {300, 300};
    f.points[lm::kJawLeft] = {200, 280};
    f.points[lm::kJawRight] = {400, 280};
    f.points[lm::kChin] = {300, 420};
    for (int i = lm::kEyeAFirst; i <= lm::kEyeALast; ++i) f.points[i] = {250, 260};
    for (int i = lm::kEyeBFirst; i <= lm::kEyeBLast; ++i) f.points[i] = {350, 260};
    f.box = cv::Rect2f(200, 200, 200, 220);
    return f;
}

cv::Mat head_alpha(int top) {
    cv::Mat a = cv::Mat::zeros(600, 600, CV_32FC1);
    cv::ellipse(a, cv::Point(300, top + 180), cv::Size(130, 180), 0, 0, 360, 1.0, cv::FILLED);
    cv::rectangle(a, cv::Rect(100, top + 330, 400, 600), 1.0, cv::FILLED);
    return a;
}

}  // namespace

TEST(Matte, CrownRowIsTheTopOfTheHead) {
    const Face f = synthetic_face();
    const int crown = find_crown_row(head_alpha(80), f);
    // The ellipse's top is row 80; "30 % of the central columns" is reached within a few rows.
    EXPECT_GE(crown, 80);
    EXPECT_LE(crown, 84);
}

TEST(Matte, CrownIgnoresAStrayHairAndSpecks) {
    const Face f = synthetic_face();
    cv::Mat a = head_alpha(80);
    cv::line(a, {300, 20}, {300, 80}, 1.0, 1);              // one hair standing up
    cv::rectangle(a, cv::Rect(240, 40, 120, 1), 1.0, cv::FILLED);  // a one-row speck
    const int crown = find_crown_row(a, f);
    EXPECT_GE(crown, 80);
    EXPECT_LE(crown, 84);
}

TEST(Matte, CrownTouchingTheTopIsCutOff) {
    const Face f = synthetic_face();
    EXPECT_EQ(find_crown_row(head_alpha(-40), f), -1);
    // Nothing at all above the eyes: not found.
    EXPECT_EQ(find_crown_row(cv::Mat::zeros(600, 600, CV_32FC1), f), -1);
}

TEST(Matte, CrownLooksOnlyAtTheHeadsColumns) {
    // Something tall beside the head (a door frame, another head) must not become the crown.
    const Face f = synthetic_face();
    cv::Mat a = head_alpha(120);
    cv::rectangle(a, cv::Rect(500, 0, 90, 600), 1.0, cv::FILLED);
    const int crown = find_crown_row(a, f);
    EXPECT_GE(crown, 120);
    EXPECT_LE(crown, 124);
}

// The backdrop behind the person's edge is the backdrop seen around it, not the smooth model:
// a person (a disc) in front of a backdrop dark on the left and near-white on the right, with a
// model of mid-grey (what a smooth fit would make of the two halves). At the disc's edge the
// left reads dark and the right near-white; at its centre, far from any backdrop, the model.
TEST(Matte, BackdropBehindTheEdgeIsTheOneAroundIt) {
    const cv::Size size(160, 120);
    cv::Mat bgr(size, CV_8UC3, cv::Scalar(30, 30, 30));
    bgr.colRange(80, 160).setTo(cv::Scalar(240, 240, 240));
    cv::Mat alpha(size, CV_32F, cv::Scalar(0));
    cv::circle(alpha, {80, 60}, 40, cv::Scalar(1.0), cv::FILLED);
    cv::circle(bgr, {80, 60}, 40, cv::Scalar(40, 60, 120), cv::FILLED);  // the person: brown
    const cv::Mat model(size, CV_32FC3, cv::Scalar(135, 135, 135));
    const cv::Mat behind = wall::local_backdrop(bgr, alpha, model, 2.0);
    ASSERT_EQ(behind.size(), size);
    ASSERT_EQ(behind.type(), CV_32FC3);
    EXPECT_NEAR(behind.at<cv::Vec3f>(60, 40)[1], 30, 8);    // left edge of the disc
    EXPECT_NEAR(behind.at<cv::Vec3f>(60, 120)[1], 240, 8);  // right edge
    EXPECT_NEAR(behind.at<cv::Vec3f>(60, 80)[1], 135, 1);   // centre: the model
    // Far from the person it is the backdrop (the model, a 2 % prior, pulls it by 2 levels).
    EXPECT_NEAR(behind.at<cv::Vec3f>(5, 5)[1], 30, 3);
    EXPECT_NEAR(behind.at<cv::Vec3f>(5, 155)[1], 240, 3);
}

// The wall model: a quadratic colour field fitted robustly. Samples of a known field with
// noise and a fifth of outliers (a poster, a door) give the field back, the outliers flagged by
// their residuals; samples along one row only (x varies, y does not) still give a finite fit
// that follows the row.
TEST(Matte, WallModelRecoversAKnownFieldDespiteOutliers) {
    const auto field = [](double x, double y) {
        return cv::Vec3f(float(80 + 6 * x - 4 * y + 3 * x * x - 2 * x * y + y * y), float(-3 + 2 * x), float(-20 + 5 * y));
    };
    std::vector<wall::Sample> s;
    cv::RNG rng(7);
    for (int i = 0; i < 4000; ++i) {
        const double x = rng.uniform(-1.0, 1.0), y = rng.uniform(-1.0, 1.0);
        cv::Vec3f lab = field(x, y) + cv::Vec3f(float(rng.gaussian(0.8)), float(rng.gaussian(0.8)), float(rng.gaussian(0.8)));
        if (i % 5 == 0) lab += cv::Vec3f(-45, 20, 10);  // outliers
        s.push_back({x, y, lab});
    }
    const wall::Fit fit = wall::fit_robust(s);
    ASSERT_EQ(fit.coef.rows, 6);
    ASSERT_EQ(fit.coef.cols, 3);
    const double expect[6][3] = {{80, -3, -20}, {6, 2, 0}, {-4, 0, 5}, {3, 0, 0}, {-2, 0, 0}, {1, 0, 0}};
    for (int k = 0; k < 6; ++k)
        for (int c = 0; c < 3; ++c) EXPECT_NEAR(fit.coef.at<double>(k, c), expect[k][c], 0.15) << "term " << k << " channel " << c;
    int flagged = 0;
    for (size_t i = 0; i < s.size(); i += 5) flagged += fit.residuals[i] > 10;
    EXPECT_EQ(flagged, int(s.size() / 5));

    std::vector<wall::Sample> row;
    for (int i = 0; i < 200; ++i) {
        const double x = -1 + 2.0 * i / 199;
        row.push_back({x, 0.3, field(x, 0.3)});
    }
    const wall::Fit line = wall::fit_robust(row);
    for (const auto& r : line.residuals) {
        ASSERT_TRUE(std::isfinite(r));
        EXPECT_LT(r, 0.05);
    }
}
