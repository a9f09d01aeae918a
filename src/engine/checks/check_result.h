// The result of one automated check: what was measured, against what threshold, the verdict,
// the reason code a reviewer would reject with, and the geometry the workstation draws.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

namespace pd::engine {

enum class Verdict { Pass, Warn, Fail, NotAssessable };
const char* to_string(Verdict v);

// Which image the geometry is drawn on.
enum class Space { Original, Standardized };
const char* to_string(Space s);

struct Geometry {
    Space space = Space::Standardized;
    std::vector<cv::Point2f> points;
    std::vector<std::pair<cv::Point2f, cv::Point2f>> lines;
    std::vector<cv::Rect2f> rects;
    std::vector<std::vector<cv::Point2f>> polygons;
    // Horizontal bands (y0, y1) spanning the image: spec bands for crown and eyes.
    std::vector<std::pair<float, float>> hbands;
    // Per-pixel map (CV_8UC1, 0 = nothing, 255 = strongest) over the whole of `space`, possibly
    // at a smaller scale (same aspect): whoever draws it stretches it to the image. Shown in
    // false colour. Empty when the check has none.
    cv::Mat map;
    bool empty() const {
        return points.empty() && lines.empty() && rects.empty() && polygons.empty() && hbands.empty() && map.empty();
    }
};

struct CheckResult {
    std::string id;          // stable, e.g. "eye_tilt"
    std::string title;       // short English label
    Verdict verdict = Verdict::NotAssessable;
    double value = 0;        // the measurement
    std::string unit;        // "px", "deg", "KB", "ratio", ...
    std::string threshold;   // human-readable rule, e.g. "50-110" or "warn > 2, fail > 4"
    std::string reason;      // reason code suggested when verdict is Warn or Fail
    std::string detail;      // one line: what was measured, or why it could not be
    Geometry geometry;
};

}  // namespace pd::engine
