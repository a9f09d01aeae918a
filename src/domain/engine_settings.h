// EngineSettings: limits and working resolutions of the photo engine, from config/engine.toml.
// `version` is the engine parameter version stored with every rendered photo, so a re-crop
// rendered next month gives the same pixels as today.
#pragma once

#include <cstdint>

namespace pd::domain {

struct EngineSettings {
    int version = 1;

    // [decode]
    std::int64_t max_pixels = 0;       // refuse images larger than this from the header
    std::int64_t max_file_bytes = 0;   // refuse files larger than this before reading them
    int analysis_long_side = 0;        // JPEGs are DCT-scaled to at least this long side

    // [face]
    int detect_long_side = 0;          // HOG detection runs on a copy this long (px)
    int final_detect_long_side = 0;    // ... and this long on a photo already at the spec size,
                                       // whose face is known to be 180-300 px wide
    int min_face_px = 0;               // faces narrower than this at detection scale are ignored

    // [matte]
    int matte_long_side = 0;           // the matte is computed at this size then refined
    double forehead_lift = 0;          // the face hull reaches this x face width above the brows:
                                       // always person, whatever its colour
};

}  // namespace pd::domain
