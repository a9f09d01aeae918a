// PhotoEngine::process(), the one way in for a new photo: a file already at the spec's pixel
// size is judged as it is (nothing resized or re-rendered: the output is the input), anything
// else is standardized; either way the bytes are decoded once.
#include <dlfcn.h>
#include <unistd.h>
#include <turbojpeg.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "engine/engine_fixture.h"
#include "setup/engine_setup.h"
#include "support/test_support.h"

using namespace pd;
using namespace pd::engine;

namespace {

// JPEG pixel decodes in this test binary. The definition below interposes libturbojpeg's
// tjDecompress2 (the JPEG decoder, src/engine/decode/decode_jpeg.cpp, calls it once per
// decode; nothing else in the engine does) and forwards to the library's.
std::atomic<int> g_jpeg_decodes{0};

}  // namespace

extern "C" int tjDecompress2(tjhandle handle, const unsigned char* jpegBuf, unsigned long jpegSize,
                             unsigned char* dstBuf, int width, int pitch, int height, int pixelFormat, int flags) {
    using Fn = int (*)(tjhandle, const unsigned char*, unsigned long, unsigned char*, int, int, int, int, int);
    static const Fn real = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, "tjDecompress2"));
    g_jpeg_decodes.fetch_add(1);
    return real(handle, jpegBuf, jpegSize, dstBuf, width, pitch, height, pixelFormat, flags);
}

namespace {

std::vector<std::uint8_t> astronaut_png() {
    auto b = read_file_bytes(test::astronaut_path());
    if (!b) throw std::runtime_error(b.error().message);
    return b.value();
}

// The engine's own 480x640 spec photo of the astronaut.
const std::vector<std::uint8_t>& spec_photo() {
    static const std::vector<std::uint8_t> bytes = [] {
        auto o = test::shared_engine().process(astronaut_png());
        if (!o || !o->photo) throw std::runtime_error("the astronaut gave no spec photo");
        return o->photo->jpeg.bytes;
    }();
    return bytes;
}

// JPEG decodes while `f` runs.
template <class F>
int jpeg_decodes_in(F&& f) {
    const int before = g_jpeg_decodes.load();
    f();
    return g_jpeg_decodes.load() - before;
}

}  // namespace

TEST(Process, AFinalSizeFileIsJudgedAsItIs) {
    const auto& E = test::shared_engine();
    const auto& in = spec_photo();
    auto o = E.process(in);
    ASSERT_TRUE(o) << o.error().message;
    EXPECT_TRUE(o->judged_as_final);
    ASSERT_FALSE(o->spec_error.has_value()) << o->spec_error->message;
    ASSERT_TRUE(o->photo.has_value());
    EXPECT_TRUE(o->photo->jpeg.bytes == in) << "a final-size file was re-encoded";
    // Nothing resized: the working image and the "rendered" photo are the file's pixels.
    EXPECT_EQ(o->analysis.decoded.facts.width, E.config().spec.width);
    EXPECT_EQ(o->analysis.decoded.facts.height, E.config().spec.height);
    EXPECT_EQ(o->analysis.working.size(), cv::Size(E.config().spec.width, E.config().spec.height));
    EXPECT_EQ(o->analysis.working_per_original, 1.0);
    EXPECT_EQ(o->photo->bgr.size(), o->analysis.working.size());
    for (const char* id : {"file_format", "file_dimensions", "file_dpi", "file_size", "jpeg_quality"}) {
        EXPECT_EQ(test::find_check(o->checks, id).verdict, Verdict::Pass) << id << ": " << test::find_check(o->checks, id).detail;
    }
}

