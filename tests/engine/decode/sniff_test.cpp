#include "decode_test_helpers.h"

namespace pd::test::decode {
namespace {

using pd::engine::ImageFormat;
using pd::engine::sniff_format;

Bytes ftyp(const std::string& major, const std::vector<std::string>& compatible) {
    Bytes b;
    put_be32(b, std::uint32_t(16 + 4 * compatible.size()));
    for (char c : std::string("ftyp") + major) b.push_back(std::uint8_t(c));
    put_be32(b, 0);  // minor version
    for (const auto& c : compatible)
        for (char ch : c) b.push_back(std::uint8_t(ch));
    return b;
}

TEST(Sniff, RecognisesEncodedImages) {
    cv::Mat img;
    cv::resize(astronaut(), img, {32, 32});
    EXPECT_EQ(sniff_format(jpeg_of(img)), ImageFormat::Jpeg);
    EXPECT_EQ(sniff_format(encode(img, ".png")), ImageFormat::Png);
    EXPECT_EQ(sniff_format(encode(img, ".webp")), ImageFormat::WebP);
    EXPECT_EQ(sniff_format(encode(img, ".bmp")), ImageFormat::Bmp);
}

TEST(Sniff, HeifBrands) {
    for (const char* brand : {"heic", "heix", "mif1", "msf1", "avif", "hevc"})
        EXPECT_EQ(sniff_format(ftyp(brand, {})), ImageFormat::Heif) << brand;
    // Major brand unknown, but a compatible brand says HEIF.
    EXPECT_EQ(sniff_format(ftyp("xxxx", {"mif1", "heic"})), ImageFormat::Heif);
    // MP4 video and Canon CR3 share the ftyp box but are not HEIF images.
    EXPECT_EQ(sniff_format(ftyp("isom", {"isom", "mp42"})), ImageFormat::Unknown);
    EXPECT_EQ(sniff_format(ftyp("crx ", {"crx "})), ImageFormat::Unknown);
}

TEST(Sniff, MagicOnlyNotPrefixLookalikes) {
    EXPECT_EQ(sniff_format(Bytes{}), ImageFormat::Unknown);
    EXPECT_EQ(sniff_format(Bytes{0xFF, 0xD8}), ImageFormat::Unknown);
    EXPECT_EQ(sniff_format(Bytes{0xFF, 0xD8, 0xFF}), ImageFormat::Jpeg);
    const std::string riff_wav = "RIFF\x10\0\0\0WAVEfmt ";
    EXPECT_EQ(sniff_format(Bytes(riff_wav.begin(), riff_wav.end())), ImageFormat::Unknown);
    const std::string text = "BMW is a car maker, not a bitmap";
    EXPECT_EQ(sniff_format(Bytes(text.begin(), text.end())), ImageFormat::Unknown);
}

TEST(Sniff, FormatNames) {
    EXPECT_STREQ(pd::engine::to_string(ImageFormat::Jpeg), "JPEG");
    EXPECT_STREQ(pd::engine::to_string(ImageFormat::Png), "PNG");
    EXPECT_STREQ(pd::engine::to_string(ImageFormat::WebP), "WebP");
    EXPECT_STREQ(pd::engine::to_string(ImageFormat::Heif), "HEIF");
    EXPECT_STREQ(pd::engine::to_string(ImageFormat::Bmp), "BMP");
    EXPECT_STREQ(pd::engine::to_string(ImageFormat::Unknown), "unknown");
}

}  // namespace
}  // namespace pd::test::decode
