// Colour science the checks need: sRGB <-> CIELAB (D65) and the CIEDE2000 difference.
// Thread-safe: pure functions.
#pragma once

#include <opencv2/core.hpp>

#include "domain/spec_profile.h"

namespace pd::engine {

// sRGB 8-bit (given as B, G, R like OpenCV) to CIELAB with L in 0..100.
cv::Vec3d bgr_to_lab(const cv::Vec3d& bgr);
cv::Vec3d rgb_to_lab(const domain::Rgb& rgb);

// CIEDE2000 colour difference (Sharma, Wu, Dalal 2005), kL = kC = kH = 1.
double delta_e2000(const cv::Vec3d& lab1, const cv::Vec3d& lab2);

}  // namespace pd::engine
