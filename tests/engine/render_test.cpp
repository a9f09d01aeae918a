// The renderer on a synthetic scene: a flat wall with an elliptical "person" and a matte made by
// hand. Background pixels must become the spec colour exactly, the person must stay as it was,
// and the file must meet the profile's JPEG spec, byte for byte the same on every render.
#include <cmath>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "config/config.h"
#include "engine/color/colour.h"
#include "engine/decode/decode.h"
#include "engine/jpeg/jpeg_codec.h"
#include "engine/render/render.h"
#include "engine/engine_fixture.h"
#include "support/test_support.h"

using namespace pd;
using namespace pd::engine;

namespace {

const domain::SpecProfile& spec() { return test::default_spec(); }

const cv::Vec3b kWall(200, 205, 210);  // BGR, a light grey wall

struct Scene {
    cv::Mat bgr;         // working image
    cv::Mat person;      // CV_8UC1 255 inside the person
    PersonMatte matte;
    HeadMeasure head;
};

// 640x800 working image; the person is a head ellipse and a torso ellipse reaching the bottom.
// `texture` adds deterministic noise inside the person so the JPEG has something to encode.
Scene make_scene(double texture, bool head_touches_top = false) {
    Scene s;
    s.bgr = cv::Mat(800, 640, CV_8UC3, kWall);
    s.person = cv::Mat::zeros(s.bgr.size(), CV_8UC1);
    const int head_top = head_touches_top ? -20 : 120;
    cv::ellipse(s.person, cv::Point(320, head_top + 150), cv::Size(115, 150), 0, 0, 360, 255, cv::FILLED);
    cv::ellipse(s.person, cv::Point(320, 800), cv::Size(260, 300), 0, 0, 360, 255, cv::FILLED);
    cv::Mat colour(s.bgr.size(), CV_8UC3, cv::Scalar(70, 90, 150));
    if (texture > 0) {
        cv::Mat noise(s.bgr.size(), CV_16SC3);
        cv::RNG rng(12345);
        rng.fill(noise, cv::RNG::NORMAL, 0, texture);
        cv::Mat c16;
        colour.convertTo(c16, CV_16SC3);
        c16 += noise;
        c16.convertTo(colour, CV_8UC3);
    }
    colour.copyTo(s.bgr, s.person);
    s.person.convertTo(s.matte.alpha, CV_32F, 1.0 / 255);
    s.matte.wall_bgr = cv::Mat(s.bgr.size(), CV_32FC3, cv::Scalar(kWall[0], kWall[1], kWall[2]));
    s.matte.wall_mean_bgr = cv::Vec3d(kWall[0], kWall[1], kWall[2]);
    s.head.crown_y = head_top;
    s.head.eye_y = head_top + 130;
    s.head.centre_x = 320;
    s.head.face_width = 220;
    s.head.chin_y = head_top + 290;
    return s;
}

cv::Vec3b spec_bgr() { return {spec().background.b, spec().background.g, spec().background.r}; }

double de_to_spec(const cv::Vec3b& bgr) {
    return delta_e2000(bgr_to_lab(cv::Vec3d(bgr[0], bgr[1], bgr[2])), rgb_to_lab(spec().background));
}

void expect_file_spec(const RenderedPhoto& p) {
    const auto& S = spec();
    ASSERT_EQ(p.bgr.type(), CV_8UC3);
    EXPECT_EQ(p.bgr.cols, S.width);
    EXPECT_EQ(p.bgr.rows, S.height);
    EXPECT_EQ(p.alpha.type(), CV_32FC1);
    EXPECT_EQ(p.alpha.size(), p.bgr.size());
    const auto info = inspect_jpeg(p.jpeg.bytes);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->width, S.width);
    EXPECT_EQ(info->height, S.height);
    EXPECT_EQ(info->components, 3);
    EXPECT_TRUE(info->baseline);
    EXPECT_TRUE(info->jfif);
    EXPECT_EQ(info->density_units, 1);
    EXPECT_EQ(info->x_density, S.dpi);
    EXPECT_EQ(info->y_density, S.dpi);
    const auto q = estimate_jpeg_quality(p.jpeg.bytes);
    ASSERT_TRUE(q.has_value());
    EXPECT_EQ(*q, p.jpeg.quality);
    EXPECT_GE(p.jpeg.quality, S.min_quality);
    const std::size_t n = p.jpeg.bytes.size();
    const std::size_t lo = std::size_t(S.file_kb.min * 1024), hi = std::size_t(S.file_kb.max * 1000);
    if (p.jpeg.size_in_window) {
        EXPECT_GE(n, lo);
        EXPECT_LE(n, hi);
    } else {
        EXPECT_TRUE(n < lo || n > hi) << n << " bytes is inside the window but size_in_window is false";
    }
}

}  // namespace

