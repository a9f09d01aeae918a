// Drawing check geometry onto an image for people (the CLI's --overlay, reports). The
// workstation draws the same geometry itself with ImGui; this is the offline equivalent.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "engine/checks/check_result.h"

namespace pd::engine {

// Draws every check whose geometry is in `space` onto a copy of `bgr`: pass in green, warn
// in amber, fail in red, maps of failing checks tinted, and a legend of verdicts.
cv::Mat draw_overlay(const cv::Mat& bgr, const std::vector<CheckResult>& checks, Space space);

}  // namespace pd::engine
