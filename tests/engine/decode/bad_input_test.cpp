// Bad inputs: every failure is a specific one-line Error, never a crash or an exception.
#include <filesystem>
#include <fstream>
#include <random>

#include <unistd.h>

#include "decode_test_helpers.h"

namespace pd::test::decode {
namespace {

using pd::ErrorCode;
using pd::engine::decode_image;
using pd::engine::DecodeOptions;
using pd::engine::read_file_bytes;

void expect_one_line_error(const pd::Result<pd::engine::DecodedImage>& r, const std::string& what) {
    if (r.ok()) return;
    EXPECT_FALSE(r.error().message.empty()) << what;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << what << ": " << r.error().message;
}

TEST(BadInput, EmptyIsEmptyInput) {
    const auto r = decode_image(Bytes{});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::EmptyInput);
    EXPECT_EQ(r.error().message, "no image data (0 bytes)");
}

TEST(BadInput, RandomBytesAreUnknownFormat) {
    std::mt19937 rng(1234);
    Bytes bytes(4096);
    for (auto& b : bytes) b = std::uint8_t(rng());
    bytes[0] = 0x3F;  // make sure no accidental magic
    const auto r = decode_image(bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::UnknownFormat);
    EXPECT_NE(r.error().message.find("4096 bytes"), std::string::npos) << r.error().message;
    const std::string text = "hello, this is a text file\n";
    const auto t = decode_image(Bytes(text.begin(), text.end()));
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().code, ErrorCode::UnknownFormat);
}

TEST(BadInput, KnownButUnsupportedFormats) {
    for (const std::string& magic : {std::string("GIF89a\x01\0\x01\0", 10), std::string("II*\0\x08\0\0\0", 8),
                                    std::string("%PDF-1.7\n")}) {
        const auto r = decode_image(Bytes(magic.begin(), magic.end()));
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, ErrorCode::UnsupportedFormat) << describe(r.error());
    }
}

TEST(BadInput, MagicOnly) {
    struct Case { Bytes bytes; ErrorCode code; };
    const std::vector<Case> cases = {
        {{0xFF, 0xD8, 0xFF}, ErrorCode::Truncated},
        {{0xFF, 0xD8, 0xFF, 0xE0, 0x00}, ErrorCode::Truncated},
        {{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, ErrorCode::Truncated},
        {{'R', 'I', 'F', 'F', 0x10, 0, 0, 0, 'W', 'E', 'B', 'P'}, ErrorCode::Truncated},
    };
    for (const auto& c : cases) {
        const auto r = decode_image(c.bytes);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, c.code) << describe(r.error());
        expect_one_line_error(r, "magic only");
    }
    // ftyp box alone: HEIF with nothing in it.
    Bytes heif;
    put_be32(heif, 20);
    for (char ch : std::string("ftypheic\0\0\0\0mif1", 16)) heif.push_back(std::uint8_t(ch));
    const auto r = decode_image(heif);
    ASSERT_FALSE(r.ok());
    expect_one_line_error(r, "heif ftyp only");
}

TEST(BadInput, InvalidOptions) {
    DecodeOptions opt;
    opt.max_pixels = 0;
    auto r = decode_image(jpeg_of(astronaut()), opt);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
    opt = {};
    opt.min_long_side = -1;
    r = decode_image(jpeg_of(astronaut()), opt);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
}

// A small in-test fuzz pass: cuts and byte flips of every format must give ok or a specific
// one-line error, under a small pixel limit.
TEST(BadInput, MutationsNeverCrash) {
    cv::Mat src;
    cv::resize(astronaut(), src, {48, 40});
    cv::Mat bgra;
    cv::cvtColor(src, bgra, cv::COLOR_BGR2BGRA);
    const std::vector<Bytes> seeds = {
        with_orientation(jpeg_of(src), 6),
        encode(src, ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}),
        encode(bgra, ".png"),
        encode(src, ".webp"),
        encode(bgra, ".webp", {cv::IMWRITE_WEBP_QUALITY, 101}),
        encode(src, ".bmp"),
    };
    DecodeOptions opt;
    opt.max_pixels = 4'000'000;
    std::mt19937 rng(42);
    for (std::size_t s = 0; s < seeds.size(); ++s) {
        const Bytes& seed = seeds[s];
        for (std::size_t cut = 1; cut < seed.size(); cut += 1 + seed.size() / 60) {
            const auto r = decode_image(Bytes(seed.begin(), seed.begin() + std::ptrdiff_t(cut)), opt);
            expect_one_line_error(r, "seed " + std::to_string(s) + " cut " + std::to_string(cut));
        }
        for (int i = 0; i < 150; ++i) {
            Bytes m = seed;
            const int flips = 1 + int(rng() % 8);
            for (int f = 0; f < flips; ++f) m[rng() % m.size()] = std::uint8_t(rng());
            const auto r = decode_image(m, opt);
            expect_one_line_error(r, "seed " + std::to_string(s) + " mutation " + std::to_string(i));
            if (r.ok()) {
                EXPECT_EQ(r->bgr.type(), CV_8UC3);
                EXPECT_TRUE(r->alpha.empty() || r->alpha.size() == r->bgr.size());
            }
        }
    }
}

// ---- read_file_bytes ----

class TempDir {
public:
    TempDir() {
        path_ = std::filesystem::temp_directory_path() /
                ("pd_decode_test_" + std::to_string(::getpid()) + "_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

TEST(ReadFile, ReadsWholeFile) {
    auto r = read_file_bytes(astronaut_path());
    ASSERT_TRUE(r.ok()) << describe(r.error());
    EXPECT_EQ(r->size(), std::filesystem::file_size(astronaut_path()));
    EXPECT_EQ(pd::engine::sniff_format(*r), pd::engine::ImageFormat::Png);
}

TEST(ReadFile, MissingIsNotFound) {
    TempDir dir;
    const auto r = read_file_bytes((dir.path() / "nope.jpg").string());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::NotFound);
    EXPECT_NE(r.error().message.find("nope.jpg"), std::string::npos);
}

TEST(ReadFile, DirectoryIsInvalidArgument) {
    TempDir dir;
    const auto r = read_file_bytes(dir.path().string());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
    EXPECT_NE(r.error().message.find("directory"), std::string::npos) << r.error().message;
}

TEST(ReadFile, OverLimitIsTooLarge) {
    TempDir dir;
    const auto file = dir.path() / "big.bin";
    {
        std::ofstream f(file, std::ios::binary);
        f << std::string(5000, 'x');
    }
    const auto r = read_file_bytes(file.string(), 4096);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::TooLarge);
    EXPECT_NE(r.error().message.find("5000 bytes"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("4096-byte limit"), std::string::npos) << r.error().message;
    EXPECT_TRUE(read_file_bytes(file.string(), 5000).ok());
}

TEST(ReadFile, EmptyFileReadsAndDecodeSaysEmpty) {
    TempDir dir;
    const auto file = dir.path() / "empty.jpg";
    { std::ofstream f(file, std::ios::binary); }
    const auto r = read_file_bytes(file.string());
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->empty());
    const auto d = decode_image(*r);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code, ErrorCode::EmptyInput);
}

}  // namespace
}  // namespace pd::test::decode
