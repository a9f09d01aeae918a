// One PhotoEngine per test binary (the landmark model takes ~1 s to load), built from the
// repository's config/ exactly as the CLI builds it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/photo_engine.h"

namespace pd::test {

const engine::PhotoEngine& shared_engine();

// The repository's chsi-2017 profile, loaded once (without the face model).
const domain::SpecProfile& default_spec();

// Real photos decoded to BGR (alpha composited on white), by path.
cv::Mat load_bgr(const std::string& path);

std::vector<std::uint8_t> encode_jpeg_q(const cv::Mat& bgr, int quality = 95);
std::vector<std::uint8_t> encode_png(const cv::Mat& bgr);

// Inserts an EXIF APP1 segment (after SOI) with the given fields; empty strings are omitted,
// orientation 0 is omitted.
std::vector<std::uint8_t> with_exif(const std::vector<std::uint8_t>& jpeg, const std::string& lens_model,
                                    const std::string& software, int orientation = 0);

const engine::CheckResult& find_check(const std::vector<engine::CheckResult>& checks, const std::string& id);

}  // namespace pd::test
