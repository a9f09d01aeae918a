#include "config/exif_hints_loader.h"

#include <filesystem>

#include <toml.hpp>

namespace pd::config {

Result<domain::ExifHints> load_exif_hints(const std::string& config_dir) {
    const std::string path = (std::filesystem::path(config_dir) / "exif_hints.toml").string();
    if (!std::filesystem::exists(path)) return make_error(ErrorCode::NotFound, path + " not found");
    try {
        const auto root = toml::parse(path);
        domain::ExifHints h;
        for (const auto& [key, value] : root.as_table()) {
            if (key == "front_camera") h.front_camera_patterns = toml::get<std::vector<std::string>>(value);
            else if (key == "beauty_software") h.beauty_software_patterns = toml::get<std::vector<std::string>>(value);
            else return make_error(ErrorCode::ConfigInvalid, path + ": unknown key '" + key + "'");
        }
        return h;
    } catch (const std::exception& e) {
        return make_error(ErrorCode::ConfigInvalid, path + ": " + e.what());
    }
}

}  // namespace pd::config
