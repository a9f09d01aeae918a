// The wall behind the student as a smooth colour field: per Lab channel, a quadratic in the
// normalised image coordinates, fitted robustly to samples of the wall, so that gradients and
// vignetting belong to the wall and not to the person. Internal to engine/matte: the person
// matte picks the samples and turns the distance to this model into alpha.
//
// The renderer also needs the backdrop right behind the person's edge, which on a busy backdrop the
// smooth model cannot follow: local_backdrop().
//
// Thread-safe: pure functions.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

namespace pd::engine::wall {

// One wall pixel: its position normalised to [-1, 1] and its Lab colour.
struct Sample { double x, y; cv::Vec3f lab; };

struct Fit {
    cv::Mat coef;                   // CV_64F 6 x 3: basis (1, x, y, x², xy, y²) by channel (L, a, b)
    std::vector<double> residuals;  // ΔE of every sample from the model, outliers included
};

// The model at every pixel of the working image.
struct Image {
    cv::Mat lab;          // CV_32FC3
    double gradient = 0;  // ΔE between its lightest and darkest points where the wall is seen
};

// Fit, drop outliers (a shadow, a poster), fit again: three rounds.
Fit fit_robust(const std::vector<Sample>& samples);

// Evaluate the model over the working image (env's size); the gradient is judged where
// env is 0, where the wall is actually seen.
Image evaluate(const cv::Mat& coef, const cv::Mat& env);

// The p-quantile (p in [0, 1]) of v, nearest rank below; 0 when v is empty.
double percentile(std::vector<double> v, double p);

// The backdrop behind the person's edge (CV_32FC3, 0..255, the size of `small_bgr`): the pixels
// that are surely backdrop (alpha < 0.1, one pixel away from the edge) blurred with a Gaussian
// of `sigma` px and normalised by their weight, with `model_bgr` (the smooth wall model) as a
// weak prior where no backdrop is near.
cv::Mat local_backdrop(const cv::Mat& small_bgr, const cv::Mat& alpha, const cv::Mat& model_bgr, double sigma);

}  // namespace pd::engine::wall
