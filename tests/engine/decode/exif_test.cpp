// EXIF fields and all 8 orientations applied to the pixels (and to alpha).
#include "decode_test_helpers.h"

namespace pd::test::decode {
namespace {

using pd::engine::decode_image;
using pd::engine::DecodeOptions;

// The upright picture for a stored image with EXIF orientation k, built from OpenCV's own
// rotate/flip (independently of the decoder's implementation).
cv::Mat expected_upright(const cv::Mat& stored, int k) {
    cv::Mat out;
    switch (k) {
        case 1: out = stored.clone(); break;
        case 2: cv::flip(stored, out, 1); break;
        case 3: cv::rotate(stored, out, cv::ROTATE_180); break;
        case 4: cv::flip(stored, out, 0); break;
        case 5: cv::transpose(stored, out); break;
        case 6: cv::rotate(stored, out, cv::ROTATE_90_CLOCKWISE); break;
        case 7: cv::transpose(stored, out); cv::rotate(out, out, cv::ROTATE_180); break;
        case 8: cv::rotate(stored, out, cv::ROTATE_90_COUNTERCLOCKWISE); break;
    }
    return out;
}

enum Corner { TL, TR, BL, BR };

cv::Vec3b corner_colour(const cv::Mat& img, Corner c) {
    const int x = (c == TL || c == BL) ? 4 : img.cols - 5;
    const int y = (c == TL || c == TR) ? 4 : img.rows - 5;
    return img.at<cv::Vec3b>(y, x);
}

bool is_colour(cv::Vec3b v, cv::Vec3b want) {
    for (int i = 0; i < 3; ++i)
        if (std::abs(int(v[i]) - int(want[i])) > 40) return false;
    return true;
}

class Orientation : public ::testing::TestWithParam<std::tuple<int, bool>> {};

TEST_P(Orientation, PixelsComeOutUpright) {
    const auto [k, big_endian] = GetParam();
    // Asymmetric, non-square: grey field, red block in the stored top-left, green block in
    // the stored top-right, blue in the bottom-left.
    cv::Mat stored(64, 96, CV_8UC3, cv::Scalar(128, 128, 128));
    stored(cv::Rect(0, 0, 16, 16)).setTo(cv::Scalar(0, 0, 255));
    stored(cv::Rect(80, 0, 16, 16)).setTo(cv::Scalar(0, 255, 0));
    stored(cv::Rect(0, 48, 16, 16)).setTo(cv::Scalar(255, 0, 0));
    const Bytes plain = jpeg_of(stored, 100);
    const auto reference = PD_DECODE_OK(plain);  // the same compressed pixels, no EXIF

    const Bytes bytes = with_orientation(plain, k, big_endian);
    const auto img = PD_DECODE_OK(bytes);
    EXPECT_TRUE(img.exif.present);
    EXPECT_EQ(img.exif.orientation, k);
    EXPECT_EQ(img.facts.width, 96);   // as stored
    EXPECT_EQ(img.facts.height, 64);
    EXPECT_TRUE(equal_mats(img.bgr, expected_upright(reference.bgr, k))) << "orientation " << k;

    // Where the stored top-left (red) and top-right (green) corners must appear, per EXIF:
    //   k:            1   2   3   4   5   6   7   8
    //   stored TL ->  TL  TR  BR  BL  TL  TR  BR  BL
    //   stored TR ->  TR  TL  BL  BR  BL  BR  TR  TL
    static const Corner red_at[9] = {TL, TL, TR, BR, BL, TL, TR, BR, BL};
    static const Corner green_at[9] = {TR, TR, TL, BL, BR, BL, BR, TR, TL};
    EXPECT_TRUE(is_colour(corner_colour(img.bgr, red_at[k]), {0, 0, 255})) << "orientation " << k;
    EXPECT_TRUE(is_colour(corner_colour(img.bgr, green_at[k]), {0, 255, 0})) << "orientation " << k;
    const bool swapped = k >= 5;
    EXPECT_EQ(img.bgr.cols, swapped ? 64 : 96);
    EXPECT_EQ(img.bgr.rows, swapped ? 96 : 64);

    DecodeOptions keep;
    keep.apply_orientation = false;
    const auto raw = PD_DECODE_OK(bytes, keep);
    EXPECT_EQ(raw.exif.orientation, k);
    EXPECT_TRUE(equal_mats(raw.bgr, reference.bgr));
}

INSTANTIATE_TEST_SUITE_P(AllEight, Orientation,
                         ::testing::Combine(::testing::Range(1, 9), ::testing::Bool()),
                         [](const auto& info) {
                             return "k" + std::to_string(std::get<0>(info.param)) +
                                    (std::get<1>(info.param) ? "_MM" : "_II");
                         });

TEST(Exif, OrientationAlsoRotatesAlpha) {
    // PNG with an eXIf chunk (bare TIFF) saying "rotate 90 CW".
    cv::Mat src(20, 30, CV_8UC4, cv::Scalar(50, 60, 70, 255));
    src(cv::Rect(0, 0, 5, 5)).setTo(cv::Scalar(0, 0, 255, 10));  // stored top-left, alpha 10
    TiffWriter w;
    w.ifd0_short(0x0112, 6);
    const Bytes bytes = insert_png_chunk(encode(src, ".png"), "eXIf", w.tiff());
    const auto img = PD_DECODE_OK(bytes);
    EXPECT_EQ(img.exif.orientation, 6);
    ASSERT_EQ(img.bgr.cols, 20);
    ASSERT_EQ(img.bgr.rows, 30);
    ASSERT_EQ(img.alpha.size(), img.bgr.size());
    // Rotated 90 CW: stored top-left is now top-right.
    EXPECT_EQ(img.alpha.at<std::uint8_t>(0, 19), 10);
    EXPECT_EQ(img.alpha.at<std::uint8_t>(0, 0), 255);
    EXPECT_EQ(img.bgr.at<cv::Vec3b>(0, 19), cv::Vec3b(0, 0, 255));
}

TEST(Exif, AllFieldsRead) {
    TiffWriter w;
    w.ifd0_ascii(0x010F, "Canon");
    w.ifd0_ascii(0x0110, "Canon EOS R5");
    w.ifd0_ascii(0x0131, "Adobe Photoshop 25.0");
    w.ifd0_short(0x0112, 1);
    w.ifd0_rational(0x011A, 300, 1);  // XResolution
    w.ifd0_rational(0x011B, 300, 1);
    w.ifd0_short(0x0128, 2);          // inches
    w.exif_ascii(0x9003, "2024:05:20 14:03:11");
    w.exif_rational(0x920A, 850, 10);  // 85 mm
    w.exif_short(0xA405, 85);
    w.exif_ascii(0xA434, "RF85mm F1.2 L USM");
    cv::Mat src;
    cv::resize(astronaut(), src, {32, 32});
    const auto img = PD_DECODE_OK(insert_jpeg_segment(jpeg_of(src), 0xE1, w.app1()));
    const auto& x = img.exif;
    EXPECT_TRUE(x.present);
    EXPECT_EQ(x.make, "Canon");
    EXPECT_EQ(x.model, "Canon EOS R5");
    EXPECT_EQ(x.software, "Adobe Photoshop 25.0");
    EXPECT_EQ(x.datetime_original, "2024:05:20 14:03:11");
    EXPECT_EQ(x.lens_model, "RF85mm F1.2 L USM");
    ASSERT_TRUE(x.focal_length_mm);
    EXPECT_DOUBLE_EQ(*x.focal_length_mm, 85.0);
    ASSERT_TRUE(x.focal_length_35mm);
    EXPECT_DOUBLE_EQ(*x.focal_length_35mm, 85.0);
    // OpenCV's JFIF says "aspect ratio only", so the EXIF resolution is the dpi.
    ASSERT_TRUE(img.facts.dpi_x);
    EXPECT_DOUBLE_EQ(*img.facts.dpi_x, 300);
}

TEST(Exif, ParseDirectly) {
    TiffWriter w(true);
    w.ifd0_ascii(0x0110, "  Pixel 8  ");
    w.ifd0_short(0x0112, 8);
    const Bytes tiff = w.tiff();
    const auto from_tiff = pd::engine::parse_exif(tiff);
    EXPECT_TRUE(from_tiff.present);
    EXPECT_EQ(from_tiff.orientation, 8);
    EXPECT_EQ(from_tiff.model, "Pixel 8");
    const auto from_app1 = pd::engine::parse_exif(w.app1());
    EXPECT_EQ(from_app1.orientation, 8);
}

TEST(Exif, GarbageNeverFails) {
    EXPECT_FALSE(pd::engine::parse_exif(Bytes{}).present);
    EXPECT_FALSE(pd::engine::parse_exif(Bytes{'E', 'x', 'i', 'f', 0, 0}).present);
    Bytes bad = {'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 0xFF, 0xFF, 0xFF, 0x7F};
    EXPECT_FALSE(pd::engine::parse_exif(bad).present);
    // Out-of-range orientation is ignored (stays 1) but the rest is kept.
    TiffWriter w;
    w.ifd0_short(0x0112, 9);
    w.ifd0_ascii(0x010F, "Sony");
    const auto x = pd::engine::parse_exif(w.tiff());
    EXPECT_EQ(x.orientation, 1);
    EXPECT_EQ(x.make, "Sony");
    // A JPEG with a broken EXIF segment still decodes.
    cv::Mat src;
    cv::resize(astronaut(), src, {16, 16});
    const auto img = PD_DECODE_OK(insert_jpeg_segment(jpeg_of(src), 0xE1, bad));
    EXPECT_EQ(img.exif.orientation, 1);
}

TEST(Exif, ApplyOrientationHelper) {
    cv::Mat m = (cv::Mat_<std::uint8_t>(2, 3) << 1, 2, 3, 4, 5, 6);
    auto rows = [](const cv::Mat& a) {
        std::vector<int> v;
        for (int y = 0; y < a.rows; ++y)
            for (int x = 0; x < a.cols; ++x) v.push_back(a.at<std::uint8_t>(y, x));
        return v;
    };
    using V = std::vector<int>;
    EXPECT_EQ(rows(pd::engine::apply_exif_orientation(m, 1)), (V{1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(rows(pd::engine::apply_exif_orientation(m, 2)), (V{3, 2, 1, 6, 5, 4}));
    EXPECT_EQ(rows(pd::engine::apply_exif_orientation(m, 3)), (V{6, 5, 4, 3, 2, 1}));
    EXPECT_EQ(rows(pd::engine::apply_exif_orientation(m, 4)), (V{4, 5, 6, 1, 2, 3}));
    EXPECT_EQ(rows(pd::engine::apply_exif_orientation(m, 5)), (V{1, 4, 2, 5, 3, 6}));
    EXPECT_EQ(rows(pd::engine::apply_exif_orientation(m, 6)), (V{4, 1, 5, 2, 6, 3}));
    EXPECT_EQ(rows(pd::engine::apply_exif_orientation(m, 7)), (V{6, 3, 5, 2, 4, 1}));
    EXPECT_EQ(rows(pd::engine::apply_exif_orientation(m, 8)), (V{3, 6, 2, 5, 1, 4}));
    EXPECT_EQ(rows(pd::engine::apply_exif_orientation(m, 0)), (V{1, 2, 3, 4, 5, 6}));
}

}  // namespace
}  // namespace pd::test::decode
