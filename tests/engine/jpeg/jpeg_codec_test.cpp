// Tests for engine/jpeg: spec encoding (quality, density, size window, determinism), quality
// estimation and header inspection, including malformed / truncated / random input.
#include "engine/jpeg/jpeg_codec.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <vector>

#include <gtest/gtest.h>
#include <turbojpeg.h>

#include "support/test_support.h"

namespace pd::engine {
namespace {

using Bytes = std::vector<std::uint8_t>;

// ---------------------------------------------------------------------------------------------
// Test images, built with opencv_core only.

std::uint8_t clip(double v) { return static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0, 255.0))); }

// A portrait-like picture: plain blue gradient backdrop, a shaded face ellipse, hair, a dark
// shirt with folds, plus Gaussian texture of `sigma` (stronger on the subject).
cv::Mat make_portrait(int w, int h, double sigma, std::uint64_t seed) {
    cv::Mat img(h, w, CV_8UC3);
    cv::Mat noise(h, w, CV_32FC3);
    cv::RNG rng(seed);
    rng.fill(noise, cv::RNG::NORMAL, 0.0, sigma);
    const double cx = w * 0.5, cy = h * 0.42, ax = w * 0.22, ay = h * 0.2;
    for (int y = 0; y < h; ++y) {
        auto* row = img.ptr<cv::Vec3b>(y);
        const auto* nrow = noise.ptr<cv::Vec3f>(y);
        for (int x = 0; x < w; ++x) {
            double b = 235 - 25.0 * y / h, g = 200 - 15.0 * y / h, r = 150 - 10.0 * y / h;
            double tex = 0.0;
            const double fx = (x - cx) / ax, fy = (y - cy) / ay;
            const double d = fx * fx + fy * fy;
            if (d < 1.0) {
                const double shade = 1.0 - 0.25 * d + 0.08 * std::sin(x * 0.05) * std::cos(y * 0.04);
                b = 140 * shade, g = 170 * shade, r = 215 * shade;
                tex = 1.0;
            } else if (d < 1.45 && y < cy) {
                b = 30 + 10 * std::sin(x * 0.3 + y * 0.1), g = 28, r = 35;
                tex = 1.5;
            } else if (y > cy + ay * 1.3 &&
                       std::abs(x - cx) < w * 0.45 * std::min(1.0, (y - cy - ay * 1.3) / (h * 0.1) + 0.4)) {
                b = 60 + 20 * std::sin(x * 0.08), g = 60, r = 70;
                tex = 1.2;
            }
            const double k = 0.35 + tex;
            row[x] = cv::Vec3b(clip(b + k * nrow[x][0]), clip(g + k * nrow[x][1]), clip(r + k * nrow[x][2]));
        }
    }
    return img;
}

cv::Mat make_noise(int w, int h, std::uint64_t seed) {
    cv::Mat img(h, w, CV_8UC3);
    cv::RNG rng(seed);
    rng.fill(img, cv::RNG::UNIFORM, 0, 256);
    return img;
}

cv::Mat make_flat(int w, int h) { return cv::Mat(h, w, CV_8UC3, cv::Scalar(200, 210, 220)); }

const cv::Mat& natural_480x640() {
    static const cv::Mat img = make_portrait(480, 640, 4.0, 42);
    return img;
}

Bytes encode_ok(const cv::Mat& img, int quality, int dpi = 300) {
    auto r = encode_jpeg(img, quality, dpi);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? r.value() : Bytes{};
}

// Decoding with TurboJPEG directly, independent of the code under test.
struct Decoded {
    cv::Mat bgr;
    int subsampling = -1;
};
Decoded decode(const Bytes& b) {
    Decoded out;
    tjhandle h = tjInitDecompress();
    int w = 0, ht = 0, sub = -1, cs = -1;
    if (tjDecompressHeader3(h, b.data(), b.size(), &w, &ht, &sub, &cs) == 0) {
        out.bgr.create(ht, w, CV_8UC3);
        out.subsampling = sub;
        if (tjDecompress2(h, b.data(), b.size(), out.bgr.data, w, static_cast<int>(out.bgr.step[0]), ht,
                          TJPF_BGR, TJFLAG_ACCURATEDCT) != 0)
            out.bgr.release();
    }
    tjDestroy(h);
    return out;
}

