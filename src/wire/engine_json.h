// The JSON form of engine results: check lists and standardization reports. One place, so the
// CLI, the server and the tests agree on every field name. Versioned with kReportVersion.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/photo_engine.h"

namespace pd::wire {

inline constexpr int kReportVersion = 1;

// A check's pixel map as the report carries it: max-pooled so its longer side is at most
// kMapSide px (a single flagged pixel survives), grey PNG, base64. "" when there is none.
inline constexpr int kMapSide = 160;
std::string check_map_png(const cv::Mat& map);

nlohmann::json to_json(const engine::Geometry& g);
nlohmann::json to_json(const engine::CheckResult& r);
nlohmann::json to_json(const std::vector<engine::CheckResult>& checks);

// Everything a report holds about one photo: source facts, EXIF, faces, crop, output file
// facts, the spec error if any, and the checks.
nlohmann::json report_json(const engine::StandardizeOutcome& outcome, const domain::SpecProfile& spec,
                           int engine_version);

}  // namespace pd::wire
