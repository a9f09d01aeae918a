#include "engine/matte/wall_model.h"

#include <algorithm>
#include <cmath>

namespace pd::engine::wall {

namespace {

// Basis for a smooth colour field over normalised coordinates in [-1, 1].
constexpr int kBasis = 6;
inline void basis(double x, double y, double* b) {
    b[0] = 1; b[1] = x; b[2] = y; b[3] = x * x; b[4] = x * y; b[5] = y * y;
}

// One least-squares fit to the samples marked in `use`; residuals for all of them.
Fit fit_wall(const std::vector<Sample>& s, const std::vector<char>& use) {
    int n = 0;
    for (char u : use) n += u;
    cv::Mat A(n, kBasis, CV_64F), B(n, 3, CV_64F);
    for (size_t i = 0, r = 0; i < s.size(); ++i) {
        if (!use[i]) continue;
        basis(s[i].x, s[i].y, A.ptr<double>(int(r)));
        for (int c = 0; c < 3; ++c) B.at<double>(int(r), c) = s[i].lab[c];
        ++r;
    }
    Fit fit;
    cv::solve(A, B, fit.coef, cv::DECOMP_SVD);
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

}  // namespace pd::engine::wall
