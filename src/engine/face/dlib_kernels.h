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
#include <opencv2/core.hpp>

namespace pd::engine::dlib_kernels {

using Detector = dlib::frontal_face_detector;

// Every detection HOG makes on `bgr`, with its confidence.
std::vector<dlib::rect_detection> detect(Detector& det, const cv::Mat& bgr);

// The 68 landmarks of the face in `box` of `bgr`.
dlib::full_object_detection fit(const dlib::shape_predictor& predictor, const cv::Mat& bgr, const dlib::rectangle& box);

// Model files: these throw dlib::serialization_error (or std::exception) on a bad file.
void read_predictor(const std::string& path, dlib::shape_predictor& out);
void read_detector(const std::string& path, Detector& out);
void write_detector(const std::string& path, const Detector& det);

// dlib's frontal face detector, built from the weights compiled into dlib (~0.5 s).
Detector build_frontal_detector();

}  // namespace pd::engine::dlib_kernels
