// The calls into dlib's templates that do the work: HOG detection, the landmark predictor and
// reading or writing the models. Only face_landmarks.cpp uses this header.
//
// They live in their own translation unit so the sanitizer build can leave dlib's code
// uninstrumented (src/CMakeLists.txt): under AddressSanitizer its HOG filters ran ~3x slower and
// were most of the sanitizer test run's time. Our own code around them (face_landmarks.cpp)
// keeps every ASan and UBSan check. Images passed in are CV_8UC3 Mats (continuous for detect()).
#pragma once

#include <string>
#include <vector>

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_processing/shape_predictor.h>
#include <opencv2/core.hpp>

namespace pd::engine::dlib_kernels {

using Detector = dlib::frontal_face_detector;

// Every detection HOG makes on `bgr`, with its confidence.
std::vector<dlib::rect_detection> detect(Detector& det, const cv::Mat& bgr);

// detect() from a second copy of this file compiled for AVX2, when the build made one and the
// CPU has AVX2; detect() otherwise. HOG takes ~20 % less time (docs/benchmarks.md) and finds
// the same boxes; the confidences agree within 1e-6, as dlib's filter sums are added in
// another order in the wider registers (tests/engine/hog_avx2_test.cpp). The copy's symbols
// are renamed at build time (cmake/private_copy.cmake), so its dlib template instantiations
// never stand in for this file's on a CPU without AVX2 (scripts/check-isa.sh).
std::vector<dlib::rect_detection> detect_fastest(Detector& det, const cv::Mat& bgr);

// Whether detect_fastest() uses the AVX2 copy on this machine.
bool uses_avx2_copy();

#if defined(PD_KERNELS_AVX2_COPY) || defined(PD_HAVE_AVX2_COPY)
// The AVX2 copy's detect(): the one name it keeps (call only when the CPU has AVX2).
std::vector<dlib::rect_detection> detect_avx2(Detector& det, const cv::Mat& bgr);
#endif

// dlib's shape predictor (Kazemi and Sullivan's cascade of regression forests), read from the
// same model file and evaluated to the same bits (the same float sums in the same order), with
// its leaves stored in one block.
//
// dlib keeps each leaf as its own heap vector: the 68-point model's 15 cascades x 500 trees x
// 16 leaves x 136 floats are ~65 MB in 120,000 allocations. A fit adds 7,500 of them, each a
// cache miss, one after the other: that add was 57 % of dlib's fit (3.1 ms on one core). Here
// each cascade first walks all its trees (they read only the pixel values sampled for that
// cascade), then sums the leaves in the same order as dlib, fetching the next ones ahead.
class Predictor {
public:
    unsigned long num_parts() const { return (unsigned long)(initial_shape_.size() / 2); }

    // The landmarks of the face in `box` of `bgr`: exactly dlib::shape_predictor's answer.
    dlib::full_object_detection operator()(const cv::Mat& bgr, const dlib::rectangle& box) const;

    // Reads a dlib shape_predictor file; throws dlib::serialization_error (or std::exception)
    // on a bad file.
    void read(const std::string& path);

private:
    struct Cascade {
        std::vector<unsigned long> anchor_idx;            // per sampled pixel: its landmark
        std::vector<dlib::vector<float, 2>> deltas;       // per sampled pixel: offset from it
        std::vector<dlib::impl::split_feature> splits;    // trees x splits_per_tree
        std::vector<float> leaves;                        // trees x leaves_per_tree x shape size
        unsigned long trees = 0, splits_per_tree = 0;
    };
    dlib::matrix<float, 0, 1> initial_shape_;
    std::vector<Cascade> cascades_;
};

// The 68 landmarks of the face in `box` of `bgr`.
dlib::full_object_detection fit(const Predictor& predictor, const cv::Mat& bgr, const dlib::rectangle& box);

// Model files: these throw dlib::serialization_error (or std::exception) on a bad file.
void read_predictor(const std::string& path, Predictor& out);
void read_detector(const std::string& path, Detector& out);
void write_detector(const std::string& path, const Detector& det);

// dlib's frontal face detector, built from the weights compiled into dlib (~0.5 s).
Detector build_frontal_detector();

}  // namespace pd::engine::dlib_kernels
