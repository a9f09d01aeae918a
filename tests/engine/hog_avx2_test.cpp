// The HOG face detector's AVX2 copy (src/CMakeLists.txt, dlib_kernels::detect_fastest): on a
// CPU with AVX2 the engine runs dlib's detector from a second compilation of
// engine/face/dlib_kernels.cpp. It must find the same faces with the same boxes as the
// baseline x86-64 build, so no check moves with the CPU. The confidences may differ in their
// last bits (the filter sums are added in another order in AVX2's wider registers).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/face/dlib_kernels.h"
#include "support/test_support.h"

using namespace pd::engine;

namespace {

TEST(HogAvx2Copy, FindsTheSameFacesAsTheBaselineBuild) {
    if (!dlib_kernels::uses_avx2_copy()) GTEST_SKIP() << "this build has no AVX2 copy, or this CPU has no AVX2";
    dlib_kernels::Detector det = dlib_kernels::build_frontal_detector();
    int detections = 0, images = 0;
    double worst = 0;
    for (const auto& path : pd::test::photos_with_faces()) {
        const cv::Mat photo = cv::imread(path, cv::IMREAD_COLOR);
        ASSERT_FALSE(photo.empty()) << path;
        // The sizes the engine searches: a source's 512 px copy, a final's 320 px copy, and
        // the photo as it is (odd widths: the filters' row ends).
        for (const int long_side : {512, 320, 0}) {
            cv::Mat img = photo;
            if (long_side > 0) {
                const double k = double(long_side) / std::max(photo.cols, photo.rows);
                cv::resize(photo, img, cv::Size(), k, k, cv::INTER_AREA);
            }
            ++images;
            const auto base = dlib_kernels::detect(det, img);
            const auto fast = dlib_kernels::detect_fastest(det, img);
            ASSERT_EQ(base.size(), fast.size()) << path << " at " << img.cols << "x" << img.rows;
            for (std::size_t i = 0; i < base.size(); ++i) {
                EXPECT_EQ(base[i].rect, fast[i].rect) << path << " detection " << i;
                EXPECT_NEAR(base[i].detection_confidence, fast[i].detection_confidence, 1e-5) << path << " detection " << i;
                worst = std::max(worst, std::abs(base[i].detection_confidence - fast[i].detection_confidence));
                EXPECT_EQ(base[i].weight_index, fast[i].weight_index) << path << " detection " << i;
            }
            detections += int(base.size());
        }
    }
    // The astronaut, the shared portraits and dlib's examples (groups among them).
    EXPECT_GE(detections, 40);
    std::printf("compared %d detections on %d images: same boxes, confidences within %.2g\n", detections, images, worst);
}

}  // namespace
