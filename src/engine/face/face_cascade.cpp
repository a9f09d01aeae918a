#include "engine/face/face_cascade.h"

#include <algorithm>
#include <filesystem>

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

namespace pd::engine {

FaceCascade::~FaceCascade() = default;

Result<std::shared_ptr<const FaceCascade>> FaceCascade::load(const std::string& path) {
    if (!std::filesystem::exists(path)) {
        return make_error(ErrorCode::NotFound, "face cascade " + path + " not found (install Debian package opencv-data)");
    }
    std::shared_ptr<FaceCascade> c(new FaceCascade(path));
    auto first = std::make_unique<cv::CascadeClassifier>();
    if (!first->load(path) || first->empty()) {
        return make_error(ErrorCode::Corrupt, "face cascade " + path + " does not load as an OpenCV cascade");
    }
    c->pool_.push_back(std::move(first));
    return std::shared_ptr<const FaceCascade>(std::move(c));
}

std::unique_ptr<cv::CascadeClassifier> FaceCascade::borrow() const {
    {
        std::lock_guard lock(pool_mutex_);
        if (!pool_.empty()) {
            auto c = std::move(pool_.back());
            pool_.pop_back();
            return c;
        }
    }
    auto c = std::make_unique<cv::CascadeClassifier>();
    c->load(path_);  // loaded once already in load(): the file is known to be good
    return c;
}

void FaceCascade::give_back(std::unique_ptr<cv::CascadeClassifier> c) const {
    std::lock_guard lock(pool_mutex_);
    pool_.push_back(std::move(c));
}

std::vector<cv::Rect2f> FaceCascade::detect(const cv::Mat& bgr, const CascadeParams& p) const {
    CV_Assert(bgr.type() == CV_8UC3 && !bgr.empty());
    const int long_side = std::max(bgr.cols, bgr.rows);
    cv::Mat grey;
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
    double scale = 1;
    if (p.detect_long_side > 0 && long_side > p.detect_long_side) {
        scale = double(p.detect_long_side) / long_side;
        cv::resize(grey, grey, cv::Size(), scale, scale, cv::INTER_AREA);
        scale = double(grey.cols) / bgr.cols;
    }
    cv::equalizeHist(grey, grey);
    std::vector<cv::Rect> hits;
    auto c = borrow();
    c->detectMultiScale(grey, hits, p.scale_step, p.min_neighbours, 0, cv::Size(p.min_face_px, p.min_face_px),
                        cv::Size(p.max_face_px, p.max_face_px));
    give_back(std::move(c));
    std::vector<cv::Rect2f> out;
    for (const auto& r : hits) {
        out.emplace_back(float(r.x / scale), float(r.y / scale), float(r.width / scale), float(r.height / scale));
    }
    std::sort(out.begin(), out.end(), [](const cv::Rect2f& a, const cv::Rect2f& b) { return a.width > b.width; });
    return out;
}

}  // namespace pd::engine
