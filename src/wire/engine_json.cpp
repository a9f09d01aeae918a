#include "wire/engine_json.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cmath>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace pd::wire {

using nlohmann::json;

std::string check_map_png(const cv::Mat& map) {
    if (map.empty() || map.type() != CV_8UC1) return {};
    // Max-pool to the size sent: a check's map is often a few pixels (a glint, a clipped
    // highlight) that an area filter would average away.
    const double k = std::max(1.0, double(std::max(map.cols, map.rows)) / kMapSide);
    cv::Mat small = map;
    if (k > 1) {
        const int cell = int(std::ceil(k));
        cv::Mat pooled;
        cv::dilate(map, pooled, cv::getStructuringElement(cv::MORPH_RECT, {cell, cell}));
        cv::resize(pooled, small, {std::max(1, int(std::lround(map.cols / k))), std::max(1, int(std::lround(map.rows / k)))},
                   0, 0, cv::INTER_NEAREST);
    }
    std::vector<unsigned char> png;
    if (!cv::imencode(".png", small, png, {cv::IMWRITE_PNG_COMPRESSION, 6})) return {};
    std::string b64(4 * ((png.size() + 2) / 3), '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), png.data(), int(png.size()));
    b64.resize(std::size_t(std::max(0, n)));
    return b64;
}

static json pt(const cv::Point2f& p) { return json::array({p.x, p.y}); }

json to_json(const engine::Geometry& g) {
    json j;
    j["space"] = engine::to_string(g.space);
    if (!g.points.empty()) {
        j["points"] = json::array();
        for (const auto& p : g.points) j["points"].push_back(pt(p));
    }
    if (!g.lines.empty()) {
        j["lines"] = json::array();
        for (const auto& [a, b] : g.lines) j["lines"].push_back(json::array({pt(a), pt(b)}));
    }
    if (!g.rects.empty()) {
        j["rects"] = json::array();
        for (const auto& r : g.rects) j["rects"].push_back(json::array({r.x, r.y, r.width, r.height}));
    }
    if (!g.polygons.empty()) {
        j["polygons"] = json::array();
        for (const auto& poly : g.polygons) {
            json pj = json::array();
            for (const auto& p : poly) pj.push_back(pt(p));
            j["polygons"].push_back(pj);
        }
    }
    if (!g.hbands.empty()) {
        j["hbands"] = json::array();
        for (const auto& [a, b] : g.hbands) j["hbands"].push_back(json::array({a, b}));
    }
    if (!g.map.empty()) {
        j["map"] = {{"width", g.map.cols},
                    {"height", g.map.rows},
                    {"coverage", double(cv::countNonZero(g.map)) / double(g.map.total())}};
        if (auto png = check_map_png(g.map); !png.empty()) j["map"]["png"] = std::move(png);
    }
    return j;
}

json to_json(const engine::CheckResult& r) {
    return {{"id", r.id},         {"title", r.title},         {"verdict", engine::to_string(r.verdict)},
            {"value", r.value},   {"unit", r.unit},           {"threshold", r.threshold},
            {"reason", r.reason}, {"detail", r.detail},       {"geometry", to_json(r.geometry)}};
}

json to_json(const std::vector<engine::CheckResult>& checks) {
    json a = json::array();
    for (const auto& c : checks) a.push_back(to_json(c));
    return a;
}

json report_json(const engine::StandardizeOutcome& o, const domain::SpecProfile& spec, int engine_version) {
    const auto& a = o.analysis;
    const auto& facts = a.decoded.facts;
    const auto& exif = a.decoded.exif;
    json j;
    j["report_version"] = kReportVersion;
    j["engine_version"] = engine_version;
    j["spec"] = spec.name;
    // The file already had the spec's pixel size and was judged as it is (output = the file).
    j["judged_as_final"] = o.judged_as_final;
    j["source"] = {{"format", engine::to_string(facts.format)},
                   {"width", facts.width},
                   {"height", facts.height},
                   {"channels", facts.channels},
                   {"bits_per_sample", facts.bits_per_sample},
                   {"has_alpha", facts.has_alpha},
                   {"cmyk", facts.cmyk},
                   {"bytes", facts.byte_size}};
    if (exif.present) {
        j["exif"] = {{"orientation", exif.orientation}, {"make", exif.make},         {"model", exif.model},
                     {"lens_model", exif.lens_model},   {"software", exif.software}, {"datetime_original", exif.datetime_original}};
    }
    // turned_clockwise: degrees the photo was turned because no face was found upright (no
    // EXIF orientation said so); the working image and the crop are in the turned frame.
    j["working"] = {{"width", a.working.cols}, {"height", a.working.rows}, {"per_original_px", a.working_per_original},
                    {"turned_clockwise", a.turned_clockwise}};
    j["faces"] = json::array();
    for (const auto& f : a.faces) {
        const char* by = f.source == engine::FaceSource::Cascade ? "cascade"
                         : f.source == engine::FaceSource::HogUpsampled ? "hog_upsampled" : "hog";
        j["faces"].push_back({{"box", {f.box.x, f.box.y, f.box.width, f.box.height}}, {"score", f.score},
                              {"face_width", f.face_width()}, {"found_by", by}});
    }
    if (a.has_face()) {
        // The subject's 68 points (iBUG order) in working-image pixels, like the faces' boxes.
        json points = json::array();
        for (const auto& p : a.subject().points) points.push_back(pt(p));
        j["landmarks"] = {{"space", "working"}, {"points", std::move(points)}};
    }
    if (o.photo) {
        const auto& c = o.photo->crop;
        j["crop"] = {{"x", c.x}, {"y", c.y}, {"scale", c.scale}, {"crown_y", c.crown_y}, {"eye_y", c.eye_y},
                     {"face_width", c.face_width}, {"centre_offset", c.centre_offset}};
        // The same window in pixels of the upright original file: the form a re-crop decision
        // sends back (docs/api.md, POST /v1/decisions).
        const double k = o.analysis.working_per_original > 0 ? o.analysis.working_per_original : 1.0;
        j["crop"]["window_original"] = {{"x", c.x / k}, {"y", c.y / k}, {"width", c.out_width / c.scale / k}};
        j["output"] = {{"width", o.photo->bgr.cols}, {"height", o.photo->bgr.rows}, {"bytes", o.photo->jpeg.bytes.size()},
                       {"quality", o.photo->jpeg.quality}, {"size_in_window", o.photo->jpeg.size_in_window}};
    }
    if (o.spec_error) {
        j["spec_error"] = {{"code", to_string(o.spec_error->code)}, {"message", o.spec_error->message}};
        if (!o.spec_error->kind.empty()) j["spec_error"]["kind"] = o.spec_error->kind;
    }
    j["checks"] = to_json(o.checks);
    int fails = 0, warns = 0;
    for (const auto& c : o.checks) {
        fails += c.verdict == engine::Verdict::Fail;
        warns += c.verdict == engine::Verdict::Warn;
    }
    j["summary"] = {{"fail", fails}, {"warn", warns}, {"checks", o.checks.size()}};
    return j;
}

}  // namespace pd::wire
