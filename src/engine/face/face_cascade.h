// FaceCascade: OpenCV's boosted cascade (Debian's opencv-data, /usr/share/opencv4) as a second
// opinion beside HOG when looking for other, small faces: it sees faces from about 24 px wide,
// where HOG needs 80 px, at a fraction of HOG's cost on an upsampled copy.
//
// Threading: an OpenCV CascadeClassifier keeps scratch state while detecting, so each call
// borrows a private classifier from a small pool (loaded from the same file on demand).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/objdetect.hpp>

#include "common/result.h"

namespace pd::engine {

struct CascadeParams {
    int detect_long_side = 512;  // the cascade runs on a grey copy this long (no enlarging)
    int min_face_px = 32;        // smallest box at that size (px)
    int max_face_px = 0;         // largest (0 = no limit): the small windows cost the most,
                                 // but each extra size still costs a pass
    int min_neighbours = 4;      // overlapping hits needed to keep a box: higher, fewer false alarms
    double scale_step = 1.1;     // pyramid step between window sizes
};

class FaceCascade {
public:
    // Errors: NotFound when the file is missing (install opencv-data), Corrupt when it does not
    // load as a cascade.
    static Result<std::shared_ptr<const FaceCascade>> load(const std::string& path);

    ~FaceCascade();
    FaceCascade(const FaceCascade&) = delete;
    FaceCascade& operator=(const FaceCascade&) = delete;

    // Face boxes in `bgr` (CV_8UC3) coordinates, largest first.
    std::vector<cv::Rect2f> detect(const cv::Mat& bgr, const CascadeParams& p) const;

private:
    explicit FaceCascade(std::string path) : path_(std::move(path)) {}
    std::unique_ptr<cv::CascadeClassifier> borrow() const;
    void give_back(std::unique_ptr<cv::CascadeClassifier> c) const;

    std::string path_;
    mutable std::mutex pool_mutex_;  // guards pool_: classifiers not in use by a detect() call
    mutable std::vector<std::unique_ptr<cv::CascadeClassifier>> pool_;
};

}  // namespace pd::engine
