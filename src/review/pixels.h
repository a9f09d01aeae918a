// Decoded images ready for a texture upload: RGBA8, rows tightly packed, top row first.
// Decoding runs on the sync worker's decode threads (never on the UI thread) through the
// engine's decoder, which sniffs the real format, refuses decompression bombs and turns the
// photo upright per its EXIF orientation.
//
// Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace pd::review {

struct Pixels {
    int width = 0, height = 0;              // of `rgba`
    int full_width = 0, full_height = 0;    // of the upright original before any downscale
    std::vector<std::uint8_t> rgba;         // width * height * 4
    std::size_t bytes() const { return rgba.size(); }
};

// Decodes any photo the engine reads and scales it down (area filter) so the longer side is at
// most `max_side` (0: full size). Errors name the problem (truncated, unknown format, too large).
Result<Pixels> decode_pixels(std::span<const std::uint8_t> bytes, int max_side, std::int64_t max_pixels);

}  // namespace pd::review
