// The JSON report of a standardization (src/wire/engine_json.h, docs/cli.md "The report"): the
// fields the workstation draws from, checked against the engine's own results.
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <opencv2/imgcodecs.hpp>

#include "engine/engine_fixture.h"
#include "support/test_support.h"
#include "wire/engine_json.h"

using namespace pd;
using nlohmann::json;

namespace {

std::vector<std::uint8_t> astronaut_bytes() {
    auto b = engine::read_file_bytes(test::astronaut_path());
    if (!b) throw std::runtime_error(b.error().message);
    return b.value();
}

TEST(ReportJson, CarriesTheSubjectsLandmarksInWorkingPixels) {
    const auto& E = test::shared_engine();
    auto o = E.process(astronaut_bytes());
    ASSERT_TRUE(o) << o.error().message;
    ASSERT_TRUE(o->analysis.has_face());
    const json j = wire::report_json(o.value(), E.config().spec, E.config().settings.version);

    EXPECT_EQ(j["report_version"], 1);   // an addition: the version stays
    EXPECT_EQ(j["judged_as_final"], false);  // standardized, not judged as it is
    ASSERT_TRUE(j.contains("landmarks")) << j.dump().substr(0, 300);
    EXPECT_EQ(j["landmarks"]["space"], "working");
    const json& points = j["landmarks"]["points"];
    ASSERT_EQ(points.size(), 68u);
    const auto& subject = o->analysis.subject();
    const double w = j["working"]["width"].get<double>(), h = j["working"]["height"].get<double>();
    for (size_t i = 0; i < 68; ++i) {
        SCOPED_TRACE(i);
        ASSERT_EQ(points[i].size(), 2u);
        EXPECT_FLOAT_EQ(points[i][0].get<float>(), subject.points[i].x);
        EXPECT_FLOAT_EQ(points[i][1].get<float>(), subject.points[i].y);
        EXPECT_GE(points[i][0].get<double>(), 0);
        EXPECT_LT(points[i][0].get<double>(), w);
        EXPECT_GE(points[i][1].get<double>(), 0);
        EXPECT_LT(points[i][1].get<double>(), h);
    }
    // Same space as faces[0].box: the eyes (36-47) lie inside the subject's box.
    const json box = j["faces"][0]["box"];
    for (size_t i = 36; i <= 47; ++i) {
        EXPECT_GE(points[i][0].get<double>(), box[0].get<double>()) << i;
        EXPECT_LE(points[i][0].get<double>(), box[0].get<double>() + box[2].get<double>()) << i;
        EXPECT_GE(points[i][1].get<double>(), box[1].get<double>()) << i;
        EXPECT_LE(points[i][1].get<double>(), box[1].get<double>() + box[3].get<double>()) << i;
    }
    // The image-left eye is left of the image-right one, and both above the chin.
    EXPECT_LT(points[36][0].get<double>(), points[45][0].get<double>());
    EXPECT_LT(points[36][1].get<double>(), points[8][1].get<double>());
}

TEST(ReportJson, NoLandmarksWithoutAFace) {
    const cv::Mat wall(800, 600, CV_8UC3, cv::Scalar(180, 180, 180));
    const auto& E = test::shared_engine();
    auto o = E.process(test::encode_png(wall));
    ASSERT_TRUE(o) << o.error().message;
    ASSERT_FALSE(o->analysis.has_face());
    const json j = wire::report_json(o.value(), E.config().spec, E.config().settings.version);
    EXPECT_FALSE(j.contains("landmarks"));
    EXPECT_TRUE(j["faces"].empty());
    // Why there is no spec photo, with the kind a translated UI names (docs/cli.md).
    ASSERT_TRUE(j.contains("spec_error"));
    EXPECT_EQ(j["spec_error"]["code"], "no_face");
    EXPECT_EQ(j["spec_error"]["kind"], engine::refusal::kNoFace);
    EXPECT_EQ(j["spec_error"]["message"], o->spec_error->message);
}

}  // namespace

TEST(ReportJson, SaysAFinalSizeFileWasJudgedAsItIs) {
    const auto& E = test::shared_engine();
    auto first = E.process(astronaut_bytes());
    ASSERT_TRUE(first && first->photo);
    auto o = E.process(first->photo->jpeg.bytes);
    ASSERT_TRUE(o && o->photo) << (o ? "no photo" : o.error().message);
    const json j = wire::report_json(o.value(), E.config().spec, E.config().settings.version);
    EXPECT_EQ(j["judged_as_final"], true);
    EXPECT_EQ(j["output"]["bytes"], first->photo->jpeg.bytes.size());
}

// Every check that keeps a pixel map sends it (grey PNG, base64, longer side <= kMapSide), and
// what it sends is the map: shrunk by max-pooling, it is lit wherever the engine's map is.
TEST(ReportJson, SendsEachChecksPixelMapSoTheWorkstationCanDrawIt) {
    const auto& E = test::shared_engine();
    auto o = E.process(astronaut_bytes());
    ASSERT_TRUE(o && o->photo) << (o ? "no photo" : o.error().message);
    const json j = wire::report_json(o.value(), E.config().spec, E.config().settings.version);
    int maps = 0;
    for (const auto& r : o->checks) {
        if (r.geometry.map.empty()) continue;
        SCOPED_TRACE(r.id);
        ++maps;
        const json* sent = nullptr;
        for (const auto& c : j["checks"])
            if (c["id"] == r.id) sent = &c;
        ASSERT_NE(sent, nullptr);
        const json& m = (*sent)["geometry"]["map"];
        EXPECT_EQ(m["width"], r.geometry.map.cols);
        ASSERT_TRUE(m.contains("png"));
        const std::string b64 = m["png"];
        std::vector<unsigned char> png(b64.size() / 4 * 3);
        const int n = EVP_DecodeBlock(png.data(), reinterpret_cast<const unsigned char*>(b64.data()), int(b64.size()));
        ASSERT_GT(n, 0);
        const cv::Mat small = cv::imdecode(png, cv::IMREAD_UNCHANGED);
        ASSERT_FALSE(small.empty());
        EXPECT_EQ(small.type(), CV_8UC1);
        EXPECT_LE(std::max(small.cols, small.rows), wire::kMapSide);
        EXPECT_NEAR(double(small.cols) / small.rows, double(r.geometry.map.cols) / r.geometry.map.rows, 0.02);
        double big_max = 0, small_max = 0;
        cv::minMaxLoc(r.geometry.map, nullptr, &big_max);
        cv::minMaxLoc(small, nullptr, &small_max);
        EXPECT_EQ(small_max, big_max) << "max-pooling keeps the strongest pixel";
        EXPECT_EQ(cv::countNonZero(small) > 0, cv::countNonZero(r.geometry.map) > 0);
    }
    EXPECT_GE(maps, 5) << "glare, clipping, noise, smoothing, the scene checks keep maps";
    EXPECT_LT(j.dump().size(), 80'000u) << "maps are a few KB each";
}
