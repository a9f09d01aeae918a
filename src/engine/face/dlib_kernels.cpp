#include "engine/face/dlib_kernels.h"

#include <fstream>

#include <dlib/opencv/cv_image.h>

namespace pd::engine::dlib_kernels {

std::vector<dlib::rect_detection> detect(Detector& det, const cv::Mat& bgr) {
    CV_Assert(bgr.type() == CV_8UC3 && bgr.isContinuous());
    dlib::cv_image<dlib::bgr_pixel> img(cvIplImage(bgr));
    std::vector<dlib::rect_detection> dets;
    det(img, dets);
    return dets;
}

#if defined(PD_KERNELS_AVX2_COPY)
// This is the AVX2 copy (src/CMakeLists.txt): its entry point.
std::vector<dlib::rect_detection> detect_avx2(Detector& det, const cv::Mat& bgr) { return detect(det, bgr); }
#else
bool uses_avx2_copy() {
#if defined(PD_HAVE_AVX2_COPY)
    static const bool avx2 = __builtin_cpu_supports("avx2");
    return avx2;
#else
    return false;
#endif
}

std::vector<dlib::rect_detection> detect_fastest(Detector& det, const cv::Mat& bgr) {
#if defined(PD_HAVE_AVX2_COPY)
    if (uses_avx2_copy()) return detect_avx2(det, bgr);
#endif
    return detect(det, bgr);
}
#endif

// [SECTION] Landmarks

dlib::full_object_detection Predictor::operator()(const cv::Mat& bgr, const dlib::rectangle& box) const {
    CV_Assert(bgr.type() == CV_8UC3);
    // Leaves fetched this many trees ahead of the one being added (a fit measured 0.45 ms with
    // no fetching ahead, 0.38 ms with 4 or 16).
    constexpr unsigned long kAhead = 8;
    const dlib::cv_image<dlib::bgr_pixel> img(cvIplImage(bgr));
    dlib::matrix<float, 0, 1> shape = initial_shape_;
    const long n = shape.size();
    std::vector<float> pixels;
    std::vector<const float*> leaf;
    for (const Cascade& c : cascades_) {
        dlib::impl::extract_feature_pixel_values(img, box, shape, initial_shape_, c.anchor_idx, c.deltas, pixels);
        // Where each tree ends depends only on this cascade's pixel values...
        leaf.resize(c.trees);
        const unsigned long depth_splits = c.splits_per_tree;
        for (unsigned long t = 0; t < c.trees; ++t) {
            const dlib::impl::split_feature* split = &c.splits[t * depth_splits];
            unsigned long i = 0;
            while (i < depth_splits) {
                const auto& s = split[i];
                i = pixels[s.idx1] - pixels[s.idx2] > s.thresh ? 2 * i + 1 : 2 * i + 2;  // dlib's left, right
            }
            leaf[t] = &c.leaves[(t * (depth_splits + 1) + (i - depth_splits)) * size_t(n)];
        }
        // ...so the leaves are summed afterwards, in dlib's order (the same floats, bit for bit).
        float* sum = &shape(0);
        for (unsigned long t = 0; t < c.trees; ++t) {
            if (t + kAhead < c.trees) {
                const float* next = leaf[t + kAhead];
                for (long k = 0; k < n; k += 16) __builtin_prefetch(next + k);
                __builtin_prefetch(next + n - 1);
            }
            const float* v = leaf[t];
            for (long k = 0; k < n; ++k) sum[k] += v[k];
        }
    }
    const dlib::point_transform_affine to_image = dlib::impl::unnormalizing_tform(box);
    std::vector<dlib::point> parts(size_t(n / 2));
    for (size_t i = 0; i < parts.size(); ++i) parts[i] = to_image(dlib::impl::location(shape, i));
    return dlib::full_object_detection(box, parts);
}

// The layout of dlib's serialize(shape_predictor): version 1, the initial shape, the forests,
// then per cascade the anchor landmarks and offsets of its sampled pixels. The forests are read
// one tree at a time, so the model is never held twice.
void Predictor::read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw dlib::serialization_error("Unable to open " + path + " for reading.");
    int version = 0;
    dlib::deserialize(version, in);
    if (version != 1) throw dlib::serialization_error("not a dlib shape_predictor (version " + std::to_string(version) + ")");
    dlib::deserialize(initial_shape_, in);
    const long n = initial_shape_.size();
    if (n < 2 || n % 2 != 0) throw dlib::serialization_error("initial shape has " + std::to_string(n) + " values");

    unsigned long count = 0;
    dlib::deserialize(count, in);
    if (count > 1000) throw dlib::serialization_error(std::to_string(count) + " cascades");
    cascades_.assign(count, Cascade{});
    dlib::impl::regression_tree tree;
    for (Cascade& c : cascades_) {
        dlib::deserialize(c.trees, in);
        if (c.trees == 0 || c.trees > 100000) throw dlib::serialization_error(std::to_string(c.trees) + " trees in a cascade");
        for (unsigned long t = 0; t < c.trees; ++t) {
            deserialize(tree, in);  // a hidden friend of regression_tree: found by ADL
            if (t == 0) {
                c.splits_per_tree = tree.splits.size();
                c.splits.reserve(c.trees * c.splits_per_tree);
                c.leaves.reserve(c.trees * (c.splits_per_tree + 1) * size_t(n));
            }
            // dlib requires full trees (leaves = splits + 1); this layout also needs one depth per
            // cascade, which is how dlib trains them.
            if (tree.splits.size() != c.splits_per_tree || tree.leaf_values.size() != c.splits_per_tree + 1)
                throw dlib::serialization_error("trees of a cascade differ in depth, or a tree is not full");
            c.splits.insert(c.splits.end(), tree.splits.begin(), tree.splits.end());
            for (const auto& v : tree.leaf_values) {
                if (v.size() != n) throw dlib::serialization_error("a leaf does not match the shape's size");
                c.leaves.insert(c.leaves.end(), v.begin(), v.end());
            }
        }
    }
    std::vector<std::vector<unsigned long>> anchors;
    std::vector<std::vector<dlib::vector<float, 2>>> deltas;
    dlib::deserialize(anchors, in);
    dlib::deserialize(deltas, in);
    if (anchors.size() != count || deltas.size() != count) throw dlib::serialization_error("sampled pixels do not match the cascades");
    for (unsigned long i = 0; i < count; ++i) {
        Cascade& c = cascades_[i];
        c.anchor_idx = std::move(anchors[i]);
        c.deltas = std::move(deltas[i]);
        if (c.anchor_idx.size() != c.deltas.size()) throw dlib::serialization_error("sampled pixels do not match their anchors");
        for (unsigned long a : c.anchor_idx)
            if (a >= num_parts()) throw dlib::serialization_error("a sampled pixel is anchored to no landmark");
        for (const auto& s : c.splits)
            if (s.idx1 >= c.deltas.size() || s.idx2 >= c.deltas.size())
                throw dlib::serialization_error("a split reads a pixel the cascade does not sample");
    }
}

dlib::full_object_detection fit(const Predictor& predictor, const cv::Mat& bgr, const dlib::rectangle& box) {
    return predictor(bgr, box);
}

void read_predictor(const std::string& path, Predictor& out) { out.read(path); }

// [SECTION] Detection and model files

void read_detector(const std::string& path, Detector& out) { dlib::deserialize(path) >> out; }

void write_detector(const std::string& path, const Detector& det) { dlib::serialize(path) << det; }

Detector build_frontal_detector() { return dlib::get_frontal_face_detector(); }

}  // namespace pd::engine::dlib_kernels
