#include "engine/render/overlay.h"

#include <opencv2/imgproc.hpp>

namespace pd::engine {

static cv::Scalar colour_of(Verdict v) {
    switch (v) {
        case Verdict::Pass: return {80, 200, 80};
        case Verdict::Warn: return {0, 190, 255};
        case Verdict::Fail: return {40, 40, 235};
        case Verdict::NotAssessable: return {160, 160, 160};
    }
    return {160, 160, 160};
}

cv::Mat draw_overlay(const cv::Mat& bgr, const std::vector<CheckResult>& checks, Space space) {
    cv::Mat out = bgr.clone();
    const auto P = [](const cv::Point2f& p) { return cv::Point(cvRound(p.x), cvRound(p.y)); };
    for (const auto& c : checks) {
        const Geometry& g = c.geometry;
        if (g.space != space || g.empty()) continue;
        const cv::Scalar col = colour_of(c.verdict);
        if (!g.map.empty() && c.verdict != Verdict::Pass) {
            cv::Mat map = g.map;  // checks may keep it at a smaller scale of the same image
            if (map.size() != out.size()) cv::resize(g.map, map, out.size(), 0, 0, cv::INTER_NEAREST);
            cv::Mat tint(out.size(), CV_8UC3, col);
            cv::Mat blended;
            cv::addWeighted(out, 0.5, tint, 0.5, 0, blended);
            blended.copyTo(out, map);
        }
        for (const auto& [y0, y1] : g.hbands) {
            cv::Mat band = out.rowRange(std::max(0, int(y0)), std::min(out.rows, int(y1) + 1));
            cv::Mat tint(band.size(), CV_8UC3, cv::Scalar(255, 255, 255));
            cv::addWeighted(band, 0.85, tint, 0.15, 0, band);
            cv::line(out, {0, int(y0)}, {out.cols, int(y0)}, col, 1, cv::LINE_AA);
            cv::line(out, {0, int(y1)}, {out.cols, int(y1)}, col, 1, cv::LINE_AA);
        }
        for (const auto& [a, b] : g.lines) cv::line(out, P(a), P(b), col, 1, cv::LINE_AA);
        for (const auto& r : g.rects) cv::rectangle(out, cv::Rect(r), col, 1, cv::LINE_AA);
        for (const auto& poly : g.polygons) {
            std::vector<cv::Point> pts;
            for (const auto& p : poly) pts.push_back(P(p));
            cv::polylines(out, pts, true, col, 1, cv::LINE_AA);
        }
        for (const auto& p : g.points) cv::circle(out, P(p), 2, col, cv::FILLED, cv::LINE_AA);
    }
    // Legend: the checks that are not a plain pass.
    int y = 14;
    for (const auto& c : checks) {
        if (c.verdict == Verdict::Pass) continue;
        const std::string text = c.id + ": " + to_string(c.verdict);
        cv::putText(out, text, {5, y}, cv::FONT_HERSHEY_SIMPLEX, 0.4, {0, 0, 0}, 3, cv::LINE_AA);
        cv::putText(out, text, {5, y}, cv::FONT_HERSHEY_SIMPLEX, 0.4, colour_of(c.verdict), 1, cv::LINE_AA);
        y += 14;
        if (y > out.rows - 4) break;
    }
    return out;
}

}  // namespace pd::engine