TEST(Process, OtherSizesAreStandardized) {
    const auto& E = test::shared_engine();
    const auto in = astronaut_png();  // 512x512
    auto o = E.process(in);
    ASSERT_TRUE(o) << o.error().message;
    EXPECT_FALSE(o->judged_as_final);
    ASSERT_TRUE(o->photo.has_value());
    EXPECT_FALSE(o->photo->jpeg.bytes == in);
    EXPECT_EQ(o->photo->bgr.size(), cv::Size(E.config().spec.width, E.config().spec.height));
    EXPECT_GT(o->photo->jpeg.quality, 0);

    // The spec photo stored lying down (640x480) is not the final size: standardized.
    cv::Mat turned;
    cv::rotate(o->photo->bgr, turned, cv::ROTATE_90_CLOCKWISE);
    auto t = E.process(test::encode_jpeg_q(turned, 95));
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_FALSE(t->judged_as_final);
}

TEST(Process, OnlyAJpegCanBeTheFinalFile) {
    const auto& E = test::shared_engine();
    // The spec photo as a PNG: CHSI takes JPEG, so it is converted (standardized), not judged
    // as it is and sent back for its format.
    cv::Mat pixels;
    {
        auto d = decode_image(spec_photo());
        ASSERT_TRUE(d) << d.error().message;
        pixels = d->bgr;
    }
    const auto final_png = test::encode_png(pixels);
    auto o = E.process(final_png);
    ASSERT_TRUE(o) << o.error().message;
    EXPECT_FALSE(o->judged_as_final);
    ASSERT_TRUE(o->photo.has_value());
    EXPECT_FALSE(o->photo->jpeg.bytes == final_png);
    EXPECT_EQ(test::find_check(o->checks, "file_format").verdict, Verdict::Pass);

    // A final-size file with no face: judged as it is, no photo, and the reason.
    const cv::Mat grey(E.config().spec.height, E.config().spec.width, CV_8UC3, cv::Scalar(200, 200, 200));
    auto n = E.process(test::encode_jpeg_q(grey, 90));
    ASSERT_TRUE(n) << n.error().message;
    EXPECT_TRUE(n->judged_as_final);
    EXPECT_FALSE(n->photo.has_value());
    ASSERT_TRUE(n->spec_error.has_value());
    EXPECT_EQ(n->spec_error->code, ErrorCode::NoFace);
}

TEST(Process, DecodesTheBytesOnce) {
    const auto& E = test::shared_engine();
    const auto& final_jpeg = spec_photo();
    // The counter sees decodes at all (the interposition is in place).
    ASSERT_EQ(jpeg_decodes_in([&] { auto d = decode_image(final_jpeg); }), 1);

    int n = jpeg_decodes_in([&] {
        auto o = E.process(final_jpeg);
        ASSERT_TRUE(o && o->judged_as_final);
    });
    EXPECT_EQ(n, 1) << "JPEG decodes judging a final-size file";

    const auto source = test::encode_jpeg_q(test::load_bgr(test::astronaut_path()), 95);
    n = jpeg_decodes_in([&] {
        auto o = E.process(source);
        ASSERT_TRUE(o && !o->judged_as_final && o->photo);
    });
    EXPECT_EQ(n, 1) << "JPEG decodes standardizing a photo";
}

// With analysis_long_side under the spec's long side, the first decode of a final-size JPEG is
// DCT-scaled: process() decodes it again at full size (the one case of two decodes; not with
// the shipped settings) and judges the file as it is.
TEST(Process, ASmallAnalysisSizeStillJudgesAFinalFileAtFullSize) {
    const test::ConfigCopy config("engine.toml", "analysis_long_side = 1600", "analysis_long_side = 320");
    auto eng = setup::make_engine({config.dir().string(), "chsi-2017"});
    ASSERT_TRUE(eng) << eng.error().message;

    const auto& in = spec_photo();
    Result<StandardizeOutcome> o = make_error(ErrorCode::Internal, "not run");
    const int n = jpeg_decodes_in([&] { o = eng.value()->process(in); });
    ASSERT_TRUE(o) << o.error().message;
    EXPECT_TRUE(o->judged_as_final);
    EXPECT_EQ(o->analysis.working.size(), cv::Size(480, 640));
    ASSERT_TRUE(o->photo.has_value());
    EXPECT_TRUE(o->photo->jpeg.bytes == in);
    EXPECT_EQ(n, 2);
}