TEST(Render, BackgroundIsTheSpecColourAndThePersonIsUnchanged) {
    const Scene s = make_scene(12);
    // Scale 1, integer offsets: every output pixel is one working pixel.
    const CropPlan crop = crop_from_window(s.head, 80, 60, 1.0, spec());
    auto r = render_photo(s.bgr, s.matte, crop, spec());
    ASSERT_TRUE(r) << r.error().message;
    const RenderedPhoto& p = r.value();
    expect_file_spec(p);

    cv::Mat inner, outer;
    cv::erode(s.person, inner, cv::getStructuringElement(cv::MORPH_ELLIPSE, {5, 5}));
    cv::dilate(s.person, outer, cv::getStructuringElement(cv::MORPH_ELLIPSE, {5, 5}));
    int bg = 0, person = 0, bad_bg = 0, bad_person = 0, bad_alpha = 0;
    for (int y = 0; y < p.bgr.rows; ++y) {
        for (int x = 0; x < p.bgr.cols; ++x) {
            const int wy = y + 60, wx = x + 80;
            const cv::Vec3b o = p.bgr.at<cv::Vec3b>(y, x);
            if (!outer.at<uchar>(wy, wx)) {
                ++bg;
                bad_bg += o != spec_bgr();
                bad_alpha += p.alpha.at<float>(y, x) != 0.0f;
            } else if (inner.at<uchar>(wy, wx)) {
                ++person;
                bad_person += o != s.bgr.at<cv::Vec3b>(wy, wx);
                bad_alpha += p.alpha.at<float>(y, x) != 1.0f;
            }
        }
    }
    EXPECT_GT(bg, 50000);
    EXPECT_GT(person, 50000);
    EXPECT_EQ(bad_bg, 0) << "background pixels that are not exactly the spec colour";
    EXPECT_EQ(bad_person, 0) << "person pixels changed by the render";
    EXPECT_EQ(bad_alpha, 0) << "output alpha is not the hand-made matte moved by the window";

    // After JPEG: the background far from the person still within ΔE00 1 of the spec colour.
    auto d = decode_image(p.jpeg.bytes);
    ASSERT_TRUE(d) << d.error().message;
    ASSERT_EQ(d->bgr.size(), p.bgr.size());
    // "Far": outside every 16x16 block (4:2:0 chroma) that the person touches, plus the two
    // pixels chroma upsampling reaches.
    cv::Mat far;
    cv::dilate(s.person, far, cv::getStructuringElement(cv::MORPH_ELLIPSE, {41, 41}));
    double worst = 0;
    cv::Point worst_at;
    for (int y = 0; y < p.bgr.rows; ++y)
        for (int x = 0; x < p.bgr.cols; ++x)
            if (!far.at<uchar>(y + 60, x + 80)) {
                const double de = de_to_spec(d->bgr.at<cv::Vec3b>(y, x));
                if (de > worst) worst = de, worst_at = {x, y};
            }
    EXPECT_LE(worst, 1.0) << "at " << worst_at << ", quality " << p.jpeg.quality;
}

