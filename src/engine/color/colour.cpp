#include "engine/color/colour.h"

#include <cmath>

namespace pd::engine {

static double srgb_to_linear(double c) {
    c /= 255.0;
    return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

static double lab_f(double t) {
    constexpr double d = 6.0 / 29.0;
    return t > d * d * d ? std::cbrt(t) : t / (3 * d * d) + 4.0 / 29.0;
}

cv::Vec3d bgr_to_lab(const cv::Vec3d& bgr) {
    const double r = srgb_to_linear(bgr[2]), g = srgb_to_linear(bgr[1]), b = srgb_to_linear(bgr[0]);
    // sRGB D65 matrix, white normalised.
    const double x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
    const double y = (0.2126729 * r + 0.7151522 * g + 0.0721750 * b) / 1.00000;
    const double z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883;
    const double fx = lab_f(x), fy = lab_f(y), fz = lab_f(z);
    return {116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)};
}

cv::Vec3d rgb_to_lab(const domain::Rgb& rgb) { return bgr_to_lab(cv::Vec3d(rgb.b, rgb.g, rgb.r)); }

double delta_e2000(const cv::Vec3d& lab1, const cv::Vec3d& lab2) {
    constexpr double kPi = 3.14159265358979323846;
    const auto deg = [](double r) { return r * 180.0 / kPi; };
    const auto rad = [](double d) { return d * kPi / 180.0; };
    const double L1 = lab1[0], a1 = lab1[1], b1 = lab1[2];
    const double L2 = lab2[0], a2 = lab2[1], b2 = lab2[2];
    const double C1 = std::hypot(a1, b1), C2 = std::hypot(a2, b2);
    const double Cb = (C1 + C2) / 2;
    const double Cb7 = std::pow(Cb, 7);
    const double G = 0.5 * (1 - std::sqrt(Cb7 / (Cb7 + std::pow(25.0, 7))));
    const double a1p = (1 + G) * a1, a2p = (1 + G) * a2;
    const double C1p = std::hypot(a1p, b1), C2p = std::hypot(a2p, b2);
    const auto hue = [&](double b, double ap) {
        if (b == 0 && ap == 0) return 0.0;
        double h = deg(std::atan2(b, ap));
        return h < 0 ? h + 360 : h;
    };
    const double h1p = hue(b1, a1p), h2p = hue(b2, a2p);
    const double dLp = L2 - L1, dCp = C2p - C1p;
    double dhp = 0;
    if (C1p * C2p != 0) {
        dhp = h2p - h1p;
        if (dhp > 180) dhp -= 360;
        else if (dhp < -180) dhp += 360;
    }
    const double dHp = 2 * std::sqrt(C1p * C2p) * std::sin(rad(dhp / 2));
    const double Lbp = (L1 + L2) / 2, Cbp = (C1p + C2p) / 2;
    double hbp = h1p + h2p;
    if (C1p * C2p != 0) {
        if (std::abs(h1p - h2p) > 180) hbp = (h1p + h2p < 360) ? (h1p + h2p + 360) / 2 : (h1p + h2p - 360) / 2;
        else hbp = (h1p + h2p) / 2;
    }
    const double T = 1 - 0.17 * std::cos(rad(hbp - 30)) + 0.24 * std::cos(rad(2 * hbp)) +
                     0.32 * std::cos(rad(3 * hbp + 6)) - 0.20 * std::cos(rad(4 * hbp - 63));
    const double dTheta = 30 * std::exp(-std::pow((hbp - 275) / 25, 2));
    const double Cbp7 = std::pow(Cbp, 7);
    const double Rc = 2 * std::sqrt(Cbp7 / (Cbp7 + std::pow(25.0, 7)));
    const double Sl = 1 + 0.015 * (Lbp - 50) * (Lbp - 50) / std::sqrt(20 + (Lbp - 50) * (Lbp - 50));
    const double Sc = 1 + 0.045 * Cbp, Sh = 1 + 0.015 * Cbp * T;
    const double Rt = -std::sin(rad(2 * dTheta)) * Rc;
    const double tl = dLp / Sl, tc = dCp / Sc, th = dHp / Sh;
    return std::sqrt(tl * tl + tc * tc + th * th + Rt * tc * th);
}

}  // namespace pd::engine
