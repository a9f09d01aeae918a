#include "engine/face/face_landmarks.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>

#include <unistd.h>

#include <opencv2/imgproc.hpp>

#include "engine/face/dlib_kernels.h"

namespace pd::engine {

namespace fs = std::filesystem;

// [SECTION] Face geometry helpers

static cv::Point2f mean_of(const std::array<cv::Point2f, 68>& p, int first, int last) {
    cv::Point2f s(0, 0);
    for (int i = first; i <= last; ++i) s += p[i];
    return s * (1.0f / float(last - first + 1));
}

cv::Point2f Face::eye_centre_a() const { return mean_of(points, lm::kEyeAFirst, lm::kEyeALast); }
cv::Point2f Face::eye_centre_b() const { return mean_of(points, lm::kEyeBFirst, lm::kEyeBLast); }
cv::Point2f Face::eyes_midpoint() const { return (eye_centre_a() + eye_centre_b()) * 0.5f; }
double Face::face_width() const { return cv::norm(points[lm::kJawRight] - points[lm::kJawLeft]); }

// [SECTION] Model

using dlib_kernels::Detector;

struct FaceModel::Impl {
    dlib_kernels::Predictor predictor;  // const use only: shared by all threads
    Detector prototype;                 // copied into the pool on demand

    // Guarded by pool_mutex: detectors not currently in use by a detect() call.
    std::mutex pool_mutex;
    std::vector<std::unique_ptr<Detector>> pool;

