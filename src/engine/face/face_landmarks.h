// Face detection and 68-point landmarks (dlib's HOG detector and the iBUG 68-point model
// from Debian's libdlib-data). This folder is the only place dlib is compiled (besides one test
// that compares the engine's landmark predictor with dlib's): a translation unit including dlib
// costs 12-26 s and up to 0.85 GB to build. Its templates run in dlib_kernels.cpp only (see that
// header for why).
//
// Threading: a FaceModel is immutable once loaded and safe to share between threads. dlib's
// detector keeps scratch state in operator(), so each call borrows a private detector copy
// from a small pool; the shape predictor is const and shared.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "common/result.h"

namespace pd::engine {

// iBUG 68-point indices used by the engine (0-based).
namespace lm {
inline constexpr int kJawLeft = 0, kJawRight = 16, kChin = 8;
inline constexpr int kBrowFirst = 17, kBrowLast = 26;
inline constexpr int kNoseBridgeTop = 27, kNoseTip = 30;
inline constexpr int kEyeAFirst = 36, kEyeALast = 41;  // the eye on the image's left
inline constexpr int kEyeBFirst = 42, kEyeBLast = 47;  // the eye on the image's right
inline constexpr int kMouthLeft = 48, kMouthRight = 54;
inline constexpr int kInnerLipTop = 62, kInnerLipBottom = 66;
}  // namespace lm

// Which pass found a face. Only `Hog` faces can be the subject's first candidates; the others
// come from the searches that run when the plain pass is not enough (see PhotoEngine).
enum class FaceSource {
    Hog,           // HOG at the detection size
    HogUpsampled,  // HOG on a larger copy (nothing found at the detection size, or small faces)
    Cascade,       // OpenCV's cascade (small other faces); `score` is 0
};

struct Face {
    cv::Rect2f box;                       // detector box, input image coordinates
    double score = 0;                     // HOG detection confidence (> 0); 0 for a cascade face
    FaceSource source = FaceSource::Hog;
    bool cascade_agrees = false;          // the small-face cascade found a box on it too
    std::array<cv::Point2f, 68> points;   // landmarks, input image coordinates

    cv::Point2f eye_centre_a() const;     // mean of points 36-41 (image left)
    cv::Point2f eye_centre_b() const;     // mean of points 42-47 (image right)
    cv::Point2f eyes_midpoint() const;
    double face_width() const;            // |p0 - p16|: cheek to cheek at the ear line
};

struct FaceModelPaths {
    std::string landmark_model = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat";
    // The HOG detector takes ~0.5 s to build; it is serialised here once and loaded in ~8 ms.
    // Empty = no cache.
    std::string detector_cache;
};

// Default cache: $XDG_CACHE_HOME/photodesk or ~/.cache/photodesk, else none.
std::string default_detector_cache();

class FaceModel {
public:
    // Loads the landmark model (0.5-1 s) and the detector (cached). Errors: NotFound when the
    // model file is missing (install libdlib-data), Corrupt when it does not deserialise.
    static Result<std::shared_ptr<const FaceModel>> load(const FaceModelPaths& paths = {});

    // Process-wide instance loaded on first use with default paths; thread-safe.
    static Result<std::shared_ptr<const FaceModel>> shared();

    ~FaceModel();
    FaceModel(const FaceModel&) = delete;
    FaceModel& operator=(const FaceModel&) = delete;

    // Detects every face in `bgr` (CV_8UC3). Detection runs on a copy whose long side is
    // `detect_long_side` (no resize when the image is smaller); landmarks are fitted on the
    // full-resolution input. Faces narrower than `min_face_px` at detection scale are dropped.
    // Sorted by face width, largest first.
    std::vector<Face> detect(const cv::Mat& bgr, int detect_long_side, int min_face_px) const;

    // The same on a copy `upsample` times larger than the detection copy (faces down to
    // `min_face_px` at detection scale reach HOG's 80 px window when upsample >= 80 / min_face_px).
    // When `exclude` is not empty, that area (input coordinates, e.g. the subject's head) is
    // blanked before detection and faces overlapping it are dropped. Faces are marked HogUpsampled.
    std::vector<Face> detect_upsampled(const cv::Mat& bgr, int detect_long_side, int min_face_px, double upsample,
                                       const cv::Rect2f& exclude = {}) const;

    // Fits landmarks inside a known box (used by tests and by re-analysis of a crop).
    Face fit(const cv::Mat& bgr, const cv::Rect2f& box) const;

private:
    FaceModel();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace pd::engine