TEST(Render, TexturedContentLandsInTheSizeWindow) {
    const Scene s = make_scene(12);
    const CropPlan crop = crop_from_window(s.head, 80, 60, 1.0, spec());
    auto r = render_photo(s.bgr, s.matte, crop, spec());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->jpeg.size_in_window) << r->jpeg.bytes.size() << " bytes at quality " << r->jpeg.quality;
    expect_file_spec(r.value());
}

TEST(Render, FlatContentReportsSizeOutsideTheWindow) {
    // A flat wall and a flat person compress far below 20 KB even at the top quality.
    const Scene s = make_scene(0);
    const CropPlan crop = crop_from_window(s.head, 80, 60, 1.0, spec());
    auto r = render_photo(s.bgr, s.matte, crop, spec());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_FALSE(r->jpeg.size_in_window);
    EXPECT_LT(r->jpeg.bytes.size(), std::size_t(spec().file_kb.min * 1024));
    expect_file_spec(r.value());
}

TEST(Render, IsDeterministic) {
    const Scene s = make_scene(12);
    const CropPlan crop = crop_from_window(s.head, 57.25, 33.5, 0.8, spec());
    auto a = render_photo(s.bgr, s.matte, crop, spec());
    auto b = render_photo(s.bgr, s.matte, crop, spec());
    ASSERT_TRUE(a && b);
    EXPECT_TRUE(a->jpeg.bytes == b->jpeg.bytes) << "same input, different bytes";
    EXPECT_EQ(a->jpeg.quality, b->jpeg.quality);
    EXPECT_EQ(cv::norm(a->bgr, b->bgr, cv::NORM_INF), 0.0);
}

TEST(Render, PartialAlphaReplacesTheWallColourWithoutHalo) {
    // A ring of half alpha around the head, like a soft hair edge.
    Scene s = make_scene(12);
    cv::Mat ring;
    cv::dilate(s.person, ring, cv::getStructuringElement(cv::MORPH_ELLIPSE, {21, 21}));
    ring -= s.person;
    // The camera saw a = 0.5 of the person's colour F over the wall W there: I = aF + (1-a)W.
    // The render must give aF + (1-a)bg: no trace of the wall colour.
    const cv::Vec3d F(70, 90, 150), W(kWall[0], kWall[1], kWall[2]);
    const cv::Vec3d mixed = 0.5 * F + 0.5 * W;
    s.bgr.setTo(cv::Scalar(std::round(mixed[0]), std::round(mixed[1]), std::round(mixed[2])), ring);
    s.matte.alpha.setTo(0.5f, ring);
    const cv::Vec3d bg(spec_bgr()[0], spec_bgr()[1], spec_bgr()[2]);
    const cv::Vec3d want = 0.5 * F + 0.5 * bg;
    const CropPlan crop = crop_from_window(s.head, 80, 60, 1.0, spec());
    auto r = render_photo(s.bgr, s.matte, crop, spec());
    ASSERT_TRUE(r) << r.error().message;
    int n = 0;
    double worst = 0;
    for (int y = 0; y < r->bgr.rows; ++y)
        for (int x = 0; x < r->bgr.cols; ++x)
            if (ring.at<uchar>(y + 60, x + 80)) {
                ++n;
                const cv::Vec3b o = r->bgr.at<cv::Vec3b>(y, x);
                for (int c = 0; c < 3; ++c) worst = std::max(worst, std::abs(double(o[c]) - want[c]));
            }
    EXPECT_GT(n, 1000);
    EXPECT_LE(worst, 1.5) << "wall colour left at partial alpha";
}