// Offset one past the SOS segment header (where entropy-coded data starts); independent walk.
std::size_t sos_data_offset(const Bytes& b) {
    std::size_t pos = 2;
    while (pos + 4 <= b.size()) {
        const int m = b[pos + 1];
        const std::size_t len = (b[pos + 2] << 8) | b[pos + 3];
        if (m == 0xDA) return pos + 2 + len;
        pos += 2 + len;
    }
    return 0;
}

// IJG tables, written independently of the implementation.
constexpr std::array<int, 64> kNatural = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
    41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
    30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
};
constexpr std::array<int, 64> kLum = {
    16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
    14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
    18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
};

// A minimal marker stream: SOI, one DQT (table 0, IJG-scaled at `quality`, 8- or 16-bit
// precision), SOF0 16x16 grey, SOS header, EOI.
Bytes synthetic_jpeg(int quality, bool sixteen_bit, int table_id = 0) {
    const int scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
    const int cap = sixteen_bit ? 32767 : 255;
    Bytes b = {0xFF, 0xD8};
    const int len = 2 + 1 + (sixteen_bit ? 128 : 64);
    b.insert(b.end(), {0xFF, 0xDB, std::uint8_t(len >> 8), std::uint8_t(len & 0xFF),
                       std::uint8_t((sixteen_bit ? 0x10 : 0x00) | table_id)});
    for (int k = 0; k < 64; ++k) {
        const int v = std::clamp((kLum[kNatural[k]] * scale + 50) / 100, 1, cap);
        if (sixteen_bit) b.push_back(std::uint8_t(v >> 8));
        b.push_back(std::uint8_t(v & 0xFF));
    }
    b.insert(b.end(), {0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00});
    b.insert(b.end(), {0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00});
    b.insert(b.end(), {0xFF, 0xD9});
    return b;
}

// ---------------------------------------------------------------------------------------------
// Quality estimation.

TEST(JpegQuality, EstimateIsExactForOwnEncodes) {
    for (int q : {30, 50, 60, 75, 90, 95}) {
        const Bytes b = encode_ok(natural_480x640(), q);
        EXPECT_EQ(estimate_jpeg_quality(b), q) << "quality " << q;
    }
}

TEST(JpegQuality, EstimateIsExactForEveryQuality) {
    const cv::Mat small = make_portrait(48, 64, 6.0, 7);
    for (int q = 1; q <= 100; ++q) {
        const Bytes b = encode_ok(small, q);
        EXPECT_EQ(estimate_jpeg_quality(b), q) << "quality " << q;
    }
}

TEST(JpegQuality, SixteenBitTablesAreRead) {
    // Below quality ~25 unclamped IJG tables exceed 255 and libjpeg writes 16-bit precision.
    for (int q : {1, 5, 10, 20, 50, 90}) {
        EXPECT_EQ(estimate_jpeg_quality(synthetic_jpeg(q, true)), q) << "16-bit, quality " << q;
        EXPECT_EQ(estimate_jpeg_quality(synthetic_jpeg(q, false)), q) << "8-bit, quality " << q;
    }
}

TEST(JpegQuality, ProgressiveFileFromTurboJpeg) {
    const cv::Mat img = make_portrait(96, 128, 4.0, 3);
    tjhandle h = tjInitCompress();
    unsigned char* buf = nullptr;
    unsigned long size = 0;
    ASSERT_EQ(tjCompress2(h, img.data, img.cols, static_cast<int>(img.step[0]), img.rows, TJPF_BGR, &buf,
                          &size, TJSAMP_444, 83, TJFLAG_PROGRESSIVE),
              0);
    const Bytes b(buf, buf + size);
    tjFree(buf);
    tjDestroy(h);
    const auto info = inspect_jpeg(b);
    ASSERT_TRUE(info.has_value());
    EXPECT_TRUE(info->progressive);
    EXPECT_FALSE(info->baseline);
    EXPECT_EQ(info->width, 96);
    EXPECT_EQ(info->height, 128);
    EXPECT_EQ(info->quality, 83);
}

