#include "engine/matte/wall_model.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace pd::engine::wall {

namespace {

// Basis for a smooth colour field over normalised coordinates in [-1, 1].
constexpr int kBasis = 6;
inline void basis(double x, double y, double* b) {
    b[0] = 1; b[1] = x; b[2] = y; b[3] = x * x; b[4] = x * y; b[5] = y * y;
}

// One least-squares fit to the samples marked in `use`; residuals for all of them.
// Solved through the normal equations (a 6x6 system summed over the samples): the SVD of the
// n x 6 sample matrix itself gave the same coefficients and was the costliest step of the
// matte (~0.5 ms a solve at 5,000 samples, four solves a photo). The basis is over [-1, 1],
// so the 6x6 system is well conditioned; its SVD still gives the least-norm solution when the
// samples cannot tell two terms apart (all in one row).
Fit fit_wall(const std::vector<Sample>& s, const std::vector<char>& use) {
    cv::Matx<double, kBasis, kBasis> AtA = cv::Matx<double, kBasis, kBasis>::zeros();
    cv::Matx<double, kBasis, 3> AtB = cv::Matx<double, kBasis, 3>::zeros();
    for (size_t i = 0; i < s.size(); ++i) {
        if (!use[i]) continue;
        double b[kBasis];
        basis(s[i].x, s[i].y, b);
        for (int j = 0; j < kBasis; ++j) {
            for (int k = j; k < kBasis; ++k) AtA(j, k) += b[j] * b[k];
            for (int c = 0; c < 3; ++c) AtB(j, c) += b[j] * s[i].lab[c];
        }
    }
    for (int j = 0; j < kBasis; ++j)
        for (int k = 0; k < j; ++k) AtA(j, k) = AtA(k, j);
    Fit fit;
    cv::solve(cv::Mat(AtA), cv::Mat(AtB), fit.coef, cv::DECOMP_SVD);
    fit.residuals.resize(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        double b[kBasis];
        basis(s[i].x, s[i].y, b);
        double d2 = 0;
        for (int c = 0; c < 3; ++c) {
            double v = 0;
            for (int k = 0; k < kBasis; ++k) v += b[k] * fit.coef.at<double>(k, c);
            d2 += (v - s[i].lab[c]) * (v - s[i].lab[c]);
        }
        fit.residuals[i] = std::sqrt(d2);
    }
    return fit;
}

}  // namespace

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    size_t k = std::min(v.size() - 1, size_t(p * (v.size() - 1)));
    std::nth_element(v.begin(), v.begin() + k, v.end());
    return v[k];
}

Fit fit_robust(const std::vector<Sample>& samples) {
    std::vector<char> use(samples.size(), 1);
    Fit fit = fit_wall(samples, use);
    for (int round = 0; round < 3; ++round) {
        std::vector<double> kept_res;
        for (size_t i = 0; i < samples.size(); ++i)
            if (use[i]) kept_res.push_back(fit.residuals[i]);
        const double cut = std::max(4.0, 3.0 * percentile(kept_res, 0.5));
        int kept = 0;
        for (size_t i = 0; i < samples.size(); ++i) kept += (use[i] = fit.residuals[i] <= cut);
        if (kept < kBasis * 4) break;
        fit = fit_wall(samples, use);
    }
    return fit;
}

Image evaluate(const cv::Mat& coef, const cv::Mat& env) {
    const int W = env.cols, H = env.rows;
    cv::Mat wall_lab(H, W, CV_32FC3);
    float lmin = 1e9f, lmax = -1e9f;
    cv::Vec3f at_min, at_max;
    for (int y = 0; y < H; ++y) {
        auto* row = wall_lab.ptr<cv::Vec3f>(y);
        for (int x = 0; x < W; ++x) {
            double b[kBasis];
            basis(2.0 * x / (W - 1) - 1.0, 2.0 * y / (H - 1) - 1.0, b);
            cv::Vec3f v;
            for (int c = 0; c < 3; ++c) {
                double acc = 0;
                for (int k = 0; k < kBasis; ++k) acc += b[k] * coef.at<double>(k, c);
                v[c] = float(acc);
            }
            row[x] = v;
            // Gradient is judged where the wall is actually seen (outside the envelope).
            if (!env.at<uchar>(y, x)) {
                if (v[0] < lmin) { lmin = v[0]; at_min = v; }
                if (v[0] > lmax) { lmax = v[0]; at_max = v; }
            }
        }
    }
    return {wall_lab, lmax >= lmin ? cv::norm(at_max - at_min) : 0.0};
}

// The backdrop around the person, spread under its edge: a normalised convolution of the pixels
// that are surely backdrop (alpha under 0.1, one pixel away from the person's edge, where hair
// wisps lie), with the smooth model as a weak prior so that deep inside the person, far from
// any backdrop, the model holds. On a plain wall this is the wall; on a busy backdrop it is the
// backdrop right behind the hair, which the smooth model cannot follow.
cv::Mat local_backdrop(const cv::Mat& small_bgr, const cv::Mat& alpha, const cv::Mat& model_bgr, double sigma) {
    CV_Assert(alpha.size() == small_bgr.size() && model_bgr.size() == small_bgr.size());
    cv::Mat sure = alpha < 0.1f;
    cv::erode(sure, sure, cv::getStructuringElement(cv::MORPH_ELLIPSE, {3, 3}));
    cv::Mat weight, weighted;
    sure.convertTo(weight, CV_32F, 1.0 / 255.0);
    small_bgr.convertTo(weighted, CV_32FC3);
    cv::Mat weight3;
    cv::merge(std::vector<cv::Mat>{weight, weight, weight}, weight3);
    weighted = weighted.mul(weight3);
    cv::GaussianBlur(weighted, weighted, cv::Size(0, 0), sigma);
    cv::GaussianBlur(weight, weight, cv::Size(0, 0), sigma);
    constexpr float kPrior = 0.02f;  // the model's weight: a few backdrop pixels nearby outweigh it
    cv::Mat out(small_bgr.size(), CV_32FC3);
    for (int y = 0; y < out.rows; ++y) {
        const auto* num = weighted.ptr<cv::Vec3f>(y);
        const float* den = weight.ptr<float>(y);
        const auto* model = model_bgr.ptr<cv::Vec3f>(y);
        auto* o = out.ptr<cv::Vec3f>(y);
        for (int x = 0; x < out.cols; ++x) o[x] = (num[x] + kPrior * model[x]) / (den[x] + kPrior);
    }
    return out;
}

}  // namespace pd::engine::wall
