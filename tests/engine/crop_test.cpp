// The crop planner on synthetic head measurements: the planned window puts crown, eye line and
// face width inside the spec bands, centred; impossible inputs fail with the specific reason.
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "config/config.h"
#include "engine/crop/crop.h"
#include "engine/engine_fixture.h"
#include "support/test_support.h"

using namespace pd;
using namespace pd::engine;

namespace {

const domain::SpecProfile& spec() { return test::default_spec(); }

HeadMeasure head(double crown_y, double eye_y, double centre_x, double face_width, double chin_y) {
    HeadMeasure h;
    h.crown_y = crown_y;
    h.eye_y = eye_y;
    h.centre_x = centre_x;
    h.face_width = face_width;
    h.chin_y = chin_y;
    return h;
}

// A typical phone portrait at working size: face 260 px wide, crown 180 px above the eyes.
HeadMeasure typical() { return head(200, 380, 500, 260, 600); }

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

void expect_in_spec(const HeadMeasure& h, const CropPlan& p) {
    const auto& S = spec();
    EXPECT_EQ(p.out_width, S.width);
    EXPECT_EQ(p.out_height, S.height);
    EXPECT_GE(p.crown_y, S.crown_y.min);
    EXPECT_LE(p.crown_y, S.crown_y.max);
    EXPECT_GE(p.eye_y, S.eye_y.min);
    EXPECT_LE(p.eye_y, S.eye_y.max);
    EXPECT_GE(p.face_width, S.face_width.min);
    EXPECT_LE(p.face_width, S.face_width.max);
    EXPECT_LE(std::abs(p.centre_offset), S.max_centre_offset_px);
    EXPECT_NEAR(p.centre_offset, 0.0, 1e-6) << "nothing stops the crop from centring exactly";

    // The numbers the plan reports are the ones its window really gives.
    const CropPlan again = crop_from_window(h, p.x, p.y, p.scale, S);
    EXPECT_NEAR(again.crown_y, p.crown_y, 1e-9);
    EXPECT_NEAR(again.eye_y, p.eye_y, 1e-9);
    EXPECT_NEAR(again.face_width, p.face_width, 1e-9);
    EXPECT_NEAR(again.centre_offset, p.centre_offset, 1e-9);
    // And independently from the window geometry.
    EXPECT_NEAR((h.crown_y - p.y) * p.scale, p.crown_y, 1e-9);
    EXPECT_NEAR((h.eye_y - p.y) * p.scale, p.eye_y, 1e-9);
    EXPECT_NEAR(h.face_width * p.scale, p.face_width, 1e-9);
    EXPECT_NEAR((h.centre_x - p.x) * p.scale, S.width / 2.0, 1e-9);
}

}  // namespace

TEST(Crop, TypicalHeadLandsOnTheTargets) {
    const HeadMeasure h = typical();
    auto r = plan_crop(h, cv::Size(1000, 1400), false, 0.5, spec());
    ASSERT_TRUE(r) << r.error().message;
    expect_in_spec(h, r.value());
    // Crown-to-eye distance 180 px maps to the targets' 170 px, and both land on target.
    EXPECT_NEAR(r->scale, (spec().target_eye_y - spec().target_crown_y) / 180.0, 1e-9);
    EXPECT_NEAR(r->crown_y, spec().target_crown_y, 1e-6);
    EXPECT_NEAR(r->eye_y, spec().target_eye_y, 1e-6);
    EXPECT_DOUBLE_EQ(r->chin_y_working, 600);
    const cv::Rect2d src = r->source_rect();
    EXPECT_NEAR(src.width, 480 / r->scale, 1e-9);
    EXPECT_NEAR(src.height, 640 / r->scale, 1e-9);
    EXPECT_NEAR(src.x + src.width / 2, h.centre_x, 1e-9);
}

TEST(Crop, EveryReachableProportionLandsInsideTheBands) {
    // Sweep head proportions and positions; whatever the planner accepts must be in spec, and
    // ordinary human proportions (face width 0.8-1.6 x crown-to-eye) must all be accepted.
    int accepted = 0;
    for (double fw = 120; fw <= 420; fw += 20) {
        for (double d = 90; d <= 300; d += 15) {
            for (double cx : {300.0, 500.0, 700.0}) {
                const HeadMeasure h = head(150, 150 + d, cx, fw, 150 + d + 1.1 * fw);
                auto r = plan_crop(h, cv::Size(1000, 2000), false, 0.6, spec());
                const double ratio = fw / d;
                SCOPED_TRACE("fw " + std::to_string(fw) + " d " + std::to_string(d) + " cx " + std::to_string(cx));
                if (ratio >= 0.8 && ratio <= 1.6) {
                    EXPECT_TRUE(r) << (r ? "" : r.error().message);
                }
                if (!r) {
                    EXPECT_EQ(r.error().code, ErrorCode::SpecUnreachable);
                    continue;
                }
                ++accepted;
                expect_in_spec(h, r.value());
            }
        }
    }
    EXPECT_GT(accepted, 200);
}

