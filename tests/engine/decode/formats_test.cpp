// WebP, HEIF, BMP, and the shared real-world portraits (two of them mislabelled .jpg).
#include <libheif/heif.h>

#include <filesystem>

#include "decode_test_helpers.h"

namespace pd::test::decode {
namespace {

using pd::ErrorCode;
using pd::engine::decode_image;
using pd::engine::DecodeOptions;
using pd::engine::ImageFormat;

std::filesystem::path portrait(const std::vector<std::filesystem::path>& all, const std::string& name) {
    for (const auto& p : all)
        if (p.filename() == name) return p;
    return {};
}

// ---- WebP ----

TEST(DecodeWebp, LossyRoundTrip) {
    const auto img = PD_DECODE_OK(encode(astronaut(), ".webp", {cv::IMWRITE_WEBP_QUALITY, 95}));
    EXPECT_EQ(img.facts.format, ImageFormat::WebP);
    EXPECT_EQ(img.facts.width, 512);
    EXPECT_EQ(img.facts.height, 512);
    EXPECT_FALSE(img.facts.has_alpha);
    EXPECT_TRUE(img.alpha.empty());
    EXPECT_LT(mean_abs_diff(img.bgr, astronaut()), 5.0);
}

TEST(DecodeWebp, LosslessWithAlpha) {
    cv::Mat src;
    cv::resize(astronaut(), src, {64, 40});
    cv::Mat alpha(src.size(), CV_8UC1);
    for (int y = 0; y < alpha.rows; ++y)
        for (int x = 0; x < alpha.cols; ++x) alpha.at<std::uint8_t>(y, x) = std::uint8_t(255 - 4 * x);
    cv::Mat bgra;
    cv::merge(std::vector<cv::Mat>{src, alpha}, bgra);
    const auto img = PD_DECODE_OK(encode(bgra, ".webp", {cv::IMWRITE_WEBP_QUALITY, 101}));
    EXPECT_TRUE(img.facts.has_alpha);
    EXPECT_EQ(img.facts.channels, 4);
    ASSERT_FALSE(img.alpha.empty());
    EXPECT_TRUE(equal_mats(img.alpha, alpha));
    // Lossless WebP keeps colour exactly where alpha > 0.
    cv::Mat mask = alpha > 0, a, b;
    img.bgr.copyTo(a, mask);
    src.copyTo(b, mask);
    EXPECT_TRUE(equal_mats(a, b));
}

TEST(DecodeWebp, CutWebpIsTruncated) {
    const Bytes bytes = encode(astronaut(), ".webp", {cv::IMWRITE_WEBP_QUALITY, 80});
    for (std::size_t cut : {bytes.size() / 2, std::size_t(20), std::size_t(31)}) {
        const auto r = decode_image(Bytes(bytes.begin(), bytes.begin() + std::ptrdiff_t(cut)));
        ASSERT_FALSE(r.ok()) << cut;
        EXPECT_EQ(r.error().code, ErrorCode::Truncated) << cut << " " << describe(r.error());
    }
}

TEST(DecodeWebp, PixelLimitFromHeader) {
    DecodeOptions opt;
    opt.max_pixels = 1000;
    const auto r = decode_image(encode(astronaut(), ".webp"), opt);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::TooLarge);
    EXPECT_NE(r.error().message.find("512x512"), std::string::npos) << r.error().message;
}

// ---- BMP ----

TEST(DecodeBmp, RoundTripExact) {
    const Bytes bytes = encode(astronaut(), ".bmp");
    const auto img = PD_DECODE_OK(bytes);
    EXPECT_EQ(img.facts.format, ImageFormat::Bmp);
    EXPECT_EQ(img.facts.width, 512);
    EXPECT_EQ(img.facts.height, 512);
    EXPECT_TRUE(equal_mats(img.bgr, astronaut()));
}

TEST(DecodeBmp, GreyBecomesBgr) {
    cv::Mat grey;
    cv::cvtColor(astronaut(), grey, cv::COLOR_BGR2GRAY);
    const auto img = PD_DECODE_OK(encode(grey, ".bmp"));
    cv::Mat expect;
    cv::cvtColor(grey, expect, cv::COLOR_GRAY2BGR);
    EXPECT_TRUE(equal_mats(img.bgr, expect));
}

TEST(DecodeBmp, HugeHeaderRefusedAndCutIsTruncated) {
    Bytes bytes = encode(astronaut(), ".bmp");
    Bytes huge = bytes;
    for (int off : {18, 22}) {  // width, height = 60000 (0x0000EA60)
        huge[std::size_t(off)] = 0x60; huge[std::size_t(off + 1)] = 0xEA;
        huge[std::size_t(off + 2)] = 0; huge[std::size_t(off + 3)] = 0;
    }
    auto r = decode_image(huge);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::TooLarge) << describe(r.error());
    EXPECT_NE(r.error().message.find("60000x60000"), std::string::npos);

