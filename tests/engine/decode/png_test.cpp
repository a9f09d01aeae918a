#include <png.h>

#include "decode_test_helpers.h"

namespace pd::test::decode {
namespace {

using pd::ErrorCode;
using pd::engine::decode_image;
using pd::engine::DecodeOptions;
using pd::engine::ImageFormat;

// Writes a PNG with libpng's simplified API (grey+alpha and palette, which cv::imencode
// cannot produce).
Bytes write_png_simplified(const void* pixels, int w, int h, png_uint_32 format,
                           const void* colormap = nullptr, int colormap_entries = 0) {
    png_image image;
    std::memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = png_uint_32(w);
    image.height = png_uint_32(h);
    image.format = format;
    image.colormap_entries = png_uint_32(colormap_entries);
    png_alloc_size_t size = 0;
    if (!png_image_write_to_memory(&image, nullptr, &size, 0, pixels, 0, colormap)) {
        ADD_FAILURE() << "png size query failed: " << image.message;
        return {};
    }
    Bytes out(size);
    if (!png_image_write_to_memory(&image, out.data(), &size, 0, pixels, 0, colormap)) {
        ADD_FAILURE() << "png write failed: " << image.message;
        return {};
    }
    out.resize(size);
    return out;
}

TEST(DecodePng, AstronautFileIsExact) {
    auto bytes = pd::engine::read_file_bytes(astronaut_path());
    ASSERT_TRUE(bytes.ok());
    const auto img = PD_DECODE_OK(*bytes);
    EXPECT_EQ(img.facts.format, ImageFormat::Png);
    EXPECT_EQ(img.facts.width, 512);
    EXPECT_EQ(img.facts.height, 512);
    EXPECT_EQ(img.facts.channels, 3);
    EXPECT_EQ(img.facts.bits_per_sample, 8);
    EXPECT_FALSE(img.facts.has_alpha);
    EXPECT_TRUE(img.alpha.empty());
    EXPECT_EQ(img.facts.byte_size, bytes->size());
    EXPECT_TRUE(equal_mats(img.bgr, astronaut()));
}

TEST(DecodePng, SixteenBitScalesToEightBit) {
    cv::Mat src16(4, 6, CV_16UC3);
    const std::uint16_t values[] = {0, 257, 1000, 32896, 65280, 65535};
    for (int y = 0; y < src16.rows; ++y)
        for (int x = 0; x < src16.cols; ++x)
            src16.at<cv::Vec3w>(y, x) = cv::Vec3w(values[x], values[(x + y) % 6], values[5 - x]);
    const auto img = PD_DECODE_OK(encode(src16, ".png"));
    EXPECT_EQ(img.facts.bits_per_sample, 16);
    EXPECT_EQ(img.facts.channels, 3);
    ASSERT_EQ(img.bgr.type(), CV_8UC3);
    for (int y = 0; y < src16.rows; ++y) {
        for (int x = 0; x < src16.cols; ++x) {
            for (int c = 0; c < 3; ++c) {
                const double want = std::round(src16.at<cv::Vec3w>(y, x)[c] / 257.0);
                EXPECT_NEAR(img.bgr.at<cv::Vec3b>(y, x)[c], want, 0.5) << x << "," << y << "," << c;
            }
        }
    }
    // Proper scaling, not truncation to the high byte: 65280 -> 254, 32896 -> 128, 1000 -> 4.
    EXPECT_EQ(img.bgr.at<cv::Vec3b>(0, 4)[0], 254);
    EXPECT_EQ(img.bgr.at<cv::Vec3b>(0, 3)[0], 128);
    EXPECT_EQ(img.bgr.at<cv::Vec3b>(0, 2)[0], 4);
}

TEST(DecodePng, SixteenBitAstronautMatches) {
    cv::Mat src16;
    astronaut().convertTo(src16, CV_16U, 257.0);
    const auto img = PD_DECODE_OK(encode(src16, ".png"));
    EXPECT_TRUE(equal_mats(img.bgr, astronaut()));
}

TEST(DecodePng, RgbaKeepsAlpha) {
    cv::Mat src;
    cv::resize(astronaut(), src, {64, 48});
    cv::Mat alpha(src.size(), CV_8UC1);
    for (int y = 0; y < alpha.rows; ++y)
        for (int x = 0; x < alpha.cols; ++x) alpha.at<std::uint8_t>(y, x) = std::uint8_t(x * 4);
    cv::Mat bgra;
    cv::merge(std::vector<cv::Mat>{src, alpha}, bgra);
    const auto img = PD_DECODE_OK(encode(bgra, ".png"));
    EXPECT_TRUE(img.facts.has_alpha);
    EXPECT_EQ(img.facts.channels, 4);
    EXPECT_TRUE(equal_mats(img.bgr, src));
    ASSERT_EQ(img.alpha.type(), CV_8UC1);
    EXPECT_TRUE(equal_mats(img.alpha, alpha));
}

TEST(DecodePng, GreyBecomesBgr) {
    cv::Mat grey;
    cv::cvtColor(astronaut(), grey, cv::COLOR_BGR2GRAY);
    const auto img = PD_DECODE_OK(encode(grey, ".png"));
    EXPECT_EQ(img.facts.channels, 1);
    EXPECT_FALSE(img.facts.has_alpha);
    cv::Mat expect;
    cv::cvtColor(grey, expect, cv::COLOR_GRAY2BGR);
    EXPECT_TRUE(equal_mats(img.bgr, expect));
}

TEST(DecodePng, GreyAlpha) {
    const int w = 20, h = 10;
    std::vector<std::uint8_t> ga(std::size_t(w * h * 2));
    for (int i = 0; i < w * h; ++i) {
        ga[std::size_t(2 * i)] = std::uint8_t(i);
        ga[std::size_t(2 * i + 1)] = std::uint8_t(255 - i);
    }
    const Bytes bytes = write_png_simplified(ga.data(), w, h, PNG_FORMAT_GA);
    const auto img = PD_DECODE_OK(bytes);
    EXPECT_EQ(img.facts.channels, 2);
    EXPECT_TRUE(img.facts.has_alpha);
    ASSERT_FALSE(img.alpha.empty());
    for (int i = 0; i < w * h; ++i) {
        const int y = i / w, x = i % w;
        EXPECT_EQ(img.bgr.at<cv::Vec3b>(y, x), cv::Vec3b(std::uint8_t(i), std::uint8_t(i), std::uint8_t(i)));
        EXPECT_EQ(img.alpha.at<std::uint8_t>(y, x), 255 - i);
    }
}

TEST(DecodePng, PaletteWithTransparency) {
    // Colour-mapped RGBA: the PNG gets PLTE + tRNS.
    const std::uint8_t colormap[4][4] = {
        {255, 0, 0, 255}, {0, 255, 0, 128}, {0, 0, 255, 0}, {10, 20, 30, 255}};
    const int w = 8, h = 4;
    std::vector<std::uint8_t> idx(std::size_t(w * h));
    for (int i = 0; i < w * h; ++i) idx[std::size_t(i)] = std::uint8_t(i % 4);
    const Bytes bytes = write_png_simplified(idx.data(), w, h, PNG_FORMAT_RGBA_COLORMAP, colormap, 4);
    const auto img = PD_DECODE_OK(bytes);
    EXPECT_TRUE(img.facts.has_alpha);
    ASSERT_FALSE(img.alpha.empty());
    for (int i = 0; i < w * h; ++i) {
        const auto& c = colormap[i % 4];
        const int y = i / w, x = i % w;
        EXPECT_EQ(img.bgr.at<cv::Vec3b>(y, x), cv::Vec3b(c[2], c[1], c[0])) << i;
        EXPECT_EQ(img.alpha.at<std::uint8_t>(y, x), c[3]) << i;
    }
}

TEST(DecodePng, PaletteWithoutTransparency) {
    const std::uint8_t colormap[2][3] = {{200, 100, 50}, {1, 2, 3}};
    const int w = 4, h = 2;
    const std::uint8_t idx[8] = {0, 1, 0, 1, 1, 1, 0, 0};
    const auto img = PD_DECODE_OK(write_png_simplified(idx, w, h, PNG_FORMAT_RGB_COLORMAP, colormap, 2));
    EXPECT_FALSE(img.facts.has_alpha);
    EXPECT_TRUE(img.alpha.empty());
    EXPECT_EQ(img.bgr.at<cv::Vec3b>(0, 0), cv::Vec3b(50, 100, 200));
    EXPECT_EQ(img.bgr.at<cv::Vec3b>(0, 1), cv::Vec3b(3, 2, 1));
}

TEST(DecodePng, PhysGivesDpi) {
    cv::Mat src;
    cv::resize(astronaut(), src, {8, 8});
    Bytes phys;
    put_be32(phys, 11811);  // pixels per metre = 299.9994 dpi
    put_be32(phys, 11811);
    phys.push_back(1);      // unit: metre
    const auto img = PD_DECODE_OK(insert_png_chunk(encode(src, ".png"), "pHYs", phys));
    ASSERT_TRUE(img.facts.dpi_x && img.facts.dpi_y);
    EXPECT_DOUBLE_EQ(*img.facts.dpi_x, 300.0);  // rounded to 0.1 dpi
    EXPECT_DOUBLE_EQ(*img.facts.dpi_y, 300.0);
}

Bytes png_with_ihdr(std::uint32_t w, std::uint32_t h) {
    Bytes out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    Bytes ihdr;
    put_be32(ihdr, w);
    put_be32(ihdr, h);
    ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});  // 8-bit RGB, deflate, no filter, no interlace
    const Bytes c = png_chunk("IHDR", ihdr);
    out.insert(out.end(), c.begin(), c.end());
    // A tiny IDAT that could never fill the image: the refusal must come before reading it.
    const Bytes idat = png_chunk("IDAT", {0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
    out.insert(out.end(), idat.begin(), idat.end());
    const Bytes iend = png_chunk("IEND", {});
    out.insert(out.end(), iend.begin(), iend.end());
    return out;
}

TEST(DecodePng, BombHeaderIsRefusedBeforeAllocating) {
    const auto r = decode_image(png_with_ihdr(60000, 60000));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::TooLarge) << describe(r.error());
    EXPECT_EQ(r.error().message, "image is 60000x60000 (3600 MP), over the 100 MP limit");
}

TEST(DecodePng, ZeroWidthIsAnError) {
    const auto r = decode_image(png_with_ihdr(0, 10));
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(r.error().code == ErrorCode::Corrupt) << describe(r.error());
}

TEST(DecodePng, CutPngIsTruncated) {
    auto bytes = pd::engine::read_file_bytes(astronaut_path());
    ASSERT_TRUE(bytes.ok());
    for (std::size_t cut : {bytes->size() / 2, std::size_t(20), std::size_t(40)}) {
        const Bytes half(bytes->begin(), bytes->begin() + std::ptrdiff_t(cut));
        const auto r = decode_image(half);
        ASSERT_FALSE(r.ok()) << cut;
        EXPECT_EQ(r.error().code, ErrorCode::Truncated) << cut << " " << describe(r.error());
    }
}

TEST(DecodePng, DamagedIdatIsCorrupt) {
    cv::Mat src;
    cv::resize(astronaut(), src, {32, 32});
    Bytes bytes = encode(src, ".png");
    bytes[bytes.size() - 30] ^= 0x5A;  // inside the IDAT payload: CRC mismatch
    const auto r = decode_image(bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::Corrupt) << describe(r.error());
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace pd::test::decode

// Found by fuzz_decode: 139 bytes whose chunk lengths lie (one claims 1.7 GB). libpng sized a
// read buffer from the claim and the process took 1.8 GB before failing; now the lengths are
// checked against the file first and the error names the chunk.
TEST(DecodePng, ChunkLongerThanTheFileIsRefusedBeforeLibpngReadsIt) {
    std::vector<std::uint8_t> png = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a,
                                     0x00, 0x00, 0x00, 0x0d, 'I', 'H', 'D', 'R',  // IHDR, 13 bytes
                                     0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x0a, 0x08, 0x02, 0x00, 0x00, 0x00,
                                     0x02, 0x50, 0x58, 0xea,  // its CRC
                                     0x69, 0x65, 0x6c, 0x01, 't', 'E', 'X', 't',  // claims 1,768,254,465 bytes
                                     'd', 'a', 't', 'e'};
    auto r = pd::engine::decode_image(png);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, pd::ErrorCode::Truncated);
    EXPECT_NE(r.error().message.find("chunk 'tEXt'"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("1768254465"), std::string::npos) << r.error().message;
}
