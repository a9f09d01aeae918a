// SpecProfile: the numbers of one photo standard (default `chsi-2017`), loaded from
// config/specs/NAME.toml by src/config. Plain data: no I/O, no OpenCV, no ImGui.
// Every number the engine uses to crop, render or judge a photo lives here or in
// CheckSettings, never in code.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pd::domain {

struct Rgb {
    std::uint8_t r = 0, g = 0, b = 0;
    bool operator==(const Rgb&) const = default;
};

struct Range {
    double min = 0, max = 0;
    bool contains(double v) const { return v >= min && v <= max; }
    double mid() const { return (min + max) / 2; }
    bool operator==(const Range&) const = default;
};

struct SpecProfile {
    std::string name;         // e.g. "chsi-2017"
    std::string description;  // one line for people

    // [file]
    int width = 0, height = 0;  // output pixels
    int dpi = 0;                // JFIF density written into the file
    int min_quality = 0;        // JPEG quality factor floor
    Range file_kb;              // target size window, kilobytes (1 KB = 1024 bytes)

    // [background]
    Rgb background;                   // the colour composited behind the person
    double background_max_delta_e = 0; // ΔE2000 allowed between border pixels and `background`

    // [head] spec bands, in output pixels measured from the top / as widths
    Range crown_y;       // top of head (hair) below the top edge
    Range eye_y;         // eye line below the top edge
    Range face_width;    // face width (cheek to cheek at the eye line)
    double max_centre_offset_px = 0;  // |face centre - image centre| allowed

    // [crop] where the crop aims inside the bands, and how far it may stretch the source
    double target_crown_y = 0;
    double target_eye_y = 0;
    double max_upscale = 0;  // output px per source px beyond which the source is "too small"
    // How far inside the bands the crop aims: `max` when the head's proportions allow, never
    // less than `min` (below that, two measurements of the same photo could disagree on
    // whether it meets the spec, so the photo is refused with the reason).
    Range margin_px;
    // Rows at the bottom of the frame the source may fail to cover (they can only be filled
    // by repeating its last row, which smears the clothes into streaks). Beyond this the
    // photo is refused: the spec wants the upper body down to the chest.
    int max_padded_rows = 0;
};

// One automated check's configuration: its reason code and named numeric parameters
// (thresholds). The engine's check registry says which parameters each check needs and
// rejects unknown ones, so a typo in config is an error naming the key.
struct CheckConfig {
    bool enabled = true;
    std::string reason;                     // reason code suggested when the check fails
    std::map<std::string, double> params;   // e.g. {"warn_deg": 2, "fail_deg": 4}
};

using CheckSettings = std::map<std::string, CheckConfig>;  // by check id

}  // namespace pd::domain