    r = decode_image(Bytes(bytes.begin(), bytes.begin() + std::ptrdiff_t(bytes.size() / 2)));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::Truncated) << describe(r.error());
}

// ---- HEIF ----

Bytes encode_heif(const cv::Mat& bgr, heif_compression_format format,
                  heif_orientation orientation = heif_orientation_normal, const Bytes& exif_tiff = {}) {
    heif_context* ctx = heif_context_alloc();
    heif_encoder* enc = nullptr;
    Bytes out;
    if (heif_context_get_encoder_for_format(ctx, format, &enc).code == heif_error_Ok) {
        heif_image* img = nullptr;
        heif_image_create(bgr.cols, bgr.rows, heif_colorspace_RGB, heif_chroma_interleaved_RGB, &img);
        heif_image_add_plane(img, heif_channel_interleaved, bgr.cols, bgr.rows, 8);
        int stride = 0;
        std::uint8_t* p = heif_image_get_plane(img, heif_channel_interleaved, &stride);
        for (int y = 0; y < bgr.rows; ++y)
            for (int x = 0; x < bgr.cols; ++x) {
                const cv::Vec3b v = bgr.at<cv::Vec3b>(y, x);
                p[y * stride + 3 * x + 0] = v[2];
                p[y * stride + 3 * x + 1] = v[1];
                p[y * stride + 3 * x + 2] = v[0];
            }
        heif_encoder_set_lossy_quality(enc, 90);
        heif_encoding_options* options = heif_encoding_options_alloc();
        options->image_orientation = orientation;
        heif_image_handle* handle = nullptr;
        const bool encoded = heif_context_encode_image(ctx, img, enc, options, &handle).code == heif_error_Ok;
        heif_encoding_options_free(options);
        if (encoded && !exif_tiff.empty())
            heif_context_add_exif_metadata(ctx, handle, exif_tiff.data(), int(exif_tiff.size()));
        if (handle) heif_image_handle_release(handle);
        if (encoded) {
            heif_writer writer;
            writer.writer_api_version = 1;
            writer.write = [](heif_context*, const void* data, size_t size, void* user) {
                auto* o = static_cast<Bytes*>(user);
                o->insert(o->end(), static_cast<const std::uint8_t*>(data),
                          static_cast<const std::uint8_t*>(data) + size);
                return heif_error{heif_error_Ok, heif_suberror_Unspecified, "ok"};
            };
            heif_context_write(ctx, &writer, &out);
        }
        heif_image_release(img);
        heif_encoder_release(enc);
    }
    heif_context_free(ctx);
    return out;
}

TEST(DecodeHeif, HeicRoundTrip) {
    if (!heif_have_encoder_for_format(heif_compression_HEVC)) GTEST_SKIP() << "libheif has no HEVC encoder";
    cv::Mat src;
    cv::resize(astronaut(), src, {256, 192}, 0, 0, cv::INTER_AREA);
    const Bytes bytes = encode_heif(src, heif_compression_HEVC);
    ASSERT_FALSE(bytes.empty());
    EXPECT_EQ(pd::engine::sniff_format(bytes), ImageFormat::Heif);
    const auto img = PD_DECODE_OK(bytes);
    EXPECT_EQ(img.facts.format, ImageFormat::Heif);
    EXPECT_EQ(img.bgr.cols, 256);
    EXPECT_EQ(img.bgr.rows, 192);
    EXPECT_LT(mean_abs_diff(img.bgr, src), 8.0);

    DecodeOptions opt;
    opt.max_pixels = 10'000;
    const auto r = decode_image(bytes, opt);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::TooLarge) << describe(r.error());

    const auto cut = decode_image(Bytes(bytes.begin(), bytes.begin() + std::ptrdiff_t(bytes.size() / 2)));
    ASSERT_FALSE(cut.ok());
    EXPECT_TRUE(cut.error().code == ErrorCode::Truncated || cut.error().code == ErrorCode::Corrupt)
        << describe(cut.error());
}