TEST(Crop, ProportionsOffTargetAreClampedIntoTheBands) {
    // A wide face with a short crown-to-eye distance (big hair missing, low crown found): the
    // target scale would make the face too wide, the planner must give up the targets instead.
    const HeadMeasure h = head(300, 420, 500, 300, 640);  // d = 120, fw/d = 2.5
    auto r = plan_crop(h, cv::Size(1000, 1500), false, 0.5, spec());
    ASSERT_TRUE(r) << r.error().message;
    expect_in_spec(h, r.value());
    EXPECT_LE(r->face_width, spec().face_width.max - 4 + 1e-9) << "aims a few px inside the band";
}

TEST(Crop, HeadCutOffAtTheTopIsUnreachable) {
    auto r = plan_crop(typical(), cv::Size(1000, 1400), true, 0.5, spec());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::SpecUnreachable);
    EXPECT_TRUE(contains(r.error().message, "cut off")) << r.error().message;
    EXPECT_EQ(r.error().kind, refusal::kCrownCutOff);
}

TEST(Crop, FaceTooSmallNeedsTooMuchUpscaling) {
    // Face 60 px wide, crown 45 px above the eyes, working image = original (1 px per px):
    // the target scale is 170/45 = x3.78, over the x2.5 limit.
    const HeadMeasure h = head(100, 145, 200, 60, 210);
    auto r = plan_crop(h, cv::Size(400, 600), false, 1.0, spec());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::SpecUnreachable);
    const std::string& m = r.error().message;
    EXPECT_TRUE(contains(m, "up-scaling")) << m;
    EXPECT_TRUE(contains(m, "x3.78")) << m;   // the factor needed
    EXPECT_TRUE(contains(m, "x2.50")) << m;   // the limit
    EXPECT_TRUE(contains(m, "60 px")) << m;   // the face width in the original
    EXPECT_EQ(r.error().kind, refusal::kUpscaleLimit);

    // The same head from an original twice as large (working = half size) is fine: x1.89.
    auto ok = plan_crop(h, cv::Size(400, 600), false, 0.5, spec());
    ASSERT_TRUE(ok) << ok.error().message;
    expect_in_spec(h, ok.value());
    EXPECT_NEAR(ok->scale * 0.5, 170.0 / 45 * 0.5, 1e-9);
}

TEST(Crop, UpscalingLimitIsMeasuredInOriginalPixels) {
    // Exactly at the limit passes, just over fails.
    const auto& S = spec();
    const HeadMeasure h = head(200, 380, 500, 260, 600);    // scale 170/180
    const double s = (S.target_eye_y - S.target_crown_y) / 180.0;
    EXPECT_TRUE(plan_crop(h, cv::Size(1000, 1400), false, S.max_upscale / s * 0.999, S));
    auto r = plan_crop(h, cv::Size(1000, 1400), false, S.max_upscale / s * 1.01, S);
    ASSERT_FALSE(r);
    EXPECT_TRUE(contains(r.error().message, "up-scaling")) << r.error().message;
}

TEST(Crop, ProportionsThatFitNoBand) {
    // Face 300 px wide but only 50 px from crown to eyes: any scale that puts the eyes 98+ px
    // below the crown makes the face wider than 296 px.
    const HeadMeasure h = head(300, 350, 500, 300, 600);
    auto r = plan_crop(h, cv::Size(1000, 1500), false, 0.5, spec());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::SpecUnreachable);
    const std::string& m = r.error().message;
    EXPECT_TRUE(contains(m, "proportions")) << m;
    EXPECT_TRUE(contains(m, "300 px")) << m;
    EXPECT_TRUE(contains(m, "50 px")) << m;
    EXPECT_EQ(r.error().kind, refusal::kHeadProportions);

    // The other way round: a narrow face far below the crown (a tall hat of hair).
    const HeadMeasure tall = head(100, 400, 500, 100, 520);
    auto r2 = plan_crop(tall, cv::Size(1000, 1500), false, 0.5, spec());
    ASSERT_FALSE(r2);
    EXPECT_TRUE(contains(r2.error().message, "proportions")) << r2.error().message;
    EXPECT_EQ(r2.error().kind, refusal::kHeadProportions);
}

TEST(Crop, NoCrownAboveTheEyes) {
    const HeadMeasure h = head(380, 380, 500, 260, 600);
    auto r = plan_crop(h, cv::Size(1000, 1400), false, 0.5, spec());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::SpecUnreachable);
    EXPECT_TRUE(contains(r.error().message, "crown")) << r.error().message;
    EXPECT_EQ(r.error().kind, refusal::kCrownNotFound);
}

