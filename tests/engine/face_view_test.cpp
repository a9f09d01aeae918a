// When no spec photo can be made (the crown is cut off, the body ends at the chin), the face
// checks still judge the face, on the source's head at the scale the spec photo would have:
// the student hears about sunglasses in the same rejection as about the framing.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include "engine/degradations.h"
#include "engine/engine_fixture.h"
#include "support/test_support.h"

using namespace pd;
using namespace pd::engine;

namespace {

namespace fs = std::filesystem;

// The photo with everything above the middle of the forehead cut away: no crop can reach
// the spec's crown band, so standardize() makes no spec photo.
cv::Mat crown_cut_off(const test::Photo& p, const cv::Mat& bgr) {
    const int top = std::max(0, int(p.face.box.y + 0.05f * p.face.box.height));
    return bgr.rowRange(top, bgr.rows).clone();
}

StandardizeOutcome standardize(const cv::Mat& bgr) {
    auto o = test::shared_engine().process(test::encode_jpeg_q(bgr, 95));
    EXPECT_TRUE(o.ok()) << (o.ok() ? "" : o.error().message);
    return std::move(o.value());
}

}  // namespace

TEST(FaceView, FaceChecksJudgeTheSourceWhenNoSpecPhotoCanBeMade) {
    PD_REQUIRE_SHARED_PORTRAITS(test::shared_portraits());
    const std::string name = "man-suit-plain-bg.jpg";
    const cv::Mat bgr = test::load_bgr((fs::path(PD_SHARED_PORTRAITS) / name).string());
    const test::Photo p = test::analyse_photo(name, bgr);

    const StandardizeOutcome clean = standardize(crown_cut_off(p, bgr));
    ASSERT_FALSE(clean.photo.has_value()) << "the cut-off photo must not make a spec photo";
    ASSERT_TRUE(clean.spec_error.has_value());
    for (const char* id : {"eyes_open", "mouth_closed", "glasses", "tinted_lenses", "lens_glare", "face_shadow",
                           "source_resolution"}) {
        const CheckResult& r = test::find_check(clean.checks, id);
        EXPECT_NE(r.verdict, Verdict::NotAssessable) << id << ": " << r.detail;
        EXPECT_EQ(r.geometry.space, Space::Original) << id;
    }
    // Checks that are about the spec photo itself stay out of it.
    for (const char* id : {"file_dimensions", "crown_position", "eye_position", "clipping", "background_colour"})
        EXPECT_EQ(test::find_check(clean.checks, id).verdict, Verdict::NotAssessable) << id;
    EXPECT_EQ(test::find_check(clean.checks, "tinted_lenses").verdict, Verdict::Pass);
    EXPECT_EQ(test::find_check(clean.checks, "eyes_open").verdict, Verdict::Pass);

    // Dark lenses on the same cut-off photo are reported, drawn over the source's eyes.
    const StandardizeOutcome tinted = standardize(crown_cut_off(p, test::tint_lenses(p, 0.3)));
    ASSERT_FALSE(tinted.photo.has_value());
    const CheckResult& t = test::find_check(tinted.checks, "tinted_lenses");
    EXPECT_TRUE(t.verdict == Verdict::Warn || t.verdict == Verdict::Fail) << t.value << " " << t.detail;
    EXPECT_NE(t.detail.find("source photo"), std::string::npos) << t.detail;
    ASSERT_FALSE(t.geometry.rects.empty());
    const Face& f = tinted.analysis.subject();
    const auto centre = [&](int first) {
        cv::Point2f c(0, 0);
        for (int i = first; i < first + 6; ++i) c += f.points[i] * (1.0f / 6);
        return c;
    };
    const cv::Point2f eye_a = centre(lm::kEyeAFirst), eye_b = centre(lm::kEyeBFirst);
    const cv::Rect2f lens_a = t.geometry.rects[0], lens_b = t.geometry.rects[1];
    EXPECT_TRUE(lens_a.contains(eye_a) || lens_b.contains(eye_a)) << "lens boxes not over the eyes in the working image";
    EXPECT_TRUE(lens_a.contains(eye_b) || lens_b.contains(eye_b));
}