TEST(JpegQuality, NoTableZeroIsNullopt) {
    EXPECT_FALSE(estimate_jpeg_quality(synthetic_jpeg(75, false, /*table_id=*/1)).has_value());
    // No DQT at all: SOI, SOF0, SOS.
    const Bytes no_dqt = {0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01,
                          0x01, 0x11, 0x00, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00};
    EXPECT_FALSE(estimate_jpeg_quality(no_dqt).has_value());
    const auto info = inspect_jpeg(no_dqt);
    ASSERT_TRUE(info.has_value());
    EXPECT_FALSE(info->quality.has_value());
    EXPECT_FALSE(info->jfif);
    EXPECT_EQ(info->density_units, 0);
}

// ---------------------------------------------------------------------------------------------
// Header facts and density.

class JpegDensity : public ::testing::TestWithParam<int> {};

TEST_P(JpegDensity, JfifDensityIsDpi) {
    const int dpi = GetParam();
    const Bytes b = encode_ok(natural_480x640(), 85, dpi);
    const auto info = inspect_jpeg(b);
    ASSERT_TRUE(info.has_value());
    EXPECT_TRUE(info->jfif);
    EXPECT_EQ(info->density_units, 1);
    EXPECT_EQ(info->x_density, dpi);
    EXPECT_EQ(info->y_density, dpi);
    EXPECT_EQ(info->width, 480);
    EXPECT_EQ(info->height, 640);
    EXPECT_EQ(info->components, 3);
    EXPECT_EQ(info->bits_per_sample, 8);
    EXPECT_TRUE(info->baseline);
    EXPECT_FALSE(info->progressive);
    EXPECT_EQ(info->quality, 85);
    // The APP0 is patched in place right after SOI, not duplicated.
    ASSERT_GE(b.size(), 20u);
    EXPECT_EQ(b[2], 0xFF);
    EXPECT_EQ(b[3], 0xE0);
    const auto header_end = b.begin() + static_cast<std::ptrdiff_t>(sos_data_offset(b));
    const std::array<std::uint8_t, 5> ident = {'J', 'F', 'I', 'F', 0};
    EXPECT_EQ(std::search(b.begin(), header_end, ident.begin(), ident.end()), b.begin() + 6);
    EXPECT_EQ(std::search(b.begin() + 7, header_end, ident.begin(), ident.end()), header_end)
        << "exactly one JFIF APP0 expected";
}

INSTANTIATE_TEST_SUITE_P(Dpi, JpegDensity, ::testing::Values(72, 300, 600, 1, 65535));

TEST(JpegEncode, IsBaseline420AndDecodesBack) {
    for (int q : {75, 90}) {
        const Bytes b = encode_ok(natural_480x640(), q);
        const Decoded d = decode(b);
        ASSERT_FALSE(d.bgr.empty()) << "quality " << q;
        EXPECT_EQ(d.bgr.cols, 480);
        EXPECT_EQ(d.bgr.rows, 640);
        EXPECT_EQ(d.subsampling, TJSAMP_420);
        const double psnr = cv::PSNR(d.bgr, natural_480x640());
        EXPECT_GT(psnr, 30.0) << "quality " << q;
    }
}

TEST(JpegEncode, RoiInputEncodesLikeItsCopy) {
    const cv::Mat big = make_portrait(600, 800, 4.0, 5);
    const cv::Mat roi = big(cv::Rect(37, 51, 480, 640));
    ASSERT_FALSE(roi.isContinuous());
    EXPECT_EQ(encode_ok(roi, 80), encode_ok(roi.clone(), 80));
}

TEST(JpegEncode, OddSizes) {
    for (cv::Size s : {cv::Size(1, 1), cv::Size(17, 3), cv::Size(481, 641)}) {
        const Bytes b = encode_ok(make_portrait(s.width, s.height, 3.0, 9), 70);
        const auto info = inspect_jpeg(b);
        ASSERT_TRUE(info.has_value());
        EXPECT_EQ(info->width, s.width);
        EXPECT_EQ(info->height, s.height);
        EXPECT_EQ(decode(b).bgr.size(), s);
    }
}

TEST(JpegEncode, Deterministic) {
    EXPECT_EQ(encode_ok(natural_480x640(), 77), encode_ok(natural_480x640(), 77));
}

