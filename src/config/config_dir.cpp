// Where config lives, and the listing of spec profiles.
#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "config/config.h"
#include "config/toml_reader.h"

#ifndef PD_SOURCE_CONFIG_DIR
#error "PD_SOURCE_CONFIG_DIR must be defined by the build (src/CMakeLists.txt)"
#endif

namespace pd::config {

std::string default_config_dir() {
    const char* env = std::getenv("PHOTODESK_CONFIG_DIR");
    if (env != nullptr && *env != '\0') return env;
    return PD_SOURCE_CONFIG_DIR;
}

std::vector<std::string> list_spec_profiles(const std::string& config_dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(detail::join_path(config_dir, "specs"), ec)) {
        const std::filesystem::path& p = entry.path();
        if (!entry.is_regular_file(ec) || p.extension() != ".toml") continue;
        const std::string stem = p.stem().string();
        if (stem.empty() || stem.front() == '.') continue;
        names.push_back(stem);
    }
    std::sort(names.begin(), names.end());
    return names;
}

namespace detail {
std::string join_path(const std::string& config_dir, const std::string& relative) {
    return (std::filesystem::path(config_dir) / relative).string();
}
}  // namespace detail

}  // namespace pd::config