    std::unique_ptr<Detector> borrow() {
        std::lock_guard lock(pool_mutex);
        if (pool.empty()) return std::make_unique<Detector>(prototype);
        auto d = std::move(pool.back());
        pool.pop_back();
        return d;
    }
    void give_back(std::unique_ptr<Detector> d) {
        std::lock_guard lock(pool_mutex);
        pool.push_back(std::move(d));
    }
};

FaceModel::FaceModel() : impl_(std::make_unique<Impl>()) {}
FaceModel::~FaceModel() = default;

std::string default_detector_cache() {
    const char* xdg = std::getenv("XDG_CACHE_HOME");
    const char* home = std::getenv("HOME");
    fs::path dir;
    if (xdg && *xdg) dir = fs::path(xdg) / "photodesk";
    else if (home && *home) dir = fs::path(home) / ".cache" / "photodesk";
    else return {};
    return (dir / "frontal_face_detector-dlib19.24.dat").string();
}

static bool load_cached_detector(const std::string& path, Detector& out) {
    if (path.empty() || !fs::exists(path)) return false;
    try {
        dlib_kernels::read_detector(path, out);
        return true;
    } catch (const std::exception&) {
        return false;  // stale or partial cache: rebuild below
    }
}

static void save_cached_detector(const std::string& path, const Detector& det) {
    if (path.empty()) return;
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    // Write to a temporary name and rename, so a concurrent reader never sees half a file.
    const std::string tmp = path + ".tmp" + std::to_string(::getpid());
    try {
        dlib_kernels::write_detector(tmp, det);
        fs::rename(tmp, path, ec);
    } catch (const std::exception&) {
        fs::remove(tmp, ec);
    }
}

Result<std::shared_ptr<const FaceModel>> FaceModel::load(const FaceModelPaths& paths) {
    if (!fs::exists(paths.landmark_model)) {
        return make_error(ErrorCode::NotFound, "landmark model " + paths.landmark_model +
                                                   " not found (install Debian package libdlib-data)");
    }
    std::shared_ptr<FaceModel> model(new FaceModel());
    try {
        dlib_kernels::read_predictor(paths.landmark_model, model->impl_->predictor);
    } catch (const std::exception& e) {
        return make_error(ErrorCode::Corrupt, "landmark model " + paths.landmark_model +
                                                  " does not load: " + e.what());
    }
    if (model->impl_->predictor.num_parts() != 68) {
        return make_error(ErrorCode::Corrupt, "landmark model " + paths.landmark_model + " has " +
                                                  std::to_string(model->impl_->predictor.num_parts()) +
                                                  " points, expected 68");
    }
    if (!load_cached_detector(paths.detector_cache, model->impl_->prototype)) {
        model->impl_->prototype = dlib_kernels::build_frontal_detector();
        save_cached_detector(paths.detector_cache, model->impl_->prototype);
    }
    return std::shared_ptr<const FaceModel>(std::move(model));
}

Result<std::shared_ptr<const FaceModel>> FaceModel::shared() {
    static std::once_flag once;
    static std::optional<Result<std::shared_ptr<const FaceModel>>> instance;
    std::call_once(once, [] {
        FaceModelPaths paths;
        paths.detector_cache = default_detector_cache();
        instance.emplace(load(paths));
    });
    return *instance;
}

// [SECTION] Detection

static Face to_face(const dlib::full_object_detection& shape, const cv::Rect2f& box, double score) {
    Face f;
    f.box = box;
    f.score = score;
    for (unsigned i = 0; i < 68; ++i) {
        f.points[i] = cv::Point2f(float(shape.part(i).x()), float(shape.part(i).y()));
    }
    return f;
}

Face FaceModel::fit(const cv::Mat& bgr, const cv::Rect2f& box) const {
    CV_Assert(bgr.type() == CV_8UC3);
    dlib::rectangle r(long(box.x), long(box.y), long(box.x + box.width), long(box.y + box.height));
    return to_face(dlib_kernels::fit(impl_->predictor, bgr, r), box, 0);
}

// `bgr` resized so its long side is `target` (px): shrinking by the integer part with INTER_AREA
// (fast only for integer factors) then a mild bilinear step; enlarging bilinearly.
static cv::Mat resize_long_side(const cv::Mat& bgr, int target) {
    const int long_side = std::max(bgr.cols, bgr.rows);
    if (target <= 0 || target == long_side) return bgr;
    const double scale = double(target) / long_side;
    const cv::Size dsize(std::max(1, int(bgr.cols * scale)), std::max(1, int(bgr.rows * scale)));
    if (scale > 1) {
        cv::Mat out;
        cv::resize(bgr, out, dsize, 0, 0, cv::INTER_LINEAR);
        return out;
    }
    const int n = int(1.0 / scale);
    cv::Mat step = bgr;
    if (n >= 2) cv::resize(bgr, step, cv::Size(std::max(1, bgr.cols / n), std::max(1, bgr.rows / n)), 0, 0, cv::INTER_AREA);
    if (step.size() == dsize) return step;
    cv::Mat out;
    cv::resize(step, out, dsize, 0, 0, cv::INTER_LINEAR);
    return out;
}

// HOG on `small` (a resized copy of `full`, `scale` = small px per full px), landmarks fitted on
// `full`. `offset` is where `small` sits in the resized frame when it is a crop of it.
static std::vector<Face> run_hog(const dlib_kernels::Predictor& predictor, Detector& det, const cv::Mat& full_in, cv::Mat small, double scale,
                          cv::Point offset, int min_width, FaceSource source) {
    // dlib wraps the pixels without copying; it needs a continuous 8UC3 Mat.
    if (!small.isContinuous()) small = small.clone();
    const std::vector<dlib::rect_detection> dets = dlib_kernels::detect_fastest(det, small);

    const cv::Mat full = full_in.isContinuous() ? full_in : full_in.clone();
    std::vector<Face> faces;
    for (const auto& d : dets) {
        if (d.rect.width() < unsigned(min_width)) continue;
        const float inv = float(1.0 / scale);
        cv::Rect2f box((d.rect.left() + offset.x) * inv, (d.rect.top() + offset.y) * inv, d.rect.width() * inv,
                       d.rect.height() * inv);
        dlib::rectangle r(long(box.x), long(box.y), long(box.x + box.width), long(box.y + box.height));
        Face f = to_face(dlib_kernels::fit(predictor, full, r), box, d.detection_confidence);
        f.source = source;
        faces.push_back(f);
    }
    std::sort(faces.begin(), faces.end(),
              [](const Face& a, const Face& b) { return a.face_width() > b.face_width(); });
    return faces;
}

std::vector<Face> FaceModel::detect(const cv::Mat& bgr, int detect_long_side, int min_face_px) const {
    CV_Assert(bgr.type() == CV_8UC3 && !bgr.empty());
    const int long_side = std::max(bgr.cols, bgr.rows);
    const cv::Mat small = detect_long_side > 0 && long_side > detect_long_side ? resize_long_side(bgr, detect_long_side) : bgr;
    const double scale = double(small.cols) / bgr.cols;
    auto det = impl_->borrow();
    auto faces = run_hog(impl_->predictor, *det, bgr, small, scale, {0, 0}, min_face_px, FaceSource::Hog);
    impl_->give_back(std::move(det));
    return faces;
}

std::vector<Face> FaceModel::detect_upsampled(const cv::Mat& bgr, int detect_long_side, int min_face_px, double upsample,
                                              const cv::Rect2f& exclude) const {
    CV_Assert(bgr.type() == CV_8UC3 && !bgr.empty() && upsample >= 1);
    const int long_side = std::max(bgr.cols, bgr.rows);
    const int base = detect_long_side > 0 ? std::min(long_side, detect_long_side) : long_side;
    cv::Mat big = resize_long_side(bgr, int(std::lround(base * upsample)));
    const double scale = double(big.cols) / bgr.cols;
    cv::Rect roi(0, 0, big.cols, big.rows);
    if (!exclude.empty()) {
        // Blank the excluded area with its mean colour (no edges, so no HOG response) on a
        // private copy when `big` still shares the caller's pixels.
        if (big.data == bgr.data) big = big.clone();
        const cv::Rect ex = cv::Rect(int(exclude.x * scale), int(exclude.y * scale), int(exclude.width * scale),
                                     int(exclude.height * scale)) & roi;
        if (!ex.empty()) big(ex).setTo(cv::mean(big(ex)));
    }
    auto det = impl_->borrow();
    auto faces = run_hog(impl_->predictor, *det, bgr, big(roi), scale, roi.tl(), int(std::lround(min_face_px * upsample)),
                         FaceSource::HogUpsampled);
    impl_->give_back(std::move(det));
    if (!exclude.empty()) {
        std::erase_if(faces, [&](const Face& f) { return (f.box & exclude).area() > 0.3 * f.box.area(); });
    }
    return faces;
}

}  // namespace pd::engine