TEST(JpegEncode, RejectsBadInput) {
    const cv::Mat img = make_flat(32, 32);
    auto expect_invalid = [](const Result<Bytes>& r, const char* what) {
        ASSERT_FALSE(r.ok()) << what;
        EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument) << what;
        EXPECT_FALSE(r.error().message.empty()) << what;
    };
    expect_invalid(encode_jpeg(cv::Mat(), 80, 300), "empty");
    expect_invalid(encode_jpeg(cv::Mat(32, 32, CV_8UC1, cv::Scalar(9)), 80, 300), "CV_8UC1");
    expect_invalid(encode_jpeg(cv::Mat(32, 32, CV_8UC4, cv::Scalar(9)), 80, 300), "CV_8UC4");
    expect_invalid(encode_jpeg(cv::Mat(32, 32, CV_16UC3, cv::Scalar(9)), 80, 300), "CV_16UC3");
    expect_invalid(encode_jpeg(img, 0, 300), "quality 0");
    expect_invalid(encode_jpeg(img, 101, 300), "quality 101");
    expect_invalid(encode_jpeg(img, 80, 0), "dpi 0");
    expect_invalid(encode_jpeg(img, 80, 65536), "dpi 65536");
    EXPECT_TRUE(encode_jpeg(img, 1, 300).ok());
    EXPECT_TRUE(encode_jpeg(img, 100, 300).ok());
}

// libturbojpeg 2.x reads TJ_PROGRESSIVE from the environment; the encoder must refuse to return
// a non-baseline file rather than silently break the spec.
TEST(JpegEncode, ProgressiveEnvironmentIsCaught) {
    struct EnvGuard {
        EnvGuard() { setenv("TJ_PROGRESSIVE", "1", 1); }
        ~EnvGuard() { unsetenv("TJ_PROGRESSIVE"); }
    } guard;
    const auto r = encode_jpeg(make_flat(32, 32), 80, 300);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::Internal);
}

// ---------------------------------------------------------------------------------------------
// Size window.

TEST(JpegWindow, NaturalPortraitLandsInWindow) {
    const JpegEncodeOptions opt;  // 300 dpi, quality 60..95, 20..40 KiB
    auto r = encode_jpeg_in_window(natural_480x640(), opt);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->size_in_window);
    EXPECT_GE(r->quality, 60);
    EXPECT_LE(r->quality, 95);
    EXPECT_GE(r->bytes.size(), 20u * 1024);
    EXPECT_LE(r->bytes.size(), 40u * 1024);
    // It is the encoding at that quality, and the next quality up would not fit.
    EXPECT_EQ(r->bytes, encode_ok(natural_480x640(), r->quality));
    if (r->quality < opt.max_quality) {
        EXPECT_GT(encode_ok(natural_480x640(), r->quality + 1).size(), opt.max_bytes);
    }
    const auto info = inspect_jpeg(r->bytes);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->quality, r->quality);
    EXPECT_EQ(info->x_density, 300);
    EXPECT_TRUE(info->baseline);
    const Decoded d = decode(r->bytes);
    ASSERT_FALSE(d.bgr.empty());
    EXPECT_GT(cv::PSNR(d.bgr, natural_480x640()), 30.0);
}

TEST(JpegWindow, SeveralTexturesPickTheHighestFittingQuality) {
    const JpegEncodeOptions opt;
    for (double sigma : {2.0, 3.0, 5.0, 8.0}) {
        const cv::Mat img = make_portrait(480, 640, sigma, 11);
        auto r = encode_jpeg_in_window(img, opt);
        ASSERT_TRUE(r.ok());
        EXPECT_TRUE(r->size_in_window) << "sigma " << sigma << " q " << r->quality << " " << r->bytes.size();
        EXPECT_LE(r->bytes.size(), opt.max_bytes);
        if (r->quality < opt.max_quality) {
            EXPECT_GT(encode_ok(img, r->quality + 1).size(), opt.max_bytes) << "sigma " << sigma;
        }
    }
}

TEST(JpegWindow, VeryNoisyImageStaysAtMinQuality) {
    const cv::Mat img = make_noise(480, 640, 1);
    JpegEncodeOptions opt;
    auto r = encode_jpeg_in_window(img, opt);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->size_in_window);
    EXPECT_EQ(r->quality, opt.min_quality);
    EXPECT_GT(r->bytes.size(), opt.max_bytes);
    EXPECT_EQ(r->bytes, encode_ok(img, opt.min_quality));
}

