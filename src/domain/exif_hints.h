// ExifHints: text patterns the metadata checks look for in EXIF (config/exif_hints.toml).
// Phones name the front camera in LensModel ("... front camera ..."); beauty apps write
// their name into Software.
#pragma once

#include <string>
#include <vector>

namespace pd::domain {

struct ExifHints {
    std::vector<std::string> front_camera_patterns;    // case-insensitive substrings of LensModel/Model
    std::vector<std::string> beauty_software_patterns; // case-insensitive substrings of Software
};

}  // namespace pd::domain