// A matte wider than the hair: where the camera saw a tenth of the person over the wall, the
// matte says 0.4 (the left half of a 5 px ring). Compositing with 0.4 keeps three tenths of
// the wall (a rim around the head); with edge unmixing the alpha follows the colours and the
// wall is gone. Where the matte says less than the colours (the right half: 0.2 against 0.5),
// it is not raised.
TEST(Render, EdgeUnmixingTakesTheWallOutOfAMatteWiderThanTheHair) {
    Scene s = make_scene(12);
    cv::Mat ring;
    cv::dilate(s.person, ring, cv::getStructuringElement(cv::MORPH_ELLIPSE, {11, 11}));
    ring -= s.person;  // 5 px around the person
    cv::Mat left = ring.clone(), right = ring.clone();
    left.colRange(320, ring.cols).setTo(0);  // the matte too wide here
    right.colRange(0, 320).setTo(0);         // too narrow here
    const cv::Vec3d F(70, 90, 150), W(kWall[0], kWall[1], kWall[2]);
    const cv::Vec3d bg(spec_bgr()[0], spec_bgr()[1], spec_bgr()[2]);
    const auto set = [&](const cv::Mat& where, double seen, float matte) {
        const cv::Vec3d mixed = seen * F + (1 - seen) * W;
        s.bgr.setTo(cv::Scalar(std::round(mixed[0]), std::round(mixed[1]), std::round(mixed[2])), where);
        s.matte.alpha.setTo(matte, where);
    };
    set(left, 0.1, 0.4f);
    set(right, 0.5, 0.2f);
    const CropPlan crop = crop_from_window(s.head, 80, 60, 1.0, spec());
    const auto worst_off = [&](const RenderedPhoto& r, const cv::Mat& where, const cv::Vec3d& want) {
        double worst = 0;
        for (int y = 0; y < r.bgr.rows; ++y)
            for (int x = 0; x < r.bgr.cols; ++x)
                if (where.at<uchar>(y + 60, x + 80)) {
                    const cv::Vec3b o = r.bgr.at<cv::Vec3b>(y, x);
                    for (int c = 0; c < 3; ++c) worst = std::max(worst, std::abs(double(o[c]) - want[c]));
                }
        return worst;
    };
    const EdgeUnmix unmix{.radius = 6, .below_alpha = 0.9f, .margin = 0.05f, .min_contrast = 30};
    auto off = render_photo(s.bgr, s.matte, crop, spec());
    auto on = render_photo(s.bgr, s.matte, crop, spec(), 0, unmix);
    ASSERT_TRUE(off && on);
    // What a right alpha gives: 0.1 F + 0.9 bg; 0.4 keeps 0.3 of the wall (~30 levels here).
    const cv::Vec3d thin = 0.1 * F + 0.9 * bg;
    EXPECT_GT(worst_off(*off, left, thin), 20) << "the scene does not show the rim it is about";
    // Unmixed down to 0.1 + the margin: 0.05 of the wall at most (~5 levels).
    EXPECT_LE(worst_off(*on, left, thin), 7) << "old wall left where the matte is wider than the hair";
    // Not raised: where the matte says less, it composites with the matte's 0.2 as before.
    const cv::Vec3d as_matte = 0.5 * F + 0.5 * W + 0.8 * (bg - W);
    EXPECT_LE(worst_off(*on, right, as_matte), 1.5);
}