TEST(Crop, BodyCutOffBelowTheChin) {
    // The typical head's window ends at y = 115.3 + 677.6 = 793 working px. A photo that ends
    // at 700 px would leave the bottom 88 output px with nothing to show: refused, whatever
    // room the bands leave, because those rows could only repeat the last row (streaks).
    const HeadMeasure h = typical();
    for (int height : {600, 700}) {
        auto r = plan_crop(h, cv::Size(1000, height), false, 0.5, spec());
        ASSERT_FALSE(r) << height;
        EXPECT_EQ(r.error().code, ErrorCode::SpecUnreachable);
        const std::string& m = r.error().message;
        EXPECT_TRUE(contains(m, "upper body")) << m;
        EXPECT_EQ(r.error().kind, refusal::kBodyTooShort);
    }
}

TEST(Crop, AShortPhotoLowersTheHeadInItsBandsInsteadOfPaddingRows) {
    const HeadMeasure h = typical();
    const auto full = plan_crop(h, cv::Size(1000, 1400), false, 0.5, spec());
    ASSERT_TRUE(full);
    // 12 working px short of the usual window: the head moves down in its bands to cover it.
    const int height = int(full->y + full->out_height / full->scale) - 12;
    auto ok = plan_crop(h, cv::Size(1000, height), false, 0.5, spec());
    ASSERT_TRUE(ok) << ok.error().message;
    expect_in_spec(h, ok.value());
    const double bottom = ok->y + ok->out_height / ok->scale;
    EXPECT_LE((bottom - height) * ok->scale, spec().max_padded_rows + 1e-9);
    EXPECT_GT(ok->crown_y, full->crown_y);
}

TEST(Crop, WindowMayReachAboveAndBesideThePhoto) {
    // Head near the top-left corner: the window reaches outside; that is padded with
    // background by the renderer and not an error.
    const HeadMeasure h = head(10, 190, 120, 260, 410);
    auto r = plan_crop(h, cv::Size(800, 1200), false, 0.5, spec());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_LT(r->x, 0);
    EXPECT_LT(r->y, 0);
    expect_in_spec(h, r.value());
}

TEST(Crop, RecropArithmetic) {
    const HeadMeasure h = typical();
    const CropPlan p = crop_from_window(h, 100, 50, 0.5, spec());
    EXPECT_DOUBLE_EQ(p.x, 100);
    EXPECT_DOUBLE_EQ(p.y, 50);
    EXPECT_DOUBLE_EQ(p.scale, 0.5);
    EXPECT_EQ(p.out_width, 480);
    EXPECT_EQ(p.out_height, 640);
    EXPECT_DOUBLE_EQ(p.crown_y, (200 - 50) * 0.5);          // 75
    EXPECT_DOUBLE_EQ(p.eye_y, (380 - 50) * 0.5);            // 165
    EXPECT_DOUBLE_EQ(p.face_width, 260 * 0.5);              // 130
    EXPECT_DOUBLE_EQ(p.centre_offset, (500 - 100) * 0.5 - 240);  // -40
    EXPECT_DOUBLE_EQ(p.chin_y_working, 600);
    const cv::Rect2d src = p.source_rect();
    EXPECT_DOUBLE_EQ(src.x, 100);
    EXPECT_DOUBLE_EQ(src.y, 50);
    EXPECT_DOUBLE_EQ(src.width, 960);
    EXPECT_DOUBLE_EQ(src.height, 1280);

    // Moving the window right by 20 output px moves the head left by 20 px; moving it down
    // moves the head up; zooming in about the same corner scales the positions.
    const CropPlan right = crop_from_window(h, 100 + 20 / 0.5, 50, 0.5, spec());
    EXPECT_DOUBLE_EQ(right.centre_offset, p.centre_offset - 20);
    EXPECT_DOUBLE_EQ(right.crown_y, p.crown_y);
    const CropPlan down = crop_from_window(h, 100, 50 + 10 / 0.5, 0.5, spec());
    EXPECT_DOUBLE_EQ(down.eye_y, p.eye_y - 10);
    const CropPlan zoom = crop_from_window(h, 100, 50, 1.0, spec());
    EXPECT_DOUBLE_EQ(zoom.crown_y, 2 * p.crown_y);
    EXPECT_DOUBLE_EQ(zoom.face_width, 2 * p.face_width);
}

TEST(Crop, MeasureHeadFromLandmarks) {
    Face f;
    for (auto& p : f.points) p = {0, 0};
    f.points[lm::kJawLeft] = {100, 300};
    f.points[lm::kJawRight] = {340, 310};
    f.points[lm::kChin] = {222, 480};
    for (int i = lm::kEyeAFirst; i <= lm::kEyeALast; ++i) f.points[i] = {160.f + float(i - lm::kEyeAFirst), 250};
    for (int i = lm::kEyeBFirst; i <= lm::kEyeBLast; ++i) f.points[i] = {280.f + float(i - lm::kEyeBFirst), 260};
    const HeadMeasure h = measure_head(f, 90);
    EXPECT_DOUBLE_EQ(h.crown_y, 90);
    EXPECT_NEAR(h.eye_y, 255, 1e-4);
    EXPECT_NEAR(h.centre_x, 220, 1e-4);
    EXPECT_NEAR(h.face_width, std::hypot(240.0, 10.0), 1e-3);
    EXPECT_NEAR(h.chin_y, 480, 1e-4);
}