TEST(JpegWindow, FlatImageUsesMaxQuality) {
    const cv::Mat img = make_flat(480, 640);
    JpegEncodeOptions opt;
    auto r = encode_jpeg_in_window(img, opt);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->size_in_window);
    EXPECT_EQ(r->quality, opt.max_quality);
    EXPECT_LT(r->bytes.size(), opt.min_bytes);
    EXPECT_EQ(estimate_jpeg_quality(r->bytes), opt.max_quality);
}

TEST(JpegWindow, MaxQualityFitsDirectly) {
    JpegEncodeOptions opt;
    opt.min_bytes = 1;
    opt.max_bytes = 10 * 1024 * 1024;
    auto r = encode_jpeg_in_window(natural_480x640(), opt);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->size_in_window);
    EXPECT_EQ(r->quality, opt.max_quality);
}

TEST(JpegWindow, SingleQualityRange) {
    JpegEncodeOptions opt;
    opt.min_quality = opt.max_quality = 70;
    auto r = encode_jpeg_in_window(natural_480x640(), opt);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->quality, 70);
    EXPECT_EQ(r->bytes, encode_ok(natural_480x640(), 70));
}

TEST(JpegWindow, Deterministic) {
    const JpegEncodeOptions opt;
    auto a = encode_jpeg_in_window(natural_480x640(), opt);
    auto b = encode_jpeg_in_window(natural_480x640(), opt);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->quality, b->quality);
    EXPECT_EQ(a->bytes, b->bytes);
    // A copy of the pixels gives the same bytes too.
    auto c = encode_jpeg_in_window(natural_480x640().clone(), opt);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(a->bytes, c->bytes);
}