// HEIF carries its rotation in irot/imir boxes, which libheif applies; the EXIF orientation
// (same value, as Apple writes it) is reported but must not rotate the pixels a second time.
TEST(DecodeHeif, ContainerRotationAppliedOnce) {
    if (!heif_have_encoder_for_format(heif_compression_HEVC)) GTEST_SKIP() << "libheif has no HEVC encoder";
    cv::Mat src;
    cv::resize(astronaut(), src, {256, 192}, 0, 0, cv::INTER_AREA);
    TiffWriter w;
    w.ifd0_short(0x0112, 6);
    w.ifd0_ascii(0x010F, "Apple");
    w.ifd0_ascii(0x0110, "iPhone 15");
    const Bytes bytes = encode_heif(src, heif_compression_HEVC, heif_orientation_rotate_90_cw, w.tiff());
    ASSERT_FALSE(bytes.empty());
    const auto img = PD_DECODE_OK(bytes);
    // No check of facts.width/height: libheif 1.15's writer puts the rotated size in 'ispe'
    // (which should hold the coded size), so this generated file misstates it.
    EXPECT_TRUE(img.exif.present);
    EXPECT_EQ(img.exif.make, "Apple");
    EXPECT_EQ(img.exif.model, "iPhone 15");
    ASSERT_EQ(img.bgr.cols, 192);
    ASSERT_EQ(img.bgr.rows, 256);
    cv::Mat upright;
    cv::rotate(src, upright, cv::ROTATE_90_CLOCKWISE);
    EXPECT_LT(mean_abs_diff(img.bgr, upright), 8.0);
}

TEST(DecodeHeif, AvifRoundTrip) {
    if (!heif_have_encoder_for_format(heif_compression_AV1)) GTEST_SKIP() << "libheif has no AV1 encoder";
    cv::Mat src;
    cv::resize(astronaut(), src, {128, 96}, 0, 0, cv::INTER_AREA);
    const Bytes bytes = encode_heif(src, heif_compression_AV1);
    if (bytes.empty()) GTEST_SKIP() << "AV1 encoding failed";
    const auto img = PD_DECODE_OK(bytes);
    EXPECT_EQ(img.facts.format, ImageFormat::Heif);
    EXPECT_EQ(img.bgr.size(), src.size());
    EXPECT_LT(mean_abs_diff(img.bgr, src), 10.0);
}

// ---- The shared real-world portraits ----

TEST(DecodeShared, MislabelledWebpDecodesAsWebp) {
    const auto all = shared_portraits();
    PD_REQUIRE_SHARED_PORTRAITS(all);
    const auto path = portrait(all, "woman-street-bg.jpg");
    ASSERT_FALSE(path.empty());
    auto bytes = pd::engine::read_file_bytes(path.string());
    ASSERT_TRUE(bytes.ok());
    const auto img = PD_DECODE_OK(*bytes);
    EXPECT_EQ(img.facts.format, ImageFormat::WebP);
    EXPECT_EQ(img.bgr.cols, 764);
    EXPECT_EQ(img.bgr.rows, 1146);
}

TEST(DecodeShared, MislabelledPngHasAlpha) {
    const auto all = shared_portraits();
    PD_REQUIRE_SHARED_PORTRAITS(all);
    const auto path = portrait(all, "girl-room-bg.jpg");
    ASSERT_FALSE(path.empty());
    auto bytes = pd::engine::read_file_bytes(path.string());
    ASSERT_TRUE(bytes.ok());
    const auto img = PD_DECODE_OK(*bytes);
    EXPECT_EQ(img.facts.format, ImageFormat::Png);
    EXPECT_TRUE(img.facts.has_alpha);
    EXPECT_EQ(img.bgr.cols, 640);
    EXPECT_EQ(img.bgr.rows, 718);
    ASSERT_FALSE(img.alpha.empty());
    EXPECT_EQ(img.alpha.size(), img.bgr.size());
}

TEST(DecodeShared, CanonExifRead) {
    const auto all = shared_portraits();
    PD_REQUIRE_SHARED_PORTRAITS(all);
    const auto path = portrait(all, "man-suit-plain-bg.jpg");
    ASSERT_FALSE(path.empty());
    auto bytes = pd::engine::read_file_bytes(path.string());
    ASSERT_TRUE(bytes.ok());
    const auto img = PD_DECODE_OK(*bytes);
    EXPECT_EQ(img.facts.format, ImageFormat::Jpeg);
    EXPECT_TRUE(img.exif.present);
    EXPECT_EQ(img.exif.make, "Canon");
    EXPECT_EQ(img.exif.model, "Canon EOS 5D Mark III");
    EXPECT_EQ(img.exif.orientation, 1);
    EXPECT_EQ(img.bgr.cols, 576);
    EXPECT_EQ(img.bgr.rows, 768);
    ASSERT_TRUE(img.facts.dpi_x);
    EXPECT_DOUBLE_EQ(*img.facts.dpi_x, 72);
}

TEST(DecodeShared, AllPortraitsDecode) {
    const auto all = shared_portraits();
    PD_REQUIRE_SHARED_PORTRAITS(all);
    for (const auto& p : all) {
        auto bytes = pd::engine::read_file_bytes(p.string());
        ASSERT_TRUE(bytes.ok()) << p;
        const auto r = decode_image(*bytes);
        ASSERT_TRUE(r.ok()) << p << ": " << describe(r.error());
        EXPECT_EQ(r->bgr.type(), CV_8UC3);
        EXPECT_GT(r->bgr.cols, 100);
    }
}

}  // namespace
}  // namespace pd::test::decode
