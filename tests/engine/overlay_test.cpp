// draw_overlay: a check's per-pixel map may be kept at a smaller scale of the image it
// covers (the scene checks keep theirs at the matte's size); the overlay stretches it.
#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include "engine/render/overlay.h"

using namespace pd::engine;

namespace {

CheckResult warn_with_map(cv::Mat map) {
    CheckResult r;
    r.id = "m";
    r.verdict = Verdict::Warn;
    r.geometry.space = Space::Original;
    r.geometry.map = std::move(map);
    return r;
}

bool changed(const cv::Mat& a, const cv::Mat& b, cv::Rect roi) { return cv::norm(a(roi), b(roi), cv::NORM_INF) > 0; }

}  // namespace

TEST(Overlay, SmallerMapIsStretchedOverTheWholeImage) {
    const cv::Mat img(160, 120, CV_8UC3, cv::Scalar(200, 200, 200));
    cv::Mat map = cv::Mat::zeros(40, 30, CV_8U);  // a quarter of the size
    map(cv::Rect(15, 20, 15, 20)).setTo(255);       // its bottom-right quarter
    const cv::Mat out = draw_overlay(img, {warn_with_map(map)}, Space::Original);

    // The whole bottom-right quarter of the image is tinted, the bottom-left one is not (the
    // legend is written at the top left).
    const cv::Rect br(60, 80, 60, 80), bl(0, 80, 60, 80);
    cv::Mat diff;
    cv::absdiff(out(br), img(br), diff);
    EXPECT_EQ(cv::countNonZero(diff.reshape(1) == 0), 0) << "every pixel of the marked quarter is tinted";
    EXPECT_FALSE(changed(out, img, bl));
}

TEST(Overlay, FullSizeMapAndPassingCheck) {
    const cv::Mat img(64, 48, CV_8UC3, cv::Scalar(200, 200, 200));
    cv::Mat map = cv::Mat::zeros(img.size(), CV_8U);
    map(cv::Rect(24, 32, 24, 32)).setTo(255);
    CheckResult r = warn_with_map(map);
    EXPECT_TRUE(changed(draw_overlay(img, {r}, Space::Original), img, cv::Rect(24, 32, 24, 32)));
    // A map in the other space, or on a passing check, draws nothing (the legend of verdicts
    // at the top left is drawn whatever the space).
    EXPECT_FALSE(changed(draw_overlay(img, {r}, Space::Standardized), img, cv::Rect(24, 32, 24, 32)));
    r.verdict = Verdict::Pass;
    EXPECT_FALSE(changed(draw_overlay(img, {r}, Space::Original), img, cv::Rect(24, 32, 24, 32)));
}