TEST(Render, DownscaledWindowKeepsTheBackgroundExact) {
    // Scale 0.5 takes the pre-shrink path; scale 0.8 the direct one. Both: background exact
    // away from the person, person colour kept inside it.
    const Scene s = make_scene(0);
    for (double scale : {0.8, 0.5}) {
        SCOPED_TRACE("scale " + std::to_string(scale));
        const double x = 320 - 240 / scale, y = 0;
        const CropPlan crop = crop_from_window(s.head, x, y, scale, spec());
        auto r = render_photo(s.bgr, s.matte, crop, spec());
        ASSERT_TRUE(r) << r.error().message;
        expect_file_spec(r.value());
        cv::Mat far;
        cv::dilate(s.person, far, cv::getStructuringElement(cv::MORPH_ELLIPSE, {13, 13}));
        cv::Mat inner;
        cv::erode(s.person, inner, cv::getStructuringElement(cv::MORPH_ELLIPSE, {13, 13}));
        int bad_bg = 0, bad_person = 0, nbg = 0, nperson = 0;
        for (int oy = 0; oy < r->bgr.rows; ++oy)
            for (int ox = 0; ox < r->bgr.cols; ++ox) {
                const int wx = int(std::lround(x + ox / scale)), wy = int(std::lround(y + oy / scale));
                const cv::Vec3b o = r->bgr.at<cv::Vec3b>(oy, ox);
                const bool inside = wx >= 0 && wy >= 0 && wx < s.bgr.cols && wy < s.bgr.rows;
                if (!inside || !far.at<uchar>(wy, wx)) {
                    if (inside || wy < s.head.chin_y) {
                        ++nbg;
                        bad_bg += o != spec_bgr();
                    }
                } else if (inner.at<uchar>(wy, wx)) {
                    ++nperson;
                    bad_person += cv::norm(cv::Vec3d(o[0], o[1], o[2]) - cv::Vec3d(70, 90, 150), cv::NORM_INF) > 1;
                }
            }
        EXPECT_GT(nbg, 10000);
        EXPECT_GT(nperson, 10000);
        EXPECT_EQ(bad_bg, 0);
        EXPECT_EQ(bad_person, 0);
    }
}

TEST(Render, WindowAboveThePhotoIsBackgroundNotSmearedHair) {
    // The head touches row 0 of the working image; a window starting 40 px above the photo
    // must show background there, not the first row replicated upwards.
    const Scene s = make_scene(12, true);
    const CropPlan crop = crop_from_window(s.head, 80, -40, 1.0, spec());
    auto r = render_photo(s.bgr, s.matte, crop, spec());
    ASSERT_TRUE(r) << r.error().message;
    for (int y = 0; y < 40; ++y)
        for (int x = 0; x < r->bgr.cols; ++x) {
            ASSERT_EQ(r->bgr.at<cv::Vec3b>(y, x), spec_bgr()) << "at " << x << "," << y;
            ASSERT_EQ(r->alpha.at<float>(y, x), 0.0f);
        }
    // Just below the photo's top edge, inside the head: the person.
    EXPECT_EQ(r->bgr.at<cv::Vec3b>(45, 240), s.bgr.at<cv::Vec3b>(5, 320));
}

TEST(Render, WindowBesideThePhotoAboveTheChinIsBackground) {
    // A window reaching 100 px left of the photo: beside the head it is background; below the
    // chin the edge is replicated (shoulders cut by the frame continue).
    const Scene s = make_scene(0);
    // Put the person against the left edge (the head cut by it): shift everything 300 px left.
    const cv::Matx23d T(1, 0, -300, 0, 1, 0);
    Scene t;
    t.matte = s.matte;
    t.matte.alpha = cv::Mat();  // not shared with s: the warp below writes a new one
    t.head = s.head;
    cv::warpAffine(s.bgr, t.bgr, T, s.bgr.size(), cv::INTER_NEAREST, cv::BORDER_CONSTANT, cv::Scalar(kWall));
    cv::warpAffine(s.matte.alpha, t.matte.alpha, T, s.bgr.size(), cv::INTER_NEAREST, cv::BORDER_CONSTANT, 0);
    ASSERT_GT(t.matte.alpha.at<float>(270, 0), 0.5f) << "the head must touch the left edge";
    t.head.centre_x = 20;
    const CropPlan crop = crop_from_window(t.head, -220, 60, 1.0, spec());
    auto r = render_photo(t.bgr, t.matte, crop, spec());
    ASSERT_TRUE(r) << r.error().message;
    const int chin_out = int(std::ceil((t.head.chin_y - 60)));
    for (int y = 0; y < std::min(chin_out, r->bgr.rows); ++y)
        for (int x = 0; x < 220; ++x) ASSERT_EQ(r->bgr.at<cv::Vec3b>(y, x), spec_bgr()) << "at " << x << "," << y;
}