TEST(JpegWindow, RejectsBadOptions) {
    const cv::Mat img = make_flat(32, 32);
    auto invalid = [&](JpegEncodeOptions o) {
        auto r = encode_jpeg_in_window(img, o);
        return !r.ok() && r.error().code == ErrorCode::InvalidArgument;
    };
    JpegEncodeOptions o;
    o.min_quality = 0;
    EXPECT_TRUE(invalid(o));
    o = {};
    o.max_quality = 101;
    EXPECT_TRUE(invalid(o));
    o = {};
    o.min_quality = 90;
    o.max_quality = 80;
    EXPECT_TRUE(invalid(o));
    o = {};
    o.min_bytes = 50000;
    o.max_bytes = 40000;
    EXPECT_TRUE(invalid(o));
    o = {};
    o.dpi = 0;
    EXPECT_TRUE(invalid(o));
    EXPECT_FALSE(invalid(JpegEncodeOptions{}));
    auto r = encode_jpeg_in_window(cv::Mat(), JpegEncodeOptions{});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
    r = encode_jpeg_in_window(cv::Mat(8, 8, CV_8UC1, cv::Scalar(1)), JpegEncodeOptions{});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Malformed input to the parsers. Each candidate is copied into its own exactly-sized heap
// buffer so AddressSanitizer sees any read past the end.

// Every prefix of a small real JPEG; for the 480x640 one, every prefix through the headers and
// then a stride through the scan data (the parsers stop at SOS, so those are all alike).
class JpegPrefixes : public ::testing::TestWithParam<bool> {};

TEST_P(JpegPrefixes, EveryPrefixOfARealJpeg) {
    const bool small = GetParam();
    const Bytes full = small ? encode_ok(make_portrait(40, 30, 5.0, 4), 88) : encode_ok(natural_480x640(), 88);
    const std::size_t data_start = sos_data_offset(full);
    ASSERT_GT(data_start, 0u);
    const auto full_info = inspect_jpeg(full);
    ASSERT_TRUE(full_info.has_value());
    for (std::size_t n = 0; n <= full.size(); n += (small || n < data_start + 64) ? 1 : 61) {
        const Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
        const auto q = estimate_jpeg_quality(prefix);
        const auto info = inspect_jpeg(prefix);
        if (n < data_start) {
            // The marker data up to the SOS header is incomplete.
            EXPECT_FALSE(q.has_value()) << "prefix " << n;
            EXPECT_FALSE(info.has_value()) << "prefix " << n;
        } else {
            // Only the entropy-coded data is cut: the header facts are all there.
            ASSERT_EQ(q, 88) << "prefix " << n;
            ASSERT_TRUE(info.has_value()) << "prefix " << n;
            EXPECT_EQ(info->width, full_info->width);
            EXPECT_EQ(info->x_density, full_info->x_density);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(SmallAndFull, JpegPrefixes, ::testing::Bool(),
                         [](const auto& p) { return p.param ? "Small" : "Full480x640"; });

TEST(JpegParse, TruncatedRealWorldFile) {
    // skimage's truncated.jpg ends inside a DHT segment, before any SOS.
    std::ifstream f(test::truncated_jpeg_path(), std::ios::binary);
    if (!f) GTEST_SKIP() << test::truncated_jpeg_path() << " is absent";
    const Bytes b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    ASSERT_GT(b.size(), 2u);
    EXPECT_FALSE(estimate_jpeg_quality(b).has_value());
    EXPECT_FALSE(inspect_jpeg(b).has_value());
}

TEST(JpegParse, NonJpegAndDegenerateInputs) {
    const std::vector<Bytes> cases = {
        {},
        {0xFF},
        {0xFF, 0xD8},
        {0xFF, 0xD8, 0xFF},
        {0xFF, 0xD8, 0xFF, 0xFF, 0xFF},
        {0xFF, 0xD8, 0xFF, 0xD9},                          // SOI EOI: no tables, no frame
        {0xFF, 0xD8, 0xFF, 0xDB, 0x00},                    // length cut
        {0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x01},              // length < 2
        {0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x02, 0xFF, 0xD9},  // empty DQT
        {0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x04, 0x00, 0x05},  // DQT shorter than one table
        {0xFF, 0xD8, 0xFF, 0xDB, 0xFF, 0xFF, 0x00},        // length past the end
        {0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x08, 0x08, 0x00, 0x10, 0x00, 0x10, 0x05},  // SOF cut
        {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x07, 'J', 'F', 'I', 'F', 0x00},            // tiny APP0
        {0xFF, 0xD8, 0x00, 0x00},                          // garbage after SOI
        {0xFF, 0xD8, 0xFF, 0x00},                          // stuffed byte as a marker
        {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A},
        {'G', 'I', 'F', '8', '9', 'a'},
    };
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const Bytes b = cases[i];  // own allocation
        EXPECT_FALSE(estimate_jpeg_quality(b).has_value()) << "case " << i;
        EXPECT_FALSE(inspect_jpeg(b).has_value()) << "case " << i;
    }
}

TEST(JpegParse, RandomBytesAndMutatedHeaders) {
    cv::RNG rng(1234);
    const Bytes real = encode_ok(make_portrait(64, 48, 5.0, 2), 67);
    const std::size_t header = sos_data_offset(real);
    ASSERT_GT(header, 0u);
    auto check = [](const Bytes& b) {
        const auto q = estimate_jpeg_quality(b);
        if (q) {
            EXPECT_TRUE(*q >= 1 && *q <= 100);
        }
        const auto info = inspect_jpeg(b);
        if (info && info->quality) {
            EXPECT_TRUE(*info->quality >= 1 && *info->quality <= 100);
        }
    };
    for (int i = 0; i < 3000; ++i) {
        Bytes b(static_cast<std::size_t>(rng.uniform(0, 1500)));
        for (auto& v : b) v = static_cast<std::uint8_t>(rng.uniform(0, 256));
        if (i % 2 && b.size() >= 2) b[0] = 0xFF, b[1] = 0xD8;
        check(b);
    }
    for (int i = 0; i < 5000; ++i) {
        Bytes b(real.begin(), real.begin() + static_cast<std::ptrdiff_t>(header));
        const int flips = rng.uniform(1, 6);
        for (int k = 0; k < flips; ++k)
            b[static_cast<std::size_t>(rng.uniform(2, static_cast<int>(header)))] =
                static_cast<std::uint8_t>(rng.uniform(0, 256));
        b.resize(static_cast<std::size_t>(rng.uniform(2, static_cast<int>(header) + 1)));
        check(b);
    }
}

}  // namespace
}  // namespace pd::engine
