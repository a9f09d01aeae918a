// The landmark predictor the engine evaluates itself (dlib_kernels::Predictor, leaves in one
// block, summed after the tree walks): it must give dlib::shape_predictor's answer to the bit
// on real faces, so no check can move because of it; and a damaged model file is refused with
// its name, never half-loaded.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <dlib/image_processing/shape_predictor.h>
#include <dlib/opencv/cv_image.h>
#include <dlib/serialize.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "engine/face/face_landmarks.h"
#include "support/test_support.h"

using namespace pd;
using namespace pd::engine;

namespace {

const std::string kModel = FaceModelPaths{}.landmark_model;

TEST(LandmarkPredictor, GivesDlibsOwnAnswerBitForBitOnRealFaces) {
    auto loaded = FaceModel::shared();
    ASSERT_TRUE(loaded) << loaded.error().message;
    const FaceModel& model = *loaded.value();
    dlib::shape_predictor reference;
    dlib::deserialize(kModel) >> reference;

    int faces = 0, boxes = 0;
    for (const auto& path : pd::test::photos_with_faces()) {
        const cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
        ASSERT_FALSE(bgr.empty()) << path;
        const dlib::cv_image<dlib::bgr_pixel> img(cvIplImage(bgr));
        for (const Face& found : model.detect(bgr, 512, 20)) {
            ++faces;
            // The detector's box, and boxes that are too big, shifted, and half off the photo
            // (the predictor then samples pixels outside it, which both must read as 0).
            const cv::Rect2f b = found.box;
            for (const cv::Rect2f box : {b, cv::Rect2f(b.x - 0.3f * b.width, b.y + 0.2f * b.height, 1.6f * b.width, 1.6f * b.height),
                                         cv::Rect2f(-0.5f * b.width, b.y, b.width, b.height)}) {
                ++boxes;
                const Face ours = model.fit(bgr, box);
                const dlib::rectangle r(long(box.x), long(box.y), long(box.x + box.width), long(box.y + box.height));
                const dlib::full_object_detection theirs = reference(img, r);
                ASSERT_EQ(theirs.num_parts(), 68u);
                for (unsigned i = 0; i < 68; ++i) {
                    ASSERT_EQ(ours.points[i].x, float(theirs.part(i).x())) << path << " landmark " << i;
                    ASSERT_EQ(ours.points[i].y, float(theirs.part(i).y())) << path << " landmark " << i;
                }
            }
        }
    }
    // The astronaut, five shared portraits and dlib's examples (groups among them).
    EXPECT_GE(faces, 20);
    std::printf("compared %d faces, %d boxes\n", faces, boxes);
}

// A copy of the first `bytes` of the real model, or of `text`.
std::string damaged_model(const std::string& name, std::size_t bytes, const std::string& text = {}) {
    const auto path = (std::filesystem::temp_directory_path() / ("pd-model-" + std::to_string(::getpid()) + "-" + name)).string();
    std::ofstream out(path, std::ios::binary);
    if (text.empty()) {
        std::ifstream in(kModel, std::ios::binary);
        std::vector<char> buf(bytes);
        in.read(buf.data(), std::streamsize(bytes));
        out.write(buf.data(), in.gcount());
    } else {
        out << text;
    }
    return path;
}

TEST(LandmarkPredictor, ADamagedModelFileIsRefusedWithItsName) {
    struct Case { std::string name; std::size_t bytes; std::string text; };
    for (const Case& c : {Case{"cut-in-the-forests.dat", 4u << 20, {}}, Case{"cut-in-the-header.dat", 20, {}},
                          Case{"not-a-model.dat", 0, "this is not a dlib file"}}) {
        const std::string path = damaged_model(c.name, c.bytes, c.text);
        FaceModelPaths paths;
        paths.landmark_model = path;
        paths.detector_cache.clear();
        const auto r = FaceModel::load(paths);
        std::filesystem::remove(path);
        ASSERT_FALSE(r) << c.name << " loaded";
        EXPECT_EQ(r.error().code, ErrorCode::Corrupt) << c.name;
        EXPECT_NE(r.error().message.find(path), std::string::npos) << r.error().message;
        EXPECT_NE(r.error().message.find("does not load"), std::string::npos) << r.error().message;
    }
    FaceModelPaths missing;
    missing.landmark_model = "/nonexistent/shape_predictor.dat";
    const auto r = FaceModel::load(missing);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::NotFound);
    EXPECT_NE(r.error().message.find("libdlib-data"), std::string::npos) << r.error().message;
}

}  // namespace
