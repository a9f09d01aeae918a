#include <turbojpeg.h>

#include "decode_test_helpers.h"

namespace pd::test::decode {
namespace {

using pd::ErrorCode;
using pd::engine::decode_image;
using pd::engine::DecodeOptions;
using pd::engine::ImageFormat;

TEST(DecodeJpeg, AstronautRoundTrip) {
    const cv::Mat src = astronaut();
    ASSERT_FALSE(src.empty());
    const auto img = PD_DECODE_OK(jpeg_of(src, 95));
    EXPECT_EQ(img.facts.format, ImageFormat::Jpeg);
    EXPECT_EQ(img.facts.width, 512);
    EXPECT_EQ(img.facts.height, 512);
    EXPECT_EQ(img.facts.channels, 3);
    EXPECT_EQ(img.facts.bits_per_sample, 8);
    EXPECT_FALSE(img.facts.cmyk);
    EXPECT_FALSE(img.facts.progressive);
    EXPECT_FALSE(img.facts.has_alpha);
    EXPECT_TRUE(img.alpha.empty());
    EXPECT_EQ(img.scale, 1.0);
    EXPECT_EQ(img.bgr.type(), CV_8UC3);
    EXPECT_LT(mean_abs_diff(img.bgr, src), 4.0);
    EXPECT_FALSE(img.exif.present);
    EXPECT_EQ(img.exif.orientation, 1);
}

TEST(DecodeJpeg, SeveralSizes) {
    for (cv::Size sz : {cv::Size(640, 480), cv::Size(300, 200), cv::Size(17, 9), cv::Size(1, 1),
                        cv::Size(1031, 77)}) {
        cv::Mat src;
        cv::resize(astronaut(), src, sz, 0, 0, cv::INTER_AREA);
        const auto img = PD_DECODE_OK(jpeg_of(src, 90));
        EXPECT_EQ(img.bgr.cols, sz.width);
        EXPECT_EQ(img.bgr.rows, sz.height);
        EXPECT_EQ(img.facts.width, sz.width);
        EXPECT_EQ(img.facts.height, sz.height);
    }
}

TEST(DecodeJpeg, ProgressiveFlag) {
    const auto bytes = encode(astronaut(), ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
    const auto img = PD_DECODE_OK(bytes);
    EXPECT_TRUE(img.facts.progressive);
    EXPECT_LT(mean_abs_diff(img.bgr, astronaut()), 4.0);
}

TEST(DecodeJpeg, GreyscaleBecomesBgr) {
    cv::Mat grey;
    cv::cvtColor(astronaut(), grey, cv::COLOR_BGR2GRAY);
    const auto img = PD_DECODE_OK(jpeg_of(grey));
    EXPECT_EQ(img.facts.channels, 1);
    ASSERT_EQ(img.bgr.type(), CV_8UC3);
    cv::Mat ch[3];
    cv::split(img.bgr, ch);
    EXPECT_TRUE(equal_mats(ch[0], ch[1]));
    EXPECT_TRUE(equal_mats(ch[1], ch[2]));
    EXPECT_LT(mean_abs_diff(ch[0], grey), 3.0);
}

// Adobe-style CMYK (inverted: stored = 255 - ink), as Photoshop writes it.
TEST(DecodeJpeg, CmykAdobeInvertedColoursMatch) {
    const cv::Mat src = astronaut();
    cv::Mat cmyk(src.size(), CV_8UC4);
    for (int y = 0; y < src.rows; ++y) {
        for (int x = 0; x < src.cols; ++x) {
            const cv::Vec3b p = src.at<cv::Vec3b>(y, x);  // B G R
            const int r = p[2], g = p[1], b = p[0];
            const int k = std::max({r, g, b});            // inverted K = 255 - black ink
            auto inv = [&](int v) { return k == 0 ? 0 : (v * 255 + k / 2) / k; };
            cmyk.at<cv::Vec4b>(y, x) = cv::Vec4b(std::uint8_t(inv(r)), std::uint8_t(inv(g)),
                                                 std::uint8_t(inv(b)), std::uint8_t(k));
        }
    }
    tjhandle tj = tjInitCompress();
    ASSERT_NE(tj, nullptr);
    unsigned char* buf = nullptr;
    unsigned long size = 0;
    ASSERT_EQ(tjCompress2(tj, cmyk.data, cmyk.cols, int(cmyk.step[0]), cmyk.rows, TJPF_CMYK, &buf,
                          &size, TJSAMP_444, 95, 0),
              0)
        << tjGetErrorStr2(tj);
    const Bytes bytes(buf, buf + size);
    tjFree(buf);
    tjDestroy(tj);

    const auto img = PD_DECODE_OK(bytes);
    EXPECT_TRUE(img.facts.cmyk);
    EXPECT_EQ(img.facts.channels, 4);
    EXPECT_LT(mean_abs_diff(img.bgr, src), 4.0);
}

TEST(DecodeJpeg, ScaledDecodingPicksSmallestSufficientFactor) {
    cv::Mat src;
    cv::resize(astronaut(), src, {1600, 1200});
    const Bytes bytes = jpeg_of(src, 85);
    struct Case { int min_long; int w, h; double scale; };
    for (const Case c : {Case{0, 1600, 1200, 1.0}, Case{400, 400, 300, 0.25}, Case{401, 600, 450, 0.375},
                         Case{200, 200, 150, 0.125}, Case{1, 200, 150, 0.125},
                         Case{1600, 1600, 1200, 1.0}, Case{5000, 1600, 1200, 1.0},
                         Case{800, 800, 600, 0.5}}) {
        DecodeOptions opt;
        opt.min_long_side = c.min_long;
        const auto img = PD_DECODE_OK(bytes, opt);
        EXPECT_EQ(img.bgr.cols, c.w) << "min_long_side " << c.min_long;
        EXPECT_EQ(img.bgr.rows, c.h) << "min_long_side " << c.min_long;
        EXPECT_DOUBLE_EQ(img.scale, c.scale) << "min_long_side " << c.min_long;
        EXPECT_EQ(img.facts.width, 1600);  // facts are the file's, not the decode's
        EXPECT_EQ(img.facts.height, 1200);
    }
    // The scaled pixels are the picture, not garbage.
    DecodeOptions opt;
    opt.min_long_side = 400;
    const auto small = PD_DECODE_OK(bytes, opt);
    cv::Mat expect;
    cv::resize(src, expect, {400, 300}, 0, 0, cv::INTER_AREA);
    EXPECT_LT(mean_abs_diff(small.bgr, expect), 6.0);
}

TEST(DecodeJpeg, ScaledDecodingWithRotation) {
    cv::Mat src;
    cv::resize(astronaut(), src, {1600, 1200});
    const Bytes bytes = with_orientation(jpeg_of(src, 85), 6);
    DecodeOptions opt;
    opt.min_long_side = 400;
    const auto img = PD_DECODE_OK(bytes, opt);
    EXPECT_EQ(img.bgr.cols, 300);
    EXPECT_EQ(img.bgr.rows, 400);
    EXPECT_DOUBLE_EQ(img.scale, 0.25);
    EXPECT_EQ(img.facts.width, 1600);
    EXPECT_EQ(img.exif.orientation, 6);
}

TEST(DecodeJpeg, JfifDensityGivesDpi) {
    Bytes bytes = jpeg_of(astronaut());
    ASSERT_EQ(bytes[3], 0xE0);
    ASSERT_EQ(std::memcmp(&bytes[6], "JFIF", 5), 0);
    // Payload starts at 6: "JFIF\0" version(2) units(1) Xdensity(2) Ydensity(2).
    bytes[13] = 1;  // dots per inch
    bytes[14] = 0x01; bytes[15] = 0x2C;  // 300
    bytes[16] = 0x00; bytes[17] = 0x96;  // 150
    auto img = PD_DECODE_OK(bytes);
    ASSERT_TRUE(img.facts.dpi_x && img.facts.dpi_y);
    EXPECT_DOUBLE_EQ(*img.facts.dpi_x, 300);
    EXPECT_DOUBLE_EQ(*img.facts.dpi_y, 150);

    bytes[13] = 2;  // dots per cm
    bytes[14] = 0; bytes[15] = 118;
    bytes[16] = 0; bytes[17] = 118;
    img = PD_DECODE_OK(bytes);
    ASSERT_TRUE(img.facts.dpi_x);
    EXPECT_DOUBLE_EQ(*img.facts.dpi_x, 299.7);

    bytes[13] = 0;  // aspect ratio only: no dpi
    img = PD_DECODE_OK(bytes);
    EXPECT_FALSE(img.facts.dpi_x);
}

TEST(DecodeJpeg, HeaderClaimingHugeSizeIsRefused) {
    cv::Mat src;
    cv::resize(astronaut(), src, {16, 16});
    Bytes bytes = jpeg_of(src);
    const std::size_t sof = find_jpeg_marker(bytes, 0xC0);
    ASSERT_NE(sof, std::string::npos);
    // SOF0: FF C0 len(2) P(1) Y(2) X(2)
    bytes[sof + 5] = 0xFD; bytes[sof + 6] = 0xE8;  // 65000
    bytes[sof + 7] = 0xFD; bytes[sof + 8] = 0xE8;
    const auto r = decode_image(bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::TooLarge) << describe(r.error());
    EXPECT_NE(r.error().message.find("65000x65000"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("4225 MP"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("100 MP limit"), std::string::npos) << r.error().message;
}

TEST(DecodeJpeg, PixelLimitIsConfigurable) {
    DecodeOptions opt;
    opt.max_pixels = 100'000;
    const auto r = decode_image(jpeg_of(astronaut()), opt);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::TooLarge);
    EXPECT_EQ(r.error().message, "image is 512x512 (0.3 MP), over the 0.1 MP limit");
    opt.max_pixels = 512 * 512;  // exactly at the limit is fine
    EXPECT_TRUE(decode_image(jpeg_of(astronaut()), opt).ok());
}

TEST(DecodeJpeg, ZeroHeightIsRefused) {
    cv::Mat src;
    cv::resize(astronaut(), src, {16, 16});
    Bytes bytes = jpeg_of(src);
    const std::size_t sof = find_jpeg_marker(bytes, 0xC0);
    ASSERT_NE(sof, std::string::npos);
    bytes[sof + 5] = 0; bytes[sof + 6] = 0;
    const auto r = decode_image(bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::Corrupt) << describe(r.error());
}

TEST(DecodeJpeg, SkimageTruncatedJpeg) {
    auto bytes = pd::engine::read_file_bytes(truncated_jpeg_path());
    ASSERT_TRUE(bytes.ok()) << describe(bytes.error());
    const auto r = decode_image(*bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::Truncated) << describe(r.error());
    EXPECT_NE(r.error().message.find("ends early"), std::string::npos) << r.error().message;
}

TEST(DecodeJpeg, CutJpegsAreTruncated) {
    const Bytes full = jpeg_of(astronaut());
    const Bytes prog = encode(astronaut(), ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
    for (const Bytes* src : {&full, &prog}) {
        for (double frac : {0.5, 0.9, 0.99}) {
            const Bytes cut(src->begin(), src->begin() + std::ptrdiff_t(double(src->size()) * frac));
            const auto r = decode_image(cut);
            ASSERT_FALSE(r.ok()) << frac;
            EXPECT_EQ(r.error().code, ErrorCode::Truncated) << frac << " " << describe(r.error());
        }
        // Only the EOI marker missing.
        const Bytes no_eoi(src->begin(), src->end() - 2);
        const auto r = decode_image(no_eoi);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, ErrorCode::Truncated) << describe(r.error());
    }
    // Cut inside the headers, before any image data.
    const Bytes head(full.begin(), full.begin() + 40);
    const auto r = decode_image(head);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::Truncated) << describe(r.error());
}

TEST(DecodeJpeg, TrailingBytesAfterEoiAreFine) {
    Bytes bytes = jpeg_of(astronaut());
    for (int i = 0; i < 1000; ++i) bytes.push_back(std::uint8_t(i * 7));
    const auto img = PD_DECODE_OK(bytes);
    EXPECT_EQ(img.bgr.cols, 512);
}

TEST(DecodeJpeg, ExtraneousBytesBeforeEoiAreBenign) {
    Bytes bytes = jpeg_of(astronaut());
    ASSERT_EQ(bytes[bytes.size() - 2], 0xFF);
    bytes.insert(bytes.end() - 2, {0x01, 0x02, 0x03, 0x04, 0x05});  // libjpeg warns, pixels intact
    const auto img = PD_DECODE_OK(bytes);
    EXPECT_LT(mean_abs_diff(img.bgr, astronaut()), 4.0);
}

TEST(DecodeJpeg, StrayMarkerInsideScanIsCorrupt) {
    Bytes bytes = jpeg_of(astronaut());
    const std::size_t sos = find_jpeg_marker(bytes, 0xDA);
    ASSERT_NE(sos, std::string::npos);
    const std::size_t at = sos + (bytes.size() - sos) / 3;
    bytes[at] = 0xFF;
    bytes[at + 1] = 0xD3;  // RST3 where none belongs
    const auto r = decode_image(bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::Corrupt) << describe(r.error());
    EXPECT_NE(r.error().message.find("damaged"), std::string::npos) << r.error().message;
}

TEST(DecodeJpeg, TwelveBitAndLosslessAreUnsupported) {
    cv::Mat src;
    cv::resize(astronaut(), src, {16, 16});
    Bytes bytes = jpeg_of(src);
    const std::size_t sof = find_jpeg_marker(bytes, 0xC0);
    ASSERT_NE(sof, std::string::npos);
    Bytes lossless = bytes;
    lossless[sof + 1] = 0xC3;
    auto r = decode_image(lossless);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::UnsupportedFormat) << describe(r.error());
    Bytes twelve = bytes;
    twelve[sof + 4] = 12;
    r = decode_image(twelve);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::UnsupportedFormat) << describe(r.error());
}

}  // namespace
}  // namespace pd::test::decode
